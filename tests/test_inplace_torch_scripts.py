"""In-place, view, version, ``.data``, ``detach``, ``retain_grad``, ``autograd.grad``
and ``create_graph`` semantics against PyTorch, in code a user would write (training loops,
hand-written optimizers, masks on activations, residual ``+=``, buffers filled row by row,
gradient penalties).

Each scenario is written once against the API the two share and run on both libraries: minigrad
raises exactly when torch raises, and otherwise gives torch's values and gradients.
"""

from __future__ import annotations

import numpy as np
import pytest
from torch_side_by_side import arr, check_like_torch, leaf, registry

import minigrad as mg

torch = pytest.importorskip("torch", reason="the scenarios are compared with torch 2.13")

RNG = np.random.default_rng(1)
X = RNG.standard_normal(4) + 2.0  # positive: log, sqrt and pow stay defined
W = RNG.standard_normal((3, 4))
V = RNG.standard_normal(4)
SCENARIOS, scenario = registry()


def const(lib, a):
    return lib.tensor(np.array(a), dtype=lib.float64)



def flag(b):
    return np.array(float(bool(b)))


def maybe(t):
    """A gradient that may be missing: NaN stands for None."""
    return np.array(np.nan) if t is None else arr(t)


def linear(lib, w, b):
    lin = lib.nn.Linear(w.shape[1], w.shape[0]).double()
    with lib.no_grad():
        lin.weight.copy_(const(lib, w))
        lin.bias.copy_(const(lib, b))
    return lin


# ---- hand-written optimizers and training loops ----


@scenario
def sgd_by_hand_under_no_grad(lib):
    w, b = leaf(lib, W), leaf(lib, X[:3])
    x = const(lib, V)
    for _ in range(3):
        loss = ((w @ x + b).tanh() ** 2).sum()
        loss.backward()
        with lib.no_grad():
            w -= 0.1 * w.grad
            b -= 0.1 * b.grad
            w.grad.zero_()
            b.grad.zero_()
    return {"w": arr(w), "b": arr(b), "wg": arr(w.grad), "vw": np.array(w._version)}


@scenario
def sgd_by_hand_through_data(lib):
    w = leaf(lib, W)
    x = const(lib, V)
    for _ in range(3):
        ((w @ x).sigmoid().sum() + (w * w).sum()).backward()
        w.data.sub_(0.05 * w.grad.data)
        w.grad.data.zero_()
    return {"w": arr(w), "g": arr(w.grad), "v": np.array(w._version)}


@scenario
def momentum_by_hand(lib):
    w = leaf(lib, X)
    buf = lib.zeros(4, dtype=lib.float64)
    for _ in range(3):
        w.grad = None
        (w * w * w).sum().backward()
        with lib.no_grad():
            w.grad.add_(w, alpha=0.01)  # weight decay
            buf.mul_(0.9).add_(w.grad)
            w.add_(buf, alpha=-0.01)
    return {"w": arr(w), "buf": arr(buf)}


@scenario
def in_place_update_without_no_grad(lib):
    w = leaf(lib, X)
    (w * w).sum().backward()
    w -= 0.1 * w.grad
    return {}


@scenario
def sgd_momentum_steps_on_a_linear(lib):
    lin = linear(lib, W, X[:3])
    opt = lib.optim.SGD(lin.parameters(), lr=0.1, momentum=0.9)
    x = const(lib, W)
    for _ in range(3):
        opt.zero_grad()
        lin(x).tanh().pow(2).sum().backward()
        opt.step()
    return {"w": arr(lin.weight), "b": arr(lin.bias), "v": np.array(lin.weight._version)}


@scenario
def zero_grad_keeping_tensors_then_accumulate(lib):
    lin = linear(lib, W, X[:3])
    x = const(lib, W)
    lin(x).sum().backward()
    g = lin.weight.grad
    lin.zero_grad(set_to_none=False)
    (lin(x) ** 2).sum().backward()
    return {"same": flag(g is lin.weight.grad), "g": arr(lin.weight.grad)}


@scenario
def parameter_written_under_no_grad_then_used(lib):
    lin = linear(lib, W, X[:3])
    with lib.no_grad():
        lin.weight[0] = 0.0
        lin.bias.fill_(1.0)
    (lin(const(lib, W)) ** 2).sum().backward()
    return {"w": arr(lin.weight.grad), "b": arr(lin.bias.grad)}


