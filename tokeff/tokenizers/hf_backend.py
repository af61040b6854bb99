"""Hugging Face ``tokenizers`` backend: a ``tokenizer.json``."""

from __future__ import annotations

import functools
import hashlib
import json
import operator
import re
from collections.abc import Sequence
from typing import Any
from itertools import chain
from pathlib import Path

import numpy as np

from ..errors import TokenizerError
from ._hashcache import file_identity
from .base import (
    TokenArrays,
    Tokenizer,
    char_to_byte_offsets,
    ids_to_arrays,
    invalid_utf8_flat,
)

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


def _short_text(x: object) -> str:
    """A short, signature-safe spelling of a Replace/Prepend argument: ASCII letters and digits
    as themselves, other characters as U+XXXX; long strings and regexes by a hash."""
    if isinstance(x, dict):  # {"String": " "} or {"Regex": "..."}
        if "Regex" in x:
            return "re#" + hashlib.sha256(str(x["Regex"]).encode()).hexdigest()[:8]
        x = x.get("String", "")
    text = str(x)
    if len(text) > 8:
        return "#" + hashlib.sha256(text.encode()).hexdigest()[:8]
    return "".join(c if c.isascii() and c.isalnum() else f"U+{ord(c):04X}" for c in text)


def normalizer_summary(state: dict | None) -> str:
    """A Hugging Face normaliser (its JSON) as a stable short string: the steps in order,
    joined by ``+`` (``"NFKC"``, ``"NFD+lowercase+strip_accents"``,
    ``"replace(U+0020>U+2581)+prepend(U+2581)"``), ``"none"`` when there is none.

    >>> normalizer_summary({"type": "Sequence", "normalizers": [{"type": "NFKC"},
    ...                     {"type": "Lowercase"}]})
    'NFKC+lowercase'
    >>> normalizer_summary({"type": "Sequence", "normalizers": []})
    'none'
    """
    parts = _normalizer_parts(state)
    return "+".join(parts) if parts else "none"


def _normalizer_parts(d: dict | None) -> list[str]:
    if not d:
        return []
    t = str(d.get("type"))
    if t == "Sequence":
        return [p for n in d.get("normalizers") or () for p in _normalizer_parts(n)]
    if t in ("NFC", "NFD", "NFKC", "NFKD"):
        return [t]
    if t == "Lowercase":
        return ["lowercase"]
    if t == "StripAccents":
        return ["strip_accents"]
    if t == "Strip":
        left, right = d.get("strip_left", True), d.get("strip_right", True)
        return ["strip" if left and right else "lstrip" if left else "rstrip"] \
            if left or right else []
    if t == "Replace":
        return [f"replace({_short_text(d.get('pattern'))}>{_short_text(d.get('content'))})"]
    if t == "Prepend":
        return [f"prepend({_short_text(d.get('prepend'))})"]
    if t == "BertNormalizer":
        lower = bool(d.get("lowercase", True))
        strip = d.get("strip_accents")
        flags = [name for name, on in (("clean", d.get("clean_text", True)),
                                       ("cjk_spaces", d.get("handle_chinese_chars", True)),
                                       ("strip_accents", lower if strip is None else strip),
                                       ("lowercase", lower)) if on]
        return [f"bert({','.join(flags)})"]
    if t == "Precompiled":  # a sentencepiece charsmap (often nmt_nfkc), known only by its bytes
        blob = str(d.get("precompiled_charsmap", ""))
        return ["precompiled#" + hashlib.sha256(blob.encode()).hexdigest()[:8]] if blob else []
    if t == "ByteLevel":  # a reversible byte-to-character mapping, not a normalisation
        return []
    return [t.lower()]


def hf_internal_normalization(tokenizer) -> str:
    """:func:`normalizer_summary` of a ``tokenizers.Tokenizer`` (reads only the normaliser's
    own JSON, not the whole tokenizer)."""
    norm = tokenizer.normalizer
    if norm is None:
        return "none"
    return normalizer_summary(json.loads(norm.__getstate__()))


_MODEL_TYPES = ("BPE", "WordPiece", "WordLevel", "Unigram")


