"""Japanese morphological segmenters: Sudachi (SudachiPy + SudachiDict) and MeCab (fugashi +
unidic-lite).

Both give UniDic-style short units by default (Sudachi mode A is the short unit; B and C join
compounds and named entities), the unit of the Universal Dependencies Japanese treebanks.
The dictionary and its version are part of the signature: they shape the words more than the
analyser does. Both come from package metadata; the dictionary itself is loaded on first use.
"""

from __future__ import annotations

import os

from ._util import align_pieces, check_installed, dist_version, require, trim_spans
from .base import Segmenter

SUDACHI_EXTRA = "seg-ja"
MECAB_EXTRA = "seg-mecab"


class SudachiSegmenter(Segmenter):
    """Sudachi morphemes in split mode A (short units), B (middle) or C (named entities).

    >>> SudachiSegmenter("A").words("東京都に行った。")  # doctest: +SKIP
    ['東京', '都', 'に', '行っ', 'た', '。']
    """

    name = "sudachi"

    def __init__(self, mode: str = "A", dict_name: str = "core"):
        what = "the 'sudachi' word segmenter"
        check_installed("sudachipy", what=what, package="sudachipy", extra=SUDACHI_EXTRA)
        dict_pkg = f"sudachidict_{dict_name}"
        check_installed(dict_pkg, what=what, package=dict_pkg.replace("_", "-"),
                        extra=SUDACHI_EXTRA)
        mode = mode.upper()
        if mode not in ("A", "B", "C"):
            raise ValueError(f"Sudachi split mode must be A, B or C, not {mode!r}")
        self.mode = mode
        self.dict_name = dict_name
        self.version = dist_version("sudachipy")
        dict_version = dist_version(dict_pkg.replace("_", "-"))
        self.settings = f"dict={dict_name}-{dict_version},mode={mode}"

    def _load(self) -> None:
        what = "the 'sudachi' word segmenter"
        sudachipy = require("sudachipy", what=what, package="sudachipy", extra=SUDACHI_EXTRA)
        self._dict = sudachipy.Dictionary(dict=self.dict_name)
        self._tok = self._dict.tokenizer(mode=getattr(sudachipy.SplitMode, self.mode))

    def _segment(self, text: str) -> list[tuple[int, int]]:
        if not text:
            return []
        self.ensure_loaded()
        return trim_spans(text, ((m.begin(), m.end()) for m in self._tok.tokenize(text)))


class MecabSegmenter(Segmenter):
    """MeCab (through fugashi) with the unidic-lite dictionary: UniDic short units.

    The dictionary is named explicitly (never a system-wide mecabrc), so the words do not depend
    on what else is installed.

    >>> MecabSegmenter().words("東京都に行った。")  # doctest: +SKIP
    ['東京', '都', 'に', '行っ', 'た', '。']
    """

    name = "mecab"

    def __init__(self):
        what = "the 'mecab' word segmenter"
        check_installed("fugashi", what=what, package="fugashi", extra=MECAB_EXTRA)
        check_installed("unidic_lite", what=what, package="unidic-lite", extra=MECAB_EXTRA)
        self.version = dist_version("fugashi")
        self.settings = f"dict=unidic-lite-{dist_version('unidic-lite')}"

    def _load(self) -> None:
        what = "the 'mecab' word segmenter"
        fugashi = require("fugashi", what=what, package="fugashi", extra=MECAB_EXTRA)
        unidic_lite = require("unidic_lite", what=what, package="unidic-lite", extra=MECAB_EXTRA)
        dicdir = unidic_lite.DICDIR
        rc = os.path.join(dicdir, "mecabrc")
        self._tagger = fugashi.Tagger(f'-d "{dicdir}" -r "{rc}"')

    def _segment(self, text: str) -> list[tuple[int, int]]:
        if not text:
            return []
        self.ensure_loaded()
        return align_pieces(text, (w.surface for w in self._tagger(text)))
