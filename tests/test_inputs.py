"""Any in-memory data and any text file into measure() (issue 15): mappings, pandas and polars
DataFrames, datasets.Dataset (real when installed, and a duck-typed stand-in always),
iterables of per-segment dicts, one .txt file or standard input; single strings where a list is
expected; and the errors bad input gets (column and row named)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import tokeff
from tokeff.corpora.inmemory import UNDETERMINED, as_corpus, decode_utf8, load_text
from tokeff.errors import CorpusError, UsageError
from tokeff.inputs import as_list, normalize_measure_args

DATA = {"en": ["The weather is nice today.", "We are going to Beijing."],
        "zh": ["今天天气很好。", "我们要去北京。"]}
EXPECTED = {"eng_Latn": DATA["en"], "zho_Hans": DATA["zh"]}


def _reference() -> tokeff.Results:
    return tokeff.measure(tokeff.Corpus.from_dict("ref", DATA), ["cl100k_base"],
                          metrics=["tokens", "parity"], bootstrap=0)


class FakeDataset:
    """What tokeff relies on in a datasets.Dataset: column_names and ds[column] (a sequence,
    not necessarily a list: datasets 4+ returns a Column object)."""

    def __init__(self, columns: dict[str, list]):
        self._cols = columns

    @property
    def column_names(self) -> list[str]:
        return list(self._cols)

    def __getitem__(self, key: str):
        return tuple(self._cols[key])


# -- every kind gives the same corpus ----------------------------------------------------------

def _kinds():
    yield "mapping", lambda: dict(DATA)
    yield "rows", lambda: [{"en": e, "zh": z} for e, z in zip(DATA["en"], DATA["zh"])]
    yield "generator", lambda: ({"id": i, "en": e, "zh": z}
                                for i, (e, z) in enumerate(zip(DATA["en"], DATA["zh"])))
    yield "fake-dataset", lambda: FakeDataset(dict(DATA))
    yield "fake-translation-dataset", lambda: FakeDataset(
        {"translation": [{"en": e, "zh": z} for e, z in zip(DATA["en"], DATA["zh"])]})


@pytest.mark.parametrize("make", [k[1] for k in _kinds()], ids=[k[0] for k in _kinds()])
def test_kinds_make_the_same_corpus(make):
    c = as_corpus(make(), name="demo")
    assert c.segments == EXPECTED and c.name == "demo"


def test_pandas_dataframe_measures_like_the_dict():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"id": [1, 2], **DATA})
    res = tokeff.measure(df, ["cl100k_base"], metrics=["tokens", "parity"], bootstrap=0)
    ref = _reference()
    for la in ("eng_Latn", "zho_Hans"):
        assert res.value("cl100k_base", la, "tokens") == ref.value("cl100k_base", la, "tokens")
    # the same content gives the same corpus hash, whatever container held it
    assert res.meta["corpus_hash"] == ref.meta["corpus_hash"]


def test_polars_dataframe():
    pl = pytest.importorskip("polars")
    c = as_corpus(pl.DataFrame(DATA))
    assert c.segments == EXPECTED


def test_real_datasets_dataset():
    datasets = pytest.importorskip("datasets")
    assert as_corpus(datasets.Dataset.from_dict(DATA)).segments == EXPECTED
    trans = datasets.Dataset.from_dict(
        {"translation": [{"en": e, "zh": z} for e, z in zip(DATA["en"], DATA["zh"])]})
    assert as_corpus(trans).segments == EXPECTED


def test_dict_of_lists_in_measure_with_single_strings():
    res = tokeff.measure(dict(DATA), "cl100k_base", langs="zh", metrics="tokens,parity",
                         bootstrap=0)
    ref = _reference()
    assert res.tokenizers == ["cl100k_base"]
    assert res.value("cl100k_base", "zho_Hans", "parity") == \
        ref.value("cl100k_base", "zho_Hans", "parity")


def test_langs_all_and_comma_string():
    res = tokeff.measure("udhr", "cl100k_base", langs="en, zh", metrics="tokens", bootstrap=0)
    assert res.langs == ["eng_Latn", "zho_Hans"]
    corpus = tokeff.Corpus.from_dict("x", {"en": ["a"], "fr": ["b"], "de": ["c"]})
    res = tokeff.measure(corpus, "cl100k_base", langs="all", metrics="tokens", bootstrap=0)
    assert res.langs == ["eng_Latn", "fra_Latn", "deu_Latn"]


def test_one_language_corpus_gets_default_metrics_without_parity():
    res = tokeff.measure({"zh": DATA["zh"]}, "cl100k_base", bootstrap=0)
    assert "parity" not in res.metrics and "tokens_per_char" in res.metrics
    with pytest.raises(UsageError, match="pivot language eng_Latn"):
        tokeff.measure({"zh": DATA["zh"]}, "cl100k_base", metrics="parity", bootstrap=0)


def test_as_list():
    assert as_list("cl100k_base", "tokenizers") == ["cl100k_base"]
    tok = object()
    assert as_list(tok, "tokenizers") == [tok]
    with pytest.raises(UsageError, match="empty string"):
        as_list(" , ", "langs", split_commas=True)
    with pytest.raises(UsageError, match="no tokenizer given"):
        normalize_measure_args(DATA, None, None, None, "eng_Latn")
    with pytest.raises(UsageError, match="language codes"):
        normalize_measure_args(DATA, "x", [1], None, "eng_Latn")


# -- bad input: the same clear errors as files ---------------------------------------------------

@pytest.mark.parametrize("data, pattern", [
    ({"en": ["a", "b"], "zh": ["甲"]}, r"not aligned: eng_Latn has 2 segments, zho_Hans has 1"),
    ({"en": ["a", None]}, r"key 'en' \(eng_Latn\), row 2 is missing \(None\)"),
    ({"en": ["a", float("nan")]}, r"key 'en' \(eng_Latn\), row 2 is missing \(nan\)"),
    ({"en": ["a", 5]}, r"key 'en' \(eng_Latn\), row 2 is int 5, not text"),
    ({"en": ["a"], "eng_Latn": ["b"]}, r"'en' and 'eng_Latn' are both eng_Latn"),
    ({"en": "hello"}, r"single string"),
    ({"xx-nope": ["a"]}, r"key 'xx-nope': unknown language"),
    ({1: ["a"]}, r"is a int; name each column by its language"),
    ({"id": [1]}, r"no language columns"),
    ([{"en": "a", "zh": "甲"}, {"en": "b"}], r"segment 2 has keys \['en'\].*missing: zh"),
    ([{"en": "a"}, {"en": None}], r"segment 2, key 'en' \(eng_Latn\) is missing"),
    ([{"en": "a"}, {"en": 3}], r"segment 2, key 'en' \(eng_Latn\) is int 3, not text"),
    (["just", "texts"], r"item 1 is a text, but texts alone have no language"),
    ([], r"is empty"),
    ([1, 2], r"item 1 is a int"),
])
def test_bad_in_memory_input(data, pattern):
    with pytest.raises(CorpusError, match=pattern):
        as_corpus(data)


def test_pandas_errors_name_column_row_and_index():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"en": ["a", "b"], "zh": ["甲", None]}, index=["s1", "s2"])
    with pytest.raises(CorpusError, match=r"column 'zh' \(zho_Hans\), row 2 \(index 's2'\) is "
                                          r"missing"):
        tokeff.measure(df, ["cl100k_base"], bootstrap=0)
    df = pd.DataFrame({"en": ["a"], "zh": [3.5]})
    with pytest.raises(CorpusError, match=r"row 1 \(index 0\) is float 3.5, not text"):
        as_corpus(df)


def test_generator_of_texts_says_what_to_do():
    with pytest.raises(CorpusError, match=r"load_text\(\)"):
        tokeff.measure((t for t in ["a", "b"]), ["cl100k_base"], bootstrap=0)


def test_unsupported_object():
    with pytest.raises(UsageError, match="cannot make a corpus of a int"):
        as_corpus(5)


# -- one text file, standard input -------------------------------------------------------------

def test_load_text_and_load_corpus_txt(tmp_path: Path):
    p = tmp_path / "notes.txt"
    p.write_bytes("\ufeff今天天气很好。\r\n\r\n我们去北京。\r\n".encode())
    c = load_text(p, lang="zh")
    assert c.langs == ["zho_Hans"] and c.segments["zho_Hans"] == ["今天天气很好。", "",
                                                                   "我们去北京。"]
    assert c.origins["zho_Hans"][2] == "notes.txt line 3"
    und = tokeff.load_corpus(p)
    assert und.langs == [UNDETERMINED] and und.segments[UNDETERMINED] == c.segments["zho_Hans"]
    assert tokeff.load_corpus(p, langs=["ja"]).langs == ["jpn_Jpan"]
    with pytest.raises(UsageError, match="holds one language"):
        tokeff.load_corpus(p, langs=["ja", "zh"])
    res = tokeff.measure(str(p), "cl100k_base", bootstrap=0)
    assert "parity" not in res.metrics
    assert res.value("cl100k_base", UNDETERMINED, "chars") == len("今天天气很好。我们去北京。")
    assert res.value("cl100k_base", UNDETERMINED, "words") is None  # no segmenter for und


def test_text_file_errors(tmp_path: Path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"line one\nab\xe9cd\n")
    with pytest.raises(CorpusError, match=r"bad.txt: invalid UTF-8 at byte offset 11 \(line 2\)"):
        load_text(bad)
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="is empty"):
        load_text(empty)
    with pytest.raises(CorpusError, match="file not found"):
        load_text(tmp_path / "missing.txt")
    with pytest.raises(CorpusError, match="is a directory"):
        load_text(tmp_path)


def test_stdin(monkeypatch):
    data = "你好，世界\n".encode()
    c = load_text("-", lang="zh", stdin=io.BytesIO(data))
    assert c.name == "stdin" and c.segments == {"zho_Hans": ["你好，世界"]}
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    res = tokeff.measure("-", "cl100k_base", langs="zh", metrics="tokens", bootstrap=0)
    assert res.value("cl100k_base", "zho_Hans", "tokens") == \
        len(tokeff.get_tokenizer("cl100k_base").encode("你好，世界"))


def test_decode_utf8():
    assert decode_utf8("\ufeffa\r\nb".encode(), "x") == "a\nb"
    with pytest.raises(CorpusError, match=r"<stdin>: invalid UTF-8 at byte offset 1 \(line 1\)"):
        decode_utf8(b"a\xff", "<stdin>")
