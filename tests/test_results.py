"""Results: signatures that parse back, lossless JSON, CSV/markdown/str, filtering."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tokeff
from tokeff import Corpus, Results, Row, Signature, UsageError
from tokeff.results import FORMAT_VERSION

COLUMNS = ["tokenizer", "lang", "metric", "value", "ci_low", "ci_high", "n_segments",
           "signature", "note"]

SIG_FIELDS = [f.name for f in dataclasses.fields(Signature)]


def make_sig(**kw: str) -> Signature:
    base = {"version": "0.1.0", "tok": "t", "fp": "f" * 16, "vocab": "v" * 16,
            "backend": "custom-1", "tnorm": "none", "corpus": "c", "split": "all",
            "chash": "h" * 16, "norm": "none", "seg": "unicode-words-1", "agg": "totals",
            "boot": "1000/seed0/95", "pivot": "eng_Latn", "ref": "none", "alpha": "2.5"}
    base.update(kw)
    return Signature(**base)


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus.from_dict("demo", {
        "en": ["Hello world.", "The cat sat on the mat.", "", "Bye now"],
        "zh": ["你好，世界。", "猫坐在垫子上。", "", "再见"],
        "ja": ["こんにちは世界。", "猫がマットに座った。", "", "さようなら"],
    })


@pytest.fixture(scope="module")
def res(corpus: Corpus, char_tokenizer: object) -> Results:
    class Plain:  # no spans: continued_words and unk_rate are not available
        name = "plain"
        vocab_size = 0x110000

        def encode_batch(self, texts):
            return [[ord(c) for c in t] for t in texts]

    # Japanese without a word segmenter: fertility is "not available" (with a reason).
    return tokeff.measure(corpus, [char_tokenizer, Plain()], bootstrap=100, seed=1,
                          segmenters={"ja": "none"})


# -- Signature --------------------------------------------------------------------------------

class TestSignature:
    def test_str_is_compact_and_ordered(self) -> None:
        s = str(make_sig())
        assert s.startswith("tokeff:0.1.0|tok:t|fp:ffff")
        assert s.endswith("|pivot:eng_Latn|ref:none|alpha:2.5")
        assert s.count("|") == len(SIG_FIELDS) - 1
        assert "\n" not in s

    def test_round_trip(self) -> None:
        s = make_sig()
        assert Signature.parse(str(s)) == s

    @pytest.mark.parametrize("value", [
        "a|b", "100%", "50%7C", "%25", "%", "|", "||%%", "c:d", "hf:org/model:rev", "x|y:z%w",
        "", " inner space ", "中文|名", "%7C%25|",
    ])
    def test_round_trip_with_special_characters(self, value: str) -> None:
        s = make_sig(tok=value, corpus=value, seg=value)
        text = str(s)
        assert text.count("|") == len(SIG_FIELDS) - 1  # '|' in values is escaped
        assert Signature.parse(text) == s

    def test_parse_tolerates_surrounding_whitespace(self) -> None:
        s = make_sig()
        assert Signature.parse(f"  {s}\n") == s

    @pytest.mark.parametrize("text,message", [
        ("", "has no ':'"),
        ("garbage", "field 'garbage' has no ':'"),
        ("tokeff:0.1.0|tok:t", "missing field"),
        ("tokeff:0.1.0|tok", "field 'tok' has no ':'"),
    ])
    def test_parse_errors(self, text: str, message: str) -> None:
        with pytest.raises(UsageError, match=f"not a tokeff signature: .*{message}"):
            Signature.parse(text)

    def test_parse_names_missing_fields(self) -> None:
        text = "|".join(p for p in str(make_sig()).split("|") if not p.startswith("chash:"))
        with pytest.raises(UsageError, match="missing field.s. chash"):
            Signature.parse(text)

    def test_parse_rejects_unknown_fields(self) -> None:
        with pytest.raises(UsageError, match="unknown field.s. extra"):
            Signature.parse(str(make_sig()) + "|extra:1")

    def test_parse_rejects_repeated_fields(self) -> None:
        with pytest.raises(UsageError, match="field 'tok' appears twice"):
            Signature.parse(str(make_sig()) + "|tok:other")

    def test_differences(self) -> None:
        a, b = make_sig(), make_sig(tok="u", chash="0" * 16)
        assert a.differences(b) == {"tok": ("t", "u"), "chash": ("h" * 16, "0" * 16)}
        assert a.differences(b, ignore=["tok"]) == {"chash": ("h" * 16, "0" * 16)}
        assert a.differences(a) == {}

    def test_signature_of_measured_rows(self, res: Results, corpus: Corpus) -> None:
        r = res.get("char", "zho_Hans", "tokens")
        sig = r.signature
        assert sig.tok == "char"
        assert sig.corpus == "demo" and sig.split == "all" and sig.norm == "none"
        assert corpus.content_hash().startswith(sig.chash)
        # Only word-based metrics depend on (and record) the segmenter.
        assert sig.seg == "n/a"
        assert res.get("char", "zho_Hans", "fertility").signature.seg.startswith("jieba")
        assert sig.boot == "100/seed1/95/rs2"  # resamples/seed/level/resampling scheme
        assert sig.pivot == "eng_Latn" and sig.ref == "none" and sig.alpha == "2.5"
        assert sig.version == tokeff.__version__
        assert res.get("char", "eng_Latn", "fertility").signature.seg.startswith("unicode-words")
        assert res.get("char", "jpn_Jpan", "tokens").signature.seg == "n/a"
        assert Signature.parse(str(sig)) == sig


printable_value = st.text(max_size=12)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(printable_value, min_size=len(SIG_FIELDS), max_size=len(SIG_FIELDS)))
def test_property_signature_round_trip(values: list[str]) -> None:
    # parse() strips the whole string (a trailing newline from a file is harmless), so the
    # first and last values cannot keep surrounding whitespace.
    values[0], values[-1] = values[0].strip(), values[-1].strip()
    sig = Signature(*values)
    assert Signature.parse(str(sig)) == sig


# -- Results: values, access ------------------------------------------------------------------

class TestResultsAccess:
    def test_shape(self, res: Results) -> None:
        assert res.tokenizers == ["char", "plain"]
        assert res.langs == ["eng_Latn", "zho_Hans", "jpn_Jpan"]
        assert res.metrics == list(tokeff.metrics.DEFAULT_METRICS)
        assert len(res) == 2 * 3 * len(res.metrics)
        assert all(isinstance(r, Row) for r in res)
        assert repr(res) == (f"<Results {len(res)} rows: 2 tokenizer(s) x 3 language(s) x "
                             f"{len(res.metrics)} metric(s)>")

    def test_character_tokenizer_values(self, res: Results, corpus: Corpus) -> None:
        for lang in res.langs:
            n_chars = sum(len(s) for s in corpus[lang])
            assert res.value("char", lang, "tokens") == n_chars
            assert res.value("char", lang, "chars") == n_chars
            assert res.value("char", lang, "tokens_per_char") == pytest.approx(1.0)
            assert res.value("char", lang, "segments") == 4
            assert res.get("char", lang, "tokens").n_segments == 4
        en = sum(len(s) for s in corpus["en"])
        zh = sum(len(s) for s in corpus["zh"])
        assert res.value("char", "zho_Hans", "parity") == pytest.approx(zh / en)
        assert res.value("char", "eng_Latn", "parity") == pytest.approx(1.0)

    def test_confidence_intervals(self, res: Results) -> None:
        r = res.get("char", "zho_Hans", "parity")
        assert r.ci_low is not None and r.ci_high is not None
        assert r.ci_low <= r.value <= r.ci_high
        t = res.get("char", "zho_Hans", "tokens")  # totals have no CI
        assert t.ci_low is None and t.ci_high is None

    def test_not_available_has_a_reason(self, res: Results) -> None:
        r = res.get("char", "jpn_Jpan", "fertility")
        assert r.value is None
        assert r.note and "jpn_Jpan" in r.note
        assert res.value("plain", "eng_Latn", "continued_words") is None
        assert res.get("plain", "eng_Latn", "continued_words").note

    def test_get_unknown(self, res: Results) -> None:
        with pytest.raises(KeyError, match="tokenizer='nope', lang='eng_Latn', metric='tokens'"):
            res.get("nope", "eng_Latn", "tokens")

    def test_filter(self, res: Results) -> None:
        f = res.filter(tokenizer="char", metric=["tokens", "parity"])
        assert isinstance(f, Results)
        assert f.tokenizers == ["char"] and f.metrics == ["tokens", "parity"]
        assert len(f) == 3 * 2
        assert f.meta == res.meta and f.meta is not res.meta
        assert len(res.filter(lang={"zho_Hans"})) == 2 * len(res.metrics)
        assert len(res.filter()) == len(res)
        assert len(res.filter(lang="kor_Hang")) == 0
        assert f.value("char", "zho_Hans", "parity") == res.value("char", "zho_Hans", "parity")

    def test_meta(self, res: Results, corpus: Corpus) -> None:
        m = res.meta
        assert m["corpus"] == "demo" and m["corpus_hash"] == corpus.content_hash()
        assert m["langs"] == ["eng_Latn", "zho_Hans", "jpn_Jpan"]
        assert m["n_segments"] == 4 and m["pivot"] == "eng_Latn"
        assert set(m["tokenizers"]) == {"char", "plain"}


# -- serialisation ------------------------------------------------------------------------------

class TestJson:
    def test_lossless_round_trip(self, res: Results) -> None:
        back = Results.from_json(res.to_json())
        assert back.rows == res.rows
        assert back.meta == res.meta
        assert back == res
        assert Results.from_json(res.to_json(indent=None)) == res

    def test_shape(self, res: Results) -> None:
        d = json.loads(res.to_json())
        assert d["format"] == "tokeff-results"
        assert d["format_version"] == FORMAT_VERSION
        assert len(d["results"]) == len(res)
        rec = d["results"][0]
        assert list(rec) == COLUMNS
        assert isinstance(rec["signature"], str)
        assert Signature.parse(rec["signature"]) == res.rows[0].signature

    def test_round_trip_of_special_values(self) -> None:
        sig = make_sig(tok="a|b%c:d", corpus="中文")
        rows = [Row("a|b%c:d", "eng_Latn", "parity", 0.1 + 0.2, 0.1, 1 / 3, 7, sig),
                Row("a|b%c:d", "eng_Latn", "fertility", None, None, None, 7, sig,
                    "not available (no word segmenter for eng_Latn)")]
        res = Results(rows, {"note": "ü", "nested": {"x": [1, 2.5, None]}})
        back = Results.from_json(res.to_json())
        assert back == res
        assert back.rows[0].value == 0.1 + 0.2  # floats survive bit for bit

    def test_refuses_newer_format(self, res: Results) -> None:
        d = json.loads(res.to_json())
        d["format_version"] = FORMAT_VERSION + 1
        with pytest.raises(UsageError, match=f"format version {FORMAT_VERSION + 1} is newer "
                                             f"than this tokeff understands .{FORMAT_VERSION}.; "
                                             "upgrade tokeff"):
            Results.from_json(json.dumps(d))

    @pytest.mark.parametrize("text", [
        "{}", "[]", '"tokeff-results"', '{"results": []}', '{"format": "other", "results": []}',
    ])
    def test_refuses_other_json(self, text: str) -> None:
        with pytest.raises(UsageError, match="not tokeff results JSON"):
            Results.from_json(text)

    def test_refuses_invalid_json(self) -> None:
        with pytest.raises(UsageError, match="not tokeff results JSON"):
            Results.from_json("{not json")

    @pytest.mark.parametrize("patch,message", [
        ({"format_version": "1"}, "format_version must be an integer"),
        ({"results": None}, "no \"results\" list"),
        ({"results": [{"tokenizer": "x"}]}, "record 0 is malformed"),
        ({"results": [7]}, "record 0 is malformed"),
    ])
    def test_refuses_malformed_tokeff_json(self, res: Results, patch: dict,
                                           message: str) -> None:
        d = json.loads(res.to_json())
        d.update(patch)
        with pytest.raises(UsageError, match=message):
            Results.from_json(json.dumps(d))

    def test_malformed_signature_in_a_record(self, res: Results) -> None:
        d = json.loads(res.to_json())
        d["results"][3]["signature"] = "tokeff:0.1.0"
        with pytest.raises(UsageError, match="record 3 is malformed .not a tokeff signature"):
            Results.from_json(json.dumps(d))

    def test_empty_results(self) -> None:
        empty = Results([], {})
        assert Results.from_json(empty.to_json()) == empty


class TestCsv:
    def test_columns_and_values(self, res: Results) -> None:
        text = res.to_csv()
        reader = csv.DictReader(io.StringIO(text))
        assert reader.fieldnames == COLUMNS
        records = list(reader)
        assert len(records) == len(res)
        for rec, row in zip(records, res.rows):
            assert rec["tokenizer"] == row.tokenizer
            assert rec["lang"] == row.lang and rec["metric"] == row.metric
            assert (float(rec["value"]) if rec["value"] else None) == row.value
            assert (float(rec["ci_low"]) if rec["ci_low"] else None) == row.ci_low
            assert (float(rec["ci_high"]) if rec["ci_high"] else None) == row.ci_high
            assert int(rec["n_segments"]) == row.n_segments
            assert Signature.parse(rec["signature"]) == row.signature
            assert (rec["note"] or None) == row.note

    def test_quoting_of_awkward_names(self) -> None:
        sig = make_sig(tok='a,"b"')
        res = Results([Row('a,"b"', "eng_Latn", "tokens", 3.0, None, None, 1, sig, "x, y\nz")])
        (rec,) = csv.DictReader(io.StringIO(res.to_csv()))
        assert rec["tokenizer"] == 'a,"b"' and rec["note"] == "x, y\nz"
        assert Signature.parse(rec["signature"]) == sig


class TestText:
    def test_markdown_contains_the_numbers(self, res: Results) -> None:
        md = res.to_markdown()
        for metric in res.metrics:
            assert f"### {metric}" in md
        assert "| lang | char | plain |" in md
        tokens = int(res.value("char", "zho_Hans", "tokens"))
        assert f"| zho_Hans | {tokens} | {tokens} |" in md
        parity = res.get("char", "zho_Hans", "parity")
        assert f"{parity.value:.4f} [{parity.ci_low:.4f}, {parity.ci_high:.4f}]" in md
        assert "n/a" in md
        assert "Notes:" in md
        assert res.get("char", "jpn_Jpan", "fertility").note in md
        assert "Signatures:" in md
        lines = res.signature_lines(code="`")
        assert lines and all(f"- {line}" in md for line in lines)
        # Every field of every signature appears in the compact form.
        for sig in res.signature_summary():
            for part in sig.split("|"):
                assert part in md or part.startswith("seg:"), part

    def test_markdown_without_ci(self, res: Results) -> None:
        parity = res.get("char", "zho_Hans", "parity")
        md = res.to_markdown(ci=False)
        assert f"| zho_Hans | {parity.value:.4f} |" in md
        assert "[" not in md.split("Signatures:")[0]

    def test_str_is_readable(self, res: Results) -> None:
        text = str(res)
        lines = text.splitlines()
        assert lines[0] == "tokens"
        header = lines[1].split()
        assert header == ["lang", "char", "plain"]
        tokens = int(res.value("char", "eng_Latn", "tokens"))
        assert lines[2].split() == ["eng_Latn", str(tokens), str(tokens)]
        assert f"{res.value('char', 'zho_Hans', 'parity'):.4f}" in text
        assert "n/a" in text
        assert "signature(s), e.g. tokeff:" in text

    def test_str_of_empty_results(self) -> None:
        assert str(Results([])) == "(no results)"

    def test_wide_unknown_metric(self, res: Results) -> None:
        with pytest.raises(UsageError, match="no rows for metric 'nope'"):
            res.wide("nope")

    def test_to_pandas(self, res: Results) -> None:
        try:
            import pandas  # noqa: F401
        except ImportError:
            with pytest.raises(tokeff.MissingDependencyError, match=r"tokeff\[pandas\]"):
                res.to_pandas()
        else:
            df = res.to_pandas()
            assert list(df.columns) == COLUMNS and len(df) == len(res)


# -- a real tokenizer ---------------------------------------------------------------------------

def test_measure_with_a_real_tiktoken_vocabulary(cl100k_spec: str) -> None:
    tok = tokeff.get_tokenizer(cl100k_spec)
    assert tok.name == "cl100k"
    assert tok.encode("hello world") == [15339, 1917]  # cl100k_base ids
    corpus = Corpus.from_dict("tiny", {
        "en": ["hello world", "Hello, world!", "<|endoftext|>"],
        "zh": ["你好，世界", "你好，世界！", "<|endoftext|>"],
    })
    res = tokeff.measure(corpus, [tok], metrics=["tokens", "parity", "fertility"],
                         bootstrap=50)
    en = sum(len(tok.encode(s)) for s in corpus["en"])
    zh = sum(len(tok.encode(s)) for s in corpus["zh"])
    assert tok.encode("Hello, world!") == [9906, 11, 1917, 0]
    assert 100257 not in tok.encode("<|endoftext|>")  # special-token text is ordinary text
    assert res.value("cl100k", "eng_Latn", "tokens") == en
    assert res.value("cl100k", "zho_Hans", "parity") == pytest.approx(zh / en)
    sig = res.get("cl100k", "zho_Hans", "parity").signature
    assert sig.backend.startswith("tiktoken-")
    assert tok.fingerprint().startswith(sig.fp) and tok.content_hash().startswith(sig.vocab)
    assert Results.from_json(res.to_json()) == res
