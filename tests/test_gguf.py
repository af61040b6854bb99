"""GGUF tokenizers: llama.cpp's own test vectors, refusals by name, the catalogue entries built on
GGUF vocabularies, equality with the catalogue on FLORES-200, and the vocabulary store."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import time
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from _fixtures import REPO, flores_path, gguf_dir

from tokeff import get_tokenizer
from tokeff.errors import TokenizerError
from tokeff.tokenizers._gguf_reader import read_metadata
from tokeff.tokenizers.gguf import load_gguf, read_gguf_vocab

SEP = "\n__ggml_vocab_test__\n"


def _vector_names() -> list[str]:
    env = os.environ.get("TOKEFF_GGUF_DIR")
    d = Path(env) if env else REPO.parent / "shared" / "tokenizers" / "gguf"
    names = sorted(p.name.removeprefix("ggml-vocab-").removesuffix(".gguf.inp")
                   for p in d.glob("ggml-vocab-*.gguf.inp"))
    return names or ["<absent>"]


def read_vectors(d: Path, name: str) -> tuple[list[str], list[list[int]]]:
    """llama.cpp's format: inputs separated by lines ``__ggml_vocab_test__``; one line of
    expected ids per input."""
    inp = (d / f"ggml-vocab-{name}.gguf.inp").read_text(encoding="utf-8")
    inp = inp.removesuffix(SEP)
    inputs = inp.split(SEP)
    lines = (d / f"ggml-vocab-{name}.gguf.out").read_text(encoding="utf-8").split("\n")
    expected = [[int(x) for x in line.split()] for line in lines[:len(inputs)]]
    assert len(expected) == len(inputs), f"{name}: {len(inputs)} inputs, {len(lines)} outputs"
    return inputs, expected


#: Vocabularies with test vectors that tokeff refuses, and why (none at present: every
#: vocabulary with vectors is rebuilt).
REFUSED: dict[str, str] = {}


@pytest.mark.parametrize("name", _vector_names())
def test_llama_cpp_test_vectors(name):
    d = gguf_dir()
    if name in REFUSED:
        with pytest.raises(TokenizerError, match=REFUSED[name]):
            load_gguf(d / f"ggml-vocab-{name}.gguf")
        return
    inputs, expected = read_vectors(d, name)
    # normalization="none": exactly llama.cpp (no normalisation the GGUF file does not record)
    exact = load_gguf(d / f"ggml-vocab-{name}.gguf", normalization="none")
    got = exact.encode_batch(inputs)
    bad = [(t, e, list(g)) for t, e, g in zip(inputs, expected, got) if list(g) != e]
    assert not bad, f"{name}: {len(bad)} of {len(inputs)} differ, first: {bad[0]}"
    # The default applies the original tokenizer's normalisation (NFC for Qwen): it may differ
    # from llama.cpp only on inputs that normalisation changes.
    default = load_gguf(d / f"ggml-vocab-{name}.gguf")
    form = default.pre_normalization  # what tokeff applies in front (the backend does the rest)
    for t, e, g in zip(inputs, expected, default.encode_batch(inputs)):
        if form == "none" or unicodedata.is_normalized(form, t):
            assert list(g) == e, (name, t)
    if name == "qwen35":
        assert form == "NFC"


def test_reader_matches_the_gguf_package():
    gguf = pytest.importorskip("gguf", reason="the gguf package is the reference reader")
    d = gguf_dir()
    for name in ("bert-bge", "llama-spm"):
        ref = gguf.GGUFReader(d / f"ggml-vocab-{name}.gguf")
        ours = read_metadata(d / f"ggml-vocab-{name}.gguf", prefixes=("",))
        keys = {k for k in ref.fields if not k.startswith("GGUF.")}
        assert keys == {k for k in ours if not k.startswith("GGUF.")}
        for key in keys:
            field = ref.fields[key]
            want = field.contents()
            got = ours[key]
            if isinstance(got, np.ndarray):
                assert np.array_equal(got, np.asarray(want)), key
            else:
                assert got == want, key


def test_metadata_only_is_read(tmp_path):
    """A model file is its metadata plus gigabytes of weights: only the metadata is read."""
    d = gguf_dir()
    big = tmp_path / "model.gguf"
    data = (d / "ggml-vocab-llama-spm.gguf").read_bytes()
    big.write_bytes(data)
    with open(big, "r+b") as f:  # a sparse 8 GiB tail stands for the tensor data
        f.truncate(8 << 30)
    t = time.perf_counter()
    tok = load_gguf(big)
    elapsed = time.perf_counter() - t
    assert tok.encode("Hello world") == [15043, 3186]
    assert elapsed < 5, f"loading the tokenizer of an 8 GiB file took {elapsed:.1f} s"


def test_gguf_spec_and_bare_path():
    d = gguf_dir()
    tok = get_tokenizer(f"gguf:{d / 'ggml-vocab-qwen2.gguf'}?name=qwen2-gguf")
    assert tok.name == "qwen2-gguf"
    assert tok.gguf["pre"] == "qwen2" and tok.required_normalization == "NFC"
    assert tok.encode("Hello world") == [9707, 1879]
    assert get_tokenizer(str(d / "ggml-vocab-gpt-2.gguf")).encode("Hello world") == [15496, 995]
    exact = get_tokenizer(f"gguf:{d / 'ggml-vocab-qwen2.gguf'}?normalization=none")
    assert exact.required_normalization == "none"


@pytest.mark.parametrize("name", ["aquila", "gpt-neox"])
def test_unnamed_pre_tokenizer_is_refused(name):
    d = gguf_dir()
    with pytest.raises(TokenizerError, match="does not name its pre-tokenizer"):
        get_tokenizer(f"gguf:{d / f'ggml-vocab-{name}.gguf'}")
    with pytest.raises(TokenizerError, match="'no-such-pre' is not supported"):
        get_tokenizer(f"gguf:{d / f'ggml-vocab-{name}.gguf'}?pre=no-such-pre")
    tok = get_tokenizer(f"gguf:{d / f'ggml-vocab-{name}.gguf'}?pre=gpt-2")
    assert tok.gguf["pre"] == "gpt-2" and tok.gguf["pre_given"]


def _write_gguf(path: Path, kv: dict) -> None:
    gguf = pytest.importorskip("gguf", reason="the gguf package writes the synthetic files")
    w = gguf.GGUFWriter(str(path), arch="llama")
    for k, v in kv.items():
        if isinstance(v, str):
            w.add_string(k, v)
        elif isinstance(v, list):
            w.add_array(k, v)
        else:
            w.add_uint32(k, v)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.close()


@pytest.mark.parametrize("model,pre,match", [
    ("rwkv", None, "tokenizer model 'rwkv' is not supported"),
    ("gpt2", "kimi-k2", "pre-tokenizer 'kimi-k2' is not supported"),
    ("gpt2", "default", "does not name its pre-tokenizer"),
])
def test_unsupported_tokenizers_are_refused_by_name(tmp_path, model, pre, match):
    kv = {"tokenizer.ggml.model": model, "tokenizer.ggml.tokens": ["a", "b", "ab"],
          "tokenizer.ggml.merges": ["a b"]}
    if pre:
        kv["tokenizer.ggml.pre"] = pre
    path = tmp_path / "tiny.gguf"
    _write_gguf(path, kv)
    assert read_gguf_vocab(path).model == model
    with pytest.raises(TokenizerError, match=match):
        load_gguf(path)


def test_bad_files(tmp_path):
    with pytest.raises(TokenizerError, match="cannot open GGUF file"):
        load_gguf(tmp_path / "missing.gguf")
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"PK\x03\x04 not gguf")
    with pytest.raises(TokenizerError, match="not a GGUF file"):
        load_gguf(junk)
    d = gguf_dir()
    cut = tmp_path / "cut.gguf"
    cut.write_bytes((d / "ggml-vocab-gpt-2.gguf").read_bytes()[:100_000])
    with pytest.raises(TokenizerError, match="truncated"):
        load_gguf(cut)
    path = tmp_path / "novocab.gguf"
    _write_gguf(path, {"general.name": "weights only"})
    with pytest.raises(TokenizerError, match="has no tokenizer"):
        load_gguf(path)


# -- catalogue entries built on GGUF vocabularies ----------------------------------------------

KNOWN_IDS = {  # shared/reference/tokenizer-sources.md
    "llama-2": [15043, 3186], "gemma-4": [9259, 1902], "xlm-r": [35378, 8999],
}


def _decode(tok, ids: list[int]) -> str:
    if tok.backend == "sentencepiece":
        return tok.processor.decode(ids)
    return tok.tokenizer.decode(ids, skip_special_tokens=False)


@pytest.mark.parametrize("name", ["llama-2", "gemma-4", "xlm-r", "baichuan", "aquila"])
def test_gguf_catalogue_entries(name):
    from tokeff.tokenizers.catalogue import get_entry

    gguf_dir()
    entry = get_entry(name)
    assert entry.source == "gguf" and entry.is_available()
    assert bool(entry.less_verified) == (name in ("xlm-r", "baichuan", "aquila"))
    tok = get_tokenizer(name)
    assert tok.name == name and tok.vocab_size == entry.vocab_size
    if name in KNOWN_IDS:
        assert tok.encode("Hello world") == KNOWN_IDS[name]
    text = "Everyone has the right to life. 人人生而自由，在尊严和权利上一律平等。"
    decoded = _decode(tok, tok.encode(text))
    # XLM-R's normalisation map folds compatibility characters (the full-width comma) as NFKC
    want = unicodedata.normalize("NFKC", text) if name == "xlm-r" else text
    assert decoded.strip() == want, (name, decoded)


def test_missing_gguf_entry_names_the_step(tmp_path, monkeypatch):
    from tokeff.tokenizers.catalogue import get_entry

    monkeypatch.setenv("TOKEFF_GGUF_DIR", str(tmp_path))
    monkeypatch.setenv("TOKEFF_CACHE_DIR", str(tmp_path / "cache"))
    assert not get_entry("baichuan").is_available()
    with pytest.raises(TokenizerError, match="tokeff vocab fetch"):
        get_tokenizer("baichuan")


def test_modified_gguf_file_is_refused(tmp_path, monkeypatch):
    d = gguf_dir()
    data = bytearray((d / "ggml-vocab-baichuan.gguf").read_bytes())
    data[-1] ^= 1
    (tmp_path / "ggml-vocab-baichuan.gguf").write_bytes(bytes(data))
    monkeypatch.setenv("TOKEFF_GGUF_DIR", str(tmp_path))
    with pytest.raises(TokenizerError, match="has sha256"):
        get_tokenizer("baichuan")


@pytest.mark.flores
@pytest.mark.parametrize("name", ["xlm-r", "baichuan", "aquila"])
def test_less_verified_entries_round_trip_on_flores(name):
    root = flores_path()
    tok = get_tokenizer(name)
    checked = 0
    for lang in ("eng_Latn", "zho_Hans", "arb_Arab", "hin_Deva", "rus_Cyrl", "jpn_Jpan"):
        segs = (root / "dev" / f"{lang}.dev").read_text(encoding="utf-8").splitlines()[:200]
        for seg, ids in zip(segs, tok.encode_batch(segs)):
            dec = _decode(tok, list(ids))
            if name == "xlm-r":
                # no byte fallback: a character outside the vocabulary is <unk>, by design
                if tok.unk_id in ids:
                    continue
                # its map folds compatibility characters and collapses whitespace, by design:
                # the tokens must spell the text as the model's normaliser writes it
                want = tok.processor.normalize(seg).replace("\u2581", " ").strip()
                assert dec.strip() == want, (lang, seg, dec)
            else:
                assert dec == seg, (name, lang, seg, dec)
            checked += 1
    assert checked >= 0.95 * 6 * 200


# -- the same tokenizer in the catalogue and as a GGUF file ------------------------------------

SAME = [("qwen2", "qwen2.5"), ("llama-bpe", "llama-3"), ("gpt-2", "r50k_base"),
        ("deepseek-llm", "deepseek-llm-v1")]
LANGS = ("eng_Latn", "zho_Hans", "mya_Mymr", "arb_Arab", "hin_Deva", "amh_Ethi", "kor_Hang",
         "vie_Latn")


@pytest.mark.flores
@pytest.mark.parametrize("gguf_name,entry", SAME)
def test_gguf_equals_catalogue_on_flores(gguf_name, entry):
    from tokeff.tokenizers.catalogue import get_entry

    if not get_entry(entry).is_available():
        pytest.skip(f"catalogue entry {entry} is not installed (pip install -e '.[vocab]')")
    root = flores_path()
    a = load_gguf(gguf_dir() / f"ggml-vocab-{gguf_name}.gguf")
    b = get_tokenizer(entry)
    for lang in LANGS:
        segs = (root / "dev" / f"{lang}.dev").read_text(encoding="utf-8").splitlines()
        for i, (x, y) in enumerate(zip(a.encode_batch(segs), b.encode_batch(segs))):
            assert list(x) == list(y), f"{gguf_name} vs {entry}: {lang}.dev line {i + 1}"
        if b.backend == "tiktoken":  # exact byte spans on both sides: they must agree too
            x, y = a.encode_arrays(segs), b.encode_arrays(segs)
            assert np.array_equal(x.starts, y.starts) and np.array_equal(x.ends, y.ends), lang


# -- the vocabulary store ----------------------------------------------------------------------


def _sdist(path: Path, members: dict[str, bytes], *, symlink: str | None = None) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        if symlink:
            info = tarfile.TarInfo(symlink)
            info.type = tarfile.SYMTYPE
            info.linkname = "/etc/passwd"
            tf.addfile(info)
    return path


def test_extract_vocab_keeps_only_pinned_files(tmp_path):
    from tokeff.tokenizers.gguf_store import extract_vocab

    root = "llama_cpp_python-0.3.36/vendor/llama.cpp/models/"
    good, other = b"GGUF vocab bytes", b"not pinned"
    sdist = _sdist(tmp_path / "s.tar.gz", {
        root + "ggml-vocab-x.gguf": good,
        root + "ggml-vocab-x.gguf.inp": other,
        root + "ggml-vocab-y.gguf": other,
        "llama_cpp_python-0.3.36/setup.py": other,
        "llama_cpp_python-0.3.36/vendor/llama.cpp/models/../../../../evil.gguf": other,
    }, symlink=root + "ggml-vocab-z.gguf")
    pinned = {"ggml-vocab-x.gguf": hashlib.sha256(good).hexdigest(),
              "ggml-vocab-z.gguf": hashlib.sha256(good).hexdigest()}
    out = tmp_path / "out"
    written = extract_vocab(sdist, out, pinned=pinned)
    assert written == [out / "ggml-vocab-x.gguf"]
    assert sorted(p.name for p in out.iterdir()) == ["ggml-vocab-x.gguf"]
    assert (out / "ggml-vocab-x.gguf").read_bytes() == good
    assert not (tmp_path / "evil.gguf").exists()


def test_extract_vocab_refuses_a_changed_file(tmp_path):
    from tokeff.tokenizers.gguf_store import extract_vocab

    root = "llama_cpp_python-0.3.36/vendor/llama.cpp/models/"
    sdist = _sdist(tmp_path / "s.tar.gz", {root + "ggml-vocab-x.gguf": b"tampered"})
    with pytest.raises(TokenizerError, match="not the pinned release"):
        extract_vocab(sdist, tmp_path / "out", pinned={"ggml-vocab-x.gguf": "0" * 64})
    assert list((tmp_path / "out").iterdir()) == []
    with pytest.raises(TokenizerError, match="holds no"):
        extract_vocab(sdist, tmp_path / "out2", pinned={"ggml-vocab-q.gguf": "0" * 64})


def test_cli_vocab(tmp_path, monkeypatch, capsys):
    from tokeff.cli import main

    d = gguf_dir()
    monkeypatch.setenv("TOKEFF_GGUF_DIR", str(tmp_path / "none"))
    monkeypatch.setenv("TOKEFF_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["vocab", "status"]) == 0
    assert "not installed: run tokeff vocab fetch" in capsys.readouterr().out
    assert main(["list", "tokenizers", "--origin", "cn"]) == 0
    out = capsys.readouterr().out
    assert "baichuan" in out and "tokeff vocab fetch" in out
    root = "llama_cpp_python-0.3.36/vendor/llama.cpp/models/"
    sdist = _sdist(tmp_path / "s.tar.gz", {root + "ggml-vocab-baichuan.gguf": b"not it"})
    assert main(["vocab", "fetch", "--sdist", str(sdist), "--quiet"]) == 2
    assert "not the pinned release" in capsys.readouterr().err
    real = _sdist(tmp_path / "r.tar.gz", {
        root + "ggml-vocab-baichuan.gguf": (d / "ggml-vocab-baichuan.gguf").read_bytes()})
    assert main(["vocab", "fetch", "--sdist", str(real), "--quiet"]) == 0
    assert "1 vocabulary files verified" in capsys.readouterr().out
    from tokeff.tokenizers.catalogue import get_entry

    assert get_entry("baichuan").is_available() and not get_entry("aquila").is_available()
