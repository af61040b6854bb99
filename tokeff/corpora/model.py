"""The parallel-corpus model."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
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


@dataclass
class Corpus:
    """A parallel corpus: languages, each an aligned sequence of segments.

    ``origins`` (optional) gives, per language, where each segment came from (``file:line``), so
    errors and drill-downs can point at the source.

    >>> c = Corpus("demo", {"eng_Latn": ["Hello.", "Bye."], "fra_Latn": ["Bonjour.", "Salut."]})
    >>> c.langs, len(c)
    (['eng_Latn', 'fra_Latn'], 2)
    """

    name: str
    segments: dict[str, list[str]]
    split: str = "all"
    normalization: str = "none"
    origins: dict[str, list[str]] | None = field(default=None, repr=False)
    _hash: str | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.segments:
            raise CorpusError(f"corpus {self.name!r} is empty: it has no languages")
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
        """
        codes = self.langs if langs is None else [resolve_lang(x) for x in langs]
        seen: set[str] = set()
        for c in codes:
            self[c]  # raises a clear error for unknown languages
            if c in seen:
                raise UsageError(f"language {c} is listed twice")
            seen.add(c)
        norm = normalization or self.normalization
        if norm not in NORMALIZATIONS:
            raise UsageError(f"normalization must be one of {', '.join(NORMALIZATIONS)}, "
                             f"not {norm!r}")
        if self.normalization != "none" and norm != self.normalization:
            raise UsageError(f"corpus {self.name!r} is already {self.normalization}-normalised")
        segs = {c: self.segments[c] for c in codes}
        if norm != "none" and self.normalization == "none":
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
        for lang, values in data.items():
            code = resolve_lang(lang)
            if code in segs:
                raise CorpusError(f"corpus {name!r}: language {code} appears twice "
                                  f"(as {lang!r})")
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
