"""Fonts for plot labels: which installed font really has glyphs for a text.

matplotlib ships "Last Resort", whose character map claims every code point but whose glyphs
are all placeholder boxes; asking the font manager for "a font with 中" finds it and the plot
shows tofu. Here a font counts only when its character map covers every character of the label
with real glyphs (placeholder fonts excluded); when none does, labels fall back to language
codes. A font installed after matplotlib built its font cache is picked up by
:func:`refresh_font_cache`, which :func:`font_for` calls once when nothing covers a text.

Needs matplotlib (the ``plot`` extra).

>>> font_for("English")  # doctest: +SKIP
'DejaVu Sans'
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from .errors import MissingDependencyError

__all__ = ["BASE_FONT", "FontFace", "choose_font", "covers", "font_faces", "font_for",
           "is_placeholder", "refresh_font_cache"]

#: The font tokeff plots use for Latin text; other fonts are fallbacks for what it lacks.
BASE_FONT = "DejaVu Sans"
#: Families known to be placeholder fonts (every glyph a box), whatever their character map says.
PLACEHOLDER_FAMILIES = ("Last Resort",)
#: A font mapping more code points than this to fewer than 1 % distinct glyphs is a
#: placeholder font (Last Resort maps 1.1M code points to ~400 glyphs; a real CJK font maps
#: 65k code points to ~65k glyphs).
PLACEHOLDER_MIN_CODEPOINTS = 10_000
#: Preferred families for CJK text, tried before any other font (in this order).
PREFERRED = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Noto Sans CJK KR",
             "Noto Sans SC", "Source Han Sans SC", "Source Han Sans", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "Droid Sans Fallback", "Microsoft YaHei", "SimHei",
             "PingFang SC", "Hiragino Sans GB", "AR PL UMing CN", "AR PL UKai CN",
             "Arial Unicode MS")
#: At most this many font files are opened when looking beyond the preferred families.
MAX_SCANNED = 400

_lock = threading.Lock()


@dataclass(frozen=True)
class FontFace:
    """One face of an installed font file."""

    family: str
    path: str
    index: int = 0


def _font_manager():
    try:
        from matplotlib import font_manager
    except ImportError:
        raise MissingDependencyError("tokeff plot fonts", "matplotlib", "plot") from None
    return font_manager


def font_faces() -> list[FontFace]:
    """The faces matplotlib's font manager knows, one per (file, face index)."""
    fm = _font_manager()
    seen: dict[tuple[str, int], FontFace] = {}
    for f in fm.fontManager.ttflist:
        key = (str(f.fname), int(getattr(f, "index", 0) or 0))
        seen.setdefault(key, FontFace(str(f.name), *key))
    return list(seen.values())


@functools.lru_cache(maxsize=512)
def _charmap(path: str, index: int) -> Mapping[int, int] | None:
    """Code point -> glyph index of a font face (None when the file cannot be read)."""
    from matplotlib.ft2font import FT2Font

    try:
        font = FT2Font(path, face_index=index) if index else FT2Font(path)
        return font.get_charmap()
    except (OSError, RuntimeError, ValueError, TypeError):  # unreadable font: skip it
        return None


def is_placeholder(family: str, charmap: Mapping[int, int]) -> bool:
    """Whether a font draws placeholder boxes rather than real glyphs: a known placeholder
    family, or a huge character map pointing at a handful of glyphs.

    >>> is_placeholder("Boxes", {cp: cp % 3 for cp in range(0x4E00, 0x9FFF)})
    True
    >>> is_placeholder("Real", {cp: cp for cp in range(0x4E00, 0x9FFF)})
    False
    """
    if any(p.lower() in family.lower() for p in PLACEHOLDER_FAMILIES):
        return True
    n = len(charmap)
    return n > PLACEHOLDER_MIN_CODEPOINTS and len(set(charmap.values())) < n / 100


def covers(charmap: Mapping[int, int], text: str) -> bool:
    """Whether a character map has a glyph for every visible character of ``text`` (spaces
    and other characters without a glyph of their own do not count).

    >>> covers({ord("a"): 1, ord("b"): 2}, "ab a"), covers({ord("a"): 1}, "ab")
    (True, False)
    """
    return all(charmap.get(ord(ch), 0) != 0 for ch in _needed(text))


def _needed(text: str) -> set[str]:
    return {ch for ch in text if not ch.isspace() and ch.isprintable()}


def choose_font(text: str, faces: Iterable[FontFace],
                charmap_of: Callable[[FontFace], Mapping[int, int] | None], *,
                preferred: Iterable[str] = PREFERRED, limit: int = MAX_SCANNED) -> str | None:
    """The family of the first face that covers ``text`` with real glyphs: preferred families
    first (in their order), then the others (at most ``limit`` files opened); None when none
    does.

    >>> faces = [FontFace("Last Resort High-Efficiency", "lr.ttf"), FontFace("Han", "han.ttf")]
    >>> maps = {"lr.ttf": {cp: 1 for cp in range(0x110000)},
    ...         "han.ttf": {0x4E2D: 5, 0x6587: 6}}
    >>> choose_font("中文", faces, lambda f: maps[f.path])
    'Han'
    >>> choose_font("日本", faces, lambda f: maps[f.path]) is None
    True
    """
    faces = list(faces)
    rank = {name: i for i, name in enumerate(preferred)}
    ordered = sorted((f for f in faces if f.family in rank), key=lambda f: rank[f.family])
    ordered += [f for f in faces if f.family not in rank][:limit]
    for face in ordered:
        cmap = charmap_of(face)
        if cmap and covers(cmap, text) and not is_placeholder(face.family, cmap):
            return face.family
    return None


def _installed_charmap(face: FontFace) -> Mapping[int, int] | None:
    return _charmap(face.path, face.index)


@functools.lru_cache(maxsize=256)
def _font_for(chars: frozenset[str]) -> str | None:
    text = "".join(sorted(chars))
    found = choose_font(text, font_faces(), _installed_charmap, preferred=(BASE_FONT,) + PREFERRED)
    if found is None and refresh_font_cache():
        found = choose_font(text, font_faces(), _installed_charmap,
                            preferred=(BASE_FONT,) + PREFERRED)
    return found


def font_for(text: str) -> str | None:
    """The family of an installed font with real glyphs for every character of ``text``
    (DejaVu Sans when it suffices), or None: then the text would show as boxes (tofu)."""
    with _lock:
        return _font_for(frozenset(_needed(text)))


_refreshed = False


def refresh_font_cache(*, force: bool = False) -> int:
    """Add the system's font files that matplotlib's font cache does not know (fonts installed
    after the cache was built) to its font manager; returns how many files were added. Runs
    once per process unless ``force``; the cache on disk is left as it is."""
    global _refreshed
    if _refreshed and not force:
        return 0
    _refreshed = True
    fm = _font_manager()
    known = {os.path.realpath(str(f.fname)) for f in fm.fontManager.ttflist}
    added = 0
    for path in sorted(set(fm.findSystemFonts())):
        if os.path.realpath(path) in known:
            continue
        try:
            fm.fontManager.addfont(path)
        except (OSError, RuntimeError, ValueError):  # unreadable font file: skip it
            continue
        added += 1
    if added:
        _font_for.cache_clear()
    return added
