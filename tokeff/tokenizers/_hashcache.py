"""Vocabulary content hashes remembered on disk, keyed by the identity of what was hashed.

Hashing a vocabulary means serialising all of it (a 20 MB ``tokenizer.json`` is parsed and
dumped again; 200k tiktoken ranks are base64-encoded), about a second for the large ones, on
every run, although the files rarely change. So the hash of a tokenizer loaded from a file is
stored under ``<user cache dir>/hashes/``, keyed by the file's identity (path, size,
modification time, inode) plus everything else that enters the hash (backend, its version, the
split pattern, ...): a file that changes gets a new key, so a stale value is never used.
Catalogue entries need no file identity: their vocabulary is pinned by sha256, verified at
load.

Each entry is one small file written atomically, holding the key it answers and the 64-hex
hash; anything else (truncated, foreign, unreadable) is a miss, and the hash is recomputed.
A read-only or full cache directory only costs the recomputation. ``TOKEFF_NO_CACHE=1`` turns
it off.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from .._io import user_cache_dir

_HEX64 = re.compile(r"[0-9a-f]{64}")


def file_identity(path: str | os.PathLike[str]) -> str | None:
    """``path|size|mtime_ns|inode|ctime_ns`` of a file, or None when it cannot be stat'ed."""
    try:
        real = os.path.realpath(path)
        st = os.stat(real)
    except OSError:
        return None
    return f"{real}|{st.st_size}|{st.st_mtime_ns}|{st.st_ino}|{st.st_ctime_ns}"


def _enabled() -> bool:
    return not os.environ.get("TOKEFF_NO_CACHE")


def _path(key: str) -> Path:
    digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()
    return user_cache_dir() / "hashes" / digest[:2] / f"{digest[2:34]}.hash"


def get(key: str) -> str | None:
    """The stored hash for ``key``, or None (missing, corrupt, or the cache is off)."""
    if not _enabled():
        return None
    try:
        text = _path(key).read_text(encoding="utf-8", errors="surrogateescape")
    except OSError:
        return None
    stored_key, _, value = text.partition("\n")
    value = value.strip()
    if stored_key != key or not _HEX64.fullmatch(value):
        return None
    return value


def put(key: str, value: str) -> None:
    """Store ``value`` for ``key``; failures (read-only, full disk) are ignored."""
    if not _enabled() or not _HEX64.fullmatch(value) or "\n" in key:
        return
    path = _path(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(f"{key}\n{value}\n")
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return
