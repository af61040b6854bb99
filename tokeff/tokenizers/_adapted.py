"""A user object that satisfies :class:`~tokeff.tokenizers.base.SupportsEncodeBatch`, seen
through the full :class:`~tokeff.tokenizers.base.Tokenizer` API, with everything it returns
checked.

The real backends return what their libraries guarantee; a user object may return anything:
``None``, a generator, strings, floats, negative ids, ids past its vocabulary, offsets that do
not match the ids. Each of those would otherwise become a number that means something else
(``1.7`` counted as id 1, ``"12"`` as id 12), or a bare ``TypeError`` naming nobody. Here every
such answer is a :class:`~tokeff.errors.TokenizerError` naming the tokenizer, the text and the
value. The checks are per text and vectorised per token, so they cost little.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..errors import TokeffError, TokenizerError
from .base import NORMALIZATIONS, TokenArrays, Tokenizer

_INT64_MAX = np.iinfo(np.int64).max


def _error(name: str, msg: str) -> TokenizerError:
    err = TokenizerError(f"tokenizer {name!r}: {msg}")
    err.tokenizer = name
    return err


def _check_batch(out: object, n: int, name: str, method: str) -> list:
    """``out`` must be a sized, indexable sequence with one entry per text."""
    if out is None:
        raise _error(name, f"{method} returned None; it must return one list of token ids per "
                           f"text ({n} texts)")
    if isinstance(out, (str, bytes)):
        raise _error(name, f"{method} returned a {type(out).__name__} ({str(out)[:40]!r}); it "
                           "must return one list of token ids per text, not text")
    if not isinstance(out, (Sequence, np.ndarray)):
        raise _error(name, f"{method} returned a {type(out).__name__}, not a list; return a "
                           "list with one list of token ids per text (e.g. wrap a generator "
                           "in list(...))")
    if len(out) != n:
        raise _error(name, f"{method} returned {len(out)} results for {n} texts")
    return list(out)


def _is_rows(x: object) -> bool:
    return isinstance(x, (Sequence, np.ndarray)) and not isinstance(x, (str, bytes))


_ALL_INTS = object()


def _first_bad(row: Sequence[object]) -> object:
    """The first element of ``row`` that is not an integer (for the error message), or
    ``_ALL_INTS``."""
    for x in row:
        if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)):
            return x
    return _ALL_INTS


def _id_rows(rows: list, name: str, what: str = "ids") -> tuple[np.ndarray, np.ndarray]:
    """Per-text integer arrays -> (flat int64 ids, lengths); anything else is refused."""
    lengths = np.zeros(len(rows), dtype=np.int64)
    parts: list[np.ndarray] = []
    for i, row in enumerate(rows):
        if isinstance(row, (str, bytes)) or row is None:
            raise _error(name, f"text {i}: got {type(row).__name__} {str(row)[:40]!r} instead of "
                               f"a list of token {what}")
        try:
            a = np.asarray(row)
        except (ValueError, TypeError, OverflowError) as e:
            raise _error(name, f"text {i}: {what} are not a flat list of integers ({e})") from None
        if a.ndim != 1:
            raise _error(name, f"text {i}: expected a list of token {what}, got "
                               f"{type(row).__name__}" + (f" of shape {a.shape}" if a.ndim else ""))
        lengths[i] = len(a)
        if not len(a):
            continue
        if a.dtype.kind not in "iu":
            bad = _first_bad(list(row))
            if bad is _ALL_INTS:  # Python ints too large for 64 bits
                raise _error(name, f"text {i}: token {what} out of range (integers beyond 64 "
                                   f"bits, e.g. {max(row)})")
            kind = type(bad).__name__
            raise _error(name, f"text {i}: token {what} must be integers; got {bad!r} ({kind})")
        if a.dtype.kind == "u" and a.dtype.itemsize == 8 and int(a.max()) > _INT64_MAX:
            raise _error(name, f"text {i}: token id {int(a.max())} is out of range")
        parts.append(a.astype(np.int64, copy=False))
    flat = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    return flat, lengths


def _seg_of(lengths: np.ndarray, flat_index: int) -> int:
    return int(np.searchsorted(np.cumsum(lengths), flat_index, side="right"))


def checked_arrays(out: object, texts: list[str], name: str, vocab_size: int | None,
                   method: str = "encode_batch") -> TokenArrays:
    """A user tokenizer's ``encode_batch`` answer as :class:`TokenArrays`, or a
    :class:`TokenizerError` naming the tokenizer, the text and the bad value."""
    rows = _check_batch(out, len(texts), name, method)
    ids, lengths = _id_rows(rows, name)
    if len(ids):
        lo = int(ids.min())
        if lo < 0:
            j = int(np.argmax(ids < 0))
            raise _error(name, f"text {_seg_of(lengths, j)}: negative token id {lo}; ids run "
                               "from 0 to vocab_size - 1")
        if vocab_size is not None:
            hi = int(ids.max())
            if hi >= vocab_size:
                j = int(np.argmax(ids >= vocab_size))
                raise _error(name, f"text {_seg_of(lengths, j)}: token id {hi} is not below its "
                                   f"vocab_size {vocab_size}; ids run from 0 to vocab_size - 1 "
                                   "(is vocab_size right?)")
    return TokenArrays(ids=ids, lengths=lengths)


def checked_span_arrays(out: object, texts: list[str], name: str,
                        vocab_size: int | None) -> TokenArrays:
    """A user tokenizer's ``encode_batch_spans`` answer (``[(ids, [(start, end), ...]), ...]``)
    as :class:`TokenArrays` with byte spans, checked like :func:`checked_arrays`, plus: one span
    per id, integer byte offsets with ``0 <= start <= end <= len(text in UTF-8)``."""
    method = "encode_batch_spans"
    rows = _check_batch(out, len(texts), name, method)
    id_rows, span_rows = [], []
    for i, r in enumerate(rows):
        if not _is_rows(r) or len(r) != 2 or not _is_rows(r[0]):
            raise _error(name, f"{method}, text {i}: expected a pair (ids, spans), got "
                               f"{type(r).__name__}")
        id_rows.append(r[0])
        span_rows.append(r[1])
    arrays = checked_arrays(id_rows, texts, name, vocab_size, method)
    flat_spans = []
    for i, (sp, n_ids) in enumerate(zip(span_rows, arrays.lengths.tolist())):
        if isinstance(sp, (str, bytes)) or sp is None:
            raise _error(name, f"{method}, text {i}: spans are a {type(sp).__name__}, not a list "
                               "of (start, end) byte offsets")
        try:
            a = np.asarray(sp)
        except (ValueError, TypeError) as e:
            raise _error(name, f"{method}, text {i}: spans are not (start, end) pairs ({e})") \
                from None
        if len(a) != n_ids:
            raise _error(name, f"{method}, text {i}: {len(a)} spans for {n_ids} token ids; "
                               "give one (start, end) byte span per id")
        if not n_ids:
            continue
        if a.ndim != 2 or a.shape[1] != 2:
            raise _error(name, f"{method}, text {i}: spans must be (start, end) pairs, got an "
                               f"array of shape {a.shape}")
        if a.dtype.kind not in "iu":
            bad = _first_bad([x for pair in sp for x in pair])
            raise _error(name, f"{method}, text {i}: span offsets must be integers; got {bad!r} "
                               f"({type(bad).__name__})")
        flat_spans.append(a.astype(np.int64, copy=False))
    spans = np.concatenate(flat_spans) if flat_spans else np.zeros((0, 2), dtype=np.int64)
    starts, ends = spans[:, 0].copy(), spans[:, 1].copy()
    nbytes = np.repeat(np.fromiter((len(t.encode("utf-8")) for t in texts), dtype=np.int64,
                                   count=len(texts)), arrays.lengths)
    bad = (starts < 0) | (starts > ends) | (ends > nbytes)
    if bool(bad.any()):
        j = int(np.argmax(bad))
        i = _seg_of(arrays.lengths, j)
        raise _error(name, f"{method}, text {i}: span ({int(starts[j])}, {int(ends[j])}) is not "
                           f"inside the text's {int(nbytes[j])} UTF-8 bytes (0 <= start <= end "
                           "<= bytes; offsets are UTF-8 byte offsets, not characters)")
    arrays.starts, arrays.ends = starts, ends
    return arrays


class AdaptedTokenizer(Tokenizer):
    """A user object that satisfies :class:`SupportsEncodeBatch`, seen through the full API."""

    def __init__(self, obj):
        super().__init__(str(obj.name))
        self.obj = obj
        self.backend = str(getattr(obj, "backend", "custom"))
        self.backend_version = str(getattr(obj, "backend_version", "unknown"))
        declared = str(getattr(obj, "required_normalization", "none"))
        if declared in NORMALIZATIONS:
            self.pre_normalization = declared  # tokeff applies it, as documented
        else:  # e.g. "nmt_nfkc": something the object does itself; recorded, not applied
            self.internal_normalization = declared
        self.unk_id = getattr(obj, "unk_id", None)

    @property
    def vocab_size(self) -> int:
        v = getattr(self.obj, "vocab_size", None)
        v = v() if callable(v) else v
        if v is None:
            raise _error(self.name, "does not say its vocab_size (add a `vocab_size` attribute: "
                                    "the largest id plus one)")
        return int(v)

    def _declared_vocab_size(self) -> int | None:
        try:
            return self.vocab_size
        except TokenizerError:
            return None  # ids are then only checked for sign and type

    @property
    def has_offsets(self) -> bool:
        return hasattr(self.obj, "encode_batch_spans")

    def _call(self, method: str, texts: list[str]) -> object:
        try:
            return getattr(self.obj, method)(texts)
        except TokeffError:
            raise
        except Exception as e:
            # Keep the user's own exception as the cause (its traceback shows their code).
            raise _error(self.name, f"{method} raised {type(e).__name__}: {e}") from e

    def _encode_checked(self, texts: list[str]) -> TokenArrays:
        return checked_arrays(self._call("encode_batch", texts), texts, self.name,
                              self._declared_vocab_size())

    def _encode_ids(self, texts: list[str]) -> list[Sequence[int]]:
        arrays = self._encode_checked(texts)
        if not texts:
            return []
        return [r.tolist() for r in np.split(arrays.ids, np.cumsum(arrays.lengths)[:-1])]

    def encode_arrays(self, texts: Sequence[str], *, spans: bool = True) -> TokenArrays:
        texts = list(texts)
        normed = self._normalize(texts)
        if spans and self.has_offsets:
            return super().encode_arrays(texts, spans=True)
        return self._encode_checked(normed)

    def _encode_spans(self, texts: list[str]) -> TokenArrays | None:
        if not self.has_offsets:
            return None
        return checked_span_arrays(self._call("encode_batch_spans", texts), texts, self.name,
                                   self._declared_vocab_size())

    def content_hash(self) -> str:
        fp = getattr(self.obj, "fingerprint", None)
        if fp is None:
            return "unfingerprinted:" + type(self.obj).__qualname__
        return str(fp() if callable(fp) else fp)

    def _vocab_bytes(self) -> list[bytes | None]:
        # The object's own table: ``vocab_bytes()`` (list by id) or ``vocabulary_bytes()``
        # ({id: bytes}). Ids alone cannot be turned into bytes, so without one: an error.
        fn = getattr(self.obj, "vocab_bytes", None)
        if callable(fn):
            return [None if b is None else bytes(b) for b in fn()]
        fn = getattr(self.obj, "vocabulary_bytes", None)
        if not callable(fn):
            return super()._vocab_bytes()
        table = {int(i): bytes(b) for i, b in dict(fn()).items()}
        try:
            size = self.vocab_size
        except TokenizerError:
            size = 0
        out: list[bytes | None] = [None] * max(size, max(table, default=-1) + 1)
        for i, b in table.items():
            out[i] = b
        return out

    def _special_tokens(self) -> dict[int, str]:
        fn = getattr(self.obj, "special_tokens", None)
        if not callable(fn):
            return {}
        specials = fn()
        if not isinstance(specials, Mapping):
            raise TokenizerError(f"tokenizer {self.name!r}: special_tokens() should return "
                                 f"{{id: text}}, not {type(specials).__name__}")
        return {int(i): str(t) for i, t in specials.items()}

    def _byte_fallback_mask(self) -> np.ndarray:
        fn = getattr(self.obj, "byte_fallback_mask", None)
        return np.asarray(fn(), dtype=bool) if fn else np.zeros(self.vocab_size, dtype=bool)
