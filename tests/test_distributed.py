"""Counting on a real Dask LocalCluster (several worker processes) equals the local run.

Skipped when dask[distributed] is not installed (it is in the ``test`` extra).
"""

from __future__ import annotations

import logging

import _fixtures as fx
import pytest

import tokeff
from tokeff.counting import dask_runner, kernel

distributed = pytest.importorskip(
    "distributed", reason="dask[distributed] is not installed (pip install -e '.[test]' or "
                          "'.[dask]'); the Dask executor cannot be tested")

LANGS = ["eng_Latn", "zho_Hans", "mya_Mymr"]


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=3, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.ERROR)
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


@pytest.fixture(scope="module")
def toks():
    return [fx.cl100k(), fx.deepseek(), fx.tiny_spm()]


@pytest.fixture(scope="module")
def corpus():
    return tokeff.load_corpus(str(fx.flores_path()), split="dev", langs=LANGS).shard(0, 400)


def _write_txt(directory, n: int) -> None:
    """The first ``n`` FLORES-200 dev segments of each of LANGS as ``<code>.txt`` files."""
    src = tokeff.load_corpus(str(fx.flores_path()), split="dev", langs=LANGS)
    for lang in LANGS:
        (directory / f"{lang}.txt").write_text("\n".join(src[lang][:n]) + "\n",
                                               encoding="utf-8")


def _same(a, b):
    assert a.rows == b.rows
    assert a.meta == b.meta
    for k in a.counts:
        assert a.counts[k].equals(b.counts[k]), k


def _not_here(*args, **kwargs):
    raise AssertionError("a block was counted in the test process, not on the cluster")


@pytest.mark.flores
def test_in_memory_corpus_on_cluster_equals_local(client, toks, corpus, monkeypatch):
    local = tokeff.measure(corpus, toks, bootstrap=100)
    # The blocks are counted by the worker processes (their own modules, unpatched): a block
    # counted here fails.
    monkeypatch.setattr(dask_runner, "run_job", _not_here)
    monkeypatch.setattr(kernel, "prepare_text", _not_here)
    remote = tokeff.measure(corpus, toks, bootstrap=100, executor=client)
    _same(local, remote)
    # Asked of the scheduler now (scheduler_info() is a copy refreshed every few seconds, which
    # a busy machine can leave empty): its three workers are still up.
    assert len(client.nthreads()) == 3


@pytest.mark.flores
def test_streamed_partitions_reduced_on_cluster_equal_local(client, toks, tmp_path):
    # A corpus of <code>.txt files the workers read themselves, 7 partitions of 60 segments.
    _write_txt(tmp_path, 400)
    local = tokeff.measure(str(tmp_path), toks, bootstrap=100)
    remote = tokeff.measure(str(tmp_path), toks, bootstrap=100, chunk_size=60,
                            executor=client)
    _same(local, remote)


@pytest.mark.flores
def test_streamed_count_only_run_on_cluster_counts_no_ids(client, toks, tmp_path):
    """Token metrics only: the workers count as a local run does, without token ids."""
    _write_txt(tmp_path, 200)
    kw = {"metrics": ["tokens", "parity"], "bootstrap": 50}
    local = tokeff.measure(str(tmp_path), toks[:2], **kw)
    remote = tokeff.measure(str(tmp_path), toks[:2], chunk_size=60, executor=client, **kw)
    _same(local, remote)
    assert all("token_ids" in c.na_reasons for c in remote.counts.values())


@pytest.mark.flores
def test_default_client_and_cache_on_cluster(client, toks, corpus, tmp_path):
    local = tokeff.measure(corpus, toks[:1], bootstrap=50)
    with client.as_current():
        first = tokeff.measure(corpus, toks[:1], bootstrap=50, executor="dask",
                               cache=tmp_path)
        second = tokeff.measure(corpus, toks[:1], bootstrap=50, executor="dask",
                                cache=tmp_path)
    _same(local, first)
    _same(local, second)
    assert tokeff.counting.cache.info(tmp_path)["entries"] > 0


def test_worker_with_another_library_version_refuses():
    from tokeff.counting.dask_runner import check_worker

    tok = fx.cl100k()
    check_worker([tok], tokeff.__version__)  # same versions: fine
    other = type(tok).__new__(type(tok))
    other.__dict__.update(tok.__dict__)
    other.backend_version = "0.0.1"
    with pytest.raises(tokeff.UsageError, match="install the same version"):
        check_worker([other], tokeff.__version__)
    with pytest.raises(tokeff.UsageError, match="tokeff"):
        check_worker([tok], "0.0.0")


def test_cli_starts_a_local_cluster_or_connects_to_a_scheduler(client, capsys):
    from tokeff.cli import main

    args = ["compare", "--corpus", "udhr", "--langs", "en,zh", "--tokenizers", "cl100k_base",
            "--metrics", "tokens,parity", "--bootstrap", "20", "--format", "json", "-q"]
    assert main(args) == 0
    plain = tokeff.Results.from_json(capsys.readouterr().out)
    # --scheduler: the running cluster; --executor dask alone: a local cluster of --workers.
    assert main([*args, "--scheduler", client.scheduler.address, "--chunk-size", "7"]) == 0
    assert tokeff.Results.from_json(capsys.readouterr().out).rows == plain.rows
    assert main([*args, "--executor", "dask", "--workers", "1"]) == 0
    assert tokeff.Results.from_json(capsys.readouterr().out).rows == plain.rows
    assert main([*args, "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "cannot connect to the Dask scheduler" in capsys.readouterr().err
