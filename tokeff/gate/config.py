"""The check configuration: ``[tool.tokeff.check]`` in ``pyproject.toml`` or ``[check]`` in
``tokeff.toml``, found from the working directory upwards."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from .thresholds import Threshold, thresholds_from_mapping


@dataclass
class CheckConfig:
    """``[tool.tokeff.check]`` in ``pyproject.toml`` or ``[check]`` in ``tokeff.toml``.

    Keys: ``baseline``, ``tokenizer``, ``corpus`` (paths relative to the config file),
    ``format`` (markdown|json), ``top`` (segments shown per language), and the threshold tables
    ``max-increase`` / ``max-decrease`` mapping ``METRIC[@LANG]`` to a limit (``"1%"`` relative,
    ``0.02`` absolute).
    """

    path: str | None = None
    baseline: str | None = None
    tokenizer: str | None = None
    corpus: str | None = None
    format: str | None = None
    top: int | None = None
    thresholds: list[Threshold] = field(default_factory=list)


_CONFIG_KEYS = {"baseline", "tokenizer", "corpus", "format", "top", "max-increase",
                "max-decrease", "max_increase", "max_decrease"}


def _toml_load(path: Path) -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"{path} is not valid TOML: {e}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read {path}: {e}") from None


def _rebase(value: str, base: Path, *, tokenizer: bool = False) -> str:
    """A path from a config file, taken relative to the file's directory when it exists there
    (tokenizer specs keep their ``hf:``/``spm:``/``tiktoken:`` prefix and ``?options``)."""
    prefix, body = "", value
    if tokenizer:
        kind, sep, rest = value.partition(":")
        if sep and kind in ("hf", "spm", "tiktoken"):
            prefix, body = kind + ":", rest
    path, q, query = body.partition("?")
    if not path or Path(path).is_absolute() or not (base / path).exists():
        return value
    return prefix + str(base / path) + q + query


def load_config(path: str | os.PathLike | None = None, *,
                start: str | os.PathLike | None = None) -> CheckConfig:
    """Read the check configuration: ``path`` if given, else the first ``tokeff.toml`` (table
    ``[check]``) or ``pyproject.toml`` with ``[tool.tokeff.check]`` found from ``start`` (the
    working directory) upwards. No file: an empty config."""
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise UsageError(f"config file not found: {p}")
        candidates = [p]
    else:
        here = Path(start or Path.cwd()).resolve()
        candidates = []
        for d in (here, *here.parents):
            candidates += [d / "tokeff.toml", d / "pyproject.toml"]
    for p in candidates:
        if not p.is_file():
            continue
        data = _toml_load(p)
        if p.name == "pyproject.toml":
            table = data.get("tool", {}).get("tokeff", {}).get("check")
            where = f"{p} [tool.tokeff.check]"
        else:
            table = data.get("check", data.get("tool", {}).get("tokeff", {}).get("check"))
            where = f"{p} [check]"
        if table is None:
            if path is not None:
                raise UsageError(f"{p} has no [tool.tokeff.check] (pyproject.toml) or [check] "
                                 f"(tokeff.toml) table")
            continue
        return _config_from_table(table, p, where)
    return CheckConfig()


def _config_from_table(table: Mapping, p: Path, where: str) -> CheckConfig:
    if not isinstance(table, Mapping):
        raise UsageError(f"{where} must be a table")
    unknown = sorted(set(table) - _CONFIG_KEYS)
    if unknown:
        raise UsageError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: "
                         f"{', '.join(sorted(_CONFIG_KEYS - {'max_increase', 'max_decrease'}))}")
    base = p.parent
    cfg = CheckConfig(path=str(p))
    for key in ("baseline", "tokenizer", "corpus", "format"):
        v = table.get(key)
        if v is not None and not isinstance(v, str):
            raise UsageError(f"{where}: {key} must be a string, not {type(v).__name__}")
    if table.get("baseline"):
        cfg.baseline = str(base / table["baseline"]) if not Path(table["baseline"]).is_absolute() \
            else table["baseline"]
    if table.get("tokenizer"):
        cfg.tokenizer = _rebase(table["tokenizer"], base, tokenizer=True)
    if table.get("corpus"):
        cfg.corpus = _rebase(table["corpus"], base)
    if table.get("format"):
        if table["format"] not in ("markdown", "json"):
            raise UsageError(f"{where}: format must be markdown or json")
        cfg.format = table["format"]
    if "top" in table:
        if not isinstance(table["top"], int) or isinstance(table["top"], bool) or table["top"] < 0:
            raise UsageError(f"{where}: top must be a whole number >= 0")
        cfg.top = table["top"]
    cfg.thresholds = thresholds_from_mapping(
        {k: v for k, v in table.items() if k.startswith("max")}, source=where)
    return cfg
