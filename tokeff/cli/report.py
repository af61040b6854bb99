"""``tokeff report``: measure like ``tokeff compare`` and write an HTML or markdown report.

    tokeff report --langs en,zh,ja --tokenizers cl100k_base,qwen2.5 --output report.html

The format comes from the file suffix (.html, .md) or ``--format``. The file is written whole
or not at all. A progress bar (per tokenizer x language) goes to stderr when it is a terminal,
not under CI (environment variable ``CI`` set) and not with ``--quiet``.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from ..errors import UsageError
from ..measure import measure
from ..report import _atomic_write, build_report, format_for_path
from ..tokenizers import get_tokenizer
from ._common import EXIT_OK, selection_kwargs, write_output

__all__ = ["ProgressBar", "add_command", "cmd_report"]


def _progress_wanted(stream: TextIO, quiet: bool) -> bool:
    if quiet or os.environ.get("CI"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class ProgressBar:
    """A one-line progress bar on a stream (stderr by default): ``[#####.....] 12/40 name``
    with the elapsed time and an estimate of what is left. Thread-safe (counting calls it from
    worker threads). Silent when the stream is not a terminal, under CI, or when ``quiet``.
    """

    def __init__(self, total: int, *, quiet: bool = False, stream: TextIO | None = None,
                 width: int = 24, label: str = ""):
        self.stream = stream if stream is not None else sys.stderr
        self.total = max(0, int(total))
        self.done = 0
        self.width = width
        self.label = label
        self.enabled = _progress_wanted(self.stream, quiet)
        self._start = time.monotonic()
        self._lock = threading.Lock()
        self._shown = False

    def __call__(self, what: str) -> None:
        """One step done (``what`` names it)."""
        with self._lock:
            self.done += 1
            if self.enabled:
                self._draw(what)

    def status(self, what: str) -> None:
        """Say what is happening now without counting a step."""
        with self._lock:
            if self.enabled:
                self._write(f"{self.label}{what}")

    def _draw(self, what: str) -> None:
        total = max(self.total, self.done, 1)
        frac = self.done / total
        fill = round(frac * self.width)
        elapsed = time.monotonic() - self._start
        eta = ""
        if 0 < self.done < total:
            eta = f" ~{_secs(elapsed / self.done * (total - self.done))} left"
        self._write(f"{self.label}[{'#' * fill}{'.' * (self.width - fill)}] {self.done}/{total} "
                    f"{_secs(elapsed)}{eta}  {what}")

    def _cols(self) -> int:
        try:
            cols = os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, ValueError, OSError):
            cols = 0
        return cols - 1 if cols >= 40 else 79  # some terminals report 0 columns

    def _write(self, line: str) -> None:
        cols = self._cols()
        self.stream.write("\r" + line[:cols].ljust(cols))
        self.stream.flush()
        self._shown = True

    def close(self) -> None:
        """Clear the line (the bar leaves nothing behind)."""
        with self._lock:
            if self.enabled and self._shown:
                self.stream.write("\r" + " " * self._cols() + "\r")
                self.stream.flush()
                self._shown = False

    def __enter__(self) -> ProgressBar:  # noqa: PYI034 (Self needs Python 3.11)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _secs(s: float) -> str:
    s = round(s)
    return f"{s // 60}:{s % 60:02d}"


def add_command(subparsers: argparse._SubParsersAction,
                add_selection: Callable[[argparse.ArgumentParser], None]) -> tuple[str, Callable]:
    p = subparsers.add_parser(
        "report", help="measure and write an HTML or markdown report",
        description="Measure tokenizers on a parallel corpus (same selection options as "
                    "compare) and write a report: self-contained HTML (plots embedded, views "
                    "offline) or markdown. Example: tokeff report --langs en,zh,ja "
                    "--output report.html")
    add_selection(p)
    p.add_argument("--output", "-o", default=None,
                   help="report file (.html or .md); default: markdown to stdout")
    p.add_argument("--format", choices=("html", "markdown", "md"), default=None,
                   help="report format (default: from the --output suffix)")
    p.add_argument("--title", default=None, help="report title")
    p.add_argument("--drilldown", type=int, default=3, metavar="N",
                   help="segments shown per tokenizer in its most expensive language (0: none)")
    p.add_argument("--no-plots", action="store_true", help="leave the plots out")
    return "report", cmd_report


def cmd_report(args: argparse.Namespace) -> int:
    if args.output and args.output != "-":
        fmt = format_for_path(args.output, args.format)
    else:
        fmt = {"md": "markdown"}.get(args.format or "markdown", args.format or "markdown")
    if args.drilldown < 0:
        raise UsageError(f"--drilldown must be 0 or more, not {args.drilldown}")
    kw = selection_kwargs(args)
    langs = kw["langs"] or []  # None when streaming without --langs: the count is unknown
    n_langs = len(langs) + (0 if not langs or kw["pivot"] in langs else 1)
    bar = ProgressBar(len(kw["tokenizers"]) * n_langs, quiet=args.quiet, label="tokeff report ")
    try:
        # Load the tokenizers once: measure() counts with them, the drill-down shows their
        # token boundaries.
        toks = []
        for spec in kw["tokenizers"]:
            bar.status(f"loading {getattr(spec, 'name', spec)}")
            toks.append(get_tokenizer(spec))
        kw["tokenizers"] = toks
        res = measure(progress=bar, **kw)
        if not args.no_plots:
            try:
                import matplotlib  # noqa: F401
            except ImportError:
                print('tokeff: note: plots left out: matplotlib is not installed (pip install '
                      '"tokeff[plot]")', file=sys.stderr)
        rep = build_report(res, corpus=kw["corpus"], tokenizers=toks, title=args.title,
                           plots=False if args.no_plots else None, drilldown=args.drilldown,
                           progress=bar.status)
        bar.status("writing")
        text = rep.html() if fmt == "html" else rep.markdown()
    finally:
        bar.close()
    if args.output and args.output != "-":
        _atomic_write(Path(args.output), text)
    else:
        write_output(text, None)
    return EXIT_OK
