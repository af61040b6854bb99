"""``wordpiece:PATH/vocab.txt``: BERT's tokenizer from its vocabulary file, checked against
llama.cpp's ``bert-bge`` test vectors and against Hugging Face ``tokenizers``' own BERT
WordPiece on FLORES-200."""

from __future__ import annotations

import json

import pytest
from _fixtures import flores_path, gguf_dir
from test_gguf import read_vectors

from tokeff import get_tokenizer
from tokeff.errors import TokenizerError, UsageError
from tokeff.tokenizers._gguf_build import wordpiece_vocab_from_gguf
from tokeff.tokenizers.gguf import read_gguf_vocab


@pytest.fixture(scope="module")
def bge_vocab_txt(tmp_path_factory):
    """bge-small-en's vocab.txt, written back from llama.cpp's GGUF copy in BERT's spelling."""
    v = read_gguf_vocab(gguf_dir() / "ggml-vocab-bert-bge.gguf")
    vocab = wordpiece_vocab_from_gguf(v.tokens, v.types)
    lines = [""] * len(v.tokens)
    for tok, i in vocab.items():
        lines[i] = tok
    d = tmp_path_factory.mktemp("bge")
    (d / "vocab.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return d / "vocab.txt"


def test_bert_bge_test_vectors(bge_vocab_txt):
    inputs, expected = read_vectors(gguf_dir(), "bert-bge")
    tok = get_tokenizer(f"wordpiece:{bge_vocab_txt}")
    assert tok.wordpiece["lowercase"] is True  # no upper-case token: an uncased vocabulary
    assert tok.wordpiece["casing_from"].startswith("vocabulary")
    for text, want, got in zip(inputs, expected, tok.encode_batch(inputs)):
        assert list(got) == want, text


@pytest.mark.flores
def test_equals_hf_bert_wordpiece_on_flores(bge_vocab_txt):
    from tokenizers import BertWordPieceTokenizer

    ref = BertWordPieceTokenizer(str(bge_vocab_txt), lowercase=True)
    tok = get_tokenizer(f"wordpiece:{bge_vocab_txt}")
    root = flores_path()
    for lang in ("eng_Latn", "zho_Hans", "deu_Latn", "rus_Cyrl", "arb_Arab", "hin_Deva",
                 "jpn_Jpan", "vie_Latn"):
        segs = (root / "dev" / f"{lang}.dev").read_text(encoding="utf-8").splitlines()
        want = [e.ids for e in ref.encode_batch(segs, add_special_tokens=False)]
        for i, (w, g) in enumerate(zip(want, tok.encode_batch(segs))):
            assert list(g) == w, f"{lang}.dev line {i + 1}"


def test_casing_and_options(tmp_path):
    d = tmp_path / "cased"
    d.mkdir()
    (d / "vocab.txt").write_text("[PAD]\n[UNK]\nHello\nhello\n##s\n,\n", encoding="utf-8")
    tok = get_tokenizer(f"wordpiece:{d}")
    assert tok.wordpiece["lowercase"] is False
    assert tok.encode("Hello hellos, HELLO") == [2, 3, 4, 5, 1]
    low = get_tokenizer(f"wordpiece:{d}/vocab.txt?lowercase=true&name=lc")
    assert low.name == "lc" and low.encode("Hello HELLO") == [3, 3]
    (d / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": True}))
    assert get_tokenizer(f"wordpiece:{d}").wordpiece["casing_from"] == "tokenizer_config.json"
    with pytest.raises(UsageError, match="use true or false"):
        get_tokenizer(f"wordpiece:{d}?lowercase=maybe")
    with pytest.raises(UsageError, match="unknown option"):
        get_tokenizer(f"wordpiece:{d}?pre=gpt-2")
    with pytest.raises(TokenizerError, match="unknown token"):
        get_tokenizer(f"wordpiece:{d}?unk=<unk>")
    with pytest.raises(TokenizerError, match="not found"):
        get_tokenizer(f"wordpiece:{tmp_path}/nothing/vocab.txt")


def test_chinese_characters_are_isolated(tmp_path):
    (tmp_path / "vocab.txt").write_text("[UNK]\n人\n人人\n", encoding="utf-8")
    assert get_tokenizer(f"wordpiece:{tmp_path}").encode("人人") == [1, 1]
    kept = get_tokenizer(f"wordpiece:{tmp_path}?chinese_chars=false")
    assert kept.encode("人人") == [2]
