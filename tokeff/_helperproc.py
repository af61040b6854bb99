"""Starting a tokeff helper process: ``python -m <module>`` with this process's tokeff.

Helpers are plain subprocesses talking over their pipes, not :mod:`multiprocessing`: its
``spawn`` and ``forkserver`` methods import the user's ``__main__`` again (a script without an
``if __name__ == "__main__"`` guard would run twice), and ``fork`` is unsafe in a process that
already runs threads. Used by the word-segmentation helpers (``counting/segproc.py``) and the
bootstrap's (``resample.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import IO


def start_helper(module: str, *, stderr: int | IO[bytes] | None = None
                 ) -> subprocess.Popen[bytes]:
    """``python -m module`` with pipes on stdin and stdout, importing the tokeff this process
    runs, wherever it was imported from. Raises ``OSError`` when the interpreter cannot be started (also when an embedding
    application leaves ``sys.executable`` empty)."""
    import tokeff

    if not sys.executable:
        raise OSError(f"cannot start a helper process for {module}: sys.executable is empty")

    root = str(Path(tokeff.__file__).resolve().parent.parent)
    full = dict(os.environ)
    full["PYTHONPATH"] = root + (os.pathsep + full["PYTHONPATH"]
                                 if full.get("PYTHONPATH") else "")
    return subprocess.Popen([sys.executable, "-m", module], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=stderr, env=full)


def stop_helper(proc: subprocess.Popen[bytes], *, timeout: float, kill: bool = False) -> None:
    """End a helper and reap it: kill it at once (``kill``), or close its input (a helper exits
    when its requests end) and kill it if it has not exited within ``timeout`` seconds; then
    close its pipes."""
    if proc.poll() is None:
        if kill:
            proc.kill()
        else:
            try:
                assert proc.stdin is not None
                proc.stdin.close()  # end of requests: the helper exits
            except OSError:
                pass
        try:
            proc.wait(timeout=None if kill else timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for s in (proc.stdin, proc.stdout):
        try:
            if s is not None:
                s.close()
        except OSError:
            pass
