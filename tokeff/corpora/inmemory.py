"""Corpora from data already in memory, and from one plain text file or standard input.

:func:`as_corpus` turns what an analyst already holds into a :class:`~tokeff.corpora.Corpus`:

- a mapping of language -> list of texts (``{"en": [...], "zh": [...]}``);
- a pandas or polars DataFrame with one column per language;
- a Hugging Face ``datasets.Dataset`` with one column per language, or with one column of
  ``{lang: text}`` dicts (the ``translation`` layout of WMT/OPUS datasets);
- an iterable of per-segment dicts (``[{"en": ..., "zh": ...}, ...]``, a generator too).

Column and key names are language codes or aliases (``id`` and ``_*`` columns are ignored, as in
TSV files). Bad input gets the errors a file gets: which column and row, what was found, and how
to fix it. :func:`load_text` reads one UTF-8 text file (or ``-``, standard input) as a
one-language corpus of its lines.

>>> c = as_corpus({"en": ["Hello.", "Bye."], "zh": ["你好。", "再见。"]}, name="demo")
>>> c.langs, len(c)
(['eng_Latn', 'zho_Hans'], 2)
>>> as_corpus([{"en": "Hi.", "fr": "Salut."}]).langs
['eng_Latn', 'fra_Latn']
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import CorpusError, UsageError
from ..langs import resolve_lang
from .model import Corpus

__all__ = ["UNDETERMINED", "as_corpus", "decode_utf8", "is_in_memory", "load_text",
           "read_source"]

#: Language code of text whose language is not declared: ISO 639-3 ``und`` (undetermined) and
#: ISO 15924 ``Zyyy`` (common script). No word segmenter applies to it, so words are "not
#: available" rather than guessed.
UNDETERMINED = "und_Zyyy"

_WHAT = ("a Corpus, a mapping of language -> list of texts, a pandas or polars DataFrame (one "
         "column per language), a datasets.Dataset with language columns, or an iterable of "
         "per-segment dicts ({lang: text})")


def _kind(obj: object) -> str | None:
    """'pandas', 'polars', 'dataset', 'mapping', 'rows' or None, without importing pandas,
    polars or datasets (they are optional; an object of theirs proves they are installed)."""
    mod = type(obj).__module__.split(".", 1)[0]
    if mod == "pandas" and hasattr(obj, "columns") and hasattr(obj, "iloc"):
        return "pandas"
    if mod == "polars" and hasattr(obj, "columns") and hasattr(obj, "get_column"):
        return "polars"
    if hasattr(obj, "column_names") and hasattr(obj, "__getitem__"):
        return "dataset"
    if isinstance(obj, Mapping):
        return "mapping"
    if isinstance(obj, (str, bytes, os.PathLike)):
        return None
    if isinstance(obj, Iterable):
        return "rows"
    return None


def is_in_memory(obj: object) -> bool:
    """True for the in-memory kinds :func:`as_corpus` accepts (a Corpus is not one).

    >>> is_in_memory({"en": ["a"]}), is_in_memory("udhr"), is_in_memory(None)
    (True, False, False)
    """
    return not isinstance(obj, Corpus) and _kind(obj) is not None


def _ignored(col: object) -> bool:
    return isinstance(col, str) and (col.strip().lower() in ("id", "") or col.startswith("_"))


def _lang_columns(name: str, cols: Sequence[object], where: str) -> list[tuple[object, str]]:
    """(column, language code) for every language column, in order; duplicates are errors."""
    out: list[tuple[object, str]] = []
    for col in cols:
        if _ignored(col):
            continue
        if not isinstance(col, str):
            raise CorpusError(f"corpus {name!r}: {where} {col!r} is a {type(col).__name__}; "
                              f"name each column by its language (e.g. 'en', 'zho_Hans')")
        try:
            code = resolve_lang(col)
        except UsageError as e:
            raise CorpusError(f"corpus {name!r}: {where} {col!r}: {e}") from None
        for prev, c in out:
            if c == code:
                raise CorpusError(f"corpus {name!r}: {where}s {prev!r} and {col!r} are both "
                                  f"{code}; keep one column per language")
        out.append((col, code))
    if not out:
        raise CorpusError(f"corpus {name!r} has no language columns (got {list(cols)!r}); "
                          f"name columns by language, e.g. 'en', 'zh', 'eng_Latn'")
    return out


def _missing(v: object) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    # pandas.NA / NaT / numpy.nan-like scalars: not text, and "missing" is the helpful word.
    return type(v).__name__ in ("NAType", "NaTType")


def _check_cells(name: str, col: object, code: str, values: list[object],
                 labels: Sequence[object] | None = None, where: str = "column") -> list[str]:
    for i, v in enumerate(values):
        if isinstance(v, str):
            continue
        row = f"row {i + 1}" + (f" (index {labels[i]!r})" if labels is not None else "")
        what = f"{where} {col!r} ({code})" if col != code else code
        if _missing(v):
            raise CorpusError(f"corpus {name!r}: {what}, {row} is missing ({v!r}); every "
                              f"language needs a text for every segment (drop the row, or use "
                              f"'' for an empty segment)")
        raise CorpusError(f"corpus {name!r}: {what}, {row} is {type(v).__name__} {v!r}, not "
                          f"text; convert the column to strings")
    return values  # type: ignore[return-value]


def _from_columns(name: str, cols: Sequence[object], get, where: str = "column",
                  labels: Sequence[object] | None = None) -> Corpus:
    segs: dict[str, list[str]] = {}
    for col, code in _lang_columns(name, cols, where):
        values = get(col)
        if isinstance(values, str):
            raise CorpusError(f"corpus {name!r}: {where} {col!r} ({code}) is a single string; "
                              f"give a list of segments (e.g. [{values[:20]!r}])")
        if not isinstance(values, list):
            try:
                values = list(values)
            except TypeError:
                raise CorpusError(f"corpus {name!r}: {where} {col!r} ({code}) is a "
                                  f"{type(values).__name__}, not a list of texts") from None
        segs[code] = _check_cells(name, col, code, values, labels, where)
    return _aligned(name, segs)


def _aligned(name: str, segs: dict[str, list[str]]) -> Corpus:
    lengths = {c: len(v) for c, v in segs.items()}
    if len(set(lengths.values())) > 1:
        first = next(iter(lengths))
        other = next(c for c, n in lengths.items() if n != lengths[first])
        raise CorpusError(f"corpus {name!r} is not aligned: {first} has {lengths[first]} "
                          f"segments, {other} has {lengths[other]}; every language needs one text "
                          f"per segment")
    return Corpus(name, segs)


def _from_rows(name: str, rows: Iterable[object]) -> Corpus:
    segs: dict[str, list[str]] = {}
    keys: list[tuple[object, str]] | None = None
    n = 0
    for n, row in enumerate(rows, 1):
        if not isinstance(row, Mapping):
            if isinstance(row, str):
                raise CorpusError(
                    f"corpus {name!r}: item {n} is a text, but texts alone have no language. "
                    f"Give {{lang: [texts]}} (e.g. {{'zh': texts}}), a list of {{lang: text}} "
                    f"dicts, or tokeff.load_text() for one-language text")
            raise CorpusError(f"corpus {name!r}: item {n} is a {type(row).__name__}; expected "
                              f"{_WHAT}")
        if keys is None:
            keys = _lang_columns(name, list(row), "key")
            segs = {c: [] for _, c in keys}
        got = [k for k in row if not _ignored(k)]
        want = [k for k, _ in keys]
        if set(got) != set(want):
            extra = sorted(map(str, set(got) - set(want)))
            lack = sorted(map(str, set(want) - set(got)))
            raise CorpusError(f"corpus {name!r}: segment {n} has keys {sorted(map(str, got))}, "
                              f"the first segment {sorted(map(str, want))}"
                              + (f" (missing: {', '.join(lack)})" if lack else "")
                              + (f" (extra: {', '.join(extra)})" if extra else "")
                              + "; every segment needs the same languages")
        for k, code in keys:
            v = row[k]
            if not isinstance(v, str):
                what = "missing" if _missing(v) else f"{type(v).__name__} {v!r}, not text"
                raise CorpusError(f"corpus {name!r}: segment {n}, key {k!r} ({code}) is {what}; "
                                  f"every language needs a text for every segment")
            segs[code].append(v)
    if keys is None:
        raise CorpusError(f"corpus {name!r} is empty: the iterable gave no segments")
    return Corpus(name, segs)


def _from_dataset(name: str, ds: Any) -> Corpus:
    cols = list(ds.column_names)
    lang_cols = [c for c in cols if not _ignored(c)]
    if len(lang_cols) == 1:
        first = ds[lang_cols[0]]
        first = first if isinstance(first, list) else list(first)
        if first and isinstance(first[0], Mapping):
            # The WMT/OPUS layout: one "translation" column of {lang: text} dicts.
            return _from_rows(name, first)
    return _from_columns(name, cols, lambda c: ds[c])


def as_corpus(obj: object, *, name: str | None = None) -> Corpus:
    """A :class:`Corpus` from data in memory (see the module docstring for the kinds).

    Columns/keys are languages (codes or aliases); ``id`` and ``_*`` columns are ignored.
    Errors (:class:`~tokeff.CorpusError`) name the column or key and the row: unaligned
    lengths, a missing (None/NaN) cell, a cell that is not text, two columns of one language.

    >>> as_corpus({"en": ["a", "b"], "zh": ["甲"]})
    Traceback (most recent call last):
    ...
    tokeff.errors.CorpusError: corpus 'in-memory' is not aligned: eng_Latn has 2 segments, ...
    """
    if isinstance(obj, Corpus):
        return obj
    label = name or "in-memory"
    kind = _kind(obj)
    if kind == "pandas":
        df: Any = obj
        return _from_columns(label, list(df.columns), lambda c: df[c].tolist(),
                             labels=list(df.index))
    if kind == "polars":
        pl: Any = obj
        return _from_columns(label, list(pl.columns), lambda c: pl.get_column(c).to_list())
    if kind == "dataset":
        return _from_dataset(label, obj)
    if kind == "mapping":
        m: Mapping = obj  # type: ignore[assignment]
        return _from_columns(label, list(m), lambda c: m[c], where="key")
    if kind == "rows":
        return _from_rows(label, obj)  # type: ignore[arg-type]
    raise UsageError(f"cannot make a corpus of a {type(obj).__name__}; expected {_WHAT}")


# -- one text file or standard input ----------------------------------------------------------

def decode_utf8(raw: bytes, where: str) -> str:
    """Strict UTF-8: a BOM is dropped, CRLF becomes LF; invalid bytes raise a
    :class:`~tokeff.CorpusError` naming ``where``, the byte offset and the line.

    >>> decode_utf8(b"ok\\xff", "x.txt")
    Traceback (most recent call last):
    ...
    tokeff.errors.CorpusError: x.txt: invalid UTF-8 at byte offset 2 (line 1): b'\\xff'. ...
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise CorpusError(f"{where}: invalid UTF-8 at byte offset {e.start} (line {line}): "
                          f"{raw[e.start:e.start + 4]!r}. Convert the text to UTF-8 (e.g. "
                          f"iconv -f LATIN1 -t UTF-8).") from None
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n")


