"""Local executors for counting: a thread pool (default), worker processes, or in-line.

A *runner* takes counting jobs (one block of one language, some tokenizers) and yields
``(job, tokenizer_index, Counts)`` as they finish, in any order; :func:`tokeff.counting.count_all`
puts the pieces back in corpus order, so results never depend on the runner or on timing.

Threads are the default: tiktoken, Hugging Face ``tokenizers`` and sentencepiece release the GIL
while they encode, so a pool of threads keeps both cores busy without copying text or
tokenizers. Within a thread pool, a block's text is prepared (segmented) once while the
tokenizers already encode it, and the Python-heavy segmentation of one block overlaps with
encoding of others. ``"processes"`` runs whole jobs in worker processes (tokenizers are pickled
to each worker once); it helps only with tokenizers or segmenters that hold the GIL.
"""

from __future__ import annotations

import itertools
import os
import pickle
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from typing import Any, Protocol

from ..errors import UsageError
from ..tokenizers.base import Tokenizer
from . import kernel
from .counts import Counts
from .kernel import Job, run_job
from .segproc import SegmentProcesses, loaded_here, offloadable
from .stream import CHUNKS_IN_FLIGHT

__all__ = [
    "EXECUTORS",
    "ExecutorRunner",
    "ProcessRunner",
    "Runner",
    "SerialRunner",
    "ThreadRunner",
    "default_workers",
]

EXECUTORS = ("threads", "processes", "serial")


