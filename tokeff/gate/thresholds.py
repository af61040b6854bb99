"""Thresholds: how far a metric may move, in which direction, for which languages.

Written ``METRIC[@LANG]=LIMIT[%]`` on the command line (``--max-increase tokens_per_char=1%``)
or as tables ``max-increase`` / ``max-decrease`` in a config file.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..errors import UsageError
from ..langs import resolve_lang
from ..metrics import METRICS

_THRESHOLD_RE = re.compile(r"^\s*([A-Za-z_][\w]*)\s*(?:@\s*([\w\-*]+))?\s*=\s*([-+]?[0-9.eE+\-]+|[-+]?inf|nan)\s*(%?)\s*$", re.IGNORECASE)
DIRECTIONS = ("increase", "decrease")


@dataclass(frozen=True)
class Threshold:
    """How far a metric may move in one direction: ``limit`` as a fraction of the baseline value
    (``relative``) or in the metric's own unit; for one language or (``lang`` None) all.

    >>> Threshold.parse("tokens_per_char=1%")
    Threshold(metric='tokens_per_char', direction='increase', limit=0.01, relative=True, lang=None, source='flag')
    >>> str(Threshold.parse("parity@zh=0.02"))
    'max-increase parity@zho_Hans=0.02'
    """

    metric: str
    direction: str  # "increase" or "decrease"
    limit: float
    relative: bool
    lang: str | None = None
    source: str = "flag"

    @classmethod
    def parse(cls, text: str, *, direction: str = "increase", source: str = "flag") -> Threshold:
        """Parse ``METRIC[@LANG]=LIMIT[%]``: ``tokens_per_char=1%`` (relative),
        ``parity@zho_Hans=0.02`` (absolute)."""
        if direction not in DIRECTIONS:
            raise UsageError(f"threshold direction must be 'increase' or 'decrease', "
                             f"not {direction!r}")
        m = _THRESHOLD_RE.match(str(text))
        if not m:
            raise UsageError(f"bad threshold {text!r} ({source}): expected METRIC[@LANG]=LIMIT[%],"
                             f" e.g. tokens_per_char=1% or parity@zho_Hans=0.02")
        metric, lang, num, pct = m.groups()
        return cls.make(metric, num + pct, direction=direction, lang=lang, source=source)

    @classmethod
    def make(cls, metric: str, limit: str | float, *, direction: str = "increase",
             lang: str | None = None, source: str = "flag") -> Threshold:
        if metric not in METRICS:
            close = difflib.get_close_matches(metric, list(METRICS), n=2)
            hint = f" Did you mean {' or '.join(close)}?" if close else ""
            raise UsageError(f"threshold ({source}) names unknown metric {metric!r}.{hint} "
                             f"Metrics: {', '.join(METRICS)}")
        if isinstance(limit, bool) or not isinstance(limit, (int, float, str)):
            raise UsageError(f"threshold {metric} ({source}): limit must be a number or a "
                             f"percentage string like \"1%\", not {limit!r}")
        relative = False
        if isinstance(limit, str):
            s = limit.strip()
            relative = s.endswith("%")
            try:
                value = float(s[:-1] if relative else s)
            except ValueError:
                raise UsageError(f"threshold {metric} ({source}): {limit!r} is not a number or "
                                 f"a percentage like \"1%\"") from None
            if relative:
                value /= 100.0
        else:
            value = float(limit)
        if not math.isfinite(value) or value < 0:
            # Name the flag or the config key the user wrote, so they can find it.
            where = (f"--max-{direction} {metric}" if source == "flag" else
                     f"{source}: max-{direction}.{metric}")
            raise UsageError(f"threshold {where}{'@' + lang if lang else ''}={limit}: the limit "
                             f"must be a finite number >= 0 (a fraction or a percentage such "
                             f"as 1%), not {limit!r}; the direction comes from max-increase / "
                             f"max-decrease, so a negative limit is never needed")
        code = None if lang in (None, "", "*", "all") else resolve_lang(lang)
        return cls(metric, direction, value, relative, code, source)

    @property
    def key(self) -> tuple[str, str | None, str]:
        return (self.metric, self.lang, self.direction)

    def limit_text(self) -> str:
        sign = "+" if self.direction == "increase" else "-"
        return f"{sign}{self.limit * 100:g}%" if self.relative else f"{sign}{self.limit:g}"

    def __str__(self) -> str:
        where = f"@{self.lang}" if self.lang else ""
        lim = f"{self.limit * 100:g}%" if self.relative else f"{self.limit:g}"
        return f"max-{self.direction} {self.metric}{where}={lim}"

    def to_record(self) -> dict:
        return {"metric": self.metric, "lang": self.lang, "direction": self.direction,
                "limit": self.limit, "relative": self.relative, "source": self.source,
                "text": str(self)}


#: Used when neither flags nor a config file give thresholds: tokens per character may not rise
#: more than 1% in any language.
DEFAULT_THRESHOLDS: tuple[Threshold, ...] = (
    Threshold("tokens_per_char", "increase", 0.01, True, None, "default"),
)


def parse_thresholds(max_increase: Iterable[str] = (), max_decrease: Iterable[str] = (), *,
                     source: str = "flag") -> list[Threshold]:
    """Thresholds from ``--max-increase`` / ``--max-decrease`` values (each may hold several,
    comma-separated).

    >>> [str(t) for t in parse_thresholds(["tokens_per_char=1%,parity@zh=0.02"], ["chars_per_token=2%"])]
    ['max-increase tokens_per_char=1%', 'max-increase parity@zho_Hans=0.02', 'max-decrease chars_per_token=2%']
    """
    out: list[Threshold] = []
    for direction, values in (("increase", max_increase), ("decrease", max_decrease)):
        for v in values:
            for part in str(v).split(","):
                if part.strip():
                    out.append(Threshold.parse(part, direction=direction, source=source))
    return out


def thresholds_from_mapping(m: Mapping, *, source: str = "config") -> list[Threshold]:
    """Thresholds from ``{"max-increase": {"tokens_per_char": "1%", "parity@zho_Hans": 0.02},
    "max-decrease": {...}}`` (the config-file schema)."""
    out: list[Threshold] = []
    for key, table in m.items():
        direction = {"max-increase": "increase", "max_increase": "increase",
                     "max-decrease": "decrease", "max_decrease": "decrease"}.get(key)
        if direction is None:
            raise UsageError(f"{source}: unknown threshold table {key!r}; expected "
                             f"max-increase or max-decrease")
        if not isinstance(table, Mapping):
            raise UsageError(f"{source}: {key} must be a table of METRIC[@LANG] = LIMIT")
        for name, limit in table.items():
            metric, _, lang = str(name).partition("@")
            out.append(Threshold.make(metric.strip(), limit, direction=direction,
                                      lang=lang.strip() or None, source=source))
    return out


def merge_thresholds(*layers: Iterable[Threshold]) -> list[Threshold]:
    """Combine layers of thresholds, later layers overriding earlier ones for the same metric,
    language and direction (config, then flags). With no thresholds at all, the defaults."""
    merged: dict[tuple, Threshold] = {}
    for layer in layers:
        for t in layer:
            merged.pop(t.key, None)
            merged[t.key] = t
    return list(merged.values()) if merged else list(DEFAULT_THRESHOLDS)
