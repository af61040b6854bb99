"""The counting kernel: one block of one language x tokenizers -> per-segment integer arrays.

Per language, the text is prepared once (characters, UTF-8 bytes, word spans from the declared
segmenter) and shared by every tokenizer. Per tokenizer x language, one batch encode gives token
ids and byte spans; everything else is numpy over flat arrays, no Python loop per segment.

Every per-segment count depends only on that segment's text, the tokenizer and the segmenter,
so a language can be cut into *blocks* of consecutive segments that are counted independently
(in parallel, on other machines, or read back from the on-disk cache) and concatenated: the
result is the same arrays, bit for bit, as counting the language in one piece.
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..corpora.model import Corpus
from ..errors import TokenizerError
from ..segmenters import get_segmenter, unavailable_reason
from ..tokenizers.base import TokenArrays, Tokenizer
from .counts import BYTE_FALLBACK_NOT_COUNTED, TOKEN_IDS_NOT_COUNTED, Counts, no_spans_reason

#: Content-defined blocks: a block ends after a segment whose crc32 is 0 modulo this (once the
#: block has MIN_BLOCK segments), or when it reaches MAX_BLOCK segments. Boundaries depend only
#: on the text, so the same segments give the same blocks (and cache entries) in every run, and
#: an edit or insertion only changes the blocks around it.
BLOCK_MODULUS = 512
MIN_BLOCK = 256
MAX_BLOCK = 2048
#: Blocks without the cache: equal parts of at most this many segments.
FIXED_BLOCK = 1024


@dataclass
class LangText:
    """What a language's text gives, independent of any tokenizer (computed once per run)."""

    lang: str
    texts: list[str]
    chars: np.ndarray
    bytes: np.ndarray
    byte_base: np.ndarray  # byte offset of each segment in the concatenated UTF-8 text
    char_start_cum: np.ndarray | None  # characters starting before each global byte offset
    # (None until :func:`char_start_cum` computes it)
    segmenter: str | None  # signature of the segmenter, None when the language has none
    words: np.ndarray | None = None
    word_starts: np.ndarray | None = None  # global byte offsets
    word_ends: np.ndarray | None = None
    word_seg: np.ndarray | None = None


def prepare_text(lang: str, texts: Sequence[str], segmenter: str | None) -> LangText:
    """Characters, bytes and word spans of a language's segments (once per language)."""
    texts = list(texts)
    n = len(texts)
    chars = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    nbytes = np.fromiter(map(len, map(_utf8, texts)), dtype=np.int64, count=n)
    byte_base = np.cumsum(nbytes) - nbytes
    lt = LangText(lang, texts, chars, nbytes, byte_base, None, None)
    if segmenter is not None:
        seg = get_segmenter(segmenter)
        wa = seg.segment_batch(texts)
        lt.segmenter = seg.signature
        lt.words = wa.counts.astype(np.int64)
        lt.word_seg = np.repeat(np.arange(n), wa.counts)
        lt.word_starts = wa.starts + byte_base[lt.word_seg]
        lt.word_ends = wa.ends + byte_base[lt.word_seg]
    return lt


def _utf8(s: str) -> bytes:
    return s.encode("utf-8")


def char_start_cum(lt: LangText) -> np.ndarray:
    """Per byte offset of the concatenated UTF-8 text: how many characters start before it
    (computed on first use: only the UNK rate needs it)."""
    if lt.char_start_cum is None:
        buf = np.frombuffer("".join(lt.texts).encode("utf-8"), dtype=np.uint8)
        cum = np.zeros(len(buf) + 1, dtype=np.int64)
        np.cumsum((buf & 0xC0) != 0x80, out=cum[1:])
        lt.char_start_cum = cum
    return lt.char_start_cum


def encode(tok: Tokenizer, texts: Sequence[str], *, spans: bool = True,
           lang: str | None = None, ids: bool = True) -> TokenArrays:
    """The backend part of :func:`count`: one batch encode (it needs no segmentation). A
    :class:`~tokeff.errors.TokenizerError` is told which language was being encoded.
    ``ids=False`` with ``spans=False`` asks only for the number of tokens of each text
    (:meth:`~tokeff.tokenizers.base.Tokenizer.count_tokens`): ``ids`` is then empty, unless
    the tokenizer has an UNK token (see :func:`keeps_ids`)."""
    try:
        if not keeps_ids(tok, ids) and not spans:
            return TokenArrays(ids=np.empty(0, dtype=np.int64), lengths=tok.count_tokens(texts))
        return tok.encode_arrays(texts, spans=spans)
    except TokenizerError as e:
        if e.language is None:
            e.language = lang
        raise


