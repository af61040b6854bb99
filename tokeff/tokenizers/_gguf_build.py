"""Rebuild a GGUF vocabulary as a tokenizer of an existing backend (no re-implementation).

- ``llama`` (SentencePiece BPE: scores, byte fallback, dummy prefix) and ``t5`` (SentencePiece
  unigram with its precompiled normalisation map) become a sentencepiece ``ModelProto``,
  serialised here (a handful of protobuf fields; no ``protobuf`` dependency) and loaded by
  ``sentencepiece`` itself: llama.cpp's SPM and UGM tokenizers are ports of those algorithms.
- ``gpt2`` (byte-level BPE) becomes a Hugging Face ``tokenizers`` BPE with the merges in GGUF
  order, ``ignore_merges`` where llama.cpp sets it, and the pre-tokenizer as the sequence of
  split regexes llama.cpp uses for the file's ``tokenizer.ggml.pre`` (each regex splits the pieces
  the previous one produced, matches and gaps both kept: ``Split(..., "isolated")``).
- ``gemma4`` (BPE over raw UTF-8 with ``<0xNN>`` byte fallback, spaces written ``▁``) becomes a
  ``tokenizers`` BPE with a ``▁`` normaliser and llama.cpp's newline split.
- ``bert`` (WordPiece; GGUF writes word-initial pieces with a ``▁`` prefix and continuations
  bare) becomes a ``tokenizers`` WordPiece with ``##`` continuations and the BERT normaliser.

User-defined tokens (GGUF token type 4) are matched in the text before the model runs, as
llama.cpp does (non-special added tokens); control tokens (type 3) never are (tokeff counts
text, never special tokens).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any

import numpy as np

# GGUF token types (gguf.TokenType; the same numbers as sentencepiece's piece types).
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6

# ---------------------------------------------------------------------------------------------
# sentencepiece ModelProto (field numbers of sentencepiece_model.proto)
# ---------------------------------------------------------------------------------------------


def _varint(n: int) -> bytes:
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field_bytes(num: int, data: bytes) -> bytes:
    return _varint(num << 3 | 2) + _varint(len(data)) + data


def _field_int(num: int, value: int) -> bytes:
    return _varint(num << 3) + _varint(value)


def _field_float(num: int, value: float) -> bytes:
    return _varint(num << 3 | 5) + struct.pack("<f", value)


def spm_model_proto(tokens: Sequence[str], scores: np.ndarray, types: np.ndarray, *,
                    unigram: bool, byte_fallback: bool, add_dummy_prefix: bool,
                    remove_extra_whitespaces: bool, precompiled_charsmap: bytes = b"") -> bytes:
    """A serialised sentencepiece ``ModelProto``: one piece per GGUF token, in id order.

    sentencepiece accepts a single UNKNOWN piece: further GGUF "unknown" tokens (padding
    entries such as ``[PAD32011]``) become UNUSED, which sentencepiece never emits either.
    """
    parts: list[bytes] = []
    seen_unk = False
    for tok, score, typ in zip(tokens, scores.tolist(), types.tolist()):
        t = int(typ) if int(typ) in (NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE) \
            else NORMAL
        if t == UNKNOWN:
            if seen_unk:
                t = UNUSED
            seen_unk = True
        piece = _field_bytes(1, tok.encode("utf-8", "surrogateescape")) + \
            _field_float(2, float(score)) + _field_int(3, t)
        parts.append(_field_bytes(1, piece))
    trainer = (_field_int(3, 1 if unigram else 2) + _field_int(4, len(tokens))
               + _field_int(35, int(byte_fallback)))
    parts.append(_field_bytes(2, trainer))
    # "user_defined": the rule is the charsmap itself (tnorm: user_defined#<its hash>).
    norm = _field_bytes(1, b"user_defined" if precompiled_charsmap else b"identity")
    if precompiled_charsmap:
        norm += _field_bytes(2, precompiled_charsmap)
    norm += (_field_int(3, int(add_dummy_prefix)) + _field_int(4, int(remove_extra_whitespaces))
             + _field_int(5, 1))
    parts.append(_field_bytes(3, norm))
    return b"".join(parts)


# ---------------------------------------------------------------------------------------------
# Hugging Face tokenizers
# ---------------------------------------------------------------------------------------------


def _split_merges(merges: Sequence[str]) -> list[tuple[str, str]]:
    """llama.cpp splits a merge at the first space after its first byte; a merge with no such
    space can never apply (it becomes the empty pair there), so it is left out."""
    out: list[tuple[str, str]] = []
    for m in merges:
        pos = m.find(" ", 1)
        if pos > 0:
            out.append((m[:pos], m[pos + 1:]))
    return out


def _add_tokens(tok: Any, tokens: Sequence[str], types: np.ndarray | None) -> None:
    """Register user-defined tokens (matched in raw text, as llama.cpp's partition does) and
    control tokens (special: tokeff's HF wrapper encodes special-token text as plain text)."""
    from tokenizers import AddedToken

    if types is None:
        return
    user = [AddedToken(tokens[i], special=False, normalized=False)
            for i in np.flatnonzero(types == USER_DEFINED).tolist()]
    control = [AddedToken(tokens[i], special=True, normalized=False)
               for i in np.flatnonzero(types == CONTROL).tolist()]
    if user:
        tok.add_tokens(user)
    if control:
        tok.add_special_tokens(control)


def hf_bytelevel_bpe(tokens: Sequence[str], merges: Sequence[str], types: np.ndarray | None, *,
                     regexes: Sequence[str], ignore_merges: bool) -> Any:
    """A ``tokenizers.Tokenizer`` for a byte-level BPE vocabulary (GGUF ``gpt2``)."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers

    vocab = {t: i for i, t in enumerate(tokens)}
    model = models.BPE(vocab=vocab, merges=_split_merges(merges), fuse_unk=False,
                       byte_fallback=False, ignore_merges=ignore_merges)
    tok = Tokenizer(model)
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Split(Regex(r), behavior="isolated") for r in regexes]
        + [pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False,
                                    use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    _add_tokens(tok, tokens, types)
    return tok


def hf_spm_style_bpe(tokens: Sequence[str], merges: Sequence[str], types: np.ndarray | None
                     ) -> Any:
    """A ``tokenizers.Tokenizer`` for llama.cpp's ``gemma4`` model: BPE over raw UTF-8 after
    spaces are written ``▁``, split at newline runs, ``<0xNN>`` tokens for bytes no merge
    covers."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers

    vocab = {t: i for i, t in enumerate(tokens)}
    model = models.BPE(vocab=vocab, merges=_split_merges(merges), fuse_unk=False,
                       byte_fallback=True, ignore_merges=False)
    tok = Tokenizer(model)
    tok.normalizer = normalizers.Replace(" ", "\u2581")
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(r"[^\n]+|[\n]+"), behavior="isolated")
    tok.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(),
                                     decoders.Fuse()])
    _add_tokens(tok, tokens, types)
    return tok


