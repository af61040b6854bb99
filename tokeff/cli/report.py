"""``tokeff report``: measure like ``tokeff compare`` and write an HTML or markdown report.

    tokeff report --langs en,zh,ja --tokenizers cl100k_base,qwen2.5 --output report.html

The format comes from the file suffix (.html, .md) or ``--format``. The file is written whole
or not at all. A progress bar (per tokenizer x language) goes to stderr when it is a terminal,
not under CI (environment variable ``CI`` set) and not with ``--quiet``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from .._progress import ProgressBar
from ..errors import UsageError
from ._common import EXIT_OK, selection_kwargs, write_output

__all__ = ["ProgressBar", "add_command", "cmd_report"]


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
    from ..measurement import measure
    from ..report import _atomic_write, build_report, format_for_path
    from ..tokenizers import get_tokenizer

    if args.output and args.output != "-":
        fmt = format_for_path(args.output, args.format)
    else:
        fmt = {"md": "markdown"}.get(args.format or "markdown", args.format or "markdown")
    if args.drilldown < 0:
        raise UsageError(f"--drilldown must be 0 or more, not {args.drilldown}")
    kw = selection_kwargs(args)
    bar = ProgressBar(quiet=args.quiet, label="tokeff report")  # measure() sets the total
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
        rep = build_report(res, corpus=res.corpus, tokenizers=toks, title=args.title,
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
