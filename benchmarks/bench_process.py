"""Whole-process wall time and peak memory of ``tokeff compare`` against plain-library scripts.

What a user waits for is the whole process: from starting ``python -m tokeff compare`` to the
printed table (interpreter start, imports, tokenizer loading, corpus reading, counting,
bootstrap, printing). Each command runs as its own child process; its wall time is taken
around the child and its peak resident memory is the child's own ``ru_maxrss`` (``os.wait4``).
The commands of one job run interleaved (A B A B ...), so a machine shared with other work
slows both alike; ratios are taken within a round, then the median over the rounds is quoted.

Jobs:

- **default**: ``python -m tokeff compare`` exactly as a user types it (UDHR, the default
  tokenizers and languages, default metrics and bootstrap), *cold* (a new, empty count cache
  each round) and *warm* (run again with the cache the cold run wrote), against
  ``floor_default.py`` (the same tokenizers loaded with the plain libraries, the same token
  totals printed). The cold runs keep tokeff's parsed-vocabulary cache (``vocab/``) warm: it is
  copied into each new cache directory, as it stands after any first run on a machine.
- **flores** (skipped when FLORES-200 is absent): dev+devtest over the default languages
  FLORES-200 has, one tokenizer at a time (o200k_base, deepseek-v3), ``compare --metrics tokens
  --bootstrap 0`` and ``compare`` with the CLI's default metrics, cold count cache, against
  ``floor_flores.py`` one call per segment (``loop``) and one batch call per language
  (``batch``); the faster of the two (by median) is the floor.

Every floor script must print exactly tokeff's token totals; where they differ no ratio is
reported. Writes ``results/process.json``::

    python benchmarks/bench_process.py --rounds 5
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PY = sys.executable
UDHR = REPO / "corpora" / "udhr" / "articles.jsonl"
FLORES_TOKENIZERS = ("o200k_base", "deepseek-v3")

#: Issue 13's goals, recorded with the numbers so the README can say which are met.
GOALS = {"default_cold_time": 1.3, "default_cold_memory": 1.3, "warm_seconds": 1.0,
         "warm_mb": 200.0, "flores_raw_over_tokeff": 0.8}


def run(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Wall seconds, the child's peak RSS (MiB) and its stdout, for one whole process."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8")
        if p.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} exited {p.returncode}:\n"
                             f"{err.read().decode('utf-8', 'replace')[-3000:]}")
    return {"wall": wall, "rss_mb": ru.ru_maxrss / 1024.0, "stdout": stdout}


def tokeff_tokens(stdout: str) -> dict[str, dict[str, int]]:
    """The ``tokens`` block of ``tokeff compare``'s table: {tokenizer: {lang: total}}."""
    lines = stdout.splitlines()
    i = lines.index("tokens")
    head = lines[i + 1].split()
    assert head[0] == "lang", lines[i + 1]
    out: dict[str, dict[str, int]] = {t: {} for t in head[1:]}
    for ln in lines[i + 2:]:
        cells = ln.split()
        if not cells:
            break
        for t, v in zip(head[1:], cells[1:]):
            out[t][cells[0]] = int(v.replace(",", ""))
    return out


def floor_default_tokens(stdout: str) -> dict[str, dict[str, int]]:
    rows = [ln.split("\t") for ln in stdout.splitlines() if ln]
    head = rows[0]
    return {t: {r[0]: int(r[k]) for r in rows[1:]} for k, t in enumerate(head) if k}


def mismatches(mine: dict[str, dict[str, int]], floor: dict[str, dict[str, int]]) -> list[str]:
    bad = []
    for t in sorted(set(mine) | set(floor)):
        a, b = mine.get(t, {}), floor.get(t, {})
        for la in sorted(set(a) | set(b)):
            if a.get(la) != b.get(la):
                bad.append(f"{t} {la}: tokeff {a.get(la)}, floor {b.get(la)}")
    return bad


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"wall": _common.summarize([r["wall"] for r in runs]),
            "rss_mb": _common.summarize([r["rss_mb"] for r in runs])}


