"""The command line, through ``main([...])``: return codes, stdout/stderr, output files.

Exit codes checked here (as documented in tokeff/cli.py): 0 success (also ``--help`` and
``--version``), 2 usage or input error (bad option, no command, unknown language/tokenizer/
metric/segmenter, invalid or misaligned corpus, unwritable output).
"""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tokeff.cli import EXIT_OK, EXIT_USAGE, main
from tokeff.metrics import METRICS
from tokeff.results import Results, Signature
from tokeff.tokenizers.tiktoken_backend import TiktokenTokenizer

RECORD_KEYS = {"tokenizer", "lang", "metric", "value", "ci_low", "ci_high", "n_segments",
               "signature"}


@pytest.fixture(scope="module", autouse=True)
def _load_rank_files_once() -> Iterator[None]:
    # Reading and fingerprinting cl100k takes ~2 s; every main() call would do it again.
    # The CLI path is unchanged: the spec is parsed and the backend's loader is called.
    cached = functools.lru_cache(maxsize=None)(TiktokenTokenizer.from_rank_file.__func__)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(TiktokenTokenizer, "from_rank_file",
                   classmethod(lambda cls, path, **kw: cached(cls, str(path), **kw)))
        yield


@pytest.fixture
def tsv(tmp_path: Path) -> Path:
    p = tmp_path / "corpus.tsv"
    p.write_text("id\teng_Latn\tzho_Hans\tjpn_Jpan\tfra_Latn\n"
                 "1\tHello world.\t你好，世界。\tこんにちは世界。\tBonjour le monde.\n"
                 "2\tThe cat sat on the mat.\t猫坐在垫子上。\t猫がマットに座った。\tLe chat est assis.\n"
                 "3\tIt is raining today.\t今天下雨。\t今日は雨です。\tIl pleut aujourd'hui.\n",
                 encoding="utf-8")
    return p


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def compare(capsys, corpus: Path, spec: str, *extra: str) -> tuple[int, str, str]:
    return run(capsys, "compare", "--corpus", str(corpus), "--tokenizers", spec, "-q", *extra)


def leftovers(directory: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name not in keep)


# -- compare: formats ---------------------------------------------------------------------------

