"""measure(): corpus x tokenizers -> signed Results."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np

from ._progress import ProgressBar
from ._version import __version__
from .corpora import Corpus, StreamingCorpus, load_corpus, open_stream
from .counting import CountPlan, Counts
from .diagnostics import attach, non_nfc_langs
from .errors import UsageError
from .inputs import normalize_measure_args
from .langs import DEFAULT_LANGS, resolve_lang
from .metrics import (
    DEFAULT_METRICS,
    METRICS,
    WORD_METRICS,
    Bootstrap,
    metric_value,
    ratio_arrays,
)
from .results import Results, Row, Signature
from .segmenters import resolve_segmenters
from .tokenizers import Tokenizer, default_tokenizer_names, get_tokenizer

AGGREGATIONS = ("totals", "document")
#: The most bootstrap resamples measure() accepts. Each resample keeps one float64 sum per
#: tokenizer x language x ratio metric and costs a pass over the segments, so 10^9 resamples
#: asked for ~60 GB; CI ends stop moving long before 100,000 (1,000-10,000 is usual).
MAX_BOOTSTRAP = 100_000
#: ``langs="default"``: a spread of major languages when the corpus has more than these.
DEFAULT_LANG_SELECTION = "default"


def _short(h: str) -> str:
    """First 16 hex digits of a sha256; other identifiers (user fingerprints) are kept whole."""
    return h[:16] if len(h) == 64 and all(c in "0123456789abcdef" for c in h) else h


def measure(corpus: Corpus | str | None, tokenizers: Sequence[Tokenizer | str | object], *,
            langs: Sequence[str] | str | None = None, pivot: str | None = "eng_Latn",
            metrics: Sequence[str] | None = None, reference: Tokenizer | str | None = None,
            segmenters: Mapping[str, str | None] | None = None, normalization: str = "none",
            split: str | None = None, aggregation: str = "totals", separator: str = "\n",
            split_end: str = "",
            bootstrap: int = 1000, seed: int = 0, ci: float = 0.95, alpha: float = 2.5,
            workers: int | None = None, progress: Callable[[str], None] | bool | None = None,
            cache: object = None, executor: object = None, scheduler: str | None = None,
            chunk_size: int | None = None, require_pivot: bool | None = None) -> Results:
    """Measure tokenizers on a parallel corpus.

    Every tokenizer is run on every language; the pivot language (for ``parity``) is measured
    too. Ratio metrics get a 95% paired bootstrap CI (``bootstrap`` resamples of the aligned
    segments, the same resample for every tokenizer and language; 0 turns it off).

    ``langs``: codes or aliases, ``"all"``, or ``"default"`` (a spread of major languages when
    the corpus has more than those; all of them otherwise). ``pivot=None`` (or ``"none"``)
    measures no parity. With ``split_end``, each split (file) of the document ends with that
    text before the splits are joined: ``separator=" ", split_end=" "`` is the text Petrov et al.
    (2023) encoded (Python's ``str.split("\\n")`` of a file with a final newline keeps an empty
    last line, which the join turns into an extra space after each file). ``progress``: True draws a bar (a widget in notebooks), or a callable
    called with ``"<tokenizer> <lang>"`` as each is done. ``aggregation="document"`` encodes each language as one document, its
    segments joined by ``separator`` (recorded in the signature).

    Performance options never change a number: ``cache`` (True, False, a directory; default
    ``$TOKEFF_CACHE``) reuses per-segment counts from disk (:mod:`tokeff.counting.cache`);
    ``executor`` (``"threads"``, ``"processes"``, ``"serial"``, ``"dask"``, a
    ``concurrent.futures.Executor`` or a Dask ``distributed.Client``), ``scheduler`` (a Dask
    scheduler address) and ``workers`` choose where counting runs; ``chunk_size`` streams the
    corpus from its files in chunks of that many aligned segments, keeping only compact count
    arrays in memory (:mod:`tokeff.corpora.stream`).

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
    check_run_options(alpha=alpha, bootstrap=bootstrap, workers=workers)
    # In-memory data (mappings, DataFrames, datasets), "-" or a .txt file, single strings.
    spread = langs == DEFAULT_LANG_SELECTION
    corpus, tokenizers, langs, metrics = normalize_measure_args(
        corpus, tokenizers, None if spread else langs, metrics, pivot)
    if spread:
        langs = DEFAULT_LANG_SELECTION
    if aggregation not in AGGREGATIONS:
        raise UsageError(f"aggregation must be one of {', '.join(AGGREGATIONS)}, "
                         f"not {aggregation!r}")
    if not isinstance(separator, str):
        raise UsageError(f"separator must be a string, not {type(separator).__name__}")
    if (separator != "\n" or split_end) and aggregation != "document":
        raise UsageError("separator and split_end apply to aggregation='document' "
                         "(--aggregation document)")
    if not isinstance(split_end, str):
        raise UsageError(f"split_end must be a string, not {type(split_end).__name__}")
    if not 0 < ci < 1:
        raise UsageError(f"ci must be between 0 and 1 (e.g. 0.95), not {ci}")
    explicit_metrics = (metrics is not None and len(metrics) > 0) if require_pivot is None \
        else require_pivot
    metric_list = list(metrics) if metrics else list(DEFAULT_METRICS)
    for m in metric_list:
        if m not in METRICS:
            raise UsageError(f"unknown metric {m!r}; available: {', '.join(METRICS)}")
    if reference is not None and "nsl" not in metric_list and metrics is None:
        metric_list.append("nsl")
    if "nsl" in metric_list and reference is None:
        raise UsageError("metric 'nsl' needs a reference tokenizer (reference=... / --reference)")
    pivot_code = resolve_lang(pivot) if pivot and pivot != "none" else None
    wants_parity = "parity" in metric_list and pivot_code is not None

    corp = _select_corpus(corpus, langs, pivot_code, wants_parity, explicit_metrics,
                          split=split, normalization=normalization, chunk_size=chunk_size,
                          aggregation=aggregation)
    if wants_parity and pivot_code not in corp.segments and explicit_metrics:
        raise UsageError(f"pivot language {pivot_code} is not in corpus {corp.name!r}; "
                         f"choose another pivot (--pivot), --pivot none, or leave out the "
                         f"parity metric")
    pivot_reason = (None if pivot_code is None or pivot_code in corp.segments else
                    f"not available (pivot language {pivot_code} is not in corpus "
                    f"{corp.name!r}; choose another with --pivot)")
    if pivot_code is None:
        pivot_reason = "not available (no pivot language)"
    if aggregation == "document":
        assert isinstance(corp, Corpus)
        corp = Corpus(corp.name, {k: [_document(corp, k, separator, split_end)]
                                  for k in corp.langs},
                      split=corp.split, normalization=corp.normalization)
    # Catalogue tokenizers known from an earlier load are loaded on first use only: a run the
    # count cache answers loads none of them.
    toks = [get_tokenizer(t, lazy=True) for t in tokenizers]  # (a list: see inputs)
    if not toks:
        raise UsageError("no tokenizer given")
    names = [t.name for t in toks]
    if len(set(names)) != len(names):
        raise UsageError(f"tokenizer names must be distinct: {names}")
    ref_tok = get_tokenizer(reference, lazy=True) if reference is not None else None
    all_toks = toks + ([ref_tok] if ref_tok is not None and ref_tok.name not in names else [])

    seg_names = resolve_segmenters(corp.langs, segmenters)
    if progress is True:
        progress = ProgressBar(notebook=True, label="tokeff measure")
    if hasattr(progress, "set_total"):
        progress.set_total(len(all_toks) * len(corp.langs))  # type: ignore[union-attr]
    plan = CountPlan(spans=any("spans" in METRICS[m].needs for m in metric_list),
                     words=any(m in WORD_METRICS for m in metric_list),
                     byte_fallback=any("byte_fallback" in METRICS[m].needs
                                       for m in metric_list),
                     ids=any("token_ids" in METRICS[m].needs for m in metric_list),
                     workers=workers,
                     executor=executor, scheduler=scheduler, cache=cache, progress=progress,
                     release_tokenizers=[t for spec, t in zip(tokenizers, toks)
                                         if isinstance(spec, str)]
                     + ([ref_tok] if isinstance(reference, str) and ref_tok is not None
                        and ref_tok.name not in names else []))
    counts = plan.run(corp, all_toks, seg_names)
    boot = Bootstrap(n_resamples=bootstrap if aggregation == "totals" else 0, seed=seed, level=ci)
    agg = aggregation
    if aggregation == "document" and (separator != "\n" or split_end):
        agg += f"/sep={_codepoints(separator)}" + (f"/end={_codepoints(split_end)}"
                                                    if split_end else "")
    rows = _rows(corp, toks, ref_tok, counts, metric_list,
                 pivot_code if pivot_code in corp.segments else None, pivot_reason, boot, agg,
                 alpha)
    meta = {
        "tokeff": __version__,
        "corpus": corp.name, "split": corp.split, "corpus_hash": corp.content_hash(),
        "n_segments": len(corp), "normalization": corp.normalization,
        "langs": corp.langs, "pivot": pivot_code, "reference": ref_tok.name if ref_tok else None,
        "metrics": metric_list, "aggregation": aggregation,
        "bootstrap": {"resamples": boot.n_resamples, "seed": seed, "ci": ci},
        "alpha": alpha,
        "segmenters": {la: counts[(toks[0].name, la)].segmenter for la in corp.langs},
        "tokenizers": {t.name: _tok_meta(t, count_only=_count_only(counts, t.name, corp.langs))
                       for t in all_toks},
    }
    if boot.analytic(len(corp)):  # [boot hook] delta-method intervals on very large corpora
        meta["bootstrap"]["method"] = "delta"
    if aggregation == "document":
        meta["separator"] = separator
        if split_end:
            meta["split_end"] = split_end
    meta["non_nfc_langs"] = non_nfc_langs(corp) if isinstance(corp, Corpus) else \
        list(corp.non_nfc_langs)  # (found by the stream's first pass)
    res = Results(rows, meta, counts,
                  corpus=corp if isinstance(corp, Corpus) and aggregation == "totals" else None)
    attach(res, tokenizers=all_toks)  # warnings next to the numbers (meta["warnings"])
    return res


