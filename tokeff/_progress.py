"""Progress for long runs: one bar (tqdm) for ``compare``, ``report``, ``baseline``, ``check``
and ``measure(progress=True)``.

The bar shows steps done (tokenizer x language), the rate and the time left. It is silent when
its stream is not a terminal, under CI (environment variable ``CI`` set) or when ``quiet``; in a
notebook ``tqdm.auto`` draws a widget. Counting calls it from worker threads, so it locks.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any, TextIO

__all__ = ["ProgressBar", "progress_wanted"]


def progress_wanted(stream: TextIO, quiet: bool = False) -> bool:
    """Whether a bar should be drawn on ``stream``: a terminal, not under CI, not quiet."""
    if quiet or os.environ.get("CI"):
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class ProgressBar:
    """A progress bar over ``total`` steps (0: not known yet; see :meth:`set_total`).

    Call it with what was just done (``bar("cl100k_base zho_Hans")``); :meth:`status` says what
    is happening without counting a step. ``notebook=True`` uses ``tqdm.auto`` (a widget in
    Jupyter) and draws whatever the stream.
    """

    def __init__(self, total: int = 0, *, quiet: bool = False, stream: TextIO | None = None,
                 label: str = "tokeff", notebook: bool = False):
        self.stream = stream if stream is not None else sys.stderr
        self.total = max(0, int(total))
        self.done = 0
        self.label = label.strip() or "tokeff"
        self.enabled = (not quiet and not os.environ.get("CI")) if notebook else \
            progress_wanted(self.stream, quiet)
        self._lock = threading.Lock()
        self._bar: Any = None
        if self.enabled:
            if notebook:
                from tqdm.auto import tqdm
            else:
                from tqdm import tqdm
            self._bar = tqdm(total=self.total or None, desc=self.label, unit="step",
                             file=None if notebook else self.stream, leave=False,
                             dynamic_ncols=True, mininterval=0.1)

    def set_total(self, total: int) -> None:
        """The number of steps, once it is known (``measure`` calls this)."""
        with self._lock:
            self.total = max(0, int(total))
            if self._bar is not None:
                self._bar.total = self.total or None
                self._bar.refresh()

    def __call__(self, what: str) -> None:
        """One step done (``what`` names it)."""
        with self._lock:
            self.done += 1
            if self._bar is not None:
                self._bar.set_postfix_str(what, refresh=False)
                self._bar.update(1)
                if self.done == self.total:  # always show the finished state
                    self._bar.refresh()

    def status(self, what: str) -> None:
        """Say what is happening now without counting a step."""
        with self._lock:
            if self._bar is not None:
                self._bar.set_postfix_str(what)

    def close(self) -> None:
        """Remove the bar (it leaves nothing behind)."""
        with self._lock:
            if self._bar is not None:
                self._bar.close()
                self._bar = None

    def __enter__(self) -> ProgressBar:  # noqa: PYI034 (Self needs Python 3.11)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
