"""tokeff._memory: freed heap memory goes back to the system (glibc), a no-op elsewhere."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tokeff import _memory


def _rss() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096


def test_freed_heap_memory_is_returned():
    _memory.release_free_memory()
    if not _memory._trim:
        pytest.skip(f"no glibc malloc_trim on {sys.platform}: nothing to return")
    before = _rss()
    # 200 MB in malloc'd blocks (larger than Python's small-object allocator takes), one in
    # 200 kept alive: the heap cannot shrink from its top, so the freed pages stay resident.
    junk = [bytes(2000) for _ in range(100_000)]
    keep = junk[::200]
    del junk
    held = _rss() - before
    _memory.release_free_memory()
    after = _rss() - before
    assert len(keep) == 500
    assert held > 50 << 20 and after < held / 4, (held >> 20, after >> 20)


def test_it_is_safe_to_call_repeatedly():
    for _ in range(3):
        _memory.release_free_memory()
