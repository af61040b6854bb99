"""Cold vs cached runs: what a repeated measurement (the CI gate) costs with the count cache.

Workload: FLORES-200 dev+devtest, the default languages of ``tokeff compare``, o200k_base and
DeepSeek-V3, the default metrics with the 1000-resample bootstrap.

- in process (loading excluded): ``measure`` without cache, with an empty cache (cold: counts
  and writes every entry), then with the filled cache (warm: reads every entry);
- whole process (what CI pays): a fresh ``python`` that loads the corpus and tokenizers and
  measures, with an empty then a filled cache directory.

    python benchmarks/bench_cache.py --repeat 3
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C

import tokeff
from tokeff.cache import CountCache
from tokeff.corpora import load_flores_dir

CHILD = r"""
import sys, time
t0 = time.perf_counter()
sys.path.insert(0, sys.argv[2])
import _common as C
import tokeff
from tokeff.corpora import load_flores_dir
d = C.flores_dir()
langs = [la for la in C.DEFAULT_LANGS if (d / "dev" / f"{la}.dev").is_file()]
corpus = load_flores_dir(d, split="dev+devtest", langs=langs)
toks = [C.o200k_spec(), C.deepseek_spec()]
res = tokeff.measure(corpus, toks, cache=sys.argv[1])
print(time.perf_counter() - t0)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    mach = C.machine()
    d = C.flores_dir()
    langs = [la for la in C.DEFAULT_LANGS if (d / "dev" / f"{la}.dev").is_file()]
    corpus = load_flores_dir(d, split="dev+devtest", langs=langs)
    toks = [tokeff.get_tokenizer(C.o200k_spec()), tokeff.get_tokenizer(C.deepseek_spec())]
    tokeff.measure(corpus.shard(0, 50), toks, bootstrap=10)  # warm up segmenters and tables
    rows = {"uncached": [], "cold": [], "warm": []}
    same = True
    entries = size = 0
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            store = CountCache(tmp)
            w, _, plain = C.timed(lambda: tokeff.measure(corpus, toks, cache=False))
            rows["uncached"].append(w)
            w, _, cold = C.timed(lambda s=store: tokeff.measure(corpus, toks, cache=s))
            rows["cold"].append(w)
            w, _, warm = C.timed(lambda s=store: tokeff.measure(corpus, toks, cache=s))
            rows["warm"].append(w)
            same = same and plain.rows == cold.rows == warm.rows
            info = store.info()
            entries, size = info["entries"], info["bytes"]
            assert store.stats["hits"] == entries, store.stats
    proc = {"cold": [], "warm": []}
    here = str(Path(__file__).resolve().parent)
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            for label in ("cold", "warm"):
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-c", CHILD, tmp, here], check=True,
                               capture_output=True)
                proc[label].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in rows.items()}
    pmed = {k: statistics.median(v) for k, v in proc.items()}
    path = C.write_result("cache", {
        "machine": mach,
        "workload": {"corpus": "FLORES-200 dev+devtest", "segments": len(corpus),
                     "langs": langs, "tokenizers": [t.name for t in toks]},
        "in_process": {k: C.summarize(v) for k, v in rows.items()},
        "whole_process": {k: C.summarize(v) for k, v in proc.items()},
        "warm_over_cold": med["warm"] / med["cold"],
        "warm_over_cold_process": pmed["warm"] / pmed["cold"],
        "entries": entries, "cache_bytes": size, "identical_rows": same,
    })
    print(f"in process: cold {med['cold']:.2f}s, warm {med['warm']:.2f}s "
          f"({med['warm'] / med['cold']:.1%}); whole process: cold {pmed['cold']:.2f}s, warm "
          f"{pmed['warm']:.2f}s; {entries} entries, {size / 2**20:.1f} MB; wrote {path}")


if __name__ == "__main__":
    main()
