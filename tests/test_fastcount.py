"""The count-only path (bpe-openai for o200k_base / cl100k_base): same vocabulary as the
catalogue, the same counts as tiktoken, used only when nothing but counts is asked for."""

from __future__ import annotations

import gzip
import hashlib
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from _fixtures import flores_path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokeff import get_tokenizer, load_corpus, measure
from tokeff.counting import CountPlan
from tokeff.counting.cache import decode_entry, encode_entry
from tokeff.counting.counts import TOKEN_IDS_NOT_COUNTED
from tokeff.counting.kernel import combine, encode, prepare_text
from tokeff.tokenizers import _fastcount
from tokeff.tokenizers.catalogue import get_entry
from tokeff.tokenizers.tiktoken_backend import TiktokenTokenizer, read_rank_file

pytest.importorskip("bpe_openai", reason="bpe-openai is not installed (pip install -e '.[fast]')")

COVERED = sorted(_fastcount.PINNED)


@pytest.fixture(autouse=True)
def _fresh_counters(monkeypatch):
    monkeypatch.delenv(_fastcount.ENV, raising=False)
    _fastcount._COUNTERS.clear()
    yield
    _fastcount._COUNTERS.clear()


@pytest.fixture(scope="module")
def toks() -> dict[str, TiktokenTokenizer]:
    return {name: get_tokenizer(name) for name in COVERED}


@pytest.mark.parametrize("name", COVERED)
def test_bundled_rank_file_is_the_catalogue_vocabulary(name: str) -> None:
    entry = get_entry(name)
    content_sha, bundled_sha = _fastcount.PINNED[name]
    assert entry.sha256 == content_sha
    ref = resources.files("bpe_openai.data").joinpath(f"{name}.tiktoken.gz")
    assert _fastcount._package_dir() / "data" / f"{name}.tiktoken.gz" == Path(str(ref))
    raw = ref.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == bundled_sha == _fastcount.bundled_sha256(name)
    assert hashlib.sha256(gzip.decompress(raw)).hexdigest() == content_sha
    # Parsed, not only hashed: the same tokens at the same ranks as the catalogue's file.
    with resources.as_file(ref) as bundled:
        assert read_rank_file(bundled) == read_rank_file(entry.locate())


@pytest.mark.parametrize("name", COVERED)
def test_counter_of_catalogue_encodings(name: str, toks) -> None:
    counter = toks[name].fast_counter()
    assert counter is not None and counter.name == f"bpe-openai-{_fastcount.VERSION}"
    assert counter is toks[name].fast_counter()  # built once
    assert toks[name].count_tokens(["hello world", ""]).tolist() == [2, 0]


def test_no_counter_outside_the_verified_entries() -> None:
    assert get_tokenizer("r50k_base").fast_counter() is None
    assert get_tokenizer("llama-3").fast_counter() is None
    # The same rank file given by path is not the catalogue entry: never assumed equal.
    own = TiktokenTokenizer.from_rank_file(get_entry("o200k_base").locate(),
                                           pattern="o200k_base", name="mine")
    assert own.fast_counter() is None
    assert own.count_tokens(["hello world", ""]).tolist() == [2, 0]


def test_switched_off_by_environment(monkeypatch, toks) -> None:
    monkeypatch.setenv(_fastcount.ENV, "0")
    assert toks["o200k_base"].fast_counter() is None
    assert toks["o200k_base"].count_tokens(["hello world"]).tolist() == [2]


def test_refused_when_the_bundled_file_differs(monkeypatch, toks) -> None:
    monkeypatch.setattr(_fastcount, "bundled_sha256", lambda encoding: "0" * 64)
    assert toks["o200k_base"].fast_counter() is None


def test_refused_for_another_release(monkeypatch, toks) -> None:
    monkeypatch.setattr(_fastcount, "VERSION", "0.0.1")
    assert toks["cl100k_base"].fast_counter() is None


# -- equal to tiktoken ---------------------------------------------------------------------------

_pieces = st.one_of(
    st.sampled_from([" ", "  ", "   ", "\n", "\n\n", "\t", "\r\n", " \n ", "\u00a0", "\u3000",
                     "'s", "'LL", "...", "!!", "--"]),
    st.text(st.characters(categories=["Nd"]), min_size=1, max_size=12),  # digit runs
    st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1,
            max_size=8),  # CJK
    st.text(st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF), min_size=1,
            max_size=4),  # emoji
    st.text(st.characters(categories=["Mn", "Mc", "Me"]), min_size=1, max_size=4),  # marks
    st.text(st.characters(categories=["Lu", "Ll", "Lo", "Lm"]), min_size=1, max_size=10),
    st.text(max_size=10),  # anything (no surrogates)
)
_texts = st.lists(_pieces, max_size=12).map("".join)


@pytest.mark.parametrize("name", COVERED)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(texts=st.lists(_texts, min_size=1, max_size=8))
def test_counts_equal_tiktoken_on_generated_text(name: str, texts: list[str], toks) -> None:
    tok = toks[name]
    counter = tok.fast_counter()
    assert counter is not None
    expected = [len(tok.encoding.encode_ordinary(t)) for t in texts]
    assert counter.count(texts).tolist() == expected


