"""Warnings that belong next to the numbers: what makes a value misleading at first sight.

A parity of 0.80 means little when 62 % of the Japanese text became UNK tokens; Vietnamese
looks twice as dear as it is when its text is decomposed (a + U+0300) and only some of the
tokenizers compose it back. :func:`diagnose` derives such warnings from a :class:`Results`
(and the corpus text where needed); the display, the report and the CLI show them under the
tables, and ``meta["warnings"]`` keeps them in JSON.

Kinds and thresholds:

- ``unk``: UNK tokens cover more than :data:`UNK_THRESHOLD` (1 %) of a language's characters.
  The tokenizer cannot represent that text, so its token counts (and parity, fertility, ...)
  understate the cost. Without token offsets (neither ``unk_rate`` nor ``continued_words``
  measured), UNK tokens as a share of all tokens, when the tokenizer's UNK id is known
  (``meta["tokenizers"][name]["unk_id"]`` or the tokenizer objects).
- ``non_nfc``: the text of some languages is not in Unicode NFC while the measured tokenizers
  normalise differently (some compose it, some do not): on those languages the numbers compare
  the normalisation, not the vocabularies. Fix: ``--normalization NFC``.
- ``byte_fallback``: more than :data:`BYTE_FALLBACK_THRESHOLD` (50 %) of a language's tokens
  are byte tokens or byte pieces that are not UTF-8 on their own. The counts are valid, but the
  vocabulary barely covers the script.
- ``segmenter``: a word metric is not available because the language's word segmenter is not
  installed (the warning gives the install command) or does not exist.
- ``not_available``: any other value that is "not available", with its reason.

UNK and non-NFC warnings mark the values they are about (``!`` in text, ⚠ in HTML and
markdown): those values are misleading as shown.

>>> import tokeff
>>> c = tokeff.Corpus.from_dict("t", {"eng_Latn": ["Tiếng Việt"],
...                                   "vie_Latn": ["Tie\\u0302\\u0301ng Vie\\u0323\\u0302t"]})
>>> non_nfc_langs(c)
['vie_Latn']
"""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .results import Results

__all__ = ["BYTE_FALLBACK_THRESHOLD", "KINDS", "UNK_THRESHOLD", "Diagnostic", "attach",
           "diagnose", "marked_cells", "non_nfc_langs", "text_lines"]

#: UNK tokens may cover at most this share of a language's characters before a warning.
UNK_THRESHOLD = 0.01
#: Byte tokens may be at most this share of a language's tokens before a warning.
BYTE_FALLBACK_THRESHOLD = 0.5
KINDS = ("unk", "non_nfc", "byte_fallback", "segmenter", "not_available")
#: Kinds whose values are misleading as shown: their cells get a mark next to the number.
MARKED_KINDS = frozenset({"unk", "non_nfc"})
#: Metrics that count words (the segmenter warning is about them).
WORD_METRICS = frozenset({"words", "fertility", "continued_words"})


@dataclass(frozen=True)
class Diagnostic:
    """One warning: what is wrong, for which tokenizer and languages, and how to fix it.

    ``values`` pairs each language with the measured share (UNK, byte fallback) when the
    warning is about a rate; ``metrics`` names the metrics it concerns (empty: every metric
    of the tokenizer on those languages).
    """

    kind: str
    message: str
    tokenizer: str | None = None
    langs: tuple[str, ...] = ()
    values: tuple[tuple[str, float], ...] = ()
    threshold: float | None = None
    fix: str | None = None
    metrics: tuple[str, ...] = ()

    def cells(self, tokenizers: Sequence[str]) -> set[tuple[str, str]]:
        """The (tokenizer, language) cells this warning is about."""
        toks = [self.tokenizer] if self.tokenizer else list(tokenizers)
        return {(t, la) for t in toks for la in self.langs}

    def applies_to(self, metric: str) -> bool:
        return not self.metrics or metric in self.metrics

    def to_record(self) -> dict:
        return {"kind": self.kind, "message": self.message, "tokenizer": self.tokenizer,
                "langs": list(self.langs), "values": {la: v for la, v in self.values},
                "threshold": self.threshold, "fix": self.fix, "metrics": list(self.metrics)}

    @classmethod
    def from_record(cls, d: Mapping[str, Any]) -> Diagnostic:
        return cls(kind=str(d["kind"]), message=str(d["message"]), tokenizer=d.get("tokenizer"),
                   langs=tuple(d.get("langs") or ()),
                   values=tuple((str(k), float(v)) for k, v in (d.get("values") or {}).items()),
                   threshold=d.get("threshold"), fix=d.get("fix"),
                   metrics=tuple(d.get("metrics") or ()))