# ---- masks and in-place activations ----


@scenario
def mask_zeroed_on_a_matmul_output(lib):
    x, w = leaf(lib, V), leaf(lib, W)
    h = w @ x
    h[h < 0] = 0
    (h * h).sum().backward()
    return {"x": arr(x.grad), "w": arr(w.grad), "h": arr(h)}


@scenario
def mask_zeroed_on_an_exp_output(lib):
    x = leaf(lib, X)
    h = x.exp()
    h[h > 7] = 0
    h.sum().backward()
    return {}


@scenario
def mask_written_through_a_column_view(lib):
    x = leaf(lib, W)
    h = x * 2
    col = h[:, 1]
    col[col > 0] = 0.5
    (h * h).sum().backward()
    return {"x": arr(x.grad), "h": arr(h)}


@scenario
def mask_scaled_in_place(lib):
    x = leaf(lib, X - 2.0)
    y = x * 3
    y[y > 0] *= 2
    (y * y).sum().backward()
    return {"x": arr(x.grad), "y": arr(y)}


@scenario
def relu_in_place_after_a_linear(lib):
    x = leaf(lib, W)
    l1, l2 = linear(lib, W, X[:3] - 2), linear(lib, W[:2, :3], X[:2])
    h = l1(x)
    h.relu_()
    l2(h).pow(2).sum().backward()
    return {"x": arr(x.grad), "w1": arr(l1.weight.grad), "w2": arr(l2.weight.grad)}


@scenario
def relu_in_place_after_a_sigmoid(lib):
    x = leaf(lib, X - 2.0)
    h = x.sigmoid()
    h.relu_()
    h.sum().backward()
    return {}


@scenario
def relu_module_in_place(lib):
    x = leaf(lib, X - 2.0)
    h = x * 1
    out = lib.nn.ReLU(inplace=True)(h)
    (out * out).sum().backward()
    return {"h": arr(h), "x": arr(x.grad), "v": np.array(h._version)}


@scenario
def functional_relu_in_place_on_a_leaf(lib):
    x = leaf(lib, X - 2.0)
    lib.nn.functional.relu(x, inplace=True)
    return {}


@scenario
def tanh_in_place_after_an_earlier_consumer(lib):
    x = leaf(lib, X - 2.0)
    h = x * 1
    a = h * 2
    h.tanh_()
    (a * h).sum().backward()
    return {"x": arr(x.grad)}


@scenario
def clamp_in_place_on_a_non_leaf(lib):
    x, w = leaf(lib, X), leaf(lib, V)
    h = x * w
    h.clamp_(min=-0.5, max=1.5)
    (h * h).sum().backward()
    return {"x": arr(x.grad), "w": arr(w.grad)}


# ---- residual += ----


@scenario
def residual_iadd_after_a_linear(lib):
    x = leaf(lib, W[:, :3])
    lin = linear(lib, W[:3, :3], X[:3])
    out = lin(x)
    out += x
    out.tanh().sum().backward()
    return {"x": arr(x.grad), "w": arr(lin.weight.grad)}


@scenario
def residual_iadd_after_a_relu(lib):
    x = leaf(lib, X - 2.0)
    out = (x * 2).relu()
    out += x
    out.sum().backward()
    return {}


@scenario
def residual_iadd_after_batchnorm(lib):
    x = leaf(lib, W.T)
    bn = lib.nn.BatchNorm1d(3).double()
    out = bn(x)
    out += x
    (out * out).sum().backward()
    return {"x": arr(x.grad), "w": arr(bn.weight.grad), "rm": arr(bn.running_mean)}


@scenario
def batchnorm_two_training_forwards_then_backward(lib):
    x = leaf(lib, W.T)
    bn = lib.nn.BatchNorm1d(3).double()
    a = bn(x)
    b = bn(x * 2)
    (a * b).sum().backward()
    return {"x": arr(x.grad), "rv": arr(bn.running_var)}


# ---- views of non-leaves and buffers ----


@scenario
def view_of_a_view_changed_in_place(lib):
    x, z = leaf(lib, W), leaf(lib, W[:2, :3])
    y = x * 1
    y.view(2, 6)[:, ::2].mul_(z)
    y.unsqueeze(0)[0, 1, 1:].add_(1)
    (y * y).sum().backward()
    return {"x": arr(x.grad), "z": arr(z.grad), "y": arr(y)}


