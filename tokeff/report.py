"""Reports: one self-contained HTML page (plots embedded as data URIs, no external resources,
so it opens offline) and a markdown twin, both from the same :class:`Results`. Plots are SVG
with their text kept as text, so the browser draws the labels with its own fonts (PNG with
``figure_format="png"``).

>>> from tokeff.report import write_report
>>> write_report(res, "report.html", corpus=corpus, tokenizers=toks)  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as _dt
import html
import os
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ._io import atomic_write
from ._version import __version__
from .diagnostics import Diagnostic, diagnose, marked_cells
from .display import (
    WARN_MARK,
    _Grid,
    main_metric,
    metric_order,
    results_html,
    tokenizer_info,
    warnings_html,
)
from .errors import MissingDependencyError, TokeffError, UsageError
from .findings import findings

if TYPE_CHECKING:  # pragma: no cover
    from .corpora import Corpus
    from .drilldown import Drilldown, SideBySide
    from .results import Results
    from .tokenizers import Tokenizer

__all__ = ["FORMATS", "Report", "build_report", "format_for_path", "report_html",
           "report_markdown", "write_report"]

FORMATS = ("html", "markdown")
#: At most this many languages in the per-language plots of a report (the most expensive).
MAX_PLOT_LANGS = 40
#: Metrics whose tables come first in a report.
FIRST_METRICS = ("parity", "tokens_per_char", "chars_per_token", "fertility", "continued_words",
                 "tokens")


def _e(x: object) -> str:
    return html.escape(str(x), quote=True)


def _cap(s: str) -> str:
    """Capitalise the first letter only (``str.capitalize`` would lower ``eng_Latn``)."""
    return s[:1].upper() + s[1:]


#: Formats a report's plots can be embedded in, with their media types.
FIGURE_FORMATS = {"svg": "image/svg+xml", "png": "image/png"}


@dataclass
class Figure:
    """One plot of a report: a title, the image (SVG or PNG bytes) and what it shows."""

    key: str
    title: str
    data: bytes
    caption: str = ""
    format: str = "svg"

    def data_uri(self) -> str:
        import base64

        return (f"data:{FIGURE_FORMATS[self.format]};base64,"
                + base64.b64encode(self.data).decode("ascii"))


@dataclass
class Report:
    """Everything a report shows, computed once; rendered by :meth:`html` and :meth:`markdown`."""

    results: Results
    title: str
    metric: str
    findings: list[str]
    figures: list[Figure] = field(default_factory=list)
    drilldowns: list[Drilldown] = field(default_factory=list)
    side_by_side: SideBySide | None = None
    notes: list[str] = field(default_factory=list)  # about the report itself (what was left out)
    generated: str = ""
    warnings: list[Diagnostic] = field(default_factory=list)  # tokeff.diagnostics

    def html(self) -> str:
        return _render_html(self)

    def markdown(self) -> str:
        return _render_markdown(self)


def _plot_langs(results: Results, metric: str) -> tuple[list[str] | None, str | None]:
    """The languages to plot: all, or the MAX_PLOT_LANGS most expensive by mean value."""
    toks, langs, rows = results.wide(metric)
    if len(langs) <= MAX_PLOT_LANGS:
        return None, None

    def mean(la: str) -> float:
        vals = [rows[(t, la)].value for t in toks if (t, la) in rows
                and rows[(t, la)].value is not None]
        return statistics.fmean(vals) if vals else float("-inf")

    keep = sorted(langs, key=mean, reverse=True)[:MAX_PLOT_LANGS]
    keep = [x for x in langs if x in keep]
    return keep, (f"{len(langs)} languages: the plots show the {MAX_PLOT_LANGS} with the highest "
                  f"mean {metric}; the tables show all")


def _figures(results: Results, metric: str, notes: list[str],
             progress: Callable[[str], None] | None, fmt_: str = "svg") -> list[Figure]:
    from . import plots

    draw = plots.figure_svg if fmt_ == "svg" else plots.figure_png

    figs: list[Figure] = []
    langs, note = _plot_langs(results, metric)
    if note:
        notes.append(note)

    def add(key: str, title: str, caption: str, make: Callable[[], object]) -> None:
        if progress:
            progress(f"plot: {title}")
        try:
            fig = make()
        except UsageError as e:  # a plot that does not apply to these results
            notes.append(f"plot '{title}' left out: {e}")
            return
        figs.append(Figure(key, title, draw(fig), caption, fmt_))  # type: ignore[arg-type]

    pivot = results.meta.get("pivot")
    what = f"parity with {pivot}" if metric == "parity" else metric
    add("bars", _cap(f"{what} per language"),
        "Bars: value per tokenizer; whiskers: confidence interval. Languages sorted, most "
        "expensive at the top.", lambda: plots.metric_bars(results, metric, langs=langs))
    add("heatmap", _cap(f"{metric} heatmap"),
        "Tokenizer × language; for parity, blue is cheaper and orange dearer than the pivot.",
        lambda: plots.heatmap(results, metric, langs=langs))
    add("origin", "Chinese vs English by tokenizer origin",
        "Characters per token (higher is cheaper) on Chinese and English text; tokenizers "
        "grouped by where they were built (from the tokenizer catalogue's origin).",
        lambda: plots.origin_chart(results))
    if results.counts:
        dl = langs
        if dl is not None and metric == "parity":
            dl = [x for x in dl if x != pivot]
        add("distribution", _cap(f"{metric} across segments"),
            "Per-segment values (for parity: the token premium of each segment over the pivot).",
            lambda: plots.distributions(results, metric, langs=dl,
                                        log=metric in ("parity", "nsl")))
    return figs


def _drilldowns(results: Results, corpus: Corpus | None, tokenizers: Sequence[Tokenizer],
                per: int, notes: list[str]) -> tuple[list[Drilldown], SideBySide | None]:
    from .drilldown import premium

    pivot = results.meta.get("pivot")
    if per <= 0 or not pivot or "parity" not in results.metrics:
        return [], None
    by_name = {t.name: t for t in tokenizers}
    _, langs, rows = results.wide("parity")
    langs = [x for x in langs if x != pivot]
    if not langs:
        return [], None
    out = []
    for name in results.tokenizers[:6]:
        tok = by_name.get(name)
        if tok is None:
            continue
        cand = [(rows[(name, la)].value, la) for la in langs
                if (name, la) in rows and rows[(name, la)].value is not None]
        if not cand:
            continue
        _, la = max(cand)
        try:
            out.append(premium(results, tok, la, corpus=corpus, top=per))
        except TokeffError as e:
            notes.append(f"drill-down for {name} left out: {e}")
            return [], None
    sbs = _disagreement(results, corpus, [by_name[n] for n in results.tokenizers[:6]
                                          if n in by_name])
    if len(results.tokenizers) > 6:
        notes.append("drill-downs cover the first 6 tokenizers")
    return out, sbs


def _disagreement(results: Results, corpus: Corpus | str | None,
                  toks: Sequence[Tokenizer]) -> SideBySide | None:
    """The segment on which the tokenizers disagree most (highest ratio of the most to the
    fewest tokens), in Chinese when measured, else in the language with the highest mean
    parity; moderately long segments are preferred so the view stays readable."""
    import numpy as np

    from .drilldown import _measured_corpus, side_by_side

    if len(toks) < 2 or not results.counts:
        return None
    pivot = results.meta.get("pivot")
    langs = [x for x in results.langs if x != pivot]
    lang = next((x for x in ("zho_Hans", "zho_Hant", "yue_Hant") if x in langs), None)
    if lang is None and "parity" in results.metrics:
        _, _, rows = results.wide("parity")
        means = {la: statistics.fmean(v) for la in langs
                 if (v := [rows[(t.name, la)].value for t in toks if (t.name, la) in rows
                           and rows[(t.name, la)].value is not None])}
        lang = max(means, key=means.__getitem__) if means else None
    if lang is None:
        return None
    try:
        counts = np.stack([results.counts[(t.name, lang)].tokens for t in toks])
        corp = _measured_corpus(results, corpus)
    except (KeyError, TokeffError):
        return None
    lo, hi = counts.min(axis=0), counts.max(axis=0)
    ok = lo >= 5
    short = ok & (hi <= 120)
    pool = short if short.any() else ok
    if not pool.any():
        return None
    ratio = np.where(pool, hi / np.maximum(lo, 1), -1.0)
    i = int(np.argmax(ratio))
    most, fewest = toks[int(counts[:, i].argmax())], toks[int(counts[:, i].argmin())]
    return side_by_side(
        corp.segments[lang][i], toks,
        title=f"{lang} segment #{i}: where the tokenizers differ most ({most.name} "
              f"{int(hi[i])} tokens, {fewest.name} {int(lo[i])})")


def build_report(results: Results, *, corpus: Corpus | str | None = None,
                 tokenizers: Sequence[Tokenizer] | None = None, title: str | None = None,
                 metric: str | None = None, plots: bool | None = None, drilldown: int = 3,
                 progress: Callable[[str], None] | None = None,
                 figure_format: str = "svg") -> Report:
    """Compute what a report shows.

    ``plots``: None draws them when matplotlib is installed (else the report says how to get
    them), True requires matplotlib, False leaves them out. ``figure_format``: ``"svg"`` (text
    as text: the browser renders the labels with its own fonts) or ``"png"``. ``drilldown``: segments shown per
    tokenizer in its most expensive language (needs the tokenizer objects and the corpus that
    were measured; 0 turns it off).
    """
    if not results.rows:
        raise UsageError("the results have no rows: nothing to report")
    if figure_format not in FIGURE_FORMATS:
        raise UsageError(f"figure_format must be one of {', '.join(FIGURE_FORMATS)}, not "
                         f"{figure_format!r}")
    metric = metric or main_metric(results)
    if metric not in results.metrics:
        raise UsageError(f"no rows for metric {metric!r}; have {', '.join(results.metrics)}")
    notes: list[str] = []
    corpus_name = results.meta.get("corpus") or results.rows[0].signature.corpus
    # The corpus text (when given as a Corpus) tells whether it is in NFC.
    warnings = diagnose(results, corpus if hasattr(corpus, "segments") else None,
                        tokenizers=tokenizers or ())
    rep = Report(results, title or f"tokeff report: {corpus_name}", metric,
                 findings(results, warnings), warnings=warnings,
                 generated=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    if plots is not False:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            if plots:
                raise MissingDependencyError("the report's plots", "matplotlib", "plot") from None
            notes.append('plots left out: matplotlib is not installed (pip install '
                         '"tokeff[plot]")')
        else:
            rep.figures = _figures(results, metric, notes, progress, figure_format)
    if drilldown > 0 and tokenizers:
        if progress:
            progress("drill-down")
        if results.counts or corpus is not None:
            rep.drilldowns, rep.side_by_side = _drilldowns(results, corpus, tokenizers,
                                                           drilldown, notes)
    rep.notes = notes
    return rep


def report_html(results: Results, **kw) -> str:
    """A self-contained HTML report (see :func:`build_report` for the options)."""
    return build_report(results, **kw).html()


def report_markdown(results: Results, **kw) -> str:
    """A markdown report (tables, findings, drill-downs as text; see :func:`build_report`)."""
    return build_report(results, **kw).markdown()


def format_for_path(path: str | os.PathLike, fmt_: str | None = None) -> str:
    """The report format: ``fmt_`` when given, else from the file suffix (.html/.htm,
    .md/.markdown)."""
    if fmt_:
        f = {"md": "markdown", "htm": "html"}.get(fmt_.lower(), fmt_.lower())
        if f not in FORMATS:
            raise UsageError(f"report format must be one of {', '.join(FORMATS)}, not {fmt_!r}")
        return f
    suffix = Path(path).suffix.lower()
    if suffix in (".html", ".htm"):
        return "html"
    if suffix in (".md", ".markdown"):
        return "markdown"
    raise UsageError(f"cannot tell the report format from {str(path)!r}: name the file .html or "
                     f".md, or give the format (--format html|markdown)")


def _atomic_write(path: Path, text: str) -> None:
    atomic_write(path, text)


def write_report(results: Results, path: str | os.PathLike, *, format: str | None = None,
                 **kw) -> Path:
    """Write an HTML or markdown report (format from ``format`` or the suffix), atomically: the
    file is complete or not there."""
    p = Path(path)
    f = format_for_path(p, format)
    rep = build_report(results, **kw)
    _atomic_write(p, rep.html() if f == "html" else rep.markdown())
    return p


# -- HTML ---------------------------------------------------------------------------------------

_PAGE_CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC",
"WenQuanYi Zen Hei",sans-serif;color:#1a1a1a;background:#fff;margin:0;line-height:1.45}
main{max-width:1180px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:18px;margin:32px 0 8px;padding-bottom:4px;border-bottom:1px solid #e3e3e3}
h3{font-size:15px;margin:20px 0 6px}
.meta{color:#555;font-size:13px;margin-bottom:12px}
nav{font-size:13px;margin:10px 0 6px;color:#555}
nav a{color:#0b5cad;margin-right:12px;text-decoration:none}
table.info{border-collapse:collapse;font-size:13px}
table.info th,table.info td{border:1px solid #ddd;padding:3px 8px;text-align:left}
table.info th{background:#f3f3f3}
table.info td.num{text-align:right;font-variant-numeric:tabular-nums}
ul.findings{font-size:14px;padding-left:20px}
ul.findings li{margin:3px 0}
.warn{color:#b00020;font-weight:700}
ul.tk-warnings{font-size:14px;padding-left:20px;color:#5c0011;background:#fff4f4;
border-left:3px solid #b00020;padding:6px 10px 6px 28px}
ul.tk-warnings li{list-style:none;text-indent:-18px;margin:3px 0}
.tk-warn{color:#b00020;font-weight:700}
figure{margin:14px 0 22px}
figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#555;font-size:12.5px;margin-top:4px}
.notes{color:#555;font-size:12.5px}
code{font-size:12px;word-break:break-all}
footer{margin-top:36px;color:#777;font-size:12px;border-top:1px solid #e3e3e3;padding-top:8px}
"""


