"""Corpora larger than memory: read aligned chunks from the files, keep only count arrays.

:func:`tokeff.corpora.open_stream` opens a corpus without loading it. A first pass over the files (bytes
only, no Python loop per line) checks UTF-8, counts segments, checks alignment and computes the
same content hash as :meth:`tokeff.Corpus.content_hash`; it also records where every chunk of
``chunk_size`` aligned segments starts in each file. Counting then reads a chunk at a time
(:meth:`StreamingCorpus.iter_chunks`; with the thread runner, up to three at once:
:func:`tokeff.counting.stream.pipeline_chunks`), counts it like an in-memory corpus, and keeps
only the per-segment counts, each in the smallest signed integer type that holds it (16 bits for
sentence-level text). Results are identical to loading the corpus whole. The first pass also
keeps a digest of every chunk's bytes, and reading a chunk back checks it: a file that changes
while it is measured is an error, never counted under the hash of the text it had before.

A chunk is described by a small picklable :class:`Partition` (file names and byte ranges), so
workers on other machines can read their own part of a corpus on shared storage
(:mod:`tokeff.counting.dask_runner`).

>>> import tokeff
>>> res = tokeff.measure("flores200", ["cl100k_base"], chunk_size=100_000)  # doctest: +SKIP
"""

from __future__ import annotations

import codecs
import hashlib
import os
import tempfile
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import CorpusError, UsageError
from ..langs import resolve_lang
from ..tokenizers.base import NORMALIZATIONS
from .loaders import (
    FLORES_SPLITS,
    _code_from_stem,
    check_line_endings,
    flores_name,
    flores_part,
    parse_jsonl_line,
)
from .model import ContentHasher, Corpus, SourceLanguages, segment_bytes

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "Partition",
    "StreamingCorpus",
    "from_corpus",
    "open_flores_dir",
    "open_jsonl",
    "open_txt_dir",
]

#: Aligned segments per chunk when none is given (a few MB of text per language).
DEFAULT_CHUNK_SIZE = 20_000
_READ = 1 << 22  # bytes read at a time by the first pass


# -- reading pieces of files -------------------------------------------------------------------

@dataclass(frozen=True)
class FilePiece:
    """Bytes ``[start, stop)`` of a one-segment-per-line file (``stop`` -1: to the end)."""

    path: str
    start: int
    stop: int

    def read_bytes(self) -> bytes:
        """The piece's bytes (a BOM at the start of the file dropped): what the first pass
        hashed for the chunk digest."""
        with open(self.path, "rb") as f:
            f.seek(self.start)
            raw = f.read() if self.stop < 0 else f.read(self.stop - self.start)
        if self.start == 0 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8):]
        return raw


def _lines(raw: bytes) -> list[str]:
    text = raw.decode("utf-8").replace("\r\n", "\n")
    if text == "":
        return []
    return text.removesuffix("\n").split("\n")


