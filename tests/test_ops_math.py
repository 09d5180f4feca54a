"""The unary math ops of ``minigrad.ops.math`` side by side with PyTorch: values, result dtypes
(float16/32/64, integer and bool inputs), gradients of first and second order, Tensor methods,
the in-place ``_`` variants (values, gradients through them, and the errors PyTorch raises)."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from torch_side_by_side import check_close, pair

import minigrad as mg

torch = pytest.importorskip("torch", reason="PyTorch is the specification these tests compare to")
_check = functools.partial(check_close, torch)  # got, expected, rtol
_pair = functools.partial(pair, torch)  # data, dtype name, requires_grad
# out-of-domain inputs give NaN/inf as in torch; NumPy also warns (as minigrad.log does)
pytestmark = pytest.mark.filterwarnings("ignore:(divide by zero|invalid value):RuntimeWarning")

# name -> the domain values are drawn from
SMOOTH = {
    "sin": (-3, 3), "cos": (-3, 3), "tan": (-1.2, 1.2), "asin": (-0.9, 0.9),
    "acos": (-0.9, 0.9), "atan": (-3, 3), "sinh": (-2, 2), "cosh": (-2, 2), "asinh": (-3, 3),
    "acosh": (1.1, 4), "atanh": (-0.9, 0.9), "exp2": (-2, 2), "expm1": (-2, 2),
    "log1p": (-0.8, 3), "log2": (0.2, 3), "log10": (0.2, 3), "reciprocal": (0.2, 3),
    "rsqrt": (0.2, 3), "square": (-2, 2), "erf": (-2, 2), "erfc": (-2, 2), "erfinv": (-0.9, 0.9),
}  # fmt: skip
STEPS = {"floor": (-3, 3), "ceil": (-3, 3), "trunc": (-3, 3), "frac": (-3, 3),
         "round": (-3, 3), "sign": (-3, 3), "sgn": (-3, 3)}
ALL = {**SMOOTH, **STEPS}
ALIASES = ["arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "fix"]
RTOL = {"float16": 2e-3, "float32": 2e-6, "float64": 1e-12}


def _draw(name, shape=(3, 4), seed=0):
    lo, hi = ALL[name]
    x = np.random.default_rng(seed).uniform(lo, hi, shape)
    if name == "reciprocal":
        x *= np.where(np.arange(x.size).reshape(shape) % 2, -1, 1)  # both signs, away from 0
    return x






@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("name", sorted(ALL))
def test_values_and_float_dtypes(name, dtype):
    m, t = _pair(_draw(name), dtype)
    _check(getattr(mg, name)(m), getattr(torch, name)(t), RTOL[dtype])
    _check(getattr(m, name)(), getattr(t, name)(), RTOL[dtype])  # the Tensor method


@pytest.mark.parametrize("default", ["float32", "float64"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
@pytest.mark.parametrize("name", sorted(ALL))
def test_integer_and_bool_inputs(name, dtype, default):
    """Float ops give the default float dtype; square, rounding and sign keep integers; where
    PyTorch has no kernel (rounding bool, frac of integers) both raise the same words."""
    a = np.array([0, 1, 1, 0]) if dtype == "bool" else np.array([0, 1, 2, 3, 7])
    m, t = _pair(a.astype(dtype), dtype)
    mg.set_default_dtype(getattr(mg, default))
    old = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, default))
    try:
        try:
            expected = getattr(torch, name)(t)
        except RuntimeError as e:
            with pytest.raises(RuntimeError) as got:
                getattr(mg, name)(m)
            assert str(got.value) == str(e)
            return
        _check(getattr(mg, name)(m), expected, RTOL[default])
    finally:
        mg.set_default_dtype(mg.float32)
        torch.set_default_dtype(old)


def _torch_grads(name, a, v):
    t = torch.tensor(a, requires_grad=True)
    (g,) = torch.autograd.grad(getattr(torch, name)(t), t, torch.tensor(v), create_graph=True)
    w = torch.tensor(np.cos(np.arange(a.size)).reshape(a.shape))
    gg = torch.autograd.grad((g * w).sum(), t, allow_unused=True)[0] if g.requires_grad else None
    return _dense(g), (np.zeros_like(a) if gg is None else _dense(gg))


def _dense(t):
    """A torch tensor as an array (sgn's gradient is a ZeroTensor, which numpy() refuses)."""
    return (torch.zeros_like(t) + t).detach().numpy()


def _mg_grads(name, a, v, fn=None):
    m = mg.tensor(a, requires_grad=True)
    out = (fn or getattr(mg, name))(m)
    (g,) = mg.autograd.grad(out, m, mg.tensor(v), create_graph=True)
    w = mg.tensor(np.cos(np.arange(a.size)).reshape(a.shape))
    gg = mg.autograd.grad((g * w).sum(), m, allow_unused=True)[0] if g.requires_grad else None
    return g.detach().numpy(), (np.zeros_like(a) if gg is None else gg.numpy())


@pytest.mark.parametrize("name", sorted(ALL))
def test_first_and_second_order_gradients(name):
    """Against torch at 1e-10: a rule off by 1e-4 (relative) fails."""
    a = _draw(name, seed=1)
    v = np.random.default_rng(2).standard_normal(a.shape)
    g, gg = _mg_grads(name, a, v)
    tg, tgg = _torch_grads(name, a, v)
    np.testing.assert_allclose(g, tg, rtol=1e-10, atol=1e-12, err_msg="first order")
    np.testing.assert_allclose(gg, tgg, rtol=1e-10, atol=1e-12, err_msg="second order")


@pytest.mark.parametrize("name", sorted(ALL))
def test_gradient_in_float32(name):
    """The gradient keeps the input's dtype, and is as close as float32 allows."""
    a = _draw(name, seed=3)
    m, t = _pair(a, "float32", requires_grad=True)
    getattr(mg, name)(m).sum().backward()
    getattr(torch, name)(t).sum().backward()
    _check(m.grad, t.grad, 1e-5)


@pytest.mark.parametrize("name", sorted(ALL))
def test_inplace_values_and_gradient_through_it(name):
    a = _draw(name, seed=4)
    v = np.random.default_rng(5).standard_normal(a.shape)
    m, t = _pair(a, "float64")
    rm, rt = getattr(m, name + "_")(), getattr(t, name + "_")()
    assert rm is m
    _check(m, t, 1e-12)
    assert m._version == 1
    got = _mg_grads(name, a, v, fn=lambda x: getattr(x * 1, name + "_")())
    want = _torch_grads(name, a, v)
    for x, y in zip(got, want):
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12)
    del rt