@scenario
def transposed_row_assigned(lib):
    x, v = leaf(lib, W), leaf(lib, X[:3])
    y = x * 1
    y.T[1] = v
    (y * y.exp()).sum().backward()
    return {"x": arr(x.grad), "v": arr(v.grad)}


@scenario
def rows_normalised_with_itruediv(lib):
    x = leaf(lib, W + 3.0)
    y = x * 1
    for i in range(3):
        y[i] /= y[i].sum()
    (y * y).sum().backward()
    return {"x": arr(x.grad), "y": arr(y)}


@scenario
def buffer_filled_row_by_row(lib):
    x, w = leaf(lib, W), leaf(lib, V)
    out = lib.zeros(3, 4, dtype=lib.float64)
    for i in range(3):
        out[i] = (x[i] * w).tanh()
    (out * out).sum().backward()
    return {"x": arr(x.grad), "w": arr(w.grad), "leaf": flag(out.is_leaf)}


@scenario
def buffer_filled_by_copy_into_column_views(lib):
    x = leaf(lib, W)
    out = lib.zeros(4, 3, dtype=lib.float64)
    for j in range(3):
        out[:, j].copy_(x[j] * (j + 1))
    (out.exp()).sum().backward()
    return {"x": arr(x.grad), "rg": flag(out.requires_grad)}


@scenario
def rnn_state_written_into_a_buffer(lib):
    w, x = leaf(lib, W[:, :3]), leaf(lib, V[:3])
    hs = lib.zeros(4, 3, dtype=lib.float64)
    h = x
    for t in range(4):
        h = (w @ h).tanh()
        hs[t] = h
    hs.sum().backward()
    return {"w": arr(w.grad), "x": arr(x.grad)}


@scenario
def view_created_under_no_grad_changed_with_grad_on(lib):
    x = leaf(lib, X)
    y = x * 2
    with lib.no_grad():
        v = y[0:2]
    v.mul_(2)
    y.sum().backward()
    return {"x": arr(x.grad)}


@scenario
def view_of_a_leaf_created_under_no_grad_changed_with_grad_on(lib):
    x = leaf(lib, X)
    with lib.no_grad():
        v = x[0:2]
    v.mul_(2)
    return {"x": arr(x)}


@scenario
def non_leaf_written_under_no_grad_then_used(lib):
    x = leaf(lib, X)
    y = x * 1
    first = (y * 3).sum()
    with lib.no_grad():
        y[0] = 100.0
        y[1:3].mul_(0.5)
    (first + (y * y).sum()).backward()
    return {"x": arr(x.grad), "y": arr(y)}


@scenario
def shifted_buffer_overlapping_setitem(lib):
    buf = const(lib, X)
    buf[1:] = buf[:-1]
    return {"buf": arr(buf)}


@scenario
def overlapping_slices_added_in_place(lib):
    x = leaf(lib, X)
    y = x * 1
    y[1:] += y[:-1]
    y.sum().backward()
    return {"x": arr(x.grad), "y": arr(y)}


@scenario
def square_in_place(lib):
    x = leaf(lib, X)
    y = x * 1
    y.mul_(y)
    y.sum().backward()
    return {"x": arr(x.grad)}


@scenario
def scaled_by_its_own_detached_value(lib):
    x = leaf(lib, X)
    y = x * 1
    y.mul_(y.detach())
    y.sum().backward()
    return {"x": arr(x.grad)}


@scenario
def divided_by_its_own_sum(lib):
    x = leaf(lib, X)
    y = x * 1
    y.div_(y.sum())
    (y * y).sum().backward()
    return {"x": arr(x.grad), "y": arr(y)}


@scenario
def duplicate_index_iadd(lib):
    x, v = leaf(lib, X), leaf(lib, V[:3])
    y = x * 1
    y[[0, 0, 2]] += v
    (y * y).sum().backward()
    return {"x": arr(x.grad), "v": arr(v.grad), "y": arr(y)}


@scenario
def same_shape_reshape_of_a_leaf_changed_in_place(lib):
    x = leaf(lib, X)
    x.view(-1).mul_(2)
    return {}


@scenario
def row_of_a_leaf_iadd(lib):
    x = leaf(lib, W)
    x[0] += 1
    return {}


@scenario
def copy_across_dtypes_in_a_graph(lib):
    x = leaf(lib, X)
    buf = lib.zeros(4, dtype=lib.float32)
    buf.copy_(x * 2)
    (buf * 3).sum().backward()
    return {"x": arr(x.grad), "dt": flag(x.grad.dtype == lib.float64)}


