"""In-place changes side by side with PyTorch: minigrad raises exactly when torch raises, and
gives torch's gradients otherwise.

Each scenario is written once against the API the two share and run on both libraries.
"""

from __future__ import annotations

import numpy as np
import pytest
from torch_side_by_side import arr, check_like_torch, leaf, registry

torch = pytest.importorskip("torch", reason="the scenarios are compared with torch 2.13")

RNG = np.random.default_rng(0)
X = RNG.standard_normal(4) + 2.0  # positive: log, sqrt and pow stay defined
W = RNG.standard_normal((3, 4))
SCENARIOS, scenario = registry()



# ---- changes between forward and backward that must be caught ----


@scenario
def optimizer_step_between_forward_and_backward(lib):
    w = leaf(lib, X)
    opt = lib.optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    loss = (w * w).sum()
    opt.step()
    loss.backward()
    return {"w": arr(w.grad)}


@scenario
def optimizer_step_on_a_two_layer_net(lib):
    lib.manual_seed(0)
    net = lib.nn.Sequential(lib.nn.Linear(4, 3), lib.nn.Tanh(), lib.nn.Linear(3, 2)).double()
    opt = lib.optim.SGD(net.parameters(), lr=0.1)
    x = lib.tensor(W, dtype=lib.float64)
    net(x).sum().backward()
    loss = net(x).sum()
    opt.step()
    loss.backward()
    return {}


@scenario
def adam_step_between_forward_and_backward(lib):
    w = leaf(lib, X)
    opt = lib.optim.Adam([w], lr=0.1)
    (w.exp() * w).sum().backward()
    loss = (w * w).sum()
    opt.step()
    loss.backward()
    return {}


@scenario
def detached_alias_changed(lib):
    x = leaf(lib, X)
    y = (x * x).sum()
    x.detach().mul_(10)
    y.backward()
    return {"x": arr(x.grad)}


@scenario
def saved_output_changed_under_no_grad(lib):
    x = leaf(lib, X)
    y = x.exp()
    with lib.no_grad():
        y.mul_(0)
    y.sum().backward()
    return {"x": arr(x.grad)}


@scenario
def load_state_dict_between_forward_and_backward(lib):
    lib.manual_seed(0)
    net = lib.nn.Sequential(lib.nn.Linear(4, 3), lib.nn.Tanh(), lib.nn.Linear(3, 2)).double()
    state = {k: v.clone() for k, v in net.state_dict().items()}
    loss = net(lib.tensor(W, dtype=lib.float64)).sum()
    net.load_state_dict(state)
    loss.backward()
    return {}


@scenario
def change_through_a_slice(lib):
    w = leaf(lib, X)
    y = (w * w).sum()
    with lib.no_grad():
        w[1:3].mul_(2)
    y.backward()
    return {}


@scenario
def change_through_a_reshape_view(lib):
    w = leaf(lib, W)
    y = (w * w).sum()
    with lib.no_grad():
        w.reshape(-1)[0] = 1.0
    y.backward()
    return {}


@scenario
def change_through_a_transpose_of_a_detached_alias(lib):
    w = leaf(lib, W)
    y = (w.sigmoid() * w).sum()
    w.detach().t()[0, 1] = 5.0
    y.backward()
    return {}


@scenario
def sigmoid_output_multiplied_in_place(lib):
    x = leaf(lib, X)
    y = x.sigmoid()
    y.mul_(2)
    y.sum().backward()
    return {}


@scenario
def leaf_changed_in_place_with_grad_on(lib):
    x = leaf(lib, X)
    x.add_(1)
    return {}


@scenario
def view_of_a_leaf_changed_in_place_with_grad_on(lib):
    x = leaf(lib, X)
    x[0:2].mul_(2)
    return {}


@scenario
def expanded_tensor_written_in_place(lib):
    x = lib.zeros(1, 3).expand(2, 3)
    x.add_(1)
    return {}


# ---- changes that torch allows: the same gradients ----


@scenario
def unread_input_changed(lib):
    x = leaf(lib, X)
    y = x + 1
    with lib.no_grad():
        x.add_(1)
    y.sum().backward()
    return {"x": arr(x.grad)}


@scenario
def product_with_a_changed_constant_factor(lib):
    x = leaf(lib, X)
    c = lib.tensor(W[0], dtype=lib.float64)
    y = (x * 2).sum() + (c * 3).sum()
    c.mul_(5)
    y.backward()
    return {"x": arr(x.grad)}


@scenario
def data_alias_changed_is_not_tracked(lib):
    w = leaf(lib, X)
    y = (w * w).sum()
    w.data.mul_(2)  # .data is the untracked alias: the gradient sees the new values
    y.backward()
    return {"w": arr(w.grad), "version": np.array(w._version)}


