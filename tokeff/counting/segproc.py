"""Word segmentation in helper processes, so that it runs beside tokenizer loading and encoding.

Dictionary segmenters (jieba and PyThaiNLP in pure Python, Sudachi and ICU through bindings)
hold the GIL, and so do the tokenizer constructors: two ``tokenizers.Tokenizer.from_str`` or
tiktoken ``Encoding`` builds in two threads take as long as one after the other (measured on the
catalogue files). In one process a cold run therefore pays segmentation and tokenizer loading
one after the other, on one core. A helper process segments while the main process loads and
encodes, on the other core.

The helper is a plain ``python -m tokeff.counting._segworker`` subprocess that reads requests
and writes results as length-prefixed pickles on its pipes (:mod:`tokeff._helperproc` says why
not :mod:`multiprocessing`). The helper runs the same :func:`tokeff.counting.kernel.prepare_text` with
the same installed packages, so the words and the signature are the ones the main process would
have computed (``tests/test_segproc.py`` checks the counts are equal, bit for bit).

:func:`offloadable` says which segmenters can go there: built-in ones that do real work (not
``unicode-words``). The thread runner sends them there when it decides per run (the default)
only if this process has not loaded them yet and still has tokenizers to load: a segmenter
already in memory is used in place, so a notebook session pays for each dictionary once.
"""

from __future__ import annotations

import heapq
import itertools
import pickle
import struct
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from .._helperproc import start_helper, stop_helper
from ..errors import SegmenterError
from ..segmenters import SEGMENTER_INFO, SEGMENTERS, loaded_segmenter
from .kernel import LangText

__all__ = ["SegmentProcesses", "loaded_here", "offloadable"]

_HEADER = struct.Struct("<Q")
#: Segmenters that are cheap enough in place (a regular expression, no dictionary to load).
_IN_PLACE = frozenset({"unicode-words"})


def offloadable(name: str | None) -> bool:
    """Whether a helper process can segment with ``name`` and it does real work there: a
    built-in segmenter (a helper process knows only those) still registered as built in, other
    than ``unicode-words`` (a regular expression, cheaper in place)."""
    if name is None or name in _IN_PLACE:
        return False
    info = SEGMENTER_INFO.get(name)
    return info is not None and info.factory is not None and \
        SEGMENTERS.registered_factory(name) is info.factory


def loaded_here(name: str) -> bool:
    """Whether this process has already loaded the dictionary or model of segmenter ``name``."""
    seg = loaded_segmenter(name)
    return seg is not None and seg.loaded


