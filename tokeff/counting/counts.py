"""Per-segment counts of one tokenizer on one language, and how shards of them combine.

Every per-segment count depends only on that segment's text, the tokenizer and the segmenter,
so counts of consecutive shards concatenate into the counts of the whole, bit for bit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Arrays every Counts has (always available).
BASE_FIELDS = ("tokens", "chars", "bytes")
#: Arrays that may be missing (None) with a reason.
OPTIONAL_FIELDS = ("byte_fallback", "words", "continued", "unk_chars")
#: All per-segment arrays of a Counts, in a fixed order (the cache and the reducers use it).
SEGMENT_FIELDS = ("tokens", "chars", "bytes", "byte_fallback", "words", "continued", "unk_chars")
#: What a Counts may lack, each with the reason recorded in ``Counts.na_reasons`` under this key:
#: ``words`` (no word segmentation: no segmenter for the language, or no word metric asked
#: for), ``spans`` (the tokenizer gives no token offsets, or none were asked for) and
#: ``byte_fallback`` (byte tokens not counted: the byte-fallback rate was not asked for) and
#: ``token_ids`` (token-id frequencies not kept: no metric of the token-id distribution).
INPUTS = ("words", "spans", "byte_fallback", "token_ids")


def no_spans_reason(tokenizer: str) -> str:
    return f"tokenizer {tokenizer} gives no token offsets"


WORDS_NOT_COUNTED = "words not counted (no word metric was asked for)"
BYTE_FALLBACK_NOT_COUNTED = "byte tokens not counted (the byte-fallback rate was not asked for)"
TOKEN_IDS_NOT_COUNTED = ("token ids not counted (no metric of the token-id distribution was "
                         "asked for)")


@dataclass
class Counts:
    """Per-segment counts of one tokenizer on one language (integer arrays of equal length).

    ``words``/``continued`` are None when the language has no word segmenter;
    ``continued``/``unk_chars`` are None when the tokenizer gives no offsets. ``na_reasons`` says
    why, keyed by the missing input (:data:`INPUTS`: ``words``, ``spans``).
    ``token_ids``/``token_freqs`` are the distinct token ids used and how often (both empty,
    with a ``token_ids`` reason, when ids were not counted).

    Arrays are int64, except after :meth:`compact` (streamed corpora), where each is the
    smallest signed integer type that holds its values; sums are the same either way (numpy
    accumulates small integer types in int64).
    """

    tokenizer: str
    lang: str
    tokens: np.ndarray
    chars: np.ndarray
    bytes: np.ndarray
    byte_fallback: np.ndarray | None
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


def mark_words_not_counted(c: Counts, segmenter: str | None) -> None:
    """Counts made without segmentation: record the segmenter, say why words are missing."""
    c.segmenter = segmenter
    if segmenter is not None:
        c.na_reasons["words"] = WORDS_NOT_COUNTED


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


