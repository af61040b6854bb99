"""Corpus loaders: FLORES-style directories, ``<code>.txt`` directories, TSV/CSV, JSONL, and the
named corpora (the embedded UDHR, a local FLORES-200)."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..errors import CorpusError, UsageError
from ..langs import resolve_lang
from ..registry import Registry
from .inmemory import load_text  # issue 15: a single .txt file is a one-language corpus
from .model import Corpus

CORPORA: Registry[Corpus] = Registry("corpus", "tokeff.corpora")

FLORES_SPLITS = ("dev", "devtest", "dev+devtest")
UDHR_SPLITS = ("articles", "paragraphs")


def read_text(path: Path) -> str:
    """Read a UTF-8 file strictly: a BOM is dropped, CRLF becomes LF, invalid UTF-8 is an error
    naming the file and byte offset."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CorpusError(f"file not found: {path}") from None
    except OSError as e:
        raise CorpusError(f"cannot read {path}: {e.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise CorpusError(
            f"{path}: invalid UTF-8 at byte offset {e.start} (line {line}): "
            f"{raw[e.start:e.start + 4]!r}. Convert the file to UTF-8 (e.g. iconv -f LATIN1 -t UTF-8)."
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n")


def read_lines(path: Path) -> list[str]:
    """Segments of a one-segment-per-line file (only ``\\n`` separates lines; a final newline
    ends the last line; empty lines are empty segments)."""
    text = read_text(path)
    if text == "":
        return []
    if text.endswith("\n"):
        text = text[:-1]
    return text.split("\n")


def _origins(path: Path, n: int) -> list[str]:
    name = path.name
    return [f"{name} line {i}" for i in range(1, n + 1)]


def _want(code: str, langs: set[str] | None) -> bool:
    return langs is None or code in langs


def _resolve_wanted(langs: Sequence[str] | None) -> set[str] | None:
    return None if langs is None else {resolve_lang(x) for x in langs}


def _finish(name: str, segs: dict[str, list[str]], origins: dict[str, list[str]],
            langs: Sequence[str] | None, split: str, where: str,
            available: Iterable[str] = (),
            expected: str = "files named like eng_Latn.txt") -> Corpus:
    """Order the languages asked for and build the corpus. ``available`` holds every language
    the source has (``segs`` only those asked for), so errors can say what there is."""
    have = sorted(set(available) | set(segs))
    if not have:
        raise CorpusError(f"{where} holds no languages (expected {expected})")
    if langs is not None:
        missing = [resolve_lang(x) for x in langs if resolve_lang(x) not in segs]
        if missing:
            err = CorpusError if not segs else UsageError
            raise err(f"{where} has no text for {', '.join(missing)}; it has "
                      f"{', '.join(have)}")
        order = [resolve_lang(x) for x in langs]
        segs = {c: segs[c] for c in order}
        origins = {c: origins[c] for c in order}
    return Corpus(name, segs, split=split, origins=origins)


def _code_from_stem(stem: str, path: Path) -> str:
    try:
        return resolve_lang(stem)
    except UsageError as e:
        raise CorpusError(f"{path}: the file name does not name a language ({e})") from None


def load_flores_dir(path: str | Path, *, split: str = "dev+devtest",
                    langs: Sequence[str] | None = None, name: str | None = None) -> Corpus:
    """A FLORES-style directory: ``dev/<code>.dev`` and ``devtest/<code>.devtest``."""
    root = Path(path)
    if split not in FLORES_SPLITS:
        raise UsageError(f"split must be one of {', '.join(FLORES_SPLITS)}, not {split!r}")
    parts = split.split("+")
    name = name or f"flores:{root.name}"
    wanted = _resolve_wanted(langs)
    segs: dict[str, list[str]] = {}
    origins: dict[str, list[str]] = {}
    available: set[str] = set()
    for part in parts:
        d = root / part
        if not d.is_dir():
            raise CorpusError(f"{root} is not a FLORES-style directory: {d} is missing")
        part_segs: dict[str, list[str]] = {}
        part_origins: dict[str, list[str]] = {}
        for f in sorted(d.glob(f"*.{part}")):
            code = _code_from_stem(f.name[: -len(part) - 1], f)
            available.add(code)
            if not _want(code, wanted):
                continue
            if code in part_segs:
                raise CorpusError(f"{d}: two files give {code} ({f.name} and another alias)")
            part_segs[code] = read_lines(f)
            part_origins[code] = [f"{part}/{o}" for o in _origins(f, len(part_segs[code]))]
        # Alignment is checked per split: in dev+devtest, a dev file one line longer and a
        # devtest file one line shorter would add up to equal totals, and a concatenated
        # check would point at the wrong line.
        if len({len(v) for v in part_segs.values()}) > 1:
            Corpus(name, part_segs, split=part, origins=part_origins)  # raises the precise error
        for code, lines in part_segs.items():
            segs.setdefault(code, []).extend(lines)
            origins.setdefault(code, []).extend(part_origins[code])
    # A language present in one split only is a misaligned corpus.
    for code in segs:
        for part in parts:
            if not (root / part / f"{code}.{part}").is_file():
                raise CorpusError(f"{root}: {code} has no {part}/{code}.{part} file, so it "
                                  f"cannot be measured on split {split!r}")
    return _finish(name, segs, origins, langs, split, str(root), available,
                   f"files named like {parts[0]}/eng_Latn.{parts[0]}")


def load_txt_dir(path: str | Path, *, langs: Sequence[str] | None = None,
                 name: str | None = None) -> Corpus:
    """A directory of ``<code>.txt`` files, one segment per line, aligned by line number."""
    root = Path(path)
    wanted = _resolve_wanted(langs)
    segs: dict[str, list[str]] = {}
    origins: dict[str, list[str]] = {}
    available: set[str] = set()
    for f in sorted(root.glob("*.txt")):
        code = _code_from_stem(f.stem, f)
        available.add(code)
        if not _want(code, wanted):
            continue
        if code in segs:
            raise CorpusError(f"{root}: two files give {code} ({f.name} and another alias)")
        segs[code] = read_lines(f)
        origins[code] = _origins(f, len(segs[code]))
    return _finish(name or root.name, segs, origins, langs, "all", str(root), available)


def load_table(path: str | Path, *, langs: Sequence[str] | None = None,
               name: str | None = None) -> Corpus:
    """A TSV or CSV file with a header row of language codes (an ``id`` column is ignored)."""
    path = Path(path)
    text = read_text(path)
    delim = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    if delim == "\t":
        # TSV has no quoting: a line is a row and a tab separates fields. (The csv module
        # would fail on a carriage return inside a field and caps the size of a field.)
        body = text.removesuffix("\n")
        rows = [line.split("\t") for line in body.split("\n")] if body else []
    else:
        reader = csv.reader(io.StringIO(text), delimiter=delim)
        try:
            rows = list(reader)
        except csv.Error as e:
            raise CorpusError(f"{path}, line {reader.line_num}: not valid CSV ({e}); quote "
                              f"fields that hold commas, quotes or line breaks") from None
    if not rows:
        raise CorpusError(f"{path} is empty: expected a header row of language codes")
    header = rows[0]
    cols: list[tuple[int, str]] = []
    for i, h in enumerate(header):
        if h.strip().lower() in ("id", "") or h.startswith("_"):
            continue
        try:
            code = resolve_lang(h)
        except UsageError as e:
            raise CorpusError(f"{path}, line 1, column {i + 1}: {e}") from None
        for j, c in cols:
            if c == code:
                raise CorpusError(f"{path}, line 1: columns {j + 1} ({header[j]!r}) and {i + 1} "
                                  f"({h!r}) both give {code}")
        cols.append((i, code))
    wanted = _resolve_wanted(langs)
    segs = {c: [] for _, c in cols if _want(c, wanted)}
    origins = {c: [] for c in segs}
    for lineno, row in enumerate(rows[1:], 2):
        if len(row) != len(header):
            raise CorpusError(f"{path}, line {lineno}: {len(row)} fields, but the header has "
                              f"{len(header)} (a stray {'tab' if delim == chr(9) else 'comma'} "
                              f"or a missing field?)")
        for i, c in cols:
            if c in segs:
                segs[c].append(row[i])
                origins[c].append(f"{path.name} line {lineno}")
    return _finish(name or path.stem, segs, origins, langs, "all", str(path),
                   [c for _, c in cols], "a header row of language codes such as eng_Latn")


def parse_jsonl_line(path: str | os.PathLike[str], lineno: int, line: str) -> dict | None:
    """One line of an aligned JSONL corpus: its object, or None for a blank line; invalid JSON
    or a non-object is a :class:`CorpusError` naming the file and line."""
    if not line.strip():
        return None
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        raise CorpusError(f"{path}, line {lineno}: invalid JSON ({e.msg} at column "
                          f"{e.colno})") from None
    if not isinstance(obj, dict):
        raise CorpusError(f"{path}, line {lineno}: expected a JSON object per line")
    return obj


def load_jsonl(path: str | Path, *, langs: Sequence[str] | None = None,
               name: str | None = None, split: str = "all") -> Corpus:
    """JSONL with one object per aligned segment, keyed by language (``id`` and ``_*`` keys are
    ignored). Every line must hold the same languages."""
    path = Path(path)
    text = read_text(path)
    wanted = _resolve_wanted(langs)
    segs: dict[str, list[str]] = {}
    origins: dict[str, list[str]] = {}
    keys: list[tuple[str, str]] | None = None
    for lineno, line in enumerate(text.split("\n"), 1):
        obj = parse_jsonl_line(path, lineno, line)
        if obj is None:
            continue
        these = [(k, k) for k in obj if k != "id" and not k.startswith("_")]
        if keys is None:
            keys = []
            for k, _ in these:
                try:
                    code = resolve_lang(k)
                except UsageError as e:
                    raise CorpusError(f"{path}, line {lineno}: key {k!r}: {e}") from None
                for k0, c in keys:
                    if c == code:
                        raise CorpusError(f"{path}, line {lineno}: keys {k0!r} and {k!r} both "
                                          f"give {code}")
                keys.append((k, code))
            for _, c in keys:
                if _want(c, wanted):
                    segs[c] = []
                    origins[c] = []
        elif {k for k, _ in these} != {k for k, _ in keys}:
            a = {k for k, _ in keys}
            b = {k for k, _ in these}
            raise CorpusError(
                f"{path}, line {lineno}: not aligned with line 1: "
                + (f"missing {sorted(a - b)}" if a - b else "")
                + (" " if a - b and b - a else "")
                + (f"extra {sorted(b - a)}" if b - a else "")
            )
        for k, c in keys:
            if c in segs:
                v = obj[k]
                if not isinstance(v, str):
                    raise CorpusError(f"{path}, line {lineno}: {k} is {type(v).__name__}, "
                                      "expected a string")
                segs[c].append(v)
                origins[c].append(f"{path.name} line {lineno}")
    if keys is None:
        raise CorpusError(f"{path} is empty: expected one JSON object per aligned segment")
    return _finish(name or path.stem, segs, origins, langs, split, str(path),
                   [c for _, c in keys], "objects keyed by language codes such as eng_Latn")


def load_path(path: str | Path, *, split: str | None = None,
              langs: Sequence[str] | None = None, name: str | None = None) -> Corpus:
    """Load a corpus from a path, choosing the loader by layout/suffix."""
    p = Path(path)
    if p.is_dir():
        if (p / "dev").is_dir() or (p / "devtest").is_dir():
            return load_flores_dir(p, split=split or "dev+devtest", langs=langs, name=name)
        if split is not None:
            raise UsageError(f"--split applies to FLORES-style directories; {p} is not one")
        return load_txt_dir(p, langs=langs, name=name)
    if not p.exists():
        raise CorpusError(f"corpus not found: {path} is neither a file, a directory nor a named "
                          f"corpus ({', '.join(CORPORA.names())})")
    if split is not None:
        raise UsageError(f"--split does not apply to the file {p}")
    suf = p.suffix.lower()
    if suf in (".tsv", ".csv", ".tab"):
        return load_table(p, langs=langs, name=name)
    if suf in (".jsonl", ".ndjson"):
        return load_jsonl(p, langs=langs, name=name)
    if suf == ".txt":  # issue 15: one language, one segment per line (langs=[code] declares it)
        return load_text(p, langs=langs, name=name)
    raise CorpusError(f"{p}: unknown corpus format {suf!r}; expected a directory, .tsv, .csv, "
                      ".jsonl or a .txt file of one language")


# -- named corpora ---------------------------------------------------------------------------

def embedded_dir(name: str) -> Path:
    """Directory of an embedded corpus: inside the installed package, or the repository's
    ``corpora/`` in a source checkout."""
    here = Path(__file__).resolve().parent.parent
    for cand in (here / "_embedded" / name, here.parent / "corpora" / name):
        if cand.is_dir():
            return cand
    raise CorpusError(f"the embedded corpus {name!r} is missing from this installation "
                      f"(looked in {here / '_embedded' / name}); reinstall tokeff")


def _load_udhr(*, split: str | None = None, langs: Sequence[str] | None = None) -> Corpus:
    split = split or "articles"
    if split not in UDHR_SPLITS:
        raise UsageError(f"the udhr corpus has splits {', '.join(UDHR_SPLITS)}, not {split!r}")
    return load_jsonl(embedded_dir("udhr") / f"{split}.jsonl", langs=langs, name="udhr",
                      split=split)


def flores_dir() -> Path | None:
    """A local FLORES-200 copy: ``$TOKEFF_FLORES200``, else ``../shared/corpora/flores200``
    from the working directory or from the repository root."""
    env = os.environ.get("TOKEFF_FLORES200")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[2]
    for base in (Path.cwd(), repo):
        cand = base.parent / "shared" / "corpora" / "flores200"
        if cand.is_dir():
            return cand
    return None


def _load_flores200(*, split: str | None = None, langs: Sequence[str] | None = None) -> Corpus:
    d = flores_dir()
    if d is None or not d.is_dir():
        raise CorpusError(
            "FLORES-200 is not available locally. It is not shipped with tokeff (CC BY-SA 4.0); "
            "download it and point TOKEFF_FLORES200 at the directory holding dev/ and devtest/"
        )
    return load_flores_dir(d, split=split or "dev+devtest", langs=langs, name="flores200")


CORPORA.register("udhr", _load_udhr)
CORPORA.register("flores200", _load_flores200)

DEFAULT_CORPUS = "udhr"


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
    if isinstance(spec, os.PathLike):
        spec = os.fspath(spec)
    spec = spec or DEFAULT_CORPUS
    # A registered name wins over a file or directory of the same name in the working
    # directory (write ./udhr for the path); a spec with a path separator is always a path.
    looks_like_path = os.sep in spec or "/" in spec or spec.startswith(".")
    base, sep, sp = spec.partition(":")
    if sep and base in CORPORA and not looks_like_path:
        if split and split != sp:
            raise UsageError(f"corpus {spec!r} names split {sp!r} but split={split!r} was given")
        split = sp
        spec = base
    if spec in CORPORA and not looks_like_path:
        corpus = CORPORA.create(spec, split=split, langs=langs)
    else:
        corpus = load_path(spec, split=split, langs=langs)
    return corpus.select(normalization=normalization) if normalization != "none" else corpus
