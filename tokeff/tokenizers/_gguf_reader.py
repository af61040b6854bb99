"""Read the tokenizer metadata of a GGUF file (llama.cpp's model format) without its weights.

A GGUF file is a header, a key-value metadata section, tensor descriptions and then the tensor
data. The tokenizer lives entirely in the metadata (``tokenizer.ggml.*`` keys), which comes first:
the file is memory-mapped and only the pages of the metadata section are touched, so the
tokenizer of a multi-GB model loads as fast as that of a vocabulary-only file.

Why not ``gguf.GGUFReader`` (the reference reader of the ``gguf`` package)? It builds a numpy
view per array element and parses the tensor table too: 3-43 s for llama.cpp's vocabulary-only
files (262,144 tokens + 514,906 merges for Gemma-4), and importing the package costs ~0.6 s.
This reader decodes the same format (little-endian GGUF v2/v3; the value-type codes are
``gguf.GGUFValueType``'s) in a few hundred milliseconds; the tests check it against
``gguf.GGUFReader`` key by key.
"""

from __future__ import annotations

import mmap
import struct
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import TokenizerError

GGUF_MAGIC = b"GGUF"
# gguf.GGUFValueType codes -> (struct format, numpy dtype) of fixed-size scalars.
_SCALARS: dict[int, tuple[str, str]] = {
    0: ("<B", "<u1"), 1: ("<b", "<i1"), 2: ("<H", "<u2"), 3: ("<h", "<i2"),
    4: ("<I", "<u4"), 5: ("<i", "<i4"), 6: ("<f", "<f4"), 7: ("<?", "?"),
    10: ("<Q", "<u8"), 11: ("<q", "<i8"), 12: ("<d", "<f8"),
}
_STRING, _ARRAY = 8, 9
_U64 = struct.Struct("<Q")
_U32 = struct.Struct("<I")


class _Cursor:
    """Sequential little-endian reads over a buffer, with errors naming the file and offset."""

    def __init__(self, buf: Any, path: Path):
        self.buf = buf
        self.pos = 0
        self.path = path
        self.size = len(buf)

    def fail(self, what: str) -> TokenizerError:
        return TokenizerError(f"{self.path}: not a valid GGUF file ({what} at byte {self.pos}). "
                              "Fix: re-download or re-convert the model.")

    def need(self, n: int) -> None:
        if n < 0 or self.pos + n > self.size:
            raise self.fail("truncated metadata")

    def u32(self) -> int:
        self.need(4)
        (v,) = _U32.unpack_from(self.buf, self.pos)
        self.pos += 4
        return v

    def u64(self) -> int:
        self.need(8)
        (v,) = _U64.unpack_from(self.buf, self.pos)
        self.pos += 8
        return v

    def raw_str(self) -> bytes:
        n = self.u64()
        self.need(n)
        s = self.buf[self.pos:self.pos + n]
        self.pos += n
        return bytes(s)

    def value(self, vtype: int) -> Any:
        if vtype == _STRING:
            return self.raw_str().decode("utf-8", errors="surrogateescape")
        if vtype == _ARRAY:
            return self.array()
        spec = _SCALARS.get(vtype)
        if spec is None:
            raise self.fail(f"unknown value type {vtype}")
        fmt, _ = spec
        size = struct.calcsize(fmt)
        self.need(size)
        (v,) = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return v

    def array(self) -> Any:
        etype = self.u32()
        n = self.u64()
        if etype == _STRING:
            return self.str_array(n)
        if etype == _ARRAY:
            return [self.array() for _ in range(n)]
        spec = _SCALARS.get(etype)
        if spec is None:
            raise self.fail(f"unknown array element type {etype}")
        dt = np.dtype(spec[1])
        self.need(n * dt.itemsize)
        # A copy: the arrays must outlive the mapping (a few MB at most for tokenizer data).
        out = np.frombuffer(self.buf, dtype=dt, count=n, offset=self.pos).copy()
        self.pos += n * dt.itemsize
        return out

    def str_array(self, n: int) -> list[str]:
        buf, pos, size = self.buf, self.pos, self.size
        unpack = _U64.unpack_from
        out: list[str] = []
        append = out.append
        for _ in range(n):
            if pos + 8 > size:
                self.pos = pos
                raise self.fail("truncated string array")
            (ln,) = unpack(buf, pos)
            pos += 8
            end = pos + ln
            if end > size:
                self.pos = pos
                raise self.fail("truncated string array")
            # surrogateescape keeps the exact bytes of a token that is not valid UTF-8
            append(str(buf[pos:end], "utf-8", "surrogateescape"))
            pos = end
        self.pos = pos
        return out


def read_metadata(path: str | Path, *, prefixes: tuple[str, ...] = ("tokenizer.", "general.")
                  ) -> dict[str, Any]:
    """The metadata of a GGUF file whose keys start with one of ``prefixes`` (other values are
    skipped without being decoded). String arrays come back as ``list[str]``, numeric arrays as
    numpy arrays. Tensor data is never read.

    Raises :class:`TokenizerError` for a missing file, a file that is not GGUF, a big-endian or
    unsupported GGUF version, or truncated metadata.
    """
    path = Path(path)
    try:
        with open(path, "rb") as f:
            try:
                mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            except (ValueError, OSError) as e:  # empty file, or not mappable
                raise TokenizerError(f"{path}: not a GGUF file ({e})") from None
    except OSError as e:
        raise TokenizerError(f"cannot open GGUF file {path}: {e.strerror}") from None
    try:
        return _parse(mm, path, prefixes)
    finally:
        mm.close()


def _parse(mm: mmap.mmap, path: Path, prefixes: tuple[str, ...]) -> dict[str, Any]:
    cur = _Cursor(memoryview(mm), path)
    try:
        if mm[:4] != GGUF_MAGIC:
            raise TokenizerError(f"{path}: not a GGUF file (starts with {bytes(mm[:4])!r}, "
                                 f"expected {GGUF_MAGIC!r})")
        cur.pos = 4
        version = cur.u32()
        if version & 0xFFFF == 0 and version != 0:
            raise TokenizerError(f"{path}: big-endian GGUF files are not supported")
        if version not in (2, 3):
            raise TokenizerError(f"{path}: GGUF version {version} is not supported (2 and 3 are)")
        cur.u64()  # tensor count: the tensors are never read
        n_kv = cur.u64()
        out: dict[str, Any] = {"GGUF.version": version}
        for _ in range(n_kv):
            key = cur.raw_str().decode("utf-8", errors="replace")
            vtype = cur.u32()
            if key.startswith(prefixes):
                out[key] = cur.value(vtype)
            else:
                _skip(cur, vtype)
        return out
    finally:
        cur.buf.release()


def _skip(cur: _Cursor, vtype: int) -> None:
    """Move past a value without decoding it (chat templates, architecture hyper-parameters)."""
    if vtype == _STRING:
        n = cur.u64()
        cur.need(n)
        cur.pos += n
    elif vtype == _ARRAY:
        etype = cur.u32()
        n = cur.u64()
        if etype in _SCALARS:
            size = struct.calcsize(_SCALARS[etype][0]) * n
            cur.need(size)
            cur.pos += size
        else:
            for _ in range(n):
                _skip(cur, etype)
    elif vtype in _SCALARS:
        size = struct.calcsize(_SCALARS[vtype][0])
        cur.need(size)
        cur.pos += size
    else:
        raise cur.fail(f"unknown value type {vtype}")

