"""Warnings next to the numbers: UNK and byte-fallback rates, text not in NFC, missing word
segmenters; shown under the text table, in the HTML and in JSON (tokeff.diagnostics)."""

from __future__ import annotations

import dataclasses
import doctest
import json

import _fixtures as fx
import pytest
from conftest import CharTokenizer
from test_display import SEGMENTS, check_html

import tokeff
from tokeff import diagnostics, display
from tokeff.diagnostics import Diagnostic, diagnose, non_nfc_langs
from tokeff.errors import MissingDependencyError
from tokeff.results import Results


@pytest.fixture(scope="module")
def unk_results() -> Results:
    """A sentencepiece model trained without Japanese or Hindi and without byte fallback: most
    of that text becomes UNK, so its parity looks *better* than English's."""
    c = tokeff.Corpus.from_dict("demo", SEGMENTS)
    return tokeff.measure(c, [fx.tiny_spm(False), fx.cl100k()],
                          metrics=["parity", "tokens", "unk_rate"], bootstrap=0)


def _kinds(ws: list[Diagnostic]) -> list[str]:
    return [d.kind for d in ws]


# -- UNK ------------------------------------------------------------------------------------------

def test_unk_rate_warning_names_tokenizer_languages_and_values(unk_results):
    ws = diagnose(unk_results)
    unk = [d for d in ws if d.kind == "unk"]
    assert len(unk) == 1 and unk[0].tokenizer == "tiny-spm"
    values = dict(unk[0].values)
    for lang in ("zho_Hans", "jpn_Jpan", "hin_Deva"):
        rate = unk_results.value("tiny-spm", lang, "unk_rate")
        assert rate > diagnostics.UNK_THRESHOLD and values[lang] == rate
        assert f"{100 * rate:.0f} % of {lang}" in unk[0].message
    assert "eng_Latn" not in values  # 0.35 % of English: under the 1 % threshold
    assert 0 < unk_results.value("tiny-spm", "eng_Latn", "unk_rate") < diagnostics.UNK_THRESHOLD
    assert "understate" in unk[0].message
    # The real vocabulary has no UNK at all: no warning about it.
    assert all(d.tokenizer != "cl100k" for d in ws if d.kind == "unk")


def test_unk_rate_from_counts_when_the_metric_was_not_asked(unk_results):
    c = tokeff.Corpus.from_dict("demo", SEGMENTS)
    # continued_words needs token offsets, which count UNK characters too.
    res = tokeff.measure(c, [fx.tiny_spm(False)], metrics=["parity", "continued_words"],
                         bootstrap=0)
    assert "unk_rate" not in res.metrics
    (unk,) = [d for d in diagnose(res) if d.kind == "unk"]
    counts = res.counts[("tiny-spm", "jpn_Jpan")]
    assert dict(unk.values)["jpn_Jpan"] == pytest.approx(counts.unk_chars.sum()
                                                         / counts.chars.sum())
    assert dict(unk.values) == pytest.approx(dict(
        next(d for d in diagnose(unk_results) if d.kind == "unk").values))


def test_unk_share_of_tokens_without_offsets():
    c = tokeff.Corpus.from_dict("demo", SEGMENTS)
    tok = fx.tiny_spm(False)
    res = tokeff.measure(c, [tok], metrics=["parity"], bootstrap=0)  # no token offsets
    assert res.counts[("tiny-spm", "jpn_Jpan")].unk_chars is None
    (unk,) = [d for d in diagnose(res, tokenizers=[tok]) if d.kind == "unk"]
    counts = res.counts[("tiny-spm", "jpn_Jpan")]
    n_unk = counts.token_freqs[counts.token_ids == tok.unk_id].sum()
    assert dict(unk.values)["jpn_Jpan"] == pytest.approx(n_unk / counts.tokens.sum())
    assert "of the tokens on jpn_Jpan" in unk.message
    # The UNK id recorded with the results does the same without the tokenizer object.
    res.meta["tokenizers"]["tiny-spm"]["unk_id"] = tok.unk_id
    assert diagnose(res) == diagnose(res, tokenizers=[tok])


