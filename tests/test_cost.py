"""Cost per model and language (issue 15): workloads, price tables and their errors, the
model -> tokenizer table, the arithmetic checked against a hand calculation from token counts,
genai-prices, ``tokeff cost`` and ``tokeff count`` through ``main([...])``."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest

import tokeff
from tokeff.cli import EXIT_OK, EXIT_USAGE, main
from tokeff.cost import cost, parse_files
from tokeff.errors import CorpusError, MissingDependencyError, UsageError
from tokeff.prices import PriceBook, load_price_table, parse_date
from tokeff.pricing import Workload, cost_table
from tokeff.textcount import count_text
from tokeff.tokenizers.catalogue import get_entry
from tokeff.tokenizers.models import _EXACT, _PREFIXES, _TIKTOKEN_TO_CATALOGUE, model_tokenizer

ROOT = Path(__file__).resolve().parents[1]
LANGS = ["eng_Latn", "zho_Hans", "jpn_Jpan"]


def _has_genai_prices() -> bool:
    from tokeff.prices import database_version

    return database_version() is not None


def _available(*names: str) -> None:
    for n in names:
        if not get_entry(n).is_available():
            pytest.skip(f"tokenizer {n} is not installed (pip install -e '.[vocab]')")


@pytest.fixture()
def price_csv(tmp_path: Path) -> Path:
    p = tmp_path / "prices.csv"
    p.write_text("name,input_per_1m,output_per_1m,context_window\n"
                 "gpt-4o,2.5,10,128000\n"
                 "my-qwen,0.4,1.2,32000\n", encoding="utf-8")
    return p


def _totals(tok: str, lang: str, corpus: str = "udhr") -> tuple[int, int]:
    """Tokens and characters of a language, counted here with the tokenizer directly."""
    c = tokeff.load_corpus(corpus, langs=[lang])
    t = tokeff.get_tokenizer(tok)
    segs = c.segments[lang]
    return sum(len(x) for x in t.encode_batch(segs)), sum(len(s) for s in segs)


# -- workloads ------------------------------------------------------------------------------------

@pytest.mark.parametrize("spec, expected", [
    ("1000000chars", Workload(1e6, "chars")),
    ("1Mchars", Workload(1e6, "chars")),
    ("2.5k characters", Workload(2500.0, "chars")),
    ("1_000chars:zh", Workload(1000.0, "chars", "zho_Hans")),
    ("3e6tokens:en@gpt-4o", Workload(3e6, "tokens", "eng_Latn", "gpt-4o")),
    ("text", Workload(1.0, "text")),
])
def test_workload_parse(spec, expected):
    w = Workload.parse(spec)
    assert w == expected
    assert Workload.parse(str(w)) == w  # the canonical spelling reads back


@pytest.mark.parametrize("spec, pattern", [
    ("lots", "cannot read workload"),
    ("0chars", "more than zero"),
    ("5tokens", "N tokens:LANG@TOKENIZER"),
    ("5tokens:en", "N tokens:LANG@TOKENIZER"),
    ("5chars:en@gpt-4o", "need no tokenizer"),
    ("5chars:klingon", "unknown language"),
])
def test_workload_errors(spec, pattern):
    with pytest.raises(UsageError, match=pattern):
        Workload.parse(spec)


# -- price tables -------------------------------------------------------------------------------

def test_toml_and_csv_tables(tmp_path: Path, price_csv: Path):
    toml = tmp_path / "p.toml"
    toml.write_text('currency = "EUR"\ndate = "2026-10-01"\n\n[[model]]\nname = "gpt-4o"\n'
                    'input_per_1m = 2.0\noutput_per_1m = 8\ntokenizer = "o200k_base"\n',
                    encoding="utf-8")
    t = load_price_table(toml)
    assert t.currency == "EUR" and t.date == "2026-10-01"
    assert t.entries["gpt-4o"]["input_per_1m"] == 2.0
    pr = PriceBook(t, use_database=False).price("GPT-4o")
    assert (pr.input_per_1m, pr.output_per_1m, pr.currency, pr.date, pr.tokenizer) == \
        (2.0, 8.0, "EUR", "2026-10-01", "o200k_base")
    pr = PriceBook(price_csv, use_database=False, date="2026-11-01").price("my-qwen")
    assert (pr.input_per_1m, pr.context_window, pr.date, pr.source) == \
        (0.4, 32000, "2026-11-01", "prices.csv")


@pytest.mark.parametrize("name, text, pattern", [
    ("a.csv", "name,input_per_1m\nm,abc\n", r"a.csv line 2, field input_per_1m: 'abc' is not"),
    ("a.csv", "name,input_per_1m\nm,-1\n", r"a.csv line 2, field input_per_1m: '-1' must be"),
    ("a.csv", "name,input_per_1m,ctx\nm,1,2\n", r"a.csv line 1: unknown column 'ctx'"),
    ("a.csv", "name,output_per_1m\nm,1\n", r"a.csv line 1: column input_per_1m is missing"),
    ("a.csv", "name,input_per_1m\nm,1\nm,2\n", r"a.csv line 3: model 'm' is listed twice "
                                                r"\(first at a.csv line 2\)"),
    ("a.csv", "name,input_per_1m,context_window\nm,1,1.5\n",
     r"line 2, field context_window: '1.5' must be a positive whole number"),
    ("a.csv", "name,input_per_1m\nm,1,extra\n", r"a.csv line 2: more fields than the header"),
    ("a.csv", "name,input_per_1m\n,1\n", r"a.csv line 2: field name is missing"),
    ("a.toml", '[[model]]\nname = "m"\n\ninput_per_1m = "x"\n',
     r"a.toml line 4 \(\[\[model\]\] entry 1\), field input_per_1m: 'x' is not a number"),
    ("a.toml", '[[model]]\nname = "m"\ninput_per_1m = 1\n\n[[model]]\nname = "n"\n'
               'input_per_M = 1\n', r"a.toml line 7 \(\[\[model\]\] entry 2\): unknown field "
                                    r"'input_per_M'"),
    ("a.toml", 'model = 1\n', r"a.toml has no \[\[model\]\] entries"),
    ("a.toml", 'curency = "USD"\n', r"unknown top-level key 'curency'"),
    ("a.toml", 'date = "yesterday"\n[[model]]\nname = "m"\ninput_per_1m = 1\n',
     r"a.toml: date must be a date written YYYY-MM-DD"),
    ("a.toml", '[[model]\n', r"a.toml is not valid TOML"),
    ("a.json", '{}', r"must be .toml or .csv"),
])
def test_price_table_errors(tmp_path: Path, name, text, pattern):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=pattern):
        load_price_table(p)


def test_missing_price_table_file(tmp_path: Path):
    with pytest.raises(UsageError, match="cannot read price table"):
        load_price_table(tmp_path / "nope.csv")


def test_parse_date():
    assert parse_date(dt.datetime(2026, 1, 2, 3)) == dt.date(2026, 1, 2)
    with pytest.raises(UsageError, match="YYYY-MM-DD"):
        parse_date("01/02/2026")


# -- the model -> tokenizer table ----------------------------------------------------------------

def test_every_mapped_tokenizer_is_in_the_catalogue():
    names = {t for t, _, _ in _EXACT.values() if t} | {t for _, t, _ in _PREFIXES}
    names |= {t for t in _TIKTOKEN_TO_CATALOGUE.values() if t}
    for n in names:
        assert get_entry(n).name == n
    for _, (tok, src, note) in _EXACT.items():
        assert src, "every mapping names its source"
        assert tok or note, "an unmapped model says why"


@pytest.mark.parametrize("model, tok", [
    ("gpt-4o", "o200k_base"), ("gpt-4o-mini", "o200k_base"), ("gpt-4.1", "o200k_base"),
    ("o3", "o200k_base"), ("gpt-4", "cl100k_base"), ("gpt-3.5-turbo", "cl100k_base"),
    ("deepseek-chat", "deepseek-v3"), ("deepseek-reasoner", "deepseek-v3"),
    ("minimax-01", "minimax-text-01"), ("MiniMax-Text-01", "minimax-text-01"),
    ("glm-4", "glm-4"), ("qwen-max", "qwen2.5"), ("Qwen/Qwen2.5-72B-Instruct", "qwen2.5"),
    ("qwen3.5-plus", "qwen3.5"), ("open-mistral-nemo", "mistral-tekken"),
    ("open-mixtral-8x22b", "mistral-v3"), ("open-mistral-7b", "mistral-7b-v1"),
    ("llama-3.3-70b-versatile", "llama-3"),
])
def test_model_tokenizer(model, tok):
    assert model_tokenizer(model).tokenizer == tok


@pytest.mark.parametrize("model, note", [
    ("claude-3-5-sonnet", "no tokenizer for model"),
    ("gemini-2.5-pro", "no tokenizer for model"),
    ("mistral-large-2411", "v7 tokenizer"),
    ("mistral-large", "give a dated name"),
    ("text-davinci-003", "p50k_base"),
])
def test_models_without_a_catalogue_tokenizer_say_so(model, note):
    m = model_tokenizer(model)
    assert m.tokenizer is None and note in m.note


# -- the arithmetic, checked by hand --------------------------------------------------------------

def test_cost_matches_a_hand_calculation(price_csv: Path):
    _available("o200k_base")
    table = cost(["gpt-4o"], langs=["en", "zh"], workload="1000000chars",
                 output="200000chars", prices=price_csv, use_database=False,
                 price_date="2026-11-01")
    for lang in ("eng_Latn", "zho_Hans"):
        t, c = _totals("o200k_base", lang)
        row = table.get("gpt-4o", lang)
        assert row.tokenizer == "o200k_base"
        assert row.input_tokens == pytest.approx(1e6 * t / c)
        assert row.output_tokens == pytest.approx(2e5 * t / c)
        expected = 1e6 * t / c / 1e6 * 2.5 + 2e5 * t / c / 1e6 * 10
        assert row.cost == pytest.approx(expected)
        assert row.window_chars == pytest.approx(128000 * c / t)
        assert row.context_window == 128000
    assert table.meta["price_date"] == "2026-11-01"
    assert "prices.csv@sha256:" in table.meta["signature"]


def test_reference_workloads(price_csv: Path):
    _available("o200k_base", "cl100k_base")
    t_zh, _ = _totals("o200k_base", "zho_Hans")
    _, c_en = _totals("o200k_base", "eng_Latn")
    ref_en, _ = _totals("cl100k_base", "eng_Latn")
    table = cost(["gpt-4o"], langs="zh", workload="1Mchars:en", prices=price_csv,
                 use_database=False)
    assert table.get("gpt-4o", "zh").input_tokens == pytest.approx(1e6 * t_zh / c_en)
    table = cost(["gpt-4o"], langs="zh", workload="1Mtokens:en@gpt-4", prices=price_csv,
                 use_database=False)  # gpt-4 -> cl100k_base
    assert table.get("gpt-4o", "zh").input_tokens == pytest.approx(1e6 * t_zh / ref_en)


def test_results_cost_equals_cost(price_csv: Path):
    _available("qwen2.5")
    book = PriceBook(price_csv, use_database=False, date="2026-11-01")
    res = tokeff.measure("udhr", ["qwen2.5"], langs="en,ja", metrics="tokens,chars,words",
                         bootstrap=0)
    a = res.cost(["my-qwen"], workload="5Mchars", prices=book,
                 tokenizer_for={"my-qwen": "qwen2.5"})
    b = cost(["my-qwen"], langs="en,ja", workload="5Mchars", prices=book,
             tokenizer_for={"my-qwen": "qwen2.5"})
    assert [r.cost for r in a] == pytest.approx([r.cost for r in b])
    # from JSON (totals only, no per-segment counts) the same costs follow
    back = tokeff.Results.from_json(res.to_json())
    c = back.cost(["my-qwen"], workload="5Mchars", prices=book,
                  tokenizer_for={"my-qwen": "qwen2.5"})
    assert [r.cost for r in c] == pytest.approx([r.cost for r in a])
    words = res.value("qwen2.5", "eng_Latn", "words")
    toks = res.value("qwen2.5", "eng_Latn", "tokens")
    assert a.get("my-qwen", "en").window_words == pytest.approx(32000 * words / toks)


def test_files_workload(tmp_path: Path, price_csv: Path):
    _available("o200k_base")
    f = tmp_path / "chats.txt"
    f.write_text("你好，我的订单还没到。\n请帮我查一下。\n", encoding="utf-8")
    table = cost(["gpt-4o"], files=[f"zh={f}"], prices=price_csv, use_database=False)
    tok = tokeff.get_tokenizer("o200k_base")
    lines = ["你好，我的订单还没到。", "请帮我查一下。"]
    t = sum(len(tok.encode(x)) for x in lines)
    row = table.get("gpt-4o", "zh")
    assert row.input_tokens == t and row.cost == pytest.approx(t / 1e6 * 2.5)
    with pytest.raises(UsageError, match="LANG=PATH"):
        parse_files([str(f)])
    with pytest.raises(UsageError, match="parallel text"):
        cost(["gpt-4o"], files={"zh": f, "en": f}, workload="1Mchars:en", prices=price_csv,
             use_database=False)


def test_models_without_tokenizer_or_price(price_csv: Path):
    _available("o200k_base")
    book = PriceBook(price_csv, use_database=False)
    with pytest.raises(UsageError, match="unknown model 'no-such-model'"):
        cost(["gpt-4o", "no-such-model"], langs="en", workload="1Mchars", prices=book)
    with pytest.raises(UsageError, match="none of the models has a tokenizer"):
        cost(["mistral-large"], langs="en", workload="1Mchars",
             prices=PriceBook(_table(price_csv, "mistral-large,2,6,\n"), use_database=False))
    # a priced model whose tokenizer is not in the catalogue is kept, with the reason
    table = cost(["gpt-4o", "mistral-large"], langs="en", workload="1Mchars",
                 prices=PriceBook(_table(price_csv, "mistral-large,2,6,\n"),
                                  use_database=False))
    row = table.get("mistral-large", "en")
    assert row.cost is None and "dated name" in row.note
    with pytest.raises(UsageError, match="give a workload"):
        cost(["gpt-4o"], langs="en", prices=book)
    with pytest.raises(UsageError, match="listed twice"):
        cost(["gpt-4o", "GPT-4o"], langs="en", workload="1Mchars", prices=book)


def _table(base: Path, extra: str) -> Path:
    p = base.with_name("extra.csv")
    p.write_text(base.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return p


def test_cost_table_needs_the_tokenizers():
    res = tokeff.measure("udhr", ["cl100k_base"], langs="en", metrics="tokens,chars",
                         bootstrap=0)
    with pytest.raises(UsageError, match="no counts for tokenizer o200k_base"):
        cost_table(res, ["gpt-4o"], workload="1Mchars",
                   prices=PriceBook(_csv_for("gpt-4o"), use_database=False))


def _csv_for(model: str) -> Path:
    import tempfile

    p = Path(tempfile.mkdtemp()) / "one.csv"
    p.write_text(f"name,input_per_1m\n{model},1\n", encoding="utf-8")
    return p


# -- genai-prices --------------------------------------------------------------------------------

def test_genai_prices_agree_with_its_own_calculator():
    if not _has_genai_prices():
        pytest.skip("genai-prices is not installed (pip install -e '.[prices]')")
    from genai_prices import Usage, calc_price

    book = PriceBook(date="2026-11-01")
    at = dt.datetime(2026, 11, 1, 12, tzinfo=dt.timezone.utc)
    for model in ("gpt-4o", "deepseek-chat", "minimax-01"):
        pr = book.price(model)
        calc = calc_price(Usage(input_tokens=1_000_000, output_tokens=1_000_000), model,
                          genai_request_timestamp=at)
        assert pr.input_per_1m == pytest.approx(float(calc.input_price))
        assert pr.output_per_1m == pytest.approx(float(calc.output_price))
        assert pr.source.startswith("genai-prices ") and pr.date == "2026-11-01"
    with pytest.raises(UsageError, match="no price for model 'no-such-model-xyz'"):
        book.price("no-such-model-xyz")


def test_user_table_overrides_the_database(price_csv: Path):
    if not _has_genai_prices():
        pytest.skip("genai-prices is not installed")
    book = PriceBook(price_csv, date="2026-11-01")
    assert book.price("gpt-4o").source == "prices.csv"
    assert book.price("deepseek-chat").source.startswith("genai-prices")
    assert book.describe().startswith("prices.csv (sha256 ")


def test_without_genai_prices_the_error_names_the_extra(monkeypatch):
    monkeypatch.setattr("tokeff.prices.database_version", lambda: None)
    with pytest.raises(MissingDependencyError, match=r'tokeff\[prices\]'):
        PriceBook().price("gpt-4o")


# -- the command line ----------------------------------------------------------------------------

def test_cli_cost_done_when(capsys):
    if not _has_genai_prices():
        pytest.skip("genai-prices is not installed")
    _available("o200k_base", "deepseek-v3", "minimax-text-01")
    rc = main(["cost", "--langs", "en,zh,ja", "--models", "gpt-4o,deepseek-chat,minimax-01",
               "--workload", "1000000chars", "--price-date", "2026-11-01", "-q"])
    out = capsys.readouterr().out
    assert rc == EXIT_OK
    for model in ("gpt-4o", "deepseek-chat", "minimax-01"):
        for lang in LANGS:
            assert re.search(rf"^{model}\s+\S+\s+{lang}\s", out, re.M), (model, lang)
    assert "prices as of 2026-11-01" in out and "genai-prices" in out


def test_cli_cost_formats_and_errors(capsys, price_csv: Path, tmp_path: Path):
    _available("o200k_base")
    base = ["cost", "--models", "gpt-4o", "--langs", "en", "--prices", str(price_csv),
            "--no-price-database", "-q"]
    assert main(base + ["--workload", "1Mchars", "--format", "json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert data["format"] == "tokeff-costs" and data["costs"][0]["model"] == "gpt-4o"
    assert main(base + ["--workload", "1Mchars", "--format", "csv"]) == EXIT_OK
    assert capsys.readouterr().out.startswith("model,tokenizer,lang,")
    assert main(base + ["--workload", "1Mchars", "--format", "markdown"]) == EXIT_OK
    assert "| model | tokenizer |" in capsys.readouterr().out
    assert main(base + ["--workload", "lots"]) == EXIT_USAGE
    assert "cannot read workload 'lots'" in capsys.readouterr().err
    assert main(base + ["--workload", "1Mchars", "--tokenizer-for", "nonsense"]) == EXIT_USAGE
    assert "MODEL=TOKENIZER" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("name,input_per_1m\ngpt-4o,cheap\n", encoding="utf-8")
    args = ["cost", "--models", "gpt-4o", "--langs", "en", "--workload", "1Mchars",
            "--prices", str(bad), "-q"]
    assert main(args) == EXIT_USAGE
    assert "bad.csv line 2, field input_per_1m: 'cheap'" in capsys.readouterr().err
    assert main(["cost", "--workload", "1Mchars"]) == EXIT_USAGE  # --models is required


def test_cli_count_stdin_and_files(capsys, monkeypatch, tmp_path: Path):
    _available("cl100k_base", "qwen2.5")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO("你好，世界\n".encode())))
    assert main(["count", "-", "--tokenizers", "cl100k_base,qwen2.5"]) == EXIT_OK
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["tokens", "chars", "bytes", "tokens/char", "tokenizer", "source"]
    for line, name in zip(out[1:], ("cl100k_base", "qwen2.5")):
        n = len(tokeff.get_tokenizer(name).encode("你好，世界\n"))
        assert line.split()[:3] == [str(n), "6", "16"] and line.split()[4:] == [name, "<stdin>"]
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("Hello world\n", encoding="utf-8")
    b.write_text("Bonjour le monde\n", encoding="utf-8")
    assert main(["count", str(a), str(b), "--tokenizers", "cl100k_base", "--format",
                 "json"]) == EXIT_OK
    rows = json.loads(capsys.readouterr().out)["counts"]
    assert [r["source"] for r in rows] == [str(a), str(b), "total"]
    assert rows[2]["tokens"] == rows[0]["tokens"] + rows[1]["tokens"]
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"ok\n\xc3(")
    assert main(["count", str(bad), "--tokenizers", "cl100k_base"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "bad.txt: invalid UTF-8 at byte offset 3 (line 2)" in err
    assert main(["count", str(tmp_path / "missing.txt"), "--tokenizers", "cl100k_base"]) \
        == EXIT_USAGE
    assert main(["count", str(a), "--tokenizers", "no-such-tokenizer"]) == EXIT_USAGE


def test_count_text_library():
    tc = count_text(texts={"a": "", "b": "héllo"}, tokenizers="cl100k_base")
    assert [(r.tokens, r.chars, r.bytes) for r in tc] == [(0, 0, 0), (len(
        tokeff.get_tokenizer("cl100k_base").encode("héllo")), 5, 6)]
    assert tc.rows[0].tokens_per_char is None
    assert "total" in str(tc) and tc.to_csv().startswith("source,tokenizer,")
    with pytest.raises(UsageError, match="nothing to count"):
        count_text([], ["cl100k_base"])
    with pytest.raises(UsageError, match="no tokenizer"):
        count_text(texts={"a": "x"})
    with pytest.raises(CorpusError, match="file not found"):
        count_text(["/nonexistent/x.txt"], ["cl100k_base"])


# -- the docs page shows what the code prints ------------------------------------------------------

def test_docs_cost_output_is_the_codes():
    if not _has_genai_prices():
        pytest.skip("genai-prices is not installed")
    _available("o200k_base", "deepseek-v3", "minimax-text-01")
    page = (ROOT / "docs" / "how-to" / "cost.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- output of the example above -->\n```text\n(.*?)```", page, re.S)
    assert m, "docs/how-to/cost.md has no output block"
    table = tokeff.cost(["gpt-4o", "deepseek-chat", "minimax-01"], langs=["en", "zh", "ja"],
                        workload="1000000chars", price_date="2026-11-01")
    assert m.group(1).strip() == str(table).strip(), \
        "docs/how-to/cost.md is stale; paste this output:\n" + str(table)


# -- the study script's --prices path ------------------------------------------------------------

def test_study_prices_path_without_traditional_chinese(tmp_path: Path):
    """--langs without zho_Hant used to fail with KeyError 'h_hant_diff'; a user's price table
    is used through tokeff's cost code and titled by its source, not "EXAMPLE prices"."""
    import importlib.util
    import sys

    _available("qwen2.5", "cl100k_base")
    spec = importlib.util.spec_from_file_location("make_study", ROOT / "study" / "make_study.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["make_study"] = mod
    try:
        spec.loader.exec_module(mod)
        prices = tmp_path / "mine.csv"
        prices.write_text("name,input_per_1m,tokenizer\nour-model,2.0,qwen2.5\n",
                          encoding="utf-8")
        out = tmp_path / "study"
        assert mod.main(["--quick", "--bootstrap", "20", "--langs", "eng_Latn,zho_Hans",
                         "--prices", str(prices), "--no-price-database", "--cost-models",
                         "our-model", "--workload-chars", "1000000", "--out", str(out)]) == 0
    finally:
        sys.modules.pop("make_study", None)
    page = (out / "index.md").read_text(encoding="utf-8")
    tables = (out / "tables.md").read_text(encoding="utf-8")
    assert "n/a (zho_Hant not measured" in page
    assert "EXAMPLE" not in page + tables and "mine.csv" in page
    summary = json.loads((out / "data" / "summary.json").read_text(encoding="utf-8"))
    t_zh, _ = _totals("qwen2.5", "zho_Hans")
    _, c_en = _totals("qwen2.5", "eng_Latn")
    assert summary["costs"]["our-model"]["zho_Hans"] == pytest.approx(1e6 * t_zh / c_en / 1e6
                                                                      * 2.0)
