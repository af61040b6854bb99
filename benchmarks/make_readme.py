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
    out = [(f"Workload: {w['corpus']}, {w['segments']:,} segments x {len(w['langs'])} languages "
           f"= {w['sentences']:,} sentences, tokenizer {w['tokenizer']}; loading excluded; "
           f"best of the repeats."), "",
           ("| tool | seconds | sentences/s | tokeff (peer metrics) is faster by | tokeff "
           "(default metrics) is faster by |"), "|---|---:|---:|---:|---:|"]
    mine = r["tokeff"]
    for name, p in r["peers"].items():
        if "seconds" not in p:
            out.append(f"| {name} | failed: {' '.join(p.get('error', []))} | | | |")
            continue
        sp = p["tokeff_speedup"]
        out.append(f"| {name} {p['version']} | {f2(p['seconds'])} | "
                   f"{rate(p['sentences_per_s'])} | {f2(sp['peer metrics'])}x | "
                   f"{f2(sp['default metrics'])}x |")
    for label, m in mine.items():
        out.append(f"| tokeff, {label} | {f2(m['seconds'])} | {rate(m['sentences_per_s'])} "
                   f"| | |")
    checks = []
    for name, p in r["peers"].items():
        if "tokens" in p:
            diffs = [abs(p["tokens"][la] - mine["peer metrics"]["tokens"][la])
                     for la in w["langs"]]
            checks.append(f"{name} token totals differ from tokeff's in "
                          f"{sum(d > 0 for d in diffs)} of {len(diffs)} languages "
                          f"(largest difference {max(diffs):,.0f} tokens)")
    if checks:
        out += ["", "Sanity check: " + "; ".join(checks) + "."]
    out += ["", f"Machine: {machine_line(r['machine'])}."]
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


def section_process(r: dict[str, Any]) -> list[str]:
    g, d = r["goals"], r["default"]
    out = [(f"Interleaved, {r['rounds']} measured round(s) after {r['warmup']} unmeasured "
            f"warm-up round(s); each number is the median over the rounds (the minimum in "
            f"brackets); ratios are taken within a round, then their median is quoted. "
            f"Time ratio = floor time / tokeff time (above 1: tokeff faster); memory ratio = "
            f"tokeff peak RSS / floor peak RSS (above 1: tokeff uses more)."), "",
           (f"**Default `{d['command']}`**: UDHR, {len(d['langs'])} languages x "
            f"{len(d['tokenizers'])} tokenizers ({', '.join(d['tokenizers'])}), default metrics "
            f"and bootstrap, against `{d['floor']}` (the same tokenizers from the same files "
            f"with the plain libraries, printing the same token totals). Cold = a new, empty "
            f"count cache each round, with the parsed-vocabulary cache {d['vocab_cache']}; "
            f"warm = the same command again on the cache the cold run wrote."), ""]
    if not d["verified"]:
        out += ["The floor's token totals differ from tokeff's, so no ratio is reported: "
                + "; ".join(d["mismatches"]), ""]
    out += ["| run | wall s | peak RSS MiB | floor s / tokeff s | tokeff / floor memory |",
            "|---|---:|---:|---:|---:|"]
    fl = d["runs"]["floor"]
    out.append(f"| floor script | {_wall(fl)} | {_rss(fl)} | | |")
    for k, label in (("cold", "tokeff, cold count cache"), ("warm", "tokeff, warm count cache")):
        x = d["runs"][f"tokeff_{k}"]
        q = d.get("ratios", {}).get(k)
        cells = ([f"**{f2(q['raw_over_tokeff_time']['median'])}**",
                  f"**{f2(q['tokeff_over_raw_memory']['median'])}**"] if q else ["", ""])
        out.append(f"| {label} | {_wall(x)} | {_rss(x)} | " + " | ".join(cells) + " |")
    if d.get("ratios"):
        c = d["ratios"]["cold"]
        w = d["runs"]["tokeff_warm"]
        slower = 1 / c["raw_over_tokeff_time"]["median"]
        warm_mb = w["rss_mb"]["median"] * 2**20 / 1e6
        out += ["", (f"Goals (issue 13): cold within {g['default_cold_time']}x of the floor in "
                     f"time: {_met(slower <= g['default_cold_time'])} (tokeff takes "
                     f"{f2(slower)}x the floor's time); in memory: "
                     f"{_met(c['tokeff_over_raw_memory']['median'] <= g['default_cold_memory'])}"
                     f"; warm under {g['warm_seconds']:.0f} s: "
                     f"{_met(w['wall']['median'] < g['warm_seconds'])}, under "
                     f"{g['warm_mb']:.0f} MB: {_met(warm_mb < g['warm_mb'])} "
                     f"({warm_mb:.0f} MB).")]
    f = r["flores"]
    out += [""]
    if not f["available"]:
        out += [f"**FLORES-200 job**: not measured: {f['reason']}."]
    else:
        out += [(f"**FLORES-200 {f['split']}**, {len(f['langs'])} languages x "
                 f"{f['segments_per_lang']:,} segments = "
                 f"{len(f['langs']) * f['segments_per_lang']:,} segments, one tokenizer per "
                 f"job, cold count cache (parsed-vocabulary cache warm). Raw = "
                 f"`floor_flores.py`, one call per segment (loop) or one batch call per "
                 f"language (batch); the ratio is against the faster of the two. tokeff "
                 f"tokens-only = `compare --metrics tokens --bootstrap 0`; default = `compare` "
                 f"with the CLI's default metrics and bootstrap (the raw script still counts "
                 f"tokens only)."), "",
                ("| tokenizer | run | wall s | peak RSS MiB | raw s / tokeff s | tokeff / raw "
                 "memory |"), "|---|---|---:|---:|---:|---:|"]
        for name, j in f["jobs"].items():
            for k, label in (("raw_loop", "raw, loop"), ("raw_batch", "raw, batch"),
                             ("tokeff_tokens", "tokeff, tokens only"),
                             ("tokeff_default", "tokeff, default metrics")):
                x = j["runs"][k]
                q = j.get("ratios", {}).get(k)
                fast = " (faster raw)" if k == j["fastest_raw"] else ""
                cells = ([f"**{f2(q['raw_over_tokeff_time']['median'])}**",
                          f2(q["tokeff_over_raw_memory"]["median"])] if q else ["", ""])
                out.append(f"| {name} | {label}{fast} | {_wall(x)} | {_rss(x)} | "
                           + " | ".join(cells) + " |")
            if not j["verified"]:
                out += ["", f"{name}: raw totals differ from tokeff's, no ratio: "
                        + "; ".join(j["mismatches"])]
        ok = [q["raw_over_tokeff_time"]["median"] >= g["flores_raw_over_tokeff"]
              for j in f["jobs"].values() for q in j.get("ratios", {}).values()]
        out += ["", (f"Goal (issue 13): raw/tokeff at least {g['flores_raw_over_tokeff']} in "
                     f"every FLORES row: {_met(bool(ok) and all(ok))} ({sum(ok)} of {len(ok)} "
                     f"rows).")]
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