def check_run_options(*, alpha: object = 2.5, bootstrap: object = 0,
                      workers: object = None) -> None:
    """Refuse values of the numeric options that would give a number meaning nothing or
    exhaust the machine, before any corpus is read: ``alpha`` (Rényi efficiency; finite and
    >= 0, 1 being Shannon), ``bootstrap`` (0 to :data:`MAX_BOOTSTRAP` resamples) and
    ``workers`` (None for the default, else >= 1). The CLI's ``--alpha``, ``--bootstrap`` and
    ``--workers`` reach here, so both get the same errors.

    >>> check_run_options(alpha=-1)
    Traceback (most recent call last):
    ...
    tokeff.errors.UsageError: alpha (--alpha) must be a finite number >= 0 (Rényi efficiency is undefined for negative alpha; 1 is Shannon), not -1
    """
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.integer, np.floating)):
        raise UsageError(f"alpha (--alpha) must be a number, not {alpha!r}")
    if not math.isfinite(alpha) or alpha < 0:
        raise UsageError(f"alpha (--alpha) must be a finite number >= 0 (Rényi efficiency is "
                         f"undefined for negative alpha; 1 is Shannon), not {alpha!r}")
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)):
        raise UsageError(f"bootstrap (--bootstrap) must be a whole number of resamples, "
                         f"not {bootstrap!r}")
    if not 0 <= bootstrap <= MAX_BOOTSTRAP:
        raise UsageError(
            f"bootstrap (--bootstrap) must be between 0 and {MAX_BOOTSTRAP:,} resamples, not "
            f"{bootstrap:,}: each resample keeps a sum per tokenizer, language and metric in "
            f"memory and costs a pass over the segments, and confidence intervals stop moving "
            f"long before {MAX_BOOTSTRAP:,} (1,000-10,000 is usual; 0 turns them off)")
    if workers is not None and (isinstance(workers, bool) or
                                not isinstance(workers, (int, np.integer)) or workers < 1):
        raise UsageError(f"workers (--workers) must be a whole number >= 1 (or left out for "
                         f"the default: the CPUs available, at most 8), not {workers!r}")


