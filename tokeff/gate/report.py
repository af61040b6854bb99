"""The outcome of a check: each gated comparison, the explanation of what changed, and the
report rendered as JSON (``"format": "tokeff-check"``) or as markdown for a pull-request
comment."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from .._version import __version__
from ..langs import resolve_lang
from .thresholds import Threshold
from .vocabdiff import VocabDiff, VocabEntry

REPORT_FORMAT = "tokeff-check"
REPORT_FORMAT_VERSION = 1


@dataclass
class Comparison:
    """One gated number: a metric of a language before and after, against a threshold."""

    lang: str
    metric: str
    before: float | None
    after: float | None
    threshold: Threshold
    verdict: str  # "pass", "fail" or "n/a"
    note: str | None = None

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def relative_change(self) -> float | None:
        ch = self.change
        if ch is None or self.before is None:
            return None
        if self.before == 0:
            return 0.0 if ch == 0 else math.copysign(math.inf, ch)
        return ch / abs(self.before)

    @property
    def failed(self) -> bool:
        return self.verdict == "fail"

    def change_text(self, sep: str = " (", end: str = ")") -> str:
        ch, rel = self.change, self.relative_change
        if ch is None:
            return "n/a"
        if ch == 0:
            return "±0"
        if rel is None or math.isinf(rel):
            return f"{ch:+.4g}"
        return f"{ch:+.4g}{sep}{rel * 100:+.2f}%{end}"

    def failure_line(self) -> str:
        """``zho_Hans: tokens_per_char rose from 0.6021 to 2.9553 (+2.353, +390.81%); limit
        +1% (max-increase tokens_per_char=1%, flag)``"""
        verb = "rose" if (self.change or 0) > 0 else "fell"
        return (f"{self.lang}: {self.metric} {verb} from {_num(self.before)} to "
                f"{_num(self.after)} ({self.change_text(', ', '')}); limit "
                f"{self.threshold.limit_text()} ({self.threshold}, {self.threshold.source})")

    def to_record(self) -> dict:
        rel = self.relative_change
        return {"lang": self.lang, "metric": self.metric, "before": self.before,
                "after": self.after, "change": self.change,
                "relative_change": None if rel is None or math.isinf(rel) else rel,
                "verdict": self.verdict, "threshold": str(self.threshold),
                "threshold_source": self.threshold.source, "note": self.note}


def _num(v: float | None) -> str:
    if v is None:
        return "n/a"
    if float(v).is_integer() and abs(v) >= 1:
        return str(int(v))
    return f"{v:.4f}" if abs(v) < 10 else f"{v:.6g}"


@dataclass
class SegmentChange:
    """A segment whose token count changed, with its tokens before and after."""

    lang: str
    index: int
    origin: str | None
    text: str
    before: int
    after: int
    before_tokens: list[str] | None
    after_tokens: list[str] | None

    @property
    def change(self) -> int:
        return self.after - self.before

    def to_record(self) -> dict:
        return {"lang": self.lang, "index": self.index, "origin": self.origin,
                "text": self.text, "before": self.before, "after": self.after,
                "change": self.change, "before_tokens": self.before_tokens,
                "after_tokens": self.after_tokens}


@dataclass
class Explanation:
    """Why the numbers moved: what changed in the tokenizer, its vocabulary, and which segments
    changed most."""

    tokenizer_change: str  # "none", "content", "backend", "content+backend"
    message: str
    before: dict
    after: dict
    vocab: VocabDiff | None = None
    #: Removed or remapped entries that the baseline's encoding of the corpus used, with how
    #: often, most frequent first: the entries whose loss explains the change.
    removed_in_use: list[tuple[VocabEntry, int]] = field(default_factory=list)
    vocab_note: str | None = None
    segments: dict[str, list[SegmentChange]] = field(default_factory=dict)
    changed_segments: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_record(self, vocab_limit: int | None = 100) -> dict:
        return {"tokenizer_change": self.tokenizer_change, "message": self.message,
                "before": self.before, "after": self.after,
                "vocab": self.vocab.to_record(vocab_limit) if self.vocab else None,
                "removed_in_use": [{**e.to_record(), "count": n} for e, n in
                                   (self.removed_in_use if vocab_limit is None else
                                    self.removed_in_use[:vocab_limit])],
                "vocab_note": self.vocab_note,
                "changed_segments": self.changed_segments,
                "segments": {la: [s.to_record() for s in v] for la, v in self.segments.items()},
                "notes": self.notes}


@dataclass
class CheckReport:
    """The outcome of :func:`check`.

    ``passed`` is True when the run is comparable and no threshold is exceeded; ``exit_code``
    is what ``tokeff check`` exits with (0 pass, 1 regression, 3 not comparable).
    """

    comparable: bool
    comparisons: list[Comparison]
    thresholds: list[Threshold]
    baseline: dict
    tokenizer: dict
    differences: dict[str, tuple] = field(default_factory=dict)
    explanation: Explanation | None = None
    notes: list[str] = field(default_factory=list)
    baseline_source: str | None = None

    @property
    def failures(self) -> list[Comparison]:
        return [c for c in self.comparisons if c.failed]

    @property
    def passed(self) -> bool:
        return self.comparable and not self.failures

    @property
    def exit_code(self) -> int:
        if not self.comparable:
            return 3
        return 1 if self.failures else 0

    def failure_lines(self) -> list[str]:
        """One line per failure."""
        return [c.failure_line() for c in self.failures]

    def comparison(self, lang: str, metric: str) -> Comparison:
        lang = resolve_lang(lang)
        for c in self.comparisons:
            if c.lang == lang and c.metric == metric:
                return c
        raise KeyError(f"no gated comparison for {lang} {metric}")

    def __repr__(self) -> str:
        state = ("not comparable" if not self.comparable else
                 f"{len(self.failures)} failure(s)" if self.failures else "passed")
        return f"<CheckReport {state}: {len(self.comparisons)} comparison(s)>"

    # -- output ------------------------------------------------------------------------------
    def to_dict(self, *, vocab_limit: int | None = 100) -> dict:
        return {
            "format": REPORT_FORMAT, "format_version": REPORT_FORMAT_VERSION,
            "tokeff": __version__, "passed": self.passed, "exit_code": self.exit_code,
            "comparable": self.comparable,
            "differences": {k: {"baseline": a, "now": b} for k, (a, b) in
                            self.differences.items()},
            "baseline": {**self.baseline, "source": self.baseline_source},
            "tokenizer": self.tokenizer,
            "thresholds": [t.to_record() for t in self.thresholds],
            "results": [c.to_record() for c in self.comparisons],
            "failures": self.failure_lines(),
            "explanation": self.explanation.to_record(vocab_limit) if self.explanation else None,
            "notes": self.notes,
        }

    def to_json(self, *, indent: int | None = 1) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent, allow_nan=False)

    def to_markdown(self, *, max_segments: int | None = None, max_tokens: int = 40,
                    max_vocab: int = 20) -> str:
        """A report fit for a pull-request comment: verdict, a table (language, metric, before,
        after, change, verdict), one line per failure, then what changed (the segments kept by
        ``check(top=...)``, at most ``max_segments`` per language)."""
        out: list[str] = []
        bname = self.baseline.get("name", "?")
        tname = self.tokenizer.get("name", "?")
        if not self.comparable:
            out.append("## tokeff check: ⚠️ not comparable\n")
            out.append(f"The baseline (`{self.baseline_source or 'baseline'}`) and this run "
                       f"differ in what shapes the numbers, so they are not compared:\n")
            out.append("| field | baseline | now |")
            out.append("|---|---|---|")
            for k, (a, b) in self.differences.items():
                out.append(f"| {k} | {_cell(a)} | {_cell(b)} |")
            out.append("")
            out.extend(f"- {n}" for n in self.notes)
            out.append("\nFix: check on the baseline's corpus and settings, or, if they changed "
                       "on purpose, re-create the baseline:\n")
            out.append(f"```\n{self.baseline.get('recreate') or 'tokeff baseline ...'}\n```")
            return "\n".join(out) + "\n"
        n = len(self.failures)
        if n:
            langs = sorted({c.lang for c in self.failures})
            out.append(f"## tokeff check: ❌ {n} regression{'s' if n != 1 else ''} "
                       f"({', '.join(langs)})\n")
        else:
            out.append("## tokeff check: ✅ passed\n")
        out.append(f"Tokenizer `{tname}` against baseline `{self.baseline_source or bname}` "
                   f"(`{bname}`), corpus `{self.baseline.get('corpus', '?')}` "
                   f"({self.baseline.get('n_segments', '?')} segments).\n")
        out.append("| language | metric | before | after | change | verdict |")
        out.append("|---|---|---:|---:|---:|---|")
        for c in self.comparisons:
            verdict = {"pass": "✅ pass", "fail": f"❌ FAIL (limit {c.threshold.limit_text()})",
                       "n/a": "➖ n/a"}[c.verdict]
            out.append(f"| {c.lang} | {c.metric} | {_num(c.before)} | {_num(c.after)} | "
                       f"{c.change_text()} | {verdict} |")
        out.append("")
        if n:
            out.append("### Failures\n")
            out.extend(f"- {line}" for line in self.failure_lines())
            out.append("")
        notes = list(self.notes) + [f"{c.lang} {c.metric}: {c.note}" for c in self.comparisons
                                    if c.note]
        if notes:
            out.append("Notes: " + "; ".join(notes) + "\n")
        ex = self.explanation
        if ex is not None:
            out.append("### What changed\n")
            out.append(f"- {ex.message}")
            if ex.vocab is not None:
                out.append(f"- {ex.vocab.summary()[0].upper()}{ex.vocab.summary()[1:]}")
                if ex.removed_in_use:
                    used = ex.removed_in_use
                    shown = " ".join(f"{_code(e.text)}×{k}" for e, k in used[:max_vocab])
                    more = f" … (+{len(used) - max_vocab} more)" if len(used) > max_vocab else ""
                    out.append(f"  - removed and used by the baseline on this corpus (most "
                               f"frequent first): {shown}{more}")
                for label, items in (("removed", ex.vocab.removed), ("added", ex.vocab.added)):
                    if items:
                        shown = " ".join(_code(e.text) for e in items[:max_vocab])
                        more = f" … (+{len(items) - max_vocab} more)" if len(items) > max_vocab \
                            else ""
                        out.append(f"  - {label}: {shown}{more}")
                if ex.vocab.remapped:
                    shown = " ".join(f"{_code(o.text)} {o.id}→{nw.id}"
                                     for o, nw in ex.vocab.remapped[:max_vocab])
                    more = f" … (+{len(ex.vocab.remapped) - max_vocab} more)" \
                        if len(ex.vocab.remapped) > max_vocab else ""
                    out.append(f"  - remapped: {shown}{more}")
            elif ex.vocab_note:
                out.append(f"- {ex.vocab_note}")
            out.extend(f"- {x}" for x in ex.notes)
            if ex.changed_segments:
                out.append("- Segments whose token count changed: " + ", ".join(
                    f"{la} {k}" for la, k in ex.changed_segments.items()))
            failing = [c.lang for c in self.failures]
            order = list(dict.fromkeys(failing + list(ex.segments)))
            for la in order:
                segs = ex.segments.get(la)
                if not segs:
                    continue
                out.append(f"\n#### {la}: segments with the largest change\n")
                for s in segs[:max_segments]:  # None: all
                    where = f" ({s.origin})" if s.origin else ""
                    text = s.text if len(s.text) <= 200 else s.text[:200] + "…"
                    out.append(f"- segment {s.index + 1}{where}: {s.before} → {s.after} tokens "
                               f"({s.change:+d})")
                    out.append(f"  > {_inline(text)}")
                    for label, toks in (("before", s.before_tokens), ("after", s.after_tokens)):
                        if toks is None:
                            continue
                        shown = " ".join(_code(t) for t in toks[:max_tokens])
                        more = f" … (+{len(toks) - max_tokens})" if len(toks) > max_tokens else ""
                        out.append(f"  - {label}: {shown}{more}")
        out.append("\n<sub>baseline `" + str(self.baseline.get("signature", "")) + "`<br>now `"
                   + str(self.tokenizer.get("signature", "")) + "`</sub>")
        return "\n".join(out) + "\n"

    def __str__(self) -> str:
        return self.to_markdown()


def _cell(v: Any) -> str:
    s = "—" if v is None else str(v)
    return s.replace("|", "\\|")


def _inline(s: str) -> str:
    return s.replace("\n", " ").replace("|", "\\|")


def _code(s: str) -> str:
    """A markdown code span that keeps spaces visible and survives tables."""
    s = s.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t").replace("|", "\\|")
    if not s:
        return "``"
    s = s.replace(" ", "␣")
    fence = "``" if "`" in s else "`"
    pad = " " if "`" in s else ""
    return f"{fence}{pad}{s}{pad}{fence}"
