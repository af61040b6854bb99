"""Whole-process wall time and peak memory of ``tokeff compare`` against plain-library scripts.

What a user waits for is the whole process: from starting ``python -m tokeff compare`` to the
printed table (interpreter start, imports, tokenizer loading, corpus reading, counting,
bootstrap, printing). Each command runs as its own child process; its wall time is taken
around the child and its peak resident memory is the larger of its ``ru_maxrss`` (``os.wait4``)
and the peak of the resident memory of the child and its descendants summed, sampled every 20 ms
(``_treemem.py``): tokeff segments words in helper processes.
The commands of one job run interleaved (A B A B ...), so a machine shared with other work
slows both alike; ratios are taken within a round, then the median over the rounds is quoted.

Jobs:

- **default**: ``python -m tokeff compare`` exactly as a user types it (UDHR, the default
  tokenizers and languages, default metrics and bootstrap), *cold* (a new, empty count cache
  each round) and *warm* (run again with the cache the cold run wrote), against
  ``floor_default.py`` (the same tokenizers loaded with the plain libraries, the same token
  totals printed), and against ``floor_default_full.py`` (the same-work floor: the same
  tokenizers with token offsets, words from the same segmenters, continued words, the paired
  bootstrap; its totals and intervals are checked against one untimed ``--format json`` run of
  the same command). The cold runs keep tokeff's parsed-vocabulary cache (``vocab/``) warm: it
  is copied into each new cache directory, as it stands after any first run on a machine.
  A *first run* (every cache empty, as on a machine where tokeff never ran) is timed too.
- **flores** (skipped when FLORES-200 is absent): dev+devtest over the default languages
  FLORES-200 has, one tokenizer at a time (o200k_base, deepseek-v3), cold count cache:
  ``compare --metrics tokens --bootstrap 0`` against ``floor_flores.py`` (token counts only),
  and ``compare`` with the CLI's default metrics and bootstrap against ``floor_flores_full.py``
  (the same work with the plain libraries: token offsets, words from the same segmenters,
  continued words, the 1000-resample paired bootstrap). Each floor runs one call per segment
  (``loop``) and one batch call per language (``batch``); the faster of the two (by median) is
  the floor. tokeff runs with ``--format json`` so its totals can be checked.

Every floor script must print exactly tokeff's totals (the full floor also bootstrap
intervals within resampling noise of tokeff's, see ``full_mismatches``); where one differs no ratio is reported and the
differences are recorded. Writes ``results/process.json``::

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
from _treemem import TreeSampler

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PY = sys.executable
UDHR = REPO / "corpora" / "udhr" / "articles.jsonl"
FLORES_TOKENIZERS = ("o200k_base", "deepseek-v3")
#: Aligned segments per chunk of the streamed FLORES run (each language has 2,009: 5 chunks).
STREAM_CHUNK = 500

#: Issue 13's goals, recorded with the numbers so the README can say which are met.
GOALS = {"default_cold_time": 1.3, "default_cold_memory": 1.3, "warm_seconds": 1.0,
         "warm_mb": 200.0, "flores_raw_over_tokeff": 0.8}


#: Compiled bytecode, shared by every command: as on a user's machine, where Python keeps it
#: (this machine sets PYTHONDONTWRITEBYTECODE, which would make every process compile its
#: sources again, tokeff's more than a short script's).
BYTECODE = Path(tempfile.gettempdir()) / "tokeff-bench-bytecode"


def with_bytecode(env: dict[str, str] | None) -> dict[str, str]:
    env = dict(os.environ if env is None else env)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(BYTECODE)
    return env


def run(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Wall seconds, the child's peak RSS (MiB) and its stdout, for one whole process."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=REPO, env=with_bytecode(env), stdout=out, stderr=err)
        sampler = TreeSampler(p.pid)  # the process and its helper processes, summed
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        tree = sampler.stop()
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8")
        if p.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} exited {p.returncode}:\n"
                             f"{err.read().decode('utf-8', 'replace')[-3000:]}")
    # ru_maxrss covers the largest single process of the tree; the sampled sum covers them all.
    return {"wall": wall, "rss_mb": max(ru.ru_maxrss * 1024.0, tree) / 2**20,
            "rss_single_mb": ru.ru_maxrss / 1024.0, "rss_tree_mb": tree / 2**20,
            "stdout": stdout}


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
    """New count-cache directories that hold a copy of a warm parsed-vocabulary cache and of
    the tokenizer descriptors (what a machine where tokeff ran before has: without them a
    count-only run loads its tokenizer just to learn its fingerprint)."""

    def __init__(self, root: Path, seed: Path) -> None:
        self.root, self.seed, self.n = root, seed, 0

    def fresh(self) -> Path:
        self.n += 1
        d = self.root / f"cache{self.n}"
        d.mkdir()
        for sub in ("vocab", "descriptors"):
            if (self.seed / sub).is_dir():
                shutil.copytree(self.seed / sub, d / sub)
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
    full_cmd = [PY, str(HERE / "floor_default_full.py"), ",".join(langs)]
    # The same-work floor's totals (chars, words, continued words) and intervals are only in
    # tokeff's JSON: one untimed JSON run, whose token totals must also equal every timed run's
    # table, so what the floor is checked against is what the timed runs computed.
    d = dirs.fresh()
    ref = run(tok_cmd + ["--format", "json"], env_with(d))["stdout"]
    shutil.rmtree(d, ignore_errors=True)
    cold, warm, first, floor, full, bad, bad_full = [], [], [], [], [], [], []
    for r in range(warmup + rounds):
        # First run on a machine: every cache empty (the parsed-vocabulary cache is built).
        e = dirs.root / f"empty{r}"
        e.mkdir()
        fr = run(tok_cmd, env_with(e))
        shutil.rmtree(e, ignore_errors=True)
        d = dirs.fresh()
        c = run(tok_cmd, env_with(d))
        f = run(floor_cmd)
        w = run(tok_cmd, env_with(d))
        ff = run(full_cmd)
        shutil.rmtree(d, ignore_errors=True)
        mine, theirs = tokeff_tokens(c["stdout"]), floor_default_tokens(f["stdout"])
        bad += mismatches(mine, theirs) + mismatches(tokeff_tokens(w["stdout"]), theirs) + \
            mismatches(tokeff_tokens(fr["stdout"]), theirs)
        bad_full += [f"tokeff table vs tokeff JSON: {x}" for x in
                     mismatches(json_tokens(ref), mine)]
        bad_full += full_default_mismatches(ref, ff["stdout"])
        tag = "warm-up" if r < warmup else f"round {r - warmup + 1}"
        print(f"default {tag}: cold {c['wall']:.2f} s {c['rss_mb']:.0f} MiB | floor "
              f"{f['wall']:.2f} s {f['rss_mb']:.0f} MiB | warm {w['wall']:.2f} s "
              f"{w['rss_mb']:.0f} MiB | same-work floor {ff['wall']:.2f} s {ff['rss_mb']:.0f} "
              f"MiB | first run {fr['wall']:.2f} s {fr['rss_mb']:.0f} MiB | load "
              f"{os.getloadavg()[0]:.1f}", flush=True)
        log.append({"job": "default", "round": tag, "loadavg": list(os.getloadavg())})
        if r >= warmup:
            cold.append(c)
            warm.append(w)
            first.append(fr)
            floor.append(f)
            full.append(ff)
    out: dict[str, Any] = {
        "command": "python -m tokeff compare", "floor": "python benchmarks/floor_default.py",
        "floor_full": "python benchmarks/floor_default_full.py",
        "langs": langs, "tokenizers": list(tokeff_tokens(cold[0]["stdout"])),
        "vocab_cache": "warm (copied into each new count-cache directory)",
        "runs": {"tokeff_cold": summary(cold), "tokeff_warm": summary(warm),
                 "tokeff_first": summary(first),
                 "floor": summary(floor), "floor_full": summary(full)},
        "verified": not bad, "mismatches": sorted(set(bad))[:20],
        "verified_full": not bad_full, "mismatches_full": sorted(set(bad_full))[:20],
        "checked_full": ("tokens, chars, words, continued words per tokenizer x language "
                         "(exact) and the 95% intervals of tokens_per_char, fertility, "
                         "continued_words, parity (endpoints within "
                         f"{CI_TOLERANCE:.0%} of the width), against one untimed "
                         "`compare --format json` run whose token totals equal every timed "
                         "run's table"),
    }
    if not bad:
        out["ratios"] = {"cold": ratios(floor, cold), "warm": ratios(floor, warm),
                         "first": ratios(floor, first)}
    if not bad_full:
        out["ratios_full"] = {"cold": ratios(full, cold), "warm": ratios(full, warm),
                              "first": ratios(full, first)}
    return out


def parse_json_results(stdout: str) -> dict[tuple[str, str, str], dict[str, Any]]:
    """``tokeff compare --format json``'s rows by (tokenizer, language, metric)."""
    doc = json.loads(stdout)
    return {(r["tokenizer"], r["lang"], r["metric"]): r for r in doc["results"]}


