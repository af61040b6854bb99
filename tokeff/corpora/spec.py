"""One corpus resolver: a spec ("name[:split]", a path, or a corpus object) -> its source.

Every way of reading a corpus (loaded whole, streamed in chunks, counted on Dask workers) goes
through :func:`resolve`, so the same spec always means the same text. One precedence rule: a
spec that looks like a path (it has a path separator or starts with ``.``) is a path; otherwise
a registered name (``udhr``, ``flores200``, third-party entry points), with an optional
``:split``, wins over a file or directory of the same name in the working directory (write
``./udhr`` for that); anything else is a path.

>>> src = resolve("udhr:paragraphs")
>>> src.name, src.kind, src.split
('udhr', 'jsonl', 'paragraphs')
"""

from __future__ import annotations

import dataclasses
import errno
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import CorpusError, UsageError
from .inmemory import load_text
from .loaders import (
    CORPORA,
    DEFAULT_CORPUS,
    FLORES_SPLITS,
    UDHR_NORMALIZATION,
    UDHR_SPLITS,
    embedded_dir,
    flores_dir,
    flores_name,
    load_flores_dir,
    load_jsonl,
    load_table,
    load_txt_dir,
)
from .model import Corpus
from .stream import (
    DEFAULT_CHUNK_SIZE,
    StreamingCorpus,
    from_corpus,
    open_flores_dir,
    open_jsonl,
    open_txt_dir,
)

__all__ = ["Source", "load_corpus", "load_path", "open_stream", "resolve"]

TABLE_SUFFIXES = (".tsv", ".csv", ".tab")
JSONL_SUFFIXES = (".jsonl", ".ndjson")


@dataclass(frozen=True)
class Source:
    """Where a corpus comes from: ``kind`` is ``flores`` (a directory with ``dev/``,
    ``devtest/``), ``txt`` (a directory of ``<code>.txt``), ``table`` (TSV/CSV), ``jsonl``,
    ``text`` (one ``.txt`` file of one language) or ``plugin`` (a registered loader); ``name`` is the canonical name recorded in signatures."""

    kind: str
    name: str
    split: str | None
    path: Path | None = None
    loader: Callable[..., Corpus] | None = None
    #: The normalisation the text already has at source (the embedded UDHR ships NFC), so
    #: the signature says what was measured; None: as read.
    shipped: str | None = None

    def load(self, *, langs: Sequence[str] | None = None,
             normalization: str = "none") -> Corpus:
        """The corpus in memory."""
        if self.kind == "plugin":
            assert self.loader is not None
            corpus = self.loader(split=self.split, langs=langs)
        elif self.kind == "flores":
            corpus = load_flores_dir(self.path, split=self.split or "dev+devtest", langs=langs,
                                     name=self.name)
        elif self.kind == "txt":
            corpus = load_txt_dir(self.path, langs=langs, name=self.name)
        elif self.kind == "table":
            corpus = load_table(self.path, langs=langs, name=self.name)
        elif self.kind == "text":
            corpus = load_text(self.path, langs=langs, name=self.name)
        else:
            corpus = load_jsonl(self.path, langs=langs, name=self.name, split=self.split or "all")
        if self.shipped:
            corpus = dataclasses.replace(corpus, normalization=self.shipped)
        return corpus.select(normalization=normalization) if normalization != "none" else corpus

    def open(self, *, langs: Sequence[str] | None = None, normalization: str = "none",
             chunk_size: int = DEFAULT_CHUNK_SIZE) -> StreamingCorpus:
        """The corpus as a stream of aligned chunks (files are read chunk by chunk; formats
        that cannot be streamed are loaded, then chunked)."""
        if self.shipped and normalization == "none":
            normalization = self.shipped  # (a no-op on the text; recorded)
        kw = {"langs": langs, "normalization": normalization, "chunk_size": chunk_size,
              "name": self.name}
        if self.kind == "flores":
            return open_flores_dir(self.path, split=self.split or "dev+devtest", **kw)
        if self.kind == "txt":
            return open_txt_dir(self.path, **kw)
        if self.kind == "jsonl":
            return open_jsonl(self.path, split=self.split or "all", **kw)
        return from_corpus(self.load(langs=langs, normalization=normalization), chunk_size)


def _looks_like_path(spec: str) -> bool:
    return os.sep in spec or "/" in spec or spec.startswith(".")


def _named(name: str, split: str | None) -> Source:
    if name == "udhr":
        sp = split or "articles"
        if sp not in UDHR_SPLITS:
            raise UsageError(f"the udhr corpus has splits {', '.join(UDHR_SPLITS)}, not {sp!r}")
        return Source("jsonl", "udhr", sp, embedded_dir("udhr") / f"{sp}.jsonl",
                      shipped=UDHR_NORMALIZATION)
    if name == "flores200":
        d = flores_dir()
        if d is None or not d.is_dir():
            raise CorpusError(
                "FLORES-200 is not available locally. It is not shipped with tokeff (CC BY-SA "
                "4.0); download it and point TOKEFF_FLORES200 at the directory holding dev/ and "
                "devtest/")
        return _flores(d, split, "flores200")
    return Source("plugin", name, split, loader=CORPORA.factory(name))


def _flores(d: Path, split: str | None, name: str) -> Source:
    sp = split or "dev+devtest"
    if sp not in FLORES_SPLITS:
        raise UsageError(f"split must be one of {', '.join(FLORES_SPLITS)}, not {sp!r}")
    return Source("flores", name, sp, d)


