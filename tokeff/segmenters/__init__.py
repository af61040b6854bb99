"""Word segmentation, declared per language and recorded with every fertility number.

A segmenter turns texts into word spans (byte offsets in the UTF-8 of each text). Fertility and
continued-word share exist only for languages with a real segmenter: space-delimited scripts get
Unicode whitespace/punctuation words (``unicode-words``), Chinese gets ``jieba``; a language with
no suitable segmenter (Japanese, Thai, Lao, Khmer, Burmese, Tibetan, ... until one is added) has
fertility "not available", never a silent whitespace fallback.

Adding a segmenter: subclass :class:`Segmenter`, implement ``_segment`` (or ``segment_batch``),
register it with :func:`register_segmenter`, and, to make it a language's default, add it to
:data:`DEFAULT_SEGMENTERS`. Third-party packages use the entry-point group ``tokeff.segmenters``.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import SegmenterError, UsageError
from ..langs import SPACE_DELIMITED_SCRIPTS, resolve_lang, script_of
from ..registry import Registry
from .base import Segmenter, WordArrays

__all__ = [
    "Segmenter",
    "WordArrays",
    "SEGMENTERS",
    "DEFAULT_SEGMENTERS",
    "register_segmenter",
    "get_segmenter",
    "default_segmenter_name",
    "resolve_segmenters",
]

SEGMENTERS: Registry[Segmenter] = Registry("segmenter", "tokeff.segmenters")


def register_segmenter(name: str, factory, *, replace: bool = False) -> None:
    """Register a segmenter factory ``() -> Segmenter`` under ``name``."""
    SEGMENTERS.register(name, factory, replace=replace)


def _unicode_words() -> Segmenter:
    from .unicode_words import UnicodeWordSegmenter

    return UnicodeWordSegmenter()


def _jieba(hmm: bool = True) -> Segmenter:
    from .jieba_seg import JiebaSegmenter

    return JiebaSegmenter(hmm=hmm)


register_segmenter("unicode-words", _unicode_words)
register_segmenter("jieba", _jieba)
register_segmenter("jieba-nohmm", lambda: _jieba(hmm=False))

#: Default segmenter per language code; languages not listed fall back to ``unicode-words`` when
#: their script is space-delimited, else have no segmenter.
DEFAULT_SEGMENTERS: dict[str, str] = {
    "zho_Hans": "jieba",
    "zho_Hant": "jieba",
    "yue_Hant": "jieba",
}

_cache: dict[str, Segmenter] = {}


def get_segmenter(name: str) -> Segmenter:
    """A (shared) segmenter instance by registered name.

    >>> get_segmenter("unicode-words").name
    'unicode-words'
    """
    if name not in _cache:
        _cache[name] = SEGMENTERS.create(name)
    return _cache[name]


def default_segmenter_name(lang: str) -> str | None:
    """The default segmenter of a language, or None when it has none.

    >>> default_segmenter_name("eng_Latn"), default_segmenter_name("jpn_Jpan")
    ('unicode-words', None)
    """
    if lang in DEFAULT_SEGMENTERS:
        return DEFAULT_SEGMENTERS[lang]
    if script_of(lang) in SPACE_DELIMITED_SCRIPTS:
        return "unicode-words"
    return None


def resolve_segmenters(langs: list[str],
                       overrides: Mapping[str, str | None] | None = None) -> dict[str, str | None]:
    """Segmenter name per language: the user's choice where given, else the default.

    ``overrides`` maps a language (code or alias) to a segmenter name, or to None/"none" to
    switch fertility off for that language.
    """
    chosen: dict[str, str | None] = {}
    ov: dict[str, str | None] = {}
    for k, v in (overrides or {}).items():
        ov[resolve_lang(k)] = None if v in (None, "none") else v
    for lang in ov:
        if lang not in langs:
            raise UsageError(f"a segmenter is given for {lang}, which is not among the measured "
                             f"languages ({', '.join(langs)})")
    for lang in langs:
        name = ov[lang] if lang in ov else default_segmenter_name(lang)
        if name is not None and name not in SEGMENTERS:
            raise SegmenterError(SEGMENTERS.unknown_message(name) + f" (asked for {lang})")
        chosen[lang] = name
    return chosen
