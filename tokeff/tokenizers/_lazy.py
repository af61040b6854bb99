"""Catalogue tokenizers known before they are loaded, so that a run whose counts are all in the
count cache never loads a vocabulary.

What identifies a tokenizer in results and cache keys (name, backend and its version, vocabulary
size, UNK id, normalisation, content hash, fingerprint, origin) is written to a small
descriptor file the first time the entry is really loaded, under the user cache directory
(``descriptors/``). The file is keyed by everything those values depend on: the entry (name,
pinned sha256), the vocabulary file's identity on disk (path, size, times, inode), the backend
library's installed version and tokeff's version. A later process gets a
:class:`LazyTokenizer` with those values; the first call that needs the vocabulary itself
(encoding, token bytes, byte-fallback mask, any other attribute) loads the real tokenizer, once,
and checks that its fingerprint is the one described (else it is an error, never a silent
switch).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from importlib import metadata
from pathlib import Path
from typing import Any

from .._io import user_cache_dir
from .._memory import release_free_memory
from .._version import __version__
from ..errors import TokenizerError
from ._fastcount import FastCounter, counter_for_entry
from ._hashcache import file_identity
from .base import Tokenizer, combined_normalization, fingerprint_of

#: The backend library of each catalogue backend (its version is in every fingerprint).
BACKEND_PACKAGES = {"tiktoken": "tiktoken", "tokenizers": "tokenizers",
                    "sentencepiece": "sentencepiece"}
_FIELDS = ("name", "backend", "backend_version", "vocab_size", "unk_id", "pre_normalization",
           "internal_normalization", "has_offsets", "content_hash", "fingerprint")
_EXTRA = ("origin", "developer", "family")


def _key(entry: Any) -> str | None:
    """The descriptor key of a catalogue entry, or None when it cannot be known cheaply."""
    if os.environ.get("TOKEFF_NO_CACHE"):
        return None
    path = entry.locate()
    ident = file_identity(path) if path is not None else None
    if not ident:
        return None
    pkg = BACKEND_PACKAGES.get(entry.backend)
    try:
        backend_version = metadata.version(pkg) if pkg else "n/a"
    except metadata.PackageNotFoundError:
        return None
    h = hashlib.sha256()
    for part in ("tokeff-descriptor-v1", __version__, entry.name, entry.sha256, ident,
                 entry.backend, backend_version):
        h.update(str(part).encode() + b"\0")
    return h.hexdigest()


def _path(key: str) -> Path:
    return user_cache_dir() / "descriptors" / f"{key[:32]}.json"


def recorded(tok: Tokenizer, field: str) -> Any:
    """The value of descriptor field ``field`` for a loaded tokenizer."""
    if field == "fingerprint":
        return tok.fingerprint()
    if field == "content_hash":
        return tok.content_hash()
    return getattr(tok, field)


def remember(entry: Any, tok: Tokenizer) -> None:
    """Write the descriptor of a freshly loaded catalogue tokenizer (best effort)."""
    key = _key(entry)
    if key is None:
        return
    desc = {f: recorded(tok, f) for f in _FIELDS}
    desc.update({f: getattr(tok, f, None) for f in _EXTRA})
    desc["key"] = key
    p = _path(key)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(desc, sort_keys=True), encoding="utf-8")
        os.replace(tmp, p)
    except OSError:
        pass


def described(entry: Any) -> LazyTokenizer | None:
    """A lazy tokenizer for a catalogue entry whose descriptor is on disk or pinned in the
    catalogue (:func:`pinned`), else None."""
    key = _key(entry)
    if key is None:
        return pinned(entry)
    try:
        desc = json.loads(_path(key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return pinned(entry)
    if not isinstance(desc, dict) or desc.get("key") != key or \
            any(f not in desc for f in _FIELDS):
        return pinned(entry)
    return LazyTokenizer(entry, desc)


def _backend_version(backend: str) -> str | None:
    """The version a tokenizer of ``backend`` reports once loaded, without importing it."""
    pkg = BACKEND_PACKAGES.get(backend)
    if pkg is not None:
        try:
            return metadata.version(pkg)
        except metadata.PackageNotFoundError:
            return None
    if backend == "rwkv-trie":  # tokeff's own trie: its version is tokeff's
        from ._formats import RWKVTrieTokenizer

        return RWKVTrieTokenizer.backend_version
    return None


def pinned(entry: Any) -> LazyTokenizer | None:
    """A lazy tokenizer described by what the catalogue pins for ``entry``
    (``entry.pinned_facts()``), so that even the first run on a machine, with no descriptor
    written yet, loads each vocabulary only when it counts with it (and never when the count
    cache answers). None when the entry pins nothing, or its file or backend is not installed
    (loading it then raises the error that says how to install it)."""
    facts = getattr(entry, "pinned_facts", lambda: None)()
    if facts is None or entry.locate() is None:
        return None
    version = _backend_version(str(facts["backend"]))
    if version is None:
        return None
    desc = dict(facts, backend_version=version)
    desc["fingerprint"] = fingerprint_of(
        str(desc["content_hash"]), str(desc["backend"]), version,
        combined_normalization(str(desc["pre_normalization"]),
                               str(desc["internal_normalization"])))
    return LazyTokenizer(entry, desc)


class LazyTokenizer(Tokenizer):
    """A catalogue tokenizer described from its descriptor, loaded on first real use (see the
    module docstring)."""

    def __init__(self, entry: Any, desc: dict[str, Any]):
        super().__init__(str(desc["name"]))
        self._entry = entry
        self._desc = desc
        self._real: Tokenizer | None = None
        self._load_lock = threading.Lock()
        self.backend = str(desc["backend"])
        self.backend_version = str(desc["backend_version"])
        self.unk_id = desc["unk_id"]
        self.pre_normalization = str(desc["pre_normalization"])
        self.internal_normalization = str(desc["internal_normalization"])
        for f in _EXTRA:
            if desc.get(f) is not None:
                setattr(self, f, desc[f])
        self.catalogue_entry = entry

    @property
    def loaded(self) -> bool:
        return self._real is not None

    def real(self) -> Tokenizer:
        """The loaded tokenizer (loaded on the first call; its fingerprint is checked)."""
        if self._real is None:
            with self._load_lock:
                if self._real is None:
                    tok = self._entry.load()
                    self._check(tok)
                    self._real = tok
        return self._real

    def _check(self, tok: Tokenizer) -> None:
        # Every value this run already recorded or keyed by must be what loading gives.
        for f in _FIELDS:
            found = recorded(tok, f)
            if found != self._desc[f]:
                where = ("pinned in tokeff's catalogue" if "key" not in self._desc
                         else "in the descriptor written by an earlier run")
                raise TokenizerError(
                    f"tokenizer {self.name!r}: its vocabulary loads with {f} {found!r}, but "
                    f"this run was keyed by {self._desc[f]!r} ({where}). Fix: clear the cache "
                    f"(tokeff cache clear) and run again; if it persists, please report it "
                    f"with the versions of tokeff and {self.backend}")

    def release(self) -> None:
        """Drop the loaded tokenizer (the next use loads it again); frees its memory when
        nothing else holds it."""
        with self._load_lock:
            self._real = None
        release_free_memory()

    # -- what is known without loading -----------------------------------------------------
    @property
    def vocab_size(self) -> int:
        return int(self._desc["vocab_size"])

    @property
    def has_offsets(self) -> bool:
        return bool(self._desc["has_offsets"])

    def content_hash(self) -> str:
        return str(self._desc["content_hash"])

    def fingerprint(self) -> str:
        return str(self._desc["fingerprint"])

    # -- what needs the vocabulary -----------------------------------------------------------
    def encode(self, text: str) -> list[int]:
        return self.real().encode(text)

    def encode_batch(self, texts):  # type: ignore[override]
        return self.real().encode_batch(texts)

    def encode_arrays(self, texts, *, spans: bool = True):  # type: ignore[override]
        return self.real().encode_arrays(texts, spans=spans)

    def count_tokens(self, texts):  # type: ignore[override]
        counter = self.fast_counter()
        if counter is not None:
            return super().count_tokens(texts)
        return self.real().count_tokens(texts)

    def fast_counter(self) -> FastCounter | None:
        # Known from the entry alone: a count-only run of an OpenAI encoding loads nothing.
        if self.backend != "tiktoken":
            return None
        return counter_for_entry(self._entry)

    def byte_fallback_mask(self):  # type: ignore[override]
        return self.real().byte_fallback_mask()

    def vocab_bytes(self):  # type: ignore[override]
        return self.real().vocab_bytes()

    def token_bytes(self, token_id: int) -> bytes:
        return self.real().token_bytes(token_id)

    def special_tokens(self):  # type: ignore[override]
        return self.real().special_tokens()

    def vocab_entries(self):  # type: ignore[override]
        return self.real().vocab_entries()

    def __getattr__(self, name: str) -> Any:
        # Anything else (backend objects such as .tokenizer or .encoding): the real one's.
        if name.startswith("__") or name in ("_entry", "_desc", "_real", "_load_lock"):
            raise AttributeError(name)
        return getattr(self.real(), name)

    def __reduce__(self):
        # Worker processes load the real tokenizer themselves.
        return (_load_entry, (self._entry,))


def _load_entry(entry: Any) -> Tokenizer:
    return entry.load()