@dataclass(frozen=True)
class Partition:
    """Aligned segments ``[start, stop)`` of a corpus, as the file pieces that hold them.

    ``load()`` reads them (anywhere the files are visible) into an in-memory :class:`Corpus`.
    """

    name: str
    split: str
    normalization: str
    start: int
    stop: int
    kind: str  # "lines", "jsonl" or "memory"
    pieces: tuple[tuple[str, tuple[FilePiece, ...]], ...] = ()  # per language (lines)
    jsonl: tuple[str, int, int, tuple[tuple[str, str], ...]] | None = None  # path, a, b, keys
    segments: tuple[tuple[str, tuple[str, ...]], ...] = ()  # "memory"
    #: Per language, the sha256 the first pass computed: of the file bytes of its pieces
    #: ("lines"), of its segment bytes (:func:`segment_bytes`; "jsonl").
    digests: tuple[tuple[str, str], ...] = ()

    @property
    def langs(self) -> list[str]:
        if self.kind == "lines":
            return [lang for lang, _ in self.pieces]
        if self.kind == "jsonl":
            assert self.jsonl is not None
            return [c for _, c in self.jsonl[3]]
        return [lang for lang, _ in self.segments]

    def load(self) -> Corpus:
        segs: dict[str, list[str]]
        if self.kind == "lines":
            segs = {}
            digests = dict(self.digests)
            for lang, pieces in self.pieces:
                raw = [p.read_bytes() for p in pieces]
                if lang in digests and _raw_digest(raw) != digests[lang]:
                    self._changed(lang)
                segs[lang] = [line for r in raw for line in _lines(r)]
        elif self.kind == "jsonl":
            assert self.jsonl is not None
            path, a, b, keys = self.jsonl
            segs = {c: [] for _, c in keys}
            with open(path, "rb") as f:
                f.seek(a)
                raw = f.read(b - a)
            if a == 0 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            for i, line in enumerate(raw.decode("utf-8").replace("\r\n", "\n").split("\n")):
                obj = parse_jsonl_line(path, i + 1, line)  # (the line within the chunk)
                if obj is None:
                    continue
                for k, c in keys:
                    segs[c].append(obj[k])
        else:
            segs = {lang: list(v) for lang, v in self.segments}
        if self.normalization != "none":
            form: Any = self.normalization
            segs = {c: [unicodedata.normalize(form, s) for s in v] for c, v in segs.items()}
        n = self.stop - self.start
        for lang, v in segs.items():
            if len(v) != n:  # the files changed since they were scanned
                raise CorpusError(f"corpus {self.name!r}: {lang} segments {self.start + 1}-"
                                  f"{self.stop} could not be read back ({len(v)} segments "
                                  f"instead of {n}); did the files change while measuring?")
        if self.kind == "jsonl":
            for lang, digest in self.digests:
                if _digest([s.encode("utf-8") for s in segs[lang]]) != digest:
                    self._changed(lang)
        return Corpus(self.name, segs, split=self.split, normalization=self.normalization)

    def _changed(self, lang: str) -> None:
        raise CorpusError(
            f"corpus {self.name!r} changed while it was measured: {lang} segments "
            f"{self.start + 1}-{self.stop} differ from the text first read (and hashed). "
            f"Measure a copy that does not change during the run.")


# -- the first pass ----------------------------------------------------------------------------

@dataclass
class _Scan:
    n: int = 0  # segments
    per_file: list[int] = field(default_factory=list)  # segments in each file
    cuts: list[tuple[int, int]] = field(default_factory=list)  # (file index, byte offset)
    digests: list[str] = field(default_factory=list)  # per chunk (see _RawDigests)
    nfc: bool = True  # every segment is in NFC (after the corpus normalisation)


def _open(path: Path):
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise CorpusError(f"file not found: {path}") from None
    except OSError as e:
        raise CorpusError(f"cannot read {path}: {e.strerror}") from None


def _count_lines(path: Path) -> int:
    """Segments in a file, by the rules of ``read_lines`` (bytes only; CR-only line endings
    are refused as there)."""
    with _open(path) as f:
        size = os.fstat(f.fileno()).st_size
        base = len(codecs.BOM_UTF8) if f.read(3) == codecs.BOM_UTF8 else 0
        f.seek(base)
        n = cr = crlf = 0
        last = b""
        while True:
            block = f.read(_READ)
            if not block:
                break
            n += block.count(b"\n")
            cr += block.count(b"\r")
            crlf += block.count(b"\r\n") + (last == b"\r" and block[:1] == b"\n")
            last = block[-1:]
    check_line_endings(path, cr - crlf, n)
    if size <= base:
        return 0
    return n + (last != b"\n")


def _decode(path: Path, data: bytes, offset: int, lines_before: int) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = lines_before + data.count(b"\n", 0, e.start) + 1
        raise CorpusError(
            f"{path}: invalid UTF-8 at byte offset {offset + e.start} (line {line}): "
            f"{data[e.start:e.start + 4]!r}. Convert the file to UTF-8 (e.g. iconv -f LATIN1 "
            f"-t UTF-8).") from None


def _digest(encoded: Sequence[bytes]) -> str:
    return hashlib.sha256(segment_bytes(encoded)).hexdigest()


def _raw_digest(pieces: Sequence[bytes]) -> str:
    h = hashlib.sha256()
    for r in pieces:
        h.update(r)
    return h.hexdigest()


