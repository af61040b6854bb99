"""The ``tokeff`` command line: a thin shell over the library.

Exit codes:

====  ==============================================================================
0     success
1     a regression was found (``tokeff check``)
2     usage or input error (bad option, unknown language/tokenizer, invalid corpus file)
3     not comparable (corpus or settings differ from a baseline)
130   interrupted (SIGINT, Ctrl-C)
143   terminated (SIGTERM): worker processes are stopped and no output file is half-written
====  ==============================================================================

Results go to stdout (or ``--output FILE``, written whole or not at all); progress and
diagnostics go to stderr.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
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

__all__ = ["DEFAULT_CLI_METRICS", "EXIT_INTERRUPTED", "EXIT_NOT_COMPARABLE", "EXIT_OK",
           "EXIT_REGRESSION", "EXIT_TERMINATED", "EXIT_USAGE", "FORMATS", "build_parser", "main",
           "selection_kwargs", "write_output"]

#: One module per command group, in ``--help`` order; each has ``add_command(subparsers,
#: add_selection)`` returning ``(name, handler)`` or ``{name: handler}``, where ``handler(args) -> exit code``.
COMMAND_MODULES = (compare, listing, gate, report, cache, vocab, count, cost)
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tokeff",
        description="Measure how efficiently LLM tokenizers encode text across languages.",
        epilog="Exit codes: 0 ok, 1 regression, 2 usage/input error, 3 not comparable, "
               "130 interrupted, 143 terminated (SIGTERM).",
    )
    parser.add_argument("--version", action="version", version=f"tokeff {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for mod in COMMAND_MODULES:
        added = mod.add_command(sub, add_selection)
        COMMANDS.update(added if isinstance(added, dict) else dict([added]))
    return parser


EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 128 + signal.SIGTERM  # 143, what a shell reports for a process killed by it


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when SIGTERM arrives during a command.

    The default SIGTERM action kills the process at once: the ``finally`` blocks that stop a
    process pool never run, and its workers and the resource tracker are left behind,
    re-parented to PID 1. An exception unwinds the command as Ctrl-C does (a KeyboardInterrupt
    subclass, so code that cleans up on Ctrl-C also cleans up here).
    """


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated()


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
    # Signal handlers can only be set from the main thread (main() may run elsewhere, e.g. in
    # a test); the previous handler is restored when the command ends.
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if in_main else None
    try:
        return _run(args)
    except Terminated:  # arrived after the command returned, before the handler was restored
        print("tokeff: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)


def _run(args: argparse.Namespace) -> int:
    try:
        return COMMANDS[args.command](args)
    except NotComparableError as e:
        print(f"tokeff: not comparable: {e}", file=sys.stderr)
        return EXIT_NOT_COMPARABLE
    except TokeffError as e:
        print(f"tokeff: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except Terminated:
        print("tokeff: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("tokeff: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `tokeff list metrics | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def entry() -> None:  # pragma: no cover - console script
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    entry()
