"""tiktoken backend: an ``Encoding`` built from a rank file or a registered name."""

from __future__ import annotations

import base64
import gzip
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import TokenizerError
from .base import Tokenizer, TokenArrays, ids_to_arrays, spans_from_byte_lengths, valid_utf8

_PATCH_LOCK = threading.Lock()


def read_rank_file(path: str | Path) -> dict[bytes, int]:
    """Read a tiktoken rank file (``base64-token rank`` per line; ``.gz`` allowed)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise TokenizerError(f"cannot read tiktoken rank file {path}: {e.strerror}") from None
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    ranks: dict[bytes, int] = {}
    for lineno, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            tok, rank = line.split()
            ranks[base64.b64decode(tok, validate=True)] = int(rank)
        except Exception:
            raise TokenizerError(
                f"{path}, line {lineno}: not a tiktoken rank line (expected 'BASE64 RANK'): "
                f"{line[:60]!r}"
            ) from None
    if not ranks:
        raise TokenizerError(f"tiktoken rank file {path} is empty")
    return ranks


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

    def __init__(self, encoding, *, name: str | None = None, required_normalization: str = "none"):
        import tiktoken

        super().__init__(name or encoding.name)
        self.encoding = encoding
        self.backend_version = tiktoken.__version__
        self.required_normalization = required_normalization
        self._nbytes: np.ndarray | None = None

    @classmethod
    def from_rank_file(cls, path: str | Path, *, pattern: str, name: str | None = None,
                       special_tokens: dict[str, int] | None = None,
                       required_normalization: str = "none") -> TiktokenTokenizer:
        """Build from a rank file; ``pattern`` is a split regex or an OpenAI encoding name whose
        regex (and special tokens) to use, e.g. ``"cl100k_base"``."""
        import tiktoken

        ranks = read_rank_file(path)
        if "(" not in pattern and "\\" not in pattern:
            params = openai_params(pattern, ranks)
            pat_str, specials = params["pat_str"], params["special_tokens"]
        else:
            pat_str, specials = pattern, {}
        if special_tokens is not None:
            specials = special_tokens
        nm = name or Path(path).name.split(".")[0]
        enc = tiktoken.Encoding(name=nm, pat_str=pat_str, mergeable_ranks=ranks,
                                special_tokens=specials)
        return cls(enc, name=nm, required_normalization=required_normalization)

    @property
    def vocab_size(self) -> int:
        return int(self.encoding.n_vocab)

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
        return list(map(enc.encode_ordinary, texts))

    def _encode_spans(self, texts: list[str]) -> TokenArrays:
        arrays = ids_to_arrays(self._encode_ids(texts))
        arrays.starts, arrays.ends = spans_from_byte_lengths(arrays.ids, arrays.lengths,
                                                             self._token_nbytes())
        return arrays

    def _canonical_bytes(self) -> bytes:
        enc = self.encoding
        ranks = sorted(enc._mergeable_ranks.items(), key=lambda kv: kv[1])
        lines = [b"pat " + enc._pat_str.encode(), b"norm " + self.required_normalization.encode()]
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