What a user waits for: from starting the command to the printed table (interpreter start,
imports, tokenizer loading, corpus reading, counting, bootstrap, printing), each command a
separate process whose peak memory is its own `ru_maxrss`, measured against a script that does
the same work with the plain libraries and prints the same token totals (checked: a ratio is
only given where the totals are equal). The sections after this one exclude loading.

{process}

## Throughput against the raw backend calls

`tokeff.measure()` end to end (loading excluded) against the *ceiling*: the raw library calls
that produce the same information, each run the way its library runs it by default. With all
metrics the ceiling is the tokenizers' batch calls with offsets plus one call of each
language's word segmenter; with token metrics it is the tokenizers' batch calls without
offsets (tokeff then segments nothing). A ratio of 1.00 means tokeff runs as fast as the raw
calls; the target is at least 0.80.

{throughput}

## Against peer tools

Each peer installed from PyPI into its own virtual environment, run through its own Python
API on the same corpus and tokenizer. tokeff's rows: the peers' metrics (token, character and
byte totals and ratios, premium as parity) and its default metric set (adds word segmentation,
token offsets, UNK and byte-fallback rates, Renyi efficiency); both with the paired bootstrap.

{peers}

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
(exact integers), batches of 64 resamples in worker threads, BLAS held to one thread (its
idle threads busy-wait against ours). The previous implementation drew
`numpy.random.default_rng(seed).integers(0, n)` and multiplied float64 weights. CPU seconds
count every thread of the process.

{bootstrap}
"""


def main() -> None:
    parts = {}
    for name, fn in (("process", section_process), ("throughput", section_throughput), ("peers", section_peers),
                     ("cache", section_cache), ("memory", section_memory),
                     ("bootstrap", section_bootstrap)):
        r = load(name)
        parts[name] = "\n".join(fn(r)) if r else f"(not measured yet: run bench_{name}.py)"
    text = TEMPLATE.format(**parts)
    tmp = README.with_suffix(".md.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(README)
    print(f"wrote {README}")


if __name__ == "__main__":
    main()
