"""Plot labels never show empty boxes: a font counts only when it has real glyphs for the label
(matplotlib's "Last Resort" does not), fonts installed after the font cache was built are
found, and without a font the labels fall back to language codes (tokeff.fonts)."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

matplotlib = pytest.importorskip("matplotlib", reason="matplotlib (extra 'plot') is not installed")
matplotlib.use("Agg")

from matplotlib import font_manager

from tokeff import fonts, plots, plotstyle
from tokeff.display import LANG_NAMES
from tokeff.fonts import FontFace, choose_font, covers, font_for, is_placeholder

#: Egyptian hieroglyphs: no font a test machine is likely to have draws them.
RARE = "\U00013000\U00013001\U00013002"


def build_font(path: Path, family: str, text: str) -> Path:
    """A TrueType font with a real (square) glyph of its own for every character of ``text``."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    chars = sorted({c for c in text if not c.isspace()})
    names = [".notdef"] + [f"uni{ord(c):04X}" for c in chars]
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap({ord(c): f"uni{ord(c):04X}" for c in chars})
    glyphs = {}
    for i, name in enumerate(names):
        pen = TTGlyphPen(None)
        pen.moveTo((100, 0))
        pen.lineTo((100, 600 + i))  # distinct outlines, as real glyphs are
        pen.lineTo((800, 600))
        pen.lineTo((800, 0))
        pen.closePath()
        glyphs[name] = pen.glyph()
    fb.setupGlyf(glyphs)
    fb.setupHorizontalMetrics({n: (1000, 100) for n in names})
    fb.setupHorizontalHeader(ascent=880, descent=-120)
    fb.setupNameTable({"familyName": family, "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=880, usWinDescent=120)
    fb.setupPost()
    fb.save(str(path))
    return path


@pytest.fixture
def isolated_fonts(monkeypatch):
    """matplotlib's font list and tokeff's font caches as they were, after the test."""
    monkeypatch.setattr(font_manager.fontManager, "ttflist",
                        list(font_manager.fontManager.ttflist))
    monkeypatch.setattr(fonts, "_refreshed", False)
    fonts._font_for.cache_clear()
    yield monkeypatch
    fonts._font_for.cache_clear()
    font_manager.fontManager._findfont_cached.cache_clear()


def _face(family: str) -> FontFace | None:
    return next((f for f in fonts.font_faces() if family in f.family), None)


def test_last_resort_is_a_placeholder_font():
    face = _face("Last Resort")
    if face is None:
        pytest.skip("this matplotlib does not bundle the Last Resort font")
    cmap = fonts._charmap(face.path, face.index)
    assert covers(cmap, "简体中文 日本語 한국어")  # it claims every character...
    assert is_placeholder(face.family, cmap)  # ...with boxes
    # Without its name, the shape of its character map gives it away too.
    assert is_placeholder("Some Font", cmap)


def test_dejavu_is_real_and_covers_latin_and_cyrillic_not_han():
    face = _face("DejaVu Sans")
    assert face is not None  # matplotlib always ships it
    cmap = fonts._charmap(face.path, face.index)
    assert not is_placeholder(face.family, cmap)
    assert covers(cmap, "Español Русский Ελληνικά") and not covers(cmap, "中文")
    assert font_for("Tiếng Việt") == "DejaVu Sans"


def test_choose_font_prefers_known_families_and_skips_placeholders():
    faces = [FontFace("Last Resort High-Efficiency", "lr"), FontFace("Partial", "p"),
             FontFace("Boxes", "b"), FontFace("Other Han", "o"), FontFace("Noto Sans CJK SC", "n")]
    han = {0x4E2D: 7, 0x6587: 8}
    maps = {"lr": {cp: 1 for cp in range(0x110000)}, "p": {0x4E2D: 3},
            "b": {cp: cp % 4 + 1 for cp in range(0x3000, 0xA000)}, "o": han, "n": han}
    assert choose_font("中文", faces, lambda f: maps[f.path]) == "Noto Sans CJK SC"
    assert choose_font("中文", faces[:4], lambda f: maps[f.path]) == "Other Han"
    assert choose_font("中文", faces[:3], lambda f: maps[f.path]) is None  # only boxes
    assert choose_font("中 文", faces[3:4], lambda f: maps[f.path]) == "Other Han"  # spaces
    assert choose_font("中文", faces, lambda f: maps[f.path], limit=0) == "Noto Sans CJK SC"
    # An unreadable font file (no character map) is skipped.
    assert choose_font("中文", faces[3:4], lambda f: None) is None


def test_cjk_font_is_never_a_placeholder():
    font = plots.cjk_font()
    if font is None:
        return  # no CJK font on this machine: nothing to check beyond not picking Last Resort
    face = _face(font)
    cmap = fonts._charmap(face.path, face.index)
    assert covers(cmap, "中あ가") and not is_placeholder(face.family, cmap)


def test_a_font_installed_after_the_cache_was_built_is_found(isolated_fonts, tmp_path):
    path = build_font(tmp_path / "tokeff-test-pua.ttf", "Tokeff Test RARE", RARE)
    installed: list[str] = []
    isolated_fonts.setattr(font_manager, "findSystemFonts", lambda *a, **k: list(installed))
    assert font_for(RARE) is None  # not installed yet: the refresh finds nothing new
    installed.append(str(path))  # "apt-get install" after matplotlib built its cache
    assert font_for(RARE) is None  # one refresh per process: the result is cached...
    assert fonts.refresh_font_cache(force=True) == 1  # ...until the cache is refreshed
    assert font_for(RARE) == "Tokeff Test RARE"
    assert fonts.refresh_font_cache(force=True) == 0  # known now: added once


def test_first_lookup_refreshes_the_cache(isolated_fonts, tmp_path):
    path = build_font(tmp_path / "tokeff-test-pua.ttf", "Tokeff Test RARE", RARE)
    isolated_fonts.setattr(font_manager, "findSystemFonts", lambda *a, **k: [str(path)])
    assert font_for(RARE) == "Tokeff Test RARE"


def test_labels_use_names_only_with_a_real_font(isolated_fonts, tmp_path):
    cjk_names = "".join(LANG_NAMES[c][1] for c in ("zho_Hans", "zho_Hant", "jpn_Jpan",
                                                   "kor_Hang", "yue_Hant"))
    path = build_font(tmp_path / "tokeff-test-cjk.ttf", "Tokeff Test CJK", cjk_names)
    isolated_fonts.setattr(font_manager, "findSystemFonts", lambda *a, **k: [str(path)])
    assert plotstyle.lang_label("zho_Hans") == "zho_Hans 简体中文"
    assert plotstyle.lang_label("zho_Hans", cjk=False) == "zho_Hans"
    assert plotstyle.lang_label("hin_Deva") == "hin_Deva"  # not shaped by matplotlib: a code
    assert font_for("简体中文") is not None
    # Without any font for the name (only placeholders), the code, and one warning.
    isolated_fonts.setattr(plotstyle, "font_for", lambda text: None)
    isolated_fonts.setattr(plotstyle, "_warned_font", False)
    with pytest.warns(UserWarning, match="language codes"):
        assert plotstyle.lang_label("jpn_Jpan") == "jpn_Jpan"


def test_svg_keeps_text_as_text():
    from tokeff.results import Results, Row, Signature

    sig = Signature("0", "t", "f", "v", "b", "none", "c", "all", "h", "none", "n/a", "totals",
                    "none", "eng_Latn", "none", "2.5")
    rows = [Row("tok", la, "parity", v, None, None, 2, sig)
            for la, v in (("eng_Latn", 1.0), ("zho_Hans", 1.5))]
    res = Results(rows, {"pivot": "eng_Latn"})
    svg = plots.figure_svg(plots.parity_bars(res)).decode("utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "<text" in svg and "zho_Hans" in svg  # a label as text, not as glyph outlines
    assert plots.figure_svg(plots.parity_bars(res)).decode("utf-8") == svg  # reproducible
    assert plots.figure_data_uri(plots.parity_bars(res), format="svg").startswith(
        "data:image/svg+xml;base64,")


def test_doctests():
    for mod in (fonts, plotstyle):
        res = doctest.testmod(mod)
        assert res.failed == 0, mod.__name__