def write_message(stream, obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def read_message(stream) -> object:
    """The next message, or raises EOFError when the other side has closed the pipe."""
    head = stream.read(_HEADER.size)
    if len(head) < _HEADER.size:
        raise EOFError
    (n,) = _HEADER.unpack(head)
    data = stream.read(n)
    if len(data) < n:
        raise EOFError
    return pickle.loads(data)


class _Helper:
    """One helper process and the pipes to it (used by one thread at a time)."""

    def __init__(self) -> None:
        #: The segmenters this process was given (and so has loaded).
        self.served: set[str] = set()
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self.proc = start_helper("tokeff.counting._segworker", stderr=self._stderr)

    def prepare(self, lang: str, texts: list[str], segmenter: str) -> LangText:
        try:
            write_message(self.proc.stdin, (lang, texts, segmenter))
            status, payload = read_message(self.proc.stdout)  # type: ignore[misc]
        except (EOFError, OSError, pickle.UnpicklingError) as e:
            raise SegmenterError(
                f"the word-segmentation helper process stopped while segmenting {lang} with "
                f"{segmenter!r} (exit code {self.proc.poll()}): {self._tail()}; run again "
                f"with --workers 1 to segment in the main process") from e
        if status == "ok":
            lt = payload
            lt.texts = texts  # the helper does not send the texts back
            return lt
        if isinstance(payload, BaseException):
            raise payload
        kind, message = payload
        raise SegmenterError(f"segmenting {lang} with {segmenter!r} failed in the helper "
                             f"process: {kind}: {message}")

    def _tail(self) -> str:
        try:
            self._stderr.seek(0)
            lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
        except OSError:
            lines = []
        return lines[-1] if lines else "no error message"

    def close(self, kill: bool = False) -> None:
        stop_helper(self.proc, timeout=10, kill=kill)
        try:
            self._stderr.close()
        except OSError:
            pass


#: Rough cost of each segmenter, (seconds per character, seconds to load), from
#: ``benchmarks/SEGMENTERS.md``: only to spread segmenters over helpers so that they finish
#: together; it never changes what is counted.
_COST = {"jieba": (1 / 244_000, 1.5), "jieba-nohmm": (1 / 224_000, 1.5),
         "jieba-raw": (1 / 183_000, 1.5), "sudachi": (1 / 310_000, 0.3),
         "newmm": (1 / 283_000, 0.75), "icu": (1 / 1_100_000, 0.05)}
_DEFAULT_COST = (1 / 300_000, 0.5)


class _Turns:
    """Requests to one helper, served one at a time in order of (priority, arrival).

    A plain lock would hand the helper to whichever waiting thread the OS wakes first: with the
    chunks of a stream in flight at once, every chunk would then finish at about the same time,
    and the next chunks could not start until then (the helpers idle at each such boundary).
    Earlier chunks first lets the first chunk finish early and the next one take its place.
    """

    def __init__(self) -> None:
        self._cv = threading.Condition()
        self._waiting: list[tuple[int, int]] = []  # a heap of (priority, ticket)
        self._tickets = itertools.count()
        self._busy = False

    @contextmanager
    def turn(self, priority: int = 0) -> Iterator[None]:
        with self._cv:
            me = (priority, next(self._tickets))
            heapq.heappush(self._waiting, me)
            while self._busy or self._waiting[0] != me:
                self._cv.wait()
            heapq.heappop(self._waiting)
            self._busy = True
        try:
            yield
        finally:
            with self._cv:
                self._busy = False
                self._cv.notify_all()


class SegmentProcesses:
    """Up to ``n`` helper processes, started on first use; :meth:`prepare` is
    :func:`tokeff.counting.kernel.prepare_text` run in one of them (blocking the calling thread,
    which waits without holding the GIL).

    Each segmenter is given to one helper, so that no dictionary is loaded twice: with more
    segmenters than helpers, a helper takes several (by :meth:`expect`'s estimate of the work,
    else as they come).
    """

    def __init__(self, n: int = 1):
        self.n = max(1, n)
        self._all: list[_Helper | None] = [None] * self.n
        self._turns = [_Turns() for _ in range(self.n)]
        self._names: list[set[str]] = [set() for _ in range(self.n)]
        self._by_name: dict[str, int] = {}
        self._expected: dict[str, int] | None = None
        self._lock = threading.Lock()
        self._closed = False

    def expect(self, blocks: dict[str, int], chars: dict[str, int] | None = None) -> None:
        """How many blocks each segmenter will be given in all (a single run): each helper then
        exits as soon as the blocks of its segmenters are prepared, freeing its memory. With
        ``chars`` (characters per segmenter), segmenters are spread over the helpers so that
        their estimated work is even (longest first, each to the least loaded helper)."""
        with self._lock:
            self._expected = dict(blocks)
        if chars:
            self.spread(chars)

    def spread(self, chars: dict[str, int]) -> None:
        """Give each segmenter of ``chars`` (characters it will segment) a helper so that their
        estimated work is even: longest first, each to the least loaded helper (segmenters
        already given one keep it). Used for a streamed corpus too, which does not know its
        blocks in advance (:meth:`expect` is for a single run)."""
        with self._lock:
            new = {k: v for k, v in chars.items() if k not in self._by_name}
            for name, i in self._longest_first(new, self.n)[0].items():
                self._by_name[name] = i
                self._names[i].add(name)

    @staticmethod
    def makespan(chars: dict[str, int], n: int) -> float:
        """Estimated seconds until ``n`` helpers have segmented ``chars`` (characters per
        segmenter), spread as :meth:`spread` does."""
        return max(SegmentProcesses._longest_first(chars, n)[1])

    @staticmethod
    def _longest_first(chars: dict[str, int], n: int) -> tuple[dict[str, int], list[float]]:
        """Each segmenter's helper (longest estimated work first, each to the least loaded of
        ``n``), and each helper's estimated seconds."""
        load = [0.0] * max(1, n)
        where: dict[str, int] = {}
        for name in sorted(chars, key=lambda x: -SegmentProcesses._cost(x, chars[x])):
            i = min(range(len(load)), key=lambda k: load[k])
            load[i] += SegmentProcesses._cost(name, chars[name])
            where[name] = i
        return where, load

    @staticmethod
    def _cost(name: str, chars: int) -> float:
        per_char, load = _COST.get(name, _DEFAULT_COST)
        return load + per_char * chars

    def _helper_for(self, segmenter: str) -> int:
        with self._lock:
            if self._closed:
                raise SegmenterError("the word-segmentation helper processes were stopped")
            i = self._by_name.get(segmenter)
            if i is None:
                free = [k for k in range(self.n) if not self._names[k]]
                i = free[0] if free else min(range(self.n), key=lambda k: len(self._names[k]))
                self._by_name[segmenter] = i
                self._names[i].add(segmenter)
            if self._all[i] is None:
                self._all[i] = _Helper()
            return i

    def prepare(self, lang: str, texts: Sequence[str], segmenter: str, *,
                priority: int = 0) -> LangText:
        """Segment in the helper of ``segmenter``; requests waiting for the same helper are
        served lowest ``priority`` first (a stream's earlier chunks), then in arrival order."""
        i = self._helper_for(segmenter)
        with self._turns[i].turn(priority):
            try:
                if self._closed:
                    raise SegmenterError("the word-segmentation helper processes were stopped")
                helper = self._all[i]
                if helper is None:  # the slot's previous process exited (see _done_one)
                    helper = self._all[i] = _Helper()
                helper.served.add(segmenter)
                return helper.prepare(lang, list(texts), segmenter)
            finally:
                self._done_one(i, segmenter)

    def _done_one(self, i: int, segmenter: str) -> None:
        """Count a prepared block (in a single run; called during the slot's turn). A process
        whose segmenters have all had their blocks exits, freeing its memory; when the slot
        still has segmenters to come, a new process takes them, so that a helper holds one
        dictionary at a time, not the sum of them (unless their blocks came interleaved)."""
        with self._lock:
            if self._expected is None or segmenter not in self._expected:
                return
            self._expected[segmenter] -= 1
            helper = self._all[i]
            if helper is None or any(self._expected.get(n, 1) > 0 for n in helper.served):
                return
            more = any(self._expected.get(n, 1) > 0 for n in self._names[i])
            # The next process starts now, to be ready when the slot's next block comes.
            self._all[i] = _Helper() if more and not self._closed else None
        helper.close()

    def close(self, kill: bool = False) -> None:
        """Stop the helpers (``kill``: at once, without waiting for the current request)."""
        with self._lock:
            self._closed = True
            helpers = [h for h in self._all if h is not None]
        for h in helpers:
            h.close(kill=kill)
