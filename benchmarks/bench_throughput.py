"""Throughput of ``tokeff.measure`` end to end against the raw backend batch calls.

Same work for both: FLORES-200 dev+devtest (2009 aligned segments) in the 20 languages that
``tokeff compare`` measures by default, two real tokenizers (o200k_base through tiktoken, the
DeepSeek-V3 ``tokenizer.json`` through HF ``tokenizers``). Loading is excluded: the corpus is in
memory, tokenizers and segmenters are loaded and warmed up before timing.

Two workloads:

- ``all metrics`` (the default metric set: needs token offsets and word segmentation). Ceiling:
  per language, the tokenizers' batch calls that give offsets (tiktoken ``encode_ordinary`` per
  segment or ``encode_ordinary_batch``, whichever is faster; HF ``encode_batch``) plus one call
  of each language's word segmenter (``segment_batch``: jieba, Sudachi, PyThaiNLP, ICU,
  unicode-words), each library run the way it runs by default (HF with its own thread pool).
- ``all metrics, jieba-rs``: the same with the Chinese languages segmented by jieba-rs
  (rjieba) instead of jieba (a different segmenter, recorded as such in the signature).
- ``token metrics`` (tokens, parity, tokens/char, chars/token, bytes/token, Renyi efficiency,
  byte-fallback rate: no offsets, no words). Ceiling: tiktoken as above, HF
  ``encode_batch_fast``.

tokeff's time includes everything after loading: preparation, encoding, alignment, metrics
and the 1000-resample paired bootstrap. Trials alternate ceiling and tokeff so that both see
the same machine load; the ratio is computed per trial (ceiling time / tokeff time, i.e.
tokeff's throughput as a fraction of the ceiling's) and its median reported.

    python benchmarks/bench_throughput.py --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C

import tokeff
from tokeff.corpora import load_flores_dir
from tokeff.segmenters import get_segmenter, resolve_segmenters

TOKEN_METRICS = ["tokens", "parity", "tokens_per_char", "chars_per_token", "bytes_per_token",
                 "renyi_efficiency", "byte_fallback_rate"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--executors", default="threads,processes,serial")
    ap.add_argument("--langs", default=",".join(C.DEFAULT_LANGS))
    args = ap.parse_args()
    mach = C.machine()

    d = C.flores_dir()
    # As `tokeff compare` does: the default languages that the corpus has.
    langs = [la for la in args.langs.split(",") if (d / "dev" / f"{la}.dev").is_file()]
    corpus = load_flores_dir(d, split="dev+devtest", langs=langs)
    toks = [tokeff.get_tokenizer(C.o200k_spec()), tokeff.get_tokenizer(C.deepseek_spec())]
    tik, hf = toks
    segs = resolve_segmenters(corpus.langs)
    seg_objs = {la: get_segmenter(s) for la, s in segs.items() if s}
    # The faster Chinese segmenter (jieba-rs through rjieba), where installed.
    fast = {la: "jieba-rs" for la, s in segs.items() if s == "jieba"}
    try:
        fast_objs = {la: get_segmenter(fast.get(la, s)) for la, s in segs.items() if s}
    except tokeff.TokeffError:
        fast, fast_objs = {}, {}
    # Warm up: tokenizer tables, segmenter dictionaries, imports, thread pools.
    executors = args.executors.split(",")
    for ex in executors:
        tokeff.measure(corpus.shard(0, 50), toks, executor=ex, bootstrap=10)
    n_seg = len(corpus) * len(corpus.langs)

    texts = [corpus.segments[la] for la in corpus.langs]
    enc = tik.encoding

    def tiktoken_loop():
        for t in texts:
            list(map(enc.encode_ordinary, t))

    def tiktoken_batch():
        for t in texts:
            enc.encode_ordinary_batch(t)

    def hf_offsets():
        for t in texts:
            hf.tokenizer.encode_batch(t, add_special_tokens=False)

    def hf_fast():
        for t in texts:
            hf.tokenizer.encode_batch_fast(t, add_special_tokens=False)

    def segment():
        for la, s in seg_objs.items():
            s.segment_batch(corpus.segments[la])

    def segment_fast():
        for la, s in fast_objs.items():
            s.segment_batch(corpus.segments[la])

    trials: list[dict] = []
    for r in range(args.repeat):
        t = {}
        for name, fn in (("tiktoken_loop", tiktoken_loop), ("tiktoken_batch", tiktoken_batch),
                         ("hf_encode_batch", hf_offsets), ("hf_encode_batch_fast", hf_fast),
                         ("segmenters", segment), ("segmenters_fast", segment_fast)):
            if name == "segmenters_fast" and not fast:
                continue
            w, c, _ = C.timed(fn)
            t[name] = {"wall": w, "cpu": c}
        for ex in executors:
            w, c, _ = C.timed(lambda e=ex: tokeff.measure(corpus, toks, executor=e))
            t[f"tokeff_all_{ex}"] = {"wall": w, "cpu": c}
            w, c, _ = C.timed(lambda e=ex: tokeff.measure(corpus, toks, executor=e,
                                                          metrics=TOKEN_METRICS))
            t[f"tokeff_token_{ex}"] = {"wall": w, "cpu": c}
            if fast:
                w, c, _ = C.timed(lambda e=ex: tokeff.measure(corpus, toks, executor=e,
                                                              segmenters=fast))
                t[f"tokeff_fast_{ex}"] = {"wall": w, "cpu": c}
        tik_best = min(t["tiktoken_loop"]["wall"], t["tiktoken_batch"]["wall"])
        t["ceiling_all"] = tik_best + t["hf_encode_batch"]["wall"] + t["segmenters"]["wall"]
        t["ceiling_all_tokenizers_only"] = tik_best + t["hf_encode_batch"]["wall"]
        t["ceiling_token"] = tik_best + t["hf_encode_batch_fast"]["wall"]
        if fast:
            t["ceiling_fast"] = (tik_best + t["hf_encode_batch"]["wall"]
                                 + t["segmenters_fast"]["wall"])
        trials.append(t)
        print(f"trial {r + 1}: ceiling(all) {t['ceiling_all']:.2f}s "
              + " ".join(f"{ex} {t[f'tokeff_all_{ex}']['wall']:.2f}s" for ex in executors)
              + f" | ceiling(token) {t['ceiling_token']:.2f}s "
              + " ".join(f"{ex} {t[f'tokeff_token_{ex}']['wall']:.2f}s" for ex in executors),
              file=sys.stderr)

    def ratios(ceiling: str, run: str) -> list[float]:
        return [t[ceiling] / t[run]["wall"] for t in trials]

    summary = {}
    for ex in executors:
        summary[ex] = {
            "all": C.summarize(ratios("ceiling_all", f"tokeff_all_{ex}")),
            "all_vs_tokenizers_only": C.summarize(ratios("ceiling_all_tokenizers_only",
                                                         f"tokeff_all_{ex}")),
            "token": C.summarize(ratios("ceiling_token", f"tokeff_token_{ex}")),
            "all_wall": C.summarize([t[f"tokeff_all_{ex}"]["wall"] for t in trials]),
            "token_wall": C.summarize([t[f"tokeff_token_{ex}"]["wall"] for t in trials]),
            "fast": C.summarize(ratios("ceiling_fast", f"tokeff_fast_{ex}")) if fast else None,
            "fast_wall": (C.summarize([t[f"tokeff_fast_{ex}"]["wall"] for t in trials])
                          if fast else None),
            "all_cpu": statistics.median(t[f"tokeff_all_{ex}"]["cpu"] for t in trials),
            "token_cpu": statistics.median(t[f"tokeff_token_{ex}"]["cpu"] for t in trials),
        }
    raw = {k: C.summarize([t[k]["wall"] for t in trials]) for k in
           ("tiktoken_loop", "tiktoken_batch", "hf_encode_batch", "hf_encode_batch_fast",
            "segmenters", "segmenters_fast") if k in trials[0]}
    raw_cpu = {k: statistics.median(t[k]["cpu"] for t in trials) for k in raw}
    out = C.write_result("throughput", {
        "machine": mach,
        "workload": {"corpus": "FLORES-200 dev+devtest", "segments": len(corpus),
                     "langs": corpus.langs, "tokenizers": [t.name for t in toks],
                     "segmenters": {la: o.signature for la, o in seg_objs.items()},
                     "fast_segmenters": {la: fast_objs[la].signature for la in fast},
                     "segments_per_tokenizer": n_seg, "bootstrap": 1000},
        "raw": raw, "raw_cpu": raw_cpu,
        "ceiling_all": C.summarize([t["ceiling_all"] for t in trials]),
        "ceiling_token": C.summarize([t["ceiling_token"] for t in trials]),
        "ceiling_fast": C.summarize([t["ceiling_fast"] for t in trials]) if fast else None,
        "ceiling_all_tokenizers_only": C.summarize([t["ceiling_all_tokenizers_only"]
                                                    for t in trials]),
        "tokeff": summary, "trials": trials,
    })
    for ex in executors:
        s = summary[ex]
        print(f"{ex}: all metrics {s['all']['median']:.2f}x of ceiling "
              f"(tokenizers only: {s['all_vs_tokenizers_only']['median']:.2f}x), "
              f"token metrics {s['token']['median']:.2f}x")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
