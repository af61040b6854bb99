"""Korean morphemes with Kiwi (kiwipiepy; its model ships in the kiwipiepy_model package).

Korean separates eojeol (a word plus its particles and endings) with spaces, so the default
Korean unit is the eojeol, from ``unicode-words``. ``kiwi`` is the morpheme-level option: Kiwi's
morphemes, except that morphemes sharing characters (contractions such as 했 = 하 + 었) are
merged into one span, since words must be spans of the text for continued-word alignment.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._util import dist_version, merge_overlapping, require, spans_to_arrays
from .base import Segmenter, WordArrays

EXTRA = "seg-kiwi"


class KiwiSegmenter(Segmenter):
    """Kiwi morphemes (overlapping morphemes merged), default model and options.

    Texts go to Kiwi as one batch (one worker thread): Kiwi's per-call overhead makes one call per
    text several times slower.

    >>> KiwiSegmenter().words("연구진은 밝혔다")  # doctest: +SKIP
    ['연구진', '은', '밝혔', '다']
    """

    name = "kiwi"

    def __init__(self):
        kiwipiepy = require("kiwipiepy", what="the 'kiwi' word segmenter", package="kiwipiepy",
                            extra=EXTRA)
        self.version = dist_version("kiwipiepy")
        self.settings = f"model={dist_version('kiwipiepy_model')},unit=morpheme"
        self._kiwi = kiwipiepy.Kiwi(num_workers=1)

    def segment_batch(self, texts: Sequence[str]) -> WordArrays:
        texts = list(texts)
        spans: list[list[tuple[int, int]]] = [[] for _ in texts]
        todo = [i for i, t in enumerate(texts) if t and not t.isspace()]
        if todo:
            results = self._kiwi.tokenize([texts[i] for i in todo])
            for i, toks in zip(todo, results):
                spans[i] = merge_overlapping((t.start, t.start + t.len) for t in toks)
        return spans_to_arrays(texts, spans)
