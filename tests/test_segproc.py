"""Word segmentation in helper processes (tokeff.counting.segproc): same counts, clear errors,
no process left behind, and used only when it pays."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from tokeff import Corpus, get_tokenizer
from tokeff.counting.blocks import count_corpus
from tokeff.counting.runners import ThreadRunner
from tokeff.counting.segproc import SegmentProcesses, offloadable
from tokeff.errors import SegmenterError, UsageError
from tokeff.segmenters import register_segmenter, resolve_segmenters
from tokeff.segmenters.unicode_words import UnicodeWordSegmenter

TEXTS = {
    "eng_Latn": ["All human beings are born free and equal in dignity and rights.",
                 "Everyone has the right to life, liberty and security of person."],
    "zho_Hans": ["人人生而自由，在尊严和权利上一律平等。", "人人有权享有生命、自由和人身安全。"],
    "jpn_Jpan": ["すべての人間は、生まれながらにして自由であり、かつ、尊厳と権利とについて平等である。",
                 "すべて人は、生命、自由及び身体の安全に対する権利を有する。"],
}
FIELDS = ("tokens", "chars", "bytes", "words", "continued", "unk_chars", "byte_fallback")


def _count(corpus: Corpus, runner: ThreadRunner) -> dict:
    toks = [get_tokenizer("cl100k_base")]
    try:
        return count_corpus(corpus, toks, resolve_segmenters(corpus.langs, None),
                            runner=runner, store=None)
    finally:
        runner.close()


def test_counts_are_the_same_segmented_here_or_in_a_helper_process():
    corpus = Corpus.from_dict("t", TEXTS)
    here = _count(corpus, ThreadRunner(2, segment_processes=0))
    runner = ThreadRunner(2, segment_processes=1)
    helped = _count(corpus, runner)
    assert runner._seg is None  # closed
    assert here.keys() == helped.keys()
    for key, a in here.items():
        b = helped[key]
        assert a.segmenter == b.segmenter, key
        for f in FIELDS:
            x, y = getattr(a, f), getattr(b, f)
            assert (x is None) == (y is None), (key, f)
            if x is not None:
                assert np.array_equal(x, y), (key, f)


def test_helper_runs_only_built_in_segmenters_that_do_work():
    assert offloadable("jieba")
    assert not offloadable("unicode-words")
    assert not offloadable(None)

    class Mine(UnicodeWordSegmenter):
        name = "my-words"

    register_segmenter("my-words", Mine, replace=True)
    assert not offloadable("my-words")  # a helper process would not know it


def test_auto_mode_keeps_segmentation_here_when_every_tokenizer_is_loaded():
    class Loaded:
        loaded = True

    class NotLoaded:
        loaded = False

    corpus = Corpus.from_dict("t", {"zho_Hans": TEXTS["zho_Hans"]})
    from tokeff.counting.kernel import Job
    jobs = [Job("zho_Hans", 0, 2, corpus.segments["zho_Hans"], "jieba", [0], True)]
    r = ThreadRunner(2)
    assert r._offloaded(jobs, [Loaded()]) == set()
    assert r._seg is None
    r1 = ThreadRunner(1)
    assert r1._offloaded(jobs, [NotLoaded()]) == set()  # no core to spare
    forced = ThreadRunner(2, segment_processes=1)
    try:
        assert forced._offloaded(jobs, [Loaded()]) == {"jieba"}
    finally:
        forced.close()


def test_an_error_in_the_helper_reaches_the_caller():
    seg = SegmentProcesses(1)
    try:
        with pytest.raises(UsageError, match="unknown segmenter 'no-such-segmenter'"):
            seg.prepare("zho_Hans", ["你好"], "no-such-segmenter")
        lt = seg.prepare("zho_Hans", ["你好世界"], "jieba")  # the helper is still usable
        assert int(lt.words.sum()) >= 1 and lt.texts == ["你好世界"]
    finally:
        seg.close()


def test_a_helper_that_dies_is_a_clear_error_and_no_process_is_left():
    seg = SegmentProcesses(1)
    seg.prepare("eng_Latn", ["warm up"], "jieba")
    helper = next(h for h in seg._all if h is not None)
    helper.proc.kill()
    helper.proc.wait()
    with pytest.raises(SegmenterError, match=r"helper process stopped .*--workers 1"):
        seg.prepare("zho_Hans", ["你好"], "jieba")
    seg.close()
    assert helper.proc.poll() is not None


def test_each_segmenter_has_one_helper_and_close_stops_them():
    seg = SegmentProcesses(2)
    seg.prepare("zho_Hans", ["你好"], "jieba")
    seg.prepare("zho_Hant", ["你好"], "jieba")
    started = [h for h in seg._all if h is not None]
    assert len(started) == 1  # the same segmenter: the same helper, its dictionary loaded once
    seg.prepare("eng_Latn", ["hello"], "jieba-nohmm")
    seg.prepare("eng_Latn", ["hello"], "jieba-raw")
    assert all(seg._all) and sorted(map(len, seg._names)) == [1, 2]
    procs = [h.proc for h in seg._all]
    seg.close()
    assert procs and all(p.poll() == 0 for p in procs)
    with pytest.raises(SegmenterError, match="stopped"):
        seg.prepare("zho_Hans", ["你好"], "jieba")


# -- one tokenizer after another, unloaded once done ---------------------------------------------

def _counts_equal(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key, x in a.items():
        y = b[key]
        for f in FIELDS + ("token_ids", "token_freqs"):
            u, v = getattr(x, f), getattr(y, f)
            assert (u is None) == (v is None), (key, f)
            if u is not None:
                assert np.array_equal(u, v), (key, f)


def test_tokenizer_order_gives_the_same_counts_and_unloads_what_this_run_loaded(
        tmp_path, monkeypatch):
    from tokeff.tokenizers import _lazy

    monkeypatch.setenv("TOKEFF_CACHE_DIR", str(tmp_path))
    names = ["cl100k_base", "o200k_base", "r50k_base"]
    for n in names:
        get_tokenizer(n)  # described: later get_tokenizer(lazy=True) loads on first use
    corpus = Corpus.from_dict("t", TEXTS)
    segs = resolve_segmenters(corpus.langs, None)
    by_job = count_corpus(corpus, [get_tokenizer(n) for n in names], segs,
                          runner=ThreadRunner(2, segment_processes=0), store=None)
    lazy = [get_tokenizer(n, lazy=True) for n in names]
    assert all(isinstance(t, _lazy.LazyTokenizer) and not t.loaded for t in lazy)
    runner = ThreadRunner(2, segment_processes=0)
    runner.order, runner.release = "tokenizer", [True, False, True]
    try:
        by_tok = count_corpus(corpus, lazy, segs, runner=runner, store=None)
    finally:
        runner.close()
    _counts_equal(by_job, by_tok)
    assert [t.loaded for t in lazy] == [False, True, False]  # released as asked, once done


def test_measure_unloads_only_the_tokenizers_it_made(tmp_path, monkeypatch):
    import tokeff
    from tokeff.tokenizers import _lazy

    monkeypatch.setenv("TOKEFF_CACHE_DIR", str(tmp_path))
    get_tokenizer("cl100k_base")
    get_tokenizer("r50k_base")
    mine = get_tokenizer("r50k_base", lazy=True)
    assert isinstance(mine, _lazy.LazyTokenizer)
    loaded: dict[str, set[int]] = {}  # name -> the loaded objects seen (one per load)
    real = _lazy.LazyTokenizer.real

    def recording_real(self):
        tok = real(self)
        loaded.setdefault(self.name, set()).add(id(tok))
        return tok

    monkeypatch.setattr(_lazy.LazyTokenizer, "real", recording_real)
    kw = {"langs": ["en", "zh", "ja"], "bootstrap": 0, "cache": False}
    res = tokeff.measure("udhr", ["cl100k_base", mine], **kw)
    assert mine.loaded  # the caller's tokenizer stays loaded
    # each loaded once (none again after counting), and the one measure() made is unloaded
    assert {k: len(v) for k, v in loaded.items()} == {"cl100k_base": 1, "r50k_base": 1}
    plain = tokeff.measure("udhr", [get_tokenizer("cl100k_base"), get_tokenizer("r50k_base")],
                           **kw)
    assert res.rows == plain.rows


def test_a_single_run_stops_its_helpers_once_the_last_block_is_prepared(segment_helpers):
    made = segment_helpers
    corpus = Corpus.from_dict("t", TEXTS)
    runner = ThreadRunner(2, segment_processes=2)
    runner.one_run = True
    try:
        count_corpus(corpus, [get_tokenizer("cl100k_base")],
                     resolve_segmenters(corpus.langs, None), runner=runner, store=None)
        assert made
        # Each helper stopped once its blocks were prepared, before the run ended, normally.
        assert all(h.proc.poll() == 0 for h in made)
    finally:
        runner.close()
    assert all(h.proc.poll() == 0 for h in made)


def test_expected_work_is_spread_evenly_over_the_helpers():
    seg = SegmentProcesses(2)
    seg.expect({"jieba": 3, "newmm": 1, "sudachi": 1, "icu": 1},
               {"jieba": 300_000, "newmm": 240_000, "sudachi": 120_000, "icu": 200_000})
    assert seg._names[seg._by_name["jieba"]] == {"jieba"}  # the largest alone
    assert seg._names[seg._by_name["newmm"]] == {"newmm", "sudachi", "icu"}
    assert seg._all == [None, None]  # nothing started before it is used
    seg.close()


def test_a_helper_holds_one_segmenter_at_a_time_in_a_single_run():
    """With several segmenters on one helper, each is segmented by a process of its own,
    started when the previous one's blocks are done: never two dictionaries in one process."""
    seg = SegmentProcesses(1)
    seg.expect({"jieba": 2, "icu": 1}, {"jieba": 10, "icu": 6})  # as the runner does
    try:
        a = seg.prepare("zho_Hans", ["你好"], "jieba")
        first = seg._all[0]
        seg.prepare("zho_Hant", ["你好"], "jieba")  # jieba's last block: its process exits
        assert first.proc.poll() == 0
        second = seg._all[0]
        assert second is not None and second is not first  # already starting for icu
        b = seg.prepare("mya_Mymr", ["မြန်မာ"], "icu")
        assert second.served == {"icu"} and first.served == {"jieba"}
        assert second.proc.poll() == 0 and seg._all[0] is None  # all done: nothing running
        assert a.words is not None and b.words is not None
        # An unexpected extra block still gets a process (the estimate is not a limit).
        assert seg.prepare("mya_Mymr", ["မြန်မာ"], "icu").words is not None
    finally:
        seg.close()
    assert all(h is None or h.proc.poll() == 0 for h in seg._all)