class TestCompare:
    def test_table(self, capsys, tsv: Path, cl100k_spec: str) -> None:
        rc, out, err = compare(capsys, tsv, cl100k_spec, "--langs", "en,zh",
                               "--metrics", "tokens,parity", "--bootstrap", "0")
        assert rc == EXIT_OK, err
        lines = out.splitlines()
        assert lines[0] == "tokens"
        assert lines[1].split() == ["lang", "cl100k"]
        assert lines[2].split()[0] == "eng_Latn" and lines[3].split()[0] == "zho_Hans"
        assert "parity" in lines
        assert "signature(s), e.g. tokeff:" in out
        assert err == ""

    def test_json(self, capsys, tsv: Path, cl100k_spec: str) -> None:
        rc, out, err = compare(capsys, tsv, cl100k_spec, "--langs", "en,zh,ja",
                               "--metrics", "tokens,tokens_per_char,parity",
                               "--bootstrap", "50", "--format", "json")
        assert rc == EXIT_OK, err
        d = json.loads(out)
        assert isinstance(d, dict)
        recs = d["results"]
        assert isinstance(recs, list) and len(recs) == 3 * 3
        for rec in recs:
            assert RECORD_KEYS <= set(rec)
            assert rec["tokenizer"] == "cl100k"
            assert rec["n_segments"] == 3
            Signature.parse(rec["signature"])
        assert {r["lang"] for r in recs} == {"eng_Latn", "zho_Hans", "jpn_Jpan"}
        assert {r["metric"] for r in recs} == {"tokens", "tokens_per_char", "parity"}
        par = next(r for r in recs if r["lang"] == "eng_Latn" and r["metric"] == "parity")
        assert par["value"] == 1.0
        tpc = next(r for r in recs if r["lang"] == "zho_Hans" and r["metric"] == "tokens_per_char")
        assert tpc["ci_low"] <= tpc["value"] <= tpc["ci_high"]
        res = Results.from_json(out)
        assert res.value("cl100k", "eng_Latn", "tokens") == next(
            r["value"] for r in recs if r["lang"] == "eng_Latn" and r["metric"] == "tokens")

    def test_csv(self, capsys, tsv: Path, cl100k_spec: str) -> None:
        rc, out, err = compare(capsys, tsv, cl100k_spec, "--langs", "en,fr",
                               "--metrics", "tokens,fertility", "--bootstrap", "0",
                               "--format", "csv")
        assert rc == EXIT_OK, err
        reader = csv.DictReader(io.StringIO(out))
        assert reader.fieldnames == ["tokenizer", "lang", "metric", "value", "ci_low",
                                     "ci_high", "n_segments", "signature", "note"]
        rows = list(reader)
        assert [(r["lang"], r["metric"]) for r in rows] == [
            ("eng_Latn", "tokens"), ("eng_Latn", "fertility"),
            ("fra_Latn", "tokens"), ("fra_Latn", "fertility")]
        assert all(float(r["value"]) > 0 for r in rows)

    def test_markdown(self, capsys, tsv: Path, cl100k_spec: str) -> None:
        rc, out, err = compare(capsys, tsv, cl100k_spec, "--langs", "en,ja",
                               "--metrics", "tokens,fertility", "--bootstrap", "0",
                               "--segmenter", "ja=none", "--format", "markdown")
        assert rc == EXIT_OK, err
        assert "### tokens" in out and "### fertility" in out
        assert "| lang | cl100k |" in out
        assert "| jpn_Jpan | n/a |" in out  # fertility switched off for Japanese
        assert "Notes: jpn_Jpan, fertility: " in out
        assert "Signatures:" in out

    def test_languages_without_the_pivot_still_get_parity(self, capsys, tsv: Path,
                                                          cl100k_spec: str) -> None:
        rc, out, err = compare(capsys, tsv, cl100k_spec, "--langs", "zh,ja",
                               "--metrics", "parity", "--bootstrap", "0", "--format", "json")
        assert rc == EXIT_OK, err
        recs = json.loads(out)["results"]
        langs = [r["lang"] for r in recs]
        assert "zho_Hans" in langs and "jpn_Jpan" in langs and "eng_Latn" in langs
        assert all(r["value"] is not None for r in recs)

    def test_pivot_option(self, capsys, tsv: Path, cl100k_spec: str) -> None:
        rc, out, err = compare(capsys, tsv, cl100k_spec, "--langs", "zh,fr", "--pivot", "fr",
                               "--metrics", "parity", "--bootstrap", "0", "--format", "json")
        assert rc == EXIT_OK, err
        recs = {r["lang"]: r for r in json.loads(out)["results"]}
        assert set(recs) == {"zho_Hans", "fra_Latn"}
        assert recs["fra_Latn"]["value"] == 1.0
        assert "|pivot:fra_Latn|" in recs["zho_Hans"]["signature"]

    def test_all_languages_and_normalization(self, capsys, tsv: Path, cl100k_spec: str) -> None:
        rc, out, err = compare(capsys, tsv, cl100k_spec, "--langs", "all", "--metrics",
                               "tokens", "--bootstrap", "0", "--normalization", "NFC",
                               "--format", "json")
        assert rc == EXIT_OK, err
        d = json.loads(out)
        assert {r["lang"] for r in d["results"]} == {"eng_Latn", "zho_Hans", "jpn_Jpan",
                                                      "fra_Latn"}
        assert all("|norm:NFC|" in r["signature"] for r in d["results"])
        assert d["meta"]["normalization"] == "NFC"

    def test_txt_directory_and_segmenter_option(self, capsys, tmp_path: Path,
                                                cl100k_spec: str) -> None:
        d = tmp_path / "txt"
        d.mkdir()
        (d / "en.txt").write_text("One two three.\nFour five.\n", encoding="utf-8")
        (d / "zh.txt").write_text("一二三。\n四五。\n", encoding="utf-8")
        rc, out, err = compare(capsys, d, cl100k_spec, "--metrics", "fertility",
                               "--bootstrap", "0", "--segmenter", "zh=jieba-nohmm",
                               "--format", "json")
        assert rc == EXIT_OK, err
        recs = {r["lang"]: r for r in json.loads(out)["results"]}
        seg = Signature.parse(recs["zho_Hans"]["signature"]).seg
        assert seg.startswith("jieba") and "nohmm" in seg
        assert Signature.parse(recs["eng_Latn"]["signature"]).seg.startswith("unicode-words")

    def test_flores_split(self, capsys, tmp_path: Path, cl100k_spec: str) -> None:
        root = tmp_path / "flores"
        for part, n in (("dev", 2), ("devtest", 3)):
            (root / part).mkdir(parents=True)
            for code in ("eng_Latn", "deu_Latn"):
                (root / part / f"{code}.{part}").write_text(
                    "".join(f"{code} {part} {i}\n" for i in range(n)), encoding="utf-8")
        for split, n in (("dev", 2), ("devtest", 3), ("dev+devtest", 5)):
            rc, out, err = compare(capsys, root, cl100k_spec, "--split", split,
                                   "--metrics", "segments", "--bootstrap", "0",
                                   "--format", "json")
            assert rc == EXIT_OK, err
            recs = json.loads(out)["results"]
            assert {r["value"] for r in recs} == {n}
            assert all(f"|split:{split}|" in r["signature"] for r in recs)


