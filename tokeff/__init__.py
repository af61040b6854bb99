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
from .corpora import Corpus, as_corpus, load_corpus, load_text
from .cost import cost  # issue 15
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
from .textcount import count_text  # issue 15
from .tokenizers import Tokenizer, get_tokenizer, register_tokenizer

__all__ = [
    "METRICS",
    "Corpus",
    "CorpusError",
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
    "__version__",
    "as_corpus",  # issue 15
    "compare",
    "cost",  # issue 15
    "count_text",  # issue 15
    "get_segmenter",
    "get_tokenizer",
    "load_corpus",
    "load_text",  # issue 15
    "measure",
    "register_segmenter",
    "register_tokenizer",
]