@scenario
def data_updates_micrograd_style(lib):
    w = leaf(lib, X)
    for _ in range(3):
        w.grad = None
        ((w * w).sum() + w.sum()).backward()
        w.data += -0.1 * w.grad
        w.data.add_(w.grad, alpha=-0.01)
    w.data = w.data * 2  # rebinds the storage
    return {"w": arr(w), "std": np.array(float(w.data.std()))}


@scenario
def iadd_on_a_non_leaf(lib):
    x, v = leaf(lib, X), leaf(lib, X[::-1])
    c = x * 1
    c += v
    c += v * x
    (c * c).sum().backward()
    return {"x": arr(x.grad), "v": arr(v.grad), "c": arr(c)}


@scenario
def micrograd_style_accumulation(lib):
    ws = [leaf(lib, X * k) for k in (1.0, 2.0, 3.0)]
    act = lib.zeros(4, dtype=lib.float64)
    for w in ws:
        act = act + w * w
    total = act * 1
    for w in ws:
        total += w.tanh()
    total.sum().backward()
    return {f"w{i}": arr(w.grad) for i, w in enumerate(ws)}


@scenario
def setitem_on_a_non_leaf(lib):
    x, v = leaf(lib, X), leaf(lib, X[:2] * 3)
    c = x * 2
    c[1:3] = v
    c[0] = v[1] * 5
    (c * c).sum().backward()
    return {"x": arr(x.grad), "v": arr(v.grad), "c": arr(c)}


@scenario
def setitem_with_an_index_array(lib):
    x, v = leaf(lib, W), leaf(lib, X)
    c = x * 1
    c[[0, 2]] = v
    (c * c.exp()).sum().backward()
    return {"x": arr(x.grad), "v": arr(v.grad)}


@scenario
def inplace_unary_ops_on_a_non_leaf(lib):
    x = leaf(lib, X - 2.5)
    outs = {}
    for name in ("relu_", "exp_", "sigmoid_", "tanh_", "neg_", "abs_"):
        x.grad = None
        y = x * 1.5
        getattr(y, name)()
        (y * y).sum().backward()
        outs[name] = arr(x.grad)
    return outs


@scenario
def inplace_binary_ops_on_a_non_leaf(lib):
    x, z = leaf(lib, X), leaf(lib, X[::-1] + 1)
    y = x * 1
    y.mul_(z)
    y.div_(z * z)
    y.sub_(x, alpha=2)
    y.pow_(2)
    y.sum().backward()
    return {"x": arr(x.grad), "z": arr(z.grad)}


@scenario
def sqrt_and_log_in_place(lib):
    x = leaf(lib, X)
    y = x * 1
    y.sqrt_()
    y.log_()
    y.sum().backward()
    return {"x": arr(x.grad)}


@scenario
def change_through_a_view_of_a_non_leaf(lib):
    x, z = leaf(lib, W), leaf(lib, X)
    y = x * 1
    y[1].mul_(z)
    y.t()[0].add_(3)
    (y * y).sum().backward()
    return {"x": arr(x.grad), "z": arr(z.grad), "y": arr(y)}


@scenario
def a_view_follows_its_base_changed_in_place(lib):
    x = leaf(lib, X)
    y = x * 1
    v = y[0:2]
    y.mul_(3)
    (v * v).sum().backward()
    return {"x": arr(x.grad), "v": arr(v)}


@scenario
def earlier_consumers_keep_the_old_value(lib):
    x = leaf(lib, X)
    y = x * 1
    before = y * 2
    y[0:2].mul_(10)
    (before.sum() + y.sum()).backward()
    return {"x": arr(x.grad)}


@scenario
def retained_grad_follows_the_new_value(lib):
    x = leaf(lib, X)
    y = x * 2
    y.retain_grad()
    y.mul_(3)
    (y * y).sum().backward()
    return {"x": arr(x.grad), "y": arr(y.grad)}


@scenario
def copy_and_fill_in_a_graph(lib):
    x, s = leaf(lib, W), leaf(lib, X)
    y = x * 1
    y[0].copy_(s)
    y[1].fill_(2.0)
    y[2].zero_()
    (y * x).sum().backward()
    return {"x": arr(x.grad), "s": arr(s.grad)}


@scenario
def clone_then_change_is_safe(lib):
    x = leaf(lib, X)
    y = x.exp()
    z = y.clone()
    z.mul_(2)
    (y + z).sum().backward()
    return {"x": arr(x.grad)}


@scenario
def integer_tensor_added_a_float(lib):
    x = lib.tensor([1, 2, 3])
    x.add_(1.5)
    return {}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_like_torch(name):
    check_like_torch(SCENARIOS[name], torch)
