"""``tokeff compare``: measure tokenizers on a parallel corpus and print the table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .._progress import ProgressBar
from ..errors import UsageError
from ._common import EXIT_OK, FORMATS, selection_kwargs, write_output

if TYPE_CHECKING:
    from ..diagnostics import Diagnostic
    from ..results import Results

#: The output format a file name implies (other suffixes: the text table).
SUFFIX_FORMATS = {".csv": "csv", ".json": "json", ".md": "markdown", ".markdown": "markdown"}


def add_command(sub, add_selection) -> tuple[str, object]:
    p = sub.add_parser("compare", help="measure tokenizers on a parallel corpus",
                       description="Measure tokenizers on a parallel corpus. Example: tokeff "
                                   "compare --langs en,zh --tokenizers cl100k_base,qwen2.5")
    add_selection(p)
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="output format (default: from the --output suffix .csv, .json, .md; "
                        "else table)")
    p.add_argument("--output", "-o", default=None,
                   help="write here instead of stdout (the suffix chooses the format)")
    return "compare", cmd_compare


def output_format(fmt: str | None, output: str | None) -> str:
    """The format to write: ``fmt`` when given, else the one the output file's suffix implies
    (``.csv``, ``.json``, ``.md``), else the table. A format that contradicts the suffix
    (``--format csv -o out.json``) is a usage error rather than a file whose name lies.

    >>> output_format(None, "out.csv"), output_format(None, "out.txt"), output_format("json", "-")
    ('csv', 'table', 'json')
    """
    implied = None
    if output and output != "-":
        implied = SUFFIX_FORMATS.get(Path(output).suffix.lower())
    if fmt is None:
        return implied or "table"
    if implied is not None and implied != fmt:
        raise UsageError(f"--format {fmt} contradicts the output file {output!r}, whose suffix "
                         f"means {implied}; leave out --format or name the file "
                         f"{Path(output).stem}{_suffix(fmt)}")  # type: ignore[arg-type]
    return fmt


def _suffix(fmt: str) -> str:
    return {"csv": ".csv", "json": ".json", "markdown": ".md"}.get(fmt, ".txt")


def _markdown_warnings(warnings: list[Diagnostic]) -> str:
    from ..display import WARN_MARK

    if not warnings:
        return ""
    return "\n**Warnings**\n\n" + "\n".join(f"- {WARN_MARK} {d.message}"
                                             for d in warnings) + "\n"


def render(res: Results, fmt: str, warnings: list[Diagnostic]) -> tuple[str, bool]:
    """The output text, and whether it shows the warnings itself (table and markdown list
    them under the tables, JSON keeps them in ``meta["warnings"]``; CSV has no place)."""
    if fmt == "table":
        from ..diagnostics import text_lines

        lines = text_lines(warnings)
        return str(res) + ("\n\n" + "\n".join(lines) if lines else ""), True
    if fmt == "markdown":
        return res.to_markdown() + _markdown_warnings(warnings), True
    if fmt == "json":
        return res.to_json(), False
    return res.to_csv(), False


def cmd_compare(args: argparse.Namespace) -> int:
    from ..diagnostics import Diagnostic
    from ..measurement import measure

    fmt = output_format(args.format, args.output)
    kw = selection_kwargs(args)
    progress = ProgressBar(quiet=args.quiet, label="tokeff compare")  # measure() sets the total
    try:
        res = measure(progress=progress, **kw)
    finally:
        progress.close()
    # measure() has derived the warnings once and kept them with the results.
    warnings = [Diagnostic.from_record(r) for r in res.meta.get("warnings") or ()]
    text, shown = render(res, fmt, warnings)
    write_output(text, args.output)
    to_file = bool(args.output) and args.output != "-"
    if warnings and not args.quiet and (to_file or not shown):
        # Where the output does not show them to the person at the terminal, stderr does.
        for d in warnings:
            print(f"tokeff: warning: {d.message}", file=sys.stderr)
    return EXIT_OK