@scenario
def fill_with_a_0d_tensor_that_requires_grad(lib):
    x, s = leaf(lib, X), leaf(lib, 1.5)
    y = x * 1
    y[1:3].fill_(s)
    (y * y).sum().backward()
    return {"x": arr(x.grad), "s": arr(s.grad)}


# ---- detach and .data ----


@scenario
def detached_copy_changed_with_a_grad_operand(lib):
    x, z = leaf(lib, X), leaf(lib, V)
    y = x * 2
    d = y.detach()
    d.mul_(z)
    (d * d).sum().backward()
    return {"z": arr(z.grad), "y": arr(y)}


@scenario
def fresh_leaf_from_detach_shares_the_version(lib):
    x = const(lib, X)
    d = x.detach().requires_grad_()
    loss = (d * d).sum()
    with lib.no_grad():
        x.add_(1)
    loss.backward()
    return {}


@scenario
def data_element_written_during_a_graph(lib):
    w = leaf(lib, X)
    y = (w * w).sum()
    w.data[0] = 0.0
    y.backward()
    return {"w": arr(w.grad), "v": np.array(w._version)}


@scenario
def data_of_a_saved_output_changed(lib):
    x = leaf(lib, X)
    y = x.exp()
    y.data.mul_(2)
    y.sum().backward()
    return {"x": arr(x.grad), "v": np.array(y._version)}


@scenario
def versions_after_common_writes(lib):
    x = const(lib, W)
    vs = []
    for write in (lambda: x.__iadd__(1), lambda: x.__setitem__(0, 2.0),
                  lambda: x.__setitem__(x > 2, 0.0), lambda: x.data.add_(1),
                  lambda: x.detach().mul_(2), lambda: x[1:3].zero_(),
                  lambda: x.t()[0].fill_(1.0), lambda: x.clamp_(0, 1),
                  lambda: x.copy_(const(lib, W[0]))):
        write()
        vs.append(x._version)
    return {"v": np.array(vs)}


# ---- retain_grad ----


@scenario
def retained_grad_after_setitem(lib):
    x = leaf(lib, X)
    y = x * 2
    y.retain_grad()
    y[0] = 0.0
    (y * y).sum().backward()
    return {"x": arr(x.grad), "y": arr(y.grad)}


@scenario
def retained_grad_accumulates_over_two_backwards(lib):
    x = leaf(lib, X)
    y = x * 2
    y.retain_grad()
    y += 1
    (y * y).sum().backward(retain_graph=True)
    y.sum().backward()
    return {"x": arr(x.grad), "y": arr(y.grad)}


@scenario
def retained_grad_of_a_view_changed_in_place(lib):
    x = leaf(lib, X)
    y = x * 1
    v = y[0:2]
    v.retain_grad()
    v.mul_(3)
    (y * y).sum().backward()
    return {"x": arr(x.grad), "v": maybe(v.grad)}


@scenario
def retained_grad_of_a_view_changed_in_place_then_used(lib):
    x = leaf(lib, X)
    y = x * 1
    v = y[0:2]
    v.retain_grad()
    v.mul_(3)
    (v * v).sum().backward()
    return {"x": arr(x.grad), "v": maybe(v.grad)}


@scenario
def retained_grad_of_a_view_whose_base_changed(lib):
    x = leaf(lib, X)
    y = x * 1
    v = y[0:2]
    v.retain_grad()
    y.mul_(2)
    (v * v).sum().backward()
    return {"x": arr(x.grad), "v": maybe(v.grad)}


# ---- requires_grad flags changed after the forward ----


@scenario
def requires_grad_turned_off_between_forward_and_backward(lib):
    w, x = leaf(lib, W), leaf(lib, V)
    loss = (w @ x).tanh().sum()
    w.requires_grad_(False)
    loss.backward()
    return {"x": arr(x.grad), "has_w": flag(w.grad is not None)}


# ---- autograd.grad ----


@scenario
def grad_after_in_place_mul(lib):
    x = leaf(lib, X)
    y = x * 1
    y.mul_(x)
    (g,) = lib.autograd.grad(y.sum(), x)
    return {"g": arr(g), "none": flag(x.grad is None)}


