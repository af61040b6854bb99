"""Whole-process time of a tokens-only FLORES-200 count, with and without the count-only path.

Runs, interleaved, per round (after warm-up rounds):

- ``tokeff compare --corpus FLORES --split dev+devtest --langs <default languages>
  --tokenizers o200k_base --metrics tokens --bootstrap 0`` with bpe-openai (the default);
- the same with ``TOKEFF_FAST_COUNT=0`` (tiktoken counts);
- ``benchmarks/floor_flores.py FLORES o200k_base loop LANGS`` (raw tiktoken, one
  ``encode_ordinary`` per segment).

Each tokeff run gets a fresh ``TOKEFF_CACHE_DIR`` holding a copy of the user cache's
``vocab/``, ``descriptors/`` and ``hashes/`` (as after any first run on a machine) and no counts
(cold count cache). Totals must agree across the three. Writes ``results/fastcount.json``::

    python benchmarks/bench_fastcount.py --rounds 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common
from bench_process import PY, run, tokeff_tokens

HERE = Path(__file__).resolve().parent
SEED_PARTS = ("vocab", "descriptors", "hashes")


def fresh_cache(root: Path, n: int, seed: Path) -> Path:
    d = root / f"cache{n}"
    d.mkdir()
    for part in SEED_PARTS:
        if (seed / part).is_dir():
            shutil.copytree(seed / part, d / part)
    return d


def floor_tokens(stdout: str) -> dict[str, int]:
    return {la: int(v) for la, v in (ln.split("\t") for ln in stdout.splitlines() if ln)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    args = ap.parse_args(argv)
    root = _common.flores_dir()
    langs = [la for la in _common.DEFAULT_LANGS if (root / "dev" / f"{la}.dev").is_file()]
    seed = Path(os.environ.get("TOKEFF_CACHE_DIR") or Path.home() / ".cache" / "tokeff")
    cmd = [PY, "-m", "tokeff", "compare", "--corpus", str(root), "--split", "dev+devtest",
           "--langs", ",".join(langs), "--tokenizers", "o200k_base", "--metrics", "tokens",
           "--bootstrap", "0"]
    floor_cmd = [PY, str(HERE / "floor_flores.py"), str(root), "o200k_base", "loop",
                 ",".join(langs)]
    runs: dict[str, list[dict[str, Any]]] = {"fast": [], "tiktoken": [], "floor": []}
    loads: list[list[float]] = []
    bad: list[str] = []
    n = 0
    with tempfile.TemporaryDirectory(prefix="tokeff-fastcount-") as tmp:
        # Every process reads compiled bytecode, as from an installed package (a checkout run
        # with PYTHONDONTWRITEBYTECODE would compile tokeff's sources on every start): one
        # bytecode directory for all three, filled by the warm-up round.
        base = dict(os.environ, PYTHONPYCACHEPREFIX=str(Path(tmp) / "pyc"))
        base.pop("PYTHONDONTWRITEBYTECODE", None)
        for r in range(args.warmup + args.rounds):
            out: dict[str, dict[str, Any]] = {}
            for kind in ("fast", "floor", "tiktoken"):
                if kind == "floor":
                    out[kind] = run(floor_cmd, base)
                    continue
                n += 1
                d = fresh_cache(Path(tmp), n, seed)
                env = dict(base, TOKEFF_CACHE_DIR=str(d), TOKEFF_FAST_COUNT=(
                    "1" if kind == "fast" else "0"))
                for k in ("TOKEFF_CACHE", "TOKEFF_NO_CACHE"):
                    env.pop(k, None)
                out[kind] = run(cmd, env)
                shutil.rmtree(d, ignore_errors=True)
            ref = floor_tokens(out["floor"]["stdout"])
            for kind in ("fast", "tiktoken"):
                mine = tokeff_tokens(out[kind]["stdout"])["o200k_base"]
                if mine != ref:
                    bad.append(f"round {r}: {kind} totals differ from the floor")
            tag = "warm-up" if r < args.warmup else f"round {r - args.warmup + 1}"
            load = list(os.getloadavg())
            print(f"{tag}: fast {out['fast']['wall']:.2f} s | floor {out['floor']['wall']:.2f} s"
                  f" | tiktoken {out['tiktoken']['wall']:.2f} s | load {load[0]:.1f}",
                  flush=True)
            if r >= args.warmup:
                loads.append(load)
                for kind, done in runs.items():
                    done.append(out[kind])
    fl = runs["floor"]
    record: dict[str, Any] = {
        "tokeff_command": " ".join(["python -m tokeff"] + cmd[3:5] + ["FLORES"] + cmd[6:]),
        "floor": "python benchmarks/floor_flores.py FLORES o200k_base loop LANGS",
        "langs": langs,
        "total_tokens": sum(ref.values()),
        "count_cache": "cold (fresh TOKEFF_CACHE_DIR with vocab/, descriptors/, hashes/ copied)",
        "bytecode": "compiled once (PYTHONPYCACHEPREFIX shared by all runs, warm-up fills it)",
        "rounds": args.rounds, "loadavg": loads,
        "runs": {k: {"wall": _common.summarize([x["wall"] for x in v]),
                     "rss_mb": _common.summarize([x["rss_mb"] for x in v])}
                 for k, v in runs.items()},
        "ratios": {
            "floor_over_fast": _common.summarize(
                [f["wall"] / m["wall"] for f, m in zip(fl, runs["fast"])]),
            "floor_over_tiktoken": _common.summarize(
                [f["wall"] / m["wall"] for f, m in zip(fl, runs["tiktoken"])]),
            "tiktoken_over_fast": _common.summarize(
                [t["wall"] / m["wall"] for t, m in zip(runs["tiktoken"], runs["fast"])]),
        },
        "verified": not bad, "mismatches": bad,
    }
    path = _common.write_result("fastcount", record)
    print(f"wrote {path}")
    return 0 if not bad else 1


if __name__ == "__main__":
    raise SystemExit(main())