def _meta_items(results: Results) -> list[tuple[str, str]]:
    m = results.meta
    items = []
    if m.get("corpus"):
        c = str(m["corpus"])
        if m.get("split") and m["split"] != "all":
            c += f" (split {m['split']})"
        items.append(("corpus", c))
    if m.get("n_segments") is not None:
        items.append(("aligned segments", str(m["n_segments"])))
    if m.get("corpus_hash"):
        items.append(("corpus content hash", str(m["corpus_hash"])[:16]))
    items.append(("languages", str(len(results.langs))))
    if m.get("pivot"):
        items.append(("pivot", str(m["pivot"])))
    if m.get("reference"):
        items.append(("reference tokenizer", str(m["reference"])))
    if m.get("normalization"):
        items.append(("normalisation", str(m["normalization"])))
    if m.get("aggregation"):
        items.append(("aggregation", str(m["aggregation"])))
    b = m.get("bootstrap") or {}
    if b:
        items.append(("bootstrap", f"{b.get('resamples')} resamples, seed {b.get('seed')}, "
                                   f"{round(b.get('ci', 0.95) * 100, 3):g}% CI"
                      if b.get("resamples") else "off (no confidence intervals)"))
    items.append(("tokeff", str(m.get("tokeff", __version__))))
    return items


