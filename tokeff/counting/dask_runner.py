"""Counting on a Dask ``distributed`` cluster, with the same results as a local run.

Pass a :class:`distributed.Client` as ``executor`` to :func:`tokeff.measure` (or ``"dask"`` to
use the current default client):

- an in-memory corpus is cut into blocks (as locally); each block is sent to a worker, counted
  there for every tokenizer, and the counts come back to be put in order;
- a streamed corpus (``chunk_size=...``) is cut into partitions of aligned segments; each worker
  reads its own partitions from the files (the paths must be visible to the workers, e.g. on
  shared storage) and counts them; the compact count arrays are then concatenated pairwise on
  the workers (a tree reduction, in corpus order) and only the result travels back.

Tokenizers are pickled and scattered to every worker once. A worker whose tokenizer library or
tokeff version differs from this process refuses to count (its numbers could differ), and the
segmenter signature every worker reports must equal the local one.

>>> from distributed import Client, LocalCluster  # doctest: +SKIP
>>> client = Client(LocalCluster(n_workers=4))  # doctest: +SKIP
>>> res = tokeff.measure("big-corpus/", ["cl100k_base"], chunk_size=100_000,
...                      executor=client)  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

from .._version import __version__
from ..errors import MissingDependencyError, UsageError
from .blocks import count_corpus
from .counts import Counts, concat_counts, share_language_arrays
from .kernel import Job, run_job, segmenter_signatures
from .runners import ThreadRunner

__all__ = ["DaskRunner"]

_BACKEND_MODULES = {"tiktoken": "tiktoken", "tokenizers": "tokenizers",
                    "sentencepiece": "sentencepiece"}


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise MissingDependencyError("the Dask executor", "dask[distributed]", "dask") from None
    return distributed


def _client(client: Any = None) -> Any:
    distributed = _distributed()
    if client is not None:
        return client
    try:
        return distributed.get_client()
    except ValueError:
        raise UsageError("executor='dask' needs a running Dask client: create one first, e.g. "
                         "distributed.Client(distributed.LocalCluster()) or "
                         "Client('scheduler-address:8786'), or pass the client as "
                         "executor=") from None


def check_worker(tokenizers: Sequence[Any], tokeff_version: str) -> None:
    """Raise when this worker's tokeff or tokenizer libraries differ from the caller's."""
    if tokeff_version != __version__:
        raise UsageError(f"a Dask worker has tokeff {__version__}, the client {tokeff_version}; "
                         f"install the same version on every worker")
    for t in tokenizers:
        mod = _BACKEND_MODULES.get(getattr(t, "backend", ""))
        if mod is None:
            continue
        have = getattr(importlib.import_module(mod), "__version__", "unknown")
        if have != t.backend_version:
            raise UsageError(f"tokenizer {t.name!r}: a Dask worker has {mod} {have}, the client "
                             f"{t.backend_version}; install the same version on every worker so "
                             f"that counts are comparable")


def _run_job_remote(job: Job, tokenizers: list[Any], spans: bool, version: str) -> list[Counts]:
    check_worker(tokenizers, version)
    return run_job(job, tokenizers, spans)


def _count_partition(partition: Any, tokenizers: list[Any], segmenters: dict[str, str | None],
                     spans: bool, words: bool, byte_fallback: bool, cache: Any, version: str,
                     ids: bool = True) -> dict[tuple[str, str], Counts]:
    check_worker(tokenizers, version)
    corpus = partition.load()
    runner = ThreadRunner()
    try:
        counts = count_corpus(corpus, tokenizers, segmenters, runner=runner, store=cache,
                              spans=spans, words=words, byte_fallback=byte_fallback, ids=ids)
    finally:
        runner.close()
    return {k: c.compact() for k, c in counts.items()}


def _reduce_pair(a: dict[tuple[str, str], Counts],
                 b: dict[tuple[str, str], Counts]) -> dict[tuple[str, str], Counts]:
    return {k: concat_counts([a[k], b[k]]) for k in a}


def _check_segmenters(counts: Any, expected: dict[str, str | None], words: bool) -> None:
    for c in counts:
        want = expected.get(c.lang)
        if words and c.segmenter != want:
            raise UsageError(f"a Dask worker segments {c.lang} with {c.segmenter!r}, this "
                             f"process with {want!r}; install the same segmenter versions on "
                             f"every worker")


class DaskRunner:
    """Counting jobs or corpus partitions on a Dask cluster (see the module docstring)."""

    distributed = True

    def __init__(self, client: Any = None, *, scheduler: str | None = None,
                 local_workers: int | None = None):
        """``client``: a ``distributed.Client`` (None: the current default client). With
        ``scheduler`` (an address such as ``tcp://host:8786``) the runner connects to that
        cluster; with ``local_workers`` and no running client it starts a local cluster of that
        many worker processes. Either is closed again by :meth:`close`."""
        self._given = client
        self._scheduler = scheduler
        self._local_workers = local_workers
        self._owned: list[Any] = []

    @property
    def client(self) -> Any:
        if self._given is None and (self._scheduler or self._local_workers):
            distributed = _distributed()
            if self._scheduler:
                try:
                    self._given = distributed.Client(self._scheduler, timeout="10s")
                except (OSError, TimeoutError) as e:
                    raise UsageError(f"cannot connect to the Dask scheduler at "
                                     f"{self._scheduler!r} ({e}); check the address "
                                     f"(--scheduler tcp://HOST:8786) and that it is running"
                                     ) from None
                self._owned.append(self._given)
            else:
                try:
                    self._given = distributed.get_client()
                except ValueError:
                    cluster = distributed.LocalCluster(n_workers=self._local_workers,
                                                       threads_per_worker=1,
                                                       dashboard_address=None)
                    self._given = distributed.Client(cluster)
                    self._owned += [self._given, cluster]
        return _client(self._given)

    def close(self) -> None:
        """Close the client and cluster this runner started (not one it was given)."""
        while self._owned:
            self._owned.pop(0).close()

    def _scatter(self, client: Any, tokenizers: Sequence[Any]) -> Any:
        return client.scatter(list(tokenizers), broadcast=True, hash=False)

    def run(self, jobs: Sequence[Job], tokenizers: Sequence[Any], spans: bool):
        from distributed import as_completed

        client = self.client
        expected = segmenter_signatures({j.lang: j.segmenter for j in jobs})
        toks = self._scatter(client, tokenizers)
        futs = {client.submit(_run_job_remote, job, toks, spans, __version__, pure=False): job
                for job in jobs}
        try:
            for fut, result in as_completed(list(futs), with_results=True):
                job = futs[fut]
                _check_segmenters(result, {job.lang: expected[job.lang]},
                                  job.segmenter is not None)
                for ti, c in zip(job.tok_indices, result):
                    yield job, ti, c
        finally:
            del toks

    def count_partitions(self, stream: Any, tokenizers: Sequence[Any],
                         segmenters: dict[str, str | None], *, spans: bool = True,
                         progress: Callable[[str], None] | None = None, store: Any = None,
                         words: bool = True, byte_fallback: bool = True, ids: bool = True
                         ) -> dict[tuple[str, str], Counts]:
        """Count every partition of a streamed corpus on the workers and reduce them there
        (``ids=False``: no token-id frequencies, the count-only path allowed)."""
        client = self.client
        seg = {lang: segmenters.get(lang) for lang in stream.langs}
        expected = segmenter_signatures(seg)
        toks = self._scatter(client, tokenizers)
        level = [client.submit(_count_partition, p, toks, seg, spans, words, byte_fallback,
                               store, __version__, ids, pure=False) for p in stream.partitions]
        while len(level) > 1:
            nxt = [client.submit(_reduce_pair, level[i], level[i + 1], pure=False)
                   for i in range(0, len(level) - 1, 2)]
            if len(level) % 2:
                nxt.append(level[-1])
            level = nxt
        out = level[0].result()
        del toks
        _check_segmenters(out.values(), expected, words)
        if sum(1 for _ in out) and next(iter(out.values())).n_segments != len(stream):
            raise RuntimeError("the reduced counts do not cover the corpus (a bug)")
        share_language_arrays(out)
        if progress:
            for t in tokenizers:
                for lang in stream.langs:
                    progress(f"{t.name} {lang}")
        return out
