"""Write benchmarks/README.md from the JSON records in benchmarks/results/.

Every number in README.md comes from a record written by one of the bench_*.py scripts; the
prose in this template holds none. Run the benchmarks, then::

    python benchmarks/make_readme.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
README = HERE / "README.md"


def load(name: str) -> dict[str, Any] | None:
    p = RESULTS / f"{name}.json"
    return json.loads(p.read_text(encoding="utf-8")) if p.is_file() else None


def f2(x: float) -> str:
    return f"{x:.2f}"


def rate(x: float) -> str:
    return f"{x:,.0f}"


def machine_line(m: dict[str, Any]) -> str:
    la = m.get("loadavg_start", [])
    le = m.get("loadavg_end", [])
    return (f"{m['date']}; {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, {m['os']}, "
            f"Python {m['python']}; load average (1/5/15 min) "
            f"{'/'.join(f'{x:.1f}' for x in la)} at start, "
            f"{'/'.join(f'{x:.1f}' for x in le)} at the end; tokeff commit "
            f"`{m.get('tokeff_commit', '')}`")


def versions(m: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v)


def section_throughput(r: dict[str, Any]) -> list[str]:
    w = r["workload"]
    out = [f"Workload: {w['corpus']}, {w['segments']:,} aligned segments x "
           f"{len(w['langs'])} languages x {len(w['tokenizers'])} tokenizers "
           f"({', '.join(w['tokenizers'])}) = {w['segments_per_tokenizer'] * 2:,} "
           f"segment encodings; bootstrap {w['bootstrap']} resamples. Segmenters: "
           + ", ".join(f"{la} `{s}`" for la, s in w["segmenters"].items()
                       if not s.startswith("unicode-words")) + "; the other languages "
           "`unicode-words`.", ""]
    raw = r["raw"]
    cpu = r["raw_cpu"]
    out += ["| raw backend call (all languages) | wall s (median) | CPU s |", "|---|---:|---:|"]
    for k, label in (("tiktoken_loop", "tiktoken `encode_ordinary` per segment"),
                     ("tiktoken_batch", "tiktoken `encode_ordinary_batch`"),
                     ("hf_encode_batch", "HF `encode_batch` (offsets)"),
                     ("hf_encode_batch_fast", "HF `encode_batch_fast` (no offsets)"),
                     ("segmenters", "word segmenters `segment_batch`, once per language"),
                     ("segmenters_fast", "the same with jieba-rs for Chinese")):
        if k in raw:
            out.append(f"| {label} | {f2(raw[k]['median'])} | {f2(cpu[k])} |")
    fast = bool(r["workload"].get("fast_segmenters"))
    head = ("| tokeff executor | all metrics | all metrics, to the tokenizer calls alone | "
            + ("all metrics with jieba-rs | " if fast else "") + "token metrics | all metrics "
            "wall s | " + ("with jieba-rs wall s | " if fast else "") + "token metrics wall s |")
    out += ["", "Ratio of tokeff's throughput to the ceiling's:", "", head,
            "|---|" + "---:|" * (head.count("|") - 2)]
    for ex, s in r["tokeff"].items():
        cells = [f"`{ex}`", f"**{f2(s['all']['median'])}**",
                 f2(s["all_vs_tokenizers_only"]["median"])]
        if fast:
            cells.append(f"**{f2(s['fast']['median'])}**")
        cells += [f"**{f2(s['token']['median'])}**", f2(s["all_wall"]["median"])]
        if fast:
            cells.append(f2(s["fast_wall"]["median"]))
        cells.append(f2(s["token_wall"]["median"]))
        out.append("| " + " | ".join(cells) + " |")
    n = r["workload"]["segments_per_tokenizer"] * 2
    best_all = min(s["all_wall"]["median"] for s in r["tokeff"].values())
    best_tok = min(s["token_wall"]["median"] for s in r["tokeff"].values())
    out += ["", (f"Ratios are medians over {len(r['trials'])} trials (ceiling time / tokeff "
            f"time in the same trial; 1.00 = as fast as the raw calls). Ceilings (median): "
            f"all metrics {f2(r['ceiling_all']['median'])} s, token metrics "
            f"{f2(r['ceiling_token']['median'])} s. Best tokeff: "
            f"{rate(n / best_all)} segment encodings/s (all metrics), "
            f"{rate(n / best_tok)}/s (token metrics)."), "",
            f"Machine: {machine_line(r['machine'])}. Versions: {versions(r['machine'])}."]
    return out


def section_peers(r: dict[str, Any]) -> list[str]:
    w = r["workload"]
    if not r.get("whole_process"):
        return ["(an in-process record: run bench_peers.py again)"]
    out = [(f"Workload: {w['corpus']}, {w['segments']:,} segments x {len(w['langs'])} languages "
            f"= {w['sentences']:,} sentences. Whole process: each run a fresh process from "
            f"interpreter start (imports, tokenizer loading, corpus reading, analysis, "
            f"printing), peak RSS its own; {r['repeat']} measured round(s) after "
            f"{r['warmup']} warm-up round(s), every tool once per round, medians (minimum in "
            f"brackets); ratios per round, then their median. tokeff peer metrics = "
            f"`--metrics {','.join(w['peer_metrics'])}` with the 1000-resample bootstrap; "
            f"tokeff default = the CLI's default metrics (adds word segmentation, token "
            f"offsets, continued words)."), "",
           ("| tool | tokenizer | wall s | peak RSS MiB | tool s / tokeff s (peer metrics) | "
            "tool s / tokeff s (default metrics) | token totals vs tokeff |"),
           "|---|---|---:|---:|---:|---:|---|"]
    for name, p in r["peers"].items():
        if "wall" not in p:
            out.append(f"| {name} {p['version']} | | not run: {p.get('error', '')} | | | | |")
            continue
        sp = p["tokeff_speedup"]
        chk = p.get("check") or {}
        notes = []
        for k, c in chk.items():
            if k == "error":
                notes.append(str(c))
                continue
            notes.append(f"{k}: equal in all {c['languages']}" if not c["differ"] else
                         f"{k}: differ in {c['differ']} of {c['languages']} (max "
                         f"{c['max_abs']:,})")
        if not p.get("check_stable", True):
            notes.append("(varied between rounds)")
        w_ = {"wall": p["wall"], "rss_mb": p["rss_mb"]}
        out.append(f"| {name} {p['version']} | {p['tokenizer']} | {_wall(w_)} | {_rss(w_)} | "
                   f"**{f2(sp['peer metrics']['median'])}** | "
                   f"**{f2(sp['default metrics']['median'])}** | {'; '.join(notes)} |")
    for label, m in r["tokeff"].items():
        out.append(f"| {label} | | {_wall(m)} | {_rss(m)} | | | |")
    out += ["", "Commands (LANGS = " + ",".join(w["langs"]) + "): " + "; ".join(f"{label}: `{m['command']}`"
                                         for label, m in r["tokeff"].items()) + "."]
    loads = [x["loadavg"][0] for x in r.get("rounds_log", [])]
    if loads:
        out += ["", (f"1-minute load average after each round: {min(loads):.1f} to "
                     f"{max(loads):.1f} (the machine has {r['machine']['cores']} cores).")]
    out += ["", (f"Machine: {machine_line(r['machine'])}. Whole benchmark: "
                 f"{r['total_seconds'] / 60:.1f} min.")]
    return out


def section_cache(r: dict[str, Any]) -> list[str]:
    ip, wp = r["in_process"], r["whole_process"]
    return [
        "| run | measure() s (loading excluded) | whole process s |", "|---|---:|---:|",
        f"| no cache | {f2(ip['uncached']['median'])} | |",
        (f"| cold cache (count + write) | {f2(ip['cold']['median'])} | "
        f"{f2(wp['cold']['median'])} |"),
        f"| warm cache (read) | {f2(ip['warm']['median'])} | {f2(wp['warm']['median'])} |",
        "",
        (f"A warm run costs {r['warm_over_cold']:.1%} of a cold one inside `measure()` and "
        f"{r['warm_over_cold_process']:.1%} as a whole process (which also loads the corpus, "
        f"the tokenizers and the segmenters). {r['entries']:,} entries, "
        f"{r['cache_bytes'] / 2**20:.1f} MiB. Rows identical in every run: "
        f"{'yes' if r['identical_rows'] else 'NO'}. Medians of "
        f"{ip['warm']['n']} repeats."), "",
        f"Machine: {machine_line(r['machine'])}."]


def section_memory(r: dict[str, Any]) -> list[str]:
    c, x = r["corpus"], r["result"]
    return [
        (f"Synthetic aligned corpus: {c['bytes'] / 2**30:.2f} GiB of text, "
        f"{c['segments']:,} segments x {len(c['langs'])} languages "
        f"({', '.join(c['langs'])}); o200k_base, default metrics (word segmentation, token "
        f"offsets), bootstrap off, chunks of {r['chunk_size']:,} segments."), "",
        "| | value |", "|---|---:|",
        f"| peak resident memory of the process | **{x['peak_rss_mb']:.0f} MiB** |",
        (f"| of which after loading Python, numpy, tokeff and o200k_base | "
        f"{x['rss_after_load_mb']:.0f} MiB |"),
        (f"| compact count arrays kept ({', '.join(x['dtypes'])}) | "
        f"{x['count_arrays_mb']:.0f} MiB |"),
        f"| time | {x['wall_s']:.0f} s ({rate(x['sentences_per_s'])} segments/s) |", "",
        f"Machine: {machine_line(r['machine'])}."]


def section_bootstrap(r: dict[str, Any]) -> list[str]:
    out = [(f"{r['resamples']} resamples; every run a fresh process, the previous "
            f"implementation and tokeff's interleaved; medians of {r['trials']} trials "
            "(speed-up: median of the per-trial ratios)."), "",
           ("| segments x count columns (ratio intervals) | BLAS threads | previous s | "
            "tokeff s | speed-up | previous CPU s | tokeff CPU s | extra memory MiB "
            "(previous / tokeff) |"),
           "|---|---|---:|---:|---:|---:|---:|---:|"]
    for case in r["results"].values():
        for label, x in case["configs"].items():
            p, t = x["previous"], x["tokeff"]
            out.append(f"| {case['segments']:,} x {case['columns']} ({case['columns'] // 2}) "
                       f"| {label} | {f2(p['seconds'])} | **{f2(t['seconds'])}** | "
                       f"{x['speedup']:.1f}x | {f2(p['cpu_seconds'])} | "
                       f"{f2(t['cpu_seconds'])} | {p['extra_mb']:.0f} / {t['extra_mb']:.0f} |")
    out += ["", (f"tokeff's sums identical in every run (all trials, both BLAS settings): "
                 f"{'yes' if r['deterministic_sums'] else 'NO'}. Interval endpoints of the two "
                 f"implementations within {r['previous_vs_tokeff'] * 100:.1f} % of the "
                 f"previous interval's width (different random streams, the same distribution: "
                 f"resampling noise)."), ""]
    out += [("Delta-method intervals on the same columns (what tokeff uses from "
             "1,000,000 aligned segments on, `boot:delta/95`): "
             + "; ".join(f"{c['segments']:,} x {c['columns']}: {c['delta_seconds'] * 1000:.0f} "
                         f"ms, endpoints within {c['delta_vs_bootstrap'] * 100:.1f} % of the "
                         "bootstrap interval's width"
                         for c in r["results"].values()) + "."), "",
            f"Machine: {machine_line(r['machine'])}."]
    return out


def _wall(x: dict[str, Any]) -> str:
    w = x["wall"]
    return f"{f2(w['median'])} ({f2(w['min'])})"


def _rss(x: dict[str, Any]) -> str:
    return f"{x['rss_mb']['median']:.0f}"


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


#: The FLORES rows: (run key, label, the ratio it carries or None).
FLORES_ROWS = (("raw_loop", "raw tokens, loop", None), ("raw_batch", "raw tokens, batch", None),
               ("tokeff_tokens", "tokeff, tokens only", "tokeff_tokens"),
               ("full_loop", "raw default metrics, loop", None),
               ("full_batch", "raw default metrics, batch", None),
               ("tokeff_default", "tokeff, default metrics", "tokeff_default"),
               ("tokeff_streamed", "tokeff, default metrics, streamed", None))


def section_flores(f: dict[str, Any], g: dict[str, Any]) -> list[str]:
    out = [(f"**FLORES-200 {f['split']}**, {len(f['langs'])} languages x "
            f"{f['segments_per_lang']:,} segments = "
            f"{len(f['langs']) * f['segments_per_lang']:,} segments, one tokenizer per job, "
            f"cold count cache (parsed-vocabulary cache warm), tokeff with `--format json`. "
            f"Tokens only: `compare --metrics tokens --bootstrap 0` against `floor_flores.py` "
            f"(token counts). Default metrics: `compare` with the CLI's default metrics (tokens, "
            f"tokens_per_char, fertility, continued_words, parity) and its 1000-resample "
            f"bootstrap, against `floor_flores_full.py`, the same work with the plain libraries "
            f"(token offsets, words from the same segmenters composed the same way, continued "
            f"words, the paired bootstrap in numpy). Each raw script runs one call per segment "
            f"(loop) or one batch call per language (batch); each ratio is against the faster "
            f"of the two (marked). Within a round, each tokeff run is next to the runs it is "
            f"divided by. Checked before any ratio is given: "
            f"{f.get('checked', {}).get('tokens_only', 'token totals')} for tokens only; "
            f"{f.get('checked', {}).get('default', 'token totals')} for default metrics."), "",
           ("| tokenizer | run | wall s | peak RSS MiB | raw s / tokeff s | tokeff / raw "
            "memory |"), "|---|---|---:|---:|---:|---:|"]
    for name, j in f["jobs"].items():
        for k, label, q_key in FLORES_ROWS:
            if k not in j["runs"]:
                continue
            x = j["runs"][k]
            q = j.get("ratios", {}).get(q_key) if q_key else None
            fast = " (faster raw)" if k in (j.get("fastest_raw"), j.get("fastest_full")) else ""
            cells = ([f"**{f2(q['raw_over_tokeff_time']['median'])}**",
                      f2(q["tokeff_over_raw_memory"]["median"])] if q else ["", ""])
            out.append(f"| {name} | {label}{fast} | {_wall(x)} | {_rss(x)} | "
                       + " | ".join(cells) + " |")
    for name, j in f["jobs"].items():
        if not j["verified"]:
            out += ["", f"{name}: totals differ, so no ratio is given for this tokenizer: "
                    + "; ".join(j["mismatches"])]
    for name, j in f["jobs"].items():
        q = j.get("streamed")
        if q:
            out += ["", (f"{name}: streamed with `--chunk-size {f.get('stream_chunk', '')}`, the "
                         f"default-metrics job takes {f2(1 / q['raw_over_tokeff_time']['median'])}"
                         f"x the in-memory run's time (goal: no slower, 1.00 or less: "
                         f"{_met(q['raw_over_tokeff_time']['median'] >= 0.95)}, within 5 % "
                         f"noise) and {f2(q['tokeff_over_raw_memory']['median'])}x its memory.")]
    ok = [q["raw_over_tokeff_time"]["median"] >= g["flores_raw_over_tokeff"]
          for j in f["jobs"].values() for q in j.get("ratios", {}).values()]
    out += ["", (f"Goal (issue 13): raw/tokeff at least {g['flores_raw_over_tokeff']} in "
                 f"every FLORES row: {_met(bool(ok) and all(ok))} ({sum(ok)} of {len(ok)} "
                 f"rows).")]
    return out


def headline(process: dict[str, Any] | None, peers: dict[str, Any] | None) -> str:
    """The whole-process ratios, first thing in the README."""
    out = ["| job (whole process, medians of interleaved rounds) | ratio | goal |",
           "|---|---:|---|"]
    if process and process["flores"].get("available"):
        goal = process["goals"]["flores_raw_over_tokeff"]
        for name, j in process["flores"]["jobs"].items():
            for key, label in (("tokeff_tokens", "tokens only"),
                               ("tokeff_default", "default metrics")):
                q = j.get("ratios", {}).get(key)
                val = f2(q["raw_over_tokeff_time"]["median"]) if q else "not checked"
                ok = bool(q) and q["raw_over_tokeff_time"]["median"] >= goal
                out.append(f"| FLORES-200, {name}, {label}: raw s / tokeff s | **{val}** | "
                           f">= {goal}: {_met(ok)} |")
    if process and process["default"].get("ratios"):
        q = process["default"]["ratios"]["cold"]["raw_over_tokeff_time"]["median"]
        goal = process["goals"]["default_cold_time"]
        out.append(f"| default `tokeff compare` (UDHR, 8 tokenizers), cold: tokens-only floor "
                   f"s / tokeff s | **{f2(q)}** | >= {f2(1 / goal)}: {_met(q >= 1 / goal)} |")
    if process and process["default"].get("ratios_full"):
        q = process["default"]["ratios_full"]["cold"]["raw_over_tokeff_time"]["median"]
        goal = process["goals"]["default_cold_time"]
        out.append(f"| default `tokeff compare` (UDHR, 8 tokenizers), cold: same-work floor "
                   f"s / tokeff s | **{f2(q)}** | >= {f2(1 / goal)}: {_met(q >= 1 / goal)} |")
    if peers and peers.get("whole_process"):
        for name, p in peers["peers"].items():
            if "tokeff_speedup" not in p:
                out.append(f"| {name}: not run ({p.get('error', '')}) | | |")
                continue
            for label in ("peer metrics", "default metrics"):
                q = p["tokeff_speedup"][label]["median"]
                out.append(f"| {name} {p['version']} ({p['tokenizer']}): {name} s / tokeff s "
                           f"({label}) | **{f2(q)}** | > 1: {_met(q > 1)} |")
    return "\n".join(out)


def section_process(r: dict[str, Any]) -> list[str]:
    g, d = r["goals"], r["default"]
    full = "floor_full" in d["runs"]  # records written before the same-work floor lack it
    out = [(f"Interleaved, {r['rounds']} measured round(s) after {r['warmup']} unmeasured "
            f"warm-up round(s); each number is the median over the rounds (the minimum in "
            f"brackets); ratios are taken within a round, then their median is quoted. "
            f"Time ratio = floor time / tokeff time (above 1: tokeff faster); memory ratio = "
            f"tokeff peak RSS / floor peak RSS (above 1: tokeff uses more)."), "",
           (f"**Default `{d['command']}`**: UDHR, {len(d['langs'])} languages x "
            f"{len(d['tokenizers'])} tokenizers ({', '.join(d['tokenizers'])}), default metrics "
            f"and bootstrap, against {'two floors: ' if full else ''}the tokens-only floor "
            f"`{d['floor']}` (the same "
            f"tokenizers from the same files with the plain libraries, printing the same token "
            f"totals)" + (f" and the same-work floor `{d['floor_full']}` (the same work as the "
                          f"default `compare` with the plain libraries: token offsets, words "
                          f"from the same segmenters, continued words, the paired bootstrap; "
                          f"checked: {d['checked_full']})" if full else "")
            + f". Cold = a new, empty count cache each round, with the parsed-vocabulary cache "
              f"{d['vocab_cache']}; warm = the same command again on the cache the cold run "
              f"wrote; first run = every cache empty, as on a machine where tokeff never ran "
              f"(it also builds the parsed-vocabulary cache)."), ""]
    if not d["verified"]:
        out += ["The tokens-only floor's token totals differ from tokeff's, so no ratio against "
                "it is reported: " + "; ".join(d["mismatches"]), ""]
    if full and not d["verified_full"]:
        out += ["The same-work floor's totals or intervals differ from tokeff's, so no ratio "
                "against it is reported: " + "; ".join(d["mismatches_full"]), ""]
    floors = [("ratios", "tokens-only floor")] + ([("ratios_full", "same-work floor")]
                                                  if full else [])
    out += ["| run | wall s | peak RSS MiB | " + " | ".join(
                f"{lab} s / tokeff s | tokeff / {lab} memory" for _, lab in floors) + " |",
            "|---|---:|---:|" + "---:|---:|" * len(floors)]
    blank = " |" * (2 * len(floors))
    for key, label in (("floor", "tokens-only floor script"),
                       ("floor_full", "same-work floor script")):
        if key in d["runs"]:
            out.append(f"| {label} | {_wall(d['runs'][key])} | {_rss(d['runs'][key])} |{blank}")
    for k, label in (("first", "tokeff, first run on a machine (every cache empty)"),
                     ("cold", "tokeff, cold count cache"), ("warm", "tokeff, warm count cache")):
        if f"tokeff_{k}" not in d["runs"]:
            continue
        x = d["runs"][f"tokeff_{k}"]
        cells = []
        for rk, _ in floors:
            q = d.get(rk, {}).get(k)
            cells += ([f"**{f2(q['raw_over_tokeff_time']['median'])}**",
                       f"**{f2(q['tokeff_over_raw_memory']['median'])}**"] if q else ["", ""])
        out.append(f"| {label} | {_wall(x)} | {_rss(x)} | " + " | ".join(cells) + " |")
    if d.get("ratios"):
        c = d["ratios"]["cold"]
        w = d["runs"]["tokeff_warm"]
        slower = 1 / c["raw_over_tokeff_time"]["median"]
        warm_mb = w["rss_mb"]["median"] * 2**20 / 1e6
        out += ["", (f"Goals (issue 13): cold within {g['default_cold_time']}x of the "
                     f"tokens-only floor in time: {_met(slower <= g['default_cold_time'])} "
                     f"(tokeff takes {f2(slower)}x the floor's time); in memory: "
                     f"{_met(c['tokeff_over_raw_memory']['median'] <= g['default_cold_memory'])}"
                     f"; warm under {g['warm_seconds']:.0f} s: "
                     f"{_met(w['wall']['median'] < g['warm_seconds'])}, under "
                     f"{g['warm_mb']:.0f} MB: {_met(warm_mb < g['warm_mb'])} "
                     f"({warm_mb:.0f} MB).")]
    if d.get("ratios_full"):
        c = d["ratios_full"]["cold"]
        slower = 1 / c["raw_over_tokeff_time"]["median"]
        mem = c["tokeff_over_raw_memory"]["median"]
        out += ["", (f"Against the same-work floor (the project's rule: the plain-library "
                     f"script doing the same work), cold: tokeff takes {f2(slower)}x its time "
                     f"(within {g['default_cold_time']}x: "
                     f"{_met(slower <= g['default_cold_time'])}) and {f2(mem)}x its memory "
                     f"(within {g['default_cold_memory']}x: "
                     f"{_met(mem <= g['default_cold_memory'])}).")]
    f = r["flores"]
    out += [""]
    if not f["available"]:
        out += [f"**FLORES-200 job**: not measured: {f['reason']}."]
    else:
        out += section_flores(f, g)
    loads = [x["loadavg"][0] for x in r.get("rounds_log", [])]
    if loads:
        out += ["", (f"1-minute load average after each round: {min(loads):.1f} to "
                     f"{max(loads):.1f} (the machine has {r['machine']['cores']} cores).")]
    out += ["", (f"Whole benchmark: {r['total_seconds'] / 60:.1f} min. Machine: "
                 f"{machine_line(r['machine'])}. Versions: {versions(r['machine'])}.")]
    return out


TEMPLATE = """# Benchmarks

