"""Peak memory of a streamed measurement of a corpus larger than a few GB.

A synthetic parallel corpus is written to a directory of ``<code>.txt`` files: line ``i`` of
every language is the same randomly drawn FLORES-200 sentence (dev+devtest) of that language
followed by `` [i]``, so the files are aligned and no two lines are equal. Its size is chosen
with ``--gb`` (total over the languages).

The measurement runs in a fresh process: ``tokeff.measure(dir, [o200k], chunk_size=...)`` with
the default metrics (words, offsets: the heaviest counting) and ``bootstrap=0`` (the paired
bootstrap keeps ``64 x segments`` weights per chunk of resamples: see bench_bootstrap.py). The
process's peak resident memory (``ru_maxrss``) is reported together with the memory after
loading the tokenizer, the time, and the size of the compact count arrays it keeps.

    python benchmarks/bench_memory.py --gb 2.5
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C

from tokeff.corpora import load_flores_dir

LANGS = ["eng_Latn", "fra_Latn"]

CHILD = r"""
import json, os, resource, sys, time
sys.path.insert(0, sys.argv[3])
import _common as C
import tokeff
tok = tokeff.get_tokenizer(C.o200k_spec())
tok.fingerprint(); tok.byte_fallback_mask(); tok.encode("warm up")
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t0 = time.perf_counter(); c0 = C.cpu_seconds()
res = tokeff.measure(sys.argv[1], [tok], chunk_size=int(sys.argv[2]), bootstrap=0,
                     pivot="eng_Latn")
wall = time.perf_counter() - t0; cpu = C.cpu_seconds() - c0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
seen = {}
for c in res.counts.values():
    for f in ("tokens", "chars", "bytes", "byte_fallback", "words", "continued", "unk_chars",
              "token_ids", "token_freqs"):
        a = getattr(c, f)
        if a is not None:
            seen[id(a)] = a.nbytes
print(json.dumps({"rss_after_load_mb": base, "peak_rss_mb": peak, "wall_s": wall, "cpu_s": cpu,
                  "segments": len(res.counts[("o200k", "eng_Latn")].tokens),
                  "langs": res.meta["langs"],
                  "count_arrays_mb": sum(seen.values()) / 2**20,
                  "dtypes": sorted({str(c.tokens.dtype) for c in res.counts.values()}),
                  "tokens": {la: res.value("o200k", la, "tokens") for la in res.meta["langs"]},
                  "fertility": {la: res.value("o200k", la, "fertility")
                                for la in res.meta["langs"]}}))
"""


def make_corpus(out: Path, total_gb: float, seed: int = 0) -> dict:
    """Write the synthetic aligned corpus; returns its size and number of segments."""
    src = load_flores_dir(C.flores_dir(), split="dev+devtest", langs=LANGS)
    n_src = len(src)
    per_line = sum(len(s.encode()) + 1 for la in LANGS for s in src[la]) / n_src
    n = int(total_gb * 2**30 / (per_line + 2 * 9))
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        files = {la: stack.enter_context(open(out / f"{la}.txt", "w", encoding="utf-8",
                                              newline="\n")) for la in LANGS}
        block = 100_000
        for start in range(0, n, block):
            idx = [rng.randrange(n_src) for _ in range(min(block, n - start))]
            for la, f in files.items():
                seg = src[la]
                f.write("".join(f"{seg[j]} [{start + k}]\n" for k, j in enumerate(idx)))
    size = sum((out / f"{la}.txt").stat().st_size for la in LANGS)
    return {"segments": n, "bytes": size, "langs": LANGS}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gb", type=float, default=2.5, help="total corpus size in GiB")
    ap.add_argument("--chunk-size", type=int, default=20_000)
    ap.add_argument("--dir", default=None, help="where to write the corpus (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the generated corpus")
    args = ap.parse_args()
    mach = C.machine()
    tmp = tempfile.mkdtemp(prefix="tokeff-bigcorpus-") if args.dir is None else args.dir
    d = Path(tmp)
    t0 = time.perf_counter()
    info = make_corpus(d, args.gb)
    info["write_s"] = time.perf_counter() - t0
    print(f"corpus: {info['bytes'] / 2**30:.2f} GiB, {info['segments']:,} aligned segments x "
          f"{len(LANGS)} languages ({info['write_s']:.0f}s to write)", file=sys.stderr)
    try:
        out = subprocess.run([sys.executable, "-c", CHILD, str(d), str(args.chunk_size),
                              str(Path(__file__).resolve().parent)],
                             capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise SystemExit(out.stderr)
        r = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        if not args.keep and args.dir is None:
            for f in d.glob("*.txt"):
                f.unlink()
            d.rmdir()
    r["sentences_per_s"] = r["segments"] * len(LANGS) / r["wall_s"]
    path = C.write_result("memory", {"machine": mach, "corpus": info,
                                     "chunk_size": args.chunk_size, "result": r})
    print(f"peak RSS {r['peak_rss_mb']:.0f} MB (after loading o200k: "
          f"{r['rss_after_load_mb']:.0f} MB), count arrays {r['count_arrays_mb']:.0f} MB, "
          f"{r['wall_s']:.0f}s; wrote {path}")


if __name__ == "__main__":
    main()
