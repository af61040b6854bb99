"""Chinese word segmentation with jieba, through a private ``jieba.Tokenizer`` instance."""

from __future__ import annotations

import logging

from ._util import dist_version
from .base import Segmenter


class JiebaSegmenter(Segmenter):
    """jieba (precise mode) words; whitespace-only pieces are dropped, punctuation is a word.

    Importing jieba (its HMM tables) and building its prefix dictionary take seconds, so both
    wait for the first text; the version comes from the package metadata.

    >>> JiebaSegmenter().words("我们今天去北京。")  # doctest: +SKIP
    ['我们', '今天', '去', '北京', '。']
    """

    name = "jieba"

    def __init__(self, hmm: bool = True):
        version = dist_version("jieba")
        if not version:  # no metadata (a source checkout on sys.path): ask the module
            import jieba

            version = jieba.__version__
        self.version = version
        self.hmm = hmm
        self.settings = "hmm" if hmm else "nohmm"

    def _load(self) -> None:
        import jieba

        tk = jieba.Tokenizer()
        # jieba logs "Building prefix dict..." at DEBUG/INFO; keep the library quiet.
        logger = jieba.default_logger
        level = logger.level
        logger.setLevel(logging.WARNING)
        try:
            tk.initialize()
        finally:
            logger.setLevel(level)
        self._tk = tk

    def _segment(self, text: str) -> list[tuple[int, int]]:
        self.ensure_loaded()
        return [(s, e) for w, s, e in self._tk.tokenize(text, HMM=self.hmm) if not w.isspace()]
