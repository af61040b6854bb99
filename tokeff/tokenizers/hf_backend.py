"""Hugging Face ``tokenizers`` backend: a ``tokenizer.json``."""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Sequence
from itertools import chain
from pathlib import Path

import numpy as np

from ..errors import TokenizerError
from .base import Tokenizer, TokenArrays, char_to_byte_offsets, ids_to_arrays, valid_utf8

_BYTE_TOKEN = re.compile(r"^<0x[0-9A-Fa-f]{2}>$")


def _bytes_to_unicode() -> dict[str, int]:
    """GPT-2's byte <-> printable-character table, inverted (char -> byte)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


class HFTokenizer(Tokenizer):
    """Wrap a :class:`tokenizers.Tokenizer`: no special tokens added, special-token strings in
    the text encoded as ordinary text, padding and truncation off.

    >>> from tokenizers import Tokenizer as T  # doctest: +SKIP
    >>> tok = HFTokenizer(T.from_file("tokenizer.json"), name="mine")  # doctest: +SKIP
    """

    backend = "tokenizers"

    def __init__(self, tokenizer, *, name: str):
        import tokenizers

        super().__init__(name)
        tokenizer.no_padding()
        tokenizer.no_truncation()
        try:
            tokenizer.encode_special_tokens = True
        except AttributeError:  # tokenizers < 0.19
            pass
        self.tokenizer = tokenizer
        self.backend_version = tokenizers.__version__
        self._json_cache: dict | None = None
        self._unk: tuple[int | None] | None = None

    @property
    def _json(self) -> dict:
        """The tokenizer's JSON, parsed on first use (half the load time of a large
        tokenizer.json; counting does not need it)."""
        if self._json_cache is None:
            self._json_cache = json.loads(self.tokenizer.to_str())
        return self._json_cache

    @property  # type: ignore[override]
    def unk_id(self) -> int | None:
        if self._unk is None:
            model = self.tokenizer.model
            unk = getattr(model, "unk_token", None)
            if unk is not None:
                self._unk = (self.tokenizer.token_to_id(unk),)
            elif type(model).__name__ == "Unigram":
                unk_idx = self._json["model"].get("unk_id")
                self._unk = (int(unk_idx) if unk_idx is not None else None,)
            else:
                self._unk = (None,)
        return self._unk[0]

    @classmethod
    def from_file(cls, path: str | Path, *, name: str | None = None) -> HFTokenizer:
        from tokenizers import Tokenizer as _T

        path = Path(path)
        if not path.is_file():
            raise TokenizerError(f"tokenizer file not found: {path}")
        try:
            tok = _T.from_file(str(path))
        except Exception as e:
            raise TokenizerError(f"{path} is not a valid Hugging Face tokenizer.json: {e}") from None
        return cls(tok, name=name or path.parent.name or path.stem)

    @classmethod
    def from_str(cls, data: str, *, name: str) -> HFTokenizer:
        from tokenizers import Tokenizer as _T

        return cls(_T.from_str(data), name=name)

    @property
    def vocab_size(self) -> int:
        return int(self.tokenizer.get_vocab_size(with_added_tokens=True))

    def _encode_ids(self, texts: list[str]) -> list[Sequence[int]]:
        encs = self.tokenizer.encode_batch_fast(texts, add_special_tokens=False) \
            if hasattr(self.tokenizer, "encode_batch_fast") else \
            self.tokenizer.encode_batch(texts, add_special_tokens=False)
        return list(map(operator.attrgetter("ids"), encs))

    def _encode_spans(self, texts: list[str]) -> TokenArrays:
        encs = self.tokenizer.encode_batch(texts, add_special_tokens=False)
        arrays = ids_to_arrays(list(map(operator.attrgetter("ids"), encs)))
        n = int(arrays.lengths.sum())
        offs = np.fromiter(chain.from_iterable(chain.from_iterable(
            map(operator.attrgetter("offsets"), encs))), dtype=np.int64, count=2 * n)
        offs = offs.reshape(n, 2)
        # HF offsets are character offsets into each text: convert to byte offsets.
        c2b, char_base, byte_base = char_to_byte_offsets(texts)
        seg_char = np.repeat(char_base, arrays.lengths)
        seg_byte = np.repeat(byte_base, arrays.lengths)
        arrays.starts = c2b[seg_char + offs[:, 0]] - seg_byte
        arrays.ends = c2b[seg_char + offs[:, 1]] - seg_byte
        return arrays

    def _canonical_bytes(self) -> bytes:
        d = dict(self._json)
        d.pop("padding", None)
        d.pop("truncation", None)
        return json.dumps(d, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()

    def _token_entries(self) -> list[tuple[int, bytes, bool, bool]]:
        """``(id, bytes, special, in the model vocabulary)`` for every token string of the
        tokenizer, in its own order: the backend's one rule for token bytes."""
        j = self._json
        shape = json.dumps(j.get("pre_tokenizer")) + json.dumps(j.get("decoder"))
        byte_level = "ByteLevel" in shape
        m = re.search(r'"replacement":\s*"(.)"', shape)
        repl = m.group(1) if m else "▁"
        table = _bytes_to_unicode()
        # str.translate + latin-1 turns a byte-level token string into its bytes at C speed; a
        # string with characters outside the table is kept as literal text.
        trans = {ord(c): chr(b) for c, b in table.items()}
        outside = re.compile("[^" + re.escape("".join(table)) + "]")
        added = {int(a["id"]): a for a in j.get("added_tokens", [])}
        model = self.tokenizer.get_vocab(with_added_tokens=False)
        out: list[tuple[int, bytes, bool, bool]] = []
        for s, i in self.tokenizer.get_vocab(with_added_tokens=True).items():
            a = added.get(i)
            special = False
            if a is not None and a.get("content") == s:
                b, special = s.encode("utf-8"), bool(a.get("special", False))
            elif len(s) == 6 and _BYTE_TOKEN.match(s):
                b = bytes([int(s[3:5], 16)])
            elif byte_level and not outside.search(s):
                b = s.translate(trans).encode("latin-1")
            elif byte_level:
                b = s.encode("utf-8")
            else:
                b = s.replace(repl, " ").encode("utf-8")
            out.append((int(i), b, special, model.get(s) == i))
        return out

    def _vocab_entries(self) -> list[tuple[int, bytes, bool]]:
        return [(i, b, special) for i, b, special, _ in self._token_entries()]

    def _vocab_bytes(self) -> list[bytes | None]:
        entries = self._token_entries()
        n = max(self.vocab_size, max((e[0] for e in entries), default=-1) + 1)
        out: list[bytes | None] = [None] * n
        for i, b, special, in_model in entries:
            # A tokenizer.json whose model vocabulary has gaps gets its added tokens renumbered
            # by the library onto ids the model uses: the model's token keeps the id's bytes.
            if not special and (in_model or out[i] is None):
                out[i] = b
        return out

    def _special_tokens(self) -> dict[int, str]:
        # The special entries of _token_entries, without walking the whole vocabulary.
        vocab = self.tokenizer.get_vocab(with_added_tokens=True)
        return {int(a["id"]): str(a["content"]) for a in self._json.get("added_tokens", [])
                if a.get("special", False) and vocab.get(a.get("content")) == int(a["id"])}

    def _byte_fallback_mask(self) -> np.ndarray:
        # Byte pieces (<0xNN>) and tokens whose bytes (vocab_bytes' rule) are not UTF-8 alone.
        mask = np.zeros(self.vocab_size, dtype=bool)
        table = self.vocab_bytes()
        for tok, i in self.tokenizer.get_vocab(with_added_tokens=False).items():
            if i >= len(mask):
                continue
            b = table[i]
            if _BYTE_TOKEN.match(tok) or (b is not None and not valid_utf8(b)):
                mask[i] = True
        return mask
