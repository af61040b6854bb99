"""The paired bootstrap: tokeff's resampled sums against the previous implementation.

``tokeff.metrics.Bootstrap.resampled_sums`` gives, for 1000 resamples of the aligned segments,
the sum of every count column; every tokenizer x language x ratio metric gets its interval
from the same resamples. The previous implementation (kept below, verbatim) drew the resamples
from ``numpy.random.default_rng(seed).integers(0, n)``, built float64 weight matrices per
chunk of resamples and multiplied them with all columns through BLAS. tokeff draws them with
its resampling scheme ``rs2`` (``tokeff.resample``): the same distribution (n segments drawn
with replacement), another random stream, so the two agree within resampling noise, not bit
for bit.

Cases: 400,000 segments x 24 integer count columns (2 tokenizers x 2 languages: tokens,
characters, bytes, words, continued words, UNK characters, byte-fallback tokens; 12 ratios);
32,000 x 80, where OpenBLAS's default threads busy-waited; and what ``measure`` bootstraps on
FLORES-200 dev+devtest with 21 languages x 2 tokenizers and the default metrics (2009 x 231).

Every run is a fresh process (peak memory is per process), with the default BLAS threads and
with ``OPENBLAS_NUM_THREADS=1``; the runs are interleaved (previous, tokeff, previous, ... in
each trial), times are medians over the trials, the speed-up is the median of the per-trial
ratios. A digest of every result shows tokeff's sums are the same in every run (trials and
BLAS settings); the intervals of the two implementations are compared endpoint by endpoint,
as a share of the previous interval's width (resampling noise: a few percent). The delta
method (used from a million segments on) is timed on the same columns, with its largest
distance to the bootstrap's interval endpoints, as a share of the bootstrap interval's width.

    python benchmarks/bench_bootstrap.py --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C

CHILD = r"""
import hashlib, json, resource, sys, time
import numpy as np

def previous(columns, n_resamples, seed, chunk=64):
    n, k = columns.shape
    rng = np.random.default_rng(seed)
    out = np.empty((n_resamples, k), dtype=np.float64)
    cols = columns.astype(np.float64, copy=False)
    chunk = max(1, min(chunk, 2_000_000 // max(n, 1)))
    for start in range(0, n_resamples, chunk):
        b = min(chunk, n_resamples - start)
        idx = rng.integers(0, n, size=(b, n))
        flat = (np.arange(b)[:, None] * n + idx).reshape(-1)
        w = np.bincount(flat, minlength=b * n).reshape(b, n).astype(np.float64)
        out[start:start + b] = w @ cols
    return out

which, n, k, resamples = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
from tokeff.metrics import Bootstrap
boot = Bootstrap(n_resamples=resamples, seed=0)
cols = np.random.default_rng(42).integers(0, 60, size=(n, k))  # int64, no temporary copy
run = boot.resampled_sums if which == "tokeff" else (lambda c: previous(c, resamples, 0))
def cpu():  # this process and its helper processes (reaped by the time it returns)
    r, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
c0, t0 = cpu(), time.perf_counter()
sums = run(cols)
ivs = [boot.interval(sums[:, i], sums[:, i + 1]) for i in range(0, k - 1, 2)]
wall, cpu_s = time.perf_counter() - t0, cpu() - c0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
helper = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # its whole peak
res = {"seconds": wall, "cpu_seconds": cpu_s, "extra_mb": peak - base + helper,
       "digest": hashlib.sha256(sums.tobytes()).hexdigest()[:16], "intervals": ivs}
if which == "tokeff":  # the delta method on the same pairs, as used from 1M segments on
    t0 = time.perf_counter()
    delta = Bootstrap(analytic_from=0).intervals(cols, [(i, i + 1) for i in range(0, k - 1, 2)])
    res["delta_seconds"] = time.perf_counter() - t0
    res["delta_vs_bootstrap"] = max(max(abs(d[0] - b[0]), abs(d[1] - b[1])) / (b[1] - b[0])
                                    for d, b in zip(delta, ivs))
print(json.dumps(res))
"""

IMPLS = ("previous", "tokeff")
BLAS = (("default BLAS threads", {}), ("OPENBLAS_NUM_THREADS=1", {"OPENBLAS_NUM_THREADS": "1"}))


def run_child(which: str, n: int, k: int, resamples: int, env_extra: dict[str, str]) -> dict:
    env = {k2: v for k2, v in os.environ.items() if k2 != "OPENBLAS_NUM_THREADS"}
    env.update(env_extra)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(C.REPO), env.get("PYTHONPATH")]))
    p = subprocess.run([sys.executable, "-c", CHILD, which, str(n), str(k), str(resamples)],
                       capture_output=True, text=True, env=env, check=False, cwd=C.REPO)
    if p.returncode != 0:
        raise SystemExit(p.stderr)
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3, help="trials (interleaved)")
    args = ap.parse_args()
    mach = C.machine()
    cases = {"large": (400_000, 24), "busy-wait": (32_000, 80), "flores": (2009, 231)}
    trials: dict = {c: {b: {i: [] for i in IMPLS} for b, _ in BLAS} for c in cases}
    for t in range(args.repeat):
        for case, (n, k) in cases.items():
            for label, env_extra in BLAS:
                for impl in IMPLS:
                    r = run_child(impl, n, k, args.resamples, env_extra)
                    trials[case][label][impl].append(r)
                    print(f"trial {t + 1} {case} {label} {impl}: {r['seconds']:.2f}s "
                          f"(CPU {r['cpu_seconds']:.2f}s)", file=sys.stderr)
    out: dict = {}
    deterministic = True
    agreement = 0.0
    for case, (n, k) in cases.items():
        out[case] = {"segments": n, "columns": k, "configs": {}}
        case_digests = set()
        for label, _ in BLAS:
            row: dict = {}
            for impl in IMPLS:
                runs = trials[case][label][impl]
                if impl == "tokeff":
                    case_digests |= {r["digest"] for r in runs}
                row[impl] = {
                    "seconds": statistics.median(r["seconds"] for r in runs),
                    "cpu_seconds": statistics.median(r["cpu_seconds"] for r in runs),
                    "extra_mb": statistics.median(r["extra_mb"] for r in runs),
                    "all_seconds": [r["seconds"] for r in runs],
                }
            prev, new = trials[case][label]["previous"], trials[case][label]["tokeff"]
            row["speedup"] = statistics.median(p["seconds"] / q["seconds"]
                                               for p, q in zip(prev, new))
            out[case]["configs"][label] = row
            out[case]["delta_seconds"] = statistics.median(r["delta_seconds"] for r in new)
            out[case]["delta_vs_bootstrap"] = max(r["delta_vs_bootstrap"] for r in new)
        # Largest distance between the two implementations' interval endpoints, as a share
        # of the previous interval's width: resampling noise, the schemes being different.
        p_iv, t_iv = prev[0]["intervals"], new[0]["intervals"]
        out[case]["previous_vs_tokeff"] = max(max(abs(a[0] - b[0]), abs(a[1] - b[1]))
                                              / (a[1] - a[0]) for a, b in zip(p_iv, t_iv))
        agreement = max(agreement, out[case]["previous_vs_tokeff"])
        out[case]["digests"] = sorted(case_digests)
        deterministic = deterministic and len(case_digests) == 1
    path = C.write_result("bootstrap", {"machine": mach, "resamples": args.resamples,
                                        "trials": args.repeat, "results": out,
                                        "scheme": "rs2", "deterministic_sums": deterministic,
                                        "previous_vs_tokeff": agreement})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
