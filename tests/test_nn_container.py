"""Sequential runs its modules one by one through ``__call__`` (hooks, subclasses): the same
numbers and graph as calling each module, with no fusion keyed on layer types (speed comes from
``minigrad.compile``, which works for any module)."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn

RNG = np.random.default_rng(7)


def _net(dtype=mg.float64):
    mg.manual_seed(3)
    return nn.Sequential(nn.Linear(5, 6, dtype=dtype), nn.ReLU(), nn.Linear(6, 4, dtype=dtype),
                         nn.BatchNorm1d(4, dtype=dtype), nn.ReLU(), nn.Linear(4, 3, dtype=dtype))


def _one_by_one(seq, x):
    for m in seq:
        x = m(x)
    return x


def _grad_nodes(t):
    names, stack = [], [t]
    while stack:
        u = stack.pop()
        if u.grad_fn is not None:
            names.append(u.grad_fn.op.name)
            stack.extend(u.grad_fn.inputs)
    return names


def _step(net, x, t, run):
    net.zero_grad()
    loss = nn.functional.cross_entropy(run(net, x), t)
    nodes = _grad_nodes(loss)
    loss.backward()
    return loss.item(), [p.grad.numpy().copy() for p in net.parameters()], nodes


@pytest.mark.parametrize("dtype", [mg.float32, mg.float64])
@pytest.mark.parametrize("training", [True, False])
def test_sequential_is_its_modules_one_by_one_bit_for_bit(dtype, training):
    x = mg.tensor(RNG.standard_normal((8, 5)), dtype=dtype)
    t = mg.tensor(RNG.integers(0, 3, 8))
    seq, plain = _net(dtype), _net(dtype)
    seq.train(training)
    plain.train(training)
    ls, gs, nodes_s = _step(seq, x, t, lambda n, x: n(x))
    lp, gp, nodes_p = _step(plain, x, t, _one_by_one)
    assert ls == lp
    for a, b in zip(gs, gp):
        np.testing.assert_array_equal(a, b)
    assert nodes_s == nodes_p and nodes_s.count("relu") == 2  # no type-based fusion
    np.testing.assert_array_equal(seq[3].running_mean.numpy(), plain[3].running_mean.numpy())


def test_every_module_is_called_with_its_hooks_and_subclass_forward():
    x = mg.tensor(RNG.standard_normal((8, 5)), dtype=mg.float32)
    net = _net(mg.float32)
    seen = []
    handle = net[1].register_forward_hook(lambda m, args, out: seen.append(out.shape))
    assert _grad_nodes(net(x)).count("relu") == 2 and seen == [(8, 6)]
    handle.remove()

    class MyLinear(nn.Linear):
        def forward(self, input):
            return super().forward(input) * 2.0

    net[0] = MyLinear(5, 6)
    names = _grad_nodes(net(x))
    assert names.count("relu") == 2 and "mul" in names