def test_threshold_is_strict(unk_results):
    rows = []
    for r in unk_results.filter(tokenizer="tiny-spm").rows:
        if r.metric == "unk_rate":
            v = {"eng_Latn": 0.01, "zho_Hans": 0.0101}.get(r.lang, 0.0)
            r = dataclasses.replace(r, value=v)
        rows.append(r)
    meta = {k: v for k, v in unk_results.meta.items() if k != "warnings"}
    res = Results(rows, meta)  # no counts: the rows decide
    (unk,) = [d for d in diagnose(res) if d.kind == "unk"]
    assert unk.langs == ("zho_Hans",)


def test_text_table_marks_the_value_and_lists_the_warning(unk_results):
    text = display.results_text(unk_results, "parity")
    ja = next(line for line in text.splitlines() if line.strip().startswith("jpn_Jpan"))
    value = display.fmt(unk_results.value("tiny-spm", "jpn_Jpan", "parity"))
    assert f"{value} !" in ja  # the mark is next to the number
    assert unk_results.value("tiny-spm", "jpn_Jpan", "parity") < 1  # looks cheaper than English
    assert "Warnings (! next to a value" in text and "tiny-spm: UNK tokens cover" in text
    en = next(line for line in text.splitlines() if line.strip().startswith("eng_Latn"))
    assert "!" not in en
    assert "Warnings" not in display.results_text(unk_results, "parity", warnings=False)


def test_html_marks_the_value_with_the_warning_as_tooltip(unk_results):
    doc = display.results_html(unk_results, "parity")
    check_html(doc)
    assert doc.count('<span class="tk-warn">⚠</span>') >= 4  # 3 cells + the list item
    assert "WARNING: tiny-spm: UNK tokens cover" in doc
    assert '<ul class="tk-warnings"' in doc
    doc = display.results_html(unk_results, "parity", warning_list=False)
    assert '<ul class="tk-warnings"' not in doc and "WARNING: tiny-spm" in doc


def test_warnings_round_trip_through_json(unk_results):
    res = Results(list(unk_results.rows), dict(unk_results.meta), unk_results.counts)
    found = diagnostics.attach(res)
    d = json.loads(res.to_json())
    assert d["meta"]["warnings"] == [w.to_record() for w in found]
    back = Results.from_json(res.to_json())
    assert not back.counts
    assert diagnose(back) == found
    assert [Diagnostic.from_record(r) for r in d["meta"]["warnings"]] == found


# -- byte fallback --------------------------------------------------------------------------------

def test_byte_fallback_warning():
    c = tokeff.Corpus.from_dict("demo", SEGMENTS)
    # Byte tokens are counted when the byte-fallback rate is asked for (not otherwise).
    res = tokeff.measure(c, [fx.tiny_spm(True)], metrics=["parity", "byte_fallback_rate"],
                         bootstrap=0)
    (bf,) = [d for d in diagnose(res) if d.kind == "byte_fallback"]
    assert set(bf.langs) == {"zho_Hans", "jpn_Jpan", "hin_Deva"}
    for lang, share in bf.values:
        counts = res.counts[("tiny-spm-bf", lang)]
        assert share == pytest.approx(counts.byte_fallback.sum() / counts.tokens.sum())
        assert share > diagnostics.BYTE_FALLBACK_THRESHOLD
    assert "valid" in bf.message  # the counts are right; the vocabulary lacks the script
    # A byte-fallback warning does not mark the values: they are not misleading.
    text = display.results_text(res, "parity")
    table = text.split("Warnings")[0]
    assert "!" not in table and "Warnings:" in text and "tiny-spm-bf: byte tokens are" in text


# -- text not in NFC ------------------------------------------------------------------------------

class _Composing(CharTokenizer):
    """One token per code point, after composing the text to NFC itself."""

    name = "char-nfc"
    required_normalization = "NFC"


VI_DECOMPOSED = ["Tie\u0302\u0301ng Vie\u0323\u0302t co\u0301 da\u0302\u0301u.", "Vie\u0323\u0302t Nam."]


@pytest.fixture(scope="module")
def vi_corpus() -> tokeff.Corpus:
    return tokeff.Corpus.from_dict("vi", {"eng_Latn": ["Vietnamese has marks.", "Vietnam."],
                                          "vie_Latn": VI_DECOMPOSED,
                                          "fra_Latn": ["Le vietnamien.", "Viêt Nam."]})


def test_non_nfc_langs(vi_corpus):
    assert non_nfc_langs(vi_corpus) == ["vie_Latn"]
    assert non_nfc_langs({"a": ["é"], "b": ["e\u0301"]}) == ["b"]


