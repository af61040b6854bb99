"""The look of tokeff plots: colour-blind-safe palettes, fonts and language labels that never
show empty boxes, titles and legends (used by :mod:`tokeff.plots`; needs matplotlib).

>>> lang_label("eng_Latn")
'eng_Latn'
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .display import LANG_NAMES
from .errors import MissingDependencyError
from .fonts import BASE_FONT, font_for

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .results import Results

__all__ = ["OKABE_ITO", "TOL_MUTED", "cjk_font", "lang_label", "tokenizer_colours"]

#: Okabe & Ito (2008) colour-blind-safe palette (black last: it is for text and lines).
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442",
             "#000000")
#: Paul Tol's "muted" colour-blind-safe palette, for 8 or 9 tokenizers.
TOL_MUTED = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677",
             "#882255", "#AA4499")
_CJK_SCRIPTS = ("Hans", "Hant", "Jpan", "Kore", "Hang")


def _mpl():
    try:
        import matplotlib
    except ImportError:
        raise MissingDependencyError("tokeff plots", "matplotlib", "plot") from None
    return matplotlib


def cjk_font() -> str | None:
    """The family name of an installed font with real CJK glyphs (Chinese, Japanese kana,
    Korean), or None. Placeholder fonts such as matplotlib's bundled "Last Resort" (boxes for
    every character) do not count; fonts installed after matplotlib built its font cache do
    (:func:`tokeff.fonts.refresh_font_cache`)."""
    _mpl()
    return font_for("中あ가")


_warned_font = False


def _warn_no_font(text: str) -> None:
    global _warned_font
    if not _warned_font:
        _warned_font = True
        warnings.warn(f"no installed font has CJK glyphs for {text!r}: plot labels use "
                      "language codes instead. Install one (Debian: apt-get install "
                      "fonts-noto-cjk, or fonts-wqy-zenhei); tokeff finds it without clearing "
                      "matplotlib's font cache.", stacklevel=3)


def _label_fonts() -> list[str]:
    """Fonts that draw the CJK language names of the labels (one per distinct need)."""
    found = []
    for code, (_, autonym) in LANG_NAMES.items():
        if code.rsplit("_", 1)[-1] in _CJK_SCRIPTS:
            font = font_for(autonym)
            if font is not None and font != BASE_FONT and font not in found:
                found.append(font)
    return found


def lang_label(code: str, *, cjk: bool | None = None) -> str:
    """A plot label for a language: the code, with the CJK name for CJK languages when an
    installed font really has glyphs for it (checked per name; a placeholder font does not
    count), so a label never shows empty boxes. ``cjk=False`` asks for codes only.
    matplotlib does not shape other complex scripts, so those stay codes."""
    script = code.rsplit("_", 1)[-1]
    if script in _CJK_SCRIPTS and code in LANG_NAMES and cjk is not False:
        name = LANG_NAMES[code][1]
        if font_for(name) is not None:
            return f"{code} {name}"
        _warn_no_font(name)
    return code


class _QuietWeight(logging.Filter):
    """Drop matplotlib's "Failed to find font weight normal for <CJK font>, now using 500":
    CJK fonts often come in one weight, and using it is what we want."""

    def __init__(self, family: str):
        super().__init__()
        self.family = family

    def filter(self, record: logging.LogRecord) -> bool:
        return not (str(record.msg).startswith("findfont: Failed to find font weight")
                    and self.family in str(record.args))


def _families() -> list[str]:
    """The font family list of tokeff plots: DejaVu Sans, then the fonts with glyphs for the
    CJK labels (matplotlib falls back along the list glyph by glyph)."""
    family = [BASE_FONT]
    for font in _label_fonts():
        family.append(font)
        log = logging.getLogger("matplotlib.font_manager")
        if not any(isinstance(f, _QuietWeight) and f.family == font for f in log.filters):
            log.addFilter(_QuietWeight(font))
    return family


def _apply_fonts(fig: Figure, ax: Axes, own: bool) -> None:
    """Give every text the fallback family list, so CJK labels render wherever the figure is
    drawn later (a notebook draws it after the plot function has returned)."""
    from matplotlib.text import Text

    family = _families()
    if len(family) == 1:
        return
    for t in (fig if own else ax).findobj(Text):
        t.set_fontfamily(family)


@contextlib.contextmanager
def _style() -> Iterator[None]:
    mpl = _mpl()
    family = _families()
    rc = {"font.family": family, "font.size": 9.5, "axes.titlesize": 11,
          "axes.titleweight": "bold", "axes.labelsize": 9.5, "axes.spines.top": False,
          "axes.spines.right": False, "legend.fontsize": 8.5, "legend.frameon": False,
          "figure.dpi": 100, "savefig.dpi": 130, "axes.unicode_minus": False}
    with mpl.rc_context(rc):
        yield


def _figure(ax: Axes | None, width: float, height: float) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.add_subplot()


def tokenizer_colours(names: Sequence[str]) -> dict[str, Any]:
    """One colour-blind-safe colour per tokenizer (Okabe-Ito up to 7, Paul Tol's muted
    palette up to 9, viridis beyond)."""
    if len(names) <= 7:
        return dict(zip(names, OKABE_ITO))
    if len(names) <= len(TOL_MUTED):
        return dict(zip(names, TOL_MUTED))
    import matplotlib

    cmap = matplotlib.colormaps["viridis"]
    return {n: cmap(i / max(1, len(names) - 1)) for i, n in enumerate(names)}


def _metric_label(results: Results, metric: str) -> str:
    from .metrics import METRICS

    pivot = results.meta.get("pivot") or "pivot"
    if metric == "parity":
        return f"parity (tokens / {pivot} tokens on the same segments; 1 = parity)"
    if metric == "nsl":
        ref = results.meta.get("reference") or "reference"
        return f"normalised sequence length (tokens / {ref} tokens)"
    info = METRICS.get(metric)
    if info is None:
        return metric
    better = {"lower": ", lower is better", "higher": ", higher is better"}.get(
        info.direction, "")
    return f"{metric.replace('_', ' ')} ({info.unit}{better})"


def _subtitle(results: Results, ci: bool) -> str:
    meta = results.meta
    bits = []
    if meta.get("corpus"):
        n = meta.get("n_segments")
        bits.append(f"corpus {meta['corpus']}" + (f", {n} segments" if n else ""))
    if ci:
        level = (meta.get("bootstrap") or {}).get("ci", 0.95)
        bits.append(f"bars: {round(level * 100, 3):g}% paired bootstrap CI")
    return "; ".join(bits)


def _titles(ax: Axes, title: str, sub: str | None) -> None:
    """A bold title with an optional grey subtitle line under it, both left-aligned."""
    ax.set_title(title, loc="left", pad=15 if sub else 6)
    if sub:
        ax.annotate(sub, xy=(0, 1), xycoords="axes fraction", xytext=(0, 4),
                    textcoords="offset points", fontsize=8, color="#555555", va="bottom",
                    ha="left")


def _legend_outside(ax: Axes, title: str | None = None) -> None:
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title=title, title_fontsize=8.5,
              alignment="left")
