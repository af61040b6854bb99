"""Issue 17, "the last 25 holes": one row per case, each reproduced through the CLI
(``tokeff.cli.main``: the documented exit code, a message naming file, line or value, never a
traceback) and/or the Python API (the specific :mod:`tokeff.errors` exception).

The error reference page (docs/reference/errors.md) is rendered from real calls here too:
``TOKEFF_UPDATE_DOCS=1 python -m pytest tests/test_holes.py`` rewrites it; otherwise the test
fails when a message in the page is not what the code prints.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import _fixtures as fx
import pytest

import tokeff
from tokeff import cli
from tokeff.corpora import open_stream
from tokeff.counting.cache import CountCache
from tokeff.errors import CorpusError, TokenizerError, UsageError
from tokeff.gate import parse_thresholds

REPO = Path(__file__).resolve().parents[1]


# -- helpers ---------------------------------------------------------------------------------

def run_cli(*args: str) -> tuple[int, str, str]:
    """``tokeff ARGS`` in this process: exit code, stdout, stderr (never a traceback)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main([str(a) for a in args])
    assert "Traceback" not in err.getvalue(), err.getvalue()
    return code, out.getvalue(), err.getvalue()


def refused(*args: str, words: tuple[str, ...], code: int = cli.EXIT_USAGE) -> str:
    """Run ``tokeff ARGS``; assert the exit code and that stderr says each of ``words``."""
    got, _, err = run_cli(*args)
    assert got == code, (got, err)
    for w in words:
        assert w in err, (w, err)
    return err


COMPARE = ("compare", "--tokenizers", "cl100k_base", "--metrics", "tokens", "--bootstrap", "0",
           "-q")


def compare(corpus: str | Path, *extra: str, words: tuple[str, ...]) -> str:
    return refused(*COMPARE, "--corpus", str(corpus), *extra, words=words)


def _rank_lines(n: int = 256) -> list[bytes]:
    return [base64.b64encode(bytes([b])) + b" " + str(b).encode() for b in range(n)]


