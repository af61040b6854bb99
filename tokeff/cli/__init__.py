"""The ``tokeff`` command line: a thin shell over the library.

Exit codes:

====  ==============================================================================
0     success
1     a regression was found (``tokeff check``)
2     usage or input error (bad option, unknown language/tokenizer, invalid corpus file)
3     not comparable (corpus or settings differ from a baseline)
130   interrupted
====  ==============================================================================

Results go to stdout (or ``--output FILE``, written whole or not at all); progress and
diagnostics go to stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from .._version import __version__
from ..errors import NotComparableError, TokeffError
from . import cache, compare, cost, count, gate, listing, report, vocab
from ._common import (
    DEFAULT_CLI_METRICS,
    EXIT_NOT_COMPARABLE,
    EXIT_OK,
    EXIT_REGRESSION,
    EXIT_USAGE,
    FORMATS,
    add_selection,
    selection_kwargs,
    write_output,
)

__all__ = ["DEFAULT_CLI_METRICS", "EXIT_NOT_COMPARABLE", "EXIT_OK", "EXIT_REGRESSION",
           "EXIT_USAGE", "FORMATS", "build_parser", "main", "selection_kwargs",
           "write_output"]

#: One module per command group, in ``--help`` order; each has ``add_command(subparsers,
#: add_selection)`` returning ``(name, handler)`` or ``{name: handler}``, where ``handler(args) -> exit code``.
COMMAND_MODULES = (compare, listing, gate, report, cache, vocab, count, cost)
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tokeff",
        description="Measure how efficiently LLM tokenizers encode text across languages.",
        epilog="Exit codes: 0 ok, 1 regression, 2 usage/input error, 3 not comparable.",
    )
    parser.add_argument("--version", action="version", version=f"tokeff {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for mod in COMMAND_MODULES:
        added = mod.add_command(sub, add_selection)
        COMMANDS.update(added if isinstance(added, dict) else dict([added]))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (see the module docstring)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse exits 2 on usage errors, 0 on --help
        return int(e.code or 0)
    if not args.command:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return COMMANDS[args.command](args)
    except NotComparableError as e:
        print(f"tokeff: not comparable: {e}", file=sys.stderr)
        return EXIT_NOT_COMPARABLE
    except TokeffError as e:
        print(f"tokeff: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("tokeff: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `tokeff list metrics | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def entry() -> None:  # pragma: no cover - console script
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    entry()
