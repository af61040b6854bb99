"""Shared helpers of the dictionary/model segmenters: optional imports, span bookkeeping."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterable, Sequence
from importlib import metadata

import numpy as np

from ..errors import MissingDependencyError
from ..tokenizers.base import char_to_byte_offsets
from .base import WordArrays


def require(module: str, *, what: str, package: str, extra: str | None):
    """Import an optional backend module, or raise :class:`MissingDependencyError` naming the
    extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        err = MissingDependencyError(what, package, extra)
        raise err from e


def check_installed(module: str, *, what: str, package: str, extra: str | None) -> None:
    """Raise :class:`MissingDependencyError` naming the extra when ``module`` is not installed,
    without importing it: a segmenter reports a missing package when it is created, and imports
    the package only when it loads its model (see :meth:`Segmenter.ensure_loaded`)."""
    if not installed(module):
        raise MissingDependencyError(what, package, extra)


def installed(module: str) -> bool:
    """True when ``module`` can be imported (checked without importing it)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def dist_version(package: str) -> str:
    """Installed version of a distribution, or '' when its metadata is missing."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return ""


def align_pieces(text: str, pieces: Iterable[str]) -> list[tuple[int, int]]:
    """Char spans of ``pieces`` found one after the other in ``text``.

    Backends that return strings rather than offsets may drop or alter characters (laonlp drops
    some punctuation); a piece not found from the current position on is skipped, so spans are
    always real, in order and non-overlapping. Whitespace is trimmed from each span.

    >>> align_pieces("ab  cd", ["ab", " ", " ", "cd"])
    [(0, 2), (4, 6)]
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    for p in pieces:
        if not p or p.isspace():
            continue
        i = text.find(p, pos)
        if i < 0:
            continue
        spans.extend(trim_spans(text, [(i, i + len(p))]))
        pos = i + len(p)
    return spans


def trim_spans(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans with leading/trailing whitespace removed; whitespace-only spans dropped."""
    out = []
    for s, e in spans:
        if e <= s:
            continue
        if text[s].isspace() or text[e - 1].isspace():  # rare: only then look further
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if e <= s:
                continue
        out.append((s, e))
    return out


def merge_overlapping(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Union of overlapping spans (morphemes that share characters become one span); empty
    spans inside another span are absorbed, empty spans elsewhere dropped.

    >>> merge_overlapping([(0, 2), (1, 2), (2, 3), (3, 3), (5, 5)])
    [(0, 2), (2, 3)]
    """
    out: list[list[int]] = []
    for s, e in sorted(spans):
        if out and s < out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        elif e > s:
            out.append([s, e])
    return [(s, e) for s, e in out]


def spans_to_arrays(texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]) -> WordArrays:
    """Per-text char spans -> :class:`WordArrays` (byte offsets into each text's UTF-8)."""
    n = len(texts)
    counts = np.fromiter(map(len, spans), dtype=np.int64, count=n)
    flat = np.array([s for sp in spans for s in sp], dtype=np.int64).reshape(-1, 2)
    if not len(flat):
        z = np.zeros(0, dtype=np.int64)
        return WordArrays(counts=counts, starts=z, ends=z.copy())
    c2b, char_base, byte_base = char_to_byte_offsets(texts)
    cb = np.repeat(char_base, counts)
    bb = np.repeat(byte_base, counts)
    return WordArrays(counts=counts, starts=c2b[cb + flat[:, 0]] - bb,
                      ends=c2b[cb + flat[:, 1]] - bb)


def arrays_to_char_spans(texts: Sequence[str], wa: WordArrays) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`spans_to_arrays`: global char offsets (into ``"".join(texts)``) of the
    word starts and ends."""
    if not len(wa.starts):
        z = np.zeros(0, dtype=np.int64)
        return z, z.copy()
    c2b, _, byte_base = char_to_byte_offsets(texts)
    seg = np.repeat(np.arange(len(texts)), wa.counts)
    starts = np.searchsorted(c2b, byte_base[seg] + wa.starts)
    ends = np.searchsorted(c2b, byte_base[seg] + wa.ends)
    return starts.astype(np.int64), ends.astype(np.int64)
