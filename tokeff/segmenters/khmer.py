"""Khmer word segmentation with khmercut (a CRF over Khmer character clusters, the model of
khmer-nltk, run by python-crfsuite; the model ships in the wheel). An alternative to the default
``icu``.
"""

from __future__ import annotations

from ._util import align_pieces, dist_version, require
from .base import Segmenter

EXTRA = "seg-khmercut"


class KhmercutSegmenter(Segmenter):
    """khmercut ``tokenize`` (CRF model ``crf_ner_10000``).

    >>> KhmercutSegmenter().words("ភាសាខ្មែរ")  # doctest: +SKIP
    ['ភាសា', 'ខ្មែរ']
    """

    name = "khmercut"

    def __init__(self):
        khmercut = require("khmercut", what="the 'khmercut' word segmenter", package="khmercut",
                           extra=EXTRA)
        self.version = dist_version("khmercut")
        self.settings = "model=crf"
        self._tokenize = khmercut.tokenize

    def _segment(self, text: str) -> list[tuple[int, int]]:
        if not text:
            return []
        return align_pieces(text, self._tokenize(text))
