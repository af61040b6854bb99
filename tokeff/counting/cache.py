"""On-disk cache of per-segment counts, so that a repeated run costs a fraction of a cold one.

An entry holds the counts of one tokenizer on one block of segments (see
:func:`tokeff.counting.kernel.plan_blocks`). Its key is a sha256 over everything the counts
depend on:

- the tokenizer fingerprint (vocabulary, merges, normaliser, backend name and version),
- the segmenter signature (name, version, settings) or "none",
- whether token offsets were asked for,
- the sha256 of the block's segments (after corpus normalisation),
- the tokeff version and the entry format version.

Entries are separate files written to a temporary name and renamed into place, so concurrent
runs never see half an entry and never block each other (two writers of the same key write the
same bytes). Every entry ends with a sha256 of its content and repeats its own key; an entry
that is truncated, corrupted or misplaced is reported (logger ``tokeff.cache``), deleted and
counted again, never used.

The cache is on by default (``cache=False``, ``--no-cache`` or ``TOKEFF_CACHE=0`` turn it off)
and bounded: past ``$TOKEFF_CACHE_MAX`` (default 1 GiB; e.g. ``500MB``) the least recently used
entries are removed. Location: ``cache=PATH``, else ``$TOKEFF_CACHE_DIR``, else
``$XDG_CACHE_HOME/tokeff``, else ``~/.cache/tokeff``. Clear it with :func:`clear` or
``tokeff cache clear``.

>>> import tokeff
>>> res = tokeff.measure("udhr", ["cl100k_base"], cache=True)  # doctest: +SKIP
>>> tokeff.counting.cache.info()["entries"]  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import stat
import struct
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._io import user_cache_dir
from .._version import __version__
from ..errors import TokeffError, UsageError
from ..segmenters import unavailable_reason
from .counts import (
    BASE_FIELDS,
    BYTE_FALLBACK_NOT_COUNTED,
    SEGMENT_FIELDS,
    TOKEN_IDS_NOT_COUNTED,
    Counts,
    no_spans_reason,
)

__all__ = [
    "FORMAT_VERSION",
    "CountCache",
    "clear",
    "default_dir",
    "info",
    "resolve_cache",
]

log = logging.getLogger("tokeff.cache")

FORMAT_VERSION = 2
MAGIC = b"TOKEFF-COUNTS\x00\x00\x02"  # 16 bytes; the last byte is FORMAT_VERSION
_SUFFIX = ".tkc"
_DTYPES = {"i2": np.int16, "i4": np.int32, "i8": np.int64}
_ARRAYS = SEGMENT_FIELDS + ("token_ids", "token_freqs")


class CorruptEntry(Exception):
    """An entry that failed validation (the reason is the message)."""


def default_dir() -> Path:
    """Where the cache lives unless told otherwise (see the module docstring)."""
    return user_cache_dir()


def _small(a: np.ndarray) -> tuple[str, np.ndarray]:
    if len(a) == 0:
        return "i2", a.astype(np.int16)
    lo, hi = int(a.min()), int(a.max())
    for code in ("i2", "i4"):
        info = np.iinfo(_DTYPES[code])
        if info.min <= lo and hi <= info.max:
            return code, a.astype(_DTYPES[code])
    return "i8", a.astype(np.int64)


def encode_entry(key: str, c: Counts) -> bytes:
    """The bytes of a cache entry for counts ``c`` under ``key``."""
    meta: dict[str, Any] = {"key": key, "tokeff": __version__, "segmenter": c.segmenter,
                            "n": c.n_segments, "has_spans": c.unk_chars is not None,
                            "arrays": []}
    if "token_ids" in c.na_reasons:
        meta["has_ids"] = False  # absent in older entries, which all kept ids
    chunks: list[bytes] = []
    for name in _ARRAYS:
        a = getattr(c, name)
        if a is None:
            meta["arrays"].append([name, None, 0])
            continue
        code, small = _small(np.asarray(a))
        meta["arrays"].append([name, code, len(small)])
        chunks.append(np.ascontiguousarray(small).astype(small.dtype.newbyteorder("<"),
                                                          copy=False).tobytes())
    header = json.dumps(meta, separators=(",", ":"), sort_keys=True).encode()
    body = MAGIC + struct.pack("<I", len(header)) + header + b"".join(chunks)
    return body + hashlib.sha256(body).digest()


def decode_entry(data: bytes, key: str) -> tuple[dict[str, Any], dict[str, np.ndarray | None]]:
    """Validate an entry and return its header and int64 arrays; raise CorruptEntry if bad."""
    if len(data) < len(MAGIC) + 4 + 32:
        raise CorruptEntry(f"truncated ({len(data)} bytes)")
    if data[:len(MAGIC)] != MAGIC:
        raise CorruptEntry("not a tokeff counts entry of this format version")
    body, digest = data[:-32], data[-32:]
    if hashlib.sha256(body).digest() != digest:
        raise CorruptEntry("checksum mismatch (truncated or corrupted)")
    (hlen,) = struct.unpack_from("<I", body, len(MAGIC))
    pos = len(MAGIC) + 4
    try:
        meta = json.loads(body[pos:pos + hlen])
    except ValueError:
        raise CorruptEntry("unreadable header") from None
    if meta.get("key") != key:
        raise CorruptEntry("entry holds another key (misplaced file)")
    pos += hlen
    arrays: dict[str, np.ndarray | None] = {}
    n = int(meta["n"])
    for name, code, length in meta["arrays"]:
        if code is None:
            arrays[name] = None
            continue
        if code not in _DTYPES:
            raise CorruptEntry(f"unknown array type {code!r}")
        dt = np.dtype(_DTYPES[code]).newbyteorder("<")
        end = pos + int(length) * dt.itemsize
        if end > len(body):
            raise CorruptEntry("array data shorter than its header says")
        arrays[name] = np.frombuffer(body, dtype=dt, count=int(length), offset=pos).astype(
            np.int64)
        pos = end
    if pos != len(body):
        raise CorruptEntry("trailing bytes after the arrays")
    if set(arrays) != set(_ARRAYS):
        raise CorruptEntry("arrays missing")
    for name in SEGMENT_FIELDS:
        a = arrays[name]
        if a is not None and len(a) != n:
            raise CorruptEntry(f"{name} has {len(a)} values for {n} segments")
    for name in BASE_FIELDS:
        if arrays[name] is None:
            raise CorruptEntry(f"{name} missing")
    ids, fr = arrays["token_ids"], arrays["token_freqs"]
    # Counts made without token ids keep empty frequency arrays.
    tokens = arrays["tokens"]
    total = int(tokens.sum()) if meta.get("has_ids", True) and tokens is not None else 0
    if ids is None or fr is None or len(ids) != len(fr) or int(fr.sum()) != total:
        raise CorruptEntry("token frequencies do not add up to the token counts")
    return meta, arrays


def block_digest(texts: Sequence[str]) -> str:
    """sha256 over a block's segments (UTF-8, each followed by 0x1F) and their number."""
    h = hashlib.sha256(f"{len(texts)}\x1e".encode())
    h.update("\x1f".join(texts).encode("utf-8", "surrogatepass"))
    h.update(b"\x1f")
    return h.hexdigest()


