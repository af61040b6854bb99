"""Giving freed memory back to the operating system.

A tokenizer's load parses its whole vocabulary file and frees what the parser allocated once
the tokenizer is built (measured for glm-4's ``tokenizer.json``, 318k merges: the process is
242 MB resident after the load, 86 MB once that memory is returned), and a tokenizer unloaded
after counting frees its own tables. glibc's allocator keeps such freed memory in the process
instead of returning it (the heap is fragmented by whatever is still alive), so the process
stays as large as its largest moment: measured on the default ``tokeff compare``, the main
process held 441 MB after unloading its eight tokenizers, 109 MB when each unload was followed
by :func:`release_free_memory`. ``malloc_trim(0)`` returns the free pages;
it costs milliseconds. Other C libraries (macOS, musl, Windows) return memory their own way, and
the call is skipped there.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

_trim: Any = None


def release_free_memory() -> None:
    """Return the heap's free pages to the operating system (glibc only; a no-op elsewhere)."""
    global _trim
    if _trim is None:
        _trim = False
        if sys.platform.startswith("linux"):
            try:
                # The symbols already loaded into this process (libc among them); not
                # ctypes.util.find_library, which starts a subprocess.
                _trim = ctypes.CDLL(None).malloc_trim  # absent from musl: AttributeError
                _trim.argtypes = [ctypes.c_size_t]
                _trim.restype = ctypes.c_int
            except (OSError, AttributeError):
                _trim = False
    if _trim:
        _trim(0)
