"""What ``import tokeff`` and the ``tokeff`` command import: only what the chosen command runs.

A fully cached ``tokeff compare`` takes under a second, of which imports were half; every
module imported eagerly "just in case" is paid by every run. These tests run a fresh
interpreter (imports are process state) and fail when an eager import comes back.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import tokeff

ROOT = Path(__file__).resolve().parent.parent

#: Modules a command has no business importing unless it runs them: the applications built on
#: results (gate, report, plots, cost), heavy third-party packages, and the measuring stack.
APPLICATIONS = ("tokeff.gate", "tokeff.report", "tokeff.plots", "tokeff.plotstyle",
                "tokeff.fonts", "tokeff.cost", "tokeff.pricing", "tokeff.prices",
                "tokeff.findings", "tokeff.drilldown", "tokeff.textcount", "tokeff.paired",
                "tokeff.tables", "tokeff.display")
THIRD_PARTY = ("pandas", "matplotlib", "scipy", "dask", "distributed", "tqdm", "jieba",
               "tiktoken", "tokenizers", "sentencepiece")
MEASURING = ("numpy", "langcodes", "regex", "importlib.metadata", "tokeff.measurement",
             "tokeff.corpora", "tokeff.counting", "tokeff.tokenizers", "tokeff.segmenters",
             "tokeff.metrics", "tokeff.results", "tokeff.langs")


def _imported(code: str, *, env: dict[str, str] | None = None) -> set[str]:
    """The modules imported after running ``code`` in a fresh interpreter at the repo root."""
    probe = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                         text=True, env=env, check=True).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def _loaded(mods: set[str], names: tuple[str, ...]) -> list[str]:
    return [n for n in names if n in mods]


def test_import_tokeff_imports_none_of_the_library():
    mods = _imported("import tokeff")
    assert _loaded(mods, APPLICATIONS + THIRD_PARTY + MEASURING) == []


def test_cli_startup_and_parser_import_none_of_the_library():
    # Every subcommand's parser is built (as for `tokeff --help`), none of their handlers run.
    mods = _imported("import tokeff.cli\nparser = tokeff.cli.build_parser()\n"
                     "parser.parse_args(['compare', '--langs', 'en'])\n"
                     "parser.format_help()")
    assert _loaded(mods, APPLICATIONS + THIRD_PARTY + MEASURING) == []


def test_compare_imports_no_application_module(tmp_path):
    corpus = tmp_path / "c.tsv"
    corpus.write_text("eng_Latn\tzho_Hans\nHello world.\t你好世界。\nBye.\t再见。\n",
                      encoding="utf-8")
    code = (
        "import contextlib, io, tokeff\n"
        "class Chars:\n"
        "    name = 'chars'\n"
        "    vocab_size = 1114112\n"
        "    def encode_batch(self, texts):\n"
        "        return [[ord(c) for c in t] for t in texts]\n"
        "tokeff.register_tokenizer('chars', Chars)\n"
        "from tokeff.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    rc = main(['compare', '--corpus', {str(corpus)!r}, '--tokenizers', 'chars',\n"
        "               '--metrics', 'tokens,parity', '--bootstrap', '0', '--no-cache', '-q'])\n"
        "assert rc == 0 and 'parity' in out.getvalue(), (rc, out.getvalue())\n"
        # The default tokenizers and the embedded corpus are built-in names: no scan of every
        # installed distribution's entry points.
        "from tokeff.corpora import CORPORA, resolve\n"
        "from tokeff.segmenters import SEGMENTERS\n"
        "from tokeff.tokenizers import TOKENIZERS, default_tokenizer_names\n"
        "assert default_tokenizer_names() and resolve('udhr').name == 'udhr'\n"
        "assert not any(r._entry_points_loaded for r in (CORPORA, SEGMENTERS, TOKENIZERS))\n"
    )
    mods = _imported(code)
    assert "tokeff.measurement" in mods  # (the probe did run the command)
    assert _loaded(mods, APPLICATIONS + THIRD_PARTY) == []


def test_lazy_names_are_the_real_objects():
    from tokeff import measurement, results, tokenizers

    assert set(tokeff.__all__) <= set(dir(tokeff))
    for name in tokeff.__all__:
        assert getattr(tokeff, name) is not None, name
    assert tokeff.measure is measurement.measure and tokeff.Results is results.Results
    assert tokeff.get_tokenizer is tokenizers.get_tokenizer
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        tokeff.nonexistent  # noqa: B018


def test_tokeff_cost_stays_the_function_once_its_module_is_imported():
    # The submodule tokeff.cost shares the function's name; importing it must not hide it.
    code = ("import tokeff.cost as m\nimport tokeff\nfrom tokeff import cost\n"
            "import sys\nassert callable(tokeff.cost) and tokeff.cost is cost\n"
            "assert tokeff.cost is sys.modules['tokeff.cost'].cost\n")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_vocab_help_names_the_pinned_sdist():
    from tokeff.cli.vocab import SDIST_SHOWN
    from tokeff.tokenizers.gguf_store import SDIST, data_dir

    assert SDIST_SHOWN == f"{SDIST[0]} {SDIST[1]}"
    from tokeff.cli import build_parser

    sub = build_parser()._subparsers._group_actions[0].choices["vocab"]  # type: ignore[union-attr]
    text = " ".join(sub.format_help().split())
    assert SDIST_SHOWN in text
    assert " ".join(f"(default: {data_dir()};".split()) in text