def _sorted(a: np.ndarray) -> np.ndarray:
    # Token spans of one text come in order, so the global arrays are usually sorted already.
    if len(a) < 2 or bool(np.all(a[1:] >= a[:-1])):
        return a
    return np.sort(a)


def _id_freqs(ids: np.ndarray, vocab_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ids (ascending) and their counts; same output as ``np.unique(return_counts)``."""
    if len(ids) and len(ids) * 8 >= vocab_size and int(ids.min()) >= 0 and \
            int(ids.max()) < 4 * max(vocab_size, 1):
        bc = np.bincount(ids)
        uids = np.flatnonzero(bc)
        return uids, bc[uids]
    return np.unique(ids, return_counts=True)


def keeps_ids(tok: Tokenizer, ids: bool) -> bool:
    """Whether counts of ``tok`` keep token-id frequencies: when asked (``ids``), and always for
    a tokenizer with an UNK token, whose share of tokens the diagnostics read from them when
    there are no offsets. Fixed per tokenizer, so one cache key always holds the same arrays."""
    return ids or tok.unk_id is not None


def combine(tok: Tokenizer, lt: LangText, arrays: TokenArrays, *,
            byte_fallback: bool = True, ids: bool = True) -> Counts:
    """The numpy part of :func:`count`: align an encoding with a prepared language.
    ``byte_fallback=False`` leaves byte tokens uncounted (the tokenizer's byte-fallback mask is
    then never built); ``ids=False`` keeps no token-id frequencies (:func:`keeps_ids`; needs
    ``byte_fallback=False`` and no spans: byte tokens and spans are read from the ids)."""
    ids = keeps_ids(tok, ids)
    if not ids and (byte_fallback or arrays.has_spans):
        raise ValueError("counting without token ids needs byte_fallback=False and no spans")
    n = len(lt.texts)
    lengths = arrays.lengths
    if len(lengths) != n:
        raise RuntimeError(f"tokenizer {tok.name!r} returned {len(lengths)} encodings for "
                           f"{n} texts")
    ids_kept, ids = ids, arrays.ids
    tok_seg = np.repeat(np.arange(n), lengths)
    na: dict[str, str] = {}
    bf: np.ndarray | None = None
    if byte_fallback:
        mask = tok.byte_fallback_mask()
        in_vocab = ids < len(mask)
        if bool(in_vocab.all()):
            bf = np.bincount(tok_seg, weights=mask[ids], minlength=n).astype(np.int64)
        else:
            bf = np.bincount(tok_seg[in_vocab], weights=mask[ids[in_vocab]],
                             minlength=n).astype(np.int64)
    else:
        na["byte_fallback"] = BYTE_FALLBACK_NOT_COUNTED
    vocab_size = int(tok.vocab_size)
    if ids_kept:
        uids, freqs = _id_freqs(ids, vocab_size)
    else:
        uids = freqs = np.empty(0, dtype=np.int64)
        na["token_ids"] = TOKEN_IDS_NOT_COUNTED
    continued = unk = None
    if arrays.has_spans:
        gs = arrays.starts + lt.byte_base[tok_seg]
        ge = arrays.ends + lt.byte_base[tok_seg]
        is_unk = ids == tok.unk_id if tok.unk_id is not None else None
        if is_unk is not None and bool(is_unk.any()):
            cum = char_start_cum(lt)
            covered = cum[ge[is_unk]] - cum[gs[is_unk]]
            unk = np.bincount(tok_seg[is_unk], weights=covered, minlength=n).astype(np.int64)
        else:
            unk = np.zeros(n, dtype=np.int64)
        if lt.words is not None:
            assert lt.word_starts is not None and lt.word_ends is not None
            assert lt.word_seg is not None
            nonempty = ge > gs
            s_sorted = _sorted(gs[nonempty])
            e_sorted = _sorted(ge[nonempty])
            # Tokens overlapping word [ws, we): #(start < we) - #(end <= ws).
            overlap = np.searchsorted(s_sorted, lt.word_ends, side="left") - \
                np.searchsorted(e_sorted, lt.word_starts, side="right")
            continued = np.bincount(lt.word_seg[overlap >= 2], minlength=n).astype(np.int64)
    else:
        na["spans"] = no_spans_reason(tok.name)
    if lt.words is None:
        na["words"] = unavailable_reason(lt.lang)
    return Counts(tok.name, lt.lang, lengths.astype(np.int64), lt.chars, lt.bytes, bf,
                  lt.words, continued, unk, uids.astype(np.int64), freqs.astype(np.int64),
                  vocab_size, lt.segmenter, na)


def count(tok: Tokenizer, lt: LangText, *, spans: bool = True,
          byte_fallback: bool = True, ids: bool = True) -> Counts:
    """Count one tokenizer on one prepared language."""
    return combine(tok, lt, encode(tok, lt.texts, spans=spans, lang=lt.lang, ids=ids),
                   byte_fallback=byte_fallback, ids=ids)


# -- blocks ------------------------------------------------------------------------------------

def plan_blocks(texts: Sequence[str], *, max_block: int | None = None,
                content_defined: bool = True) -> list[tuple[int, int]]:
    """Cut a language's segments into blocks ``[(start, stop), ...]``.

    Content-defined (for the cache): a block ends after a segment whose UTF-8 crc32 is 0
    modulo :data:`BLOCK_MODULUS` (once it has :data:`MIN_BLOCK` segments) or at ``max_block``
    segments (default :data:`MAX_BLOCK`). Otherwise: equal blocks of at most
    :data:`FIXED_BLOCK` (or ``max_block``) segments.

    >>> plan_blocks(["a"] * 5000)[:2]
    [(0, 2048), (2048, 4096)]
    >>> plan_blocks(["a"] * 2500, content_defined=False)
    [(0, 833), (833, 1666), (1666, 2500)]
    """
    n = len(texts)
    if not content_defined:
        if n == 0:
            return []
        size = max(1, max_block or FIXED_BLOCK)
        k = -(-n // size)
        bounds = [n * i // k for i in range(k + 1)]
        return list(itertools.pairwise(bounds))
    cap = max(1, max_block or MAX_BLOCK)
    lo = min(MIN_BLOCK, cap)
    if n <= lo:
        return [(0, n)] if n else []
    crc = zlib.crc32
    marks = [i + 1 for i, s in enumerate(texts) if crc(s.encode("utf-8", "surrogatepass"))
             % BLOCK_MODULUS == 0]
    out: list[tuple[int, int]] = []
    start = 0
    mi = 0
    while start < n:
        limit = min(start + cap, n)
        stop = limit
        while mi < len(marks) and marks[mi] < start + lo:
            mi += 1
        if mi < len(marks) and marks[mi] <= limit:
            stop = marks[mi]
        out.append((start, stop))
        start = stop
    return out


def segmenter_signatures(segmenters: Mapping[str, str | None]) -> dict[str, str | None]:
    """The signature (name, version, settings) of each language's segmenter."""
    return {lang: (get_segmenter(name).signature if name is not None else None)
            for lang, name in segmenters.items()}


@dataclass
class Job:
    """Count some tokenizers on one block of one language (what a worker does)."""

    lang: str
    start: int
    stop: int
    texts: list[str]
    segmenter: str | None
    tok_indices: list[int]
    byte_fallback: bool = True  # count byte tokens (builds each tokenizer's mask)
    ids: bool = True  # keep token-id frequencies (False: count-only path where there is one)
    #: Where the job's chunk starts in a streamed corpus (0 in memory): segmentation helpers
    #: serve the blocks of earlier chunks first.
    chunk: int = 0


def run_job(job: Job, tokenizers: Sequence[Tokenizer], spans: bool) -> list[Counts]:
    """Prepare a block once and count every tokenizer of the job on it (serially)."""
    lt = prepare_text(job.lang, job.texts, job.segmenter)
    return [count(tokenizers[i], lt, spans=spans, byte_fallback=job.byte_fallback, ids=job.ids)
            for i in job.tok_indices]


def iter_blocks(corpus: Corpus, *, max_block: int | None = None
                ) -> Iterable[tuple[str, int, int]]:
    """``(lang, start, stop)`` of every block of the corpus, language by language."""
    for lang in corpus.langs:
        for a, b in plan_blocks(corpus.segments[lang], max_block=max_block):
            yield lang, a, b
