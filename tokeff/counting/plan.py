"""The counting plan: one options object decides where counting runs and where counts live.

:class:`CountPlan` holds every option that changes *how* counts are made, never *what* they
are: the runner (serial, threads, processes, any ``concurrent.futures.Executor``, Dask) and the
storage (in memory, streamed chunk by chunk, the on-disk cache). :meth:`CountPlan.run` is the
only entry point; it resolves the runner and the cache once, then counts an in-memory corpus
block by block (:mod:`tokeff.counting.blocks`), a streamed corpus chunk by chunk into compact
arrays (:mod:`tokeff.counting.stream`), or a streamed corpus partition by partition on a Dask
cluster. Whatever the plan, the counts are the same, bit for bit.

>>> from tokeff import Corpus, get_tokenizer
>>> corpus = Corpus.from_dict("demo", {"en": ["Hello world."], "fr": ["Bonjour le monde."]})
>>> counts = CountPlan(words=False, executor="serial").run(
...     corpus, [get_tokenizer("cl100k_base")], {})
>>> int(counts[("cl100k_base", "fra_Latn")].tokens.sum())
4
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from ..corpora.model import Corpus
from ..corpora.stream import Partition, StreamingCorpus
from ..errors import UsageError
from ..tokenizers.base import Tokenizer
from .blocks import count_corpus
from .cache import CountCache, resolve_cache
from .counts import Counts
from .dask_runner import DaskRunner
from .runners import EXECUTORS, ExecutorRunner, ProcessRunner, SerialRunner, ThreadRunner
from .stream import CountsAccumulator, pipeline_chunks

__all__ = ["CountPlan", "count_all", "get_runner"]


def get_runner(executor: Any = None, workers: int | None = None, *,
               scheduler: str | None = None) -> Any:
    """A runner for ``executor``: None/"threads", "processes", "serial", "dask" (the running
    Dask client, the cluster at ``scheduler``, or else a new local cluster of ``workers``
    processes), a :class:`concurrent.futures.Executor`, a Dask ``distributed.Client``, or an
    object with a ``run(jobs, tokenizers, spans)`` method."""
    if scheduler is not None and executor not in (None, "dask"):
        raise UsageError(f"a Dask scheduler address needs executor 'dask', not {executor!r}")
    if executor == "dask" or scheduler is not None:
        return DaskRunner(None, scheduler=scheduler, local_workers=workers or 2)
    if executor is None or executor == "threads":
        return ThreadRunner(workers)
    if executor == "serial":
        return SerialRunner()
    if executor == "processes":
        return ProcessRunner(workers)
    if isinstance(executor, Executor):
        return ExecutorRunner(executor)
    if type(executor).__module__.startswith("distributed"):
        return DaskRunner(executor)
    if hasattr(executor, "run"):
        return executor
    raise UsageError(f"executor must be one of {', '.join(EXECUTORS)}, 'dask', a "
                     f"concurrent.futures.Executor or a dask.distributed.Client, "
                     f"not {executor!r}")


@dataclass
class CountPlan:
    """How to count (see the module docstring); none of these options changes a number.

    ``spans``: ask the tokenizers for token offsets (continued words, UNK rate); ``words``:
    segment words (fertility, continued words); ``byte_fallback``: count byte tokens (the
    byte-fallback rate); ``ids``: keep token-id frequencies (the Renyi efficiency; without
    them, spans and byte tokens, a tokenizer may count by its count-only path); ``cache``:
    True, a directory, a :class:`~tokeff.counting.cache.CountCache`, or None for
    ``$TOKEFF_CACHE``; ``executor`` and
    ``workers``: the runner (:func:`get_runner`); ``scheduler``: a Dask scheduler address;
    ``block_size``: segments per block; ``progress``: called with ``"<tokenizer> <lang>"`` as
    each tokenizer x language is done; ``release_tokenizers``: tokenizers nobody else holds
    (``measure()`` made them from names), which an in-memory count may unload once they have
    counted everything, so that a run with many tokenizers holds one or two at a time.
    """

    spans: bool = True
    words: bool = True
    byte_fallback: bool = True
    ids: bool = True  # keep token-id frequencies (False: the count-only path is allowed)
    workers: int | None = None
    executor: Any = None
    scheduler: str | None = None
    cache: CountCache | bool | str | os.PathLike | None = None
    block_size: int | None = None
    progress: Callable[[str], None] | None = None
    release_tokenizers: Sequence[Tokenizer] = ()

    def run(self, corpus: Corpus | StreamingCorpus, tokenizers: Sequence[Tokenizer],
            segmenters: dict[str, str | None]) -> dict[tuple[str, str], Counts]:
        """Counts of every tokenizer on every language of ``corpus``, keyed by
        ``(tokenizer name, language)``."""
        store = resolve_cache(self.cache)
        runner = get_runner(self.executor, self.workers, scheduler=self.scheduler)
        try:
            if isinstance(corpus, StreamingCorpus):
                return self._run_stream(corpus, list(tokenizers), segmenters, runner, store)
            if isinstance(runner, ThreadRunner):
                runner.one_run = True  # one call: its helper processes can stop once done
            if isinstance(runner, ThreadRunner) and len(tokenizers) > 1 and \
                    _text_size(corpus) <= TOKENIZER_ORDER_MAX_CHARS:
                # Prepared blocks are kept for the whole run in this order: only while the
                # text is small next to what the tokenizers take in memory.
                runner.order = "tokenizer"
                keep = {id(t) for t in self.release_tokenizers}
                runner.release = [id(t) in keep for t in tokenizers]
            return count_corpus(corpus, tokenizers, segmenters, runner=runner, store=store,
                                spans=self.spans, words=self.words,
                                byte_fallback=self.byte_fallback, ids=self.ids,
                                block_size=self.block_size, progress=self.progress)
        finally:
            close = getattr(runner, "close", None)
            if close is not None and runner is not self.executor:
                close()

    def _run_stream(self, stream: StreamingCorpus, tokenizers: list[Tokenizer],
                    segmenters: dict[str, str | None], runner: Any,
                    store: CountCache | None) -> dict[tuple[str, str], Counts]:
        if getattr(runner, "distributed", False):
            out = runner.count_partitions(stream, tokenizers, segmenters, spans=self.spans,
                                          store=store, words=self.words,
                                          byte_fallback=self.byte_fallback, ids=self.ids)
        else:
            acc = CountsAccumulator(len(stream), tokenizers, stream.langs)

            def count_part(part: Partition) -> dict[tuple[str, str], Counts]:
                return count_corpus(part.load(), tokenizers, segmenters, runner=runner,
                                    store=store, spans=self.spans, words=self.words,
                                    byte_fallback=self.byte_fallback,
                                    ids=self.ids, block_size=self.block_size,
                                    chunk=part.start)

            if isinstance(runner, ThreadRunner) and runner.workers > 1:
                # Chunks share the runner (its threads and segmentation helpers) while the
                # next ones are prepared. runner.shared: a failing call leaves it open for the
                # chunks still counting; it is stopped once they are done, as a failing call
                # stops it otherwise.
                runner.shared = True
                runner.chunks = max(1, len(stream.partitions))
                try:
                    pipeline_chunks(stream.partitions, count_part, acc.add,
                                    abort=lambda: runner.close(kill=True))
                except BaseException:
                    runner.close(kill=True)
                    raise
                finally:
                    runner.shared, runner.chunks = False, 1
            else:
                for part in stream.partitions:
                    acc.add(part.start, count_part(part))
            out = acc.result()
        if self.progress:
            for t in tokenizers:
                for lang in stream.langs:
                    self.progress(f"{t.name} {lang}")
        return out


#: Characters of an in-memory corpus up to which tokenizers count one after another.
TOKENIZER_ORDER_MAX_CHARS = 50_000_000


def _text_size(corpus: Corpus) -> int:
    return sum(sum(map(len, texts)) for texts in corpus.segments.values())


def count_all(corpus: Corpus | StreamingCorpus, tokenizers: Sequence[Tokenizer],
              segmenters: dict[str, str | None], **options: Any) -> dict[tuple[str, str], Counts]:
    """``CountPlan(**options).run(corpus, tokenizers, segmenters)`` (the options are the fields
    of :class:`CountPlan`)."""
    return CountPlan(**options).run(corpus, tokenizers, segmenters)
