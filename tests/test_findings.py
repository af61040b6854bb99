"""The report's findings say what the numbers say: nothing is "the most expensive" below parity,
and a value a warning is about carries the warning into the findings, the HTML and markdown."""

from __future__ import annotations

import _fixtures as fx
import pytest
from test_display import SEGMENTS, check_html

import tokeff
from tokeff import report
from tokeff.findings import findings


@pytest.fixture(scope="module")
def below_parity():
    """A sentencepiece model that never saw Japanese or Hindi and has no byte fallback: UNK
    tokens swallow that text, so every language looks cheaper than English."""
    c = tokeff.Corpus.from_dict("demo", SEGMENTS)
    tok = fx.tiny_spm(False)
    res = tokeff.measure(c, [tok], metrics=["parity", "tokens_per_char"], bootstrap=50)
    return c, tok, res


def test_no_most_expensive_language_below_parity(below_parity):
    _, _, res = below_parity
    vals = {r.lang: r.value for r in res.filter(metric="parity").rows if r.lang != "eng_Latn"}
    assert max(vals.values()) < 1
    (line,) = [f for f in findings(res) if f.startswith("tiny-spm:")]
    assert "most expensive" not in line
    top = max(vals, key=vals.__getitem__)
    assert "no language costs more tokens than eng_Latn" in line
    assert f"closest to parity is {top}" in line and f"{vals[top]:.2f}×" in line


def test_a_language_above_parity_is_named_the_most_expensive():
    c = tokeff.Corpus.from_dict("demo", SEGMENTS)
    res = tokeff.measure(c, [fx.cl100k()], metrics=["parity"], bootstrap=0)
    (line,) = [f for f in findings(res) if f.startswith("cl100k:")]
    worst = max(res.filter(metric="parity").rows, key=lambda r: r.value)
    assert worst.value > 1 and f"the most expensive is {worst.lang}" in line


def test_across_tokenizers_below_parity():
    c = tokeff.Corpus.from_dict("demo", SEGMENTS)
    res = tokeff.measure(c, [fx.tiny_spm(False), fx.tiny_bpe_hf()], metrics=["parity"],
                         bootstrap=0)
    means = {}
    for la in ("zho_Hans", "jpn_Jpan", "hin_Deva"):
        means[la] = sum(res.value(t, la, "parity") for t in res.tokenizers) / 2
    line = next(f for f in findings(res) if f.startswith("Across tokenizers"))
    la = max(means, key=means.__getitem__)
    if means[la] > 1:
        assert f"{la} costs the most" in line
    else:
        assert "every language costs at most as many tokens as eng_Latn" in line


def test_report_shows_the_warnings_in_findings_and_marks_values(below_parity):
    pytest.importorskip("matplotlib")
    c, tok, res = below_parity
    rep = report.build_report(res, corpus=c, tokenizers=[tok], plots=False, drilldown=0)
    assert [d.kind for d in rep.warnings][:1] == ["unk"]
    line = next(f for f in rep.findings if f.startswith("tiny-spm:"))
    assert "⚠ Unreliable: UNK tokens hide part of the text" in line
    doc = rep.html()
    check_html(doc)
    findings_html = doc.split('<section id="findings">')[1].split("</section>")[0]
    assert "tiny-spm: UNK tokens are" in findings_html  # share of tokens: no offsets
    main = doc.split('<section id="main">')[1].split("</section>")[0]
    assert '<span class="tk-warn">⚠</span>' in main and "WARNING: tiny-spm: UNK" in main
    md = rep.markdown()
    findings_md = md.split("## Findings")[1].split("\n## ")[0]
    assert "- ⚠ **Warning:** tiny-spm: UNK tokens are" in findings_md
    table = md.split("## Parity")[1]
    assert " ⚠ [" in table and "⚠: a warning under Findings is about this value." in table
