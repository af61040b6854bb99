"""Counting: corpus x tokenizers -> per-segment integer arrays (the hot path).

Per language, the text is prepared once (characters, UTF-8 bytes, word spans from the declared
segmenter) and shared by every tokenizer. Per tokenizer x language, one batch encode gives token
ids and byte spans; everything else is numpy over flat arrays, no Python loop per segment.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from .corpora.model import Corpus
from .segmenters import get_segmenter
from .tokenizers.base import Tokenizer

#: Arrays every Counts has (always available).
BASE_FIELDS = ("tokens", "chars", "bytes", "byte_fallback")
#: Arrays that may be missing (None) with a reason.
OPTIONAL_FIELDS = ("words", "continued", "unk_chars")


@dataclass
class LangText:
    """What a language's text gives, independent of any tokenizer (computed once per run)."""

    lang: str
    texts: list[str]
    chars: np.ndarray
    bytes: np.ndarray
    byte_base: np.ndarray  # byte offset of each segment in the concatenated UTF-8 text
    char_start_cum: np.ndarray  # cumulative count of character starts per global byte offset
    segmenter: str | None  # signature of the segmenter, None when the language has none
    words: np.ndarray | None = None
    word_starts: np.ndarray | None = None  # global byte offsets
    word_ends: np.ndarray | None = None
    word_seg: np.ndarray | None = None


@dataclass
class Counts:
    """Per-segment counts of one tokenizer on one language (all int64 arrays of equal length).

    ``words``/``continued`` are None when the language has no word segmenter (see
    ``na_reasons``); ``continued``/``unk_chars`` are None when the tokenizer gives no offsets.
    ``token_ids``/``token_freqs`` are the distinct token ids used and how often.
    """

    tokenizer: str
    lang: str
    tokens: np.ndarray
    chars: np.ndarray
    bytes: np.ndarray
    byte_fallback: np.ndarray
    words: np.ndarray | None
    continued: np.ndarray | None
    unk_chars: np.ndarray | None
    token_ids: np.ndarray
    token_freqs: np.ndarray
    vocab_size: int
    segmenter: str | None = None
    na_reasons: dict[str, str] = field(default_factory=dict)

    @property
    def n_segments(self) -> int:
        return int(len(self.tokens))

    def concat(self, other: Counts) -> Counts:
        """Counts of this shard followed by another shard of the same tokenizer and language."""
        def cat(a, b):
            return None if a is None or b is None else np.concatenate([a, b])

        ids = np.concatenate([self.token_ids, other.token_ids])
        fr = np.concatenate([self.token_freqs, other.token_freqs])
        uids, inv = np.unique(ids, return_inverse=True)
        freqs = np.bincount(inv.reshape(-1), weights=fr, minlength=len(uids)).astype(np.int64)
        return Counts(self.tokenizer, self.lang, cat(self.tokens, other.tokens),
                      cat(self.chars, other.chars), cat(self.bytes, other.bytes),
                      cat(self.byte_fallback, other.byte_fallback), cat(self.words, other.words),
                      cat(self.continued, other.continued), cat(self.unk_chars, other.unk_chars),
                      uids, freqs, self.vocab_size, self.segmenter,
                      {**other.na_reasons, **self.na_reasons})


def prepare_text(lang: str, texts: Sequence[str], segmenter: str | None) -> LangText:
    """Characters, bytes and word spans of a language's segments (once per language)."""
    texts = list(texts)
    n = len(texts)
    chars = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    data = "".join(texts).encode("utf-8")
    buf = np.frombuffer(data, dtype=np.uint8)
    is_start = (buf & 0xC0) != 0x80
    char_start_cum = np.zeros(len(buf) + 1, dtype=np.int64)
    np.cumsum(is_start, out=char_start_cum[1:])
    # Byte offset of each segment start: the byte of its first character.
    char_pos = np.flatnonzero(is_start)
    char_base = np.cumsum(chars) - chars
    byte_base = np.append(char_pos, len(buf))[char_base] if n else np.zeros(0, np.int64)
    nbytes = np.diff(np.append(byte_base, len(buf)))
    lt = LangText(lang, texts, chars, nbytes.astype(np.int64), byte_base.astype(np.int64),
                  char_start_cum, None)
    if segmenter is not None:
        seg = get_segmenter(segmenter)
        wa = seg.segment_batch(texts)
        lt.segmenter = seg.signature
        lt.words = wa.counts.astype(np.int64)
        lt.word_seg = np.repeat(np.arange(n), wa.counts)
        lt.word_starts = wa.starts + byte_base[lt.word_seg]
        lt.word_ends = wa.ends + byte_base[lt.word_seg]
    return lt


