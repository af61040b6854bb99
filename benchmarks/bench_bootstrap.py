"""The paired bootstrap: 1000 resamples over 400,000 aligned segments.

``tokeff.metrics.Bootstrap`` draws the resampled segment indices once per chunk of resamples
and applies them to every column at once (one matrix product per chunk), so every tokenizer x
language x ratio metric gets its interval from the same resamples. Columns here: 24 integer
count arrays (what ``measure`` gathers for 2 tokenizers x 2 languages: tokens, characters,
bytes, words, continued words, UNK characters, byte-fallback tokens), 12 ratios.

Each configuration runs in a fresh process (peak memory is per process): the default BLAS
threading, and ``OPENBLAS_NUM_THREADS=1`` (the matrix product is small and short; on a busy
2-core machine OpenBLAS's thread hand-offs can cost more than the product itself).

    python benchmarks/bench_bootstrap.py --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C

CHILD = r"""
import json, resource, sys, time
import numpy as np
from tokeff.metrics import Bootstrap
n, k, reps, resamples = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = np.random.default_rng(42)
cols = rng.integers(0, 60, size=(n, k)).astype(np.int64)  # per-segment counts
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
boot = Bootstrap(n_resamples=resamples, seed=0)
best = None
for _ in range(reps):
    t0 = time.perf_counter()
    sums = boot.resampled_sums(cols)
    ivs = [boot.interval(sums[:, i], sums[:, i + 1]) for i in range(0, k - 1, 2)]
    dt = time.perf_counter() - t0
    best = dt if best is None else min(best, dt)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": best, "rss_before_mb": base, "peak_rss_mb": peak,
                  "first_interval": ivs[0]}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--segments", type=int, default=400_000)
    ap.add_argument("--columns", type=int, default=24)
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    mach = C.machine()
    cases = {"large": (args.segments, args.columns),
             # What `measure` bootstraps in the throughput benchmark (FLORES-200 dev+devtest,
             # 21 languages x 2 tokenizers, default metrics): 2009 segments x 231 columns.
             "flores": (2009, 231)}
    out: dict = {}
    for case, (n, k) in cases.items():
        out[case] = {}
        for label, env_extra in (("default BLAS threads", {}),
                                 ("OPENBLAS_NUM_THREADS=1", {"OPENBLAS_NUM_THREADS": "1"})):
            env = {k2: v for k2, v in os.environ.items() if k2 != "OPENBLAS_NUM_THREADS"}
            env.update(env_extra)
            p = subprocess.run([sys.executable, "-c", CHILD, str(n), str(k), str(args.repeat),
                                str(args.resamples)],
                               capture_output=True, text=True, env=env, check=False)
            if p.returncode != 0:
                raise SystemExit(p.stderr)
            r = json.loads(p.stdout.strip().splitlines()[-1])
            r["extra_mb"] = r["peak_rss_mb"] - r["rss_before_mb"]
            r["segments"], r["columns"] = n, k
            out[case][label] = r
            print(f"{case} {label}: {r['seconds']:.2f}s, +{r['extra_mb']:.0f} MB",
                  file=sys.stderr)
    same = all(len({json.dumps(r["first_interval"]) for r in c.values()}) == 1
               for c in out.values())
    path = C.write_result("bootstrap", {"machine": mach, "segments": args.segments,
                                        "columns": args.columns, "resamples": args.resamples,
                                        "results": out, "identical_intervals": same})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