def test_non_nfc_warning_when_tokenizers_normalise_differently(vi_corpus):
    plain = CharTokenizer()
    res = tokeff.measure(vi_corpus, [plain, _Composing()], metrics=["parity"], bootstrap=0)
    # The artifact: one tokenizer counts the combining marks, the other composes them away.
    assert res.value("char", "vie_Latn", "parity") > res.value("char-nfc", "vie_Latn", "parity")
    (w,) = [d for d in diagnose(res, vi_corpus) if d.kind == "non_nfc"]
    assert w.langs == ("vie_Latn",) and "--normalization NFC" in w.message
    assert "char-nfc composes it (NFC)" in w.message and "char take it as given" in w.message
    text = display.results_text(res, "parity", warnings=diagnose(res, vi_corpus))
    vi = next(line for line in text.splitlines() if line.strip().startswith("vie_Latn"))
    assert vi.count("!") == 2 and "not in Unicode NFC" in text
    # Recorded by measure() in meta: no corpus needed.
    res.meta["non_nfc_langs"] = ["vie_Latn"]
    assert [d.kind for d in diagnose(res)].count("non_nfc") == 1
    res.meta["non_nfc_langs"] = []
    assert "non_nfc" not in _kinds(diagnose(res, vi_corpus))  # meta wins over the corpus


def test_no_non_nfc_warning_when_composed_or_tokenizers_agree(vi_corpus):
    both = tokeff.measure(vi_corpus, [CharTokenizer(), _Composing()], metrics=["parity"],
                          bootstrap=0, normalization="NFC")
    assert "non_nfc" not in _kinds(diagnose(both, vi_corpus))
    assert both.value("char", "vie_Latn", "parity") == both.value("char-nfc", "vie_Latn",
                                                                  "parity")
    same = tokeff.measure(vi_corpus, [CharTokenizer()], metrics=["parity"], bootstrap=0)
    assert "non_nfc" not in _kinds(diagnose(same, vi_corpus))


# -- missing word segmenters ----------------------------------------------------------------------

def test_missing_segmenter_names_the_install_command(monkeypatch):
    from tokeff import segmenters

    real = segmenters.missing_dependency

    def missing(name, *, lang=None):
        if name.startswith("sudachi"):
            what = f"the '{name}' word segmenter" + (f" (for {lang})" if lang else "")
            return MissingDependencyError(what, "sudachipy", "seg-ja")
        return real(name, lang=lang)

    monkeypatch.setattr(segmenters, "missing_dependency", missing)
    c = tokeff.Corpus.from_dict("demo", {k: SEGMENTS[k] for k in ("en", "ja")})
    res = tokeff.measure(c, [fx.cl100k()], metrics=["fertility", "parity"], bootstrap=0)
    assert res.value("cl100k", "jpn_Jpan", "fertility") is None
    (seg,) = [d for d in diagnose(res) if d.kind == "segmenter"]
    assert seg.langs == ("jpn_Jpan",) and seg.metrics == ("fertility",)
    assert seg.fix == 'pip install "tokeff[seg-ja]"'
    assert "sudachipy" in seg.message and 'pip install "tokeff[seg-ja]"' in seg.message
    text = display.results_text(res, "fertility")
    assert "pip install" in text and "Warnings:" in text  # n/a is not marked: it says n/a
    assert "pip install" not in display.results_text(res, "parity")  # not about parity


def test_language_without_any_segmenter():
    c = tokeff.Corpus.from_dict("demo", {"eng_Latn": ["Hello."], "bod_Tibt": ["བོད་ཡིག།"]})
    res = tokeff.measure(c, [fx.cl100k()], metrics=["fertility"], bootstrap=0)
    (seg,) = [d for d in diagnose(res) if d.kind == "segmenter"]
    assert "Tibt" in seg.message and "--segmenter" in seg.fix


def test_words_not_asked_for_is_not_a_warning():
    c = tokeff.Corpus.from_dict("demo", {k: SEGMENTS[k] for k in ("en", "zh")})
    res = tokeff.measure(c, [fx.cl100k()], metrics=["parity"], bootstrap=0)
    assert diagnose(res) == []


def test_doctests():
    res = doctest.testmod(diagnostics, optionflags=doctest.ELLIPSIS)
    assert res.attempted > 0 and res.failed == 0