def json_tokens(stdout: str) -> dict[str, dict[str, int]]:
    """{tokenizer: {lang: token total}} from ``tokeff compare --format json``."""
    out: dict[str, dict[str, int]] = {}
    for (t, la, m), r in parse_json_results(stdout).items():
        if m == "tokens":
            out.setdefault(t, {})[la] = int(r["value"])
    return out


def _exact_int(x: float, what: str) -> int:
    """An integer total recovered from tokeff's ratios (a ratio of two integers below 2**53 times
    the right integer gives that integer to within far less than 0.5)."""
    k = round(x)
    if abs(x - k) > 1e-6:
        raise ValueError(f"{what}: {x!r} is not within 1e-6 of an integer")
    return k


#: The totals the full floor prints, and how each is read off tokeff's JSON (CLI default metrics:
#: tokens, tokens_per_char, fertility, continued_words, parity).
FULL_TOTALS = ("tokens", "chars", "words", "continued")
FULL_RATIOS = ("tokens_per_char", "fertility", "continued_words", "parity")
#: Largest distance between tokeff's and the floor's interval endpoints, as a share of the
#: interval's width: two bootstraps of 1000 resamples drawn by different generators differ by
#: a few percent of the width.
CI_TOLERANCE = 0.15


def full_mismatches(tokeff_stdout: str, floor_stdout: str, name: str) -> list[str]:
    """Every total (tokens, chars, words, continued words) and every bootstrap interval of the
    full floor against tokeff's JSON; an empty list when all agree.

    tokeff's JSON holds tokens and the ratios, so chars = tokens / tokens_per_char, words =
    tokens / fertility, continued = continued_words x words, each rounded (exact: see
    :func:`_exact_int`). The floor draws its resamples with numpy's generator, tokeff with its
    own scheme (the signature's ``boot`` field), so intervals agree within resampling noise:
    each endpoint within :data:`CI_TOLERANCE` of the interval's width.
    """
    rows = parse_json_results(tokeff_stdout)
    lines = [ln.split("\t") for ln in floor_stdout.splitlines() if ln]
    head = lines[0]
    floor = {r[0]: dict(zip(head, r)) for r in lines[1:]}
    langs = sorted({la for (t, la, _m) in rows if t == name} | set(floor))
    bad: list[str] = []
    for la in langs:
        f = floor.get(la)
        if f is None or (name, la, "tokens") not in rows:
            bad.append(f"{name} {la}: only in {'tokeff' if f is None else 'the floor'}")
            continue
        val = {m: rows[(name, la, m)]["value"] for m in ("tokens",) + FULL_RATIOS
               if (name, la, m) in rows}
        try:
            mine = {"tokens": int(val["tokens"])}
            mine["chars"] = _exact_int(val["tokens"] / val["tokens_per_char"], f"{la} chars")
            mine["words"] = _exact_int(val["tokens"] / val["fertility"], f"{la} words")
            mine["continued"] = _exact_int(val["continued_words"] * mine["words"],
                                           f"{la} continued words")
        except (KeyError, TypeError, ValueError, ZeroDivisionError) as e:
            bad.append(f"{name} {la}: cannot read the totals off tokeff's JSON ({e})")
            continue
        for k in FULL_TOTALS:
            if int(f[k]) != mine[k]:
                bad.append(f"{name} {la} {k}: tokeff {mine[k]}, floor {f[k]}")
        for m in FULL_RATIOS:
            r = rows[(name, la, m)]
            lo, hi = f.get(f"{m}_lo", ""), f.get(f"{m}_hi", "")
            theirs = (float(lo), float(hi)) if lo and hi else None
            ours = (r["ci_low"], r["ci_high"]) if r["ci_low"] is not None else None
            if (ours is None) != (theirs is None) or (ours and theirs and max(
                    abs(a - b) for a, b in zip(ours, theirs)) >
                    CI_TOLERANCE * max(ours[1] - ours[0], 1e-12)):
                bad.append(f"{name} {la} {m} interval: tokeff {ours}, floor {theirs}")
    return bad


