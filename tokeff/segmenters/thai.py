"""Thai word segmentation with PyThaiNLP's ``newmm`` (dictionary-based maximal matching over Thai
character clusters), the de facto standard Thai word tokenizer.

The dictionary (PyThaiNLP's ``words_th.txt``, about 62,000 words) ships in the wheel: nothing is
downloaded, so the words depend only on the PyThaiNLP version, which is the segmenter's version.
(Importing PyThaiNLP creates an empty data directory, ``~/pythainlp-data`` unless the
``PYTHAINLP_DATA`` environment variable names another.)
"""

from __future__ import annotations

from ._util import align_pieces, check_installed, dist_version, require
from .base import Segmenter

EXTRA = "seg-th"
WHAT = "the 'newmm' word segmenter"


class NewmmSegmenter(Segmenter):
    """PyThaiNLP ``newmm`` words with its default dictionary; whitespace dropped.

    PyThaiNLP is imported, and its dictionary trie built, on first use.

    >>> NewmmSegmenter().words("ฉันชอบกินข้าวผัด")  # doctest: +SKIP
    ['ฉัน', 'ชอบ', 'กิน', 'ข้าวผัด']
    """

    name = "newmm"

    def __init__(self):
        check_installed("pythainlp", what=WHAT, package="pythainlp", extra=EXTRA)
        self.version = dist_version("pythainlp")
        self.settings = "dict=default"

    def _load(self) -> None:
        require("pythainlp", what=WHAT, package="pythainlp", extra=EXTRA)
        from pythainlp.tokenize import newmm

        # PyThaiNLP builds its dictionary trie on the first call (0.75 s); do it here, under the
        # load lock, so threads segmenting Thai at once do not each build one.
        newmm.segment("ภาษาไทย")
        self._segment_fn = newmm.segment

    def _segment(self, text: str) -> list[tuple[int, int]]:
        if not text:
            return []
        self.ensure_loaded()
        return align_pieces(text, self._segment_fn(text))
