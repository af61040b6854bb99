"""The study: do Chinese-built LLM tokenizers consume fewer tokens than foreign-built ones?

One command, offline, a few minutes on two cores::

    python study/make_study.py                      # writes docs/study/

It measures every available catalogue tokenizer on the embedded UDHR and, when a local copy is
found (``$TOKEFF_FLORES200`` or ``../shared/corpora/flores200``), on FLORES-200 dev+devtest,
groups the tokenizers by origin (Chinese-built: catalogue origin ``CN``; foreign-built: any
other origin), and writes into ``docs/study/``:

- ``index.md``: the study page, rendered from ``study/template.md``. Every number on the page is
  computed here and put into the template, none is typed by hand;
- ``tables.md``: the full per-tokenizer tables (tokens per 1,000 characters, parity vs English,
  context windows, costs, document vs segments), also rendered from the template directory;
- ``*.png``: the plots; ``data/*.json``: the signed results (numbers only, never corpus text),
  ``data/summary.json``: every number the page uses.

Costs use tokeff's own cost code (:func:`tokeff.pricing.cost_table`) for the models of
``--cost-models``, priced by the ``genai-prices`` database (``pip install "tokeff[prices]"``)
and/or a price table you supply (``--prices``, TOML or CSV, see ``study/prices.example.toml``,
whose invented prices are labelled EXAMPLE). No price is used by default that is not real.

Options: ``--quick`` (a small run for tests), ``--tokenizers``, ``--langs``, ``--bootstrap``,
``--windows``, ``--workload-chars``, ``--prices``, ``--cost-models``, ``--price-date``,
``--no-flores``, ``--out``. ``python study/make_study.py
--help`` lists them.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import string
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import tokeff  # noqa: E402
from tokeff.metrics import Bootstrap  # noqa: E402
from tokeff.prices import PriceBook, database_version  # noqa: E402
from tokeff.pricing import cost_table as tokeff_cost_table  # noqa: E402
from tokeff.pricing import resolve_models  # noqa: E402

#: Languages measured: Chinese, English and a spread of other languages and scripts.
LANGS = (
    "eng_Latn", "zho_Hans", "zho_Hant", "yue_Hant", "jpn_Jpan", "kor_Hang",
    "spa_Latn", "fra_Latn", "vie_Latn", "ind_Latn", "tur_Latn", "swh_Latn",
    "rus_Cyrl", "ell_Grek", "heb_Hebr", "arb_Arab", "uig_Arab", "hin_Deva", "ben_Beng",
    "tam_Taml", "tha_Thai", "mya_Mymr", "khm_Khmr", "amh_Ethi",
)
#: Languages on which one-document aggregation is compared with the sum over segments on the
#: large corpus (all languages on the small one).
DOC_LANGS = ("eng_Latn", "zho_Hans", "zho_Hant", "jpn_Jpan", "hin_Deva", "arb_Arab")
QUICK_LANGS = ("eng_Latn", "zho_Hans", "zho_Hant", "jpn_Jpan", "arb_Arab")
QUICK_TOKENIZERS = ("cl100k_base", "qwen2.5")
#: Models priced in a --quick run: priced by genai-prices and counted by a quick tokenizer.
QUICK_COST_MODELS = ("gpt-4", "gpt-3.5-turbo")
CHINESE = ("zho_Hans", "zho_Hant")
#: Languages in the cost table of the study page (the tables page has all).
COST_LANGS = ("eng_Latn", "zho_Hans", "zho_Hant", "jpn_Jpan", "kor_Hang", "spa_Latn",
              "rus_Cyrl", "arb_Arab", "hin_Deva", "tha_Thai", "amh_Ethi")
PIVOT = "eng_Latn"
WINDOWS = (8_000, 128_000)
WORKLOAD_CHARS = 100_000_000
#: Models priced on the study page (each mapped to a catalogue tokenizer by tokeff).
COST_MODELS = ("gpt-4o", "gpt-4.1-mini", "deepseek-chat", "minimax-01", "glm-4-air",
               "mistral-nemo")
METRICS = ["tokens", "chars", "words", "tokens_per_char", "parity", "fertility"]
GROUPS = ("CN", "foreign")
GROUP_NAMES = {"CN": "Chinese-built", "foreign": "foreign-built"}

LANG_NAMES = {
    "eng_Latn": "English", "zho_Hans": "Chinese (simplified)", "zho_Hant": "Chinese (traditional)",
    "yue_Hant": "Cantonese", "jpn_Jpan": "Japanese", "kor_Hang": "Korean", "spa_Latn": "Spanish",
    "fra_Latn": "French", "vie_Latn": "Vietnamese", "ind_Latn": "Indonesian",
    "tur_Latn": "Turkish", "swh_Latn": "Swahili", "rus_Cyrl": "Russian", "ell_Grek": "Greek",
    "heb_Hebr": "Hebrew", "arb_Arab": "Arabic", "uig_Arab": "Uyghur", "hin_Deva": "Hindi",
    "ben_Beng": "Bengali", "tam_Taml": "Tamil", "tha_Thai": "Thai", "mya_Mymr": "Burmese",
    "khm_Khmr": "Khmer", "amh_Ethi": "Amharic", "deu_Latn": "German", "por_Latn": "Portuguese",
}


def log(msg: str) -> None:
    print(f"[study] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------------

def f_num(v: float | None, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    return f"{v:,.{digits}f}"


def f_per1k(v: float | None) -> str:
    """Tokens per 1,000 characters: no decimals from 100 on, one below."""
    if v is None:
        return "n/a"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.1f}"


def f_ci(p: float | None, lo: float | None, hi: float | None, fmt: Callable = f_num) -> str:
    if p is None:
        return "n/a"
    if lo is None or hi is None:
        return fmt(p)
    return f"{fmt(p)} [{fmt(lo)}, {fmt(hi)}]"


def f_pct(v: float | None, digits: int = 1, sign: bool = True) -> str:
    if v is None:
        return "n/a"
    return f"{v * 100:+.{digits}f} %" if sign else f"{v * 100:.{digits}f} %"


def f_big(v: float | None) -> str:
    """Characters or words held by a window: thousands with one decimal, or an integer."""
    if v is None:
        return "n/a"
    return f"{v / 1000:,.1f}k" if v >= 10_000 else f"{v:,.0f}"


def f_money(v: float | None) -> str:
    if v is None:
        return "n/a"
    return f"{v:,.2f}"


def f_price(v: float) -> str:
    """A price per 1M tokens: two decimals, more when two would round the real price (a
    database price of 0.069 shown as 0.07 would not give the costs beside it)."""
    s = f"{v:,.2f}"
    if abs(float(s.replace(",", "")) - v) > 1e-9:
        s = f"{v:,.6f}".rstrip("0")
    return s


def join_and(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] \
        if items else ""


def md_table(header: Sequence[str], rows: Sequence[Sequence[str]],
             align: Sequence[str] | None = None) -> str:
    align = align or ["---"] + ["---:"] * (len(header) - 1)
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def lang_label(code: str) -> str:
    name = LANG_NAMES.get(code)
    return f"{name} (`{code}`)" if name else f"`{code}`"


# ---------------------------------------------------------------------------------------------
# Tokenizers and prices
# ---------------------------------------------------------------------------------------------

@dataclass
class Tok:
    tok: object  # tokeff Tokenizer
    name: str
    origin: str
    developer: str
    year: int | None
    vocab_size: int

    @property
    def group(self) -> str:
        return "CN" if self.origin == "CN" else "foreign"


def load_tokenizers(specs: Sequence[str]) -> list[Tok]:
    from tokeff.tokenizers import expand_specs
    from tokeff.tokenizers.catalogue import get_entry

    out: list[Tok] = []
    for spec in expand_specs(list(specs)):
        t0 = time.time()
        tok = tokeff.get_tokenizer(spec)
        try:
            e = get_entry(tok.name)
            origin, dev, year = e.origin, e.developer, e.release_year
        except tokeff.UsageError:
            origin, dev, year = "unknown", "unknown", None
        out.append(Tok(tok, tok.name, origin, dev, year, int(tok.vocab_size)))
        log(f"loaded {tok.name} ({origin}) in {time.time() - t0:.1f} s")
    return out


def price_book(path: Path | None, use_database: bool, date: str | None) -> PriceBook | None:
    """The prices of the cost table: the user's table over genai-prices (when installed and not
    turned off); None when there is neither."""
    if use_database and database_version() is None:
        log("genai-prices is not installed (pip install -e '.[prices]'): only --prices is used")
        use_database = False
    if path is None and not use_database:
        return None
    try:
        return PriceBook(path, use_database=use_database, date=date)
    except tokeff.TokeffError as e:
        raise SystemExit(f"study: {e}") from None


# ---------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------

def segmenters_for(langs: Sequence[str]) -> dict[str, str | None]:
    """The default segmenter of each language where it can be loaded here; None otherwise."""
    from tokeff.segmenters import default_segmenter_name

    out: dict[str, str | None] = {}
    for la in langs:
        name = default_segmenter_name(la)
        if name is None:
            out[la] = None
            continue
        try:
            tokeff.get_segmenter(name)
            out[la] = name
        except Exception as e:  # missing optional segmenter package
            log(f"no words for {la}: segmenter {name!r} cannot be loaded ({e})")
            out[la] = None
    return out


@dataclass
class Run:
    key: str
    title: str
    corpus: object
    langs: list[str]
    res: object = None
    doc: object = None
    doc_langs: list[str] = field(default_factory=list)
    seconds: float = 0.0


def measure_run(key: str, title: str, corpus, toks: list[Tok], langs: Sequence[str],
                doc_langs: Sequence[str], bootstrap: int) -> Run:
    langs = [la for la in langs if la in corpus.segments]
    if PIVOT not in langs:
        raise SystemExit(f"study: corpus {key} has no {PIVOT}")
    run = Run(key, title, corpus.select(langs), langs)
    segs = segmenters_for(langs)
    t0 = time.time()
    log(f"{key}: {len(toks)} tokenizers x {len(langs)} languages x {len(corpus)} segments")
    run.res = tokeff.measure(run.corpus, [t.tok for t in toks], metrics=METRICS, pivot=PIVOT,
                             segmenters=segs, bootstrap=bootstrap, seed=0)
    run.doc_langs = [la for la in doc_langs if la in langs]
    if run.doc_langs:
        log(f"{key}: one-document aggregation on {len(run.doc_langs)} languages")
        run.doc = tokeff.measure(run.corpus.select(run.doc_langs), [t.tok for t in toks],
                                 metrics=["tokens", "parity"], pivot=PIVOT,
                                 segmenters={la: None for la in run.doc_langs},
                                 aggregation="document", bootstrap=0)
    run.seconds = time.time() - t0
    log(f"{key}: done in {run.seconds:.0f} s")
    return run


# ---------------------------------------------------------------------------------------------
# Statistics: per tokenizer and per origin group, with paired bootstrap intervals
# ---------------------------------------------------------------------------------------------

@dataclass
class Stat:
    point: float | None
    lo: float | None = None
    hi: float | None = None

    def fmt(self, fmt: Callable = f_num) -> str:
        return f_ci(self.point, self.lo, self.hi, fmt)

    def as_dict(self) -> dict:
        return {"value": self.point, "ci_low": self.lo, "ci_high": self.hi}


class Analysis:
    """Per-segment counts of one run, reduced to per-tokenizer and per-group statistics.

    Tokens per character, parity and tokens per word are computed for every bootstrap resample
    of the aligned segments (the same resample for every tokenizer and language, as in
    :func:`tokeff.measure`), so group means and the ratio of the Chinese-built to the
    foreign-built mean get intervals too.
    """

    def __init__(self, run: Run, toks: list[Tok], bootstrap: int, level: float = 0.95):
        self.run, self.toks, self.level = run, toks, level
        res = run.res
        self.langs = run.langs
        names = [t.name for t in toks]
        self.names = names
        c = res.counts
        n = len(run.corpus)
        T, L = len(names), len(self.langs)
        tokens = np.zeros((n, T, L))
        for i, t in enumerate(names):
            for j, la in enumerate(self.langs):
                tokens[:, i, j] = c[(t, la)].tokens
        chars = np.stack([c[(names[0], la)].chars for la in self.langs], axis=1).astype(float)
        words = np.stack([c[(names[0], la)].words if c[(names[0], la)].words is not None
                          else np.zeros(n) for la in self.langs], axis=1).astype(float)
        self.has_words = np.array([c[(names[0], la)].words is not None for la in self.langs])
        self.segmenter = {la: c[(names[0], la)].segmenter for la in self.langs}
        cols = np.concatenate([tokens.reshape(n, T * L), chars, words], axis=1)
        sums = cols.sum(axis=0)[None, :]
        if bootstrap > 0:
            boot = Bootstrap(n_resamples=bootstrap, seed=0, level=level)
            sums = np.concatenate([sums, boot.resampled_sums(cols)], axis=0)
        # index 0 = the full corpus (point values), 1.. = resamples
        tk = sums[:, :T * L].reshape(-1, T, L)
        ch = sums[:, T * L:T * L + L]
        wd = sums[:, T * L + L:]
        piv = self.langs.index(PIVOT)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.tpc = tk / ch[:, None, :] * 1000.0          # tokens per 1,000 chars
            self.parity = tk / tk[:, :, piv:piv + 1]
            self.fert = tk / wd[:, None, :]                   # tokens per word
        self.totals = {"tokens": tk[0], "chars": ch[0], "words": wd[0]}
        self.group_idx = {g: [i for i, t in enumerate(toks) if t.group == g] for g in GROUPS}

    # -- helpers ------------------------------------------------------------------------------
    def _stat(self, arr: np.ndarray) -> Stat:
        """arr: values for [full, resample 1, ...]."""
        p = float(arr[0])
        if not math.isfinite(p):
            return Stat(None)
        if len(arr) < 2:
            return Stat(p)
        r = arr[1:][np.isfinite(arr[1:])]
        a = (1 - self.level) / 2
        lo, hi = np.quantile(r, [a, 1 - a])
        return Stat(p, float(lo), float(hi))

    def li(self, lang: str) -> int:
        return self.langs.index(lang)

    def ti(self, name: str) -> int:
        return self.names.index(name)

    def per_tok(self, arr: np.ndarray, name: str, lang: str) -> Stat:
        return self._stat(arr[:, self.ti(name), self.li(lang)])

    def group_mean(self, arr: np.ndarray, group: str, lang: str,
                   members: Sequence[int] | None = None) -> Stat:
        idx = list(members) if members is not None else self.group_idx[group]
        if not idx:
            return Stat(None)
        return self._stat(arr[:, idx, self.li(lang)].mean(axis=1))

    def group_ratio(self, arr: np.ndarray, lang: str, cn: Sequence[int] | None = None,
                    fo: Sequence[int] | None = None) -> Stat:
        """Mean of the Chinese-built group / mean of the foreign-built group."""
        cn = list(cn) if cn is not None else self.group_idx["CN"]
        fo = list(fo) if fo is not None else self.group_idx["foreign"]
        if not cn or not fo:
            return Stat(None)
        j = self.li(lang)
        return self._stat(arr[:, cn, j].mean(axis=1) / arr[:, fo, j].mean(axis=1))

    def best(self, arr: np.ndarray, group: str, lang: str) -> tuple[str | None, Stat]:
        """The group's lowest tokenizer on the full corpus, and the group minimum (per
        resample, so its interval allows for another member being lowest)."""
        idx = self.group_idx[group]
        if not idx:
            return None, Stat(None)
        j = self.li(lang)
        name = self.names[idx[int(np.argmin(arr[0, idx, j]))]]
        return name, self._stat(arr[:, idx, j].min(axis=1))

    def best_ratio(self, arr: np.ndarray, lang: str) -> Stat:
        """Lowest Chinese-built / lowest foreign-built."""
        cn, fo = self.group_idx["CN"], self.group_idx["foreign"]
        if not cn or not fo:
            return Stat(None)
        j = self.li(lang)
        return self._stat(arr[:, cn, j].min(axis=1) / arr[:, fo, j].min(axis=1))

    def window_mean(self, window: int, group: str, lang: str, per: str) -> Stat:
        """Mean over a group of what a window holds: characters (per='chars') or words."""
        arr = self.tpc / 1000.0 if per == "chars" else self.fert
        idx = self.group_idx[group]
        if not idx:
            return Stat(None)
        with np.errstate(divide="ignore", invalid="ignore"):
            held = window / arr[:, idx, self.li(lang)]
        return self._stat(held.mean(axis=1))


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------

def compare_word(s: Stat) -> str:
    """'fewer'/'more'/'about as many' tokens for a CN/foreign ratio with its interval."""
    if s.point is None:
        return "n/a"
    if s.hi is not None and s.hi < 1:
        return "fewer"
    if s.lo is not None and s.lo > 1:
        return "more"
    if s.lo is None:
        return "fewer" if s.point < 1 else "more"
    return "about as many"


def _pct(x: float) -> str:
    return f"{abs(x) * 100:.1f}"


def pct_diff(s: Stat) -> str:
    """A CN/foreign ratio as '45 % fewer (95 % CI: 44 to 46 % fewer)'."""
    if s.point is None:
        return "n/a"
    d = s.point - 1
    word = "fewer" if d < 0 else "more"
    if abs(d) < 0.0005:
        word = "more" if d >= 0 else "fewer"
        if s.lo is not None and s.hi is not None and abs(s.lo - 1) < 0.0005 \
                and abs(s.hi - 1) < 0.0005:
            return "as many (0.0 %)"
    ci = ""
    if s.lo is not None and s.hi is not None:
        lo, hi = s.lo - 1, s.hi - 1
        if lo * hi > 0:  # the interval is on one side of parity
            a, b = sorted((abs(lo), abs(hi)))
            ci = f" (95 % CI: {_pct(a)} to {_pct(b)} % {word})"
        else:
            ci = f" (95 % CI: from {_pct(lo)} % fewer to {_pct(hi)} % more)"
    return f"{_pct(d)} % {word}{ci}"


def plot_paths(out: Path) -> dict[str, str]:
    return {}


class Renderer:
    def __init__(self, runs: list[Run], analyses: dict[str, Analysis], toks: list[Tok],
                 prices: PriceBook | None, windows: Sequence[int], workload_chars: int,
                 out: Path, bootstrap: int):
        self.runs, self.an, self.toks = runs, analyses, toks
        self.prices, self.windows, self.workload = prices, list(windows), workload_chars
        self.cost_models: list[str] = list(COST_MODELS)
        self.out, self.bootstrap = out, bootstrap
        self.summary: dict = {}

    def price_facts(self) -> tuple[str, str, str]:
        """(where the prices come from, the price table's own note, currency)."""
        if not self.prices:
            return "none", "", "no currency (no prices)"
        t = self.prices.table
        note = t.note if t is not None and t.note else ""
        cur = t.currency if t is not None else "USD"
        return self.prices.describe(), note, cur

    # -- tables -------------------------------------------------------------------------------
    def tok_header(self) -> list[str]:
        return [f"{t.name} ({t.origin})" for t in self.toks]

    def per_tok_table(self, an: Analysis, arr: np.ndarray, fmt: Callable,
                      ci: bool = True, skip_pivot: bool = False) -> str:
        rows = []
        for la in an.langs:
            if skip_pivot and la == PIVOT:
                continue
            cells = [lang_label(la)]
            for t in self.toks:
                s = an.per_tok(arr, t.name, la)
                cells.append(s.fmt(fmt) if ci else fmt(s.point))
            rows.append(cells)
        return md_table(["language", *self.tok_header()], rows)

    def group_table(self, an: Analysis, arr: np.ndarray, fmt: Callable,
                    skip_pivot: bool = False) -> str:
        rows = []
        for la in an.langs:
            if skip_pivot and la == PIVOT:
                continue
            cn = an.group_mean(arr, "CN", la)
            fo = an.group_mean(arr, "foreign", la)
            r = an.group_ratio(arr, la)
            best = min(((float(arr[0, i, an.li(la)]), t.name) for i, t in enumerate(self.toks)
                        if math.isfinite(arr[0, i, an.li(la)])), default=(None, "n/a"))
            rows.append([lang_label(la), cn.fmt(fmt), fo.fmt(fmt), r.fmt(f_num),
                         compare_word(r).split(" (")[0],
                         f"{best[1]} ({fmt(best[0])})" if best[0] is not None else "n/a"])
        return md_table(["language", "Chinese-built (mean)", "foreign-built (mean)",
                         "CN / foreign", "CN uses", "lowest tokenizer"], rows,
                        ["---", "---:", "---:", "---:", "---", "---"])

    def window_table(self, an: Analysis, window: int) -> str:
        rows = []
        for la in an.langs:
            cells = [lang_label(la)]
            for g in GROUPS:
                cells.append(an.window_mean(window, g, la, "chars").fmt(f_big))
            for g in GROUPS:
                cells.append(an.window_mean(window, g, la, "words").fmt(f_big)
                             if an.has_words[an.li(la)] else "no segmenter")
            rows.append(cells)
        return md_table(["language", "characters, Chinese-built", "characters, foreign-built",
                         "words, Chinese-built", "words, foreign-built"], rows)

    def window_tok_table(self, an: Analysis, window: int) -> str:
        rows = []
        for la in an.langs:
            cells = [lang_label(la)]
            for t in self.toks:
                v = an.tpc[0, an.ti(t.name), an.li(la)] / 1000.0
                cells.append(f_big(window / v) if v > 0 else "n/a")
            rows.append(cells)
        return md_table(["language", *self.tok_header()], rows)

    def cost_table(self, run: Run, langs: Sequence[str] | None = None) -> tuple[str, dict]:
        """Cost of a workload = the content of N English characters, in each language, per
        model: tokeff's own cost code (tokeff.pricing.cost_table) on this run's counts."""
        if not self.prices:
            return ("*No prices: install genai-prices (`pip install -e '.[prices]'`) or give "
                    "`--prices FILE`.*"), {}
        measured = {t.name for t in self.toks}
        try:
            specs = resolve_models(self.cost_models, self.prices)
        except tokeff.TokeffError as e:
            raise SystemExit(f"study: {e}") from None
        cols = [la for la in run.langs if langs is None or la in langs]
        usable = [s for s in specs if s.tokenizer.tokenizer in measured and s.price is not None]
        costs = {}
        if usable:
            table = tokeff_cost_table(run.res, usable, workload=f"{self.workload}chars:{PIVOT}",
                                      prices=self.prices, langs=cols)
            costs = {(r.model, r.lang): r.input_cost for r in table.rows}
        rows, data = [], {}
        for s in specs:
            tok = s.tokenizer.tokenizer
            head = [f"`{s.model}`", f"`{tok}`" if tok else "n/a",
                    f_price(s.price.input_per_1m) if s.price else "n/a"]
            if s.price is None:
                rows.append(head + [f"no price ({s.price_error})"] + [""] * (len(cols) - 1))
            elif tok is None:
                rows.append(head + [s.tokenizer.note] + [""] * (len(cols) - 1))
            elif tok not in measured:
                rows.append(head + ["tokenizer not measured"] + [""] * (len(cols) - 1))
            else:
                data[s.model] = {la: costs[(s.model, la)] for la in cols}
                rows.append(head + [f_money(costs[(s.model, la)]) for la in cols])
        header = ["model", "tokenizer", "price per 1M input tokens"] + \
            [f"`{la}`" for la in cols]
        return md_table(header, rows, ["---", "---", "---:"] + ["---:"] * len(cols)), data

    def doc_table(self, run: Run, show: Sequence[str] | None = None
                  ) -> tuple[str, dict, dict]:
        """Tokens of one concatenated document vs the sum over segments, per tokenizer: the
        relative change per language, and the extra tokens per join (median over languages)."""
        if run.doc is None:
            return "*Not measured.*", {}, {}
        rows, changes, per_join = [], {}, {}
        joins = max(len(run.corpus) - 1, 1)
        cols = [la for la in run.doc_langs if show is None or la in show]
        for t in self.toks:
            cells = [f"{t.name} ({t.origin})"]
            pj = []
            for la in run.doc_langs:
                seg = run.res.value(t.name, la, "tokens")
                doc = run.doc.value(t.name, la, "tokens")
                changes[(t.name, la)] = doc / seg - 1
                pj.append((doc - seg) / joins)
                if la in cols:
                    cells.append(f_pct(doc / seg - 1, 2))
            per_join[t.name] = float(np.median(pj))
            cells.append(f_num(per_join[t.name]))
            rows.append(cells)
        return (md_table(["tokenizer", *[f"`{la}`" for la in cols],
                          "extra tokens per join (median)"], rows), changes, per_join)

    # -- plots --------------------------------------------------------------------------------
    def plots(self, an: Analysis, key: str) -> dict[str, str]:
        try:
            import matplotlib
            matplotlib.use("Agg")
            from matplotlib.figure import Figure
        except ImportError:
            log("matplotlib is not installed: no plots (pip install -e '.[plot]')")
            return {}
        files: dict[str, str] = {}
        colours = {"CN": "#D55E00", "foreign": "#0072B2"}

        def save(fig, name):
            path = self.out / f"{key}-{name}.png"
            fig.savefig(path, dpi=110, facecolor="white", bbox_inches="tight",
                        metadata={"Software": None})
            files[name] = path.name

        # 1. tokens per 1,000 chars on Chinese and English, per tokenizer, grouped by origin
        focus = [la for la in (*CHINESE, PIVOT) if la in an.langs]
        order = sorted(range(len(self.toks)), key=lambda i: (self.toks[i].group != "CN",
                                                            an.tpc[0, i, an.li(focus[0])]))
        fig = Figure(figsize=(max(7, 0.7 * len(order) + 2), 4.2))
        ax = fig.subplots()
        width = 0.8 / len(focus)
        hatches = ["", "//", ".."]
        for k, la in enumerate(focus):
            j = an.li(la)
            xs = np.arange(len(order)) + (k - (len(focus) - 1) / 2) * width
            vals, los, his = [], [], []
            for i in order:
                s = an.per_tok(an.tpc, self.toks[i].name, la)
                vals.append(s.point)
                los.append(s.point - (s.lo if s.lo is not None else s.point))
                his.append((s.hi if s.hi is not None else s.point) - s.point)
            ax.bar(xs, vals, width, yerr=[los, his], capsize=2,
                   color=[colours[self.toks[i].group] for i in order], alpha=1 - 0.3 * k,
                   hatch=hatches[k % 3], edgecolor="white", label=la)
        ax.set_xticks(np.arange(len(order)))
        ax.set_xticklabels([self.toks[i].name for i in order], rotation=40, ha="right")
        ax.set_ylabel("tokens per 1,000 characters (lower is better)")
        ax.set_title(f"{an.run.title}: Chinese and English, per tokenizer\n"
                     "orange: Chinese-built, blue: foreign-built; bars: "
                     + ", ".join(f"{la} ({h or 'solid'})" for la, h in
                                 zip(focus, ["", "hatched //", "dotted"])), fontsize=9)
        ax.grid(axis="y", alpha=0.3)
        save(fig, "zh-en")

        # 2. parity vs English per language: group means with intervals
        langs = [la for la in an.langs if la != PIVOT]
        langs.sort(key=lambda la: an.group_mean(an.parity, "foreign", la).point or 0)
        fig = Figure(figsize=(7, 0.32 * len(langs) + 1.6))
        ax = fig.subplots()
        ys = np.arange(len(langs))
        for k, g in enumerate(GROUPS):
            st = [an.group_mean(an.parity, g, la) for la in langs]
            pts = np.array([s.point or np.nan for s in st])
            lo = np.array([s.point - s.lo if s.lo is not None else 0 for s in st])
            hi = np.array([s.hi - s.point if s.hi is not None else 0 for s in st])
            ax.errorbar(pts, ys + (k - 0.5) * 0.3, xerr=[lo, hi], fmt="o", ms=4, capsize=2,
                        color=colours[g], label=f"{GROUP_NAMES[g]} (mean of "
                                                f"{len(an.group_idx[g])})")
        ax.axvline(1.0, color="black", lw=0.8)
        ax.set_yticks(ys)
        ax.set_yticklabels(langs)
        ax.set_xscale("log")
        ax.set_xlabel("parity vs English: tokens / tokens of the English text (log scale)")
        ax.set_title(f"{an.run.title}: parity vs English by origin group", fontsize=10)
        ax.legend(fontsize=8, loc="lower right")
        ax.grid(axis="x", alpha=0.3)
        save(fig, "parity-groups")

        # 3. context window: characters held by the largest window, per group
        w = max(self.windows)
        langs2 = sorted(an.langs, key=lambda la: -(an.window_mean(w, "foreign", la,
                                                                  "chars").point or 0))
        fig = Figure(figsize=(7, 0.32 * len(langs2) + 1.6))
        ax = fig.subplots()
        ys = np.arange(len(langs2))
        for k, g in enumerate(GROUPS):
            vals = [(an.window_mean(w, g, la, "chars").point or 0) / 1000 for la in langs2]
            ax.barh(ys + (k - 0.5) * 0.4, vals, 0.4, color=colours[g], label=GROUP_NAMES[g])
        ax.set_yticks(ys)
        ax.set_yticklabels(langs2)
        ax.set_xlabel(f"thousand characters held by a {w:,}-token window (mean over group)")
        ax.set_title(f"{an.run.title}: what a {w:,}-token context window holds", fontsize=10)
        ax.legend(fontsize=8)
        ax.grid(axis="x", alpha=0.3)
        save(fig, "window")

        # 4. tokeff's own heatmap of parity, when the plots module is there
        try:
            from tokeff import plots as tplots
            fig = tplots.heatmap(an.run.res, "parity")
            save(fig, "parity-heatmap")
        except Exception as e:  # optional
            log(f"tokeff.plots heatmap skipped ({type(e).__name__}: {e})")
        return files

    # -- the page -----------------------------------------------------------------------------
    def values(self) -> dict[str, str]:
        v: dict[str, str] = {}
        primary = self.runs[-1]  # FLORES when measured, else the UDHR
        an = self.an[primary.key]
        v["primary_title"] = primary.title
        v["primary_key"] = primary.key
        v["n_segments"] = f"{len(primary.corpus):,}"
        v["n_langs"] = str(len(primary.langs))
        v["n_tokenizers"] = str(len(self.toks))
        v["n_cn"] = str(len(an.group_idx["CN"]))
        v["n_foreign"] = str(len(an.group_idx["foreign"]))
        v["cn_list"] = ", ".join(f"`{t.name}`" for t in self.toks if t.group == "CN") or "none"
        v["foreign_list"] = ", ".join(f"`{t.name}` ({t.origin})" for t in self.toks
                                      if t.group == "foreign") or "none"
        v["bootstrap"] = f"{self.bootstrap:,}"
        v["ci_level"] = "95"
        v["tokeff_version"] = tokeff.__version__
        v["corpora_list"] = "; ".join(f"{r.title}: {len(r.corpus):,} aligned segments × "
                                      f"{len(r.langs)} languages" for r in self.runs)
        # headline: Chinese, English
        head = []
        for la in [*CHINESE, PIVOT]:
            if la not in an.langs:
                continue
            r = an.group_ratio(an.tpc, la)
            cn = an.group_mean(an.tpc, "CN", la)
            fo = an.group_mean(an.tpc, "foreign", la)
            key = la.split("_")[1].lower() if la != PIVOT else "eng"
            v[f"h_{key}_cn"] = cn.fmt(f_per1k)
            v[f"h_{key}_fo"] = fo.fmt(f_per1k)
            v[f"h_{key}_ratio"] = r.fmt(f_num)
            v[f"h_{key}_diff"] = pct_diff(r)
            v[f"h_{key}_word"] = compare_word(r)
            head.append([lang_label(la), cn.fmt(f_per1k), fo.fmt(f_per1k), r.fmt(f_num),
                         pct_diff(r)])
            self.summary.setdefault("headline", {})[la] = {
                "cn_mean_tokens_per_1k_chars": cn.as_dict(),
                "foreign_mean_tokens_per_1k_chars": fo.as_dict(), "cn_over_foreign": r.as_dict()}
        v["headline_table"] = md_table(
            ["language", "Chinese-built: tokens per 1,000 chars", "foreign-built",
             "CN / foreign", "Chinese-built use"], head,
            ["---", "---:", "---:", "---:", "---"])
        # parity of Chinese vs English within each group
        for la in CHINESE:
            if la in an.langs:
                key = la.split("_")[1].lower()
                v[f"p_{key}_cn"] = an.group_mean(an.parity, "CN", la).fmt()
                v[f"p_{key}_fo"] = an.group_mean(an.parity, "foreign", la).fmt()
        # extremes per tokenizer on zho_Hans / eng
        for la, key in (("zho_Hans", "hans"), (PIVOT, "eng")):
            if la not in an.langs:
                continue
            vals = sorted((float(an.tpc[0, i, an.li(la)]), t.name) for i, t in
                          enumerate(self.toks))
            v[f"best_{key}"] = f"`{vals[0][1]}` ({f_per1k(vals[0][0])})"
            v[f"worst_{key}"] = f"`{vals[-1][1]}` ({f_per1k(vals[-1][0])})"
        # other languages: count where CN uses fewer / more / indistinguishable
        others = [la for la in an.langs if la not in (*CHINESE, "yue_Hant", PIVOT)]
        fewer = [la for la in others if compare_word(an.group_ratio(an.tpc, la)) == "fewer"]
        more = [la for la in others if compare_word(an.group_ratio(an.tpc, la)) == "more"]
        same = [la for la in others if la not in fewer and la not in more]
        v["n_others"] = str(len(others))
        v["others_fewer_n"], v["others_more_n"], v["others_same_n"] = \
            str(len(fewer)), str(len(more)), str(len(same))
        v["others_fewer"] = ", ".join(lang_label(la) for la in fewer) or "none"
        v["others_more"] = ", ".join(lang_label(la) for la in more) or "none"
        v["others_same"] = ", ".join(lang_label(la) for la in same) or "none"
        ratios = [an.group_ratio(an.tpc, la).point for la in others]
        ratios = [r for r in ratios if r is not None]
        v["others_median_ratio"] = f_num(float(np.median(ratios))) if ratios else "n/a"
        self.summary["other_languages"] = {"fewer": fewer, "more": more, "same": same,
                                           "median_cn_over_foreign": float(np.median(ratios))
                                           if ratios else None}
        # robustness: only vocabularies released 2024 or later
        cut = 2024
        cn_new = [i for i, t in enumerate(self.toks) if t.group == "CN" and (t.year or 0) >= cut]
        fo_new = [i for i, t in enumerate(self.toks)
                  if t.group == "foreign" and (t.year or 0) >= cut]
        v["recent_year"] = str(cut)
        v["recent_cn"] = ", ".join(f"`{self.toks[i].name}`" for i in cn_new) or "none"
        v["recent_fo"] = ", ".join(f"`{self.toks[i].name}`" for i in fo_new) or "none"
        rows = []
        for la in an.langs:
            r_all = an.group_ratio(an.tpc, la)
            r_new = an.group_ratio(an.tpc, la, cn_new, fo_new)
            rows.append([lang_label(la), r_all.fmt(), r_new.fmt()])
        v["recent_table"] = md_table(["language", "CN / foreign, all",
                                      f"CN / foreign, released {cut} or later"], rows)
        for la in [*CHINESE, PIVOT]:
            if la in an.langs:
                key = la.split("_")[1].lower() if la != PIVOT else "eng"
                v[f"r_{key}_recent"] = pct_diff(an.group_ratio(an.tpc, la, cn_new, fo_new))
        # other languages, recent vocabularies only
        def sides(ratios: dict[str, Stat]) -> tuple[list[str], list[str], list[str]]:
            f = [la for la, r in ratios.items() if compare_word(r) == "fewer"]
            m = [la for la, r in ratios.items() if compare_word(r) == "more"]
            return f, m, [la for la in ratios if la not in f and la not in m]

        rf, rm, rs = sides({la: an.group_ratio(an.tpc, la, cn_new, fo_new) for la in others})
        v["recent_others"] = (f"fewer tokens on {len(rf)}, more on {len(rm)} "
                              f"({', '.join(lang_label(x) for x in rm) or 'none'}) and about "
                              f"as many on {len(rs)}" if cn_new and fo_new else "n/a")
        # the most efficient tokenizer of each group
        best_rows, best_ratios = [], {}
        for la in an.langs:
            cn_name, cn_s = an.best(an.tpc, "CN", la)
            fo_name, fo_s = an.best(an.tpc, "foreign", la)
            r = an.best_ratio(an.tpc, la)
            best_ratios[la] = r
            best_rows.append([lang_label(la), f"`{cn_name}` {cn_s.fmt(f_per1k)}",
                              f"`{fo_name}` {fo_s.fmt(f_per1k)}", r.fmt(), compare_word(r)])
        v["best_table"] = md_table(["language", "lowest Chinese-built", "lowest foreign-built",
                                    "CN / foreign", "Chinese-built use"], best_rows,
                                   ["---", "---:", "---:", "---:", "---"])
        bf, bm, bs = sides(best_ratios)
        v["best_n"] = str(len(best_ratios))
        v["best_fewer_n"], v["best_more_n"], v["best_same_n"] = map(str, map(len, (bf, bm, bs)))
        v["best_fewer"] = ", ".join(lang_label(x) for x in bf) or "none"
        v["best_more"] = ", ".join(lang_label(x) for x in bm) or "none"
        v["best_same"] = ", ".join(lang_label(x) for x in bs) or "none"
        for la, key in (("zho_Hans", "hans"), ("zho_Hant", "hant"), (PIVOT, "eng")):
            if la in an.langs:
                v[f"b_{key}_cn"] = f"`{an.best(an.tpc, 'CN', la)[0]}`"
                v[f"b_{key}_fo"] = f"`{an.best(an.tpc, 'foreign', la)[0]}`"
                v[f"b_{key}_diff"] = pct_diff(best_ratios[la])
        self.summary["best_of_group"] = {la: r.as_dict() for la, r in best_ratios.items()}
        self.summary["recent_only"] = {"cn": [self.toks[i].name for i in cn_new],
                                       "foreign": [self.toks[i].name for i in fo_new],
                                       "other_languages": {"fewer": rf, "more": rm,
                                                           "same": rs}}
        # in short
        def level(r: Stat) -> str:
            w = compare_word(r)
            return {"fewer": f"{_pct(r.point - 1)} % lower", "more": f"{_pct(r.point - 1)} % higher"
                    }.get(w, "about the same (the interval includes parity)")

        parts = [f"{level(an.group_ratio(an.tpc, la))} on {what}"
                 for la, what in (("zho_Hans", "simplified Chinese"),
                                  ("zho_Hant", "traditional Chinese"), (PIVOT, "English"))
                 if la in an.langs]
        short = ("Against the foreign-built mean, the Chinese-built mean of tokens per "
                 "character is " + join_and(parts))
        if others:
            short += (f"; it is lower on {len(fewer)} of the {len(others)} other languages and "
                      f"higher on {len(more)}")
        short += "."
        if cn_new and fo_new:
            r_all = an.group_ratio(an.tpc, "zho_Hans").point if "zho_Hans" in an.langs else None
            r_new = (an.group_ratio(an.tpc, "zho_Hans", cn_new, fo_new).point
                     if "zho_Hans" in an.langs else None)
            lead = ("Part of the Chinese gap comes from older foreign vocabularies"
                    if r_all is not None and r_new is not None and abs(r_new - 1) < abs(r_all - 1)
                    else "Older vocabularies do not explain the Chinese gap")
            short += (f" {lead}: among "
                      f"vocabularies released in {cut} or later the difference is "
                      + join_and(f"{level(an.group_ratio(an.tpc, la, cn_new, fo_new))} on "
                                  f"{what}" for la, what in (("zho_Hans", "simplified Chinese"),
                                                             (PIVOT, "English"))
                                  if la in an.langs)
                      + f", and the Chinese-built use {v['recent_others']} of the other "
                        f"languages.")
        short += (f" Comparing the most efficient tokenizer of each group, the Chinese-built one "
                  f"uses fewer tokens on {len(bf)} of {len(best_ratios)} languages, more on "
                  f"{len(bm)} and about as many on {len(bs)}.")
        v["in_short"] = short
        # group tables
        v["group_tpc_table"] = self.group_table(an, an.tpc, f_per1k)
        v["group_parity_table"] = self.group_table(an, an.parity, f_num, skip_pivot=True)
        # windows
        wl = self.windows
        v["windows"] = " and ".join(f"{w:,}" for w in wl)
        v["window_small"], v["window_large"] = f"{min(wl):,}", f"{max(wl):,}"
        big = max(wl)
        v["window_table"] = self.window_table(an, big)
        for la, key in (("zho_Hans", "hans"), (PIVOT, "eng")):
            if la in an.langs:
                for g in GROUPS:
                    v[f"w_{key}_{g}_chars"] = an.window_mean(big, g, la, "chars").fmt(f_big)
                    v[f"w_{key}_{g}_words"] = an.window_mean(big, g, la, "words").fmt(f_big)
        # costs
        cost_md, cost_data = self.cost_table(primary, COST_LANGS)
        v["cost_table"] = cost_md
        _, cost_data = self.cost_table(primary)
        v["workload_chars"] = f"{self.workload:,}"
        v["prices_source"], v["prices_note"], v["currency"] = self.price_facts()
        self.summary["costs"] = cost_data
        self.summary["prices"] = {"source": v["prices_source"],
                                  "date": self.prices.date.isoformat() if self.prices else None,
                                  "models": self.cost_models}
        # document vs segments
        doc_parts, doc_summary = [], {}
        for run in self.runs:
            tbl, changes, per_join = self.doc_table(run, DOC_LANGS)
            if changes:
                vals = np.array(list(changes.values()))
                absmax = max(changes.items(), key=lambda kv: abs(kv[1]))
                zh = [c for (t, la), c in changes.items() if la in CHINESE]
                par_changes = []
                for t in self.toks:
                    for la in run.doc_langs:
                        if la == PIVOT:
                            continue
                        a = run.res.value(t.name, la, "parity")
                        b = run.doc.value(t.name, la, "parity")
                        par_changes.append(b / a - 1)
                one = [t for t, x in per_join.items() if x >= 0.8]
                none_ = [t for t, x in per_join.items() if x <= 0.2]
                doc_summary[run.key] = {
                    "median_abs_change": float(np.median(np.abs(vals))),
                    "max_abs_change": float(np.max(np.abs(vals))),
                    "max_at": list(absmax[0]),
                    "max_abs_parity_change": float(np.max(np.abs(par_changes)))
                    if par_changes else None,
                    "extra_tokens_per_join": per_join,
                    "changes": {f"{t}|{la}": c for (t, la), c in changes.items()}}
                zh_txt = (f"; on Chinese between {f_pct(min(zh), 2)} and {f_pct(max(zh), 2)}"
                          if zh else "")
                par_txt = (f" Parity vs English moves by at most "
                           f"{f_pct(float(np.max(np.abs(par_changes))), 2, sign=False)}."
                           if par_changes else "")
                doc_parts.append(
                    f"**{run.title}** ({len(run.doc_langs)} languages × {len(self.toks)} "
                    f"tokenizers, {len(run.corpus):,} segments joined by {len(run.corpus) - 1:,} "
                    f"newlines): one document changes the token total by "
                    f"{f_pct(float(np.median(np.abs(vals))), 2, sign=False)} in the median "
                    f"(absolute), at most {f_pct(absmax[1], 2)} (`{absmax[0][0]}` on "
                    f"`{absmax[0][1]}`){zh_txt}.{par_txt} {len(one)} of {len(self.toks)} tokenizers "
                    f"spend about one extra token per join (median over languages): "
                    f"{', '.join(f'`{t}`' for t in one) or 'none'}; for them the change is the "
                    f"separator itself. {len(none_)} spend almost none per join.\n\n"
                    f"Change of the token total, one document vs sum over segments"
                    f"{' (the tables page has every language)' if len(run.doc_langs) > len([la for la in run.doc_langs if la in DOC_LANGS]) else ''}"
                    f":\n\n{tbl}\n")
        v["doc_sections"] = "\n".join(doc_parts) or "*Not measured.*"
        self.summary["document_vs_segments"] = doc_summary
        # tokenizer table
        v["tokenizer_table"] = md_table(
            ["tokenizer", "developer", "origin", "group", "vocabulary", "released"],
            [[f"`{t.name}`", t.developer, t.origin, GROUP_NAMES[t.group], f"{t.vocab_size:,}",
              str(t.year or "?")] for t in self.toks],
            ["---", "---", "---", "---", "---:", "---:"])
        for g in GROUPS:
            sizes = [t.vocab_size for t in self.toks if t.group == g]
            v[f"vocab_{g}"] = f"{int(np.median(sizes)):,}" if sizes else "n/a"
        # signatures, segmenters
        by_seg: dict[str, list[str]] = {}
        for la in an.langs:
            seg = an.segmenter[la]
            name = "no segmenter" if not seg else seg.split("+")[0].rsplit("-", 1)[0]
            by_seg.setdefault(name, []).append(f"`{la}`")
        v["segmenters"] = "; ".join(f"{k}: {', '.join(x)}" for k, x in by_seg.items())
        v["seconds"] = " + ".join(f"{r.seconds:.0f} s ({r.key})" for r in self.runs)
        return v

    def corpus_section(self, run: Run, tmpl: string.Template) -> str:
        an = self.an[run.key]
        files = self.plots(an, run.key)
        img = {k: f"![{k}]({f})" for k, f in files.items()}
        vals = {
            "title": run.title, "key": run.key, "n_segments": f"{len(run.corpus):,}",
            "n_langs": str(len(run.langs)),
            "group_tpc_table": self.group_table(an, an.tpc, f_per1k),
            "group_parity_table": self.group_table(an, an.parity, f_num, skip_pivot=True),
            "img_zh_en": img.get("zh-en", "*(no plot: matplotlib missing)*"),
            "img_parity_groups": img.get("parity-groups", "*(no plot)*"),
            "img_window": img.get("window", "*(no plot)*"),
            "img_heatmap": img.get("parity-heatmap", "*(no plot)*"),
        }
        return tmpl.substitute(vals)

    def tables_page(self, tmpl: string.Template) -> str:
        parts = []
        for run in self.runs:
            an = self.an[run.key]
            sec = [f"## {run.title}", "",
                   "### Tokens per 1,000 characters (lower is better)", "",
                   self.per_tok_table(an, an.tpc, f_per1k), "",
                   "### Parity vs English (1 = as many tokens as the English text; lower is "
                   "better)", "",
                   self.per_tok_table(an, an.parity, f_num, skip_pivot=True), "",
                   "### Tokens per word (fertility; lower is better)", "",
                   self.per_tok_table(an, an.fert, f_num), "",
                   ]
            for w in self.windows:
                sec += [f"### Characters held by a context window of {w:,} tokens", "",
                        self.window_tok_table(an, w), ""]
            cost_md, _ = self.cost_table(run)
            source, note, currency = self.price_facts()
            sec += [f"### Cost of a workload ({currency}; prices: {source})", "",
                    *([note, ""] if note else []), cost_md, ""]
            tbl, _, _ = self.doc_table(run)
            sec += ["### One document vs a sum over segments: change of the token total", "",
                    tbl, ""]
            sec += ["### Signatures", "", *[f"- `{s}`" for s in
                                            run.res.signature_summary()], ""]
            parts.append("\n".join(sec))
        return tmpl.substitute({"sections": "\n".join(parts),
                                "tokeff_version": tokeff.__version__,
                                "bootstrap": f"{self.bootstrap:,}", "ci_level": "95"})


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

#: Template placeholders about one language: h_hant_diff, p_hans_cn, best_hans, w_eng_CN_chars...
_LANG_KEYS = {"hans": "zho_Hans", "hant": "zho_Hant", "eng": PIVOT}


def fill_unmeasured(values: dict[str, str], tmpl: string.Template) -> None:
    """Placeholders about a language the run did not measure (e.g. traditional Chinese when
    --langs leaves out zho_Hant) say so, instead of failing with a KeyError."""
    for m in tmpl.pattern.finditer(tmpl.template):
        name = m.group("named") or m.group("braced")
        if not name or name in values:
            continue
        for key, code in _LANG_KEYS.items():
            if f"_{key}_" in f"_{name}_":
                values[name] = f"n/a ({code} not measured; add it to --langs)"
                break


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python study/make_study.py",
        description="Run the study (Chinese-built vs foreign-built tokenizers) and write the "
                    "page, tables and plots into docs/study/.")
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "study",
                   help="output directory (default: docs/study)")
    p.add_argument("--tokenizers", default="@available",
                   help="comma-separated specs or groups (default: @available, every catalogue "
                        "tokenizer whose package is installed)")
    p.add_argument("--langs", default=None, help="comma-separated languages (default: a spread "
                                                 "of 24 languages and scripts)")
    p.add_argument("--flores", default=None,
                   help="FLORES-200 directory, 'auto' ($TOKEFF_FLORES200 or "
                        "../shared/corpora/flores200; the default) or 'none' (the default "
                        "with --quick)")
    p.add_argument("--no-udhr", action="store_true", help="leave out the embedded UDHR")
    p.add_argument("--prices", type=Path, default=None,
                   help="your price table, TOML or CSV (see study/prices.example.toml); it "
                        "overrides genai-prices for the models it lists")
    p.add_argument("--no-price-database", action="store_true",
                   help="do not use genai-prices (only --prices)")
    p.add_argument("--cost-models", default=None,
                   help=f"models in the cost table (default: {','.join(COST_MODELS)}; with "
                        f"--quick {','.join(QUICK_COST_MODELS)})")
    p.add_argument("--price-date", default=None,
                   help="read prices in force on this date, YYYY-MM-DD (default: today)")
    p.add_argument("--workload-chars", type=int, default=WORKLOAD_CHARS,
                   help=f"workload size in English characters of content (default: "
                        f"{WORKLOAD_CHARS:,})")
    p.add_argument("--windows", default=",".join(str(w) for w in WINDOWS),
                   help="context windows in tokens (default: 8000,128000)")
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples")
    p.add_argument("--quick", action="store_true",
                   help=f"a small run (tokenizers {', '.join(QUICK_TOKENIZERS)}; languages "
                        f"{', '.join(QUICK_LANGS)}; 200 resamples; no FLORES)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    t_start = time.time()
    if args.quick:
        specs, langs, boot = list(QUICK_TOKENIZERS), list(QUICK_LANGS), min(args.bootstrap, 200)
        flores = args.flores or "none"
    else:
        specs = [s.strip() for s in args.tokenizers.split(",") if s.strip()]
        langs = list(LANGS)
        boot, flores = args.bootstrap, args.flores or "auto"
    if args.langs:
        from tokeff.langs import resolve_lang
        langs = [resolve_lang(x.strip()) for x in args.langs.split(",") if x.strip()]
    if PIVOT not in langs:
        langs.insert(0, PIVOT)
    windows = [int(w) for w in args.windows.split(",") if w.strip()]
    prices = price_book(args.prices, not args.no_price_database, args.price_date)
    workload = args.workload_chars

    toks = load_tokenizers(specs)
    if not any(t.group == "CN" for t in toks) or not any(t.group == "foreign" for t in toks):
        log("warning: one origin group is empty; group comparisons will be n/a")

    runs: list[Run] = []
    if not args.no_udhr:
        try:
            udhr = tokeff.load_corpus("udhr")
        except tokeff.TokeffError as e:
            log(f"the embedded UDHR is not available ({e}); skipping it")
        else:
            runs.append(measure_run("udhr", "UDHR (embedded, 31 articles)", udhr, toks, langs,
                                    langs, boot))
    if flores != "none":
        from tokeff.corpora import flores_dir, load_flores_dir
        d = flores_dir() if flores == "auto" else Path(flores)
        if d is not None and d.is_dir():
            fl = load_flores_dir(d, split="dev+devtest", name="flores200")
            runs.append(measure_run("flores200", "FLORES-200 dev+devtest", fl, toks, langs,
                                    [la for la in DOC_LANGS if la in langs], boot))
        else:
            log("FLORES-200 not found ($TOKEFF_FLORES200); the study uses the UDHR only")
    if not runs:
        raise SystemExit("study: no corpus could be measured")

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    (out / "data").mkdir(exist_ok=True)
    analyses = {r.key: Analysis(r, toks, boot) for r in runs}
    rnd = Renderer(runs, analyses, toks, prices, windows, workload, out, boot)
    cost_models = args.cost_models or ",".join(QUICK_COST_MODELS if args.quick else COST_MODELS)
    rnd.cost_models = [m.strip() for m in cost_models.split(",") if m.strip()]

    corpus_tmpl = string.Template((HERE / "template_corpus.md").read_text(encoding="utf-8"))
    values = rnd.values()
    values["corpus_sections"] = "\n".join(rnd.corpus_section(r, corpus_tmpl) for r in runs)
    values["flores_note"] = (
        "" if any(r.key == "flores200" for r in runs) else
        "> **FLORES-200 was not found** when this page was generated, so every number below "
        "comes from the UDHR alone (31 segments: wide intervals). Set `TOKEFF_FLORES200` and "
        "run the script again.\n")
    values["total_seconds"] = f"{time.time() - t_start:.0f}"
    page_tmpl = string.Template((HERE / "template.md").read_text(encoding="utf-8"))
    fill_unmeasured(values, page_tmpl)
    page = page_tmpl.substitute(values)
    (out / "index.md").write_text(page, encoding="utf-8")
    tables = rnd.tables_page(string.Template(
        (HERE / "template_tables.md").read_text(encoding="utf-8")))
    (out / "tables.md").write_text(tables, encoding="utf-8")
    for r in runs:
        (out / "data" / f"{r.key}-results.json").write_text(r.res.to_json(indent=None) + "\n",
                                                            encoding="utf-8")
        if r.doc is not None:
            (out / "data" / f"{r.key}-document-results.json").write_text(
                r.doc.to_json(indent=None) + "\n", encoding="utf-8")
    rnd.summary["tokenizers"] = [{"name": t.name, "origin": t.origin, "group": t.group,
                                  "developer": t.developer, "vocab_size": t.vocab_size,
                                  "release_year": t.year} for t in toks]
    rnd.summary["corpora"] = {r.key: {"segments": len(r.corpus), "langs": r.langs,
                                      "content_hash": r.corpus.content_hash()} for r in runs}
    rnd.summary["settings"] = {"bootstrap": boot, "seed": 0, "windows": windows,
                               "workload_english_chars": workload,
                               "tokeff": tokeff.__version__}
    (out / "data" / "summary.json").write_text(
        json.dumps(rnd.summary, indent=1, ensure_ascii=False, sort_keys=True) + "\n",
        encoding="utf-8")
    log(f"wrote {out}/index.md, tables.md, plots and data/ in {time.time() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
