"""The CI regression gate: a baseline of a tokenizer's efficiency per language, and a check of a
(changed) tokenizer against it.

A **baseline** records, for one tokenizer on one corpus, every metric per language with its
signature, the per-segment token counts and token ids, the tokenizer's fingerprint, content hash,
backend and version, and its vocabulary as bytes (so a later check can say which entries were
added, removed or remapped, and decode the tokens of the old tokenizer without it).

A **check** re-measures on the same corpus with the same settings, refuses to compare when the
corpus or settings differ (naming the signature fields that do), applies thresholds per metric
and language, and explains what changed.

>>> from tokeff import gate  # doctest: +SKIP
>>> base = gate.create_baseline("hf:tokenizer.json", "corpus.tsv")  # doctest: +SKIP
>>> base.save("baseline.json")  # doctest: +SKIP
>>> report = gate.check("baseline.json", "hf:new/tokenizer.json",
...                     thresholds=[gate.Threshold.parse("tokens_per_char=1%")])  # doctest: +SKIP
>>> assert report.passed, report.to_markdown()  # doctest: +SKIP

This module is pure: it never prints and never exits; ``tokeff baseline`` / ``tokeff check``
(:mod:`tokeff.cli.gate`) only report what it returns.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import gzip
import hashlib
import json
import math
import os
import re
import sys
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._version import __version__
from .corpora import Corpus, load_corpus
from .errors import CorpusError, TokeffError, TokenizerError, UsageError
from .langs import resolve_lang
from .metrics import DEFAULT_METRICS, METRICS
from .results import Results, Row, Signature
from .tokenizers import Tokenizer, get_tokenizer

__all__ = [
    "BASELINE_FORMAT_VERSION",
    "DEFAULT_THRESHOLDS",
    "Baseline",
    "CheckConfig",
    "CheckReport",
    "Comparison",
    "Explanation",
    "SegmentChange",
    "Threshold",
    "VocabDiff",
    "VocabEntry",
    "Vocabulary",
    "check",
    "create_baseline",
    "diff_vocabularies",
    "load_baseline",
    "load_config",
    "merge_thresholds",
    "parse_thresholds",
    "vocabulary",
]

BASELINE_FORMAT = "tokeff-baseline"
#: Version of the baseline file format this tokeff writes and the newest it reads.
BASELINE_FORMAT_VERSION = 1
REPORT_FORMAT = "tokeff-check"
REPORT_FORMAT_VERSION = 1

#: Signature fields that must agree between baseline and check for the numbers to be
#: comparable. The others (tokeff version, tokenizer name, fingerprint, vocabulary hash,
#: backend, tokenizer normalisation) describe the tokenizer under test: they are what may change.
COMPARABILITY_FIELDS = ("corpus", "split", "chash", "norm", "seg", "agg", "boot", "pivot", "ref",
                        "alpha")
_EPS = 1e-12


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _pack_ids(ids: np.ndarray) -> str:
    return _b64(gzip.compress(np.asarray(ids, dtype="<i4").tobytes(), compresslevel=6, mtime=0))


def _unpack_ids(text: str) -> np.ndarray:
    raw = gzip.decompress(base64.b64decode(text, validate=True))
    if len(raw) % 4:
        raise ValueError("token id data is not a whole number of int32 values")
    return np.frombuffer(raw, dtype="<i4").astype(np.int64)


# =============================================================================================
# Vocabulary as bytes
# =============================================================================================

@dataclass(frozen=True)
class VocabEntry:
    """One vocabulary entry: its id, the bytes it stands for, and whether it is a special
    (control / added) token, whose bytes are its literal text."""

    id: int
    bytes: bytes
    special: bool = False

    @property
    def text(self) -> str:
        """The bytes as text; bytes that are not valid UTF-8 on their own appear as ``\\xNN``."""
        return self.bytes.decode("utf-8", errors="backslashreplace")

    def to_record(self) -> dict:
        return {"id": self.id, "bytes": _b64(self.bytes), "text": self.text,
                "special": self.special}


class Vocabulary:
    """A tokenizer's vocabulary as ``id -> bytes`` (what each token stands for in UTF-8 text).

    Byte-level BPE token strings are mapped back through GPT-2's byte table, sentencepiece-style
    pieces get ``▁`` -> space and ``<0xNN>`` -> that byte; special tokens keep their literal text.
    Comparing vocabularies as bytes, not display strings, is what makes a diff meaningful across
    backends and representations.

    >>> v = Vocabulary([VocabEntry(1, b" the"), VocabEntry(0, b"\\xe4", True)])
    >>> v.token_bytes(1), len(v), v.entries[0].special
    (b' the', 2, True)
    """

    def __init__(self, entries: Iterable[VocabEntry] = (), *, size: int | None = None):
        es = sorted(entries, key=lambda e: e.id)
        self._set([e.id for e in es], [e.bytes for e in es], [e.special for e in es], size)

    @classmethod
    def from_lists(cls, ids: Sequence[int], tokens: Sequence[bytes], special: Sequence[bool], *,
                   size: int | None = None) -> Vocabulary:
        """From parallel lists (any order)."""
        order = np.argsort(np.asarray(ids, dtype=np.int64), kind="stable")
        v = cls.__new__(cls)
        v._set([int(ids[i]) for i in order], [tokens[i] for i in order],
               [bool(special[i]) for i in order], size)
        return v

    def _set(self, ids: list[int], tokens: list[bytes], special: list[bool],
             size: int | None) -> None:
        self.ids, self.tokens, self.special = ids, tokens, special
        self.size = int(size if size is not None else len(ids))
        self._pos: dict[int, int] | None = None
        self._entries: list[VocabEntry] | None = None

    @property
    def entries(self) -> list[VocabEntry]:
        """The entries in id order."""
        if self._entries is None:
            self._entries = list(map(VocabEntry, self.ids, self.tokens, self.special))
        return self._entries

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        return f"<Vocabulary {len(self.ids)} entries>"

    def _index(self, token_id: int) -> int | None:
        if self._pos is None:
            self._pos = {i: k for k, i in enumerate(self.ids)}
        return self._pos.get(int(token_id))

    def token_bytes(self, token_id: int) -> bytes | None:
        k = self._index(token_id)
        return None if k is None else self.tokens[k]

    def token_text(self, token_id: int) -> str:
        """Display text of a token id (bytes that are not UTF-8 alone as ``\\xNN``;
        ``<id N?>`` when the id is unknown)."""
        k = self._index(token_id)
        if k is None:
            return f"<id {token_id}?>"
        return self.tokens[k].decode("utf-8", errors="backslashreplace")

    def _payload(self) -> bytes:
        """Binary layout (little-endian): int32 ids[n], uint32 byte lengths[n], uint8
        special[n], then the token bytes one after the other, in id order."""
        n = len(self.ids)
        lens = np.fromiter(map(len, self.tokens), dtype="<u4", count=n)
        return (np.asarray(self.ids, dtype="<i4").tobytes() + lens.tobytes()
                + np.asarray(self.special, dtype="u1").tobytes() + b"".join(self.tokens))

    def digest(self) -> str:
        """sha256 of the binary layout (ids, lengths, special flags, bytes)."""
        return hashlib.sha256(self._payload()).hexdigest()

    def to_record(self) -> dict:
        """JSON form: ``packed`` is gzip + base64 of the binary layout (see ``_payload``)."""
        payload = self._payload()
        return {"size": self.size, "count": len(self.ids),
                "sha256": hashlib.sha256(payload).hexdigest(),
                "encoding": "tokeff-vocab-1+gzip+base64",
                "packed": _b64(gzip.compress(payload, compresslevel=6, mtime=0))}

    @classmethod
    def from_record(cls, rec: Mapping) -> Vocabulary:
        if rec.get("encoding") != "tokeff-vocab-1+gzip+base64":
            raise ValueError(f"unknown vocabulary encoding {rec.get('encoding')!r}")
        payload = gzip.decompress(base64.b64decode(rec["packed"], validate=True))
        if "sha256" in rec and hashlib.sha256(payload).hexdigest() != rec["sha256"]:
            raise ValueError("vocabulary digest mismatch (the entries were altered)")
        n = int(rec["count"])
        if len(payload) < 9 * n:
            raise ValueError(f"vocabulary data too short for {n} entries")
        ids = np.frombuffer(payload, dtype="<i4", count=n)
        lens = np.frombuffer(payload, dtype="<u4", count=n, offset=4 * n).astype(np.int64)
        special = np.frombuffer(payload, dtype="u1", count=n, offset=8 * n)
        blob = payload[9 * n:]
        if int(lens.sum()) != len(blob):
            raise ValueError("vocabulary data: token lengths do not add up to the bytes stored")
        ends = np.cumsum(lens).tolist()
        starts = [0] + ends[:-1]
        v = cls.__new__(cls)
        v._set(ids.tolist(), [blob[a:b] for a, b in zip(starts, ends)],
               [bool(x) for x in special], int(rec.get("size", n)))
        return v


def _hf_lists(tok: Any) -> tuple[list[int], list[bytes], list[bool]]:
    from .tokenizers.hf_backend import _bytes_to_unicode

    j = tok._json
    shape = json.dumps(j.get("pre_tokenizer")) + json.dumps(j.get("decoder"))
    byte_level = "ByteLevel" in shape
    repl = "▁"
    m = re.search(r'"replacement":\s*"(.)"', shape)
    if m:
        repl = m.group(1)
    table = _bytes_to_unicode()
    # str.translate + latin-1 turns a byte-level token string into its bytes at C speed; a
    # string with characters outside the table is kept as literal text.
    trans = {ord(c): chr(b) for c, b in table.items()}
    outside = re.compile("[^" + re.escape("".join(table)) + "]")
    added = {int(a["id"]): a for a in j.get("added_tokens", [])}
    ids: list[int] = []
    toks: list[bytes] = []
    special: list[bool] = []
    for s, i in tok.tokenizer.get_vocab(with_added_tokens=True).items():
        i = int(i)
        a = added.get(i)
        sp = False
        if a is not None and a.get("content") == s:
            b, sp = s.encode("utf-8"), bool(a.get("special", False))
        elif len(s) == 6 and s.startswith("<0x") and s.endswith(">") and \
                all(c in "0123456789abcdefABCDEF" for c in s[3:5]):
            b = bytes([int(s[3:5], 16)])
        elif byte_level and not outside.search(s):
            b = s.translate(trans).encode("latin-1")
        elif byte_level:
            b = s.encode("utf-8")
        else:
            b = s.replace(repl, " ").encode("utf-8")
        ids.append(i)
        toks.append(b)
        special.append(sp)
    return ids, toks, special


def _tiktoken_lists(tok: Any) -> tuple[list[int], list[bytes], list[bool]]:
    enc = tok.encoding
    ranks = enc._mergeable_ranks
    specials = enc._special_tokens
    return ([int(i) for i in ranks.values()] + [int(i) for i in specials.values()],
            [bytes(b) for b in ranks] + [s.encode("utf-8") for s in specials],
            [False] * len(ranks) + [True] * len(specials))


def _spm_lists(tok: Any) -> tuple[list[int], list[bytes], list[bool]]:
    sp = tok.processor
    ids: list[int] = []
    toks: list[bytes] = []
    special: list[bool] = []
    for i in range(sp.vocab_size()):
        piece = sp.id_to_piece(i)
        if sp.is_byte(i):
            b, s = bytes([int(piece[3:5], 16)]), False
        elif sp.is_control(i) or sp.is_unknown(i):
            b, s = piece.encode("utf-8"), True
        else:
            b, s = piece.replace("▁", " ").encode("utf-8"), False
        ids.append(i)
        toks.append(b)
        special.append(s)
    return ids, toks, special


#: Vocabularies already extracted, per tokenizer object (extraction walks the whole vocabulary).
_VOCAB_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def vocabulary(tokenizer: Tokenizer | str) -> Vocabulary | None:
    """The vocabulary of a tokenizer as bytes, or None when its backend does not expose one.

    tiktoken, Hugging Face ``tokenizers`` and sentencepiece are read directly; other backends
    are used when they hold a ``vocab`` table ``{bytes: id}``, and a user tokenizer may offer
    ``vocabulary_bytes() -> {id: bytes}``.

    >>> v = vocabulary("hf:tokenizer.json")  # doctest: +SKIP
    >>> v.token_bytes(100)  # doctest: +SKIP
    b' the'
    """
    tok = get_tokenizer(tokenizer)
    try:
        cached = _VOCAB_CACHE.get(tok)
    except TypeError:
        cached = None
    if cached is not None and cached[0] == tok.content_hash():
        return cached[1]
    if hasattr(tok, "encoding") and hasattr(tok.encoding, "_mergeable_ranks"):
        lists = _tiktoken_lists(tok)
    elif hasattr(tok, "tokenizer") and hasattr(tok, "_json"):
        lists = _hf_lists(tok)
    elif hasattr(tok, "processor"):
        lists = _spm_lists(tok)
    else:
        raw = getattr(tok, "vocab", None)  # backends holding a {bytes: id} table (rwkv-trie)
        fn = getattr(getattr(tok, "obj", None), "vocabulary_bytes", None)
        if isinstance(raw, Mapping) and raw and all(isinstance(k, bytes) for k in raw):
            d = {int(i): bytes(b) for b, i in raw.items()}
        elif fn is not None:
            d = {int(i): bytes(b) for i, b in dict(fn()).items()}
        else:
            return None
        lists = (list(d), list(d.values()), [False] * len(d))
    try:
        size = int(tok.vocab_size)
    except (TokenizerError, NotImplementedError):
        size = len(lists[0])
    v = Vocabulary.from_lists(*lists, size=size)
    try:
        _VOCAB_CACHE[tok] = (tok.content_hash(), v)
    except TypeError:
        pass
    return v


@dataclass
class VocabDiff:
    """Entries added, removed and remapped between two vocabularies, compared as bytes.

    An entry is identified by its bytes (and whether it is special): *added* exists only in the
    new vocabulary, *removed* only in the old, *remapped* in both under different ids.
    """

    old_size: int
    new_size: int
    added: list[VocabEntry]
    removed: list[VocabEntry]
    remapped: list[tuple[VocabEntry, VocabEntry]]  # (old, new)

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed or self.remapped)

    def summary(self) -> str:
        if self.unchanged:
            return f"vocabulary identical as bytes ({self.old_size} entries)"
        return (f"vocabulary {self.old_size} -> {self.new_size} entries: {len(self.added)} "
                f"added, {len(self.removed)} removed, {len(self.remapped)} remapped")

    def to_record(self, limit: int | None = 100) -> dict:
        def cut(xs: list) -> list:
            return xs if limit is None else xs[:limit]

        return {"old_size": self.old_size, "new_size": self.new_size,
                "n_added": len(self.added), "n_removed": len(self.removed),
                "n_remapped": len(self.remapped),
                "added": [e.to_record() for e in cut(self.added)],
                "removed": [e.to_record() for e in cut(self.removed)],
                "remapped": [{"bytes": _b64(o.bytes), "text": o.text, "special": o.special,
                              "old_id": o.id, "new_id": n.id} for o, n in cut(self.remapped)]}


def diff_vocabularies(old: Vocabulary, new: Vocabulary) -> VocabDiff:
    """Compare two vocabularies as bytes.

    >>> a = Vocabulary([VocabEntry(0, b"a"), VocabEntry(1, b"b"), VocabEntry(2, b"ab")])
    >>> b = Vocabulary([VocabEntry(0, b"a"), VocabEntry(1, b"ab"), VocabEntry(2, b"c")])
    >>> d = diff_vocabularies(a, b)
    >>> [e.bytes for e in d.added], [e.bytes for e in d.removed], len(d.remapped)
    ([b'c'], [b'b'], 1)
    """
    def index(v: Vocabulary) -> dict[tuple[bool, bytes], list[VocabEntry]]:
        out: dict[tuple[bool, bytes], list[VocabEntry]] = {}
        for e in v.entries:
            out.setdefault((e.special, e.bytes), []).append(e)
        return out

    a, b = index(old), index(new)
    added = sorted((e for k, es in b.items() if k not in a for e in es), key=lambda e: e.id)
    removed = sorted((e for k, es in a.items() if k not in b for e in es), key=lambda e: e.id)
    remapped: list[tuple[VocabEntry, VocabEntry]] = []
    for k, olds in a.items():
        news = b.get(k)
        if news is None:
            continue
        oids, nids = [e.id for e in olds], [e.id for e in news]
        if oids != nids:
            for o, n in zip(olds, news):
                if o.id != n.id:
                    remapped.append((o, n))
            # Unequal duplicate counts: the surplus is added / removed.
            added.extend(news[len(olds):])
            removed.extend(olds[len(news):])
    remapped.sort(key=lambda p: p[0].id)
    return VocabDiff(old.size, new.size, sorted(added, key=lambda e: e.id),
                     sorted(removed, key=lambda e: e.id), remapped)


# =============================================================================================
# Baseline
# =============================================================================================

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
        from ._io import write_output

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
    from .langs import DEFAULT_LANGS

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
    from .measurement import measure

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


# =============================================================================================
# Thresholds and configuration
# =============================================================================================

_THRESHOLD_RE = re.compile(r"^\s*([A-Za-z_][\w]*)\s*(?:@\s*([\w\-*]+))?\s*=\s*([0-9.eE+]+)\s*(%?)\s*$")
DIRECTIONS = ("increase", "decrease")


@dataclass(frozen=True)
class Threshold:
    """How far a metric may move in one direction: ``limit`` as a fraction of the baseline value
    (``relative``) or in the metric's own unit; for one language or (``lang`` None) all.

    >>> Threshold.parse("tokens_per_char=1%")
    Threshold(metric='tokens_per_char', direction='increase', limit=0.01, relative=True, lang=None, source='flag')
    >>> str(Threshold.parse("parity@zh=0.02"))
    'max-increase parity@zho_Hans=0.02'
    """

    metric: str
    direction: str  # "increase" or "decrease"
    limit: float
    relative: bool
    lang: str | None = None
    source: str = "flag"

    @classmethod
    def parse(cls, text: str, *, direction: str = "increase", source: str = "flag") -> Threshold:
        """Parse ``METRIC[@LANG]=LIMIT[%]``: ``tokens_per_char=1%`` (relative),
        ``parity@zho_Hans=0.02`` (absolute)."""
        if direction not in DIRECTIONS:
            raise UsageError(f"threshold direction must be 'increase' or 'decrease', "
                             f"not {direction!r}")
        m = _THRESHOLD_RE.match(str(text))
        if not m:
            raise UsageError(f"bad threshold {text!r} ({source}): expected METRIC[@LANG]=LIMIT[%],"
                             f" e.g. tokens_per_char=1% or parity@zho_Hans=0.02")
        metric, lang, num, pct = m.groups()
        return cls.make(metric, num + pct, direction=direction, lang=lang, source=source)

    @classmethod
    def make(cls, metric: str, limit: str | float, *, direction: str = "increase",
             lang: str | None = None, source: str = "flag") -> Threshold:
        if metric not in METRICS:
            close = difflib.get_close_matches(metric, list(METRICS), n=2)
            hint = f" Did you mean {' or '.join(close)}?" if close else ""
            raise UsageError(f"threshold ({source}) names unknown metric {metric!r}.{hint} "
                             f"Metrics: {', '.join(METRICS)}")
        if isinstance(limit, bool) or not isinstance(limit, (int, float, str)):
            raise UsageError(f"threshold {metric} ({source}): limit must be a number or a "
                             f"percentage string like \"1%\", not {limit!r}")
        relative = False
        if isinstance(limit, str):
            s = limit.strip()
            relative = s.endswith("%")
            try:
                value = float(s[:-1] if relative else s)
            except ValueError:
                raise UsageError(f"threshold {metric} ({source}): {limit!r} is not a number or "
                                 f"a percentage like \"1%\"") from None
            if relative:
                value /= 100.0
        else:
            value = float(limit)
        if not math.isfinite(value) or value < 0:
            raise UsageError(f"threshold {metric} ({source}): the limit must be a finite number "
                             f">= 0, not {limit!r} (the direction comes from max-increase / "
                             f"max-decrease)")
        code = None if lang in (None, "", "*", "all") else resolve_lang(lang)
        return cls(metric, direction, value, relative, code, source)

    @property
    def key(self) -> tuple[str, str | None, str]:
        return (self.metric, self.lang, self.direction)

    def limit_text(self) -> str:
        sign = "+" if self.direction == "increase" else "-"
        return f"{sign}{self.limit * 100:g}%" if self.relative else f"{sign}{self.limit:g}"

    def __str__(self) -> str:
        where = f"@{self.lang}" if self.lang else ""
        lim = f"{self.limit * 100:g}%" if self.relative else f"{self.limit:g}"
        return f"max-{self.direction} {self.metric}{where}={lim}"

    def to_record(self) -> dict:
        return {"metric": self.metric, "lang": self.lang, "direction": self.direction,
                "limit": self.limit, "relative": self.relative, "source": self.source,
                "text": str(self)}


#: Used when neither flags nor a config file give thresholds: tokens per character may not rise
#: more than 1% in any language.
DEFAULT_THRESHOLDS: tuple[Threshold, ...] = (
    Threshold("tokens_per_char", "increase", 0.01, True, None, "default"),
)


def parse_thresholds(max_increase: Iterable[str] = (), max_decrease: Iterable[str] = (), *,
                     source: str = "flag") -> list[Threshold]:
    """Thresholds from ``--max-increase`` / ``--max-decrease`` values (each may hold several,
    comma-separated).

    >>> [str(t) for t in parse_thresholds(["tokens_per_char=1%,parity@zh=0.02"], ["chars_per_token=2%"])]
    ['max-increase tokens_per_char=1%', 'max-increase parity@zho_Hans=0.02', 'max-decrease chars_per_token=2%']
    """
    out: list[Threshold] = []
    for direction, values in (("increase", max_increase), ("decrease", max_decrease)):
        for v in values:
            for part in str(v).split(","):
                if part.strip():
                    out.append(Threshold.parse(part, direction=direction, source=source))
    return out


def thresholds_from_mapping(m: Mapping, *, source: str = "config") -> list[Threshold]:
    """Thresholds from ``{"max-increase": {"tokens_per_char": "1%", "parity@zho_Hans": 0.02},
    "max-decrease": {...}}`` (the config-file schema)."""
    out: list[Threshold] = []
    for key, table in m.items():
        direction = {"max-increase": "increase", "max_increase": "increase",
                     "max-decrease": "decrease", "max_decrease": "decrease"}.get(key)
        if direction is None:
            raise UsageError(f"{source}: unknown threshold table {key!r}; expected "
                             f"max-increase or max-decrease")
        if not isinstance(table, Mapping):
            raise UsageError(f"{source}: {key} must be a table of METRIC[@LANG] = LIMIT")
        for name, limit in table.items():
            metric, _, lang = str(name).partition("@")
            out.append(Threshold.make(metric.strip(), limit, direction=direction,
                                      lang=lang.strip() or None, source=source))
    return out


def merge_thresholds(*layers: Iterable[Threshold]) -> list[Threshold]:
    """Combine layers of thresholds, later layers overriding earlier ones for the same metric,
    language and direction (config, then flags). With no thresholds at all, the defaults."""
    merged: dict[tuple, Threshold] = {}
    for layer in layers:
        for t in layer:
            merged.pop(t.key, None)
            merged[t.key] = t
    return list(merged.values()) if merged else list(DEFAULT_THRESHOLDS)


@dataclass
class CheckConfig:
    """``[tool.tokeff.check]`` in ``pyproject.toml`` or ``[check]`` in ``tokeff.toml``.

    Keys: ``baseline``, ``tokenizer``, ``corpus`` (paths relative to the config file),
    ``format`` (markdown|json), ``top`` (segments shown per language), and the threshold tables
    ``max-increase`` / ``max-decrease`` mapping ``METRIC[@LANG]`` to a limit (``"1%"`` relative,
    ``0.02`` absolute).
    """

    path: str | None = None
    baseline: str | None = None
    tokenizer: str | None = None
    corpus: str | None = None
    format: str | None = None
    top: int | None = None
    thresholds: list[Threshold] = field(default_factory=list)


_CONFIG_KEYS = {"baseline", "tokenizer", "corpus", "format", "top", "max-increase",
                "max-decrease", "max_increase", "max_decrease"}


def _toml_load(path: Path) -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"{path} is not valid TOML: {e}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read {path}: {e}") from None


def _rebase(value: str, base: Path, *, tokenizer: bool = False) -> str:
    """A path from a config file, taken relative to the file's directory when it exists there
    (tokenizer specs keep their ``hf:``/``spm:``/``tiktoken:`` prefix and ``?options``)."""
    prefix, body = "", value
    if tokenizer:
        kind, sep, rest = value.partition(":")
        if sep and kind in ("hf", "spm", "tiktoken"):
            prefix, body = kind + ":", rest
    path, q, query = body.partition("?")
    if not path or Path(path).is_absolute() or not (base / path).exists():
        return value
    return prefix + str(base / path) + q + query


def load_config(path: str | os.PathLike | None = None, *,
                start: str | os.PathLike | None = None) -> CheckConfig:
    """Read the check configuration: ``path`` if given, else the first ``tokeff.toml`` (table
    ``[check]``) or ``pyproject.toml`` with ``[tool.tokeff.check]`` found from ``start`` (the
    working directory) upwards. No file: an empty config."""
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise UsageError(f"config file not found: {p}")
        candidates = [p]
    else:
        here = Path(start or Path.cwd()).resolve()
        candidates = []
        for d in (here, *here.parents):
            candidates += [d / "tokeff.toml", d / "pyproject.toml"]
    for p in candidates:
        if not p.is_file():
            continue
        data = _toml_load(p)
        if p.name == "pyproject.toml":
            table = data.get("tool", {}).get("tokeff", {}).get("check")
            where = f"{p} [tool.tokeff.check]"
        else:
            table = data.get("check", data.get("tool", {}).get("tokeff", {}).get("check"))
            where = f"{p} [check]"
        if table is None:
            if path is not None:
                raise UsageError(f"{p} has no [tool.tokeff.check] (pyproject.toml) or [check] "
                                 f"(tokeff.toml) table")
            continue
        return _config_from_table(table, p, where)
    return CheckConfig()


def _config_from_table(table: Mapping, p: Path, where: str) -> CheckConfig:
    if not isinstance(table, Mapping):
        raise UsageError(f"{where} must be a table")
    unknown = sorted(set(table) - _CONFIG_KEYS)
    if unknown:
        raise UsageError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: "
                         f"{', '.join(sorted(_CONFIG_KEYS - {'max_increase', 'max_decrease'}))}")
    base = p.parent
    cfg = CheckConfig(path=str(p))
    for key in ("baseline", "tokenizer", "corpus", "format"):
        v = table.get(key)
        if v is not None and not isinstance(v, str):
            raise UsageError(f"{where}: {key} must be a string, not {type(v).__name__}")
    if table.get("baseline"):
        cfg.baseline = str(base / table["baseline"]) if not Path(table["baseline"]).is_absolute() \
            else table["baseline"]
    if table.get("tokenizer"):
        cfg.tokenizer = _rebase(table["tokenizer"], base, tokenizer=True)
    if table.get("corpus"):
        cfg.corpus = _rebase(table["corpus"], base)
    if table.get("format"):
        if table["format"] not in ("markdown", "json"):
            raise UsageError(f"{where}: format must be markdown or json")
        cfg.format = table["format"]
    if "top" in table:
        if not isinstance(table["top"], int) or isinstance(table["top"], bool) or table["top"] < 0:
            raise UsageError(f"{where}: top must be a whole number >= 0")
        cfg.top = table["top"]
    cfg.thresholds = thresholds_from_mapping(
        {k: v for k, v in table.items() if k.startswith("max")}, source=where)
    return cfg


# =============================================================================================
# Check
# =============================================================================================

@dataclass
class Comparison:
    """One gated number: a metric of a language before and after, against a threshold."""

    lang: str
    metric: str
    before: float | None
    after: float | None
    threshold: Threshold
    verdict: str  # "pass", "fail" or "n/a"
    note: str | None = None

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def relative_change(self) -> float | None:
        ch = self.change
        if ch is None or self.before is None:
            return None
        if self.before == 0:
            return 0.0 if ch == 0 else math.copysign(math.inf, ch)
        return ch / abs(self.before)

    @property
    def failed(self) -> bool:
        return self.verdict == "fail"

    def change_text(self, sep: str = " (", end: str = ")") -> str:
        ch, rel = self.change, self.relative_change
        if ch is None:
            return "n/a"
        if ch == 0:
            return "±0"
        if rel is None or math.isinf(rel):
            return f"{ch:+.4g}"
        return f"{ch:+.4g}{sep}{rel * 100:+.2f}%{end}"

    def failure_line(self) -> str:
        """``zho_Hans: tokens_per_char rose from 0.6021 to 2.9553 (+2.353, +390.81%); limit
        +1% (max-increase tokens_per_char=1%, flag)``"""
        verb = "rose" if (self.change or 0) > 0 else "fell"
        return (f"{self.lang}: {self.metric} {verb} from {_num(self.before)} to "
                f"{_num(self.after)} ({self.change_text(', ', '')}); limit "
                f"{self.threshold.limit_text()} ({self.threshold}, {self.threshold.source})")

    def to_record(self) -> dict:
        rel = self.relative_change
        return {"lang": self.lang, "metric": self.metric, "before": self.before,
                "after": self.after, "change": self.change,
                "relative_change": None if rel is None or math.isinf(rel) else rel,
                "verdict": self.verdict, "threshold": str(self.threshold),
                "threshold_source": self.threshold.source, "note": self.note}


def _num(v: float | None) -> str:
    if v is None:
        return "n/a"
    if float(v).is_integer() and abs(v) >= 1:
        return str(int(v))
    return f"{v:.4f}" if abs(v) < 10 else f"{v:.6g}"


@dataclass
class SegmentChange:
    """A segment whose token count changed, with its tokens before and after."""

    lang: str
    index: int
    origin: str | None
    text: str
    before: int
    after: int
    before_tokens: list[str] | None
    after_tokens: list[str] | None

    @property
    def change(self) -> int:
        return self.after - self.before

    def to_record(self) -> dict:
        return {"lang": self.lang, "index": self.index, "origin": self.origin,
                "text": self.text, "before": self.before, "after": self.after,
                "change": self.change, "before_tokens": self.before_tokens,
                "after_tokens": self.after_tokens}


@dataclass
class Explanation:
    """Why the numbers moved: what changed in the tokenizer, its vocabulary, and which segments
    changed most."""

    tokenizer_change: str  # "none", "content", "backend", "content+backend"
    message: str
    before: dict
    after: dict
    vocab: VocabDiff | None = None
    #: Removed or remapped entries that the baseline's encoding of the corpus used, with how
    #: often, most frequent first: the entries whose loss explains the change.
    removed_in_use: list[tuple[VocabEntry, int]] = field(default_factory=list)
    vocab_note: str | None = None
    segments: dict[str, list[SegmentChange]] = field(default_factory=dict)
    changed_segments: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_record(self, vocab_limit: int | None = 100) -> dict:
        return {"tokenizer_change": self.tokenizer_change, "message": self.message,
                "before": self.before, "after": self.after,
                "vocab": self.vocab.to_record(vocab_limit) if self.vocab else None,
                "removed_in_use": [{**e.to_record(), "count": n} for e, n in
                                   (self.removed_in_use if vocab_limit is None else
                                    self.removed_in_use[:vocab_limit])],
                "vocab_note": self.vocab_note,
                "changed_segments": self.changed_segments,
                "segments": {la: [s.to_record() for s in v] for la, v in self.segments.items()},
                "notes": self.notes}


@dataclass
class CheckReport:
    """The outcome of :func:`check`.

    ``passed`` is True when the run is comparable and no threshold is exceeded; ``exit_code``
    is what ``tokeff check`` exits with (0 pass, 1 regression, 3 not comparable).
    """

    comparable: bool
    comparisons: list[Comparison]
    thresholds: list[Threshold]
    baseline: dict
    tokenizer: dict
    differences: dict[str, tuple] = field(default_factory=dict)
    explanation: Explanation | None = None
    notes: list[str] = field(default_factory=list)
    baseline_source: str | None = None

    @property
    def failures(self) -> list[Comparison]:
        return [c for c in self.comparisons if c.failed]

    @property
    def passed(self) -> bool:
        return self.comparable and not self.failures

    @property
    def exit_code(self) -> int:
        if not self.comparable:
            return 3
        return 1 if self.failures else 0

    def failure_lines(self) -> list[str]:
        """One line per failure."""
        return [c.failure_line() for c in self.failures]

    def comparison(self, lang: str, metric: str) -> Comparison:
        lang = resolve_lang(lang)
        for c in self.comparisons:
            if c.lang == lang and c.metric == metric:
                return c
        raise KeyError(f"no gated comparison for {lang} {metric}")

    def __repr__(self) -> str:
        state = ("not comparable" if not self.comparable else
                 f"{len(self.failures)} failure(s)" if self.failures else "passed")
        return f"<CheckReport {state}: {len(self.comparisons)} comparison(s)>"

    # -- output ------------------------------------------------------------------------------
    def to_dict(self, *, vocab_limit: int | None = 100) -> dict:
        return {
            "format": REPORT_FORMAT, "format_version": REPORT_FORMAT_VERSION,
            "tokeff": __version__, "passed": self.passed, "exit_code": self.exit_code,
            "comparable": self.comparable,
            "differences": {k: {"baseline": a, "now": b} for k, (a, b) in
                            self.differences.items()},
            "baseline": {**self.baseline, "source": self.baseline_source},
            "tokenizer": self.tokenizer,
            "thresholds": [t.to_record() for t in self.thresholds],
            "results": [c.to_record() for c in self.comparisons],
            "failures": self.failure_lines(),
            "explanation": self.explanation.to_record(vocab_limit) if self.explanation else None,
            "notes": self.notes,
        }

    def to_json(self, *, indent: int | None = 1) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent, allow_nan=False)

    def to_markdown(self, *, max_segments: int | None = None, max_tokens: int = 40,
                    max_vocab: int = 20) -> str:
        """A report fit for a pull-request comment: verdict, a table (language, metric, before,
        after, change, verdict), one line per failure, then what changed (the segments kept by
        ``check(top=...)``, at most ``max_segments`` per language)."""
        out: list[str] = []
        bname = self.baseline.get("name", "?")
        tname = self.tokenizer.get("name", "?")
        if not self.comparable:
            out.append("## tokeff check: ⚠️ not comparable\n")
            out.append(f"The baseline (`{self.baseline_source or 'baseline'}`) and this run "
                       f"differ in what shapes the numbers, so they are not compared:\n")
            out.append("| field | baseline | now |")
            out.append("|---|---|---|")
            for k, (a, b) in self.differences.items():
                out.append(f"| {k} | {_cell(a)} | {_cell(b)} |")
            out.append("")
            out.extend(f"- {n}" for n in self.notes)
            out.append("\nFix: check on the baseline's corpus and settings, or, if they changed "
                       "on purpose, re-create the baseline:\n")
            out.append(f"```\n{self.baseline.get('recreate') or 'tokeff baseline ...'}\n```")
            return "\n".join(out) + "\n"
        n = len(self.failures)
        if n:
            langs = sorted({c.lang for c in self.failures})
            out.append(f"## tokeff check: ❌ {n} regression{'s' if n != 1 else ''} "
                       f"({', '.join(langs)})\n")
        else:
            out.append("## tokeff check: ✅ passed\n")
        out.append(f"Tokenizer `{tname}` against baseline `{self.baseline_source or bname}` "
                   f"(`{bname}`), corpus `{self.baseline.get('corpus', '?')}` "
                   f"({self.baseline.get('n_segments', '?')} segments).\n")
        out.append("| language | metric | before | after | change | verdict |")
        out.append("|---|---|---:|---:|---:|---|")
        for c in self.comparisons:
            verdict = {"pass": "✅ pass", "fail": f"❌ FAIL (limit {c.threshold.limit_text()})",
                       "n/a": "➖ n/a"}[c.verdict]
            out.append(f"| {c.lang} | {c.metric} | {_num(c.before)} | {_num(c.after)} | "
                       f"{c.change_text()} | {verdict} |")
        out.append("")
        if n:
            out.append("### Failures\n")
            out.extend(f"- {line}" for line in self.failure_lines())
            out.append("")
        notes = list(self.notes) + [f"{c.lang} {c.metric}: {c.note}" for c in self.comparisons
                                    if c.note]
        if notes:
            out.append("Notes: " + "; ".join(notes) + "\n")
        ex = self.explanation
        if ex is not None:
            out.append("### What changed\n")
            out.append(f"- {ex.message}")
            if ex.vocab is not None:
                out.append(f"- {ex.vocab.summary()[0].upper()}{ex.vocab.summary()[1:]}")
                if ex.removed_in_use:
                    used = ex.removed_in_use
                    shown = " ".join(f"{_code(e.text)}×{k}" for e, k in used[:max_vocab])
                    more = f" … (+{len(used) - max_vocab} more)" if len(used) > max_vocab else ""
                    out.append(f"  - removed and used by the baseline on this corpus (most "
                               f"frequent first): {shown}{more}")
                for label, items in (("removed", ex.vocab.removed), ("added", ex.vocab.added)):
                    if items:
                        shown = " ".join(_code(e.text) for e in items[:max_vocab])
                        more = f" … (+{len(items) - max_vocab} more)" if len(items) > max_vocab \
                            else ""
                        out.append(f"  - {label}: {shown}{more}")
                if ex.vocab.remapped:
                    shown = " ".join(f"{_code(o.text)} {o.id}→{nw.id}"
                                     for o, nw in ex.vocab.remapped[:max_vocab])
                    more = f" … (+{len(ex.vocab.remapped) - max_vocab} more)" \
                        if len(ex.vocab.remapped) > max_vocab else ""
                    out.append(f"  - remapped: {shown}{more}")
            elif ex.vocab_note:
                out.append(f"- {ex.vocab_note}")
            out.extend(f"- {x}" for x in ex.notes)
            if ex.changed_segments:
                out.append("- Segments whose token count changed: " + ", ".join(
                    f"{la} {k}" for la, k in ex.changed_segments.items()))
            failing = [c.lang for c in self.failures]
            order = list(dict.fromkeys(failing + list(ex.segments)))
            for la in order:
                segs = ex.segments.get(la)
                if not segs:
                    continue
                out.append(f"\n#### {la}: segments with the largest change\n")
                for s in segs[:max_segments]:  # None: all
                    where = f" ({s.origin})" if s.origin else ""
                    text = s.text if len(s.text) <= 200 else s.text[:200] + "…"
                    out.append(f"- segment {s.index + 1}{where}: {s.before} → {s.after} tokens "
                               f"({s.change:+d})")
                    out.append(f"  > {_inline(text)}")
                    for label, toks in (("before", s.before_tokens), ("after", s.after_tokens)):
                        if toks is None:
                            continue
                        shown = " ".join(_code(t) for t in toks[:max_tokens])
                        more = f" … (+{len(toks) - max_tokens})" if len(toks) > max_tokens else ""
                        out.append(f"  - {label}: {shown}{more}")
        out.append("\n<sub>baseline `" + str(self.baseline.get("signature", "")) + "`<br>now `"
                   + str(self.tokenizer.get("signature", "")) + "`</sub>")
        return "\n".join(out) + "\n"

    def __str__(self) -> str:
        return self.to_markdown()


def _cell(v: Any) -> str:
    s = "—" if v is None else str(v)
    return s.replace("|", "\\|")


def _inline(s: str) -> str:
    return s.replace("\n", " ").replace("|", "\\|")


def _code(s: str) -> str:
    """A markdown code span that keeps spaces visible and survives tables."""
    s = s.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t").replace("|", "\\|")
    if not s:
        return "``"
    s = s.replace(" ", "␣")
    fence = "``" if "`" in s else "`"
    pad = " " if "`" in s else ""
    return f"{fence}{pad}{s}{pad}{fence}"


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
    from .corpora import CORPORA

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
    from .measurement import measure

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
