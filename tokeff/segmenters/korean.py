"""Korean morphemes with Kiwi (kiwipiepy; its model ships in the kiwipiepy_model package).

Korean separates eojeol (a word plus its particles and endings) with spaces, so the default
Korean unit is the eojeol, from ``unicode-words``. ``kiwi`` is the morpheme-level option: Kiwi's
morphemes, except that morphemes sharing characters (contractions such as 했 = 하 + 었) are
merged into one span, since words must be spans of the text for continued-word alignment.
"""

from __future__ import annotations

from ._util import dist_version, merge_overlapping, require
from .base import Segmenter

EXTRA = "seg-kiwi"


class KiwiSegmenter(Segmenter):
    """Kiwi morphemes (overlapping morphemes merged), default model and options, one thread.

    >>> KiwiSegmenter().words("연구진은 밝혔다")  # doctest: +SKIP
    ['연구진', '은', '밝혔', '다']
    """

    name = "kiwi"

    def __init__(self):
        kiwipiepy = require("kiwipiepy", what="the 'kiwi' word segmenter", package="kiwipiepy",
                            extra=EXTRA)
        self.version = dist_version("kiwipiepy")
        self.settings = f"model={dist_version('kiwipiepy_model')},unit=morpheme"
        self._kiwi = kiwipiepy.Kiwi(num_workers=0)

    def _segment(self, text: str) -> list[tuple[int, int]]:
        if not text:
            return []
        return merge_overlapping((t.start, t.start + t.len) for t in self._kiwi.tokenize(text))