def count(tok: Tokenizer, lt: LangText, *, spans: bool = True) -> Counts:
    """Count one tokenizer on one prepared language."""
    n = len(lt.texts)
    arrays = tok.encode_arrays(lt.texts, spans=spans)
    lengths = arrays.lengths
    if len(lengths) != n:
        raise RuntimeError(f"tokenizer {tok.name!r} returned {len(lengths)} encodings for "
                           f"{n} texts")
    ids = arrays.ids
    tok_seg = np.repeat(np.arange(n), lengths)
    mask = tok.byte_fallback_mask()
    in_vocab = ids < len(mask)
    bf = np.bincount(tok_seg[in_vocab], weights=mask[ids[in_vocab]],
                     minlength=n).astype(np.int64)
    uids, freqs = np.unique(ids, return_counts=True)
    na: dict[str, str] = {}
    continued = unk = None
    if arrays.has_spans:
        gs = arrays.starts + lt.byte_base[tok_seg]
        ge = arrays.ends + lt.byte_base[tok_seg]
        if tok.unk_id is not None:
            is_unk = ids == tok.unk_id
            covered = lt.char_start_cum[ge[is_unk]] - lt.char_start_cum[gs[is_unk]]
            unk = np.bincount(tok_seg[is_unk], weights=covered, minlength=n).astype(np.int64)
        else:
            unk = np.zeros(n, dtype=np.int64)
        if lt.words is not None:
            nonempty = ge > gs
            s_sorted = np.sort(gs[nonempty])
            e_sorted = np.sort(ge[nonempty])
            # Tokens overlapping word [ws, we): #(start < we) - #(end <= ws).
            overlap = np.searchsorted(s_sorted, lt.word_ends, side="left") - \
                np.searchsorted(e_sorted, lt.word_starts, side="right")
            continued = np.bincount(lt.word_seg[overlap >= 2], minlength=n).astype(np.int64)
    else:
        reason = f"tokenizer {tok.name} gives no token offsets"
        na["continued_words"] = reason
        na["unk_rate"] = reason
    if lt.words is None:
        na["fertility"] = na["continued_words"] = f"no word segmenter for {lt.lang}"
    return Counts(tok.name, lt.lang, lengths.astype(np.int64), lt.chars, lt.bytes, bf,
                  lt.words, continued, unk, uids.astype(np.int64), freqs.astype(np.int64),
                  int(tok.vocab_size), lt.segmenter, na)


def count_all(corpus: Corpus, tokenizers: Sequence[Tokenizer], segmenters: dict[str, str | None],
              *, spans: bool = True, workers: int | None = None,
              progress: Callable[[str], None] | None = None) -> dict[tuple[str, str], Counts]:
    """Count every tokenizer on every language of the corpus.

    Languages are prepared (and segmented) once; tasks run on a thread pool (the backends release
    the GIL while encoding, so both cores are used).
    """
    workers = workers or min(4, os.cpu_count() or 1)
    langs = corpus.langs
    out: dict[tuple[str, str], Counts] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        prepared = dict(zip(langs, pool.map(
            lambda lang: prepare_text(lang, corpus.segments[lang], segmenters.get(lang)), langs)))
        tasks = [(t, lang) for t in tokenizers for lang in langs]

        def run(task):
            t, lang = task
            c = count(t, prepared[lang], spans=spans)
            if progress:
                progress(f"{t.name} {lang}")
            return c

        for (t, lang), c in zip(tasks, pool.map(run, tasks)):
            out[(t.name, lang)] = c
    return out
