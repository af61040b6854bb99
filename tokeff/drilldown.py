"""Drill-down: which segments cost a language the most tokens, and where the token boundaries
fall.

- :func:`premium` ranks the aligned segments of a language by their token premium over the
  pivot (tokens of the segment / tokens of the pivot's version of it, per tokenizer) and shows
  the worst ones with their token boundaries.
- :func:`tokenize` shows one text with its token boundaries; :func:`side_by_side` shows the
  same text under several tokenizers.

Every view renders as HTML in Jupyter (``_repr_html_``) and as plain text with ``print``: tokens
are separated by ``|``; ``严⟨2⟩`` marks characters that only two tokens together encode (byte
pieces of a character split across tokens).

>>> view = tokenize(tok, "Hello world")  # doctest: +SKIP
>>> print(view)  # doctest: +SKIP
Hello| world   (2 tokens)
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .corpora import Corpus, load_corpus
from .errors import TokeffError, UsageError
from .langs import resolve_lang
from .metrics import METRICS, unavailable
from .results import Results
from .tokenizers import Tokenizer, get_tokenizer

__all__ = ["Drilldown", "Piece", "SegmentPremium", "SideBySide", "TokenView", "premium",
           "segment_values", "side_by_side", "tokenize"]


def _e(x: object) -> str:
    return html.escape(str(x), quote=True)


# -- token boundaries ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Piece:
    """A run of the text covered by one token, or by several tokens that only together make
    whole characters (``n_tokens > 1``). ``kind`` is ``"text"`` when the text comes from byte
    spans in the input, ``"vocab"`` when it is the token written from its bytes (they do not
    spell the text and the backend gave no offsets), ``"empty"`` for a token that covers no
    input text (written from its bytes, spaces as ``▁``)."""

    text: str
    ids: tuple[int, ...]
    kind: str = "text"

    @property
    def n_tokens(self) -> int:
        return len(self.ids)


_CSS = """
.tokeff-dd{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC",
"WenQuanYi Zen Hei",sans-serif;font-size:13px;line-height:1.5;margin:4px 0}
.tokeff-dd .tk-toks{white-space:pre-wrap;word-break:break-word;line-height:1.9}
.tokeff-dd .tk-p{border:1px solid #9aa;border-radius:3px;padding:0 1px;margin:0 1px 0 0;
color:#111}
.tokeff-dd .tk-p0{background:#d6e6f5}
.tokeff-dd .tk-p1{background:#fbe3cc}
.tokeff-dd .tk-m{border-style:dashed;border-color:#a04000}
.tokeff-dd .tk-m sub{font-size:9px;color:#a04000}
.tokeff-dd .tk-emp{color:#777;font-style:italic}
.tokeff-dd .tk-head{color:#333;font-size:12px;margin:2px 0}
.tokeff-dd .tk-name{font-weight:600}
.tokeff-dd table{border-collapse:collapse}
.tokeff-dd td,.tokeff-dd th{border-top:1px solid #ddd;padding:4px 8px;vertical-align:top;
text-align:left}
.tokeff-dd .tk-sub{color:#555;font-size:12px}
.tokeff-dd .tk-piv{opacity:.85}
"""


def _visible(s: str) -> str:
    return s.replace("\r\n", "↵").replace("\n", "↵").replace("\r", "↵").replace("\t", "→")


@dataclass
class TokenView:
    """A text with its token boundaries under one tokenizer."""

    tokenizer: str
    text: str
    pieces: list[Piece]
    note: str | None = None

    @property
    def n_tokens(self) -> int:
        return sum(p.n_tokens for p in self.pieces)

    @property
    def n_chars(self) -> int:
        return len(self.text)

    def tokens_html(self) -> str:
        out = []
        for i, p in enumerate(self.pieces):
            cls = f"tk-p tk-p{i % 2}"
            tip = (f"{p.n_tokens} tokens, ids " if p.n_tokens > 1 else "id ") + \
                ", ".join(map(str, p.ids))
            if p.kind == "vocab":
                tip += " (vocabulary string)"
            body = _e(_visible(p.text))
            if p.kind == "empty":
                cls += " tk-emp"
                body = _e(p.text) if p.text else "∅"
                tip += " (covers no input text)"
            if p.n_tokens > 1:
                cls += " tk-m"
                body += f"<sub>{p.n_tokens}</sub>"
            out.append(f'<span class="{cls}" title="{_e(tip)}">{body}</span>')
        return f'<span class="tk-toks">{"".join(out)}</span>'

    def tokens_text(self) -> str:
        parts = []
        for p in self.pieces:
            t = _visible(p.text).replace("|", "\\|") if p.kind != "empty" else (p.text or "∅")
            if p.n_tokens > 1:
                t += f"⟨{p.n_tokens}⟩"
            parts.append(t)
        return "|".join(parts)

    def summary(self) -> str:
        cpt = f", {self.n_chars / self.n_tokens:.2f} chars/token" if self.n_tokens else ""
        return f"{self.tokenizer}: {self.n_tokens} tokens, {self.n_chars} chars{cpt}"

    def _repr_html_(self) -> str:
        note = f'<div class="tk-sub">{_e(self.note)}</div>' if self.note else ""
        return (f'<div class="tokeff-dd"><style>{_CSS}</style><div class="tk-head">'
                f'<span class="tk-name">{_e(self.tokenizer)}</span> · {self.n_tokens} tokens · '
                f"{self.n_chars} chars</div>{self.tokens_html()}{note}</div>")

    def __str__(self) -> str:
        body = _wrap(self.tokens_text())
        return f"{self.summary()}\n{body}" + (f"\n({self.note})" if self.note else "")


def _wrap(s: str, width: int = 100, indent: str = "  ") -> str:
    """Wrap a ``|``-separated token string at token boundaries (never inside a token)."""
    parts = s.split("|")
    lines: list[str] = []
    cur = ""
    for i, p in enumerate(parts):
        piece = p if i == len(parts) - 1 else p + "|"
        if cur and len(indent) + len(cur) + len(piece) > width:
            lines.append(cur)
            cur = ""
        cur += piece
    lines.append(cur)
    sub = " " * len(indent)
    return "\n".join((indent if k == 0 else sub) + line for k, line in enumerate(lines))


def _token_bytes(tok: Tokenizer, ids: Sequence[int]) -> list[bytes] | None:
    """What each token stands for, as bytes (the tokenizer protocol's ``token_bytes``), or None
    when one of them has none (a special or unknown token, a tokenizer without token bytes)."""
    try:
        return [tok.token_bytes(int(i)) for i in ids]
    except TokeffError:
        return None


def _vocab_string(tok: Tokenizer, i: int, *, visible: bool = False) -> str:
    """A token written from its bytes (bytes that are not UTF-8 alone as ``\\xNN``), with spaces
    as ``▁`` when ``visible`` (the tokens that cover no input text are mostly a word-boundary
    space, which would show as blank); a special token as its literal name; ``#id`` when the
    tokenizer cannot say."""
    try:
        text = tok.token_bytes(int(i)).decode("utf-8", errors="backslashreplace")
    except TokeffError:
        try:
            return tok.special_tokens().get(int(i)) or f"#{i}"
        except TokeffError:
            return f"#{i}"
    return text.replace(" ", "▁") if visible else text


def _pieces(text: str, ids: np.ndarray, starts: np.ndarray, ends: np.ndarray,
            tok: Tokenizer | None) -> list[Piece]:
    data = text.encode("utf-8")
    buf = np.frombuffer(data, dtype=np.uint8)
    is_bound = np.ones(len(data) + 1, dtype=bool)
    is_bound[:-1] = (buf & 0xC0) != 0x80
    n = len(ids)
    byte_tok = tok.byte_fallback_mask() if tok is not None else np.zeros(0, dtype=bool)

    def is_byte(k: int) -> bool:
        return 0 <= int(ids[k]) < len(byte_tok) and bool(byte_tok[int(ids[k])])

    out: list[Piece] = []
    i = 0
    while i < n:
        gs, ge = int(starts[i]), int(ends[i])
        j = i + 1
        # Group tokens until the group ends on a character boundary and the next token starts
        # at or after its end (byte pieces of one character, or tokens sharing a span). Byte
        # tokens with an empty span (sentencepiece's byte fallback gives the character's span
        # to its last byte only) join the token that follows them at the same offset.
        while j < n:
            sj = int(starts[j])
            if ge > gs:
                if is_bound[min(ge, len(data))] and sj >= ge:
                    break
            elif not (is_byte(j - 1) and sj == gs):
                break
            ge = max(ge, int(ends[j]))
            j += 1
        group = tuple(int(x) for x in ids[i:j])
        if ge <= gs:
            out.append(Piece(_vocab_string(tok, group[0], visible=True) if tok is not None
                             else "", group, "empty"))
        else:
            out.append(Piece(data[gs:ge].decode("utf-8", errors="replace"), group))
        i = j
    return out


def tokenize(tokenizer: Tokenizer | str | object, text: str) -> TokenView:
    """The token boundaries of ``text`` under a tokenizer (object or spec).

    >>> print(tokenize("cl100k_base", "Hello world"))  # doctest: +SKIP
    cl100k_base: 2 tokens, 11 chars, 5.50 chars/token
      Hello| world
    """
    tok = get_tokenizer(tokenizer)
    data = text.encode("utf-8")
    note = None
    # Token bytes place every boundary exactly when they spell the text; a tokenizer that
    # changes the text (a normaliser, a dummy-prefix space, an unknown token) is shown through
    # its own offsets, mapped back onto the text as given.
    ids = np.asarray(tok.encode(text), dtype=np.int64)
    raw = _token_bytes(tok, ids)
    if raw is not None and b"".join(raw) == data:
        lens = np.fromiter(map(len, raw), dtype=np.int64, count=len(raw))
        ends = np.cumsum(lens)
        pieces = _pieces(text, ids, ends - lens, ends, tok)
    else:
        arr = tok.encode_arrays([text], spans=True)
        if arr.has_spans:
            pieces = _pieces(text, arr.ids, arr.starts, arr.ends, tok)
        else:
            pieces = [Piece(_vocab_string(tok, int(i)), (int(i),), "vocab") for i in ids]
            note = (f"{tok.name} gives no token offsets: pieces are vocabulary strings, "
                    "boundaries approximate")
    return TokenView(tok.name, text, pieces, note)


@dataclass
class SideBySide:
    """One text under several tokenizers."""

    text: str
    views: list[TokenView]
    title: str | None = None

    def _repr_html_(self) -> str:
        head = f'<div class="tk-head">{_e(self.title)}</div>' if self.title else ""
        rows = []
        for v in self.views:
            rows.append(f'<tr><th><span class="tk-name">{_e(v.tokenizer)}</span><br>'
                        f'<span class="tk-sub">{v.n_tokens} tokens'
                        + (f" · {v.n_chars / v.n_tokens:.2f} chars/token" if v.n_tokens else "")
                        + f"</span></th><td>{v.tokens_html()}"
                        + (f'<div class="tk-sub">{_e(v.note)}</div>' if v.note else "")
                        + "</td></tr>")
        return (f'<div class="tokeff-dd"><style>{_CSS}</style>{head}<table>{"".join(rows)}'
                f"</table></div>")

    def __str__(self) -> str:
        lines = [self.title] if self.title else []
        for v in self.views:
            lines.append(v.summary())
            lines.append(_wrap(v.tokens_text()))
        return "\n".join(lines)


def side_by_side(text: str, tokenizers: Sequence[Tokenizer | str | object], *,
                 title: str | None = None) -> SideBySide:
    """The same text under two (or more) tokenizers, one row each.

    >>> side_by_side("人人生而自由", ["cl100k_base", "qwen2.5"])  # doctest: +SKIP
    """
    if len(tokenizers) < 1:
        raise UsageError("side_by_side needs at least one tokenizer")
    return SideBySide(text, [tokenize(t, text) for t in tokenizers], title)


# -- per-segment values -------------------------------------------------------------------------

def _counts(results: Results, tokenizer: str, lang: str):
    if not results.counts:
        raise UsageError("these results carry no per-segment counts (results read back from "
                         "JSON keep only the totals); measure again to drill down")
    c = results.counts.get((tokenizer, lang))
    if c is None:
        raise UsageError(f"no counts for tokenizer {tokenizer!r} on {lang}; have tokenizers "
                         f"{', '.join(results.tokenizers)} and languages "
                         f"{', '.join(results.langs)}")
    return c


def segment_values(results: Results, tokenizer: str, lang: str,
                   metric: str) -> tuple[np.ndarray | None, str | None]:
    """Per-segment values of a metric, as ``(values, None)``, or ``(None, reason)`` when the
    metric has none (a corpus-level metric, or a missing count). Segments whose denominator is 0
    are left out.

    Parity per segment is the segment's tokens over the pivot segment's tokens (the token
    premium); ``segments`` is 1 per segment.
    """
    if metric not in METRICS:
        raise UsageError(f"unknown metric {metric!r}; available: {', '.join(METRICS)}")
    m = METRICS[metric]
    c = _counts(results, tokenizer, lang)
    missing = unavailable(metric, c)
    if missing is not None:
        return None, missing
    if m.kind == "distribution":
        return None, "a corpus-level metric (entropy of the token distribution)"
    if m.num is None:  # segments
        return np.ones(c.n_segments), None
    if m.kind == "total":
        return getattr(c, m.num).astype(np.float64), None
    if m.against == "pivot":
        pivot = results.meta.get("pivot")
        if not pivot:
            return None, "no pivot language"
        other = _counts(results, tokenizer, pivot)
    elif m.against == "reference":
        ref = results.meta.get("reference")
        if not ref:
            return None, "no reference tokenizer"
        other = _counts(results, ref, lang)
    else:
        other = c
    num, den = getattr(c, m.num), getattr(other, m.den)
    ok = den > 0
    if not ok.any():
        return None, "every denominator is 0"
    return num[ok] / den[ok], None


# -- token premium ------------------------------------------------------------------------------

@dataclass
class SegmentPremium:
    """One aligned segment: its tokens in the language and in the pivot, and their ratio."""

    index: int
    tokens: int
    pivot_tokens: int
    premium: float
    view: TokenView
    pivot_view: TokenView | None = None
    origin: str | None = None  # where the segment came from (file:line), when known


@dataclass
class Drilldown:
    """The segments of a language with the highest token premium over the pivot."""

    tokenizer: str
    lang: str
    pivot: str
    items: list[SegmentPremium]
    overall: float | None = None  # the language's parity (ratio of totals)
    n_segments: int = 0
    skipped: int = 0  # segments left out because the pivot segment has no tokens
    notes: list[str] = field(default_factory=list)

    def _header(self) -> str:
        s = (f"{self.tokenizer} on {self.lang}: the {len(self.items)} segment(s) with the "
             f"highest token premium over {self.pivot} (of {self.n_segments})")
        if self.overall is not None:
            s += f"; overall parity {self.overall:.3f}"
        return s

    def _repr_html_(self) -> str:
        rows = []
        for it in self.items:
            where = f" · {it.origin}" if it.origin else ""
            rows.append(
                f'<tr><th>#{it.index}<br><span class="tk-sub">premium<br><b>{it.premium:.2f}×</b>'
                f"<br>{it.tokens} / {it.pivot_tokens} tokens{_e(where)}</span></th><td>"
                f'<div class="tk-sub">{_e(self.lang)} · {it.tokens} tokens</div>'
                f"{it.view.tokens_html()}"
                + (f'<div class="tk-sub tk-piv">{_e(self.pivot)} · {it.pivot_tokens} tokens</div>'
                   f'<div class="tk-piv">{it.pivot_view.tokens_html()}</div>'
                   if it.pivot_view is not None else "")
                + "</td></tr>")
        notes = "".join(f'<div class="tk-sub">{_e(n)}</div>' for n in self.notes)
        return (f'<div class="tokeff-dd"><style>{_CSS}</style><div class="tk-head">'
                f"{_e(self._header())}</div><table>{''.join(rows)}</table>{notes}</div>")

    def __str__(self) -> str:
        lines = [self._header()]
        for it in self.items:
            where = f" ({it.origin})" if it.origin else ""
            lines.append(f"#{it.index}{where}: premium {it.premium:.2f}x ({it.tokens} tokens vs "
                         f"{it.pivot_tokens} in {self.pivot})")
            lines.append(_wrap(it.view.tokens_text()))
            if it.pivot_view is not None:
                lines.append(_wrap(it.pivot_view.tokens_text(), indent="  " + self.pivot + ": "))
        lines.extend(self.notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<tokeff Drilldown {self.tokenizer} {self.lang}: {len(self.items)} segment(s)>"


def _measured_corpus(results: Results, corpus: Corpus | str | None) -> Corpus:
    """The corpus the results were measured on (as measured: languages, normalisation),
    checked against the content hash the results recorded."""
    meta = results.meta
    langs = meta.get("langs") or results.langs
    norm = meta.get("normalization", "none")
    if corpus is None:
        name = meta.get("corpus")
        if not name:
            raise UsageError("the results do not name their corpus; pass corpus=...")
        split = meta.get("split")
        corpus = load_corpus(name, split=None if split in (None, "all") else split, langs=langs)
    elif isinstance(corpus, str):
        split = meta.get("split") if corpus == meta.get("corpus") else None
        corpus = load_corpus(corpus, split=None if split in (None, "all") else split,
                             langs=langs)
    if not isinstance(corpus, Corpus):
        raise UsageError(f"corpus must be a tokeff Corpus or a corpus spec, not "
                         f"{type(corpus).__name__}")
    sel = corpus.select(langs, normalization=norm if corpus.normalization == "none" else None)
    want = meta.get("corpus_hash")
    if want and meta.get("aggregation", "totals") == "totals" and sel.content_hash() != want:
        raise UsageError(
            f"the corpus given is not the one these results were measured on (content hash "
            f"{sel.content_hash()[:16]}, results have {str(want)[:16]}); pass the same corpus "
            f"object given to measure()")
    return sel


def premium(results: Results, tokenizer: Tokenizer | str, lang: str, *,
            corpus: Corpus | str | None = None, top: int = 5, pivot: str | None = None,
            show_pivot: bool = True) -> Drilldown:
    """The ``top`` segments of ``lang`` with the highest token premium under a tokenizer: its
    tokens on the segment / its tokens on the pivot's version of the segment, shown with token
    boundaries.

    ``tokenizer`` is the tokenizer object that was measured, or its name when that name can be
    loaded again (a catalogue name). ``corpus`` is the corpus that was measured (default: the
    one the results name, loaded again and checked against their content hash).

    >>> premium(res, cl100k, "zho_Hans", corpus=corpus, top=3)  # doctest: +SKIP
    """
    if top < 1:
        raise UsageError(f"top must be at least 1, not {top}")
    tok = tokenizer if isinstance(tokenizer, Tokenizer) else None
    name = tok.name if tok is not None else str(getattr(tokenizer, "name", tokenizer))
    if name not in results.tokenizers:
        raise UsageError(f"tokenizer {name!r} is not in these results; they have "
                         f"{', '.join(results.tokenizers)}")
    if tok is None:
        try:
            tok = get_tokenizer(tokenizer)
        except (TokeffError, OSError) as e:
            raise UsageError(f"cannot load tokenizer {name!r} again to show token boundaries "
                             f"({e}); pass the tokenizer object that was measured") from None
    want_fp = ((results.meta.get("tokenizers") or {}).get(name) or {}).get("fingerprint")
    if want_fp and tok.fingerprint() != want_fp:
        raise UsageError(f"tokenizer {name!r} given is not the one measured (fingerprint "
                         f"{tok.fingerprint()[:16]}, results have {want_fp[:16]})")
    lang = resolve_lang(lang)
    pivot = resolve_lang(pivot or results.meta.get("pivot") or "eng_Latn")
    corp = _measured_corpus(results, corpus)
    for la in (lang, pivot):
        if la not in corp.segments:
            raise UsageError(f"language {la} is not in the measured corpus; it has "
                             f"{', '.join(corp.langs)}")
    texts, ptexts = corp.segments[lang], corp.segments[pivot]
    if results.counts and (name, lang) in results.counts and (name, pivot) in results.counts:
        t = results.counts[(name, lang)].tokens
        p = results.counts[(name, pivot)].tokens
    else:  # results read back from JSON: count again (cheap next to showing boundaries)
        t = tok.encode_arrays(texts, spans=False).lengths
        p = tok.encode_arrays(ptexts, spans=False).lengths
    ok = np.flatnonzero(p > 0)
    prem = t[ok] / p[ok]
    order = ok[np.lexsort((-t[ok], -prem))][:top]
    overall = float(t.sum() / p.sum()) if p.sum() > 0 else None
    items = []
    origins = corp.origins.get(lang) if corp.origins else None
    for i in order:
        i = int(i)
        items.append(SegmentPremium(
            i, int(t[i]), int(p[i]), float(t[i] / p[i]), tokenize(tok, texts[i]),
            tokenize(tok, ptexts[i]) if show_pivot else None,
            origins[i] if origins else None))
    skipped = int(len(p) - len(ok))
    notes = [f"{skipped} segment(s) left out: the {pivot} segment has no tokens"] if skipped else []
    return Drilldown(name, lang, pivot, items, overall, len(t), skipped, notes)