# -- compare: output files ------------------------------------------------------------------------

class TestOutputFile:
    def test_writes_the_file_and_nothing_to_stdout(self, capsys, tsv: Path, tmp_path: Path,
                                                   cl100k_spec: str) -> None:
        out_dir = tmp_path / "out"
        out_dir.mkdir()
        target = out_dir / "res.json"
        rc, out, err = compare(capsys, tsv, cl100k_spec, "--langs", "en,zh", "--metrics",
                               "tokens", "--bootstrap", "0", "--format", "json",
                               "--output", str(target))
        assert rc == EXIT_OK, err
        assert out == ""
        d = json.loads(target.read_text(encoding="utf-8"))
        assert len(d["results"]) == 2
        assert leftovers(out_dir, {"res.json"}) == []  # no temporary file left

    def test_replaces_an_existing_file(self, capsys, tsv: Path, tmp_path: Path,
                                       cl100k_spec: str) -> None:
        target = tmp_path / "res.csv"
        target.write_text("old", encoding="utf-8")
        rc, _, err = compare(capsys, tsv, cl100k_spec, "--langs", "en", "--metrics", "tokens",
                             "--bootstrap", "0", "--format", "csv", "-o", str(target))
        assert rc == EXIT_OK, err
        assert target.read_text(encoding="utf-8").startswith("tokenizer,lang,metric,")

    def test_dash_means_stdout(self, capsys, tsv: Path, cl100k_spec: str) -> None:
        rc, out, err = compare(capsys, tsv, cl100k_spec, "--langs", "en", "--metrics",
                               "tokens", "--bootstrap", "0", "--format", "csv", "-o", "-")
        assert rc == EXIT_OK, err
        assert out.startswith("tokenizer,lang,metric,")

    def test_missing_directory(self, capsys, tsv: Path, tmp_path: Path,
                               cl100k_spec: str) -> None:
        target = tmp_path / "nowhere" / "res.json"
        rc, out, err = compare(capsys, tsv, cl100k_spec, "--langs", "en", "--metrics",
                               "tokens", "--bootstrap", "0", "-o", str(target))
        assert rc == EXIT_USAGE
        assert out == "" and "directory" in err and "does not exist" in err
        assert not target.parent.exists()

    def test_output_is_a_directory(self, capsys, tsv: Path, tmp_path: Path,
                                   cl100k_spec: str) -> None:
        target = tmp_path / "adir"
        target.mkdir()
        rc, out, err = compare(capsys, tsv, cl100k_spec, "--langs", "en", "--metrics",
                               "tokens", "--bootstrap", "0", "-o", str(target))
        assert rc == EXIT_USAGE
        assert out == "" and f"cannot write {target}" in err
        assert leftovers(tmp_path, {"adir", "corpus.tsv"}) == []
        assert list(target.iterdir()) == []

    def test_failed_write_leaves_no_file(self, capsys, tsv: Path, tmp_path: Path,
                                         cl100k_spec: str, monkeypatch) -> None:
        import tokeff.cli

        def broken_replace(src, dst):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(tokeff.cli.os, "replace", broken_replace)
        target = tmp_path / "res.json"
        rc, out, err = compare(capsys, tsv, cl100k_spec, "--langs", "en", "--metrics",
                               "tokens", "--bootstrap", "0", "-o", str(target))
        assert rc == EXIT_USAGE
        assert out == "" and "No space left on device" in err
        assert leftovers(tmp_path, {"corpus.tsv"}) == []


# -- compare: errors --------------------------------------------------------------------------------

def _misaligned(tmp_path: Path) -> Path:
    d = tmp_path / "misaligned"
    d.mkdir()
    (d / "eng_Latn.txt").write_text("a\nb\n", encoding="utf-8")
    (d / "zho_Hans.txt").write_text("甲\n乙\n丙\n", encoding="utf-8")
    return d


def _bad_utf8(tmp_path: Path) -> Path:
    d = tmp_path / "badutf8"
    d.mkdir()
    (d / "eng_Latn.txt").write_bytes(b"caf\xe9\n")
    return d


