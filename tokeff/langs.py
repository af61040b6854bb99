"""Language identity: every spelling of a language resolves to one FLORES-style code.

tokeff's code space is FLORES-200's: ISO 639-3 language + ``_`` + ISO 15924 script
(``eng_Latn``, ``zho_Hans``). Any spelling of a language that BCP 47 or ISO 639 allows resolves to
one code: ISO 639-1/-2/-3 codes (``en``, ``fre``, ``eng``), BCP 47 tags with script and region
(``pt-BR``, ``zh-TW``, ``sr-Latn``), any letter case and ``_`` or ``-`` (``CMN_HANS``), deprecated
codes (``iw``, ``in``) and macrolanguages (``cmn``, ``zh`` and ``zho`` are one language). The
language-tag data (IANA registry, CLDR likely subtags and macrolanguages) comes from
`langcodes <https://pypi.org/project/langcodes/>`_; what is tokeff's own is only how it meets
FLORES-200's choices (below). A well-formed code that names no registered language or script is
an error with the nearest codes (``zho_Hnas`` -> did you mean ``zho_Hans``?).

>>> resolve_lang("zh")
'zho_Hans'
>>> resolve_lang("cmn_Hans"), resolve_lang("pt-BR"), resolve_lang("zh-TW"), resolve_lang("sr-Latn")
('zho_Hans', 'por_Latn', 'zho_Hant', 'srp_Latn')
"""

from __future__ import annotations

import atexit
import difflib
import functools
import hashlib
import importlib.util
import json
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from ._io import user_cache_dir
from ._version import __version__
from .errors import UsageError

if TYPE_CHECKING:
    from langcodes import Language

#: The 204 language codes of FLORES-200 (dev/devtest file names).
FLORES200_CODES: frozenset[str] = frozenset(["ace_Arab", "ace_Latn", "acm_Arab", "acq_Arab", "aeb_Arab", "afr_Latn", "ajp_Arab", "aka_Latn", "als_Latn", "amh_Ethi", "apc_Arab", "arb_Arab", "arb_Latn", "ars_Arab", "ary_Arab", "arz_Arab", "asm_Beng", "ast_Latn", "awa_Deva", "ayr_Latn", "azb_Arab", "azj_Latn", "bak_Cyrl", "bam_Latn", "ban_Latn", "bel_Cyrl", "bem_Latn", "ben_Beng", "bho_Deva", "bjn_Arab", "bjn_Latn", "bod_Tibt", "bos_Latn", "bug_Latn", "bul_Cyrl", "cat_Latn", "ceb_Latn", "ces_Latn", "cjk_Latn", "ckb_Arab", "crh_Latn", "cym_Latn", "dan_Latn", "deu_Latn", "dik_Latn", "dyu_Latn", "dzo_Tibt", "ell_Grek", "eng_Latn", "epo_Latn", "est_Latn", "eus_Latn", "ewe_Latn", "fao_Latn", "fij_Latn", "fin_Latn", "fon_Latn", "fra_Latn", "fur_Latn", "fuv_Latn", "gaz_Latn", "gla_Latn", "gle_Latn", "glg_Latn", "grn_Latn", "guj_Gujr", "hat_Latn", "hau_Latn", "heb_Hebr", "hin_Deva", "hne_Deva", "hrv_Latn", "hun_Latn", "hye_Armn", "ibo_Latn", "ilo_Latn", "ind_Latn", "isl_Latn", "ita_Latn", "jav_Latn", "jpn_Jpan", "kab_Latn", "kac_Latn", "kam_Latn", "kan_Knda", "kas_Arab", "kas_Deva", "kat_Geor", "kaz_Cyrl", "kbp_Latn", "kea_Latn", "khk_Cyrl", "khm_Khmr", "kik_Latn", "kin_Latn", "kir_Cyrl", "kmb_Latn", "kmr_Latn", "knc_Arab", "knc_Latn", "kon_Latn", "kor_Hang", "lao_Laoo", "lij_Latn", "lim_Latn", "lin_Latn", "lit_Latn", "lmo_Latn", "ltg_Latn", "ltz_Latn", "lua_Latn", "lug_Latn", "luo_Latn", "lus_Latn", "lvs_Latn", "mag_Deva", "mai_Deva", "mal_Mlym", "mar_Deva", "min_Arab", "min_Latn", "mkd_Cyrl", "mlt_Latn", "mni_Beng", "mos_Latn", "mri_Latn", "mya_Mymr", "nld_Latn", "nno_Latn", "nob_Latn", "npi_Deva", "nso_Latn", "nus_Latn", "nya_Latn", "oci_Latn", "ory_Orya", "pag_Latn", "pan_Guru", "pap_Latn", "pbt_Arab", "pes_Arab", "plt_Latn", "pol_Latn", "por_Latn", "prs_Arab", "quy_Latn", "ron_Latn", "run_Latn", "rus_Cyrl", "sag_Latn", "san_Deva", "sat_Olck", "scn_Latn", "shn_Mymr", "sin_Sinh", "slk_Latn", "slv_Latn", "smo_Latn", "sna_Latn", "snd_Arab", "som_Latn", "sot_Latn", "spa_Latn", "srd_Latn", "srp_Cyrl", "ssw_Latn", "sun_Latn", "swe_Latn", "swh_Latn", "szl_Latn", "tam_Taml", "taq_Latn", "taq_Tfng", "tat_Cyrl", "tel_Telu", "tgk_Cyrl", "tgl_Latn", "tha_Thai", "tir_Ethi", "tpi_Latn", "tsn_Latn", "tso_Latn", "tuk_Latn", "tum_Latn", "tur_Latn", "twi_Latn", "tzm_Tfng", "uig_Arab", "ukr_Cyrl", "umb_Latn", "urd_Arab", "uzn_Latn", "vec_Latn", "vie_Latn", "war_Latn", "wol_Latn", "xho_Latn", "ydd_Hebr", "yor_Latn", "yue_Hant", "zho_Hans", "zho_Hant", "zsm_Latn", "zul_Latn"])

