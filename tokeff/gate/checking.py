"""The check: re-measure a tokenizer on a baseline's corpus and settings, refuse to compare
what is not comparable, apply the thresholds and explain what changed."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._version import __version__
from ..corpora import CORPORA, Corpus, load_corpus
from ..errors import CorpusError, UsageError
from ..langs import resolve_lang
from ..measurement import check_run_options, measure
from ..results import Results
from ..tokenizers import Tokenizer, get_tokenizer
from .baseline import Baseline, _as_baseline, _text_hashes, _tok_info
from .report import CheckReport, Comparison, Explanation, SegmentChange
from .thresholds import DEFAULT_THRESHOLDS, Threshold, merge_thresholds, thresholds_from_mapping
from .vocabdiff import Vocabulary, diff_vocabularies, vocabulary

#: Signature fields that must agree between baseline and check for the numbers to be
#: comparable. The others (tokeff version, tokenizer name, fingerprint, vocabulary hash,
#: backend, tokenizer normalisation) describe the tokenizer under test: they are what may change.
COMPARABILITY_FIELDS = ("corpus", "split", "chash", "norm", "seg", "agg", "boot", "pivot", "ref",
                        "alpha")
_EPS = 1e-12


def _load_check_corpus(base: Baseline, corpus: Corpus | str | None, split: str | None,
                       ) -> Corpus:
    if isinstance(corpus, Corpus):
        return corpus
    spec = corpus or base.settings.get("corpus")
    if spec is None:
        raise UsageError(f"the baseline{' ' + base.source if base.source else ''} was made from "
                         f"an in-memory corpus ({base.corpus.get('name')!r}); pass the corpus "
                         f"again (corpus=... / --corpus)")
    if corpus is None and base.source and not _is_named_corpus(spec) and not Path(spec).exists():
        alt = Path(base.source).parent / spec
        if alt.exists():
            spec = str(alt)
    sp = split if split is not None else base.settings.get("split")
    try:
        return load_corpus(spec, split=sp)
    except CorpusError as e:
        raise CorpusError(f"cannot load the baseline's corpus {spec!r}: {e}. Pass its location "
                          f"with --corpus (the content must be the same)") from None


def _is_named_corpus(spec: str) -> bool:
    return spec.partition(":")[0] in CORPORA


def _not_comparable(base: Baseline, diffs: dict, thresholds: list[Threshold], tok_info: dict,
                    notes: list[str]) -> CheckReport:
    return CheckReport(False, [], thresholds, _baseline_summary(base), tok_info,
                       differences=diffs, notes=notes, baseline_source=base.source)


def _baseline_summary(base: Baseline) -> dict:
    t = base.tokenizer
    sig = ""
    if base.results.rows:
        sig = str(base.results.rows[0].signature)
    return {"name": t.get("name"), "spec": t.get("spec"), "backend": t.get("backend"),
            "backend_version": t.get("backend_version"), "fingerprint": t.get("fingerprint"),
            "content_hash": t.get("content_hash"), "corpus": base.corpus.get("name"),
            "corpus_hash": base.corpus.get("hash"), "n_segments": base.corpus.get("n_segments"),
            "langs": base.langs, "tokeff": base.data.get("tokeff"), "signature": sig,
            "recreate": base.command()}


def _validate_thresholds(thresholds: list[Threshold], base: Baseline) -> None:
    for t in thresholds:
        if t.metric not in base.metrics:
            raise UsageError(f"threshold {t} ({t.source}): the baseline did not record "
                             f"{t.metric!r} (it has {', '.join(base.metrics)}); re-create it "
                             f"with --metrics including {t.metric}")
        if t.lang is not None and t.lang not in base.langs:
            raise UsageError(f"threshold {t} ({t.source}): {t.lang} is not among the baseline's "
                             f"languages ({', '.join(base.langs)})")


def _coerce_thresholds(thresholds: Any) -> list[Threshold]:
    if thresholds is None:
        return list(DEFAULT_THRESHOLDS)
    if isinstance(thresholds, Threshold):
        return [thresholds]
    if isinstance(thresholds, Mapping):
        return merge_thresholds(thresholds_from_mapping(thresholds, source="thresholds="))
    if isinstance(thresholds, str):
        raise UsageError("thresholds= takes Threshold objects (Threshold.parse(\"tokens_per_char"
                         "=1%\")) or a mapping {\"max-increase\": {\"tokens_per_char\": \"1%\"}}, "
                         "not a string")
    items = list(thresholds)
    for t in items:
        if not isinstance(t, Threshold):
            raise UsageError(f"thresholds= items must be Threshold objects, not {t!r}")
    return merge_thresholds(items)


def check(baseline: Baseline | str | os.PathLike | Mapping, tokenizer: Tokenizer | str, *,
          thresholds: Sequence[Threshold] | Mapping | None = None,
          corpus: Corpus | str | None = None, langs: Sequence[str] | None = None,
          split: str | None = None, normalization: str | None = None, top: int = 5,
          workers: int | None = None,
          progress: Callable[[str], None] | None = None) -> CheckReport:
    """Re-measure ``tokenizer`` on the baseline's corpus and settings and apply thresholds.

    ``thresholds``: :class:`Threshold` objects, or the config-file mapping
    ``{"max-increase": {"tokens_per_char": "1%"}}``; None means :data:`DEFAULT_THRESHOLDS`.
    ``corpus``/``langs``/``split``/``normalization`` override the baseline's (the corpus may
    live elsewhere, but its content must be the same; other differences make the run not
    comparable). ``top``: segments with the largest change kept per language.

    Bad input (an unreadable baseline, a missing tokenizer file, an unknown metric in a
    threshold) raises :class:`~tokeff.TokeffError`; a run that is not comparable returns a report
    with ``comparable`` False and ``exit_code`` 3.

    >>> report = check("baseline.json", "hf:tokenizer.json")  # doctest: +SKIP
    >>> assert report.passed, report.to_markdown()  # doctest: +SKIP
    """
    check_run_options(workers=workers)  # before the baseline and tokenizer are loaded
    base = _as_baseline(baseline)
    rules = _coerce_thresholds(thresholds)
    _validate_thresholds(rules, base)
    tok = get_tokenizer(tokenizer)
    spec = tokenizer if isinstance(tokenizer, str) else None
    tok_info = _tok_info(tok, spec)
    s = base.settings
    diffs: dict[str, tuple] = {}
    notes: list[str] = []

    want_langs = base.langs if langs is None else [resolve_lang(x) for x in langs]
    if want_langs != base.langs:
        diffs["langs"] = (",".join(base.langs), ",".join(want_langs))
    norm = s.get("normalization", "none") if normalization is None else normalization
    if norm != s.get("normalization", "none"):
        diffs["norm"] = (s.get("normalization", "none"), norm)
    full = _load_check_corpus(base, corpus, split)
    missing = [la for la in want_langs if la not in full.segments]
    if missing:
        diffs["langs"] = (",".join(base.langs), ",".join(la for la in want_langs
                                                         if la in full.segments))
        notes.append(f"corpus {full.name!r} has no text for {', '.join(missing)}")
        return _not_comparable(base, diffs, rules, tok_info, notes)
    corp = full.select(want_langs, normalization=norm)
    if corp.split != base.corpus.get("split"):
        diffs["split"] = (base.corpus.get("split"), corp.split)
    if len(corp) != base.corpus["n_segments"]:
        diffs["n_segments"] = (base.corpus["n_segments"], len(corp))
    if corp.content_hash() != base.corpus["hash"]:
        diffs["chash"] = (base.corpus["hash"][:16], corp.content_hash()[:16])
        if corp.name != base.corpus.get("name"):
            diffs["corpus"] = (base.corpus.get("name"), corp.name)
        if "n_segments" not in diffs:
            notes.append(_first_text_difference(base, corp))
    if diffs:
        return _not_comparable(base, diffs, rules, tok_info, [n for n in notes if n])

    res = measure(corp, [tok], pivot=s.get("pivot") or "eng_Latn", metrics=base.metrics,
                  segmenters=s.get("segmenters") or None, normalization=corp.normalization,
                  bootstrap=int(s.get("bootstrap", 0)), seed=int(s.get("seed", 0)),
                  ci=float(s.get("ci", 0.95)), alpha=float(s.get("alpha", 2.5)),
                  workers=workers, progress=progress)
    # Compare the signatures of the gated numbers. Word-based metrics carry the segmenter in
    # their signature, the others "n/a": a new jieba matters only where fertility is gated.
    gated = {(la, t.metric) for t in rules for la in ([t.lang] if t.lang else base.langs)}
    ungated_seg: dict[str, tuple] = {}
    for row in base.results.rows:
        new_sig = res.get(tok.name, row.lang, row.metric).signature
        for k, (a, b) in row.signature.differences(new_sig).items():
            if k not in COMPARABILITY_FIELDS or k == "corpus":  # same content hash: a rename
                continue
            if (row.lang, row.metric) not in gated:
                if k == "seg":
                    ungated_seg[row.lang] = (a, b)
                continue
            diffs[f"{k}@{row.lang}" if k == "seg" else k] = (a, b)
    if diffs:
        if any(k.startswith("seg@") for k in diffs):
            notes.append("the word segmenter (or its version) differs from the baseline's, so "
                         "word-based metrics (fertility, continued_words) are not comparable")
        return _not_comparable(base, diffs, rules, tok_info, notes)
    for la, (a, b) in ungated_seg.items():
        notes.append(f"the word segmenter of {la} differs from the baseline's ({a} vs {b}); "
                     f"no word-based metric of {la} is gated, so the check went on")

    tok_info["signature"] = str(res.rows[0].signature) if res.rows else ""
    comparisons = _compare(base, res, tok.name, rules)
    explanation = _explain(base, tok, tok_info, res, corp, top)
    if base.data.get("tokeff") != __version__:
        notes.append(f"the baseline was written by tokeff {base.data.get('tokeff')}, this is "
                     f"{__version__}")
    return CheckReport(True, comparisons, rules, _baseline_summary(base), tok_info,
                       explanation=explanation, notes=notes, baseline_source=base.source)


def _first_text_difference(base: Baseline, corp: Corpus) -> str:
    for la in corp.langs:
        recorded = base.data["segments"][la].get("text_sha")
        if not recorded:
            continue
        now = _text_hashes(corp.segments[la])
        if now == recorded:
            continue
        i = next(k for k in range(0, len(now), 8) if now[k:k + 8] != recorded[k:k + 8]) // 8
        origin = corp.origins[la][i] if corp.origins else f"segment {i + 1}"
        return (f"the corpus text differs from the baseline's: first difference in {la} at "
                f"{origin}: now {corp.segments[la][i][:60]!r}")
    return (f"the corpus text differs from the baseline's (content hash "
            f"{base.corpus['hash'][:16]} vs {corp.content_hash()[:16]})")


def _compare(base: Baseline, res: Results, tok_name: str,
             rules: list[Threshold]) -> list[Comparison]:
    out: list[Comparison] = []
    groups: dict[tuple[str, str], dict[str | None, Threshold]] = {}
    for t in rules:
        groups.setdefault((t.metric, t.direction), {})[t.lang] = t
    for la in base.langs:
        for (metric, direction), by_lang in groups.items():
            rule = by_lang.get(la) or by_lang.get(None)
            if rule is None:
                continue
            before = base.value(la, metric)
            row = res.get(tok_name, la, metric)
            after = row.value
            note = None
            if before is None or after is None:
                verdict = "n/a"
                why = row.note if after is None else None
                if before is None:
                    why = next((r.note for r in base.results.rows if r.lang == la
                                and r.metric == metric), None)
                note = why or "not available"
                if (before is None) != (after is None):
                    note = f"available {'before' if before is not None else 'after'} only: {note}"
            else:
                moved = after - before if direction == "increase" else before - after
                if rule.relative:
                    if before == 0:
                        exceeded = moved > _EPS
                    else:
                        exceeded = moved / abs(before) > rule.limit + _EPS
                else:
                    exceeded = moved > rule.limit + _EPS
                verdict = "fail" if exceeded else "pass"
            out.append(Comparison(la, metric, before, after, rule, verdict, note))
    return out


def _token_texts(vocab: Vocabulary | None, ids: Sequence[int]) -> list[str]:
    """Tokens as text; as ``#id`` when the vocabulary is not known."""
    if vocab is None:
        return [f"#{int(i)}" for i in ids]
    return [vocab.token_text(i) for i in ids]