def _tokenizer_rows(results: Results) -> list[dict[str, str]]:
    rows = []
    for t in results.tokenizers:
        d = tokenizer_info(results, t)
        rows.append({
            "tokenizer": t,
            "developer": str(d.get("developer") or ""),
            "origin": str(d.get("origin") or "unknown"),
            "backend": f"{d.get('backend', '')} {d.get('backend_version', '')}".strip(),
            "vocab": str(d.get("vocab_size", "")),
            "fingerprint": str(d.get("fingerprint", ""))[:16],
        })
    return rows


def _marked(rep: Report, metric: str) -> dict:
    return marked_cells(rep.warnings, rep.results.tokenizers, metric)


def _marks_note(rep: Report, metric: str) -> str:
    if not _marked(rep, metric):
        return ""
    return (f'<p class="notes"><span class="warn">{WARN_MARK}</span> marks a value a warning '
            f'under <a href="#findings">Findings</a> is about (its tooltip says which).</p>')


def _render_html(rep: Report) -> str:
    r = rep.results
    sections: list[tuple[str, str, str]] = []  # (id, heading, body)
    meta = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in _meta_items(r))
    trows = _tokenizer_rows(r)
    num = ' class="num"'
    tok_html = ("<table class=\"info\"><tr>" + "".join(f"<th>{_e(k)}</th>" for k in trows[0])
                + "</tr>" + "".join(
                    "<tr>" + "".join(f'<td{num if k == "vocab" else ""}>{_e(v)}</td>'
                                     for k, v in row.items()) + "</tr>" for row in trows)
                + "</table>") if trows else ""
    sections.append(("setup", "Setup",
                     f'<table class="info">{meta}</table><h3>Tokenizers</h3>{tok_html}'))
    if rep.findings or rep.warnings:
        sections.append(("findings", "Findings", warnings_html(rep.warnings)
                         + '<ul class="findings">' + "".join(
                             f"<li>{_e(f)}</li>" for f in rep.findings) + "</ul>"))
    sections.append(("main", _cap(rep.metric.replace("_", " ")),
                     results_html(r, rep.metric, signatures=False, warnings=rep.warnings,
                                  warning_list=False) + _marks_note(rep, rep.metric)))
    if rep.figures:
        sections.append(("plots", "Plots", "".join(
            f'<figure id="fig-{_e(f.key)}"><img src="{f.data_uri()}" alt="{_e(f.title)}">'
            f"<figcaption><b>{_e(f.title)}.</b> {_e(f.caption)}</figcaption></figure>"
            for f in rep.figures)))
    if rep.drilldowns or rep.side_by_side:
        body = [('<p class="notes">The segments with the highest token premium (tokens of the '
                 "segment / tokens of the pivot's version of it) for each tokenizer, in the "
                 "language where its parity is worst. Boxes are tokens; a dashed box with a "
                 "small number is a character (or characters) that only that many tokens "
                 "together encode.</p>")]
        if rep.side_by_side is not None:
            body.append(f"<h3>Side by side</h3>{rep.side_by_side._repr_html_()}")
        for d in rep.drilldowns:
            body.append(f"<h3>{_e(d.tokenizer)} · {_e(d.lang)}</h3>{d._repr_html_()}")
        sections.append(("drilldown", "Drill-down", "".join(body)))
    others = [m for m in metric_order(r, FIRST_METRICS) if m != rep.metric]
    if others:
        sections.append(("metrics", "All metrics", "".join(
            f'<h3 id="m-{_e(m)}">{_e(m)}</h3>'
            f"{results_html(r, m, signatures=False, warnings=rep.warnings, warning_list=False)}"
            f"{_marks_note(rep, m)}"
            for m in others)))
    na = sorted({f"{row.tokenizer} · {row.lang} · {row.metric}: {row.note}" for row in r.rows
                 if row.value is None and row.note})
    notes = list(rep.notes)
    sigs = r.signature_summary()
    tail = ""
    if notes:
        tail += "<ul class=\"notes\">" + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>"
    if na:
        items = "".join(f"<li>{_e(n)}</li>" for n in na[:200])
        more = f"<li>… and {len(na) - 200} more</li>" if len(na) > 200 else ""
        tail += (f'<details class="notes"><summary>{len(na)} value(s) not available</summary>'
                 f"<ul>{items}{more}</ul></details>")
    tail += "<h3>Signatures</h3><ul class=\"notes\">" + "".join(
        f"<li><code>{_e(s)}</code></li>" for s in sigs) + "</ul>"
    sections.append(("notes", "Notes and signatures", tail))
    nav = "".join(f'<a href="#{sid}">{_e(h)}</a>' for sid, h, _ in sections)
    body = "".join(f'<section id="{sid}"><h2>{_e(h)}</h2>{b}</section>'
                   for sid, h, b in sections)
    sub = (f"{len(r.tokenizers)} tokenizer(s) × {len(r.langs)} language(s) × "
           f"{len(r.metrics)} metric(s) · generated {rep.generated} by tokeff "
           f"{_e(r.meta.get('tokeff', __version__))}")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_e(rep.title)}</title><style>{_PAGE_CSS}</style></head><body><main>"
            f"<h1>{_e(rep.title)}</h1><div class=\"meta\">{_e(sub)}</div><nav>{nav}</nav>"
            f"{body}<footer>Self-contained report: plots are embedded, nothing is fetched "
            f"from the network.</footer></main></body></html>\n")


