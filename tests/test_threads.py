"""Threads: grad mode is per thread (as PyTorch)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

import minigrad as mg

TIMEOUT = 30  # seconds: no wait in these tests is unbounded


def _run(*targets):
    """Start one thread per target, join each with a deadline, re-raise the first error."""
    errors: list[BaseException] = []

    def guard(fn):
        def body():
            try:
                fn()
            except BaseException as exc:  # noqa: BLE001  (handed to the test thread)
                errors.append(exc)

        return body

    threads = [threading.Thread(target=guard(t), daemon=True) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
        assert not t.is_alive(), "a test thread did not finish in time"
    if errors:
        raise errors[0]


# -- grad mode --------------------------------------------------------------------------------


@pytest.mark.parametrize("lib", [mg, torch], ids=["minigrad", "torch"])
def test_a_new_thread_starts_with_grad_enabled(lib):
    seen = []
    with lib.no_grad():
        _run(lambda: seen.append(lib.is_grad_enabled()))
        assert not lib.is_grad_enabled()
    assert seen == [True]


@pytest.mark.parametrize("lib", [mg, torch], ids=["minigrad", "torch"])
def test_no_grad_in_one_thread_leaves_another_threads_graph(lib):
    inside, built = threading.Event(), threading.Event()
    out = {}

    def evaluator():
        with lib.no_grad():
            inside.set()
            assert built.wait(TIMEOUT)
            out["eval"] = (lib.ones(2, requires_grad=True) * 2).requires_grad

    def trainer():
        assert inside.wait(TIMEOUT)  # the other thread is inside no_grad now
        x = lib.ones(3, requires_grad=True)
        loss = (x * x).sum()
        out["train"] = loss.requires_grad
        loss.backward()
        out["grad"] = np.asarray(x.grad.detach()).tolist()
        built.set()

    _run(evaluator, trainer)
    assert out == {"eval": False, "train": True, "grad": [2.0, 2.0, 2.0]}


@pytest.mark.parametrize("lib", [mg, torch], ids=["minigrad", "torch"])
def test_crossed_no_grad_blocks_restore_each_threads_own_mode(lib):
    """A enters, B enters, A leaves, B leaves: with one shared flag B would restore False."""
    steps = [threading.Event() for _ in range(3)]
    after = {}

    def a():
        with lib.no_grad():
            steps[0].set()
            assert steps[1].wait(TIMEOUT)
        after["a"] = lib.is_grad_enabled()
        steps[2].set()

    def b():
        assert steps[0].wait(TIMEOUT)
        with lib.no_grad():
            steps[1].set()
            assert steps[2].wait(TIMEOUT)
        after["b"] = lib.is_grad_enabled()

    _run(a, b)
    assert after == {"a": True, "b": True} and lib.is_grad_enabled()
    _run(lambda: after.update(fresh=lib.is_grad_enabled()))
    assert after["fresh"]


def test_set_grad_enabled_called_in_a_thread_stays_in_that_thread():
    off, checked = threading.Event(), threading.Event()
    seen = {}

    def switcher():
        mg.set_grad_enabled(False)
        off.set()
        assert checked.wait(TIMEOUT)
        seen["switcher"] = mg.is_grad_enabled()

    def other():
        assert off.wait(TIMEOUT)
        seen["other"] = mg.is_grad_enabled()
        checked.set()

    _run(switcher, other)
    assert seen == {"switcher": False, "other": True} and mg.is_grad_enabled()
