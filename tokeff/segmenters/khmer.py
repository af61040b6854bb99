"""Khmer word segmentation with khmercut (a CRF over Khmer character clusters, the model of
khmer-nltk, run by python-crfsuite; the model ships in the wheel). An alternative to the default
``icu``.
"""

from __future__ import annotations

from ._util import align_pieces, check_installed, dist_version, require
from .base import Segmenter

EXTRA = "seg-khmercut"
WHAT = "the 'khmercut' word segmenter"


class KhmercutSegmenter(Segmenter):
    """khmercut ``tokenize`` (CRF model ``crf_ner_10000``), imported on first use.

    >>> KhmercutSegmenter().words("ភាសាខ្មែរ")  # doctest: +SKIP
    ['ភាសា', 'ខ្មែរ']
    """

    name = "khmercut"

    def __init__(self):
        check_installed("khmercut", what=WHAT, package="khmercut", extra=EXTRA)
        self.version = dist_version("khmercut")
        self.settings = "model=crf"

    def _load(self) -> None:
        khmercut = require("khmercut", what=WHAT, package="khmercut", extra=EXTRA)
        self._tokenize = khmercut.tokenize

    def _segment(self, text: str) -> list[tuple[int, int]]:
        if not text:
            return []
        self.ensure_loaded()
        return align_pieces(text, self._tokenize(text))
