"""``tokeff count``: tokens, characters, bytes and tokens per character of any text (files or
standard input) under several tokenizers, like ``wc`` for tokens."""

from __future__ import annotations

import argparse
import sys

from ._common import EXIT_OK, csv_list, write_output


def add_command(sub, add_selection) -> tuple[str, object]:
    p = sub.add_parser(
        "count", help="count tokens of any UTF-8 text (files or '-' for stdin), like wc",
        description="Count tokens, characters, bytes and tokens per character of any UTF-8 "
                    "text under several tokenizers (one language or many, no alignment "
                    "needed). Example: echo '你好，世界' | tokeff count - --tokenizers "
                    "cl100k_base,qwen2.5")
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="text files; '-' reads standard input")
    p.add_argument("--tokenizers", default=None,
                   help="comma-separated specs or groups (default: @default)")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.add_argument("--output", "-o", default=None, help="write here instead of stdout")
    return "count", cmd_count


def cmd_count(args: argparse.Namespace) -> int:
    from ..textcount import count_text
    from ..tokenizers import default_tokenizer_names, expand_specs

    specs = (csv_list(args.tokenizers) if args.tokenizers
             else default_tokenizer_names())
    counts = count_text(args.files, expand_specs(specs), stdin=sys.stdin.buffer)
    text = {"table": str, "json": lambda c: c.to_json(),
            "csv": lambda c: c.to_csv()}[args.format](counts)
    write_output(text, args.output)
    return EXIT_OK
