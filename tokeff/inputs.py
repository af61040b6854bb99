"""What :func:`tokeff.measure` accepts, normalised before it runs (issue 15).

- ``corpus``: a name or path as before; ``"-"`` (standard input) or a ``.txt`` file as a
  one-language corpus of lines; or data in memory (a mapping of language -> texts, a pandas or
  polars DataFrame, a ``datasets.Dataset``, an iterable of per-segment dicts), turned into a
  :class:`~tokeff.Corpus` by :func:`tokeff.corpora.inmemory.as_corpus`.
- ``tokenizers``, ``langs``, ``metrics``: a single string where a list is expected
  (``"cl100k_base"``, ``langs="zh"``, ``langs="en,zh"``), and ``langs="all"`` for every
  language of the corpus.
- A corpus without the pivot language (e.g. one language) drops ``parity`` from the *default*
  metrics instead of failing; asked for explicitly, parity still needs the pivot.

>>> c, toks, langs, metrics = normalize_measure_args({"zh": ["你好"]}, "cl100k_base", "all",
...                                                   None, "eng_Latn")
>>> c.langs, toks, langs, "parity" in metrics
(['zho_Hans'], ['cl100k_base'], None, False)
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from .corpora.inmemory import as_corpus, is_in_memory, load_text
from .corpora.model import Corpus
from .errors import UsageError
from .langs import resolve_lang
from .metrics import DEFAULT_METRICS

__all__ = ["as_list", "normalize_measure_args"]


def as_list(value: object, what: str, *, split_commas: bool = False) -> list | None:
    """None stays None; a string (or one non-iterable object, e.g. a tokenizer) becomes a
    one-element list; ``split_commas`` splits ``"en,zh"``; other iterables become lists.

    >>> as_list("en, zh", "langs", split_commas=True), as_list(("a",), "x"), as_list(None, "x")
    (['en', 'zh'], ['a'], None)
    """
    if value is None:
        return None
    if isinstance(value, str):
        if split_commas:
            items = [x.strip() for x in value.split(",") if x.strip()]
            if not items:
                raise UsageError(f"{what} is an empty string; give a name or a list of names")
            return items
        return [value]
    if isinstance(value, bytes):
        raise UsageError(f"{what} must be text, not bytes ({value[:20]!r})")
    if not isinstance(value, Iterable):
        return [value]
    return list(value)


def normalize_measure_args(corpus: object, tokenizers: object, langs: object, metrics: object,
                           pivot: str | None) -> tuple[object, list, list[str] | None,
                                                       list[str] | None]:
    """(corpus, tokenizers, langs, metrics) as :func:`tokeff.measure` expects them."""
    toks = as_list(tokenizers, "tokenizers")
    if toks is None:
        raise UsageError("no tokenizer given: pass a name such as 'cl100k_base' or a list")
    lang_list: list[str] | None
    if isinstance(langs, str) and langs.strip().lower() == "all":
        lang_list = None
    else:
        lang_list = as_list(langs, "langs", split_commas=True)
        if lang_list is not None:
            for x in lang_list:
                if not isinstance(x, str):
                    raise UsageError(f"langs must be language codes (text), not "
                                     f"{type(x).__name__} {x!r}")
    if isinstance(metrics, str) and metrics.strip().lower() == "all":
        metric_list: list[str] | None = list(DEFAULT_METRICS)
    else:
        metric_list = as_list(metrics, "metrics", split_commas=True)
    if isinstance(corpus, (str, os.PathLike)) and (
            os.fspath(corpus) == "-" or (os.fspath(corpus).lower().endswith(".txt")
                                         and os.path.isfile(corpus))):
        # Loaded here so the default metrics can follow the one language it holds.
        corpus = load_text(corpus, langs=lang_list if lang_list and len(lang_list) == 1
                           else None)
    elif is_in_memory(corpus):
        corpus = as_corpus(corpus)
    if isinstance(corpus, Corpus) and metric_list is None:
        pivot_code = resolve_lang(pivot) if pivot else None
        if pivot_code not in corpus.segments:
            metric_list = [m for m in DEFAULT_METRICS if m != "parity"]
    return corpus, toks, lang_list, metric_list
