"""Petrov et al. (NeurIPS 2023) reproduced exactly: FLORES-200 dev+devtest, each language one
document (segments joined by a space, a space after each split), no special tokens.

The published totals below are copied from the paper's repository,
https://github.com/AleksandarPetrov/tokenization-fairness/blob/365c3f85bdb302fdcf6d389f5f1651e4ef041741/assets/tokenization_lengths.csv
(columns cl100k_base, r50k_base, Qwen). They are reference data, not tokeff output.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import tokeff

PUBLISHED = {  # language: (cl100k_base, r50k_base, Qwen)
    "eng_Latn": (52835, 52567, 53726),
    "zho_Hans": (101138, 168850, 57735),
    "zho_Hant": (114977, 165883, 65066),
    "jpn_Jpan": (121627, 157858, 78212),
    "vie_Latn": (129258, 238544, 75956),
    "tha_Thai": (231995, 475633, 139000),
    "shn_Mymr": (795074, 986091, 564421),
}
TOKENIZERS = ("cl100k_base", "r50k_base", "qwen2.5")
PAGE = Path(__file__).resolve().parent.parent / "docs" / "how-to" / "petrov.md"


@pytest.fixture(scope="module")
def measured():
    return tokeff.measure("flores200", list(TOKENIZERS), split="dev+devtest",
                          langs=list(PUBLISHED), metrics=["tokens"], aggregation="document",
                          separator=" ", split_end=" ", bootstrap=0, pivot=None)


@pytest.mark.flores
def test_published_totals_are_reproduced_exactly(measured):
    for lang, totals in PUBLISHED.items():
        got = tuple(int(measured.value(t, lang, "tokens")) for t in TOKENIZERS)
        assert got == totals, lang
    sig = measured.get("cl100k_base", "eng_Latn", "tokens").signature
    assert sig.agg == "document/sep=U0020/end=U0020" and sig.split == "dev+devtest"


@pytest.mark.flores
def test_without_the_split_end_it_is_the_plain_join(measured):
    plain = tokeff.measure("flores200", ["cl100k_base"], split="dev+devtest", langs=["en"],
                           metrics=["tokens"], aggregation="document", separator=" ",
                           bootstrap=0, pivot=None)
    assert plain.value("cl100k_base", "eng_Latn", "tokens") == 52833  # two spaces fewer
    assert plain.get("cl100k_base", "eng_Latn", "tokens").signature.agg == \
        "document/sep=U0020"


@pytest.mark.flores
def test_the_how_to_page_shows_what_the_code_gives(measured):
    text = PAGE.read_text(encoding="utf-8")
    table = text.split("<!-- petrov-table -->")[1].split("<!-- /petrov-table -->")[0]
    rows = re.findall(r"^\| (\w+_\w+) \| (\d+) \| (\d+) \| (\d+) \|$", table, re.M)
    assert [r[0] for r in rows] == list(PUBLISHED)
    for lang, *nums in rows:
        assert tuple(map(int, nums)) == tuple(
            int(measured.value(t, lang, "tokens")) for t in TOKENIZERS)


def test_split_end_only_with_document_aggregation():
    with pytest.raises(tokeff.UsageError, match="document"):
        tokeff.measure("udhr", ["cl100k_base"], split_end=" ", bootstrap=0)
    c = tokeff.Corpus.from_dict("d", {"en": ["a", "b"]})
    res = tokeff.measure(c, ["cl100k_base"], metrics=["tokens"], aggregation="document",
                         separator="|", split_end="#", bootstrap=0, pivot=None)
    # No origins: the whole corpus is one split.
    assert res.meta["separator"] == "|" and res.meta["split_end"] == "#"
    assert res.value("cl100k_base", "eng_Latn", "tokens") == len(
        tokeff.get_tokenizer("cl100k_base").encode("a|b#"))
