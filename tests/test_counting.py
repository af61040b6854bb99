"""Counting against naive references, and golden totals on real text (FLORES-200)."""

from __future__ import annotations

import numpy as np
import pytest

import tokeff
from tokeff.corpora import load_flores_dir
from tokeff.counting import count, prepare_text

import _fixtures as fx


def _naive_continued(tok, texts, segmenter):
    """Per word: number of tokens whose byte span overlaps it, by explicit loops."""
    seg = tokeff.get_segmenter(segmenter)
    out = []
    for t in texts:
        arr = tok.encode_arrays([t])
        wa = seg.segment_batch([t])
        n = 0
        for ws, we in zip(wa.starts, wa.ends):
            k = sum(1 for s, e in zip(arr.starts, arr.ends) if e > s and s < we and e > ws)
            n += k >= 2
        out.append(n)
    return out


SAMPLE = [
    "我们今天去北京。",
    "人人生而自由，在尊严和权利上一律平等。他们赋有理性和良心。",
    "Apple公司在2024年发布了iPhone 16。",
    "",
    "   ",
]


@pytest.mark.parametrize("make", [fx.cl100k, fx.deepseek, fx.tiny_spm])
def test_continued_words_match_naive_alignment(make):
    tok = make()
    lt = prepare_text("zho_Hans", SAMPLE, "jieba")
    c = count(tok, lt)
    assert c.continued.tolist() == _naive_continued(tok, SAMPLE, "jieba")
    assert c.words.tolist() == [len(tokeff.get_segmenter("jieba").words(t)) for t in SAMPLE]


def test_counts_basic_fields():
    tok = fx.cl100k()
    texts = ["héllo", "", "我们"]
    c = count(tok, prepare_text("eng_Latn", texts, "unicode-words"))
    assert c.chars.tolist() == [5, 0, 2]
    assert c.bytes.tolist() == [6, 0, 6]
    assert c.tokens.tolist() == [len(tok.encode(t)) for t in texts]
    assert c.token_freqs.sum() == c.tokens.sum()


def test_unk_chars_counted_in_characters():
    tok = fx.tiny_spm(False)
    texts = ["สวัสดี ok", "ok"]
    c = count(tok, prepare_text("tha_Thai", texts, None))
    assert c.unk_chars.tolist() == [6, 0]  # the six Thai code points, not their 18 bytes


@pytest.mark.flores
def test_golden_totals_match_backends_on_flores():
    import sentencepiece  # noqa: F401

    d = fx.flores_path()
    corpus = load_flores_dir(d, split="dev", langs=["eng_Latn", "zho_Hans", "mya_Mymr"])
    cl = fx.cl100k()
    ds = fx.deepseek()
    sp = fx.tiny_spm()
    res = tokeff.measure(corpus, [cl, ds, sp], metrics=["tokens", "chars", "bytes"],
                         bootstrap=0)
    for lang in corpus.langs:
        texts = corpus[lang]
        direct_cl = sum(len(cl.encoding.encode_ordinary(t)) for t in texts)
        direct_ds = sum(len(e.ids) for e in
                        ds.tokenizer.encode_batch(texts, add_special_tokens=False))
        direct_sp = sum(len(x) for x in sp.processor.encode(texts, add_bos=False, add_eos=False))
        assert res.value("cl100k", lang, "tokens") == direct_cl
        assert res.value("deepseek", lang, "tokens") == direct_ds
        assert res.value("tiny-spm-bf", lang, "tokens") == direct_sp
        assert res.value("cl100k", lang, "chars") == sum(map(len, texts))
        assert res.value("cl100k", lang, "bytes") == sum(len(t.encode()) for t in texts)
    # Known magnitudes (FLORES dev, 997 segments): English costs ~26k cl100k tokens.
    assert 25000 < res.value("cl100k", "eng_Latn", "tokens") < 27000


@pytest.mark.flores
def test_flores_chinese_fertility_in_context():
    d = fx.flores_path()
    corpus = load_flores_dir(d, split="dev+devtest", langs=["eng_Latn", "zho_Hans"])
    raw = tokeff.measure(corpus, [fx.cl100k()], metrics=["fertility"], bootstrap=0,
                         segmenters={"zho_Hans": "jieba-raw"})
    # metrics.md: cl100k, jieba words in context on FLORES zho_Hans: 2.103 tokens per word.
    assert raw.value("cl100k", "zho_Hans", "fertility") == pytest.approx(2.103, abs=0.001)
    res = tokeff.measure(corpus, [fx.cl100k()], metrics=["fertility", "parity"], bootstrap=200)
    # The default splits script runs first (Latin words and numbers go to unicode-words).
    assert res.value("cl100k", "zho_Hans", "fertility") == pytest.approx(2.103, abs=0.03)
    row = res.get("cl100k", "zho_Hans", "parity")
    assert 1.7 < row.value < 2.1 and row.ci_low < row.value < row.ci_high
    assert row.signature.seg.startswith("unicode-words") is False
    assert res.get("cl100k", "zho_Hans", "fertility").signature.seg.startswith("jieba-")


def test_segmentation_once_per_language(monkeypatch):
    from tokeff import segmenters

    calls = []
    real = segmenters.get_segmenter("unicode-words")

    class Spy(type(real)):
        name = "spy-words"

        def segment_batch(self, texts):
            calls.append(len(texts))
            return super().segment_batch(texts)

    segmenters.register_segmenter("spy-words", Spy, replace=True)
    segmenters._cache.pop("spy-words", None)
    c = tokeff.Corpus.from_dict("t", {"eng_Latn": ["a b", "c d"], "fra_Latn": ["e", "f g"]})
    tokeff.measure(c, [fx.cl100k(), fx.deepseek(), fx.tiny_spm()], bootstrap=0,
                   segmenters={"eng_Latn": "spy-words", "fra_Latn": "spy-words"})
    assert calls == [2, 2]  # once per language, not once per tokenizer


def test_parallel_equals_serial():
    c = tokeff.Corpus.from_dict("t", {"eng_Latn": ["Hello world"] * 5 + ["x"],
                                      "zho_Hans": ["你好世界"] * 5 + ["是"]})
    a = tokeff.measure(c, [fx.cl100k(), fx.deepseek()], workers=1, bootstrap=100)
    b = tokeff.measure(c, [fx.cl100k(), fx.deepseek()], workers=4, bootstrap=100)
    assert a.rows == b.rows
    assert np.array_equal(a.counts[("cl100k", "zho_Hans")].tokens,
                          b.counts[("cl100k", "zho_Hans")].tokens)
