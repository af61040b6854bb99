"""Catalogue entries whose vocabulary is a llama.cpp GGUF file (fields of ``CatalogueEntry``).

The files come from the ``llama-cpp-python`` 0.3.36 source distribution
(``vendor/llama.cpp/models/``), fetched by ``tokeff vocab fetch`` or found in
``$TOKEFF_GGUF_DIR`` (see :mod:`tokeff.tokenizers.gguf_store`); each is pinned by the sha256 of
the file as extracted. How each was checked:

- ``llama-2`` and ``gemma-4``: llama.cpp's own test vectors for the file (46 strings each) are
  reproduced exactly, and ``Hello world`` gives the ids of the reference tokenizers
  (``15043, 3186``; ``9259, 1902``).
- ``xlm-r``, ``baichuan``, ``aquila`` (*less verified*): llama.cpp has no test vectors for these
  files. Checked: round trip on FLORES-200 (decoding the ids gives the text back), XLM-R's
  ``Hello world`` gives ``35378, 8999``. Aquila's GGUF does not name its pre-tokenizer: tokeff uses GPT-2's split, the
  regex of BAAI's own tokenizer (FlagAI ``BPETokenizer``); Baichuan's does not record whether a
  space is prepended: tokeff follows llama.cpp's default for SentencePiece files (it is).
"""

from __future__ import annotations

from typing import Any

_PKG = {"package": "llama-cpp-python", "package_version": "0.3.36", "source": "gguf",
        "fmt": "gguf"}
_DIR = "vendor/llama.cpp/models/"

GGUF_ENTRY_FIELDS: tuple[dict[str, Any], ...] = (
    dict(name="llama-2", aliases=("llama2", "llama-1", "llama-2-7b"),
         family="Llama", developer="Meta", origin="US",
         models=("LLaMA", "Llama 2 7B/13B/70B", "Llama 2 Chat", "Vicuna", "TinyLlama"),
         vocab_size=32000, release_year=2023, backend="sentencepiece",
         file=_DIR + "ggml-vocab-llama-spm.gguf",
         sha256="16c3724582d59aa8bf84711894e833f916ee46a31d80e21312759c48bf8d0e69",
         license="Llama 2 Community License", **_PKG,
         notes="SentencePiece BPE with byte fallback; llama.cpp's 'llama-spm' test vocabulary."),
    dict(name="gemma-4", aliases=("gemma4",),
         family="Gemma", developer="Google DeepMind", origin="US",
         models=("Gemma 4 E2B", "Gemma 4 E4B", "Gemma 4 26B A4B", "Gemma 4 31B"),
         vocab_size=262144, release_year=2026, backend="tokenizers",
         file=_DIR + "ggml-vocab-gemma-4.gguf",
         sha256="58b1ba0b57f3b4d7c468ba4ffd91ad85190346a3d7ad7e71d1cabaae8a14bb65",
         license="Apache-2.0 (Gemma 4)", **_PKG,
         notes="BPE over raw UTF-8 with <0xNN> byte fallback; 'Hello world' gives the ids of "
               "Gemma 3's tokenizer."),
    dict(name="xlm-r", aliases=("xlm-roberta", "xlmr", "bge-m3", "multilingual-e5"),
         family="XLM-R", developer="Meta AI (Facebook AI Research)", origin="US",
         models=("XLM-RoBERTa base/large", "multilingual-e5", "BGE-M3",
                 "nomic-embed-text-v2-moe"),
         vocab_size=250048, release_year=2019, backend="sentencepiece",
         file=_DIR + "ggml-vocab-nomic-bert-moe.gguf",
         sha256="90a6746926454784a98389ad36a36d89bc9cfc81db9cb0f33c941bcc959fe5f9",
         license="MIT", **_PKG,
         less_verified="no llama.cpp test vectors; checked round trip and 'Hello world' ids",
         notes="SentencePiece unigram with its NFKC-based normalisation map, as converted for "
               "nomic-embed-text-v2-moe (XLM-R's 250,002 ids plus 46 padding entries)."),
    dict(name="baichuan", aliases=("baichuan-7b", "baichuan-13b"),
         family="Baichuan", developer="Baichuan Inc.", origin="CN",
         models=("Baichuan-7B", "Baichuan-13B"),
         vocab_size=64000, release_year=2023, backend="sentencepiece",
         file=_DIR + "ggml-vocab-baichuan.gguf",
         sha256="4f5b955697f3bd3108070b1d5936c7eb9fc542b81c6932e59abddec75bca1963",
         license="Baichuan model license (community use; commercial use by application)", **_PKG,
         less_verified="no llama.cpp test vectors and no published ids; checked round trip; "
                       "the dummy-prefix space is llama.cpp's default (the file does not say)",
         notes="SentencePiece BPE with byte fallback."),
    dict(name="aquila", aliases=("aquila-7b", "aquilachat-7b"),
         family="Aquila", developer="BAAI (Beijing Academy of Artificial Intelligence)",
         origin="CN", models=("Aquila-7B", "AquilaChat-7B", "AquilaCode-7B"),
         vocab_size=100008, release_year=2023, backend="tokenizers",
         file=_DIR + "ggml-vocab-aquila.gguf",
         sha256="7c53c3c516ac67c7ca12977b9690fdea3d2ef13bbaed6378f98191a13ef5ca00",
         license="BAAI Aquila Model License Agreement", gguf_pre="gpt-2", **_PKG,
         less_verified="no llama.cpp test vectors and no published ids; checked round trip; "
                       "pre-tokenizer taken from BAAI's FlagAI code (GPT-2's split)",
         notes="Byte-level BPE (Chinese-English bilingual vocabulary rebuilt by BAAI)."),
)
