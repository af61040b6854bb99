"""MkDocs hooks for the tokeff site (registered in mkdocs.yml).

- ``<!-- tokeff:cli-reference -->`` in a page is replaced by the ``--help`` of ``tokeff`` and of
  every subcommand, rendered from :func:`tokeff.cli.build_parser` at build time (plugin
  subcommands such as ``baseline``/``check`` included), plus the exit codes of
  :mod:`tokeff.cli`. The reference can therefore never drift from the parser.
- ``<!-- tokeff:catalogue -->`` is replaced by a table of the offline tokenizer catalogue.
- ``<!-- tokeff:metrics -->`` is replaced by the METRICS table (name, unit, direction).
- Docstring examples (``>>>`` lines, as doctest writes them) are shown as Python console code
  blocks, with doctest directives such as ``# doctest: +SKIP`` removed.
- Pages that other parts of the project own (``ci-gate.md``, ``notebook.ipynb``) get a stand-in
  while they are missing, so the site still builds with ``--strict``.

The same rendering functions are used by ``tests/test_docs.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # a source checkout without an install
    sys.path.insert(0, str(ROOT))

HELP_WIDTH = 100

# ---------------------------------------------------------------------------------------------
# CLI reference
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _columns(width: int) -> Iterator[None]:
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Every subcommand of the parser, in the order they were added."""
    out: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                if sub not in out.values():
                    out[name] = sub
    return out


def _help(p: argparse.ArgumentParser) -> str:
    with _columns(HELP_WIDTH):
        return p.format_help().rstrip()


def exit_codes() -> list[tuple[str, str]]:
    """(code, meaning) rows of the reST table in :mod:`tokeff.cli`'s docstring."""
    from tokeff import cli

    rows = []
    for line in (cli.__doc__ or "").splitlines():
        m = re.match(r"^(\d+)\s{2,}(\S.*)$", line)
        if m:
            rows.append((m.group(1), m.group(2).strip()))
    return rows


