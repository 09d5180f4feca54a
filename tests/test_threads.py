"""Threads: grad mode is per thread (as PyTorch), and the default generator is process-global
unless a thread binds its own with ``minigrad.random.use_generator`` (as minigrad.tune does)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import random as mg_random

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


# -- the default generator ----------------------------------------------------------------------


@pytest.mark.parametrize("lib", [mg, torch], ids=["minigrad", "torch"])
def test_threads_share_the_process_default_generator_as_torch(lib):
    lib.manual_seed(0)
    first, second = lib.randn(4), lib.randn(4)
    lib.manual_seed(0)
    drawn = []
    _run(lambda: drawn.append(lib.randn(4)))  # a thread advances the shared generator
    assert np.array_equal(np.asarray(drawn[0]), np.asarray(first))
    assert np.array_equal(np.asarray(lib.randn(4)), np.asarray(second))


def test_use_generator_binds_a_generator_to_this_thread_only():
    mg.manual_seed(1)
    state = mg_random.default_generator.get_state()
    expected = np.asarray(mg.randn(5, generator=mg.Generator(7)))
    with mg_random.use_generator(mg.Generator(7)) as g:
        assert mg_random.current_generator() is g and mg.initial_seed() == 7
        others = []
        _run(lambda: others.append(mg_random.current_generator()))
        assert others == [mg_random.default_generator]  # another thread keeps the global one
        assert np.array_equal(np.asarray(mg.randn(5)), expected)
        mg.manual_seed(3)  # seeds the bound generator, not the global one
        assert g.initial_seed() == 3
        with mg_random.use_generator(mg.Generator(9)):
            assert mg.initial_seed() == 9
        assert mg_random.current_generator() is g
    assert mg_random.current_generator() is mg_random.default_generator
    assert mg_random.default_generator.get_state() == state and mg.initial_seed() == 1
    with pytest.raises(TypeError, match="Generator"):
        with mg_random.use_generator(np.random.default_rng(0)):
            pass


def _seeded_run(seed: int, barrier: threading.Barrier | None) -> list[float]:
    """A small training run on the default randomness (init, dropout), step by step in lockstep
    with another thread when given a barrier."""
    with mg_random.use_generator(mg.Generator(seed)):
        model = mg.nn.Sequential(mg.nn.Linear(4, 8), mg.nn.Dropout(0.5), mg.nn.Linear(8, 1))
        opt = mg.optim.SGD(model.parameters(), lr=0.1)
        x = mg.randn(16, 4)
        losses = []
        for _ in range(5):
            if barrier is not None:
                barrier.wait(TIMEOUT)
            loss = (model(x) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return losses


def test_one_seed_repeats_bit_for_bit_in_interleaved_threads():
    expected = {s: _seeded_run(s, None) for s in (10, 11)}
    barrier = threading.Barrier(2)
    got: dict[int, list[float]] = {}
    _run(*[lambda s=s: got.update({s: _seeded_run(s, barrier)}) for s in (10, 11)])
    assert got == expected and expected[10] != expected[11]


@pytest.mark.filterwarnings("ignore:Anomaly Detection has been enabled")
@pytest.mark.parametrize("lib", [mg, torch], ids=["minigrad", "torch"])
def test_anomaly_mode_is_process_wide_as_torch(lib):
    enabled = lib.autograd.is_anomaly_enabled if lib is mg else torch.is_anomaly_enabled
    seen = []
    with lib.autograd.detect_anomaly():
        _run(lambda: seen.append(enabled()))
    _run(lambda: seen.append(enabled()))
    assert seen == [True, False]
