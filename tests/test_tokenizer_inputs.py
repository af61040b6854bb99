"""Bad answers from user tokenizers and broken tokenizer files are clear errors naming the
tokenizer (and, for files, the file and line), never numbers that mean something else nor bare
tracebacks (issue 17: cases 3, 7, 8 and 12)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import _fixtures as fx
import numpy as np
import pytest

import tokeff
from tokeff.errors import TokenizerError
from tokeff.tokenizers import as_tokenizer, get_tokenizer

# ---------------------------------------------------------------------------------------------
# User tokenizers: ids and offsets are validated (17.3, 17.8)
# ---------------------------------------------------------------------------------------------


class Fixed:
    """A user tokenizer answering every batch with ``answer(texts)``."""

    vocab_size = 100

    def __init__(self, name, answer, spans=None):
        self.name = name
        self._answer = answer
        if spans is not None:
            self.encode_batch_spans = spans

    def encode_batch(self, texts):
        return self._answer(texts)


def _per_text(row):
    return lambda texts: [row for _ in texts]


# (case id, encode_batch answer, words the message must contain)
BAD_IDS = [
    ("negative", _per_text([1, -3, 2]), ["negative token id -3", "text 0"]),
    ("float", _per_text([1.7, 2]), ["must be integers", "1.7", "float"]),
    ("integral-float", _per_text([1.0]), ["must be integers", "1.0"]),
    ("string-id", _per_text([5, "12"]), ["must be integers", "'12'", "str"]),
    ("bool-id", _per_text([True]), ["must be integers", "True"]),
    ("none-id", _per_text([3, None]), ["must be integers", "None"]),
    ("at-vocab-size", _per_text([99, 100]), ["token id 100", "vocab_size 100"]),
    ("huge", _per_text([2 ** 70]), ["out of range", str(2 ** 70)]),
    ("returns-none", lambda texts: None, ["returned None"]),
    ("returns-generator", lambda texts: ([1] for _ in texts), ["generator", "list(...)"]),
    ("returns-string", lambda texts: "1 2 3", ["returned a str", "not text"]),
    ("row-is-string", lambda texts: ["1 2" for _ in texts], ["text 0", "str", "instead of"]),
    ("row-is-int", lambda texts: [7 for _ in texts], ["text 0", "expected a list"]),
    ("row-is-none", lambda texts: [None for _ in texts], ["text 0", "NoneType"]),
    ("too-few", lambda texts: [[1]], ["returned 1 results for 2 texts"]),
]


@pytest.mark.parametrize("case,answer,words", BAD_IDS, ids=[c[0] for c in BAD_IDS])
@pytest.mark.parametrize("path", ["encode_batch", "encode_arrays"])
def test_bad_ids_are_refused_with_the_tokenizer_named(case, answer, words, path):
    tok = as_tokenizer(Fixed(f"user-{case}", answer))
    with pytest.raises(TokenizerError) as info:
        if path == "encode_batch":
            tok.encode_batch(["ab", "cd"])
        else:
            tok.encode_arrays(["ab", "cd"], spans=False)
    msg = str(info.value)
    assert f"'user-{case}'" in msg
    assert info.value.tokenizer == f"user-{case}"
    for w in words:
        assert w in msg, (w, msg)


def test_good_user_ids_pass_in_every_form():
    answers = {
        "lists": lambda texts: [[1, 2] for _ in texts],
        "tuples": lambda texts: tuple((1, 2) for _ in texts),
        "numpy-rows": lambda texts: [np.array([1, 2], dtype=np.uint16) for _ in texts],
        "numpy-2d": lambda texts: np.array([[1, 2] for _ in texts], dtype=np.int32),
        "numpy-scalars": lambda texts: [[np.int64(1), np.int8(2)] for _ in texts],
    }
    for name, answer in answers.items():
        tok = as_tokenizer(Fixed(name, answer))
        assert tok.encode_batch(["a", "b"]) == [[1, 2], [1, 2]], name
        assert all(type(i) is int for i in tok.encode("a")), name
        arr = tok.encode_arrays(["a", "b"])
        assert arr.ids.dtype == np.int64 and arr.ids.tolist() == [1, 2, 1, 2], name
    # Empty texts and an empty batch.
    tok = as_tokenizer(Fixed("empty", lambda texts: [[] for _ in texts]))
    assert tok.encode_batch(["", ""]) == [[], []]
    assert tok.encode_arrays([]).lengths.tolist() == []


def test_user_ids_checked_without_a_declared_vocab_size():
    class NoVocab:
        name = "novocab"

        def encode_batch(self, texts):
            return [[5000, -1] for _ in texts]

    with pytest.raises(TokenizerError, match="'novocab'.*negative token id -1"):
        as_tokenizer(NoVocab()).encode_batch(["x"])


def _spans_from(ids_and_spans):
    return lambda texts: [ids_and_spans for _ in texts]


BAD_SPANS = [
    ("fewer-spans", _spans_from(([1, 2], [(0, 1)])), ["1 spans for 2 token ids"]),
    ("more-spans", _spans_from(([1], [(0, 1), (1, 2)])), ["2 spans for 1 token ids"]),
    ("not-a-pair", lambda texts: [[1, 2] for _ in texts], ["expected a pair (ids, spans)"]),
    ("float-offsets", _spans_from(([1], [(0.5, 1)])), ["span offsets must be integers", "0.5"]),
    ("past-end", _spans_from(([1], [(0, 9)])), ["span (0, 9)", "2 UTF-8 bytes"]),
    ("reversed", _spans_from(([1], [(2, 1)])), ["span (2, 1)"]),
    ("negative", _spans_from(([1], [(-1, 1)])), ["span (-1, 1)"]),
    ("spans-none", _spans_from(([1], None)), ["spans are a NoneType"]),
    ("returns-none", lambda texts: None, ["encode_batch_spans returned None"]),
    ("bad-id", _spans_from(([1.5], [(0, 1)])), ["must be integers", "1.5"]),
]


@pytest.mark.parametrize("case,spans,words", BAD_SPANS, ids=[c[0] for c in BAD_SPANS])
def test_bad_offsets_are_refused_with_the_tokenizer_named(case, spans, words):
    tok = as_tokenizer(Fixed(f"spans-{case}", _per_text([1]), spans=spans))
    with pytest.raises(TokenizerError) as info:
        tok.encode_arrays(["ab", "cd"], spans=True)
    msg = str(info.value)
    assert f"'spans-{case}'" in msg
    for w in words:
        assert w in msg, (w, msg)


def test_good_offsets_pass(char_tokenizer):
    arr = as_tokenizer(char_tokenizer).encode_arrays(["aé", ""])
    assert arr.starts.tolist() == [0, 1] and arr.ends.tolist() == [1, 3]


def test_exception_inside_user_encode_batch_names_the_tokenizer():
    def boom(texts):
        raise KeyError("missing piece")

    tok = as_tokenizer(Fixed("exploding", boom))
    with pytest.raises(TokenizerError) as info:
        tok.encode_batch(["x"])
    msg = str(info.value)
    assert "'exploding'" in msg and "encode_batch raised KeyError" in msg
    assert "missing piece" in msg
    # The user's exception stays the cause, and the counting layer can name the language.
    assert isinstance(info.value.__cause__, KeyError)
    info.value.language = "zho_Hans"
    assert str(info.value).endswith("(while encoding zho_Hans)")


def test_bad_user_tokenizer_through_measure():
    corpus = tokeff.Corpus.from_dict("t", {"en": ["ab cd", "e"], "fr": ["abc", "de f"]})
    with pytest.raises(TokenizerError, match="'user-float'.*must be integers"):
        tokeff.measure(corpus, [Fixed("user-float", _per_text([1.7]))], metrics=["tokens"],
                       bootstrap=0, pivot=None)


# ---------------------------------------------------------------------------------------------
# Broken tiktoken rank files (17.7)
# ---------------------------------------------------------------------------------------------

def _rank_lines(n: int = 256) -> list[bytes]:
    import base64

    return [base64.b64encode(bytes([b])) + b" " + str(b).encode() for b in range(n)]


def _write(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_valid_small_rank_file_loads(tmp_path):
    p = _write(tmp_path / "ok.tiktoken", _rank_lines())
    tok = get_tokenizer(f"tiktoken:{p}?pattern=cl100k_base")
    assert tok.encode("ab") == [97, 98]


def test_duplicated_rank_value_names_file_and_lines(tmp_path):
    import base64

    lines = _rank_lines() + [base64.b64encode(b"ab") + b" 97"]  # rank 97 is also "a"
    p = _write(tmp_path / "duprank.tiktoken", lines)
    with pytest.raises(TokenizerError) as info:
        get_tokenizer(f"tiktoken:{p}?pattern=cl100k_base")
    msg = str(info.value)
    assert str(p) in msg and "line 257" in msg and "rank 97" in msg and "line 98" in msg


def test_duplicated_token_line_names_file_and_lines(tmp_path):
    lines = _rank_lines()
    lines.append(lines[65].split()[0] + b" 256")  # token "A" again, with a new rank
    p = _write(tmp_path / "duptok.tiktoken", lines)
    with pytest.raises(TokenizerError) as info:
        get_tokenizer(f"tiktoken:{p}?pattern=cl100k_base")
    msg = str(info.value)
    assert str(p) in msg and "line 257" in msg and "line 66" in msg and "b'A'" in msg


def test_rank_gap_is_refused(tmp_path):
    import base64

    lines = _rank_lines() + [base64.b64encode(b"ab") + b" 300"]
    p = _write(tmp_path / "gap.tiktoken", lines)
    with pytest.raises(TokenizerError) as info:
        get_tokenizer(f"tiktoken:{p}?pattern=cl100k_base")
    msg = str(info.value)
    assert str(p) in msg and "line 257" in msg and "rank 300" in msg and "256" in msg


def test_negative_rank_is_refused(tmp_path):
    p = _write(tmp_path / "neg.tiktoken", _rank_lines()[:3] + [b"YQ== -1"])
    with pytest.raises(TokenizerError, match=r"neg\.tiktoken, line 4"):
        get_tokenizer(f"tiktoken:{p}?pattern=cl100k_base")


def test_corrupt_gzip_rank_file_names_the_file(tmp_path):
    good = gzip.compress(b"\n".join(_rank_lines()) + b"\n")
    p = tmp_path / "broken.tiktoken.gz"
    p.write_bytes(good[:40] + bytes(b ^ 0x55 for b in good[40:80]) + good[80:])
    with pytest.raises(TokenizerError) as info:
        get_tokenizer(f"tiktoken:{p}?pattern=cl100k_base")
    assert str(p) in str(info.value) and "gzip" in str(info.value)
    p.write_bytes(b"not gzip at all")
    with pytest.raises(TokenizerError, match="not a gzip file"):
        get_tokenizer(f"tiktoken:{p}?pattern=cl100k_base")


def test_bad_pattern_regex_names_the_pattern(tmp_path):
    p = _write(tmp_path / "ok.tiktoken", _rank_lines())
    with pytest.raises(TokenizerError) as info:
        get_tokenizer(f"tiktoken:{p}?pattern=(\\p{{L}}+")
    msg = str(info.value)
    assert "(\\p{L}+" in msg and "regex" in msg and str(p) in msg


def test_unknown_pattern_name_lists_the_known_ones(tmp_path):
    p = _write(tmp_path / "ok.tiktoken", _rank_lines())
    with pytest.raises(TokenizerError, match="cl100k_base"):
        get_tokenizer(f"tiktoken:{p}?pattern=cl100k")


# ---------------------------------------------------------------------------------------------
# Files that are not tokenizers (17.12)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("content,words", [
    ({"name": "not a tokenizer", "version": 3}, ["no \"model\"", "tokenizer.json"]),
    ([1, 2, 3], ["a JSON array", "tokenizer.json"]),
    ({"model": {"type": "Martian"}}, ["model type 'Martian'"]),
], ids=["object", "array", "unknown-model"])
def test_json_that_is_not_a_tokenizer(tmp_path, content, words):
    p = tmp_path / "config.json"
    p.write_text(json.dumps(content))
    for spec in (f"hf:{p}", str(p)):
        with pytest.raises(TokenizerError) as info:
            get_tokenizer(spec)
        msg = str(info.value)
        assert str(p) in msg
        assert "expected `,` or `}`" not in msg
        for w in words:
            assert w in msg, (w, msg)


def test_invalid_json_names_file_line_and_column(tmp_path):
    p = tmp_path / "tokenizer.json"
    p.write_text('{"model": {"type": "BPE",\n  "vocab": {"a": 0,}}}')
    with pytest.raises(TokenizerError, match=r"tokenizer\.json, line 2, column \d+: not valid JSON"):
        get_tokenizer(f"hf:{p}")


@pytest.mark.parametrize("data,words", [
    (b"", ["is empty (0 bytes)", "sentencepiece"]),
    (b"\x00\x01garbage", ["not a sentencepiece model"]),
    (b'{"model": {}}', ["JSON", "hf:"]),
], ids=["empty", "garbage", "json"])
def test_bad_sentencepiece_model(tmp_path, data, words):
    p = tmp_path / "tok.model"
    p.write_bytes(data)
    for spec in (f"spm:{p}", str(p)):
        with pytest.raises(TokenizerError) as info:
            get_tokenizer(spec)
        msg = str(info.value)
        assert str(p) in msg
        for w in words:
            assert w in msg, (w, msg)


def test_real_files_still_load():
    t = fx.deepseek()
    assert t.encode("Hello world") == [19923, 2058]


def test_pattern_specials_that_reuse_ranks_are_refused(tmp_path):
    import base64

    # 300 ranks with r50k_base's pattern: its <|endoftext|> is id 50256, no clash...
    lines = _rank_lines() + [base64.b64encode(bytes([97, b])) + b" " + str(256 + b).encode()
                             for b in range(44)]
    p = _write(tmp_path / "small.tiktoken", lines)
    assert get_tokenizer(f"tiktoken:{p}?pattern=r50k_base").vocab_size == 50257
    # ... but a file with 50,257+ ranks gives <|endoftext|>'s id to a real token.
    big = _rank_lines() + [base64.b64encode(b"x%05d" % i) + b" " + str(256 + i).encode()
                           for i in range(50100)]
    p = _write(tmp_path / "big.tiktoken", big)
    with pytest.raises(TokenizerError, match=r"big\.tiktoken: special token '<\|endoftext\|>' "
                                             r"has id 50256"):
        get_tokenizer(f"tiktoken:{p}?pattern=r50k_base")
