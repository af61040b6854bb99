"""``tokeff baseline`` and ``tokeff check``: the command-line shell over :mod:`tokeff.gate`.

Registered in :data:`tokeff.cli.COMMAND_MODULES`; :func:`add_command` adds both
subcommands.

Exit codes of ``check``: 0 pass, 1 regression, 2 usage or input error (bad option, unreadable
baseline, missing tokenizer file), 3 not comparable (corpus or settings differ from the
baseline; the differing signature fields are named).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from .._progress import ProgressBar
from ..errors import TokenizerError, UsageError
from ._common import EXIT_OK, csv_list, write_output


def _csv(s: str | None) -> list[str] | None:
    return None if s is None else csv_list(s)


def add_command(subparsers: argparse._SubParsersAction,
                add_selection: Callable[[argparse.ArgumentParser], None]
                ) -> dict[str, Callable[[argparse.Namespace], int]]:
    """Add ``baseline`` and ``check``; returns their handlers by name."""
    p = subparsers.add_parser(
        "baseline", help="record a tokenizer's efficiency per language for a later check",
        description="Measure a tokenizer and write a baseline file for `tokeff check`: metrics "
                    "per language with signatures, per-segment token counts and ids, the "
                    "tokenizer fingerprint and its vocabulary as bytes. Example: tokeff "
                    "baseline --tokenizer hf:tokenizer.json --corpus ci/corpus.tsv "
                    "--langs en,zh --output ci/tokeff-baseline.json")
    p.add_argument("--tokenizer", required=True,
                   help="the tokenizer: a catalogue name, tiktoken:..., hf:PATH/tokenizer.json, "
                        "spm:PATH.model")
    p.add_argument("--corpus", default=None,
                   help="corpus name or path (recorded; `check` reloads it); default: udhr")
    p.add_argument("--split", default=None, help="corpus split (FLORES: dev, devtest, ...)")
    p.add_argument("--langs", default=None,
                   help="comma-separated language codes or aliases, or 'all' (default: all of a "
                        "small corpus, else a spread of 20 major languages)")
    p.add_argument("--pivot", default="eng_Latn", help="pivot language for parity")
    p.add_argument("--metrics", default=None,
                   help="comma-separated metrics to record (default: all but nsl)")
    p.add_argument("--segmenter", action="append", default=[], metavar="LANG=NAME",
                   help="word segmenter for a language (repeatable); 'none' turns fertility "
                        "off for it")
    p.add_argument("--normalization", choices=("none", "NFC", "NFKC"), default="none",
                   help="Unicode normalisation of the corpus text (recorded)")
    p.add_argument("--bootstrap", type=int, default=0,
                   help="bootstrap resamples for CIs (default 0: the gate compares point values)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--alpha", type=float, default=2.5, help="alpha of Renyi efficiency")
    p.add_argument("--no-ids", action="store_true",
                   help="do not store per-segment token ids (smaller file; a check then shows "
                        "only the new tokens of changed segments)")
    p.add_argument("--output", "-o", default="tokeff-baseline.json",
                   help="baseline file to write, atomically ('-' for stdout; default "
                        "tokeff-baseline.json)")
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")

    p = subparsers.add_parser(
        "check", help="check a tokenizer against a baseline (CI regression gate)",
        description="Re-measure a tokenizer on a baseline's corpus and settings and compare. "
                    "Thresholds: METRIC[@LANG]=LIMIT, LIMIT relative with '%' (1%) or absolute "
                    "(0.02). Without thresholds (flags or [tool.tokeff.check]): tokens_per_char "
                    "may not rise more than 1% in any language. Example: tokeff check "
                    "--baseline ci/tokeff-baseline.json --tokenizer hf:tokenizer.json "
                    "--max-increase tokens_per_char=1% --max-increase parity@zho_Hans=0.02",
        epilog="Exit codes: 0 pass, 1 regression, 2 usage or input error, 3 not comparable.")
    p.add_argument("--baseline", default=None,
                   help="baseline file (default: `baseline` from the config)")
    p.add_argument("--tokenizer", default=None,
                   help="the tokenizer to check (default: `tokenizer` from the config)")
    p.add_argument("--max-increase", action="append", default=[], metavar="METRIC[@LANG]=LIMIT",
                   help="how far a metric may rise, e.g. tokens_per_char=1%% or "
                        "parity@zho_Hans=0.02 (repeatable, or comma-separated)")
    p.add_argument("--max-decrease", action="append", default=[], metavar="METRIC[@LANG]=LIMIT",
                   help="how far a metric may fall, e.g. chars_per_token=2%%")
    p.add_argument("--config", default=None,
                   help="config file (tokeff.toml or pyproject.toml); default: the nearest one "
                        "with a [check] / [tool.tokeff.check] table")
    p.add_argument("--no-config", action="store_true", help="ignore config files")
    p.add_argument("--corpus", default=None,
                   help="where the baseline's corpus is, if not where it was (same content)")
    p.add_argument("--split", default=None, help="override the baseline's split")
    p.add_argument("--langs", default=None, help="override the baseline's languages")
    p.add_argument("--normalization", choices=("none", "NFC", "NFKC"), default=None,
                   help="override the baseline's normalisation")
    p.add_argument("--top", type=int, default=None,
                   help="segments with the largest change to show per language (default 5)")
    p.add_argument("--format", choices=("markdown", "json"), default=None,
                   help="report format (default markdown, fit for a pull-request comment)")
    p.add_argument("--output", "-o", default=None,
                   help="also write the report to this file (atomically); stdout otherwise")
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    return {"baseline": cmd_baseline, "check": cmd_check}


def _segmenters(items: list[str]) -> dict[str, str] | None:
    segs: dict[str, str] = {}
    for item in items:
        lang, sep, name = item.partition("=")
        if not sep or not lang or not name:
            raise UsageError(f"--segmenter expects LANG=NAME (e.g. zho_Hans=jieba), not {item!r}")
        segs[lang] = name
    return segs or None


def _tokenizer_error(e: TokenizerError, spec: str, flag: str) -> UsageError:
    return UsageError(f"cannot load the tokenizer {spec!r} ({flag}): {e}. Fix: pass the path of "
                      f"an existing tokenizer file (hf:PATH/tokenizer.json, spm:PATH.model, "
                      f"tiktoken:PATH?pattern=...) or a catalogue name (tokeff list tokenizers)")


def cmd_baseline(args: argparse.Namespace) -> int:
    from .. import gate
    from ..corpora import load_corpus

    langs = None if args.langs in (None, "all") else _csv(args.langs)
    if args.langs == "all":
        langs = load_corpus(args.corpus, split=args.split).langs
    progress = ProgressBar(len(langs) if langs else 2, quiet=args.quiet, label="tokeff baseline")
    try:
        base = gate.create_baseline(
            args.tokenizer, args.corpus, langs=langs, split=args.split,
            normalization=args.normalization, pivot=args.pivot, metrics=_csv(args.metrics),
            segmenters=_segmenters(args.segmenter), bootstrap=args.bootstrap, seed=args.seed,
            alpha=args.alpha, store_ids=not args.no_ids, workers=args.workers,
            progress=progress)
    except TokenizerError as e:
        raise _tokenizer_error(e, args.tokenizer, "--tokenizer") from None
    finally:
        progress.close()
    write_output(base.to_json(), args.output)
    if args.output not in (None, "-") and not args.quiet:
        print(f"tokeff: wrote baseline {args.output}: tokenizer {base.tokenizer['name']!r}, "
              f"corpus {base.corpus['name']!r} ({base.corpus['n_segments']} segments), "
              f"{len(base.langs)} language(s), {len(base.metrics)} metric(s)", file=sys.stderr)
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from .. import gate

    cfg = gate.CheckConfig() if args.no_config else gate.load_config(args.config)
    baseline_path = args.baseline or cfg.baseline
    if not baseline_path:
        raise UsageError("no baseline given: pass --baseline FILE, or set `baseline = \"...\"` "
                         "in [tool.tokeff.check] (pyproject.toml) or [check] (tokeff.toml)")
    spec = args.tokenizer or cfg.tokenizer
    if not spec:
        raise UsageError("no tokenizer given: pass --tokenizer SPEC, or set `tokenizer = "
                         "\"...\"` in [tool.tokeff.check] / tokeff.toml [check]")
    flags = gate.parse_thresholds(args.max_increase, args.max_decrease, source="flag")
    thresholds = gate.merge_thresholds(cfg.thresholds, flags)
    base = gate.load_baseline(baseline_path)
    top = args.top if args.top is not None else (cfg.top if cfg.top is not None else 5)
    if top < 0:
        raise UsageError("--top must be >= 0")
    progress = ProgressBar(len(base.langs), quiet=args.quiet, label="tokeff check")
    try:
        report = gate.check(base, spec, thresholds=thresholds,
                            corpus=args.corpus or cfg.corpus, langs=_csv(args.langs),
                            split=args.split, normalization=args.normalization, top=top,
                            workers=args.workers, progress=progress)
    except TokenizerError as e:
        raise _tokenizer_error(e, spec, "--tokenizer" if args.tokenizer else
                               f"tokenizer in {cfg.path}") from None
    finally:
        progress.close()
    fmt = args.format or cfg.format or "markdown"
    text = report.to_json() if fmt == "json" else report.to_markdown()
    if args.output and args.output != "-":
        write_output(text, args.output)
    if not args.output or args.output == "-" or not args.quiet:
        write_output(text, None)
    if not report.comparable:
        fields = ", ".join(f"{k} ({a} vs {b})" for k, (a, b) in report.differences.items())
        print(f"tokeff: not comparable with baseline {baseline_path}: differing signature "
              f"field(s): {fields}", file=sys.stderr)
    elif report.failures:
        for line in report.failure_lines():
            print(f"tokeff: regression: {line}", file=sys.stderr)
    return report.exit_code


__all__ = ["add_command", "cmd_baseline", "cmd_check"]
