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
                         text=True, check=False).stdout  # (ps exits 1 when there are none)
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


# -- the error reference page, rendered from real calls --------------------------------------

ERRORS_PAGE = REPO / "docs" / "reference" / "errors.md"

PAGE_HEAD = """# Errors and exit codes

Every `tokeff` command ends with one of these exit codes. Results go to stdout; errors go to
stderr as one line starting `tokeff:` that says what happened, where (file, line, column or
value) and how to fix it. From Python, the same checks raise the exceptions of `tokeff.errors`
(`CorpusError`, `TokenizerError`, `UsageError`, `NotComparableError`), all subclasses of
`TokeffError`; the library never prints or exits.

The example messages below are produced by the code: `tests/test_holes.py` runs each command
and fails when this page differs (`TOKEFF_UPDATE_DOCS=1 python -m pytest tests/test_holes.py`
rewrites it).
"""

CODES = [
    (cli.EXIT_OK, "success: the results are on stdout (or in `--output FILE`)"),
    (cli.EXIT_REGRESSION, "`tokeff check`: a gated metric moved past its threshold"),
    (cli.EXIT_USAGE, ("usage or input error: a bad option or value, an unknown language or "
                     "tokenizer, an invalid corpus or tokenizer file")),
    (cli.EXIT_NOT_COMPARABLE, ("not comparable: the corpus or settings differ from the "
                              "baseline's (the differing signature fields are named)")),
    (cli.EXIT_INTERRUPTED, "interrupted (Ctrl-C, SIGINT); no output file is half-written"),
    (cli.EXIT_TERMINATED, ("terminated (SIGTERM): worker processes are stopped first; no output "
                          "file is half-written")),
]

#: (family, what to fix, files to write (name -> bytes), command) for the examples by family.
FAMILIES: list[tuple[str, dict[str, bytes], list[str]]] = [
    ("Corpus files: an unterminated CSV quote",
     {"c.csv": b'eng_Latn,fra_Latn\nHello,"Bonjour\nBye,Salut\n'}, ["--corpus", "c.csv"]),
    ("Corpus files: CSV quoting in a TSV file",
     {"c.tsv": b'eng_Latn\tfra_Latn\n"He said ""hi"""\tx\n'}, ["--corpus", "c.tsv"]),
    ("Corpus files: CR-only line endings",
     {"mac/eng_Latn.txt": b"one\rtwo\rthree\r", "mac/fra_Latn.txt": b"un\ndeux\ntrois\n"},
     ["--corpus", "mac"]),
    ("Corpus files: misaligned languages",
     {"mis/eng_Latn.txt": b"one\ntwo\nthree\n", "mis/fra_Latn.txt": b"un\ndeux\n"},
     ["--corpus", "mis"]),
    ("Corpus files: a key given twice in a JSONL object",
     {"c.jsonl": '{"en": "FIRST", "zh": "你好", "en": "Hello"}\n'.encode()},
     ["--corpus", "c.jsonl"]),
    ("Corpus files: a file name that is not a language",
     {"names/eng_Latn.txt": b"a\n", "names/zho_Hnas.txt": b"b\n"}, ["--corpus", "names"]),
    ("Corpus files: a FLORES split that is a file",
     {"fl/dev": b"", "fl/devtest/eng_Latn.devtest": b"x\n"},
     ["--corpus", "fl", "--split", "dev"]),
    ("Tokenizer files: a tiktoken rank given twice",
     {"dup.tiktoken": b"\n".join(_rank_lines() + [base64.b64encode(b"ab") + b" 97"]) + b"\n"},
     ["--tokenizers", "tiktoken:dup.tiktoken?pattern=cl100k_base"]),
    ("Tokenizer files: JSON that is not a tokenizer",
     {"config.json": b'{"name": "not a tokenizer", "version": 3}'},
     ["--tokenizers", "hf:config.json"]),
    ("Options: alpha of the Rényi efficiency", {}, ["--alpha", "-1"]),
    ("Options: too many bootstrap resamples", {}, ["--bootstrap", "1000000000"]),
    ("Options: workers", {}, ["--workers", "0", "--executor", "processes"]),
]