# -- the corpus text ----------------------------------------------------------------------------

def non_nfc_langs(corpus: Any) -> list[str]:
    """Languages of a corpus (a :class:`~tokeff.corpora.Corpus` or a mapping language ->
    segments) with at least one segment that is not in Unicode NFC, in corpus order."""
    segments: Mapping[str, Iterable[str]] = getattr(corpus, "segments", corpus)
    return [lang for lang, segs in segments.items()
            if not all(unicodedata.is_normalized("NFC", s) for s in segs)]


# -- deriving the warnings ----------------------------------------------------------------------

def _pct(v: float) -> str:
    p = 100 * v
    return f"{p:.0f} %" if p >= 10 else f"{p:.2g} %"


def _shares(results: Results, metric: str, num: str, den: str) -> dict[tuple[str, str], float]:
    """A rate per (tokenizer, lang): from the metric's rows when measured, else from the
    per-segment counts that measure() keeps (None-valued rows and missing arrays are skipped)."""
    out: dict[tuple[str, str], float] = {}
    for r in results.rows:
        if r.metric == metric and r.value is not None:
            out[(r.tokenizer, r.lang)] = r.value
    # (Results.tokenizers and .langs walk every row: asked once, not per count)
    toks, langs = set(results.tokenizers), set(results.langs)
    for (t, la), c in (results.counts or {}).items():
        if (t, la) in out or t not in toks or la not in langs:
            continue
        a, b = getattr(c, num, None), getattr(c, den, None)
        if a is None or b is None:
            continue
        total = float(b.sum())
        if total > 0:
            out[(t, la)] = float(a.sum()) / total
    return out


def _unk_ids(results: Results, tokenizers: Iterable[Any]) -> dict[str, int]:
    """The UNK id of each measured tokenizer that has one: from ``meta["tokenizers"]`` when
    recorded there, else from the tokenizer objects given."""
    out: dict[str, int] = {}
    for name, info in (results.meta.get("tokenizers") or {}).items():
        if isinstance(info, Mapping) and info.get("unk_id") is not None:
            out[name] = int(info["unk_id"])
    for t in tokenizers:
        name, unk = getattr(t, "name", None), getattr(t, "unk_id", None)
        if name is not None and unk is not None:
            out.setdefault(str(name), int(unk))
    return out


def _unk_token_shares(results: Results, unk_ids: Mapping[str, int]
                      ) -> dict[tuple[str, str], float]:
    """The share of tokens that are the UNK token, from the token-id frequencies every count
    keeps (used where the UNK share of characters is unknown: no token offsets)."""
    out: dict[tuple[str, str], float] = {}
    for (t, la), c in (results.counts or {}).items():
        if t not in unk_ids or "token_ids" in c.na_reasons:  # ids not counted: unknown
            continue
        total = float(c.tokens.sum())
        hit = c.token_freqs[c.token_ids == unk_ids[t]]
        if total > 0:
            out[(t, la)] = float(hit.sum()) / total
    return out