#: Languages measured by default when the corpus has many (``--langs all`` for every one).
DEFAULT_LANGS = (
    "eng_Latn", "zho_Hans", "zho_Hant", "yue_Hant", "yue_Hans", "jpn_Jpan", "kor_Hang",
    "hin_Deva", "arb_Arab", "rus_Cyrl", "spa_Latn", "fra_Latn", "deu_Latn", "por_Latn",
    "vie_Latn", "ind_Latn", "tur_Latn", "ben_Beng", "swh_Latn", "tha_Thai", "amh_Ethi",
    "mya_Mymr",
)

#: Scripts whose words are separated by spaces, so Unicode whitespace/punctuation words are real
#: words. Scripts not listed (Hans, Hant, Jpan, Thai, Laoo, Khmr, Mymr, Tibt, ...) need a
#: dictionary or model segmenter.
SPACE_DELIMITED_SCRIPTS: frozenset[str] = frozenset(
    ["Latn", "Cyrl", "Grek", "Armn", "Geor", "Arab", "Hebr", "Syrc", "Thaa", "Nkoo", "Tfng", "Ethi", "Cher", "Cans", "Olck", "Mong", "Hang", "Deva", "Beng", "Guru", "Gujr", "Orya", "Taml", "Telu", "Knda", "Mlym", "Sinh", "Adlm", "Copt", "Glag", "Runr", "Vaii"]
)

_CODE_RE = re.compile(r"^[a-z]{3}_[A-Z][a-z]{3}$")


def is_code(code: str) -> bool:
    """True when code is a well-formed FLORES-style code (xxx_Scrp)."""
    return bool(_CODE_RE.match(code))


def script_of(code: str) -> str:
    """The ISO 15924 script subtag of a FLORES-style code (zho_Hans -> Hans)."""
    return code.split("_", 1)[1]


# -- where FLORES-200 differs from plain ISO 639-3 / CLDR ----------------------------------------

#: Individual ISO 639-3 languages that FLORES-200 codes by their macrolanguage (its Chinese is
#: Mandarin, its Estonian ekk, its Guarani Paraguayan) or by another code (its Malay is coded
#: zsm). The embedded UDHR corpus codes them the same way (corpora/build_udhr.py). CLDR cannot
#: tell this: it also names Fanti the dominant Akan and Logudorese the dominant Sardinian, but
#: FLORES-200 holds Twi apart from Akan, and the UDHR holds fat, kng and src as languages of
#: their own, so only these four fold.
_MEMBER_CODED_AS: dict[str, str] = {"cmn": "zho", "ekk": "est", "gug": "grn", "zlm": "zsm"}

#: Macrolanguages whose FLORES-200 member is not CLDR's dominant one (CLDR names Northern
#: Pashto, FLORES-200 has Southern; Norwegian has two written standards, Bokmål the larger).
#: Other macrolanguages go to CLDR's dominant member when FLORES-200 has it (ar -> arb, fa ->
#: pes, ms -> zsm, sw -> swh, ...), or stay themselves (qu -> que_Latn).
_MACRO_CODED_AS: dict[str, str] = {"no": "nob", "ps": "pbt"}