def _interrupting(exc: type[BaseException]) -> Callable:
    def handler(args):
        if exc is cli.Terminated:  # a real SIGTERM, caught by main()'s handler
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
        raise exc()
    return handler


def render_errors_page(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The page, from real calls in ``tmp`` (relative paths keep the messages stable)."""
    monkeypatch.chdir(tmp)
    (tmp / "g.tsv").write_text("eng_Latn\tzho_Hans\nHello, how are you today?\t你好，你今天好吗？\n"
                               "The weather is nice.\t天气很好。\n", encoding="utf-8")
    (tmp / "g2.tsv").write_text((tmp / "g.tsv").read_text("utf-8").replace("nice", "bad"),
                                encoding="utf-8")
    check = ["check", "--baseline", "base.json", "--no-config", "-q"]
    ok = run_cli("baseline", "--tokenizer", "o200k_base", "--corpus", "g.tsv", "--output",
                 "base.json")
    examples = {cli.EXIT_OK: (("tokeff baseline --tokenizer o200k_base --corpus g.tsv --output "
                              "base.json"), ok[2].strip().splitlines()[-1])}
    for args in ([*check, "--tokenizer", "cl100k_base"],
                 [*check, "--tokenizer", "o200k_base", "--corpus", "g2.tsv"],
                 ["compare", "--corpus", "g.tsv", "--langs", "en,zh", "--segmenter", "zh"]):
        code, _, err = run_cli(*args)
        examples[code] = (_shown(args), err.strip().splitlines()[0])
    for code, exc in ((cli.EXIT_INTERRUPTED, KeyboardInterrupt),
                      (cli.EXIT_TERMINATED, cli.Terminated)):
        # (main() rebuilds COMMANDS from the command modules on every call)
        monkeypatch.setattr(cli.compare, "cmd_compare", _interrupting(exc))
        got, _, err = run_cli(*COMPARE)
        assert got == code
        examples[code] = ("tokeff compare ..." + (" (Ctrl-C)" if code == 130 else
                                                  " (kill -TERM)"), err.strip())
    assert set(examples) == {code for code, _ in CODES}
    monkeypatch.undo()
    monkeypatch.chdir(tmp)
    lines = [PAGE_HEAD, "## Exit codes", "", "| code | meaning | example (stderr) |",
             "|---:|---|---|"]
    for code, meaning in CODES:
        cmd, msg = examples[code]
        lines.append(f"| {code} | {meaning} | `{cmd}` → `{_cell(msg)}` |")
    lines += ["", "## Error messages by family", "",
              ("Each example is the stderr line of `tokeff compare` (exit code 2) on the input "
              "shown."), ""]
    for family, files, args in FAMILIES:
        for name, data in files.items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_bytes(data)
        full = ["compare", *args, *(() if "--tokenizers" in args else
                                    ("--tokenizers", "cl100k_base")), "-q"]
        code, _, err = run_cli(*full)
        assert code == cli.EXIT_USAGE, (family, err)
        lines += [f"### {family}", "", "```console", f"$ {_shown(full)}", err.strip(), "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def _shown(args: list[str]) -> str:
    return "tokeff " + " ".join(a if a and " " not in a and "?" not in a else f"'{a}'"
                                for a in map(str, args))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


def test_error_reference_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = render_errors_page(tmp_path, monkeypatch)
    if os.environ.get("TOKEFF_UPDATE_DOCS"):
        ERRORS_PAGE.write_text(page, encoding="utf-8")
        return
    assert ERRORS_PAGE.is_file(), "run TOKEFF_UPDATE_DOCS=1 python -m pytest tests/test_holes.py"
    assert ERRORS_PAGE.read_text(encoding="utf-8") == page, (
        "docs/reference/errors.md is stale: rerun with TOKEFF_UPDATE_DOCS=1 python -m pytest "
        "tests/test_holes.py")
