"""Which catalogue tokenizer a provider's model uses (for costs and context windows).

A model name (``gpt-4o``, ``deepseek-chat``, ``minimax-01``...) is mapped to a tokenizer of the
offline catalogue only where a source says so; each mapping names its source. A model whose
tokenizer is not in the catalogue gets ``tokenizer=None`` and a note saying so: tokeff never
counts a model's tokens with another model's tokenizer. A user who knows better declares the
mapping themselves (``tokenizer_for={"my-model": "qwen2.5"}`` / ``--tokenizer-for``).

Sources:

- OpenAI: tiktoken's own model table (``tiktoken.model.encoding_name_for_model``, shipped with
  the tiktoken tokeff depends on). ``o200k_harmony`` (gpt-oss) has ``o200k_base``'s ranks and
  split regex and differs only in special tokens, which tokeff never counts
  (``tiktoken_ext/openai_public.py``), so it is counted with ``o200k_base``.
- DeepSeek: the API docs' "Token & Token Usage" page (api-docs.deepseek.com/quick_start/
  token_usage) offers DeepSeek-V3's tokenizer for the API; ``deepseek-chat`` and
  ``deepseek-reasoner`` are DeepSeek-V3.x models (api-docs.deepseek.com/quick_start/pricing).
  The catalogue's ``deepseek-v3`` file is the V4 ``tokenizer.json``, the same BPE and
  pre-tokenizer as V3/R1 (see the catalogue entry).
- MiniMax: the MiniMax-01 series (arXiv:2501.08313) is MiniMax-Text-01 and MiniMax-VL-01; the
  catalogue's ``minimax-text-01`` lists both.
- GLM: the GLM-4 technical report (arXiv:2406.12793, "ChatGLM: A Family of Large Language
  Models from GLM-130B to GLM-4 All Tools") describes one tokenizer for the GLM-4 models it
  evaluates (GLM-4 0520, GLM-4-Air) and its open release GLM-4-9B, the catalogue's ``glm-4``.
  Later GLM generations (4.5 and up) are not mapped.
- Qwen: the catalogue's ``qwen2.5`` (``qwen.tiktoken``) is Qwen 1-3's vocabulary (checked equal to
  Qwen3's ``tokenizer.json`` on FLORES-200); Alibaba's DashScope SDK counts tokens of its
  ``qwen-turbo``/``qwen-plus``/``qwen-max`` API models with the same file. Qwen3.5/3.6 have
  their own tokenizer (``qwen3.5``).
- Mistral: ``mistral_common`` 1.9.1's ``MODEL_NAME_TO_TOKENIZER_CLS`` (Mistral's own library):
  v1 -> ``mistral-7b-v1``, v3 -> ``mistral-v3``, v3 Tekken -> ``mistral-tekken`` (the multimodal
  ``tekken_240911.json`` holds the same first 131,072 ids as ``tekken_240718.json``). Its v2 and
  v7 tokenizers are not in the catalogue, and undated names (``mistral-large``) are not
  mapped because they follow whichever version is current.
- Llama 3 / 3.1 / 3.2 / 3.3: the catalogue's ``llama-3`` (Meta's ``tokenizer.model`` ranks).

>>> model_tokenizer("gpt-4o").tokenizer, model_tokenizer("deepseek-chat").tokenizer
('o200k_base', 'deepseek-v3')
>>> m = model_tokenizer("claude-3-5-sonnet")
>>> m.tokenizer is None, m.note
(True, "tokeff's catalogue has no tokenizer for model 'claude-3-5-sonnet'")
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["ModelTokenizer", "known_models", "model_tokenizer"]


@dataclass(frozen=True)
class ModelTokenizer:
    """The catalogue tokenizer of a model (None when it is not in the catalogue), and why."""

    model: str
    tokenizer: str | None
    source: str
    note: str = ""
    #: Context window in tokens when the mapping table knows it (the price database, when it
    #: has one, is asked first), and where the number comes from.
    context_window: int | None = None
    context_source: str = ""


_DEEPSEEK = ("DeepSeek API docs (api-docs.deepseek.com/quick_start/token_usage, "
             "/quick_start/pricing): deepseek-chat/-reasoner are DeepSeek-V3.x, whose tokenizer "
             "the docs offer")
_DEEPSEEK_OPEN = "catalogue entry deepseek-v3 (V3, R1, V3.1, V3.2, V4 share the BPE)"
_MINIMAX = ("MiniMax-01 report (arXiv:2501.08313): the series is MiniMax-Text-01 and "
            "MiniMax-VL-01; catalogue entry minimax-text-01")
_GLM = ("GLM-4 report (arXiv:2406.12793): one tokenizer for GLM-4 (0520), GLM-4-Air and the "
        "open GLM-4-9B")
_QWEN = "catalogue entry qwen2.5 (Qwen 1-3 vocabulary, equal to Qwen3's tokenizer.json)"
_QWEN_API = ("Alibaba's DashScope SDK counts qwen-turbo/-plus/-max tokens with qwen.tiktoken, "
             "the catalogue's qwen2.5 file")
_QWEN35 = "catalogue entry qwen3.5 (Qwen3.5 and Qwen3.6)"
_MISTRAL = "mistral_common 1.9.1 MODEL_NAME_TO_TOKENIZER_CLS"
_LLAMA = "catalogue entry llama-3 (Llama 3, 3.1, 3.2, 3.3)"

#: Exact model names (lower case) -> (tokenizer or None, source, note).
_EXACT: dict[str, tuple[str | None, str, str]] = {
    "deepseek-chat": ("deepseek-v3", _DEEPSEEK, ""),
    "deepseek-reasoner": ("deepseek-v3", _DEEPSEEK, ""),
    "minimax-01": ("minimax-text-01", _MINIMAX, ""),
    "minimax-text-01": ("minimax-text-01", _MINIMAX, ""),
    "minimax-vl-01": ("minimax-text-01", _MINIMAX, ""),
    "glm-4": ("glm-4", _GLM, ""),
    "glm-4-0520": ("glm-4", _GLM, ""),
    "glm-4-air": ("glm-4", _GLM, ""),
    "glm-4-9b": ("glm-4", _GLM, ""),
    "glm-4-9b-chat": ("glm-4", _GLM, ""),
    "qwen-turbo": ("qwen2.5", _QWEN_API, ""),
    "qwen-plus": ("qwen2.5", _QWEN_API, ""),
    "qwen-max": ("qwen2.5", _QWEN_API, ""),
}
_V1 = ("open-mistral-7b", "open-mixtral-8x7b", "mistral-medium-2312", "mistral-embed",
       "mistral-7b", "mixtral-8x7b")
_V3 = ("mistral-tiny-2407", "open-mixtral-8x22b", "open-mixtral-8x22b-2404", "mixtral-8x22b",
       "mixtral-8x22b-instruct", "mistral-large-2407", "codestral-2405", "codestral-22b",
       "codestral-mamba-2407")
_TEKKEN = ("ministral-8b-2410", "open-mistral-nemo", "open-mistral-nemo-2407", "mistral-nemo",
           "mistral-small-2409", "pixtral-12b-2409", "pixtral-12b", "pixtral")
_V2 = ("mistral-tiny-2312", "mistral-small-2312", "mistral-small-2402", "mistral-large-2402")
_V7 = ("mistral-large-2411", "pixtral-large-2411", "pixtral-large")
for _names, _tok in ((_V1, "mistral-7b-v1"), (_V3, "mistral-v3"), (_TEKKEN, "mistral-tekken")):
    for _n in _names:
        _EXACT[_n] = (_tok, _MISTRAL, "")
for _names, _v in ((_V2, "v2"), (_V7, "v7")):
    for _n in _names:
        _EXACT[_n] = (None, _MISTRAL, (f"{_n} uses Mistral's {_v} tokenizer, which is not "
                                       f"in tokeff's catalogue"))
for _n in ("mistral-large", "mistral-small", "mistral-large-latest", "mistral-small-latest",
           "mistral-medium", "mistral-medium-latest", "codestral", "codestral-latest"):
    _EXACT[_n] = (None, _MISTRAL, (f"{_n!r} names whichever version is current, and "
                                   f"Mistral's versions use different tokenizers; give a dated "
                                   f"name such as 'mistral-large-2407'"))

#: Name prefixes (lower case, after any "org/" prefix) -> (tokenizer, source); first match wins.
_PREFIXES: tuple[tuple[str, str, str], ...] = (
    ("deepseek-v3", "deepseek-v3", _DEEPSEEK_OPEN),
    ("deepseek-r1", "deepseek-v3", _DEEPSEEK_OPEN),
    ("deepseek-v4", "deepseek-v3", _DEEPSEEK_OPEN),
    ("qwen3.5", "qwen3.5", _QWEN35),
    ("qwen3.6", "qwen3.5", _QWEN35),
    ("qwen3-", "qwen2.5", _QWEN),
    ("qwen2.5", "qwen2.5", _QWEN),
    ("qwen2-", "qwen2.5", _QWEN),
    ("qwen1.5", "qwen2.5", _QWEN),
    ("qwq", "qwen2.5", _QWEN),
    ("llama-3", "llama-3", _LLAMA),
    ("llama3", "llama-3", _LLAMA),
    ("meta-llama-3", "llama-3", _LLAMA),
)

#: tiktoken encodings -> catalogue names (None: not in the catalogue).
_TIKTOKEN_TO_CATALOGUE: dict[str, str | None] = {
    "o200k_base": "o200k_base", "o200k_harmony": "o200k_base", "cl100k_base": "cl100k_base",
    "r50k_base": "r50k_base", "gpt2": "r50k_base", "p50k_base": None, "p50k_edit": None,
}

#: Context windows the price database lacks, from the provider's own announcement ("k" read as
#: thousands of tokens).
_CONTEXT: dict[str, tuple[int, str]] = {
    "open-mixtral-8x7b": (32_000, "mistral.ai/news/mixtral-of-experts (32k)"),
    "mixtral-8x7b": (32_000, "mistral.ai/news/mixtral-of-experts (32k)"),
    "open-mixtral-8x22b": (64_000, "mistral.ai/news/mixtral-8x22b (64K)"),
    "mixtral-8x22b-instruct": (64_000, "mistral.ai/news/mixtral-8x22b (64K)"),
    "open-mistral-nemo": (128_000, "mistral.ai/news/mistral-nemo (128k)"),
    "mistral-nemo": (128_000, "mistral.ai/news/mistral-nemo (128k)"),
    "pixtral-12b": (128_000, "mistral.ai/news/pixtral-12b (128K)"),
    "mistral-large-2407": (128_000, "mistral.ai/news/mistral-large-2407 (128k)"),
    "codestral-2405": (32_000, "mistral.ai/news/codestral (32k)"),
}


def _strip_org(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def _openai(key: str) -> tuple[str | None, str, str] | None:
    try:
        import tiktoken
        from tiktoken.model import encoding_name_for_model
    except ImportError:  # pragma: no cover - tiktoken is a core dependency
        return None
    try:
        enc = encoding_name_for_model(key)
    except KeyError:
        return None
    src = f"tiktoken {tiktoken.__version__} model table ({key} -> {enc})"
    if enc not in _TIKTOKEN_TO_CATALOGUE:
        return None, src, f"{key} uses tiktoken's {enc}, which is not in tokeff's catalogue"
    tok = _TIKTOKEN_TO_CATALOGUE[enc]
    if tok is None:
        return None, src, f"{key} uses tiktoken's {enc}, which is not in tokeff's catalogue"
    note = ("o200k_harmony = o200k_base's ranks and split regex plus special tokens (never "
            "counted)" if enc == "o200k_harmony" else "")
    return tok, src, note


def model_tokenizer(model: str, *, tokenizer_for: Mapping[str, str] | None = None
                    ) -> ModelTokenizer:
    """The catalogue tokenizer of ``model``, with its source; ``tokenizer=None`` (and a note)
    when the catalogue has none. ``tokenizer_for`` holds the user's own mappings (they win).

    >>> model_tokenizer("mistral-large-2411").note
    "mistral-large-2411 uses Mistral's v7 tokenizer, which is not in tokeff's catalogue"
    >>> model_tokenizer("my-model", tokenizer_for={"my-model": "qwen2.5"}).source
    'given by the user'
    """
    key = _strip_org(model.strip()).lower()
    ctx, ctx_src = _CONTEXT.get(key, (None, ""))
    for name, tok in (tokenizer_for or {}).items():
        if _strip_org(name.strip()).lower() == key:
            return ModelTokenizer(model, tok, "given by the user", "", ctx, ctx_src)
    found = _EXACT.get(key)
    if found is None:
        for prefix, tok, src in _PREFIXES:
            if key.startswith(prefix):
                found = (tok, src, "")
                break
    if found is None:
        found = _openai(key)
    if found is None:
        return ModelTokenizer(model, None, "",
                              f"tokeff's catalogue has no tokenizer for model {model!r}", ctx,
                              ctx_src)
    tok, src, note = found
    return ModelTokenizer(model, tok, src, note, ctx, ctx_src)


def known_models() -> list[str]:
    """The model names mapped by exact name (prefix rules and OpenAI's table add more).

    >>> "deepseek-chat" in known_models()
    True
    """
    return sorted(n for n, (tok, _, _) in _EXACT.items() if tok is not None)
