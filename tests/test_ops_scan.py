"""The ops of ``minigrad.ops.scan`` side by side with PyTorch: prod, cumsum, cumprod,
logcumsumexp, cummax/cummin and flip: values, result dtypes (float, integer and bool inputs),
first and second order gradients at 1e-10 (zeros for prod/cumprod, ties for cummax/cummin,
negative dims, keepdim, 0-d inputs), Tensor methods, the in-place ``cumsum_``/``cumprod_``."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from torch_side_by_side import check_close, pair

import minigrad as mg

torch = pytest.importorskip("torch", reason="PyTorch is the specification these tests compare to")
_check = functools.partial(check_close, torch)  # got, expected, rtol
_pair = functools.partial(pair, torch)  # data, dtype name, requires_grad

RTOL = {"float16": 2e-3, "float32": 2e-6, "float64": 1e-12}

# name -> fn(lib, x): the same call on either library
CALLS = {
    "prod": lambda L, x: L.prod(x),
    "prod_dim": lambda L, x: L.prod(x, 1),
    "prod_neg_keepdim": lambda L, x: L.prod(x, -2, keepdim=True),
    "prod_method": lambda L, x: x.prod(-1, True),
    "cumsum": lambda L, x: L.cumsum(x, 1),
    "cumsum_neg": lambda L, x: x.cumsum(-2),
    "cumprod": lambda L, x: L.cumprod(x, 1),
    "cumprod_neg": lambda L, x: x.cumprod(dim=-2),
    "logcumsumexp": lambda L, x: L.logcumsumexp(x, 1),
    "logcumsumexp_neg": lambda L, x: x.logcumsumexp(-2),
    "cummax": lambda L, x: L.cummax(x, 1).values,
    "cummax_neg": lambda L, x: x.cummax(-2)[0],
    "cummin": lambda L, x: L.cummin(x, 1).values,
    "cummin_neg": lambda L, x: x.cummin(-2)[0],
    "flip": lambda L, x: L.flip(x, (0, -1)),
    "flip_method": lambda L, x: x.flip(1),
}

DATA = {
    "random": np.random.default_rng(0).uniform(-2, 2, (3, 4)),
    "one_zero": np.array([[1.5, 0.0, -2.0, 0.7], [0.0, 1.1, 1.3, -0.9], [0.6, -1.2, 1.4, 0.0]]),
    "two_zeros": np.array([[0.0, 0.0, -2.0, 0.7], [1.2, 0.0, 1.3, 0.0], [0.6, -1.2, 1.4, 1.8]]),
    "ties": np.array([[1.0, 3.0, 3.0, 2.0], [2.0, 2.0, 1.0, 1.0], [-1.0, -1.0, -1.0, 4.0]]),
}






def _grads(lib, fn, a, v):
    x = lib.tensor(a, dtype=lib.float64, requires_grad=True)
    out = fn(lib, x)
    (g,) = lib.autograd.grad(out, x, lib.tensor(v, dtype=lib.float64), create_graph=True)
    w = lib.tensor(np.cos(np.arange(a.size)).reshape(a.shape), dtype=lib.float64)
    gg = lib.autograd.grad((g * w).sum(), x, allow_unused=True)[0] if g.requires_grad else None
    return (np.array(out.tolist()), np.array(g.tolist()),
            np.zeros_like(a) if gg is None else np.array(gg.tolist()))


@pytest.mark.parametrize("data", sorted(DATA))
@pytest.mark.parametrize("name", sorted(CALLS))
def test_values_and_first_and_second_order_gradients(name, data):
    """Against torch at 1e-10: zeros in prod/cumprod, ties in cummax/cummin included."""
    a = DATA[data]
    fn = CALLS[name]
    v = np.random.default_rng(2).standard_normal(np.shape(torch_out := fn(torch, torch.tensor(a))))
    del torch_out
    got, want = _grads(mg, fn, a, v), _grads(torch, fn, a, v)
    for x, y, what in zip(got, want, ("value", "first order", "second order")):
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12, err_msg=what)


@pytest.mark.parametrize("name", ["prod", "cumsum", "cumprod", "logcumsumexp", "cummax",
                                  "cummin"])
def test_zero_dim_inputs(name):
    def fn(L, x):
        r = getattr(L, name)(x) if name == "prod" else getattr(L, name)(x, -1)
        return r[0] if isinstance(r, tuple) else r

    for a in (np.array(0.7), np.array(0.0)):
        got, want = _grads(mg, fn, a, np.array(1.3)), _grads(torch, fn, a, np.array(1.3))
        for x, y in zip(got, want):
            np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12)
    m, t = _pair(0.7, "float64")
    _check(mg.prod(m, 0, keepdim=True), torch.prod(t, 0, keepdim=True), 0)
    i, j = mg.cummax(m, 0).indices, torch.cummax(t, 0).indices
    assert i.shape == tuple(j.shape) == () and i.item() == j.item()


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("name", sorted(CALLS))
def test_float_dtypes(name, dtype):
    a = DATA["random"] if "cumprod" not in name and "prod" not in name else DATA["random"] / 2
    m, t = _pair(a, dtype)
    _check(CALLS[name](mg, m), CALLS[name](torch, t), RTOL[dtype])


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
@pytest.mark.parametrize("name", ["prod", "prod_dim", "cumsum", "cumprod", "cummax", "cummin",
                                  "flip", "logcumsumexp"])
def test_integer_and_bool_inputs(name, dtype):
    """prod/cumsum/cumprod of integers and bool give int64; cummax/flip keep the dtype;
    logcumsumexp refuses them with torch's words."""
    a = np.array([[0, 1, 2, 3], [3, 1, 1, 2], [2, 2, 0, 1]]).astype(dtype)
    m, t = _pair(a, dtype)
    try:
        expected = CALLS[name](torch, t)
    except NotImplementedError as e:
        with pytest.raises(NotImplementedError) as got:
            CALLS[name](mg, m)
        assert str(got.value) == str(e)
        return
    _check(CALLS[name](mg, m), expected, 0)