def ratios(floor: list[dict[str, Any]], mine: list[dict[str, Any]]) -> dict[str, Any]:
    """Per round: floor time / tokeff time (>1: tokeff faster) and tokeff memory / floor
    memory (>1: tokeff uses more); summarised over the rounds."""
    return {"raw_over_tokeff_time": _common.summarize(
                [f["wall"] / m["wall"] for f, m in zip(floor, mine)]),
            "tokeff_over_raw_memory": _common.summarize(
                [m["rss_mb"] / f["rss_mb"] for f, m in zip(floor, mine)])}


class CacheDirs:
    """New count-cache directories that hold a copy of a warm parsed-vocabulary cache."""

    def __init__(self, root: Path, seed: Path) -> None:
        self.root, self.seed, self.n = root, seed, 0

    def fresh(self) -> Path:
        self.n += 1
        d = self.root / f"cache{self.n}"
        if (self.seed / "vocab").is_dir():
            shutil.copytree(self.seed / "vocab", d / "vocab")
        else:
            d.mkdir()
        return d


def env_with(cache: Path) -> dict[str, str]:
    env = dict(os.environ, TOKEFF_CACHE_DIR=str(cache))
    for k in ("TOKEFF_CACHE", "TOKEFF_NO_CACHE"):
        env.pop(k, None)
    return env


def default_langs_in_udhr() -> list[str]:
    row = json.loads(UDHR.open(encoding="utf-8").readline())
    return [la for la in _common.DEFAULT_LANGS if la in row]


def bench_default(dirs: CacheDirs, rounds: int, warmup: int, log: list) -> dict[str, Any]:
    langs = default_langs_in_udhr()
    tok_cmd = [PY, "-m", "tokeff", "compare"]
    floor_cmd = [PY, str(HERE / "floor_default.py"), ",".join(langs)]
    cold, warm, floor, bad = [], [], [], []
    for r in range(warmup + rounds):
        d = dirs.fresh()
        c = run(tok_cmd, env_with(d))
        f = run(floor_cmd)
        w = run(tok_cmd, env_with(d))
        shutil.rmtree(d, ignore_errors=True)
        mine, theirs = tokeff_tokens(c["stdout"]), floor_default_tokens(f["stdout"])
        bad += mismatches(mine, theirs) + mismatches(tokeff_tokens(w["stdout"]), theirs)
        tag = "warm-up" if r < warmup else f"round {r - warmup + 1}"
        print(f"default {tag}: cold {c['wall']:.2f} s {c['rss_mb']:.0f} MiB | floor "
              f"{f['wall']:.2f} s {f['rss_mb']:.0f} MiB | warm {w['wall']:.2f} s "
              f"{w['rss_mb']:.0f} MiB | load {os.getloadavg()[0]:.1f}", flush=True)
        log.append({"job": "default", "round": tag, "loadavg": list(os.getloadavg())})
        if r >= warmup:
            cold.append(c)
            warm.append(w)
            floor.append(f)
    out: dict[str, Any] = {
        "command": "python -m tokeff compare", "floor": "python benchmarks/floor_default.py",
        "langs": langs, "tokenizers": list(tokeff_tokens(cold[0]["stdout"])),
        "vocab_cache": "warm (copied into each new count-cache directory)",
        "runs": {"tokeff_cold": summary(cold), "tokeff_warm": summary(warm),
                 "floor": summary(floor)},
        "verified": not bad, "mismatches": sorted(set(bad))[:20],
    }
    if not bad:
        out["ratios"] = {"cold": ratios(floor, cold), "warm": ratios(floor, warm)}
    return out


