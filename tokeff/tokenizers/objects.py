"""Tokenizer objects users already hold, measured as they are.

:func:`adapt_object` recognises (by module and class, without importing the library):

- a ``transformers`` fast tokenizer (``PreTrainedTokenizerFast``): its ``backend_tokenizer``
  (a ``tokenizers.Tokenizer``, copied so the user's object is left untouched) through tokeff's
  Hugging Face backend, with byte offsets;
- a ``transformers`` slow tokenizer: ``encode(text, add_special_tokens=False)``, special-token
  strings split as ordinary text where the library allows it (``split_special_tokens=True``);
- a ``mistral_common`` ``MistralTokenizer`` (or its inner ``Tekkenizer`` /
  ``SentencePieceTokenizer``): ``encode(text, bos=False, eos=False)``;
- a ``llama_cpp.Llama`` model: ``tokenize(text, add_bos=False, special=False)``.

Each is named after its source (``name_or_path``, the vocabulary file, the model path), and
records where it came from (``.source``) and the normalisation the tokenizer applies inside
itself (``.internal_normalization``), which tokeff does not apply again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import TokenizerError
from .base import Tokenizer

__all__ = ["FunctionTokenizer", "adapt_object"]


class FunctionTokenizer(Tokenizer):
    """A tokenizer seen through one ``text -> ids`` function of a third-party object."""

    def __init__(self, name: str, encode_one: Callable[[str], Sequence[int]], *, vocab_size: int,
                 content: Callable[[], bytes], backend: str, backend_version: str,
                 source: str, internal_normalization: str):
        super().__init__(name)
        self._encode_one = encode_one
        self._vocab_size = int(vocab_size)
        self._content = content
        self.backend = backend
        self.backend_version = backend_version
        self.source = source
        self.internal_normalization = internal_normalization

    @property
    def vocab_size(self) -> int:
        return self._vocab_size

    def _encode_ids(self, texts: list[str]) -> list[Sequence[int]]:
        return [list(self._encode_one(t)) for t in texts]

    def _canonical_bytes(self) -> bytes:
        return self._content()


def _version(module: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(module.replace("_", "-"))
    except metadata.PackageNotFoundError:
        return "unknown"


def _file_hash(path: str | None) -> bytes:
    if path and Path(path).is_file():
        return hashlib.sha256(Path(path).read_bytes()).digest()
    return b""


def _normalizer_name(hf_json: dict[str, Any]) -> str:
    """A short description of a tokenizer.json normaliser (``none`` when absent)."""
    norm = hf_json.get("normalizer")
    if not norm:
        return "none"
    if norm.get("type") == "Sequence":
        inner = [n.get("type", "?") for n in norm.get("normalizers", [])]
        return "+".join(inner) if inner else "none"
    return str(norm.get("type", "?"))


def _transformers(obj: Any) -> Tokenizer:
    name = str(getattr(obj, "name_or_path", "") or type(obj).__name__)
    backend = getattr(obj, "backend_tokenizer", None)
    if backend is not None:
        from tokenizers import Tokenizer as _T

        from .hf_backend import HFTokenizer

        # A copy: tokeff turns padding/truncation off on the tokenizer it wraps.
        data = backend.to_str()
        tok = HFTokenizer(_T.from_str(data), name=name)
        tok.source = f"transformers:{type(obj).__name__}:{name}"  # type: ignore[attr-defined]
        tok.internal_normalization = _normalizer_name(json.loads(data))  # type: ignore[attr-defined]
        return tok

    def encode(text: str) -> list[int]:
        try:
            return obj.encode(text, add_special_tokens=False, split_special_tokens=True)
        except TypeError:  # transformers before split_special_tokens existed
            return obj.encode(text, add_special_tokens=False)

    def content() -> bytes:
        vocab = sorted(obj.get_vocab().items(), key=lambda kv: kv[1])
        files = [str(v) for v in (getattr(obj, "vocab_files_names", None) or {}).values()]
        payload = json.dumps({"class": type(obj).__name__, "vocab": vocab, "files": files},
                             ensure_ascii=False)
        return payload.encode() + _file_hash(getattr(obj, "vocab_file", None))

    norm = "lowercase" if getattr(obj, "do_lower_case", False) else "library-defined"
    return FunctionTokenizer(name, encode, vocab_size=len(obj), content=content,
                             backend="transformers-slow", backend_version=_version("transformers"),
                             source=f"transformers:{type(obj).__name__}:{name}",
                             internal_normalization=norm)


def _mistral(obj: Any) -> Tokenizer:
    inner = obj
    if hasattr(obj, "instruct_tokenizer"):
        inner = obj.instruct_tokenizer.tokenizer
    path = getattr(inner, "file_path", None)
    version = getattr(getattr(inner, "version", None), "value", None) or "?"
    name = f"mistral-common:{Path(str(path)).name if path else type(inner).__name__}"

    def content() -> bytes:
        return f"{type(inner).__name__}|{version}".encode() + _file_hash(
            str(path) if path else None)

    return FunctionTokenizer(name, lambda t: inner.encode(t, bos=False, eos=False),
                             vocab_size=int(inner.n_words), content=content,
                             backend="mistral-common", backend_version=_version("mistral_common"),
                             source=f"mistral_common:{type(inner).__name__}:{path}",
                             internal_normalization="none")


def _llama_cpp(obj: Any) -> Tokenizer:
    path = str(getattr(obj, "model_path", "") or "llama_cpp.Llama")
    name = Path(path).name.removesuffix(".gguf") if path else "llama_cpp"

    def content() -> bytes:
        # The vocabulary itself, id by id (hashing a multi-GB model file would read the
        # weights).
        h = hashlib.sha256(b"llama_cpp|")
        for i in range(int(obj.n_vocab())):
            h.update(obj.detokenize([i], special=True) if _accepts_special(obj) else
                     obj.detokenize([i]))
            h.update(b"\0")
        return h.digest()

    return FunctionTokenizer(
        name, lambda t: obj.tokenize(t.encode("utf-8"), add_bos=False, special=False),
        vocab_size=int(obj.n_vocab()), content=content, backend="llama.cpp",
        backend_version=_version("llama_cpp_python"), source=f"llama_cpp:{path}",
        internal_normalization="none")


def _accepts_special(obj: Any) -> bool:
    import inspect

    try:
        return "special" in inspect.signature(obj.detokenize).parameters
    except (TypeError, ValueError):
        return False


def adapt_object(obj: object) -> Tokenizer | None:
    """A tokeff tokenizer for a known third-party tokenizer object, or None if not one."""
    # The libraries the class or its bases come from (users subclass transformers tokenizers).
    libs = {c.__module__.partition(".")[0] for c in type(obj).__mro__}
    cls = type(obj).__name__
    if "transformers" in libs and hasattr(obj, "encode") and hasattr(obj, "get_vocab"):
        return _transformers(obj)
    if "mistral_common" in libs:
        if hasattr(obj, "instruct_tokenizer") or (hasattr(obj, "n_words")
                                                  and hasattr(obj, "encode")):
            return _mistral(obj)
        raise TokenizerError(f"{cls} from mistral_common is not a tokenizer tokeff knows: pass "
                             "a MistralTokenizer, Tekkenizer or SentencePieceTokenizer")
    if "llama_cpp" in libs and hasattr(obj, "tokenize") and hasattr(obj, "n_vocab"):
        return _llama_cpp(obj)
    return None
