"""Tables people use (issue 15): Results.to_pandas(wide=True), Results.segments(), and the
paired comparison of two tokenizers on the same segments (Results.paired)."""

from __future__ import annotations

import numpy as np
import pytest

import tokeff
from tokeff.errors import UsageError
from tokeff.metrics import Bootstrap

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def res() -> tokeff.Results:
    return tokeff.measure("udhr", ["cl100k_base", "qwen2.5"], langs="en,zh",
                          metrics=["tokens", "chars", "words", "tokens_per_char", "parity"],
                          bootstrap=200)


def test_wide_frame(res):
    wide = res.to_pandas(wide=True)
    assert list(wide.index.names) == ["tokenizer", "lang"]
    assert list(wide.columns) == res.metrics
    assert len(wide) == len(res.tokenizers) * len(res.langs)
    for r in res.rows:
        v = wide.loc[(r.tokenizer, r.lang), r.metric]
        assert (np.isnan(v) if r.value is None else v == r.value)
    ci = res.to_pandas(wide=True, ci=True)
    row = res.get("qwen2.5", "zho_Hans", "parity")
    assert ci.loc[("qwen2.5", "zho_Hans"), "parity_ci_low"] == row.ci_low
    long = res.to_pandas()
    assert len(long) == len(res.rows) and "signature" in long.columns


def test_segments_frame(res):
    seg = res.segments()
    assert list(seg.columns[:3]) == ["tokenizer", "lang", "segment"]
    for (tok, lang), c in res.counts.items():
        part = seg[(seg.tokenizer == tok) & (seg.lang == lang)]
        assert part.segment.tolist() == list(range(1, c.n_segments + 1))
        assert part.tokens.tolist() == c.tokens.tolist()
        assert part.tokens.sum() == res.value(tok, lang, "tokens")
    zh = res.segments(tokenizer="qwen2.5", lang="zho_Hans")
    assert set(zh.tokenizer) == {"qwen2.5"} and len(zh) == 31
    with pytest.raises(UsageError, match="no per-segment counts"):
        res.segments(tokenizer="nope")
    back = tokeff.Results.from_json(res.to_json())
    with pytest.raises(UsageError, match="read back from JSON"):
        back.segments()


def test_paired_ratio_by_hand(res):
    p = res.paired("qwen2.5", "cl100k_base", "zh", n_resamples=500, seed=3)
    a = res.counts[("qwen2.5", "zho_Hans")].tokens
    b = res.counts[("cl100k_base", "zho_Hans")].tokens
    assert p.estimate == pytest.approx(a.sum() / b.sum())
    assert (p.value_a, p.value_b) == (a.sum(), b.sum())
    # the interval is the percentile interval of the ratio under shared resamples
    sums = Bootstrap(n_resamples=500, seed=3).resampled_sums(np.stack([a, b], axis=1))
    lo, hi = np.quantile(sums[:, 0] / sums[:, 1], [0.025, 0.975])
    assert (p.ci_low, p.ci_high) == pytest.approx((lo, hi))
    assert p.excludes_no_difference == (hi < 1 or lo > 1)
    assert "qwen2.5 / cl100k_base, tokens on zho_Hans" in str(p)
    # swapping A and B inverts the estimate
    q = res.paired("cl100k_base", "qwen2.5", "zh", n_resamples=500, seed=3)
    assert q.estimate == pytest.approx(1 / p.estimate)
    assert q.excludes_no_difference == p.excludes_no_difference


def test_paired_difference_and_ratio_metrics(res):
    d = res.paired("qwen2.5", "cl100k_base", "zh", statistic="difference", n_resamples=300)
    assert d.estimate == d.value_a - d.value_b and d.null == 0.0
    t = res.paired("qwen2.5", "cl100k_base", "zh", metric="tokens_per_char", n_resamples=300)
    assert t.estimate == pytest.approx(res.value("qwen2.5", "zho_Hans", "tokens_per_char")
                                       / res.value("cl100k_base", "zho_Hans", "tokens_per_char"))
    par = res.paired("qwen2.5", "cl100k_base", "zh", metric="parity", n_resamples=300)
    assert par.value_a == pytest.approx(res.value("qwen2.5", "zho_Hans", "parity"))
    none = res.paired("qwen2.5", "cl100k_base", "zh", n_resamples=0)
    assert none.ci_low is None and not none.excludes_no_difference


def test_paired_errors(res):
    with pytest.raises(UsageError, match="with itself"):
        res.paired("qwen2.5", "qwen2.5", "zh")
    with pytest.raises(UsageError, match="cannot be compared segment by segment"):
        res.paired("qwen2.5", "cl100k_base", "zh", metric="renyi_efficiency")
    with pytest.raises(UsageError, match="statistic must be one of"):
        res.paired("qwen2.5", "cl100k_base", "zh", statistic="odds")
    with pytest.raises(UsageError, match="no per-segment counts for tokenizer 'o200k_base'"):
        res.paired("o200k_base", "cl100k_base", "zh")
    with pytest.raises(UsageError, match="unknown language"):
        res.paired("qwen2.5", "cl100k_base", "klingon")
    with pytest.raises(UsageError, match="read back from JSON"):
        tokeff.Results.from_json(res.to_json()).paired("qwen2.5", "cl100k_base", "zh")


def test_missing_pandas_names_the_extra(res, monkeypatch):
    import builtins

    real = builtins.__import__

    def fake(name, *a, **k):
        if name == "pandas":
            raise ImportError("no pandas")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(tokeff.MissingDependencyError, match=r'tokeff\[pandas\]'):
        res.to_pandas(wide=True)
