"""tiktoken backend: an ``Encoding`` built from a rank file or a registered name."""

from __future__ import annotations

import base64
import gzip
import threading
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import TokenizerError
from ._fastcount import FastCounter, counter_for_entry
from ._hashcache import file_identity
from .base import TokenArrays, Tokenizer, ids_to_arrays, spans_from_byte_lengths, valid_utf8

_PATCH_LOCK = threading.Lock()


def read_rank_file(path: str | Path) -> dict[bytes, int]:
    """Read a tiktoken rank file (``base64-token rank`` per line; ``.gz`` allowed), checked:
    each bad line, duplicated token or rank, or gap is an error naming the file and line."""
    from ._formats import parse_tiktoken_ranks

    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise TokenizerError(f"cannot read tiktoken rank file {path}: {e.strerror}") from None
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as e:
            raise TokenizerError(
                f"cannot read tiktoken rank file {path}: not a gzip file, or a corrupt or "
                f"truncated one ({type(e).__name__}: {e}). Fix: download it again, or give the "
                "uncompressed rank file") from None
    return parse_tiktoken_ranks(raw, source=str(path))


def build_encoding(name: str, pat_str: str, ranks: dict[bytes, int],
                   specials: dict[str, int], *, source: str):
    """``tiktoken.Encoding`` with an error that names ``source`` for a bad split regex (tiktoken
    raises a bare ValueError)."""
    import tiktoken

    try:
        return tiktoken.Encoding(name=name, pat_str=pat_str, mergeable_ranks=ranks,
                                 special_tokens=specials)
    except ValueError as e:
        raise TokenizerError(
            f"{source}: tiktoken cannot compile the split regex  {pat_str}  ({e}). Fix: give a "
            "valid regex (tiktoken's syntax: fancy-regex, with \\p{L} classes), or an OpenAI "
            "encoding name such as 'cl100k_base'") from None


def _check_special_ids(specials: dict[str, int], n_ranks: int, source: str) -> None:
    """Special ids must not reuse a rank (``0..n_ranks-1``, checked by the rank parser):
    tiktoken would accept them and decode ambiguously."""
    clash = sorted((i, s) for s, i in specials.items() if 0 <= i < n_ranks)
    if clash:
        i, s = clash[0]
        raise TokenizerError(
            f"{source}: special token {s!r} has id {i}, which is also a rank of the file "
            f"({n_ranks} ranks, 0..{n_ranks - 1}): the special tokens of this pattern name belong "
            "to a smaller rank file. Fix: give the split regex itself as ?pattern=REGEX")


def openai_params(name: str, ranks: dict[bytes, int]) -> dict:
    """The split pattern and special tokens tiktoken itself uses for an OpenAI encoding name,
    with the given ranks (so no download happens)."""
    import tiktoken_ext.openai_public as op

    ctor = op.ENCODING_CONSTRUCTORS.get(name)
    if ctor is None:
        raise TokenizerError(
            f"tiktoken has no built-in pattern named {name!r}; known: "
            f"{', '.join(sorted(op.ENCODING_CONSTRUCTORS))}"
        )
    with _PATCH_LOCK:
        saved = op.load_tiktoken_bpe
        op.load_tiktoken_bpe = lambda *a, **k: ranks  # type: ignore[assignment]
        try:
            params = ctor()
        finally:
            op.load_tiktoken_bpe = saved  # type: ignore[assignment]
    return params


