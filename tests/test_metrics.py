"""Metrics: hand-computed values, invariance properties, completeness."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tokeff
from tokeff.metrics import (
    METRICS,
    Bootstrap,
    gini,
    ratio_of_totals,
    renyi_efficiency,
    renyi_entropy,
)

import _fixtures as fx


class CharTok:
    """One token per code point; offsets are exact."""

    name = "char"
    vocab_size = 0x110000

    def encode_batch(self, texts):
        return [[ord(c) for c in t] for t in texts]

    def encode_batch_spans(self, texts):
        out = []
        for t in texts:
            spans, pos = [], 0
            for c in t:
                n = len(c.encode())
                spans.append((pos, pos + n))
                pos += n
            out.append(([ord(c) for c in t], spans))
        return out

    def fingerprint(self):
        return "char"


class ByteTok:
    """One token per UTF-8 byte (ids 0..255)."""

    name = "byte"
    vocab_size = 256

    def encode_batch(self, texts):
        return [list(t.encode()) for t in texts]

    def fingerprint(self):
        return "byte"


class WordTok:
    """Whitespace pieces; a piece longer than 4 chars is split in chunks of 4 (for continued words)."""

    name = "word4"
    vocab_size = 1000

    def _pieces(self, t):
        spans, ids = [], []
        b = t.encode()
        i = 0
        while i < len(b):
            if b[i:i + 1].isspace():
                i += 1
                continue
            j = i
            while j < len(b) and not b[j:j + 1].isspace():
                j += 1
            for k in range(i, j, 4):
                spans.append((k, min(k + 4, j)))
                ids.append(hash(b[k:min(k + 4, j)]) % 1000)
            i = j
        return ids, spans

    def encode_batch(self, texts):
        return [self._pieces(t)[0] for t in texts]

    def encode_batch_spans(self, texts):
        return [self._pieces(t) for t in texts]


def corpus(d):
    return tokeff.Corpus.from_dict("t", d)


HAND = corpus({
    "eng_Latn": ["Hello world", "abcdefgh ij"],   # words: 2, 2 -> 4 words
    "fra_Latn": ["Bonjour le monde", "x"],         # words: 3, 1
})


def test_hand_computed_word4():
    res = tokeff.measure(HAND, [WordTok()], bootstrap=0, metrics=list(tokeff.METRICS)[:-4] +
                         ["unk_rate", "byte_fallback_rate"])
    v = lambda la, m: res.value("word4", la, m)  # noqa: E731
    # eng: "Hello"->2 tokens (Hell|o), "world"->2, "abcdefgh"->2, "ij"->1 : 7 tokens
    assert v("eng_Latn", "tokens") == 7
    assert v("eng_Latn", "chars") == 22 and v("eng_Latn", "bytes") == 22
    assert v("eng_Latn", "words") == 4
    assert v("eng_Latn", "fertility") == pytest.approx(7 / 4)
    assert v("eng_Latn", "continued_words") == pytest.approx(3 / 4)
    assert v("eng_Latn", "tokens_per_char") == pytest.approx(7 / 22)
    assert v("eng_Latn", "chars_per_token") == pytest.approx(22 / 7)
    # fra: Bonjour->2, le->1, monde->2, x->1 : 6 tokens
    assert v("fra_Latn", "tokens") == 6
    assert v("fra_Latn", "parity") == pytest.approx(6 / 7)
    assert v("fra_Latn", "segments") == 2
    assert v("fra_Latn", "unk_rate") == 0.0


def test_ratio_of_totals_not_mean_of_ratios():
    r = ratio_of_totals(np.array([1, 9]), np.array([1, 1]))
    assert r.value == 5.0  # (1+9)/(1+1), not mean(1, 9) = 5 coincidentally; check another
    r = ratio_of_totals(np.array([1, 9]), np.array([1, 3]))
    assert r.value == pytest.approx(10 / 4)  # mean of ratios would be 2.0


def test_zero_denominator_is_not_available():
    r = ratio_of_totals(np.array([3]), np.array([0]), what="words")
    assert r.value is None and r.reason == "not available (0 words)"
    c = corpus({"eng_Latn": ["", ""], "fra_Latn": ["a", "b"]})
    res = tokeff.measure(c, [CharTok()], bootstrap=50)
    row = res.get("char", "fra_Latn", "parity")
    assert row.value is None and "0 tokens in eng_Latn" in row.note
    row = res.get("char", "eng_Latn", "tokens_per_char")
    assert row.value is None and row.ci_low is None


def test_no_segmenter_gives_reason():
    c = corpus({"eng_Latn": ["a b"], "bod_Tibt": ["བོད་ཡིག"]})
    res = tokeff.measure(c, [CharTok()], bootstrap=0)
    row = res.get("char", "bod_Tibt", "fertility")
    assert row.value is None
    assert row.note == ("not available (no word segmenter for bod_Tibt (tokeff has none for "
                        "the Tibt script))")
    assert row.signature.seg == "none"


def test_renyi_reference_values():
    # tokenization-scorer's unit test: "pick @@ed pick @@l @@ed pick @@les", |V| = observed.
    units = "pick @@ed pick @@l @@ed pick @@les".split()
    _, freqs = np.unique(units, return_counts=True)
    assert renyi_entropy(freqs, 2.5) == pytest.approx(1.653013, abs=1e-6)
    assert renyi_efficiency(freqs, len(freqs), 2.5).value == pytest.approx(0.826506, abs=1e-6)
    shannon = renyi_entropy(freqs, 1.0) / np.log2(len(freqs))
    assert shannon == pytest.approx(0.921185, abs=1e-6)


def test_gini():
    assert gini(np.array([1, 1, 1, 1])) == 0.0
    assert gini(np.array([0, 0, 0, 1])) == pytest.approx(0.75)


def test_metric_table_complete():
    """Every metric is produced by measure() and documented (unit, direction, kind)."""
    c = corpus({"eng_Latn": ["a b", "c"], "fra_Latn": ["d e", "f g"]})
    res = tokeff.measure(c, [CharTok()], reference=CharTok(), metrics=list(METRICS),
                         bootstrap=20)
    assert set(res.metrics) == set(METRICS)
    for m in METRICS.values():
        assert m.unit and m.direction in ("lower", "higher", "none") and m.description
    assert res.value("char", "fra_Latn", "nsl") == 1.0


def test_nsl_needs_reference():
    with pytest.raises(tokeff.UsageError, match="reference"):
        tokeff.measure(HAND, [CharTok()], metrics=["nsl"])


def test_unknown_metric():
    with pytest.raises(tokeff.UsageError, match="unknown metric"):
        tokeff.measure(HAND, [CharTok()], metrics=["fertilty"])


def test_char_tokenizer_one_token_per_char_and_byte_tokenizer():
    c = corpus({"eng_Latn": ["héllo wörld", "ok"], "zho_Hans": ["你好", "世界和平"]})
    res = tokeff.measure(c, [CharTok(), ByteTok()], bootstrap=0)
    for la in ("eng_Latn", "zho_Hans"):
        assert res.value("char", la, "tokens_per_char") == 1.0
        assert res.value("byte", la, "bytes_per_token") == 1.0


def test_unk_and_byte_fallback_rates_real():
    # tiny SPM without byte fallback emits UNK for unseen characters; with it, byte tokens.
    c = corpus({"eng_Latn": ["Hello", "ok"], "tha_Thai": ["สวัสดี", "ครับ"]})
    res = tokeff.measure(c, [fx.tiny_spm(False), fx.tiny_spm(True)], bootstrap=0,
                         metrics=["unk_rate", "byte_fallback_rate", "chars"])
    assert res.value("tiny-spm", "tha_Thai", "unk_rate") == 1.0
    assert res.value("tiny-spm", "tha_Thai", "byte_fallback_rate") == 0.0
    assert res.value("tiny-spm-bf", "tha_Thai", "unk_rate") == 0.0
    assert res.value("tiny-spm-bf", "tha_Thai", "byte_fallback_rate") > 0.9


# -- bootstrap -------------------------------------------------------------------------------

def test_bootstrap_paired_and_seeded():
    rng = np.random.default_rng(1)
    a = rng.integers(1, 50, 300)
    b = a * 2
    boot = Bootstrap(n_resamples=200, seed=7)
    sums = boot.resampled_sums(np.stack([a, b], axis=1))
    # Paired: every resample keeps the exact ratio 2 when b = 2a.
    assert np.allclose(sums[:, 1] / sums[:, 0], 2.0)
    again = Bootstrap(n_resamples=200, seed=7).resampled_sums(np.stack([a, b], axis=1))
    assert np.array_equal(sums, again)
    lo, hi = boot.interval(sums[:, 0], sums[:, 1])
    assert lo == pytest.approx(0.5) and hi == pytest.approx(0.5)


def test_bootstrap_sums_are_those_of_the_resampled_segments():
    """Each resample is a list of n segment indices drawn with replacement; the sums are the
    columns summed over that list (see tests/test_resample.py for the distribution)."""
    from tokeff.resample import resample_weights

    rng = np.random.default_rng(3)
    a = rng.integers(0, 30, 57).astype(float)
    b = rng.integers(1, 30, 57).astype(float)
    sums = Bootstrap(n_resamples=30, seed=11).resampled_sums(np.stack([a, b], axis=1))
    naive = []
    for w in resample_weights(57, 30, seed=11):
        idx = np.repeat(np.arange(57), w)  # the drawn segments
        assert len(idx) == 57
        naive.append((a[idx].sum(), b[idx].sum()))
    assert np.array_equal(sums, np.array(naive))


@pytest.mark.parametrize("block", [None, 2000])
def test_bootstrap_intervals_equal_one_interval_per_pair(block, monkeypatch):
    # intervals() takes the quantiles of many pairs in one call (in blocks); each must be the
    # float interval() gives for that pair alone, including pairs with zero denominators.
    import tokeff.metrics as tm

    if block is not None:  # blocks of 8 pairs (2000 // 250 resamples)
        monkeypatch.setattr(tm, "QUANTILE_BLOCK", block)
    rng = np.random.default_rng(5)
    cols = rng.integers(0, 40, size=(45, 12))
    cols[:, 3] = 0  # a denominator that is zero in every resample: no interval
    cols[:, 7] = rng.random(45) < 0.05  # zero in some resamples only
    pairs = [(int(rng.integers(12)), int(rng.integers(12))) for _ in range(60)] + [(0, 3), (1, 7)]
    for level in (0.95, 0.5):
        boot = Bootstrap(n_resamples=250, seed=3, level=level)
        sums = boot.resampled_sums(cols)
        expected = [boot.interval(sums[:, a], sums[:, b]) for a, b in pairs]
        assert expected[-2] is None and expected[-1] is not None
        assert boot.intervals(cols, pairs) == expected


def test_ci_contains_point_and_recorded():
    c = corpus({"eng_Latn": [f"word{i} x y" for i in range(40)],
                "fra_Latn": [f"mot{i} a b c d" * (1 + i % 3) for i in range(40)]})
    res = tokeff.measure(c, [WordTok()], bootstrap=300, seed=5)
    row = res.get("word4", "fra_Latn", "parity")
    assert row.ci_low <= row.value <= row.ci_high
    # resamples / seed / level / resampling scheme (tokeff.resample.SCHEME)
    assert row.signature.boot == "300/seed5/95/rs2"
    res2 = tokeff.measure(c, [WordTok()], bootstrap=300, seed=5)
    assert res2.get("word4", "fra_Latn", "parity") == row


# -- the delta method (very large corpora) ---------------------------------------------------

def _synthetic_pair(rng, n):
    """Per-segment (tokens, characters) with lengths and token rates varying by segment."""
    chars = rng.integers(20, 400, n)
    rate = rng.gamma(20.0, 0.25 / 20.0, n)  # tokens per character around 0.25
    return rng.poisson(chars * rate), chars


def test_delta_interval_agrees_with_bootstrap():
    rng = np.random.default_rng(11)
    for n in (5_000, 40_000):
        tokens, chars = _synthetic_pair(rng, n)
        boot = Bootstrap(n_resamples=2000, seed=1)
        sums = boot.resampled_sums(np.stack([tokens, chars], axis=1))
        blo, bhi = boot.interval(sums[:, 0], sums[:, 1])
        dlo, dhi = boot.delta_interval(tokens, chars)
        width = bhi - blo
        assert 0.9 < (dhi - dlo) / width < 1.1, n
        assert abs(dlo - blo) < 0.1 * width and abs(dhi - bhi) < 0.1 * width, n


def test_delta_interval_coverage():
    """95% intervals of a ratio of sums cover the population ratio about 95% of the time."""
    rng = np.random.default_rng(12)
    # Population: chars uniform on [20, 400), tokens Poisson(chars * rate), E[rate] = 0.25:
    # the ratio of expected totals is 0.25.
    hits = 0
    trials = 400
    for _ in range(trials):
        tokens, chars = _synthetic_pair(rng, 2000)
        lo, hi = Bootstrap().delta_interval(tokens, chars)
        hits += lo <= 0.25 <= hi
    assert 0.92 <= hits / trials <= 0.98


def test_delta_interval_paired_and_degenerate():
    a = np.array([3, 5, 7])
    assert Bootstrap().delta_interval(2 * a, a) == (2.0, 2.0)  # paired: no spread at all
    assert Bootstrap().delta_interval(a, np.zeros(3, int)) is None


def test_analytic_only_above_threshold_and_recorded(monkeypatch):
    from tokeff import metrics

    boot = Bootstrap()
    assert metrics.ANALYTIC_FROM == 1_000_000
    assert boot.settings(2009) == boot.settings() == "1000/seed0/95/rs2"  # FLORES: resampled
    assert boot.settings(999_999) == "1000/seed0/95/rs2"
    assert boot.settings(1_000_000) == "delta/95"
    assert Bootstrap(n_resamples=0).settings(5_000_000) == "none"
    c = corpus({"eng_Latn": [f"word{i} x y" for i in range(40)],
                "fra_Latn": [f"mot{i} a b c d" * (1 + i % 3) for i in range(40)]})
    resampled = tokeff.measure(c, [WordTok()], bootstrap=300, seed=5)
    monkeypatch.setattr(metrics, "ANALYTIC_FROM", 40)
    res = tokeff.measure(c, [WordTok()], bootstrap=300, seed=5)
    row = res.get("word4", "fra_Latn", "parity")
    assert row.signature.boot == "delta/95"
    assert res.meta["bootstrap"]["method"] == "delta"
    assert row.ci_low <= row.value <= row.ci_high
    before = resampled.get("word4", "fra_Latn", "parity")
    assert before.signature.boot == "300/seed5/95/rs2" and "method" not in resampled.meta["bootstrap"]
    assert row.value == before.value


# -- invariance properties -------------------------------------------------------------------

segments = st.lists(
    st.tuples(st.text(alphabet="abc xyz你好é.", max_size=12),
              st.text(alphabet="def uvw世界ü,", max_size=12)),
    min_size=1, max_size=8)

RATIO = ["tokens_per_char", "chars_per_token", "bytes_per_token", "fertility",
         "continued_words", "parity", "tokens", "chars", "words"]


def _vals(pairs, tok=None):
    c = corpus({"eng_Latn": [p[0] for p in pairs], "fra_Latn": [p[1] for p in pairs]})
    res = tokeff.measure(c, [tok or WordTok()], bootstrap=0, metrics=RATIO)
    return {(r.lang, r.metric): r.value for r in res.rows}


def _close(a, b):
    assert a.keys() == b.keys()
    for k in a:
        if a[k] is None or b[k] is None:
            assert a[k] is b[k], k
        else:
            assert a[k] == pytest.approx(b[k], rel=1e-12), k


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(segments, st.randoms())
def test_segment_order_invariance(pairs, rnd):
    shuffled = list(pairs)
    rnd.shuffle(shuffled)
    _close(_vals(pairs), _vals(shuffled))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(segments)
def test_repetition_invariance_of_ratios(pairs):
    a, b = _vals(pairs), _vals(pairs * 3)
    for k in a:
        if k[1] in ("tokens", "chars", "words"):
            if a[k] is not None:
                assert b[k] == 3 * a[k]
        elif a[k] is None:
            assert b[k] is None
        else:
            assert b[k] == pytest.approx(a[k], rel=1e-12)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(segments, st.integers(min_value=0, max_value=8))
def test_merging_shards_equals_whole(pairs, cut):
    from tokeff.counting import count, prepare_text
    from tokeff.tokenizers import as_tokenizer

    cut = min(cut, len(pairs))
    texts = [p[0] for p in pairs]
    tok = as_tokenizer(WordTok())
    whole = count(tok, prepare_text("eng_Latn", texts, "unicode-words"))
    left = count(tok, prepare_text("eng_Latn", texts[:cut], "unicode-words"))
    right = count(tok, prepare_text("eng_Latn", texts[cut:], "unicode-words"))
    merged = left.concat(right)
    for f in ("tokens", "chars", "bytes", "words", "continued", "unk_chars", "byte_fallback",
              "token_ids", "token_freqs"):
        assert np.array_equal(getattr(whole, f), getattr(merged, f)), f


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(max_size=15), min_size=1, max_size=6))
def test_parity_with_itself_is_one(texts):
    c = corpus({"eng_Latn": texts, "fra_Latn": list(texts)})
    res = tokeff.measure(c, [fx.cl100k()], bootstrap=0, metrics=["parity"])
    v = res.value("cl100k", "fra_Latn", "parity")
    if any(texts):
        assert v == 1.0
    else:
        assert v is None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(min_size=1, max_size=15), min_size=1, max_size=6))
def test_char_and_byte_tokenizers(texts):
    c = corpus({"eng_Latn": texts})
    res = tokeff.measure(c, [CharTok(), ByteTok()], bootstrap=0,
                         metrics=["tokens_per_char", "bytes_per_token"], pivot="eng_Latn")
    assert res.value("char", "eng_Latn", "tokens_per_char") == 1.0
    assert res.value("byte", "eng_Latn", "bytes_per_token") == 1.0