@pytest.mark.parametrize("name", COVERED)
def test_lone_surrogates_count_as_tiktoken(name: str, toks) -> None:
    tok = toks[name]
    texts = ["a\ud800b", "\udfff", "ok", "x \ud83d"]
    expected = [len(tok.encoding.encode_ordinary(t)) for t in texts]
    assert tok.fast_counter().count(texts).tolist() == expected


@pytest.mark.flores
@pytest.mark.parametrize("name", COVERED)
def test_counts_equal_tiktoken_on_all_flores(name: str, toks) -> None:
    corpus = load_corpus(flores_path(), split="dev+devtest")
    assert len(corpus.langs) == 204
    tok = toks[name]
    counter = tok.fast_counter()
    assert counter is not None
    total = 0
    for lang in corpus.langs:
        texts = corpus.segments[lang]
        fast = counter.count(texts)
        ref = np.fromiter(map(len, map(tok.encoding.encode_ordinary, texts)), dtype=np.int64)
        assert np.array_equal(fast, ref), lang
        total += int(ref.sum())
    assert total > 0


# -- counting without ids ------------------------------------------------------------------------

def test_count_only_counts_keep_no_ids_and_say_why(toks) -> None:
    tok = toks["o200k_base"]
    texts = ["Hello world.", "", "日本語のテキスト 123"]
    lt = prepare_text("eng_Latn", texts, None)
    arrays = encode(tok, texts, spans=False, ids=False)
    assert len(arrays.ids) == 0
    c = combine(tok, lt, arrays, byte_fallback=False, ids=False)
    full = combine(tok, lt, encode(tok, texts, spans=False), byte_fallback=False)
    assert c.tokens.tolist() == full.tokens.tolist()
    assert len(c.token_ids) == len(c.token_freqs) == 0
    assert c.na_reasons["token_ids"] == TOKEN_IDS_NOT_COUNTED
    assert "token_ids" not in full.na_reasons
    with pytest.raises(ValueError, match="byte_fallback=False"):
        combine(tok, lt, arrays, byte_fallback=True, ids=False)
    # A cache entry keeps the absence of ids.
    _, stored = decode_entry(encode_entry("k", c), "k")
    assert len(stored["token_ids"]) == 0 and stored["tokens"].tolist() == c.tokens.tolist()


def test_measure_tokens_only_uses_the_counter_and_renyi_still_works(tmp_path) -> None:
    from tokeff import Corpus

    corpus = Corpus.from_dict("demo", {"en": ["Hello world.", "A second line, 42."],
                                       "fr": ["Bonjour le monde.", "Une deuxième ligne, 42."]})
    fast = measure(corpus, ["o200k_base"], metrics=["tokens"], bootstrap=0, cache=tmp_path)
    assert fast.meta["tokenizers"]["o200k_base"]["counter"] == "bpe-openai-0.1.4"
    # The same cache: the entries without ids are not read for a run that needs ids.
    full = measure(corpus, ["o200k_base"], metrics=["tokens", "renyi_efficiency"], bootstrap=0,
                   cache=tmp_path)
    assert full.meta["tokenizers"]["o200k_base"]["counter"].startswith("tiktoken-")
    for key, c in fast.counts.items():
        assert c.tokens.tolist() == full.counts[key].tokens.tolist()
        assert "token_ids" in c.na_reasons and "token_ids" not in full.counts[key].na_reasons
        assert int(full.counts[key].token_freqs.sum()) == int(c.tokens.sum())
    renyi = [r for r in full.rows if r.metric == "renyi_efficiency"]
    assert renyi and all(r.value is not None for r in renyi)
    # A second tokens-only run reads its own entries back (hits), still without ids.
    again = measure(corpus, ["o200k_base"], metrics=["tokens"], bootstrap=0, cache=tmp_path)
    for key, c in again.counts.items():
        assert c.equals(fast.counts[key])


def test_plan_without_ids_equals_plan_with_ids(toks) -> None:
    from tokeff import Corpus

    corpus = Corpus.from_dict("demo", {"en": ["one two three"] * 50, "de": ["eins zwei"] * 50})
    tl = list(toks.values())
    a = CountPlan(words=False, spans=False, byte_fallback=False, ids=False,
                  executor="serial").run(corpus, tl, {})
    b = CountPlan(words=False, spans=False, byte_fallback=False, executor="threads",
                  workers=2).run(corpus, tl, {})
    c = CountPlan(words=False, spans=False, byte_fallback=False, ids=False, executor="threads",
                  workers=2).run(corpus, tl, {})
    for key in b:
        assert a[key].tokens.tolist() == b[key].tokens.tolist() == c[key].tokens.tolist()
        assert a[key].equals(c[key])
    # Byte tokens are counted from the ids: asking for them keeps the ids.
    d = CountPlan(words=False, spans=False, byte_fallback=True, ids=False,
                  executor="serial").run(corpus, tl, {})
    assert all("token_ids" not in x.na_reasons for x in d.values())
