"""Model prices: the ``genai-prices`` database (offline, the ``prices`` extra) and the user's
own price table (TOML or CSV), which overrides it model by model.

No price is typed into tokeff. ``genai-prices`` (Pydantic's package, MIT) bundles a price
snapshot of many providers (OpenAI, DeepSeek, MiniMax, Moonshot, Mistral, Zhipu/Z.ai...) in its
wheel; tokeff reads it without network. The snapshot carries no date of its own, so a price is
identified by the package version and the date it is read for (``price_date``, default today):
several models have dated price changes, and a price is the one in force at 12:00 UTC that day
(time-of-day discounts such as DeepSeek's off-peak rate are not applied; tiered prices use their
base rate, and say so).

A price table of your own (``--prices FILE``)::

    currency = "USD"                 # optional (default USD)
    date = "2026-11-01"              # optional: when you read these prices (shown with costs)

    [[model]]
    name = "gpt-4o"
    input_per_1m = 2.5               # price per 1M input tokens
    output_per_1m = 10.0             # optional: per 1M output tokens
    tokenizer = "o200k_base"         # optional: the catalogue tokenizer the model uses
    context_window = 128000          # optional: in tokens

or CSV with a header row: ``name,input_per_1m[,output_per_1m,tokenizer,context_window]``.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "p.csv"
>>> _ = p.write_text("name,input_per_1m,output_per_1m\\nmy-model,0.5,2\\n", encoding="utf-8")
>>> book = PriceBook(load_price_table(p), use_database=False)
>>> pr = book.price("my-model")
>>> pr.input_per_1m, pr.output_per_1m, pr.source
(0.5, 2.0, 'p.csv')
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import MissingDependencyError, UsageError

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

__all__ = ["ModelPrice", "PriceBook", "PriceTable", "database_version", "load_price_table",
           "parse_date"]

FIELDS = ("name", "input_per_1m", "output_per_1m", "tokenizer", "context_window")
_REQUIRED = ("name", "input_per_1m")
_TOP = ("currency", "date", "note", "model")


@dataclass(frozen=True)
class ModelPrice:
    """The price of one model: per 1M input and output tokens, where it comes from, and the
    model's context window when the source knows it."""

    model: str
    input_per_1m: float
    output_per_1m: float | None
    currency: str
    source: str  # "genai-prices 0.2.3" or the price table's file name
    priced_as: str  # the entry that matched, e.g. "openai:gpt-4o"
    date: str  # ISO date the price is for
    context_window: int | None = None
    context_source: str = ""
    tokenizer: str | None = None  # from a user's table
    note: str = ""


@dataclass
class PriceTable:
    """A user's price table, read by :func:`load_price_table`."""

    path: str
    sha256: str
    currency: str
    date: str | None
    note: str
    entries: dict[str, dict] = field(default_factory=dict)  # lower-case name -> fields + line


def parse_date(value: object, where: str = "price_date") -> _dt.date:
    """A date from ``date``/``datetime`` objects or ``YYYY-MM-DD`` text.

    >>> parse_date("2026-11-01")
    datetime.date(2026, 11, 1)
    """
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise UsageError(f"{where} must be a date written YYYY-MM-DD (e.g. 2026-11-01), not "
                     f"{value!r}")


# -- the user's table ---------------------------------------------------------------------------

def _toml_lines(text: str) -> list[int]:
    """Line number of every ``[[model]]`` header, in order."""
    return [i for i, line in enumerate(text.splitlines(), 1)
            if re.match(r"\s*\[\[\s*model\s*\]\]", line)]


def _toml_field_line(text: str, start: int, key: str) -> int:
    lines = text.splitlines()
    for i in range(start, len(lines)):
        if re.match(r"\s*\[", lines[i]) and i + 1 != start:
            break
        if re.match(rf"\s*{re.escape(key)}\s*=", lines[i]):
            return i + 1
    return start


def _number(v: object, where: str, fld: str, *, integer: bool = False) -> float:
    bad = isinstance(v, bool)
    num: float | None = None
    if not bad:
        if isinstance(v, (int, float)):
            num = float(v)
        elif isinstance(v, str):
            try:
                num = float(v.strip().replace("_", ""))
            except ValueError:
                num = None
    if num is None or bad or not math.isfinite(num):
        unit = "a whole number of tokens" if integer else "a number, e.g. 2.5"
        raise UsageError(f"{where}, field {fld}: {v!r} is not {unit}")
    if num < 0 or (integer and (num <= 0 or not num.is_integer())):
        what = "a positive whole number of tokens" if integer else "zero or more"
        raise UsageError(f"{where}, field {fld}: {v!r} must be {what}")
    return num


