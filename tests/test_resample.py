"""The bootstrap's resampling scheme (``tokeff.resample``, scheme ``rs2``).

What must hold: every resample is exactly a multinomial draw (n segments drawn with replacement,
all equally likely), checked against the enumerated distribution on small cases that go through
every part of the scheme; the sums are exact; results depend on the seed only (not on threads,
nor on how many resamples are asked for); and intervals agree with those of the previous scheme
(consecutive draws of ``numpy.random.default_rng(seed).integers``) within resampling noise.
"""

from __future__ import annotations

import math
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import tokeff.resample as rs
from tokeff.errors import UsageError
from tokeff.metrics import Bootstrap


def _chi2_limit(df: int) -> float:
    """A chi-square statistic with ``df`` degrees of freedom stays below this but for
    about one time in a million."""
    return df + 7.0 * math.sqrt(2.0 * df) + 10.0


def _compositions(total: int, parts: int):
    if parts == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for rest in _compositions(total - first, parts - 1):
            yield (first, *rest)


def _multinomial_p(counts: tuple[int, ...]) -> float:
    n = sum(counts)
    ways = math.factorial(n)
    for c in counts:
        ways //= math.factorial(c)
    return ways / len(counts) ** n


@pytest.fixture
def threaded(monkeypatch):
    """Worker threads even for small inputs, more workers than cores."""
    monkeypatch.setattr(rs, "_THREADED_DRAWS", 1)
    monkeypatch.setattr(rs, "_workers", lambda: 3)


# -- the distribution -------------------------------------------------------------------------

@pytest.mark.parametrize("n, bits, stage1_bits", [
    (3, 14, 1 << 27),  # one short block: Generator.integers
    (4, 1, 1 << 27),  # two full blocks, no padding: one halving
    (3, 1, 1 << 27),  # a full block and a short one: halving, then the short block's own split
    (5, 1, 1 << 27),  # blocks of 2, 2, 1 and a padding block: draws landing there are redrawn
    (5, 2, 1 << 27),  # a block of 4 and a short one of 1 (3 places of padding)
    (5, 2, 7),  # the same, block counts drawn for one resample at a time (as for huge n)
])
def test_resamples_are_exactly_multinomial(monkeypatch, n, bits, stage1_bits):
    """The frequency of every possible resample (every composition of n draws over the n
    segments) matches its multinomial probability, n! / (c1! ... cn!) / n**n."""
    monkeypatch.setattr(rs, "_BLOCK_BITS", bits)
    monkeypatch.setattr(rs, "_STAGE1_BITS", stage1_bits)
    draws = 40_000
    w = rs.resample_weights(n, draws, seed=100 * n + bits)
    assert w.shape == (draws, n) and (w.sum(axis=1) == n).all()
    seen = Counter(map(tuple, w.tolist()))
    cats = list(_compositions(n, n))
    assert set(seen) <= set(cats)
    chi2 = sum((seen[c] - draws * _multinomial_p(c)) ** 2 / (draws * _multinomial_p(c))
               for c in cats)
    assert chi2 < _chi2_limit(len(cats) - 1), (n, bits, chi2)
    # Resamples are independent of each other: within a batch and across batches.
    for lag in (1, rs._BATCH):
        r = np.corrcoef(w[:-lag, 0], w[lag:, 0])[0, 1]
        assert abs(r) < 6 / math.sqrt(draws), (lag, r)


def test_weights_at_full_size_are_multinomial():
    """Two full blocks of 16,384 segments and a short one: how many draws each block gets is
    Binomial(n, size / n), how often one segment is drawn is Binomial(n, 1 / n)."""
    block = 1 << rs._BLOCK_BITS
    n = 2 * block + 7_000
    sizes = [block, block, 7_000]
    cells = [0, block - 1, block + 5, 2 * block, n - 1]
    cols = np.zeros((n, 3 + len(cells)), dtype=np.int64)
    for b in range(3):
        cols[b * block:(b + 1) * block, b] = 1
    for c, i in enumerate(cells):
        cols[i, 3 + c] = 1
    resamples = 3_000
    sums = rs.resampled_sums(cols, resamples, seed=17)
    assert (sums[:, :3].sum(axis=1) == n).all()
    for b, size in enumerate(sizes):
        p = size / n
        mean, var = n * p, n * p * (1 - p)
        assert abs(sums[:, b].mean() - mean) < 5 * math.sqrt(var / resamples), b
        assert abs(sums[:, b].var() / var - 1) < 5 * math.sqrt(2 / resamples), b
    pmf = [math.comb(n, x) * (1 / n) ** x * (1 - 1 / n) ** (n - x) for x in range(4)]
    pmf.append(1 - sum(pmf))  # 4 or more
    for c in range(len(cells)):
        x = sums[:, 3 + c]
        assert abs(x.mean() - 1) < 5 * math.sqrt(1 / resamples)
        got = [np.count_nonzero(x == v) for v in range(4)] + [np.count_nonzero(x >= 4)]
        chi2 = sum((g - resamples * q) ** 2 / (resamples * q) for g, q in zip(got, pmf))
        assert chi2 < _chi2_limit(4), (cells[c], got)