class TiktokenTokenizer(Tokenizer):
    """Wrap a :class:`tiktoken.Encoding`. Counting uses ``encode_ordinary`` (special-token strings
    are ordinary text).

    >>> import tiktoken  # doctest: +SKIP
    >>> tok = TiktokenTokenizer(tiktoken.get_encoding("cl100k_base"))  # doctest: +SKIP
    """

    backend = "tiktoken"
    _hash_covers_normalization = True

    def __init__(self, encoding, *, name: str | None = None, required_normalization: str = "none",
                 text_tokens: Sequence[str] = ()):
        import tiktoken

        super().__init__(name or encoding.name)
        self.encoding = encoding
        self.backend_version = tiktoken.__version__
        self.required_normalization = required_normalization
        unknown = set(text_tokens) - set(encoding._special_tokens)
        if unknown:
            raise TokenizerError(f"tokenizer {self.name!r}: text tokens {sorted(unknown)} are not "
                                 "among the encoding's added tokens")
        #: Added tokens the original marks non-special: matched in text as one token, as the
        #: original tokenizer does (the other special tokens are encoded as ordinary text).
        self.text_tokens = frozenset(text_tokens)
        self._nbytes: np.ndarray | None = None

    @classmethod
    def from_rank_file(cls, path: str | Path, *, pattern: str, name: str | None = None,
                       special_tokens: dict[str, int] | None = None,
                       required_normalization: str = "none") -> TiktokenTokenizer:
        """Build from a rank file; ``pattern`` is a split regex or an OpenAI encoding name whose
        regex (and special tokens) to use, e.g. ``"cl100k_base"``."""
        ranks = read_rank_file(path)
        if "(" not in pattern and "\\" not in pattern:
            params = openai_params(pattern, ranks)
            pat_str, specials = params["pat_str"], params["special_tokens"]
        else:
            pat_str, specials = pattern, {}
        if special_tokens is not None:
            specials = special_tokens
        nm = name or Path(path).name.split(".")[0]
        _check_special_ids(specials, len(ranks), str(path))
        enc = build_encoding(nm, pat_str, ranks, specials, source=str(path))
        tok = cls(enc, name=nm, required_normalization=required_normalization)
        tok._source_key = file_identity(path)
        return tok

    @property
    def vocab_size(self) -> int:
        return int(self.encoding.n_vocab)

    def fast_counter(self) -> FastCounter | None:
        # Only the catalogue's own OpenAI encodings, whose vocabulary bpe-openai is pinned to.
        if self.text_tokens:
            return None
        return counter_for_entry(getattr(self, "catalogue_entry", None))

    def _token_nbytes(self) -> np.ndarray:
        if self._nbytes is None:
            ranks = self.encoding._mergeable_ranks
            nb = np.zeros(self.encoding.n_vocab, dtype=np.int64)
            ids = np.fromiter(ranks.values(), dtype=np.int64, count=len(ranks))
            lens = np.fromiter(map(len, ranks.keys()), dtype=np.int64, count=len(ranks))
            nb[ids] = lens
            for tok, i in self.encoding._special_tokens.items():
                nb[i] = len(tok.encode())
            self._nbytes = nb
        return self._nbytes

    def _encode_ids(self, texts: list[str]) -> list[Sequence[int]]:
        enc = self.encoding
        # A plain loop beats encode_ordinary_batch's thread pool on short segments; the engine
        # parallelises across processes instead.
        if not self.text_tokens:
            return list(map(enc.encode_ordinary, texts))
        allowed, ordinary = self.text_tokens, enc.encode_ordinary
        firsts = tuple({t[0] for t in allowed})
        # Only a text holding a text token's first character can contain one: the rest takes
        # the plain path.
        return [enc.encode(t, allowed_special=allowed, disallowed_special=())
                if any(c in t for c in firsts) else ordinary(t) for t in texts]

    def _encode_spans(self, texts: list[str]) -> TokenArrays:
        arrays = ids_to_arrays(self._encode_ids(texts))
        arrays.starts, arrays.ends = spans_from_byte_lengths(arrays.ids, arrays.lengths,
                                                             self._token_nbytes())
        return arrays

    def _hash_params(self) -> tuple[str, ...]:
        enc = self.encoding
        return (enc._pat_str, self.pre_normalization, repr(sorted(enc._special_tokens.items())))

    def _canonical_bytes(self) -> bytes:
        enc = self.encoding
        ranks = sorted(enc._mergeable_ranks.items(), key=lambda kv: kv[1])
        lines = [b"pat " + enc._pat_str.encode(), b"norm " + self.pre_normalization.encode()]
        lines += [base64.b64encode(t) + b" " + str(r).encode() for t, r in ranks]
        lines += [b"special " + k.encode() + b" " + str(v).encode()
                  for k, v in sorted(enc._special_tokens.items())]
        return b"\n".join(lines)

    def _vocab_bytes(self) -> list[bytes | None]:
        # A token's bytes are its rank key (what decode_single_token_bytes returns); special
        # tokens and unused ids stand for no text.
        out: list[bytes | None] = [None] * self.vocab_size
        for tok, i in self.encoding._mergeable_ranks.items():
            out[i] = tok
        return out

    def _special_tokens(self) -> dict[int, str]:
        return {int(i): s for s, i in self.encoding._special_tokens.items()}

    def _byte_fallback_mask(self) -> np.ndarray:
        mask = np.zeros(self.vocab_size, dtype=bool)
        for tok, i in self.encoding._mergeable_ranks.items():
            if not valid_utf8(tok):
                mask[i] = True
        return mask
