"""Counts of a streamed corpus, filled chunk by chunk into compact arrays.

Only per-segment integer arrays are kept (each in the smallest integer type that holds it), so
memory grows with the number of segments at a few bytes per segment, not with the text.

:func:`pipeline_chunks` counts a few chunks at once (the next one is read and segmented while
the current one is encoded), so that the runner's threads and segmentation helpers do not wait
at every chunk boundary; results are still added in corpus order.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

import numpy as np

from .counts import Counts, merge_id_freqs

_LANG_FIELDS = ("chars", "bytes", "words")
_TOK_FIELDS = ("tokens", "byte_fallback", "continued", "unk_chars")


class _Column:
    """A preallocated per-segment array that widens its integer type only when needed."""

    def __init__(self, n: int):
        self.a = np.zeros(n, dtype=np.int16)
        self.none = False

    def put(self, start: int, values: np.ndarray | None) -> None:
        if values is None:
            self.none = True
            return
        if len(values):
            lo, hi = int(values.min()), int(values.max())
            info = np.iinfo(self.a.dtype)
            if lo < info.min or hi > info.max:
                wide = np.int32 if max(-lo, hi) <= np.iinfo(np.int32).max else np.int64
                self.a = self.a.astype(wide)
        self.a[start:start + len(values)] = values

    def value(self) -> np.ndarray | None:
        return None if self.none else self.a


class CountsAccumulator:
    """Per-segment counts of a whole stream, filled chunk by chunk in compact arrays.

    Per-language arrays (chars, bytes, words) are held once and shared by every tokenizer;
    token frequencies are merged as (id, count) pairs.
    """

    def __init__(self, n: int, tokenizers: Sequence[Any], langs: Sequence[str]):
        self.n = n
        self.names = [t.name for t in tokenizers]
        self.langs = list(langs)
        self.lang_cols = {(lang, f): _Column(n) for lang in langs for f in _LANG_FIELDS}
        self.tok_cols = {(name, lang, f): _Column(n) for name in self.names for lang in langs
                         for f in _TOK_FIELDS}
        self.ids: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self.meta: dict[tuple[str, str], tuple[int, str | None, dict[str, str]]] = {}
        self.filled = 0

    def add(self, start: int, counts: Mapping[tuple[str, str], Any]) -> None:
        size = None
        for lang in self.langs:
            ref: Counts | None = None
            for name in self.names:
                c = counts[(name, lang)]
                size = c.n_segments
                if ref is None:
                    ref = c
                    for f in _LANG_FIELDS:
                        self.lang_cols[(lang, f)].put(start, getattr(c, f))
                else:
                    for f in _LANG_FIELDS:
                        a, b = getattr(c, f), getattr(ref, f)
                        if (a is None) != (b is None) or (a is not None and
                                                          not np.array_equal(a, b)):
                            raise RuntimeError(f"{f} of {lang} differ between tokenizers "
                                               f"{ref.tokenizer} and {name} (a bug)")
                for f in _TOK_FIELDS:
                    self.tok_cols[(name, lang, f)].put(start, getattr(c, f))
                prev = self.ids.get((name, lang))
                if prev is None:
                    self.ids[(name, lang)] = (c.token_ids, c.token_freqs)
                else:
                    self.ids[(name, lang)] = merge_id_freqs([prev[0], c.token_ids],
                                                            [prev[1], c.token_freqs])
                if (name, lang) not in self.meta:
                    self.meta[(name, lang)] = (c.vocab_size, c.segmenter, dict(c.na_reasons))
                else:
                    _, seg, na = self.meta[(name, lang)]
                    if seg != c.segmenter:
                        raise RuntimeError(f"segmenter of {lang} changed while streaming")
                    na.update({k: v for k, v in c.na_reasons.items() if k not in na})
        self.filled += size or 0

    def result(self) -> dict[tuple[str, str], Any]:
        if self.filled != self.n:
            raise RuntimeError(f"streamed {self.filled} segments, expected {self.n}")
        out: dict[tuple[str, str], Counts] = {}
        for name in self.names:
            for lang in self.langs:
                vs, seg, na = self.meta[(name, lang)]
                uids, fr = self.ids[(name, lang)]
                kw: dict[str, Any] = {f: self.lang_cols[(lang, f)].value()
                                      for f in _LANG_FIELDS}
                kw.update({f: self.tok_cols[(name, lang, f)].value() for f in _TOK_FIELDS})
                out[(name, lang)] = Counts(name, lang, token_ids=uids.astype(np.int64),
                                           token_freqs=fr.astype(np.int64), vocab_size=vs,
                                           segmenter=seg, na_reasons=na, **kw)
        return out


#: Chunks of a stream counted at once by :func:`pipeline_chunks`: the one being finished and the
#: next ones, read and segmented meanwhile. Two keep the two chunks in lockstep (both wait on
#: the same slowest segmenter, then both on encoding); a third lets the segmentation helpers
#: run ahead while the tokenizer loads or encodes. Memory holds at most this many chunks' text.
CHUNKS_IN_FLIGHT = 3


class _Chunk(Protocol):
    @property
    def start(self) -> int: ...


C = TypeVar("C", bound=_Chunk)
R = TypeVar("R")


def pipeline_chunks(chunks: Iterable[C], count: Callable[[C], R],
                    add: Callable[[int, R], None], *, abort: Callable[[], None] | None = None,
                    depth: int = CHUNKS_IN_FLIGHT) -> None:
    """``add(chunk.start, count(chunk))`` for every chunk, in order, with up to ``depth``
    ``count`` calls running at once (each in its own thread; they share the runner).

    A chunk starts only once fewer than ``depth`` are running or waiting to be added, so at most
    ``depth`` chunks are in memory. When a chunk fails, no other chunk starts, the ones running
    finish, and the error of the earliest failed chunk is raised: the error counting chunk by
    chunk would have raised. An interrupt (or an error in ``add``) calls ``abort`` (which stops
    the runner, so that the chunks still counting end at once) before the threads are joined.
    """
    depth = max(1, depth)
    lock = threading.Lock()
    errors: dict[int, BaseException] = {}  # chunk position -> its error
    failed = threading.Event()

    def run(i: int, chunk: C) -> R | None:
        if failed.is_set():
            return None  # an earlier chunk failed: this one is not started
        try:
            return count(chunk)
        except BaseException as e:
            with lock:
                errors[i] = e
            failed.set()
            raise

    pool = ThreadPoolExecutor(max_workers=depth, thread_name_prefix="tokeff-chunk")
    inflight: deque[tuple[C, Future]] = deque()
    try:
        for i, chunk in enumerate(chunks):
            while inflight and (len(inflight) >= depth or inflight[0][1].done()):
                done, f = inflight.popleft()
                if f.exception() is not None or failed.is_set():
                    break
                add(done.start, f.result())
            if failed.is_set():
                break
            inflight.append((chunk, pool.submit(run, i, chunk)))
        while inflight and not failed.is_set():
            done, f = inflight.popleft()
            if f.exception() is None and not failed.is_set():
                add(done.start, f.result())
    except BaseException:
        failed.set()
        if abort is not None:
            abort()  # interrupted, or add() failed: stop the chunks still counting
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # the chunks running finish first
    if errors:
        raise errors[min(errors)]