def test_halves_are_binomial_counts_of_the_stream_bits():
    """Stage 1's Binomial(m, 1/2): the set bits among the first m bits of each entry's own
    64-bit words, in stream order (so each entry's bits are fresh)."""
    m = np.array([[0, 1, 63], [64, 65, 130], [0, 7, 1000]])
    got = rs._halves(np.random.SFC64(5), m)
    words = np.random.SFC64(5).random_raw(int(((m + 63) // 64).sum()))
    bits = np.unpackbits(words.view(np.uint8), bitorder="little")
    want, at = [], 0
    for mi in m.ravel().tolist():
        want.append(int(bits[at * 64:at * 64 + mi].sum()))
        at += (mi + 63) // 64
    assert got.ravel().tolist() == want
    # and they are fair: Binomial(1000, 1/2) has mean 500 and variance 250
    many = rs._halves(np.random.SFC64(6), np.full(4000, 1000))
    assert abs(many.mean() - 500) < 5 * math.sqrt(250 / 4000)
    assert abs(many.var() / 250 - 1) < 5 * math.sqrt(2 / 4000)


def test_popcount_without_numpy_2():
    words = np.random.SFC64(1).random_raw(5000)
    words[:3] = [0, 2**64 - 1, 2**63]
    want = [int(w).bit_count() for w in words]
    assert rs._popcount_swar(words).tolist() == want
    assert rs._popcount(words).tolist() == want


def test_block_counts_redraw_until_every_draw_is_placed():
    """Draws landing in padding are drawn again: every row places exactly n draws, whatever
    share of the tree is padding (n just above a power of two: almost half)."""
    block = 1 << rs._BLOCK_BITS
    for n in (block + 1, 2 * block + 1, 5 * block, 5 * block - 3):
        counts = rs._block_counts(np.random.SFC64(n), 64, n, block)
        assert counts.shape == (64, -(-n // block)) and (counts.sum(axis=1) == n).all()
        assert (counts >= 0).all()


# -- the previous scheme: the same distribution ------------------------------------------------

def _previous_resampled_sums(columns, n_resamples, seed, chunk=64):
    """The scheme before rs2 (kept verbatim as the reference): resample r is the r-th block of
    n draws of ``numpy.random.default_rng(seed).integers(0, n)``."""
    n, k = columns.shape
    rng = np.random.default_rng(seed)
    out = np.empty((n_resamples, k), dtype=np.float64)
    cols = columns.astype(np.float64, copy=False)
    chunk = max(1, min(chunk, 2_000_000 // max(n, 1)))
    for start in range(0, n_resamples, chunk):
        b = min(chunk, n_resamples - start)
        idx = rng.integers(0, n, size=(b, n))
        flat = (np.arange(b)[:, None] * n + idx).reshape(-1)
        w = np.bincount(flat, minlength=b * n).reshape(b, n).astype(np.float64)
        out[start:start + b] = w @ cols
    return out


def test_intervals_agree_with_the_previous_scheme():
    """On a fixed corpus (tokens and characters of 20,000 segments of varying length and token
    rate), 2000 resamples of each scheme give ratio distributions that agree within resampling
    noise: means, spreads, the 95% interval and the whole distribution (two-sample
    Kolmogorov-Smirnov)."""
    rng = np.random.default_rng(11)
    n = 20_000
    chars = rng.integers(20, 400, n)
    tokens = rng.poisson(chars * rng.gamma(20.0, 0.25 / 20.0, n))
    cols = np.stack([tokens, chars], axis=1)
    resamples = 2000
    boot = Bootstrap(n_resamples=resamples, seed=0)
    new = boot.resampled_sums(cols)
    old = _previous_resampled_sums(cols, resamples, 0)
    rn, ro = new[:, 0] / new[:, 1], old[:, 0] / old[:, 1]
    sd = ro.std()
    assert abs(rn.mean() - ro.mean()) < 5 * sd * math.sqrt(2 / resamples)
    assert abs(rn.std() / sd - 1) < 5 * math.sqrt(1 / resamples)
    (nlo, nhi), (olo, ohi) = boot.interval(new[:, 0], new[:, 1]), boot.interval(old[:, 0],
                                                                                 old[:, 1])
    assert abs(nlo - olo) < 0.15 * (ohi - olo) and abs(nhi - ohi) < 0.15 * (ohi - olo)
    both = np.sort(np.concatenate([rn, ro]))
    ks = np.abs(np.searchsorted(np.sort(rn), both, side="right")
                - np.searchsorted(np.sort(ro), both, side="right")).max() / resamples
    assert ks < 1.95 * math.sqrt(2 / resamples)  # the 0.1% critical value
    # Not the same stream: a scheme that reproduced numpy's would pass the above trivially.
    assert not np.array_equal(new, old)


# -- exact sums, whatever the columns ----------------------------------------------------------

def _columns(kind, n, k, rng):
    if kind == "counts":
        return rng.integers(0, 60, (n, k))
    if kind == "int32 large":
        return rng.integers(0, 40_000, (n, k)).astype(np.int32)
    if kind == "negative":
        return rng.integers(-500, 500, (n, k))
    if kind == "integral floats":
        return rng.integers(0, 100, (n, k)).astype(float)
    if kind == "huge segments":  # counts too large for float32 products: float64 ones
        c = rng.integers(0, 60, (n, k))
        c[rng.integers(0, n, 3)] = 10**7
        return c
    if kind == "bool":
        return rng.integers(0, 2, (n, k)).astype(bool)
    return rng.random((n, k)) * 10  # non-integers: float64 products


@pytest.mark.parametrize("bits", [14, 6])  # 6: many blocks, float32 and float64 side by side
@pytest.mark.parametrize("threads", [False, True])
@pytest.mark.parametrize("kind", ["counts", "int32 large", "negative", "integral floats",
                                  "huge segments", "bool", "non-integers"])
def test_sums_are_the_weights_times_the_columns(kind, threads, bits, request, monkeypatch):
    if threads:
        request.getfixturevalue("threaded")
    monkeypatch.setattr(rs, "_BLOCK_BITS", bits)
    rng = np.random.default_rng(abs(hash(kind)) % 1000)
    for n, k, resamples, seed in [(1, 3, 5, 0), (2, 2, 17, 1), (57, 3, 30, 2), (300, 4, 41, 3),
                                  (2009, 5, 130, 4), (40_000, 2, 23, 5)]:
        cols = _columns(kind, n, k, rng)
        got = Bootstrap(n_resamples=resamples, seed=seed).resampled_sums(cols)
        w = rs.resample_weights(n, resamples, seed)
        assert got.dtype == np.float64 and got.shape == (resamples, k)
        assert (w.sum(axis=1) == n).all()
        if kind == "non-integers":
            assert np.allclose(got, w @ cols, rtol=1e-12)
        else:  # exact: integer arithmetic
            assert np.array_equal(got, (w @ cols.astype(np.int64)).astype(np.float64)), \
                (kind, n, k, resamples, seed)


def test_degenerate_shapes():
    assert rs.resampled_sums(np.zeros((0, 3), int), 4, 0).tolist() == [[0.0] * 3] * 4
    assert rs.resampled_sums(np.ones((5, 0), int), 4, 0).shape == (4, 0)
    assert rs.resampled_sums(np.ones((5, 2), int), 0, 0).shape == (0, 2)
    assert rs.resample_weights(0, 3, 0).shape == (3, 0)
    with pytest.raises(UsageError, match="2-d array"):
        rs.resampled_sums(np.ones(5, int), 4, 0)


# -- reproducible ------------------------------------------------------------------------------

def test_results_depend_on_the_seed_only(monkeypatch):
    """Threads or not, how many resamples are asked for, calls from several threads at once:
    resample r is the same. Another seed gives other resamples."""
    cols = np.random.default_rng(0).integers(0, 50, (40_000, 3))
    one = rs.resampled_sums(cols, 150, 7)
    monkeypatch.setattr(rs, "_THREADED_DRAWS", 1)
    for workers in (2, 3, 4):
        monkeypatch.setattr(rs, "_workers", lambda w=workers: w)
        assert rs.resampled_sums(cols, 150, 7).tobytes() == one.tobytes()
    assert rs.resampled_sums(cols, 70, 7).tobytes() == one[:70].tobytes()
    assert rs.resampled_sums(cols, 129, 7).tobytes() == one[:129].tobytes()
    with ThreadPoolExecutor(3) as ex:
        outs = list(ex.map(lambda _: rs.resampled_sums(cols, 150, 7), range(3)))
    assert all(o.tobytes() == one.tobytes() for o in outs)
    other = rs.resampled_sums(cols, 150, 8)
    assert not (other == one).all(axis=1).any()


def test_bootstrap_blas_one_thread_then_restored(threaded, monkeypatch):
    """No BLAS thread busy-waits against the bootstrap's: BLAS runs one thread, or (when
    OpenBLAS ignores the setting) every product is small enough to run on the calling thread;
    afterwards the user's setting is back."""
    from threadpoolctl import threadpool_info

    def blas_threads():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = blas_threads()
    if not before:
        pytest.skip("numpy uses no BLAS that threadpoolctl can see")
    seen = []
    product = rs._Columns.product

    def spy(self, *args):
        seen.append((blas_threads(), self.single_blas))
        return product(self, *args)

    monkeypatch.setattr(rs._Columns, "product", spy)
    cols = np.random.default_rng(0).integers(0, 50, (3000, 3))
    want = rs.resample_weights(3000, 140, 0) @ cols
    rs.resampled_sums(cols, 140, 0)  # from this thread first
    # Overlapping calls from several threads: BLAS back to the user's setting only at the end.
    with ThreadPoolExecutor(3) as ex:
        outs = list(ex.map(lambda _: rs.resampled_sums(cols, 140, 0), range(3)))
    assert all(np.array_equal(o, want) for o in outs)
    assert seen and all(t == [1] * len(before) or not single for t, single in seen)
    assert blas_threads() == before


def test_small_products_equal_one_product():
    """When OpenBLAS ignores the one-thread setting, products are cut small; same sums."""
    rng = np.random.default_rng(5)
    for n, k, rows in [(5000, 3, 41), (2009, 231, 64), (300, 1, 1)]:
        cols = rng.integers(0, 300, (n, k))
        prep = rs._Columns(cols, True)
        w = np.stack([np.bincount(rng.integers(0, n, n), minlength=n)
                      for _ in range(rows)]).astype(np.float32)
        m = w.sum(axis=1)
        got = []
        for single in (True, False):
            prep.single_blas = single
            acc = np.zeros((rows, k))
            for start in range(0, n, 1 << rs._BLOCK_BITS):
                stop = min(n, start + (1 << rs._BLOCK_BITS))
                prep.product(start, w[:, start:stop], w[:, start:stop].sum(axis=1), acc)
            got.append(acc)
        assert (m == n).all()
        assert np.array_equal(got[0], got[1])
        assert np.array_equal(got[0], w.astype(np.int64) @ cols)  # exact


# -- helper processes --------------------------------------------------------------------------

@pytest.fixture
def helpers(monkeypatch):
    """Helper processes take batches even for small inputs; two of them (three workers)."""
    monkeypatch.setattr(rs, "_HELPER_DRAWS", 1)
    monkeypatch.setattr(rs, "_workers", lambda: 3)


def _share_run(cols, resamples, seed, batch_delay=0.0, on_batch=None):
    """``resampled_sums`` through ``_HelperShare`` with a main thread slowed down by
    ``batch_delay`` per batch, so that the helpers (0.2 s to start) take batches too. Returns
    the sums and who computed each batch (None: this process)."""
    import time

    out = np.zeros((resamples, cols.shape[1]))
    prep = rs._Columns(cols, True)
    share = rs._HelperShare(resamples, 7, out, 2)
    takers: dict[int, int | None] = {}
    claim = share._claim

    def spy(helper=None):
        j = claim(helper)
        if j is not None:
            takers[j] = helper
        return j

    share._claim = spy

    def batch(j):
        if on_batch:
            on_batch(share, j)
        time.sleep(batch_delay)
        out[j * rs._BATCH:(j + 1) * rs._BATCH] = rs._batch_sums(prep, resamples, 7, j)

    with rs._one_blas_thread() as single:
        prep.single_blas = single
        share.run(prep, batch, (resamples + rs._BATCH - 1) // rs._BATCH)
    assert all(p.returncode is not None for p in share._procs)  # every helper reaped
    return out, takers, share


def test_helper_processes_compute_the_same_sums(helpers):
    """Batches computed by helper processes are the ones this process computes, bit for bit."""
    cols = np.random.default_rng(3).integers(0, 60, (20_000, 4))
    want = rs.resample_weights(20_000, 700, 7) @ cols
    got, takers, _ = _share_run(cols, 700, 7, batch_delay=0.15)
    assert np.array_equal(got, want)
    assert any(h is not None for h in takers.values()), takers  # the helpers took batches
    assert None in takers.values()
    # Through resampled_sums (helpers start while the columns are prepared), other seed.
    assert rs.resampled_sums(cols, 700, 8).tobytes() == \
        (rs.resample_weights(20_000, 700, 8) @ cols).astype(np.float64).tobytes()


def test_a_helper_that_stops_midway_costs_no_batch(helpers):
    """A helper killed while it computes a batch: that batch is computed here, the sums are
    unchanged."""
    cols = np.random.default_rng(4).integers(0, 60, (20_000, 3))
    want = rs.resample_weights(20_000, 900, 7) @ cols
    killed = []

    def kill_a_busy_helper(share, j):
        with share._lock:
            busy = [h for h, b in enumerate(share._busy) if b is not None]
        if busy and not killed:
            killed.append(share._busy[busy[0]])
            share._procs[busy[0]].kill()

    got, _, _ = _share_run(cols, 900, 7, batch_delay=0.15, on_batch=kill_a_busy_helper)
    assert killed, "no helper was busy while this process computed its batches"
    assert np.array_equal(got, want)


def test_helpers_that_cannot_start_or_do_not_answer_cost_no_batch(helpers, monkeypatch):
    """No interpreter to start, or a helper that never reads its input: every batch is computed
    here, and the hung helper is killed and reaped when this process is done."""
    import subprocess
    import sys

    cols = np.random.default_rng(5).integers(0, 60, (20_000, 3))
    want = (rs.resample_weights(20_000, 300, 7) @ cols).astype(np.float64)
    for executable in ("/nonexistent/python", "", None):  # None, "": an embedding application
        monkeypatch.setattr(sys, "executable", executable)
        assert rs.resampled_sums(cols, 300, 7).tobytes() == want.tobytes()
    monkeypatch.undo()
    monkeypatch.setattr(rs, "_HELPER_DRAWS", 1)
    monkeypatch.setattr(rs, "_workers", lambda: 3)
    started = []

    def hung(module, **kw):
        p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        started.append(p)
        return p

    monkeypatch.setattr(rs, "start_helper", hung)
    assert rs.resampled_sums(cols, 300, 7).tobytes() == want.tobytes()
    assert len(started) == 2
    # Killed (not left to end by itself, while a thread here still waited to feed it).
    assert all(p.returncode is not None and p.returncode != 0 for p in started)


def test_columns_a_helper_cannot_hold_exactly_are_summed_here(helpers, monkeypatch):
    """Helpers are sent float32 columns: with a count past 2**24 no helper takes a batch (the
    ones started while the columns were prepared are stopped); for non-integers none is
    started. The sums are exact."""
    started = []
    init = rs._HelperShare.__init__

    def spy(self, *a, **kw):
        init(self, *a, **kw)
        started.append(self)

    monkeypatch.setattr(rs._HelperShare, "__init__", spy)
    rng = np.random.default_rng(6)
    cols = rng.integers(0, 60, (5_000, 3))
    cols[17, 1] = 10**8
    want = rs.resample_weights(5_000, 200, 7) @ cols
    assert np.array_equal(rs.resampled_sums(cols, 200, 7), want)
    floats = rng.random((5_000, 2))
    assert np.allclose(rs.resampled_sums(floats, 200, 7),
                       rs.resample_weights(5_000, 200, 7) @ floats, rtol=1e-12)
    assert len(started) == 1
    assert all(p.returncode is not None for s in started for p in s._procs)
    assert all(s._next == 0 for s in started)  # no batch was handed out