class CountCache:
    """A directory of count entries (see the module docstring).

    ``stats`` counts hits, misses, entries written and corrupt entries found in this process.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, max_bytes: int | None = None):
        self.root = Path(path).expanduser() if path is not None else default_dir()
        self.dir = self.root / f"counts-v{FORMAT_VERSION}"
        self.max_bytes = max_bytes if max_bytes is not None else max_bytes_from_env()
        self.stats = {"hits": 0, "misses": 0, "writes": 0, "corrupt": 0, "skipped": 0}
        self.evicted = 0  # entries removed to keep under max_bytes
        self._lock = threading.Lock()
        self._size: int | None = None  # bytes of entries, scanned on the first write

    def __repr__(self) -> str:
        return f"<CountCache {str(self.root)!r}>"

    def __getstate__(self) -> dict[str, Any]:  # picklable for worker processes
        return {"root": self.root, "dir": self.dir, "stats": dict(self.stats),
                "max_bytes": self.max_bytes}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
        self._size = None

    block_digest = staticmethod(block_digest)

    @staticmethod
    def cacheable(tok: Any) -> bool:
        """Only tokenizers with a content fingerprint: a user object without ``fingerprint()``
        could change without its key changing."""
        try:
            return not str(tok.content_hash()).startswith("unfingerprinted")
        except (AttributeError, TypeError, ValueError, NotImplementedError, TokeffError):
            return False

    def key(self, tok: Any, segmenter: str | None, counted: str | bool, digest: str) -> str:
        """The entry key of a tokenizer on a block (hex sha256); "" when not cacheable.
        ``counted`` says what was counted besides tokens (``spans``/``nospans``, ``+nobf``;
        a bool is spans or not)."""
        if not self.cacheable(tok):
            return ""
        if isinstance(counted, bool):
            counted = "spans" if counted else "nospans"
        h = hashlib.sha256()
        for part in (f"tokeff-counts-v{FORMAT_VERSION}", __version__, tok.fingerprint(),
                     segmenter or "none", counted, digest):
            h.update(part.encode() + b"\0")
        return h.hexdigest()

    def path_of(self, key: str) -> Path:
        return self.dir / key[:2] / (key + _SUFFIX)

    def _bump(self, what: str) -> None:
        with self._lock:
            self.stats[what] += 1

    def get(self, key: str, *, tokenizer: str, lang: str, vocab_size: int) -> Counts | None:
        """The counts stored under ``key`` (named for this run), or None (missing or corrupt:
        a corrupt entry is deleted so that it is rebuilt)."""
        if not key:
            self._bump("skipped")
            return None
        p = self.path_of(key)
        try:
            data = p.read_bytes()
        except FileNotFoundError:
            self._bump("misses")
            return None
        except IsADirectoryError:
            # Not an entry: removed, so the counts written next can take its place.
            log.warning("tokeff cache: %s is a directory, not an entry; it is removed and "
                        "counted again", p)
            shutil.rmtree(p, ignore_errors=True)
            self._bump("corrupt")
            self._bump("misses")
            return None
        except OSError as e:
            log.warning("tokeff cache: cannot read %s (%s); counting again", p, e.strerror)
            self._bump("misses")
            return None
        try:
            meta, arrays = decode_entry(data, key)
        except CorruptEntry as e:
            log.warning("tokeff cache: entry %s is corrupt (%s); it is removed and counted "
                        "again", p, e)
            self._bump("corrupt")
            self._bump("misses")
            try:
                p.unlink()
            except OSError:
                pass
            return None
        self._bump("hits")
        try:
            os.utime(p)  # recently used: evicted last
        except OSError:
            pass
        # Reasons are rebuilt (they name the tokenizer and language of this run).
        na: dict[str, str] = {}
        if not meta["has_spans"]:
            na["spans"] = no_spans_reason(tokenizer)
        if arrays["words"] is None:
            na["words"] = unavailable_reason(lang)
        if arrays["byte_fallback"] is None:
            na["byte_fallback"] = BYTE_FALLBACK_NOT_COUNTED
        if not meta.get("has_ids", True):
            na["token_ids"] = TOKEN_IDS_NOT_COUNTED
        return Counts(tokenizer, lang, token_ids=arrays.pop("token_ids"),  # type: ignore[arg-type]
                      token_freqs=arrays.pop("token_freqs"),  # type: ignore[arg-type]
                      vocab_size=int(vocab_size), segmenter=meta["segmenter"], na_reasons=na,
                      **arrays)  # type: ignore[arg-type]

    def put(self, key: str, c: Counts) -> None:
        """Store counts atomically (best effort: a cache that cannot be written is skipped)."""
        if not key:
            return
        p = self.path_of(key)
        data = encode_entry(key, c)
        tmp = p.with_name(f".{p.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            try:
                f = open(tmp, "wb")  # noqa: SIM115 - closed below
            except FileNotFoundError:  # the entry's directory does not exist (yet, or any more)
                p.parent.mkdir(parents=True, exist_ok=True)
                f = open(tmp, "wb")  # noqa: SIM115
            with f:
                f.write(data)
            os.replace(tmp, p)
        except OSError as e:
            log.warning("tokeff cache: cannot write %s (%s); continuing without it", p,
                        e.strerror)
            try:
                tmp.unlink()
            except OSError:
                pass
            return
        self._bump("writes")
        self._account(len(data))

    def _account(self, added: int) -> None:
        """Keep the entries under ``max_bytes``: past it, remove the least recently used
        (oldest modification time; a hit touches its entry) down to 90 % of the cap."""
        with self._lock:
            if self._size is None:
                self._size = sum(size for _, size, _ in self._scan())
            else:
                self._size += added
            if self.max_bytes <= 0 or self._size <= self.max_bytes:
                return
            files = sorted(self._scan(), key=lambda e: e[2])
            target = int(self.max_bytes * 0.9)
            size = sum(sz for _, sz, _ in files)
            for path, sz, _ in files:
                if size <= target:
                    break
                try:
                    path.unlink()
                except OSError:
                    continue
                size -= sz
                self.evicted += 1
            self._size = size

    def _scan(self) -> list[tuple[Path, int, float]]:
        out = []
        for f in self.entries():
            try:
                st = f.stat()
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                out.append((f, st.st_size, st.st_mtime))
        return out

    def entries(self) -> list[Path]:
        """The entry files (a directory where an entry should be is not an entry)."""
        if not self.dir.is_dir():
            return []
        return sorted(p for p in self.dir.glob(f"*/*{_SUFFIX}") if not p.is_dir())

    def info(self) -> dict[str, Any]:
        """Location, number of entries, their total size and the size cap."""
        files = self._scan()
        return {"path": str(self.root), "entries": len(files),
                "bytes": sum(sz for _, sz, _ in files), "cap": self.max_bytes,
                "format": FORMAT_VERSION, "tokeff": __version__}

    def clear(self) -> int:
        """Remove every entry (and leftovers of interrupted writes); returns entries removed."""
        n = len(self.entries())
        if self.root.is_dir():
            for sub in self.root.glob("counts-v*"):
                shutil.rmtree(sub, ignore_errors=True)
        return n


_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": 1 << 20,
          "mb": 1 << 20, "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30}
DEFAULT_MAX_BYTES = 1 << 30


def parse_size(text: str) -> int:
    """``"500MB"``, ``"2 GiB"``, ``"0"`` (no cap) -> bytes (binary units either way)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", text)
    if not m or m.group(2).lower() not in _UNITS:
        raise UsageError(f"a cache size is a number with an optional unit (e.g. 500MB, 2GB), "
                         f"not {text!r}")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def max_bytes_from_env() -> int:
    env = os.environ.get("TOKEFF_CACHE_MAX", "").strip()
    if not env:
        return DEFAULT_MAX_BYTES
    try:
        return parse_size(env)
    except UsageError as e:
        raise UsageError(f"TOKEFF_CACHE_MAX: {e}") from None