def test_blocks_counted_with_recycled_helpers_equal_those_counted_here():
    corpus = Corpus.from_dict("t", TEXTS)
    here = _count(corpus, ThreadRunner(2, segment_processes=0))
    runner = ThreadRunner(2, segment_processes=1)
    runner.one_run = True  # jieba and sudachi share the one helper slot, one after the other
    _counts_equal(here, _count(corpus, runner))


def test_one_helper_slot_is_left_to_loading_unless_segmentation_would_take_longer():
    """Two workers: one helper while this process has more to do (loading, encoding) than the
    segmentation on one core; two when the segmentation is the longer of the two."""
    from tokeff.counting.kernel import Job

    class NotLoaded:
        loaded = False

    def slots(chars: dict, texts: list, n_toks: int) -> int:
        jobs = [Job("zho_Hans", 0, len(texts), texts, "jieba", list(range(n_toks)), True)]
        return ThreadRunner(2)._helper_slots(chars, jobs, [NotLoaded()] * n_toks, 1)

    little = ["人人生而自由，在尊严和权利上一律平等。" * 16] * 620  # 190k characters, as UDHR's
    assert slots({"jieba": 8_000, "newmm": 9_000, "sudachi": 4_000}, little, 8) == 1
    much = ["人人生而自由，在尊严和权利上一律平等。" * 5] * 4_000  # 380k characters
    assert slots({"jieba": 250_000, "newmm": 250_000, "sudachi": 110_000}, much, 1) == 2
    # ... unless eight tokenizers have four times that text to encode meanwhile.
    assert slots({"jieba": 250_000, "newmm": 250_000, "sudachi": 110_000}, much * 4, 8) == 1
    assert ThreadRunner(4)._helper_slots({"jieba": 10, "icu": 10}, [], [NotLoaded()] * 8, 1) == 3
    assert SegmentProcesses.makespan({"jieba": 0, "newmm": 0}, 2) == 1.5  # the larger load