def _document(corp: Corpus, lang: str, separator: str, split_end: str) -> str:
    """A language as one document: its segments joined by ``separator``; with ``split_end``,
    each split's (file's) segments are followed by it before the splits are joined."""
    segs = corp.segments[lang]
    if not split_end:
        return separator.join(segs)
    origins = (corp.origins or {}).get(lang)
    blocks: list[list[str]] = []
    last = None
    for i, s in enumerate(segs):
        src = origins[i].rpartition(" line ")[0] if origins else None
        if not blocks or src != last:
            blocks.append([])
            last = src
        blocks[-1].append(s)
    return separator.join(separator.join(b) + split_end for b in blocks)


def _codepoints(s: str) -> str:
    return "+".join(f"U{ord(ch):04X}" for ch in s) or "none"


def _select_corpus(corpus: object, langs: Sequence[str] | str | None, pivot: str | None,
                   wants_parity: bool, explicit_metrics: bool, *, split: str | None,
                   normalization: str, chunk_size: int | None,
                   aggregation: str) -> Corpus | StreamingCorpus:
    """The corpus restricted to the languages asked for (plus the pivot, for parity): the one
    place where a selection is resolved (the CLI and the gate pass theirs through)."""
    streamed = chunk_size is not None or isinstance(corpus, StreamingCorpus)
    if streamed and aggregation == "document":
        raise UsageError("aggregation='document' needs the whole corpus in memory; "
                         "leave out chunk_size (or use aggregation='totals')")
    spread = langs == DEFAULT_LANG_SELECTION
    if langs in (None, "all") or spread:
        wanted = None
    else:
        wanted = [resolve_lang(x) for x in langs]  # type: ignore[union-attr]
    added_pivot = wanted is not None and wants_parity and pivot not in wanted
    if added_pivot:
        wanted = wanted + [pivot]  # type: ignore[operator, list-item]
    if streamed:
        return open_stream(corpus, split=split, langs=wanted, normalization=normalization,
                           chunk_size=chunk_size)
    if wanted is not None and wants_parity and isinstance(corpus, Corpus) and \
            pivot not in corpus.segments:
        if not explicit_metrics:  # parity is shown as not available
            return load_corpus(corpus, langs=wanted[:-1] if added_pivot else wanted,
                               normalization=normalization)
        raise UsageError(f"pivot language {pivot} is not in corpus {corpus.name!r}; choose "
                         f"another pivot (--pivot), --pivot none, or leave out the parity "
                         f"metric")
    try:
        corp = load_corpus(corpus, split=split, langs=wanted,  # type: ignore[arg-type]
                           normalization=normalization)
    except UsageError:
        if not added_pivot or isinstance(corpus, Corpus):
            raise
        # The pivot was added for parity: say so if it is what the corpus lacks.
        asked = wanted[:-1]  # type: ignore[index]
        corp = load_corpus(corpus, split=split, langs=asked,  # type: ignore[arg-type]
                           normalization=normalization)
        if explicit_metrics:
            raise UsageError(f"pivot language {pivot} (for the parity metric) is not in corpus "
                             f"{corp.name!r}; choose another with --pivot, --pivot none, or "
                             f"leave parity out of --metrics") from None
    if spread and len(corp.langs) > len(DEFAULT_LANGS):
        keep = [x for x in DEFAULT_LANGS if x in corp.segments]
        corp = corp.select(keep)
    return corp


