"""The Tensor protocol side by side with PyTorch: numel/nelement/element_size/dim/ndimension,
size(d) with negative d and torch's IndexError, mT/mH/H, format() on 0-d and n-d tensors,
tolist, item, int/float/bool/index conversions with torch's errors, softmax/log_softmax
methods, view(dtype) with torch's rules for element-size changes, type_as and new_*."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch", reason="PyTorch is the specification these tests compare to")

_DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]


def _both(data, dtype=None):
    return (mg.tensor(data, dtype=None if dtype is None else getattr(mg, dtype)),
            torch.tensor(data, dtype=None if dtype is None else getattr(torch, dtype)))


def _same(got, want):
    assert str(got.dtype) == str(want.dtype).replace("torch.", ""), (got.dtype, want.dtype)
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_array_equal(np.asarray(got.tolist()), np.asarray(want.tolist()))


def _raises_like(fn):
    with pytest.raises(Exception) as want:
        fn(torch)
    with pytest.raises(type(want.value)) as got:
        fn(mg)
    assert str(got.value) == str(want.value), (str(got.value), str(want.value))


@pytest.mark.parametrize("dtype", _DTYPES)
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 3), (2, 1, 4)])
def test_sizes_and_counts(shape, dtype):
    x, t = _both(np.ones(shape), dtype)
    assert (x.numel(), x.nelement(), x.element_size(), x.dim(), x.ndimension()) == \
        (t.numel(), t.nelement(), t.element_size(), t.dim(), t.ndimension())
    assert tuple(x.size()) == tuple(t.size())
    for d in range(-len(shape) - 1, len(shape) + 1):
        try:
            want = t.size(d)
        except IndexError:
            _raises_like(lambda L, d=d: (x if L is mg else t).size(d))
            continue
        assert x.size(d) == want and x.size(dim=d) == want


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4)])
@pytest.mark.parametrize("attr", ["mT", "mH", "H", "T"])
def test_matrix_transposes(shape, attr):
    a = np.arange(float(np.prod(shape))).reshape(shape)
    x, t = _both(a)
    try:
        want = getattr(t, attr)
    except RuntimeError:
        _raises_like(lambda L: getattr(x if L is mg else t, attr))
        return
    got = getattr(x, attr)
    _same(got, want)
    if x.ndim >= 2:
        assert got._base is x  # a view: writes through it reach x


@pytest.mark.parametrize("spec", [".4f", "", "e", "10.2f", "+.1f"])
def test_format(spec):
    for data, dtype in ((2.5, None), (-1.25, "float64"), (7, None), (True, None)):
        x, t = _both(data, dtype)
        assert format(x, spec) == format(t, spec)
    x, t = _both(3, "int32")
    assert format(x, "05d") == format(t, "05d") and f"{x:>4}" == f"{t:>4}"
    for data in ([1.0, 2.0], [[1.0]]):
        x, t = _both(data)
        if spec:
            _raises_like(lambda L, x=x, t=t: format(x if L is mg else t, spec))
        else:
            assert format(x, spec) == str(x)


@pytest.mark.parametrize("data", [2.5, [2.5], [[3]], 7, [True], [], [1.0, 2.0], [[1, 2], [3, 4]],
                                  True])
def test_conversions_as_torch(data):
    """item, int, float, bool, index and tolist: the same values or the same errors."""
    x, t = _both(data)
    assert x.tolist() == t.tolist()
    for conv in (lambda v: v.item(), int, float, bool, lambda v: [10, 11, 12, 13][v],
                 lambda v: range(10)[v:]):
        try:
            want = conv(t)
        except Exception:  # noqa: BLE001  (the error is compared below)
            _raises_like(lambda L, conv=conv: conv(x if L is mg else t))
            continue
        got = conv(x)
        assert got == want and type(got) is type(want)


def test_index_refuses_floats_as_torch():
    _raises_like(lambda L: [0, 1, 2][L.tensor(1.0)])
    _raises_like(lambda L: [0, 1, 2][L.tensor([1, 2])])
    assert [0, 1, 2][mg.tensor(True)] == 1 and [0, 1, 2][mg.tensor([2])] == 2


@pytest.mark.parametrize("dtype", [None, "float64"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_methods(dim, dtype):
    a = np.random.default_rng(0).normal(size=(3, 4))
    x = mg.tensor(a, dtype=mg.float32, requires_grad=True)
    t = torch.tensor(a, dtype=torch.float32, requires_grad=True)
    kw = {} if dtype is None else {"dtype": getattr(mg, dtype)}
    tkw = {} if dtype is None else {"dtype": getattr(torch, dtype)}
    for name in ("softmax", "log_softmax"):
        got, want = getattr(x, name)(dim, **kw), getattr(t, name)(dim, **tkw)
        assert str(got.dtype) == str(want.dtype)[6:]
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-6)
        v = np.cos(np.arange(12.0)).reshape(3, 4)
        (g,) = mg.autograd.grad(got, x, mg.tensor(v, dtype=got.dtype))
        (tg,) = torch.autograd.grad(want, t, torch.tensor(v, dtype=want.dtype))
        np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-5, atol=1e-7)
    assert x.softmax(dim=1).shape == (3, 4)


@pytest.mark.parametrize("target", _DTYPES)
@pytest.mark.parametrize("source", _DTYPES)
def test_view_dtype_as_torch(source, target):
    """The same bits in the new dtype, torch's shapes, and torch's errors for size changes."""
    a = (np.arange(24).reshape(2, 12) % 7) * (source != "bool") + (source == "bool")
    x, t = _both(a, source)
    cases = [lambda L, v: v, lambda L, v: v[:, 4:8], lambda L, v: v[:, 1:3], lambda L, v: v.T,
             lambda L, v: v[0, 0], lambda L, v: v[:, :1], lambda L, v: v[:, 2:3]]
    for case in cases:
        tv, xv = case(torch, t), case(mg, x)
        try:
            want = tv.view(getattr(torch, target))
        except RuntimeError:
            _raises_like(lambda L, xv=xv, tv=tv: (xv if L is mg else tv).view(
                getattr(L, target)))
            continue
        got = xv.view(getattr(mg, target))
        assert str(got.dtype) == str(want.dtype)[6:] and tuple(got.shape) == tuple(want.shape)
        np.testing.assert_array_equal(np.ascontiguousarray(got.numpy()).view(np.uint8),
                                      np.ascontiguousarray(want.numpy()).view(np.uint8))


def test_view_dtype_shares_memory_and_version():
    x = mg.zeros(4)
    v = x.view(mg.int32)
    v[0] = 1065353216  # the bits of 1.0f
    assert x.tolist()[0] == 1.0 and x._version == v._version == 1
    assert x.view(2, 2).shape == (2, 2) and x.view((4, 1)).shape == (4, 1)
    assert x.view(-1).shape == (4,)
    assert not mg.ones(2, requires_grad=True).view(mg.int32).requires_grad


def test_type_as_and_new_factories():
    for src in ("float32", "float64", "int64", "int32"):
        x, t = _both(np.ones((2, 3)), src)
        for other in ("int64", "float64", "float32", src):
            o, to = _both([1], other)
            _same(x.type_as(o), t.type_as(to))
        assert x.type_as(x) is x
        calls = [
            lambda v, L: v.new_zeros(2),
            lambda v, L: v.new_zeros((2, 3), dtype=L.int64),
            lambda v, L: v.new_ones(2, 2),
            lambda v, L: v.new_ones([3], dtype=L.float64, device="cpu"),
            lambda v, L: v.new_full((2,), 3),
            lambda v, L: v.new_full((2, 1), 3.7),
            lambda v, L: v.new_full((2,), True, dtype=L.bool),
            lambda v, L: v.new_tensor([1, 2]),
            lambda v, L: v.new_tensor([1.5, -2.5], dtype=L.float64),
            lambda v, L: v.new_tensor(v),
        ]
        for call in calls:
            _same(call(x, mg), call(t, torch))
        e, te = x.new_empty(3, 2), t.new_empty(3, 2)
        assert e.shape == tuple(te.shape) and str(e.dtype) == str(te.dtype)[6:]
    f = mg.ones(2, dtype=mg.float64)
    assert f.new_ones(2, requires_grad=True).requires_grad
    copy = f.new_tensor(f)
    copy[0] = 5.0
    assert f.tolist() == [1.0, 1.0]  # a copy, as torch's
    _raises_like(lambda L: L.ones(2).new_full(2, 3))
    _raises_like(lambda L: L.ones(2, dtype=L.int64).new_zeros(2, requires_grad=True))
