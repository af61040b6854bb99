"""Paired comparison of two tokenizers on the same segments, like sacrebleu's paired bootstrap
between systems: the ratio (or difference) of their metric, with a bootstrap interval that
resamples the aligned segments once for both, and whether it excludes "no difference".

>>> import tokeff
>>> res = tokeff.measure("udhr", ["cl100k_base", "qwen2.5"], langs="zh", metrics="tokens",
...                      bootstrap=0)
>>> p = paired(res, "qwen2.5", "cl100k_base", "zh")
>>> round(p.estimate, 3), p.excludes_no_difference
(0.519, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import UsageError
from .langs import resolve_lang
from .metrics import METRICS, Bootstrap, ratio_arrays, unavailable

__all__ = ["PairedComparison", "paired"]

STATISTICS = ("ratio", "difference")


@dataclass(frozen=True)
class PairedComparison:
    """A metric of tokenizer A against tokenizer B on one language, over the same segments.

    ``estimate`` is ``value_a / value_b`` (``statistic="ratio"``) or ``value_a - value_b``;
    ``ci_low``/``ci_high`` its paired bootstrap interval (None when no resample is defined).
    """

    tokenizer_a: str
    tokenizer_b: str
    lang: str
    metric: str
    statistic: str
    value_a: float
    value_b: float
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    level: float
    n_resamples: int
    seed: int
    n_segments: int

    @property
    def null(self) -> float:
        """The value of "no difference": 1 for a ratio, 0 for a difference."""
        return 1.0 if self.statistic == "ratio" else 0.0

    @property
    def excludes_no_difference(self) -> bool:
        """True when the interval lies entirely on one side of "no difference"."""
        if self.ci_low is None or self.ci_high is None:
            return False
        return self.ci_low > self.null or self.ci_high < self.null

    def __str__(self) -> str:
        op = "/" if self.statistic == "ratio" else "-"
        if self.estimate is None:
            return f"{self.tokenizer_a} {op} {self.tokenizer_b}, {self.metric} on {self.lang}: n/a"
        ci = ("" if self.ci_low is None else
              f" [{self.ci_low:.4g}, {self.ci_high:.4g}] ({round(self.level * 100, 3):g} % "
              f"paired bootstrap, {self.n_resamples} resamples of {self.n_segments} segments)")
        if self.excludes_no_difference:
            side = "higher" if self.ci_low > self.null else "lower"  # type: ignore[operator]
            verdict = f"{self.tokenizer_a} is {side}"
        else:
            verdict = "the interval includes no difference"
        return (f"{self.tokenizer_a} {op} {self.tokenizer_b}, {self.metric} on {self.lang}: "
                f"{self.estimate:.4g}{ci}; {verdict}")


def _arrays(results, tok: str, lang: str, metric: str) -> tuple[np.ndarray, np.ndarray | None]:
    counts = results.counts
    c = counts.get((tok, lang))
    if c is None:
        have = sorted({k[0] for k in counts})
        langs = sorted({k[1] for k in counts})
        raise UsageError(f"no per-segment counts for tokenizer {tok!r} on {lang}; the results "
                         f"have tokenizers {have} and languages {langs}")
    m = METRICS.get(metric)
    missing = unavailable(metric, c) if m is not None else None
    if m is not None and m.kind == "total" and m.num is not None:
        if missing is not None:
            raise UsageError(f"{metric} is not available for {lang} ({missing})")
        return getattr(c, m.num), None
    pivot = results.meta.get("pivot")
    ref = results.meta.get("reference")
    arrs = ratio_arrays(metric, c, pivot=counts.get((tok, pivot)) if pivot else None,
                        ref=counts.get((ref, lang)) if ref else None)
    if arrs is None:
        raise UsageError(f"metric {metric!r} cannot be compared per segment for {tok} on {lang} "
                         f"(its inputs were not measured: pivot, reference or words)")
    return arrs


def paired(results, tokenizer_a: str, tokenizer_b: str, lang: str, metric: str = "tokens", *,
           statistic: str = "ratio", n_resamples: int = 1000, seed: int = 0,
           level: float = 0.95) -> PairedComparison:
    """Compare ``metric`` of two tokenizers on the same segments of ``lang`` (see the module
    docstring). Metrics: totals (``tokens``, ``chars``, ``bytes``, ``words``) and ratio metrics
    (``tokens_per_char``, ``fertility``, ``parity``, ...), each as a ratio of totals."""
    if statistic not in STATISTICS:
        raise UsageError(f"statistic must be one of {', '.join(STATISTICS)}, not {statistic!r}")
    if metric not in METRICS or METRICS[metric].kind == "distribution" or metric == "segments":
        ok = [m for m, i in METRICS.items() if i.kind != "distribution" and m != "segments"]
        raise UsageError(f"metric {metric!r} cannot be compared segment by segment; use one "
                         f"of {', '.join(ok)}")
    if tokenizer_a == tokenizer_b:
        raise UsageError(f"compare two different tokenizers, not {tokenizer_a!r} with itself")
    if not 0 < level < 1:
        raise UsageError(f"level must be between 0 and 1 (e.g. 0.95), not {level}")
    if n_resamples < 0:
        raise UsageError(f"n_resamples must be >= 0, not {n_resamples}")
    if not getattr(results, "counts", None):
        raise UsageError("these results hold no per-segment counts (results read back from "
                         "JSON keep only the totals); measure again to compare pairs")
    code = resolve_lang(lang)
    a_num, a_den = _arrays(results, tokenizer_a, code, metric)
    b_num, b_den = _arrays(results, tokenizer_b, code, metric)
    cols = [a_num, b_num] + ([a_den, b_den] if a_den is not None else [])
    n = len(a_num)
    if any(len(x) != n for x in cols):  # pragma: no cover - counts of one corpus
        raise UsageError("the two tokenizers were not measured on the same segments")
    pts = np.array([[float(np.sum(x)) for x in cols]])
    sums = pts
    if n_resamples > 0:
        boot = Bootstrap(n_resamples=n_resamples, seed=seed, level=level)
        sums = np.vstack([pts, boot.resampled_sums(np.stack(cols, axis=1))])
    with np.errstate(divide="ignore", invalid="ignore"):
        va, vb = (sums[:, 0] / sums[:, 2], sums[:, 1] / sums[:, 3]) if a_den is not None \
            else (sums[:, 0], sums[:, 1])
        stat = va / vb if statistic == "ratio" else va - vb
    value_a, value_b = float(va[0]), float(vb[0])
    est = float(stat[0]) if np.isfinite(stat[0]) else None
    lo = hi = None
    if n_resamples > 0:
        finite = stat[1:][np.isfinite(stat[1:])]
        if len(finite):
            a = (1.0 - level) / 2.0
            lo, hi = (float(x) for x in np.quantile(finite, [a, 1.0 - a]))
    return PairedComparison(tokenizer_a, tokenizer_b, code, metric, statistic, value_a,
                            value_b, est, lo, hi, level, n_resamples, seed, n)
