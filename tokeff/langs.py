"""Language codes: FLORES-200 style (ISO 639-3 + '_' + ISO 15924 script), aliases, scripts.

>>> resolve_lang("zh")
'zho_Hans'
>>> resolve_lang("eng_Latn")
'eng_Latn'
"""

from __future__ import annotations

import difflib

import regex

from .errors import UsageError

#: The 204 language codes of FLORES-200 (dev/devtest file names).
FLORES200_CODES: frozenset[str] = frozenset("""
ace_Arab ace_Latn acm_Arab acq_Arab aeb_Arab afr_Latn ajp_Arab aka_Latn als_Latn amh_Ethi apc_Arab arb_Arab arb_Latn ars_Arab ary_Arab arz_Arab asm_Beng ast_Latn awa_Deva ayr_Latn azb_Arab azj_Latn bak_Cyrl bam_Latn ban_Latn bel_Cyrl bem_Latn ben_Beng bho_Deva bjn_Arab bjn_Latn bod_Tibt bos_Latn bug_Latn bul_Cyrl cat_Latn ceb_Latn ces_Latn cjk_Latn ckb_Arab crh_Latn cym_Latn dan_Latn deu_Latn dik_Latn dyu_Latn dzo_Tibt ell_Grek eng_Latn epo_Latn est_Latn eus_Latn ewe_Latn fao_Latn fij_Latn fin_Latn fon_Latn fra_Latn fur_Latn fuv_Latn gaz_Latn gla_Latn gle_Latn glg_Latn grn_Latn guj_Gujr hat_Latn hau_Latn heb_Hebr hin_Deva hne_Deva hrv_Latn hun_Latn hye_Armn ibo_Latn ilo_Latn ind_Latn isl_Latn ita_Latn jav_Latn jpn_Jpan kab_Latn kac_Latn kam_Latn kan_Knda kas_Arab kas_Deva kat_Geor kaz_Cyrl kbp_Latn kea_Latn khk_Cyrl khm_Khmr kik_Latn kin_Latn kir_Cyrl kmb_Latn kmr_Latn knc_Arab knc_Latn kon_Latn kor_Hang lao_Laoo lij_Latn lim_Latn lin_Latn lit_Latn lmo_Latn ltg_Latn ltz_Latn lua_Latn lug_Latn luo_Latn lus_Latn lvs_Latn mag_Deva mai_Deva mal_Mlym mar_Deva min_Arab min_Latn mkd_Cyrl mlt_Latn mni_Beng mos_Latn mri_Latn mya_Mymr nld_Latn nno_Latn nob_Latn npi_Deva nso_Latn nus_Latn nya_Latn oci_Latn ory_Orya pag_Latn pan_Guru pap_Latn pbt_Arab pes_Arab plt_Latn pol_Latn por_Latn prs_Arab quy_Latn ron_Latn run_Latn rus_Cyrl sag_Latn san_Deva sat_Olck scn_Latn shn_Mymr sin_Sinh slk_Latn slv_Latn smo_Latn sna_Latn snd_Arab som_Latn sot_Latn spa_Latn srd_Latn srp_Cyrl ssw_Latn sun_Latn swe_Latn swh_Latn szl_Latn tam_Taml taq_Latn taq_Tfng tat_Cyrl tel_Telu tgk_Cyrl tgl_Latn tha_Thai tir_Ethi tpi_Latn tsn_Latn tso_Latn tuk_Latn tum_Latn tur_Latn twi_Latn tzm_Tfng uig_Arab ukr_Cyrl umb_Latn urd_Arab uzn_Latn vec_Latn vie_Latn war_Latn wol_Latn xho_Latn ydd_Hebr yor_Latn yue_Hant zho_Hans zho_Hant zsm_Latn zul_Latn 
""".split())

#: Languages measured by default when the corpus has many (``--langs all`` for every one).
DEFAULT_LANGS = (
    "eng_Latn", "zho_Hans", "zho_Hant", "yue_Hant", "yue_Hans", "jpn_Jpan", "kor_Hang",
    "hin_Deva", "arb_Arab", "rus_Cyrl", "spa_Latn", "fra_Latn", "deu_Latn", "por_Latn",
    "vie_Latn", "ind_Latn", "tur_Latn", "ben_Beng", "swh_Latn", "tha_Thai", "amh_Ethi",
    "mya_Mymr",
)

