"""Sequential's fused ``Linear/BatchNorm1d -> ReLU``: the same numbers as running each module,
half the graph, and never when a hook or a subclass asks for the modules to run one by one."""

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
def test_fused_relu_gives_the_same_values_and_gradients_bit_for_bit(dtype, training):
    x = mg.tensor(RNG.standard_normal((8, 5)), dtype=dtype)
    t = mg.tensor(RNG.integers(0, 3, 8))
    fused, plain = _net(dtype), _net(dtype)
    fused.train(training)
    plain.train(training)
    lf, gf, nodes_f = _step(fused, x, t, lambda n, x: n(x))
    lp, gp, nodes_p = _step(plain, x, t, _one_by_one)
    assert lf == lp
    for a, b in zip(gf, gp):
        np.testing.assert_array_equal(a, b)
    assert "relu" not in nodes_f and nodes_p.count("relu") == 2
    assert len(nodes_f) == len(nodes_p) - 2
    np.testing.assert_array_equal(fused[3].running_mean.numpy(), plain[3].running_mean.numpy())


def test_hooks_and_subclasses_turn_fusion_off():
    x = mg.tensor(RNG.standard_normal((8, 5)), dtype=mg.float32)
    net = _net(mg.float32)
    seen = []
    handle = net[1].register_forward_hook(lambda m, args, out: seen.append(out.shape))
    assert _grad_nodes(net(x)).count("relu") == 1 and seen == [(8, 6)]
    handle.remove()
    assert _grad_nodes(net(x)).count("relu") == 0

    class MyLinear(nn.Linear):
        def forward(self, input):
            return super().forward(input) * 2.0

    net[0] = MyLinear(5, 6)  # the plan follows the new module
    names = _grad_nodes(net(x))
    assert names.count("relu") == 1 and "mul" in names


def test_second_order_through_fused_relu():
    net = _net(mg.float64)
    x = mg.tensor(RNG.standard_normal((6, 5)), dtype=mg.float64, requires_grad=True)
    y = (net(x) ** 2).sum()
    (gx,) = mg.autograd.grad(y, x, create_graph=True)
    fused = mg.autograd.grad((gx * gx).sum(), net[0].weight)[0].numpy()
    x2 = mg.tensor(x._data, dtype=mg.float64, requires_grad=True)
    y2 = (_one_by_one(net, x2) ** 2).sum()
    (gx2,) = mg.autograd.grad(y2, x2, create_graph=True)
    plain = mg.autograd.grad((gx2 * gx2).sum(), net[0].weight)[0].numpy()
    np.testing.assert_allclose(fused, plain, rtol=1e-12, atol=1e-14)