def _rank_file(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


class UserTok:
    """A user tokenizer answering every batch with ``answer(texts)``."""

    vocab_size = 100

    def __init__(self, name: str, answer: Callable):
        self.name = name
        self._answer = answer

    def encode_batch(self, texts):
        return self._answer(texts)


SMALL = {"en": ["Hello world.", "Good bye."], "fr": ["Bonjour le monde.", "Au revoir."]}


# -- the 25 cases ----------------------------------------------------------------------------

def case_01_jsonl_duplicate_key(tmp: Path) -> None:
    p = tmp / "c.jsonl"
    p.write_text('{"en": "x", "zh": "y"}\n{"en": "FIRST", "zh": "你好", "en": "Hello"}\n',
                 encoding="utf-8")
    for extra in ((), ("--chunk-size", "1")):
        compare(p, *extra, words=("c.jsonl, line 2", "key 'en' appears twice"))
    with pytest.raises(CorpusError, match="appears twice"):
        tokeff.load_corpus(p)


def case_02_streamed_file_changed_mid_run(tmp: Path) -> None:
    (tmp / "eng_Latn.txt").write_text("one\ntwo\nthree\nfour\n", encoding="utf-8")
    (tmp / "fra_Latn.txt").write_text("un\ndeux\ntrois\nquatre\n", encoding="utf-8")
    stream = open_stream(str(tmp), chunk_size=2)
    stream.partitions[0].load()
    # Same line count, same bytes: only the text differs.
    (tmp / "fra_Latn.txt").write_text("un\ndeux\nTROIS\nquatre\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="changed while it was measured"):
        stream.partitions[1].load()


def case_03_user_tokenizer_ids(tmp: Path) -> None:
    for label, row in (("negative", [1, -3]), ("float", [1.7]), ("string", ["12"]),
                       ("vocab", [100])):
        tok = UserTok(f"user-{label}", lambda texts, r=row: [list(r) for _ in texts])
        with pytest.raises(TokenizerError, match=f"'user-{label}'"):
            tokeff.measure(SMALL, [tok], metrics=["tokens", "renyi_efficiency"], pivot=None,
                           bootstrap=0, executor="serial")


def case_04a_alpha_negative(tmp: Path) -> None:
    compare("udhr", "--alpha", "-1", words=("alpha (--alpha)", ">= 0", "not -1"))
    with pytest.raises(UsageError, match="alpha"):
        tokeff.measure("udhr", ["cl100k_base"], langs=["en"], alpha=-1)


def case_04b_alpha_nan_inf(tmp: Path) -> None:
    for v in ("nan", "inf"):
        compare("udhr", "--alpha", v, words=("alpha (--alpha)", "finite", f"not {v}"))
    refused("baseline", "--tokenizer", "cl100k_base", "--alpha", "nan", "-q",
            words=("alpha (--alpha)",))
    tokeff.measure("udhr", ["cl100k_base"], langs=["en"], metrics=["renyi_efficiency"],
                   alpha=1, bootstrap=0)  # alpha = 1 (Shannon) is fine


def case_05_sigterm_processes(tmp: Path) -> None:
    _sigterm_cleans_up(tmp)


def case_06_lone_surrogate(tmp: Path) -> None:
    p = tmp / "c.jsonl"
    p.write_text('{"en": "x", "zh": "y"}\n{"en": "a\\ud800b", "zh": "z"}\n', encoding="utf-8")
    for extra in ((), ("--chunk-size", "1")):
        compare(p, *extra, words=("c.jsonl, line 2", "lone surrogate", "\\ud800"))
    with pytest.raises(CorpusError, match="lone surrogate"):
        tokeff.load_corpus(p)


def case_07a_tiktoken_duplicate_rank(tmp: Path) -> None:
    p = _rank_file(tmp / "dup.tiktoken", _rank_lines() + [base64.b64encode(b"ab") + b" 97"])
    compare("udhr", "--tokenizers", f"tiktoken:{p}?pattern=cl100k_base",
            words=(str(p), "line 257", "rank 97"))


def case_07b_tiktoken_corrupt_gzip(tmp: Path) -> None:
    good = gzip.compress(b"\n".join(_rank_lines()) + b"\n")
    p = tmp / "broken.tiktoken.gz"
    p.write_bytes(good[:40] + bytes(b ^ 0x55 for b in good[40:80]) + good[80:])
    compare("udhr", "--tokenizers", f"tiktoken:{p}?pattern=cl100k_base",
            words=(str(p), "gzip"))


def case_07c_tiktoken_bad_pattern(tmp: Path) -> None:
    p = _rank_file(tmp / "ok.tiktoken", _rank_lines())
    compare("udhr", "--tokenizers", f"tiktoken:{p}?pattern=(\\p{{L}}+",
            words=("(\\p{L}+", "regex"))


def case_08_user_tokenizer_returns_and_raises(tmp: Path) -> None:
    def boom(texts):
        raise KeyError("missing piece")

    for name, answer, words in (("none", lambda t: None, "returned None"),
                                ("gen", lambda t: ([1] for _ in t), "generator"),
                                ("boom", boom, "encode_batch raised KeyError")):
        with pytest.raises(TokenizerError) as info:
            tokeff.measure(SMALL, [UserTok(name, answer)], metrics=["tokens"], pivot=None,
                           bootstrap=0, executor="serial")
        msg = str(info.value)
        assert f"'{name}'" in msg and words in msg and "while encoding" in msg, msg


def case_09a_workers(tmp: Path) -> None:
    for v in ("-1", "0"):
        for ex in ("processes", "threads"):
            compare("udhr", "--workers", v, "--executor", ex,
                    words=("workers (--workers)", ">= 1", f"not {v}"))
    with pytest.raises(UsageError, match="workers"):
        tokeff.measure("udhr", ["cl100k_base"], workers=0)


def case_09b_bootstrap_and_sizes(tmp: Path) -> None:
    start = time.perf_counter()
    compare("udhr", "--bootstrap", "1000000000",
            words=("bootstrap (--bootstrap)", "100,000", "1,000,000,000", "memory"))
    assert time.perf_counter() - start < 20  # refused before anything is allocated
    compare("udhr", "--chunk-size", "-5", words=("--chunk-size", "-5"))
    refused("report", "--drilldown", "-1", words=("--drilldown", "-1"))
    with pytest.raises(UsageError, match="100,000"):
        tokeff.measure("udhr", ["cl100k_base"], bootstrap=10 ** 9)


def case_10_unknown_language_file_name(tmp: Path) -> None:
    (tmp / "eng_Latn.txt").write_text("a\n", encoding="utf-8")
    (tmp / "zho_Hnas.txt").write_text("b\n", encoding="utf-8")
    compare(tmp, words=("zho_Hnas.txt", "does not name a language", "zho_Hans"))


def case_11_tsv_quotes(tmp: Path) -> None:
    p = tmp / "c.tsv"
    p.write_text('eng_Latn\tfra_Latn\n"He said ""hi"""\tx\n', encoding="utf-8")
    compare(p, words=("c.tsv, line 2, column 1", "TSV has no quoting", ".csv"))
    p.write_text('"eng_Latn"\t"fra_Latn"\nA\tB\n', encoding="utf-8")
    compare(p, words=("c.tsv, line 1, column 1", "TSV has no quoting"))
    # The documented rule: a sentence that is a quotation keeps its quotes.
    p.write_text('eng_Latn\tfra_Latn\n"Quote."\t"Citation."\n', encoding="utf-8")
    assert tokeff.load_corpus(p).segments["eng_Latn"] == ['"Quote."']


def case_12a_unterminated_csv_quote(tmp: Path) -> None:
    p = tmp / "c.csv"
    p.write_text('eng_Latn,fra_Latn\nHello,"Bonjour\nBye,Salut\n', encoding="utf-8")
    compare(p, words=("c.csv, line 2", "unterminated quote"))
    with pytest.raises(CorpusError, match="unterminated quote"):
        tokeff.load_corpus(p)


def case_12b_cr_line_endings(tmp: Path) -> None:
    d = tmp / "mac"
    d.mkdir()
    (d / "eng_Latn.txt").write_bytes(b"\r".join(b"line %d" % i for i in range(20)))
    (d / "fra_Latn.txt").write_text("".join(f"ligne {i}\n" for i in range(20)))
    for extra in ((), ("--chunk-size", "5")):
        compare(d, *extra, words=("eng_Latn.txt", "CR line endings", "19 carriage returns"))


def case_12c_symlink_loop(tmp: Path) -> None:
    (tmp / "a").symlink_to(tmp / "b")
    (tmp / "b").symlink_to(tmp / "a")
    compare(tmp / "a", words=("symbolic link loop",))


def case_12d_dev_is_a_file(tmp: Path) -> None:
    (tmp / "devtest").mkdir()
    (tmp / "devtest" / "eng_Latn.devtest").write_text("x\n", encoding="utf-8")
    (tmp / "dev").write_text("not a directory\n", encoding="utf-8")
    for extra in ((), ("--chunk-size", "5")):
        compare(tmp, "--split", "dev", *extra,
                words=("dev is a file, expected a directory",))


def case_12e_json_not_a_tokenizer(tmp: Path) -> None:
    p = tmp / "config.json"
    p.write_text(json.dumps({"name": "not a tokenizer", "version": 3}))
    err = compare("udhr", "--tokenizers", f"hf:{p}", words=(str(p), 'no "model"'))
    assert "expected `,` or `}`" not in err


def case_12f_empty_model(tmp: Path) -> None:
    p = tmp / "tok.model"
    p.write_bytes(b"")
    compare("udhr", "--tokenizers", f"spm:{p}", words=(str(p), "is empty (0 bytes)"))


def case_12g_negative_threshold(tmp: Path) -> None:
    refused("check", "--baseline", tmp / "none.json", "--tokenizer", "cl100k_base",
            "--max-increase", "tokens_per_char=-1%", "--no-config",
            words=("--max-increase tokens_per_char=-1%", ">= 0"))
    with pytest.raises(UsageError, match="max-decrease parity"):
        parse_thresholds([], ["parity=-0.5"])


def case_12h_langs_string(tmp: Path) -> None:
    res = tokeff.measure("udhr", ["cl100k_base"], langs="en", metrics=["tokens"], bootstrap=0,
                         pivot=None)
    assert res.meta["langs"] == ["eng_Latn"]


def case_13_cache_entry_directory(tmp: Path) -> None:
    store = CountCache(tmp / "cache")
    corpus = tokeff.Corpus.from_dict("holes", SMALL)
    first = tokeff.measure(corpus, ["cl100k_base"], bootstrap=0, cache=store)
    for f in store.entries():
        f.unlink()
        f.mkdir()
    assert store.info()["entries"] == 0  # directories are not entries
    again = tokeff.measure(corpus, ["cl100k_base"], bootstrap=0, cache=store)
    assert again.rows == first.rows
    assert store.entries() and all(f.is_file() for f in store.entries())  # repaired


def case_14_added_non_special_tokens(tmp: Path) -> None:
    # Added tokens the original marks non-special are text, matched as one token by every
    # backend; special tokens are never emitted for their strings.
    for name in ("qwen2.5", "qwen3.5"):
        tok = tokeff.get_tokenizer(name)
        assert len(tok.encode("<|fim_prefix|>")) == 1, name
        assert len(tok.encode("<|endoftext|>")) > 1, name


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True,
                         text=True).stdout
    return [int(x) for x in out.split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def _sigterm_cleans_up(tmp: Path) -> None:
    """A real run on a process pool, sent SIGTERM mid-run: exit 143, no process left."""
    rng = random.Random(0)
    words = ["alpha", "beta", "gamma", "delta", "token", "measure", "language", "corpus"]
    d = tmp / "big"
    d.mkdir()
    for code in ("eng_Latn", "fra_Latn", "deu_Latn"):
        lines = (" ".join(rng.choices(words, k=14)) + "\n" for _ in range(60_000))
        (d / f"{code}.txt").write_text("".join(lines), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO), "TOKEFF_CACHE": "0"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tokeff", "compare", "--corpus", str(d), "--langs", "all",
         "--tokenizers", "cl100k_base", "--executor", "processes", "--workers", "2",
         "--bootstrap", "0", "-q"], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)
    kids: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(kids) < 3:  # 2 workers + resource tracker
            assert proc.poll() is None, "the run ended before SIGTERM: make the corpus bigger"
            kids = _children(proc.pid)
            time.sleep(0.1)
        assert len(kids) >= 3, kids
        time.sleep(1.0)  # the workers are counting
        assert proc.poll() is None, "the run ended before SIGTERM: make the corpus bigger"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 143, (proc.returncode, err)
        assert "tokeff: terminated" in err and "Traceback" not in err, err
        deadline = time.monotonic() + 10  # the resource tracker leaves once its pipe closes
        while time.monotonic() < deadline and any(map(_alive, kids)):
            time.sleep(0.1)
        assert not [k for k in kids if _alive(k)], "processes left behind after SIGTERM"
    finally:  # (when the test fails, leave nothing running: only the processes it started)
        if proc.poll() is None:
            proc.kill()
        for k in kids:
            if _alive(k):
                os.kill(k, signal.SIGKILL)


CASES = [(name.removeprefix("case_"), fn) for name, fn in sorted(globals().items())
         if name.startswith("case_")]


def test_every_case_of_the_issue_has_a_row() -> None:
    numbers = {name.split("_")[0].rstrip("abcdefgh") for name, _ in CASES}
    assert numbers == {f"{i:02d}" for i in range(1, 15)}
    assert len(CASES) == 25


@pytest.mark.parametrize("case", [
    pytest.param(fn, id=name, marks=[pytest.mark.slow] if "sigterm" in name else [])
    for name, fn in CASES])
def test_hole(case: Callable[[Path], None], tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    case(tmp_path)
