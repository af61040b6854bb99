"""``tokeff list``: the tokenizers, corpora, segmenters and metrics tokeff knows."""

from __future__ import annotations

import argparse
import json

from ._common import EXIT_OK, write_output


def add_command(sub, add_selection) -> tuple[str, object]:
    p = sub.add_parser("list", help="list tokenizers, corpora, segmenters or metrics",
                       description="List what tokeff knows. Example: tokeff list tokenizers "
                                   "--origin CN")
    p.add_argument("what", choices=("tokenizers", "corpora", "segmenters", "metrics"))
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--origin", default=None,
                   help="tokenizers only: a group or origin (cn, foreign, US, ...)")
    return "list", cmd_list


def cmd_list(args: argparse.Namespace) -> int:
    rows: list[dict]
    if args.what == "tokenizers":
        rows = _list_tokenizers(args.origin)
    elif args.what == "corpora":
        from ..corpora import CORPORA

        rows = [{"name": n} for n in CORPORA.names()]
    elif args.what == "segmenters":
        from ..segmenters import DEFAULT_SEGMENTERS, SEGMENTER_INFO, SEGMENTERS, missing_dependency

        rows = []
        for n in SEGMENTERS.names():
            info = SEGMENTER_INFO.get(n)
            default_for = ", ".join(sorted(k for k, v in DEFAULT_SEGMENTERS.items() if v == n))
            if n == "unicode-words":
                default_for = ", ".join(filter(None, [default_for, "space-delimited scripts"]))
            rows.append({"name": n, "default_for": default_for,
                         "extra": (info.extra or "core") if info else "",
                         "installed": missing_dependency(n) is None,
                         "description": info.description if info else ""})
    else:
        from ..metrics import METRICS

        rows = [{"name": m.name, "unit": m.unit, "better": m.direction, "kind": m.kind,
                 "description": m.description} for m in METRICS.values()]
    if args.format == "json":
        write_output(json.dumps(rows, ensure_ascii=False, indent=1), None)
    else:
        write_output(_table(rows), None)
    return EXIT_OK


def _list_tokenizers(group: str | None) -> list[dict]:
    from ..tokenizers import _ensure_catalogue
    from ..tokenizers.catalogue import catalogue, select

    _ensure_catalogue()
    keep = set(select(group)) if group else None
    rows = []
    for e in catalogue():
        if keep is not None and e.name not in keep:
            continue
        available = e.is_available()
        rows.append({"name": e.name, "developer": e.developer, "origin": e.origin,
                     "vocab_size": e.vocab_size, "backend": e.backend,
                     "available": available, "default": e.default,
                     "verified": "less" if e.less_verified else "yes",
                     "aliases": ", ".join(e.aliases),
                     "install": "" if available else e.install_step(short=True)})
    return rows


def _table(rows: list[dict]) -> str:
    if not rows:
        return "(none)"
    cols = list(rows[0])
    cells = [[str(r.get(c, "")) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)
