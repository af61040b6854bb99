"""A streamed corpus counted a few chunks at once (tokeff.counting.stream.pipeline_chunks):
the same counts as in memory, at most CHUNKS_IN_FLIGHT chunks in memory, the first error raised
with nothing left running, progress reported once per tokenizer x language."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import tokeff
from tokeff import Corpus, get_tokenizer
from tokeff.corpora import open_stream
from tokeff.corpora.stream import Partition, from_corpus
from tokeff.counting import segproc
from tokeff.counting.blocks import count_corpus
from tokeff.counting.plan import CountPlan
from tokeff.counting.runners import ThreadRunner
from tokeff.counting.stream import CHUNKS_IN_FLIGHT, CountsAccumulator, pipeline_chunks
from tokeff.errors import SegmenterError
from tokeff.segmenters import register_segmenter, resolve_segmenters
from tokeff.segmenters.unicode_words import UnicodeWordSegmenter

EN = ["All human beings are born free and equal in dignity and rights.",
      "Everyone has the right to life, liberty and security of person.",
      "No one shall be held in slavery or servitude.",
      "No one shall be subjected to torture.",
      "Everyone has the right to recognition everywhere as a person before the law.",
      "All are equal before the law.",
      "Everyone has the right to an effective remedy."]
ZH = ["人人生而自由，在尊严和权利上一律平等。", "人人有权享有生命、自由和人身安全。",
      "任何人不得使为奴隶或奴役。", "任何人不得加以酷刑。", "人人在任何地方有权被承认在法律前的人格。",
      "法律之前人人平等。", "任何人当宪法或法律所赋予他的基本权利遭受侵害时，有权获得补救。"]
TEXTS = {"eng_Latn": EN, "zho_Hans": ZH}
FIELDS = ("tokens", "chars", "bytes", "words", "continued", "unk_chars", "byte_fallback",
          "token_ids", "token_freqs")


def _equal(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key, x in a.items():
        y = b[key]
        assert (x.segmenter, x.vocab_size, x.na_reasons) == \
            (y.segmenter, y.vocab_size, y.na_reasons), key
        for f in FIELDS:
            u, v = getattr(x, f), getattr(y, f)
            assert (u is None) == (v is None), (key, f)
            if u is not None:
                assert np.array_equal(u, v), (key, f)


def _tokeff_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("tokeff-")]


@pytest.mark.parametrize("processes", [0, 1])
@pytest.mark.parametrize("chunk_size", [1, 3, 7])
def test_pipelined_stream_counts_equal_in_memory(chunk_size, processes, segment_helpers):
    corpus = Corpus.from_dict("t", TEXTS)
    toks = [get_tokenizer("cl100k_base"), get_tokenizer("o200k_base")]
    segs = resolve_segmenters(corpus.langs, None)
    plain = count_corpus(corpus, toks, segs, runner=ThreadRunner(2, segment_processes=0),
                         store=None)
    runner = ThreadRunner(2, segment_processes=processes)
    try:
        streamed = CountPlan(executor=runner, cache=False).run(
            from_corpus(corpus, chunk_size), toks, segs)
    finally:
        runner.close()
    _equal(plain, streamed)
    assert bool(segment_helpers) == bool(processes)  # the helper path was the one taken
    assert all(h.proc.poll() is not None for h in segment_helpers)


def test_at_most_chunks_in_flight_chunks_are_in_memory(monkeypatch):
    corpus = Corpus.from_dict("t", TEXTS)
    toks = [get_tokenizer("cl100k_base")]
    segs = resolve_segmenters(corpus.langs, None)
    lock = threading.Lock()
    live: list[int] = []
    peak = [0]
    load, add = Partition.load, CountsAccumulator.add

    def counted_load(self):
        with lock:
            live.append(self.start)
            peak[0] = max(peak[0], len(live))
        time.sleep(0.05)  # a slow read: the next chunk would start now if it could
        return load(self)

    def counted_add(self, start, counts):
        add(self, start, counts)
        with lock:
            live.remove(start)  # its text and counts are dropped once added

    monkeypatch.setattr(Partition, "load", counted_load)
    monkeypatch.setattr(CountsAccumulator, "add", counted_add)
    runner = ThreadRunner(2, segment_processes=0)
    try:
        streamed = CountPlan(executor=runner, cache=False).run(from_corpus(corpus, 1), toks,
                                                               segs)
    finally:
        runner.close()
    assert peak[0] == CHUNKS_IN_FLIGHT >= 2  # pipelined, and never more
    assert not live
    _equal(count_corpus(corpus, toks, segs, runner=ThreadRunner(1), store=None), streamed)


def test_pipeline_adds_in_order_and_raises_the_earliest_chunks_error():
    class Chunk:
        def __init__(self, start: int):
            self.start = start

    later_failed, two_started = threading.Event(), threading.Event()
    started: list[int] = []

    def count(c: Chunk) -> int:
        started.append(c.start)
        if c.start == 2:
            two_started.set()
        if c.start == 1:  # fails first (once three chunks run) ...
            assert two_started.wait(5)
            later_failed.set()
            raise ValueError("chunk 1 is bad")
        if c.start == 0:  # ... but chunk 0, still running, fails too: its error is the one
            assert later_failed.wait(5)
            raise ValueError("chunk 0 is bad")
        return c.start

    added: list[int] = []
    with pytest.raises(ValueError, match="chunk 0 is bad"):
        pipeline_chunks([Chunk(i) for i in range(9)], count, lambda s, r: added.append(s),
                        depth=3)
    assert sorted(started) == [0, 1, 2] and added == []  # nothing after the failure started

    done: list[tuple[int, int]] = []
    pipeline_chunks([Chunk(i) for i in range(9)], lambda c: (time.sleep(0.01 * (c.start % 3)),
                                                             c.start * 10)[1],
                    lambda s, r: done.append((s, r)), depth=3)
    assert done == [(i, i * 10) for i in range(9)]

    aborted = threading.Event()

    def bad_add(s: int, r: int) -> None:
        raise RuntimeError("cannot add")

    with pytest.raises(RuntimeError, match="cannot add"):
        pipeline_chunks([Chunk(i) for i in range(9)],
                        lambda c: aborted.wait(5) if c.start else 0, bad_add,
                        abort=aborted.set, depth=3)
    assert aborted.is_set()  # the chunks still counting were stopped


def test_a_segmenter_error_in_a_chunk_is_raised_and_nothing_is_left_running():
    class Failing(UnicodeWordSegmenter):
        name = "test-fails-on-slavery"

        def segment_batch(self, texts):
            bad = [t for t in texts if "slavery" in t]
            if bad:
                raise SegmenterError(f"cannot segment {bad[0]!r}")
            return super().segment_batch(texts)

    register_segmenter("test-fails-on-slavery", Failing, replace=True)
    corpus = Corpus.from_dict("t", {"eng_Latn": EN})
    toks = [get_tokenizer("cl100k_base")]
    segs = {"eng_Latn": "test-fails-on-slavery"}
    with pytest.raises(SegmenterError) as plain:
        count_corpus(corpus, toks, segs, runner=ThreadRunner(1), store=None)
    before = set(_tokeff_threads())
    with pytest.raises(SegmenterError) as streamed:
        CountPlan(workers=2, cache=False).run(from_corpus(corpus, 1), toks, segs)
    assert str(streamed.value) == str(plain.value)
    assert set(_tokeff_threads()) <= before


def test_a_helper_that_dies_mid_stream_is_a_clear_error_and_no_process_is_left(
        monkeypatch, segment_helpers):
    corpus = Corpus.from_dict("t", TEXTS)
    toks = [get_tokenizer("cl100k_base")]
    segs = resolve_segmenters(corpus.langs, None)
    prepare = segproc.SegmentProcesses.prepare
    calls = [0]

    def dying_prepare(self, lang, texts, segmenter, **kw):
        calls[0] += 1
        if calls[0] == 4:  # the helper crashes while the stream is under way
            for h in self._all:
                if h is not None:
                    h.proc.kill()
                    h.proc.wait()
        return prepare(self, lang, texts, segmenter, **kw)

    monkeypatch.setattr(segproc.SegmentProcesses, "prepare", dying_prepare)
    before = set(_tokeff_threads())
    with pytest.raises(SegmenterError, match=r"helper process stopped while segmenting "
                                             r"zho_Hans .*--workers 1"):
        CountPlan(executor=ThreadRunner(2, segment_processes=1), cache=False).run(
            from_corpus(corpus, 1), toks, segs)
    assert segment_helpers and all(h.proc.poll() is not None for h in segment_helpers)
    assert set(_tokeff_threads()) <= before


def test_a_chunk_that_cannot_be_read_is_the_same_error_as_unpipelined(tmp_path, segment_helpers):
    (tmp_path / "eng_Latn.txt").write_text("\n".join(EN) + "\n", encoding="utf-8")
    (tmp_path / "zho_Hans.txt").write_text("\n".join(ZH) + "\n", encoding="utf-8")
    toks = [get_tokenizer("cl100k_base")]
    segs = resolve_segmenters(["eng_Latn", "zho_Hans"], None)
    errors = []
    before = set(_tokeff_threads())
    for workers in (1, 2):  # one worker: chunk after chunk, as before pipelining
        stream = open_stream(str(tmp_path), chunk_size=2)
        # Changed after the first pass, same size: the third chunk no longer reads back.
        (tmp_path / "zho_Hans.txt").write_text("\n".join(ZH[:5] + ["法律之前人人平同。"] + ZH[6:])
                                               + "\n", encoding="utf-8")
        with pytest.raises(tokeff.CorpusError, match="changed while it was measured") as e:
            CountPlan(executor=ThreadRunner(workers, segment_processes=1), cache=False).run(
                stream, toks, segs)
        errors.append(str(e.value))
        (tmp_path / "zho_Hans.txt").write_text("\n".join(ZH) + "\n", encoding="utf-8")
    assert errors[0] == errors[1]
    assert all(h.proc.poll() is not None for h in segment_helpers)
    assert set(_tokeff_threads()) <= before


def test_progress_reports_each_tokenizer_and_language_once():
    corpus = Corpus.from_dict("t", TEXTS)
    toks = [get_tokenizer("cl100k_base"), get_tokenizer("o200k_base")]
    seen: list[str] = []
    CountPlan(workers=2, cache=False, progress=seen.append).run(
        from_corpus(corpus, 3), toks, resolve_segmenters(corpus.langs, None))
    assert sorted(seen) == sorted(f"{t.name} {lang}" for t in toks for lang in TEXTS)