def _no_pivot(tmp_path: Path) -> Path:
    p = tmp_path / "nopivot.tsv"
    p.write_text("zho_Hans\tjpn_Jpan\n你好\tこんにちは\n", encoding="utf-8")
    return p


ERRORS = [
    # (id, corpus factory or None for the TSV, extra arguments, tokenizer or None, stderr parts)
    ("unknown-language", None, ["--langs", "en,klingon"], None, ["unknown language 'klingon'"]),
    ("language-not-in-corpus", None, ["--langs", "en,ko"], None,
     ["has no text for kor_Hang", "eng_Latn, fra_Latn, jpn_Jpan, zho_Hans"]),
    ("misaligned-corpus", _misaligned, [], None,
     ["not aligned", "eng_Latn has 2 segments", "zho_Hans has 3", "zho_Hans.txt line 3"]),
    ("invalid-utf8", _bad_utf8, [], None, ["eng_Latn.txt", "invalid UTF-8 at byte offset 3"]),
    ("missing-corpus", lambda t: t / "missing.tsv", [], None, ["corpus not found"]),
    ("pivot-not-in-corpus", _no_pivot, ["--langs", "zh,ja", "--metrics", "parity"], None,
     ["pivot language eng_Latn", "--pivot"]),
    ("unknown-tokenizer", None, [], "no-such-tokenizer", ["unknown tokenizer 'no-such-tokenizer'"]),
    ("missing-rank-file", None, [], "tiktoken:/nonexistent/x.tiktoken?pattern=cl100k_base",
     ["/nonexistent/x.tiktoken"]),
    ("segmenter-syntax", None, ["--segmenter", "jieba"], None, ["--segmenter expects LANG=NAME"]),
    ("unknown-segmenter", None, ["--segmenter", "zh=nosuch"], None,
     ["unknown segmenter 'nosuch'"]),
    ("segmenter-for-unmeasured-language", None, ["--langs", "en", "--segmenter", "zh=jieba"],
     None, ["zho_Hans", "not among the measured languages"]),
    ("unknown-metric", None, ["--metrics", "tokens,speed"], None, ["unknown metric 'speed'"]),
    ("nsl-without-reference", None, ["--metrics", "nsl"], None, ["reference tokenizer"]),
    ("split-on-a-file", None, ["--split", "dev"], None, ["--split does not apply"]),
    ("bad-format", None, ["--format", "xml"], None, ["invalid choice: 'xml'"]),
    ("bad-normalization", None, ["--normalization", "NFD"], None, ["invalid choice: 'NFD'"]),
    ("bad-bootstrap", None, ["--bootstrap", "-1"], None, ["bootstrap (--bootstrap) must be between 0 and 100,000", "not -1"]),
    ("bad-ci", None, ["--ci", "95"], None, ["ci must be between 0 and 1"]),
]