@scenario
def grad_of_a_non_leaf_after_in_place(lib):
    x = leaf(lib, X)
    y = x * 2
    y.add_(1)
    (g,) = lib.autograd.grad((y * y).sum(), y)
    return {"g": arr(g)}


@scenario
def grad_of_a_non_leaf_changed_after_its_use(lib):
    x = leaf(lib, X)
    y = x * 2
    out = (y * 3).sum()
    y.add_(1)
    lib.autograd.grad(out, y)
    return {}


@scenario
def grads_of_a_sum_do_not_alias(lib):
    a, b = leaf(lib, X), leaf(lib, V)
    ga, gb = lib.autograd.grad((a + b).sum(), [a, b], create_graph=True)
    ga.mul_(5)
    return {"ga": arr(ga), "gb": arr(gb)}


@scenario
def grad_does_not_alias_grad_outputs(lib):
    a = leaf(lib, X)
    go = const(lib, V)
    (g,) = lib.autograd.grad(a + 1, a, grad_outputs=go, create_graph=True)
    g.add_(1)
    return {"go": arr(go), "g": arr(g)}


@scenario
def backward_create_graph_grads_do_not_alias(lib):
    a, b = leaf(lib, X), leaf(lib, V)
    (a + b).sum().backward(create_graph=True)
    a.grad.zero_()
    return {"a": arr(a.grad), "b": arr(b.grad)}


@scenario
def backward_create_graph_grads_of_a_product_do_not_alias(lib):
    a, b, c = leaf(lib, X), leaf(lib, V), const(lib, X[::-1])
    ((a + b) * c).sum().backward(create_graph=True)
    with lib.no_grad():
        a.grad.mul_(0.5)
    return {"a": arr(a.grad), "b": arr(b.grad), "same": flag(a.grad is b.grad)}


# ---- second order after in-place changes ----


@scenario
def gradient_penalty_after_tanh_in_place(lib):
    x, w = leaf(lib, V), leaf(lib, W)
    h = w @ x
    h.tanh_()
    (g,) = lib.autograd.grad((h * h).sum(), x, create_graph=True)
    (g * g).sum().backward()
    return {"g": arr(g), "x": arr(x.grad), "w": arr(w.grad)}


@scenario
def gradient_penalty_after_a_view_change(lib):
    x = leaf(lib, X)
    y = x * x
    y[1:3].mul_(x[0:2])
    (g,) = lib.autograd.grad((y * y).sum(), x, create_graph=True)
    g.pow(2).sum().backward()
    return {"g": arr(g), "x": arr(x.grad)}


@scenario
def gradient_penalty_after_residual_iadd(lib):
    x, w = leaf(lib, W[:, :3]), leaf(lib, W[:3, :3])
    out = x @ w
    out += x
    out.sigmoid_()
    (g,) = lib.autograd.grad(out.sum(), x, create_graph=True)
    (g * g).sum().backward()
    return {"g": arr(g), "x": arr(x.grad), "w": arr(w.grad)}


