"""The engine's behaviour: accumulation, graph shapes, memory, grad modes, higher order, errors."""

from __future__ import annotations

import gc
import sys
import warnings
import weakref

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import grad


def leaf(a, dtype=mg.float64):
    return mg.tensor(a, dtype=dtype, requires_grad=True)


def test_reused_input_accumulates():
    a = leaf([1.0, -2.0])
    (a + a).sum().backward()
    np.testing.assert_array_equal(a.grad._data, [2.0, 2.0])


def test_diamond_graph():
    x = leaf(3.0)
    y = x * 2
    z = y * y + y.exp()  # both branches of y meet again
    z.backward()
    expected = 2 * (2 * 2 * 3.0) + 2 * np.exp(6.0)
    assert np.isclose(x.grad.item(), expected)


def test_gradients_never_alias():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()  # the add rule hands the same array to both inputs
    assert not np.shares_memory(a.grad._data, b.grad._data)
    upstream = np.ones(2)
    c = leaf([1.0, 2.0])
    c.backward(upstream)
    assert not np.shares_memory(c.grad._data, upstream)


def test_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad._data, [6.0, 6.0])


def test_deep_chain_of_100k_ops():
    x = leaf(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0
    assert sys.getrecursionlimit() < 100_000


def test_graph_is_freed_when_the_loss_is_dropped():
    gc.disable()
    try:
        x = leaf(np.ones(3))
        h = x * 2
        ref = weakref.ref(h)
        loss = (h * h).sum()
        del h
        assert ref() is not None  # still held by the graph
        loss.backward()
        del loss
        assert ref() is None  # freed by reference counting alone: no cycles
    finally:
        gc.enable()


def test_graph_freed_without_backward():
    gc.disable()
    try:
        x = leaf(np.ones(3))
        h = x.exp()
        ref = weakref.ref(h)
        loss = h.sum()
        del h, loss
        assert ref() is None
    finally:
        gc.enable()


def test_second_backward_through_freed_graph_raises():
    x = leaf(2.0)
    y = (x * x).exp()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = leaf(2.0)
    y = x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == 8.0


def test_sigmoid_is_stable_at_extremes():
    x = leaf([-1000.0, 1000.0], dtype=mg.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = x.sigmoid()
        y.sum().backward()
    np.testing.assert_array_equal(y._data, [0.0, 1.0])
    assert np.all(np.isfinite(x.grad._data))


@pytest.mark.parametrize("bshape", [(4,), (3, 1), ()])
def test_broadcasting_gradient_shapes(bshape):
    a = leaf(np.arange(12.0).reshape(3, 4))
    b = leaf(np.ones(bshape) * 2)
    (a * b).sum().backward()
    assert b.grad.shape == bshape
    expected = (np.arange(12.0).reshape(3, 4)).sum(axis=tuple(
        i for i in range(2) if (len(bshape) < 2 - i) or (bshape[i - (2 - len(bshape))] == 1)))
    np.testing.assert_allclose(b.grad._data, np.reshape(expected, bshape))
    np.testing.assert_allclose(a.grad._data, np.broadcast_to(b._data, (3, 4)))


def test_mismatched_shapes_name_both_shapes():
    with pytest.raises(ValueError, match=r"add: .*\(3,\), \(4,\)"):
        mg.ones(3) + mg.ones(4)
    with pytest.raises(RuntimeError, match=r"\(2x3 and 4x5\)"):  # torch's words
        mg.ones(2, 3) @ mg.ones(4, 5)


def test_backward_on_non_scalar_needs_gradient():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="scalar outputs"):
        (x * 2).backward()


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        mg.tensor([1, 2, 3], requires_grad=True)


def test_backward_of_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.tensor(1.0).backward()


def test_no_grad_restores_after_exception():
    assert mg.is_grad_enabled()
    with pytest.raises(ZeroDivisionError):
        with mg.no_grad():
            assert not mg.is_grad_enabled()
            raise ZeroDivisionError
    assert mg.is_grad_enabled()
    with mg.no_grad():
        with mg.enable_grad():
            assert mg.is_grad_enabled()
        assert not mg.is_grad_enabled()


def test_no_grad_as_decorator_and_set_grad_enabled():
    @mg.no_grad()
    def f(x):
        return x * 2

    assert not f(leaf(1.0)).requires_grad
    with mg.set_grad_enabled(False):
        assert not (leaf(1.0) * 2).requires_grad
    assert mg.is_grad_enabled()
    mg.set_grad_enabled(False)
    assert not mg.is_grad_enabled()
    mg.set_grad_enabled(True)
    assert mg.is_grad_enabled()


def test_autograd_grad_does_not_touch_leaf_grads():
    x = leaf([1.0, 2.0])
    (g,) = grad((x ** 3).sum(), x)
    np.testing.assert_allclose(g._data, 3 * np.array([1.0, 2.0]) ** 2)
    assert x.grad is None


def test_autograd_grad_allow_unused():
    x, y = leaf(1.0), leaf(2.0)
    with pytest.raises(RuntimeError, match="not have been used"):
        grad(x * 2, [x, y])
    gx, gy = grad(x * 2, [x, y], allow_unused=True)
    assert gx.item() == 2.0 and gy is None


def test_intermediate_grads_are_not_kept_unless_retained():
    x = leaf(2.0)
    h = x * 3
    k = x * 4
    k.retain_grad()
    (h * k).backward()
    assert h.grad is None
    assert k.grad.item() == 6.0


def test_second_derivative_of_quartic():
    x = leaf(2.0)
    f = x ** 4 - 2 * x ** 2
    (g,) = grad(f, x, create_graph=True)
    (h,) = grad(g, x)
    assert g.item() == 24.0
    assert h.item() == 44.0


def test_hessian_vector_product():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((4, 4))
    A = A + A.T
    x = leaf(rng.standard_normal(4))
    v = mg.tensor(rng.standard_normal(4), dtype=mg.float64)
    f = 0.5 * (x @ (mg.tensor(A) @ x))
    (g,) = grad(f, x, create_graph=True)
    (hv,) = grad((g * v).sum(), x)
    np.testing.assert_allclose(hv._data, A @ v._data, rtol=1e-12)


def test_newton_steps_on_a_scalar_function():
    x = leaf(3.0)
    for _ in range(8):  # minimise f(x) = x^4/4 - x: root of f' = x^3 - 1 at x = 1
        f = x ** 4 / 4 - x
        (g,) = grad(f, x, create_graph=True)
        (h,) = grad(g, x)
        with mg.no_grad():
            x.sub_(g.detach() / h)
    assert abs(x.item() - 1.0) < 1e-10


def test_backward_create_graph_gives_differentiable_grad():
    x = leaf(1.5)
    y = x.exp() * x
    y.backward(create_graph=True)
    gx = x.grad
    assert gx.requires_grad
    (g2,) = grad(gx, x)
    assert np.isclose(g2.item(), np.exp(1.5) * (2 + 1.5))


def test_float32_stays_float32_through_gradients():
    x = leaf(np.ones((2, 3)), dtype=mg.float32)
    y = ((x * 2.5 + np.float64(1.0)) ** 2 / 3).mean()
    y.backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32


def test_gradient_argument_shape_is_checked():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="shape"):
        (x * 2).backward(mg.ones(3, dtype=mg.float64))


