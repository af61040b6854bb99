"""Counting an in-memory corpus block by block, with a runner and an optional count cache.

Each language is cut into blocks (:func:`tokeff.counting.kernel.plan_blocks`); a block is
prepared (and segmented) once and shared by every tokenizer. Blocks found in the cache are read,
the others handed to the runner; the pieces are put back in corpus order, so results never
depend on the runner, the cache or timing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..corpora.model import Corpus
from ..tokenizers.base import Tokenizer
from .cache import CountCache
from .counts import Counts, concat_counts, mark_words_not_counted, share_language_arrays
from .kernel import Job, count, plan_blocks, prepare_text, segmenter_signatures


def count_corpus(corpus: Corpus, tokenizers: Sequence[Tokenizer],
                 segmenters: dict[str, str | None], *, runner: Any, store: CountCache | None,
                 spans: bool = True, words: bool = True, byte_fallback: bool = True,
                 ids: bool = True, block_size: int | None = None,
                 progress: Callable[[str], None] | None = None, chunk: int = 0,
                 ) -> dict[tuple[str, str], Counts]:
    """Counts of every tokenizer on every language of an in-memory corpus.

    ``words=False`` skips word segmentation (no word metric asked for): ``words`` and
    ``continued`` are None, the segmenter is still recorded. ``ids=False`` keeps no token-id
    frequencies (no distribution metric asked for; tokenizers with an UNK token keep them),
    which lets a tokenizer with a count-only path
    (:meth:`~tokeff.tokenizers.base.Tokenizer.fast_counter`) use it; it applies only without
    spans and byte tokens, which are read from the ids. ``chunk``: where this corpus starts
    in a streamed corpus (the runner's segmentation helpers serve earlier chunks first).
    """
    ids = ids or spans or byte_fallback
    toks = list(tokenizers)
    langs = corpus.langs
    seg_names = {lang: segmenters.get(lang) for lang in langs}
    recorded: dict[str, str | None] = {}
    if not words:
        recorded = segmenter_signatures(seg_names)
        seg_names = {lang: None for lang in langs}
    out_parts: dict[tuple[int, str], list[Counts | None]] = {}
    jobs: list[Job] = []
    keys: dict[tuple[int, str, int], str] = {}
    block_index: dict[tuple[str, int], int] = {}
    sigs = segmenter_signatures(seg_names) if store is not None else {}
    if store is not None and not words:
        sigs = {lang: "nowords" for lang in langs}
    # What the counts hold is part of the key: entries with and without ids never mix.
    counted = ("spans" if spans else "nospans") + ("" if byte_fallback else "+nobf") + \
        ("" if ids else "+noids")
    for lang in langs:
        texts = corpus.segments[lang]
        blocks = plan_blocks(texts, max_block=block_size, content_defined=store is not None)
        for ti in range(len(toks)):
            out_parts[(ti, lang)] = [None] * len(blocks)
        for bi, (a, b) in enumerate(blocks):
            block_index[(lang, a)] = bi
            missing = list(range(len(toks)))
            if store is not None:
                digest = store.block_digest(texts[a:b])
                missing = []
                for ti, t in enumerate(toks):
                    key = store.key(t, sigs[lang], counted, digest)
                    keys[(ti, lang, bi)] = key
                    hit = store.get(key, tokenizer=t.name, lang=lang, vocab_size=t.vocab_size)
                    if hit is None:
                        missing.append(ti)
                    else:
                        out_parts[(ti, lang)][bi] = hit
            if missing:
                jobs.append(Job(lang, a, b, texts[a:b], seg_names[lang], missing,
                                byte_fallback, ids, chunk))

    remaining = {k: sum(p is None for p in v) for k, v in out_parts.items()}

    def done(ti: int, lang: str) -> None:
        if progress:
            progress(f"{toks[ti].name} {lang}")

    for (ti, lang), left in remaining.items():
        if left == 0:
            done(ti, lang)
    if jobs:
        for job, ti, c in runner.run(jobs, toks, spans):
            bi = block_index[(job.lang, job.start)]
            out_parts[(ti, job.lang)][bi] = c
            if store is not None:
                store.put(keys[(ti, job.lang, bi)], c)
            remaining[(ti, job.lang)] -= 1
            if remaining[(ti, job.lang)] == 0:
                done(ti, job.lang)
    out: dict[tuple[str, str], Counts] = {}
    for ti, t in enumerate(toks):
        for lang in langs:
            parts = out_parts[(ti, lang)]
            if not parts:  # a corpus with no segments: count the empty language directly
                parts = [count(t, prepare_text(lang, [], seg_names[lang]), spans=spans,
                               byte_fallback=byte_fallback, ids=ids)]
            out[(t.name, lang)] = concat_counts(parts)  # type: ignore[arg-type]
    if not words:
        for c in out.values():
            mark_words_not_counted(c, recorded.get(c.lang))
    share_language_arrays(out)
    return out
