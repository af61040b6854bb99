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
import importlib
import json
import os
import sys
from collections.abc import Sequence

from ._io import atomic_write
from ._version import __version__
from .errors import NotComparableError, TokeffError, UsageError

EXIT_OK, EXIT_REGRESSION, EXIT_USAGE, EXIT_NOT_COMPARABLE = 0, 1, 2, 3

#: Languages measured by default when the corpus has many (``--langs all`` for every one).
DEFAULT_LANGS = (
    "eng_Latn", "zho_Hans", "zho_Hant", "yue_Hant", "yue_Hans", "jpn_Jpan", "kor_Hang",
    "hin_Deva", "arb_Arab", "rus_Cyrl", "spa_Latn", "fra_Latn", "deu_Latn", "por_Latn",
    "vie_Latn", "ind_Latn", "tur_Latn", "ben_Beng", "swh_Latn", "tha_Thai", "amh_Ethi",
    "mya_Mymr",
)
#: Metrics shown by ``compare`` unless ``--metrics`` says otherwise (``--metrics all``).
DEFAULT_CLI_METRICS = ("tokens", "tokens_per_char", "fertility", "continued_words", "parity")
FORMATS = ("table", "json", "csv", "markdown")


def _csv_list(s: str) -> list[str]:
    return [x.strip() for x in s.split(",") if x.strip()]


def write_output(text: str, output: str | None) -> None:
    """Write to stdout, or to a file atomically (a temporary file renamed into place)."""
    if not output or output == "-":
        sys.stdout.write(text)
        if not text.endswith("\n"):
            sys.stdout.write("\n")
        sys.stdout.flush()
        return
    atomic_write(output, text if text.endswith("\n") else text + "\n")


class Progress:
    """A one-line progress counter on stderr; silent when stderr is not a terminal, under CI,
    or with ``--quiet``."""

    def __init__(self, total: int, enabled: bool):
        self.total = total
        self.done = 0
        self.enabled = enabled and sys.stderr.isatty() and not os.environ.get("CI")

    def __call__(self, what: str) -> None:
        self.done += 1
        if self.enabled:
            total = self.total or "?"
            sys.stderr.write(f"\r[{self.done}/{total}] {what}".ljust(60)[:79])
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.done:
            sys.stderr.write("\r" + " " * 79 + "\r")
            sys.stderr.flush()


def _add_selection(p: argparse.ArgumentParser) -> None:
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
    p.add_argument("--pivot", default="eng_Latn", help="pivot language for parity")
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
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples (0: no CI)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--ci", type=float, default=0.95, help="confidence level")
    p.add_argument("--alpha", type=float, default=2.5, help="alpha of Renyi efficiency")
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--executor", choices=("threads", "processes", "serial", "dask"),
                   default=None, help="how counting runs (default threads; dask: a local "
                                      "distributed cluster, needs tokeff[dask])")
    p.add_argument("--cache", action="store_true",
                   help="reuse per-segment counts from the on-disk cache (tokeff cache info)")
    p.add_argument("--chunk-size", type=int, default=None, metavar="N",
                   help="stream the corpus in chunks of N aligned segments (bounded memory; "
                        "all its languages unless --langs)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tokeff",
        description="Measure how efficiently LLM tokenizers encode text across languages.",
        epilog="Exit codes: 0 ok, 1 regression, 2 usage/input error, 3 not comparable.",
    )
    parser.add_argument("--version", action="version", version=f"tokeff {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("compare", help="measure tokenizers on a parallel corpus",
                       description="Measure tokenizers on a parallel corpus. Example: tokeff "
                                   "compare --langs en,zh --tokenizers cl100k_base,qwen2.5")
    _add_selection(p)
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--output", "-o", default=None, help="write here instead of stdout")

    p = sub.add_parser("list", help="list tokenizers, corpora, segmenters or metrics",
                       description="List what tokeff knows. Example: tokeff list tokenizers "
                                   "--origin CN")
    p.add_argument("what", choices=("tokenizers", "corpora", "segmenters", "metrics"))
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--origin", default=None,
                   help="tokenizers only: a group or origin (cn, foreign, US, ...)")
    for modname in PLUGIN_COMMANDS:
        mod = importlib.import_module(modname)
        name, handler = mod.add_command(sub, _add_selection)
        COMMANDS[name] = handler
    return parser