def _entry(raw: dict, where: str, field_where) -> dict:
    unknown = [k for k in raw if k not in FIELDS]
    if unknown:
        raise UsageError(f"{field_where(unknown[0])}: unknown field {unknown[0]!r}; the fields "
                         f"are {', '.join(FIELDS)}")
    for k in _REQUIRED:
        if raw.get(k) in (None, ""):
            raise UsageError(f"{where}: field {k} is missing; every entry needs "
                             f"{' and '.join(_REQUIRED)}")
    name = raw["name"]
    if not isinstance(name, str) or not name.strip():
        raise UsageError(f"{field_where('name')}, field name: {name!r} is not a model name")
    out: dict = {"name": name.strip(),
                 "input_per_1m": _number(raw["input_per_1m"], field_where("input_per_1m"),
                                         "input_per_1m")}
    if raw.get("output_per_1m") not in (None, ""):
        out["output_per_1m"] = _number(raw["output_per_1m"], field_where("output_per_1m"),
                                       "output_per_1m")
    if raw.get("context_window") not in (None, ""):
        out["context_window"] = int(_number(raw["context_window"],
                                            field_where("context_window"), "context_window",
                                            integer=True))
    tok = raw.get("tokenizer")
    if tok not in (None, ""):
        if not isinstance(tok, str):
            raise UsageError(f"{field_where('tokenizer')}, field tokenizer: {tok!r} is not a "
                             f"tokenizer name")
        out["tokenizer"] = tok.strip()
    return out


