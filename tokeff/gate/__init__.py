"""The CI regression gate: a baseline of a tokenizer's efficiency per language, and a check of a
(changed) tokenizer against it.

A **baseline** records, for one tokenizer on one corpus, every metric per language with its
signature, the per-segment token counts and token ids, the tokenizer's fingerprint, content hash,
backend and version, and its vocabulary as bytes (so a later check can say which entries were
added, removed or remapped, and decode the tokens of the old tokenizer without it).

A **check** re-measures on the same corpus with the same settings, refuses to compare when the
corpus or settings differ (naming the signature fields that do), applies thresholds per metric
and language, and explains what changed.

>>> from tokeff import gate  # doctest: +SKIP
>>> base = gate.create_baseline("hf:tokenizer.json", "corpus.tsv")  # doctest: +SKIP
>>> base.save("baseline.json")  # doctest: +SKIP
>>> report = gate.check("baseline.json", "hf:new/tokenizer.json",
...                     thresholds=[gate.Threshold.parse("tokens_per_char=1%")])  # doctest: +SKIP
>>> assert report.passed, report.to_markdown()  # doctest: +SKIP

This package is pure: it never prints and never exits; ``tokeff baseline`` / ``tokeff check``
(:mod:`tokeff.cli.gate`) only report what it returns. Its modules, each importing only those
listed before it: :mod:`~tokeff.gate.vocabdiff` (vocabulary as bytes, diff),
:mod:`~tokeff.gate.baseline` (create, save, load, validate), :mod:`~tokeff.gate.thresholds`,
:mod:`~tokeff.gate.config` (``[tool.tokeff.check]``), :mod:`~tokeff.gate.report` (comparisons,
explanation, markdown and JSON) and :mod:`~tokeff.gate.checking` (:func:`check`). The gate knows
tokenizers only through their protocol (name, fingerprint, content hash, encoding, token bytes),
never a backend's internals.
"""

from __future__ import annotations

from .baseline import BASELINE_FORMAT_VERSION, Baseline, create_baseline, load_baseline
from .checking import check
from .config import CheckConfig, load_config
from .report import CheckReport, Comparison, Explanation, SegmentChange
from .thresholds import DEFAULT_THRESHOLDS, Threshold, merge_thresholds, parse_thresholds
from .vocabdiff import VocabDiff, VocabEntry, Vocabulary, diff_vocabularies, vocabulary

__all__ = [
    "BASELINE_FORMAT_VERSION",
    "DEFAULT_THRESHOLDS",
    "Baseline",
    "CheckConfig",
    "CheckReport",
    "Comparison",
    "Explanation",
    "SegmentChange",
    "Threshold",
    "VocabDiff",
    "VocabEntry",
    "Vocabulary",
    "check",
    "create_baseline",
    "diff_vocabularies",
    "load_baseline",
    "load_config",
    "merge_thresholds",
    "parse_thresholds",
    "vocabulary",
]