#: Common aliases (ISO 639-1, BCP-47) resolved to FLORES-style codes.
ALIASES: dict[str, str] = {
    "en": "eng_Latn", "eng": "eng_Latn", "en-us": "eng_Latn", "en-gb": "eng_Latn",
    "zh": "zho_Hans", "zh-cn": "zho_Hans", "zh-hans": "zho_Hans", "zh-sg": "zho_Hans",
    "cmn": "zho_Hans", "cmn-hans": "zho_Hans", "zho": "zho_Hans",
    "zh-tw": "zho_Hant", "zh-hant": "zho_Hant", "cmn-hant": "zho_Hant",
    "yue": "yue_Hant", "zh-hk": "yue_Hant", "yue-hant": "yue_Hant",
    "ja": "jpn_Jpan", "jpn": "jpn_Jpan", "ko": "kor_Hang", "kor": "kor_Hang",
    "fr": "fra_Latn", "de": "deu_Latn", "es": "spa_Latn", "pt": "por_Latn", "it": "ita_Latn",
    "nl": "nld_Latn", "ru": "rus_Cyrl", "uk": "ukr_Cyrl", "pl": "pol_Latn", "cs": "ces_Latn",
    "ar": "arb_Arab", "fa": "pes_Arab", "he": "heb_Hebr", "tr": "tur_Latn", "el": "ell_Grek",
    "hi": "hin_Deva", "bn": "ben_Beng", "ur": "urd_Arab", "ta": "tam_Taml", "te": "tel_Telu",
    "mr": "mar_Deva", "gu": "guj_Gujr", "kn": "kan_Knda", "ml": "mal_Mlym", "pa": "pan_Guru",
    "ne": "npi_Deva", "si": "sin_Sinh", "th": "tha_Thai", "lo": "lao_Laoo", "km": "khm_Khmr",
    "my": "mya_Mymr", "vi": "vie_Latn", "id": "ind_Latn", "ms": "zsm_Latn", "tl": "tgl_Latn",
    "fil": "tgl_Latn", "sw": "swh_Latn", "am": "amh_Ethi", "ha": "hau_Latn", "yo": "yor_Latn",
    "ig": "ibo_Latn", "zu": "zul_Latn", "xh": "xho_Latn", "af": "afr_Latn", "sv": "swe_Latn",
    "da": "dan_Latn", "nb": "nob_Latn", "no": "nob_Latn", "nn": "nno_Latn", "fi": "fin_Latn",
    "et": "est_Latn", "lv": "lvs_Latn", "lt": "lit_Latn", "hu": "hun_Latn", "ro": "ron_Latn",
    "bg": "bul_Cyrl", "sr": "srp_Cyrl", "hr": "hrv_Latn", "sl": "slv_Latn", "sk": "slk_Latn",
    "mk": "mkd_Cyrl", "ka": "kat_Geor", "hy": "hye_Armn", "kk": "kaz_Cyrl", "uz": "uzn_Latn",
    "mn": "khk_Cyrl", "bo": "bod_Tibt", "ug": "uig_Arab", "ca": "cat_Latn", "eu": "eus_Latn",
    "gl": "glg_Latn", "ga": "gle_Latn", "cy": "cym_Latn", "is": "isl_Latn", "mt": "mlt_Latn",
    "sq": "als_Latn", "az": "azj_Latn", "jv": "jav_Latn", "su": "sun_Latn", "so": "som_Latn",
    "ps": "pbt_Arab", "sd": "snd_Arab", "be": "bel_Cyrl", "tg": "tgk_Cyrl", "ky": "kir_Cyrl",
    "tk": "tuk_Latn", "tt": "tat_Cyrl", "eo": "epo_Latn", "la": "lat_Latn", "mg": "plt_Latn",
}

#: Scripts whose words are separated by spaces, so Unicode whitespace/punctuation words are real
#: words. Scripts not listed (Hans, Hant, Jpan, Thai, Laoo, Khmr, Mymr, Tibt, ...) need a
#: dictionary or model segmenter.
SPACE_DELIMITED_SCRIPTS: frozenset[str] = frozenset(
    "Latn Cyrl Grek Armn Geor Arab Hebr Syrc Thaa Nkoo Tfng Ethi Cher Cans Olck Mong Hang "
    "Deva Beng Guru Gujr Orya Taml Telu Knda Mlym Sinh Adlm Copt Glag Runr Vaii".split()
)

_CODE_RE = regex.compile(r"^[a-z]{3}_[A-Z][a-z]{3}$")


def is_code(code: str) -> bool:
    """True when code is a well-formed FLORES-style code (xxx_Scrp)."""
    return bool(_CODE_RE.match(code))


def script_of(code: str) -> str:
    """The ISO 15924 script subtag of a FLORES-style code (zho_Hans -> Hans)."""
    return code.split("_", 1)[1]


def resolve_lang(name: str) -> str:
    """Resolve a language name or alias to a FLORES-style code.

    Well-formed codes (xxx_Scrp) are accepted as they are, so corpora may hold languages
    beyond FLORES-200. Aliases are case-insensitive and accept _ for -.
    """
    name = name.strip()
    if is_code(name):
        return name
    key = name.lower().replace("_", "-")
    if key in ALIASES:
        return ALIASES[key]
    # Tolerate case errors in an otherwise valid code (ENG_LATN, eng_latn).
    parts = name.split("_")
    if len(parts) == 2 and len(parts[0]) == 3 and len(parts[1]) == 4:
        fixed = parts[0].lower() + "_" + parts[1].capitalize()
        if is_code(fixed):
            return fixed
    close = difflib.get_close_matches(name, sorted(FLORES200_CODES) + sorted(ALIASES), n=3)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise UsageError(
        f"unknown language {name!r}.{hint} Use a FLORES-200 style code such as 'eng_Latn' or "
        f"'zho_Hans' (ISO 639-3 + '_' + ISO 15924 script), or an alias such as 'en', 'zh', "
        f"'zh-Hant', 'ja'."
    )