def load_price_table(path: str | Path) -> PriceTable:
    """Read a price table (``.toml`` or ``.csv``); errors name the file, line and field.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "bad.csv"
    >>> _ = p.write_text("name,input_per_1m\\nm,abc\\n", encoding="utf-8")
    >>> load_price_table(p)
    Traceback (most recent call last):
    ...
    tokeff.errors.UsageError: bad.csv line 2, field input_per_1m: 'abc' is not a number, e.g. 2.5
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise UsageError(f"cannot read price table {p}: {e.strerror or e}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UsageError(f"price table {p}: invalid UTF-8 at byte offset {e.start}") from None
    name = p.name
    entries: list[tuple[dict, str]] = []
    suffix = p.suffix.lower()
    if suffix == ".toml":
        try:
            d = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise UsageError(f"price table {name} is not valid TOML: {e}") from None
        unknown = [k for k in d if k not in _TOP]
        if unknown:
            raise UsageError(f"{name}: unknown top-level key {unknown[0]!r}; expected "
                             f"{', '.join(_TOP)} (one [[model]] table per model)")
        rows = d.get("model")
        if not isinstance(rows, list) or not rows:
            raise UsageError(f"{name} has no [[model]] entries (each with name, input_per_1m "
                             f"and optionally output_per_1m, tokenizer, context_window)")
        heads = _toml_lines(text)
        for i, r in enumerate(rows):
            start = heads[i] if i < len(heads) else 1
            where = f"{name} line {start} ([[model]] entry {i + 1})"
            entries.append((_entry(r, where, lambda k, s=start, i=i: (
                f"{name} line {_toml_field_line(text, s, k)} ([[model]] entry {i + 1})")),
                where))
        currency, date, note = d.get("currency", "USD"), d.get("date"), d.get("note", "")
        if not isinstance(currency, str) or not currency.strip():
            raise UsageError(f"{name}: currency must be a label such as \"USD\", not "
                             f"{currency!r}")
        if not isinstance(note, str):
            raise UsageError(f"{name}: note must be text, not {note!r}")
    elif suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        header = reader.fieldnames or []
        if not header:
            raise UsageError(f"{name} is empty: expected a header row "
                             f"name,input_per_1m[,output_per_1m,tokenizer,context_window]")
        for h in header:
            if h not in FIELDS:
                raise UsageError(f"{name} line 1: unknown column {h!r}; the columns are "
                                 f"{', '.join(FIELDS)}")
        for k in _REQUIRED:
            if k not in header:
                raise UsageError(f"{name} line 1: column {k} is missing; the header needs "
                                 f"{' and '.join(_REQUIRED)}")
        try:
            for r in reader:
                where = f"{name} line {reader.line_num}"
                if None in r:
                    raise UsageError(f"{where}: more fields than the header has")
                entries.append((_entry(r, where, lambda k, w=where: w), where))
        except csv.Error as e:
            raise UsageError(f"{name} line {reader.line_num}: not valid CSV ({e})") from None
        currency, date, note = "USD", None, ""
    else:
        raise UsageError(f"price table {name}: must be .toml or .csv, not {p.suffix or 'none'}")
    if date is not None:
        date = parse_date(date, f"{name}: date").isoformat()
    table = PriceTable(str(p), hashlib.sha256(raw).hexdigest(), currency.strip(), date, note)
    for e, where in entries:
        key = e["name"].lower()
        if key in table.entries:
            raise UsageError(f"{where}: model {e['name']!r} is listed twice (first at "
                             f"{table.entries[key]['where']})")
        table.entries[key] = dict(e, where=where)
    if not table.entries:
        raise UsageError(f"{name} lists no model")
    return table


# -- the genai-prices database ------------------------------------------------------------------

def database_version() -> str | None:
    """The installed genai-prices version, or None (``pip install "tokeff[prices]"``)."""
    from importlib import metadata

    try:
        return metadata.version("genai-prices")
    except metadata.PackageNotFoundError:
        return None


def _price_value(v: object) -> tuple[float | None, str]:
    if v is None:
        return None, ""
    base = getattr(v, "base", None)
    if base is not None and hasattr(v, "tiers"):  # TieredPrices: the base rate
        return float(base), "tiered price: base rate used"
    return float(v), ""  # type: ignore[arg-type]


def _database_price(model: str, when: _dt.date) -> ModelPrice:
    version = database_version()
    if version is None:
        raise MissingDependencyError(f"the price of {model!r} from the genai-prices database",
                                     "genai-prices", "prices")
    from genai_prices import data_snapshot

    snap = data_snapshot.get_snapshot()
    source = f"genai-prices {version}"
    if getattr(snap, "from_auto_update", False):
        source += f" (updated {snap.timestamp:%Y-%m-%d})"
    try:
        provider, info = snap.find_provider_model(model, None, None, None)
    except LookupError as e:
        raise UsageError(f"no price for model {model!r} in {source} ({e}); give one in a price "
                         f"table (--prices FILE / prices=...)") from None
    at = _dt.datetime(when.year, when.month, when.day, 12, tzinfo=_dt.timezone.utc)
    p = info.get_prices(at)
    inp, n1 = _price_value(getattr(p, "input_mtok", None))
    out, n2 = _price_value(getattr(p, "output_mtok", None))
    if inp is None:
        raise UsageError(f"{source} has no input-token price for {model!r} (matched "
                         f"{provider.id}:{info.id}); give one in a price table")
    return ModelPrice(model, inp, out, "USD", source, f"{provider.id}:{info.id}",
                      when.isoformat(), info.context_window,
                      source if info.context_window else "", None,
                      "; ".join(x for x in (n1, n2) if x))


class PriceBook:
    """Where prices come from: the user's :class:`PriceTable` first, then (``use_database``)
    genai-prices, read for ``date`` (default: today, UTC).

    >>> PriceBook(use_database=False).price("gpt-4o")
    Traceback (most recent call last):
    ...
    tokeff.errors.UsageError: no price for model 'gpt-4o': no price table lists it and ...
    """

    def __init__(self, table: PriceTable | str | Path | None = None, *,
                 use_database: bool = True, date: object = None):
        if isinstance(table, (str, Path)):
            table = load_price_table(table)
        self.table = table
        self.use_database = use_database
        if date is None:
            self.date = _dt.datetime.now(_dt.timezone.utc).date()
        else:
            self.date = parse_date(date)

    def price(self, model: str) -> ModelPrice:
        t = self.table
        if t is not None and model.strip().lower() in t.entries:
            e = t.entries[model.strip().lower()]
            name = Path(t.path).name
            return ModelPrice(model, e["input_per_1m"], e.get("output_per_1m"), t.currency,
                              name, f"{name}:{e['name']}", t.date or self.date.isoformat(),
                              e.get("context_window"),
                              name if e.get("context_window") else "", e.get("tokenizer"))
        if not self.use_database:
            raise UsageError(f"no price for model {model!r}: no price table lists it and the "
                             f"genai-prices database is not used")
        return _database_price(model, self.date)

    def sources(self) -> str:
        """The sources without spaces, for signatures: ``prices.toml@sha256:0123456789ab+
        genai-prices-0.2.3``."""
        parts = []
        if self.table is not None:
            parts.append(f"{Path(self.table.path).name}@sha256:{self.table.sha256[:12]}")
        if self.use_database:
            parts.append(f"genai-prices-{database_version() or 'missing'}")
        return "+".join(parts).replace(" ", "_").replace("|", "_")

    def describe(self) -> str:
        """One line: the sources and the date, for table footers."""
        parts = []
        if self.table is not None:
            parts.append(f"{Path(self.table.path).name} (sha256 {self.table.sha256[:12]}"
                         + (f", dated {self.table.date}" if self.table.date else "") + ")")
        if self.use_database:
            v = database_version()
            parts.append(f"genai-prices {v}" if v else "genai-prices (not installed)")
        return " over ".join(parts) + f"; prices as of {self.date.isoformat()}"
