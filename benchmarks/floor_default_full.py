"""The plain-library floor of the default ``python -m tokeff compare``, doing the same work.

``floor_default.py`` only counts tokens; this script does what the default ``compare`` does
(UDHR, ``corpora/udhr/articles.jsonl``, one article per segment; the 8 default tokenizers; the
CLI's default metrics tokens, tokens_per_char, fertility, continued_words and parity against
eng_Latn, each ratio with a 1000-resample paired bootstrap), with the plain libraries and numpy
and no tokeff import:

- the tokenizers come from the same files, built the same way (``floor_default.load_spans``:
  tiktoken, ``tokenizers``, sentencepiece and the RWKV trie of ``pyrwkv-tokenizer``), one batch
  call per language, with token byte spans: tiktoken and RWKV from the token byte lengths, HF
  from its character offsets, sentencepiece from its byte offsets; each tokenizer is loaded when
  its turn comes and freed after it, as a plain script would;
- words are segmented once per language (not per tokenizer), with tokeff's default segmenters
  composed as tokeff composes them (``floor_flores_full.words``: jieba for Chinese, Sudachi for
  Japanese, PyThaiNLP newmm for Thai, ICU for Burmese, each on the runs of its scripts; the
  Unicode word rule for the rest and for every other language);
- continued words (words overlapped by two or more tokens) from the byte spans
  (``floor_flores_full.continued_words``);
- one set of resamples (``numpy.random.default_rng(seed)``) for every tokenizer and language,
  the 95% percentile interval of every ratio the table shows (``floor_flores_full.bootstrap``).

What it leaves out, all of it work tokeff does in this run, so the comparison is conservative
in tokeff's disfavour (the floor does a little less than tokeff): the characters covered by UNK
tokens and the token-id frequencies that tokeff keeps for a tokenizer with an UNK token
(mistral-7b-v1; they feed its diagnostics); hashing the vocabularies and the corpus for the
signatures; writing the count cache. The Renyi efficiency, UNK rate and byte-fallback rate are
not among the CLI's default metrics (``--metrics all`` adds them) and tokeff does not compute
them here, so neither does the floor.

It prints one tab-separated row per tokenizer x language: tokens, chars, bytes, words, continued
words and the interval of each ratio, which ``bench_process.py`` checks against
``tokeff compare --format json`` before it reports a ratio::

    python benchmarks/floor_default_full.py LANG,LANG,...

Options after the languages: ``--tokenizers A,B`` (the 8 defaults), ``--bootstrap N`` (1000),
``--seed S`` (0), ``--pivot L`` (eng_Latn), ``--timings`` (per-phase seconds on stderr).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from floor_default import NAMES, UDHR, load_spans
from floor_flores_full import RATIOS, bootstrap, continued_words, prepare, resample_weights, words

TOTALS = ("tokens", "chars", "bytes", "words", "continued")


def read_udhr(langs: list[str]) -> dict[str, list[str]]:
    """Every article of every language, in file order; the corpus is aligned (every article in
    every language), which the paired bootstrap needs."""
    texts: dict[str, list[str]] = {la: [] for la in langs}
    with UDHR.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            row = json.loads(line)
            for la in langs:
                if not row.get(la):
                    raise SystemExit(f"floor_default_full.py: {UDHR}, line {lineno}: no {la} "
                                     f"text (the paired bootstrap needs aligned segments)")
                texts[la].append(row[la])
    return texts


def main(argv: list[str]) -> int:
    if not argv or argv[0].startswith("--"):
        raise SystemExit("usage: floor_default_full.py LANG,... [--tokenizers A,B] "
                         "[--bootstrap N] [--seed S] [--pivot LANG] [--timings]")
    langs = argv[0].split(",")
    rest = [a for a in argv[1:] if a != "--timings"]
    opts = dict(zip(rest[::2], rest[1::2]))
    names = opts["--tokenizers"].split(",") if "--tokenizers" in opts else list(NAMES)
    n_boot = int(opts.get("--bootstrap", 1000))
    seed = int(opts.get("--seed", 0))
    pivot = opts.get("--pivot", "eng_Latn")
    if pivot not in langs:
        raise SystemExit(f"floor_default_full.py: the pivot {pivot} is not among the languages")
    clock: dict[str, float] = {}

    def tick(phase: str, t0: float) -> float:
        t = time.perf_counter()
        clock[phase] = clock.get(phase, 0.0) + t - t0
        return t

    t = time.perf_counter()
    texts = read_udhr(langs)
    t = tick("read", t)
    # Everything that does not depend on the tokenizer, once per language.
    prepared = {}
    inner: dict = {}
    for la in langs:
        c2b, chars, nbytes = prepare(texts[la])
        t = tick("prepare", t)
        wcounts, w_s, w_e = words(la, texts[la], inner)
        prepared[la] = (c2b, chars, nbytes, wcounts, c2b[w_s], c2b[w_e])
        t = tick("words", t)
    del inner  # the segmenters are done with
    n = len(texts[langs[0]])
    weights = resample_weights(n, n_boot, seed) if n_boot > 0 else None
    t = tick("bootstrap", t)
    head = ["tokenizer", "lang", *TOTALS]
    head += [f"{r}_{e}" for r, _, _ in RATIOS for e in ("lo", "hi")]
    out = ["\t".join(head)]
    for name in names:
        encode = load_spans(name)
        t = tick("load tokenizers", t)
        per_lang = {}
        for la in langs:
            c2b, chars, nbytes, wcounts, ws, we = prepared[la]
            lengths, tok_s, tok_e = encode(texts[la], c2b)
            t = tick("encode", t)
            per_lang[la] = {"tokens": lengths, "chars": chars, "bytes": nbytes, "words": wcounts,
                            "continued": continued_words(tok_s, tok_e, ws, we, wcounts)}
            t = tick("align", t)
        del encode  # the tokenizer is done with: free it before the next one loads
        t = tick("free tokenizers", t)
        ci = bootstrap(per_lang, pivot, n_boot, seed, 0.95, weights) if weights is not None \
            else {}
        t = tick("bootstrap", t)
        for la, c in per_lang.items():
            cells = [name, la] + [str(int(c[k].sum())) for k in TOTALS]
            for r, _, _ in RATIOS:
                iv = ci.get(la, {}).get(r)
                cells += [repr(iv[0]), repr(iv[1])] if iv else ["", ""]
            out.append("\t".join(cells))
    print("\n".join(out))
    if "--timings" in argv[1:]:
        print("  ".join(f"{k} {v:.2f}s" for k, v in clock.items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
