"""``tokeff vocab fetch|status``: the catalogue vocabularies that do not come with a wheel.

Some catalogue tokenizers (Llama-2, Gemma 4, XLM-R, Baichuan, Aquila) are llama.cpp GGUF
vocabulary files, carried only by the ``llama-cpp-python`` source distribution on PyPI.
``tokeff vocab fetch`` is the one step that installs them: pip downloads the sdist (hash-checked),
only the ``ggml-vocab-*.gguf`` files are extracted, each checked against its pinned sha256.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ._common import EXIT_OK, EXIT_USAGE, write_output

#: The source distribution the help names: written out, as importing
#: :data:`tokeff.tokenizers.gguf_store.SDIST` would import the tokenizers package (and numpy)
#: to build any parser (tests/test_cli_startup.py checks that the two agree).
SDIST_SHOWN = "llama-cpp-python 0.3.36"


class _DataDir:
    """tokeff's directory for the vocabularies, looked up only when ``--help`` shows it
    (argparse formats ``%(data_dir)s`` from the action's attributes)."""

    def __str__(self) -> str:
        from ..tokenizers.gguf_store import data_dir

        return str(data_dir())


def add_command(sub, add_selection) -> tuple[str, Any]:
    p = sub.add_parser(
        "vocab", help="install or inspect the GGUF vocabularies of the catalogue",
        description="Get the catalogue's GGUF vocabularies (Llama-2, Gemma 4, XLM-R, Baichuan, "
                    f"Aquila) from the {SDIST_SHOWN} source distribution on PyPI, or "
                    "show where they are looked for. Example: tokeff vocab fetch")
    p.add_argument("action", choices=("fetch", "status"))
    where = p.add_argument("--dir", default=None,
                           help="fetch: where to put the files (default: %(data_dir)s; tokeff "
                                "finds them there, or in $TOKEFF_GGUF_DIR)")
    where.data_dir = _DataDir()  # type: ignore[attr-defined]
    p.add_argument("--sdist", default=None,
                   help="fetch: use this already-downloaded llama_cpp_python-0.3.36.tar.gz "
                        "instead of downloading it")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--quiet", action="store_true", help="no progress messages on stderr")
    return "vocab", cmd_vocab


def cmd_vocab(args: argparse.Namespace) -> int:
    from ..tokenizers import _ensure_catalogue
    from ..tokenizers.catalogue import catalogue
    from ..tokenizers.gguf_store import PINNED, fetch, search_dirs

    if args.action == "fetch":
        say = (lambda msg: None) if args.quiet else (
            lambda msg: print(f"tokeff vocab: {msg}", file=sys.stderr))
        paths = fetch(args.dir, sdist=args.sdist, progress=say)
        rows = [{"file": p.name, "path": str(p), "sha256": PINNED[p.name]} for p in paths]
        if args.format == "json":
            write_output(json.dumps(rows, indent=1), None)
        else:
            dest = paths[0].parent
            write_output(f"{len(paths)} vocabulary files verified and stored in {dest}"
                         + ("" if args.dir is None else
                            f"\nTo use them: export TOKEFF_GGUF_DIR={dest}"), None)
        return EXIT_OK
    if args.dir is not None or args.sdist is not None:
        print("tokeff: error: --dir and --sdist go with 'fetch'", file=sys.stderr)
        return EXIT_USAGE
    _ensure_catalogue()
    rows = []
    for e in catalogue():
        if e.source != "gguf":
            continue
        path = e.locate()
        rows.append({"name": e.name, "file": e.file.rsplit("/", 1)[-1],
                     "installed": path is not None, "path": str(path) if path else ""})
    if args.format == "json":
        write_output(json.dumps({"search_dirs": [str(d) for d in search_dirs()],
                                 "entries": rows}, indent=1), None)
    else:
        lines = [f"looked for in: {', '.join(map(str, search_dirs()))}"]
        lines += [f"{r['name']:10} {r['file']:32} "
                  f"{r['path'] if r['installed'] else 'not installed: run tokeff vocab fetch'}"
                  for r in rows]
        write_output("\n".join(lines), None)
    return EXIT_OK
