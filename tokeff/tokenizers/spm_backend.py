"""sentencepiece backend: a ``.model`` file. No BOS/EOS, no sampling."""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Sequence
from itertools import chain
from pathlib import Path

import numpy as np

from ..errors import TokenizerError
from .base import TokenArrays, Tokenizer, ids_to_arrays


def _fields(buf: bytes):
    """Top-level fields of a protobuf message: ``(number, wire type, value)``; enough of the
    wire format to read a sentencepiece ``ModelProto`` without the protobuf package."""
    i, n = 0, len(buf)

    def varint() -> int:
        nonlocal i
        v = shift = 0
        while True:
            b = buf[i]
            i += 1
            v |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                return v

    while i < n:
        key = varint()
        num, wire = key >> 3, key & 7
        if wire == 0:
            yield num, wire, varint()
        elif wire == 2:
            size = varint()
            yield num, wire, buf[i:i + size]
            i += size
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")


def normalization_rule(model_proto: bytes) -> str:
    """The normalisation rule a sentencepiece model applies itself, from its
    ``normalizer_spec``: ``nmt_nfkc``, ``nfkc``, ``nmt_nfkc_cf``, ``nfkc_cf``, ...; ``none`` for
    ``identity``; a custom rule table as ``user_defined#HASH``.

    Only the Unicode rule is named; the model's whitespace handling (``add_dummy_prefix``,
    ``remove_extra_whitespaces``) is part of its segmentation, as a pre-tokenizer is for
    other backends.
    """
    spec = b""
    # Skip the vocabulary (field 1, one short record per piece, written first) without the
    # generator: 32k pieces cost 35 ms through _fields, a few here.
    buf, i, n = model_proto, 0, len(model_proto)
    while i + 1 < n and buf[i] == 0x0A and buf[i + 1] < 0x80:
        i += 2 + buf[i + 1]
    try:
        for num, wire, value in _fields(buf[i:] if i <= n else b""):
            if num == 3 and wire == 2:  # ModelProto.normalizer_spec
                spec = value
                break
        name, charsmap = "", b""
        for num, wire, value in _fields(spec):
            if num == 1 and wire == 2:
                name = value.decode("utf-8")
            elif num == 2 and wire == 2:
                charsmap = value
    except (IndexError, ValueError, UnicodeDecodeError):
        return "unknown"
    if name in ("", "identity") and not charsmap:
        return "none"
    if name in ("", "user_defined"):
        return "user_defined#" + hashlib.sha256(charsmap).hexdigest()[:8]
    return name


def load_processor(data: bytes, *, source: str):
    """A ``SentencePieceProcessor`` from the bytes of a ``.model`` file, or an error that names
    ``source`` and the likely cause."""
    import sentencepiece

    if not data:
        raise TokenizerError(f"{source} is empty (0 bytes), not a sentencepiece model; the "
                             "download or copy may have failed. Fix: fetch the .model again")
    if data.lstrip()[:1] in (b"{", b"["):
        raise TokenizerError(f"{source} is JSON, not a sentencepiece model (a binary protobuf); "
                             "a Hugging Face tokenizer.json is loaded as hf:PATH")
    sp = sentencepiece.SentencePieceProcessor()
    try:
        sp.Load(model_proto=data)
    except (RuntimeError, OSError, ValueError) as e:
        raise TokenizerError(f"{source} is not a sentencepiece model (a truncated or foreign "
                             f"file? sentencepiece says: {str(e).strip()})") from None
    return sp


class SPMTokenizer(Tokenizer):
    """Wrap a :class:`sentencepiece.SentencePieceProcessor`.

    >>> tok = SPMTokenizer.from_file("tokenizer.model")  # doctest: +SKIP
    """

    backend = "sentencepiece"

    def __init__(self, processor, *, name: str):
        import sentencepiece

        super().__init__(name)
        self.processor = processor
        self.backend_version = sentencepiece.__version__
        self.internal_normalization = normalization_rule(processor.serialized_model_proto())
        unk = processor.unk_id()
        self.unk_id = int(unk) if unk >= 0 else None

    @classmethod
    def from_file(cls, path: str | Path, *, name: str | None = None) -> SPMTokenizer:

        path = Path(path)
        if not path.is_file():
            raise TokenizerError(f"sentencepiece model not found: {path}")
        try:
            data = path.read_bytes()
        except OSError as e:
            raise TokenizerError(f"cannot read sentencepiece model {path}: {e.strerror}") from None
        return cls(load_processor(data, source=str(path)), name=name or path.stem)

    @property
    def vocab_size(self) -> int:
        return int(self.processor.vocab_size())

    def _encode_ids(self, texts: list[str]) -> list[Sequence[int]]:
        return self.processor.encode(texts, add_bos=False, add_eos=False, enable_sampling=False,
                                     num_threads=1)

    def _encode_spans(self, texts: list[str]) -> TokenArrays:
        res = self.processor.encode(texts, add_bos=False, add_eos=False, enable_sampling=False,
                                    num_threads=1, return_type="offset_mapping", return_bytes=True)
        arrays = ids_to_arrays(list(map(operator.itemgetter("ids"), res)))
        n = int(arrays.lengths.sum())
        offs = np.fromiter(chain.from_iterable(chain.from_iterable(
            map(operator.itemgetter("offsets"), res))), dtype=np.int64, count=2 * n).reshape(n, 2)
        arrays.starts = offs[:, 0].copy()
        arrays.ends = offs[:, 1].copy()
        return arrays

    def _canonical_bytes(self) -> bytes:
        return hashlib.sha256(self.processor.serialized_model_proto()).digest()

    def _vocab_bytes(self) -> list[bytes | None]:
        sp = self.processor
        out: list[bytes | None] = []
        for i in range(sp.vocab_size()):
            if sp.is_byte(i):  # "<0xE4>": that one byte
                out.append(bytes([int(sp.id_to_piece(i)[3:5], 16)]))
            elif sp.is_control(i) or sp.is_unknown(i):
                out.append(None)
            else:
                out.append(sp.id_to_piece(i).replace("▁", " ").encode("utf-8"))
        return out

    def _special_tokens(self) -> dict[int, str]:
        sp = self.processor
        return {i: sp.id_to_piece(i) for i in range(sp.vocab_size())
                if sp.is_control(i) or sp.is_unknown(i)}

    def _byte_fallback_mask(self) -> np.ndarray:
        # Byte pieces are named <0xNN>: 256 lookups instead of a call per vocabulary entry.
        sp = self.processor
        mask = np.zeros(sp.vocab_size(), dtype=bool)
        ids = [sp.piece_to_id(f"<0x{b:02X}>") for b in range(256)]
        mask[[i for i in ids if sp.is_byte(i)]] = True
        return mask