class _RawDigests:
    """sha256 of each chunk's file bytes (the first pass feeds a language's bytes in order
    and calls :meth:`cut` where each chunk starts)."""

    def __init__(self) -> None:
        self.done: list[str] = []
        self._h = hashlib.sha256()
        self._fed = False

    def feed(self, data: bytes | memoryview) -> None:
        if len(data):
            self._h.update(data)
            self._fed = True

    def cut(self) -> None:
        """A chunk starts here: the one before it (if it has any bytes) is complete. Every
        chunk holds at least one line, so a chunk without bytes is none (the corpus start,
        or a chunk boundary already cut at the end of the previous file)."""
        if self._fed:
            self.done.append(self._h.hexdigest())
            self._h, self._fed = hashlib.sha256(), False

    def finish(self) -> list[str]:
        self.cut()
        return self.done


class _ChunkDigests:
    """sha256 of each chunk's segment bytes, fed segment lists in order."""

    def __init__(self, chunk_size: int):
        self.cs = chunk_size
        self.done: list[str] = []
        self._h = hashlib.sha256()
        self._n = 0

    def add(self, encoded: Sequence[bytes]) -> None:
        i = 0
        while i < len(encoded):
            take = min(self.cs - self._n, len(encoded) - i)
            self._h.update(segment_bytes(encoded[i:i + take]))
            self._n += take
            i += take
            if self._n == self.cs:
                self.done.append(self._h.hexdigest())
                self._h, self._n = hashlib.sha256(), 0

    def finish(self) -> list[str]:
        if self._n:
            self.done.append(self._h.hexdigest())
            self._h, self._n = hashlib.sha256(), 0
        return self.done


def _hash_segments(hasher: ContentHasher, complete: bytes, text: str,
                   normalization: Any, last: bool = False) -> bool:
    """Feed the content-hash bytes of complete lines (each ending in LF; ``last``: one final
    line without LF) to the corpus hash; True when the text measured is in NFC."""
    if normalization == "none":
        data = complete.replace(b"\r\n", b"\n")
    else:
        # A newline never composes with its neighbours, so a block normalises line by line.
        data = unicodedata.normalize(normalization, text.replace("\r\n", "\n")).encode("utf-8")
    lines = data.split(b"\n")
    if not last:
        lines.pop()  # data ends with a newline
    hasher.segments(lines)
    return normalization != "none" or unicodedata.is_normalized("NFC", text)