# -- markdown -----------------------------------------------------------------------------------

def _md_escape(s: str) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def _md_table(results: Results, metric: str, warnings: Sequence[Diagnostic] = ()) -> str:
    g = _Grid(results, metric)
    show_ci = g.has_ci()
    marks = marked_cells(warnings, g.toks, metric)
    lines = [f"**{metric}**: {_md_escape(g.describe())}", "",
             "| language | " + " | ".join(_md_escape(t) for t in g.toks) + " |",
             "|---|" + "---:|" * len(g.toks)]
    for la in g.langs:
        cells = []
        for t in g.toks:
            row = g.row(t, la)
            if row is None:
                cells.append("")
            elif row.value is None:
                cells.append("n/a")
            else:
                c = g.fmt(row.value)
                if (t, la) in marks:
                    c += f" {WARN_MARK}"
                if show_ci and row.ci_low is not None:
                    c += f" [{g.fmt(row.ci_low)}, {g.fmt(row.ci_high)}]"
                cells.append(c)
        label = f"{la} (pivot)" if la == g.pivot else la
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    if marks:
        lines += ["", f"{WARN_MARK}: a warning under Findings is about this value."]
    if show_ci:
        lvl = (results.meta.get("bootstrap") or {}).get("ci", 0.95)
        lines.append("")
        lines.append(f"Brackets: {round(lvl * 100, 3):g}% paired bootstrap confidence interval.")
    return "\n".join(lines)