def test_dtype_argument():
    a = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int32)
    m, t = _pair(a, "int32")
    for kw in ("float64", "int16", "float32"):
        _check(mg.cumsum(m, 1, dtype=getattr(mg, kw)), torch.cumsum(t, 1, dtype=getattr(torch, kw)),
               0)
        _check(mg.cumprod(m, 0, dtype=getattr(mg, kw)),
               torch.cumprod(t, 0, dtype=getattr(torch, kw)), 0)
        _check(mg.prod(m, 1, dtype=getattr(mg, kw)), torch.prod(t, 1, dtype=getattr(torch, kw)), 0)
        _check(m.prod(dtype=getattr(mg, kw)), t.prod(dtype=getattr(torch, kw)), 0)


def test_cummax_cummin_indices_ties_and_nan_as_torch():
    a = np.array([1.0, 3.0, 3.0, 2.0, np.nan, 5.0, np.nan, 1.0])
    for lib_fn in ("cummax", "cummin"):
        m, t = _pair(a, "float64")
        got, want = getattr(mg, lib_fn)(m, 0), getattr(torch, lib_fn)(t, 0)
        assert type(got).__name__ == lib_fn and got._fields == ("values", "indices")
        _check(got.values, want.values, 0)
        _check(got.indices, want.indices, 0)
        b = DATA["ties"]
        for d in (0, 1, -1):
            _check(getattr(mg, lib_fn)(mg.tensor(b), d).indices,
                   getattr(torch, lib_fn)(torch.tensor(b), d).indices, 0)
    m, t = _pair(np.array([[1, 1, 0, 1], [0, 2, 2, 1]]), "int64")
    _check(mg.cummax(m, 1).indices, torch.cummax(t, 1).indices, 0)
    _check(mg.cummin(m, 1).values, torch.cummin(t, 1).values, 0)


def test_prod_gradient_with_exactly_one_zero_is_the_product_of_the_others():
    x = mg.tensor([2.0, 0.0, 3.0, -1.5], dtype=mg.float64, requires_grad=True)
    x.prod().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, -9.0, 0.0, 0.0])
    x = mg.tensor([2.0, 0.0, 3.0, 0.0], dtype=mg.float64, requires_grad=True)
    x.prod().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0, 0.0])


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_inplace_values_and_gradient_through_it(name):
    a = DATA["one_zero"]
    m, t = _pair(a, "float64")
    assert getattr(m, name + "_")(1) is m
    getattr(t, name + "_")(1)
    _check(m, t, 1e-12)
    assert m._version == 1
    v = np.random.default_rng(5).standard_normal(a.shape)

    def fn(L, x):
        return getattr(x * 1, name + "_")(-1)

    for x, y in zip(_grads(mg, fn, a, v), _grads(torch, fn, a, v)):
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12)
    for dtype in ("int32", "bool"):  # integers keep their dtype; bool and dtype= mismatches raise
        m, t = _pair(np.array([1, 0, 3]).astype(dtype), dtype)
        for kw in ({}, {"dtype": mg.int64}):
            try:
                getattr(t, name + "_")(0, **{k: torch.int64 for k in kw})
            except (RuntimeError, NotImplementedError) as e:
                with pytest.raises(type(e)) as got:
                    getattr(m, name + "_")(0, **kw)
                assert str(got.value) == str(e)
                continue
            getattr(m, name + "_")(0, **kw)
            _check(m, t, 0)


def test_modified_saved_output_is_caught():
    """cumprod's rule reads its output: changing it after the forward fails backward, as torch;
    cumsum's reads nothing, so the same change is fine."""
    for lib in (mg, torch):
        x = lib.tensor([0.5, 1.0, 2.0], dtype=lib.float64, requires_grad=True)
        y = lib.cumprod(x, 0)
        y.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
        x = lib.tensor([0.5, 1.0, 2.0], dtype=lib.float64, requires_grad=True)
        y = lib.cumsum(x, 0)
        y.mul_(2)
        y.sum().backward()
        np.testing.assert_array_equal(np.array(x.grad.tolist()), [6.0, 4.0, 2.0])


