"""Counting: corpus x tokenizers -> per-segment integer arrays (the hot path).

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
import os
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .corpora.model import Corpus
from .segmenters import get_segmenter, unavailable_reason
from .tokenizers.base import TokenArrays, Tokenizer

if TYPE_CHECKING:  # pragma: no cover
    from .cache import CountCache

#: Arrays every Counts has (always available).
BASE_FIELDS = ("tokens", "chars", "bytes", "byte_fallback")
#: Arrays that may be missing (None) with a reason.
OPTIONAL_FIELDS = ("words", "continued", "unk_chars")
#: All per-segment arrays of a Counts, in a fixed order (the cache and the reducers use it).
SEGMENT_FIELDS = ("tokens", "chars", "bytes", "byte_fallback", "words", "continued", "unk_chars")

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


@dataclass
class Counts:
    """Per-segment counts of one tokenizer on one language (integer arrays of equal length).

    ``words``/``continued`` are None when the language has no word segmenter (see
    ``na_reasons``); ``continued``/``unk_chars`` are None when the tokenizer gives no offsets.
    ``token_ids``/``token_freqs`` are the distinct token ids used and how often.

    Arrays are int64, except after :meth:`compact` (streamed corpora), where each is the
    smallest signed integer type that holds its values; sums are the same either way (numpy
    accumulates small integer types in int64).
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
        return len(self.tokens)

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays (bytes)."""
        arrays = [getattr(self, f) for f in SEGMENT_FIELDS] + [self.token_ids, self.token_freqs]
        return sum(int(a.nbytes) for a in arrays if a is not None)

    def concat(self, other: Counts) -> Counts:
        """Counts of this shard followed by another shard of the same tokenizer and language."""
        return concat_counts([self, other])

    def compact(self) -> Counts:
        """The same counts with each array in the smallest signed integer type that holds it."""
        kw: dict[str, Any] = {f: _compact(getattr(self, f)) for f in SEGMENT_FIELDS}
        return Counts(self.tokenizer, self.lang, token_ids=_compact_ids(self.token_ids),
                      token_freqs=_compact_ids(self.token_freqs), vocab_size=self.vocab_size,
                      segmenter=self.segmenter, na_reasons=dict(self.na_reasons), **kw)

    def equals(self, other: Counts) -> bool:
        """Same tokenizer, language, segmenter, reasons and the same values in every array."""
        if (self.tokenizer, self.lang, self.segmenter, self.vocab_size, self.na_reasons) != \
                (other.tokenizer, other.lang, other.segmenter, other.vocab_size,
                 other.na_reasons):
            return False
        for f in SEGMENT_FIELDS + ("token_ids", "token_freqs"):
            a, b = getattr(self, f), getattr(other, f)
            if (a is None) != (b is None) or (a is not None and not np.array_equal(a, b)):
                return False
        return True


def _compact(a: np.ndarray | None) -> np.ndarray | None:
    if a is None:
        return None
    if len(a) == 0:
        return a.astype(np.int16)
    lo, hi = int(a.min()), int(a.max())
    for dt in (np.int16, np.int32):
        info = np.iinfo(dt)
        if info.min <= lo and hi <= info.max:
            return a.astype(dt)
    return a.astype(np.int64, copy=False)


def _compact_ids(a: np.ndarray) -> np.ndarray:
    out = _compact(a)
    assert out is not None
    return out


def _cat(arrays: list[np.ndarray | None]) -> np.ndarray | None:
    present = [a for a in arrays if a is not None]
    if len(present) < len(arrays):
        return None
    if len(present) == 1:
        return present[0]
    return np.concatenate(present)


def concat_counts(parts: Sequence[Counts]) -> Counts:
    """Counts of consecutive shards of one tokenizer and language, in order, as one Counts.

    Per-segment arrays are concatenated; token frequencies are summed per id. Reasons for
    "not available" are merged (the first shard's wording wins).
    """
    if not parts:
        raise ValueError("concat_counts needs at least one Counts")
    first = parts[0]
    if len(parts) == 1:
        return first
    for p in parts[1:]:
        if (p.tokenizer, p.lang) != (first.tokenizer, first.lang):
            raise ValueError(f"cannot concatenate counts of {p.tokenizer}/{p.lang} to "
                             f"{first.tokenizer}/{first.lang}")
        if p.segmenter != first.segmenter:
            raise ValueError(f"cannot concatenate counts made with segmenter {p.segmenter!r} "
                             f"to counts made with {first.segmenter!r} ({first.lang})")
    arrays: dict[str, Any] = {f: _cat([getattr(p, f) for p in parts]) for f in SEGMENT_FIELDS}
    uids, freqs = merge_id_freqs([p.token_ids for p in parts], [p.token_freqs for p in parts])
    na: dict[str, str] = {}
    for p in reversed(parts):
        na.update(p.na_reasons)
    return Counts(first.tokenizer, first.lang, token_ids=uids.astype(np.int64),
                  token_freqs=freqs, vocab_size=first.vocab_size, segmenter=first.segmenter,
                  na_reasons=na, **arrays)


def merge_id_freqs(ids: Sequence[np.ndarray], freqs: Sequence[np.ndarray]
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Union of (distinct id, count) lists with counts summed: ids ascending, int64."""
    all_ids = np.concatenate(ids).astype(np.int64, copy=False)
    all_fr = np.concatenate(freqs).astype(np.int64, copy=False)
    if len(all_ids) == 0:
        return all_ids, all_fr
    lo, hi = int(all_ids.min()), int(all_ids.max())
    if lo >= 0 and hi < max(1 << 22, 4 * len(all_ids)):
        # Dense: exact integer sums (np.add.at keeps int64; no float round trip).
        total = np.zeros(hi + 1, dtype=np.int64)
        np.add.at(total, all_ids, all_fr)
        present = np.zeros(hi + 1, dtype=bool)
        present[all_ids] = True
        uids = np.flatnonzero(present)
        return uids.astype(np.int64), total[uids]
    uids, inv = np.unique(all_ids, return_inverse=True)
    out = np.zeros(len(uids), dtype=np.int64)
    np.add.at(out, inv.reshape(-1), all_fr)
    return uids, out


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


def encode(tok: Tokenizer, texts: Sequence[str], *, spans: bool = True) -> TokenArrays:
    """The backend part of :func:`count`: one batch encode (it needs no segmentation)."""
    return tok.encode_arrays(texts, spans=spans)


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


def combine(tok: Tokenizer, lt: LangText, arrays: TokenArrays) -> Counts:
    """The numpy part of :func:`count`: align an encoding with a prepared language."""
    n = len(lt.texts)
    lengths = arrays.lengths
    if len(lengths) != n:
        raise RuntimeError(f"tokenizer {tok.name!r} returned {len(lengths)} encodings for "
                           f"{n} texts")
    ids = arrays.ids
    tok_seg = np.repeat(np.arange(n), lengths)
    mask = tok.byte_fallback_mask()
    in_vocab = ids < len(mask)
    if bool(in_vocab.all()):
        bf = np.bincount(tok_seg, weights=mask[ids], minlength=n).astype(np.int64)
    else:
        bf = np.bincount(tok_seg[in_vocab], weights=mask[ids[in_vocab]],
                         minlength=n).astype(np.int64)
    vocab_size = int(tok.vocab_size)
    uids, freqs = _id_freqs(ids, vocab_size)
    na: dict[str, str] = {}
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
        reason = f"tokenizer {tok.name} gives no token offsets"
        na["continued_words"] = reason
        na["unk_rate"] = reason
    if lt.words is None:
        na["fertility"] = na["continued_words"] = unavailable_reason(lt.lang)
    return Counts(tok.name, lt.lang, lengths.astype(np.int64), lt.chars, lt.bytes, bf,
                  lt.words, continued, unk, uids.astype(np.int64), freqs.astype(np.int64),
                  vocab_size, lt.segmenter, na)


def count(tok: Tokenizer, lt: LangText, *, spans: bool = True) -> Counts:
    """Count one tokenizer on one prepared language."""
    return combine(tok, lt, encode(tok, lt.texts, spans=spans))


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


def run_job(job: Job, tokenizers: Sequence[Tokenizer], spans: bool) -> list[Counts]:
    """Prepare a block once and count every tokenizer of the job on it (serially)."""
    lt = prepare_text(job.lang, job.texts, job.segmenter)
    return [count(tokenizers[i], lt, spans=spans) for i in job.tok_indices]


def count_all(corpus: Corpus, tokenizers: Sequence[Tokenizer], segmenters: dict[str, str | None],
              *, spans: bool = True, workers: int | None = None,
              progress: Callable[[str], None] | None = None,
              cache: CountCache | bool | str | os.PathLike | None = None,
              executor: Any = None, block_size: int | None = None, words: bool = True,
              ) -> dict[tuple[str, str], Counts]:
    """Count every tokenizer on every language of the corpus.

    Each language is cut into content-defined blocks (:func:`plan_blocks`); a block is
    prepared (and segmented) once and shared by every tokenizer. Blocks found in the cache
    (``cache``: True, a directory or a :class:`tokeff.cache.CountCache`) are read, the others
    counted by ``executor``: ``"threads"`` (default: a pool of ``workers`` threads; the
    backends release the GIL while encoding), ``"processes"``, ``"serial"``, or any
    :class:`concurrent.futures.Executor`. Results do not depend on any of these choices.

    ``words=False`` skips word segmentation (no word metric asked for): ``words`` and
    ``continued`` are None, the segmenter is still recorded.
    """
    from .cache import resolve_cache
    from .parallel import get_runner

    if hasattr(corpus, "iter_chunks"):  # a StreamingCorpus: chunk by chunk
        from .streaming import count_stream

        return count_stream(corpus, tokenizers, segmenters, spans=spans,  # type: ignore[arg-type]
                            workers=workers, progress=progress, cache=cache, executor=executor,
                            words=words)
    toks = list(tokenizers)
    langs = corpus.langs
    store = resolve_cache(cache)
    seg_names = {lang: segmenters.get(lang) for lang in langs}
    recorded: dict[str, str | None] = {}
    if not words:
        recorded = segmenter_signatures(seg_names)
        seg_names = {lang: None for lang in langs}
    out_parts: dict[tuple[int, str], list[Counts | None]] = {}
    jobs: list[Job] = []
    keys: dict[tuple[int, str, int], str] = {}
    block_index: dict[tuple[str, int], int] = {}
    sigs = segmenter_signatures(seg_names) if store is not None else {}
    if store is not None and not words:
        sigs = {lang: "nowords" for lang in langs}
    for lang in langs:
        texts = corpus.segments[lang]
        blocks = plan_blocks(texts, max_block=block_size, content_defined=store is not None)
        for ti in range(len(toks)):
            out_parts[(ti, lang)] = [None] * len(blocks)
        for bi, (a, b) in enumerate(blocks):
            block_index[(lang, a)] = bi
            missing = list(range(len(toks)))
            if store is not None:
                digest = store.block_digest(texts[a:b])
                missing = []
                for ti, t in enumerate(toks):
                    key = store.key(t, sigs[lang], spans, digest)
                    keys[(ti, lang, bi)] = key
                    hit = store.get(key, tokenizer=t.name, lang=lang, vocab_size=t.vocab_size)
                    if hit is None:
                        missing.append(ti)
                    else:
                        out_parts[(ti, lang)][bi] = hit
            if missing:
                jobs.append(Job(lang, a, b, texts[a:b], seg_names[lang], missing))

    remaining = {k: sum(p is None for p in v) for k, v in out_parts.items()}

    def done(ti: int, lang: str) -> None:
        if progress:
            progress(f"{toks[ti].name} {lang}")

    for (ti, lang), left in remaining.items():
        if left == 0:
            done(ti, lang)
    if jobs:
        runner = get_runner(executor, workers)
        for job, ti, c in runner.run(jobs, toks, spans):
            bi = block_index[(job.lang, job.start)]
            out_parts[(ti, job.lang)][bi] = c
            if store is not None:
                store.put(keys[(ti, job.lang, bi)], c)
            remaining[(ti, job.lang)] -= 1
            if remaining[(ti, job.lang)] == 0:
                done(ti, job.lang)
    out: dict[tuple[str, str], Counts] = {}
    for ti, t in enumerate(toks):
        for lang in langs:
            parts = out_parts[(ti, lang)]
            if not parts:  # a corpus with no segments: count the empty language directly
                parts = [count(t, prepare_text(lang, [], seg_names[lang]), spans=spans)]
            out[(t.name, lang)] = concat_counts(parts)  # type: ignore[arg-type]
    if not words:
        for c in out.values():
            mark_words_not_counted(c, recorded.get(c.lang))
    share_language_arrays(out)
    return out


def mark_words_not_counted(c: Counts, segmenter: str | None) -> None:
    """Counts made without segmentation: record the segmenter, say why words are missing."""
    c.segmenter = segmenter
    if segmenter is not None:
        reason = "words not counted (no word metric was asked for)"
        c.na_reasons["fertility"] = c.na_reasons["continued_words"] = reason


def share_language_arrays(counts: Mapping[tuple[str, str], Counts]) -> None:
    """Make equal per-language arrays (chars, bytes, words) one shared array across tokenizers.

    Counting a language in one piece shares them naturally; after concatenating blocks this
    restores the sharing (less memory, and the bootstrap sees one column instead of many).
    """
    first: dict[tuple[str, str], np.ndarray] = {}
    for (_, lang), c in counts.items():
        for f in ("chars", "bytes", "words"):
            a = getattr(c, f)
            if a is None:
                continue
            ref = first.setdefault((lang, f), a)
            if ref is not a and ref.dtype == a.dtype and np.array_equal(ref, a):
                setattr(c, f, ref)


def iter_blocks(corpus: Corpus, *, max_block: int | None = None
                ) -> Iterable[tuple[str, int, int]]:
    """``(lang, start, stop)`` of every block of the corpus, language by language."""
    for lang in corpus.langs:
        for a, b in plan_blocks(corpus.segments[lang], max_block=max_block):
            yield lang, a, b