Reproducible measurements of tokeff's performance. Each `bench_*.py` script writes a JSON
record (machine, library versions, date, load average, every timing) to `results/`;
`make_readme.py` writes this file from those records, so every number below comes from a
script. Tokenizer loading has its own page ([LOAD.md](LOAD.md)), as have the word segmenters
([SEGMENTERS.md](SEGMENTERS.md)).

Reproduce (FLORES-200 in `../shared/corpora/flores200` or `$TOKEFF_FLORES200`):

```sh
pip install -e ".[test]"
python benchmarks/bench_process.py --rounds 5   # whole process, interleaved (~10 min)
python benchmarks/bench_throughput.py --repeat 5
python benchmarks/bench_peers.py --repeat 3      # creates one virtual environment per peer
python benchmarks/bench_cache.py --repeat 3
python benchmarks/bench_memory.py --gb 2.5       # writes and deletes a temporary corpus
python benchmarks/bench_bootstrap.py --repeat 3
python benchmarks/make_readme.py
```

The machine these numbers come from was shared with other jobs: the load average next to
each table says how busy it was. On a busy machine, wall-clock times move from run to run and
parallel speed-ups shrink, which is why ratios are taken between runs made back to back.

## Whole process

{headline}

What a user waits for: from starting the command to the printed table (interpreter start,
imports, tokenizer loading, corpus reading, counting, bootstrap, printing), each command a
separate process, measured against a script that does the same work with the plain libraries
and prints the same totals (checked: a ratio is only given where the totals are equal). Peak
memory is that of the whole process tree: the resident memory of the command and of its
helper processes (tokeff segments words in helper processes) summed, sampled every 20 ms, or
its `ru_maxrss` if larger. Every command keeps its compiled bytecode, as on a user's machine.
Each command is run with a fresh count cache (cold) unless marked warm. The table above
collects the ratios; the details follow. The peer comparison is whole process too (peer
processes measured the same way); the sections after it exclude loading.

