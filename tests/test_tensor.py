"""The Tensor's surface: creation, dtypes, conversion, repr, in-place rules, interop, seeding."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


def test_default_dtypes_follow_pytorch():
    assert mg.tensor([1.0, 2.0]).dtype == np.float32
    assert mg.tensor([1, 2]).dtype == np.int64
    assert mg.tensor([True]).dtype == np.bool_
    assert mg.tensor(np.zeros(2)).dtype == np.float64  # NumPy arrays keep their dtype
    assert mg.tensor([1.0], dtype=mg.float64).dtype == np.float64
    for make in (mg.zeros, mg.ones, mg.randn, mg.rand, mg.empty):
        assert make(2, 3).dtype == np.float32
        assert make((2, 3)).shape == (2, 3)
    assert mg.arange(5).dtype == np.int64 and mg.arange(0.0, 1.0, 0.25).dtype == np.float32
    assert mg.full((2,), 1.5).dtype == np.float32
    assert mg.eye(3)._data.trace() == 3


def test_scalars_take_the_tensor_dtype():
    x = mg.ones(3)
    for s in (2.0, 2, np.float64(2.0), np.int64(2)):
        assert (x * s).dtype == np.float32, s
        assert (s * x).dtype == np.float32, s
        assert (x / s).dtype == np.float32, s
    assert (mg.tensor([1, 2]) * 2).dtype == np.int64
    assert (mg.tensor([1, 2]) * 0.5).dtype == np.float32


def test_ndarray_op_tensor_reaches_the_tensor():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    for y in (np.ones(2) + x, np.ones(2) * x, np.ones(2) - x, np.ones(2) / x,
              np.ones((2, 2), np.float32) @ x, np.exp(x), np.float64(3.0) * x):
        assert isinstance(y, mg.Tensor) and y.requires_grad
    (np.ones(2) * x).sum().backward()
    np.testing.assert_array_equal(x.grad._data, [1.0, 1.0])
    assert isinstance(np.ones(2) > mg.tensor([0.0, 2.0]), mg.Tensor)


def test_conversions():
    x = mg.tensor([[1.0, 2.0]])
    assert x.numpy() is x._data
    assert x.tolist() == [[1.0, 2.0]]
    assert mg.tensor(3.5).item() == 3.5 and float(mg.tensor(2.0)) == 2.0
    with pytest.raises(RuntimeError, match="2 elements"):  # torch raises RuntimeError
        x.item()
    with pytest.raises(RuntimeError, match="requires grad"):
        mg.ones(2, requires_grad=True).numpy()
    assert np.asarray(x).shape == (1, 2)
    a = np.arange(3.0)
    t = mg.from_numpy(a)
    a[0] = 10
    assert t._data[0] == 10 and t.dtype == np.float64
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(mg.ones(2))


def test_attributes():
    x = mg.randn(2, 3, requires_grad=True)
    y = x * 2
    assert x.is_leaf and not y.is_leaf
    assert y.grad_fn is not None and x.grad_fn is None
    assert x.shape == (2, 3) and x.ndim == 2 and x.size() == (2, 3) and x.size(1) == 3
    assert x.numel() == 6 and len(x) == 2 and x.T.shape == (3, 2)
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and np.shares_memory(d._data, y._data)


def test_repr_is_readable():
    assert repr(mg.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(mg.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    assert "grad_fn=<MulBackward>" in repr(mg.tensor([1.0], requires_grad=True) * 2)
    assert "dtype=minigrad.float64" in repr(mg.tensor([1.0], dtype=mg.float64))


def test_inplace_ops_only_outside_the_graph():
    p = mg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        p.zero_()
    with pytest.raises(RuntimeError, match="in-place"):
        p[0] = 5.0
    with mg.no_grad():
        p.zero_()
        p.fill_(2.0)
        p.add_(mg.ones(3), alpha=0.5)
        p.mul_(2)
        p[1] = 0.0
        p.copy_(np.array([1.0, 2.0, 3.0]) * p._data)
    np.testing.assert_array_equal(p._data, [5.0, 0.0, 15.0])
    assert p.requires_grad and p.is_leaf
    with pytest.raises(RuntimeError, match="must match the size"):
        with mg.no_grad():
            p.copy_(np.ones(4))


def test_requires_grad_flags():
    x = mg.ones(2)
    assert x.requires_grad_() is x and x.requires_grad
    y = x * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)
    with pytest.raises(RuntimeError, match="requires_grad=False"):
        mg.ones(2).retain_grad()


def test_manual_seed_makes_draws_repeatable_without_global_numpy():
    mg.manual_seed(123)
    a = mg.randn(5)._data.copy()
    state = np.random.get_state()
    mg.manual_seed(123)
    b = mg.randn(5)._data.copy()
    np.testing.assert_array_equal(a, b)
    assert np.array_equal(np.random.get_state()[1], state[1])  # global NumPy RNG untouched
    g = mg.Generator().manual_seed(7)
    c = mg.rand(3, generator=g)._data
    g.manual_seed(7)
    np.testing.assert_array_equal(c, mg.rand(3, generator=g)._data)
    assert not np.array_equal(a, mg.randn(5)._data)


def test_shape_methods():
    x = mg.arange(24.0).reshape(2, 3, 4)
    assert x.view(6, 4).shape == (6, 4)
    assert x.reshape(-1).shape == (24,)
    assert x.flatten(1).shape == (2, 12)
    assert x.transpose(0, 2).shape == (4, 3, 2)
    assert x.permute(2, 0, 1).shape == (4, 2, 3)
    assert x[:, None].shape == (2, 1, 3, 4)
    assert x.unsqueeze(0).squeeze(0).shape == (2, 3, 4)
    assert mg.ones(3, 1).expand(3, 4).shape == (3, 4)
    assert mg.cat([x, x], dim=1).shape == (2, 6, 4)
    assert mg.stack([x, x], dim=-1).shape == (2, 3, 4, 2)
    with pytest.raises(RuntimeError, match="invalid for input of size 24"):
        x.reshape(5, 5)
    with pytest.raises(RuntimeError, match="sizes of tensors must match"):
        mg.cat([mg.ones(2, 3), mg.ones(3, 2)], dim=0)
    with pytest.raises(IndexError, match="out of range"):
        x.sum(dim=3)


def test_reductions_match_numpy():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4))
    x = mg.tensor(a)
    np.testing.assert_allclose(x.sum(1, keepdim=True)._data, a.sum(1, keepdims=True))
    np.testing.assert_allclose(x.mean((0, 1))._data, a.mean())
    np.testing.assert_allclose(x.var(0)._data, a.var(0, ddof=1))
    np.testing.assert_allclose(x.std(1, correction=0)._data, a.std(1))
    np.testing.assert_allclose(x.logsumexp(1)._data, np.log(np.exp(a).sum(1)))
    values, indices = x.max(1)
    np.testing.assert_array_equal(values._data, a.max(1))
    np.testing.assert_array_equal(indices._data, a.argmax(1))
    assert x.max().item() == a.max() and x.amin(0).shape == (4,)
    big = mg.tensor([1e4, -1e4, 0.0])
    assert np.isfinite(big.logsumexp(0).item())


def test_comparisons_have_no_gradient():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    m = x > 1.5
    assert m.dtype == np.bool_ and not m.requires_grad
    np.testing.assert_array_equal(mg.where(m, x, 0.0)._data, [0.0, 2.0])
    assert hash(x) != hash(mg.tensor([1.0, 2.0]))


def test_iteration_and_indexing():
    x = mg.arange(6).reshape(2, 3)
    rows = list(x)
    assert len(rows) == 2 and rows[1].tolist() == [3, 4, 5]
    assert x[mg.tensor([1, 0])].tolist() == [[3, 4, 5], [0, 1, 2]]
    with pytest.raises(IndexError, match="invalid"):
        x[5]
    with pytest.raises(IndexError, match="integer or bool"):
        x[mg.tensor([0.5])]
