"""``tokeff.cost()``: what a workload costs under each model, per language, and how much of
each language fits in the model's context window.

It resolves each model to its catalogue tokenizer (:mod:`tokeff.tokenizers.models`) and its
price (:mod:`tokeff.prices`: your price table over the ``genai-prices`` database), measures the
tokenizers on parallel text (the embedded UDHR by default) or on your own files, and turns the
counts into costs (:mod:`tokeff.pricing`).

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "prices.toml"
>>> _ = p.write_text('date = "2026-11-01"\\n[[model]]\\nname = "gpt-4o"\\n'
...                  'input_per_1m = 2.5\\noutput_per_1m = 10\\n', encoding="utf-8")
>>> table = cost(["gpt-4o"], langs=["en", "zh"], workload="1000000chars", prices=p,
...              use_database=False)
>>> row = table.get("gpt-4o", "zh")
>>> row.tokenizer, round(row.cost, 2)
('o200k_base', 2.01)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence

from .corpora import Corpus, load_corpus
from .corpora.inmemory import load_text
from .errors import UsageError
from .langs import DEFAULT_LANGS, resolve_lang
from .measurement import measure
from .prices import PriceBook
from .pricing import CostTable, Workload, cost_table, resolve_models
from .tokenizers.models import model_tokenizer

__all__ = ["cost", "parse_files"]

_METRICS = ["tokens", "chars", "words"]


def parse_files(files: Mapping[str, object] | Sequence[str]) -> dict[str, list[str]]:
    """``{lang: path or [paths]}`` or ``["zh=chats.txt", ...]`` -> ``{code: [paths]}``.

    >>> parse_files(["zh=a.txt", "zh=b.txt", "en=c.txt"])
    {'zho_Hans': ['a.txt', 'b.txt'], 'eng_Latn': ['c.txt']}
    """
    out: dict[str, list[str]] = {}
    items: list[tuple[str, object]]
    if isinstance(files, Mapping):
        items = list(files.items())
    else:
        items = []
        for f in files:
            lang, sep, path = str(f).partition("=")
            if not sep or not lang.strip() or not path.strip():
                raise UsageError(f"a workload file is given as LANG=PATH (e.g. zh=chats.txt), "
                                 f"not {f!r}: the language decides the word segmenter and labels "
                                 f"the row")
            items.append((lang.strip(), path.strip()))
    for lang, paths in items:
        code = resolve_lang(lang)
        ps = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)  # type: ignore
        out.setdefault(code, []).extend(os.fspath(p) for p in ps)
    if not out:
        raise UsageError("no workload file given")
    return out


def _files_corpus(code: str, paths: list[str]) -> Corpus:
    parts = [load_text(p, lang=code) for p in paths]
    lines = [s for c in parts for s in c.segments[code]]
    origins = [o for c in parts for o in (c.origins or {}).get(code, [])]
    name = parts[0].name if len(parts) == 1 else f"{len(parts)} files"
    return Corpus(name, {code: lines}, origins={code: origins})


def cost(models: Sequence[str] | str, *, workload: str | Workload | None = None,
         output: str | Workload | None = None, langs: Sequence[str] | str | None = None,
         corpus: Corpus | str | None = None, split: str | None = None,
         files: Mapping[str, object] | Sequence[str] | None = None,
         prices: PriceBook | str | os.PathLike[str] | None = None, price_date: object = None,
         use_database: bool = True, tokenizer_for: Mapping[str, str] | None = None,
         segmenters: Mapping[str, str | None] | None = None,
         progress: Callable[[str], None] | None = None) -> CostTable:
    """Cost of a workload per model and language, and what fits in each context window.

    ``workload`` (and ``output``, the tokens generated): ``"1000000chars"`` (characters of each
    language), ``"1Mchars:en"`` (the content of 1M English characters, in each language),
    ``"2e6tokens:en@gpt-4o"`` (the content of 2M English tokens under gpt-4o's tokenizer), or,
    with ``files``, nothing: the files' own text. ``files`` maps a language to your own text
    file(s) (``{"zh": "chats.txt"}`` or ``["zh=chats.txt"]``); without it the ratios come from
    parallel text (``corpus``, default the embedded UDHR).

    Prices: ``prices`` (a TOML/CSV price table, or a :class:`~tokeff.prices.PriceBook`) over the
    ``genai-prices`` database (``pip install "tokeff[prices]"``; ``use_database=False`` to use
    only your table), read for ``price_date`` (default today). ``tokenizer_for`` declares the
    tokenizer of a model tokeff does not map (``{"my-model": "qwen2.5"}``).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "prices.csv"
    >>> _ = p.write_text("name,input_per_1m,output_per_1m\\ndeepseek-chat,0.27,1.1\\n")
    >>> t = cost("deepseek-chat", langs="en,zh", workload="1Mchars:en", output="200kchars:en",
    ...          prices=p, use_database=False)
    >>> r = t.get("deepseek-chat", "zh")
    >>> r.tokenizer, round(r.input_tokens), round(r.cost, 4)
    ('deepseek-v3', 145034, 0.0711)
    """
    book = prices if isinstance(prices, PriceBook) else PriceBook(
        os.fspath(prices) if prices is not None else None, use_database=use_database,
        date=price_date)
    specs = resolve_models(models, book, tokenizer_for=tokenizer_for)
    w_in = Workload.parse(workload) if workload is not None else None
    w_out = Workload.parse(output) if output is not None else None
    toks = list(dict.fromkeys(s.tokenizer.tokenizer for s in specs if s.tokenizer.tokenizer))
    ref_langs: list[str] = []
    for w in (w_in, w_out):
        if w is not None and w.ref_lang:
            ref_langs.append(w.ref_lang)
        if w is not None and w.unit == "tokens":
            ref_tok = model_tokenizer(w.ref_tokenizer or "",
                                      tokenizer_for=tokenizer_for).tokenizer or w.ref_tokenizer
            if ref_tok not in toks:
                toks.append(ref_tok)  # type: ignore[arg-type]
    if not toks:
        notes = "; ".join(s.tokenizer.note for s in specs)
        raise UsageError(f"none of the models has a tokenizer in tokeff's catalogue ({notes}); "
                         f"declare one with tokenizer_for={{model: tokenizer}} (--tokenizer-for)")
    lang_list = ([x.strip() for x in langs.split(",") if x.strip()] if isinstance(langs, str)
                 else list(langs) if langs is not None else None)
    kw = {"metrics": _METRICS, "pivot": None, "bootstrap": 0, "segmenters": segmenters,
          "progress": progress}
    if files is not None:
        if corpus is not None:
            raise UsageError("give either files (your own text) or a corpus, not both")
        by_lang = parse_files(files)
        if lang_list is not None:
            wanted = [resolve_lang(x) for x in lang_list]
            missing = [x for x in wanted if x not in by_lang]
            if missing:
                raise UsageError(f"no file is given for {', '.join(missing)}; the files are "
                                 f"for {', '.join(by_lang)}")
            by_lang = {k: v for k, v in by_lang.items() if k in wanted}
        results = [measure(_files_corpus(code, paths), toks, **kw)  # type: ignore[arg-type]
                   for code, paths in by_lang.items()]
        w_in = w_in or Workload(1.0, "text")
        return cost_table(results, specs, workload=w_in, output=w_out, prices=book)
    if w_in is None:
        raise UsageError("give a workload, e.g. workload='1000000chars' (characters of each "
                         "language) or '1Mchars:en' (the content of 1M English characters), or "
                         "files={lang: path} to price your own text")
    if w_in.unit == "text" or (w_out is not None and w_out.unit == "text"):
        raise UsageError("workload 'text' means the files' own text; give files=..., or an "
                         "amount such as '1000000chars'")
    corp = load_corpus(corpus, split=split)
    if lang_list is None:
        lang_list = [x for x in DEFAULT_LANGS if x in corp.segments] or corp.langs
    codes = list(dict.fromkeys([resolve_lang(x) for x in lang_list]))
    measured = list(dict.fromkeys(codes + ref_langs))
    res = measure(corp, toks, langs=measured, **kw)  # type: ignore[arg-type]
    return cost_table(res, specs, workload=w_in, output=w_out, prices=book, langs=codes)
