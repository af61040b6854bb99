"""ICU word break (UAX #29 plus ICU's dictionaries for Thai, Lao, Khmer, Burmese and CJK).

ICU picks its dictionary by script, not by locale, so one segmenter serves Lao, Khmer and
Burmese (its defaults) and also Thai, Chinese and Japanese on request. The binding is
``icu4py`` (wheels bundle ICU itself; Python 3.11+) or, where present, PyICU's ``icu`` module
(e.g. from the ``pyicu-wheels`` wheels on Python 3.10). What shapes the words is the ICU
version, so it is the segmenter's version; the binding is a setting.

ICU reports boundaries in UTF-16 code units; they are converted to code points here.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._util import check_installed, dist_version, installed, require, trim_spans
from .base import Segmenter

EXTRA = "seg-icu"
WHAT = "the 'icu' word segmenter"


def _utf16_to_cp(text: str) -> Callable[[int], int]:
    """Map a UTF-16 offset in text to a code point offset (identity for BMP-only text)."""
    if len(text.encode("utf-16-le")) == 2 * len(text):
        return lambda i: i
    widths = np.fromiter((1 if ord(c) < 0x10000 else 2 for c in text), dtype=np.int64,
                         count=len(text))
    u16 = np.concatenate([[0], np.cumsum(widths)])
    return lambda i: int(np.searchsorted(u16, i))


class IcuSegmenter(Segmenter):
    """ICU word-break segments, whitespace dropped (punctuation marks are words).

    >>> IcuSegmenter().words("ພາສາລາວເປັນພາສາທີ່ງາມ")  # doctest: +SKIP
    ['ພາສາ', 'ລາວ', 'ເປັນ', 'ພາສາ', 'ທີ່', 'ງາມ']
    """

    name = "icu"

    def __init__(self, binding: str | None = None):
        if binding is None:
            binding = "icu4py" if installed("icu4py") or not installed("icu") else "pyicu"
        if binding == "icu4py":
            check_installed("icu4py", what=WHAT, package="icu4py", extra=EXTRA)
            # The ICU version is only known to ICU: this loads ICU's common library (10 ms),
            # not the break iterators and their dictionaries.
            v = require("icu4py._version", what=WHAT, package="icu4py", extra=EXTRA)
            self.version = v.icu_version
            self.settings = f"binding=icu4py-{dist_version('icu4py')}"
        elif binding == "pyicu":
            icu = require("icu", what=WHAT, package="PyICU", extra=EXTRA)
            self.version = icu.ICU_VERSION
            self.settings = f"binding=pyicu-{icu.VERSION}"
        else:
            raise ValueError(f"binding must be 'icu4py' or 'pyicu', not {binding!r}")
        self.binding = binding

    def _load(self) -> None:
        if self.binding == "icu4py":
            from icu4py.breakers import WordBreaker

            self._boundaries = lambda text: [e for _, e in WordBreaker(text, "und").segments()]
        else:
            import icu

            bi = icu.BreakIterator.createWordInstance(icu.Locale.getRoot())

            def boundaries(text: str) -> list[int]:
                bi.setText(text)
                return list(bi)

            self._boundaries = boundaries

    def _segment(self, text: str) -> list[tuple[int, int]]:
        if not text:
            return []
        self.ensure_loaded()
        to_cp = _utf16_to_cp(text)
        spans = []
        prev = 0
        for b in self._boundaries(text):
            e = to_cp(b)
            if e > prev:
                spans.append((prev, e))
            prev = e
        return trim_spans(text, spans)
