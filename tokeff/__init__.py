"""tokeff: measure how efficiently LLM tokenizers encode text across languages.

>>> import tokeff
>>> res = tokeff.measure("udhr", ["cl100k_base"], langs=["en", "zh"], metrics=["parity"],
...                      bootstrap=0)
>>> round(res.value("cl100k_base", "zho_Hans", "parity"), 2)
1.65

``import tokeff`` imports no tokenizer backend; backends load when a tokenizer is created.
The public names below are imported on first use (PEP 562), so ``import tokeff`` (and the
``tokeff`` command, which imports only what its subcommand needs) does not pay for numpy,
corpora, pricing or plotting it may never use.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import (
    CorpusError,
    MissingDependencyError,
    NotComparableError,
    SegmenterError,
    TokeffError,
    TokenizerError,
    UsageError,
)

if TYPE_CHECKING:  # what the lazy names are, for type checkers and editors
    from .corpora import Corpus, as_corpus, load_corpus, load_text
    from .cost import cost
    from .measurement import compare, measure
    from .metrics import METRICS
    from .results import Results, Row, Signature
    from .segmenters import get_segmenter, register_segmenter
    from .textcount import count_text
    from .tokenizers import Tokenizer, get_tokenizer, register_tokenizer

#: Public name -> the submodule that defines it, imported when the name is first used.
_LAZY: dict[str, str] = {
    "Corpus": "corpora", "as_corpus": "corpora", "load_corpus": "corpora",
    "load_text": "corpora",  # issue 15
    "cost": "cost",  # issue 15
    "compare": "measurement", "measure": "measurement",
    "METRICS": "metrics",
    "Results": "results", "Row": "results", "Signature": "results",
    "get_segmenter": "segmenters", "register_segmenter": "segmenters",
    "count_text": "textcount",  # issue 15
    "Tokenizer": "tokenizers", "get_tokenizer": "tokenizers",
    "register_tokenizer": "tokenizers",
}

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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tokeff' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # found once; later lookups do not come here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """The ``tokeff`` module: ``tokeff.cost`` is the function :func:`tokeff.cost.cost`, also
    once the submodule of that name is imported. (Importing ``tokeff.cost`` sets the submodule
    as an attribute of its package, which would hide the function; eager imports used to
    rebind the name after the submodule, so the function is what ``tokeff.cost`` has always
    been.)"""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "cost" and isinstance(value, types.ModuleType):
            value = value.cost
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