@pytest.mark.parametrize("dtype", ["int64", "bool"])
@pytest.mark.parametrize("name", sorted(ALL))
def test_inplace_on_integers_as_torch(name, dtype):
    a = np.array([0, 1, 1, 0]).astype(dtype)
    m, t = _pair(a, dtype)
    try:
        getattr(t, name + "_")()
    except RuntimeError as e:
        with pytest.raises(RuntimeError) as got:
            getattr(m, name + "_")()
        assert str(got.value) == str(e)
        return
    getattr(m, name + "_")()
    _check(m, t, 0)


def test_inplace_on_a_leaf_that_requires_grad_raises():
    x = mg.tensor([0.5], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.sin_()


def test_modified_saved_input_is_caught():
    """sin's rule reads its input: changing it after the forward fails backward, as torch."""
    for lib in (mg, torch):
        x = lib.tensor([0.5, 1.0], dtype=lib.float64, requires_grad=True)
        y = x * 1
        z = lib.sin(y)
        y.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()
    x = mg.tensor([0.5, 1.0], dtype=mg.float64, requires_grad=True)  # exp2 reads its output
    z = mg.exp2(x * 1)
    (z * 1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp2([0.5, 1.0]) * np.log(2), rtol=1e-14)


@pytest.mark.parametrize("alias", ALIASES)
def test_aliases(alias):
    a = _draw("asin" if alias != "fix" else "trunc")
    m, t = _pair(a, "float64")
    _check(getattr(mg, alias)(m), getattr(torch, alias)(t), 1e-12)
    _check(getattr(m, alias)(), getattr(t, alias)(), 1e-12)
    getattr(m, alias + "_")()
    getattr(t, alias + "_")()
    _check(m, t, 1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_halves_to_even_and_decimals(dtype):
    a = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 1.25, -1.35, 0.125, 123.456])
    m, t = _pair(a, dtype)
    _check(mg.round(m), torch.round(t), 0)
    for d in (1, 2, -1):
        _check(mg.round(m, decimals=d), torch.round(t, decimals=d), RTOL[dtype])
        _check(m.round(decimals=d), t.round(decimals=d), RTOL[dtype])
    m.round_(decimals=1)
    t.round_(decimals=1)
    _check(m, t, RTOL[dtype])


