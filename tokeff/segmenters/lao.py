"""Lao word segmentation with LaoNLP (dictionary maximal matching, PyThaiNLP's ``newmm``
algorithm over a Lao dictionary that ships in the wheel). An alternative to the default ``icu``.
"""

from __future__ import annotations

from ._util import align_pieces, check_installed, dist_version, require
from .base import Segmenter

EXTRA = "seg-laonlp"
WHAT = "the 'laonlp' word segmenter"


class LaonlpSegmenter(Segmenter):
    """LaoNLP ``word_tokenize`` (safe mode on, as LaoNLP defaults), imported on first use
    (importing LaoNLP takes about a second).

    LaoNLP may drop characters it does not know (e.g. ``/``); words are aligned back to the text,
    so spans stay exact.

    >>> LaonlpSegmenter().words("ພາສາລາວໃນປັດຈຸບັນ")  # doctest: +SKIP
    ['ພາສາລາວ', 'ໃນ', 'ປັດຈຸບັນ']
    """

    name = "laonlp"

    def __init__(self):
        check_installed("laonlp", what=WHAT, package="laonlp", extra=EXTRA)
        self.version = dist_version("laonlp")
        self.settings = f"pythainlp-{dist_version('pythainlp')}"

    def _load(self) -> None:
        require("laonlp", what=WHAT, package="laonlp", extra=EXTRA)
        from laonlp.tokenize import word_tokenize

        self._tokenize = word_tokenize

    def _segment(self, text: str) -> list[tuple[int, int]]:
        if not text:
            return []
        self.ensure_loaded()
        return align_pieces(text, self._tokenize(text))