def bench_flores(dirs: CacheDirs, rounds: int, warmup: int, log: list) -> dict[str, Any]:
    root = Path(os.environ.get("TOKEFF_FLORES200")
                or REPO.parent / "shared" / "corpora" / "flores200")
    if not (root / "dev").is_dir() or not (root / "devtest").is_dir():
        return {"available": False,
                "reason": f"FLORES-200 not found at {root} (set TOKEFF_FLORES200)"}
    langs = [la for la in _common.DEFAULT_LANGS if (root / "dev" / f"{la}.dev").is_file()
             and (root / "devtest" / f"{la}.devtest").is_file()]
    segments = sum(1 for la in langs[:1] for s in ("dev", "devtest")
                   for _ in (root / s / f"{la}.{s}").open(encoding="utf-8"))
    jobs: dict[str, Any] = {}
    for name in FLORES_TOKENIZERS:
        base = [PY, "-m", "tokeff", "compare", "--corpus", str(root), "--split", "dev+devtest",
                "--langs", ",".join(langs), "--tokenizers", name]
        cmds = {
            "tokeff_tokens": base + ["--metrics", "tokens", "--bootstrap", "0"],
            "tokeff_default": base,
            "raw_loop": [PY, str(HERE / "floor_flores.py"), str(root), name, "loop",
                         ",".join(langs)],
            "raw_batch": [PY, str(HERE / "floor_flores.py"), str(root), name, "batch",
                          ",".join(langs)],
        }
        runs: dict[str, list[dict[str, Any]]] = {k: [] for k in cmds}
        bad: list[str] = []
        for r in range(warmup + rounds):
            got = {}
            for k, cmd in cmds.items():
                d = dirs.fresh() if k.startswith("tokeff") else None
                got[k] = run(cmd, env_with(d) if d else None)
                if d:
                    shutil.rmtree(d, ignore_errors=True)
            for k in ("raw_loop", "raw_batch"):
                raw = {name: {ln.split("\t")[0]: int(ln.split("\t")[1])
                              for ln in got[k]["stdout"].splitlines() if ln}}
                for m in ("tokeff_tokens", "tokeff_default"):
                    bad += [f"{k} vs {m}: {x}" for x in
                            mismatches(tokeff_tokens(got[m]["stdout"]), raw)]
            tag = "warm-up" if r < warmup else f"round {r - warmup + 1}"
            print(f"flores {name} {tag}: " + " | ".join(
                f"{k} {v['wall']:.2f} s {v['rss_mb']:.0f} MiB" for k, v in got.items())
                + f" | load {os.getloadavg()[0]:.1f}", flush=True)
            log.append({"job": f"flores {name}", "round": tag, "loadavg": list(os.getloadavg())})
            if r >= warmup:
                for k, v in got.items():
                    runs[k].append(v)
        fastest = min(("raw_loop", "raw_batch"),
                      key=lambda k: statistics.median(x["wall"] for x in runs[k]))
        job: dict[str, Any] = {
            "commands": {k: " ".join(["python"] + [Path(x).name if x.startswith("/") else x
                                                   for x in c[1:]])
                         for k, c in cmds.items()},
            "runs": {k: summary(v) for k, v in runs.items()},
            "fastest_raw": fastest, "verified": not bad, "mismatches": sorted(set(bad))[:20],
        }
        if not bad:
            job["ratios"] = {m: ratios(runs[fastest], runs[m])
                             for m in ("tokeff_tokens", "tokeff_default")}
        jobs[name] = job
    return {"available": True, "dir": str(root), "split": "dev+devtest", "langs": langs,
            "segments_per_lang": segments, "jobs": jobs}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5, help="measured rounds per job")
    ap.add_argument("--warmup", type=int, default=1, help="unmeasured rounds first (page cache)")
    ap.add_argument("--skip-flores", action="store_true")
    args = ap.parse_args(argv)

    record: dict[str, Any] = {"machine": _common.machine(), "rounds": args.rounds,
                              "warmup": args.warmup, "goals": GOALS}
    t0 = time.perf_counter()
    log: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="tokeff-bench-process-") as tmp:
        seed = Path(tmp) / "seed"
        # One untimed run fills the parsed-vocabulary cache every cold run starts from.
        run([PY, "-m", "tokeff", "compare", "-q"], env_with(seed))
        run([PY, "-m", "tokeff", "compare", "-q", "--tokenizers", ",".join(FLORES_TOKENIZERS),
             "--langs", "en"], env_with(seed))
        dirs = CacheDirs(Path(tmp), seed)
        record["default"] = bench_default(dirs, args.rounds, args.warmup, log)
        record["flores"] = ({"available": False, "reason": "skipped (--skip-flores)"}
                            if args.skip_flores else
                            bench_flores(dirs, args.rounds, args.warmup, log))
    record["rounds_log"] = log
    record["total_seconds"] = time.perf_counter() - t0
    path = _common.write_result("process", record)
    print(f"wrote {path} ({record['total_seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