#: Regions that name another language of the code space: written Hong Kong and Macau Chinese
#: is measured as Cantonese, FLORES-200's yue_Hant. (fa-AF -> prs comes from CLDR itself.)
_REGION_CODED_AS: dict[tuple[str, str], str] = {("zh", "HK"): "yue", ("zh", "MO"): "yue"}

#: Language subtags that name no language.
_NO_LANGUAGE = frozenset({"und", "mul", "zxx", "mis"})
#: The one code for text whose language was not declared (``tokeff count``, a ``.txt`` file
#: without ``langs=``): ISO 639 "undetermined" in the "unknown script" script. It resolves to
#: itself and has no word segmenter.
UNDETERMINED = "und_Zyyy"

_HINT = ("Use a FLORES-200 style code such as 'eng_Latn' or 'zho_Hans' (ISO 639-3 + '_' + "
         "ISO 15924 script), a BCP 47 tag such as 'en', 'pt-BR', 'zh-Hant' or 'sr-Latn', or, for "
         "a language without a code, a private-use one such as 'qaa_Latn'.")


@functools.cache
def _tables() -> tuple[dict[str, str], dict[tuple[str, str], str], dict[str, tuple[str, ...]]]:
    """(BCP 47 language subtag -> ISO 639-3 code, (subtag, region) -> code, code -> its
    FLORES-200 scripts), built once from the FLORES-200 codes and CLDR's data."""
    from langcodes import Language
    from langcodes.data_dicts import NORMALIZED_MACROLANGUAGES

    by_subtag: dict[str, str] = {}
    by_region: dict[tuple[str, str], str] = dict(_REGION_CODED_AS)
    scripts: dict[str, list[str]] = {}
    for code in sorted(FLORES200_CODES):
        l3, script = code.split("_")
        scripts.setdefault(l3, []).append(script)
        tag = Language.get(l3)  # normalised: zho -> zh, twi -> tw, prs -> fa-AF
        if tag.territory:
            by_region[(tag.language, tag.territory)] = l3
        else:
            by_subtag[tag.language] = l3
    for member, macro in NORMALIZED_MACROLANGUAGES.items():
        if member in by_subtag and macro not in by_subtag:  # CLDR: 'ar' is what 'arb' is
            by_subtag[macro] = by_subtag[member]
    for code, l3 in (*_MEMBER_CODED_AS.items(), *_MACRO_CODED_AS.items()):
        by_subtag[Language.get(code).language] = l3
    return by_subtag, by_region, {k: tuple(v) for k, v in scripts.items()}


def _has_likely_script(tag: Language) -> bool:
    """True when CLDR knows the likely script of this language (not the 'und' fallback)."""
    from langcodes.data_dicts import LIKELY_SUBTAGS

    return any(t in LIKELY_SUBTAGS for t in tag.broader_tags() if not t.startswith("und"))


def resolve_lang(name: str) -> str:
    """Resolve any spelling of a language to its FLORES-style code (ISO 639-3 + '_' + script).

    FLORES-200 codes are returned as they are; every other spelling (ISO 639-1/-2/-3 code,
    BCP 47 tag with script and/or region, any case, ``_`` or ``-``) resolves through the IANA
    registry and CLDR data of ``langcodes``: to the FLORES-200 code of that language where there
    is one (``cmn_Hans``, ``zh``, ``zh-CN`` -> ``zho_Hans``; ``zh-TW`` -> ``zho_Hant``; ``fa-AF``
    -> ``prs_Arab``), else to ISO 639-3 + script (``sr-Latn`` -> ``srp_Latn``). A language given
    without a script gets FLORES-200's script for it, else CLDR's likely one. Regions only
    choose the script or language; variants (``de-1996``) are refused rather than merged.
    Raises :class:`UsageError` with the nearest codes for an unknown language or script.

    >>> [resolve_lang(x) for x in ("en", "CMN_HANS", "ja-JP", "zh-HK", "ar")]
    ['eng_Latn', 'zho_Hans', 'jpn_Jpan', 'yue_Hant', 'arb_Arab']
    """
    if not isinstance(name, str) or not name.strip():
        raise UsageError(f"a language must be a non-empty code such as 'eng_Latn', not "
                         f"{name!r}. {_HINT}")
    if name in FLORES200_CODES:  # the common case; FLORES-200 codes are fixed points
        return name
    if name == UNDETERMINED:  # text of no declared language (e.g. a .txt file measured alone)
        return name
    return _resolve(name.strip())