{process}

## Against peer tools, whole process

Each peer installed from PyPI (pinned) into its own virtual environment and run the way it
runs naturally, as a fresh process, on the same corpus and tokenizer; tokeff as `python -m
tokeff compare` with a cold count cache. Above 1, tokeff finishes first. The totals column
compares each peer's per-language token totals with tokeff's from the same round (tokscope
encodes a whole language file as one text, so its totals differ by design; glotscope
normalises to NFC, and its tokeff rows do too).

{peers}

## Throughput against the raw backend calls

`tokeff.measure()` end to end (loading excluded) against the *ceiling*: the raw library calls
that produce the same information, each run the way its library runs it by default. With all
metrics the ceiling is the tokenizers' batch calls with offsets plus one call of each
language's word segmenter; with token metrics it is the tokenizers' batch calls without
offsets (tokeff then segments nothing). A ratio of 1.00 means tokeff runs as fast as the raw
calls; the target is at least 0.80.

{throughput}

## Cold and cached runs

The on-disk cache of per-segment counts (`measure(..., cache=True)`, `tokeff cache info|clear`)
on the throughput workload.

{cache}

## Memory on a corpus larger than memory needs

`measure(path, ..., chunk_size=N)` streams the files chunk by chunk and keeps only compact
per-segment count arrays.