def default_workers() -> int:
    """Worker count when none is given: the CPUs this process may use (at most 8)."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        n = os.cpu_count() or 1
    return max(1, min(8, n))


class Runner(Protocol):
    def run(self, jobs: Sequence[Job], tokenizers: Sequence[Tokenizer],
            spans: bool) -> Iterator[tuple[Job, int, Counts]]: ...


class SerialRunner:
    """Everything in the calling thread (for debugging and as a reference)."""

    def run(self, jobs, tokenizers, spans):
        for job in jobs:
            for ti, c in zip(job.tok_indices, run_job(job, tokenizers, spans)):
                yield job, ti, c


def _releases_gil_in_one_call(tok: Tokenizer) -> bool:
    # A batch encoded by one long native call (no Python work per segment) overlaps best with
    # Python-heavy segmentation running in another thread. Only an ordering hint.
    return getattr(tok, "backend", "") in ("tokenizers", "sentencepiece")


#: Rough costs of this process's own work, to decide how many segmentation helpers run
#: (ThreadRunner._helper_slots): seconds to load a catalogue tokenizer (benchmarks/LOAD.md:
#: 0.03-0.9 s) and to encode a character with offsets (FLORES-200, benchmarks/README.md).
_LOAD_SECONDS = 0.3
_ENCODE_SECONDS_PER_CHAR = 0.5e-6


class ThreadRunner:
    """A pool of threads: prepare tasks (segmentation) and encode tasks run concurrently; the
    numpy alignment of a block runs once both are done."""

    def __init__(self, workers: int | None = None, pool: Executor | None = None, *,
                 segment_processes: int | None = None):
        self.workers = workers or default_workers()
        self.pool = pool
        self._own: ThreadPoolExecutor | None = None
        #: Helper processes for dictionary segmenters (:mod:`tokeff.counting.segproc`): None
        #: decides per run, 0 never, n > 0 up to n whenever a segmenter can go there.
        self.segment_processes = segment_processes
        #: ``"job"``: each block with every tokenizer (memory bounded by a window of blocks,
        #: every tokenizer in memory throughout); ``"tokenizer"``: one tokenizer after another
        #: over every block (blocks prepared once and kept; see :meth:`_run_by_tokenizer`).
        self.order = "job"
        #: With ``order="tokenizer"``, per tokenizer: whether it may be unloaded once it has
        #: counted everything (if this run loaded it; see ``CountPlan.release_tokenizers``).
        self.release: Sequence[bool] = ()
        #: Set when the runner serves a single call (an in-memory corpus): each segmentation
        #: helper then stops as soon as its last block is prepared (SegmentProcesses.expect),
        #: which frees its memory while the tokenizers still load (a streamed corpus keeps
        #: them for its chunks).
        self.one_run = False
        self._seg: SegmentProcesses | None = None
        self._seg_threads: ThreadPoolExecutor | None = None
        # A streamed corpus counts a few chunks at once through one runner
        # (counting.stream.pipeline_chunks): calls may overlap, so the threads and helpers are
        # started under a lock, and with `shared` a failing call leaves the runner open for the
        # others; the stream stops it (close(kill=True)) once it has recorded the first error.
        self.shared = False
        #: Calls expected with jobs like the first (a streamed corpus's chunks).
        self.chunks = 1
        self._start_lock = threading.Lock()

    def run(self, jobs, tokenizers, spans):
        if self.workers <= 1 and self.pool is None:
            yield from SerialRunner().run(jobs, tokenizers, spans)
            return
        with self._start_lock:
            if self.pool is None and self._own is None:
                # Kept for later calls (a streamed corpus runs once per chunk) until close().
                self._own = ThreadPoolExecutor(max_workers=self.workers,
                                               thread_name_prefix="tokeff-count")
        pool = self.pool or self._own
        assert pool is not None
        try:
            if self.order == "tokenizer":
                yield from self._run_by_tokenizer(pool, jobs, tokenizers, spans)
            else:
                yield from self._run(pool, jobs, tokenizers, spans)
        except BaseException:
            if not self.shared:  # a streamed chunk: the stream stops the runner
                self.close(kill=True)
            raise

    def close(self, kill: bool = False) -> None:
        """Stop the threads this runner started (not a pool it was given) and its segmentation
        helpers (``kill``: at once, without waiting for their current requests)."""
        self._close_segmenters(kill=kill)
        own, self._own = self._own, None
        if own is not None:
            own.shutdown(wait=True, cancel_futures=True)

    def _close_segmenters(self, kill: bool) -> None:
        seg, self._seg = self._seg, None
        threads, self._seg_threads = self._seg_threads, None
        if seg is not None:
            seg.close(kill=kill)
        if threads is not None:
            threads.shutdown(wait=True, cancel_futures=True)

    @staticmethod
    def _order(jobs: Sequence[Job]) -> list[int]:
        # Dictionary/model segmenters first (the Python-heavy part), biggest blocks first.
        return sorted(range(len(jobs)), key=lambda j: (
            jobs[j].segmenter in (None, "unicode-words"), -sum(map(len, jobs[j].texts))))

    def _submit_prepare(self, pool: Executor, job: Job, off: set[str]) -> Future:
        """Prepare (segment) a block: in a helper process when its segmenter is offloaded."""
        if job.segmenter in off:
            assert self._seg is not None and self._seg_threads is not None
            return self._seg_threads.submit(self._seg.prepare, job.lang, job.texts,
                                            job.segmenter, priority=job.chunk)
        return pool.submit(kernel.prepare_text, job.lang, job.texts, job.segmenter)

    def _offloaded(self, jobs: Sequence[Job], tokenizers: Sequence[Tokenizer]) -> set[str]:
        """The segmenters whose jobs go to helper processes in this run (decided on the first
        run of this runner and kept for the later chunks of a streamed corpus)."""
        with self._start_lock:  # a stream's chunks may start at once
            return self._offloaded_locked(jobs, tokenizers)

    def _offloaded_locked(self, jobs: Sequence[Job],
                          tokenizers: Sequence[Tokenizer]) -> set[str]:
        if self.segment_processes == 0 or (self.pool is not None and self._seg is None):
            return set()
        names = {j.segmenter for j in jobs if offloadable(j.segmenter)}
        if self.segment_processes is None and self._seg is None:
            names = {n for n in names if not loaded_here(n)}  # type: ignore[arg-type]
        if not names:
            return set()
        if self._seg is None:
            # Decided per run, it is worth it only with a core to spare and loading to
            # overlap: when every tokenizer is already in memory (a later call in a notebook),
            # the segmenter is loaded here instead, once for the session.
            if self.segment_processes is None and (
                    self.workers < 2 or all(getattr(t, "loaded", True) for t in tokenizers)):
                return set()
            blocks: dict[str, int] = {}
            chars: dict[str, int] = {}
            for j in jobs:
                if j.segmenter in names:
                    assert j.segmenter is not None
                    blocks[j.segmenter] = blocks.get(j.segmenter, 0) + 1
                    chars[j.segmenter] = chars.get(j.segmenter, 0) + sum(map(len, j.texts))
            # A stream's first chunk stands for each of its chunks.
            scale = 1 if self.one_run else self.chunks
            total = {k: v * scale for k, v in chars.items()}
            n = self.segment_processes or self._helper_slots(total, jobs, tokenizers, scale)
            self._seg = SegmentProcesses(min(n, len(names)))
            # A thread per block waiting on a helper: blocks queued for a busy helper must not
            # hold back those of an idle one (the threads only wait on pipes).
            waiting = sum(j.segmenter in names for j in jobs)
            if self.shared:  # the blocks of a stream's chunks in flight
                waiting *= CHUNKS_IN_FLIGHT
            self._seg_threads = ThreadPoolExecutor(max_workers=min(256, max(4, waiting)),
                                                   thread_name_prefix="tokeff-segment")
            if self.one_run:
                self._seg.expect(blocks, total)
            else:  # a stream: its blocks are not known in advance
                self._seg.spread(total)
        return names

    def _helper_slots(self, chars: dict[str, int], jobs: Sequence[Job],
                      tokenizers: Sequence[Tokenizer], scale: int) -> int:
        """How many segmentation helpers run at once: one core is left to this process
        (loading and encoding) unless the segmentation, on the cores left, is estimated to
        take longer than this process's own work, then every worker's core gets one.

        On two cores the default compare (little text, eight tokenizers to load) ran in
        4.6-4.8 s with one helper against 5.1-6.2 s with two competing with this process; the
        FLORES-200 job with one tokenizer (much text to segment) ran in 5.8-8.3 s with one
        helper against 4.4-6.0 s with two."""
        spare = max(1, self.workers - 1)
        if spare >= self.workers or len(chars) <= 1:
            return spare
        seg = SegmentProcesses.makespan(chars, spare)
        text = sum(sum(map(len, j.texts)) * len(j.tok_indices) for j in jobs) * scale
        own = _LOAD_SECONDS * sum(not getattr(t, "loaded", True) for t in tokenizers) + \
            _ENCODE_SECONDS_PER_CHAR * text
        return self.workers if seg > own else spare

    def _run(self, pool: Executor, jobs: Sequence[Job], tokenizers: Sequence[Tokenizer],
             spans: bool) -> Iterator[tuple[Job, int, Counts]]:
        # Blocks in _order. A job's encode tasks are submitted next to its prepare task,
        # backends that encode a whole batch in one GIL-free call first, so that GIL-bound
        # segmentation and native encoding overlap. At most `window` jobs are in flight, which
        # bounds memory.
        order = self._order(jobs)
        window = max(2, 2 * self.workers + 2)
        # Jobs segmented in helper processes are all started at once; the jobs segmented here
        # have the window and keep this process busy while the helpers work.
        off = self._offloaded(jobs, tokenizers)
        queues = [iter([j for j in order if jobs[j].segmenter in off]),
                  iter([j for j in order if jobs[j].segmenter not in off])]
        kind: dict[Future, tuple[str, int, int]] = {}
        state: dict[int, dict[str, Any]] = {}
        pending: set[Future] = set()

        def start(j: int) -> None:
            job = jobs[j]
            f = self._submit_prepare(pool, job, off)
            kind[f] = ("prepare", j, -1)
            pending.add(f)
            state[j] = {"lt": None, "encoded": [], "left": len(job.tok_indices)}
            for ti in sorted(job.tok_indices,
                             key=lambda t: not _releases_gil_in_one_call(tokenizers[t])):
                g = pool.submit(kernel.encode, tokenizers[ti], job.texts, spans=spans,
                                lang=job.lang, ids=job.ids)
                kind[g] = ("encode", j, ti)
                pending.add(g)

        def combine_later(j: int, ti: int, arrays: Any) -> None:
            g = pool.submit(kernel.combine, tokenizers[ti], state[j]["lt"], arrays,
                            byte_fallback=jobs[j].byte_fallback,
                            ids=jobs[j].ids)
            kind[g] = ("combine", j, ti)
            pending.add(g)

        # Every block for the helpers at once (each helper works through its own, in order),
        # then a window of the blocks prepared here.
        for j in queues[0]:
            start(j)
        for j in itertools.islice(queues[1], window):
            start(j)
        try:
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                pending.difference_update(finished)
                for f in finished:
                    what, j, ti = kind.pop(f)
                    st = state[j]
                    if what == "prepare":
                        st["lt"] = f.result()  # raises the segmenter's error, if any
                        for ti2, arrays in st["encoded"]:
                            combine_later(j, ti2, arrays)
                        st["encoded"] = []
                    elif what == "encode":
                        if st["lt"] is not None:
                            combine_later(j, ti, f.result())
                        else:
                            st["encoded"].append((ti, f.result()))
                    else:
                        st["left"] -= 1
                        if st["left"] == 0:  # done with this block: free it, start another
                            del state[j]
                            q = queues[0 if jobs[j].segmenter in off else 1]
                            nxt = next(q, None)
                            if nxt is None:  # this kind is done: take one of the other
                                nxt = next(queues[1 if q is queues[0] else 0], None)
                            if nxt is not None:
                                start(nxt)
                        yield jobs[j], ti, f.result()
        finally:
            for f in pending:
                f.cancel()


    def _run_by_tokenizer(self, pool: Executor, jobs: Sequence[Job],
                          tokenizers: Sequence[Tokenizer],
                          spans: bool) -> Iterator[tuple[Job, int, Counts]]:
        # Every block is prepared now (dictionary segmenters in helper processes where
        # _offloaded says so) and kept; the tokenizers then encode every block one tokenizer
        # after another, so that with ``release`` at most the tokenizer finishing and the one
        # loading are in memory (all of them are, the other way round). Encoded blocks waiting
        # for their preparation are capped, which bounds memory when segmentation is slow.
        order = self._order(jobs)
        off = self._offloaded(jobs, tokenizers)
        kind: dict[Future, tuple[str, int, int]] = {}
        pending: set[Future] = set()
        lts: dict[int, Any] = {}
        waiting: dict[int, list[tuple[int, Any]]] = {}
        for j in order:
            f = self._submit_prepare(pool, jobs[j], off)
            kind[f] = ("prepare", j, -1)
            pending.add(f)
        tasks = [(ti, j) for ti in range(len(tokenizers)) for j in order
                 if ti in jobs[j].tok_indices]
        encodes_left = dict.fromkeys(range(len(tokenizers)), 0)
        for ti, _ in tasks:
            encodes_left[ti] += 1
        was_loaded = [getattr(t, "loaded", True) for t in tokenizers]
        todo = iter(tasks)
        window = max(2, 2 * self.workers + 2)
        cap = max(window, 2 * len(jobs))
        encoding = 0

        releasable = [not was_loaded[ti] and ti < len(self.release) and self.release[ti]
                      for ti in range(len(tokenizers))]
        views: dict[int, Any] = {}
        byte_fallback = any(job.byte_fallback for job in jobs)

        def for_combine(ti: int) -> Any:
            # A tokenizer that may be unloaded is combined through a view holding what
            # combine() reads (its byte-fallback mask built now, while it is loaded).
            if not releasable[ti]:
                return tokenizers[ti]
            if ti not in views:
                views[ti] = _Encoded(tokenizers[ti], byte_fallback)
            return views[ti]

        def combine(j: int, ti: int, arrays: Any) -> None:
            g = pool.submit(kernel.combine, for_combine(ti), lts[j], arrays,
                            byte_fallback=jobs[j].byte_fallback,
                            ids=jobs[j].ids)
            kind[g] = ("combine", j, ti)
            pending.add(g)

        def more() -> None:
            nonlocal encoding
            while encoding < window and sum(map(len, waiting.values())) < cap:
                nxt = next(todo, None)
                if nxt is None:
                    return
                ti, j = nxt
                g = pool.submit(kernel.encode, tokenizers[ti], jobs[j].texts, spans=spans,
                                lang=jobs[j].lang, ids=jobs[j].ids)
                kind[g] = ("encode", j, ti)
                pending.add(g)
                encoding += 1

        more()
        try:
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                pending.difference_update(finished)
                for f in finished:
                    what, j, ti = kind.pop(f)
                    if what == "prepare":
                        lts[j] = f.result()  # raises the segmenter's error, if any
                        for ti2, arrays in waiting.pop(j, []):
                            combine(j, ti2, arrays)
                    elif what == "encode":
                        encoding -= 1
                        if j in lts:
                            combine(j, ti, f.result())
                        else:
                            waiting.setdefault(j, []).append((ti, f.result()))
                        encodes_left[ti] -= 1
                        if encodes_left[ti] == 0 and releasable[ti]:
                            for_combine(ti)  # the view first: it needs the tokenizer
                            release = getattr(tokenizers[ti], "release", None)
                            if release is not None:
                                release()
                    else:
                        yield jobs[j], ti, f.result()
                more()
        finally:
            for f in pending:
                f.cancel()


class _Encoded:
    """What :func:`tokeff.counting.kernel.combine` reads of a tokenizer, kept after the
    tokenizer itself is unloaded."""

    def __init__(self, tok: Tokenizer, byte_fallback: bool):
        self.name = tok.name
        self.vocab_size = tok.vocab_size
        self.unk_id = tok.unk_id
        self._mask = tok.byte_fallback_mask() if byte_fallback else None

    def byte_fallback_mask(self) -> Any:
        assert self._mask is not None
        return self._mask


# -- processes -------------------------------------------------------------------------------

_WORKER_TOKENIZERS: list[Tokenizer] = []


def _init_worker(payload: bytes) -> None:
    global _WORKER_TOKENIZERS
    _WORKER_TOKENIZERS = pickle.loads(payload)


def _worker_job(job: Job, spans: bool) -> list[Counts]:
    return run_job(job, _WORKER_TOKENIZERS, spans)


def check_same_backends(local: Sequence[Tokenizer], remote: Sequence[Any]) -> None:
    """Refuse to mix counts from different backend versions (they may tokenize differently)."""
    for a, b in zip(local, remote):
        if (a.backend, a.backend_version) != (b.backend, b.backend_version):
            raise UsageError(
                f"tokenizer {a.name!r}: a worker has {b.backend} {b.backend_version}, this "
                f"process {a.backend} {a.backend_version}; install the same version everywhere "
                f"so that counts are comparable")


def _worker_versions() -> list[tuple[str, str]]:
    return [(t.backend, t.backend_version) for t in _WORKER_TOKENIZERS]


class ProcessRunner:
    """Whole jobs in worker processes (``spawn``: safe with threads and native thread pools).

    Tokenizers are pickled once per worker; each worker segments a block once and counts its
    tokenizers on it. The pool is started on the first :meth:`run` and kept for later calls
    with the same tokenizers (a streamed corpus runs once per chunk), until :meth:`close`.
    """

    def __init__(self, workers: int | None = None, mp_context: str = "spawn"):
        self.workers = workers or default_workers()
        self.mp_context = mp_context
        self._pool: Any = None
        self._payload: bytes | None = None

    def _pool_for(self, tokenizers: Sequence[Tokenizer]) -> Any:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        payload = pickle.dumps(list(tokenizers), protocol=pickle.HIGHEST_PROTOCOL)
        if self._pool is None or payload != self._payload:
            self.close()
            self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                             mp_context=mp.get_context(self.mp_context),
                                             initializer=_init_worker, initargs=(payload,))
            self._payload = payload
        return self._pool

    def run(self, jobs, tokenizers, spans):
        from concurrent.futures import as_completed

        pool = self._pool_for(tokenizers)
        # Biggest jobs first so that the tail is short.
        order = sorted(range(len(jobs)), key=lambda j: -sum(map(len, jobs[j].texts)) *
                       len(jobs[j].tok_indices))
        futs = {pool.submit(_worker_job, jobs[j], spans): j for j in order}
        try:
            for f in as_completed(futs):
                job = jobs[futs[f]]
                for ti, c in zip(job.tok_indices, f.result()):
                    yield job, ti, c
        except BaseException:
            self.close(cancel=True)
            raise

    def close(self, cancel: bool = False) -> None:
        """Stop the worker processes (``cancel``: drop queued jobs first)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=cancel)


class ExecutorRunner:
    """Jobs on any :class:`concurrent.futures.Executor` given by the caller (whole jobs)."""

    def __init__(self, executor: Executor):
        self.executor = executor

    def run(self, jobs, tokenizers, spans):
        if isinstance(self.executor, ThreadPoolExecutor):
            yield from ThreadRunner(pool=self.executor).run(jobs, tokenizers, spans)
            return
        from concurrent.futures import as_completed

        futs = {self.executor.submit(run_job, job, list(tokenizers), spans): job for job in jobs}
        for f in as_completed(futs):
            job = futs[f]
            for ti, c in zip(job.tok_indices, f.result()):
                yield job, ti, c
