"""measure(): corpus x tokenizers -> signed Results."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np

from ._version import __version__
from .corpora import Corpus, load_corpus
from .counting import Counts, count_all
from .errors import UsageError
from .inputs import normalize_measure_args  # issue 15 hook (in-memory data, single strings)
from .langs import resolve_lang
from .metrics import DEFAULT_METRICS, METRICS, Bootstrap, metric_value, ratio_arrays
from .results import Results, Row, Signature
from .segmenters import resolve_segmenters
from .streaming import StreamingCorpus, open_stream
from .tokenizers import Tokenizer, get_tokenizer

AGGREGATIONS = ("totals", "document")
#: Metrics whose value depends on the word segmenter (their signature records it).
WORD_METRICS = frozenset({"words", "fertility", "continued_words"})


def _short(h: str) -> str:
    """First 16 hex digits of a sha256; other identifiers (user fingerprints) are kept whole."""
    return h[:16] if len(h) == 64 and all(c in "0123456789abcdef" for c in h) else h


def measure(corpus: Corpus | str | None, tokenizers: Sequence[Tokenizer | str | object], *,
            langs: Sequence[str] | None = None, pivot: str = "eng_Latn",
            metrics: Sequence[str] | None = None, reference: Tokenizer | str | None = None,
            segmenters: Mapping[str, str | None] | None = None, normalization: str = "none",
            split: str | None = None, aggregation: str = "totals", bootstrap: int = 1000,
            seed: int = 0, ci: float = 0.95, alpha: float = 2.5, workers: int | None = None,
            progress: Callable[[str], None] | None = None, cache: object = None,
            executor: object = None, chunk_size: int | None = None) -> Results:
    """Measure tokenizers on a parallel corpus.

    Every tokenizer is run on every language; the pivot language (for ``parity``) is measured
    too. Ratio metrics get a 95% paired bootstrap CI (``bootstrap`` resamples of the aligned
    segments, the same resample for every tokenizer and language; 0 turns it off).

    Performance options never change a number: ``cache`` (True, False, a directory; default
    ``$TOKEFF_CACHE``) reuses per-segment counts from disk (:mod:`tokeff.cache`); ``executor``
    (``"threads"``, ``"processes"``, ``"serial"``, a ``concurrent.futures.Executor`` or a Dask
    ``distributed.Client``) and ``workers`` choose where counting runs; ``chunk_size`` streams
    the corpus from its files in chunks of that many aligned segments, keeping only compact
    count arrays in memory (:mod:`tokeff.streaming`).

    >>> res = measure("udhr", ["cl100k_base", "qwen2.5"], langs=["en", "zh"],
    ...               metrics=["tokens", "parity"], bootstrap=200)
    >>> res.value("cl100k_base", "zho_Hans", "tokens")
    3118.0
    >>> round(res.value("cl100k_base", "zho_Hans", "parity"), 3)
    1.652
    >>> row = res.get("qwen2.5", "zho_Hans", "parity")
    >>> row.ci_low < row.value < row.ci_high, row.n_segments
    (True, 31)
    """
    # -- issue 15 hook: in-memory data, "-"/.txt, single strings, langs="all" (tokeff/inputs.py)
    corpus, tokenizers, langs, metrics = normalize_measure_args(corpus, tokenizers, langs,
                                                                metrics, pivot)
    # -- end of issue 15 hook
    if aggregation not in AGGREGATIONS:
        raise UsageError(f"aggregation must be one of {', '.join(AGGREGATIONS)}, "
                         f"not {aggregation!r}")
    if not 0 < ci < 1:
        raise UsageError(f"ci must be between 0 and 1 (e.g. 0.95), not {ci}")
    if bootstrap < 0:
        raise UsageError(f"bootstrap must be >= 0 resamples, not {bootstrap}")
    metric_list = list(metrics) if metrics else list(DEFAULT_METRICS)
    for m in metric_list:
        if m not in METRICS:
            raise UsageError(f"unknown metric {m!r}; available: {', '.join(METRICS)}")
    if reference is not None and "nsl" not in metric_list and metrics is None:
        metric_list.append("nsl")
    if "nsl" in metric_list and reference is None:
        raise UsageError("metric 'nsl' needs a reference tokenizer (reference=... / --reference)")
    pivot_code = resolve_lang(pivot) if pivot else None

    wanted = [resolve_lang(x) for x in langs] if langs else None
    if wanted is not None and pivot_code and pivot_code not in wanted and "parity" in metric_list:
        wanted = wanted + [pivot_code]
    if (isinstance(corpus, Corpus) and wanted is not None and pivot_code not in corpus.segments
            and "parity" in metric_list):
        raise UsageError(f"pivot language {pivot_code} is not in corpus {corpus.name!r}; choose "
                         f"another pivot (--pivot) or leave out the parity metric")
    if chunk_size is not None or isinstance(corpus, StreamingCorpus):
        if aggregation == "document":
            raise UsageError("aggregation='document' needs the whole corpus in memory; "
                             "leave out chunk_size (or use aggregation='totals')")
        corp = open_stream(corpus, split=split, langs=wanted, normalization=normalization,
                           chunk_size=chunk_size)
    elif isinstance(corpus, Corpus):
        corp = corpus.select(wanted, normalization=normalization)
    else:
        corp = load_corpus(corpus, split=split, langs=wanted, normalization=normalization)
    if "parity" in metric_list and pivot_code not in corp.segments:
        raise UsageError(f"pivot language {pivot_code} is not in corpus {corp.name!r}; choose "
                         f"another pivot (--pivot) or leave out the parity metric")
    if aggregation == "document":
        corp = Corpus(corp.name, {k: ["\n".join(v)] for k, v in corp.segments.items()},
                      split=corp.split, normalization=corp.normalization)
    toks = [get_tokenizer(t) for t in tokenizers]
    if not toks:
        raise UsageError("no tokenizer given")
    names = [t.name for t in toks]
    if len(set(names)) != len(names):
        raise UsageError(f"tokenizer names must be distinct: {names}")
    ref_tok = get_tokenizer(reference) if reference is not None else None
    all_toks = toks + ([ref_tok] if ref_tok is not None and ref_tok.name not in names else [])

    seg_names = resolve_segmenters(corp.langs, segmenters)
    need_spans = any(m in metric_list for m in ("continued_words", "unk_rate"))
    need_words = any(m in WORD_METRICS for m in metric_list)
    counts = count_all(corp, all_toks, seg_names, spans=need_spans, workers=workers,
                       progress=progress, cache=cache, executor=executor, words=need_words)
    boot = Bootstrap(n_resamples=bootstrap if aggregation == "totals" else 0, seed=seed, level=ci)
    rows = _rows(corp, toks, ref_tok, counts, metric_list, pivot_code, boot, aggregation, alpha)
    meta = {
        "tokeff": __version__,
        "corpus": corp.name, "split": corp.split, "corpus_hash": corp.content_hash(),
        "n_segments": len(corp), "normalization": corp.normalization,
        "langs": corp.langs, "pivot": pivot_code, "reference": ref_tok.name if ref_tok else None,
        "metrics": metric_list, "aggregation": aggregation,
        "bootstrap": {"resamples": boot.n_resamples, "seed": seed, "ci": ci},
        "alpha": alpha,
        "segmenters": {la: counts[(toks[0].name, la)].segmenter for la in corp.langs},
        "tokenizers": {t.name: _tok_meta(t) for t in all_toks},
    }
    return Results(rows, meta, counts)


def _tok_meta(t: Tokenizer) -> dict:
    d = {"backend": t.backend, "backend_version": t.backend_version,
         "fingerprint": t.fingerprint(), "content_hash": t.content_hash(),
         "vocab_size": int(t.vocab_size), "normalization": t.required_normalization}
    for attr in ("origin", "developer", "family"):
        v = getattr(t, attr, None)
        if v is not None:
            d[attr] = v
    return d


def _rows(corp: Corpus, toks: list[Tokenizer], ref_tok: Tokenizer | None,
          counts: dict[tuple[str, str], Counts], metric_list: list[str], pivot: str | None,
          boot: Bootstrap, aggregation: str, alpha: float) -> list[Row]:
    n = len(corp)
    # Gather every (numerator, denominator) pair, then run one bootstrap over all columns.
    cells: list[tuple[Tokenizer, str, str]] = [(t, la, m) for t in toks for la in corp.langs
                                               for m in metric_list]
    col_index: dict[int, int] = {}
    columns: list[np.ndarray] = []
    pairs: dict[tuple[str, str, str], tuple[int, int]] = {}

    def col(a: np.ndarray) -> int:
        key = id(a)
        if key not in col_index:
            col_index[key] = len(columns)
            columns.append(a)
        return col_index[key]

    def ctx(t: Tokenizer, la: str):
        c = counts[(t.name, la)]
        pv = counts.get((t.name, pivot)) if pivot else None
        rf = counts.get((ref_tok.name, la)) if ref_tok else None
        return c, pv, rf

    points: dict[tuple[str, str, str], tuple[float | None, str | None]] = {}
    for t, la, m in cells:
        c, pv, rf = ctx(t, la)
        v = metric_value(m, c, pivot=pv, ref=rf, alpha=alpha)
        points[(t.name, la, m)] = (v.value, v.reason)
        if v.available and boot.n_resamples > 0 and METRICS[m].kind == "ratio":
            arrs = ratio_arrays(m, c, pivot=pv, ref=rf)
            if arrs is not None:
                pairs[(t.name, la, m)] = (col(arrs[0]), col(arrs[1]))
    intervals: dict[tuple[str, str, str], tuple[float, float] | None] = {}
    if pairs:
        sums = boot.resampled_sums(np.stack(columns, axis=1))
        for key, (a, b) in pairs.items():
            intervals[key] = boot.interval(sums[:, a], sums[:, b])

    chash = _short(corp.content_hash())
    rows: list[Row] = []
    for t in toks:
        for la in corp.langs:
            c = counts[(t.name, la)]
            sig = Signature(
                version=__version__, tok=t.name, fp=_short(t.fingerprint()),
                vocab=_short(t.content_hash()), backend=f"{t.backend}-{t.backend_version}",
                tnorm=t.required_normalization, corpus=corp.name, split=corp.split, chash=chash,
                norm=corp.normalization, seg=c.segmenter or "none", agg=aggregation,
                boot=boot.settings(), pivot=pivot or "none",
                ref=ref_tok.name if ref_tok else "none", alpha=f"{alpha:g}",
            )
            # Only word-based metrics depend on the segmenter; the others say so.
            sig_nowords = replace(sig, seg="n/a")
            for m in metric_list:
                value, reason = points[(t.name, la, m)]
                iv = intervals.get((t.name, la, m))
                rows.append(Row(t.name, la, m, value, iv[0] if iv else None,
                                iv[1] if iv else None, n,
                                sig if m in WORD_METRICS else sig_nowords, reason))
    return rows


def compare(corpus: Corpus | str | None = None, tokenizers: Sequence[Tokenizer | str] | None = None,
            **kwargs) -> Results:
    """:func:`measure` with defaults: the embedded UDHR and the catalogue's default tokenizers.

    >>> res = compare(tokenizers=["cl100k_base"], langs=["en", "zh"], metrics=["parity"],
    ...               bootstrap=0)
    >>> res.meta["corpus"], round(res.value("cl100k_base", "zho_Hans", "parity"), 3)
    ('udhr', 1.652)
    """
    if tokenizers is None:
        from .tokenizers import default_tokenizer_names

        tokenizers = default_tokenizer_names()
    return measure(corpus, tokenizers, **kwargs)
