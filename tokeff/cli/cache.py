"""``tokeff cache info|clear``: the on-disk cache of counts."""

from __future__ import annotations

import json
from typing import Any

from ..counting.cache import CountCache
from ._common import EXIT_OK, write_output


def add_command(sub, add_selection) -> tuple[str, Any]:
    p = sub.add_parser("cache", help="show or clear the on-disk cache of counts",
                       description="Show (info) or clear the on-disk cache of per-segment "
                                   "counts. Example: tokeff cache info")
    p.add_argument("action", choices=("info", "clear"))
    p.add_argument("--dir", default=None,
                   help="cache directory (default: $TOKEFF_CACHE_DIR or ~/.cache/tokeff)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    return "cache", cmd_cache


def cmd_cache(args) -> int:
    c = CountCache(args.dir)
    if args.action == "clear":
        n = c.clear()
        result: dict[str, Any] = {"path": str(c.root), "removed": n}
    else:
        result = c.info()
    if args.format == "json":
        write_output(json.dumps(result, indent=1), None)
    else:
        width = max(map(len, result))
        write_output("\n".join(f"{k.ljust(width)}  {v}" for k, v in result.items()), None)
    return EXIT_OK
