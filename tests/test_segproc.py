"""Word segmentation in helper processes (tokeff.counting.segproc): same counts, clear errors,
no process left behind, and used only when it pays."""

from __future__ import annotations

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
    helper = seg._all[0]
    helper.proc.kill()
    helper.proc.wait()
    with pytest.raises(SegmenterError, match=r"helper process stopped .*--workers 1"):
        seg.prepare("zho_Hans", ["你好"], "jieba")
    seg.close()
    assert helper.proc.poll() is not None


def test_close_stops_the_helper_processes():
    seg = SegmentProcesses(2)
    seg.prepare("zho_Hans", ["你好"], "jieba")
    procs = [h.proc for h in seg._all]
    seg.close()
    assert procs and all(p.poll() == 0 for p in procs)
    with pytest.raises(SegmenterError, match="stopped"):
        seg.prepare("zho_Hans", ["你好"], "jieba")
