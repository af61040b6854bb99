"""Resampled column sums for the paired bootstrap (resampling scheme ``rs2``).

A resample draws ``n`` segment indices uniformly with replacement; ``W[r, i]`` counts how often
resample ``r`` drew segment ``i`` (one row of ``W`` is a draw of the multinomial distribution
with ``n`` trials over ``n`` equally likely segments) and the sums wanted are ``W @ C``, every
count column at once. Scheme ``rs2`` draws ``W`` exactly from that distribution in two stages
that need no floating point and count in the CPU cache:

1. the segments are cut into blocks of ``2**14`` (the last one shorter); how many of a
   resample's ``n`` draws fall in each block is drawn by halving: a node of the binary tree
   over ``2**d`` blocks sends each of its ``m`` draws left or right with a fair random bit, so
   its left child gets ``Binomial(m, 1/2)`` draws, counted exactly as the set bits among ``m``
   random bits. Draws landing past segment ``n - 1`` (in padding blocks, or in the padding
   part of the last block, split off the same way) are drawn again, until none is left; what
   remains is the multinomial count of every block;
2. within a full block, each draw is the low 14 bits of a 16-bit random value; within the
   last block, numpy's exact bounded integers (``Generator.integers``). ``np.add.at`` counts
   them, a resample at a time, straight into the float32 weights of the block (a row of 64 KiB
   stays in the CPU cache).

Resamples are processed in batches of 64; batch ``j`` draws stage 1 from the stream
``SFC64(SeedSequence(seed, spawn_key=(j, 0)))`` (always for 64 resamples; from 2,097,153
segments on, for a few at a time) and block ``b`` from ``(j, 1 + b)``, taking the values in
order, resample after resample. So resample ``r`` depends only on ``(seed, n, r)``: not on how
many resamples are asked for, nor on threads, processes or timing. Batches run in worker
threads (the loops of the numpy calls involved release the GIL); from ``_HELPER_DRAWS`` draws
on, in helper processes beside this one instead (``_HelperShare`` says why), which are sent the
columns and send back each batch's sums.

Sums are exact: a block's weights times its counts go through float32 when no partial sum can
pass ``2**24`` (the block's largest count magnitude times the most draws any resample put in
it), else float64; BLAS runs one thread (``threadpoolctl``), its threads would busy-wait
against ours. Columns holding non-integers take float64 products, rounded as float64 does.

Before scheme ``rs2`` (signatures whose ``boot`` field has no scheme tag) resample ``r`` was
the ``r``-th block of ``n`` draws of ``numpy.random.default_rng(seed).integers(0, n)``: the same
distribution, a different stream, so intervals agree within resampling noise, not bit for bit.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import IO

import numpy as np
from threadpoolctl import ThreadpoolController

from ._helperproc import start_helper, stop_helper
from .errors import UsageError

#: The resampling scheme, recorded in the signature's ``boot`` field (``1000/seed0/95/rs2``).
SCHEME = "rs2"
# _BLOCK_BITS, _BATCH and _STAGE1_BITS are part of the scheme: other values, other resamples.
#: Segments per block: ``2**_BLOCK_BITS`` (stage 2 takes each draw from 16 random bits).
_BLOCK_BITS = 14
#: Resamples per batch: batch ``j``'s streams are keyed by ``j``.
_BATCH = 64
#: Every integer of magnitude up to 2**24 is exactly a float32.
_F32_EXACT = 1 << 24
#: Below this many draws in all, worker threads cost more than they save.
_THREADED_DRAWS = 1 << 22
#: From this many draws in all (about 0.6 s of work here), helper processes take batches too.
_HELPER_DRAWS = 1 << 27
#: Random bits drawn at once in stage 1 at most (rows are split to stay below; 16 MiB).
_STAGE1_BITS = 1 << 27

_blas_lock = threading.Lock()
_blas_users = 0
_blas_limiter: object = None
_blas_single = False
#: OpenBLAS runs a product with M*N*K at most this on the calling thread alone (its
#: ``GEMM_MULTITHREAD_THRESHOLD`` default of 4, times 65536).
_SMALL_GEMM = 1 << 18


@contextmanager
def _one_blas_thread() -> Iterator[bool]:
    """BLAS limited to one thread while any bootstrap runs; yields whether that took.

    BLAS threads busy-wait between products and compete with ours (a product of the sizes here
    took 20 times longer with OpenBLAS's default threads on 2 busy cores). Overlapping calls
    from several threads are counted, so the user's setting comes back only when the last one
    ends. OpenBLAS (0.3.31) ignores the setting when it comes from a thread other than the one
    that set it last; then products are cut small enough for OpenBLAS to run them on the
    calling thread."""
    global _blas_users, _blas_limiter, _blas_single
    with _blas_lock:
        if _blas_users == 0:
            controller = ThreadpoolController()
            _blas_limiter = controller.limit(limits=1, user_api="blas")
            _blas_single = all(i["num_threads"] == 1
                               for i in controller.select(user_api="blas").info())
        _blas_users += 1
        single = _blas_single
    try:
        yield single
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0 and _blas_limiter is not None:
                _blas_limiter.restore_original_limits()  # type: ignore[attr-defined]
                _blas_limiter = None


def _small_products(a: np.ndarray, b: np.ndarray, acc: np.ndarray) -> None:
    """``acc += a @ b`` as products of at most ``_SMALL_GEMM`` multiply-adds each."""
    rows, inner = a.shape
    cols = b.shape[1]
    step_r = max(1, min(rows, _SMALL_GEMM // (64 * cols)))
    step_i = max(1, _SMALL_GEMM // (step_r * cols))
    for r in range(0, rows, step_r):
        for i in range(0, inner, step_i):
            acc[r:r + step_r] += a[r:r + step_r, i:i + step_i] @ b[i:i + step_i]


# -- stage 1: how many draws fall in each block -----------------------------------------------

_M1, _M2, _M4 = (np.uint64(v) for v in (0x5555555555555555, 0x3333333333333333,
                                        0x0F0F0F0F0F0F0F0F))


def _popcount(words: np.ndarray) -> np.ndarray:
    """Set bits of each uint64; ``np.bitwise_count`` from numpy 2.0 on."""
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(words)
    return _popcount_swar(words)  # pragma: no cover - numpy < 2.0


def _popcount_swar(words: np.ndarray) -> np.ndarray:
    """Set bits of each uint64 by the classic shift-and-mask sums (numpy < 2.0)."""
    x = words - ((words >> np.uint64(1)) & _M1)
    x = (x & _M2) + ((x >> np.uint64(2)) & _M2)
    x = (x + (x >> np.uint64(4))) & _M4
    return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)


def _halves(bitgen: np.random.BitGenerator, m: np.ndarray) -> np.ndarray:
    """``Binomial(m, 1/2)`` for every entry of ``m`` (non-negative integers), exactly: the set
    bits among ``m`` fresh random bits (the first ``m`` bits of the entry's own 64-bit words).
    """
    flat = m.reshape(-1).astype(np.int64)
    nwords = (flat + 63) >> 6
    starts = np.cumsum(nwords) - nwords
    words = bitgen.random_raw(int(nwords.sum()))
    cut = np.flatnonzero(flat & 63)  # entries whose last word is used in part
    words[starts[cut] + nwords[cut] - 1] &= \
        (np.uint64(1) << (flat[cut] & 63).astype(np.uint64)) - np.uint64(1)
    out = np.zeros(flat.shape, dtype=np.int64)
    used = np.flatnonzero(nwords)
    if used.size:  # summed in uint32 (three times faster than int64) when nothing can overflow
        wide = np.uint32 if int(flat.max()) < 2**32 else np.int64
        out[used] = np.add.reduceat(_popcount(words), starts[used], dtype=wide)
    return out.reshape(m.shape)


def _block_counts(bitgen: np.random.BitGenerator, rows: int, n: int, block: int
                  ) -> np.ndarray:
    """How many of each resample's ``n`` draws fall in each block (rows x blocks, int64), an
    exact multinomial draw (module docstring, stage 1)."""
    full, rest = divmod(n, block)
    nblocks = full + (rest > 0)
    out = np.zeros((rows, nblocks), dtype=np.int64)
    if nblocks == 1:
        out[:, 0] = n
        return out
    step = max(1, _STAGE1_BITS // n)  # a level of the tree takes n bits per row
    if rows > step:  # very large n: a few rows at a time, memory stays bounded
        for r in range(0, rows, step):
            out[r:r + step] = _block_counts(bitgen, min(step, rows - r), n, block)
        return out
    depth = (nblocks - 1).bit_length()  # 2**depth blocks, the ones past the last padding
    pending = np.full(rows, n, dtype=np.int64)
    while pending.any():
        node = pending[:, None]
        for _ in range(depth):
            left = _halves(bitgen, node)
            node = np.stack([left, node - left], axis=2).reshape(rows, -1)
        out[:, :full] += node[:, :full]
        pending = node[:, nblocks:].sum(axis=1)
        if rest:  # the last block holds ``rest`` segments of ``block`` places
            m = node[:, full]
            start, size = 0, block
            while size > 1 and start < rest:
                half = size // 2
                left = _halves(bitgen, m)
                if start + half <= rest:  # the left half is all segments
                    out[:, full] += left
                    m = m - left
                    start += half
                else:  # the right half is all padding
                    pending += m - left
                    m = left
                size = half
            if start < rest:
                out[:, full] += m
            else:
                pending += m
    return out


# -- stage 2 and the products -----------------------------------------------------------------

def _stream(seed: int, *key: int) -> np.random.SFC64:
    return np.random.SFC64(np.random.SeedSequence(seed, spawn_key=key))


def _batch_weights(n: int, seed: int, j: int, rows: int
                   ) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Batch ``j``'s resamples (its first ``rows``), block by block: ``(start, w, m)`` with
    ``w`` (rows x block length, float32, or float64 past 2**24 draws in the block) how often
    each resample drew each segment of the block that starts at segment ``start``, and ``m``
    its row sums. ``w`` is reused.

    A block's draws are taken from its stream in order, resample after resample: in a full
    block, the low bits of consecutive 16-bit values; in the last one, ``Generator.integers``.
    They are counted with ``np.add.at`` straight into the float weights the products take
    (faster than ``np.bincount`` and its int64 counts to cast, and it releases the GIL).
    """
    block = 1 << _BLOCK_BITS
    counts = _block_counts(_stream(seed, j, 0), _BATCH, n, block)[:rows]
    buf = np.empty(rows * min(block, n), dtype=np.float32)
    keys = np.empty(0, dtype=np.intp)  # indices as intp: np.add.at's fastest
    mask = np.uint16(block - 1)
    for b in range(counts.shape[1]):
        start = b * block
        size = min(block, n - start)
        m = counts[:, b]
        ends = np.cumsum(m).tolist()
        bitgen = _stream(seed, j, 1 + b)
        if int(m.max()) <= _F32_EXACT:  # every count is then an exact float32
            w = buf[:rows * size].reshape(rows, size)
        else:  # pragma: no cover - 2**24 draws in 16,384 segments: never seen
            w = np.empty((rows, size), dtype=np.float64)
        one = w.dtype.type(1)
        if size == block:
            vals = bitgen.random_raw((ends[-1] + 3) >> 2).view(np.uint16)
            lo = 0
            for i, hi in enumerate(ends):  # row by row: the row and its indices stay in cache
                if keys.size < hi - lo:
                    keys = np.empty(hi - lo + block // 8, dtype=np.intp)
                k = keys[:hi - lo]
                np.bitwise_and(vals[lo:hi], mask, out=k, casting="unsafe")
                row = w[i]
                row.fill(0)
                np.add.at(row, k, one)
                lo = hi
        else:  # one call: resample i's draws offset by i * size
            idx = np.random.Generator(bitgen).integers(0, size, size=ends[-1])
            idx += np.repeat(np.arange(rows) * size, m)
            w.fill(0)
            np.add.at(w.reshape(-1), idx, one)
        yield start, w, m


def resample_weights(n: int, n_resamples: int, seed: int) -> np.ndarray:
    """How often each resample draws each of ``n`` segments (n_resamples x n, int64).

    Every row is a multinomial draw: ``n`` draws with replacement, every segment equally
    likely. Row ``r`` depends only on ``(seed, n, r)``; :func:`resampled_sums` uses the same
    rows.

    >>> w = resample_weights(5, 3, seed=0)
    >>> w.shape, w.sum(axis=1).tolist()
    ((3, 5), [5, 5, 5])
    """
    out = np.zeros((max(n_resamples, 0), max(n, 0)), dtype=np.int64)
    if n <= 0:
        return out
    for j, r0 in enumerate(range(0, n_resamples, _BATCH)):
        rows = min(_BATCH, n_resamples - r0)
        for start, w, _ in _batch_weights(n, seed, j, rows):
            out[r0:r0 + rows, start:start + w.shape[1]] = w  # exact: whole numbers
    return out


class _Columns:
    """The columns and what their products need: float32 copies and, per block, the largest
    count magnitude (float32 is exact while no partial sum passes 2**24)."""

    def __init__(self, cols: np.ndarray, integers: bool) -> None:
        self.n, self.k = cols.shape
        self.cols = cols
        self.integers = integers
        self.single_blas = True  # BLAS runs one thread: no need for small products
        block = 1 << _BLOCK_BITS
        if integers:
            self.c32 = np.ascontiguousarray(cols, dtype=np.float32)
            # Block by block over whole rows: a reduction along rows of a few columns is slow.
            self.bmax = np.array([max(float(b.max()), -float(b.min())) for b in
                                  (cols[s:s + block] for s in range(0, self.n, block))])

    def shareable(self) -> bool:
        """Whether a helper process can take batches: it is sent the float32 columns, which
        hold every value exactly (integers of magnitude up to 2**24)."""
        return self.integers and float(self.bmax.max()) <= _F32_EXACT

    def product(self, start: int, w: np.ndarray, m: np.ndarray, acc: np.ndarray) -> None:
        """``acc += w @ cols[start:start + len]``, exactly for integer columns (``w``: the
        block's weights, whole numbers; ``m``: its row sums)."""
        stop = start + w.shape[1]
        if (self.integers and w.dtype == np.float32
                and float(m.max()) * self.bmax[start >> _BLOCK_BITS] <= _F32_EXACT):
            a, c = w, self.c32[start:stop]
            part = np.zeros(acc.shape, dtype=np.float32)
        else:
            a = w.astype(np.float64)
            c = self.cols[start:stop].astype(np.float64)
            part = acc
        if self.single_blas:
            prod = a @ c
            acc += prod
        else:
            _small_products(a, c, part)
            if part is not acc:
                acc += part


def _integer_valued(cols: np.ndarray) -> bool:
    if cols.dtype.kind in "biu":
        return True
    if cols.dtype.kind != "f":
        return False
    return bool(np.isfinite(cols).all() and np.array_equal(cols, np.trunc(cols)))


def _workers() -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(4, cpus))


def _batch_sums(prep: _Columns, n_resamples: int, seed: int, j: int) -> np.ndarray:
    """The sums of batch ``j``'s resamples (rows x columns, float64)."""
    rows = min(_BATCH, n_resamples - j * _BATCH)
    acc = np.zeros((rows, prep.k), dtype=np.float64)
    for start, w, m in _batch_weights(prep.n, seed, j, rows):
        prep.product(start, w, m, acc)
    return acc


def resampled_sums(columns: np.ndarray, n_resamples: int, seed: int) -> np.ndarray:
    """Sums of every column (n_segments x k) under each resample: (n_resamples x k) float64.

    Resample ``r`` is row ``r`` of :func:`resample_weights` (scheme :data:`SCHEME`); integer
    columns are summed exactly (while the sums stay below 2**53).

    >>> cols = np.array([[1, 2], [3, 4], [5, 6]])
    >>> sums = resampled_sums(cols, 4, seed=0)
    >>> bool((sums == resample_weights(3, 4, seed=0) @ cols).all())
    True
    """
    cols = np.asarray(columns)
    if cols.ndim != 2:
        raise UsageError(f"resampled_sums: columns must be a 2-d array (segments x columns), "
                         f"not one of shape {cols.shape}")
    n, k = cols.shape
    out = np.zeros((max(n_resamples, 0), k), dtype=np.float64)
    if n_resamples <= 0 or n == 0 or k == 0:
        return out
    jobs = range((n_resamples + _BATCH - 1) // _BATCH)
    workers = _workers()
    integers = _integer_valued(cols)
    share = None
    if workers > 1 and len(jobs) > 1 and n * n_resamples >= _HELPER_DRAWS and integers:
        share = _HelperShare(n_resamples, seed, out, workers - 1)  # starts while we prepare
    try:
        prep = _Columns(cols, integers)
    except BaseException:
        if share is not None:
            share.close()
        raise

    def batch(j: int) -> None:
        out[j * _BATCH:(j + 1) * _BATCH] = _batch_sums(prep, n_resamples, seed, j)

    if share is not None and not prep.shareable():
        share.close()
        share = None
    with _one_blas_thread() as single:
        prep.single_blas = single
        if share is not None:
            share.run(prep, batch, len(jobs))
        elif workers > 1 and len(jobs) > 1 and n * n_resamples >= _THREADED_DRAWS:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tokeff-boot") as ex:
                for f in [ex.submit(batch, j) for j in jobs]:
                    f.result()
        else:
            for j in jobs:
                batch(j)
    return out


# -- helper processes --------------------------------------------------------------------------

#: What a helper is sent first: segments, columns, resamples, seed; then the columns (float32).
_HEAD = struct.Struct("<4q")
#: A batch number: sent to ask for the batch, sent back before its sums (float64).
_JOB = struct.Struct("<q")


def _read_exact(stream: IO[bytes], view: memoryview) -> None:
    """Fill ``view`` from ``stream``; EOFError when the stream ends first."""
    got = 0
    while got < len(view):
        chunk = stream.readinto(view[got:])  # type: ignore[attr-defined]
        if not chunk:
            raise EOFError
        got += chunk


class _HelperShare:
    """Batches shared between this thread and helper processes (``python -m tokeff._bootproc``),
    each taking the next batch when it is free.

    Why processes: a batch is thousands of numpy calls of some 30 microseconds each, and every
    call releases the GIL and takes it back. Two threads doing that contend for the GIL at
    almost every call (on the 2-core machine of ``benchmarks/``, two threads finished 1000 x
    400k 1.2 times faster than one, with 1.4 times its CPU). A helper process has its own GIL; it
    starts in about 0.2 s, while this thread already works, so helpers are used only from
    ``_HELPER_DRAWS`` draws on. Each batch depends only on ``(seed, n, j)``, so who computes it
    changes no bit. A helper that cannot start or stops midway costs nothing but time: its
    unfinished batch is computed here.
    """

    def __init__(self, n_resamples: int, seed: int, out: np.ndarray, helpers: int) -> None:
        self.n_resamples, self.seed, self.out = n_resamples, seed, out
        self._lock = threading.Lock()
        self._next = 0
        self._jobs = 0
        self._closed = False
        self._procs: list[subprocess.Popen[bytes]] = []
        for _ in range(helpers):
            try:
                self._procs.append(start_helper("tokeff._bootproc", stderr=subprocess.DEVNULL))
            except OSError:
                break
        self._busy: list[int | None] = [None] * len(self._procs)  # the batch each computes
        self._left: list[int] = []  # batches a helper took and did not finish

    def _claim(self, helper: int | None = None) -> int | None:
        with self._lock:
            if self._closed or self._next >= self._jobs:
                return None
            j = self._next
            self._next += 1
            if helper is not None:
                self._busy[helper] = j
            return j

    def run(self, prep: _Columns, batch: Callable[[int], None], jobs: int) -> None:
        """``batch(j)`` here for every batch ``j`` the helpers do not take."""
        self._jobs = jobs
        feeders = [threading.Thread(target=self._feed, args=(h, prep), daemon=True,
                                    name=f"tokeff-boot-helper-{h}")
                   for h in range(len(self._procs))]
        for t in feeders:
            t.start()
        try:
            while (j := self._claim()) is not None:
                batch(j)
            with self._lock:
                self._closed = True
                idle = [h for h, b in enumerate(self._busy) if b is None]
            for h in idle:  # still starting, or done: nothing to wait for
                _kill(self._procs[h])
            for t in feeders:
                t.join()
            for j in self._left:
                batch(j)
        finally:  # on an error here: stop the helpers (their feeding threads reap them)
            with self._lock:
                self._closed = True
            for p in self._procs:
                _kill(p)
            for t in feeders:
                t.join()

    def close(self) -> None:
        """Stop and reap the helpers without running: :meth:`run` will not be called."""
        with self._lock:
            self._closed = True
        for p in self._procs:
            stop_helper(p, timeout=1.0, kill=True)

    def _feed(self, h: int, prep: _Columns) -> None:
        """Helper ``h``'s thread: send it the columns, then ask for batch after batch."""
        proc = self._procs[h]
        j = None
        reply = bytearray(_JOB.size + _BATCH * prep.k * 8)
        try:
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write(_HEAD.pack(prep.n, prep.k, self.n_resamples, self.seed))
            proc.stdin.write(memoryview(prep.c32).cast("B"))
            proc.stdin.flush()
            while (j := self._claim(h)) is not None:
                rows = min(_BATCH, self.n_resamples - j * _BATCH)
                proc.stdin.write(_JOB.pack(j))
                proc.stdin.flush()
                view = memoryview(reply)[:_JOB.size + rows * prep.k * 8]
                _read_exact(proc.stdout, view)
                if _JOB.unpack_from(view)[0] != j:
                    raise EOFError
                self.out[j * _BATCH:j * _BATCH + rows] = np.frombuffer(
                    view, dtype=np.float64, offset=_JOB.size).reshape(rows, prep.k)
                with self._lock:
                    self._busy[h] = None
                j = None
        except (OSError, EOFError, ValueError):
            pass  # the helper is gone: what it had taken is computed in the main thread
        finally:
            with self._lock:
                self._busy[h] = None
                if j is not None:
                    self._left.append(j)
            stop_helper(proc, timeout=1.0)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill a helper that may be running; its pipes then fail in its feeding thread, which
    reaps it. No pipe is touched here: that thread may be blocked writing to one."""
    if proc.poll() is None:
        try:
            proc.kill()
        except OSError:
            pass


def helper_main() -> int:
    """A helper process (``python -m tokeff._bootproc``): reads the columns, then computes each
    batch asked for and writes back its number and sums, until its input ends."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    head = bytearray(_HEAD.size)
    try:
        _read_exact(stdin, memoryview(head))
        n, k, n_resamples, seed = _HEAD.unpack(head)
        c32 = np.empty((n, k), dtype=np.float32)
        _read_exact(stdin, memoryview(c32).cast("B"))
    except EOFError:
        return 0
    prep = _Columns(c32, True)
    job = bytearray(_JOB.size)
    with _one_blas_thread() as single:
        prep.single_blas = single
        while True:
            try:
                _read_exact(stdin, memoryview(job))
            except EOFError:
                stdout.flush()
                os._exit(0)  # every reply is written: no interpreter teardown to wait for
            (j,) = _JOB.unpack(job)
            stdout.write(_JOB.pack(j))
            stdout.write(memoryview(_batch_sums(prep, n_resamples, seed, j)).cast("B"))
            stdout.flush()