def _explain(base: Baseline, tok: Tokenizer, tok_info: dict, res: Results, corp: Corpus,
             top: int) -> Explanation:
    old = base.tokenizer
    content = old.get("content_hash") != tok_info["content_hash"]
    backend_changed = (old.get("backend"), old.get("backend_version")) != \
        (tok_info["backend"], tok_info["backend_version"])
    ov = f"{old.get('backend')} {old.get('backend_version')}"
    nv = f"{tok_info['backend']} {tok_info['backend_version']}"
    if content and backend_changed:
        kind = "content+backend"
        msg = (f"The tokenizer file changed (content hash {old['content_hash'][:12]} → "
               f"{tok_info['content_hash'][:12]}) and so did the backend library ({ov} → {nv}).")
    elif content:
        kind = "content"
        msg = (f"The tokenizer file changed: content hash (vocabulary, merges, normaliser) "
               f"{old['content_hash'][:12]} → {tok_info['content_hash'][:12]}; the backend "
               f"library is the same ({nv}).")
    elif backend_changed:
        kind = "backend"
        msg = (f"Only the backend library changed ({ov} → {nv}); the tokenizer file is "
               f"identical (content hash {tok_info['content_hash'][:12]}).")
    else:
        kind = "none"
        msg = (f"The tokenizer is unchanged (same content hash {tok_info['content_hash'][:12]} "
               f"and backend {nv}).")
    notes: list[str] = []
    if old.get("normalization") != tok_info["normalization"]:
        notes.append(f"The tokenizer's own normalisation changed: {old.get('normalization')} → "
                     f"{tok_info['normalization']}.")
    ex = Explanation(kind, msg, {k: old.get(k) for k in ("name", "backend", "backend_version",
                                                         "content_hash", "fingerprint")},
                     {k: tok_info[k] for k in ("name", "backend", "backend_version",
                                               "content_hash", "fingerprint")}, notes=notes)
    new_vocab: Vocabulary | None = None
    old_vocab = base.vocabulary

    def current_vocab() -> Vocabulary | None:
        nonlocal new_vocab
        if new_vocab is None:
            new_vocab = vocabulary(tok)
        return new_vocab

    if content:
        nv_ = current_vocab()
        if old_vocab is not None and nv_ is not None:
            ex.vocab = diff_vocabularies(old_vocab, nv_)
            usage = base.token_usage()
            used = [(e, usage[e.id]) for e in ex.vocab.removed if e.id in usage]
            ex.removed_in_use = sorted(used, key=lambda p: (-p[1], p[0].id))
        else:
            why = (base.data.get("vocab", {}).get("unavailable", "the baseline holds none")
                   if old_vocab is None else
                   f"backend {tok.backend} does not expose its vocabulary as bytes")
            ex.vocab_note = f"The vocabularies cannot be compared: {why}."
    for la in corp.langs:
        before = base.segment_tokens(la)
        after = res.counts[(tok.name, la)].tokens
        delta = after - before
        changed = np.flatnonzero(delta)
        if len(changed) == 0:
            continue
        ex.changed_segments[la] = len(changed)
        if top <= 0:
            continue
        order = changed[np.lexsort((changed, -np.abs(delta[changed])))][:top]
        texts = [corp.segments[la][i] for i in order]
        after_ids = tok.encode_batch(texts)
        vocab_now = current_vocab()
        items: list[SegmentChange] = []
        for i, text, ids_after in zip(order, texts, after_ids):
            ids_before = base.segment_ids(la, int(i))
            bt = None if ids_before is None else _token_texts(old_vocab, ids_before)
            at = _token_texts(vocab_now, ids_after)
            origin = corp.origins[la][int(i)] if corp.origins else None
            items.append(SegmentChange(la, int(i), origin, text, int(before[i]), int(after[i]),
                                       bt, at))
        ex.segments[la] = items
    return ex
