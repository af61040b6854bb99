"""A tokenizer's vocabulary as bytes, and the difference between two vocabularies.

The bytes come from the tokenizer protocol (:meth:`~tokeff.tokenizers.Tokenizer.vocab_bytes` and
:meth:`~tokeff.tokenizers.Tokenizer.special_tokens`), which holds each backend's one rule for
"token id -> bytes"; this module only stores, packs and compares them.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import TokenizerError
from ..tokenizers import Tokenizer, get_tokenizer


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


@dataclass(frozen=True)
class VocabEntry:
    """One vocabulary entry: its id, the bytes it stands for, and whether it is a special
    (control / added) token, whose bytes are its literal text."""

    id: int
    bytes: bytes
    special: bool = False

    @property
    def text(self) -> str:
        """The bytes as text; bytes that are not valid UTF-8 on their own appear as ``\\xNN``."""
        return self.bytes.decode("utf-8", errors="backslashreplace")

    def to_record(self) -> dict:
        return {"id": self.id, "bytes": _b64(self.bytes), "text": self.text,
                "special": self.special}


class Vocabulary:
    """A tokenizer's vocabulary as ``id -> bytes`` (what each token stands for in UTF-8 text).

    The bytes are the tokenizer's own (:meth:`~tokeff.tokenizers.Tokenizer.vocab_bytes`: GPT-2's
    byte table undone for byte-level BPE, ``▁`` -> space and ``<0xNN>`` -> that byte for
    sentencepiece pieces); special tokens keep their literal text. Comparing vocabularies as
    bytes, not display strings, is what makes a diff meaningful across backends and
    representations.

    >>> v = Vocabulary([VocabEntry(1, b" the"), VocabEntry(0, b"\\xe4", True)])
    >>> v.token_bytes(1), len(v), v.entries[0].special
    (b' the', 2, True)
    """

    def __init__(self, entries: Iterable[VocabEntry] = (), *, size: int | None = None):
        es = sorted(entries, key=lambda e: e.id)
        self._set([e.id for e in es], [e.bytes for e in es], [e.special for e in es], size)

    @classmethod
    def from_lists(cls, ids: Sequence[int], tokens: Sequence[bytes], special: Sequence[bool], *,
                   size: int | None = None) -> Vocabulary:
        """From parallel lists (any order)."""
        order = np.argsort(np.asarray(ids, dtype=np.int64), kind="stable")
        v = cls.__new__(cls)
        v._set([int(ids[i]) for i in order], [tokens[i] for i in order],
               [bool(special[i]) for i in order], size)
        return v

    def _set(self, ids: list[int], tokens: list[bytes], special: list[bool],
             size: int | None) -> None:
        self.ids, self.tokens, self.special = ids, tokens, special
        self.size = int(size if size is not None else len(ids))
        self._pos: dict[int, int] | None = None
        self._entries: list[VocabEntry] | None = None

    @property
    def entries(self) -> list[VocabEntry]:
        """The entries in id order."""
        if self._entries is None:
            self._entries = list(map(VocabEntry, self.ids, self.tokens, self.special))
        return self._entries

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        return f"<Vocabulary {len(self.ids)} entries>"

    def _index(self, token_id: int) -> int | None:
        if self._pos is None:
            self._pos = {i: k for k, i in enumerate(self.ids)}
        return self._pos.get(int(token_id))

    def token_bytes(self, token_id: int) -> bytes | None:
        k = self._index(token_id)
        return None if k is None else self.tokens[k]

    def token_text(self, token_id: int) -> str:
        """Display text of a token id (bytes that are not UTF-8 alone as ``\\xNN``;
        ``<id N?>`` when the id is unknown)."""
        k = self._index(token_id)
        if k is None:
            return f"<id {token_id}?>"
        return self.tokens[k].decode("utf-8", errors="backslashreplace")

    def _payload(self) -> bytes:
        """Binary layout (little-endian): int32 ids[n], uint32 byte lengths[n], uint8
        special[n], then the token bytes one after the other, in id order."""
        n = len(self.ids)
        lens = np.fromiter(map(len, self.tokens), dtype="<u4", count=n)
        return (np.asarray(self.ids, dtype="<i4").tobytes() + lens.tobytes()
                + np.asarray(self.special, dtype="u1").tobytes() + b"".join(self.tokens))

    def digest(self) -> str:
        """sha256 of the binary layout (ids, lengths, special flags, bytes)."""
        return hashlib.sha256(self._payload()).hexdigest()

    def to_record(self) -> dict:
        """JSON form: ``packed`` is gzip + base64 of the binary layout (see ``_payload``)."""
        payload = self._payload()
        return {"size": self.size, "count": len(self.ids),
                "sha256": hashlib.sha256(payload).hexdigest(),
                "encoding": "tokeff-vocab-1+gzip+base64",
                "packed": _b64(gzip.compress(payload, compresslevel=6, mtime=0))}

    @classmethod
    def from_record(cls, rec: Mapping) -> Vocabulary:
        if rec.get("encoding") != "tokeff-vocab-1+gzip+base64":
            raise ValueError(f"unknown vocabulary encoding {rec.get('encoding')!r}")
        payload = gzip.decompress(base64.b64decode(rec["packed"], validate=True))
        if "sha256" in rec and hashlib.sha256(payload).hexdigest() != rec["sha256"]:
            raise ValueError("vocabulary digest mismatch (the entries were altered)")
        n = int(rec["count"])
        if len(payload) < 9 * n:
            raise ValueError(f"vocabulary data too short for {n} entries")
        ids = np.frombuffer(payload, dtype="<i4", count=n)
        lens = np.frombuffer(payload, dtype="<u4", count=n, offset=4 * n).astype(np.int64)
        special = np.frombuffer(payload, dtype="u1", count=n, offset=8 * n)
        blob = payload[9 * n:]
        if int(lens.sum()) != len(blob):
            raise ValueError("vocabulary data: token lengths do not add up to the bytes stored")
        ends = np.cumsum(lens).tolist()
        starts = [0] + ends[:-1]
        v = cls.__new__(cls)
        v._set(ids.tolist(), [blob[a:b] for a, b in zip(starts, ends)],
               [bool(x) for x in special], int(rec.get("size", n)))
        return v


#: Vocabularies already extracted, per tokenizer object (packing walks the whole vocabulary).
_VOCAB_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def vocabulary(tokenizer: Tokenizer | str) -> Vocabulary | None:
    """The vocabulary of a tokenizer as bytes, or None when the tokenizer does not expose one
    (a user object without ``vocab_bytes()``).

    The entries are the tokenizer's :meth:`~tokeff.tokenizers.Tokenizer.vocab_entries`: its text
    tokens as bytes, and its special tokens marked ``special`` with their literal text.

    >>> v = vocabulary("hf:tokenizer.json")  # doctest: +SKIP
    >>> v.token_bytes(100)  # doctest: +SKIP
    b' the'
    """
    tok = get_tokenizer(tokenizer)
    try:
        cached = _VOCAB_CACHE.get(tok)
    except TypeError:
        cached = None
    if cached is not None and cached[0] == tok.content_hash():
        return cached[1]
    try:
        entries = tok.vocab_entries()
    except TokenizerError:  # the tokenizer exposes no token bytes
        return None
    ids = [e[0] for e in entries]
    tokens = [e[1] for e in entries]
    special = [e[2] for e in entries]
    try:
        size = int(tok.vocab_size)
    except (TokenizerError, NotImplementedError):
        size = len(ids)
    v = Vocabulary.from_lists(ids, tokens, special, size=size)
    try:
        _VOCAB_CACHE[tok] = (tok.content_hash(), v)
    except TypeError:
        pass
    return v


@dataclass
class VocabDiff:
    """Entries added, removed and remapped between two vocabularies, compared as bytes.

    An entry is identified by its bytes (and whether it is special): *added* exists only in the
    new vocabulary, *removed* only in the old, *remapped* in both under different ids.
    """

    old_size: int
    new_size: int
    added: list[VocabEntry]
    removed: list[VocabEntry]
    remapped: list[tuple[VocabEntry, VocabEntry]]  # (old, new)

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed or self.remapped)

    def summary(self) -> str:
        if self.unchanged:
            return f"vocabulary identical as bytes ({self.old_size} entries)"
        return (f"vocabulary {self.old_size} -> {self.new_size} entries: {len(self.added)} "
                f"added, {len(self.removed)} removed, {len(self.remapped)} remapped")

    def to_record(self, limit: int | None = 100) -> dict:
        def cut(xs: list) -> list:
            return xs if limit is None else xs[:limit]

        return {"old_size": self.old_size, "new_size": self.new_size,
                "n_added": len(self.added), "n_removed": len(self.removed),
                "n_remapped": len(self.remapped),
                "added": [e.to_record() for e in cut(self.added)],
                "removed": [e.to_record() for e in cut(self.removed)],
                "remapped": [{"bytes": _b64(o.bytes), "text": o.text, "special": o.special,
                              "old_id": o.id, "new_id": n.id} for o, n in cut(self.remapped)]}


def diff_vocabularies(old: Vocabulary, new: Vocabulary) -> VocabDiff:
    """Compare two vocabularies as bytes.

    >>> a = Vocabulary([VocabEntry(0, b"a"), VocabEntry(1, b"b"), VocabEntry(2, b"ab")])
    >>> b = Vocabulary([VocabEntry(0, b"a"), VocabEntry(1, b"ab"), VocabEntry(2, b"c")])
    >>> d = diff_vocabularies(a, b)
    >>> [e.bytes for e in d.added], [e.bytes for e in d.removed], len(d.remapped)
    ([b'c'], [b'b'], 1)
    """
    def index(v: Vocabulary) -> dict[tuple[bool, bytes], list[VocabEntry]]:
        out: dict[tuple[bool, bytes], list[VocabEntry]] = {}
        for e in v.entries:
            out.setdefault((e.special, e.bytes), []).append(e)
        return out

    a, b = index(old), index(new)
    added = sorted((e for k, es in b.items() if k not in a for e in es), key=lambda e: e.id)
    removed = sorted((e for k, es in a.items() if k not in b for e in es), key=lambda e: e.id)
    remapped: list[tuple[VocabEntry, VocabEntry]] = []
    for k, olds in a.items():
        news = b.get(k)
        if news is None:
            continue
        oids, nids = [e.id for e in olds], [e.id for e in news]
        if oids != nids:
            for o, n in zip(olds, news):
                if o.id != n.id:
                    remapped.append((o, n))
            # Unequal duplicate counts: the surplus is added / removed.
            added.extend(news[len(olds):])
            removed.extend(olds[len(news):])
    remapped.sort(key=lambda p: p[0].id)
    return VocabDiff(old.size, new.size, sorted(added, key=lambda e: e.id),
                     sorted(removed, key=lambda e: e.id), remapped)
