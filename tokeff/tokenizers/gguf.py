"""The tokenizer of a GGUF file (llama.cpp, Ollama, LM Studio models): ``gguf:PATH``.

Only the tokenizer metadata is read (memory-mapped; a multi-GB model loads its tokenizer without
touching the weights), and the tokenizer it describes is rebuilt on tokeff's existing backends
(see :mod:`tokeff.tokenizers._gguf_build`):

==============  =====================================  ==========================================
GGUF model      what it is                             rebuilt as
==============  =====================================  ==========================================
``llama``       SentencePiece BPE (Llama-2, Baichuan)  sentencepiece model (scores, byte fallback)
``t5``          SentencePiece unigram (XLM-R, T5)      sentencepiece model (+ normalisation map)
``gpt2``        byte-level BPE + ``tokenizer.ggml.pre``  ``tokenizers`` BPE + llama.cpp's splits
``gemma4``      BPE over raw UTF-8 (Gemma 4)           ``tokenizers`` BPE with byte fallback
``bert``        WordPiece (BERT, BGE)                  ``tokenizers`` WordPiece
==============  =====================================  ==========================================

Anything else (``rwkv``, ``plamo2``, a pre-tokenizer llama.cpp runs hand-written code for, a
``gpt2`` file that does not name its pre-tokenizer) is refused by name with
:class:`~tokeff.errors.TokenizerError`, never approximated. As everywhere in tokeff no special
token is added, and control tokens are never produced from text; user-defined tokens are
matched in the text as llama.cpp does.

Options (after ``?`` in the spec): ``name=...``, and ``pre=NAME`` to give the pre-tokenizer of a
``gpt2`` file that does not record one (e.g. ``pre=gpt-2``; it must be a name llama.cpp knows).

>>> from tokeff import get_tokenizer
>>> tok = get_tokenizer("gguf:models/qwen2.5-7b-instruct-q4_k_m.gguf")  # doctest: +SKIP
>>> tok.gguf["pre"], tok.required_normalization  # doctest: +SKIP
('qwen2', 'NFC')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import TokenizerError
from . import _gguf_build as build
from ._gguf_pre import NORMALIZATION, PRE_NAMES, SPLITS, VERIFIED
from ._gguf_reader import read_metadata
from .base import TokenArrays, Tokenizer, ids_to_arrays, spans_from_byte_lengths
from .hf_backend import HFTokenizer, _bytes_to_unicode

__all__ = ["SUPPORTED_MODELS", "GGUFVocab", "load_gguf", "read_gguf_vocab", "supported_pre_names"]

#: GGUF ``tokenizer.ggml.model`` values tokeff rebuilds.
SUPPORTED_MODELS = ("llama", "t5", "gpt2", "gemma4", "bert")

_K = "tokenizer.ggml."


@dataclass
class GGUFVocab:
    """The tokenizer metadata of a GGUF file."""

    path: Path
    #: ``tokenizer.ggml.model``: ``llama``, ``gpt2``, ``bert``, ``t5``, ``gemma4``...
    model: str
    #: ``tokenizer.ggml.pre`` (None when absent).
    pre: str | None
    tokens: list[str]
    scores: np.ndarray | None
    types: np.ndarray | None
    merges: list[str] | None
    #: The other ``tokenizer.ggml.*`` scalars and ``general.*`` values.
    meta: dict[str, Any] = field(default_factory=dict)

    def flag(self, key: str, default: bool) -> bool:
        v = self.meta.get(_K + key)
        return default if v is None else bool(v)


def read_gguf_vocab(path: str | Path) -> GGUFVocab:
    """Read (only) the tokenizer metadata of a GGUF file.

    Raises :class:`TokenizerError` when the file is not GGUF or holds no tokenizer.
    """
    path = Path(path)
    meta = read_metadata(path)
    model = meta.get(_K + "model")
    tokens = meta.get(_K + "tokens")
    if not isinstance(model, str) or not isinstance(tokens, list):
        raise TokenizerError(
            f"{path}: this GGUF file has no tokenizer (no tokenizer.ggml.model / "
            "tokenizer.ggml.tokens metadata); it cannot be measured.")
    n = len(tokens)
    # llama.cpp renames empty tokens so that every token text is unique.
    tokens = [t if t else f"[EMPTY_{i}]" for i, t in enumerate(tokens)]
    scores = meta.get(_K + "scores")
    types = meta.get(_K + "token_type")
    for key, arr in (("scores", scores), ("token_type", types)):
        if arr is not None and (not isinstance(arr, np.ndarray) or len(arr) < n):
            raise TokenizerError(f"{path}: tokenizer.ggml.{key} has "
                                 f"{len(arr) if hasattr(arr, '__len__') else '?'} entries for "
                                 f"{n} tokens; the file is damaged.")
    merges = meta.get(_K + "merges")
    pre = meta.get(_K + "pre")
    others = {k: v for k, v in meta.items()
              if k not in {_K + "tokens", _K + "scores", _K + "token_type", _K + "merges"}}
    return GGUFVocab(path=path, model=model, pre=pre if isinstance(pre, str) else None,
                     tokens=tokens, scores=None if scores is None else scores[:n].astype(np.float32),
                     types=None if types is None else types[:n].astype(np.int32),
                     merges=merges if isinstance(merges, list) else None, meta=others)


def supported_pre_names() -> list[str]:
    """The ``tokenizer.ggml.pre`` names of byte-level BPE files tokeff rebuilds."""
    return sorted(PRE_NAMES)


def load_gguf(path: str | Path, *, name: str | None = None, pre: str | None = None,
              normalization: str | None = None) -> Tokenizer:
    """Rebuild the tokenizer of a GGUF file (see the module docstring for what is supported).

    ``pre`` names the pre-tokenizer of a ``gpt2`` file that does not record one.
    ``normalization`` overrides the normalisation applied before encoding: by default the one
    the model's original tokenizer applies where llama.cpp skips it (NFC for Qwen, see
    :mod:`._gguf_pre`); ``"none"`` gives llama.cpp's behaviour exactly. The result is a tokeff
    tokenizer of the matching backend, with ``.gguf`` (what was read: path, model,
    pre-tokenizer, ``general.name``) and ``.source`` set.
    """
    vocab = read_gguf_vocab(path)
    builder = _BUILDERS.get(vocab.model)
    if builder is None:
        raise TokenizerError(
            f"{vocab.path}: GGUF tokenizer model {vocab.model!r} is not supported by tokeff "
            f"(supported: {', '.join(SUPPORTED_MODELS)}); it is refused rather than "
            "approximated.")
    tok, info = builder(vocab, pre)
    tok.name = name or vocab.path.name.removesuffix(".gguf")
    tok.gguf = {"path": str(vocab.path), "model": vocab.model,  # type: ignore[attr-defined]
                "general.name": vocab.meta.get("general.name"),
                "architecture": vocab.meta.get("general.architecture"), **info}
    tok.source = f"gguf:{vocab.path}"  # type: ignore[attr-defined]
    if normalization is not None:
        tok.required_normalization = normalization
        tok._fingerprint = None
    if len(vocab.tokens) != tok.vocab_size:
        raise TokenizerError(
            f"{vocab.path}: rebuilt tokenizer has {tok.vocab_size} ids for "
            f"{len(vocab.tokens)} GGUF tokens (duplicate token texts?); refusing to count.")
    return tok


# ---------------------------------------------------------------------------------------------
# One builder per GGUF tokenizer model: (vocab, pre override) -> (tokenizer, facts recorded)
# ---------------------------------------------------------------------------------------------


def _need(vocab: GGUFVocab, what: str, value: Any) -> Any:
    if value is None:
        raise TokenizerError(f"{vocab.path}: GGUF tokenizer model {vocab.model!r} needs "
                             f"tokenizer.ggml.{what}, which the file lacks.")
    return value


def _spm(vocab: GGUFVocab, *, unigram: bool, add_dummy_prefix: bool,
         remove_extra_whitespaces: bool, charsmap: bytes = b"") -> Tokenizer:
    import sentencepiece

    from .spm_backend import SPMTokenizer

    scores = _need(vocab, "scores", vocab.scores)
    types = vocab.types if vocab.types is not None else np.full(len(vocab.tokens), build.NORMAL)
    proto = build.spm_model_proto(
        vocab.tokens, scores, types, unigram=unigram,
        byte_fallback=bool((types == build.BYTE).any()), add_dummy_prefix=add_dummy_prefix,
        remove_extra_whitespaces=remove_extra_whitespaces, precompiled_charsmap=charsmap)
    sp = sentencepiece.SentencePieceProcessor()
    try:
        sp.Load(model_proto=proto)
    except (RuntimeError, OSError) as e:
        raise TokenizerError(f"{vocab.path}: sentencepiece rejects the vocabulary rebuilt from "
                             f"this GGUF file: {e}") from None
    return SPMTokenizer(sp, name=vocab.path.stem)


def _build_llama(vocab: GGUFVocab, pre: str | None) -> tuple[Tokenizer, dict[str, Any]]:
    # llama.cpp's SPM tokenizer: a leading space unless the file says otherwise; it never
    # collapses whitespace (remove_extra_whitespaces only applies to its unigram tokenizer).
    prefix = vocab.flag("add_space_prefix", True)
    tok = _spm(vocab, unigram=False, add_dummy_prefix=prefix, remove_extra_whitespaces=False)
    return tok, {"pre": None, "add_space_prefix": prefix}


def _build_t5(vocab: GGUFVocab, pre: str | None) -> tuple[Tokenizer, dict[str, Any]]:
    if vocab.flag("treat_whitespace_as_suffix", False):
        raise TokenizerError(f"{vocab.path}: unigram vocabularies that treat whitespace as a "
                             "suffix are not supported by tokeff.")
    charsmap = vocab.meta.get(_K + "precompiled_charsmap")
    raw = b"" if charsmap is None else np.asarray(charsmap, dtype=np.uint8).tobytes()
    prefix = vocab.flag("add_space_prefix", False)
    collapse = vocab.flag("remove_extra_whitespaces", False)
    tok = _spm(vocab, unigram=True, add_dummy_prefix=prefix, remove_extra_whitespaces=collapse,
               charsmap=raw)
    return tok, {"pre": None, "add_space_prefix": prefix, "remove_extra_whitespaces": collapse,
                 "precompiled_charsmap_bytes": len(raw)}


def _bytelevel_nbytes(tokens: list[str], types: np.ndarray | None) -> np.ndarray:
    """Bytes of text behind each token: byte-level tokens spell one byte per character (GPT-2's
    table); user-defined and control tokens are raw text."""
    table = _bytes_to_unicode()
    raw = set() if types is None else set(
        np.flatnonzero((types == build.USER_DEFINED) | (types == build.CONTROL)).tolist())
    out = np.empty(len(tokens), dtype=np.int64)
    for i, t in enumerate(tokens):
        if i not in raw and all(c in table for c in t):
            out[i] = len(t)
        else:
            out[i] = len(t.encode("utf-8", "surrogateescape"))
    return out


class ByteLevelGGUFTokenizer(HFTokenizer):
    """Byte-level BPE: the tokens of a text spell its bytes exactly, so byte spans come from
    token lengths (as for tiktoken) rather than from character offsets, which cannot express a
    token that holds part of a character (``continued_words`` then agrees with the tiktoken
    rebuild of the same vocabulary)."""

    token_nbytes: np.ndarray

    def _encode_spans(self, texts: list[str]) -> TokenArrays:
        arrays = ids_to_arrays(self._encode_ids(texts))
        arrays.starts, arrays.ends = spans_from_byte_lengths(arrays.ids, arrays.lengths,
                                                             self.token_nbytes)
        return arrays


def _build_gpt2(vocab: GGUFVocab, pre: str | None) -> tuple[Tokenizer, dict[str, Any]]:
    name = pre or vocab.pre
    if not name or name == "default":
        raise TokenizerError(
            f"{vocab.path}: this byte-level BPE file does not name its pre-tokenizer "
            f"(tokenizer.ggml.pre is {vocab.pre!r}); llama.cpp then falls back to a generic split "
            "and warns that quality is degraded. tokeff does not guess. If you know the model's "
            "pre-tokenizer, give it: gguf:PATH?pre=NAME (e.g. pre=gpt-2); known names: "
            f"{', '.join(supported_pre_names())}.")
    if name not in PRE_NAMES:
        raise TokenizerError(
            f"{vocab.path}: pre-tokenizer {name!r} is not supported by tokeff (llama.cpp runs "
            "custom code for it, or it is newer than tokeff's table); refused rather than "
            f"approximated. Supported: {', '.join(supported_pre_names())}.")
    kind, ignore_merges = PRE_NAMES[name]
    norm = NORMALIZATION.get(name, "none")
    try:
        hf = build.hf_bytelevel_bpe(vocab.tokens, _need(vocab, "merges", vocab.merges),
                                    vocab.types, regexes=SPLITS[kind], ignore_merges=ignore_merges)
    except Exception as e:  # noqa: BLE001 - tokenizers raises plain Exceptions on bad merges
        raise TokenizerError(f"{vocab.path}: the BPE merges of this GGUF file do not form a "
                             f"valid vocabulary ({e}); refusing to count with it.") from None
    tok = ByteLevelGGUFTokenizer(hf, name=vocab.path.stem)
    tok.token_nbytes = _bytelevel_nbytes(vocab.tokens, vocab.types)
    if norm != "none":
        tok.required_normalization = norm
    return tok, {"pre": name, "pre_type": kind, "pre_given": pre is not None,
                 "ignore_merges": ignore_merges, "verified_vectors": name in VERIFIED}


def _build_gemma4(vocab: GGUFVocab, pre: str | None) -> tuple[Tokenizer, dict[str, Any]]:
    if vocab.flag("add_space_prefix", False):
        raise TokenizerError(f"{vocab.path}: a gemma4 vocabulary with add_space_prefix is not "
                             "supported by tokeff.")
    hf = build.hf_spm_style_bpe(vocab.tokens, _need(vocab, "merges", vocab.merges), vocab.types)
    return _hf(vocab, hf, HFTokenizer), {"pre": "gemma4"}


def _build_bert(vocab: GGUFVocab, pre: str | None) -> tuple[Tokenizer, dict[str, Any]]:
    # llama.cpp's defaults: lower-case, and strip accents when lower-casing.
    lower = vocab.flag("normalizer.lowercase", True)
    strip = vocab.flag("normalizer.strip_accents", lower)
    unk_id = int(vocab.meta.get(_K + "unknown_token_id", 100))
    if not 0 <= unk_id < len(vocab.tokens):
        raise TokenizerError(f"{vocab.path}: unknown_token_id {unk_id} is out of range")
    hf = build.hf_wordpiece(build.wordpiece_vocab_from_gguf(vocab.tokens, vocab.types),
                            unk_token=vocab.tokens[unk_id], lowercase=lower,
                            strip_accents=strip, chinese_chars=True)
    return _hf(vocab, hf, HFTokenizer), {"pre": vocab.pre, "lowercase": lower,
                                         "strip_accents": strip}


def _hf(vocab: GGUFVocab, hf: Any, cls: Any) -> Tokenizer:
    return cls(hf, name=vocab.path.stem)


_BUILDERS = {"llama": _build_llama, "t5": _build_t5, "gpt2": _build_gpt2,
             "gemma4": _build_gemma4, "bert": _build_bert}
