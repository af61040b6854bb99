"""Word segmentation, declared per language and recorded with every fertility number.

A segmenter turns texts into word spans (byte offsets in the UTF-8 of each text). Fertility and
continued-word share exist only for languages with a real segmenter:

========================  ===============  =========================================  ============
languages                 default          what a word is                             extra
========================  ===============  =========================================  ============
space-delimited scripts   unicode-words    whitespace/punctuation-delimited word       (core)
kor_Hang                  unicode-words    eojeol (word + particles/endings, as        (core)
                                           spaced); ``kiwi`` gives morphemes
zho_Hans zho_Hant         jieba            jieba word (Han runs), precise mode, HMM   (core)
yue_Hant
jpn_Jpan                  sudachi          Sudachi short unit (mode A, SudachiDict    seg-ja
                                           core)
tha_Thai                  newmm            PyThaiNLP newmm dictionary word            seg-th
lao_Laoo khm_Khmr         icu              ICU dictionary word break                  seg-icu
mya_Mymr
========================  ===============  =========================================  ============

Other choices, per language with ``segmenters={"jpn_Jpan": "mecab"}`` or the CLI's
``--segmenter jpn_Jpan=mecab``: ``jieba-nohmm``, ``jieba-rs`` (seg-jieba-rs), ``jieba-raw``
(jieba on the whole text, as peer tools do), ``sudachi-b``, ``sudachi-c``, ``mecab``
(fugashi + unidic-lite, seg-mecab), ``icu`` for Thai/Chinese/Japanese too, ``laonlp``
(seg-laonlp), ``khmercut`` (seg-khmercut), ``kiwi`` (Korean morphemes, seg-kiwi). ``pip install
"tokeff[seg]"`` installs all of them. :data:`SEGMENTER_INFO` describes each one.

Mixed-script text: every dictionary segmenter above (all but ``unicode-words`` and
``jieba-raw``) sees only the runs of its own scripts; Latin words, numbers, shared punctuation
and symbols go to ``unicode-words``, so ``COVID-19`` or ``3.5`` count the same in every language
(:mod:`tokeff.segmenters.scripts`). The signature says so:
``jieba-0.42.1+hmm,runs=Hani,other=unicode-words-1``.

A missing optional package: when a language's **default** segmenter is not installed, the
language gets fertility and continued-word share "not available" (the other metrics are still
measured) and :func:`unavailable_reason` names the extra to install; a run on the default
language set therefore never fails for want of an extra, and never falls back to whitespace
words or to another segmenter. A segmenter the user **asked for** by name that is not installed
is an error: :class:`~tokeff.errors.MissingDependencyError` naming the extra, raised by
:func:`resolve_segmenters` before anything is counted. Languages with no segmenter at all
(Tibetan, Shan, ...) get fertility "not available" too.

Adding a segmenter: subclass :class:`Segmenter`, implement ``_segment`` (or ``segment_batch``),
set ``version``/``settings`` in the constructor from cheap metadata and load any model or
dictionary in ``_load`` (run once, on first use: a run that asks for no word metric still records
every segmenter's signature, and must not pay for loading it), register it with :func:`register_segmenter` (wrapped in
:class:`~tokeff.segmenters.scripts.ScriptRunSegmenter` when it is for scripts without spaces),
and, to make it a language's default, add it to :data:`DEFAULT_SEGMENTERS`. Third-party packages
use the entry-point group ``tokeff.segmenters``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..errors import MissingDependencyError, SegmenterError, UsageError
from ..langs import SPACE_DELIMITED_SCRIPTS, resolve_lang, script_of
from ..registry import Registry
from ._util import installed
from .base import Segmenter, WordArrays

__all__ = [
    "DEFAULT_SEGMENTERS",
    "SEGMENTERS",
    "SEGMENTER_INFO",
    "Segmenter",
    "SegmenterInfo",
    "WordArrays",
    "default_segmenter_name",
    "get_segmenter",
    "loaded_segmenter",
    "missing_dependency",
    "register_segmenter",
    "resolve_segmenters",
    "unavailable_reason",
]

SEGMENTERS: Registry[Segmenter] = Registry("segmenter", "tokeff.segmenters")


@dataclass(frozen=True)
class SegmenterInfo:
    """What a built-in segmenter is for and what it needs.

    ``requires``: ``(import names, pip package)`` pairs; one of the import names must be
    importable. ``extra``: the tokeff extra that installs them.
    """

    name: str
    description: str
    langs: tuple[str, ...] = ()
    requires: tuple[tuple[tuple[str, ...], str], ...] = ()
    extra: str | None = None
    factory: Callable[[], Segmenter] | None = None


#: Built-in segmenters: purpose, languages, optional packages and extra.
SEGMENTER_INFO: dict[str, SegmenterInfo] = {}


def register_segmenter(name: str, factory, *, replace: bool = False) -> None:
    """Register a segmenter factory ``() -> Segmenter`` under ``name``.

    >>> from tokeff.segmenters.unicode_words import UnicodeWordSegmenter
    >>> class Lower(UnicodeWordSegmenter):
    ...     name = "lower-words"
    >>> register_segmenter("lower-words", Lower, replace=True)
    >>> get_segmenter("lower-words").words("Hello, world")
    ['Hello', ',', 'world']
    """
    SEGMENTERS.register(name, factory, replace=replace)


def _builtin(name: str, factory: Callable[[], Segmenter], description: str,
             langs: tuple[str, ...] = (), requires: tuple[tuple[tuple[str, ...], str], ...] = (),
             extra: str | None = None) -> None:
    SEGMENTER_INFO[name] = SegmenterInfo(name, description, langs, requires, extra, factory)
    register_segmenter(name, factory)


def _runs(inner: Segmenter, scripts: tuple[str, ...]) -> Segmenter:
    from .scripts import ScriptRunSegmenter

    return ScriptRunSegmenter(inner, scripts)


def _unicode_words() -> Segmenter:
    from .unicode_words import UnicodeWordSegmenter

    return UnicodeWordSegmenter()


def _jieba(hmm: bool = True, runs: bool = True) -> Segmenter:
    from .jieba_seg import JiebaSegmenter

    seg = JiebaSegmenter(hmm=hmm)
    return _runs(seg, HAN) if runs else seg


def _jieba_rs() -> Segmenter:
    from .jieba_rs import JiebaRsSegmenter

    return _runs(JiebaRsSegmenter(), HAN)


def _sudachi(mode: str) -> Callable[[], Segmenter]:
    def make() -> Segmenter:
        from .japanese import SudachiSegmenter

        return _runs(SudachiSegmenter(mode), JAPANESE)

    return make


def _mecab() -> Segmenter:
    from .japanese import MecabSegmenter

    return _runs(MecabSegmenter(), JAPANESE)


def _newmm() -> Segmenter:
    from .thai import NewmmSegmenter

    return _runs(NewmmSegmenter(), ("Thai",))


def _icu() -> Segmenter:
    from .icu import IcuSegmenter

    return _runs(IcuSegmenter(), ICU_SCRIPTS)


def _laonlp() -> Segmenter:
    from .lao import LaonlpSegmenter

    return _runs(LaonlpSegmenter(), ("Laoo",))


def _khmercut() -> Segmenter:
    from .khmer import KhmercutSegmenter

    return _runs(KhmercutSegmenter(), ("Khmr",))


def _kiwi() -> Segmenter:
    from .korean import KiwiSegmenter

    return _runs(KiwiSegmenter(), ("Hang", "Hani"))


HAN = ("Hani",)
JAPANESE = ("Hani", "Hira", "Kana")
#: Scripts ICU segments with a dictionary (Hangul is space-delimited and not among them).
ICU_SCRIPTS = ("Thai", "Laoo", "Khmr", "Mymr", "Hani", "Hira", "Kana")
_ZH = ("zho_Hans", "zho_Hant", "yue_Hant", "yue_Hans")
_SUDACHI = ((("sudachipy",), "sudachipy"), (("sudachidict_core",), "sudachidict-core"))

_builtin("unicode-words", _unicode_words,
         "whitespace/punctuation words (eojeol for Korean)", ("space-delimited scripts",))
_builtin("jieba", _jieba, "jieba precise mode with HMM on Han runs", _ZH)
_builtin("jieba-nohmm", lambda: _jieba(hmm=False), "jieba precise mode without HMM on Han runs",
         _ZH)
_builtin("jieba-raw", lambda: _jieba(runs=False),
         "jieba on the whole text, Latin and digits included (as peer tools do)", _ZH)
_builtin("jieba-rs", _jieba_rs, "jieba-rs (rjieba) precise mode with HMM on Han runs", _ZH,
         ((("rjieba",), "rjieba"),), "seg-jieba-rs")
_builtin("sudachi", _sudachi("A"), "Sudachi short units (mode A), SudachiDict core",
         ("jpn_Jpan",), _SUDACHI, "seg-ja")
_builtin("sudachi-b", _sudachi("B"), "Sudachi middle units (mode B), SudachiDict core",
         ("jpn_Jpan",), _SUDACHI, "seg-ja")
_builtin("sudachi-c", _sudachi("C"), "Sudachi named-entity units (mode C), SudachiDict core",
         ("jpn_Jpan",), _SUDACHI, "seg-ja")
_builtin("mecab", _mecab, "MeCab (fugashi) with unidic-lite: UniDic short units", ("jpn_Jpan",),
         ((("fugashi",), "fugashi"), (("unidic_lite",), "unidic-lite")), "seg-mecab")
_builtin("newmm", _newmm, "PyThaiNLP newmm dictionary maximal matching", ("tha_Thai",),
         ((("pythainlp",), "pythainlp"),), "seg-th")
_builtin("icu", _icu, "ICU word break with ICU's dictionaries",
         ("lao_Laoo", "khm_Khmr", "mya_Mymr", "tha_Thai", "jpn_Jpan", "zho_Hans", "zho_Hant"),
         ((("icu4py", "icu"), "icu4py"),), "seg-icu")
_builtin("laonlp", _laonlp, "LaoNLP dictionary maximal matching", ("lao_Laoo",),
         ((("laonlp",), "laonlp"),), "seg-laonlp")
_builtin("khmercut", _khmercut, "khmercut CRF over Khmer character clusters", ("khm_Khmr",),
         ((("khmercut",), "khmercut"),), "seg-khmercut")
_builtin("kiwi", _kiwi, "Kiwi morphemes (kiwipiepy)", ("kor_Hang",),
         ((("kiwipiepy",), "kiwipiepy"), (("kiwipiepy_model",), "kiwipiepy_model")), "seg-kiwi")

#: Default segmenter per language code; languages not listed fall back to ``unicode-words`` when
#: their script is space-delimited, else have no segmenter.
DEFAULT_SEGMENTERS: dict[str, str] = {
    "zho_Hans": "jieba",
    "zho_Hant": "jieba",
    "yue_Hant": "jieba",
    "yue_Hans": "jieba",  # the UDHR's Cantonese is written in simplified characters
    "jpn_Jpan": "sudachi",
    "tha_Thai": "newmm",
    "lao_Laoo": "icu",
    "khm_Khmr": "icu",
    "mya_Mymr": "icu",
}
# kor_Hang: Hangul is space-delimited, so its default is ``unicode-words`` and its unit the
# eojeol (``kiwi`` gives morphemes).

_cache: dict[str, Segmenter] = {}
_cache_lock = threading.Lock()
_name_locks: dict[str, threading.Lock] = {}


def get_segmenter(name: str) -> Segmenter:
    """The segmenter registered under ``name``: one instance per name per process, shared by
    every language, block and thread that uses it.

    Creating it is cheap: built-in segmenters read their signature from package metadata and
    load their model or dictionary on the first text they segment (so recording the signature
    of a language's segmenter, as a tokens-only run does, loads nothing). Raises
    :class:`~tokeff.errors.MissingDependencyError` (naming the extra) when the segmenter needs a
    package that is not installed.

    >>> seg = get_segmenter("unicode-words")
    >>> seg.signature, seg is get_segmenter("unicode-words")
    ('unicode-words-1', True)
    """
    # One lock per name: a segmenter is created once even when languages are prepared in
    # parallel (zho_Hans and zho_Hant both use jieba); segmenters of other names do not wait.
    with _cache_lock:
        lock = _name_locks.setdefault(name, threading.Lock())
    with lock:
        if name not in _cache:
            _cache[name] = SEGMENTERS.create(name)
        return _cache[name]


def loaded_segmenter(name: str) -> Segmenter | None:
    """The instance :func:`get_segmenter` made for ``name`` in this process, if any (it may not
    have loaded its dictionary yet: see :attr:`Segmenter.loaded`)."""
    return _cache.get(name)


def missing_dependency(name: str, *, lang: str | None = None) -> MissingDependencyError | None:
    """The error a built-in segmenter would raise for want of a package, or None when it can be
    created (or is not a built-in one, so its needs are unknown).

    >>> missing_dependency("unicode-words") is None
    True
    """
    info = SEGMENTER_INFO.get(name)
    if info is None or name not in SEGMENTERS or SEGMENTERS.factory(name) is not info.factory:
        return None
    for modules, package in info.requires:
        if not any(installed(m) for m in modules):
            what = f"the '{name}' word segmenter" + (f" (for {lang})" if lang else "")
            return MissingDependencyError(what, package, info.extra)
    return None


def default_segmenter_name(lang: str) -> str | None:
    """The default segmenter of a language (installed or not), or None when it has none.

    >>> default_segmenter_name("eng_Latn"), default_segmenter_name("bod_Tibt")
    ('unicode-words', None)
    """
    if lang in DEFAULT_SEGMENTERS:
        return DEFAULT_SEGMENTERS[lang]
    if script_of(lang) in SPACE_DELIMITED_SCRIPTS:
        return "unicode-words"
    return None


def unavailable_reason(lang: str) -> str:
    """Why a language has no word segmenter in this installation (for "not available" notes).

    >>> unavailable_reason("bod_Tibt")
    'no word segmenter for bod_Tibt (tokeff has none for the Tibt script)'
    """
    name = default_segmenter_name(lang)
    if name is None:
        return f"no word segmenter for {lang} (tokeff has none for the {script_of(lang)} script)"
    err = missing_dependency(name)
    if err is not None:
        return f"no word segmenter for {lang}: {err}"
    return f"no word segmenter for {lang}"


def resolve_segmenters(langs: list[str],
                       overrides: Mapping[str, str | None] | None = None) -> dict[str, str | None]:
    """Segmenter name per language: the user's choice where given, else the default.

    ``overrides`` maps a language (code or alias) to a segmenter name, or to None/"none" to
    switch fertility off for that language. A default whose package is not installed gives None
    (fertility not available, see :func:`unavailable_reason`); a segmenter asked for by name
    whose package is not installed raises :class:`~tokeff.errors.MissingDependencyError`.
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
        if lang in ov:
            name = ov[lang]
            if name is not None:
                if name not in SEGMENTERS:
                    raise SegmenterError(SEGMENTERS.unknown_message(name) + f" (asked for {lang})")
                err = missing_dependency(name, lang=lang)
                if err is not None:
                    raise err
        else:
            name = default_segmenter_name(lang)
            if name is not None and missing_dependency(name) is not None:
                name = None
        chosen[lang] = name
    return chosen
