"""What every ``tokeff`` subcommand shares: exit codes, the corpus/tokenizer/metric selection
options and their translation into :func:`tokeff.measure` keywords, output and progress.

Building the parser imports none of the library: each command imports what it runs inside its
handler, so ``tokeff compare`` does not pay for plotting, pricing or the gate, and ``--help``
pays for nothing (``tests/test_cli_startup.py`` holds this).
"""

from __future__ import annotations

import argparse
import re

from .._io import write_output
from ..errors import TokeffError, UsageError

__all__ = ["DEFAULT_CLI_METRICS", "EXIT_NOT_COMPARABLE", "EXIT_OK", "EXIT_REGRESSION",
           "EXIT_USAGE", "FORMATS", "add_selection", "selection_kwargs",
           "write_output"]

EXIT_OK, EXIT_REGRESSION, EXIT_USAGE, EXIT_NOT_COMPARABLE = 0, 1, 2, 3
#: Metrics shown by ``compare`` unless ``--metrics`` says otherwise (``--metrics all``).
DEFAULT_CLI_METRICS = ("tokens", "tokens_per_char", "fertility", "continued_words", "parity")
FORMATS = ("table", "json", "csv", "markdown")


def csv_list(s: str) -> list[str]:
    """The items of a comma-separated option value, stripped, empty ones dropped."""
    return [x.strip() for x in s.split(",") if x.strip()]


def add_selection(p: argparse.ArgumentParser) -> None:
    p.add_argument("--corpus", default=None,
                   help="corpus name (udhr, udhr:paragraphs, flores200) or path (FLORES-style "
                        "dir, dir of <code>.txt, .tsv/.csv, .jsonl); default: udhr")
    p.add_argument("--split", default=None,
                   help="split: dev, devtest, dev+devtest (FLORES); articles, paragraphs (udhr)")
    p.add_argument("--langs", default=None,
                   help="comma-separated language codes or aliases, or 'all' (default: a "
                        "spread of major languages, those the corpus has)")
    p.add_argument("--tokenizers", default=None,
                   help="comma-separated specs: catalogue names, groups (@default, @cn, "
                        "@foreign, @all), tiktoken:..., hf:..., spm:... (default: @default)")
    p.add_argument("--pivot", default="eng_Latn",
                   help="pivot language for parity ('none': no parity)")
    p.add_argument("--reference", default=None, help="reference tokenizer for nsl")
    p.add_argument("--metrics", default=None,
                   help=f"comma-separated metrics or 'all' (default: {','.join(DEFAULT_CLI_METRICS)})")
    p.add_argument("--segmenter", action="append", default=[], metavar="LANG=NAME",
                   help="word segmenter for a language (repeatable); NAME 'none' turns "
                        "fertility off for it")
    p.add_argument("--normalization", choices=("none", "NFC", "NFKC"), default="none",
                   help="Unicode normalisation applied to the corpus text (recorded)")
    p.add_argument("--aggregation", choices=("totals", "document"), default="totals",
                   help="totals: ratio of totals over segments; document: each language as one "
                        "concatenated document")
    p.add_argument("--separator", default=None, metavar="TEXT",
                   help="document aggregation: what joins a language's segments (default: a "
                        "newline; ' ' as in Petrov et al. 2023; escapes such as \\n work); "
                        "recorded in the signature")
    p.add_argument("--split-end", default="", metavar="TEXT",
                   help="document aggregation: text after each split's (file's) last segment "
                        "(' ' with --separator ' ' reproduces Petrov et al. 2023 exactly; see "
                        "docs/how-to/petrov.md)")
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples (0: no CI)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--ci", type=float, default=0.95, help="confidence level")
    p.add_argument("--alpha", type=float, default=2.5, help="alpha of Renyi efficiency")
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--executor", choices=("threads", "processes", "serial", "dask"),
                   default=None, help="how counting runs (default threads; dask: the cluster "
                                      "at --scheduler, else a new local cluster of --workers "
                                      "processes; needs tokeff[dask])")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="a running Dask scheduler to count on (e.g. tcp://10.0.0.5:8786)")
    p.add_argument("--cache", dest="cache", action="store_true", default=None,
                   help="reuse per-segment counts from the on-disk cache (the default unless "
                        "TOKEFF_CACHE=0; see tokeff cache info)")
    p.add_argument("--no-cache", dest="cache", action="store_false",
                   help="neither read nor write the on-disk cache of counts")
    p.add_argument("--chunk-size", type=int, default=None, metavar="N",
                   help="stream the corpus in chunks of N aligned segments (bounded memory; "
                        "all its languages unless --langs)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")


_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}|[ntr\\])")
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\"}


def _unescape(text: str) -> str:
    """Backslash escapes (``\\n``, ``\\t``, ``\\u3000``) in an option value, as typed in a
    shell; other characters are kept as they are."""
    return _ESCAPE.sub(lambda m: _SIMPLE.get(m.group(1)) or chr(int(m.group(1)[1:], 16)), text)


def selection_kwargs(args: argparse.Namespace) -> dict:
    """:func:`tokeff.measure` keywords from the selection options (the corpus is resolved and
    the languages selected once, inside ``measure``)."""
    from ..metrics import DEFAULT_METRICS
    from ..tokenizers import default_tokenizer_names, expand_specs

    specs = csv_list(args.tokenizers) if args.tokenizers else default_tokenizer_names()
    toks = expand_specs(specs)
    if args.metrics in (None, ""):
        metrics = list(DEFAULT_CLI_METRICS)
        if args.reference:
            metrics.append("nsl")
    elif args.metrics == "all":
        metrics = list(DEFAULT_METRICS) + (["nsl"] if args.reference else [])
    else:
        metrics = csv_list(args.metrics)
    segs: dict[str, str] = {}
    for item in args.segmenter:
        lang, sep, name = item.partition("=")
        if not sep or not lang or not name:
            raise TokeffError(f"--segmenter expects LANG=NAME (e.g. zho_Hans=jieba), not {item!r}")
        segs[lang] = name
    if args.chunk_size is not None and args.chunk_size <= 0:
        raise UsageError(f"--chunk-size must be a positive number of segments, not "
                         f"{args.chunk_size}")
    if args.langs is None:
        langs: object = None if args.chunk_size is not None else "default"
    elif args.langs == "all":
        langs = None
    else:
        langs = csv_list(args.langs)
    separator = None if args.separator is None else _unescape(args.separator)
    return dict(corpus=args.corpus, split=args.split, tokenizers=toks, langs=langs,
                pivot=None if args.pivot in ("none", "") else args.pivot, metrics=metrics,
                reference=args.reference, segmenters=segs or None,
                normalization=args.normalization, aggregation=args.aggregation,
                separator="\n" if separator is None else separator,
                split_end=_unescape(args.split_end),
                bootstrap=args.bootstrap, seed=args.seed, ci=args.ci, alpha=args.alpha,
                workers=args.workers, executor=args.executor, scheduler=args.scheduler,
                cache=args.cache, chunk_size=args.chunk_size,
                # Without --metrics, a corpus lacking the pivot shows parity as not available.
                require_pivot=args.metrics not in (None, ""))
