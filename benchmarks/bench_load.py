"""Load time of every available catalogue tokenizer, cold and warm.

Each measurement runs in a fresh Python process that first imports tokeff and the backend
libraries (tiktoken, tokenizers, sentencepiece, numpy; their import time is reported apart), then
times ``get_entry(name).load()``: reading the file from its package, decompressing, checking the
sha256, parsing and building the backend object.

- cold: an empty parse cache (``TOKEFF_CACHE_DIR`` pointing to a new directory);
- warm: the cache written by the cold run (only formats with a parse cache differ).

The median over ``--repeat`` runs is reported, wall-clock and CPU time. Write the table into
``benchmarks/LOAD.md`` (between its catalogue markers) with ``--write``::

    python benchmarks/bench_load.py --repeat 3 --write
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common

HERE = Path(__file__).resolve().parent
LOAD_MD = HERE / "LOAD.md"
START = "<!-- catalogue-load:start (written by benchmarks/bench_load.py) -->"
END = "<!-- catalogue-load:end -->"

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import numpy, tiktoken, tokenizers, sentencepiece  # backends: imported before timing
import tokeff.tokenizers.catalogue as C
t_import = time.perf_counter() - t0
entry = C.get_entry(sys.argv[1])
w0, c0 = time.perf_counter(), time.process_time()
data = entry.read_vocab()
w1, c1 = time.perf_counter(), time.process_time()
tok = entry.load()
w2, c2 = time.perf_counter(), time.process_time()
assert tok.name == entry.name and tok.vocab_size == entry.vocab_size
n = len(tok.encode("Hello world"))
print(json.dumps({"import": t_import, "read_wall": w1 - w0, "load_wall": w2 - w1,
                  "load_cpu": c2 - c1, "tokens": n}))
"""


def _run(name: str, cache: Path) -> dict:
    env = dict(os.environ, TOKEFF_CACHE_DIR=str(cache))
    env.pop("TOKEFF_NO_CACHE", None)
    out = subprocess.run([sys.executable, "-c", CHILD, name], env=env, capture_output=True,
                         text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"loading {name} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _machine() -> str:
    cpu = _common.cpu_model()
    mem = ""
    try:
        kb = int(next(ln for ln in Path("/proc/meminfo").read_text().splitlines()
                      if ln.startswith("MemTotal")).split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{mem}, {platform.system()} {platform.release()}"


def _versions() -> str:
    from importlib import metadata

    import tokeff

    parts = [f"Python {platform.python_version()}", f"tokeff {tokeff.__version__}"]
    for pkg in ("tiktoken", "tokenizers", "sentencepiece", "numpy"):
        try:
            parts.append(f"{pkg} {metadata.version(pkg)}")
        except metadata.PackageNotFoundError:
            pass
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs per tokenizer and mode")
    ap.add_argument("--only", nargs="*", help="catalogue names (default: all available)")
    ap.add_argument("--write", action="store_true", help=f"write the table into {LOAD_MD}")
    args = ap.parse_args(argv)

    import tokeff.tokenizers.catalogue as C

    names = args.only or C.select("available")
    missing = [e.name for e in C.catalogue() if not e.is_available()]
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    rows = []
    imports = []
    for name in names:
        entry = C.get_entry(name)
        cold, warm = [], []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory(prefix="tokeff-bench-") as d:
                cold.append(_run(name, Path(d)))
                warm.append(_run(name, Path(d)))
        imports += [r["import"] for r in cold + warm]

        def med(rs: list[dict], k: str) -> float:
            return statistics.median(r[k] for r in rs)

        row = {
            "name": name, "origin": entry.origin, "backend": entry.backend, "fmt": entry.fmt,
            "vocab": entry.vocab_size, "read": med(cold, "read_wall"),
            "cold": med(cold, "load_wall"), "cold_cpu": med(cold, "load_cpu"),
            "warm": med(warm, "load_wall"), "warm_cpu": med(warm, "load_cpu"),
        }
        rows.append(row)
        print(f"{name:16s} read {row['read']:.3f}s  cold {row['cold']:.3f}s "
              f"(cpu {row['cold_cpu']:.3f})  warm {row['warm']:.3f}s (cpu {row['warm_cpu']:.3f})",
              flush=True)
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    cached = {"tiktoken-openai", "tiktoken", "gpt2-bpe", "quicktok", "tekken", "rwkv-vocab"}
    lines = [
        START,
        "## Catalogue tokenizers: load time",
        "",
        (f"Measured {_dt.date.today().isoformat()} by `python benchmarks/bench_load.py "
         f"--repeat {args.repeat}` on {_machine()}; {_versions()}. 1-minute load average "
         f"{load_before:.1f} before and {load_after:.1f} after the run (other work was running "
         "when it is above the core count: compare CPU times then)."),
        "",
        ("Each number is the median of the runs, each in a fresh process with tokeff and the "
         "backends already imported (that import took a median "
         f"{statistics.median(imports):.2f} s). *read* = locate, read, decompress and "
         "sha256-check the file; *cold* = the whole `load()` (read included) with an empty "
         "parse cache; *warm* = the same with the cache the cold run wrote. Formats without a "
         "parse cache (tokenizer.json, sentencepiece) are equally fast cold and warm."),
        "",
        ("| tokenizer | origin | backend | vocab | parse cache | read s | cold s | cold CPU s "
         "| warm s | warm CPU s |"),
        "|---|---|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['origin']} | {r['backend']} | {r['vocab']:,} | "
            f"{'yes' if r['fmt'] in cached else 'no'} | {r['read']:.3f} | {r['cold']:.3f} | "
            f"{r['cold_cpu']:.3f} | {r['warm']:.3f} | {r['warm_cpu']:.3f} |")
    total_default = sum(r["warm"] for r in rows if C.get_entry(r["name"]).default)
    lines += [
        "",
        f"Default set ({', '.join(C.select('default'))}): {total_default:.2f} s warm in total.",
    ]
    if missing:
        lines.append(f"Not measured (package not installed here): {', '.join(missing)}.")
    lines.append(END)
    table = "\n".join(lines)
    print()
    print(table)
    if args.write:
        text = LOAD_MD.read_text(encoding="utf-8") if LOAD_MD.exists() else "# Load times\n"
        if START in text and END in text:
            head, _, rest = text.partition(START)
            _, _, tail = rest.partition(END)
            text = head + table + tail
        else:
            text = text.rstrip("\n") + "\n\n" + table + "\n"
        LOAD_MD.write_text(text, encoding="utf-8")
        print(f"\nwritten to {LOAD_MD}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
