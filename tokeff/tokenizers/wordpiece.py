"""BERT-style WordPiece vocabularies: ``wordpiece:PATH/vocab.txt``.

The form in which BERT, ERNIE and Yuan 1.0 shipped their tokenizers: one token per line (the id
is the line number), ``##`` marking a piece that continues a word. tokeff tokenizes as BERT's own
tokenizer does (with the Hugging Face ``tokenizers`` WordPiece): control characters removed,
CJK ideographs isolated, text split at whitespace and punctuation, then greedy longest match per
word, ``[UNK]`` for a word that cannot be matched.

Casing and the rest are taken from what the vocabulary declares:

- a ``tokenizer_config.json`` beside ``vocab.txt`` (``do_lower_case``, ``strip_accents``,
  ``tokenize_chinese_chars``, ``unk_token``), as ``transformers`` would read it;
- otherwise the vocabulary itself: no token with an upper-case letter means an uncased
  vocabulary (lower-case and strip accents, as BERT-uncased), else cased.

Spec options override both: ``?lowercase=true|false``, ``&strip_accents=true|false``,
``&chinese_chars=true|false``, ``&unk=TOKEN``. What was used is recorded on the tokenizer
(``.wordpiece``) and in its fingerprint.

>>> from tokeff import get_tokenizer
>>> tok = get_tokenizer("wordpiece:bert-base-chinese/vocab.txt")  # doctest: +SKIP
>>> tok.wordpiece["lowercase"], tok.wordpiece["casing_from"]  # doctest: +SKIP
(True, 'tokenizer_config.json')
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import TokenizerError, UsageError
from ._gguf_build import hf_wordpiece
from .base import Tokenizer

__all__ = ["load_wordpiece", "read_vocab_txt"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _bool(option: str, value: str) -> bool:
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise UsageError(f"wordpiece option {option}={value!r}: use true or false")


def read_vocab_txt(path: str | Path) -> dict[str, int]:
    """``vocab.txt`` as ``token -> id`` (the line number; a repeated token keeps its last line,
    as BERT's and Hugging Face's readers do)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise TokenizerError(f"cannot read WordPiece vocabulary {path}: {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise TokenizerError(f"{path}: not UTF-8 text (byte {e.start}); a WordPiece vocab.txt "
                             "has one token per line") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise TokenizerError(f"{path}: empty WordPiece vocabulary")
    vocab: dict[str, int] = {}
    for i, line in enumerate(lines):
        vocab[line.rstrip("\r")] = i
    return vocab


def _declared(path: Path, vocab: dict[str, int]) -> dict[str, Any]:
    cfg_path = path.parent / "tokenizer_config.json"
    if cfg_path.is_file():
        try:
            cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise TokenizerError(f"{cfg_path}: not a readable tokenizer_config.json ({e}); fix "
                                 "or remove it, or give ?lowercase=true|false") from None
        if "do_lower_case" in cfg:
            unk = cfg.get("unk_token", "[UNK]")
            if isinstance(unk, dict):
                unk = unk.get("content", "[UNK]")
            return {"lowercase": bool(cfg["do_lower_case"]),
                    "strip_accents": cfg.get("strip_accents"),
                    "chinese_chars": bool(cfg.get("tokenize_chinese_chars", True)),
                    "unk": str(unk), "casing_from": "tokenizer_config.json"}
    # Cased when some token changes under lower-casing (not 'ℝ', an upper-case letter with no
    # lower-case form, which uncased BERT vocabularies hold); [CLS]-style tokens do not count.
    cased = any(t.lower() != t for t in vocab if not (t.startswith("[") and t.endswith("]")))
    return {"lowercase": not cased, "strip_accents": None, "chinese_chars": True,
            "unk": "[UNK]", "casing_from": "vocabulary (upper-case tokens present)" if cased
            else "vocabulary (no upper-case token)"}


def load_wordpiece(path: str | Path, *, name: str | None = None, lowercase: str | None = None,
                   strip_accents: str | None = None, chinese_chars: str | None = None,
                   unk: str | None = None) -> Tokenizer:
    """Load a BERT ``vocab.txt`` (or a directory holding one); string options as in a spec."""
    from .hf_backend import HFTokenizer

    path = Path(path)
    if path.is_dir():
        path = path / "vocab.txt"
    if not path.is_file():
        raise TokenizerError(f"WordPiece vocabulary not found: {path}")
    vocab = read_vocab_txt(path)
    opts = _declared(path, vocab)
    if lowercase is not None:
        opts["lowercase"], opts["casing_from"] = _bool("lowercase", lowercase), "spec option"
    if strip_accents is not None:
        opts["strip_accents"] = _bool("strip_accents", strip_accents)
    if chinese_chars is not None:
        opts["chinese_chars"] = _bool("chinese_chars", chinese_chars)
    if unk is not None:
        opts["unk"] = unk
    if opts["unk"] not in vocab:
        raise TokenizerError(f"{path}: the unknown token {opts['unk']!r} is not in the "
                             "vocabulary; give the right one with ?unk=TOKEN")
    hf = hf_wordpiece(vocab, unk_token=opts["unk"], lowercase=opts["lowercase"],
                      strip_accents=opts["strip_accents"], chinese_chars=opts["chinese_chars"])
    tok = HFTokenizer(hf, name=name or path.parent.name or path.stem)
    tok.wordpiece = opts  # type: ignore[attr-defined]
    tok.source = f"wordpiece:{path}"  # type: ignore[attr-defined]
    return tok
