"""``tokeff compare``: measure tokenizers on a parallel corpus and print the table."""

from __future__ import annotations

import argparse

from .._progress import ProgressBar
from ..measurement import measure
from ._common import EXIT_OK, FORMATS, selection_kwargs, write_output


def add_command(sub, add_selection) -> tuple[str, object]:
    p = sub.add_parser("compare", help="measure tokenizers on a parallel corpus",
                       description="Measure tokenizers on a parallel corpus. Example: tokeff "
                                   "compare --langs en,zh --tokenizers cl100k_base,qwen2.5")
    add_selection(p)
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--output", "-o", default=None, help="write here instead of stdout")
    return "compare", cmd_compare


def cmd_compare(args: argparse.Namespace) -> int:
    kw = selection_kwargs(args)
    progress = ProgressBar(quiet=args.quiet, label="tokeff compare")  # measure() sets the total
    try:
        res = measure(progress=progress, **kw)
    finally:
        progress.close()
    text = {"table": str, "json": lambda r: r.to_json(), "csv": lambda r: r.to_csv(),
            "markdown": lambda r: r.to_markdown()}[args.format](res)
    write_output(text, args.output)
    return EXIT_OK
