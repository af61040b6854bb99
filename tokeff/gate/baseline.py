"""The baseline: one tokenizer measured on one corpus, recorded with everything a later check
needs (metrics with their signatures, per-segment token counts and ids, the tokenizer's identity
and its vocabulary as bytes), sealed with a checksum.

The file format (``"format": "tokeff-baseline"``, version :data:`BASELINE_FORMAT_VERSION`) is
JSON; token ids are gzip-packed int32, the vocabulary is packed as described in
:meth:`~tokeff.gate.vocabdiff.Vocabulary.to_record`.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._io import write_output
from .._version import __version__
from ..corpora import Corpus, load_corpus
from ..errors import TokeffError, TokenizerError, UsageError
from ..langs import DEFAULT_LANGS, resolve_lang
from ..measurement import check_run_options, measure
from ..metrics import DEFAULT_METRICS, METRICS
from ..results import Results, Row, Signature
from ..tokenizers import Tokenizer, get_tokenizer
from .vocabdiff import Vocabulary, _b64, vocabulary

BASELINE_FORMAT = "tokeff-baseline"
#: Version of the baseline file format this tokeff writes and the newest it reads.
BASELINE_FORMAT_VERSION = 1


def _pack_ids(ids: np.ndarray) -> str:
    return _b64(gzip.compress(np.asarray(ids, dtype="<i4").tobytes(), compresslevel=6, mtime=0))


def _unpack_ids(text: str) -> np.ndarray:
    raw = gzip.decompress(base64.b64decode(text, validate=True))
    if len(raw) % 4:
        raise ValueError("token id data is not a whole number of int32 values")
    return np.frombuffer(raw, dtype="<i4").astype(np.int64)


def _tok_info(tok: Tokenizer, spec: str | None) -> dict:
    try:
        size: int | None = int(tok.vocab_size)
    except (TokenizerError, NotImplementedError):  # a user tokenizer that does not say
        size = None
    return {"spec": spec, "name": tok.name, "backend": tok.backend,
            "backend_version": tok.backend_version, "fingerprint": tok.fingerprint(),
            "content_hash": tok.content_hash(), "normalization": tok.required_normalization,
            "vocab_size": size}


def _canonical(d: Mapping) -> bytes:
    body = {k: v for k, v in d.items() if k != "checksum"}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


def _seal(d: dict) -> dict:
    d["checksum"] = "sha256:" + hashlib.sha256(_canonical(d)).hexdigest()
    return d


class Baseline:
    """A recorded measurement of one tokenizer, to check later tokenizers against.

    Create one with :func:`create_baseline`, read one with :func:`load_baseline`.
    """

    def __init__(self, data: dict, *, source: str | None = None):
        self.data = data
        self.source = source
        self._results: Results | None = None
        self._vocab: Vocabulary | None = None
        self._vocab_loaded = False
        self._ids: dict[str, np.ndarray] = {}

    # -- views -------------------------------------------------------------------------------
    @property
    def tokenizer(self) -> dict:
        return self.data["tokenizer"]

    @property
    def settings(self) -> dict:
        return self.data["settings"]

    @property
    def corpus(self) -> dict:
        return self.data["corpus"]

    @property
    def langs(self) -> list[str]:
        return list(self.corpus["langs"])

    @property
    def metrics(self) -> list[str]:
        return list(self.settings["metrics"])

    @property
    def results(self) -> Results:
        if self._results is None:
            rows = [Row.from_record(r) for r in self.data["results"]]
            self._results = Results(rows, dict(self.data.get("meta", {})))
        return self._results

    def value(self, lang: str, metric: str) -> float | None:
        return self.results.value(self.tokenizer["name"], lang, metric)

    def signature(self, lang: str, metric: str | None = None) -> Signature:
        """The signature of a language's numbers (of one metric: word-based metrics carry the
        segmenter)."""
        for r in self.results.rows:
            if r.lang == lang and (metric is None or r.metric == metric):
                return r.signature
        raise KeyError((lang, metric))

    def segment_tokens(self, lang: str) -> np.ndarray:
        """Token count of every segment of a language."""
        return np.asarray(self.data["segments"][lang]["tokens"], dtype=np.int64)

    def _lang_ids(self, lang: str) -> np.ndarray | None:
        """All token ids of a language, segment after segment (None when not stored)."""
        rec = self.data["segments"][lang]
        if "ids" not in rec:
            return None
        if lang not in self._ids:
            self._ids[lang] = _unpack_ids(rec["ids"])
        return self._ids[lang]

    def segment_ids(self, lang: str, index: int) -> list[int] | None:
        """Token ids of one segment (None when the baseline holds no ids)."""
        ids = self._lang_ids(lang)
        if ids is None:
            return None
        counts = self.segment_tokens(lang)
        start = int(counts[:index].sum())
        return [int(x) for x in ids[start:start + int(counts[index])]]

    def token_usage(self) -> dict[int, int]:
        """How often each token id occurs in the baseline's encoding of the corpus (all
        languages); empty when the baseline holds no ids."""
        counts: dict[int, int] = {}
        for la in self.langs:
            all_ids = self._lang_ids(la)
            if all_ids is None:
                continue
            ids, freqs = np.unique(all_ids, return_counts=True)
            for i, f in zip(ids.tolist(), freqs.tolist()):
                counts[i] = counts.get(i, 0) + f
        return counts

    @property
    def vocabulary(self) -> Vocabulary | None:
        """The recorded vocabulary as bytes (None when the backend exposed none)."""
        if not self._vocab_loaded:
            rec = self.data.get("vocab")
            try:
                self._vocab = Vocabulary.from_record(rec) if rec and "count" in rec else None
            except (KeyError, TypeError, ValueError, binascii.Error, OSError, EOFError) as e:
                raise UsageError(f"baseline {self.source}: its vocabulary is corrupt ({e}). "
                                 f"{_recreate_hint(str(self.source))}") from None
            self._vocab_loaded = True
        return self._vocab

    def command(self, output: str | None = None) -> str:
        """The ``tokeff baseline`` command line that re-creates this baseline."""
        s = self.settings
        parts = ["tokeff baseline", f"--tokenizer {self.tokenizer.get('spec') or 'SPEC'}"]
        if s.get("corpus"):
            parts.append(f"--corpus {s['corpus']}")
        if s.get("split"):
            parts.append(f"--split {s['split']}")
        parts.append(f"--langs {','.join(self.langs)}")
        if s.get("normalization", "none") != "none":
            parts.append(f"--normalization {s['normalization']}")
        if s.get("metrics_given"):
            parts.append(f"--metrics {','.join(s['metrics'])}")
        for la, name in (s.get("segmenters") or {}).items():
            parts.append(f"--segmenter {la}={name or 'none'}")
        parts.append(f"--output {output or self.source or 'baseline.json'}")
        return " ".join(parts)

    # -- serialisation -----------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps(self.data, ensure_ascii=False, indent=1, allow_nan=False)

    def save(self, path: str | os.PathLike) -> None:
        """Write atomically (a temporary file renamed into place)."""
        write_output(self.to_json(), str(path))
        self.source = str(path)

    @classmethod
    def from_json(cls, text: str, *, source: str = "<baseline>") -> Baseline:
        """Parse and validate (format, version, checksum, structure)."""
        return cls(_parse_baseline(text, source), source=source)

    def __repr__(self) -> str:
        return (f"<Baseline {self.tokenizer.get('name')!r} on {self.corpus.get('name')!r}: "
                f"{len(self.langs)} language(s), {len(self.metrics)} metric(s)>")


def _recreate_hint(source: str) -> str:
    return (f"Re-create it: tokeff baseline --tokenizer SPEC --corpus SPEC --langs ... "
            f"--output {source}")


def _parse_baseline(text: str, source: str) -> dict:
    if not text.strip():
        raise UsageError(f"baseline {source} is empty. {_recreate_hint(source)}")
    if text.startswith("version https://git-lfs"):
        raise UsageError(f"baseline {source} is a Git LFS pointer, not the baseline itself: "
                         f"fetch it (git lfs pull; in GitHub Actions, actions/checkout with "
                         f"lfs: true)")
    try:
        d = json.loads(text)
    except json.JSONDecodeError as e:
        truncated = e.pos >= len(text.rstrip()) - 1 or "Unterminated" in e.msg
        what = ("it ends before the JSON is complete (truncated, e.g. an interrupted copy or a "
                "Git LFS pointer?)" if truncated else f"invalid JSON at line {e.lineno}, "
                f"column {e.colno}: {e.msg}")
        raise UsageError(f"baseline {source} is corrupt: {what}. {_recreate_hint(source)}") \
            from None
    if not isinstance(d, dict) or d.get("format") != BASELINE_FORMAT:
        raise UsageError(f"{source} is not a tokeff baseline (it has no \"format\": "
                         f"\"{BASELINE_FORMAT}\"; a `tokeff compare --format json` result is not "
                         f"a baseline). {_recreate_hint(source)}")
    ver = d.get("format_version")
    if not isinstance(ver, int) or ver < 1:
        raise UsageError(f"baseline {source} has an invalid format_version {ver!r}. "
                         f"{_recreate_hint(source)}")
    if ver > BASELINE_FORMAT_VERSION:
        raise UsageError(
            f"baseline {source} has format version {ver}, written by a newer tokeff "
            f"({d.get('tokeff', '?')}); this tokeff {__version__} reads up to version "
            f"{BASELINE_FORMAT_VERSION}. Upgrade tokeff (pip install -U tokeff) or re-create the "
            f"baseline with this version."
        )
    checksum = d.get("checksum")
    if not isinstance(checksum, str) or not checksum.startswith("sha256:"):
        raise UsageError(f"baseline {source} has no checksum, so it cannot be trusted. "
                         f"{_recreate_hint(source)}")
    if hashlib.sha256(_canonical(d)).hexdigest() != checksum[7:]:
        raise UsageError(f"baseline {source} is corrupt: its checksum does not match its content "
                         f"(changed after tokeff wrote it, e.g. by a hand edit or a bad merge). "
                         f"{_recreate_hint(source)}")
    try:
        _validate(d)
    except (KeyError, TypeError, ValueError, binascii.Error, OSError, EOFError) as e:
        # (UsageError is a ValueError: a bad signature string lands here too)
        raise UsageError(f"baseline {source} is corrupt: {e}. {_recreate_hint(source)}") from None
    return d


def _need(d: Mapping, key: str, typ: type | tuple, where: str) -> Any:
    if not isinstance(d, Mapping) or key not in d:
        raise KeyError(f"field {where}{key} is missing")
    v = d[key]
    if not isinstance(v, typ):
        raise TypeError(f"field {where}{key} should be {getattr(typ, '__name__', typ)}, "
                        f"not {type(v).__name__}")
    return v


def _validate(d: dict) -> None:
    tok = _need(d, "tokenizer", dict, "")
    for k in ("name", "backend", "backend_version", "fingerprint", "content_hash"):
        _need(tok, k, str, "tokenizer.")
    s = _need(d, "settings", dict, "")
    _need(s, "metrics", list, "settings.")
    c = _need(d, "corpus", dict, "")
    langs = _need(c, "langs", list, "corpus.")
    _need(c, "hash", str, "corpus.")
    n = _need(c, "n_segments", int, "corpus.")
    rows = _need(d, "results", list, "")
    for r in rows:
        Row.from_record(r)
    segs = _need(d, "segments", dict, "")
    for la in langs:
        rec = _need(segs, la, dict, "segments.")
        t = _need(rec, "tokens", list, f"segments.{la}.")
        if len(t) != n:
            raise ValueError(f"segments.{la}.tokens has {len(t)} values for {n} segments")
        sha = rec.get("text_sha")
        if sha is not None and (not isinstance(sha, str) or len(sha) != 8 * n):
            raise ValueError(f"segments.{la}.text_sha does not cover {n} segments")
        if "ids" in rec:
            ids = _unpack_ids(rec["ids"])
            if len(ids) != sum(t):
                raise ValueError(f"segments.{la}.ids holds {len(ids)} ids, but the token counts "
                                 f"add up to {sum(t)}")
    v = _need(d, "vocab", dict, "")
    if "count" in v:  # decoded when needed; the checksum already vouches for its content
        _need(v, "packed", str, "vocab.")
        _need(v, "encoding", str, "vocab.")


def load_baseline(path: str | os.PathLike) -> Baseline:
    """Read and validate a baseline file; errors say what is wrong and how to fix it."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"baseline file not found: {p}. Create one first: tokeff baseline "
                         f"--tokenizer SPEC --corpus SPEC --output {p}") from None
    except IsADirectoryError:
        raise UsageError(f"baseline {p} is a directory, not a baseline file") from None
    except OSError as e:
        raise UsageError(f"cannot read baseline {p}: {e.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UsageError(f"baseline {p} is corrupt: not UTF-8 text (invalid byte at offset "
                         f"{e.start}; a compressed or binary file?). {_recreate_hint(str(p))}") \
            from None
    return Baseline.from_json(text, source=str(p))


def _as_baseline(b: Baseline | str | os.PathLike | Mapping) -> Baseline:
    if isinstance(b, Baseline):
        return b
    if isinstance(b, Mapping):
        return Baseline.from_json(json.dumps(b), source="<dict>")
    return load_baseline(b)


def _default_langs(corpus: Corpus) -> list[str]:
    if len(corpus.langs) > len(DEFAULT_LANGS):
        return [x for x in DEFAULT_LANGS if x in corpus.segments]
    return corpus.langs


def _text_hashes(texts: Sequence[str]) -> str:
    """The first 8 hex digits of each segment's sha256, concatenated: enough to point at the
    first segment that differs when a corpus changed."""
    return "".join(hashlib.sha256(t.encode("utf-8")).hexdigest()[:8] for t in texts)


def _segment_ids(tok: Tokenizer, texts: list[str]) -> list[Sequence[int]]:
    return tok.encode_batch(texts)


def create_baseline(tokenizer: Tokenizer | str, corpus: Corpus | str | None = None, *,
                    langs: Sequence[str] | None = None, split: str | None = None,
                    normalization: str = "none", pivot: str = "eng_Latn",
                    metrics: Sequence[str] | None = None,
                    segmenters: Mapping[str, str | None] | None = None,
                    bootstrap: int = 0, seed: int = 0, ci: float = 0.95, alpha: float = 2.5,
                    store_ids: bool = True, store_vocab: bool = True,
                    workers: int | None = None,
                    progress: Callable[[str], None] | None = None) -> Baseline:
    """Measure ``tokenizer`` on ``corpus`` and record everything a later check needs.

    ``corpus`` is a spec (name or path, recorded so :func:`check` can reload it) or a
    :class:`~tokeff.Corpus` (then :func:`check` needs ``corpus=`` again). Metrics default to all
    of :data:`tokeff.metrics.DEFAULT_METRICS` (``parity`` only when the pivot is in the corpus);
    bootstrap CIs are off by default, since a gate compares point values on the same corpus.

    >>> base = create_baseline("hf:tokenizer.json", "corpus.tsv")  # doctest: +SKIP
    >>> base.save("baseline.json")  # doctest: +SKIP
    """
    check_run_options(alpha=alpha, bootstrap=bootstrap, workers=workers)  # before any loading
    spec = tokenizer if isinstance(tokenizer, str) else None
    tok = get_tokenizer(tokenizer)
    if isinstance(corpus, Corpus):
        if split is not None:
            raise UsageError(f"split={split!r} applies to a corpus spec, not to a Corpus object; "
                             f"select the split when loading it")
        corpus_spec = None
        base_corpus = corpus
    else:
        corpus_spec = corpus or "udhr"
        base_corpus = load_corpus(corpus_spec, split=split)
    wanted = [resolve_lang(x) for x in langs] if langs else _default_langs(base_corpus)
    metrics_given = metrics is not None
    metric_list = list(metrics) if metrics else list(DEFAULT_METRICS)
    if "nsl" in metric_list:
        raise UsageError("the gate does not record 'nsl' (it needs a reference tokenizer); "
                         "leave it out of --metrics")
    for m in metric_list:
        if m not in METRICS:
            raise UsageError(f"unknown metric {m!r}; available: {', '.join(METRICS)}")
    pivot_code = resolve_lang(pivot) if pivot else None
    if "parity" in metric_list:
        if pivot_code not in base_corpus.segments:
            if metrics_given:
                raise UsageError(f"metric parity needs the pivot language {pivot_code}, which "
                                 f"corpus {base_corpus.name!r} does not have; choose --pivot or "
                                 f"leave parity out")
            metric_list.remove("parity")
        elif pivot_code not in wanted:
            wanted.append(pivot_code)
    corp = base_corpus.select(wanted, normalization=normalization)
    res = measure(corp, [tok], pivot=pivot_code or "eng_Latn", metrics=metric_list,
                  segmenters=segmenters, normalization=corp.normalization, bootstrap=bootstrap,
                  seed=seed, ci=ci, alpha=alpha, workers=workers, progress=progress)
    segs: dict[str, dict] = {}
    for la in corp.langs:
        c = res.counts[(tok.name, la)]
        rec: dict[str, Any] = {"tokens": [int(x) for x in c.tokens],
                               "chars": int(c.chars.sum()), "bytes": int(c.bytes.sum()),
                               "text_sha": _text_hashes(corp.segments[la])}
        if store_ids:
            batch = _segment_ids(tok, corp.segments[la])
            lengths = [len(x) for x in batch]
            if lengths != rec["tokens"]:  # pragma: no cover - a backend inconsistency
                raise TokeffError(f"tokenizer {tok.name!r} gave different token counts for "
                                  f"{la} on a second encoding; it is not deterministic")
            flat = np.fromiter((i for ids in batch for i in ids), dtype=np.int64,
                               count=sum(lengths))
            rec["ids"] = _pack_ids(flat)
        segs[la] = rec
    vocab = vocabulary(tok) if store_vocab else None
    seg_overrides = {resolve_lang(k): (None if v in (None, "none") else v)
                     for k, v in (segmenters or {}).items()}
    data: dict[str, Any] = {
        "format": BASELINE_FORMAT,
        "format_version": BASELINE_FORMAT_VERSION,
        "tokeff": __version__,
        "tokenizer": _tok_info(tok, spec),
        "settings": {
            "corpus": corpus_spec, "split": split, "normalization": corp.normalization,
            "pivot": pivot_code, "metrics": metric_list, "metrics_given": metrics_given,
            "segmenters": seg_overrides, "aggregation": "totals", "bootstrap": bootstrap,
            "seed": seed, "ci": ci, "alpha": alpha,
        },
        "corpus": {"name": corp.name, "split": corp.split, "hash": corp.content_hash(),
                   "n_segments": len(corp), "langs": corp.langs,
                   "segmenters": res.meta.get("segmenters", {})},
        "meta": res.meta,
        "results": [r.to_record() for r in res.rows],
        "segments": segs,
        "vocab": vocab.to_record() if vocab is not None else
        {"size": _tok_info(tok, spec)["vocab_size"], "unavailable":
         f"backend {tok.backend} does not expose its vocabulary as bytes"},
    }
    return Baseline(_seal(data))