def _scan_lines(files: Sequence[Path], per_file: Sequence[int], chunk_size: int,
                hasher: ContentHasher, normalization: str, lang: str) -> _Scan:
    """Validate the UTF-8 of a language stored in ``files`` (one after the other, with
    ``per_file`` segments each, as :func:`_count_lines` counted), feed its content-hash bytes
    to ``hasher``, note where every chunk starts and digest each chunk's bytes.

    Same rules as :func:`tokeff.corpora.loaders.read_lines`: a BOM is dropped, CR LF is LF, a
    final newline ends the last line, empty lines are empty segments.
    """
    scan = _Scan()
    scan.per_file = list(per_file)
    total = sum(scan.per_file)
    hasher.language(lang, total)
    chunks = _RawDigests()
    cs = chunk_size
    for fi, path in enumerate(files):
        with _open(path) as f:
            size = os.fstat(f.fileno()).st_size
            base = len(codecs.BOM_UTF8) if f.read(3) == codecs.BOM_UTF8 else 0
            f.seek(base)
            if size > base and scan.n % cs == 0:
                scan.cuts.append((fi, 0))  # a piece from 0 drops the BOM itself
                chunks.cut()
            pos = base  # file offset of `carry`
            carry = b""
            lines_before = 0
            while True:
                block = f.read(_READ)
                if not block:
                    break
                data = carry + block
                last = data.rfind(b"\n")
                if last < 0:
                    carry = data
                    continue
                complete, carry = data[:last + 1], data[last + 1:]
                text = _decode(path, complete, pos, lines_before)
                nl = np.flatnonzero(np.frombuffer(complete, dtype=np.uint8) == 10)
                # After newline j a segment numbered scan.n + j + 1 starts.
                first = scan.n + 1
                at = 0  # bytes of `complete` fed to the chunk digests
                view = memoryview(complete)
                for g in range(-(-first // cs) * cs, first + len(nl), cs):
                    cut = int(nl[g - first]) + 1
                    scan.cuts.append((fi, pos + cut))
                    chunks.feed(view[at:cut])
                    chunks.cut()
                    at = cut
                chunks.feed(view[at:])
                scan.nfc &= _hash_segments(hasher, complete, text, normalization)
                scan.n += len(nl)
                lines_before += len(nl)
                pos += len(complete)
            if carry:  # a last line without a newline
                text = _decode(path, carry, pos, lines_before)
                chunks.feed(carry)
                scan.nfc &= _hash_segments(hasher, carry, text, normalization, last=True)
                scan.n += 1
            elif scan.cuts and scan.cuts[-1] == (fi, size):
                scan.cuts.pop()  # nothing follows the final newline
    if scan.n != total:
        raise CorpusError(f"{', '.join(map(str, files))} changed while being read")
    scan.digests = chunks.finish()
    return scan


# -- the streamed corpus -----------------------------------------------------------------------

class _LangKeys(Mapping):
    """``corpus.segments`` of a streamed corpus: its languages, not its text."""

    def __init__(self, langs: list[str], name: str):
        self._langs = langs
        self._name = name

    def __getitem__(self, lang: str) -> list[str]:
        raise UsageError(f"corpus {self._name!r} is streamed from its files: its segments are "
                         f"not held in memory (load it with tokeff.load_corpus to read {lang})")

    def __contains__(self, lang: object) -> bool:
        return lang in self._langs

    def __iter__(self):
        return iter(self._langs)

    def __len__(self) -> int:
        return len(self._langs)


class StreamingCorpus:
    """A parallel corpus read from its files chunk by chunk (see the module docstring).

    It has what results need from a corpus (``name``, ``split``, ``normalization``, ``langs``,
    ``len()``, ``content_hash()``) and yields aligned in-memory chunks.
    """

    def __init__(self, name: str, langs: list[str], n: int, content_hash: str,
                 partitions: list[Partition], *, split: str = "all",
                 normalization: str = "none", chunk_size: int = DEFAULT_CHUNK_SIZE,
                 reopen: Callable[..., StreamingCorpus] | None = None,
                 non_nfc_langs: Sequence[str] = ()):
        self.name = name
        self._langs = list(langs)
        self._n = n
        self._hash = content_hash
        self.partitions = partitions
        self.split = split
        self.normalization = normalization
        self.chunk_size = chunk_size
        self._reopen = reopen
        self.segments = _LangKeys(self._langs, name)
        #: Languages with text not in NFC (found by the first pass).
        self.non_nfc_langs = list(non_nfc_langs)

    def rechunk(self, chunk_size: int) -> StreamingCorpus:
        """The same corpus in chunks of ``chunk_size`` segments (files are scanned again)."""
        if chunk_size == self.chunk_size:
            return self
        if self._reopen is None:
            raise UsageError(f"corpus {self.name!r} cannot be re-chunked")
        return self._reopen(langs=self.langs, normalization=self.normalization,
                            chunk_size=chunk_size)

    def __repr__(self) -> str:
        return (f"<StreamingCorpus {self.name!r} {len(self._langs)} languages x {self._n} "
                f"segments in {len(self.partitions)} chunks>")

    @property
    def langs(self) -> list[str]:
        return list(self._langs)

    def __len__(self) -> int:
        return self._n

    def content_hash(self) -> str:
        return self._hash

    def iter_chunks(self) -> Iterator[Corpus]:
        """The aligned chunks, in order, each an in-memory :class:`Corpus`."""
        for p in self.partitions:
            yield p.load()

    def select(self, langs: Sequence[str] | None = None, *,
               normalization: str | None = None) -> StreamingCorpus:
        """The corpus restricted to ``langs`` and/or normalised (files are scanned again)."""
        codes = self.langs if langs is None else [resolve_lang(x) for x in langs]
        # [norm] "none" applies nothing more, as Corpus.select: an NFC stream stays NFC
        norm = self.normalization if normalization in (None, "none") else normalization
        if codes == self._langs and norm == self.normalization:
            return self
        if self._reopen is None:
            raise UsageError(f"corpus {self.name!r} cannot be re-selected")
        return self._reopen(langs=codes, normalization=norm, chunk_size=self.chunk_size)

    def load(self) -> Corpus:
        """The whole corpus in memory (for small corpora and tests)."""
        chunks = list(self.iter_chunks())
        segs = {lang: [s for c in chunks for s in c.segments[lang]] for lang in self._langs}
        return Corpus(self.name, segs, split=self.split, normalization=self.normalization)


def _check_norm(normalization: str) -> None:
    if normalization not in NORMALIZATIONS:
        raise UsageError(f"normalization must be one of {', '.join(NORMALIZATIONS)}, "
                         f"not {normalization!r}")


def _check_aligned(name: str, per_file: dict[str, list[int]], where: dict[str, list[Path]],
                   split: str) -> int:
    """Equal segment counts file by file (split by split), as the loaders check."""
    parts = split.split("+") if split != "all" else ["all"]
    ref = next(iter(per_file))
    for i in range(len(per_file[ref])):
        for lang, counts in per_file.items():
            n, m = per_file[ref][i], counts[i]
            if n != m:
                a = ref if n > m else lang
                extra = min(n, m) + 1
                sp = f"{parts[i]} " if len(parts) > 1 or parts[0] != "all" else ""
                raise CorpusError(
                    f"corpus {name!r} is not aligned: {sp}{ref} has {n} segments, {lang} has "
                    f"{m} (first extra: {a} {where[a][i].name} line {extra})")
    total = sum(per_file[ref])
    if total == 0:
        raise CorpusError(f"corpus {name!r} is empty: its languages have no segments")
    return total


def _lines_partitions(name: str, split: str, normalization: str, files: dict[str, list[Path]],
                      scans: dict[str, _Scan], n: int, chunk_size: int) -> list[Partition]:
    parts: list[Partition] = []
    n_chunks = (n + chunk_size - 1) // chunk_size
    for lang in files:
        if len(scans[lang].digests) != n_chunks:
            raise RuntimeError(f"{lang}: {len(scans[lang].digests)} chunk digests for "
                               f"{n_chunks} chunks (a bug)")
    for k in range(n_chunks):
        per_lang = []
        for lang, paths in files.items():
            cuts = scans[lang].cuts
            fa, oa = cuts[k]
            fb, ob = cuts[k + 1] if k + 1 < len(cuts) else (len(paths) - 1, -1)
            pieces = []
            for fi in range(fa, fb + 1):
                start = oa if fi == fa else 0
                stop = ob if fi == fb else -1
                if start == stop:
                    continue
                pieces.append(FilePiece(str(paths[fi]), start, stop))
            per_lang.append((lang, tuple(pieces)))
        parts.append(Partition(name, split, normalization, k * chunk_size,
                               min(n, (k + 1) * chunk_size), "lines", pieces=tuple(per_lang),
                               digests=tuple((lang, scans[lang].digests[k]) for lang in files)))
    return parts


def _open_lines(name: str, files: dict[str, list[Path]], *, split: str, normalization: str,
                chunk_size: int, reopen: Callable[..., StreamingCorpus]) -> StreamingCorpus:
    _check_norm(normalization)
    per_file = {lang: [_count_lines(p) for p in paths] for lang, paths in files.items()}
    _check_aligned(name, per_file, files, split)
    h = ContentHasher()
    scans: dict[str, _Scan] = {}
    for lang, paths in files.items():
        scans[lang] = _scan_lines(paths, per_file[lang], chunk_size, h, normalization, lang)
    n = scans[next(iter(scans))].n
    parts = _lines_partitions(name, split, normalization, files, scans, n, chunk_size)
    return StreamingCorpus(name, list(files), n, h.hexdigest(), parts, split=split,
                           normalization=normalization, chunk_size=chunk_size, reopen=reopen,
                           non_nfc_langs=[lang for lang in files if not scans[lang].nfc])


def open_flores_dir(path: str | os.PathLike, *, split: str = "dev+devtest",
                    langs: Sequence[str] | None = None, name: str | None = None,
                    normalization: str = "none",
                    chunk_size: int = DEFAULT_CHUNK_SIZE) -> StreamingCorpus:
    """Stream a FLORES-style directory (``dev/<code>.dev``, ``devtest/<code>.devtest``)."""
    root = Path(path)
    if split not in FLORES_SPLITS:
        raise UsageError(f"split must be one of {', '.join(FLORES_SPLITS)}, not {split!r}")
    parts = split.split("+")
    wanted = None if langs is None else {resolve_lang(x) for x in langs}
    files: dict[str, list[Path]] = {}
    for part in parts:
        d = flores_part(root, part)
        seen = SourceLanguages(str(d), "file")  # [lang] each language once
        for f in sorted(d.glob(f"*.{part}")):
            code = seen.add(_code_from_stem(f.name[: -len(part) - 1], f), repr(f.name))
            if wanted is None or code in wanted:
                files.setdefault(code, []).append(f)
    for code in files:
        for part in parts:
            if not (root / part / f"{code}.{part}").is_file():
                raise CorpusError(f"{root}: {code} has no {part}/{code}.{part} file, so it "
                                  f"cannot be measured on split {split!r}")
    files = _order(files, langs, str(root))
    nm = name or flores_name(root)

    def reopen(**kw):
        return open_flores_dir(root, split=split, name=nm, **kw)

    return _open_lines(nm, files, split=split, normalization=normalization,
                       chunk_size=chunk_size, reopen=reopen)


def open_txt_dir(path: str | os.PathLike, *, langs: Sequence[str] | None = None,
                 name: str | None = None, normalization: str = "none",
                 chunk_size: int = DEFAULT_CHUNK_SIZE) -> StreamingCorpus:
    """Stream a directory of ``<code>.txt`` files (one segment per line)."""
    root = Path(path)
    wanted = None if langs is None else {resolve_lang(x) for x in langs}
    files: dict[str, list[Path]] = {}
    seen = SourceLanguages(str(root), "file")  # [lang] each language once
    for f in sorted(root.glob("*.txt")):
        code = seen.add(_code_from_stem(f.stem, f), repr(f.name))
        if wanted is not None and code not in wanted:
            continue
        files[code] = [f]
    files = _order(files, langs, str(root))
    nm = name or root.name

    def reopen(**kw):
        return open_txt_dir(root, name=nm, **kw)

    return _open_lines(nm, files, split="all", normalization=normalization,
                       chunk_size=chunk_size, reopen=reopen)


def _order(found: dict[str, Any], langs: Sequence[str] | None, where: str) -> dict[str, Any]:
    if not found:
        raise CorpusError(f"{where} holds no language files (expected files named like "
                          f"eng_Latn.txt)" if langs is None else
                          f"{where} has none of the languages asked for: {', '.join(langs)}")
    if langs is None:
        return found
    codes = [resolve_lang(x) for x in langs]
    missing = [c for c in codes if c not in found]
    if missing:
        raise UsageError(f"{where} has no text for {', '.join(missing)}; it has "
                         f"{', '.join(sorted(found))}")
    return {c: found[c] for c in codes}


def open_jsonl(path: str | os.PathLike, *, langs: Sequence[str] | None = None,
               name: str | None = None, split: str = "all", normalization: str = "none",
               chunk_size: int = DEFAULT_CHUNK_SIZE) -> StreamingCorpus:
    """Stream JSONL with one object per aligned segment. The first pass parses each line once;
    the content hash (language by language) is fed from per-language spool files, so memory
    stays flat."""
    _check_norm(normalization)
    p = Path(path)
    wanted = None if langs is None else {resolve_lang(x) for x in langs}
    keys: list[tuple[str, str]] | None = None
    sel: list[tuple[str, str]] = []
    spools: dict[str, Any] = {}
    digests: dict[str, _ChunkDigests] = {}
    non_nfc: set[str] = set()
    cuts: list[int] = []
    n = 0
    form: Any = normalization
    try:
        with _open(p) as f:
            offset = 0
            for lineno, raw in enumerate(f, 1):
                start = offset
                offset += len(raw)
                if lineno == 1 and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[len(codecs.BOM_UTF8):]
                line = _decode(p, raw, start, lineno - 1)
                obj = parse_jsonl_line(p, lineno, line)
                if obj is None:
                    continue
                these = [k for k in obj if k != "id" and not k.startswith("_")]
                if keys is None:
                    keys = []
                    seen = SourceLanguages(f"{p}, line {lineno}", "key")  # each language once
                    for k in these:
                        try:
                            keys.append((k, seen.add(resolve_lang(k), repr(k))))
                        except UsageError as e:
                            raise CorpusError(f"{p}, line {lineno}: key {k!r}: {e}") from None
                    chosen = _order({c: k for k, c in keys if wanted is None or c in wanted},
                                    langs, str(p))
                    sel = [(k, c) for c, k in chosen.items()]
                    for _, c in sel:
                        spools[c] = tempfile.TemporaryFile()
                        digests[c] = _ChunkDigests(chunk_size)
                elif set(these) != {k for k, _ in keys}:
                    a, b = {k for k, _ in keys}, set(these)
                    raise CorpusError(f"{p}, line {lineno}: not aligned with line 1: "
                                      + (f"missing {sorted(a - b)}" if a - b else "")
                                      + (" " if a - b and b - a else "")
                                      + (f"extra {sorted(b - a)}" if b - a else ""))
                for k, c in sel:
                    v = obj[k]
                    if not isinstance(v, str):
                        raise CorpusError(f"{p}, line {lineno}: {k} is {type(v).__name__}, "
                                          f"expected a string")
                    if normalization != "none":
                        v = unicodedata.normalize(form, v)
                    elif c not in non_nfc and not unicodedata.is_normalized("NFC", v):
                        non_nfc.add(c)
                    enc = [v.encode("utf-8")]
                    spools[c].write(segment_bytes(enc))
                    digests[c].add(enc)
                if n % chunk_size == 0:
                    cuts.append(start)
                n += 1
            end = offset
        if keys is None:
            raise CorpusError(f"{p} is empty: expected one JSON object per aligned segment")
        nm = name or p.stem
        if n == 0:
            raise CorpusError(f"corpus {nm!r} is empty: its languages have no segments")
        h = ContentHasher()
        for _, c in sel:  # the content hash goes language by language
            h.language(c, n)
            sp = spools[c]
            sp.seek(0)
            while block := sp.read(_READ):
                h.feed(block)
    finally:
        for sp in spools.values():
            sp.close()
    chunk_digests = {c: d.finish() for c, d in digests.items()}
    keyt = tuple(sel)
    parts = [Partition(nm, split, normalization, i * chunk_size, min(n, (i + 1) * chunk_size),
                       "jsonl", jsonl=(str(p), a, cuts[i + 1] if i + 1 < len(cuts) else end,
                                       keyt),
                       digests=tuple((c, chunk_digests[c][i]) for _, c in sel))
             for i, a in enumerate(cuts)]

    def reopen(**kw):
        return open_jsonl(p, name=nm, split=split, **kw)

    return StreamingCorpus(nm, [c for _, c in sel], n, h.hexdigest(), parts, split=split,
                           normalization=normalization, chunk_size=chunk_size, reopen=reopen,
                           non_nfc_langs=[c for _, c in sel if c in non_nfc])


def from_corpus(corpus: Corpus, chunk_size: int = DEFAULT_CHUNK_SIZE) -> StreamingCorpus:
    """An in-memory corpus seen as a stream of chunks (bounded working memory for counting)."""
    n = len(corpus)
    parts = [Partition(corpus.name, corpus.split, "none", a, min(n, a + chunk_size), "memory",
                       segments=tuple((lang, tuple(v[a:a + chunk_size]))
                                      for lang, v in corpus.segments.items()))
             for a in range(0, n, chunk_size)]

    def reopen(*, langs, normalization, chunk_size):
        return from_corpus(corpus.select(langs, normalization=normalization), chunk_size)

    sc = StreamingCorpus(corpus.name, corpus.langs, n, corpus.content_hash(), parts,
                         split=corpus.split, normalization=corpus.normalization,
                         chunk_size=chunk_size, reopen=reopen,
                         non_nfc_langs=[lang for lang, v in corpus.segments.items()
                                        if not all(unicodedata.is_normalized("NFC", x)
                                                   for x in v)])
    return sc
