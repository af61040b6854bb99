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
        sp = sentencepiece.SentencePieceProcessor()
        try:
            sp.Load(model_proto=path.read_bytes())
        except Exception as e:
            raise TokenizerError(f"{path} is not a valid sentencepiece model: {e}") from None
        return cls(sp, name=name or path.stem)

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
        sp = self.processor
        return np.fromiter((sp.is_byte(i) for i in range(sp.vocab_size())), dtype=bool,
                           count=sp.vocab_size())
