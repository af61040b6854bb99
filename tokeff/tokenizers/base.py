"""The tokenizer protocol and the shared machinery of the backends.

A tokenizer, for tokeff, turns a batch of texts into token ids with **no special tokens** (no
BOS/EOS, no padding, no truncation), and, where the backend can, the byte span of every token in
the UTF-8 encoding of the text it was given. Special-token strings such as ``<|endoftext|>`` in
the text are ordinary text.

Every backend also says what each token stands for, as bytes (like tiktoken's
``decode_single_token_bytes``): :meth:`Tokenizer.token_bytes` and :meth:`Tokenizer.vocab_bytes`,
with the ids that stand for no text (control and special tokens) in
:meth:`Tokenizer.special_tokens`. The rule of each backend, the only one in tokeff:

- **tiktoken** (OpenAI rank files, Llama-3, Qwen, Mistral Tekken): a token's bytes are its rank
  key. Special tokens (``<|endoftext|>``, Tekken's first 1000 ids) are not text; ids that are
  neither (gaps in the id space) have no bytes.
- **Hugging Face ``tokenizers``**: added tokens marked special are not text; other added tokens
  are their literal content. ``<0xNN>`` pieces are the single byte ``NN``. In a byte-level
  tokenizer (``ByteLevel`` in the pre-tokenizer or decoder) a token string is mapped back
  through GPT-2's byte-to-printable-character table (``Ġthe`` -> ``b" the"``); a string with a
  character outside that table is its literal UTF-8. Otherwise the metaspace character (``▁``,
  or the ``replacement`` the tokenizer names) becomes a space and the rest is literal UTF-8
  (WordPiece's ``##`` prefix is kept as written).
- **sentencepiece**: byte pieces ``<0xNN>`` are the single byte ``NN``; control pieces (``<s>``,
  ``</s>``) and the unknown piece are not text; any other piece is its UTF-8 with ``▁`` -> space.
- **RWKV-World** (greedy trie): the vocabulary is already bytes; id 0 (end of text) has none.
- **user objects** (:class:`SupportsEncodeBatch`): ``vocab_bytes()`` (a list indexed by id) or
  ``vocabulary_bytes()`` (``{id: bytes}``) when the object has one, and ``special_tokens()``
  (``{id: str}``) if present; without such a method :meth:`Tokenizer.vocab_bytes` raises
  :class:`~tokeff.errors.TokenizerError` (token bytes cannot be recovered from ids alone).

The token bytes of an encoding concatenate to the UTF-8 of the text for lossless tokenizers
(tiktoken, RWKV, byte-level BPE without a normaliser). They do not where the tokenizer changes
the text: a normaliser (NFC/NFKC, lowercasing), sentencepiece's dummy-prefix space (``▁Hello``
for ``Hello``), an unknown token, or a tokenizer-required normalisation of the input.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from ..errors import TokenizerError, UsageError
from . import _hashcache
from ._fastcount import FastCounter

NORMALIZATIONS = ("none", "NFC", "NFKC")


@runtime_checkable
class SupportsEncodeBatch(Protocol):
    """The smallest protocol a user object must satisfy: a name and a batch encoder.

    ``encode_batch(texts)`` returns one sequence of token ids per text, without special tokens.
    Optional attributes are used when present: ``fingerprint()``, ``vocab_size``, ``backend``,
    ``backend_version``, ``unk_id``, ``required_normalization``,
    ``encode_batch_spans(texts)``, ``vocab_bytes()`` (or ``vocabulary_bytes()``, ``{id: bytes}``)
    and ``special_tokens()`` (``{id: text}``) (see :class:`Tokenizer`).
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
    :meth:`_canonical_bytes` for the fingerprint and :meth:`_vocab_bytes` (with
    :meth:`_special_tokens`) for the token bytes.

    >>> from tokeff import get_tokenizer
    >>> tok = get_tokenizer("cl100k_base")
    >>> tok.encode_batch(["hello world", ""])
    [[15339, 1917], []]
    >>> arrays = tok.encode_arrays(["hello world"])
    >>> arrays.lengths.tolist(), arrays.starts.tolist(), arrays.ends.tolist()
    ([2], [0, 5], [5, 11])
    >>> tok.backend, len(tok.fingerprint())
    ('tiktoken', 64)
    >>> [tok.token_bytes(i) for i in tok.encode("héllo")]
    [b'h', b'\\xc3\\xa9l', b'lo']
    >>> tok.vocab_bytes()[1917], tok.special_tokens()[100257]
    (b' world', '<|endoftext|>')
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
    # Built on first use and kept: drill-down and the gate ask for token bytes again and again.
    _vocab_bytes_cache: list[bytes | None] | None = None
    _special_tokens_cache: dict[int, str] | None = None

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
        return combined_normalization(self.pre_normalization, self.internal_normalization)

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

    def _vocab_bytes(self) -> list[bytes | None]:
        """The bytes of every id (None for ids that stand for no text), by the backend's rule
        (see the module docstring). Called once; :meth:`vocab_bytes` keeps the result."""
        raise TokenizerError(
            f"tokenizer {self.name!r} ({type(self).__name__}) does not expose what its tokens "
            "stand for as bytes; give it a `vocab_bytes()` method (a list of bytes or None, "
            "indexed by token id)")

    def _special_tokens(self) -> dict[int, str]:
        """``{id: literal text}`` of the control / special tokens (they stand for no text)."""
        return {}

    def _vocab_entries(self) -> list[tuple[int, bytes, bool]]:
        """See :meth:`vocab_entries`; backends whose ids can carry two tokens override this."""
        table = self.vocab_bytes()
        out = [(i, b, False) for i, b in enumerate(table) if b is not None]
        out += [(i, t.encode("utf-8"), True) for i, t in self.special_tokens().items()]
        return out

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

    def count_tokens(self, texts: Sequence[str]) -> np.ndarray:
        """The number of tokens of each text (int64), equal to the lengths of
        :meth:`encode_arrays`; counted by :meth:`fast_counter` when the tokenizer has one."""
        texts = list(texts)
        counter = self.fast_counter()
        if counter is not None:
            return counter.count(self._normalize(texts))
        return self._count_lengths(self._normalize(texts))

    def _count_lengths(self, texts: list[str]) -> np.ndarray:
        """Token counts of (normalised) texts; a backend that can count without handing over
        token ids overrides this."""
        return ids_to_arrays(self._encode_ids(texts)).lengths.astype(np.int64, copy=False)

    def fast_counter(self) -> FastCounter | None:
        """A counter that gives :meth:`count_tokens` without token ids, verified to count as
        this tokenizer does (:mod:`tokeff.tokenizers._fastcount`), or None."""
        return None

    @property
    def has_offsets(self) -> bool:
        return type(self)._encode_spans is not Tokenizer._encode_spans

    def byte_fallback_mask(self) -> np.ndarray:
        if self._byte_fallback is None:
            self._byte_fallback = self._byte_fallback_mask()
        return self._byte_fallback

    def vocab_bytes(self) -> list[bytes | None]:
        """What every token id stands for, as bytes: ``vocab_bytes()[id]``, or None for an id that
        is not text (a special or control token, or an unused id). One entry per id up to the
        highest id (at least :attr:`vocab_size` entries). Built once per tokenizer object;
        treat the list as read-only. Raises :class:`~tokeff.errors.TokenizerError` when the
        tokenizer does not expose its vocabulary (a user object without ``vocab_bytes()``).

        The rule of each backend: tiktoken, a token's rank key; Hugging Face, GPT-2's byte table
        undone for byte-level tokenizers, ``▁`` -> space otherwise, ``<0xNN>`` -> that byte,
        added tokens as written; sentencepiece, ``<0xNN>`` -> that byte and ``▁`` -> space;
        RWKV, its byte vocabulary (details in :mod:`tokeff.tokenizers.base`)."""
        if self._vocab_bytes_cache is None:
            self._vocab_bytes_cache = self._vocab_bytes()
        return self._vocab_bytes_cache

    def token_bytes(self, token_id: int) -> bytes:
        """The bytes one token stands for in UTF-8 text (a byte-fallback token is its single
        byte, which need not be valid UTF-8 alone). Raises
        :class:`~tokeff.errors.TokenizerError` for an id that is not text (see
        :meth:`special_tokens`) or is out of range."""
        table = self.vocab_bytes()
        i = int(token_id)
        b = table[i] if 0 <= i < len(table) else None
        if b is None:
            special = self.special_tokens().get(i)
            what = (f"the special token {special!r}, which stands for no text" if special
                    is not None else f"not a text token (ids 0..{len(table) - 1})")
            raise TokenizerError(f"tokenizer {self.name!r}: token id {i} is {what}")
        return b

    def special_tokens(self) -> dict[int, str]:
        """``{id: literal text}`` of the tokens that stand for no text (BOS/EOS, control,
        unknown, special added tokens); their :meth:`vocab_bytes` entry is None."""
        if self._special_tokens_cache is None:
            self._special_tokens_cache = self._special_tokens()
        return self._special_tokens_cache

    def vocab_entries(self) -> list[tuple[int, bytes, bool]]:
        """Every token the tokenizer defines, as ``(id, bytes, special)``: the text tokens of
        :meth:`vocab_bytes`, and the special tokens with their literal text (UTF-8) and
        ``special`` True. One entry per token; an id carries two when the tokenizer gives two
        tokens the same id (a Hugging Face ``tokenizer.json`` whose model vocabulary has gaps
        gets its added tokens renumbered onto ids the model uses), and :meth:`token_bytes`
        then gives the model's token. Built on every call (the gate keeps what it builds)."""
        return self._vocab_entries()

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
            self._fingerprint = fingerprint_of(self.content_hash(), self.backend,
                                               self.backend_version, self.required_normalization)
        return self._fingerprint

    def _normalize(self, texts: list[str]) -> list[str]:
        form = self.pre_normalization
        if form == "none":
            return texts
        return [t if unicodedata.is_normalized(form, t) else unicodedata.normalize(form, t)
                for t in texts]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} backend={self.backend}-{self.backend_version}>"


def combined_normalization(pre: str, own: str) -> str:
    """:attr:`Tokenizer.required_normalization` of a tokenizer whose tokeff-applied form is
    ``pre`` and whose backend's own chain is ``own``."""
    if own == "none" or own == pre:
        return pre
    return own if pre == "none" else f"{pre}+{own}"


def fingerprint_of(content_hash: str, backend: str, backend_version: str,
                   required_normalization: str) -> str:
    """:meth:`Tokenizer.fingerprint` from its parts (also computed for a tokenizer described
    before it is loaded, see :mod:`tokeff.tokenizers._lazy`)."""
    h = hashlib.sha256()
    for part in (content_hash, backend, backend_version, required_normalization):
        h.update(part.encode() + b"\0")
    return h.hexdigest()


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
