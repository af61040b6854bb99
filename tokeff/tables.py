"""Results as the tables people use: a wide DataFrame (one row per tokenizer x language, one
column per metric) and the per-segment counts as a long DataFrame. pandas is optional
(``pip install "tokeff[pandas]"``); it is imported only here, when a table is asked for.

>>> import tokeff
>>> data = {"en": ["Hello.", "Bye."], "zh": ["你好。", "再见。"]}
>>> res = tokeff.measure(data, "cl100k_base", metrics=["tokens", "parity"], bootstrap=0)
>>> results_frame(res, wide=True).loc[("cl100k_base", "zho_Hans"), "tokens"]
np.float64(6.0)
>>> segments_frame(res)[["lang", "segment", "tokens", "chars"]].values.tolist()
[['eng_Latn', 1, 2, 6], ['eng_Latn', 2, 3, 4], ['zho_Hans', 1, 3, 3], ['zho_Hans', 2, 3, 3]]
"""

from __future__ import annotations

from collections.abc import Iterable

from .errors import MissingDependencyError, UsageError

__all__ = ["results_frame", "segments_frame"]

#: Per-segment arrays, in column order (those absent for a language are missing values there).
SEGMENT_COLUMNS = ("tokens", "chars", "bytes", "words", "byte_fallback", "continued",
                   "unk_chars")


def _pandas(what: str):
    try:
        import pandas as pd
    except ImportError:
        raise MissingDependencyError(what, "pandas", "pandas") from None
    return pd


def results_frame(results, *, wide: bool = False, ci: bool = False):
    """Long (one row per tokenizer x language x metric, with CI, signature and note) or, with
    ``wide=True``, one row per (tokenizer, lang) and one column per metric (``ci=True`` adds
    ``<metric>_ci_low``/``<metric>_ci_high``); unavailable values are missing (NaN)."""
    pd = _pandas("Results.to_pandas()")
    if not wide:
        return pd.DataFrame([r.to_record() for r in results.rows])
    index = list(dict.fromkeys((r.tokenizer, r.lang) for r in results.rows))
    metrics = list(dict.fromkeys(r.metric for r in results.rows))
    cols: list[str] = []
    for m in metrics:
        cols += [m, f"{m}_ci_low", f"{m}_ci_high"] if ci else [m]
    data = {c: [None] * len(index) for c in cols}
    pos = {k: i for i, k in enumerate(index)}
    for r in results.rows:
        i = pos[(r.tokenizer, r.lang)]
        data[r.metric][i] = r.value
        if ci:
            data[f"{r.metric}_ci_low"][i] = r.ci_low
            data[f"{r.metric}_ci_high"][i] = r.ci_high
    frame = pd.DataFrame({c: pd.array(v, dtype="Float64").astype("float64")
                          for c, v in data.items()},
                         index=pd.MultiIndex.from_tuples(index, names=["tokenizer", "lang"]))
    return frame


def _select(x: str | Iterable[str] | None) -> set[str] | None:
    return None if x is None else ({x} if isinstance(x, str) else set(x))


def segments_frame(results, *, tokenizer: str | Iterable[str] | None = None,
                   lang: str | Iterable[str] | None = None):
    """Per-segment counts, long: columns ``tokenizer, lang, segment`` (1-based, the corpus
    order) and the count arrays (``tokens, chars, bytes, words, ...``; missing where a
    language has none, e.g. words without a segmenter)."""
    pd = _pandas("Results.segments()")
    counts = getattr(results, "counts", None)
    if not counts:
        raise UsageError("these results hold no per-segment counts (results read back from "
                         "JSON keep only the totals); measure again to get them")
    want_t, want_l = _select(tokenizer), _select(lang)
    keys = [k for k in counts if (want_t is None or k[0] in want_t)
            and (want_l is None or k[1] in want_l)]
    if not keys:
        raise UsageError(f"no per-segment counts for tokenizer={tokenizer!r}, lang={lang!r}; "
                         f"have tokenizers {sorted({k[0] for k in counts})} and languages "
                         f"{sorted({k[1] for k in counts})}")
    parts = []
    for t, la in keys:
        c = counts[(t, la)]
        n = c.n_segments
        d = {"tokenizer": [t] * n, "lang": [la] * n, "segment": list(range(1, n + 1))}
        for f in SEGMENT_COLUMNS:
            arr = getattr(c, f)
            d[f] = (pd.array([None] * n, dtype="Int64") if arr is None
                    else pd.array(arr.astype("int64"), dtype="Int64"))
        parts.append(pd.DataFrame(d))
    frame = pd.concat(parts, ignore_index=True)
    # Keep a column only when some language has it (e.g. 'unk_chars' needs offsets).
    keep = [c for c in frame.columns if c not in SEGMENT_COLUMNS or frame[c].notna().any()]
    return frame[keep]
