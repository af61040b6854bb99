"""llama.cpp's pre-tokenizers for byte-level BPE vocabularies (GGUF ``tokenizer.ggml.pre``).

``SPLITS`` holds, per llama.cpp pre-tokenizer type, the split regexes of ``llm_tokenizer_bpe`` in
llama.cpp's ``src/llama-vocab.cpp``, transcribed by a script from that file (the version
vendored in ``llama-cpp-python`` 0.3.36), in order: each regex splits the pieces the previous
one produced. ``PRE_NAMES`` maps the names a GGUF file may carry to a type, with the flags
llama.cpp sets for that name (``ignore_merges``: a piece that is itself a token is not merged).

Left out on purpose (llama.cpp runs hand-written code for them, or they are not regex splits):
``kimi-k2``, ``afmoe``, ``superbpe``, ``chameleon``, ``whitespace``, ``hybriddna``, the
``gemma4``-style names, and ``default`` (llama.cpp's fallback for a file that does not name its
pre-tokenizer, which it flags as degrading quality). tokeff refuses those by name.

``NORMALIZATION`` records where the original tokenizer normalises its input and llama.cpp does
not (Qwen's ``tokenizer.json`` applies NFC; without it Burmese and some Arabic text count
differently): tokeff applies it, as the model's own tokenizer does, and records it.
"""

from __future__ import annotations