def test_errors_as_torch():
    m, t = _pair(DATA["random"], "float64")
    for call in (lambda L, x: L.cumsum(x, 2), lambda L, x: L.prod(x, -3),
                 lambda L, x: L.cummax(x, 5)):
        with pytest.raises(IndexError):
            call(torch, t)
        with pytest.raises(IndexError):
            call(mg, m)


def test_logcumsumexp_is_stable_for_large_values():
    a = np.array([[1000.0, 1000.0, -1000.0], [-800.0, -790.0, 5.0]])
    m, t = _pair(a, "float64")
    _check(mg.logcumsumexp(m, 1), torch.logcumsumexp(t, 1), 1e-12)
    fn = CALLS["logcumsumexp"]
    for x, y in zip(_grads(mg, fn, a, np.ones_like(a)), _grads(torch, fn, a, np.ones_like(a))):
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12)


SPREAD = {
    "var_dim_unbiased": lambda L, x: L.var(x, 0, True),
    "std_method_positional": lambda L, x: x.std(1, False, True),
    "var_bool_first": lambda L, x: L.var(x, False),
    "var_float_correction": lambda L, x: L.var(x, dim=1, correction=0.5, keepdim=True),
    "std_float_correction": lambda L, x: x.std(correction=1.5),
    "var_mean": lambda L, x: L.var_mean(x, 0, True),
    "var_mean_correction": lambda L, x: L.var_mean(x, dim=(0, 1), correction=2, keepdim=True),
    "std_mean": lambda L, x: L.std_mean(x, 1, False, True),
    "std_mean_all": lambda L, x: L.std_mean(x),
    "aminmax": lambda L, x: L.aminmax(x),
    "aminmax_dim": lambda L, x: L.aminmax(x, dim=1),
    "aminmax_neg_keepdim": lambda L, x: x.aminmax(dim=-2, keepdim=True),
}


def _joined(fn):
    """A tuple-returning call as one tensor, weighted so each part's gradient counts."""
    def joined(L, x):
        r = fn(L, x)
        if not isinstance(r, tuple):
            return r
        return r[0] * 1.5 + r[1] * -0.7

    return joined


@pytest.mark.parametrize("data", ["random", "ties"])
@pytest.mark.parametrize("name", sorted(SPREAD))
def test_spread_and_aminmax_values_and_gradients(name, data):
    a = DATA[data]
    fn = SPREAD[name]
    m, t = _pair(a, "float64")
    got, want = fn(mg, m), fn(torch, t)
    assert type(got).__name__ == type(want).__name__.split(".")[-1] or isinstance(want, tuple)
    for x, y in zip(got if isinstance(got, tuple) else (got,),
                    want if isinstance(want, tuple) else (want,)):
        _check(x, y, 1e-12)
    if name.startswith("aminmax"):
        assert got._fields == ("min", "max")
    j = _joined(fn)
    v = np.random.default_rng(3).standard_normal(tuple(j(torch, t).shape))
    for x, y in zip(_grads(mg, j, a, v), _grads(torch, j, a, v)):
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "uint8", "bool"])
def test_count_nonzero_all_any_as_torch(dtype):
    a = np.array([[[1, 0, 2], [0, 0, 0]], [[3, 1, 1], [0, 4, 0]]]).astype(dtype)
    m, t = _pair(a, dtype)
    for dim in (None, 0, -1, (0, 2), (0, 1, 2)):
        kw = {} if dim is None else {"dim": dim}
        _check(mg.count_nonzero(m, **kw), torch.count_nonzero(t, **kw), 0)
        _check(m.count_nonzero(**kw), t.count_nonzero(**kw), 0)
        for name in ("all", "any"):
            _check(getattr(mg, name)(m, **kw), getattr(torch, name)(t, **kw), 0)
            if dim is not None:
                _check(getattr(m, name)(dim, True), getattr(t, name)(dim, True), 0)
    z, zt = _pair(0.0, "float64")
    for name in ("all", "any"):
        _check(getattr(mg, name)(z, 0, keepdim=True), getattr(torch, name)(zt, 0, keepdim=True),
               0)
    _check(mg.count_nonzero(z), torch.count_nonzero(zt), 0)


def test_aminmax_zero_dim_and_integers():
    for a, dtype in ((np.array(2.5), "float64"), (np.array([[3, 1], [1, 7]]), "int64")):
        m, t = _pair(a, dtype)
        for kw in ({}, {"dim": 0}, {"dim": -1, "keepdim": True}):
            got, want = mg.aminmax(m, **kw), torch.aminmax(t, **kw)
            _check(got.min, want.min, 0)
            _check(got.max, want.max, 0)


@pytest.mark.parametrize("name", ["prod", "cumprod"])
def test_products_that_underflow_differentiate_exactly(name):
    """Tiny factors whose product underflows to 0 take the exact (no division) rule: the first
    and second derivatives stay right, as in torch."""
    from minigrad.testing import gradgradcheck

    x = mg.tensor([2.4e-228, 3.0e-228, 0.5], dtype=mg.float64, requires_grad=True)
    fn = (lambda t: t.prod()) if name == "prod" else (lambda t: t.cumprod(0))
    gradgradcheck(fn, [x], atol=1e-4, rtol=1e-3)