def full_default_mismatches(tokeff_stdout: str, floor_stdout: str) -> list[str]:
    """:func:`full_mismatches` for every tokenizer of ``floor_default_full.py``'s output (its
    rows carry a leading tokenizer column), and every tokenizer of tokeff's JSON present."""
    lines = [ln.split("\t") for ln in floor_stdout.splitlines() if ln]
    head, rows = lines[0], lines[1:]
    per_tok: dict[str, list[str]] = {}
    for r in rows:
        per_tok.setdefault(r[0], ["\t".join(head[1:])]).append("\t".join(r[1:]))
    names = {t for (t, _la, _m) in parse_json_results(tokeff_stdout)}
    bad = [f"{t}: only in tokeff" for t in sorted(names - set(per_tok))]
    for t in sorted(set(per_tok)):
        bad += full_mismatches(tokeff_stdout, "\n".join(per_tok[t]), t)
    return bad


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
                "--langs", ",".join(langs), "--tokenizers", name, "--format", "json"]
        floor = [str(root), name]
        # In each round every tokeff run is next to the runs it is divided by (its floors, and
        # the in-memory run next to the streamed one), so a drift in the machine's speed
        # between distant runs of a round does not enter a ratio.
        cmds = {
            "raw_loop": [PY, str(HERE / "floor_flores.py"), *floor, "loop", ",".join(langs)],
            "tokeff_tokens": base + ["--metrics", "tokens", "--bootstrap", "0"],
            "raw_batch": [PY, str(HERE / "floor_flores.py"), *floor, "batch", ",".join(langs)],
            "full_loop": [PY, str(HERE / "floor_flores_full.py"), *floor, "loop",
                          ",".join(langs)],
            "full_batch": [PY, str(HERE / "floor_flores_full.py"), *floor, "batch",
                           ",".join(langs)],
            "tokeff_default": base,
            # The same job streamed chunk by chunk (memory flat in corpus size).
            "tokeff_streamed": base + ["--chunk-size", str(STREAM_CHUNK)],
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
                            mismatches(json_tokens(got[m]["stdout"]), raw)]
            for k in ("full_loop", "full_batch"):
                for m in ("tokeff_default", "tokeff_streamed"):
                    bad += [f"{k} vs {m}: {x}" for x in
                            full_mismatches(got[m]["stdout"], got[k]["stdout"], name)]
            tag = "warm-up" if r < warmup else f"round {r - warmup + 1}"
            print(f"flores {name} {tag}: " + " | ".join(
                f"{k} {v['wall']:.2f} s {v['rss_mb']:.0f} MiB" for k, v in got.items())
                + f" | load {os.getloadavg()[0]:.1f}", flush=True)
            log.append({"job": f"flores {name}", "round": tag, "loadavg": list(os.getloadavg())})
            if r >= warmup:
                for k, v in got.items():
                    runs[k].append(v)
        fastest = {m: min(pair, key=lambda k: statistics.median(x["wall"] for x in runs[k]))
                   for m, pair in (("tokeff_tokens", ("raw_loop", "raw_batch")),
                                   ("tokeff_default", ("full_loop", "full_batch")))}
        job: dict[str, Any] = {
            "commands": {k: " ".join(["python"] + [Path(x).name if x.startswith("/") else x
                                                   for x in c[1:]])
                         for k, c in cmds.items()},
            "runs": {k: summary(v) for k, v in runs.items()},
            "fastest_raw": fastest["tokeff_tokens"], "fastest_full": fastest["tokeff_default"],
            "verified": not bad, "mismatches": sorted(set(bad))[:20],
        }
        if not bad:
            job["ratios"] = {m: ratios(runs[f], runs[m]) for m, f in fastest.items()}
            # in memory s / streamed s: at least 1 when streaming is no slower.
            job["streamed"] = ratios(runs["tokeff_default"], runs["tokeff_streamed"])
        jobs[name] = job
    return {"available": True, "dir": str(root), "split": "dev+devtest", "langs": langs,
            "segments_per_lang": segments, "jobs": jobs, "stream_chunk": STREAM_CHUNK,
            "checked": {"tokens_only": "token totals per language (both floors, both tokeff "
                                       "runs)",
                        "default": "tokens, chars, words, continued words per language "
                                   "(exact) and the 95% intervals of tokens_per_char, "
                                   "fertility, continued_words, parity (endpoints within "
                                   f"{CI_TOLERANCE:.0%} of the width: different generators)"}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5, help="measured rounds per job")
    ap.add_argument("--warmup", type=int, default=1, help="unmeasured rounds first (page cache)")
    ap.add_argument("--skip-flores", action="store_true")
    ap.add_argument("--skip-default", action="store_true", help="only the FLORES jobs")
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
        record["default"] = ({"skipped": True} if args.skip_default else
                             bench_default(dirs, args.rounds, args.warmup, log))
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
