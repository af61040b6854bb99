"""Thai word segmentation with PyThaiNLP's ``newmm`` (dictionary-based maximal matching over Thai
character clusters), the de facto standard Thai word tokenizer.

The dictionary (PyThaiNLP's ``words_th.txt``, about 62,000 words) ships in the wheel: nothing is
downloaded, so the words depend only on the PyThaiNLP version, which is the segmenter's version.
(Importing PyThaiNLP creates an empty data directory, ``~/pythainlp-data`` unless the
``PYTHAINLP_DATA`` environment variable names another.)
"""

from __future__ import annotations

from ._util import align_pieces, dist_version, require
from .base import Segmenter

EXTRA = "seg-th"


class NewmmSegmenter(Segmenter):
    """PyThaiNLP ``newmm`` words with its default dictionary; whitespace dropped.

    >>> NewmmSegmenter().words("ฉันชอบกินข้าวผัด")  # doctest: +SKIP
    ['ฉัน', 'ชอบ', 'กิน', 'ข้าวผัด']
    """

    name = "newmm"

    def __init__(self):
        require("pythainlp", what="the 'newmm' word segmenter", package="pythainlp", extra=EXTRA)
        from pythainlp.tokenize import newmm

        self.version = dist_version("pythainlp")
        self.settings = "dict=default"
        self._segment_fn = newmm.segment

    def _segment(self, text: str) -> list[tuple[int, int]]:
        if not text:
            return []
        return align_pieces(text, self._segment_fn(text))
