"""A second core for the count-only path: a helper process running the same bpe-openai counter.

bpe-openai's ``count`` holds the GIL, so threads cannot count two texts at once in one process;
on a machine with a core to spare, a large block is split in two and the first part is counted
by a small helper process (started on first need, from the very extension file this process
verified and loaded) while this process counts the rest. Same library file, same function, same
text: the same numbers (``tests/test_fastcount.py`` checks it).

The helper starts only when the counting asked of this process is large enough to pay for its
start (:data:`START_CHARS`), in the main process (not in worker processes, whose pool already
uses the cores), with at least two CPUs, and unless ``TOKEFF_COUNT_HELPER=0``. While it starts,
or while another thread uses it, texts are counted here. Anything going wrong with it (it died,
a pipe broke) turns it off for the rest of the process and the texts are counted here.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import struct
import subprocess
import sys
import threading
from array import array
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger("tokeff.fastcount")

#: Environment variable: ``0`` keeps all counting in this process.
ENV = "TOKEFF_COUNT_HELPER"
#: Characters counted by this process before a helper is started (about 0.1 s of counting;
#: the start costs about 0.1 s of the other core).
START_CHARS = 1_000_000
#: A block shorter than this is counted here whole (the round trip would not pay).
SPLIT_CHARS = 20_000

# Run by ``python -I -S -c``: no site, no tokeff, no numpy; only the extension file. Protocol,
# little-endian: request = n, bytes (two u64), n u64 character lengths, the UTF-8 text of the n
# texts joined; reply = n i64 counts. End of input: exit.
_HELPER = r"""
import importlib.machinery, importlib.util, struct, sys
from array import array
path, encoding = sys.argv[1], sys.argv[2]
loader = importlib.machinery.ExtensionFileLoader("bpe_openai._bindings", path)
spec = importlib.util.spec_from_file_location("bpe_openai._bindings", path, loader=loader)
count = importlib.util.module_from_spec(spec).tokenizer_for_encoding(encoding).count
inp, out = sys.stdin.buffer, sys.stdout.buffer
out.write(b"R")
out.flush()
little = sys.byteorder == "little"
while True:
    head = inp.read(16)
    if len(head) < 16:
        break
    n, size = struct.unpack("<QQ", head)
    lens = array("Q")
    lens.frombytes(inp.read(8 * n))
    text = inp.read(size).decode("utf-8")
    if not little:
        lens.byteswap()
    texts = []
    pos = 0
    for k in lens:
        texts.append(text[pos:pos + k])
        pos += k
    res = array("q", map(count, texts))
    if not little:
        res.byteswap()
    out.write(res.tobytes())
    out.flush()
"""


def enabled() -> bool:
    """Whether a helper may be used (``TOKEFF_COUNT_HELPER`` is not ``0``)."""
    return os.environ.get(ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class CountHelper:
    """One helper process for one encoding of one extension file (see the module docstring)."""

    def __init__(self, bindings_path: Path, encoding: str):
        self.path = bindings_path
        self.encoding = encoding
        self._lock = threading.Lock()  # one request at a time
        self._ready = threading.Event()
        self._proc: subprocess.Popen | None = None
        self._broken = False
        self._chars = 0  # characters counted here so far (decides the start)
        self.served = 0  # requests the helper answered

    def wanted(self) -> bool:
        return not self._broken and enabled() and _cpus() >= 2 and \
            multiprocessing.parent_process() is None

    def count(self, texts: Sequence[str], count_here) -> np.ndarray | None:
        """Counts of ``texts`` with the helper taking the first part, or None when the helper
        is not used for this call (the caller counts them all). ``count_here(texts)`` counts
        a list in this process."""
        chars = sum(map(len, texts))
        self._chars += chars
        if chars < SPLIT_CHARS or self._broken:
            return None
        if self._proc is None:
            if self._chars < START_CHARS or not self.wanted():
                return None
            self._start()
            return None
        if not self._ready.is_set() or not self._lock.acquire(blocking=False):
            return None
        try:
            # The helper has less to do per text than this process (no numpy, no caller),
            # but starts late; halves keep both busy until the end of the block.
            half = _split_at(texts, chars // 2)
            try:
                sent = self._send(texts[:half])
            except UnicodeEncodeError:  # lone surrogates: counted here, as the caller does
                return None
            if not sent:
                return None
            rest = count_here(texts[half:])
            first = self._receive(half)
            if first is None:
                first = count_here(texts[:half])
            else:
                self.served += 1
            return np.concatenate([first, np.asarray(rest, dtype=np.int64)])
        finally:
            self._lock.release()

    def _start(self) -> None:
        with self._lock:
            if self._proc is not None or self._broken:
                return
            try:
                self._proc = subprocess.Popen(
                    [sys.executable, "-I", "-S", "-c", _HELPER, str(self.path), self.encoding],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            except OSError as e:
                log.debug("count helper not started: %s", e)
                self._broken = True
                return
            atexit.register(self.close)
            threading.Thread(target=self._wait_ready, name="tokeff-count-helper",
                             daemon=True).start()

    def _wait_ready(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        try:
            ok = proc.stdout.read(1) == b"R"
        except (OSError, ValueError):
            ok = False
        if ok:
            self._ready.set()
        else:
            self._fail("it did not start")

    def _send(self, texts: Sequence[str]) -> bool:
        data = "".join(texts).encode("utf-8")
        lens = array("Q", map(len, texts))
        if sys.byteorder != "little":  # pragma: no cover - big-endian machines
            lens.byteswap()
        proc = self._proc
        assert proc is not None and proc.stdin is not None
        try:
            proc.stdin.write(struct.pack("<QQ", len(texts), len(data)) + lens.tobytes())
            proc.stdin.write(data)
            proc.stdin.flush()
        except (OSError, ValueError) as e:
            self._fail(f"cannot send ({e})")
            return False
        return True

    def _receive(self, n: int) -> np.ndarray | None:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        try:
            data = proc.stdout.read(8 * n)
        except (OSError, ValueError) as e:
            self._fail(f"cannot read ({e})")
            return None
        if len(data) != 8 * n:
            self._fail("it stopped")
            return None
        return np.frombuffer(data, dtype="<i8").astype(np.int64)

    def _fail(self, why: str) -> None:
        log.debug("count helper for %s off: %s", self.encoding, why)
        self._broken = True
        self._ready.clear()
        self.close()

    def close(self) -> None:
        """Stop the helper (it exits at the end of its input)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait(timeout=5)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        finally:
            if proc.stdout is not None:
                proc.stdout.close()


def _split_at(texts: Sequence[str], chars: int) -> int:
    """Index where the first ``chars`` characters of ``texts`` end (at least 1)."""
    total = 0
    for i, t in enumerate(texts):
        total += len(t)
        if total >= chars:
            return max(1, i + 1)
    return max(1, len(texts))