def _rate_warnings(results: Results, tokenizers: Iterable[Any] = ()) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    unk = _shares(results, "unk_rate", "unk_chars", "chars")
    unk_tokens = _unk_token_shares(results, _unk_ids(results, tokenizers))
    bf = _shares(results, "byte_fallback_rate", "byte_fallback", "tokens")
    langs = results.langs
    for t in results.tokenizers:
        high = [(la, unk[(t, la)]) for la in langs
                if (t, la) in unk and unk[(t, la)] > UNK_THRESHOLD]
        if high:
            shares = ", ".join(f"{_pct(v)} of {la}" for la, v in high)
            what = "the characters"
        else:  # no token offsets: how many of the tokens are UNK
            high = [(la, unk_tokens[(t, la)]) for la in langs
                    if (t, la) not in unk and unk_tokens.get((t, la), 0.0) > UNK_THRESHOLD]
            shares = ", ".join(f"{_pct(v)} of the tokens on {la}" for la, v in high)
            what = "the tokens"
        if high:
            verb = "cover" if what == "the characters" else "are"
            out.append(Diagnostic(
                "unk", f"{t}: UNK tokens {verb} {shares} (share of {what}; warned above "
                       f"{_pct(UNK_THRESHOLD)}). The tokenizer cannot represent that text, so "
                       f"its token counts and every ratio built on them (parity, fertility) "
                       f"understate the cost there.",
                tokenizer=t, langs=tuple(la for la, _ in high), values=tuple(high),
                threshold=UNK_THRESHOLD))
        high = [(la, bf[(t, la)]) for la in langs
                if (t, la) in bf and bf[(t, la)] > BYTE_FALLBACK_THRESHOLD]
        if high:
            shares = ", ".join(f"{_pct(v)} on {la}" for la, v in high)
            out.append(Diagnostic(
                "byte_fallback", f"{t}: byte tokens are {shares} (share of the tokens; "
                                 f"noted above {_pct(BYTE_FALLBACK_THRESHOLD)}). The counts are "
                                 f"valid, but the vocabulary barely covers "
                                 f"{'these languages' if len(high) > 1 else 'this language'}: "
                                 f"the text is encoded mostly as raw UTF-8 bytes.",
                tokenizer=t, langs=tuple(la for la, _ in high), values=tuple(high),
                threshold=BYTE_FALLBACK_THRESHOLD))
    return out


def _composes(tnorm: str) -> str:
    """Whether a tokenizer's own normalisation composes text (NFC, NFKC), decomposes it (NFD,
    NFKD) or leaves it as given."""
    s = tnorm.lower()
    if "nfkd" in s or "nfd" in s:
        return "decomposes"
    if "nfkc" in s or "nfc" in s:
        return "composes"
    return "as given"


def _nfc_warning(results: Results, corpus: Any) -> list[Diagnostic]:
    norm = str(results.meta.get("normalization") or "none")
    if norm.upper() in ("NFC", "NFKC"):  # the measured text was composed first
        return []
    if "non_nfc_langs" in results.meta:
        langs = [la for la in results.meta["non_nfc_langs"] or () if la in results.langs]
    elif corpus is not None:
        segs = getattr(corpus, "segments", corpus)
        langs = non_nfc_langs({la: segs[la] for la in results.langs if la in segs})
    else:
        return []
    if not langs:
        return []
    tnorm: dict[str, str] = {}
    for r in results.rows:
        tnorm.setdefault(r.tokenizer, r.signature.tnorm)
    groups: dict[str, list[str]] = {}
    for t, n in tnorm.items():
        groups.setdefault(_composes(n), []).append(t)
    if len(groups) < 2:
        return []
    parts = []
    for what, ts in groups.items():
        if what == "as given":
            parts.append(f"{', '.join(ts)} take it as given")
        else:
            parts.append(f"{', '.join(ts)} {what} it "
                         f"({'/'.join(sorted({tnorm[t] for t in ts}))})")
    how = "; ".join(parts)
    fix = "--normalization NFC (Python: normalization=\"NFC\")"
    return [Diagnostic(
        "non_nfc", f"The text of {', '.join(langs)} is not in Unicode NFC, and the tokenizers "
                   f"normalise it differently ({how}): on these languages the numbers compare "
                   f"the normalisation, not the vocabularies. Measure with {fix}.",
        langs=tuple(langs), fix=fix)]