def _why_not_a_tokenizer(path: Path, err: Exception) -> str:
    """Name the cause when the tokenizers library refuses a file (its own message, e.g.
    "expected `,` or `}` at line 1 column 8", says where its parser stopped, not why)."""
    head = f"{path} is not a Hugging Face tokenizer.json"
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return f"{head}: it is not UTF-8 text (a binary file? a sentencepiece .model is spm:PATH)"
    except OSError as e:
        return f"cannot read {path}: {e.strerror}"
    if not text.strip():
        return f"{head}: the file is empty"
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        return f"{path}, line {e.lineno}, column {e.colno}: not valid JSON ({e.msg})"
    if not isinstance(doc, dict):
        return (f"{head}: it holds a JSON {'array' if isinstance(doc, list) else type(doc).__name__}"
                ", and a tokenizer.json is an object with a \"model\"")
    model = doc.get("model")
    if not isinstance(model, dict):
        keys = ", ".join(sorted(map(str, doc))[:8]) or "none"
        return (f"{head}: it has no \"model\" (its keys: {keys}). A tokenizer.json has "
                "\"model\", \"normalizer\", \"pre_tokenizer\", \"added_tokens\", ...; if this "
                "is a config.json or tokenizer_config.json, give the tokenizer.json beside it")
    mtype = model.get("type")
    if mtype is not None and mtype not in _MODEL_TYPES:
        return (f"{head}: model type {mtype!r} is not one the tokenizers library knows "
                f"({', '.join(_MODEL_TYPES)})")
    return (f"{head} this version of the tokenizers library can read ({err}); it may need a "
            "newer tokenizers (pip install -U tokenizers)")


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
        self.internal_normalization = hf_internal_normalization(tokenizer)
        self._json_cache: dict | None = None
        self._unk: tuple[int | None] | None = None

    @property
    def _json(self) -> dict:
        """The tokenizer's JSON, parsed on first use and then kept, for callers that read it
        repeatedly. tokeff's own code does not use it: the parsed JSON of a large
        tokenizer.json holds 100+ MB, and counting needs none of it."""
        if self._json_cache is None:
            self._json_cache = json.loads(self.tokenizer.to_str())
        return self._json_cache

    def _part(self, name: str) -> dict | None:
        """One component's JSON (``model``, ``pre_tokenizer``, ``decoder``), without
        serialising the whole tokenizer."""
        obj = getattr(self.tokenizer, name, None)
        return None if obj is None else json.loads(obj.__getstate__())

    @property  # type: ignore[override]
    def unk_id(self) -> int | None:
        if self._unk is None:
            model = self.tokenizer.model
            unk = getattr(model, "unk_token", None)
            if unk is not None:
                self._unk = (self.tokenizer.token_to_id(unk),)
            elif type(model).__name__ == "Unigram":
                unk_idx = (self._part("model") or {}).get("unk_id")
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
        except Exception as e:  # noqa: BLE001 - tokenizers raises plain Exceptions
            raise TokenizerError(_why_not_a_tokenizer(path, e)) from None
        out = cls(tok, name=name or path.parent.name or path.stem)
        out._source_key = file_identity(path)
        return out

    @classmethod
    def from_str(cls, data: str | bytes, *, name: str) -> HFTokenizer:
        """From the text of a tokenizer.json, or its UTF-8 bytes (read as they are: no Python
        string of the whole file, 35 MB for glm-4's, is made)."""
        from tokenizers import Tokenizer as _T

        if isinstance(data, bytes):
            return cls(_T.from_buffer(data), name=name)
        return cls(_T.from_str(data), name=name)

    @property
    def vocab_size(self) -> int:
        return int(self.tokenizer.get_vocab_size(with_added_tokens=True))

    def _encodings(self, texts: list[str]) -> list[Any]:
        return self.tokenizer.encode_batch_fast(texts, add_special_tokens=False) \
            if hasattr(self.tokenizer, "encode_batch_fast") else \
            self.tokenizer.encode_batch(texts, add_special_tokens=False)

    def _encode_ids(self, texts: list[str]) -> list[Sequence[int]]:
        return list(map(operator.attrgetter("ids"), self._encodings(texts)))

    def _count_lengths(self, texts: list[str]) -> np.ndarray:
        # len() of an Encoding, without building its list of ids in Python.
        encs = self._encodings(texts)
        return np.fromiter(map(len, encs), dtype=np.int64, count=len(encs))

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

    def _hash_params(self) -> tuple[str, ...]:
        # Tokens added after loading change the hash without changing the file.
        return (str(self.vocab_size),)

    def _canonical_bytes(self) -> bytes:
        d = json.loads(self.tokenizer.to_str())  # not kept: see _json
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
        """Byte tokens (``<0xNN>``) and, for byte-level BPE, tokens whose bytes are not valid
        UTF-8 alone. The token strings are fetched once; mapping their characters to bytes and
        checking UTF-8 is numpy over the whole vocabulary."""
        n = self.vocab_size
        mask = np.zeros(n, dtype=bool)
        # The model's own tokens by id (added tokens are not byte pieces): a call per id is
        # about twice as fast as get_vocab() building a dict.
        model = self.tokenizer.model
        by_id = list(map(model.id_to_token, range(n)))
        ids = np.array([i for i, t in enumerate(by_id) if t is not None], dtype=np.int64)
        toks = [by_id[i] for i in ids.tolist()]
        byte_ids = [i for i in map(model.token_to_id, _BYTE_TOKEN_SPELLINGS)
                    if i is not None and i < n]
        mask[byte_ids] = True
        text = json.dumps(self._part("pre_tokenizer")) + json.dumps(self._part("decoder"))
        if "ByteLevel" not in text or not toks:
            return mask
        lengths = np.fromiter(map(len, toks), dtype=np.int64, count=len(toks))
        # GPT-2's printable characters back to bytes, all tokens at once; a token with a
        # character outside that alphabet (not byte-level text) is left unmarked.
        cps = np.frombuffer("".join(toks).encode("utf-32-le"), dtype=np.uint32)
        lut = _byte_level_lut()
        vals = lut[np.minimum(cps, len(lut) - 1)]
        foreign = np.zeros(len(toks), dtype=bool)
        nonempty = lengths > 0
        starts = (np.cumsum(lengths) - lengths)[nonempty]
        foreign[nonempty] = np.logical_or.reduceat(vals < 0, starts)
        bad = invalid_utf8_flat(vals.astype(np.uint8), lengths) & ~foreign
        mask[ids[bad]] = True
        return mask


def _hex_spellings(b: int) -> list[str]:
    """``<0xNN>`` for byte ``b`` in every letter case of its hex digits (``<0xaB>`` too)."""
    out = [""]
    for ch in f"{b:02x}":
        out = [o + c for o in out for c in dict.fromkeys((ch, ch.upper()))]
    return [f"<0x{h}>" for h in out]


_BYTE_TOKEN_SPELLINGS = [s for b in range(256) for s in _hex_spellings(b)]


@functools.lru_cache(maxsize=1)
def _byte_level_lut() -> np.ndarray:
    """Code point -> byte of GPT-2's byte-level alphabet; -1 for other characters (the last
    slot stands for every code point beyond the alphabet)."""
    table = _bytes_to_unicode()
    lut = np.full(max(map(ord, table)) + 2, -1, dtype=np.int16)
    for c, b in table.items():
        lut[ord(c)] = b
    return lut
