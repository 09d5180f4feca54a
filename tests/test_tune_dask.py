"""minigrad.tune executor choice, and searches on a real Dask cluster (LocalCluster, 127.0.0.1)."""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import os
import signal
import sys
import threading

import pytest
import tune_objectives as objectives
from distributed import Client, LocalCluster
from tune_objectives import CURVES_SPACE, SPACE, pid, serial, wait_for_lines

from minigrad.tune import (
    DASK_ADDRESS_ENV,
    ProcessExecutor,
    SerialExecutor,
    add_executor_arguments,
    executor_from_args,
    make_executor,
    random_search,
)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


@contextlib.contextmanager
def _test_code_importable():
    """Workers (and the nanny's replacements) import the test code: PYTHONPATH while they start."""
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([ROOT, HERE, *([old] if old else [])])
    try:
        yield
    finally:
        if old is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = old


@contextlib.contextmanager
def _cluster(n_workers: int, threads_per_worker: int, **client_kw):
    """A loopback cluster of worker processes (and the nanny's replacements) that import the
    test code, and a client of it."""
    with _test_code_importable():
        with (
            LocalCluster(
                n_workers=n_workers,
                threads_per_worker=threads_per_worker,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            ) as cluster,
            Client(cluster, **client_kw) as c,
        ):
            yield c


@pytest.fixture(scope="module")
def client():
    """A two-process cluster, one thread each."""
    with _cluster(2, 1) as c:
        yield c


@pytest.fixture(scope="module")
def threaded_client():
    """One worker process running two trials at once in threads (``dask worker``'s default)."""
    with _cluster(1, 2, timeout=60) as c:
        c.wait_for_workers(1, timeout=60)
        yield c


def _worker_pids(client) -> set[int]:
    return set(client.run(os.getpid).values())


def _pids(results) -> set[int]:
    return {pid(t) for t in results}


def test_dask_cluster_gives_the_same_table_as_serial(client):
    expected = serial(objectives.curves, CURVES_SPACE, n=16)
    got = random_search(objectives.curves, CURVES_SPACE, 16, 0, executor=client.get_executor())
    assert got == expected and len(got) == 16
    assert _pids(got) <= _worker_pids(client) and os.getpid() not in _pids(got)


def test_dask_by_address_and_by_environment_variable(client, monkeypatch):
    expected = serial(objectives.quadratic, n=8)
    address = client.scheduler.address
    assert address.startswith("tcp://127.0.0.1:")
    by_address = random_search(objectives.quadratic, SPACE, 8, 0, executor=address, progress=False)
    assert by_address == expected
    dask_scheme = "dask://" + address[len("tcp://") :]
    assert random_search(objectives.quadratic, SPACE, 8, 0, executor=dask_scheme) == expected
    monkeypatch.setenv(DASK_ADDRESS_ENV, address)
    by_env = random_search(objectives.quadratic, SPACE, 8, 0, progress=False)
    assert by_env == expected and _pids(by_env) <= _worker_pids(client)
    assert len(client.scheduler_info()["workers"]) == 2  # the cluster outlives our clients


def test_dask_records_raising_trials(client):
    expected = serial(objectives.sometimes_bad, n=12)
    got = random_search(objectives.sometimes_bad, SPACE, 12, 0, executor=client, progress=False)
    assert expected.errors and got == expected
    assert all(t.traceback and "loss diverged" in t.traceback for t in got.errors)


def test_killed_dask_worker_mid_search_still_finishes_every_trial(client, tmp_path):
    expected = serial(objectives.curves, CURVES_SPACE, n=16)  # slow_curves is curves, slowly
    path = tmp_path / "r.jsonl"
    before = _worker_pids(client)
    killed = []

    def kill_a_busy_worker():
        victim = pid(wait_for_lines(path, 3)[-1])
        assert victim in before
        os.kill(victim, signal.SIGKILL)  # it is in its next 0.25 s trial by now
        killed.append(victim)

    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    got = random_search(
        objectives.slow_curves, CURVES_SPACE, 16, 0, executor=client.get_executor(), storage=path
    )
    killer.join()
    assert killed and got == expected and len(got) == 16 and not got.errors
    client.wait_for_workers(2, timeout=60)  # the nanny replaced the dead worker
    assert killed[0] not in _worker_pids(client)


@pytest.mark.timeout(180)
def test_dask_worker_with_two_threads_scores_exactly_like_serial(threaded_client):
    """Two trials train at once in one worker process; they used to share grad mode (5 of 8
    failed with "does not require grad") and the default generator (the rest scored off)."""
    assert list(threaded_client.nthreads().values()) == [2]
    expected = serial(objectives.tiny_training, n=8)
    got = random_search(objectives.tiny_training, SPACE, 8, 0, executor=threaded_client,
                        progress=False)
    assert got == expected and not got.errors and len(got) == 8
    assert len(_pids(got)) == 1 and os.getpid() not in _pids(got)


# -- choosing an executor ------------------------------------------------------------------


def test_make_executor_specs(monkeypatch):
    monkeypatch.delenv("MINIGRAD_DASK_ADDRESS", raising=False)
    assert isinstance(make_executor("serial"), SerialExecutor)
    made = [make_executor(spec) for spec in (None, "processes", 3, " 2 ")]
    assert all(isinstance(e, ProcessExecutor) for e in made)
    assert [e.max_workers for e in made] == [os.cpu_count(), os.cpu_count(), 3, 2]
    for e in made:
        e.shutdown()
    own = cf.ThreadPoolExecutor(1)
    assert make_executor(own) is own
    own.shutdown()
    for bad in ("thread", 0, -2, True, 1.5):
        with pytest.raises(ValueError):
            make_executor(bad)


def test_command_line_flags_choose_the_executor(monkeypatch):
    monkeypatch.delenv("MINIGRAD_DASK_ADDRESS", raising=False)
    parser = argparse.ArgumentParser()
    add_executor_arguments(parser)
    assert isinstance(executor_from_args(parser.parse_args(["--serial"])), SerialExecutor)
    three = executor_from_args(parser.parse_args(["--workers", "3"]))
    default = executor_from_args(parser.parse_args([]))
    assert (three.max_workers, default.max_workers) == (3, os.cpu_count())
    three.shutdown()
    default.shutdown()
    args = parser.parse_args(["--dask", "tcp://127.0.0.1:8786"])
    assert args.dask == "tcp://127.0.0.1:8786" and args.workers is None
    with pytest.raises(SystemExit):  # one place at a time
        parser.parse_args(["--dask", "tcp://127.0.0.1:8786", "--workers", "2"])


def test_dask_missing_gives_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if it were not installed
    with pytest.raises(ImportError, match=r"pip install 'minigrad\[dask\]'"):
        make_executor("tcp://127.0.0.1:8786")
    monkeypatch.setenv("MINIGRAD_DASK_ADDRESS", "tcp://127.0.0.1:8786")
    with pytest.raises(ImportError, match="minigrad"):
        make_executor(None)
