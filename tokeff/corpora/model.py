"""The parallel-corpus model, and the rule that a corpus holds each language once."""

from __future__ import annotations

import bisect
import hashlib
import itertools
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from ..errors import CorpusError, UsageError
from ..langs import resolve_lang
from ..tokenizers.base import NORMALIZATIONS


class ContentHasher:
    """The content hash of a corpus (:meth:`Corpus.content_hash`), fed language by language:
    per language its number of items (the code, then the segments), then each item as an 8-byte
    little-endian length and its UTF-8 bytes. Length-prefixed, so no choice of segment text
    (which may hold any separator character) can make two different corpora hash alike. The
    streamed readers feed the same bytes, so a streamed corpus has the same hash.
    """

    def __init__(self) -> None:
        self._h = hashlib.sha256()

    def language(self, lang: str, n_segments: int) -> None:
        code = lang.encode()
        self._h.update((n_segments + 1).to_bytes(8, "little"))
        self._h.update(len(code).to_bytes(8, "little") + code)

    def segments(self, encoded: Sequence[bytes]) -> None:
        self._h.update(segment_bytes(encoded))

    def feed(self, data: bytes) -> None:
        """Segment bytes already in the form of :func:`segment_bytes`."""
        self._h.update(data)

    def hexdigest(self) -> str:
        return self._h.hexdigest()


def segment_bytes(encoded: Sequence[bytes]) -> bytes:
    """UTF-8 segments as hashed: each an 8-byte little-endian length and its bytes."""
    return b"".join([len(x).to_bytes(8, "little") + x for x in encoded])


class LineOrigins(Sequence[str]):
    """Where each segment came from, ``"<file> line <n>"``, spelled out on demand: a corpus read
    from files keeps runs of consecutive lines ``(prefix, first line, count)`` instead of one
    string per segment (most runs never look at them). Equal to the list of its strings.

    >>> o = LineOrigins.lines("dev/eng_Latn.dev line ", 2) + LineOrigins.lines("x line ", 1)
    >>> o[1], o[-1], len(o), o == ["dev/eng_Latn.dev line 1", "dev/eng_Latn.dev line 2",
    ...                            "x line 1"]
    ('dev/eng_Latn.dev line 2', 'x line 1', 3, True)
    """

    __slots__ = ("_ends", "_runs")

    def __init__(self, runs: Iterable[tuple[str, int, int]] = ()):
        self._runs = tuple(r for r in runs if r[2] > 0)
        self._ends = list(itertools.accumulate(r[2] for r in self._runs))

    @classmethod
    def lines(cls, prefix: str, n: int) -> LineOrigins:
        """Lines 1..n of one file: ``prefix`` followed by the line number."""
        return cls([(prefix, 1, n)])

    def __add__(self, other: object) -> LineOrigins | list[str]:
        if isinstance(other, LineOrigins):
            return LineOrigins(self._runs + other._runs)
        if isinstance(other, Sequence) and not isinstance(other, str):
            return list(self) + list(other)
        return NotImplemented

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        n = len(self)
        k = i + n if i < 0 else i
        if not 0 <= k < n:
            raise IndexError(f"origin index {i} out of range ({n} segments)")
        r = bisect.bisect_right(self._ends, k)
        prefix, first, count = self._runs[r]
        return f"{prefix}{first + k - (self._ends[r] - count)}"

    def __iter__(self) -> Iterator[str]:
        for prefix, first, count in self._runs:
            for line in range(first, first + count):
                yield f"{prefix}{line}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LineOrigins) and self._runs == other._runs:
            return True
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LineOrigins({list(self._runs)!r})"

    def __reduce__(self):
        return (LineOrigins, (self._runs,))


class SourceLanguages:
    """The languages a corpus source gives (files of a directory, columns of a table, keys of a
    JSONL object, keys of a dict), each once: two spellings of one language (``cmn_Hans.txt``
    and ``zho_Hans.txt``, columns ``zh`` and ``zho_Hans``) would be measured as two languages,
    so the second is a :class:`CorpusError` naming both.

    >>> seen = SourceLanguages("corpus/", "file")
    >>> seen.add("zho_Hans", "'cmn_Hans.txt'")
    'zho_Hans'
    >>> seen.add("zho_Hans", "'zho_Hans.txt'")
    Traceback (most recent call last):
    ...
    tokeff.errors.CorpusError: corpus/: files 'cmn_Hans.txt' and 'zho_Hans.txt' both give \
zho_Hans, so zho_Hans appears twice; a corpus holds each language once: remove or rename one of them
    """

    def __init__(self, where: str, noun: str) -> None:
        self.where = where
        self.noun = noun
        self.given: dict[str, str] = {}  # code -> the label of what gave it first

    def add(self, code: str, label: str) -> str:
        """Record that ``label`` (a file name, column, key) gives the language ``code``."""
        first = self.given.setdefault(code, label)
        if first != label:
            raise CorpusError(f"{self.where}: {self.noun}s {first} and {label} both give {code}, "
                              f"so {code} appears twice; a corpus holds each language once: "
                              f"remove or rename one of them")
        return code


