"""Do tokenizer constructors release the GIL? (Why tokeff does not load tokenizers in threads.)

For each backend, one tokenizer build is timed alone, a pure-Python loop alone, and both at once
in two threads. If the constructor released the GIL, "together" would take about the longer of
the two; holding it, it takes their sum. Builds: ``tokenizers.Tokenizer.from_str`` on
deepseek-v3's tokenizer.json, ``tiktoken.Encoding`` from o200k_base's ranks (already parsed),
``sentencepiece`` from mistral-7b-v1's model bytes. Medians of ``--repeat`` runs.

    python benchmarks/bench_load_gil.py --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C


def builders() -> dict[str, Callable[[], object]]:
    import sentencepiece as spm
    import tiktoken
    from tokenizers import Tokenizer

    from tokeff.tokenizers import get_tokenizer
    from tokeff.tokenizers.catalogue import get_entry

    hf_json = get_entry("deepseek-v3").read_vocab().decode("utf-8")
    enc = get_tokenizer("o200k_base").encoding
    ranks, pat = enc._mergeable_ranks, enc._pat_str
    spm_bytes = get_entry("mistral-7b-v1").read_vocab()
    return {
        "tokenizers Tokenizer.from_str (deepseek-v3)": lambda: Tokenizer.from_str(hf_json),
        "tiktoken Encoding (o200k_base ranks)": lambda: tiktoken.Encoding(
            name="o200k", pat_str=pat, mergeable_ranks=ranks, special_tokens={}),
        "sentencepiece load (mistral-7b-v1)": lambda: spm.SentencePieceProcessor(
            model_proto=spm_bytes),
    }


def spin() -> None:
    x = 0
    for i in range(3_000_000):
        x += i


def timed(fns: list[Callable[[], object]]) -> float:
    threads = [threading.Thread(target=f) for f in fns]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    machine = C.machine()
    out: dict[str, dict[str, float]] = {}
    for name, build in builders().items():
        alone, python, together = [], [], []
        for _ in range(args.repeat):
            alone.append(timed([build]))
            python.append(timed([spin]))
            together.append(timed([build, spin]))
        a, p, t = (statistics.median(x) for x in (alone, python, together))
        out[name] = {"build_s": a, "python_s": p, "together_s": t, "sum_s": a + p,
                     "max_s": max(a, p), "overlap_share": (a + p - t) / min(a, p)}
        print(f"{name}: build {a:.3f} s, Python loop {p:.3f} s, both in two threads {t:.3f} s "
              f"(sum {a + p:.3f}, longer {max(a, p):.3f}); share of the shorter one hidden by "
              f"overlap: {out[name]['overlap_share']:.0%}")
    path = C.write_result("load_gil", {"machine": machine, "repeat": args.repeat,
                                       "results": out})
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
