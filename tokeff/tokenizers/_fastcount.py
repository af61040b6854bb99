"""A count-only path for OpenAI encodings: GitHub's Rust ``bpe`` crate (PyPI ``bpe-openai``).

When a run needs only the number of tokens of each segment (no token ids, no offsets), the
catalogue's ``o200k_base`` and ``cl100k_base`` are counted by ``bpe-openai``'s ``count``, which
gives tiktoken's numbers without building the token list and without a tiktoken ``Encoding``
to load (``benchmarks/bench_fastcount.py`` times it). It is used only when it is known to count
with the same vocabulary as the catalogue entry:

- the installed ``bpe-openai`` is the version pinned here (:data:`VERSION`);
- the entry is the catalogue's own OpenAI encoding (format ``tiktoken-openai``, its own
  pattern, no added text tokens, no normalisation) with the pinned sha256 of its rank file;
- the rank file ``bpe-openai`` bundles for that encoding has the sha256 pinned here, which was
  checked once to decompress to the very content the catalogue pins (same ranks, same bytes;
  ``tests/test_fastcount.py`` checks it again, and that the counts equal tiktoken's on all of
  FLORES-200 and on generated text).

Otherwise, or with ``TOKEFF_FAST_COUNT=0`` in the environment, tiktoken counts (same numbers).
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import sys
import threading
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

#: The bpe-openai release whose bundled vocabularies and counts were verified.
VERSION = "0.1.4"
#: Environment variable: ``0`` switches the count-only path off (tiktoken counts).
ENV = "TOKEFF_FAST_COUNT"

#: Per encoding: (sha256 of the catalogue's decompressed rank file = the catalogue entry's pinned
#: sha256, sha256 of the ``.tiktoken.gz`` bpe-openai 0.1.4 bundles). The bundled file
#: decompresses to exactly the catalogue content (checked once when pinning, and by the tests).
PINNED: dict[str, tuple[str, str]] = {
    "o200k_base": ("446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
                   "aa7f57c462db101b58b6648a2b0047128f61e68c0776814ad75251aab1bccdfa"),
    "cl100k_base": ("223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
                    "eb039321fca3dd961193251802424710b59fbd1df8a16067911191014f4ab732"),
}

_LOCK = threading.Lock()
_COUNTERS: dict[str, FastCounter | None] = {}


class FastCounter:
    """Token counts of one OpenAI encoding by bpe-openai (``count`` per text, no ids)."""

    def __init__(self, encoding: str, backend: Any):
        self.encoding = encoding
        #: What results record as the counter (``meta["tokenizers"][name]["counter"]``).
        self.name = f"bpe-openai-{VERSION}"
        self._count = backend.count

    def count(self, texts: Sequence[str]) -> np.ndarray:
        """Tokens of each text (int64), equal to ``len(encoding.encode_ordinary(text))``."""
        count = self._count
        try:
            values = list(map(count, texts))
        except UnicodeEncodeError:
            values = [self._count_one(t) for t in texts]
        return np.asarray(values, dtype=np.int64).reshape(len(values))

    def _count_one(self, text: str) -> int:
        try:
            return self._count(text)
        except UnicodeEncodeError:
            # Lone surrogates: tiktoken replaces them with U+FFFD before encoding; so do we.
            return self._count(text.encode("utf-16", "surrogatepass").decode("utf-16",
                                                                               "replace"))

    def __repr__(self) -> str:
        return f"<FastCounter {self.encoding} {self.name}>"


def enabled() -> bool:
    """Whether the count-only path may be used (``TOKEFF_FAST_COUNT`` is not ``0``)."""
    return os.environ.get(ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def counter_for_entry(entry: Any) -> FastCounter | None:
    """The verified counter of a catalogue entry, or None (not covered, bpe-openai missing or
    not the pinned release, a bundled file that differs, or switched off)."""
    if not enabled() or entry is None:
        return None
    name = getattr(entry, "name", None)
    pinned = PINNED.get(name) if isinstance(name, str) else None
    if pinned is None or getattr(entry, "sha256", None) != pinned[0] or \
            getattr(entry, "fmt", None) != "tiktoken-openai" or \
            getattr(entry, "pattern", None) != name or getattr(entry, "specials", ()) or \
            getattr(entry, "required_normalization", "none") != "none":
        return None
    assert isinstance(name, str)
    with _LOCK:
        if name not in _COUNTERS:
            _COUNTERS[name] = _load(name, pinned[1])
        return _COUNTERS[name]


def _package_dir() -> Path | None:
    # Found without importing bpe_openai: its __init__ parses every bundled rank file in
    # Python (about a second), which the count-only path does not need.
    try:
        spec = importlib.util.find_spec("bpe_openai")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def bundled_sha256(encoding: str) -> str | None:
    """sha256 of the rank file the installed bpe-openai bundles for ``encoding`` (None when it
    bundles none or is not installed)."""
    pkg = _package_dir()
    if pkg is None:
        return None
    try:
        return hashlib.sha256((pkg / "data" / f"{encoding}.tiktoken.gz").read_bytes()).hexdigest()
    except OSError:
        return None


def _bindings() -> Any:
    """bpe-openai's extension module, loaded from its file (see :func:`_package_dir`)."""
    pkg = _package_dir()
    if pkg is None:
        return None
    mod = sys.modules.get("bpe_openai._bindings")
    if mod is not None:
        return mod
    for path in sorted(pkg.glob("_bindings*")):
        if path.suffix not in (".so", ".pyd"):
            continue
        loader = importlib.machinery.ExtensionFileLoader("bpe_openai._bindings", str(path))
        spec = importlib.util.spec_from_file_location("bpe_openai._bindings", path,
                                                      loader=loader)
        if spec is None:
            return None
        try:
            return importlib.util.module_from_spec(spec)
        except ImportError:
            return None
    return None


def _load(encoding: str, bundled: str) -> FastCounter | None:
    try:
        if metadata.version("bpe-openai") != VERSION:
            return None
    except metadata.PackageNotFoundError:
        return None
    if bundled_sha256(encoding) != bundled:
        return None
    # The public bpe_openai.Encoding has no count; the bindings' tokenizer counts without
    # building the token list.
    bindings = _bindings()
    if bindings is None or encoding not in bindings.supported_encodings():
        return None
    return FastCounter(encoding, bindings.tokenizer_for_encoding(encoding))
