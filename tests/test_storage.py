"""Storage semantics: who shares memory and a version counter, and which writes bump it."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn


def leaf(a):
    return mg.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def test_views_and_detach_share_the_version_counter_data_does_not():
    x = mg.arange(12.0).reshape(3, 4)
    views = [x[1], x[:, 1:3], x.reshape(4, 3), x.view(2, 6), x.t(), x.permute(1, 0), x.T,
             x.unsqueeze(0), x[None].squeeze(0), x.transpose(0, 1), x.detach(), x.flatten()]
    for v in views:
        before = x._version
        v.mul_(1)
        assert x._version == before + 1 and v._version == x._version
    alias = x.data
    before = x._version
    alias.add_(1)  # the memory changes, the version does not (PyTorch's .data)
    assert x._version == before and alias._version == 1
    np.testing.assert_array_equal(x.numpy(), alias.numpy())


def test_a_copy_is_not_a_view():
    x = mg.arange(12.0).reshape(3, 4)
    for c in (x.t().reshape(12), x[[0, 2]], x[x > 3], x.clone()):
        before = x._version
        c.mul_(2)
        assert x._version == before
    assert x.numpy()[0, 0] == 0.0 and x.numpy()[2, 3] == 11.0


def test_every_write_bumps_the_version():
    x = mg.zeros(2, 3)
    writes = [lambda: x.zero_(), lambda: x.fill_(2.0), lambda: x.copy_(mg.ones(3)),
              lambda: x.add_(1), lambda: x.sub_(1, alpha=2), lambda: x.mul_(2),
              lambda: x.div_(2), lambda: x.clamp_(-1, 1), lambda: x.normal_(0, 1),
              lambda: x.uniform_(0, 1), lambda: x.__setitem__((0, 1), 5.0),
              lambda: x.__setitem__(x > 0, 0.0), lambda: x.relu_(), lambda: x.exp_()]
    for n, w in enumerate(writes, 1):
        w()
        assert x._version == n


def test_library_writes_bump_the_version():
    mg.manual_seed(0)
    lin = nn.Linear(3, 2)
    v = lin.weight._version
    nn.init.kaiming_uniform_(lin.weight)
    nn.init.zeros_(lin.weight)
    assert lin.weight._version == v + 2
    lin(mg.ones(4, 3)).sum().backward()
    g = lin.weight.grad._version
    nn.utils.clip_grad_norm_(lin.parameters(), 1e-3)
    nn.utils.clip_grad_value_(lin.parameters(), 1e-4)
    assert lin.weight.grad._version == g + 2
    lin.zero_grad(set_to_none=False)
    assert lin.weight.grad._version == g + 3
    bn = nn.BatchNorm1d(3)
    m, var = bn.running_mean._version, bn.running_var._version
    bn(mg.randn(5, 3))
    assert bn.running_mean._version == m + 1 and bn.running_var._version == var + 1
    opt = mg.optim.Adam(lin.parameters(), lr=0.1)
    lin(mg.ones(4, 3)).sum().backward()
    w = lin.weight._version
    opt.step()
    assert lin.weight._version == w + 1
    w = lin.weight._version
    lin.load_state_dict(lin.state_dict())
    assert lin.weight._version == w + 1


def test_data_is_a_detached_alias():
    p = nn.Parameter(mg.tensor([1.0, 2.0, 3.0, 4.0]))
    d = p.data
    assert isinstance(d, mg.Tensor) and not d.requires_grad and d.is_leaf
    assert np.shares_memory(d.numpy(), p.detach().numpy())
    assert float(p.data.std()) == pytest.approx(np.std([1, 2, 3, 4], ddof=1))
    p.data.normal_(0, 0.02)
    assert abs(float(p.data.mean())) < 0.1
    p.data = mg.zeros(2, 2)  # rebinds: shape and values follow the new tensor
    assert p.shape == (2, 2) and p.requires_grad
    with pytest.raises(TypeError, match="must be a Tensor"):
        p.data = np.zeros(3)


def test_inplace_on_a_leaf_that_requires_grad_raises_pytorchs_error():
    x = leaf([1.0, 2.0])
    for op in (lambda: x.add_(1), lambda: x.mul_(2), lambda: x.zero_(),
               lambda: x.__setitem__(0, 1.0), lambda: x.__iadd__(1)):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used "
                                               "in an in-place operation"):
            op()
    with pytest.raises(RuntimeError, match="a view of a leaf Variable"):
        x[0:1].mul_(2)
    with mg.no_grad():
        x.add_(1)
    assert x.is_leaf and x.requires_grad
    np.testing.assert_array_equal(x.numpy() if not x.requires_grad else x.detach().numpy(),
                                  [2.0, 3.0])


def test_in_place_in_a_graph_rebases_the_node():
    x = leaf([1.0, -2.0, 3.0])
    y = x * 2
    first = y.grad_fn
    y.relu_()
    assert y.grad_fn is not first and y.grad_fn.op.name == "relu"
    assert y.grad_fn.edges[0] is first  # the old history stays reachable
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 0.0, 2.0])


def test_gradients_of_a_shared_upstream_never_alias():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    ((a + b) * 2).sum().backward()  # add hands the same array to both inputs
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    a.grad.add_(100)
    np.testing.assert_array_equal(b.grad.numpy(), [2.0, 2.0])
    c = leaf([1.0, 2.0])
    y = c.reshape(2)  # no-op reshape hands back the input; the gradient must be a copy
    z = c.exp()
    (y * 1).sum().backward()
    (z * 1).sum().backward()
    assert not np.shares_memory(c.grad.numpy(), z.detach().numpy())


def test_writes_into_an_expanded_tensor_or_wrong_shapes_raise():
    e = mg.zeros(1, 3).expand(2, 3)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        e.add_(1)
    x = mg.zeros(3)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        x.add_(mg.ones(2, 3))
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        mg.tensor([1, 2]).mul_(0.5)


@pytest.mark.parametrize("name", ["SGD", "Momentum", "Nesterov", "Adagrad", "AdaGrad", "RMSprop",
                                  "Adam", "AdamW"])
def test_every_optimizer_step_bumps_the_version_and_is_caught(name):
    w = leaf([1.0, -2.0, 3.0])
    opt = getattr(mg.optim, name)([w], lr=0.1)
    (w * w).sum().backward()
    loss = (w * w).sum()
    v = w._version
    opt.step()
    assert w._version == v + 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()
