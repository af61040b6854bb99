"""``tokeff cost``: what a workload costs under each model, per language, and how much of each
language fits in the model's context window (prices from genai-prices or your own table)."""

from __future__ import annotations

import argparse

from .._progress import ProgressBar
from ..errors import UsageError
from ._common import EXIT_OK, csv_list, write_output


def _pairs(items: list[str], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        k, sep, v = item.partition("=")
        if not sep or not k.strip() or not v.strip():
            raise UsageError(f"{what} expects MODEL=TOKENIZER (e.g. my-model=qwen2.5), not "
                             f"{item!r}")
        out[k.strip()] = v.strip()
    return out


def add_command(sub, add_selection) -> tuple[str, object]:
    p = sub.add_parser(
        "cost", help="cost of a workload per model and language, and context-window capacity",
        description="Cost of a workload for each model and language, from the model's "
                    "tokenizer and its price per 1M input/output tokens, and how many "
                    "characters (and words) of each language fit in its context window. "
                    "Prices: genai-prices (pip install 'tokeff[prices]') or --prices FILE. "
                    "Example: tokeff cost --langs en,zh,ja --models gpt-4o,deepseek-chat,"
                    "minimax-01 --workload 1000000chars")
    p.add_argument("--models", required=True,
                   help="comma-separated model names as providers spell them (gpt-4o, "
                        "deepseek-chat, minimax-01, glm-4, mistral-nemo, ...)")
    p.add_argument("--workload", default=None,
                   help="input: N chars (of each language), N chars:LANG (the content of N "
                        "characters of LANG), N tokens:LANG@MODEL; k/M/G suffixes (1Mchars). "
                        "Default with --files: the files' own text")
    p.add_argument("--output-workload", default=None, metavar="WORKLOAD",
                   help="tokens generated, same grammar (default: none)")
    p.add_argument("--langs", default=None,
                   help="comma-separated languages (default: a spread of major languages the "
                        "corpus has)")
    p.add_argument("--corpus", default=None,
                   help="parallel text the ratios come from (default: udhr)")
    p.add_argument("--split", default=None, help="corpus split")
    p.add_argument("--files", nargs="+", default=None, metavar="LANG=PATH",
                   help="your own text instead of a corpus, one language per file "
                        "(zh=chats.txt en=docs.txt)")
    p.add_argument("--prices", default=None, metavar="FILE",
                   help="your price table (.toml or .csv); it overrides genai-prices for the "
                        "models it lists")
    p.add_argument("--no-price-database", action="store_true",
                   help="use only --prices, not genai-prices")
    p.add_argument("--price-date", default=None, metavar="YYYY-MM-DD",
                   help="read prices in force on this date (default: today, UTC)")
    p.add_argument("--tokenizer-for", action="append", default=[], metavar="MODEL=TOKENIZER",
                   help="declare the catalogue tokenizer of a model tokeff does not map "
                        "(repeatable)")
    p.add_argument("--format", choices=("table", "json", "csv", "markdown"), default="table")
    p.add_argument("--output", "-o", default=None, help="write here instead of stdout")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    return "cost", cmd_cost


def cmd_cost(args: argparse.Namespace) -> int:
    from ..cost import cost

    models = csv_list(args.models)
    progress = ProgressBar(quiet=args.quiet, label="tokeff cost")
    try:
        table = cost(models, workload=args.workload, output=args.output_workload,
                     langs=args.langs, corpus=args.corpus, split=args.split, files=args.files,
                     prices=args.prices, price_date=args.price_date,
                     use_database=not args.no_price_database,
                     tokenizer_for=_pairs(args.tokenizer_for, "--tokenizer-for"),
                     progress=progress)
    finally:
        progress.close()
    text = {"table": str, "json": lambda t: t.to_json(), "csv": lambda t: t.to_csv(),
            "markdown": lambda t: t.to_markdown()}[args.format](table)
    write_output(text, args.output)
    return EXIT_OK
