"""Korean morphemes with Kiwi (kiwipiepy; its model ships in the kiwipiepy_model package).

Korean separates eojeol (a word plus its particles and endings) with spaces, so the default
Korean unit is the eojeol, from ``unicode-words``. ``kiwi`` is the morpheme-level option: Kiwi's
morphemes, except that morphemes sharing characters (contractions such as 했 = 하 + 었) are
merged into one span, since words must be spans of the text for continued-word alignment.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._util import check_installed, dist_version, merge_overlapping, require, spans_to_arrays
from .base import Segmenter, WordArrays

EXTRA = "seg-kiwi"
WHAT = "the 'kiwi' word segmenter"


class KiwiSegmenter(Segmenter):
    """Kiwi morphemes (overlapping morphemes merged), default model and options.

    Texts go to Kiwi as one batch (one worker thread): Kiwi's per-call overhead makes one call per
    text several times slower. The model (seconds to load) is loaded on first use.

    >>> KiwiSegmenter().words("연구진은 밝혔다")  # doctest: +SKIP
    ['연구진', '은', '밝혔', '다']
    """

    name = "kiwi"

    def __init__(self):
        check_installed("kiwipiepy", what=WHAT, package="kiwipiepy", extra=EXTRA)
        # Kiwi() would fail on the model only when loading; say what is missing now.
        check_installed("kiwipiepy_model", what=WHAT, package="kiwipiepy_model", extra=EXTRA)
        self.version = dist_version("kiwipiepy")
        self.settings = f"model={dist_version('kiwipiepy_model')},unit=morpheme"

    def _load(self) -> None:
        kiwipiepy = require("kiwipiepy", what=WHAT, package="kiwipiepy", extra=EXTRA)
        self._kiwi = kiwipiepy.Kiwi(num_workers=1)

    def segment_batch(self, texts: Sequence[str]) -> WordArrays:
        self.ensure_loaded()
        texts = list(texts)
        spans: list[list[tuple[int, int]]] = [[] for _ in texts]
        todo = [i for i, t in enumerate(texts) if t and not t.isspace()]
        if todo:
            results = self._kiwi.tokenize([texts[i] for i in todo])
            for i, toks in zip(todo, results):
                spans[i] = merge_overlapping((t.start, t.start + t.len) for t in toks)
        return spans_to_arrays(texts, spans)
