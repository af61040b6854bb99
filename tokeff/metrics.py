"""Metrics: pure numpy functions of per-segment count arrays, as ratios of totals.

Every ratio metric is ``sum(numerator) / sum(denominator)`` over aligned segments; the paired
bootstrap resamples segment indices once and applies the same resample to every tokenizer and
language. A zero denominator gives "not available" with a reason, never NaN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from .counting.counts import Counts
from .resample import SCHEME, resampled_sums


@dataclass(frozen=True)
class MetricInfo:
    """The one declaration of a metric; everything else (values, bootstrap columns, tables,
    "not available" reasons, docs, ``tokeff list metrics``) is derived from it.

    - ``kind``: ``total`` (a sum of ``num``), ``ratio`` (sum of ``num`` / sum of ``den``, the
      denominator taken from ``against``: the same counts, the ``pivot`` language or the
      ``reference`` tokenizer), or ``distribution`` (a function of the token-id frequencies);
    - ``num``/``den``: the :class:`~tokeff.counting.Counts` arrays reduced; ``what``: what the
      denominator counts (in "not available (0 words)");
    - ``needs``: inputs counting must produce (``words``: a word segmenter; ``spans``: token
      offsets; ``byte_fallback``: byte tokens counted; ``token_ids``: token-id frequencies);
      when one is missing the value is "not available" with the recorded reason.
    """

    name: str
    unit: str
    direction: str  # "lower", "higher" or "none" (is better)
    kind: str  # "total", "ratio" or "distribution"
    description: str
    num: str | None = None
    den: str | None = None
    what: str = ""
    against: str = "self"  # "self", "pivot" or "reference"
    needs: tuple[str, ...] = ()

    @property
    def uses_words(self) -> bool:
        """Whether the value depends on the word segmenter (its signature records it)."""
        return "words" in self.needs


_M = MetricInfo
METRICS: dict[str, MetricInfo] = {m.name: m for m in [
    _M("tokens", "tokens", "lower", "total", "total tokens, no special tokens", num="tokens"),
    _M("chars", "code points", "none", "total", "total Unicode code points", num="chars"),
    _M("bytes", "bytes", "none", "total", "total UTF-8 bytes", num="bytes"),
    _M("words", "words", "none", "total", "total words from the declared segmenter",
       num="words", needs=("words",)),
    _M("segments", "segments", "none", "total", "number of aligned segments"),
    _M("tokens_per_char", "tokens/char", "lower", "ratio",
       "tokens / code points (ratio of totals)", num="tokens", den="chars", what="characters"),
    _M("chars_per_token", "chars/token", "higher", "ratio",
       "code points / tokens (ratio of totals)", num="chars", den="tokens", what="tokens"),
    _M("bytes_per_token", "bytes/token", "higher", "ratio",
       "UTF-8 bytes / tokens; flatters scripts with 3-byte characters (CJK)", num="bytes",
       den="tokens", what="tokens"),
    _M("fertility", "tokens/word", "lower", "ratio",
       "tokens / words of the declared segmenter (ratio of totals)", num="tokens", den="words",
       what="words", needs=("words",)),
    _M("continued_words", "fraction", "lower", "ratio",
       "share of words spanning two or more tokens, tokens aligned to words in context",
       num="continued", den="words", what="words", needs=("words", "spans")),
    _M("parity", "ratio", "lower", "ratio",
       "tokens of the language / tokens of the pivot language on the same segments "
       "(1 = parity)", num="tokens", den="tokens", against="pivot"),
    _M("nsl", "ratio", "lower", "ratio",
       "tokens / tokens of the reference tokenizer on the same language", num="tokens",
       den="tokens", against="reference"),
    _M("renyi_efficiency", "0..1", "higher", "distribution",
       "Renyi entropy of the token-id distribution / log |V| (Zouhar et al. 2023)",
       needs=("token_ids",)),
    _M("unk_rate", "fraction", "lower", "ratio", "share of characters covered by UNK tokens",
       num="unk_chars", den="chars", what="characters", needs=("spans",)),
    _M("byte_fallback_rate", "fraction", "lower", "ratio",
       "share of tokens that are byte tokens or not valid UTF-8 on their own",
       num="byte_fallback", den="tokens", what="tokens", needs=("byte_fallback",)),
]}
#: Metrics whose value depends on the word segmenter (their signature records it).
WORD_METRICS = frozenset(m.name for m in METRICS.values() if m.uses_words)

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


#: From this many aligned segments on, ratio intervals come from the delta method (the normal
#: approximation of a ratio of sums) instead of resampling: 1000 resamples of ten million
#: segments take minutes, and at this size the bootstrap distribution of a ratio of sums is
#: normal to well within its own resampling noise. The signature records it (``boot:delta/95``);
#: FLORES-200 (about 2,000 segments) and every corpus under a million segments are resampled.
ANALYTIC_FROM = 1_000_000
#: Resampled ratios (float64) whose quantiles are taken in one call: 32 MB (with the column
#: copies and np.quantile's own copy, about four times that at most, for a moment).
QUANTILE_BLOCK = 2**22


@dataclass
class Bootstrap:
    """Paired bootstrap over aligned segments: the same resampled indices for every array.

    From ``analytic_from`` segments on (default :data:`ANALYTIC_FROM`), intervals are the delta
    method's instead (see :meth:`delta_interval`).
    """

    n_resamples: int = 1000
    seed: int = 0
    level: float = 0.95
    analytic_from: int | None = None

    def analytic(self, n_segments: int) -> bool:
        """Whether intervals over ``n_segments`` aligned segments come from the delta method."""
        limit = ANALYTIC_FROM if self.analytic_from is None else self.analytic_from
        return self.n_resamples > 0 and n_segments >= limit

    def settings(self, n_segments: int | None = None) -> str:
        """The signature's ``boot`` field: ``1000/seed0/95/rs2``, ``delta/95`` or ``none``.

        A resampled one ends with the resampling scheme (``tokeff.resample.SCHEME``); without
        it (tokeff before scheme ``rs2``) the resamples came from another random stream: the
        same distribution, so intervals agree within resampling noise, not digit for digit."""
        if self.n_resamples <= 0:
            return "none"
        level = f"{round(self.level * 100, 3):g}"
        if n_segments is not None and self.analytic(n_segments):
            return f"delta/{level}"
        return f"{self.n_resamples}/seed{self.seed}/{level}/{SCHEME}"

    def resampled_sums(self, columns: np.ndarray) -> np.ndarray:
        """Sums of every column (n_segments x k) under each resample: (n_resamples x k).

        Each resample draws ``n_segments`` segments with replacement (an exact multinomial
        draw; scheme ``rs2``, see :mod:`tokeff.resample`); how often each segment is drawn
        weights its row. Resample ``r`` depends only on ``seed``, ``n_segments`` and ``r``.
        Integer columns are summed exactly.
        """
        return resampled_sums(columns, self.n_resamples, self.seed)

    def intervals(self, columns: np.ndarray, pairs: Sequence[tuple[int, int]]
                  ) -> list[tuple[float, float] | None]:
        """The interval of ``sum(columns[:, a]) / sum(columns[:, b])`` for each ``(a, b)``,
        all from the same resamples (or all from the delta method, on very large corpora)."""
        if self.analytic(columns.shape[0]):
            return [self.delta_interval(columns[:, a], columns[:, b]) for a, b in pairs]
        sums = self.resampled_sums(columns)
        # One quantile call per block of pairs instead of one per pair (np.quantile costs
        # ~0.1 ms a call; a default compare has 640 pairs). Along an axis it computes each
        # column exactly as it does a 1-D array, so every interval is the same float.
        out: list[tuple[float, float] | None] = [None] * len(pairs)
        full = [i for i, (_, b) in enumerate(pairs) if sums[:, b].all()]
        a = (1.0 - self.level) / 2.0
        step = max(1, QUANTILE_BLOCK // max(1, sums.shape[0]))
        for s in range(0, len(full), step):
            block = full[s:s + step]
            r = sums[:, [pairs[i][0] for i in block]] / sums[:, [pairs[i][1] for i in block]]
            q = np.quantile(r, [a, 1.0 - a], axis=0)
            for k, i in enumerate(block):
                out[i] = (float(q[0, k]), float(q[1, k]))
        done = set(full)
        for i, (x, y) in enumerate(pairs):  # some resample has a zero denominator
            if i not in done:
                out[i] = self.interval(sums[:, x], sums[:, y])
        return out

    def interval(self, num_sums: np.ndarray, den_sums: np.ndarray) -> tuple[float, float] | None:
        ok = den_sums != 0
        if not ok.any():
            return None
        r = num_sums[ok] / den_sums[ok]
        a = (1.0 - self.level) / 2.0
        lo, hi = np.quantile(r, [a, 1.0 - a])
        return float(lo), float(hi)

    def delta_interval(self, num: np.ndarray, den: np.ndarray) -> tuple[float, float] | None:
        """Normal interval for ``R = sum(num) / sum(den)`` by the delta method.

        Linearised, ``R`` moves with ``sum(num - R * den) / sum(den)``; its variance under
        resampling the ``n`` segments is ``sum((num - R * den)**2) / sum(den)**2`` (the
        bootstrap's own variance, which it estimates by resampling).

        >>> lo, hi = Bootstrap().delta_interval(np.array([2, 4, 3]), np.array([1, 2, 2]))
        >>> round(lo, 4), round(hi, 4)
        (1.5067, 2.0933)
        """
        a = np.asarray(num, dtype=np.float64)
        b = np.asarray(den, dtype=np.float64)
        total = float(b.sum())
        if total == 0:
            return None
        r = float(a.sum()) / total
        resid = a - r * b
        se = float(np.sqrt(np.dot(resid, resid))) / abs(total)
        z = NormalDist().inv_cdf(0.5 + self.level / 2.0)
        return r - z * se, r + z * se


def unavailable(metric: str, c: Counts) -> str | None:
    """Why ``metric`` cannot be computed from ``c`` (an input it needs is missing), or None."""
    for need in METRICS[metric].needs:
        if need in c.na_reasons:
            return c.na_reasons[need]
    return None


def _against(m: MetricInfo, c: Counts, pivot: Counts | None, ref: Counts | None
             ) -> tuple[Counts | None, str | None]:
    if m.against == "pivot":
        return pivot, None if pivot is not None else "not available (no pivot language)"
    if m.against == "reference":
        return ref, None if ref is not None else "not available (no reference tokenizer)"
    return c, None


def metric_value(metric: str, c: Counts, *, pivot: Counts | None = None,
                 ref: Counts | None = None, alpha: float = 2.5) -> Value:
    """The point value of one metric for one tokenizer x language (pure function of counts)."""
    m = METRICS[metric]
    missing = unavailable(metric, c)
    if missing is not None:
        return Value(None, f"not available ({missing})")
    if m.kind == "distribution":
        return renyi_efficiency(c.token_freqs, c.vocab_size, alpha)
    if m.num is None:  # segments
        return Value(float(c.n_segments))
    if m.kind == "total":
        return Value(float(np.sum(getattr(c, m.num))))
    other, reason = _against(m, c, pivot, ref)
    if other is None:
        return Value(None, reason)
    what = m.what or (f"tokens in {other.lang}" if m.against == "pivot"
                      else f"tokens under {other.tokenizer}")
    return ratio_of_totals(getattr(c, m.num), getattr(other, m.den), what=what)


def ratio_arrays(metric: str, c: Counts, *, pivot: Counts | None = None,
                 ref: Counts | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """The (numerator, denominator) per-segment arrays of a ratio metric, for the bootstrap."""
    m = METRICS[metric]
    if m.kind != "ratio":
        return None
    other, _ = _against(m, c, pivot, ref)
    if other is None:
        return None
    a, b = getattr(c, m.num), getattr(other, m.den)
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