def _render_markdown(rep: Report) -> str:
    r = rep.results
    summary = (f"{len(r.tokenizers)} tokenizer(s) × {len(r.langs)} language(s) × "
               f"{len(r.metrics)} metric(s); generated {rep.generated} by tokeff "
               f"{r.meta.get('tokeff', __version__)}.")
    out = [f"# {rep.title}", "", summary, "", "## Setup", ""]
    out += [f"- **{k}**: {_md_escape(v)}" for k, v in _meta_items(r)]
    trows = _tokenizer_rows(r)
    if trows:
        out += ["", "| " + " | ".join(trows[0]) + " |", "|" + "---|" * len(trows[0])]
        out += ["| " + " | ".join(_md_escape(v) for v in row.values()) + " |" for row in trows]
    if rep.findings or rep.warnings:
        out += ["", "## Findings", ""]
        out += [f"- {WARN_MARK} **Warning:** {_md_escape(d.message)}" for d in rep.warnings]
        out += [f"- {_md_escape(f)}" for f in rep.findings]
    out += ["", f"## {_cap(rep.metric.replace('_', ' '))}", "",
            _md_table(r, rep.metric, rep.warnings)]
    if rep.figures:
        out += ["", "Plots: " + ", ".join(f.title for f in rep.figures)
                + " are in the HTML report (`tokeff report --output report.html`)."]
    if rep.drilldowns or rep.side_by_side:
        out += ["", "## Drill-down", "",
                ("Tokens are separated by `|`; `X⟨n⟩` marks characters that only n tokens "
                 "together encode."), ""]
        if rep.side_by_side is not None:
            out += ["```text", str(rep.side_by_side), "```", ""]
        for d in rep.drilldowns:
            out += ["```text", str(d), "```", ""]
    others = [m for m in metric_order(r, FIRST_METRICS) if m != rep.metric]
    if others:
        out += ["", "## All metrics"]
        for m in others:
            out += ["", _md_table(r, m, rep.warnings)]
    out += ["", "## Notes and signatures"]
    items = [f"- {_md_escape(n)}" for n in rep.notes]
    na = sorted({f"{row.tokenizer} · {row.lang} · {row.metric}: {row.note}" for row in r.rows
                 if row.value is None and row.note})
    if na:
        items.append(f"- {len(na)} value(s) not available: " + "; ".join(
            _md_escape(n) for n in na[:30]) + ("; …" if len(na) > 30 else ""))
    if items:
        out += ["", *items]
    out += ["", "Signatures:", ""] + [f"- `{s}`" for s in r.signature_summary()]
    return "\n".join(out) + "\n"
