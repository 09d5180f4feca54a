"""Long runs: 10,000 training steps in constant memory, and a 100,000-op graph that backpropagates
without recursion and is freed by reference counting alone (no gc.collect, gc disabled).

Memory is measured with tracemalloc, which sees NumPy's array buffers as well as Python objects.
"""

from __future__ import annotations

import gc
import sys
import tracemalloc
import weakref
from contextlib import contextmanager

import numpy as np

import minigrad as mg
from minigrad import nn, optim
from minigrad.nn import functional as F

KB = 1024
FREE_LISTS = 256 * KB  # CPython keeps some freed tuples/lists for reuse; tracemalloc counts them


@contextmanager
def _traced():
    """tracemalloc on and the cycle collector off: what is freed here is freed by refcounting."""
    was_enabled = gc.isenabled()
    gc.disable()
    tracemalloc.start()
    try:
        yield lambda: tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
        if was_enabled:
            gc.enable()


def test_ten_thousand_training_steps_in_constant_memory():
    rng = mg.random.get_rng(mg.Generator().manual_seed(1))
    x = rng.standard_normal((64, 10)).astype(np.float32)
    t = rng.integers(0, 3, 64)
    batches = [(mg.from_numpy(x[i:i + 8]), t[i:i + 8]) for i in range(0, 64, 8)]
    model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 3))
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    losses = []

    def steps(n: int) -> None:
        for i in range(n):
            xb, tb = batches[i % len(batches)]
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), tb)
            loss.backward()
            opt.step()
        losses.append(loss.item())

    steps(1_000)  # warm up: momentum buffers, caches
    with _traced() as current:
        steps(1)
        at_1000 = current()
        steps(9_000)
        at_10000 = current()
    growth = at_10000 - at_1000
    # a leaked graph per step would be kilobytes per step (tens of MB here); even one float kept
    # per step (9,000 x 32 bytes) would exceed this bound
    assert growth < 256 * KB, f"memory grew by {growth / KB:.1f} KiB over 9,000 steps"
    assert all(np.isfinite(losses)) and losses[-1] < losses[0]  # it really trained


def test_a_100k_op_graph_backpropagates_and_frees_its_memory():
    """Every intermediate is gone once backward ran and the loss is dropped (gc disabled)."""
    steps = 50_000  # two ops each: 100,000 nodes in one chain
    x = mg.tensor(np.linspace(0.5, 1.5, 4), requires_grad=True)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        y, sample = x, []
        for i in range(steps):
            y = y * 0.9999 + 0.0001
            if i % 1000 == 0:
                sample.append(weakref.ref(y))
        loss = y.sum()
        del y
        assert all(r() is not None for r in sample)  # held by the graph
        loss.backward()  # iterative: no RecursionError however deep
        del loss
        assert [r for r in sample if r() is not None] == []  # freed by refcounting alone
    finally:
        if was_enabled:
            gc.enable()
    assert sys.getrecursionlimit() < 2 * steps
    np.testing.assert_allclose(x.grad._data, np.full(4, 0.9999**steps), rtol=1e-9)


def test_a_100k_op_graph_dropped_returns_memory_to_the_baseline():
    x = mg.tensor(np.ones(3), requires_grad=True)
    with _traced() as current:
        base = current()
        y = x
        for _ in range(100_000):
            y = y * 1.0
        held = current() - base
        del y  # a 100,000-deep chain of objects: freed without overflowing the C stack
        after = current() - base
    assert held > 10_000 * KB  # the graph was really held
    # what stays is CPython's bounded free lists (about 2,000 spare tuples, ~115 KiB), not the
    # graph
    assert after < FREE_LISTS, f"{after / KB:.1f} KiB still held after the graph was dropped"
    assert x.grad is None
