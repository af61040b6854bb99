"""Unicode whitespace/punctuation words for space-delimited languages, vectorised in numpy.

A word is a maximal run of letters, marks and digits (Unicode categories L, M, N, plus format
characters such as ZWNJ inside words); an apostrophe, hyphen or middle dot between two word
characters joins them (``don't``, ``state-of-the-art`` are one word each). Each maximal run of
other non-space characters (punctuation, symbols) counts as one word, as in Universal
Dependencies tokenisation. Whitespace and control characters separate words.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import numpy as np

from ..tokenizers.base import char_to_byte_offsets
from .base import Segmenter, WordArrays

SPACE, WORD, PUNCT, JOINER = 0, 1, 2, 3
_JOINERS = set("'’‘-‐‑·ʼ")
_SPACES = {"\u200b", "\ufeff"}


def _classify(ch: str) -> int:
    if ch in _JOINERS:
        return JOINER
    if ch in _SPACES:
        return SPACE
    cat = unicodedata.category(ch)
    if cat[0] in "LMN" or cat == "Cf":
        return WORD
    if cat[0] in "PS":
        return PUNCT
    return SPACE  # Z*, Cc, Co, Cn, Cs


#: The class of every code point classified so far (-1: not yet), shared by all batches: a
#: block only classifies the characters no earlier block had (a Python call each).
_KNOWN = np.full(0x110000, -1, dtype=np.int8)


def _classes(uniq: np.ndarray) -> np.ndarray:
    """The classes of distinct code points ``uniq`` (a copy: the caller may change it)."""
    table = _KNOWN[uniq]
    new = uniq[table < 0]
    if len(new):
        # Threads may fill the same entries at once: they write the same values.
        _KNOWN[new] = np.fromiter((_classify(chr(int(u))) for u in new), dtype=np.int8,
                                  count=len(new))
        table = _KNOWN[uniq]
    return table


class UnicodeWordSegmenter(Segmenter):
    """Whitespace/punctuation words, Unicode-aware.

    >>> UnicodeWordSegmenter().words("Don't panic, state-of-the-art works.")
    ["Don't", 'panic', ',', 'state-of-the-art', 'works', '.']
    """

    name = "unicode-words"
    version = "1"

    def segment_batch(self, texts: Sequence[str]) -> WordArrays:
        self.ensure_loaded()  # nothing to load; marks the segmenter as used
        texts = list(texts)
        n_texts = len(texts)
        joined = "".join(texts)
        if not joined:
            z = np.zeros(0, dtype=np.int64)
            return WordArrays(counts=np.zeros(n_texts, dtype=np.int64), starts=z, ends=z.copy())
        cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
        uniq, inv = np.unique(cps, return_inverse=True)
        cls = _classes(uniq)[inv.reshape(-1)]
        n = len(cls)
        c2b, char_base, byte_base = char_to_byte_offsets(texts)
        seg_start = np.zeros(n + 1, dtype=bool)
        seg_start[char_base[char_base < n]] = True
        seg_start[n] = True
        # Joiners between two word characters of the same text join them; else punctuation.
        j = np.flatnonzero(cls == JOINER)
        if len(j):
            prev_ok = (j > 0) & ~seg_start[j]
            prev_ok &= cls[np.maximum(j - 1, 0)] == WORD
            next_ok = (j + 1 < n) & ~seg_start[np.minimum(j + 1, n)]
            next_ok &= cls[np.minimum(j + 1, n - 1)] == WORD
            cls[j] = np.where(prev_ok & next_ok, WORD, PUNCT)
        nonspace = cls != SPACE
        change_before = np.ones(n, dtype=bool)
        change_before[1:] = cls[1:] != cls[:-1]
        change_before |= seg_start[:n]
        change_after = np.ones(n, dtype=bool)
        change_after[:-1] = cls[:-1] != cls[1:]
        change_after |= seg_start[1:]
        w_start = np.flatnonzero(nonspace & change_before)
        w_end = np.flatnonzero(nonspace & change_after) + 1
        seg = np.searchsorted(char_base, w_start, side="right") - 1
        counts = np.bincount(seg, minlength=n_texts).astype(np.int64)
        starts = c2b[w_start] - byte_base[seg]
        ends = c2b[w_end] - byte_base[seg]
        return WordArrays(counts=counts, starts=starts, ends=ends)
