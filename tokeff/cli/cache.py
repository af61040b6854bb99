"""``tokeff cache info|clear``: every cache tokeff keeps (counts, parsed vocabularies, file
hashes), all under one directory."""

from __future__ import annotations

import json
from typing import Any

from ._common import EXIT_OK, write_output


def add_command(sub, add_selection) -> tuple[str, Any]:
    p = sub.add_parser("cache", help="show or clear tokeff's on-disk caches",
                       description="Show (info) or clear (clear) tokeff's on-disk caches: "
                                   "per-segment counts, parsed vocabularies and tokenizer "
                                   "file hashes. Everything in them is rebuilt when needed. "
                                   "Example: tokeff cache info")
    p.add_argument("action", choices=("info", "clear"))
    p.add_argument("--dir", default=None,
                   help="cache directory (default: $TOKEFF_CACHE_DIR or ~/.cache/tokeff)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    return "cache", cmd_cache


def cmd_cache(args) -> int:
    from ..counting.cache import OTHER_CACHES, CountCache, clear_other_caches, other_caches

    c = CountCache(args.dir)
    if args.action == "clear":
        others = other_caches(c.root)
        result: dict[str, Any] = {"path": str(c.root), "removed": c.clear(),
                                  "other_removed": clear_other_caches(c.root)}
        rows = {"path": result["path"], "removed": f"{result['removed']} count entries"}
        for name, o in others.items():
            rows[name] = f"{o['files']} file(s) removed ({o['what']})"
    else:
        result = c.info()
        result["other"] = other_caches(c.root)
        rows = {k: v for k, v in result.items() if k != "other"}
        rows["bytes"] = f"{result['bytes']} (cap {result['cap']})"
        rows.pop("cap")
        for name, o in result["other"].items():
            rows[name] = f"{o['files']} file(s), {o['bytes']} bytes: {o['what']}"
    if args.format == "json":
        write_output(json.dumps(result, indent=1), None)
    else:  # the counts, then the other caches, each block aligned on its own
        blocks = [{k: v for k, v in rows.items() if k not in OTHER_CACHES},
                  {k: v for k, v in rows.items() if k in OTHER_CACHES}]
        write_output("\n\n".join("\n".join(f"{k.ljust(max(map(len, b)))}  {v}"
                                           for k, v in b.items()) for b in blocks if b), None)
    return EXIT_OK
