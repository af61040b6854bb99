"""The word-segmentation helper process (see :mod:`tokeff.counting.segproc`).

Reads ``(lang, texts, segmenter)`` requests from stdin and answers each with ``("ok",
LangText without its texts)`` or ``("error", exception)`` (``("error", (type name, message))``
when the exception cannot be pickled), until stdin is closed.
"""

from __future__ import annotations

import os
import pickle
import sys

from .kernel import prepare_text
from .segproc import read_message, write_message


def main() -> int:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # anything a segmenter prints must not corrupt the pipe
    while True:
        try:
            lang, texts, segmenter = read_message(stdin)  # type: ignore[misc]
        except EOFError:
            # No more requests: leave at once. A normal exit would first free the segmenter's
            # dictionary object by object (0.2-0.5 s for jieba's), while the main process
            # waits for this process to end; every reply has already been flushed.
            stdout.flush()
            os._exit(0)
        try:
            lt = prepare_text(lang, texts, segmenter)
            lt.texts = []
            reply: tuple[str, object] = ("ok", lt)
        except Exception as e:  # noqa: BLE001 - every error goes back to the main process
            try:
                pickle.loads(pickle.dumps(e))
                reply = ("error", e)
            except Exception:  # noqa: BLE001 - an exception that does not survive pickling
                reply = ("error", (type(e).__name__, str(e)))
        write_message(stdout, reply)


if __name__ == "__main__":
    raise SystemExit(main())
