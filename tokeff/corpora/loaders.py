"""Corpus loaders: FLORES-style directories, ``<code>.txt`` directories, TSV/CSV, JSONL; where
the named corpora live (the embedded UDHR, a local FLORES-200). Which loader a spec means is
decided in one place, :mod:`tokeff.corpora.spec`."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..errors import CorpusError, UsageError
from ..langs import resolve_lang
from ..registry import Registry
from .model import Corpus, LineOrigins, SourceLanguages

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
    text = text.removeprefix("\ufeff")
    # (looking for one character is ~7x faster than replace() finding nothing to replace)
    return text.replace("\r\n", "\n") if "\r" in text else text


def check_line_endings(path: str | os.PathLike[str], bare_cr: int, lf: int) -> None:
    """Refuse a file whose lines end in a lone carriage return (classic Mac OS), which a reader
    splitting on line feeds would take for one long segment: more lone CRs (not part of a CR LF)
    than LFs. A CR inside a segment of an LF file stays text."""
    if bare_cr > lf:
        raise CorpusError(
            f"{path}: the file uses CR line endings (classic Mac OS): {bare_cr} carriage "
            f"returns and {lf} line feeds, so it would be read as {lf + 1} segment(s) instead "
            f"of one per line. Convert it to LF line endings (e.g. tr '\\r' '\\n' < old "
            f"> new, or dos2unix -c mac).")


def read_lines(path: Path) -> list[str]:
    """Segments of a one-segment-per-line file (only ``\\n`` separates lines; a final newline
    ends the last line; empty lines are empty segments). A file with CR-only line endings is
    an error (:func:`check_line_endings`)."""
    text = read_text(path)
    if "\r" in text:  # (read_text made CR LF into LF: any CR left is a lone one)
        check_line_endings(path, text.count("\r"), text.count("\n"))
    if text == "":
        return []
    lines = text.split("\n")
    if lines[-1] == "":  # a final newline ends the last line (no copy of the text to drop it)
        lines.pop()
    return lines


def _origins(path: Path, n: int, folder: str = "") -> LineOrigins:
    return LineOrigins.lines(f"{folder}{path.name} line ", n)


def _sorted_names(d: Path, suffix: str) -> list[str]:
    """Names of the entries of ``d`` ending in ``suffix``, sorted (the order of
    ``sorted(d.glob("*" + suffix))``, without a Path per entry: most are not asked for)."""
    with os.scandir(d) as it:
        return sorted(e.name for e in it if e.name.endswith(suffix))


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


def _code_from_stem(stem: str, path: Path, name: str | None = None) -> str:
    """The language a file name gives; the file is ``path`` (or ``path / name``)."""
    try:
        return resolve_lang(stem)
    except UsageError as e:
        where = path / name if name is not None else path
        raise CorpusError(f"{where}: the file name does not name a language ({e})") from None


def load_flores_dir(path: str | Path, *, split: str = "dev+devtest",
                    langs: Sequence[str] | None = None, name: str | None = None) -> Corpus:
    """A FLORES-style directory: ``dev/<code>.dev`` and ``devtest/<code>.devtest``."""
    root = Path(path)
    if split not in FLORES_SPLITS:
        raise UsageError(f"split must be one of {', '.join(FLORES_SPLITS)}, not {split!r}")
    parts = split.split("+")
    name = name or flores_name(root)
    wanted = _resolve_wanted(langs)
    segs: dict[str, list[str]] = {}
    origins: dict[str, LineOrigins] = {}
    available: set[str] = set()
    for part in parts:
        d = flores_part(root, part)
        part_segs: dict[str, list[str]] = {}
        part_origins: dict[str, LineOrigins] = {}
        seen = SourceLanguages(str(d), "file")  # [lang] each language once
        for fname in _sorted_names(d, f".{part}"):
            code = seen.add(_code_from_stem(fname[: -len(part) - 1], d, fname), repr(fname))
            available.add(code)
            if not _want(code, wanted):
                continue
            f = d / fname
            part_segs[code] = read_lines(f)
            part_origins[code] = _origins(f, len(part_segs[code]), f"{part}/")
        # Alignment is checked per split: in dev+devtest, a dev file one line longer and a
        # devtest file one line shorter would add up to equal totals, and a concatenated
        # check would point at the wrong line.
        if len({len(v) for v in part_segs.values()}) > 1:
            Corpus(name, part_segs, split=part, origins=part_origins)  # raises the precise error
        for code, lines in part_segs.items():
            segs.setdefault(code, []).extend(lines)
            origins[code] = origins.get(code, LineOrigins()) + part_origins[code]
    # A language present in one split only is a misaligned corpus.
    for code in segs:
        for part in parts:
            if not (root / part / f"{code}.{part}").is_file():
                raise CorpusError(f"{root}: {code} has no {part}/{code}.{part} file, so it "
                                  f"cannot be measured on split {split!r}")
    return _finish(name, segs, origins, langs, split, str(root), available,
                   f"files named like {parts[0]}/eng_Latn.{parts[0]}")


def flores_part(root: Path, part: str) -> Path:
    """The directory of one split of a FLORES-style directory (``root/dev``), or an error
    saying what is there instead."""
    d = root / part
    if d.is_dir():
        return d
    if d.exists():
        raise CorpusError(f"{root} is not a FLORES-style directory: {d} is a file, expected a "
                          f"directory of {part} files (such as {part}/eng_Latn.{part})")
    raise CorpusError(f"{root} is not a FLORES-style directory: {d} is missing")


def load_txt_dir(path: str | Path, *, langs: Sequence[str] | None = None,
                 name: str | None = None) -> Corpus:
    """A directory of ``<code>.txt`` files, one segment per line, aligned by line number."""
    root = Path(path)
    wanted = _resolve_wanted(langs)
    segs: dict[str, list[str]] = {}
    origins: dict[str, list[str]] = {}
    available: set[str] = set()
    seen = SourceLanguages(str(root), "file")  # [lang] each language once
    for f in sorted(root.glob("*.txt")):
        code = seen.add(_code_from_stem(f.stem, f), repr(f.name))
        available.add(code)
        if not _want(code, wanted):
            continue
        segs[code] = read_lines(f)
        origins[code] = _origins(f, len(segs[code]))
    return _finish(name or root.name, segs, origins, langs, "all", str(root), available)


def load_table(path: str | Path, *, langs: Sequence[str] | None = None,
               name: str | None = None) -> Corpus:
    """A TSV or CSV file with a header row of language codes (an ``id`` column is ignored).

    TSV has no quoting: every character between tabs is text, quotes included (a sentence that
    is a quotation keeps its quotes). A file written with CSV quoting under a .tsv name (a
    quoted header, or a quoted field with doubled quotes ``""`` inside) is an error naming the
    line and column, since its quotes would otherwise be measured as text. CSV follows RFC 4180
    strictly: a quote opened and never closed is an error naming the line where it opened.
    """
    path = Path(path)
    text = read_text(path)
    delim = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    if delim == "\t":
        # TSV has no quoting: a line is a row and a tab separates fields. (The csv module
        # would fail on a carriage return inside a field and caps the size of a field.)
        check_line_endings(path, text.count("\r"), text.count("\n"))
        body = text.removesuffix("\n")
        rows = [line.split("\t") for line in body.split("\n")] if body else []
        starts = list(range(1, len(rows) + 1))
        _no_csv_quoting(path, rows)
    else:
        rows, starts = _read_csv(path, text, delim)
    if not rows:
        raise CorpusError(f"{path} is empty: expected a header row of language codes")
    header = rows[0]
    cols: list[tuple[int, str]] = []
    seen = SourceLanguages(f"{path}, line 1", "column")  # [lang] each language once
    for i, h in enumerate(header):
        if h.strip().lower() in ("id", "") or h.startswith("_"):
            continue
        try:
            code = resolve_lang(h)
        except UsageError as e:
            raise CorpusError(f"{path}, line 1, column {i + 1}: {e}") from None
        cols.append((i, seen.add(code, f"{i + 1} ({h!r})")))
    wanted = _resolve_wanted(langs)
    segs = {c: [] for _, c in cols if _want(c, wanted)}
    origins = {c: [] for c in segs}
    for k, row in enumerate(rows[1:], 1):
        lineno = starts[k]
        if len(row) != len(header):
            end = (starts[k + 1] if k + 1 < len(rows) else text.count("\n") + 1) - 1
            spans = f" (the row runs to line {end}: a quoted field holds a line break; an " \
                    f"unterminated quote?)" if end > lineno else ""
            raise CorpusError(f"{path}, line {lineno}: {len(row)} fields, but the header has "
                              f"{len(header)}{spans} (a stray "
                              f"{'tab' if delim == chr(9) else 'comma'} or a missing field?)")
        for i, c in cols:
            if c in segs:
                segs[c].append(row[i])
                origins[c].append(f"{path.name} line {lineno}")
    return _finish(name or path.stem, segs, origins, langs, "all", str(path),
                   [c for _, c in cols], "a header row of language codes such as eng_Latn")


def _read_csv(path: Path, text: str, delim: str) -> tuple[list[list[str]], list[int]]:
    """Rows of a CSV text and the line each starts on. Strict: a closing quote followed by
    text, or a quote never closed, is an error (lenient parsing would silently glue the rest
    of the file into one field)."""
    reader = csv.reader(io.StringIO(text), delimiter=delim, strict=True)
    rows: list[list[str]] = []
    starts: list[int] = []
    end = 0  # the line the previous row ended on
    try:
        for row in reader:
            rows.append(row)
            starts.append(end + 1)
            end = reader.line_num
    except csv.Error as e:
        start = end + 1
        if "unexpected end of data" in str(e):
            raise CorpusError(
                f"{path}, line {start}: unterminated quote: a quoted field opened in the row "
                f"starting on this line is never closed (it runs to the end of the file, line "
                f"{reader.line_num}). Close the quote, or double a quote that is text "
                f"(\"\")") from None
        raise CorpusError(
            f"{path}, line {reader.line_num}: not valid CSV ({e}"
            + (f"; the row starts on line {start}" if reader.line_num > start else "")
            + "); a field that holds commas, quotes or line breaks must be quoted whole, with "
              "quotes inside doubled (\"\")") from None
    return rows, starts


def _no_csv_quoting(path: Path, rows: list[list[str]]) -> None:
    """Refuse CSV quoting in a TSV file (see :func:`load_table`)."""
    for i, h in enumerate(rows[0] if rows else []):
        if len(h) >= 2 and h[0] == h[-1] == '"':
            raise CorpusError(
                f"{path}, line 1, column {i + 1}: the header field {h} is in double quotes, "
                f"but TSV has no quoting (the quotes of every field would be measured as "
                f"text). Save the file as .csv to keep CSV quoting, or write it without "
                f"quotes.")
    for lineno, row in enumerate(rows[1:], 2):
        for i, f in enumerate(row):
            if len(f) >= 2 and f[0] == f[-1] == '"' and (f == '""' or '""' in f[1:-1]):
                raise CorpusError(
                    f"{path}, line {lineno}, column {i + 1}: the field {_clip(f)} looks "
                    f"CSV-quoted (in double quotes, with quotes inside doubled), but TSV has no "
                    f"quoting, so the quotes would be measured as text. Save the file as .csv "
                    f"to keep CSV quoting, or write the text without it.")


def _clip(s: str, n: int = 40) -> str:
    return s if len(s) <= n else s[:n] + "..."


def parse_jsonl_line(path: str | os.PathLike[str], lineno: int, line: str) -> dict | None:
    """One line of an aligned JSONL corpus: its object, or None for a blank line. Invalid JSON,
    a non-object, a key given twice and a lone surrogate escape (``"\\ud800"``, which is not
    text) are each a :class:`CorpusError` naming the file and line."""
    if not line.strip():
        return None
    try:
        obj = json.loads(line, object_pairs_hook=_no_duplicate_keys)
    except _DuplicateKey as e:
        raise CorpusError(f"{path}, line {lineno}: key {e.args[0]!r} appears twice in one "
                          f"object; JSON would keep only the last value. Remove one of "
                          f"them.") from None
    except json.JSONDecodeError as e:
        raise CorpusError(f"{path}, line {lineno}: invalid JSON ({e.msg} at column "
                          f"{e.colno})") from None
    if not isinstance(obj, dict):
        raise CorpusError(f"{path}, line {lineno}: expected a JSON object per line")
    if "\\u" in line:  # only an escape can give a lone surrogate in decoded UTF-8 text
        for k, v in obj.items():
            if isinstance(v, str) and _SURROGATE.search(v):
                at = _SURROGATE.search(v).start()  # type: ignore[union-attr]
                raise CorpusError(
                    f"{path}, line {lineno}: {k} holds a lone surrogate "
                    f"(\\u{ord(v[at]):04x} at character {at + 1}), which is not valid "
                    f"Unicode text; fix the escape (a pair such as \\ud83d\\ude00 is fine)")
    return obj


class _DuplicateKey(Exception):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    out: dict = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKey(k)
        out[k] = v
    return out


_SURROGATE = re.compile("[\ud800-\udfff]")


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
    key_set: set[str] = set()
    where = path.name  # (a Path computes its name on every call)
    for lineno, line in enumerate(text.split("\n"), 1):
        obj = parse_jsonl_line(path, lineno, line)
        if obj is None:
            continue
        these = [(k, k) for k in obj if k != "id" and not k.startswith("_")]
        if keys is None:
            keys = []
            seen = SourceLanguages(f"{path}, line {lineno}", "key")  # [lang] each language once
            for k, _ in these:
                try:
                    code = resolve_lang(k)
                except UsageError as e:
                    raise CorpusError(f"{path}, line {lineno}: key {k!r}: {e}") from None
                keys.append((k, seen.add(code, repr(k))))
            for _, c in keys:
                if _want(c, wanted):
                    segs[c] = []
                    origins[c] = []
            key_set = {k for k, _ in keys}
        elif {k for k, _ in these} != key_set:
            a = key_set
            b = {k for k, _ in these}
            raise CorpusError(
                f"{path}, line {lineno}: not aligned with line 1: "
                + (f"missing {sorted(a - b)}" if a - b else "")
                + (" " if a - b and b - a else "")
                + (f"extra {sorted(b - a)}" if b - a else "")
            )
        origin = f"{where} line {lineno}"
        for k, c in keys:
            if c in segs:
                v = obj[k]
                if not isinstance(v, str):
                    raise CorpusError(f"{path}, line {lineno}: {k} is {type(v).__name__}, "
                                      "expected a string")
                segs[c].append(v)
                origins[c].append(origin)
    if keys is None:
        raise CorpusError(f"{path} is empty: expected one JSON object per aligned segment")
    return _finish(name or path.stem, segs, origins, langs, split, str(path),
                   [c for _, c in keys], "objects keyed by language codes such as eng_Latn")


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


def flores_name(root: Path) -> str:
    """The corpus name of a FLORES-style directory: ``flores200`` for the local FLORES-200 copy
    (however it is reached), else ``flores:<directory name>``."""
    d = flores_dir()
    try:
        if d is not None and root.resolve() == d.resolve():
            return "flores200"
    except OSError:
        pass
    return f"flores:{root.resolve().name}"


#: The embedded UDHR is shipped composed (corpora/udhr/MANIFEST.json "normalization"), so its
#: text is NFC whatever normalisation is asked for, and its signature says norm:NFC.
UDHR_NORMALIZATION = "NFC"


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


DEFAULT_CORPUS = "udhr"
