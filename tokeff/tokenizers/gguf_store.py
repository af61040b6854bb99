"""Where the catalogue's GGUF vocabularies live, and the one step that gets them.

llama.cpp ships vocabulary-only GGUF files (``ggml-vocab-*.gguf``: tokenizer metadata, no
weights) in its source tree, and the ``llama-cpp-python`` source distribution on PyPI vendors
that tree. They cannot come with a small wheel, so the catalogue entries built on them (Llama-2,
Gemma 4, XLM-R, Baichuan, Aquila) read them from:

1. ``$TOKEFF_GGUF_DIR``, a directory the user points to (holding the files by name), else
2. tokeff's data directory, ``<cache dir>/vocab/llama-cpp-python-0.3.36`` (see
   :func:`tokeff._io.user_cache_dir`), filled by ``tokeff vocab fetch``: it downloads the sdist
   with ``pip download`` (hash-checked by pip), extracts only
   ``vendor/llama.cpp/models/ggml-vocab-*.gguf`` and checks every file against the sha256
   pinned here before it is kept.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

from .._io import user_cache_dir
from ..errors import TokenizerError

__all__ = ["FETCH_STEP", "PINNED", "SDIST", "data_dir", "download_sdist", "extract_vocab",
           "fetch", "locate_vocab", "search_dirs"]

#: The PyPI source distribution that carries the files: (project, version, sha256 of the sdist).
SDIST = ("llama-cpp-python", "0.3.36",
         "832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e")
_MEMBER_DIR = "vendor/llama.cpp/models/"

#: The one documented step, quoted in errors and listings.
FETCH_STEP = ("tokeff vocab fetch (pip-downloads the llama-cpp-python 0.3.36 source "
              "distribution from PyPI and keeps only its ggml-vocab-*.gguf files), or set "
              "TOKEFF_GGUF_DIR to a directory holding them")

#: sha256 of every vocabulary file of the sdist, as extracted.
PINNED: dict[str, str] = {
    "ggml-vocab-aquila.gguf": "7c53c3c516ac67c7ca12977b9690fdea3d2ef13bbaed6378f98191a13ef5ca00",
    "ggml-vocab-baichuan.gguf": "4f5b955697f3bd3108070b1d5936c7eb9fc542b81c6932e59abddec75bca1963",
    "ggml-vocab-bert-bge.gguf": "fbcbe22278fb302694d5f4a41bfe48c5f90e8e3554eab1c0435387dff654a854",
    "ggml-vocab-command-r.gguf": "a2f8cfea952ef7c391a6d92a1c309d0bd32e36384d9b9230569a7425732f27d9",
    "ggml-vocab-deepseek-coder.gguf":
        "91cb1379f2e33af1c4866b194622b7a0e12e8f0c9dba7ba2f10d55978730bec1",
    "ggml-vocab-deepseek-llm.gguf":
        "867f77537b54565f0d81d508c04edc41aa1d4ffc1a92745f225b4c1b02755f76",
    "ggml-vocab-falcon.gguf": "9f0bf8b0733680398b72e652e90f260f43782f326e75545fc0e49611a5ba35ad",
    "ggml-vocab-gemma-4.gguf": "58b1ba0b57f3b4d7c468ba4ffd91ad85190346a3d7ad7e71d1cabaae8a14bb65",
    "ggml-vocab-gpt-2.gguf": "cedc56ca6e2e89f63e781696d1fd76b4b1d49e6720dee86463e915f6e90016ac",
    "ggml-vocab-gpt-neox.gguf": "ae593a7f9b8bb174ed4f5019e41530463e4dac7aa06e42dee8aa650d2bdac53d",
    "ggml-vocab-llama-bpe.gguf": "97272e430d53bc7688f52d5e0ad8ea8f163ede9f1bbd1694feaa504797d5d96e",
    "ggml-vocab-llama-spm.gguf": "16c3724582d59aa8bf84711894e833f916ee46a31d80e21312759c48bf8d0e69",
    "ggml-vocab-mpt.gguf": "59dc382612866d1fc6c11ea531318d327598f3412d9c8f8600607cdf3030898f",
    "ggml-vocab-nomic-bert-moe.gguf":
        "90a6746926454784a98389ad36a36d89bc9cfc81db9cb0f33c941bcc959fe5f9",
    "ggml-vocab-phi-3.gguf": "967d7190d11c4842eab697079d98d56c2116e10eb617be355a2733bfc132e326",
    "ggml-vocab-qwen2.gguf": "44c2f46b715f585c6ab513970e8a006bfa5badd6108560054921cf598d154d8c",
    "ggml-vocab-qwen35.gguf": "63ed952ff338996cf0bdf24a7b10015124273f75c6dc9bb427356aa3f67ec62c",
    "ggml-vocab-refact.gguf": "ac3ceda902fed91ccf74312b305d9b86c37e4f8e35fa9cc6ef3ce34fca7d4678",
    "ggml-vocab-starcoder.gguf":
        "fedb892b4e1bd3c1f2fcdae356440b14fb458f4264d586e5c987ed93df4e174d",
}


def data_dir() -> Path:
    """Where ``tokeff vocab fetch`` puts the files (under tokeff's cache directory; ``tokeff
    cache clear`` does not touch it)."""
    return user_cache_dir() / "vocab" / f"{SDIST[0]}-{SDIST[1]}"


def search_dirs() -> list[Path]:
    """``$TOKEFF_GGUF_DIR`` (when set), then :func:`data_dir`."""
    env = os.environ.get("TOKEFF_GGUF_DIR")
    dirs = [Path(env).expanduser()] if env else []
    return dirs + [data_dir()]


def locate_vocab(filename: str) -> Path | None:
    """The first of :func:`search_dirs` that holds ``filename``, or None (nothing is read)."""
    for d in search_dirs():
        p = d / filename
        if p.is_file():
            return p
    return None


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def extract_vocab(sdist: str | Path, dest: str | Path, *,
                  pinned: dict[str, str] | None = None) -> list[Path]:
    """Extract the pinned ``ggml-vocab-*.gguf`` files of an sdist (a ``.tar.gz``) into ``dest``.

    Only regular-file members named ``<root>/vendor/llama.cpp/models/<pinned name>`` are read;
    each is written under its bare name (never the archive's path), through a temporary file
    that is renamed into place only when its sha256 is the pinned one. Raises
    :class:`TokenizerError` on a hash mismatch (nothing of that file is kept) or when the archive
    holds none of the files.
    """
    pinned = PINNED if pinned is None else pinned
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        tf = tarfile.open(sdist, "r:gz")  # noqa: SIM115 - closed by the with below
    except (OSError, tarfile.TarError) as e:
        raise TokenizerError(f"{sdist}: not a readable .tar.gz source distribution ({e})") from None
    with tf:
        for m in tf:
            rest = m.name.partition("/")[2]
            if not rest.startswith(_MEMBER_DIR) or not m.isfile():
                continue
            name = rest[len(_MEMBER_DIR):]
            if name not in pinned:
                continue
            src = tf.extractfile(m)
            if src is None:
                continue
            fd, tmp = tempfile.mkstemp(dir=dest, prefix=f".{name}.", suffix=".part")
            h = hashlib.sha256()
            try:
                with os.fdopen(fd, "wb") as out:
                    for chunk in iter(partial(src.read, 1 << 20), b""):
                        h.update(chunk)
                        out.write(chunk)
                if h.hexdigest() != pinned[name]:
                    raise TokenizerError(
                        f"{sdist}!{m.name}: sha256 {h.hexdigest()}, tokeff pins {pinned[name]}; "
                        "the archive is not the pinned release (nothing of this file was kept)")
                os.replace(tmp, dest / name)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            written.append(dest / name)
    if not written:
        raise TokenizerError(f"{sdist}: holds no {_MEMBER_DIR}ggml-vocab-*.gguf file tokeff pins "
                             f"(is it {SDIST[0]} {SDIST[1]}?)")
    return written


def download_sdist(workdir: str | Path) -> Path:
    """``pip download`` the pinned sdist into ``workdir`` (pip checks its sha256) and return its
    path. Needs access to the package index; raises :class:`TokenizerError` with pip's message
    when pip fails."""
    project, version, digest = SDIST
    workdir = Path(workdir)
    req = workdir / "requirements.txt"
    req.write_text(f"{project}=={version} --hash=sha256:{digest}\n", encoding="utf-8")
    # --no-binary for this project only: its build dependencies, which pip installs to read the
    # sdist's metadata, may come as wheels (11 s instead of 80 s measured).
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", project,
           "--disable-pip-version-check", "-d", str(workdir), "-r", str(req)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    found = sorted(workdir.glob(f"{project.replace('-', '_')}-{version}.tar.gz"))
    if proc.returncode != 0 or not found:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
        raise TokenizerError(f"pip could not download {project}=={version} (exit "
                             f"{proc.returncode}):\n{tail}\nFix: check access to the package "
                             "index, or download the sdist yourself and run "
                             "tokeff vocab fetch --sdist PATH")
    return found[0]


def fetch(dest: str | Path | None = None, *, sdist: str | Path | None = None,
          progress: Callable[[str], None] | None = None) -> list[Path]:
    """Get the vocabulary files into ``dest`` (default :func:`data_dir`): from ``sdist`` when
    given, else downloaded with pip into a temporary directory (removed afterwards)."""
    dest = Path(dest) if dest is not None else data_dir()
    say = progress or (lambda _msg: None)
    if sdist is not None:
        say(f"extracting from {sdist}")
        return extract_vocab(sdist, dest)
    with tempfile.TemporaryDirectory(prefix="tokeff-sdist-") as tmp:
        say(f"downloading {SDIST[0]}=={SDIST[1]} (source distribution, ~77 MB) with pip")
        path = download_sdist(tmp)
        say(f"extracting the vocabulary files into {dest}")
        return extract_vocab(path, dest)