def resolve_cache(cache: Any) -> CountCache | None:
    """``cache=`` of :func:`tokeff.measure`: True (the default location), False (off), a
    directory, a :class:`CountCache`, or None: on, unless ``$TOKEFF_CACHE`` is 0/false/no/off
    (a directory there is used instead of the default location)."""
    if cache is None:
        env = os.environ.get("TOKEFF_CACHE", "").strip()
        if env.lower() in ("0", "false", "no", "off"):
            return None
        cache = True if env.lower() in ("", "1", "true", "yes", "on") else env
    if cache is False:
        return None
    if cache is True:
        return CountCache()
    if isinstance(cache, CountCache):
        return cache
    if isinstance(cache, (str, os.PathLike)):
        return CountCache(cache)
    raise UsageError(f"cache must be True, False, a directory or a CountCache, not {cache!r}")


#: Caches besides the counts that tokeff keeps under the same directory; each can be rebuilt
#: from its source, so ``tokeff cache clear`` removes them too.
OTHER_CACHES = {"vocab": "parsed vocabularies (bytes -> id tables)",
                "hashes": "content hashes of tokenizer files, by file identity",
                "descriptors": "what identifies each catalogue tokenizer, known without loading",
                "langs": "language codes resolved from other spellings (langcodes not imported)"}