@functools.lru_cache(maxsize=8192)
def _resolve(text: str) -> str:
    """resolve_lang for a stripped, non-empty string (cached: called for every language of
    every corpus, selection and result; and remembered on disk, see :class:`_Remembered`)."""
    if text in FLORES200_CODES:
        return text
    code = _REMEMBERED.get(text)
    if code is None:
        code = _resolve_tag(text)
        _REMEMBERED.add(text, code)
    return code


def _resolve_tag(text: str) -> str:
    """_resolve through the language-tag data of langcodes (imported here, on first use)."""
    from langcodes import Language
    from langcodes.tag_parser import LanguageTagError

    try:
        tag = Language.get(text.replace("_", "-"))
    except (LanguageTagError, ValueError):
        raise _unknown(text, "it is not a language code") from None
    if not tag.is_valid():
        raise _unknown(text, _invalid_part(tag))
    if tag.extlangs:  # a 3-letter second subtag that is no extended language: a typo'd script
        bad = re.split(r"[-_]", text)[1]
        raise _unknown(text, f"{bad!r} is not a script code (ISO 15924 codes have "
                             f"4 letters, e.g. Latn, Hans)")
    if tag.variants or tag.extensions or tag.private:
        extra = [*(tag.variants or []), *(tag.extensions or []), *filter(None, [tag.private])]
        plain = Language.make(language=tag.language, script=tag.script, territory=tag.territory)
        raise UsageError(f"language {text!r} has the subtag(s) {'-'.join(extra)!r}, which a "
                         f"tokeff code cannot hold (it is language + script), and merging it "
                         f"with the plain language would measure two texts as one. Use "
                         f"{plain.to_tag()!r} if that is what you mean, or a private-use code "
                         f"such as 'qaa_Latn' for the variant.")
    if not tag.language or tag.language in _NO_LANGUAGE:
        raise _unknown(text, f"{tag.language or 'und'!r} names no particular language")
    return _code_of(tag, text)


def _code_of(tag: Language, text: str) -> str:
    from langcodes import Language

    by_subtag, by_region, scripts = _tables()
    lang = tag.language or "und"
    likely = tag.maximize().script if _has_likely_script(tag) else None
    if tag.territory and (lang, tag.territory) not in by_region:
        raw = Language.get(text.replace("_", "-"), normalize=False)
        if not raw.territory and raw.language:
            # CLDR aliases a few languages to a regional variety of another (cnr -> sr-ME,
            # swc -> sw-CD); ISO 639-3 and the UDHR hold them apart, and so does tokeff.
            tag = Language.make(language=raw.language, script=tag.script)
            lang = raw.language
            likely = tag.maximize().script if _has_likely_script(tag) else likely
    l3 = (by_region.get((lang, tag.territory or "")) or by_subtag.get(lang)
          or Language.make(language=lang).to_alpha3())
    script = tag.script
    if script is None:
        ours = scripts.get(l3, ())
        if tag.territory and likely:  # the region tells the script: sr-ME, pa-PK, uz-AF
            script = likely
        else:  # else FLORES-200's script for the language (tzm -> Tfng, not CLDR's Latn)
            script = (likely if likely in ours else ours[0]) if ours else likely
        if script is None:
            raise UsageError(f"language {text!r}: tokeff cannot tell which script its text is "
                             f"in; give it, e.g. '{l3}_Latn' or '{l3}_Cyrl'")
    return f"{l3}_{script}"


def _invalid_part(tag: Language) -> str:
    """Which subtag of a well-formed but invalid tag names nothing."""
    from langcodes import Language

    if tag.language and not Language.make(language=tag.language).is_valid():
        return f"{tag.language!r} is not an ISO 639 language code"
    if tag.script and not Language.make(script=tag.script).is_valid():
        return f"{tag.script!r} is not an ISO 15924 script code"
    if tag.territory and not Language.make(territory=tag.territory).is_valid():
        return f"{tag.territory!r} is not a region code"
    for v in tag.variants or []:
        if not Language.make(variants=[v]).is_valid():
            return f"{v!r} is neither a script code (ISO 15924 codes have 4 letters) nor a variant"
    return "it holds a subtag that names nothing"


def _unknown(text: str, why: str) -> UsageError:
    close = suggest(text)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return UsageError(f"unknown language {text!r}: {why}.{hint} {_HINT}")


