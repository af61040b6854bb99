"""Vocabulary formats of the catalogue sources, and a cache of parsed vocabularies.

Every reader here takes the *bytes* of a vocabulary file (already read, decompressed and checked
against its pinned sha256 by :mod:`tokeff.tokenizers.catalogue`) and returns what a backend needs:

- :func:`parse_tiktoken_ranks`: a tiktoken rank file (``BASE64 RANK`` per line);
- :func:`parse_quicktok_vocab`: quicktok's binary vocabulary (``u32 n`` then ``n`` times
  ``u16 len, bytes, u32 rank``, little-endian), e.g. its ``llama3.vocab``;
- :func:`parse_gpt2_vocab_bpe`: GPT-2's ``vocab.bpe`` merge list, turned into tiktoken ranks
  exactly as tiktoken's ``data_gym_to_mergeable_bpe_ranks`` does (the ranks of ``r50k_base``);
- :func:`parse_tekken`: Mistral's Tekken json (tiktoken ranks, ids shifted by the number of
  special tokens, vocabulary truncated to ``default_vocab_size``);
- :func:`parse_rwkv_vocab`: the RWKV-World vocabulary (``ID REPR LEN`` per line, ``REPR`` a
  Python str or bytes literal), encoded by :class:`RWKVTrieTokenizer` (greedy longest match over
  UTF-8 bytes, the algorithm of RWKV's reference ``TRIE_TOKENIZER``; there are no BPE merges).

Parsing some of these takes long (the RWKV literals, the 15 MB Tekken json, 200k base64 lines):
:class:`RankCache` stores the parsed ``bytes -> id`` table in a small binary file under the user
cache directory (``$TOKEFF_CACHE_DIR``, else ``$XDG_CACHE_HOME/tokeff`` or ``~/.cache/tokeff``),
keyed by the sha256 of the source bytes, the parser and the tokeff version. Every cache file
carries the sha256 of its own payload (a ``marshal`` dump: plain bytes and ints, no code, read
only by the Python version that wrote it); a file that does not match (truncated, corrupt, written by
another version) is ignored and rebuilt, never used.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import logging
import marshal
import os
import struct
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._io import user_cache_dir
from .._version import __version__
from ..errors import TokenizerError
from .base import TokenArrays, Tokenizer, ids_to_arrays, spans_from_byte_lengths, valid_utf8

Ranks = dict[bytes, int]
log = logging.getLogger("tokeff.cache")

# ---------------------------------------------------------------------------------------------
# Parsers
# ---------------------------------------------------------------------------------------------


def parse_tiktoken_ranks(data: bytes, *, source: str = "<bytes>") -> Ranks:
    """Parse a tiktoken rank file: one ``BASE64 RANK`` pair per line. Refused, naming
    ``source`` and the line: a token or rank given twice (tiktoken panics on duplicate ranks),
    gaps (tiktoken's own encodings assert ranks ``0..n-1`` through ``explicit_n_vocab``), a byte
    without a single-byte token (tiktoken panics on text containing it)."""
    ranks: Ranks = {}
    b64 = base64.b64decode
    lines = data.splitlines()
    n_entries = 0
    try:
        for line in lines:
            if line:
                tok, rank = line.split()
                ranks[b64(tok, validate=True)] = int(rank)
                n_entries += 1
    except ValueError:  # also binascii.Error
        lineno, line = 0, b""
        for lineno, line in enumerate(lines, 1):
            if line.strip() and not _rank_line_ok(line):
                break
        raise TokenizerError(
            f"{source}, line {lineno}: not a tiktoken rank line (expected 'BASE64 RANK'): "
            f"{line[:60]!r}") from None
    if not ranks:
        raise TokenizerError(f"{source}: empty tiktoken rank file")
    if len(ranks) != n_entries or not _ranks_ok(ranks):
        _explain_bad_ranks(lines, source)
    return ranks


def _rank_line_ok(line: bytes) -> bool:
    try:
        tok, rank = line.split()
        base64.b64decode(tok, validate=True)
        int(rank)
    except ValueError:
        return False
    return True


def _ranks_ok(ranks: Ranks) -> bool:
    """Ranks unique and exactly ``0..n-1``, every single byte a token (the cheap check; the
    offending line is found only when it fails)."""
    values = np.fromiter(ranks.values(), dtype=np.int64, count=len(ranks))
    n = len(values)
    if n == 0 or int(values.min()) != 0 or int(values.max()) != n - 1:
        return False
    if len(np.unique(values)) != n:
        return False
    return all(bytes([b]) in ranks for b in range(256))


def _check_single_bytes(ranks: Ranks, source: str) -> None:
    missing = [b for b in range(256) if bytes([b]) not in ranks]
    if missing:
        raise TokenizerError(
            f"{source}: {len(missing)} byte value(s) have no single-byte token (first: "
            f"{bytes([missing[0]])!r}); byte-level BPE needs all 256, or tiktoken fails on any "
            "text containing them")


def _explain_bad_ranks(lines: list[bytes], source: str) -> None:
    """The slow path of :func:`parse_tiktoken_ranks`: find the first offending line."""
    tok_line: dict[bytes, int] = {}
    rank_line: dict[int, int] = {}
    for lineno, line in enumerate(lines, 1):
        if not line:
            continue
        tok_b64, rank_s = line.split()
        tok, rank = base64.b64decode(tok_b64), int(rank_s)
        where = f"{source}, line {lineno}"
        if rank < 0:
            raise TokenizerError(f"{where}: negative rank {rank}; ranks run from 0")
        if tok in tok_line:
            raise TokenizerError(f"{where}: token {tok!r} is listed again (first on line "
                                 f"{tok_line[tok]}); each token must appear once")
        if rank in rank_line:
            raise TokenizerError(f"{where}: rank {rank} is already used on line "
                                 f"{rank_line[rank]}; each rank must appear once")
        tok_line[tok] = lineno
        rank_line[rank] = lineno
    n = len(rank_line)
    for expected, rank in enumerate(sorted(rank_line)):
        if rank != expected:
            raise TokenizerError(
                f"{source}, line {rank_line[rank]}: rank {rank} leaves a gap (rank {expected} is "
                f"missing); ranks must run 0..{n - 1}, as in tiktoken's own encodings")
    _check_single_bytes({t: 0 for t in tok_line}, source)


def parse_quicktok_vocab(data: bytes, *, source: str = "<bytes>") -> Ranks:
    """Parse quicktok's binary vocabulary: ``u32 n``, then ``n`` records ``u16 len, bytes, u32
    rank`` (little-endian)."""
    try:
        (n,) = struct.unpack_from("<I", data, 0)
        off = 4
        ranks: Ranks = {}
        unpack_h = struct.Struct("<H").unpack_from
        unpack_i = struct.Struct("<I").unpack_from
        for _ in range(n):
            (ln,) = unpack_h(data, off)
            off += 2
            tok = data[off:off + ln]
            off += ln
            (rank,) = unpack_i(data, off)
            off += 4
            ranks[tok] = rank
    except struct.error:
        raise TokenizerError(f"{source}: truncated quicktok vocabulary") from None
    if off != len(data) or len(ranks) != n:
        raise TokenizerError(f"{source}: not a quicktok vocabulary ({n} records announced, "
                             f"{len(ranks)} distinct read, {len(data) - off} bytes left over)")
    return ranks


def _gpt2_byte_table() -> dict[str, int]:
    """GPT-2's printable-character -> byte table (the ``data_gym`` byte encoding)."""
    rank_to_intbyte = [b for b in range(256) if chr(b).isprintable() and chr(b) != " "]
    table = {chr(b): b for b in rank_to_intbyte}
    n = 0
    for b in range(256):
        if b not in rank_to_intbyte:
            rank_to_intbyte.append(b)
            table[chr(256 + n)] = b
            n += 1
    return table


def parse_gpt2_vocab_bpe(data: bytes, *, source: str = "<bytes>") -> Ranks:
    """GPT-2 ``vocab.bpe`` (merge list) -> tiktoken ranks, as tiktoken's
    ``data_gym_to_mergeable_bpe_ranks`` computes them (these are the ``r50k_base`` ranks)."""
    table = _gpt2_byte_table()
    rank_to_intbyte = [b for b in range(256) if chr(b).isprintable() and chr(b) != " "]
    rank_to_intbyte += [b for b in range(256) if b not in rank_to_intbyte]
    ranks: Ranks = {bytes([b]): i for i, b in enumerate(rank_to_intbyte)}
    n = len(ranks)
    try:
        lines = data.decode("utf-8").split("\n")
        if not lines[0].startswith("#version"):
            raise ValueError
        for merge in lines[1:-1]:
            first, second = merge.split()
            ranks[bytes(table[c] for c in first) + bytes(table[c] for c in second)] = n
            n += 1
    except (ValueError, KeyError, UnicodeDecodeError):
        raise TokenizerError(f"{source}: not a GPT-2 vocab.bpe merge list") from None
    return ranks


#: Names of Tekken's first special tokens (``mistral_common``'s ``DEPRECATED_SPECIAL_TOKENS``,
#: used when the json lists none); the rest are ``<SPECIAL_i>``.
TEKKEN_SPECIALS = (
    "<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]",
    "[TOOL_RESULTS]", "[/TOOL_RESULTS]", "[TOOL_CALLS]", "[IMG]", "<pad>", "[IMG_BREAK]",
    "[IMG_END]", "[PREFIX]", "[MIDDLE]", "[SUFFIX]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]",
    "[TOOL_CONTENT]",
)


def parse_tekken(data: bytes, *, source: str = "<bytes>") -> tuple[Ranks, dict[str, Any]]:
    """Mistral Tekken json -> (ranks already shifted by the special-token count, meta).

    ``meta`` holds ``pattern``, ``num_special`` and ``special_tokens`` (``{str: id}``). The
    vocabulary is cut to ``default_vocab_size - default_num_special_tokens`` entries, as
    ``mistral_common`` does, and ids are ``rank + num_special``.
    """
    try:
        doc = json.loads(data)
        cfg = doc["config"]
        pattern = cfg["pattern"]
        num_special = int(cfg["default_num_special_tokens"])
        inner = int(cfg["default_vocab_size"]) - num_special
        vocab = doc["vocab"][:inner]
        b64 = base64.b64decode
        ranks: Ranks = {}
        for i, item in enumerate(vocab):
            if item["rank"] != i:
                raise ValueError(f"rank {item['rank']} at position {i}")
            ranks[b64(item["token_bytes"])] = i + num_special
        specials_doc = doc.get("special_tokens") or [
            {"rank": i, "token_str": s} for i, s in enumerate(TEKKEN_SPECIALS)]
    except (ValueError, KeyError, TypeError) as e:
        raise TokenizerError(f"{source}: not a Mistral Tekken tokenizer json ({e})") from None
    if len(ranks) != inner:
        raise TokenizerError(f"{source}: Tekken vocabulary has {len(ranks)} distinct tokens, "
                             f"expected {inner}")
    specials = {str(t["token_str"]): int(t["rank"]) for t in specials_doc}
    for i in range(num_special):
        if i not in specials.values():
            specials[f"<SPECIAL_{i}>"] = i
    meta = {"pattern": pattern, "num_special": num_special, "special_tokens": specials}
    return ranks, meta


def parse_rwkv_vocab(data: bytes, *, source: str = "<bytes>") -> Ranks:
    """RWKV-World vocabulary: ``ID REPR LEN`` per line (``REPR`` a Python str/bytes literal)."""
    ranks: Ranks = {}
    literal = ast.literal_eval
    for lineno, line in enumerate(data.decode("utf-8").splitlines(), 1):
        if not line:
            continue
        try:
            sp1 = line.index(" ")
            sp2 = line.rindex(" ")
            idx = int(line[:sp1])
            tok = literal(line[sp1:sp2].strip())
            tok = tok.encode("utf-8") if isinstance(tok, str) else tok
            if not isinstance(tok, bytes) or len(tok) != int(line[sp2:]):
                raise ValueError
        except (ValueError, SyntaxError):
            raise TokenizerError(f"{source}, line {lineno}: not an RWKV vocabulary line "
                                 f"(expected 'ID REPR LEN'): {line[:60]!r}") from None
        ranks[tok] = idx
    if not ranks:
        raise TokenizerError(f"{source}: empty RWKV vocabulary")
    return ranks


# ---------------------------------------------------------------------------------------------
# RWKV-World: greedy longest match over a byte trie
# ---------------------------------------------------------------------------------------------

_TERMINAL = -1  # key, in a trie node, of the id of the token that ends there


class RWKVTrieTokenizer(Tokenizer):
    """RWKV-World tokenizer: at each position take the longest vocabulary entry that matches the
    UTF-8 bytes there (RWKV's ``TRIE_TOKENIZER``). Tokens are byte strings, so spans are exact.

    >>> vocab = {bytes([b]): b + 1 for b in range(256)} | {b"ab": 257}
    >>> tok = RWKVTrieTokenizer(vocab, name="toy")
    >>> tok.encode("abba")
    [257, 99, 98]
    >>> tok.token_bytes(257), tok.vocab_bytes()[0]  # id 0 is not in the vocabulary
    (b'ab', None)
    """

    backend = "rwkv-trie"
    backend_version = "tokeff-" + __version__

    def __init__(self, vocab: Ranks, *, name: str, vocab_size: int | None = None):
        super().__init__(name)
        missing = [b for b in range(256) if bytes([b]) not in vocab]
        if missing:
            raise TokenizerError(f"RWKV vocabulary of {name!r} lacks single-byte tokens for "
                                 f"{len(missing)} byte values (e.g. {missing[0]:#x}): greedy "
                                 "matching needs all 256")
        self.vocab = vocab
        self._vocab_size = int(vocab_size if vocab_size is not None else max(vocab.values()) + 1)
        self._single = [vocab[bytes([b])] for b in range(256)]
        # Tokens of two bytes or more, grouped by their first two bytes. The trie below each
        # two-byte prefix is built the first time a text needs it: building the whole trie
        # (65k tokens) costs more than most texts use.
        groups: dict[bytes, list[tuple[bytes, int]]] = {}
        for tok, i in vocab.items():
            if len(tok) >= 2:
                groups.setdefault(tok[:2], []).append((tok, i))
        self._groups = groups
        self._subtries: dict[bytes, dict[int, Any]] = {}
        self._nbytes: np.ndarray | None = None

    @property
    def vocab_size(self) -> int:
        return self._vocab_size

    def _subtrie(self, prefix: bytes) -> dict[int, Any]:
        """The trie node reached after ``prefix`` (2 bytes): byte -> child, _TERMINAL -> id."""
        node0: dict[int, Any] = {}
        for tok, i in self._groups.get(prefix, ()):
            node = node0
            for b in tok[2:]:
                nxt = node.get(b)
                if nxt is None:
                    nxt = node[b] = {}
                node = nxt
            node[_TERMINAL] = i
        self._subtries[prefix] = node0
        return node0

    def _encode_bytes(self, data: bytes) -> list[int]:
        single = self._single
        subtries = self._subtries
        out: list[int] = []
        append = out.append
        i, n = 0, len(data)
        while i < n:
            best = single[data[i]]
            best_j = i + 1
            if best_j < n:
                key = data[i:i + 2]
                node = subtries.get(key)
                if node is None:
                    node = self._subtrie(key)
                if node:
                    j = i + 2
                    tid = node.get(_TERMINAL)
                    if tid is not None:
                        best, best_j = tid, j
                    while j < n:
                        node = node.get(data[j])
                        if node is None:
                            break
                        j += 1
                        tid = node.get(_TERMINAL)
                        if tid is not None:
                            best, best_j = tid, j
            append(best)
            i = best_j
        return out

    def _encode_ids(self, texts: list[str]) -> list[Sequence[int]]:
        enc = self._encode_bytes
        return [enc(t.encode("utf-8")) for t in texts]

    def _token_nbytes(self) -> np.ndarray:
        if self._nbytes is None:
            nb = np.zeros(self._vocab_size, dtype=np.int64)
            for tok, i in self.vocab.items():
                nb[i] = len(tok)
            self._nbytes = nb
        return self._nbytes

    def _encode_spans(self, texts: list[str]) -> TokenArrays:
        arrays = ids_to_arrays(self._encode_ids(texts))
        arrays.starts, arrays.ends = spans_from_byte_lengths(arrays.ids, arrays.lengths,
                                                             self._token_nbytes())
        return arrays

    def _canonical_bytes(self) -> bytes:
        items = sorted(self.vocab.items(), key=lambda kv: kv[1])
        lines = [b"rwkv-trie greedy-longest-match"]
        lines += [base64.b64encode(t) + b" " + str(i).encode() for t, i in items]
        return b"\n".join(lines)

    def _vocab_bytes(self) -> list[bytes | None]:
        # The vocabulary is bytes already; ids it does not hold (0, end of text) are no text.
        out: list[bytes | None] = [None] * max(self._vocab_size, max(self.vocab.values()) + 1)
        for tok, i in self.vocab.items():
            out[i] = tok
        return out

    def _byte_fallback_mask(self) -> np.ndarray:
        mask = np.zeros(self._vocab_size, dtype=bool)
        for tok, i in self.vocab.items():
            if not valid_utf8(tok):
                mask[i] = True
        return mask


# ---------------------------------------------------------------------------------------------
# Cache of parsed rank tables
# ---------------------------------------------------------------------------------------------

_MAGIC = b"TOKEFF-RANKS\n"
_CACHE_FORMAT = 1


def cache_dir() -> Path:
    """The user cache directory of tokeff (``$TOKEFF_CACHE_DIR``, else the XDG/home default)."""
    return user_cache_dir()


def _runtime_tag() -> str:
    """Python version and marshal format: a cache file is only read by the runtime that wrote it."""
    return f"py{sys.version_info[0]}.{sys.version_info[1]}-m{marshal.version}"


class RankCache:
    """A directory of parsed ``bytes -> id`` tables (plus a small json ``meta``), one file each.

    Files are named by the source sha256, the parser name and the tokeff version, written
    atomically, and verified by the sha256 of their payload when read: a mismatch (or any
    unreadable file) counts as a miss, and the entry is rebuilt and rewritten.
    """

    def __init__(self, directory: Path | None = None):
        self.directory = directory
        #: What the last :meth:`get_or_build` did: "hit", "built" or "built-uncached".
        self.last_status = ""

    def _dir(self) -> Path:
        return (self.directory or cache_dir()) / "vocab"

    def path_for(self, source_sha256: str, parser: str) -> Path:
        return self._dir() / (f"{source_sha256[:32]}-{parser}-tokeff{__version__}-"
                              f"{_runtime_tag()}.ranks")

    def read(self, source_sha256: str, parser: str) -> tuple[Ranks, dict[str, Any]] | None:
        path = self.path_for(source_sha256, parser)
        try:
            blob = path.read_bytes()
        except OSError:
            return None
        try:
            if not blob.startswith(_MAGIC):
                raise ValueError("not a tokeff vocabulary cache file")
            nl = blob.index(b"\n", len(_MAGIC))
            header = json.loads(blob[len(_MAGIC):nl])
            payload = blob[nl + 1:]
            for key, want in (("format", _CACHE_FORMAT), ("tokeff", __version__),
                              ("runtime", _runtime_tag()), ("source_sha256", source_sha256),
                              ("parser", parser)):
                if header.get(key) != want:
                    raise ValueError(f"header {key} is {header.get(key)!r}, not {want!r}")
            if hashlib.sha256(payload).hexdigest() != header.get("payload_sha256"):
                raise ValueError("payload sha256 does not match the header")
            # The payload hash matched, so this is exactly what this runtime wrote.
            ranks = marshal.loads(payload)
            if not isinstance(ranks, dict) or len(ranks) != int(header["n"]):
                raise ValueError("entry count does not match the header")
            return ranks, dict(header.get("meta", {}))
        except (ValueError, KeyError, TypeError, IndexError, EOFError) as e:
            # Corrupt or foreign: never used; the caller rebuilds and overwrites it.
            log.warning("ignoring vocabulary cache file %s (%s); rebuilding it", path, e)
            return None

    def write(self, source_sha256: str, parser: str, ranks: Ranks,
              meta: dict[str, Any] | None = None) -> bool:
        path = self.path_for(source_sha256, parser)
        payload = marshal.dumps(ranks)
        header = {"format": _CACHE_FORMAT, "tokeff": __version__, "runtime": _runtime_tag(),
                  "parser": parser,
                  "source_sha256": source_sha256, "n": len(ranks),
                  "payload_sha256": hashlib.sha256(payload).hexdigest(), "meta": meta or {}}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(_MAGIC + json.dumps(header, ensure_ascii=True).encode() + b"\n")
                    f.write(payload)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            return False  # read-only or full cache directory: work without the cache
        return True

    def get_or_build(self, source_sha256: str, parser: str,
                     build: Callable[[], tuple[Ranks, dict[str, Any]]]
                     ) -> tuple[Ranks, dict[str, Any]]:
        """The cached table for this source and parser, or ``build()`` (then cached)."""
        if os.environ.get("TOKEFF_NO_CACHE"):
            self.last_status = "built-uncached"
            return build()
        hit = self.read(source_sha256, parser)
        if hit is not None:
            self.last_status = "hit"
            return hit
        ranks, meta = build()
        self.last_status = "built" if self.write(source_sha256, parser, ranks, meta) \
            else "built-uncached"
        return ranks, meta


__all__ = [
    "TEKKEN_SPECIALS",
    "RWKVTrieTokenizer",
    "RankCache",
    "Ranks",
    "cache_dir",
    "parse_gpt2_vocab_bpe",
    "parse_quicktok_vocab",
    "parse_rwkv_vocab",
    "parse_tekken",
    "parse_tiktoken_ranks",
]
