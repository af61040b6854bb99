"""What a report says in words: plain-language findings drawn from the numbers.

A finding never says more than the numbers do: a language below parity is not "the most
expensive", and a value a warning is about (UNK tokens, text not in NFC) carries the warning
with it.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .diagnostics import Diagnostic, marked_cells
from .display import WARN_MARK, fmt, lang_name, tokenizer_info
from .plots import chars_per_token, origin_group

if TYPE_CHECKING:  # pragma: no cover
    from .results import Results, Row

__all__ = ["findings"]


def _nonpivot(results: Results, langs: Sequence[str]) -> list[str]:
    pivot = results.meta.get("pivot")
    return [x for x in langs if x != pivot] or list(langs)


def _named(la: str) -> str:
    name = lang_name(la)
    return f"{la} ({name})" if name else la


def _ci(r: Row) -> str:
    if r.ci_low is None:
        return ""
    return f" (CI {fmt(r.ci_low, exact_ints=False)}–{fmt(r.ci_high, exact_ints=False)})"


def _caveat(marks: dict[tuple[str, str], list[Diagnostic]], cells: list[tuple[str, str]]) -> str:
    """`` ⚠ (...)`` when a warning is about one of the cells a finding rests on."""
    kinds = {d.kind for c in cells for d in marks.get(c, ())}
    if not kinds:
        return ""
    why = []
    if "unk" in kinds:
        why.append("UNK tokens hide part of the text")
    if "non_nfc" in kinds:
        why.append("the text is not in NFC and the tokenizers normalise it differently")
    return f" {WARN_MARK} Unreliable: {' and '.join(why)} (see the warnings)."


def findings(results: Results, warnings: Sequence[Diagnostic] = ()) -> list[str]:
    """Plain-language statements drawn from the numbers (parity and the origin comparison).

    ``warnings`` (:func:`tokeff.diagnostics.diagnose`) qualify the statements resting on a
    value they are about.
    """
    out: list[str] = []
    pivot = results.meta.get("pivot")
    if "parity" in results.metrics and pivot:
        toks, langs, rows = results.wide("parity")
        marks = marked_cells(warnings, toks, "parity")
        langs = _nonpivot(results, langs)
        medians: dict[str, float] = {}
        for t in toks:
            vals = [(rows[(t, la)].value, la) for la in langs
                    if (t, la) in rows and rows[(t, la)].value is not None]
            if not vals or langs == [pivot]:
                continue
            medians[t] = statistics.median(v for v, _ in vals)
            v, la = max(vals)
            head = f"{t}: median parity {medians[t]:.2f} over {len(vals)} language(s); "
            if v > 1:
                body = (f"the most expensive is {_named(la)} at {v:.2f}× the tokens of "
                        f"{pivot}{_ci(rows[(t, la)])}.")
            else:  # nothing costs more than the pivot: say so instead of naming a "dearest"
                body = (f"no language costs more tokens than {pivot} (all at or below parity); "
                        f"the closest to parity is {_named(la)} at {v:.2f}×"
                        f"{_ci(rows[(t, la)])}.")
            out.append(head + body + _caveat(marks, [(t, la)]))
        if len(medians) > 1:
            best = min(medians, key=medians.__getitem__)
            worst = max(medians, key=medians.__getitem__)
            out.append(f"Lowest median parity: {best} ({medians[best]:.2f}); highest: {worst} "
                       f"({medians[worst]:.2f}).")
        means = {}
        for la in langs:
            vals = [rows[(t, la)].value for t in toks if (t, la) in rows
                    and rows[(t, la)].value is not None]
            if vals:
                means[la] = statistics.fmean(vals)
        if len(means) > 1 and len(toks) > 1:
            la = max(means, key=means.__getitem__)
            cells = [(t, la) for t in toks]
            if means[la] > 1:
                out.append(f"Across tokenizers, {la} costs the most: {means[la]:.2f}× the "
                           f"tokens of {pivot} on average." + _caveat(marks, cells))
            else:
                out.append(f"Across tokenizers, every language costs at most as many tokens as "
                           f"{pivot} on average; the highest is {la} at {means[la]:.2f}×."
                           + _caveat(marks, cells))
    out.extend(_origin_findings(results))
    return out


def _origin_findings(results: Results) -> list[str]:
    langs = results.langs
    zh = next((x for x in ("zho_Hans", "zho_Hant", "yue_Hant") if x in langs), None)
    if zh is None or "eng_Latn" not in langs:
        return []
    by_group: dict[str, dict[str, list[float]]] = {}
    for t in results.tokenizers:
        g = origin_group(tokenizer_info(results, t).get("origin"))
        for la in (zh, "eng_Latn"):
            d = chars_per_token(results, t, la)
            if d is not None:
                by_group.setdefault(g, {}).setdefault(la, []).append(d[0])
    parts = []
    for g, d in by_group.items():
        if zh in d and "eng_Latn" in d:
            parts.append(f"{g} ({len(d[zh])}): {statistics.fmean(d[zh]):.2f} chars/token on "
                         f"{zh}, {statistics.fmean(d['eng_Latn']):.2f} on eng_Latn")
    if not parts:
        return []
    return ["Chinese vs English by tokenizer origin (mean chars per token; higher is cheaper): "
            + "; ".join(parts) + "."]
