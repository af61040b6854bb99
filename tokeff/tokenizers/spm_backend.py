"""sentencepiece backend: a ``.model`` file. No BOS/EOS, no sampling."""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Sequence
from itertools import chain
from pathlib import Path

import numpy as np

from ..errors import TokenizerError
from .base import Tokenizer, TokenArrays, ids_to_arrays


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
        unk = processor.unk_id()
        self.unk_id = int(unk) if unk >= 0 else None

    @classmethod
    def from_file(cls, path: str | Path, *, name: str | None = None) -> SPMTokenizer:
        import sentencepiece

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

    def _byte_fallback_mask(self) -> np.ndarray:
        sp = self.processor
        return np.fromiter((sp.is_byte(i) for i in range(sp.vocab_size())), dtype=bool,
                           count=sp.vocab_size())
