"""Per-trial deadlines: a hung trial is recorded as a timeout and its worker replaced; worker
processes exit when the search process dies. Real processes and a real Dask cluster."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from tune_objectives import SPACE, alive, hangs, hangs_hard, quadratic, serial

from minigrad.tune import ProcessExecutor, random_search, sample_trial
from minigrad.tune.trial import timeout_message

pytestmark = pytest.mark.timeout(150)  # a broken deadline fails here, not after an hour

N = 12
HUNG = sorted(i for i in range(N) if sample_trial(SPACE, 0, i)[0]["lr"] > 3e-3)


def _check(results, timeout):
    reference = {t.index: t.score for t in serial(quadratic, n=N).trials}
    assert HUNG and len(results.trials) == N
    for trial in results.trials:
        if trial.index in HUNG:
            assert trial.status == "error" and trial.error == timeout_message(timeout)
        else:
            assert trial.ok and trial.score == reference[trial.index]


def test_timeout_must_be_a_positive_number():
    for bad in (0, -1.0, float("inf"), "3", True):
        with pytest.raises(ValueError, match="timeout must be a positive number"):
            random_search(quadratic, SPACE, 2, 0, executor="serial", timeout=bad)


def test_serial_timeout_keeps_an_outer_alarm():
    """A caller's own (later) SIGALRM timer is re-armed after each trial, not lost."""
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *a: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 3.0)
        serial(quadratic, n=3, timeout=1.0)
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 2.0 < left <= 3.0 and not fired
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_serial_trial_is_interrupted_at_its_timeout():
    start = time.monotonic()
    results = serial(hangs, n=N, timeout=0.5)
    assert time.monotonic() - start < 30
    _check(results, 0.5)
    hung = next(t for t in results.trials if t.index == HUNG[0])
    assert "time.sleep(3600)" in hung.traceback  # where it hung, for the user to see


def test_process_worker_interrupts_a_hung_trial_and_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv("TUNE_PID_LOG", str(tmp_path / "pids"))
    start = time.monotonic()
    results = random_search(hangs, SPACE, N, 0, executor=2, progress=False, timeout=2.0)
    assert time.monotonic() - start < 60
    _check(results, 2.0)


def test_trial_no_signal_reaches_has_its_worker_replaced(tmp_path, monkeypatch):
    monkeypatch.setenv("TUNE_PID_LOG", str(tmp_path / "pids"))
    executor = ProcessExecutor(2)
    try:
        start = time.monotonic()
        results = random_search(hangs_hard, SPACE, N, 0, executor=executor, progress=False,
                                timeout=1.0)
        assert time.monotonic() - start < 90
        _check(results, 1.0)
        hung_pids = [int(x) for x in (tmp_path / "pids").read_text().split()]
        assert len(hung_pids) >= len(HUNG)  # a hung bystander of a replaced pool runs again
        deadline = time.monotonic() + 10
        while any(map(alive, hung_pids)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(map(alive, hung_pids)), "a hung worker was left running"
        # the executor still works after its pool was replaced
        again = random_search(quadratic, SPACE, 4, 1, executor=executor, progress=False)
        assert len(again.ok) == 4
    finally:
        executor.shutdown()


_ORPHAN_SCRIPT = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    from tune_objectives import SPACE, hangs
    from minigrad.tune import random_search
    random_search(hangs, SPACE, 12, 0, executor=2, progress=False)
    """
)


def test_workers_exit_when_the_search_process_is_killed(tmp_path):
    pids = tmp_path / "pids"
    env = {**os.environ, "TUNE_PID_LOG": str(pids)}
    tests = os.path.dirname(os.path.abspath(__file__))
    parent = subprocess.Popen([sys.executable, "-c", _ORPHAN_SCRIPT.format(tests=tests)], env=env)
    try:
        deadline = time.monotonic() + 60
        while (not pids.exists() or len(pids.read_text().split()) < 2) and \
                time.monotonic() < deadline:
            assert parent.poll() is None, "the search ended before its trials hung"
            time.sleep(0.05)
        workers = [int(x) for x in pids.read_text().split()]
        assert len(workers) == 2 and all(map(alive, workers))
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
    deadline = time.monotonic() + 15
    while any(map(alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(alive, workers)), "worker processes outlived the search"


def test_dask_restarts_the_worker_of_a_hung_trial(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed", reason="the Dask path needs distributed")
    monkeypatch.setenv("TUNE_PID_LOG", str(tmp_path / "pids"))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        start = time.monotonic()
        results = random_search(hangs, SPACE, N, 0, executor=client, progress=False,
                                timeout=1.0)
        assert time.monotonic() - start < 120
        _check(results, 1.0)
        hung_pids = [int(x) for x in (tmp_path / "pids").read_text().split()]
        deadline = time.monotonic() + 30
        while any(map(alive, hung_pids)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(map(alive, hung_pids)), "the hung Dask worker was not restarted"
