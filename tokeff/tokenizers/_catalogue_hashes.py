"""Pinned content hashes of the catalogue's tokenizers (data, kept apart from the entries)."""

from __future__ import annotations

#: Content hash of each entry as loaded (what :meth:`Tokenizer.content_hash` computes from the
#: vocabulary), pinned like the file's sha256 so that no run recomputes it (~1 s for the large
#: ones). ``tests/test_tokenizer_loading.py`` recomputes every one from the files.
CONTENT_HASHES: dict[str, str] = {
    "o200k_base": "a87e4962827a66c780ca4528c69cf4f1581479ade54f8068dea6b44b8f1d1b5a",
    "cl100k_base": "8faa534cc19e6d6db49f8632bfbc9dd457826ea613c80e7336b9df4bdb99c361",
    "r50k_base": "2ccf02524cc1dd1fc9b9eb69029623e1e2b1bb6ac074fbe2404704663ad828f9",
    "llama-3": "63d3d0ebd966558311582803bda54adcbd6a39040a2da866c9de9aa1833a6452",
    "mistral-7b-v1": "2df19ced3bf7bf17272dafa45f548324b40b772ab5ccada9c2e1b04bd03e001c",
    "mistral-v3": "84f2dad7e22e326e3dc81b98c24e717610fabab9cdc02266d6d5b1c93e17355e",
    "mistral-tekken": "d344d32fc7a34ad0099446176bd8d411b99d77150b6dde80dcd18918783eccf0",
    "qwen2.5": "519d5720319019572d898d3df75a486060969b8c24ba83142ca9016281e879ff",
    "qwen3.5": "4b526743a30d1cdaf857df7b174c162a27d5b59b12ed3495dbe72ad2e37b7489",
    "deepseek-v3": "697e3c14e046667ea379a921399694d66d853f0d0872e6ed7a53cab164a3a253",
    "deepseek-llm-v1": "64fd3e47fb31eda56e5aeacf9cc6caf799ad9046c67cf3cc11c9cdd7945de8c8",
    "glm-4": "2ca061a36c4e0c714761473298a0ef35837cd6f54d7e46f3f21f80729eba16dd",
    "minimax-text-01": "b0edb5b435de23ed7c45b967c395fd4f14329ad55cb935b6c534d86542408b51",
    "rwkv-world": "7922ddef6f56ec275c8e061aff93c5aef3453c8159df9d6d3059c5e773998f9c",
}

#: What else loading each entry gives, ``(unk_id, internal_normalization, has_offsets)``, pinned
#: with the content hash so that a run knows every field a result or a cache key records before
#: loading the vocabulary, even on a machine where no descriptor has been written yet (see
#: :mod:`tokeff.tokenizers._lazy`). A load that gives other values is an error, never a silent
#: switch; ``tests/test_tokenizer_loading.py`` loads every entry and compares.
LOADED_FACTS: dict[str, tuple[int | None, str, bool]] = {
    "o200k_base": (None, "none", True),
    "cl100k_base": (None, "none", True),
    "r50k_base": (None, "none", True),
    "llama-3": (None, "none", True),
    "mistral-7b-v1": (0, "none", True),
    "mistral-v3": (0, "none", True),
    "mistral-tekken": (None, "none", True),
    "qwen2.5": (None, "none", True),
    "qwen3.5": (None, "NFC", True),
    "deepseek-v3": (None, "none", True),
    "deepseek-llm-v1": (None, "none", True),
    "glm-4": (None, "none", True),
    "minimax-text-01": (None, "NFC", True),
    "rwkv-world": (None, "none", True),
}