def read_source(source: str | os.PathLike[str], *, stdin: Any = None) -> tuple[str, str]:
    """(where, text) of a path, or of standard input for ``-`` (``stdin``: a binary stream,
    default ``sys.stdin.buffer``)."""
    if os.fspath(source) == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        return "<stdin>", decode_utf8(stream.read(), "<stdin>")
    p = Path(source)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise CorpusError(f"file not found: {p}") from None
    except IsADirectoryError:
        raise CorpusError(f"{p} is a directory; give a text file (or tokeff.load_corpus() for "
                          f"a directory of <code>.txt files)") from None
    except OSError as e:
        raise CorpusError(f"cannot read {p}: {e.strerror}") from None
    return str(p), decode_utf8(raw, str(p))


def load_text(source: str | os.PathLike[str], *, lang: str | None = None,
              langs: Sequence[str] | None = None, name: str | None = None,
              stdin: Any = None) -> Corpus:
    """One UTF-8 text file (or ``-``, standard input) as a one-language corpus of its lines.

    ``lang`` (or a one-element ``langs``) declares the text's language; without it the language
    is :data:`UNDETERMINED` (``und_Zyyy``: no word segmenter, so no words). Empty lines are kept
    as empty segments (they add nothing), so line numbers stay segment numbers.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
    >>> _ = p.write_text("今天天气很好。\\n我们去北京。\\n", encoding="utf-8")
    >>> c = load_text(p, lang="zh")
    >>> c.name, c.langs, len(c)
    ('notes', ['zho_Hans'], 2)
    """
    if langs is not None:
        langs = [langs] if isinstance(langs, str) else list(langs)
        if len(langs) > 1:
            raise UsageError(f"a text file holds one language; got langs={langs} for {source}")
        if langs:
            if lang is not None and resolve_lang(langs[0]) != resolve_lang(lang):
                raise UsageError(f"lang={lang!r} and langs={langs} disagree for {source}")
            lang = langs[0]
    code = resolve_lang(lang) if lang else UNDETERMINED
    where, text = read_source(source, stdin=stdin)
    lines = text[:-1].split("\n") if text.endswith("\n") else text.split("\n")
    if text == "" or not any(lines):
        raise CorpusError(f"{where} is empty: there is no text to measure")
    label = name or ("stdin" if where == "<stdin>" else Path(where).stem)
    base = "stdin" if where == "<stdin>" else Path(where).name
    return Corpus(label, {code: lines},
                  origins={code: [f"{base} line {i}" for i in range(1, len(lines) + 1)]})