def render_cli_reference() -> str:
    from tokeff import __version__
    from tokeff.cli import build_parser

    parser = build_parser()
    subs = subcommands(parser)
    out = [f"*Rendered from `tokeff.cli.build_parser()` of tokeff {__version__} when this site "
           f"was built.*", ""]
    out += ["## Commands", "", "| command | what it does |", "|---|---|"]
    helps = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for ca in action._choices_actions:
                helps[ca.dest] = ca.help or ""
    for name in subs:
        out.append(f"| [`tokeff {name}`](#tokeff-{name}) | {helps.get(name, '')} |")
    out += ["", "## `tokeff`", "", "```text", _help(parser), "```", ""]
    codes = exit_codes()
    if codes:
        out += ["## Exit codes", "", "| code | meaning |", "|---:|---|"]
        out += [f"| {c} | {m} |" for c, m in codes]
        out += ["", "Results go to stdout (or `--output FILE`, written whole or not at all); "
                    "progress and diagnostics go to stderr.", ""]
    for name, sub in subs.items():
        out += [f"## `tokeff {name}` {{#tokeff-{name}}}", "", "```text", _help(sub), "```", ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# Catalogue and metrics tables
# ---------------------------------------------------------------------------------------------


def render_catalogue() -> str:
    try:
        from tokeff.tokenizers.catalogue import catalogue
    except ImportError:  # pragma: no cover - partial install
        return "*The tokenizer catalogue is not part of this installation.*"
    rows = ["| name | developer | origin | vocab size | year | backend | normalisation | "
            "source package | vocabulary licence | aliases |",
            "|---|---|---|---:|---:|---|---|---|---|---|"]
    for e in catalogue():
        aliases = ", ".join(f"`{a}`" for a in e.aliases)
        source = f"{e.package}=={e.package_version}"
        if getattr(e, "source", "package") == "gguf":  # issue 16: `tokeff vocab fetch`
            source += " sdist (`tokeff vocab fetch`)"
        name = f"`{e.name}`" + (" (less verified)" if getattr(e, "less_verified", "") else "")
        rows.append(f"| {name} | {e.developer} | {e.origin} | {e.vocab_size:,} | "
                    f"{e.release_year} | {e.backend} | {e.required_normalization} | "
                    f"{source} | {e.license} | {aliases} |")
    return "\n".join(rows)


def render_metrics() -> str:
    from tokeff.metrics import METRICS

    better = {"lower": "lower", "higher": "higher", "none": "—"}
    rows = ["| metric | unit | better | kind | definition |", "|---|---|---|---|---|"]
    for m in METRICS.values():
        rows.append(f"| `{m.name}` | {m.unit} | {better.get(m.direction, m.direction)} | "
                    f"{m.kind} | {m.description} |")
    return "\n".join(rows)


# ---------------------------------------------------------------------------------------------
# Doctest examples in docstrings -> code blocks
# ---------------------------------------------------------------------------------------------

_DOCTEST_FLAG = re.compile(r"\s*#\s*doctest:.*$")


def doctest_to_fences(lines: list[str]) -> list[str]:
    """Wrap runs of ``>>>`` examples (with their ``...`` continuations and output lines, up to a
    blank line) in ```` ```pycon ```` fences; leave existing fenced blocks alone."""
    out: list[str] = []
    in_fence = False
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
            out.append(line)
            i += 1
            continue
        if not in_fence and stripped.startswith(">>>"):
            indent = line[: len(line) - len(stripped)]
            block = []
            while i < len(lines) and lines[i].strip() and lines[i].startswith(indent):
                block.append(_DOCTEST_FLAG.sub("", lines[i][len(indent):]))
                i += 1
            out += [indent + "```pycon", *(indent + b for b in block), indent + "```"]
            continue
        out.append(line)
        i += 1
    return out


def _doctest_extension():
    from markdown import Extension
    from markdown.preprocessors import Preprocessor

    class _Pre(Preprocessor):
        def run(self, lines: list[str]) -> list[str]:
            return doctest_to_fences(lines)

    class DoctestBlocks(Extension):
        def extendMarkdown(self, md):  # noqa: N802 - Markdown API
            # before the fenced-code preprocessors (priority 25), so they see our fences
            md.preprocessors.register(_Pre(md), "tokeff_doctest_blocks", 30)

    return DoctestBlocks()


try:  # run before mkdocstrings' on_config, which copies the extension list
    from mkdocs.plugins import event_priority
except ImportError:  # pragma: no cover
    def event_priority(_p):  # noqa: D103
        return lambda f: f


@event_priority(100)
def on_config(config):  # noqa: ANN001 - mkdocs hook signature
    config.markdown_extensions.append(_doctest_extension())
    return config


MARKERS = {
    "<!-- tokeff:cli-reference -->": render_cli_reference,
    "<!-- tokeff:catalogue -->": render_catalogue,
    "<!-- tokeff:metrics -->": render_metrics,
}

# ---------------------------------------------------------------------------------------------
# Stand-ins for pages owned elsewhere
# ---------------------------------------------------------------------------------------------

_STANDINS = {
    "ci-gate.md": (
        "# Gate tokenizer changes in CI\n\n"
        "The guide to `tokeff baseline` and `tokeff check` is being written by the owner of the "
        "gate. Until it lands, see `tokeff check --help` in the "
        "[command-line reference](reference/cli.md#tokeff-check).\n"),
    "notebook.ipynb": json.dumps({
        "cells": [{"cell_type": "markdown", "metadata": {},
                   "source": ["The tokeff example notebook has not landed yet."]}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}),
}


def on_files(files, config):  # noqa: ANN001 - mkdocs hook signature
    from mkdocs.structure.files import File

    for src, content in _STANDINS.items():
        if files.get_file_from_path(src) is None:
            files.append(File.generated(config, src, content=content))
    return files


def on_page_markdown(markdown, page, config, files):  # noqa: ANN001 - mkdocs hook signature
    for marker, render in MARKERS.items():
        if marker in markdown:
            buf = io.StringIO()
            with contextlib.redirect_stderr(buf):
                text = render()
            markdown = markdown.replace(marker, text)
    return markdown