def wordpiece_vocab_from_gguf(tokens: Sequence[str], types: np.ndarray | None) -> dict[str, int]:
    """GGUF's BERT vocabulary back in BERT's own spelling: ``▁word`` -> ``word`` (word-initial),
    ``piece`` -> ``##piece`` (continuation); control tokens (``[CLS]``...) unchanged."""
    vocab: dict[str, int] = {}
    for i, t in enumerate(tokens):
        if types is not None and types[i] == CONTROL:
            key = t
        elif t.startswith("\u2581"):
            key = t[1:]
        else:
            key = "##" + t
        vocab.setdefault(key, i)
    return vocab


def hf_wordpiece(vocab: dict[str, int], *, unk_token: str, lowercase: bool,
                 strip_accents: bool | None, chinese_chars: bool,
                 max_input_chars_per_word: int = 100) -> Any:
    """A ``tokenizers.Tokenizer`` for a BERT WordPiece vocabulary, as BERT's own tokenizer:
    BERT normaliser (control characters removed, CJK characters isolated, optional lower-casing
    and accent stripping), split at whitespace and punctuation, greedy longest match with ``##``
    continuations, ``unk_token`` for a word that cannot be matched."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers

    tok = Tokenizer(models.WordPiece(vocab=vocab, unk_token=unk_token,
                                     max_input_chars_per_word=max_input_chars_per_word))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True,
                                                handle_chinese_chars=chinese_chars,
                                                strip_accents=strip_accents, lowercase=lowercase)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    return tok