{memory}

## The paired bootstrap

Resampling scheme `rs2` (`boot:1000/seed0/95/rs2`): each resample is exactly n segments
drawn with replacement, as before, from another random stream. How many draws fall in each
block of 16,384 segments is drawn by halving (a fair random bit per draw and level, counted
with popcounts), then each draw's place in its block from 14 random bits, counted by
`np.add.at` in the CPU cache; products in float32 wherever no partial sum can pass 2**24
(exact integers), batches of 64 resamples in worker threads, or from 2**27 draws (the
400,000-segment case) in this process and one helper process per further core (here one),
each taking the next batch when free; BLAS held to one thread (its idle threads busy-wait
against ours). The previous implementation drew
`numpy.random.default_rng(seed).integers(0, n)` and multiplied float64 weights. CPU seconds
count every thread of the process and of its helper processes; extra memory adds a helper's
whole peak (its interpreter included) to the process's growth.

{bootstrap}
"""


def main() -> None:
    parts = {}
    for name, fn in (("process", section_process), ("throughput", section_throughput), ("peers", section_peers),
                     ("cache", section_cache), ("memory", section_memory),
                     ("bootstrap", section_bootstrap)):
        r = load(name)
        parts[name] = "\n".join(fn(r)) if r else f"(not measured yet: run bench_{name}.py)"
    parts["headline"] = headline(load("process"), load("peers"))
    text = TEMPLATE.format(**parts)
    tmp = README.with_suffix(".md.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(README)
    print(f"wrote {README}")


if __name__ == "__main__":
    main()
