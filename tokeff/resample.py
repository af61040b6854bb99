"""Resampled column sums for the paired bootstrap: the same resamples as ever, computed faster.

Resample ``r`` is the ``r``-th block of ``n`` draws of
``numpy.random.default_rng(seed).integers(0, n)``; every column's sum over the drawn segments
is wanted, for all columns at once. That is ``W @ C``, ``W[r, i]`` being how often resample
``r`` drew segment ``i``. Count columns hold integers, so the sums are integers, computed
exactly here and therefore equal, bit for bit, to the float64 product used before:

- weights are stored as ``uint8``; a segment drawn 256 times or more in one resample (needs
  n > 255 and is astronomically rare) would wrap, which a column of ones multiplied along
  detects (each resample's weights must sum to ``n``): the sums are then recomputed the
  previous way, with float64 weights;
- the product runs in float32 over tiles of segments small enough that no partial sum can pass
  2**24 (below it every integer is a float32, whatever the summation order), tiles that stay in
  the CPU cache; segments with counts too large for that go through float64;
- BLAS runs with one thread (``threadpoolctl``): its threads would busy-wait against ours;
- the draws themselves are numpy's stream, computed by blocks in worker threads (PCG64 can jump
  ahead; the mapping to ``[0, n)`` is Lemire's, reproduced in numpy), checked once per process
  against ``Generator.integers``; when they differ, numpy's generator runs in one thread.

Columns holding non-integers (tokeff never passes any) take the previous path unchanged.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
from threadpoolctl import ThreadpoolController

#: Every integer of magnitude up to 2**24 is exactly a float32.
_F32_EXACT = 1 << 24
#: Segments per product tile at most: a 64 x 4096 float32 weight tile and a 4096 x k column
#: tile stay in a 2 MB L2 cache.
_TILE = 4096
#: Draws per generator call (and per counting task): large enough to amortise call overhead.
_GROUP_DRAWS = 1 << 19
#: Weight cells (bytes) per batch buffer: bounds memory whatever the corpus size.
_BATCH_CELLS = 1 << 24
#: Below this many draws in all, worker threads cost more than they save.
_THREADED_DRAWS = 1 << 22

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


def legacy_sums(columns: np.ndarray, n_resamples: int, seed: int, chunk: int = 64) -> np.ndarray:
    """The previous implementation (float64 weights times float64 columns, per chunk of
    resamples); kept for columns that are not integers."""
    n, k = columns.shape
    rng = np.random.default_rng(seed)
    out = np.empty((n_resamples, k), dtype=np.float64)
    cols = columns.astype(np.float64, copy=False)
    # Bound the weight matrix (chunk x n) to ~2M cells whatever the corpus size; the
    # generator draws element by element, so the chunking does not change the resamples.
    chunk = max(1, min(chunk, 2_000_000 // max(n, 1)))
    with _one_blas_thread():
        for start in range(0, n_resamples, chunk):
            b = min(chunk, n_resamples - start)
            w = _counts(rng.integers(0, n, size=(b, n)), n).astype(np.float64)
            out[start:start + b] = w @ cols
    return out


def _counts(idx: np.ndarray, n: int) -> np.ndarray:
    """How often each of ``n`` segments occurs in each row of ``idx`` (rows x n, int64).
    ``idx`` is modified (rows are offset so that one bincount counts them all)."""
    rows = idx.shape[0]
    if rows == 1:
        return np.bincount(idx[0], minlength=n)[None, :]
    idx += (np.arange(rows, dtype=idx.dtype) * n)[:, None]
    return np.bincount(idx.reshape(-1), minlength=rows * n).reshape(rows, n)


class _Columns:
    """The columns prepared for exact products, and the tiles to multiply them by."""

    def __init__(self, cols: np.ndarray) -> None:
        n, k = cols.shape
        self.n, self.k = n, k
        self.cols = cols
        # A column of ones: its resampled sum is the weights' sum, which must be n.
        self.c32 = np.empty((n, k + 1), dtype=np.float32)
        self.c32[:, :k] = cols
        self.c32[:, k] = 1.0
        # The largest magnitude of each segment's counts (no n x k temporary).
        mag = cols.max(axis=1).astype(np.float64)
        if cols.dtype.kind in "if":
            np.maximum(mag, -cols.min(axis=1).astype(np.float64), out=mag)
        self.cmax = np.maximum(mag, 1.0)
        self.cum = np.concatenate(([0.0], np.cumsum(self.cmax)))
        self._c64: np.ndarray | None = None
        self.single_blas = True  # BLAS runs one thread: no need for small products
        self._tiles: dict[int, list[tuple[int, int, bool]]] = {}

    @property
    def c64(self) -> np.ndarray:
        if self._c64 is None:
            c = np.empty((self.n, self.k + 1), dtype=np.float64)
            c[:, :self.k] = self.cols
            c[:, self.k] = 1.0
            self._c64 = c
        return self._c64

    def tiles(self, wmax: int) -> list[tuple[int, int, bool]]:
        """(start, stop, float32?) covering the segments: in a float32 tile, the weights (at
        most ``wmax``) times the largest magnitude of each segment sum to at most 2**24, so
        every partial sum of the product is an exact float32 whatever the summation order."""
        got = self._tiles.get(wmax)
        if got is not None:
            return got
        limit = _F32_EXACT // wmax
        cm, cum, n = self.cmax, self.cum, self.n
        tiles: list[tuple[int, int, bool]] = []
        start = 0
        while start < n:
            if cm[start] > limit:  # counts too large for float32: float64, as before
                stop = start + 1
                while stop < n and cm[stop] > limit:
                    stop += 1
                tiles.append((start, stop, False))
            else:
                stop = int(np.searchsorted(cum, cum[start] + limit, side="right")) - 1
                stop = min(stop, start + _TILE, n)
                tiles.append((start, stop, True))
            start = stop
        self._tiles[wmax] = tiles
        return tiles

    def product(self, w: np.ndarray) -> np.ndarray | None:
        """``w @ cols`` exactly (rows x k float64), or None if a weight wrapped in uint8."""
        rows = w.shape[0]
        acc = np.zeros((rows, self.k + 1), dtype=np.float64)
        part = np.empty((rows, self.k + 1), dtype=np.float32)
        for start, stop, f32 in self.tiles(max(1, int(w.max()))):
            dtype, c = (np.float32, self.c32) if f32 else (np.float64, self.c64)
            if self.single_blas:
                acc += w[:, start:stop].astype(dtype) @ c[start:stop]
            elif f32:
                part[:] = 0
                _small_products(w[:, start:stop].astype(dtype), c[start:stop], part)
                acc += part
            else:
                _small_products(w[:, start:stop].astype(dtype), c[start:stop], acc)
        if not np.all(acc[:, self.k] == self.n):
            return None
        return acc[:, :self.k]


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


# -- numpy's draws, computed by block ----------------------------------------------------------
#
# ``default_rng(seed).integers(0, n, size=...)`` (n < 2**32) takes 32-bit values from PCG64 --
# the low then the high half of each 64-bit output -- and maps each with Lemire's method:
# ``m = u * n``; ``m >> 32`` is the draw unless ``m mod 2**32 < 2**32 mod n``, in which case the
# value is rejected and the next one taken. Successive calls continue the same stream, so the
# resamples are the accepted values of that stream, n after n. PCG64 can jump to any position
# (``advance``), so blocks of the stream can be computed in parallel; a row's draws then start
# in its own block, shifted by the values rejected in the rows before it.

_SUB = 1 << 16  # stream values post-processed at once (stays in cache)


class _Stream:
    """The 32-bit stream of ``default_rng(seed)`` mapped to ``[0, n)``, from any position."""

    def __init__(self, seed: int, n: int) -> None:
        self.state = np.random.default_rng(seed).bit_generator.state
        self.n = n
        self.thr = (1 << 32) % n
        self._local = threading.local()

    def _bitgen(self, pos: int) -> np.random.PCG64:
        bg = getattr(self._local, "bg", None)
        if bg is None:
            bg = self._local.bg = np.random.PCG64(0)
        bg.state = self.state
        bg.advance(pos // 2)
        return bg

    def candidates(self, pos: int, count: int, out: np.ndarray) -> np.ndarray:
        """Write the mapped values at stream positions ``pos .. pos+count`` into ``out``
        (int64); return the (relative) positions of the rejected ones."""
        odd = pos & 1
        u = self._bitgen(pos).random_raw((odd + count + 1) // 2).view(np.uint32)[odd:odd + count]
        m = out[:count].view(np.uint64)
        nn, s32 = np.uint64(self.n), np.uint64(32)
        rejected = []
        for s in range(0, count, _SUB):
            mm = m[s:s + _SUB]
            np.multiply(u[s:s + _SUB], nn, out=mm, dtype=np.uint64)  # exact: both < 2**32
            if self.thr:
                bad = np.flatnonzero(mm.view(np.uint32)[0::2] < self.thr)  # low halves
                if bad.size:
                    rejected.append(bad + s)
            np.right_shift(mm, s32, out=mm)
        return np.concatenate(rejected) if rejected else np.empty(0, dtype=np.intp)

    def accepted(self, pos: int, count: int) -> tuple[np.ndarray, int]:
        """The first ``count`` accepted values from position ``pos``, and how many stream
        values they took."""
        got: list[np.ndarray] = []
        have, used = 0, 0
        while have < count:
            take = (count - have) + 16 + (count - have) // 64
            buf = np.empty(take, dtype=np.int64)
            keep = np.ones(take, dtype=bool)
            keep[self.candidates(pos + used, take, buf)] = False
            at = np.flatnonzero(keep)[:count - have]  # positions of the accepted values
            got.append(buf[at])
            have += at.size
            used += int(at[-1]) + 1 if have == count else take
        return (np.concatenate(got) if got else np.empty(0, dtype=np.int64)), used


_STREAM_OK: bool | None = None


def _stream_matches_numpy() -> bool:
    """Whether :class:`_Stream` reproduces ``Generator.integers`` in this numpy (checked once
    per process on a few sizes, including one where a quarter of the values are rejected)."""
    global _STREAM_OK
    if _STREAM_OK is None:
        ok = sys.byteorder == "little" and \
            np.random.default_rng(0).bit_generator.state.get("bit_generator") == "PCG64"
        for n, seed, count in ((7, 1, 999), (1000, 2, 3001), (400_000, 3, 4000),
                               (3 * 2**30 + 1, 4, 2000)):
            if not ok:
                break
            want = np.random.default_rng(seed).integers(0, n, size=count)
            stream = _Stream(seed, n)
            first, used = stream.accepted(0, count // 2)
            rest, _ = stream.accepted(used, count - count // 2)
            ok = np.array_equal(want, np.concatenate([first, rest]))
        _STREAM_OK = ok
    return _STREAM_OK


# -- the two ways of running ---------------------------------------------------------------------

def _batch_rows(n: int, n_resamples: int, group: int) -> int:
    return max(group, min(n_resamples, max(8, _BATCH_CELLS // n)) // group * group)


def _sequential(prep: _Columns, n_resamples: int, seed: int, out: np.ndarray) -> bool:
    """One thread, numpy's generator itself; False if a weight passed 255."""
    n = prep.n
    rng = np.random.default_rng(seed)
    group = max(1, _GROUP_DRAWS // n)  # resamples drawn (and counted) together
    batch = _batch_rows(n, n_resamples, group)
    w = np.empty((batch, n), dtype=np.uint8)
    for start in range(0, n_resamples, batch):
        rows = min(batch, n_resamples - start)
        for r in range(0, rows, group):
            g = min(group, rows - r)
            w[r:r + g] = _counts(rng.integers(0, n, size=(g, n)), n)
        sums = prep.product(w[:rows])
        if sums is None:
            return False
        out[start:start + rows] = sums
    return True


class _Fallback(Exception):
    """The parallel draw cannot continue (too many rejected values); run sequentially."""


def _parallel(prep: _Columns, n_resamples: int, seed: int, out: np.ndarray,
              workers: int) -> bool:
    """Draw, count and multiply in ``workers`` threads; False if a weight passed 255.

    Per batch of resamples: (A) tasks take blocks of ``n`` stream values each and count the
    accepted ones into the batch's uint8 weights, one row per block, returning how many were
    rejected per block; (B) row ``r`` really starts ``R_<r`` accepted values into its block
    (values rejected before it shifted it) and ends ``R_<=r`` into the next block: those short
    prefixes move from each row to the one before; (C) the batch is multiplied while the next
    one is drawn."""
    n = prep.n
    stream = _Stream(seed, n)
    group = max(1, _GROUP_DRAWS // n)
    batch = _batch_rows(n, n_resamples, group)
    bufs = [np.empty((batch, n), dtype=np.uint8) for _ in range(2)]
    local = threading.local()

    def draw(w: np.ndarray, row: int, rows: int, pos: int) -> np.ndarray:
        buf = getattr(local, "buf", None)
        if buf is None:
            buf = local.buf = np.empty(group * n, dtype=np.int64)
        idx = buf[:rows * n]
        rej = stream.candidates(pos, rows * n, idx)
        bad = (rej // n) * n + idx[rej]  # rejected values, as cells of these rows
        w[row:row + rows] = _counts(idx.reshape(rows, n), n)
        if rej.size:  # they were counted: take them out
            np.subtract.at(w[row:row + rows].reshape(-1), bad, 1)
        return np.bincount(rej // n, minlength=rows)

    def shift(w: np.ndarray, rows: int, pos: int, before: np.ndarray,
              tail: np.ndarray) -> None:
        for q in np.flatnonzero(before[1:]) + 1:
            prefix = stream.accepted(pos + int(q) * n, int(before[q]))[0] if q < rows else tail
            np.add.at(w[q - 1], prefix, 1)
            if q < rows:
                np.subtract.at(w[q], prefix, 1)

    def product(w: np.ndarray, start: int, rows: int, fixed: Future) -> bool:
        fixed.result()
        sums = prep.product(w[:rows])
        if sums is None:
            return False
        out[start:start + rows] = sums
        return True

    starts = list(range(0, n_resamples, batch))
    products: list[Future] = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tokeff-boot") as ex:

        def submit_draws(j: int, pos: int) -> list[Future]:
            rows = min(batch, n_resamples - starts[j])
            if j >= 2:
                products[j - 2].result()  # this buffer's previous batch is multiplied
            return [ex.submit(draw, bufs[j % 2], r, min(group, rows - r), pos + r * n)
                    for r in range(0, rows, group)]

        pos = 0
        tasks = submit_draws(0, pos)
        for j, start in enumerate(starts):
            rows = min(batch, n_resamples - start)
            rej = np.concatenate([t.result() for t in tasks])
            before = np.concatenate(([0], np.cumsum(rej)))  # R_<r, r = 0 .. rows
            if before[-1] > n // 2:  # a row would reach past its neighbour's block
                for f in products:
                    f.result()
                raise _Fallback
            tail, used = stream.accepted(pos + rows * n, int(before[-1]))
            nxt = pos + rows * n + used  # where the next batch's first row starts
            if j + 1 < len(starts):
                tasks = submit_draws(j + 1, nxt)
            fixed = ex.submit(shift, bufs[j % 2], rows, pos, before, tail)
            products.append(ex.submit(product, bufs[j % 2], start, rows, fixed))
            pos = nxt
        done = [f.result() for f in products]  # every one awaited, errors raised
        return all(done)


def resampled_sums(columns: np.ndarray, n_resamples: int, seed: int,
                   chunk: int = 64) -> np.ndarray:
    """Sums of every column (n_segments x k) under each resample: (n_resamples x k) float64.

    Resample ``r`` is the ``r``-th block of ``n`` draws of ``default_rng(seed).integers(0, n)``;
    ``chunk`` only shapes the path taken by non-integer columns and never changes a result.
    """
    cols = np.asarray(columns)
    n, k = cols.shape
    if n_resamples <= 0 or n <= 1 or k == 0 or n >= 2**32 or not _integer_valued(cols):
        return legacy_sums(cols, max(n_resamples, 0), seed, chunk)
    prep = _Columns(cols)
    out = np.empty((n_resamples, k), dtype=np.float64)
    workers = _workers()
    with _one_blas_thread() as single:
        prep.single_blas = single
        if workers > 1 and n * n_resamples >= _THREADED_DRAWS and _stream_matches_numpy():
            try:
                ok = _parallel(prep, n_resamples, seed, out, workers)
            except _Fallback:
                ok = _sequential(prep, n_resamples, seed, out)
        else:
            ok = _sequential(prep, n_resamples, seed, out)
    # A segment drawn 256 times or more in one resample (astronomically rare when n > 255)
    # wrapped its uint8 weight: the previous computation, with 64-bit weights, is exact.
    return out if ok else legacy_sums(cols, n_resamples, seed, chunk)