SPLITS: dict[str, tuple[str, ...]] = {
    # LLAMA3
    'llama3': (
        "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    ),
    # JAIS2
    'jais2': (
        "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s{512}(?!\\S)|\\s{256}(?!\\S)|\\s{128}(?!\\S)|\\s{64}(?!\\S)|\\s{32}(?!\\S)|\\s{16}(?!\\S)|\\s{8}(?!\\S)|\\s{4}(?!\\S)|\\s{1,2}(?!\\S)|\\s{1}",
    ),
    # DEEPSEEK_LLM
    'deepseek_llm': (
        "[\r\n]",
        "\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-ώᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-ΐῖ-Ίῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+",
        "\\s?[!-/:-~！-／：-～‘-‟\u3000-。]+",
        "\\s+$",
        "[一-龥ࠀ-一가-\ud7ff]+",
        "\\p{N}+",
    ),
    # DEEPSEEK3_LLM, HUNYUAN_DENSE, JOYAI_LLM, HY_V4
    'deepseek3_llm': (
        "\\p{N}{1,3}",
        "[一-龥\u3040-ゟ゠-ヿ]+",
        '[!"#$%&\'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+',
    ),
    # SPARK2_5
    'spark2_5': (
        "\\p{N}{1,3}",
        "[一-龥\u3040-ゟ゠-ヿ]+",
        '[!"#$%&\'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+|[\r\n]|\\s+(?!\\S)|\\s+',
        "\\p{N}",
    ),
    # YOUTU
    'youtu': (
        "[가-힣ㄱ-ㆎ]+|[！…“”‘’—：；，、-〿︰-﹏]+|[ㄅ-ㄯ]+|[一-龥\u3040-ゟ゠-ヿ]+",
        "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    ),
    # DEEPSEEK_CODER
    'deepseek_coder': (
        "[\r\n]",
        "\\s?\\p{L}+",
        "\\s?\\p{P}+",
        "[一-龥ࠀ-一가-\ud7ff]+",
        "\\p{N}",
    ),
    # FALCON
    'falcon': (
        "[\\p{P}\\$\\+<=>\\^~\\|`]+",
        "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)",
        "[0-9][0-9][0-9]",
    ),
    # STARCODER, REFACT, COMMAND_R, SMOLLM, CODESHELL, EXAONE, MINERVA, MELLUM2
    'starcoder': (
        "\\p{N}",
        "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)",
    ),
    # GPT2, MPT, OLMO, JAIS, TRILLION, GRANITE_DOCLING
    'gpt2': (
        "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)",
    ),
    # STABLELM2, QWEN2, HUNYUAN, SOLAR_OPEN
    'stablelm2': (
        "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    ),
    # QWEN35
    'qwen35': (
        "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    ),
    # PORO, BLOOM, GPT3_FINNISH
    'poro': (
        " ?[^(\\s|.,!?…。，、।۔،)]+",
    ),
    # VIKING
    'viking': (
        " ?[^(\\s|.,!?…。，、।۔،)]+",
        "\\p{N}",
    ),
    # TEKKEN
    'tekken': (
        "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    ),
    # GPT4O, MINIMAX_M2
    'gpt4o': (
        "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    ),
    # GRANITE_EMB_MULTI
    'granite_emb_multi': (
        "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}\\p{M}])([^a-z]))*((?=[\\p{L}\\p{M}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}\\p{M}])([^a-z]))+((?=[\\p{L}\\p{M}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    ),
    # TINY_AYA
    'tiny_aya': (
        "\\d{1,3}(?=(?:\\d{3})*\\b)",
        "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    ),
    # BAILINGMOE
    'bailingmoe': (
        "'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+",
    ),
    # SEED_CODER
    'seed_coder': (
        "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    ),
    # UFAKZEKA
    'ufakzeka': (
        "[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    ),
    # LAGUNA
    'laguna': (
        "[^\\n]+|[\\n]+",
        "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    ),
    # EXAONE_MOE
    'exaone_moe': (
        "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?(?:\\p{L}\\p{M}*(?: \\p{L}\\p{M}*)*)+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]?|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+",
    ),
    # MINICPM5
    'minicpm5': (
        "\\p{N}{1,3}",
        "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}+| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    ),
}


#: GGUF pre-tokenizer name -> (type in ``SPLITS``, ignore_merges), as llama.cpp's vocabulary
#: loader maps them.
PRE_NAMES: dict[str, tuple[str, bool]] = {
    **{n: ("llama3", True) for n in ("llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1",
                                     "pixtral", "midm-2.0", "lfm2", "jina-v5-nano")},
    "deepseek-llm": ("deepseek_llm", False),
    "deepseek-coder": ("deepseek_coder", False),
    **{n: ("deepseek3_llm", False) for n in ("deepseek-v3", "hunyuan-dense", "hy_v4",
                                             "joyai-llm")},
    "spark2_5": ("spark2_5", False),
    "youtu": ("youtu", True),
    "falcon": ("falcon", False),
    **{n: ("gpt2", False) for n in ("mpt", "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat",
                                    "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum",
                                    "modern-bert", "jina-v1-en", "jina-v2-code", "roberta-bpe",
                                    "olmo", "jais", "exaone4", "trillion", "granite-docling")},
    **{n: ("starcoder", False) for n in ("starcoder", "refact", "command-r", "smollm",
                                         "codeshell", "exaone", "minerva-7b", "mellum2")},
    "jais-2": ("jais2", False),
    **{n: ("stablelm2", False) for n in ("qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2",
                                         "stablelm2", "megrez", "hunyuan", "grok-2",
                                         "solar-open")},
    "qwen35": ("qwen35", False),
    **{n: ("llama3", False) for n in ("dbrx", "smaug-bpe", "chatglm-bpe")},
    **{n: ("llama3", True) for n in ("glm4", "glm5")},
    **{n: ("poro", False) for n in ("poro-chat", "bloom", "gpt3-finnish")},
    "viking": ("viking", False),
    "tekken": ("tekken", True),
    "exaone-moe": ("exaone_moe", False),
    **{n: ("gpt4o", False) for n in ("gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2")},
    "granite-embed-multi-97m": ("granite_emb_multi", True),
    **{n: ("tiny_aya", False) for n in ("tiny_aya", "cohere2moe")},
    **{n: ("bailingmoe", False) for n in ("bailingmoe", "bailingmoe2", "llada-moe")},
    "seed-coder": ("seed_coder", False),
    "ufakzeka": ("ufakzeka", False),
    "laguna": ("laguna", False),
    "minicpm5": ("minicpm5", True),
}

#: Names whose original tokenizer normalises (checked against the tokenizer.json of Qwen2.5
#: and Qwen3.5, tokeff catalogue entries ``qwen2.5`` and ``qwen3.5``).
NORMALIZATION: dict[str, str] = {"qwen2": "NFC", "qwen35": "NFC"}

#: Names whose llama.cpp test vectors tokeff reproduces (tests/test_gguf.py).
VERIFIED = frozenset({"gpt-2", "llama-bpe", "qwen2", "qwen35", "deepseek-llm", "deepseek-coder",
                      "falcon", "mpt", "starcoder", "refact", "command-r"})