def test_repeated_index_gradient_scatter_adds():
    x = leaf(np.arange(4.0))
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad._data, [3.0, 0.0, 1.0, 0.0])


def test_boolean_mask_gradient():
    x = leaf(np.arange(4.0))
    (x[x._data > 1] * 2).sum().backward()
    np.testing.assert_array_equal(x.grad._data, [0.0, 0.0, 2.0, 2.0])


def test_inplace_change_of_a_saved_tensor_is_caught_at_backward():
    x = leaf([1.0, 2.0])
    c = mg.tensor([3.0, 4.0], dtype=mg.float64)
    y = (x * c).sum()
    c[0] = 10.0  # the product's gradient needs the old c
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()
    w = leaf([1.0])
    z = (w * 2).sum()
    with mg.no_grad():
        w.add_(1.0)  # no rule reads w (the product's rule for w reads the constant): fine
    z.backward()
    np.testing.assert_array_equal(w.grad.numpy(), [2.0])
    z = (w * w).sum()
    with mg.no_grad():
        w.add_(1.0)
    with pytest.raises(RuntimeError, match="is at version 2; expected version 1"):
        z.backward()


def test_leaf_gradients_never_alias_each_other_or_graph_arrays():
    w = leaf(np.ones((2, 3)))
    b = leaf(np.zeros(3))
    c = leaf(np.zeros(3))
    x = mg.tensor(np.arange(6.0).reshape(2, 3))
    y = (x * w + b + c).reshape(6)  # add hands one array to b and c; reshape makes a view
    y.backward(mg.tensor(np.arange(6.0)))
    arrays = [w.grad._data, b.grad._data, c.grad._data, x._data]
    for i, a in enumerate(arrays):
        for other in arrays[i + 1:]:
            assert not np.shares_memory(a, other)
    w.grad._data[...] = 0  # writing one gradient leaves the others alone
    np.testing.assert_array_equal(b.grad._data, [3.0, 5.0, 7.0])