def test_special_values_as_torch():
    a = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 2.0])
    m, t = _pair(a, "float64")
    with np.errstate(all="ignore"):
        for name in sorted(ALL):
            got, want = getattr(mg, name)(m), getattr(torch, name)(t)
            got, want = got.numpy(), want.numpy()
            np.testing.assert_allclose(got, want, rtol=1e-15, atol=0, equal_nan=True,
                                       err_msg=name)
            ok = ~np.isnan(want)  # a NaN's sign bit is not part of the contract
            np.testing.assert_array_equal(np.signbit(got[ok]), np.signbit(want[ok]), err_msg=name)


def test_step_gradients_are_zeros_not_nans():
    """PyTorch's floor/ceil/round/trunc/sign gradient is zeros, even for an infinite upstream."""
    for name in ("floor", "ceil", "round", "trunc", "sign", "sgn"):
        for lib in (mg, torch):
            x = lib.tensor([0.5, 1.5], dtype=lib.float64, requires_grad=True)
            getattr(lib, name)(x).backward(lib.tensor([np.inf, np.nan], dtype=lib.float64))
            grad = x.grad if lib is mg else _dense(x.grad)
            np.testing.assert_array_equal(np.asarray(grad), [0.0, 0.0], err_msg=name)


def test_signatures_as_torch():
    import inspect

    for name in sorted(ALL):
        params = list(inspect.signature(getattr(mg, name)).parameters)
        assert params[0] == "input", name
    assert inspect.signature(mg.round).parameters["decimals"].kind.name == "KEYWORD_ONLY"


def test_numpy_ufuncs_on_tensors_stay_in_the_graph():
    """``np.sin(t)`` runs minigrad's op (as ``np.exp(t)`` does), so the gradient flows."""
    x = mg.tensor([0.5, 1.0], dtype=mg.float64, requires_grad=True)
    y = np.sin(x) + np.arcsinh(x) + np.log1p(x)
    assert isinstance(y, mg.Tensor)
    y.sum().backward()
    a = np.array([0.5, 1.0])
    np.testing.assert_allclose(x.grad.numpy(), np.cos(a) + 1 / np.sqrt(a * a + 1) + 1 / (1 + a),
                               rtol=1e-14)


def test_inplace_through_a_view_and_a_modified_saved_output_as_torch():
    got = {}
    for lib in (torch, mg):
        x = lib.tensor([0.3, 0.6, 0.9], dtype=lib.float64, requires_grad=True)
        y = x * 1
        y[1:].erfinv_()  # written through a view: the base records it
        lib.exp2(y).backward(lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64))
        got[lib.__name__] = np.array(x.grad.tolist())
        y = lib.tensor([0.3, 0.6], dtype=lib.float64, requires_grad=True) * 1
        w = y.exp2_() * 1  # exp2's rule reads its output, which add_ then changes
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            w.sum().backward()
    np.testing.assert_allclose(got["minigrad"], got["torch"], rtol=1e-12)
