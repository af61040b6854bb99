"""Cost of a workload per model and language, and what fits in a model's context window,
computed from measured token counts (the arithmetic behind :func:`tokeff.cost` and
:meth:`tokeff.Results.cost`).

For model *m* with tokenizer *t* on language *L*, with the totals measured on the same
segments (tokens ``T(t, L)``, characters ``C(L)``, words ``W(L)``):

================================  =================================================
workload                          input tokens
================================  =================================================
``N chars``                       N × T(t, L) / C(L): N characters of L's own text
``N chars:REF``                   N × T(t, L) / C(REF): the content of N characters
                                  of REF, in L (parallel text)
``N tokens:REF@TOK``              N × T(t, L) / T(TOK, REF): the content of N tokens
                                  of REF under TOK, in L
the measured text (files)         T(t, L)
================================  =================================================

cost = input tokens / 1M × input price + output tokens / 1M × output price (the output
workload has the same grammar). A context window of K tokens holds K × C(L) / T(t, L)
characters and K × W(L) / T(t, L) words (words where L has a word segmenter).

>>> Workload.parse("1Mchars")
Workload(amount=1000000.0, unit='chars', ref_lang=None, ref_tokenizer=None)
>>> str(Workload.parse("2.5e5 tokens:en@cl100k_base"))
'250000tokens:eng_Latn@cl100k_base'
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields

from ._version import __version__
from .errors import UsageError
from .langs import resolve_lang
from .prices import ModelPrice, PriceBook
from .tokenizers.models import ModelTokenizer, model_tokenizer

__all__ = ["CostRow", "CostTable", "ModelSpec", "Workload", "cost_table", "resolve_models"]

_SUFFIX = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "B": 1e9}
_SPEC = re.compile(r"^\s*(?P<num>[0-9][0-9_]*(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)\s*"
                   r"(?P<suf>[kKMGB]?)\s*(?P<unit>chars|characters|tokens)\s*"
                   r"(?::\s*(?P<lang>[^@\s]+)\s*(?:@\s*(?P<tok>\S+))?)?\s*$")


@dataclass(frozen=True)
class Workload:
    """An amount of text: ``N chars`` (of each language, or of ``ref_lang``'s content) or
    ``N tokens`` of ``ref_lang`` under ``ref_tokenizer``; ``unit="text"``: the measured text."""

    amount: float
    unit: str  # "chars", "tokens" or "text"
    ref_lang: str | None = None
    ref_tokenizer: str | None = None

    @classmethod
    def parse(cls, spec: str | Workload) -> Workload:
        """``1000000chars``, ``1Mchars``, ``1e6chars:en``, ``2Mtokens:en@gpt-4o`` (a model or a
        catalogue tokenizer after ``@``), or ``text`` (the measured text itself)."""
        if isinstance(spec, Workload):
            return spec
        if not isinstance(spec, str):
            raise UsageError(f"a workload is written like '1000000chars', not {spec!r}")
        if spec.strip().lower() == "text":
            return cls(1.0, "text")
        m = _SPEC.match(spec)
        if not m:
            raise UsageError(
                f"cannot read workload {spec!r}; write N chars (N characters of each "
                f"language), N chars:LANG (the content of N characters of LANG), N tokens:LANG@"
                f"TOKENIZER (the content of N tokens of LANG under a tokenizer or model), e.g. "
                f"1000000chars, 1Mchars:en, 2e6tokens:en@gpt-4o")
        amount = float(m["num"].replace("_", "")) * _SUFFIX[m["suf"]]
        if amount <= 0:
            raise UsageError(f"workload {spec!r} must be more than zero")
        unit = "tokens" if m["unit"] == "tokens" else "chars"
        lang = resolve_lang(m["lang"]) if m["lang"] else None
        tok = m["tok"]
        if unit == "tokens" and (lang is None or tok is None):
            raise UsageError(f"workload {spec!r}: tokens depend on the language and the "
                             f"tokenizer; write N tokens:LANG@TOKENIZER, e.g. 1Mtokens:en@gpt-4o")
        if unit == "chars" and tok is not None:
            raise UsageError(f"workload {spec!r}: characters need no tokenizer; drop '@{tok}'")
        return cls(amount, unit, lang, tok)

    def __str__(self) -> str:
        if self.unit == "text":
            return "text"
        n = f"{self.amount:.12g}" if not self.amount.is_integer() else f"{int(self.amount)}"
        ref = f":{self.ref_lang}" if self.ref_lang else ""
        tok = f"@{self.ref_tokenizer}" if self.ref_tokenizer else ""
        return f"{n}{self.unit}{ref}{tok}"


@dataclass(frozen=True)
class ModelSpec:
    """A model resolved for costing: its tokenizer (None: not in the catalogue) and price."""

    model: str
    tokenizer: ModelTokenizer
    price: ModelPrice | None
    price_error: str | None = None


def resolve_models(models: Sequence[str] | str, book: PriceBook, *,
                   tokenizer_for: Mapping[str, str] | None = None) -> list[ModelSpec]:
    """Tokenizer and price of each model. A model with neither a price nor a catalogue tokenizer
    is an error (most likely a typo); one without either is kept and says why."""
    names = [models] if isinstance(models, str) else list(models)
    if not names:
        raise UsageError("no model given; e.g. models=['gpt-4o', 'deepseek-chat']")
    if len({n.lower() for n in names}) != len(names):
        raise UsageError(f"a model is listed twice: {names}")
    out = []
    for name in names:
        price: ModelPrice | None = None
        err = None
        try:
            price = book.price(name)
        except UsageError as e:
            err = str(e)
        # The user's own mappings win: tokenizer_for, then the price table's tokenizer column.
        own = {name: price.tokenizer} if price is not None and price.tokenizer else {}
        own.update(tokenizer_for or {})
        mt = model_tokenizer(name, tokenizer_for=own)
        if price is None and mt.tokenizer is None:
            raise UsageError(f"unknown model {name!r}: {err}; and {mt.note}")
        out.append(ModelSpec(name, mt, price, err))
    return out


# -- totals from results ------------------------------------------------------------------------

def _totals(results: object) -> dict[tuple[str, str], tuple[float, float, float | None]]:
    """(tokenizer, lang) -> (tokens, chars, words or None) from per-segment counts, or from
    the rows of results read back from JSON."""
    out: dict[tuple[str, str], tuple[float, float, float | None]] = {}
    counts = getattr(results, "counts", None) or {}
    for (tok, lang), c in counts.items():
        words = None if c.words is None else float(c.words.sum())
        out[(tok, lang)] = (float(c.tokens.sum()), float(c.chars.sum()), words)
    if out:
        return out
    vals: dict[tuple[str, str], dict[str, float | None]] = {}
    for r in getattr(results, "rows", []):
        if r.metric in ("tokens", "chars", "words"):
            vals.setdefault((r.tokenizer, r.lang), {})[r.metric] = r.value
    for key, v in vals.items():
        if v.get("tokens") is not None and v.get("chars") is not None:
            out[key] = (float(v["tokens"]), float(v["chars"]),  # type: ignore[arg-type]
                        None if v.get("words") is None else float(v["words"]))  # type: ignore
    return out


# -- the table ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CostRow:
    """Cost of the workload for one model on one language (None where not available: see
    ``note``), and what its context window holds."""

    model: str
    tokenizer: str | None
    lang: str
    input_tokens: float | None
    output_tokens: float | None
    input_cost: float | None
    output_cost: float | None
    cost: float | None
    currency: str
    tokens_per_char: float | None
    context_window: int | None
    context_source: str  # where the context window comes from ("" when not known)
    window_chars: float | None
    window_words: float | None
    price_input_per_1m: float | None
    price_output_per_1m: float | None
    priced_as: str | None
    note: str = ""


@dataclass
class CostTable:
    """Costs per model x language, with the signature of everything that shapes them.

    ``meta["signature"]`` reads like
    ``tokeff:0.1.0|prices:genai-prices-0.2.3|price_date:2026-11-01|corpus:udhr|chash:...|
    workload:1000000chars|output:none``.
    """

    rows: list[CostRow]
    meta: dict = field(default_factory=dict)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def get(self, model: str, lang: str) -> CostRow:
        code = resolve_lang(lang)
        for r in self.rows:
            if r.model == model and r.lang == code:
                return r
        raise KeyError(f"no cost row for model={model!r}, lang={lang!r}")

    def to_dicts(self) -> list[dict]:
        return [asdict(r) for r in self.rows]

    def to_json(self, *, indent: int | None = 1) -> str:
        return json.dumps({"format": "tokeff-costs", "meta": self.meta,
                           "costs": self.to_dicts()}, ensure_ascii=False, indent=indent)

    def to_csv(self) -> str:
        buf = io.StringIO()
        cols = [f.name for f in fields(CostRow)]
        w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        for d in self.to_dicts():
            w.writerow({k: "" if d[k] is None else d[k] for k in cols})
        return buf.getvalue()

    def to_pandas(self):
        """A pandas DataFrame, one row per model x language (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:
            from .errors import MissingDependencyError

            raise MissingDependencyError("CostTable.to_pandas()", "pandas", "pandas") from None
        return pd.DataFrame(self.to_dicts())

    def _table(self, md: bool) -> str:
        cur = self.meta.get("currency", "")
        head = ["model", "tokenizer", "lang", "input tokens", f"cost ({cur})", "tokens/char",
                "window", "chars in window", "words in window"]
        if any(r.output_tokens for r in self.rows):
            head[4:4] = ["output tokens"]
        body = []
        for r in self.rows:
            cells = [r.model, r.tokenizer or "n/a", r.lang, _num(r.input_tokens),
                     _money(r.cost), _ratio(r.tokens_per_char), _num(r.context_window),
                     _num(r.window_chars), _num(r.window_words)]
            if len(head) > 9:
                cells[4:4] = [_num(r.output_tokens)]
            body.append(cells)
        notes = list(dict.fromkeys(f"{r.model}: {r.note}" for r in self.rows if r.note))
        foot = [f"workload: {self.meta.get('workload_text', '')}",
                f"prices: {self.meta.get('prices', '')}"]
        foot += [f"note: {n}" for n in notes]
        foot.append(f"signature: {self.meta.get('signature', '')}")
        if md:
            lines = ["| " + " | ".join(head) + " |",
                     "|" + "|".join("---" if i < 3 else "---:" for i in range(len(head))) + "|"]
            lines += ["| " + " | ".join(c) + " |" for c in body]
            return "\n".join(lines) + "\n\n" + "\n".join(f"- {x}" for x in foot) + "\n"
        widths = [max(len(h), *(len(c[i]) for c in body)) if body else len(h)
                  for i, h in enumerate(head)]
        def line(cells):
            return "  ".join(c.ljust(w) if i < 3 else c.rjust(w)
                             for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
        return "\n".join([line(head), *(line(c) for c in body), "", *foot])

    def to_markdown(self) -> str:
        return self._table(md=True)

    def __str__(self) -> str:
        return self._table(md=False)

    def __repr__(self) -> str:
        models = list(dict.fromkeys(r.model for r in self.rows))
        langs = list(dict.fromkeys(r.lang for r in self.rows))
        return f"<CostTable {len(models)} model(s) x {len(langs)} language(s)>"


def _num(v: float | None) -> str:
    return "n/a" if v is None else f"{v:,.0f}"


def _ratio(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.4f}"


def _money(v: float | None) -> str:
    if v is None:
        return "n/a"
    return f"{v:,.2f}" if v >= 1 else f"{v:.4f}"


def _describe(w: Workload | None, what: str) -> str:
    if w is None:
        return "none"
    if w.unit == "text":
        return f"the measured text itself ({what})"
    n = f"{w.amount:,.0f}"
    if w.unit == "chars":
        return (f"the content of {n} characters of {w.ref_lang}, in each language"
                if w.ref_lang else f"{n} characters of each language ({what})")
    return f"the content of {n} {w.ref_lang} tokens under {w.ref_tokenizer}, in each language"


def cost_table(results: object | Sequence[object], models: Sequence[str] | Sequence[ModelSpec],
               *, workload: str | Workload, output: str | Workload | None = None,
               prices: PriceBook | str | None = None, price_date: object = None,
               tokenizer_for: Mapping[str, str] | None = None,
               langs: Sequence[str] | None = None) -> CostTable:
    """Costs from measured results (one :class:`~tokeff.Results`, or several measured on
    different texts, e.g. one file per language). The results must hold the models' tokenizers
    (and, for a ``tokens`` workload, the reference tokenizer on the reference language)."""
    res_list = list(results) if isinstance(results, (list, tuple)) else [results]
    totals: dict[tuple[str, str], tuple[float, float, float | None]] = {}
    for r in res_list:
        totals.update(_totals(r))
    if not totals:
        raise UsageError("the results hold no token and character totals; measure with the "
                         "metrics tokens and chars (tokeff.cost() does)")
    book = prices if isinstance(prices, PriceBook) else PriceBook(prices, date=price_date)
    specs = [m if isinstance(m, ModelSpec) else None for m in models]
    if any(s is None for s in specs):
        specs = resolve_models([m for m in models if isinstance(m, str)], book,  # type: ignore
                               tokenizer_for=tokenizer_for)
    w_in = Workload.parse(workload)
    w_out = Workload.parse(output) if output is not None else None
    if len(res_list) > 1 and any(w is not None and w.ref_lang for w in (w_in, w_out)):
        raise UsageError("a workload with a reference language (chars:LANG, tokens:LANG@TOK) "
                         "needs parallel text measured together, not separate texts per "
                         "language; write it as N chars (each language's own characters)")
    have_langs = list(dict.fromkeys(la for _, la in totals))
    lang_list = [resolve_lang(x) for x in langs] if langs else have_langs
    for la in lang_list:
        if la not in have_langs:
            raise UsageError(f"no counts for language {la}; measured: {', '.join(have_langs)}")
    rows: list[CostRow] = []
    currencies = set()
    for spec in specs:  # type: ignore[union-attr]
        assert spec is not None
        tok = spec.tokenizer.tokenizer
        pr = spec.price
        if pr is not None:
            currencies.add(pr.currency)
        if pr is not None and pr.context_window:
            window, window_src = pr.context_window, pr.context_source
        else:
            window, window_src = spec.tokenizer.context_window, spec.tokenizer.context_source
        for la in lang_list:
            notes = []
            if tok is None:
                notes.append(spec.tokenizer.note)
            elif (tok, la) not in totals:
                raise UsageError(f"no counts for tokenizer {tok} (model {spec.model}) on {la}; "
                                 f"measure it (tokeff.cost() does)")
            if pr is None:
                notes.append(spec.price_error or "no price")
            t = totals.get((tok, la)) if tok else None
            tin = _tokens(w_in, t, tok, la, totals) if t else None
            tout = _tokens(w_out, t, tok, la, totals) if (t and w_out) else None
            cin = tin / 1e6 * pr.input_per_1m if (tin is not None and pr) else None
            cout: float | None = 0.0  # no output workload: nothing generated
            if w_out is not None:
                if tout is None or pr is None:
                    cout = None
                elif pr.output_per_1m is None:
                    cout = None
                    notes.append("no output-token price")
                else:
                    cout = tout / 1e6 * pr.output_per_1m
            total = cin + cout if (cin is not None and cout is not None) else None
            tpc = t[0] / t[1] if (t and t[1]) else None
            wchars = window * t[1] / t[0] if (t and window and t[0]) else None
            wwords = window * t[2] / t[0] if (t and window and t[0] and t[2] is not None) \
                else None
            if t and window is None:
                notes.append("context window not known (give context_window in a price table)")
            if pr is not None and pr.note:
                notes.append(pr.note)
            rows.append(CostRow(
                spec.model, tok, la, tin, tout, cin, cout if w_out else None, total,
                pr.currency if pr else "", tpc, window, window_src if window else "", wchars,
                wwords, pr.input_per_1m if pr else None, pr.output_per_1m if pr else None,
                pr.priced_as if pr else None, "; ".join(dict.fromkeys(n for n in notes if n))))
    if len(currencies) > 1:
        raise UsageError(f"prices in several currencies ({', '.join(sorted(currencies))}); "
                         f"costs in different currencies cannot be compared in one table")
    meta0 = getattr(res_list[0], "meta", {}) or {}
    corpus = ",".join(dict.fromkeys(str((getattr(r, "meta", {}) or {}).get("corpus", "?"))
                                    for r in res_list))
    chash = ",".join(dict.fromkeys(str((getattr(r, "meta", {}) or {}).get("corpus_hash", ""))[:16]
                                   for r in res_list))
    sig = "|".join([f"tokeff:{__version__}", f"prices:{book.sources()}",
                    f"price_date:{book.date.isoformat()}", f"corpus:{corpus}", f"chash:{chash}",
                    f"workload:{w_in}", f"output:{w_out or 'none'}"])
    meta = {"tokeff": __version__, "prices": book.describe(),
            "price_date": book.date.isoformat(), "currency": next(iter(currencies), ""),
            "corpus": corpus, "corpus_hash": chash, "split": meta0.get("split"),
            "workload": str(w_in), "output": str(w_out) if w_out else None,
            "workload_text": _describe(w_in, "from each language's measured text")
            + ("; output: " + _describe(w_out, "from each language's measured text")
               if w_out else ""),
            "models": {s.model: {"tokenizer": s.tokenizer.tokenizer,
                                 "tokenizer_source": s.tokenizer.source,
                                 "priced_as": s.price.priced_as if s.price else None}
                       for s in specs if s is not None},
            "signature": sig}
    return CostTable(rows, meta)


def _tokens(w: Workload, t: tuple[float, float, float | None], tok: str, la: str,
            totals: Mapping[tuple[str, str], tuple[float, float, float | None]]) -> float | None:
    tokens, chars, _ = t
    if w.unit == "text":
        return tokens
    if w.unit == "chars":
        if w.ref_lang is None:
            return w.amount * tokens / chars if chars else None
        ref = next((v for (tk, lg), v in totals.items() if lg == w.ref_lang), None)
        if ref is None:
            raise UsageError(f"workload {w} needs the reference language {w.ref_lang} measured "
                             f"on the same segments")
        return w.amount * tokens / ref[1] if ref[1] else None
    ref_tok = model_tokenizer(w.ref_tokenizer).tokenizer or w.ref_tokenizer  # type: ignore
    ref = totals.get((ref_tok, w.ref_lang))  # type: ignore[arg-type]
    if ref is None:
        raise UsageError(f"workload {w} needs tokenizer {ref_tok} measured on {w.ref_lang} "
                         f"(the same segments)")
    return w.amount * tokens / ref[0] if ref[0] else None
