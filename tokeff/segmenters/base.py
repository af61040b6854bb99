"""The segmenter base class and the word-span arrays it produces."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass
class WordArrays:
    """Words of a batch of texts: ``counts[i]`` words in text ``i``; ``starts``/``ends`` are byte
    offsets of each word in the UTF-8 of its own text, texts one after the other."""

    counts: np.ndarray
    starts: np.ndarray
    ends: np.ndarray


# Guards the creation of each instance's load lock (instances of subclasses that do not call
# ``Segmenter.__init__`` get theirs on first use).
_LOCK_FOR_LOCKS = threading.Lock()


class Segmenter:
    """Base class: subclasses set ``name``/``version``/``settings`` and implement ``_segment``
    (one text -> list of (char_start, char_end)) or override :meth:`segment_batch`.

    A segmenter with a model or dictionary to load sets ``version``/``settings`` in its
    constructor from cheap metadata (package versions) and loads the heavy part in
    :meth:`_load`, which runs once, on first use: counting records the signature of every
    language's segmenter even when no word metric is asked for, and must not pay for loading
    them. An override of :meth:`segment_batch` calls :meth:`ensure_loaded` first.
    """

    name: str = "segmenter"
    version: str = ""
    settings: str = ""
    _loaded: bool = False

    @property
    def loaded(self) -> bool:
        """True once :meth:`_load` has run (the model or dictionary is in memory)."""
        return self._loaded

    def ensure_loaded(self) -> None:
        """Load the heavy part once; safe to call from several threads at a time (counting
        segments languages in worker threads, and two languages may share an instance)."""
        if self._loaded:
            return
        lock = self.__dict__.get("_load_lock")
        if lock is None:
            with _LOCK_FOR_LOCKS:
                lock = self.__dict__.setdefault("_load_lock", threading.Lock())
        with lock:
            if not self._loaded:
                self._load()  # raises (and is retried on next use) when loading fails
                self._loaded = True

    def _load(self) -> None:
        """Load what segmenting needs and the signature does not (model, dictionary)."""

    @property
    def signature(self) -> str:
        """Compact id recorded with every result, e.g. ``jieba-0.42.1+hmm``."""
        s = self.name + (f"-{self.version}" if self.version else "")
        return s + (f"+{self.settings}" if self.settings else "")

    def _segment(self, text: str) -> list[tuple[int, int]]:
        raise NotImplementedError

    def segment_batch(self, texts: Sequence[str]) -> WordArrays:
        from ..tokenizers.base import char_to_byte_offsets

        self.ensure_loaded()
        spans = [self._segment(t) for t in texts]
        counts = np.fromiter(map(len, spans), dtype=np.int64, count=len(spans))
        flat = np.array([s for sp in spans for s in sp], dtype=np.int64).reshape(-1, 2)
        c2b, char_base, byte_base = char_to_byte_offsets(texts)
        cb = np.repeat(char_base, counts)
        bb = np.repeat(byte_base, counts)
        return WordArrays(counts=counts, starts=c2b[cb + flat[:, 0]] - bb,
                          ends=c2b[cb + flat[:, 1]] - bb)

    def words(self, text: str) -> list[str]:
        """The words of one text, as strings (for inspection and tests)."""
        wa = self.segment_batch([text])
        b = text.encode("utf-8")
        return [b[s:e].decode("utf-8") for s, e in zip(wa.starts.tolist(), wa.ends.tolist())]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.signature}>"