def suggest(text: str, n: int = 3) -> list[str]:
    """The codes nearest to a mistyped one (``zho_Hnas`` -> ``['zho_Hans', 'zho_Hant']``):
    FLORES-200 codes by spelling, and, when the language part is valid, that language with the
    scripts nearest to the script part."""
    parts = re.split(r"[-_]", text.strip())
    key = text.strip()
    found: list[str] = []
    if len(parts) == 2 and 3 <= len(parts[1]) <= 5:
        key = f"{parts[0].lower()}_{parts[1].capitalize()}"
        try:
            l3 = resolve_lang(parts[0]).split("_")[0]
        except UsageError:
            l3 = None
        if l3 is not None:  # the language is right: the nearest scripts for it come first
            ours = {script_of(c) for c in FLORES200_CODES if c.startswith(l3 + "_")}
            known = sorted(ours | SPACE_DELIMITED_SCRIPTS | {script_of(c) for c in FLORES200_CODES})
            close = difflib.get_close_matches(parts[1].capitalize(), known, n=n, cutoff=0.6)
            found = [f"{l3}_{s}" for s in sorted(close, key=lambda s: (s not in ours,
                                                                      close.index(s)))]
    for c in difflib.get_close_matches(key, sorted(FLORES200_CODES), n=n, cutoff=0.75):
        if c not in found:
            found.append(c)
    return found[:n]


# -- resolutions remembered between runs --------------------------------------------------------

class _Remembered:
    """Resolutions of spellings that are not FLORES-200 codes, kept on disk between runs.

    A resolution through langcodes is quick, but importing langcodes (its tag data and a regex
    of every registered subtag) costs ~50-80 ms, paid by every run that meets one code outside
    FLORES-200: the embedded UDHR has 267 of them, ``--langs en,zh`` two. The file
    ``<cache dir>/langs/<key>.json`` is keyed by everything a resolution depends on: this
    module's source, the installed langcodes (its files' sizes and modification times) and
    tokeff's version, so a change of any of them starts a new file and a stale resolution is
    never used. Only successful resolutions are kept; new ones are written (atomically, merged
    with the file) when the process exits. Anything unreadable is ignored. ``TOKEFF_NO_CACHE=1``
    turns it off.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: str | None = None
        self._path: Path | None = None  # None: nothing is remembered (off, or no langcodes)
        self._known: dict[str, str] | None = None  # read on first use
        self._new: dict[str, str] = {}

    def get(self, text: str) -> str | None:
        with self._lock:
            if self._known is None:
                self._known = self._read()
            return self._known.get(text)

    def add(self, text: str, code: str) -> None:
        with self._lock:
            if self._path is None or self._known is None:
                return
            if not self._new:
                atexit.register(self.save)
            self._new[text] = code
            self._known[text] = code

    def _read(self) -> dict[str, str]:
        key = None if os.environ.get("TOKEFF_NO_CACHE") else _cache_key()
        if key is None:
            return {}
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        self._key, self._path = key, user_cache_dir() / "langs" / f"{digest}.json"
        return self._load(self._path, key)

    @staticmethod
    def _load(path: Path, key: str) -> dict[str, str]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        codes = data.get("codes") if isinstance(data, dict) and data.get("key") == key else None
        if not isinstance(codes, dict):
            return {}
        return {k: v for k, v in codes.items() if isinstance(k, str) and isinstance(v, str)
                and _CODE_RE.match(v)}

    def save(self) -> None:
        """Write the new resolutions, merged with what the file holds now (best effort)."""
        with self._lock:
            if not self._new or self._path is None or self._key is None:
                return
            path, key, new = self._path, self._key, dict(self._new)
            self._new.clear()
        codes = {**self._load(path, key), **new}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump({"key": key, "codes": codes}, f, ensure_ascii=False,
                              sort_keys=True)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except (OSError, ValueError):  # (ValueError: text that cannot be encoded)
            pass


def _cache_key() -> str | None:
    """What resolutions depend on: this module, the installed langcodes and tokeff's version
    (None when langcodes cannot be found: then nothing is remembered)."""
    try:
        spec = importlib.util.find_spec("langcodes")
        here = Path(__file__).read_bytes()
    except (ImportError, ValueError, OSError):
        return None
    if spec is None or not spec.origin:
        return None
    parts = ["tokeff-langs-v1", __version__, hashlib.sha256(here).hexdigest()]
    pkg = Path(spec.origin).parent
    for name in ("__init__.py", "data_dicts.py", "tag_parser.py"):
        try:
            st = (pkg / name).stat()
        except OSError:
            return None
        parts.append(f"{pkg / name}|{st.st_size}|{st.st_mtime_ns}")
    return "\n".join(parts)


_REMEMBERED = _Remembered()
