"""Metrics: pure numpy functions of per-segment count arrays, as ratios of totals.

Every ratio metric is ``sum(numerator) / sum(denominator)`` over aligned segments; the paired
bootstrap resamples segment indices once and applies the same resample to every tokenizer and
language. A zero denominator gives "not available" with a reason, never NaN.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from .counting import Counts


@dataclass(frozen=True)
class MetricInfo:
    name: str
    unit: str
    direction: str  # "lower", "higher" or "none" (is better)
    kind: str  # "total", "ratio" or "distribution"
    description: str


METRICS: dict[str, MetricInfo] = {m.name: m for m in [
    MetricInfo("tokens", "tokens", "lower", "total", "total tokens, no special tokens"),
    MetricInfo("chars", "code points", "none", "total", "total Unicode code points"),
    MetricInfo("bytes", "bytes", "none", "total", "total UTF-8 bytes"),
    MetricInfo("words", "words", "none", "total", "total words from the declared segmenter"),
    MetricInfo("segments", "segments", "none", "total", "number of aligned segments"),
    MetricInfo("tokens_per_char", "tokens/char", "lower", "ratio",
               "tokens / code points (ratio of totals)"),
    MetricInfo("chars_per_token", "chars/token", "higher", "ratio",
               "code points / tokens (ratio of totals)"),
    MetricInfo("bytes_per_token", "bytes/token", "higher", "ratio",
               "UTF-8 bytes / tokens; flatters scripts with 3-byte characters (CJK)"),
    MetricInfo("fertility", "tokens/word", "lower", "ratio",
               "tokens / words of the declared segmenter (ratio of totals)"),
    MetricInfo("continued_words", "fraction", "lower", "ratio",
               "share of words spanning two or more tokens, tokens aligned to words in context"),
    MetricInfo("parity", "ratio", "lower", "ratio",
               "tokens of the language / tokens of the pivot language on the same segments "
               "(1 = parity)"),
    MetricInfo("nsl", "ratio", "lower", "ratio",
               "tokens / tokens of the reference tokenizer on the same language"),
    MetricInfo("renyi_efficiency", "0..1", "higher", "distribution",
               "Renyi entropy of the token-id distribution / log |V| (Zouhar et al. 2023)"),
    MetricInfo("unk_rate", "fraction", "lower", "ratio",
               "share of characters covered by UNK tokens"),
    MetricInfo("byte_fallback_rate", "fraction", "lower", "ratio",
               "share of tokens that are byte tokens or not valid UTF-8 on their own"),
]}

DEFAULT_METRICS = tuple(m for m in METRICS if m != "nsl")


@dataclass(frozen=True)
class Value:
    """A metric value, or "not available" with a reason."""

    value: float | None
    reason: str | None = None

    @property
    def available(self) -> bool:
        return self.value is not None


def ratio_of_totals(num: np.ndarray, den: np.ndarray, *, what: str = "denominator") -> Value:
    """``sum(num) / sum(den)``; a zero denominator is "not available".

    >>> ratio_of_totals(np.array([2, 4]), np.array([1, 3]))
    Value(value=1.5, reason=None)
    >>> ratio_of_totals(np.array([1]), np.array([0]), what="words").reason
    'not available (0 words)'
    """
    d = float(np.sum(den))
    if d == 0:
        return Value(None, f"not available (0 {what})")
    return Value(float(np.sum(num)) / d)


def renyi_entropy(freqs: np.ndarray, alpha: float = 2.5) -> float:
    """Rényi entropy (in bits) of a frequency vector; alpha = 1 is Shannon entropy."""
    f = np.asarray(freqs, dtype=np.float64)
    p = f[f > 0] / f.sum()
    if alpha == 1.0:
        return float(-(p * np.log2(p)).sum())
    return float(np.log2((p ** alpha).sum()) / (1.0 - alpha))


def renyi_efficiency(freqs: np.ndarray, vocab_size: int, alpha: float = 2.5) -> Value:
    """Rényi efficiency H_alpha(p) / log2 |V| (Zouhar et al. 2023, alpha = 2.5 in the paper).

    >>> round(renyi_efficiency(np.array([3, 2, 1, 1]), 4, 2.5).value, 6)
    0.826506
    """
    f = np.asarray(freqs)
    if f.sum() == 0:
        return Value(None, "not available (0 tokens)")
    if vocab_size < 2:
        return Value(None, "not available (vocabulary of fewer than 2 types)")
    return Value(renyi_entropy(f, alpha) / float(np.log2(vocab_size)))


# -- ratio definitions: (numerator, denominator, what the denominator counts) -----------------

Getter = Callable[[Counts], "np.ndarray | None"]

RATIO_DEFS: dict[str, tuple[str, str, str]] = {
    "tokens_per_char": ("tokens", "chars", "characters"),
    "chars_per_token": ("chars", "tokens", "tokens"),
    "bytes_per_token": ("bytes", "tokens", "tokens"),
    "fertility": ("tokens", "words", "words"),
    "continued_words": ("continued", "words", "words"),
    "unk_rate": ("unk_chars", "chars", "characters"),
    "byte_fallback_rate": ("byte_fallback", "tokens", "tokens"),
}

TOTAL_FIELDS = {"tokens": "tokens", "chars": "chars", "bytes": "bytes", "words": "words"}


@dataclass
class Bootstrap:
    """Paired bootstrap over aligned segments: the same resampled indices for every array."""

    n_resamples: int = 1000
    seed: int = 0
    level: float = 0.95
    chunk: int = 64

    def settings(self) -> str:
        if self.n_resamples <= 0:
            return "none"
        return f"{self.n_resamples}/seed{self.seed}/{round(self.level * 100, 3):g}"

    def resampled_sums(self, columns: np.ndarray) -> np.ndarray:
        """Sums of every column (n_segments x k) under each resample: (n_resamples x k).

        Resample weights (how often each segment is drawn) are built per chunk of resamples
        and multiplied with all columns at once.
        """
        n, k = columns.shape
        rng = np.random.default_rng(self.seed)
        out = np.empty((self.n_resamples, k), dtype=np.float64)
        cols = columns.astype(np.float64, copy=False)
        # Bound the weight matrix (chunk x n) to ~2M cells whatever the corpus size; the
        # generator draws element by element, so the chunking does not change the resamples.
        chunk = max(1, min(self.chunk, 2_000_000 // max(n, 1)))
        for start in range(0, self.n_resamples, chunk):
            b = min(chunk, self.n_resamples - start)
            idx = rng.integers(0, n, size=(b, n))
            flat = (np.arange(b)[:, None] * n + idx).reshape(-1)
            w = np.bincount(flat, minlength=b * n).reshape(b, n).astype(np.float64)
            out[start:start + b] = w @ cols
        return out

    def interval(self, num_sums: np.ndarray, den_sums: np.ndarray) -> tuple[float, float] | None:
        ok = den_sums != 0
        if not ok.any():
            return None
        r = num_sums[ok] / den_sums[ok]
        a = (1.0 - self.level) / 2.0
        lo, hi = np.quantile(r, [a, 1.0 - a])
        return float(lo), float(hi)


def metric_value(metric: str, c: Counts, *, pivot: Counts | None = None,
                 ref: Counts | None = None, alpha: float = 2.5) -> Value:
    """The point value of one metric for one tokenizer x language (pure function of counts)."""
    if metric in c.na_reasons and metric in ("fertility", "continued_words", "unk_rate"):
        return Value(None, f"not available ({c.na_reasons[metric]})")
    if metric == "segments":
        return Value(float(c.n_segments))
    if metric in TOTAL_FIELDS:
        arr = getattr(c, TOTAL_FIELDS[metric])
        if arr is None:
            return Value(None, f"not available ({c.na_reasons.get('fertility', 'no words')})")
        return Value(float(np.sum(arr)))
    if metric == "renyi_efficiency":
        return renyi_efficiency(c.token_freqs, c.vocab_size, alpha)
    if metric == "parity":
        if pivot is None:
            return Value(None, "not available (no pivot language)")
        return ratio_of_totals(c.tokens, pivot.tokens, what=f"tokens in {pivot.lang}")
    if metric == "nsl":
        if ref is None:
            return Value(None, "not available (no reference tokenizer)")
        return ratio_of_totals(c.tokens, ref.tokens, what=f"tokens under {ref.tokenizer}")
    num, den, what = RATIO_DEFS[metric]
    return ratio_of_totals(getattr(c, num), getattr(c, den), what=what)


def ratio_arrays(metric: str, c: Counts, *, pivot: Counts | None = None,
                 ref: Counts | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """The (numerator, denominator) per-segment arrays of a ratio metric, for the bootstrap."""
    if metric == "parity":
        return (c.tokens, pivot.tokens) if pivot is not None else None
    if metric == "nsl":
        return (c.tokens, ref.tokens) if ref is not None else None
    if metric not in RATIO_DEFS:
        return None
    num, den, _ = RATIO_DEFS[metric]
    a, b = getattr(c, num), getattr(c, den)
    return None if a is None or b is None else (a, b)


def gini(values: Mapping[str, float] | np.ndarray) -> float:
    """Gini coefficient of non-negative values (e.g. token totals per language on parallel text).

    >>> gini(np.array([1.0, 1.0, 1.0]))
    0.0
    """
    v = np.sort(np.asarray(list(values.values()) if isinstance(values, Mapping) else values,
                           dtype=np.float64))
    n = len(v)
    if n == 0 or v.sum() == 0:
        return 0.0
    cum = np.cumsum(v)
    return float((n + 1 - 2 * (cum.sum() / cum[-1])) / n)
