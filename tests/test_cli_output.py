"""``tokeff compare``: the output format follows the ``-o`` suffix, and the warnings of
:mod:`tokeff.diagnostics` reach the person reading the output."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import _fixtures as fx
import pytest

from tokeff.cli import EXIT_OK, EXIT_USAGE, main
from tokeff.cli.compare import output_format
from tokeff.results import Results


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    p = tmp_path / "corpus.tsv"
    p.write_text("eng_Latn\tjpn_Jpan\n"
                 "Everyone has the right to life.\tすべての人は、生命に対する権利を有する。\n"
                 "No one shall be held in slavery.\t何人も、奴隷にされることはない。\n",
                 encoding="utf-8")
    return p


@pytest.fixture
def unk_spec(tmp_path: Path) -> str:
    """A sentencepiece model that never saw Japanese (no byte fallback): UNK tokens."""
    path = tmp_path / "tiny.model"
    path.write_bytes(fx.tiny_spm(False).processor.serialized_model_proto())
    return f"spm:{path}?name=tiny"


def compare(capsys, corpus: Path, spec: str, *extra: str) -> tuple[int, str, str]:
    rc = main(["compare", "--corpus", str(corpus), "--tokenizers", spec, "--bootstrap", "0",
               *extra])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.mark.parametrize("name,expected", [("res.csv", "csv"), ("res.json", "json"),
                                           ("res.md", "markdown"), ("res.MARKDOWN", "markdown"),
                                           ("res.txt", "table"), ("res", "table"),
                                           ("-", "table")])
def test_format_from_the_suffix(name: str, expected: str) -> None:
    assert output_format(None, name) == expected
    assert output_format(None, None) == "table"
    assert output_format(expected, name) == expected  # the same format given explicitly


def test_an_explicit_format_wins_over_a_neutral_suffix() -> None:
    assert output_format("json", "res.txt") == "json"
    assert output_format("csv", "-") == "csv"


@pytest.mark.parametrize("suffix,check", [
    (".csv", lambda t: next(csv.DictReader(io.StringIO(t)))["metric"] == "parity"),
    (".json", lambda t: Results.from_json(t).value("tiny", "eng_Latn", "parity") == 1.0),
    (".md", lambda t: "| lang | tiny |" in t and "### parity" in t),
    (".txt", lambda t: t.startswith("parity\n  lang")),
])
def test_output_file_is_written_in_the_implied_format(capsys, tmp_path, corpus, unk_spec,
                                                      suffix, check) -> None:
    target = tmp_path / f"res{suffix}"
    rc, out, err = compare(capsys, corpus, unk_spec, "--metrics", "parity", "-q",
                           "-o", str(target))
    assert rc == EXIT_OK, err
    assert out == "" and err == ""  # -q: the warnings are in the file (or its JSON meta)
    assert check(target.read_text(encoding="utf-8"))


def test_contradicting_format_and_suffix_is_a_usage_error(capsys, tmp_path, corpus,
                                                          unk_spec) -> None:
    target = tmp_path / "res.json"
    rc, out, err = compare(capsys, corpus, unk_spec, "--format", "csv", "-o", str(target))
    assert rc == EXIT_USAGE and out == ""
    assert "--format csv contradicts" in err and "res.csv" in err
    assert not target.exists()


def test_table_shows_the_unk_warning_under_the_numbers(capsys, corpus, unk_spec) -> None:
    rc, out, err = compare(capsys, corpus, unk_spec, "--metrics", "parity,unk_rate")
    assert rc == EXIT_OK, err
    table, _, warnings = out.partition("\nWarnings:\n")
    parity = float(next(line for line in table.splitlines()
                        if line.strip().startswith("jpn_Jpan")).split()[1])
    assert parity < 1  # UNK tokens make Japanese look cheaper than English
    assert "tiny: UNK tokens cover" in warnings and "of jpn_Jpan" in warnings
    assert err == ""  # shown on stdout, not repeated on stderr


def test_markdown_lists_the_warnings(capsys, corpus, unk_spec) -> None:
    rc, out, _ = compare(capsys, corpus, unk_spec, "--metrics", "parity,continued_words",
                         "--format", "markdown")
    assert rc == EXIT_OK
    assert "**Warnings**" in out and "- ⚠ tiny: UNK tokens cover" in out


def test_json_keeps_the_warnings_and_stderr_shows_them(capsys, corpus, unk_spec) -> None:
    rc, out, err = compare(capsys, corpus, unk_spec, "--format", "json")  # default metrics
    assert rc == EXIT_OK
    (w,) = [w for w in json.loads(out)["meta"]["warnings"] if w["kind"] == "unk"]
    assert w["tokenizer"] == "tiny" and "jpn_Jpan" in w["langs"]
    assert 0.5 < w["values"]["jpn_Jpan"] <= 1 and w["threshold"] == 0.01
    assert err.startswith("tokeff: warning: tiny: UNK tokens cover")  # the worst first


def test_no_warnings_no_section(capsys, corpus, cl100k_spec) -> None:
    rc, out, err = compare(capsys, corpus, cl100k_spec, "--metrics", "parity")
    assert rc == EXIT_OK and "Warnings" not in out and err == ""
