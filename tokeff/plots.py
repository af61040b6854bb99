"""Plots of tokeff results on matplotlib (the optional extra ``plot``).

Every function draws into ``ax`` when given, else into a new :class:`matplotlib.figure.Figure`
(made without pyplot, so nothing global is touched and figures are garbage-collected), and
returns the figure. Colours are colour-blind safe (Okabe-Ito for tokenizers, a blue/orange
diverging scale for parity, viridis for other values). CJK language names appear in labels
when an installed font really has their glyphs (:mod:`tokeff.fonts`; matplotlib's placeholder
font "Last Resort" does not count); otherwise labels use language codes and a warning says so
once, so a label never shows empty boxes. :func:`figure_svg` keeps text as text, for pages
whose browser renders the labels with its own fonts.

>>> fig = parity_bars(res)  # doctest: +SKIP
>>> fig.savefig("parity.png")  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .display import fmt, main_metric
from .errors import UsageError
from .plotstyle import (
    OKABE_ITO,
    _apply_fonts,
    _figure,
    _legend_outside,
    _metric_label,
    _mpl,
    _style,
    _subtitle,
    _titles,
    cjk_font,
    lang_label,
    tokenizer_colours,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .results import Results, Row

__all__ = [
    "OKABE_ITO",
    "cjk_font",
    "distributions",
    "figure_png",
    "figure_svg",
    "heatmap",
    "lang_label",
    "metric_bars",
    "origin_chart",
    "origin_group",
    "parity_bars",
]

_GROUPS = ("Chinese-built", "foreign-built", "unknown origin")


def _select(results: Results, metric: str, tokenizers: Sequence[str] | None,
            langs: Sequence[str] | None) -> tuple[list[str], list[str], dict]:
    if metric not in results.metrics:
        raise UsageError(f"no rows for metric {metric!r}; have {', '.join(results.metrics)}")
    toks, lgs, rows = results.wide(metric)
    if tokenizers is not None:
        missing = [t for t in tokenizers if t not in toks]
        if missing:
            raise UsageError(f"tokenizer(s) {', '.join(missing)} not in the results; have "
                             f"{', '.join(toks)}")
        toks = list(tokenizers)
    if langs is not None:
        from .langs import resolve_lang

        want = [resolve_lang(x) for x in langs]
        missing = [x for x in want if x not in lgs]
        if missing:
            raise UsageError(f"language(s) {', '.join(missing)} not in the results; have "
                             f"{', '.join(lgs)}")
        lgs = want
    return toks, lgs, rows


def _err(row: Row | None) -> tuple[float, float, float] | None:
    if row is None or row.value is None:
        return None
    lo = row.ci_low if row.ci_low is not None else row.value
    hi = row.ci_high if row.ci_high is not None else row.value
    return row.value, max(0.0, row.value - lo), max(0.0, hi - row.value)


def metric_bars(results: Results, metric: str | None = None, *,
                tokenizers: Sequence[str] | None = None, langs: Sequence[str] | None = None,
                sort: bool = True, ax: Axes | None = None) -> Figure:
    """One metric per language as horizontal bars, one bar per tokenizer, with CI error bars;
    languages sorted by their mean over tokenizers (highest at the top). For parity, the pivot
    (1 by definition) is left out and a line marks parity.
    """
    metric = metric or main_metric(results)
    toks, lgs, rows = _select(results, metric, tokenizers, langs)
    pivot = results.meta.get("pivot")
    if metric == "parity" and langs is None and len(lgs) > 1:
        lgs = [x for x in lgs if x != pivot]
    if sort:
        def key(la: str) -> float:
            vals = [rows[(t, la)].value for t in toks if (t, la) in rows
                    and rows[(t, la)].value is not None]
            return float(np.mean(vals)) if vals else -math.inf

        lgs = sorted(lgs, key=key)  # barh draws bottom-up: highest ends at the top
    colours = tokenizer_colours(toks)
    n_t = len(toks)
    band = 0.8
    h = band / max(1, n_t)
    with _style():
        own = ax is None
        fig, ax = _figure(ax, 8.5, 1.6 + len(lgs) * max(0.32, (0.16 if n_t <= 4 else 0.11) * n_t
                                                          + 0.12))
        y = np.arange(len(lgs), dtype=float)
        any_ci = False
        vmax = 0.0
        for k, t in enumerate(toks):
            off = (n_t - 1 - k - (n_t - 1) / 2) * h  # first tokenizer on top within a band
            vals, lo, hi, ys = [], [], [], []
            for i, la in enumerate(lgs):
                e = _err(rows.get((t, la)))
                if e is None:
                    continue
                vals.append(e[0])
                lo.append(e[1])
                hi.append(e[2])
                ys.append(y[i] + off)
                any_ci = any_ci or e[1] > 0 or e[2] > 0
                vmax = max(vmax, e[0] + e[2])
            ax.barh(ys, vals, height=h * 0.92, color=colours[t], label=t,
                    xerr=[lo, hi] if vals else None, error_kw={"elinewidth": 0.9, "capsize": 1.8,
                                                             "ecolor": "#222222"})
        for i, la in enumerate(lgs):
            na = [t for t in toks if (t, la) in rows and rows[(t, la)].value is None]
            if na and len(na) == len(toks):
                ax.text(0, y[i], "  n/a", va="center", fontsize=8, color="#666666")
        ax.set_yticks(y, [lang_label(la) for la in lgs])
        ax.set_ylim(-0.6, len(lgs) - 0.4)
        if metric in ("parity", "nsl"):
            ax.axvline(1.0, color="#333333", lw=1, ls="--", zorder=0,
                       label="parity (1)" if metric == "parity" else "reference (1)")
        ax.set_xlabel(_metric_label(results, metric))
        ax.xaxis.grid(True, color="#e5e5e5")
        ax.set_axisbelow(True)
        title = ("Parity with " + str(pivot) if metric == "parity" and pivot
                 else metric.replace("_", " ").capitalize()) + " per language"
        _titles(ax, title, _subtitle(results, any_ci))
        _legend_outside(ax, "tokenizer")
        if vmax > 0:
            ax.set_xlim(0, vmax * 1.05)
    _apply_fonts(fig, ax, own)
    return fig


def parity_bars(results: Results, **kw) -> Figure:
    """Parity per language across tokenizers: sorted bars with CI error bars (see
    :func:`metric_bars`)."""
    return metric_bars(results, "parity", **kw)


def _diverging_cmap():
    from matplotlib.colors import LinearSegmentedColormap

    cm = LinearSegmentedColormap.from_list("tokeff_parity", ["#0072B2", "#ffffff", "#D55E00"])
    return cm.with_extremes(bad="#d9d9d9")


def heatmap(results: Results, metric: str | None = None, *,
            tokenizers: Sequence[str] | None = None, langs: Sequence[str] | None = None,
            annotate: bool | None = None, ax: Axes | None = None) -> Figure:
    """A tokenizer x language heatmap of one metric. Parity (and nsl) use a blue/white/orange
    scale on a log axis centred on 1; other metrics use viridis. Cells show their value unless
    the grid is large; n/a cells are grey."""
    mpl = _mpl()
    metric = metric or main_metric(results)
    toks, lgs, rows = _select(results, metric, tokenizers, langs)
    vals = np.full((len(toks), len(lgs)), np.nan)
    for i, t in enumerate(toks):
        for j, la in enumerate(lgs):
            r = rows.get((t, la))
            if r is not None and r.value is not None:
                vals[i, j] = r.value
    if annotate is None:
        annotate = len(toks) * len(lgs) <= 400
    ratio = metric in ("parity", "nsl")
    with _style():
        own = ax is None
        fig, ax = _figure(ax, max(5.0, 1.8 + 0.55 * len(lgs)), max(2.4, 1.7 + 0.42 * len(toks)))
        finite = vals[np.isfinite(vals)]
        if ratio:
            with np.errstate(divide="ignore", invalid="ignore"):
                shown = np.where(vals > 0, np.log2(np.where(vals > 0, vals, 1)), np.nan)
            fin = shown[np.isfinite(shown)]
            m = max(1.0, float(np.abs(fin).max())) if fin.size else 1.0
            norm = mpl.colors.Normalize(-m, m)
            cmap = _diverging_cmap()
        else:
            shown = vals
            lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
            norm = mpl.colors.Normalize(lo, hi if hi > lo else lo + 1)
            cmap = mpl.colormaps["viridis"].with_extremes(bad="#d9d9d9")
        im = ax.imshow(np.ma.masked_invalid(shown), cmap=cmap, norm=norm, aspect="auto")
        ax.set_xticks(np.arange(len(lgs)), [lang_label(la) for la in lgs],
                      rotation=40, ha="right", rotation_mode="anchor")
        ax.set_yticks(np.arange(len(toks)), toks)
        ax.tick_params(length=0)
        for s in ax.spines.values():
            s.set_visible(False)
        if annotate:
            for i in range(len(toks)):
                for j in range(len(lgs)):
                    v = vals[i, j]
                    if np.isnan(v):
                        ax.text(j, i, "n/a", ha="center", va="center", fontsize=7.5,
                                color="#555555")
                        continue
                    rgba = cmap(norm(shown[i, j]))
                    lum = 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2]
                    ax.text(j, i, fmt(float(v), exact_ints=not ratio), ha="center",
                            va="center", fontsize=7.5, color="#111111" if lum > 0.5 else "white")
        cb = fig.colorbar(im, ax=ax, shrink=0.9, pad=0.01)
        if ratio:
            ticks = [k for k in range(-6, 7) if -norm.vmax <= k <= norm.vmax]
            cb.set_ticks(ticks, labels=[f"{2.0 ** k:g}×" for k in ticks])
            cb.set_label(_metric_label(results, metric).split(" (")[0] + " (log scale)")
        else:
            cb.set_label(_metric_label(results, metric))
        ax.set_title(f"{metric.replace('_', ' ').capitalize()}: tokenizer × language", loc="left")
    _apply_fonts(fig, ax, own)
    return fig


def origin_group(origin: str | None) -> str:
    """``"Chinese-built"`` for origin CN, ``"unknown origin"`` when not recorded, else
    ``"foreign-built"``.

    >>> origin_group("CN"), origin_group("US"), origin_group(None)
    ('Chinese-built', 'foreign-built', 'unknown origin')
    """
    if not origin:
        return _GROUPS[2]
    o = str(origin).strip().upper()
    return _GROUPS[0] if o in ("CN", "CHN", "CHINA", "ZH") else _GROUPS[1]


def chars_per_token(results: Results, tokenizer: str,
                    lang: str) -> tuple[float, float, float] | None:
    """(value, ci_low, ci_high) of chars per token, from the ``chars_per_token`` rows, else the
    inverse of ``tokens_per_char``, else the per-segment counts (no CI); None when unknown."""
    ms = results.metrics
    for metric in ("chars_per_token", "tokens_per_char"):
        if metric not in ms:
            continue
        try:
            r = results.get(tokenizer, lang, metric)
        except KeyError:
            continue
        if r.value is None or r.value == 0:
            return None
        if metric == "chars_per_token":
            lo, hi = r.ci_low, r.ci_high
            return r.value, lo if lo is not None else r.value, hi if hi is not None else r.value
        inv = 1.0 / r.value
        lo = 1.0 / r.ci_high if r.ci_high else inv
        hi = 1.0 / r.ci_low if r.ci_low else inv
        return inv, lo, hi
    c = (results.counts or {}).get((tokenizer, lang))
    if c is not None and c.tokens.sum() > 0:
        v = float(c.chars.sum() / c.tokens.sum())
        return v, v, v
    return None


def origin_chart(results: Results, *, chinese: str | None = None, english: str = "eng_Latn",
                 ax: Axes | None = None) -> Figure:
    """Characters per token on Chinese and on English text, per tokenizer, with tokenizers
    grouped by origin (Chinese-built, foreign-built, unknown; from
    ``results.meta["tokenizers"][name]["origin"]``). Higher is cheaper."""
    from .langs import resolve_lang

    langs = results.langs
    if chinese is None:
        chinese = next((x for x in ("zho_Hans", "zho_Hant", "yue_Hant") if x in langs), None)
        if chinese is None:
            raise UsageError("the origin chart needs a Chinese language (zho_Hans, zho_Hant or "
                             f"yue_Hant) in the results; they have {', '.join(langs)}")
    chinese, english = resolve_lang(chinese), resolve_lang(english)
    for la in (chinese, english):
        if la not in langs:
            raise UsageError(f"{la} is not in the results; they have {', '.join(langs)}")
    from .display import tokenizer_info

    groups: dict[str, list[str]] = {g: [] for g in _GROUPS}
    origins: dict[str, set[str]] = {g: set() for g in _GROUPS}
    for t in results.tokenizers:
        o = tokenizer_info(results, t).get("origin")
        g = origin_group(o)
        groups[g].append(t)
        if o:
            origins[g].add(str(o))
    data = {(t, la): chars_per_token(results, t, la) for t in results.tokenizers
            for la in (chinese, english)}
    if all(v is None for v in data.values()):
        raise UsageError("the origin chart needs chars_per_token or tokens_per_char rows")
    for members in groups.values():  # most efficient on Chinese first within a group
        members.sort(key=lambda t: -(data[(t, chinese)] or (0.0,))[0])
    order = [(g, t) for g in _GROUPS for t in groups[g]]
    with _style():
        own = ax is None
        fig, ax = _figure(ax, max(6.5, 3.2 + 0.85 * len(order)), 4.8)
        x = np.arange(len(order), dtype=float)
        # Gaps between origin groups.
        shift, prev = 0.0, None
        for i, (g, _) in enumerate(order):
            if prev is not None and g != prev:
                shift += 0.6
            x[i] += shift
            prev = g
        w = 0.38
        for k, (la, colour) in enumerate(((chinese, OKABE_ITO[3]), (english, OKABE_ITO[0]))):
            xs, vals, lo, hi = [], [], [], []
            for i, (_, t) in enumerate(order):
                d = data[(t, la)]
                if d is None:
                    continue
                xs.append(x[i] + (k - 0.5) * w)
                vals.append(d[0])
                lo.append(max(0.0, d[0] - d[1]))
                hi.append(max(0.0, d[2] - d[0]))
            label = lang_label(la) + (" (Chinese)" if la == chinese else " (English)")
            ax.bar(xs, vals, width=w * 0.95, color=colour, label=label, yerr=[lo, hi],
                   error_kw={"elinewidth": 0.9, "capsize": 2, "ecolor": "#222222"})
            for xx, v, up in zip(xs, vals, hi):
                ax.text(xx, v + up, f"{v:.2f}", ha="center", va="bottom", fontsize=7,
                        color="#333333", rotation=90 if len(order) > 8 else 0)
        tilt = len(order) > 2 and max(len(t) for _, t in order) > 6
        ax.set_xticks(x, [t for _, t in order], rotation=30 if tilt else 0,
                      ha="right" if tilt else "center", rotation_mode="anchor")
        ymax = ax.get_ylim()[1] * 1.18
        ax.set_ylim(0, ymax)
        for g in _GROUPS:
            idx = [i for i, (gg, _) in enumerate(order) if gg == g]
            if not idx:
                continue
            x0, x1 = x[idx[0]] - 0.5, x[idx[-1]] + 0.5
            if g != _GROUPS[0]:
                ax.axvline(x0 - 0.3, color="#bbbbbb", lw=0.8)
            name = g + (f" ({', '.join(sorted(origins[g]))})" if g == _GROUPS[1] and origins[g]
                        else "")
            ax.text((x0 + x1) / 2, ymax * 0.985, name, ha="center", va="top", fontsize=8.5,
                    fontweight="bold", color="#333333")
        ax.set_ylabel("characters per token (code points / token; higher = cheaper)")
        _titles(ax, "Chinese vs English: characters per token, by tokenizer origin",
                _subtitle(results, True).replace("bars:", "error bars:"))
        _legend_outside(ax, "language of the text")
        ax.yaxis.grid(True, color="#e5e5e5")
        ax.set_axisbelow(True)
    _apply_fonts(fig, ax, own)
    return fig


def distributions(results: Results, metric: str | None = None, *,
                  tokenizers: Sequence[str] | None = None, langs: Sequence[str] | None = None,
                  log: bool = False, ax: Axes | None = None) -> Figure:
    """Per-segment distributions of a metric: one horizontal box per tokenizer, grouped by
    language (parity per segment is the token premium over the pivot segment). ``log`` uses a
    base-2 log axis (good for ratios such as parity). A corpus-level
    metric (``renyi_efficiency``) has no per-segment values: its corpus values are drawn as
    points and the title says so."""
    from .drilldown import segment_values

    metric = metric or main_metric(results)
    toks, lgs, rows = _select(results, metric, tokenizers, langs)
    if metric == "parity" and langs is None and len(lgs) > 1:
        lgs = [x for x in lgs if x != results.meta.get("pivot")]
    if not results.counts:
        raise UsageError("per-segment distributions need the counts that measure() keeps; "
                         "results read back from JSON have only totals")
    colours = tokenizer_colours(toks)
    n_t = len(toks)
    h = 0.8 / max(1, n_t)
    mpl = _mpl()
    new_api = tuple(int(p) for p in mpl.__version__.split(".")[:2]) >= (3, 10)
    with _style():
        own = ax is None
        fig, ax = _figure(ax, 8.5, 1.6 + len(lgs) * max(0.35, (0.2 if n_t <= 4 else 0.12) * n_t
                                                          + 0.12))
        y = np.arange(len(lgs), dtype=float)[::-1]  # first language at the top
        reasons: set[str] = set()
        corpus_level = False
        for k, t in enumerate(toks):
            off = ((n_t - 1) / 2 - k) * h
            for i, la in enumerate(lgs):
                vals, why = segment_values(results, t, la, metric)
                pos = y[i] + off
                if vals is None:
                    r = rows.get((t, la))
                    if metric == "renyi_efficiency" and r is not None and r.value is not None:
                        corpus_level = True
                        ax.plot([r.value], [pos], "D", color=colours[t], ms=5)
                    elif why:
                        reasons.add(f"{la}: {why}")
                    continue
                if log:
                    vals = vals[vals > 0]  # a log axis cannot show 0
                if len(vals) == 0:
                    continue
                kw: dict[str, Any] = {"orientation": "horizontal"} if new_api else {"vert": False}
                bp = ax.boxplot([vals], positions=[pos], widths=h * 0.8, patch_artist=True,
                                manage_ticks=False, showfliers=True, whis=(5, 95),
                                flierprops={"marker": ".", "markersize": 3,
                                            "markeredgecolor": colours[t]},
                                medianprops={"color": "#111111", "lw": 1.1}, **kw)
                for patch in bp["boxes"]:
                    patch.set_facecolor(colours[t])
                    patch.set_alpha(0.85)
        for k, t in enumerate(toks):  # legend handles
            ax.plot([], [], "s", color=colours[t], label=t, ms=8)
        ax.set_yticks(y, [lang_label(la) for la in lgs])
        ax.set_ylim(-0.6, len(lgs) - 0.4)
        if log:
            from matplotlib.ticker import FuncFormatter

            ax.set_xscale("log", base=2)
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        if metric in ("parity", "nsl"):
            ax.axvline(1.0, color="#333333", lw=1, ls="--", zorder=0)
        label = _metric_label(results, metric)
        ax.set_xlabel(("per segment: " if not corpus_level else "") + label)
        ax.xaxis.grid(True, color="#e5e5e5")
        ax.set_axisbelow(True)
        n = results.meta.get("n_segments")
        title = f"{metric.replace('_', ' ').capitalize()} across segments"
        if corpus_level:
            title = f"{metric.replace('_', ' ').capitalize()} (corpus-level: no per-segment values)"
        sub = "boxes: quartiles and median; whiskers: 5th-95th percentile" if not corpus_level \
            else "points: corpus-level value"
        if n:
            sub += f"; {n} segments per language"
        _titles(ax, title, sub)
        if reasons:
            ax.text(1.0, -0.02, "n/a: " + "; ".join(sorted(reasons)[:3])
                    + (" ..." if len(reasons) > 3 else ""), transform=ax.transAxes,
                    fontsize=7, color="#777777", ha="right", va="top")
        _legend_outside(ax, "tokenizer")
    _apply_fonts(fig, ax, own)
    return fig


def figure_png(fig: Figure, *, dpi: int = 130) -> bytes:
    """PNG bytes of a figure (fonts as configured for tokeff plots)."""
    buf = io.BytesIO()
    with _style():
        fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


def figure_svg(fig: Figure) -> bytes:
    """SVG bytes of a figure with its text kept as text (``svg.fonttype: none``): a browser
    draws the labels with its own fonts, so they stay sharp, selectable and searchable. The
    output is reproducible (fixed ids, no date)."""
    mpl = _mpl()
    buf = io.BytesIO()
    with _style(), mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "tokeff"}):
        fig.savefig(buf, format="svg", facecolor="white", metadata={"Date": None})
    return buf.getvalue()


def figure_data_uri(fig: Figure, *, dpi: int = 130, format: str = "png") -> str:
    """A ``data:`` URI of a figure (for self-contained HTML): PNG, or SVG with text as text
    (``format="svg"``)."""
    if format == "svg":
        return "data:image/svg+xml;base64," + base64.b64encode(figure_svg(fig)).decode("ascii")
    if format != "png":
        raise UsageError(f"figure format must be 'png' or 'svg', not {format!r}")
    return "data:image/png;base64," + base64.b64encode(figure_png(fig, dpi=dpi)).decode("ascii")