def _selection_kwargs(args: argparse.Namespace) -> dict:
    from .corpora import load_corpus
    from .langs import resolve_lang
    from .metrics import DEFAULT_METRICS
    from .tokenizers import default_tokenizer_names, expand_specs

    specs = _csv_list(args.tokenizers) if args.tokenizers else default_tokenizer_names()
    toks = expand_specs(specs)
    if args.metrics in (None, ""):
        metrics = list(DEFAULT_CLI_METRICS)
        if args.reference:
            metrics.append("nsl")
    elif args.metrics == "all":
        metrics = list(DEFAULT_METRICS) + (["nsl"] if args.reference else [])
    else:
        metrics = _csv_list(args.metrics)
    segs: dict[str, str] = {}
    for item in args.segmenter:
        lang, sep, name = item.partition("=")
        if not sep or not lang or not name:
            raise TokeffError(f"--segmenter expects LANG=NAME (e.g. zho_Hans=jieba), not {item!r}")
        segs[lang] = name
    asked = None if args.langs in (None, "all") else _csv_list(args.langs)
    load_langs = asked
    if asked is not None and args.pivot and "parity" in metrics:
        # measure() adds the pivot language for parity, so it must be loaded too.
        pivot = resolve_lang(args.pivot)
        if pivot not in {resolve_lang(x) for x in asked}:
            load_langs = asked + [pivot]
    if args.chunk_size is not None:
        # Streaming: the corpus is read chunk by chunk inside measure(), never whole.
        if args.chunk_size <= 0:
            raise UsageError(f"--chunk-size must be a positive number of segments, not "
                             f"{args.chunk_size}")
        return dict(corpus=args.corpus, split=args.split, tokenizers=toks, langs=asked,
                    pivot=args.pivot, metrics=metrics, reference=args.reference,
                    segmenters=segs or None, normalization=args.normalization,
                    aggregation=args.aggregation, bootstrap=args.bootstrap, seed=args.seed,
                    ci=args.ci, alpha=args.alpha, workers=args.workers,
                    executor=args.executor, cache=True if args.cache else None,
                    chunk_size=args.chunk_size)
    try:
        corpus = load_corpus(args.corpus, split=args.split, langs=load_langs)
    except UsageError:
        if load_langs is asked:
            raise
        corpus = load_corpus(args.corpus, split=args.split, langs=asked)  # raises if the
        # missing language is one the user asked for; else the pivot is what is missing.
        raise UsageError(f"pivot language {pivot} (for the parity metric) is not in corpus "
                         f"{corpus.name!r}; choose another with --pivot or leave parity out "
                         f"of --metrics") from None
    if args.langs is None and len(corpus.langs) > len(DEFAULT_LANGS):
        langs = [x for x in DEFAULT_LANGS if x in corpus.segments]
    else:
        langs = corpus.langs
    return dict(corpus=corpus, tokenizers=toks, langs=langs, pivot=args.pivot,
                metrics=metrics, reference=args.reference, segmenters=segs or None,
                normalization=args.normalization, aggregation=args.aggregation,
                bootstrap=args.bootstrap, seed=args.seed, ci=args.ci, alpha=args.alpha,
                workers=args.workers, executor=args.executor,
                cache=True if args.cache else None, chunk_size=args.chunk_size)


def cmd_compare(args: argparse.Namespace) -> int:
    from .measure import measure

    kw = _selection_kwargs(args)
    n_langs = len(kw["langs"]) if kw["langs"] else 0  # streaming without --langs: unknown
    progress = Progress(len(kw["tokenizers"]) * n_langs, not args.quiet)
    try:
        res = measure(progress=progress, **kw)
    finally:
        progress.close()
    text = {"table": str, "json": lambda r: r.to_json(), "csv": lambda r: r.to_csv(),
            "markdown": lambda r: r.to_markdown()}[args.format](res)
    write_output(text, args.output)
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    rows: list[dict]
    if args.what == "tokenizers":
        rows = _list_tokenizers(args.origin)
    elif args.what == "corpora":
        from .corpora import CORPORA

        rows = [{"name": n} for n in CORPORA.names()]
    elif args.what == "segmenters":
        from .segmenters import (
            DEFAULT_SEGMENTERS,
            SEGMENTER_INFO,
            SEGMENTERS,
            missing_dependency,
        )

        rows = []
        for n in SEGMENTERS.names():
            info = SEGMENTER_INFO.get(n)
            default_for = ", ".join(sorted(k for k, v in DEFAULT_SEGMENTERS.items() if v == n))
            if n == "unicode-words":
                default_for = ", ".join(filter(None, [default_for, "space-delimited scripts"]))
            rows.append({"name": n, "default_for": default_for,
                         "extra": (info.extra or "core") if info else "",
                         "installed": missing_dependency(n) is None,
                         "description": info.description if info else ""})
    else:
        from .metrics import METRICS

        rows = [{"name": m.name, "unit": m.unit, "better": m.direction, "kind": m.kind,
                 "description": m.description} for m in METRICS.values()]
    if args.format == "json":
        write_output(json.dumps(rows, ensure_ascii=False, indent=1), None)
    else:
        write_output(_table(rows), None)
    return EXIT_OK


def _list_tokenizers(group: str | None) -> list[dict]:
    from .tokenizers import TOKENIZERS, _ensure_catalogue

    _ensure_catalogue()
    try:
        from .tokenizers.catalogue import catalogue, select
    except ImportError:  # pragma: no cover
        return [{"name": n} for n in TOKENIZERS.names()]
    keep = set(select(group)) if group else None
    rows = []
    for e in catalogue():
        if keep is not None and e.name not in keep:
            continue
        rows.append({"name": e.name, "developer": e.developer, "origin": e.origin,
                     "vocab_size": e.vocab_size, "backend": e.backend,
                     "available": e.is_available(), "default": e.default,
                     "aliases": ", ".join(e.aliases)})
    return rows


def _table(rows: list[dict]) -> str:
    if not rows:
        return "(none)"
    cols = list(rows[0])
    cells = [[str(r.get(c, "")) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


COMMANDS = {"compare": cmd_compare, "list": cmd_list}
#: Modules that add subcommands: each has ``add_command(subparsers, add_selection) ->
#: (name, handler)``, where ``handler(args) -> exit code``.
PLUGIN_COMMANDS: list[str] = ["tokeff.gate_cli", "tokeff.report_cli", "tokeff.cache"]


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