def _count_only(counts: dict, name: str, langs: list[str]) -> bool:
    """Whether a tokenizer's counts were made by counting only (no ids, so no spans either)."""
    return bool(langs) and all("token_ids" in counts[(name, la)].na_reasons for la in langs)


def _tok_meta(t: Tokenizer, *, count_only: bool = False) -> dict:
    # "counter": what counted the tokens (a count-only run of an OpenAI encoding may use a
    # verified faster counter; the numbers are the same, so the signature does not record it).
    fast = t.fast_counter() if count_only else None
    d = {"backend": t.backend, "backend_version": t.backend_version,
         "counter": fast.name if fast is not None else f"{t.backend}-{t.backend_version}",
         "fingerprint": t.fingerprint(), "content_hash": t.content_hash(),
         "vocab_size": int(t.vocab_size), "normalization": t.required_normalization,
         "unk_id": t.unk_id}
    for attr in ("origin", "developer", "family"):
        v = getattr(t, attr, None)
        if v is not None:
            d[attr] = v
    return d


def _rows(corp: Corpus | StreamingCorpus, toks: list[Tokenizer], ref_tok: Tokenizer | None,
          counts: dict[tuple[str, str], Counts], metric_list: list[str], pivot: str | None,
          pivot_reason: str | None, boot: Bootstrap, aggregation: str,
          alpha: float) -> list[Row]:
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
        if pv is None and METRICS[m].against == "pivot" and pivot_reason:
            v = replace(v, reason=pivot_reason)
        points[(t.name, la, m)] = (v.value, v.reason)
        if v.available and boot.n_resamples > 0 and METRICS[m].kind == "ratio":
            arrs = ratio_arrays(m, c, pivot=pv, ref=rf)
            if arrs is not None:
                pairs[(t.name, la, m)] = (col(arrs[0]), col(arrs[1]))
    intervals: dict[tuple[str, str, str], tuple[float, float] | None] = {}
    if pairs:  # [boot hook] one call: the same resamples (or the delta method) for every pair
        found = boot.intervals(np.stack(columns, axis=1), list(pairs.values()))
        intervals = dict(zip(pairs, found))

    chash = _short(corp.content_hash())
    rows: list[Row] = []
    for t in toks:
        fp, vocab = _short(t.fingerprint()), _short(t.content_hash())  # (once per tokenizer)
        for la in corp.langs:
            c = counts[(t.name, la)]
            sig = Signature(
                version=__version__, tok=t.name, fp=fp,
                vocab=vocab, backend=f"{t.backend}-{t.backend_version}",
                tnorm=t.required_normalization, corpus=corp.name, split=corp.split, chash=chash,
                norm=corp.normalization, seg=c.segmenter or "none", agg=aggregation,
                boot=boot.settings(n), pivot=pivot or "none",  # [boot hook] scheme by size
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
        tokenizers = default_tokenizer_names()
    return measure(corpus, tokenizers, **kwargs)
