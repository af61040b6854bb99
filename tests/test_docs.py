"""The documentation: the site builds, its examples run, its references are complete.

- The MkDocs site builds with ``--strict`` (offline) into a temporary directory.
- Every fenced ```` ```python ```` block in ``docs/**/*.md`` runs without error. Blocks of one
  page run in order in one namespace (later blocks use earlier names), in a temporary working
  directory. A block preceded by ``<!-- docs-test: needs flores -->`` runs only when a local
  FLORES-200 copy exists; ``<!-- docs-test: needs network -->`` never runs here;
  ``<!-- docs-test: skip REASON -->`` is skipped with that reason.
- The command-line reference covers every subcommand of the parser (plugins included), and the
  API reference every name in ``tokeff.__all__``.
- The docstring examples of the public modules pass (doctest).
- The study script runs (a quick run) and renders its page with no unfilled placeholder, and
  its templates hold no hand-typed number.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import os
import re
import subprocess
import warnings
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
STUDY = ROOT / "study"

# -- helpers -----------------------------------------------------------------------------------


def _hooks():
    spec = importlib.util.spec_from_file_location("tokeff_docs_hooks",
                                                  DOCS / "_hooks" / "tokeff_docs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _flores_available() -> bool:
    from tokeff.corpora import flores_dir

    d = flores_dir()
    return d is not None and (d / "dev").is_dir()


@dataclass
class Block:
    page: str
    line: int
    code: str
    needs: str | None  # "flores", "network", "skip: reason" or None


_FENCE = re.compile(r"^```python[^\n]*\n(.*?)^```", re.S | re.M)
_MARK = re.compile(r"<!--\s*docs-test:\s*(.*?)\s*-->\s*$")


def python_blocks(path: Path) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    blocks = []
    for m in _FENCE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        before = text[:m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        mark = _MARK.search(before)
        needs = None
        if mark:
            tag = mark.group(1)
            needs = {"needs flores": "flores", "needs network": "network",
                     "needs gguf": "gguf"}.get(tag, tag)
        blocks.append(Block(path.relative_to(DOCS).as_posix(), line, m.group(1), needs))
    return blocks


def _pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if "_hooks" not in p.parts)


PAGES_WITH_CODE = [p for p in _pages() if python_blocks(p)]

# -- the site builds ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    pytest.importorskip("mkdocs", reason="mkdocs is not installed: pip install -e '.[docs]' "
                                         "(the test extra includes it)")
    pytest.importorskip("mkdocstrings", reason="mkdocstrings is not installed: pip install -e "
                                               "'.[docs]'")
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                           "--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=240, env=env)
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    return out


def test_site_builds_strict(site):
    for page in ("index.html", "getting-started.html", "concepts/metrics.html",
                 "concepts/choices.html", "concepts/signature.html", "reference/cli.html",
                 "reference/api.html", "reference/catalogue.html", "study/index.html",
                 "how-to/own-tokenizer.html", "how-to/own-corpus.html", "how-to/flores.html",
                 "how-to/notebooks.html", "how-to/gguf.html", "ci-gate.html"):
        assert (site / page).is_file(), f"{page} missing from the built site"


def test_api_reference_is_rendered_from_docstrings(site):
    html = (site / "reference" / "api.html").read_text(encoding="utf-8")
    # mkdocstrings renders signatures and docstrings; a bare ':::' directive would remain
    assert ":::" not in html
    assert "Measure tokenizers on a parallel corpus" in html  # measure()'s docstring
    assert "Signature" in html and "parse" in html


def test_built_cli_page_covers_every_subcommand(site):
    html = (site / "reference" / "cli.html").read_text(encoding="utf-8")
    from tokeff.cli import build_parser

    for name in _hooks().subcommands(build_parser()):
        assert f"usage: tokeff {name}" in html, f"tokeff {name} missing from the built CLI page"


# -- the CLI and API references are complete ---------------------------------------------------


def test_cli_reference_covers_every_subcommand():
    hooks = _hooks()
    from tokeff.cli import build_parser

    parser = build_parser()
    subs = hooks.subcommands(parser)
    assert {"compare", "list"} <= set(subs)
    text = hooks.render_cli_reference()
    for name, sub in subs.items():
        assert f"## `tokeff {name}`" in text
        assert f"usage: tokeff {name}" in text
        for action in sub._actions:  # every option of every subcommand is documented
            for opt in action.option_strings:
                assert opt in text, f"option {opt} of tokeff {name} missing"
    for name, sub in subs.items():  # issue 8: every command documents an example
        assert "example" in sub.format_help().lower(), f"tokeff {name} --help has no example"
    codes = dict(hooks.exit_codes())
    assert {"0", "1", "2", "3"} <= set(codes)
    assert "<!-- tokeff:cli-reference -->" in (DOCS / "reference" / "cli.md").read_text()


def test_api_reference_covers_public_names():
    import tokeff

    text = "\n".join(p.read_text(encoding="utf-8") for p in (DOCS / "reference").glob("*.md"))
    directives = set(re.findall(r"^::: ([\w.]+)", text, re.M))
    missing = []
    for name in tokeff.__all__:
        obj = getattr(tokeff, name)
        home = getattr(obj, "__module__", None)
        candidates = {f"tokeff.{name}", f"{home}.{name}" if home else ""}
        if not directives & candidates:
            missing.append(name)
    assert not missing, f"public names without an API reference entry: {missing}"


def test_catalogue_and_metrics_tables_render():
    hooks = _hooks()
    from tokeff.metrics import METRICS
    from tokeff.tokenizers.catalogue import catalogue

    cat = hooks.render_catalogue()
    for e in catalogue():
        assert f"`{e.name}`" in cat
    met = hooks.render_metrics()
    for m in METRICS:
        assert f"`{m}`" in met
        assert f"`{m}`" in (DOCS / "concepts" / "metrics.md").read_text() or m in (
            "chars", "bytes", "words", "segments", "tokens"), f"metric {m} not explained"


def test_docstring_examples_render_as_code():
    lines = ["Text.", "", ">>> x = f(1,", "...       2)  # doctest: +SKIP", "3", "", "```python",
             ">>> inside a fence stays", "```"]
    out = _hooks().doctest_to_fences(lines)
    assert out[2:7] == ["```pycon", ">>> x = f(1,", "...       2)", "3", "```"]
    assert out[-3:] == ["```python", ">>> inside a fence stays", "```"]


# -- the examples run --------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES_WITH_CODE,
                         ids=[p.relative_to(DOCS).as_posix() for p in PAGES_WITH_CODE])
def test_python_examples_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ns: dict = {"__name__": f"docs_example_{page.stem}"}
    ran, skipped = 0, []
    for b in python_blocks(page):
        if b.needs == "flores":
            if not _flores_available():
                skipped.append(f"line {b.line}: needs FLORES-200 (set TOKEFF_FLORES200)")
                continue
        elif b.needs == "network":
            skipped.append(f"line {b.line}: needs network")
            continue
        elif b.needs == "gguf":  # llama.cpp's vocabularies: tokeff vocab fetch / TOKEFF_GGUF_DIR
            from tokeff.tokenizers.gguf_store import locate_vocab

            if locate_vocab("ggml-vocab-qwen2.gguf") is None:
                skipped.append(f"line {b.line}: needs the GGUF vocabularies (TOKEFF_GGUF_DIR)")
                continue
        elif b.needs is not None:
            skipped.append(f"line {b.line}: {b.needs}")
            continue
        code = compile(b.code, f"{b.page}:{b.line}", "exec")
        try:
            exec(code, ns)
        except Exception as e:
            pytest.fail(f"example at docs/{b.page} line {b.line} failed: "
                        f"{type(e).__name__}: {e}\n{b.code}")
        ran += 1
    if skipped and not ran:
        pytest.skip("; ".join(skipped))
    for reason in skipped:
        warnings.warn(f"docs/{page.relative_to(DOCS).as_posix()}: example skipped ({reason})")
    assert ran, f"no example ran on {page}"


def test_example_markers_are_known():
    for page in _pages():
        for b in python_blocks(page):
            assert b.needs in (None, "flores", "network", "gguf") or b.needs.startswith("skip"), \
                f"docs/{b.page} line {b.line}: unknown docs-test marker {b.needs!r}"


# -- docstring examples of the public modules --------------------------------------------------

DOCTEST_MODULES = (
    "tokeff", "tokeff.measurement", "tokeff.results", "tokeff.metrics", "tokeff.langs",
    "tokeff.registry", "tokeff.corpora.spec", "tokeff.corpora.model", "tokeff.counting.plan", "tokeff.tokenizers",
    "tokeff.tokenizers.base", "tokeff.tokenizers._formats", "tokeff.segmenters", "tokeff.cli",
    "tokeff.errors",
    # issue 15
    "tokeff.cost", "tokeff.pricing", "tokeff.prices", "tokeff.paired", "tokeff.tables",
    "tokeff.textcount", "tokeff.inputs", "tokeff.corpora.inmemory", "tokeff.tokenizers.models",
)


#: Public names without a docstring example: constants.
NO_EXAMPLE_NEEDED = {"__version__", "METRICS"}


def test_public_api_has_examples():
    import inspect

    import tokeff

    missing = []
    for name in tokeff.__all__:
        obj = getattr(tokeff, name)
        if name in NO_EXAMPLE_NEEDED or (inspect.isclass(obj) and issubclass(obj, Exception)):
            continue
        if ">>>" not in (inspect.getdoc(obj) or ""):
            missing.append(name)
    assert not missing, f"public names whose docstring has no example: {missing}"


@pytest.mark.parametrize("modname", DOCTEST_MODULES)
def test_docstring_examples(modname, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    mod = importlib.import_module(modname)
    res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                          report=True, verbose=False)
    assert res.failed == 0, f"{res.failed} docstring example(s) of {modname} failed (see above)"


# -- the study ---------------------------------------------------------------------------------


def test_study_templates_hold_no_typed_numbers():
    """Numbers on the study page come from the script: the templates' prose has no digits
    except in names and units (FLORES-200, UTF-8, "per 1,000 characters", "1M tokens")."""
    allowed = re.compile(r"FLORES-200|UTF-8|1,000|1M|TOKEFF_FLORES200|flores200|r50k_base|"
                         r"o200k_base|cl100k_base|\$[a-zA-Z_][a-zA-Z_0-9]*|Claude 3\+|"
                         r"[a-z]{3}_[A-Z][a-z]{3}|--windows [\d,]+")
    for name in ("template.md", "template_corpus.md", "template_tables.md"):
        text = (STUDY / name).read_text(encoding="utf-8")
        prose = re.sub(r"```.*?```", "", text, flags=re.S)  # commands may hold examples
        prose = allowed.sub("", prose)
        digits = [(i, line) for i, line in enumerate(prose.splitlines(), 1)
                  if re.search(r"\d", line)]
        assert not digits, f"study/{name} has hand-typed numbers: {digits[:5]}"


def test_study_quick_run(tmp_path):
    pytest.importorskip("matplotlib", reason="the study's plots need matplotlib ('plot' extra)")
    sys.path.insert(0, str(STUDY))
    try:
        spec = importlib.util.spec_from_file_location("make_study", STUDY / "make_study.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules["make_study"] = mod  # dataclasses look their module up
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(STUDY))
        sys.modules.pop("make_study", None)
    out = tmp_path / "study"
    assert mod.main(["--quick", "--bootstrap", "50", "--out", str(out)]) == 0
    page = (out / "index.md").read_text(encoding="utf-8")
    assert "$" not in page.replace("$ ", ""), "unfilled template placeholder"
    assert "Chinese-built" in page and "What a workload costs" in page
    assert "EXAMPLE" not in page  # issue 15: no invented price unless a price file is given
    assert (out / "tables.md").is_file() and (out / "data" / "summary.json").is_file()
    assert list(out.glob("*.png")), "no plot written"


def test_study_page_is_generated():
    page = (DOCS / "study" / "index.md").read_text(encoding="utf-8")
    assert page.startswith("<!-- Generated by study/make_study.py"), \
        "docs/study/index.md must be generated: python study/make_study.py"
