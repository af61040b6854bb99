"""The public surface: lazy imports, registries with entry points, protocol adaptation."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import pytest

import tokeff
from tokeff.registry import Registry


def test_import_tokeff_imports_no_backend():
    code = ("import sys, tokeff; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('tiktoken', 'tokenizers', 'sentencepiece', 'jieba', 'pandas', 'matplotlib')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_names():
    for name in ("measure", "compare", "get_tokenizer", "load_corpus", "Results", "Signature",
                 "Corpus", "get_segmenter", "register_tokenizer", "register_segmenter"):
        assert hasattr(tokeff, name), name


class _EP:
    def __init__(self, name, obj):
        self.name = name
        self._obj = obj

    def load(self):
        return self._obj


def test_registry_discovers_entry_points(monkeypatch):
    class Tok:
        name = "plugin-tok"
        vocab_size = 10

        def encode_batch(self, texts):
            return [[1] * len(t) for t in texts]

    def fake_entry_points(group=None):
        return [_EP("plugin-tok", Tok)] if group == "tokeff.test" else []

    monkeypatch.setattr(metadata, "entry_points", fake_entry_points)
    reg: Registry = Registry("tokenizer", "tokeff.test")
    assert "plugin-tok" in reg.names()
    assert reg.create("plugin-tok").name == "plugin-tok"


def test_registered_names_are_answered_without_scanning_entry_points(monkeypatch):
    # The scan reads every installed distribution's metadata; a registered name wins anyway.
    def no_scan(group=None):
        raise AssertionError("entry points scanned")

    monkeypatch.setattr(metadata, "entry_points", no_scan)
    reg: Registry = Registry("thing", "tokeff.test")
    reg.register("one", lambda: 1)
    assert "one" in reg and reg.create("one") == 1 and reg.factory("one")() == 1
    assert reg.registered("one") and not reg.registered("two")
    with pytest.raises(AssertionError, match="scanned"):
        "two" in reg  # noqa: B015 (an unknown name is looked up among entry points)


def test_third_party_tokenizer_through_registry():
    class Tok:
        name = "mine"
        vocab_size = 300

        def encode_batch(self, texts):
            return [list(t.encode()) for t in texts]

    tokeff.register_tokenizer("mine-test", Tok, replace=True)
    t = tokeff.get_tokenizer("mine-test")
    assert t.encode("ab") == [97, 98]
    c = tokeff.Corpus.from_dict("c", {"en": ["ab"], "zh": ["你"]})
    res = tokeff.measure(c, ["mine-test"], bootstrap=0, metrics=["bytes_per_token"])
    assert res.value("mine", "zho_Hans", "bytes_per_token") == 1.0


def test_unknown_registry_name_suggests():
    reg: Registry = Registry("thing", "tokeff.none")
    reg.register("alpha", lambda: 1)
    with pytest.raises(tokeff.UsageError, match="Did you mean 'alpha'"):
        reg.create("alpah")


def test_language_aliases():
    from tokeff.langs import resolve_lang

    assert [resolve_lang(x) for x in ("en", "zh", "zh-Hans", "zh-Hant", "ja", "ZHO_HANS")] == \
        ["eng_Latn", "zho_Hans", "zho_Hans", "zho_Hant", "jpn_Jpan", "zho_Hans"]
    with pytest.raises(tokeff.UsageError, match="unknown language 'klingon'"):
        resolve_lang("klingon")