def test_a_helper_serves_waiting_requests_earliest_chunk_first_then_in_arrival_order():
    """Requests queued for one helper are served lowest priority (a stream's chunk start)
    first, equal priorities in arrival order; one at a time."""
    from tokeff.counting.segproc import _Turns

    turns = _Turns()
    served: list[str] = []
    inside = [0]
    gate = threading.Event()

    def request(name: str, priority: int) -> None:
        with turns.turn(priority):
            inside[0] += 1
            assert inside[0] == 1  # one request at a time
            if name == "first":
                gate.wait(10)
            served.append(name)
            inside[0] -= 1

    first = threading.Thread(target=request, args=("first", 0))
    first.start()
    while not turns._busy:
        time.sleep(0.001)
    waiting = [("c500-a", 500), ("c0-a", 0), ("c1000", 1000), ("c500-b", 500), ("c0-b", 0)]
    threads = []
    for name, prio in waiting:  # queued one after another while "first" is served
        t = threading.Thread(target=request, args=(name, prio))
        t.start()
        threads.append(t)
        while len(turns._waiting) < len(threads):
            time.sleep(0.001)
    gate.set()
    for t in [first, *threads]:
        t.join(10)
    assert served == ["first", "c0-a", "c0-b", "c500-a", "c500-b", "c1000"]