@dataclass
class Corpus:
    """A parallel corpus: languages, each an aligned sequence of segments.

    ``origins`` (optional) gives, per language, where each segment came from (``file:line``), so
    errors and drill-downs can point at the source. Languages may be given in any spelling
    (``cmn_Hans``, ``zh``); they are resolved to their codes, and two spellings of one language
    are a :class:`CorpusError`.

    >>> c = Corpus("demo", {"eng_Latn": ["Hello.", "Bye."], "fra_Latn": ["Bonjour.", "Salut."]})
    >>> c.langs, len(c)
    (['eng_Latn', 'fra_Latn'], 2)
    """

    name: str
    segments: dict[str, list[str]]
    split: str = "all"
    normalization: str = "none"
    origins: dict[str, Sequence[str]] | None = field(default=None, repr=False)
    _hash: str | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.segments:
            raise CorpusError(f"corpus {self.name!r} is empty: it has no languages")
        self._canonical_langs()
        counts = {lang: len(s) for lang, s in self.segments.items()}
        ref_lang = next(iter(counts))
        for lang, n in counts.items():
            if n != counts[ref_lang]:
                a, b = (ref_lang, lang) if counts[ref_lang] > n else (lang, ref_lang)
                extra_idx = counts[b]
                where = self.origins[a][extra_idx] if self.origins else f"segment {extra_idx + 1}"
                raise CorpusError(
                    f"corpus {self.name!r} is not aligned: {ref_lang} has {counts[ref_lang]} "
                    f"segments, {lang} has {n} (first extra: {a} {where}: "
                    f"{self.segments[a][extra_idx][:60]!r})"
                )
        if counts[ref_lang] == 0:
            raise CorpusError(f"corpus {self.name!r} is empty: its languages have no segments")
        if self.normalization not in NORMALIZATIONS:
            raise UsageError(f"normalization must be one of {', '.join(NORMALIZATIONS)}, "
                             f"not {self.normalization!r}")

    def _canonical_langs(self) -> None:
        """Key segments (and origins) by language code, whatever spelling the caller used."""
        codes = [resolve_lang(k) for k in self.segments]
        if codes == list(self.segments):
            return
        seen = SourceLanguages(f"corpus {self.name!r}", "language")
        for k, code in zip(self.segments, codes):
            seen.add(code, repr(k))
        self.segments = {c: v for c, v in zip(codes, self.segments.values())}
        if self.origins is not None:
            self.origins = {resolve_lang(k): v for k, v in self.origins.items()}

    @property
    def langs(self) -> list[str]:
        return list(self.segments)

    def __len__(self) -> int:
        return len(next(iter(self.segments.values())))

    def __getitem__(self, lang: str) -> list[str]:
        code = resolve_lang(lang)
        if code not in self.segments:
            raise UsageError(
                f"language {lang!r} ({code}) is not in corpus {self.name!r}; it has "
                f"{len(self.segments)} languages: {', '.join(self.langs[:20])}"
                + (" ..." if len(self.segments) > 20 else "")
            )
        return self.segments[code]

    def select(self, langs: Iterable[str] | None = None, *,
               normalization: str | None = None) -> Corpus:
        """A corpus restricted to ``langs`` (codes or aliases, in that order) and/or normalised.

        Normalisation (``none``/``NFC``/``NFKC``) is applied to the text here, so tokenizers,
        character counts and words all see the same text; it is recorded in the signature.
        ``none`` applies nothing more: a corpus already normalised (the embedded UDHR is NFC
        at source) stays so. NFKC may follow NFC (NFKC of NFC text is NFKC of the original);
        NFC after NFKC is refused, as the text would stay NFKC.
        """
        codes = self.langs if langs is None else [resolve_lang(x) for x in langs]
        seen: set[str] = set()
        for c in codes:
            self[c]  # raises a clear error for unknown languages
            if c in seen:
                raise UsageError(f"language {c} is listed twice")
            seen.add(c)
        norm = normalization or "none"
        if norm not in NORMALIZATIONS:
            raise UsageError(f"normalization must be one of {', '.join(NORMALIZATIONS)}, "
                             f"not {norm!r}")
        if norm == "none":
            norm = self.normalization
        elif self.normalization not in ("none", norm) and (self.normalization, norm) != (
                "NFC", "NFKC"):
            raise UsageError(f"corpus {self.name!r} is already {self.normalization}-normalised, "
                             f"so it cannot be measured as {norm}")
        segs = {c: self.segments[c] for c in codes}
        if norm != self.normalization:
            segs = {c: [unicodedata.normalize(norm, s) for s in v] for c, v in segs.items()}
        origins = {c: self.origins[c] for c in codes} if self.origins else None
        return Corpus(self.name, segs, split=self.split, normalization=norm, origins=origins)

    def content_hash(self) -> str:
        """sha256 over the languages and segments actually measured (order-sensitive)."""
        if self._hash is None:
            h = ContentHasher()
            for lang in self.langs:
                h.language(lang, len(self.segments[lang]))
                h.segments([s.encode("utf-8") for s in self.segments[lang]])
            self._hash = h.hexdigest()
        return self._hash

    def shard(self, start: int, stop: int) -> Corpus:
        """The aligned segments ``start:stop`` of every language (a shard of the corpus)."""
        segs = {c: v[start:stop] for c, v in self.segments.items()}
        origins = {c: v[start:stop] for c, v in self.origins.items()} if self.origins else None
        return Corpus(self.name, segs, split=self.split, normalization=self.normalization,
                      origins=origins)

    @classmethod
    def from_dict(cls, name: str, data: Mapping[str, Sequence[str]], **kw) -> Corpus:
        """Build from ``{lang: [segments]}``; language aliases are resolved."""
        segs: dict[str, list[str]] = {}
        seen = SourceLanguages(f"corpus {name!r}", "language")
        for lang, values in data.items():
            code = seen.add(resolve_lang(lang), repr(lang))
            if isinstance(values, str):
                raise CorpusError(f"corpus {name!r}: {code} must be a list of segments, not a "
                                  f"single string")
            vals = list(values)
            for i, v in enumerate(vals):
                if not isinstance(v, str):
                    raise CorpusError(f"corpus {name!r}: {code} segment {i + 1} is "
                                      f"{type(v).__name__}, not text")
            segs[code] = vals
        return cls(name, segs, **kw)
