"""tokeff: measure how efficiently LLM tokenizers encode text across languages.

>>> import tokeff
>>> res = tokeff.measure("udhr", ["cl100k_base"], langs=["en", "zh"], metrics=["parity"],
...                      bootstrap=0)
>>> round(res.value("cl100k_base", "zho_Hans", "parity"), 2)
1.65

``import tokeff`` imports no tokenizer backend; backends load when a tokenizer is created.
"""

from __future__ import annotations

from ._version import __version__
from .corpora import Corpus, load_corpus
from .errors import (
    CorpusError,
    MissingDependencyError,
    NotComparableError,
    SegmenterError,
    TokeffError,
    TokenizerError,
    UsageError,
)
from .measurement import compare, measure
from .metrics import METRICS
from .results import Results, Row, Signature
from .segmenters import get_segmenter, register_segmenter
from .tokenizers import Tokenizer, get_tokenizer, register_tokenizer

__all__ = [
    "__version__",
    "Corpus",
    "CorpusError",
    "METRICS",
    "MissingDependencyError",
    "NotComparableError",
    "Results",
    "Row",
    "SegmenterError",
    "Signature",
    "TokeffError",
    "Tokenizer",
    "TokenizerError",
    "UsageError",
    "compare",
    "get_segmenter",
    "get_tokenizer",
    "load_corpus",
    "measure",
    "register_segmenter",
    "register_tokenizer",
]
