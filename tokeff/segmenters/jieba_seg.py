"""Chinese word segmentation with jieba, through a private ``jieba.Tokenizer`` instance."""

from __future__ import annotations

import logging

from .base import Segmenter


class JiebaSegmenter(Segmenter):
    """jieba (precise mode) words; whitespace-only pieces are dropped, punctuation is a word.

    >>> JiebaSegmenter().words("我们今天去北京。")  # doctest: +SKIP
    ['我们', '今天', '去', '北京', '。']
    """

    name = "jieba"

    def __init__(self, hmm: bool = True):
        import jieba

        self.version = jieba.__version__
        self.hmm = hmm
        self.settings = "hmm" if hmm else "nohmm"
        self._tk = jieba.Tokenizer()
        # jieba logs "Building prefix dict..." at DEBUG/INFO; keep the library quiet.
        logger = jieba.default_logger
        level = logger.level
        logger.setLevel(logging.WARNING)
        try:
            self._tk.initialize()
        finally:
            logger.setLevel(level)

    def _segment(self, text: str) -> list[tuple[int, int]]:
        return [(s, e) for w, s, e in self._tk.tokenize(text, HMM=self.hmm) if not w.isspace()]
