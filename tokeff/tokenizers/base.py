"""The tokenizer protocol and the shared machinery of the backends.

A tokenizer, for tokeff, turns a batch of texts into token ids with **no special tokens** (no
BOS/EOS, no padding, no truncation), and, where the backend can, the byte span of every token in
the UTF-8 encoding of the text it was given. Special-token strings such as ``<|endoftext|>`` in
the text are ordinary text.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from ..errors import UsageError
from . import _hashcache

NORMALIZATIONS = ("none", "NFC", "NFKC")


@runtime_checkable
class SupportsEncodeBatch(Protocol):
    """The smallest protocol a user object must satisfy: a name and a batch encoder.

    ``encode_batch(texts)`` returns one sequence of token ids per text, without special tokens.
    Optional attributes are used when present: ``fingerprint()``, ``vocab_size``, ``backend``,
    ``backend_version``, ``unk_id``, ``required_normalization`` and
    ``encode_batch_spans(texts)`` (see :class:`Tokenizer`).
    """

    name: str

    def encode_batch(self, texts: Sequence[str]) -> Sequence[Sequence[int]]: ...


@dataclass
class TokenArrays:
    """The encoding of a batch of texts as flat numpy arrays.

    ``ids`` holds the token ids of all texts one after the other; ``lengths[i]`` is the number of
    tokens of text ``i``. ``starts``/``ends`` (or ``None`` when the backend has no offsets) are byte
    offsets of each token in the UTF-8 encoding of its own text, as given to the tokenizer.
    """

    ids: np.ndarray
    lengths: np.ndarray
    starts: np.ndarray | None = None
    ends: np.ndarray | None = None

    @property
    def has_spans(self) -> bool:
        return self.starts is not None


class Tokenizer:
    """Base class of tokeff's tokenizer wrappers.

    Subclasses implement :meth:`_encode_ids` and, where offsets exist, :meth:`_encode_spans`, plus
    :meth:`_canonical_bytes` for the fingerprint.

    >>> from tokeff import get_tokenizer
    >>> tok = get_tokenizer("cl100k_base")
    >>> tok.encode_batch(["hello world", ""])
    [[15339, 1917], []]
    >>> arrays = tok.encode_arrays(["hello world"])
    >>> arrays.lengths.tolist(), arrays.starts.tolist(), arrays.ends.tolist()
    ([2], [0, 5], [5, 11])
    >>> tok.backend, len(tok.fingerprint())
    ('tiktoken', 64)
    """

    backend: str = "custom"
    backend_version: str = "unknown"
    #: Unicode normalisation (one of :data:`NORMALIZATIONS`) tokeff applies to the text before
    #: the backend sees it, because the backend cannot (Qwen's NFC on the tiktoken path, or the
    #: ``?normalization=`` option of a spec).
    pre_normalization: str = "none"
    #: What the backend applies itself, read from the tokenizer: the Hugging Face normaliser
    #: chain (``"NFKC"``, ``"NFD+lowercase+strip_accents"``), the sentencepiece rule name
    #: (``"nmt_nfkc"``), ``"none"`` for tiktoken.
    internal_normalization: str = "none"
    unk_id: int | None = None
    #: Whether :meth:`_canonical_bytes` includes the normalisation (then changing it changes
    #: the content hash).
    _hash_covers_normalization = False

    def __init__(self, name: str):
        self.name = name
        self._fingerprint: str | None = None
        self._content_hash: str | None = None
        self._byte_fallback: np.ndarray | None = None
        #: Identity of what the vocabulary was read from (a file's path, size and times, or a
        #: catalogue entry's pinned sha256); when set, the content hash is remembered on disk
        #: under it (see :mod:`tokeff.tokenizers._hashcache`).
        self._source_key: str | None = None

    @property
    def required_normalization(self) -> str:
        """Everything the tokenizer does to the text before encoding (``tnorm:`` in
        signatures): the tokeff-applied form, then the backend's own chain, joined by ``+``;
        ``"none"`` when neither changes the text. Setting it sets :attr:`pre_normalization`."""
        pre, own = self.pre_normalization, self.internal_normalization
        if own == "none" or own == pre:
            return pre
        return own if pre == "none" else f"{pre}+{own}"

    @required_normalization.setter
    def required_normalization(self, form: str) -> None:
        if form not in NORMALIZATIONS:
            raise UsageError(f"tokenizer {self.name!r}: normalisation {form!r} is not one of "
                             f"{', '.join(NORMALIZATIONS)}")
        self.pre_normalization = form
        self._fingerprint = None
        if self._hash_covers_normalization:
            self._content_hash = None

    # -- to implement ----------------------------------------------------------------------
    @property
    def vocab_size(self) -> int:
        raise NotImplementedError

    def _encode_ids(self, texts: list[str]) -> list[Sequence[int]]:
        raise NotImplementedError

    def _encode_spans(self, texts: list[str]) -> TokenArrays | None:
        """Ids plus byte spans relative to each (already normalised) text, or None."""
        return None

    def _canonical_bytes(self) -> bytes:
        raise NotImplementedError

    def _byte_fallback_mask(self) -> np.ndarray:
        """Boolean mask over ids: byte tokens (``<0xNN>``) or tokens not valid UTF-8 alone."""
        return np.zeros(self.vocab_size, dtype=bool)

    # -- public API ------------------------------------------------------------------------
    def encode(self, text: str) -> list[int]:
        """Token ids of one text, no special tokens."""
        return list(self.encode_batch([text])[0])

    def encode_batch(self, texts: Sequence[str]) -> list[Sequence[int]]:
        """Token ids of many texts (one list per text), no special tokens."""
        return self._encode_ids(self._normalize(list(texts)))

    def encode_arrays(self, texts: Sequence[str], *, spans: bool = True) -> TokenArrays:
        """Encode a batch into flat arrays; byte spans (in the UTF-8 of the given texts) if asked."""
        texts = list(texts)
        normed = self._normalize(texts)
        if spans:
            arrays = self._encode_spans(normed)
            if arrays is not None:
                if normed is not texts:
                    _remap_normalized_spans(texts, normed, arrays)
                return arrays
        return ids_to_arrays(self._encode_ids(normed))

    @property
    def has_offsets(self) -> bool:
        return type(self)._encode_spans is not Tokenizer._encode_spans

    def byte_fallback_mask(self) -> np.ndarray:
        if self._byte_fallback is None:
            self._byte_fallback = self._byte_fallback_mask()
        return self._byte_fallback

    def content_hash(self) -> str:
        """sha256 of the canonical vocabulary/merges/normaliser (independent of library version).

        Computed once per vocabulary source, not per run: remembered on disk under the
        source's identity (:meth:`_hash_cache_key`)."""
        if self._content_hash is None:
            key = self._hash_cache_key()
            value = _hashcache.get(key) if key else None
            if value is None:
                value = hashlib.sha256(self._canonical_bytes()).hexdigest()
                if key:
                    _hashcache.put(key, value)
            self._content_hash = value
        return self._content_hash

    def _hash_params(self) -> tuple[str, ...]:
        """Whatever enters :meth:`_canonical_bytes` besides the source's bytes (subclasses)."""
        return ()

    def _hash_cache_key(self) -> str | None:
        if self._source_key is None:
            return None
        parts = ("tokeff-content-hash-1", type(self).__qualname__, self.backend,
                 self.backend_version, self._source_key, *self._hash_params())
        return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()

    def fingerprint(self) -> str:
        """sha256 over the content hash, the backend name and the backend version."""
        if self._fingerprint is None:
            h = hashlib.sha256()
            for part in (self.content_hash(), self.backend, self.backend_version,
                         self.required_normalization):
                h.update(part.encode() + b"\0")
            self._fingerprint = h.hexdigest()
        return self._fingerprint

    def _normalize(self, texts: list[str]) -> list[str]:
        form = self.pre_normalization
        if form == "none":
            return texts
        return [t if unicodedata.is_normalized(form, t) else unicodedata.normalize(form, t)
                for t in texts]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} backend={self.backend}-{self.backend_version}>"