@pytest.mark.parametrize("factory,extra,tokenizer,expected",
                         [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors(capsys, tsv: Path, tmp_path: Path, cl100k_spec: str, factory, extra: list[str],
                tokenizer: str | None, expected: list[str]) -> None:
    corpus = factory(tmp_path) if factory else tsv
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "res.json"
    rc, out, err = compare(capsys, corpus, tokenizer or cl100k_spec, "--bootstrap", "0",
                           *extra, "--format", "json", "--output", str(target))
    assert rc == EXIT_USAGE
    assert out == ""
    for part in expected:
        assert part in err
    assert "Traceback" not in err
    assert not target.exists()
    assert list(out_dir.iterdir()) == []  # no temporary file either


def test_error_keeps_an_existing_output_file(capsys, tmp_path: Path, cl100k_spec: str) -> None:
    target = tmp_path / "res.json"
    target.write_text("previous results", encoding="utf-8")
    rc, out, err = compare(capsys, _misaligned(tmp_path), cl100k_spec, "-o", str(target))
    assert rc == EXIT_USAGE and out == "" and "not aligned" in err
    assert target.read_text(encoding="utf-8") == "previous results"


def test_error_without_output_prints_nothing_on_stdout(capsys, tmp_path: Path,
                                                       cl100k_spec: str) -> None:
    rc, out, err = compare(capsys, _misaligned(tmp_path), cl100k_spec)
    assert rc == EXIT_USAGE
    assert out == ""
    assert err.startswith("tokeff: error: corpus 'misaligned' is not aligned")


# -- list -------------------------------------------------------------------------------------------

class TestList:
    def test_metrics(self, capsys) -> None:
        rc, out, err = run(capsys, "list", "metrics")
        assert rc == EXIT_OK and err == ""
        lines = out.splitlines()
        assert lines[0].split()[:4] == ["name", "unit", "better", "kind"]
        assert [ln.split()[0] for ln in lines[1:]] == list(METRICS)

    def test_metrics_json(self, capsys) -> None:
        rc, out, _ = run(capsys, "list", "metrics", "--format", "json")
        assert rc == EXIT_OK
        rows = json.loads(out)
        assert [r["name"] for r in rows] == list(METRICS)
        parity = next(r for r in rows if r["name"] == "parity")
        assert parity["better"] == "lower" and parity["kind"] == "ratio"

    def test_segmenters(self, capsys) -> None:
        rc, out, _ = run(capsys, "list", "segmenters")
        assert rc == EXIT_OK
        assert "unicode-words" in out and "jieba" in out and "zho_Hans" in out

    def test_segmenters_json(self, capsys) -> None:
        rc, out, _ = run(capsys, "list", "segmenters", "--format", "json")
        assert rc == EXIT_OK
        rows = {r["name"]: r for r in json.loads(out)}
        assert {"unicode-words", "jieba", "jieba-nohmm"} <= set(rows)
        assert "zho_Hans" in rows["jieba"]["default_for"]

    def test_corpora(self, capsys) -> None:
        rc, out, _ = run(capsys, "list", "corpora")
        assert rc == EXIT_OK
        names = out.split()[1:]
        assert "udhr" in names and "flores200" in names

    def test_corpora_json(self, capsys) -> None:
        rc, out, _ = run(capsys, "list", "corpora", "--format", "json")
        assert rc == EXIT_OK
        assert {"udhr", "flores200"} <= {r["name"] for r in json.loads(out)}

    def test_tokenizers_json_is_a_list(self, capsys) -> None:
        rc, out, _ = run(capsys, "list", "tokenizers", "--format", "json")
        assert rc == EXIT_OK
        rows = json.loads(out)
        assert isinstance(rows, list) and all("name" in r for r in rows)

    def test_unknown_kind(self, capsys) -> None:
        rc, out, err = run(capsys, "list", "models")
        assert rc == EXIT_USAGE and out == "" and "invalid choice: 'models'" in err


# -- parser ---------------------------------------------------------------------------------------

class TestParser:
    def test_help(self, capsys) -> None:
        rc, out, _ = run(capsys, "--help")
        assert rc == EXIT_OK
        assert out.startswith("usage: tokeff") and "compare" in out and "Exit codes" in out

    def test_compare_help(self, capsys) -> None:
        rc, out, _ = run(capsys, "compare", "--help")
        assert rc == EXIT_OK and "--tokenizers" in out and "--format" in out

    def test_version(self, capsys) -> None:
        import tokeff

        rc, out, _ = run(capsys, "--version")
        assert rc == EXIT_OK and out.strip() == f"tokeff {tokeff.__version__}"

    def test_no_command(self, capsys) -> None:
        rc, out, err = run(capsys)
        assert rc == EXIT_USAGE
        assert out == "" and err.startswith("usage: tokeff")

    def test_unknown_command(self, capsys) -> None:
        rc, out, err = run(capsys, "frobnicate")
        assert rc == EXIT_USAGE and out == "" and "invalid choice" in err

    def test_unknown_option(self, capsys) -> None:
        rc, out, err = run(capsys, "compare", "--frobnicate")
        assert rc == EXIT_USAGE and out == "" and "unrecognized arguments" in err


def test_cli_streaming_cache_and_executor_flags_give_the_plain_numbers(tmp_path, capsys,
                                                                       monkeypatch):
    monkeypatch.setenv("TOKEFF_CACHE_DIR", str(tmp_path / "cache"))
    d = tmp_path / "txt"
    d.mkdir()
    (d / "eng_Latn.txt").write_text("Hello world\nGood night\nA third one\n", encoding="utf-8")
    (d / "fra_Latn.txt").write_text("Bonjour le monde\nBonne nuit\nUn troisième\n",
                                    encoding="utf-8")
    base = ["compare", "--corpus", str(d), "--tokenizers", "cl100k_base", "--format", "json",
            "--metrics", "tokens,fertility,parity", "--bootstrap", "50", "-q"]

    def run(*extra):
        assert main(base + list(extra)) == 0
        return json.loads(capsys.readouterr().out)["results"]

    plain = run()
    assert run("--chunk-size", "2") == plain
    assert run("--cache") == plain
    assert run("--cache") == plain  # warm
    assert run("--executor", "serial") == plain
    assert run("--executor", "processes") == plain
    assert main(base + ["--chunk-size", "0"]) == 2
    assert "--chunk-size" in capsys.readouterr().err