def _na_warnings(results: Results) -> list[Diagnostic]:
    """Values that are not available, grouped by reason: a missing word segmenter (with its
    install command) or anything else."""
    by_reason: dict[str, dict[str, list[str]]] = {}  # reason -> metric -> langs
    toks_of: dict[str, set[str]] = {}
    for r in results.rows:
        if r.value is not None or not r.note:
            continue
        if "no word metric was asked for" in r.note:  # not a limitation: words were not asked
            continue
        langs = by_reason.setdefault(r.note, {}).setdefault(r.metric, [])
        if r.lang not in langs:
            langs.append(r.lang)
        toks_of.setdefault(r.note, set()).add(r.tokenizer)
    out: list[Diagnostic] = []
    all_toks = set(results.tokenizers)
    for reason, per_metric in by_reason.items():
        metrics = tuple(per_metric)
        langs = tuple(dict.fromkeys(la for ls in per_metric.values() for la in ls))
        toks = toks_of[reason]
        who = "" if toks == all_toks else f" for {', '.join(sorted(toks))}"
        text = reason.removeprefix("not available (").removesuffix(")")
        fix = None
        if "Fix: " in text:
            fix = text.split("Fix: ", 1)[1].strip()
        word = "no word segmenter" in text and set(metrics) <= WORD_METRICS
        if word and fix is None and "has none" in text:
            fix = "choose one with --segmenter LANG=NAME (Python: segmenters={LANG: NAME})"
            text += f"; {fix}"
        out.append(Diagnostic(
            "segmenter" if word else "not_available",
            f"{', '.join(metrics)} not available{who} on {', '.join(langs)}: {text}",
            tokenizer=next(iter(toks)) if len(toks) == 1 and len(all_toks) > 1 else None,
            langs=langs, fix=fix, metrics=metrics))
    return out


def diagnose(results: Results, corpus: Any = None, *,
             tokenizers: Iterable[Any] = ()) -> list[Diagnostic]:
    """Every warning about these results, most serious first (UNK, non-NFC text, byte
    fallback, missing segmenters, other unavailable values).

    ``corpus`` (the measured :class:`~tokeff.corpora.Corpus` or a mapping language ->
    segments) is read only to tell whether the text is in NFC when ``results.meta`` does not
    say (``meta["non_nfc_langs"]``). ``tokenizers`` (the measured tokenizer objects) give
    their UNK ids when ``meta["tokenizers"]`` does not record them: without token offsets the
    UNK share is then counted in tokens. Results read back from JSON without their counts keep the
    warnings stored in ``meta["warnings"]`` that cannot be derived again.
    """
    found = _rate_warnings(results, tokenizers) + _nfc_warning(results, corpus) + _na_warnings(results)
    seen = {(d.kind, d.tokenizer, d.langs) for d in found}
    stored = () if results.counts else results.meta.get("warnings") or ()
    for rec in stored:
        try:
            d = Diagnostic.from_record(rec)
        except (KeyError, TypeError, ValueError):  # a hand-edited record: derive, do not trust
            continue
        if (d.kind, d.tokenizer, d.langs) not in seen and d.kind in KINDS:
            found.append(d)
            seen.add((d.kind, d.tokenizer, d.langs))
    order = {k: i for i, k in enumerate(KINDS)}
    return sorted(found, key=lambda d: order.get(d.kind, len(KINDS)))


def attach(results: Results, corpus: Any = None, *,
           tokenizers: Iterable[Any] = ()) -> list[Diagnostic]:
    """:func:`diagnose` and store the warnings in ``results.meta["warnings"]`` (kept in JSON)."""
    found = diagnose(results, corpus, tokenizers=tokenizers)
    results.meta["warnings"] = [d.to_record() for d in found]
    return found


def marked_cells(warnings: Iterable[Diagnostic], tokenizers: Sequence[str],
                 metric: str) -> dict[tuple[str, str], list[Diagnostic]]:
    """Cells of a metric's table whose value is misleading as shown (UNK, non-NFC text),
    with the warnings about them."""
    out: dict[tuple[str, str], list[Diagnostic]] = {}
    for d in warnings:
        if d.kind in MARKED_KINDS and d.applies_to(metric):
            for cell in d.cells(tokenizers):
                out.setdefault(cell, []).append(d)
    return out


def text_lines(warnings: Sequence[Diagnostic], *, mark: str = "!", marked: bool = False,
               width: int = 100) -> list[str]:
    """The warnings as plain-text lines for under a table (empty when there are none);
    ``marked``: the table marks the values they are about with ``mark``."""
    if not warnings:
        return []
    head = "Warnings"
    if marked:
        head += f" ({mark} next to a value: a warning below is about it)"
    out = [head + ":"]
    for d in warnings:
        out.extend(textwrap.wrap(d.message, width, initial_indent=f"  {mark} ",
                                 subsequent_indent="    ", break_on_hyphens=False,
                                 break_long_words=False))
    return out