def ids_to_arrays(batch: Sequence[Sequence[int]]) -> TokenArrays:
    """Flatten a list of id lists into :class:`TokenArrays` without a Python loop per token."""
    from itertools import chain

    lengths = np.fromiter(map(len, batch), dtype=np.int64, count=len(batch))
    total = int(lengths.sum())
    ids = np.fromiter(chain.from_iterable(batch), dtype=np.int64, count=total)
    return TokenArrays(ids=ids, lengths=lengths)


def spans_from_byte_lengths(ids: np.ndarray, lengths: np.ndarray,
                            token_nbytes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Byte spans of tokens whose bytes concatenate to the text (byte-level BPE, lossless)."""
    nb = token_nbytes[ids]
    ends_global = np.cumsum(nb)
    # Cumulative bytes before each segment's first token (a leading 0 handles empty batches).
    cum = np.concatenate([[0], ends_global])
    seg_first = np.cumsum(lengths) - lengths
    base = np.repeat(cum[seg_first], lengths)
    ends = ends_global - base
    starts = ends - nb
    return starts, ends


def _nfc_chunks(text: str, form: str) -> list[str]:
    """Split text into chunks that normalise independently (cut before a starter that does not
    compose with what precedes it)."""
    chunks: list[str] = []
    cur = ""
    for ch in text:
        if cur and unicodedata.combining(ch) == 0:
            joined = unicodedata.normalize(form, cur + ch)
            if joined == unicodedata.normalize(form, cur) + unicodedata.normalize(form, ch):
                chunks.append(cur)
                cur = ch
                continue
        cur += ch
    if cur:
        chunks.append(cur)
    return chunks


def _normalized_byte_map(original: str, form: str) -> np.ndarray:
    """For each byte offset of normalize(original), the byte offset in original it comes from.

    Offsets inside a chunk that normalisation rewrote map to the chunk's start; chunk
    boundaries map exactly.
    """
    out: list[int] = []
    pos = 0
    for chunk in _nfc_chunks(original, form):
        n_orig = len(chunk.encode("utf-8"))
        n_norm = len(unicodedata.normalize(form, chunk).encode("utf-8"))
        if n_orig == n_norm and unicodedata.normalize(form, chunk) == chunk:
            out.extend(range(pos, pos + n_norm))
        else:
            out.extend([pos] * n_norm)
        pos += n_orig
    out.append(pos)
    return np.asarray(out, dtype=np.int64)


def _remap_normalized_spans(texts: list[str], normed: list[str], arrays: TokenArrays) -> None:
    """Map spans computed on normalised texts back to byte offsets in the original texts."""
    assert arrays.starts is not None and arrays.ends is not None
    seg_ends = np.cumsum(arrays.lengths)
    seg_starts = seg_ends - arrays.lengths
    for i, (t, n) in enumerate(zip(texts, normed)):
        if t is n or t == n:
            continue
        # Rare path (only segments that normalisation changes): an explicit per-segment map.
        form = "NFC" if unicodedata.is_normalized("NFC", n) else "NFKC"
        bmap = _normalized_byte_map(t, form)
        a, b = seg_starts[i], seg_ends[i]
        arrays.starts[a:b] = bmap[np.minimum(arrays.starts[a:b], len(bmap) - 1)]
        arrays.ends[a:b] = bmap[np.minimum(arrays.ends[a:b], len(bmap) - 1)]


def char_to_byte_offsets(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For the concatenation of texts: byte offset of every char (plus one past the end), and per
    text its first char index and first byte index in the concatenation."""
    data = "".join(texts).encode("utf-8")
    buf = np.frombuffer(data, dtype=np.uint8)
    char_starts = np.flatnonzero((buf & 0xC0) != 0x80)
    c2b = np.empty(len(char_starts) + 1, dtype=np.int64)
    c2b[:-1] = char_starts
    c2b[-1] = len(buf)
    nchars = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    char_base = np.cumsum(nchars) - nchars
    byte_base = c2b[char_base]
    return c2b, char_base, byte_base


def invalid_utf8(tokens: Sequence[bytes]) -> np.ndarray:
    """For each byte string, whether it is *not* valid UTF-8 on its own (a byte-fallback or
    partial-character token); equal to ``[not valid_utf8(t) for t in tokens]``.

    >>> invalid_utf8([b"abc", "é".encode(), "é".encode()[:1], b"\\xff", b""]).tolist()
    [False, False, True, True, False]
    """
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    return invalid_utf8_flat(np.frombuffer(b"".join(tokens), dtype=np.uint8), lengths)


def invalid_utf8_flat(b: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """:func:`invalid_utf8` of byte strings given concatenated (``b``, uint8) with their
    ``lengths``: numpy over the whole vocabulary at once, no Python step per token."""
    n = len(lengths)
    out = np.zeros(n, dtype=bool)
    if not len(b):
        return out
    ends = np.cumsum(lengths)
    # Bytes left in the token after each byte.
    room = np.repeat(ends, lengths) - np.arange(1, len(b) + 1)
    cont = (b & 0xC0) == 0x80
    need = np.zeros(len(b), dtype=np.int8)
    need[b >= 0xC2] = 1
    need[b >= 0xE0] = 2
    need[b >= 0xF0] = 3
    bad = (b == 0xC0) | (b == 0xC1) | (b >= 0xF5) | (need > room)
    # The first continuation byte has a narrower range after E0, ED, F0 and F4 (no overlong
    # forms, no surrogates, nothing above U+10FFFF).
    nxt = np.empty_like(b)
    nxt[:-1], nxt[-1] = b[1:], 0
    bad |= ((b == 0xE0) & (nxt < 0xA0)) | ((b == 0xED) & (nxt > 0x9F)) | \
        ((b == 0xF0) & (nxt < 0x90)) | ((b == 0xF4) & (nxt > 0x8F))
    for k in (1, 2, 3):  # the k-th byte after a lead that needs >= k must continue it
        follows = np.zeros(len(b), dtype=bool)
        follows[:-k] = cont[k:]
        bad |= (need >= k) & ~follows & (need <= room)
    # With every lead's continuation bytes in place (claims cannot overlap: a lead is not a
    # continuation byte), a token is valid iff no continuation byte is left unclaimed.
    balance = cont.astype(np.int8) - need
    nonempty = lengths > 0
    starts = (ends - lengths)[nonempty]
    out[nonempty] = np.logical_or.reduceat(bad, starts) | \
        (np.add.reduceat(balance, starts, dtype=np.int64) != 0)
    return out


def valid_utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