@scenario
def gradient_penalty_after_a_mask(lib):
    x = leaf(lib, X - 2.0)
    y = x * x * x
    y[x < 0] = 0
    (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
    g.sum().backward()
    return {"g": arr(g), "x": arr(x.grad)}


@scenario
def hessian_vector_product_after_exp_in_place(lib):
    x, v = leaf(lib, X - 2.0), const(lib, V)
    y = x * x
    y.exp_()
    (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
    (hv,) = lib.autograd.grad((g * v).sum(), x)
    return {"g": arr(g), "hv": arr(hv)}


@scenario
def first_order_grad_changed_in_place_then_differentiated(lib):
    x = leaf(lib, X)
    (g,) = lib.autograd.grad((x**3).sum(), x, create_graph=True)
    g.mul_(2)
    g.sum().backward()
    return {"g": arr(g), "x": arr(x.grad)}


@scenario
def saved_output_changed_between_create_graph_and_second_backward(lib):
    x = leaf(lib, X)
    y = x.exp()
    (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
    with lib.no_grad():
        y.mul_(2)
    g.sum().backward()
    return {"x": arr(x.grad)}


@scenario
def input_stepped_between_create_graph_and_second_backward(lib):
    x = leaf(lib, X)
    (g,) = lib.autograd.grad((x * x * x).sum(), x, create_graph=True)
    with lib.no_grad():
        x.sub_(0.1)
    g.sum().backward()
    return {"x": arr(x.grad)}


@scenario
def backward_create_graph_then_penalty_on_grads(lib):
    x, w = const(lib, V), leaf(lib, W)
    h = w @ x
    h.sigmoid_()
    (h * h).sum().backward(create_graph=True)
    pen = (w.grad * w.grad).sum()
    pen.backward()
    return {"w": arr(w.grad)}



# ---- more: optimizer steps, row copies, views of views ----


@scenario
def optimizer_step_on_a_single_linear_between_forward_and_backward(lib):
    lin = linear(lib, W, X[:3])
    opt = lib.optim.SGD(lin.parameters(), lr=0.1)
    lin(const(lib, W)).sum().backward()
    loss = lin(const(lib, W)).sum()  # the input needs no gradient: the weight is not read
    opt.step()
    loss.backward()
    return {"w": arr(lin.weight.grad), "b": arr(lin.bias.grad)}


@scenario
def weight_changed_before_backward_when_the_input_needs_grad(lib):
    lin = linear(lib, W, X[:3])
    x = leaf(lib, W)
    loss = lin(x).sum()
    with lib.no_grad():
        lin.weight.mul_(2)
    loss.backward()
    return {}


@scenario
def adam_step_leaves_the_gradient_alone(lib):
    w = leaf(lib, X)
    opt = lib.optim.Adam([w], lr=0.1, weight_decay=0.1, amsgrad=True)
    for _ in range(2):
        opt.zero_grad()
        (w * w * w).sum().backward()
        g = w.grad.clone()
        opt.step()
    return {"w": arr(w), "g": arr(w.grad), "g0": arr(g), "vg": np.array(w.grad._version)}


@scenario
def row_copied_onto_another_row(lib):
    x = leaf(lib, W)
    y = x * 1
    y[1] = y[0]
    y[2] = y[2] * 2
    (y * y.sigmoid()).sum().backward()
    return {"x": arr(x.grad), "y": arr(y)}


@scenario
def doubled_with_iadd_of_itself(lib):
    x = leaf(lib, X)
    y = x.exp()
    z = y * 1
    z += z
    (z * z).sum().backward()
    return {"x": arr(x.grad)}


@scenario
def scalar_tensor_assigned_to_a_column(lib):
    x, s = leaf(lib, W), leaf(lib, 0.5)
    y = x * 1
    y[:, 0] = s
    y[0, :] = s * 2
    (y * y).sum().backward()
    return {"x": arr(x.grad), "s": arr(s.grad)}


@scenario
def interleaved_view_and_base_changes(lib):
    x, z = leaf(lib, X), leaf(lib, V[:2])
    y = x * 1
    v = y[0:2]
    v.mul_(z)
    y.add_(1)
    v.mul_(3)
    w = v[1:]
    w.sigmoid_()
    (y * y).sum().backward()
    return {"x": arr(x.grad), "z": arr(z.grad), "v": arr(v), "y": arr(y)}


@scenario
def view_of_a_view_follows_two_changes(lib):
    x = leaf(lib, W)
    y = x * 1
    r = y[1]
    rr = r[1:3]
    y.mul_(2)
    r.add_(1)
    (rr * rr).sum().backward()
    return {"x": arr(x.grad), "rr": arr(rr)}


@scenario
def grad_of_a_non_leaf_changed_after_its_use_allow_unused(lib):
    x = leaf(lib, X)
    y = x * 2
    out = (y * 3).sum()
    y.add_(1)
    (g,) = lib.autograd.grad(out, y, allow_unused=True)
    return {"g": maybe(g)}


@scenario
def grad_of_a_view_changed_in_place(lib):
    x = leaf(lib, X)
    y = x * 1
    v = y[0:2]
    v.mul_(2)
    (g,) = lib.autograd.grad((y * y).sum(), v, allow_unused=True, retain_graph=True)
    (gy,) = lib.autograd.grad((y * y).sum(), y)
    return {"g": maybe(g), "gy": arr(gy)}


@scenario
def grad_wrt_an_activation_then_backward_through_its_history(lib):
    x = leaf(lib, X)
    h = x.exp()
    (gh,) = lib.autograd.grad((h * 2).sum(), h)  # walks only down to h: exp is not run
    (h * h).sum().backward()
    return {"gh": arr(gh), "x": arr(x.grad)}


@scenario
def grad_wrt_a_view_of_a_changed_buffer_then_backward(lib):
    x = leaf(lib, X)
    y = x * x
    y[0:2].exp_()
    (g,) = lib.autograd.grad(y.sum(), y)
    y.sum().backward()
    return {"g": arr(g), "x": arr(x.grad)}


@scenario
def gradient_penalty_through_a_copy_into_a_buffer(lib):
    x = leaf(lib, X)
    buf = lib.zeros(2, 4, dtype=lib.float64)
    buf[0].copy_(x * x)
    buf[1] = x.sigmoid()
    buf.clamp_(max=5.0)
    (g,) = lib.autograd.grad((buf * buf).sum(), x, create_graph=True)
    (g * g).sum().backward()
    return {"g": arr(g), "x": arr(x.grad)}


@scenario
def detach_version_follows_writes_in_a_graph(lib):
    x = leaf(lib, X)
    y = x * 1
    d = y.detach()
    y.mul_(2)
    y[0] = 1.0
    return {"d": arr(d), "v": np.array(d._version), "vy": np.array(y._version)}



@scenario
def view_scaled_by_another_view_of_the_same_base(lib):
    x = leaf(lib, X)
    y = x * 1
    y[0:2].mul_(y[2:4])
    y.sum().backward()
    return {}


@scenario
def view_copied_from_another_view_of_the_same_base(lib):
    x = leaf(lib, X)
    y = x * 1
    y[2:4].copy_(y[0:2])
    y[0:2] += y[2:4]
    (y * y).sum().backward()
    return {"x": arr(x.grad), "y": arr(y)}


@scenario
def in_place_ops_return_self(lib):
    x = leaf(lib, X)
    y = x * 1
    same = [y.add_(1) is y, y.mul_(2) is y, y.relu_() is y, y.clamp_(max=9) is y,
            y.copy_(x) is y, y.zero_() is y]
    z = y
    z += 1
    return {"same": np.array([float(b) for b in same + [z is y]])}


@scenario
def retained_grad_after_a_view_change(lib):
    x = leaf(lib, X)
    y = x * 2
    y.retain_grad()
    y[0:2].mul_(3)
    (y * y).sum().backward()
    return {"x": arr(x.grad), "y": arr(y.grad)}


@scenario
def expanded_non_leaf_changed_in_place(lib):
    x = leaf(lib, X)
    (x * 1).expand(2, 4).mul_(2)
    return {}


@scenario
def loss_with_iadd_regulariser(lib):
    w, x = leaf(lib, W), const(lib, V)
    loss = ((w @ x) ** 2).mean()
    loss += 0.01 * (w * w).sum()
    loss *= 0.5
    loss.backward()
    return {"w": arr(w.grad), "loss": arr(loss)}


@scenario
def losses_accumulated_into_a_zero_tensor(lib):
    w = leaf(lib, W)
    total = lib.zeros((), dtype=lib.float64)
    for i in range(3):
        total += (w[i] * w[i]).sum() * (i + 1)
    total /= 3
    total.backward()
    return {"w": arr(w.grad), "leaf": flag(total.is_leaf)}


@scenario
def rows_changed_while_iterating(lib):
    x, s = leaf(lib, W), leaf(lib, X[:3])
    y = x * 1
    for i, row in enumerate(y):
        row.mul_(s[i])
    (y * y).sum().backward()
    return {"x": arr(x.grad)}


@scenario
def rows_of_a_leaf_changed_while_iterating(lib):
    w = leaf(lib, W)
    for row in w:
        row.mul_(2)
    return {}


@scenario
def rows_changed_while_iterating_under_no_grad(lib):
    w = leaf(lib, W)
    y = (w * w).sum()
    with lib.no_grad():
        for row in w:
            row.mul_(2)
    y.backward()
    return {}


@scenario
def rows_of_a_constant_changed_while_iterating(lib):
    c = lib.tensor(W, dtype=lib.float64)
    for row in c:
        row.add_(1)
    return {"c": arr(c)}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_like_torch(name):
    check_like_torch(SCENARIOS[name], torch)


@pytest.mark.parametrize("name", ["exp_", "log_", "sqrt_", "tanh_", "sigmoid_", "sin_", "erf_"])
def test_float_op_in_place_on_integers_raises_torchs_error(name):
    with pytest.raises(RuntimeError) as want:
        getattr(torch.tensor([1, 2]), name)()
    with pytest.raises(RuntimeError) as got:
        getattr(mg.tensor([1, 2]), name)()
    assert str(got.value) == str(want.value)
