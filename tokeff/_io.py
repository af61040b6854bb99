"""Writing files whole or not at all."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from .errors import TokeffError


def atomic_write(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` through a temporary file in the same
    directory renamed into place, so readers never see a half-written file and a failure leaves
    neither a partial file nor the temporary one. Errors are :class:`TokeffError` naming the file.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise TokeffError(f"cannot write {target}: directory {directory} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as e:
        raise TokeffError(f"cannot write {target}: {e.strerror}") from None
    try:
        # mkstemp creates 0600; give the file the permissions a plain open() would (umask).
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, target)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise TokeffError(f"cannot write {target}: {e.strerror or e}") from None
        raise
    return target


def user_cache_dir() -> Path:
    """tokeff's cache directory: ``$TOKEFF_CACHE_DIR``, else ``$XDG_CACHE_HOME/tokeff``, else
    ``~/.cache/tokeff`` (shared by the count cache and the parsed-vocabulary cache)."""
    env = os.environ.get("TOKEFF_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "tokeff"


def write_output(text: str, output: str | os.PathLike[str] | None) -> None:
    """Write to stdout (``output`` None or ``-``), or to a file atomically (see
    :func:`atomic_write`); a final newline is added when missing."""
    if not output or output == "-":
        sys.stdout.write(text)
        if not text.endswith("\n"):
            sys.stdout.write("\n")
        sys.stdout.flush()
        return
    atomic_write(output, text if text.endswith("\n") else text + "\n")
