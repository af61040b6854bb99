"""Counting any text: tokens, characters, bytes and tokens per character of files, standard
input or strings under several tokenizers -- ``wc`` for tokens (``tokeff count``).

Each source is tokenised whole, as a model's API would receive it (no special tokens). The text
is read as strict UTF-8 (a BOM is dropped, CRLF becomes LF): characters are Unicode code points
and bytes the UTF-8 bytes of that text. No alignment and no language are needed.

>>> tc = count_text(texts={"greeting": "你好，世界"}, tokenizers=["cl100k_base", "qwen2.5"])
>>> [(r.tokenizer, r.tokens, r.chars, r.bytes) for r in tc]
[('cl100k_base', 6, 5, 15), ('qwen2.5', 3, 5, 15)]
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .corpora.inmemory import read_source
from .errors import UsageError
from .tokenizers import Tokenizer, get_tokenizer

__all__ = ["TextCount", "TextCounts", "count_text"]


@dataclass(frozen=True)
class TextCount:
    """Counts of one source under one tokenizer."""

    source: str
    tokenizer: str
    tokens: int
    chars: int
    bytes: int

    @property
    def tokens_per_char(self) -> float | None:
        """Tokens per character; None for an empty text."""
        return self.tokens / self.chars if self.chars else None


@dataclass
class TextCounts:
    """The counts of every source x tokenizer, and a total per tokenizer over several sources."""

    rows: list[TextCount]
    tokenizers: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def totals(self) -> list[TextCount]:
        """One ``total`` row per tokenizer (sums over the sources)."""
        out = []
        for t in self.tokenizers:
            rs = [r for r in self.rows if r.tokenizer == t]
            out.append(TextCount("total", t, sum(r.tokens for r in rs),
                                 sum(r.chars for r in rs), sum(r.bytes for r in rs)))
        return out

    def _all(self) -> list[TextCount]:
        sources = {r.source for r in self.rows}
        return self.rows + (self.totals() if len(sources) > 1 else [])

    def to_dicts(self) -> list[dict]:
        return [dict(asdict(r), tokens_per_char=r.tokens_per_char) for r in self._all()]

    def to_json(self, *, indent: int | None = 1) -> str:
        return json.dumps({"format": "tokeff-count", "meta": self.meta,
                           "counts": self.to_dicts()}, ensure_ascii=False, indent=indent)

    def to_csv(self) -> str:
        buf = io.StringIO()
        cols = ["source", "tokenizer", "tokens", "chars", "bytes", "tokens_per_char"]
        w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        for d in self.to_dicts():
            w.writerow({k: "" if d[k] is None else d[k] for k in cols})
        return buf.getvalue()

    def __str__(self) -> str:
        head = ["tokens", "chars", "bytes", "tokens/char", "tokenizer", "source"]
        body = [[str(r.tokens), str(r.chars), str(r.bytes),
                 "n/a" if r.tokens_per_char is None else f"{r.tokens_per_char:.4f}",
                 r.tokenizer, r.source] for r in self._all()]
        widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
        return "\n".join("  ".join(c.rjust(w) if i < 4 else c.ljust(w)
                                   for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
                         for cells in [head, *body])


def count_text(sources: Sequence[str | os.PathLike[str]] | None = None,
               tokenizers: Sequence[Tokenizer | str | object] | str = (), *,
               texts: Mapping[str, str] | None = None, stdin: Any = None) -> TextCounts:
    """Count files (``-`` is standard input; ``stdin`` a binary stream to read instead) and/or
    in-memory ``texts`` (``{name: text}``) under each tokenizer.

    Invalid UTF-8 raises :class:`~tokeff.CorpusError` naming the file and byte offset.

    >>> print(count_text(texts={"hi": "Hello, world"}, tokenizers="cl100k_base"))
    tokens  chars  bytes  tokens/char  tokenizer    source
         3     12     12       0.2500  cl100k_base  hi
    """
    toks_in = [tokenizers] if isinstance(tokenizers, str) else list(tokenizers)
    if not toks_in:
        raise UsageError("no tokenizer given, e.g. tokenizers=['cl100k_base']")
    items: list[tuple[str, str]] = []
    for s in sources or ():
        items.append(read_source(s, stdin=stdin))
    for name, text in (texts or {}).items():
        if not isinstance(text, str):
            raise UsageError(f"text {name!r} is a {type(text).__name__}, not a string")
        items.append((name, text))
    if not items:
        raise UsageError("nothing to count: give files (or '-' for standard input) or texts")
    names = [n for n, _ in items]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise UsageError(f"source {dup!r} is given twice")
    toks = [get_tokenizer(t) for t in toks_in]
    tnames = [t.name for t in toks]
    if len(set(tnames)) != len(tnames):
        raise UsageError(f"tokenizer names must be distinct: {tnames}")
    rows = []
    for name, text in items:
        chars, nbytes = len(text), len(text.encode("utf-8"))
        for t in toks:
            n = len(t.encode_batch([text])[0]) if text else 0
            rows.append(TextCount(name, t.name, n, chars, nbytes))
    meta = {"tokenizers": {t.name: {"backend": f"{t.backend}-{t.backend_version}",
                                    "fingerprint": t.fingerprint()[:16]} for t in toks}}
    return TextCounts(rows, tnames, meta)
