"""Word segmenter speed on FLORES-200 (dev+devtest, 2009 sentences per language).

For every built-in segmenter that is installed, on the languages it is made for: the time to
build it (imports, dictionary/model load; first construction in this process, so a backend
shared by several names, such as ICU, loads once) and the time of one ``segment_batch`` over all
sentences of a language, as tokeff calls it once per language and run. The median over
``--repeat`` runs is reported, wall-clock and CPU time, with sentences and characters per CPU
second (steadier than wall-clock on a shared machine), and the number of words.

Writes ``benchmarks/SEGMENTERS.md`` (date, machine, versions) with ``--write``::

    python benchmarks/bench_segmenters.py --repeat 3 --write

FLORES-200 is found through ``TOKEFF_FLORES200`` or ``../shared/corpora/flores200``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common

HERE = Path(__file__).resolve().parent
OUT = HERE / "SEGMENTERS.md"

#: (segmenter, languages) in the order of the table.
PLAN: list[tuple[str, tuple[str, ...]]] = [
    ("unicode-words", ("eng_Latn", "kor_Hang")),
    ("jieba", ("zho_Hans",)),
    ("jieba-nohmm", ("zho_Hans",)),
    ("jieba-raw", ("zho_Hans",)),
    ("jieba-rs", ("zho_Hans",)),
    ("sudachi", ("jpn_Jpan",)),
    ("sudachi-c", ("jpn_Jpan",)),
    ("mecab", ("jpn_Jpan",)),
    ("newmm", ("tha_Thai",)),
    ("icu", ("tha_Thai", "lao_Laoo", "khm_Khmr", "mya_Mymr", "jpn_Jpan", "zho_Hans")),
    ("laonlp", ("lao_Laoo",)),
    ("khmercut", ("khm_Khmr",)),
    ("kiwi", ("kor_Hang",)),
]

PACKAGES = ("numpy", "regex", "jieba", "rjieba", "sudachipy", "sudachidict-core", "fugashi",
            "unidic-lite", "pythainlp", "icu4py", "PyICU", "pyicu-wheels", "laonlp", "khmercut",
            "python-crfsuite", "kiwipiepy", "kiwipiepy_model")


def flores_dir() -> Path:
    env = os.environ.get("TOKEFF_FLORES200")
    d = Path(env) if env else HERE.parents[1] / "shared" / "corpora" / "flores200"
    if not (d / "dev").is_dir():
        sys.exit(f"FLORES-200 not found at {d}; set TOKEFF_FLORES200")
    return d


def load_lang(d: Path, lang: str) -> list[str]:
    lines: list[str] = []
    for split in ("dev", "devtest"):
        text = (d / split / f"{lang}.{split}").read_text(encoding="utf-8")
        lines.extend(text.splitlines())
    return lines


def machine() -> str:
    cpu = _common.cpu_model()
    load = ""
    if hasattr(os, "getloadavg"):
        load = f", load average at start {os.getloadavg()[0]:.1f}"
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}{load}"


def versions() -> str:
    out = [f"Python {platform.python_version()}"]
    for p in PACKAGES:
        try:
            out.append(f"{p} {metadata.version(p)}")
        except metadata.PackageNotFoundError:
            pass
    try:
        from icu4py._version import icu_version

        out.append(f"ICU {icu_version}")
    except ImportError:
        pass
    return ", ".join(out)


def run(repeat: int, only: set[str] | None) -> tuple[list[dict], list[str]]:
    from tokeff.segmenters import get_segmenter, missing_dependency

    d = flores_dir()
    cache: dict[str, list[str]] = {}
    rows: list[dict] = []
    skipped: list[str] = []
    for name, langs in PLAN:
        if only and name not in only:
            continue
        err = missing_dependency(name)
        if err is not None:
            skipped.append(f"`{name}`: {err}")
            continue
        t0 = time.perf_counter()
        seg = get_segmenter(name)
        load = time.perf_counter() - t0
        for i, lang in enumerate(langs):
            texts = cache.setdefault(lang, load_lang(d, lang))
            walls, cpus, words = [], [], 0
            for _ in range(repeat):
                w0, c0 = time.perf_counter(), time.process_time()
                wa = seg.segment_batch(texts)
                walls.append(time.perf_counter() - w0)
                cpus.append(time.process_time() - c0)
                words = int(wa.counts.sum())
            wall = statistics.median(walls)
            chars = sum(map(len, texts))
            rows.append({"segmenter": name, "lang": lang, "signature": seg.signature,
                         "load": load if i == 0 else None, "wall": wall,
                         "cpu": statistics.median(cpus), "sentences": len(texts), "chars": chars,
                         "words": words})
            print(f"{name:14} {lang}  {wall:7.3f} s  {len(texts) / statistics.median(cpus):9.0f} "
                  "sent/CPU s  "
                  f"{words} words", file=sys.stderr)
    return rows, skipped


def markdown(rows: list[dict], skipped: list[str], repeat: int) -> str:
    lines = [
        "# Word segmenter speed on FLORES-200",
        "",
        ("Written by `benchmarks/bench_segmenters.py` (`python benchmarks/bench_segmenters.py "
         f"--repeat {repeat} --write`). One `segment_batch` call over all sentences of a "
         "language (FLORES-200 dev+devtest), as tokeff segments each language once per run; "
         f"median of {repeat} runs. *load* is the first construction of the segmenter in the "
         "process (imports, dictionary or model), blank where the instance was already loaded. "
         "Dictionary segmenters include the split into script runs (Latin words and numbers go "
         "to `unicode-words`). Rates are per CPU second: on a shared machine the CPU time is "
         "what the segmenter costs (single-threaded, it equals the wall-clock time on an idle "
         "machine), the wall-clock time also counts waiting for other processes."),
        "",
        f"- date: {_dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        f"- machine: {machine()}",
        f"- versions: {versions()}",
        "",
        ("| segmenter | language | load (s) | wall (s) | CPU (s) | sentences/CPU s "
         "| chars/CPU s | words | words/sentence |"),
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        load = f"{r['load']:.2f}" if r["load"] is not None else ""
        lines.append(
            f"| `{r['segmenter']}` | {r['lang']} | {load} | {r['wall']:.3f} | {r['cpu']:.3f} "
            f"| {r['sentences'] / r['cpu']:,.0f} | {r['chars'] / r['cpu']:,.0f} "
            f"| {r['words']:,} | {r['words'] / r['sentences']:.1f} |")
    lines += ["", "Signatures (recorded with every fertility number):", ""]
    seen = set()
    for r in rows:
        if r["segmenter"] not in seen:
            seen.add(r["segmenter"])
            lines.append(f"- `{r['segmenter']}`: `{r['signature']}`")
    if skipped:
        lines += ["", "Not installed, not measured:", ""] + [f"- {s}" for s in skipped]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", help="comma-separated segmenter names")
    ap.add_argument("--write", action="store_true", help=f"write {OUT.relative_to(HERE.parent)}")
    args = ap.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    rows, skipped = run(args.repeat, only)
    text = markdown(rows, skipped, args.repeat)
    if args.write:
        OUT.write_text(text, encoding="utf-8")
        print(f"wrote {OUT}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
