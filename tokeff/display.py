"""Rendering of results for people: the rich Jupyter table (``Results._repr_html_``) and its
plain-text twin for terminals.

The table puts languages in rows and tokenizers in columns, one metric at a time (parity when
the results have it), each value with its confidence interval. Cells are shaded by how far the
language is from parity with the pivot on that metric: blue when cheaper than the pivot,
orange when dearer, white at parity (a blue/orange scale that reads with colour-blindness).

>>> from tokeff.display import cost_ratio
>>> cost_ratio(2.0, 1.0, "lower")
2.0
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .diagnostics import Diagnostic, diagnose, marked_cells, text_lines
from .errors import TokeffError

if TYPE_CHECKING:  # pragma: no cover
    from .results import Results, Row

#: What marks a value that a warning under the table is about.
WARN_MARK = "⚠"

__all__ = [
    "Table",
    "cost_colour",
    "cost_ratio",
    "fmt",
    "lang_name",
    "main_metric",
    "results_html",
    "results_text",
    "table",
    "tokenizer_info",
    "warnings_html",
]

#: English name and autonym of common languages (FLORES codes), for labels and tooltips.
LANG_NAMES: dict[str, tuple[str, str]] = {
    "eng_Latn": ("English", "English"),
    "zho_Hans": ("Chinese (Simplified)", "简体中文"),
    "zho_Hant": ("Chinese (Traditional)", "繁體中文"),
    "yue_Hant": ("Cantonese", "粵語"),
    "jpn_Jpan": ("Japanese", "日本語"),
    "kor_Hang": ("Korean", "한국어"),
    "hin_Deva": ("Hindi", "हिन्दी"),
    "arb_Arab": ("Arabic", "العربية"),
    "rus_Cyrl": ("Russian", "Русский"),
    "spa_Latn": ("Spanish", "Español"),
    "fra_Latn": ("French", "Français"),
    "deu_Latn": ("German", "Deutsch"),
    "por_Latn": ("Portuguese", "Português"),
    "vie_Latn": ("Vietnamese", "Tiếng Việt"),
    "ind_Latn": ("Indonesian", "Bahasa Indonesia"),
    "tur_Latn": ("Turkish", "Türkçe"),
    "ben_Beng": ("Bengali", "বাংলা"),
    "tha_Thai": ("Thai", "ไทย"),
    "amh_Ethi": ("Amharic", "አማርኛ"),
    "mya_Mymr": ("Burmese", "မြန်မာ"),
    "ita_Latn": ("Italian", "Italiano"),
    "nld_Latn": ("Dutch", "Nederlands"),
    "pol_Latn": ("Polish", "Polski"),
    "ukr_Cyrl": ("Ukrainian", "Українська"),
    "ell_Grek": ("Greek", "Ελληνικά"),
    "heb_Hebr": ("Hebrew", "עברית"),
    "pes_Arab": ("Persian", "فارسی"),
    "urd_Arab": ("Urdu", "اردو"),
    "tam_Taml": ("Tamil", "தமிழ்"),
    "tel_Telu": ("Telugu", "తెలుగు"),
    "swh_Latn": ("Swahili", "Kiswahili"),
    "khm_Khmr": ("Khmer", "ខ្មែរ"),
    "lao_Laoo": ("Lao", "ລາວ"),
    "kat_Geor": ("Georgian", "ქართული"),
    "hye_Armn": ("Armenian", "Հայերեն"),
    "bod_Tibt": ("Tibetan", "བོད་ཡིག"),
    "uig_Arab": ("Uyghur", "ئۇيغۇرچە"),
}

#: Colour-blind-safe ends of the cost scale (Okabe-Ito blue and vermillion).
CHEAPER_RGB = (0x00, 0x72, 0xB2)
DEARER_RGB = (0xD5, 0x5E, 0x00)
#: A ratio of 4 (or 1/4) gets the strongest shade.
SHADE_LOG2_MAX = 2.0


def tokenizer_info(results: Results, name: str) -> dict:
    """What the results record about a tokenizer (backend, vocab_size, origin, developer, ...).

    When origin/developer are not recorded but the tokenizer catalogue has an entry of that
    name with the same vocabulary size, they are taken from the entry.
    """
    info = dict((results.meta.get("tokenizers") or {}).get(name) or {})
    if info.get("origin") and info.get("developer"):
        return info
    try:
        from .tokenizers.catalogue import get_entry

        entry = get_entry(name)
    except (ImportError, LookupError, TokeffError):  # no catalogue, or not a catalogue name
        return info
    if entry.name != name:  # an alias: the results name a tokenizer that is not the entry
        return info
    if info.get("vocab_size") not in (None, entry.vocab_size):
        return info
    for key in ("origin", "developer", "family"):
        if not info.get(key) and getattr(entry, key, None):
            info[key] = getattr(entry, key)
    return info


def lang_name(code: str) -> str | None:
    """English name of a language code, when known (``"Japanese"`` for ``jpn_Jpan``)."""
    return LANG_NAMES.get(code, (None, None))[0]


def fmt(v: float | None, digits: int = 3, *, exact_ints: bool = True) -> str:
    """A number for people: whole numbers plainly (with ``exact_ints``), others with ``digits``
    significant digits.

    >>> fmt(1234.0), fmt(1.23456), fmt(0.012345), fmt(1.0, exact_ints=False), fmt(None)
    ('1234', '1.23', '0.0123', '1.00', 'n/a')
    """
    if v is None:
        return "n/a"
    if exact_ints and float(v).is_integer():
        return f"{int(v)}"
    if abs(v) >= 10 ** digits:
        return f"{v:.0f}"
    return f"{v:#.{digits}g}".rstrip(".")


def main_metric(results: Results) -> str:
    """The metric a summary shows first: parity when present, else the first ratio metric."""
    from .metrics import METRICS

    ms = results.metrics
    if not ms:
        from .errors import UsageError

        raise UsageError("the results have no rows")
    if "parity" in ms:
        return "parity"
    for m in ms:
        info = METRICS.get(m)
        if info is not None and info.kind == "ratio" and info.direction != "none":
            return m
    return ms[0]


def cost_ratio(value: float | None, pivot_value: float | None, direction: str) -> float | None:
    """How many times dearer than the pivot a value is (1 = parity, >1 dearer, <1 cheaper),
    oriented by the metric's direction; None when it cannot be said.

    >>> cost_ratio(3.0, 6.0, "higher")  # chars/token 3 where the pivot has 6: twice as dear
    2.0
    """
    if value is None or pivot_value is None or direction not in ("lower", "higher"):
        return None
    if value <= 0 or pivot_value <= 0:
        return None
    return value / pivot_value if direction == "lower" else pivot_value / value


def cost_colour(ratio: float | None) -> str | None:
    """CSS background for a cost ratio: white at parity, blue when cheaper, orange when dearer.

    >>> cost_colour(1.0)
    '#ffffff'
    >>> cost_colour(None) is None
    True
    """
    if ratio is None or not math.isfinite(ratio) or ratio <= 0:
        return None
    t = max(-1.0, min(1.0, math.log2(ratio) / SHADE_LOG2_MAX))
    end = DEARER_RGB if t > 0 else CHEAPER_RGB
    a = 0.8 * abs(t)
    rgb = [round(255 * (1 - a) + c * a) for c in end]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def _text_colour(bg: str | None) -> str:
    if bg is None:
        return "inherit"
    r, g, b = (int(bg[i:i + 2], 16) for i in (1, 3, 5))
    return "#111111" if 0.299 * r + 0.587 * g + 0.114 * b > 120 else "#ffffff"


def _e(x: object) -> str:
    return html.escape(str(x), quote=True)


def _short_name(name: str, width: int = 28) -> str:
    return name if len(name) <= width else "…" + name[-(width - 1):]


class _Grid:
    """One metric of the results as a languages x tokenizers grid with cost ratios."""

    def __init__(self, results: Results, metric: str | None):
        from .metrics import METRICS

        self.results = results
        self.metric = metric or main_metric(results)
        self.toks, self.langs, self.rows = results.wide(self.metric)
        self.info = METRICS.get(self.metric)
        self.pivot = results.meta.get("pivot") or (self.rows and
                                                   next(iter(self.rows.values())).signature.pivot)
        if self.pivot == "none":
            self.pivot = None
        # Pivot first, as the reference row.
        if self.pivot in self.langs:
            self.langs = [self.pivot] + [x for x in self.langs if x != self.pivot]

    def fmt(self, v: float | None) -> str:
        return fmt(v, exact_ints=self.info is None or self.info.kind == "total")

    def row(self, tok: str, lang: str) -> Row | None:
        return self.rows.get((tok, lang))

    def ratio(self, tok: str, lang: str) -> float | None:
        r = self.row(tok, lang)
        if r is None or r.value is None:
            return None
        if self.metric in ("parity", "nsl"):
            return r.value
        if self.pivot is None or self.info is None:
            return None
        p = self.row(tok, self.pivot)
        return cost_ratio(r.value, p.value if p else None, self.info.direction)

    def has_ci(self) -> bool:
        return any(r.ci_low is not None for r in self.rows.values())

    def warnings(self, given: Sequence[Diagnostic] | bool) -> list[Diagnostic]:
        """The warnings about this table: ``given`` ones, or derived from the results (True),
        or none (False); only those about its metric, tokenizers and languages."""
        if given is False:
            return []
        found = diagnose(self.results) if given is True else list(given)
        toks, langs = set(self.toks), set(self.langs)
        return [d for d in found if d.applies_to(self.metric)
                and (d.tokenizer is None or d.tokenizer in toks)
                and (not d.langs or langs & set(d.langs))]

    def describe(self) -> str:
        if self.info is None:
            return self.metric
        direction = {"lower": "lower is better", "higher": "higher is better"}.get(
            self.info.direction, "")
        desc = self.info.description
        if self.metric == "parity" and self.pivot:
            desc = f"tokens / tokens of {self.pivot} on the same segments (1 = parity)"
        unit = f" [{self.info.unit}]" if self.info.unit not in ("ratio",) else ""
        return f"{desc}{unit}" + (f"; {direction}" if direction else "")

    def shading_note(self) -> str:
        if self.metric in ("parity", "nsl"):
            what = "1 = parity" if self.metric == "parity" else "1 = same as the reference"
            return f"shading: blue below 1, orange above ({what}; full colour at 4x)"
        if self.pivot and self.info and self.info.direction in ("lower", "higher"):
            return (f"shading: cost relative to {self.pivot} on this metric (blue cheaper, "
                    f"orange dearer; full colour at 4x)")
        return "no shading: this metric has no better/worse direction"


def _meta_line(results: Results, grid: _Grid) -> list[str]:
    meta = results.meta
    bits = []
    corpus = meta.get("corpus")
    if corpus is None and grid.rows:
        corpus = next(iter(grid.rows.values())).signature.corpus
    if corpus is not None:
        extra = []
        if meta.get("split") and meta.get("split") != "all":
            extra.append(f"split {meta['split']}")
        n = meta.get("n_segments")
        if n is None and grid.rows:
            n = next(iter(grid.rows.values())).n_segments
        if n is not None:
            extra.append(f"{n} aligned segments")
        if meta.get("normalization") not in (None, "none"):
            extra.append(f"{meta['normalization']}")
        bits.append(f"corpus {corpus}" + (f" ({', '.join(extra)})" if extra else ""))
    if grid.pivot:
        bits.append(f"pivot {grid.pivot}")
    boot = meta.get("bootstrap") or {}
    if grid.has_ci():
        ci = boot.get("ci", 0.95)
        res = boot.get("resamples")
        if boot.get("method") == "delta":  # very large corpora (see tokeff.metrics.Bootstrap)
            bits.append(f"{round(ci * 100, 3):g}% CI by the delta method")
        else:
            bits.append(f"{round(ci * 100, 3):g}% paired bootstrap CI"
                        + (f" ({res} resamples, seed {boot.get('seed', 0)})" if res else ""))
    elif grid.info is not None and grid.info.kind == "ratio":
        bits.append("no confidence intervals (bootstrap off)")
    if meta.get("aggregation") == "document":
        bits.append("aggregation: one document per language")
    return bits


_CSS = """
.tokeff-tbl{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC",
"WenQuanYi Zen Hei",sans-serif;font-size:13px;line-height:1.35;margin:4px 0 8px 0}
.tokeff-tbl .tk-title{font-size:14px;margin-bottom:2px}
.tokeff-tbl .tk-sub{color:#555;font-size:12px;margin-bottom:6px}
.tokeff-tbl table{border-collapse:collapse;margin:0}
.tokeff-tbl th,.tokeff-tbl td{border:1px solid #d0d0d0;padding:3px 8px;vertical-align:top}
.tokeff-tbl thead th{background:#f3f3f3;color:#111;text-align:center;font-weight:600}
.tokeff-tbl th.tk-lang{text-align:left;font-weight:600;white-space:nowrap;background:#fafafa;
color:#111}
.tokeff-tbl td.tk-v{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.tokeff-tbl .tk-ci{display:block;font-size:11px;opacity:.75}
.tokeff-tbl .tk-small{display:block;font-size:11px;font-weight:400;color:#555}
.tokeff-tbl .tk-na{color:#777;font-style:italic}
.tokeff-tbl .tk-foot{color:#555;font-size:12px;margin-top:6px}
.tokeff-tbl details{margin-top:4px}
.tokeff-tbl code{font-size:11px;word-break:break-all}
.tokeff-tbl .tk-warn{color:#b00020;font-weight:700}
.tokeff-tbl ul.tk-warnings{margin:6px 0;padding-left:18px;color:#5c0011;font-size:12.5px}
.tokeff-tbl ul.tk-warnings li{list-style:none;text-indent:-16px;margin:2px 0}
.tokeff-tbl .tk-key span{display:inline-block;padding:0 6px;margin-right:2px;color:#111;
border:1px solid #ccc}
"""


def _legend_html() -> str:
    stops = [(0.25, "¼×"), (0.5, "½×"), (1.0, "1×"), (2.0, "2×"), (4.0, "4×")]
    cells = "".join(f'<span style="background:{cost_colour(r)}">{lbl}</span>' for r, lbl in stops)
    return f'<span class="tk-key" title="cost relative to the pivot">{cells}</span>'


def _tok_header(results: Results, tok: str) -> str:
    info = tokenizer_info(results, tok)
    small = []
    if info.get("developer"):
        small.append(str(info["developer"]))
    if info.get("origin"):
        small.append(str(info["origin"]))
    if info.get("vocab_size"):
        v = int(info["vocab_size"])
        small.append(f"{v / 1000:.0f}k vocab" if v >= 10000 else f"{v} vocab")
    if not small and info.get("backend"):
        small.append(str(info["backend"]))
    sub = f'<span class="tk-small">{_e(" · ".join(small))}</span>' if small else ""
    return f'<th title="{_e(tok)}">{_e(_short_name(tok))}{sub}</th>'


def results_html(results: Results, metric: str | None = None, *, ci: bool = True,
                 signatures: bool = True,
                 warnings: Sequence[Diagnostic] | bool = True,
                 warning_list: bool = True) -> str:
    """HTML for one metric of the results (default: parity when present): a languages x
    tokenizers table with confidence intervals, the corpus and pivot named, cells shaded by the
    distance from parity. All text is escaped; the fragment has no external resources.

    ``warnings`` (:mod:`tokeff.diagnostics`; True: derived from the results) mark the values
    they are about with ⚠ (the warning as tooltip) and are listed under the table unless
    ``warning_list`` is False (a report lists them in its findings).

    >>> html = results_html(res)  # doctest: +SKIP
    """
    if not results.rows:
        return '<div class="tokeff-tbl"><em>empty tokeff results (no rows)</em></div>'
    g = _Grid(results, metric)
    show_ci = ci and g.has_ci()
    warns = g.warnings(warnings)
    marks = marked_cells(warns, g.toks, g.metric)
    out = [f"<div class=\"tokeff-tbl\"><style>{_CSS}</style>"]
    out.append(f'<div class="tk-title"><b>{_e(g.metric)}</b> — {_e(g.describe())}</div>')
    sub = _meta_line(results, g)
    sub.append(f"{len(g.toks)} tokenizer(s) × {len(g.langs)} language(s)")
    out.append(f'<div class="tk-sub">{_e(" · ".join(sub))}</div>')
    out.append("<table><thead><tr><th>language</th>")
    out.extend(_tok_header(results, t) for t in g.toks)
    out.append("</tr></thead><tbody>")
    for la in g.langs:
        name = lang_name(la)
        label = _e(la) + ('<span class="tk-small">pivot</span>' if la == g.pivot else
                          (f'<span class="tk-small">{_e(name)}</span>' if name else ""))
        out.append(f'<tr><th class="tk-lang">{label}</th>')
        for t in g.toks:
            r = g.row(t, la)
            if r is None:
                out.append('<td class="tk-v"></td>')
                continue
            if r.value is None:
                out.append(f'<td class="tk-v tk-na" title="{_e(r.note or "not available")}">'
                           f"n/a</td>")
                continue
            ratio = g.ratio(t, la)
            bg = cost_colour(ratio)
            style = f' style="background:{bg};color:{_text_colour(bg)}"' if bg else ""
            tip = f"{t} on {la}: {g.metric} = {r.value:.6g}"
            if r.ci_low is not None:
                tip += f", CI [{r.ci_low:.6g}, {r.ci_high:.6g}]"
            if ratio is not None and g.metric not in ("parity", "nsl"):
                tip += f"; {ratio:.3g}x the cost of {g.pivot}"
            cell = _e(g.fmt(r.value))
            if (t, la) in marks:
                tip += "; WARNING: " + " ".join(d.message for d in marks[(t, la)])
                cell += f' <span class="tk-warn">{WARN_MARK}</span>'
            if show_ci and r.ci_low is not None:
                cell += (f'<span class="tk-ci">[{_e(g.fmt(r.ci_low))}, '
                         f'{_e(g.fmt(r.ci_high))}]</span>')
            out.append(f'<td class="tk-v"{style} title="{_e(tip)}">{cell}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    foot = [_e(g.shading_note())]
    if g.shading_note().startswith("shading"):
        foot.append(_legend_html())
    others = [m for m in results.metrics if m != g.metric]
    if others:
        foot.append("<br>other metrics: " + _e(", ".join(others))
                    + ' — <code>tokeff.display.table(res, "METRIC")</code>')
    out.append(f'<div class="tk-foot">{" ".join(foot)}</div>')
    if warns and warning_list:
        out.append(warnings_html(warns))
    notes = sorted({f"{r.lang}: {r.note}" for r in g.rows.values() if r.value is None and r.note})
    if notes:
        items = "".join(f"<li>{_e(n)}</li>" for n in notes[:30])
        more = f"<li>… and {len(notes) - 30} more</li>" if len(notes) > 30 else ""
        out.append(f'<details><summary>{len(notes)} value(s) not available</summary>'
                   f"<ul>{items}{more}</ul></details>")
    if signatures:
        sigs = sorted({str(r.signature) for r in g.rows.values()})
        items = "".join(f"<li><code>{_e(s)}</code></li>" for s in sigs)
        out.append(f"<details><summary>{len(sigs)} signature(s)</summary><ul>{items}</ul>"
                   f"</details>")
    out.append("</div>")
    return "".join(out)


def results_text(results: Results, metric: str | None = None, *, ci: bool = True,
                 width: int = 22, warnings: Sequence[Diagnostic] | bool = True) -> str:
    """Plain text of one metric (default: parity when present) with confidence intervals, and
    the warnings about it underneath (``warnings``: see :func:`results_html`); a value a
    warning is about is marked with ``!``."""
    if not results.rows:
        return "(no results)"
    g = _Grid(results, metric)
    show_ci = ci and g.has_ci()
    warns = g.warnings(warnings)
    marks = marked_cells(warns, g.toks, g.metric)
    lines = [f"{g.metric}: {g.describe()}", "  " + " · ".join(_meta_line(results, g))]
    names = [_short_name(t, width) for t in g.toks]

    def cell(t: str, la: str) -> str:
        r = g.row(t, la)
        if r is None:
            return ""
        s = g.fmt(r.value)
        if show_ci and r.ci_low is not None:
            s += f" [{g.fmt(r.ci_low)}, {g.fmt(r.ci_high)}]"
        return s + (" !" if (t, la) in marks else "")

    cells = {(t, la): cell(t, la) for t in g.toks for la in g.langs}
    w0 = max(8, *(len(la) + (8 if la == g.pivot else 0) for la in g.langs))
    widths = [max(len(n), *(len(cells[(t, la)]) for la in g.langs)) for t, n in zip(g.toks, names)]
    lines.append("  " + "lang".ljust(w0) + "  " + "  ".join(n.rjust(w) for n, w in
                                                           zip(names, widths)))
    for la in g.langs:
        label = la + (" (pivot)" if la == g.pivot else "")
        lines.append("  " + label.ljust(w0) + "  " + "  ".join(
            cells[(t, la)].rjust(w) for t, w in zip(g.toks, widths)))
    if warns:
        lines += [""] + text_lines(warns, marked=bool(marks))
    return "\n".join(lines)


def warnings_html(warnings: Sequence[Diagnostic]) -> str:
    """The warnings as an HTML list (escaped), for under a table or in a report."""
    if not warnings:
        return ""
    items = "".join(f'<li><span class="tk-warn">{WARN_MARK}</span> {_e(d.message)}</li>'
                    for d in warnings)
    return f'<ul class="tk-warnings" role="note">{items}</ul>'


class Table:
    """One metric of a result set, shown as a rich table in Jupyter and as text elsewhere."""

    def __init__(self, results: Results, metric: str | None = None, *, ci: bool = True):
        self.results = results
        self.metric = metric or main_metric(results)
        if self.metric not in results.metrics:
            from .errors import UsageError

            raise UsageError(f"no rows for metric {self.metric!r}; have "
                             f"{', '.join(results.metrics)}")
        self.ci = ci

    def _repr_html_(self) -> str:
        return results_html(self.results, self.metric, ci=self.ci)

    def __str__(self) -> str:
        return results_text(self.results, self.metric, ci=self.ci)

    def __repr__(self) -> str:
        return f"<tokeff Table {self.metric}: {len(self.results.tokenizers)} tokenizer(s)>"


def table(results: Results, metric: str | None = None, *, ci: bool = True) -> Table:
    """One metric as a table object (rich in Jupyter, text with ``print``).

    >>> tokeff.display.table(res, "fertility")  # doctest: +SKIP
    """
    return Table(results, metric, ci=ci)


def metric_order(results: Results, first: Sequence[str] = ()) -> list[str]:
    """Metrics of the results, those in ``first`` (when present) leading."""
    ms = results.metrics
    return [m for m in first if m in ms] + [m for m in ms if m not in first]
