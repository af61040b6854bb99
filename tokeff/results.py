"""Results: a tidy table (tokenizer x language x metric) where every number carries a signature.

A signature records everything that shapes a number, like sacrebleu's:
``tokeff:0.1.0|tok:cl100k_base|fp:...|vocab:...|backend:tiktoken-0.14.0|...``. It prints
compactly, round-trips through JSON and parses back with :meth:`Signature.parse`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields

from .errors import UsageError

FORMAT_VERSION = 1


def _esc(v: str) -> str:
    return v.replace("%", "%25").replace("|", "%7C")


def _unesc(v: str) -> str:
    return v.replace("%7C", "|").replace("%25", "%")


@dataclass(frozen=True)
class Signature:
    """Everything that shapes a number. Two numbers are comparable only when their signatures
    agree on every field except the tokenizer's (and language, which is in the row).

    >>> from tokeff import measure
    >>> res = measure("udhr", ["cl100k_base", "qwen2.5"], langs=["en", "zh"], metrics=["parity"],
    ...               bootstrap=100)
    >>> sig = res.get("qwen2.5", "zho_Hans", "parity").signature
    >>> sig.corpus, sig.split, sig.agg, sig.boot, sig.pivot
    ('udhr', 'articles', 'totals', '100/seed0/95/rs2', 'eng_Latn')
    >>> str(sig).startswith("tokeff:")
    True
    >>> sorted(sig.differences(res.get("cl100k_base", "zho_Hans", "parity").signature))
    ['fp', 'tnorm', 'tok', 'vocab']
    """

    version: str
    tok: str
    fp: str  # tokenizer fingerprint (content + backend + version), first 16 hex digits
    vocab: str  # tokenizer content hash (vocabulary/merges/normaliser), first 16 hex digits
    backend: str  # e.g. "tiktoken-0.14.0"
    tnorm: str  # normalisation the tokenizer itself applies
    corpus: str
    split: str
    chash: str  # corpus content hash (segments measured), first 16 hex digits
    norm: str  # normalisation applied to the corpus text
    seg: str  # word segmenter + version + settings of the row's language, or "none"
    agg: str  # "totals" (ratio of totals over segments) or "document"
    # "1000/seed0/95/rs2" (resamples/seed/CI level/resampling scheme, see tokeff.resample;
    # no scheme: tokeff before rs2, another random stream), "delta/95" or "none"
    boot: str
    pivot: str
    ref: str
    alpha: str

    _KEYS = ("tokeff", "tok", "fp", "vocab", "backend", "tnorm", "corpus", "split", "chash",
             "norm", "seg", "agg", "boot", "pivot", "ref", "alpha")

    def __str__(self) -> str:
        vals = [getattr(self, f.name) for f in fields(self)]
        return "|".join(f"{k}:{_esc(str(v))}" for k, v in zip(self._KEYS, vals))

    @classmethod
    def parse(cls, text: str) -> Signature:
        """Parse the string form back.

        >>> s = Signature("0.1.0", "t", "f", "v", "b-1", "none", "c", "all", "h", "none",
        ...               "none", "totals", "none", "eng_Latn", "none", "2.5")
        >>> Signature.parse(str(s)) == s
        True
        """
        parts: dict[str, str] = {}
        for item in text.strip().split("|"):
            k, sep, v = item.partition(":")
            if not sep:
                raise UsageError(f"not a tokeff signature: field {item!r} has no ':'")
            if k in parts:
                raise UsageError(f"not a tokeff signature: field {k!r} appears twice")
            parts[k] = _unesc(v)
        missing = [k for k in cls._KEYS if k not in parts]
        if missing:
            raise UsageError(f"not a tokeff signature: missing field(s) {', '.join(missing)} "
                             f"in {text[:80]!r}")
        unknown = [k for k in parts if k not in cls._KEYS]
        if unknown:
            raise UsageError(f"not a tokeff signature: unknown field(s) {', '.join(unknown)}")
        vals = [parts[k] for k in cls._KEYS]
        return cls(*vals)

    def differences(self, other: Signature, *, ignore: Iterable[str] = ()) -> dict[str, tuple]:
        """Fields that differ: ``{field: (self_value, other_value)}``."""
        skip = set(ignore)
        return {f.name: (getattr(self, f.name), getattr(other, f.name)) for f in fields(self)
                if f.name not in skip and getattr(self, f.name) != getattr(other, f.name)}


@dataclass(frozen=True)
class Row:
    """One number: a metric of a tokenizer on a language, with its CI and signature.

    ``value`` is None when the metric is not available; ``note`` then says why.

    >>> from tokeff import measure
    >>> res = measure("udhr", ["cl100k_base"], langs=["ja"], metrics=["tokens", "fertility"],
    ...               segmenters={"ja": "none"}, pivot=None, bootstrap=0)
    >>> row = res.get("cl100k_base", "jpn_Jpan", "fertility")
    >>> row.value, row.note
    (None, 'not available (no word segmenter for jpn_Jpan)')
    >>> Row.from_record(row.to_record()) == row
    True
    """

    tokenizer: str
    lang: str
    metric: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n_segments: int
    signature: Signature
    note: str | None = None

    def to_record(self) -> dict:
        d = asdict(self)
        d["signature"] = str(self.signature)
        return d

    @classmethod
    def from_record(cls, d: dict) -> Row:
        d = dict(d)
        d["signature"] = Signature.parse(d["signature"])
        return cls(**d)


_TOTALS = frozenset({"tokens", "chars", "bytes", "words", "segments"})


def _fmt(v: float | None, digits: int = 4, metric: str | None = None) -> str:
    """Totals as integers; ratios with ``digits`` decimals (fewer for large values)."""
    if v is None:
        return "n/a"
    if metric in _TOTALS or (metric is None and float(v).is_integer() and abs(v) >= 1):
        return f"{int(v)}"
    return f"{v:.{digits}f}" if abs(v) < 100 else f"{v:.1f}"


@dataclass
class Results:
    """The result table of a measurement.

    ``meta`` holds run-level facts (corpus, languages, tokenizers with their backends and
    origin where known, pivot, settings). ``counts`` (not serialised) keeps the per-segment
    arrays for drill-down, keyed by (tokenizer, lang), and ``corpus`` the text measured.

    >>> from tokeff import measure
    >>> res = measure("udhr", ["cl100k_base"], langs=["en", "zh"], metrics=["tokens", "parity"],
    ...               bootstrap=0)
    >>> res
    <Results 4 rows: 1 tokenizer(s) x 2 language(s) x 2 metric(s)>
    >>> res.value("cl100k_base", "eng_Latn", "tokens"), len(res.filter(metric="parity"))
    (1887.0, 2)
    >>> Results.from_json(res.to_json()).rows == res.rows
    True
    """

    rows: list[Row]
    meta: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict, repr=False, compare=False)
    #: The in-memory corpus that was measured (for drill-downs), when there is one.
    corpus: object = field(default=None, repr=False, compare=False)

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def tokenizers(self) -> list[str]:
        return list(dict.fromkeys(r.tokenizer for r in self.rows))

    @property
    def langs(self) -> list[str]:
        return list(dict.fromkeys(r.lang for r in self.rows))

    @property
    def metrics(self) -> list[str]:
        return list(dict.fromkeys(r.metric for r in self.rows))

    def filter(self, *, tokenizer: str | Iterable[str] | None = None,
               lang: str | Iterable[str] | None = None,
               metric: str | Iterable[str] | None = None) -> Results:
        """Rows matching all given criteria."""
        def norm(x):
            return None if x is None else ({x} if isinstance(x, str) else set(x))

        t, la, m = norm(tokenizer), norm(lang), norm(metric)
        rows = [r for r in self.rows if (t is None or r.tokenizer in t)
                and (la is None or r.lang in la) and (m is None or r.metric in m)]
        return Results(rows, dict(self.meta), self.counts)

    def get(self, tokenizer: str, lang: str, metric: str) -> Row:
        for r in self.rows:
            if r.tokenizer == tokenizer and r.lang == lang and r.metric == metric:
                return r
        raise KeyError(f"no row for tokenizer={tokenizer!r}, lang={lang!r}, metric={metric!r}")

    def value(self, tokenizer: str, lang: str, metric: str) -> float | None:
        """The value of one metric (None when not available)."""
        return self.get(tokenizer, lang, metric).value

    # -- serialisation -------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"format": "tokeff-results", "format_version": FORMAT_VERSION,
                "meta": self.meta, "results": [r.to_record() for r in self.rows]}

    def to_json(self, *, indent: int | None = 1) -> str:
        """JSON with ``meta`` and ``results`` (one record per row); lossless."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent, allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> Results:
        try:
            d = json.loads(text)
        except json.JSONDecodeError as e:
            raise UsageError(f"not tokeff results JSON: {e}") from None
        if not isinstance(d, dict) or d.get("format") != "tokeff-results":
            raise UsageError("not tokeff results JSON (missing \"format\": \"tokeff-results\")")
        version = d.get("format_version", 0)
        if not isinstance(version, int):
            raise UsageError(f"tokeff results JSON: format_version must be an integer, not "
                             f"{version!r}")
        if version > FORMAT_VERSION:
            raise UsageError(f"results format version {version} is newer than this "
                             f"tokeff understands ({FORMAT_VERSION}); upgrade tokeff")
        records = d.get("results")
        if not isinstance(records, list):
            raise UsageError("tokeff results JSON has no \"results\" list")
        rows = []
        for i, r in enumerate(records):
            try:
                rows.append(Row.from_record(r))
            except (TypeError, KeyError, AttributeError, ValueError) as e:
                raise UsageError(f"tokeff results JSON: record {i} is malformed ({e})") from None
        return cls(rows, d.get("meta", {}))

    def to_csv(self) -> str:
        buf = io.StringIO()
        cols = [f.name for f in fields(Row)]
        w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        for r in self.rows:
            rec = r.to_record()
            w.writerow({k: ("" if rec[k] is None else rec[k]) for k in cols})
        return buf.getvalue()

    # -- tables, pairs and costs (issue 15): thin shells over tables.py, paired.py, pricing.py --
    def to_pandas(self, *, wide: bool = False, ci: bool = False):
        """A pandas DataFrame (needs pandas): one row per tokenizer x language x metric, or with
        ``wide=True`` one row per (tokenizer, lang) and a column per metric (``ci=True`` adds
        the interval columns). See :func:`tokeff.tables.results_frame`."""
        from .tables import results_frame

        return results_frame(self, wide=wide, ci=ci)

    def segments(self, *, tokenizer: str | Iterable[str] | None = None,
                 lang: str | Iterable[str] | None = None):
        """Per-segment counts as a long pandas DataFrame (tokenizer, lang, segment, tokens,
        chars, bytes, words...). See :func:`tokeff.tables.segments_frame`."""
        from .tables import segments_frame

        return segments_frame(self, tokenizer=tokenizer, lang=lang)

    def paired(self, tokenizer_a: str, tokenizer_b: str, lang: str, metric: str = "tokens",
               **kwargs):
        """Tokenizer A against B on the same segments of ``lang``: ratio (or ``statistic=
        "difference"``) with a paired bootstrap interval. See :func:`tokeff.paired.paired`.

        >>> from tokeff import measure
        >>> res = measure("udhr", ["cl100k_base", "qwen2.5"], langs="zh", metrics="tokens",
        ...               bootstrap=0)
        >>> res.paired("qwen2.5", "cl100k_base", "zh").excludes_no_difference
        True
        """
        from .paired import paired

        return paired(self, tokenizer_a, tokenizer_b, lang, metric, **kwargs)

    def cost(self, models, *, workload, output=None, prices=None, price_date=None,
             tokenizer_for=None, langs=None):
        """Cost of a workload per model and language from these counts (the models'
        tokenizers must be measured). See :func:`tokeff.cost` and :mod:`tokeff.pricing`.

        >>> import tempfile, pathlib
        >>> from tokeff import measure
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "prices.csv"
        >>> _ = p.write_text("name,input_per_1m,tokenizer\\nmy-model,1.0,cl100k_base\\n")
        >>> res = measure("udhr", ["cl100k_base"], langs="en,zh", metrics="tokens,chars")
        >>> from tokeff.prices import PriceBook
        >>> t = res.cost(["my-model"], workload="1Mchars", prices=PriceBook(p, use_database=False))
        >>> round(t.get("my-model", "zh").cost, 4)
        1.1797
        """
        from .pricing import cost_table

        return cost_table(self, models, workload=workload, output=output, prices=prices,
                          price_date=price_date, tokenizer_for=tokenizer_for, langs=langs)

    def wide(self, metric: str) -> tuple[list[str], list[str], dict[tuple[str, str], Row]]:
        """Tokenizers, languages and rows of one metric, for a tokenizer x language table."""
        rows = {(r.tokenizer, r.lang): r for r in self.rows if r.metric == metric}
        if not rows:
            raise UsageError(f"no rows for metric {metric!r}; have {', '.join(self.metrics)}")
        toks = list(dict.fromkeys(t for t, _ in rows))
        langs = list(dict.fromkeys(la for _, la in rows))
        return toks, langs, rows

    def to_markdown(self, *, ci: bool = True) -> str:
        """Markdown: one table per metric (languages x tokenizers), then the signatures."""
        out: list[str] = []
        for metric in self.metrics:
            toks, langs, rows = self.wide(metric)
            out.append(f"### {metric}\n")
            out.append("| lang | " + " | ".join(toks) + " |")
            out.append("|---|" + "---:|" * len(toks))
            for la in langs:
                cells = []
                for t in toks:
                    r = rows.get((t, la))
                    if r is None:
                        cells.append("")
                    elif r.value is None:
                        cells.append("n/a")
                    elif ci and r.ci_low is not None:
                        cells.append(f"{_fmt(r.value, metric=metric)} "
                                     f"[{_fmt(r.ci_low, metric=metric)}, "
                                     f"{_fmt(r.ci_high, metric=metric)}]")
                    else:
                        cells.append(_fmt(r.value, metric=metric))
                out.append(f"| {la} | " + " | ".join(cells) + " |")
            out.append("")
        notes = sorted({f"{r.lang}, {r.metric}: {r.note}" for r in self.rows
                        if r.value is None and r.note})
        if notes:
            out.append("Notes: " + "; ".join(notes[:20])
                       + (f"; and {len(notes) - 20} more" if len(notes) > 20 else "") + "\n")
        out.append("Signatures:\n")
        out.extend(f"- {line}" for line in self.signature_lines(code="`"))
        return "\n".join(out) + "\n"

    def signature_lines(self, code: str = "") -> list[str]:
        """The signatures compactly: fields shared by every row once, then what differs per
        tokenizer and per language (the segmenter). Each row keeps its full signature."""
        sigs = list(dict.fromkeys(r.signature for r in self.rows))
        if not sigs:
            return []
        names = [f.name for f in fields(Signature)]
        keys = dict(zip(names, Signature._KEYS))
        varying = [n for n in names if len({getattr(s, n) for s in sigs}) > 1]
        common = Signature(*[getattr(sigs[0], n) for n in names])
        common_str = "|".join(part for part, n in zip(str(common).split("|"), names)
                              if n not in varying)
        lines = [f"{code}{common_str}{code}"]
        tok_fields = [n for n in ("tok", "fp", "vocab", "backend", "tnorm") if n in varying]
        if tok_fields:
            for s in dict.fromkeys(tuple(getattr(s, n) for n in tok_fields) for s in sigs):
                lines.append(code + "|".join(f"{keys[n]}:{_esc(v)}"
                                             for n, v in zip(tok_fields, s)) + code)
        if "seg" in varying:
            by_lang: dict[str, str] = {}
            for r in self.rows:
                if r.signature.seg != "n/a":
                    by_lang.setdefault(r.lang, r.signature.seg)
            segs = "; ".join(f"{la} {v}" for la, v in by_lang.items())
            lines.append(f"seg (word metrics only, per language): {segs}")
        rest = [n for n in varying if n not in tok_fields and n != "seg"]
        for n in rest:
            vals = ", ".join(sorted({str(getattr(s, n)) for s in sigs}))
            lines.append(f"{keys[n]}: {vals}")
        return lines

    def signature_summary(self) -> list[str]:
        """Distinct signatures (one per tokenizer x segmenter)."""
        # (rows share their Signature objects: each distinct one is formatted once)
        return list(dict.fromkeys(str(s) for s in dict.fromkeys(r.signature for r in self.rows)))

    def __str__(self) -> str:
        lines: list[str] = []
        for metric in self.metrics:
            toks, langs, rows = self.wide(metric)
            w0 = max(8, *(len(x) for x in langs))
            widths = [max(12, len(t)) for t in toks]
            lines.append(metric)
            lines.append("  " + "lang".ljust(w0) + "  " +
                         "  ".join(t.rjust(w) for t, w in zip(toks, widths)))
            for la in langs:
                cells = []
                for t, w in zip(toks, widths):
                    r = rows.get((t, la))
                    cells.append(("" if r is None else _fmt(r.value, metric=metric)).rjust(w))
                lines.append("  " + la.ljust(w0) + "  " + "  ".join(cells))
            lines.append("")
        sigs = self.signature_summary()
        lines.append(f"{len(sigs)} signature(s), e.g. {sigs[0]}" if sigs else "(no results)")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from .display import results_html

        return results_html(self)

    def __repr__(self) -> str:
        return (f"<Results {len(self.rows)} rows: {len(self.tokenizers)} tokenizer(s) x "
                f"{len(self.langs)} language(s) x {len(self.metrics)} metric(s)>")


__all__ = ["Results", "Row", "Signature"]