def _path(spec: str, split: str | None) -> Source:
    p = Path(spec)
    if p.is_dir():
        # (a `dev` that is a file is named as such by the FLORES loader, not taken for a
        # directory of .txt files without languages)
        if (p / "dev").exists() or (p / "devtest").exists():
            return _flores(p, split, flores_name(p))
        if split is not None:
            raise UsageError(f"--split applies to FLORES-style directories; {p} is not one")
        return Source("txt", p.resolve().name, None, p)
    if not p.exists():
        _symlink_trouble(p)
        raise CorpusError(f"corpus not found: {spec} is neither a file, a directory nor a named "
                          f"corpus ({', '.join(CORPORA.names())})")
    if split is not None:
        raise UsageError(f"--split does not apply to the file {p}")
    suf = p.suffix.lower()
    if suf in TABLE_SUFFIXES:
        return Source("table", p.stem, None, p)
    if suf in JSONL_SUFFIXES:
        return Source("jsonl", p.stem, None, p)
    if suf == ".txt":  # one language, one segment per line (langs=[code] declares which)
        return Source("text", p.stem, None, p)
    raise CorpusError(f"{p}: unknown corpus format {suf!r}; expected a directory, .tsv, .csv, "
                      ".jsonl or a .txt file of one language")


def _symlink_trouble(p: Path) -> None:
    """Name a symbolic link loop or a dangling link, which look like a missing path."""
    try:
        os.stat(p)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise CorpusError(f"corpus {p}: symbolic link loop (following the links from {p} "
                              f"never reaches a file: {_link_chain(p)}); fix or remove the "
                              f"link") from None
    if p.is_symlink():
        raise CorpusError(f"corpus {p} is a symbolic link to {os.readlink(p)}, which does not "
                          f"exist; fix or remove the link")


def _link_chain(p: Path, limit: int = 6) -> str:
    chain = [str(p)]
    cur = p
    for _ in range(limit):
        if not cur.is_symlink():
            break
        cur = cur.parent / os.readlink(cur)
        chain.append(str(cur))
        if chain.count(str(cur)) > 1:
            break
    return " -> ".join(chain)


def resolve(spec: str | os.PathLike[str] | None = None, *, split: str | None = None) -> Source:
    """The source a corpus spec names (see the module docstring for the precedence rule)."""
    spec = os.fspath(spec) if isinstance(spec, os.PathLike) else (spec or DEFAULT_CORPUS)
    if not isinstance(spec, str):
        raise UsageError(f"a corpus is a name, a path or a tokeff.Corpus, not "
                         f"{type(spec).__name__}")
    if not _looks_like_path(spec):
        base, sep, sp = spec.partition(":")
        if sep and base in CORPORA:
            if split and split != sp:
                raise UsageError(f"corpus {spec!r} names split {sp!r} but split={split!r} was "
                                 f"given")
            return _named(base, sp)
        if spec in CORPORA:
            return _named(spec, split)
    return _path(spec, split)


def load_corpus(spec: str | os.PathLike[str] | Corpus | None = None, *, split: str | None = None,
                langs: Sequence[str] | None = None,
                normalization: str = "none") -> Corpus:
    """Load a corpus by name (``udhr``, ``flores200``, third-party) or path.

    A spec may name the split after a colon (``udhr:paragraphs``, ``flores200:devtest``).
    ``normalization`` (``none``/``NFC``/``NFKC``) is applied to the text and recorded.

    >>> c = load_corpus("udhr", langs=["en", "zh"])
    >>> c.langs, len(c)
    (['eng_Latn', 'zho_Hans'], 31)
    """
    if isinstance(spec, Corpus):
        corpus = spec if langs is None else spec.select(langs)
        return corpus.select(normalization=normalization) if normalization != "none" else corpus
    return resolve(spec, split=split).load(langs=langs, normalization=normalization)


def _builtin(name: str) -> Callable[..., Corpus]:
    def load(*, split: str | None = None, langs: Sequence[str] | None = None) -> Corpus:
        return _named(name, split).load(langs=langs)
    return load


CORPORA.register("udhr", _builtin("udhr"))
CORPORA.register("flores200", _builtin("flores200"))


def load_path(path: str | os.PathLike[str], *, split: str | None = None,
              langs: Sequence[str] | None = None) -> Corpus:
    """Load a corpus from a path, choosing the loader by layout/suffix."""
    return _path(os.fspath(path), split).load(langs=langs)


def open_stream(spec: object, *, split: str | None = None, langs: Sequence[str] | None = None,
                normalization: str = "none", chunk_size: int | None = None) -> StreamingCorpus:
    """Open a corpus for streaming: any spec :func:`resolve` takes, a :class:`StreamingCorpus`
    or an in-memory :class:`Corpus` (seen as chunks)."""
    cs = int(chunk_size) if chunk_size is not None else (
        spec.chunk_size if isinstance(spec, StreamingCorpus) else DEFAULT_CHUNK_SIZE)
    if cs < 1:
        raise UsageError(f"chunk_size must be a positive number of segments, not {chunk_size}")
    if isinstance(spec, StreamingCorpus):
        sc = spec.select(langs, normalization=normalization)
        if sc.chunk_size != cs:
            sc = sc.rechunk(cs)
        return sc
    if isinstance(spec, Corpus):
        return from_corpus(spec.select(langs, normalization=normalization), cs)
    return resolve(spec, split=split).open(langs=langs,  # type: ignore[arg-type]
                                           normalization=normalization, chunk_size=cs)