def other_caches(path: str | os.PathLike | None = None) -> dict[str, dict[str, Any]]:
    """Files and bytes of every other cache under the cache directory (:data:`OTHER_CACHES`)."""
    root = Path(path).expanduser() if path is not None else default_dir()
    out: dict[str, dict[str, Any]] = {}
    for name, what in OTHER_CACHES.items():
        files = [f for f in (root / name).rglob("*") if f.is_file()] if (root / name).is_dir() \
            else []
        out[name] = {"what": what, "files": len(files),
                     "bytes": sum(f.stat().st_size for f in files)}
    return out


def clear_other_caches(path: str | os.PathLike | None = None) -> int:
    """Remove the other caches (:data:`OTHER_CACHES`); returns the number of files removed."""
    root = Path(path).expanduser() if path is not None else default_dir()
    n = sum(c["files"] for c in other_caches(root).values())
    for name in OTHER_CACHES:
        shutil.rmtree(root / name, ignore_errors=True)
    return n


def clear(path: str | os.PathLike | None = None) -> int:
    """Remove every cached count (at ``path`` or the default location); returns how many.

    >>> import tokeff.counting.cache
    >>> tokeff.counting.cache.clear()  # doctest: +SKIP
    """
    return CountCache(path).clear()


def info(path: str | os.PathLike | None = None) -> dict[str, Any]:
    """Where the cache is, how many entries it holds and their size in bytes."""
    return CountCache(path).info()
