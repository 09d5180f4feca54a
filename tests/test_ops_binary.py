"""The binary elementwise ops of ``minigrad.ops.binary`` / ``compare`` and the shifts, side by side
with PyTorch: values, result dtypes (promotion, integer and bool inputs), broadcasting, gradients
of first and second order (kinks, ties, zeros included where torch defines them), Tensor methods,
in-place variants, operators and the errors torch raises."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from elem_side_by_side import compare_grads, same, same_error

import minigrad as mg

torch = pytest.importorskip("torch", reason="PyTorch is the specification these tests compare to")
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
_same = functools.partial(same, torch)
_grads = functools.partial(compare_grads, torch)

SHAPES = [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((4,), (2, 3, 4)), ((), (3,)), ((2, 1, 3), (1,))]


def _tt(a, dtype):
    return torch.tensor(a, dtype=getattr(torch, dtype))


def _rng(seed):
    return np.random.default_rng(seed)


# name -> (a's range, b's range, differentiable)
BINARY = {
    "atan2": ((-2, 2), (-2, 2), True), "fmod": ((-5, 5), (0.5, 2), True),
    "remainder": ((-5, 5), (-2, 2), True), "hypot": ((-2, 2), (-2, 2), True),
    "copysign": ((-2, 2), (-2, 2), True), "logaddexp": ((-3, 3), (-3, 3), True),
    "logaddexp2": ((-3, 3), (-3, 3), True), "xlogy": ((-2, 2), (0.2, 3), True),
    "fmax": ((-2, 2), (-2, 2), True), "fmin": ((-2, 2), (-2, 2), True),
    "maximum": ((-2, 2), (-2, 2), True), "minimum": ((-2, 2), (-2, 2), True),
    "floor_divide": ((-5, 5), (-2, 2), False), "pow": ((0.2, 2), (-2, 2), True),
}  # fmt: skip


def _draw(name, sa, sb, seed):
    (la, ha), (lb, hb), _ = BINARY[name]
    r = _rng(seed)
    a, b = r.uniform(la, ha, sa), r.uniform(lb, hb, sb)
    if name == "remainder":  # divisors of both signs, away from 0
        b = np.where(np.abs(b) < 0.3, 0.7, b)
    return a, b


@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_values_dtypes_broadcasting_and_methods(name, shapes):
    a, b = _draw(name, *shapes, seed=0)
    for dt in ("float32", "float64"):
        ma, mb = mg.tensor(a, dtype=getattr(mg, dt)), mg.tensor(b, dtype=getattr(mg, dt))
        ta, tb = _tt(a, dt), _tt(b, dt)
        rtol = 1e-5 if dt == "float32" else 1e-12
        _same(getattr(mg, name)(ma, mb), getattr(torch, name)(ta, tb), rtol)
        _same(getattr(ma, name)(mb), getattr(ta, name)(tb), rtol)


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("dtypes", [("int64", "int64"), ("int32", "float32"), ("uint8", "int8"),
                                    ("bool", "bool"), ("int64", "float64"), ("float32", "float64"),
                                    ("int64", "scalar_int"), ("float32", "scalar_float")])
def test_promotion_and_integer_kernels(name, dtypes):
    """Result dtypes as torch's (integers stay integers for fmod/remainder/floor_divide, give
    the default float for atan2...), and the same errors where torch has no kernel."""
    a = np.array([5, -3, 0, 7, 1])
    b = np.array([2, 3, 1, -2, 4])
    da, db = dtypes
    if da == "uint8":
        a = np.abs(a)
    if da == "bool":
        a, b = a > 0, b > 2

    def make(lib, x, d):
        if d == "scalar_int":
            return 3
        if d == "scalar_float":
            return 1.5
        return lib.tensor(x.astype(d) if d != "bool" else x, dtype=getattr(lib, d))

    fn_t = lambda: getattr(torch, name)(make(torch, a, da), make(torch, b, db))  # noqa: E731
    fn_m = lambda: getattr(mg, name)(make(mg, a, da), make(mg, b, db))  # noqa: E731
    got = same_error(fn_t, fn_m)
    if got is not None:
        _same(got, fn_t(), 1e-6)


@pytest.mark.parametrize("shapes", SHAPES[:4])
@pytest.mark.parametrize("name", sorted(n for n, v in BINARY.items() if v[2]))
def test_gradients_first_and_second_order(name, shapes):
    a, b = _draw(name, *shapes, seed=1)
    _grads(lambda lib, x, y: getattr(lib, name)(x, y), [a, b], seed=2)


@pytest.mark.parametrize("name", ["maximum", "minimum", "fmax", "fmin", "max", "min"])
def test_ties_and_nan_gradients(name):
    """Ties: maximum/minimum (and max/min of two tensors) split evenly; fmax/fmin give all to
    input; NaN: fmax/fmin pass it to the other operand."""
    a = np.array([1.0, 2.0, np.nan, 3.0, np.nan])
    b = np.array([1.0, 3.0, 1.0, np.nan, np.nan])
    _grads(lambda lib, x, y: getattr(lib, name)(x, y), [a, b], second=False)


@pytest.mark.parametrize("exponent", [0.0, 1.0, 2.0, 3.0, 0.5, -1.0, -0.5])
def test_pow_at_base_zero_as_torch(exponent):
    """x = 0 with a number exponent and with a tensor exponent (whose gradient is 0 there)."""
    base = np.array([0.0, 0.0, 1.5])
    _grads(lambda lib, x: x ** exponent, [base])
    _grads(lambda lib, x, e: x ** e, [base, np.full(3, exponent)])
    _grads(lambda lib, x, e: lib.pow(x, e), [base, np.array([exponent])])


def test_pow_exponent_tensor_mixed_zeros():
    _grads(lambda lib, x, e: x ** e, [np.array([0.0, 0.0, 0.0, 2.0, 0.0]),
                                      np.array([0.0, 1.0, 2.0, 0.0, -1.0])])


@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8"])
def test_div_rounding_modes(mode, dtype):
    a = np.array([7, -7, 5, -5, 0, 9, 3])
    b = np.array([2, 2, -3, -3, 4, 3, 7])
    if dtype == "uint8":
        a, b = np.abs(a), np.abs(b)
    if dtype.startswith("float"):
        a, b = a + 0.5, b * 1.0
    ma, mb = mg.tensor(a, dtype=getattr(mg, dtype)), mg.tensor(b, dtype=getattr(mg, dtype))
    ta, tb = _tt(a, dtype), _tt(b, dtype)
    for fn in ("div", "divide"):
        _same(getattr(mg, fn)(ma, mb, rounding_mode=mode),
              getattr(torch, fn)(ta, tb, rounding_mode=mode), 1e-6)
        _same(getattr(ma, fn)(mb, rounding_mode=mode),
              getattr(ta, fn)(tb, rounding_mode=mode), 1e-6)
    _same(mg.true_divide(ma, mb), torch.true_divide(ta, tb), 1e-6)
    _same(ma // mb, ta // tb, 1e-6)
    _same(7 // mb, 7 // tb, 1e-6)
    _same(ma % mb, ta % tb, 1e-6)
    _same(5 % mb, 5 % tb, 1e-6)


def test_div_rounding_gradient_is_zero_and_bad_mode():
    _grads(lambda lib, x, y: lib.div(x, y, rounding_mode="floor"),
           [np.array([5.5, -7.0]), np.array([2.0, 2.0])])
    _grads(lambda lib, x, y: lib.div(x, y, rounding_mode="trunc"),
           [np.array([5.5, -7.0]), np.array([2.0, 2.0])])
    same_error(lambda: torch.div(torch.ones(2), 2, rounding_mode="round"),
               lambda: mg.div(mg.ones(2), 2, rounding_mode="round"))


def test_integer_division_by_zero_raises_as_torch():
    for op in ("fmod", "remainder", "floor_divide"):
        same_error(lambda op=op: getattr(torch, op)(torch.tensor([5]), 0),
                   lambda op=op: getattr(mg, op)(mg.tensor([5]), 0))
    _same(mg.tensor([5.0, -5.0]) % 0.0, torch.tensor([5.0, -5.0]) % 0.0)
    _same(mg.tensor([5.0, -0.5]) // 0.0, torch.tensor([5.0, -0.5]) // 0.0)


@pytest.mark.parametrize("weight", ["scalar", "tensor"])
def test_lerp(weight):
    r = _rng(3)
    a, b = r.standard_normal((3, 4)), r.standard_normal((4,))
    w = r.uniform(-0.5, 1.5, (3, 1))
    if weight == "scalar":
        _grads(lambda lib, x, y: lib.lerp(x, y, 0.3), [a, b])
        _grads(lambda lib, x, y: x.lerp(y, 0.75), [a, b])
    else:
        _grads(lambda lib, x, y, z: lib.lerp(x, y, z), [a, b, w])
    same_error(lambda: torch.lerp(torch.ones(2), torch.ones(2, dtype=torch.float64), 0.5),
               lambda: mg.lerp(mg.ones(2), mg.ones(2, dtype=mg.float64), 0.5))


def test_clamp_tensor_bounds_gradients_as_torch():
    x = np.array([1.0, 2.0, 3.0, 0.0, 5.0, 2.5])
    lo = np.array([1.0, 2.5, 4.0, 0.5, 1.0, 2.5])
    hi = np.array([2.0, 2.0, 3.0, 2.0, 4.0, 2.5])
    _grads(lambda lib, a, b, c: lib.clamp(a, b, c), [x, lo, hi], second=False)
    _grads(lambda lib, a, b: lib.clamp(a, min=b), [x, lo], second=False)
    _grads(lambda lib, a, c: lib.clamp(a, max=c), [x, hi], second=False)
    _grads(lambda lib, a, c: a.clip(max=c), [x, hi], second=False)
    _grads(lambda lib, a, c: lib.clamp(a, c * 0 - 1, c), [x[:, None], hi], second=False)


def test_clamp_dtypes_and_errors():
    for lo in (mg.tensor([1, 2]), mg.tensor([0.5, 1.5])):
        tlo = torch.tensor(lo.numpy())
        _same(mg.clamp(mg.tensor([0, 3]), lo), torch.clamp(torch.tensor([0, 3]), tlo))
    same_error(lambda: torch.clamp(torch.ones(2)), lambda: mg.clamp(mg.ones(2)))
    same_error(lambda: torch.ones(2).clamp_(), lambda: mg.ones(2).clamp_())


@pytest.mark.parametrize("alpha", [1, 2, -0.5, True, 2.5])
@pytest.mark.parametrize("dtype", ["float64", "int64"])
def test_add_sub_alpha(alpha, dtype):
    a, b = np.array([1, 2, 3]), np.array([4, 5, 6])
    ta, tb = _tt(a, dtype), _tt(b, dtype)
    ma, mb = mg.tensor(a, dtype=getattr(mg, dtype)), mg.tensor(b, dtype=getattr(mg, dtype))
    for name in ("add", "sub", "subtract"):
        got = same_error(lambda name=name: getattr(torch, name)(ta, tb, alpha=alpha),
                         lambda name=name: getattr(mg, name)(ma, mb, alpha=alpha))
        if got is not None:
            _same(got, getattr(torch, name)(ta, tb, alpha=alpha))
            _same(getattr(ma, name)(mb, alpha=alpha), getattr(ta, name)(tb, alpha=alpha))
    if dtype == "float64" and not isinstance(alpha, bool):
        _grads(lambda lib, x, y: lib.add(x, y, alpha=alpha), [a * 1.0, b * 1.0])
        _grads(lambda lib, x, y: lib.sub(x, y, alpha=alpha), [a * 1.0, b * 1.0])
        _same(mg.multiply(ma, mb), torch.multiply(ta, tb))


@pytest.mark.parametrize("dtype", ["int64", "int32", "int8", "uint8", "int16"])
def test_shifts(dtype):
    a = np.array([1, -8, 3, 5, -1, 7])
    s = np.array([1, 2, 70, 0, 3, -1])
    if dtype == "uint8":
        a = np.abs(a)
    ta, ts = _tt(a, dtype), _tt(s, dtype)
    ma, ms = mg.tensor(a, dtype=getattr(mg, dtype)), mg.tensor(s, dtype=getattr(mg, dtype))
    _same(ma << ms, ta << ts)
    _same(ma >> ms, ta >> ts)
    _same(ma << 2, ta << 2)
    _same(3 << ms[:2], 3 << ts[:2])
    _same(mg.bitwise_left_shift(ma, 1), torch.bitwise_left_shift(ta, 1))
    _same(mg.bitwise_right_shift(ma, 1), torch.bitwise_right_shift(ta, 1))
    mc, tc = ma.clone(), ta.clone()
    mc <<= 1
    tc <<= 1
    _same(mc, tc)
    mc.bitwise_right_shift_(1)
    tc.bitwise_right_shift_(1)
    _same(mc, tc)
    same_error(lambda: torch.ones(2) << 1, lambda: mg.ones(2) << 1)


@pytest.mark.parametrize("name", ["atan2", "arctan2", "fmod", "remainder", "hypot", "copysign",
                                  "xlogy", "floor_divide", "lerp", "div", "clamp"])
def test_inplace_variants(name):
    r = _rng(5)
    a, b = r.uniform(0.5, 2, (3, 4)), r.uniform(0.5, 2, (4,))
    extra = (0.25,) if name == "lerp" else ()

    def run(lib):
        x = lib.tensor(a, requires_grad=True)
        y = lib.tensor(b, requires_grad=name != "floor_divide")
        z = x * 1
        if name == "clamp":
            z.clamp_(y * 0.9, y * 1.1)
        else:
            getattr(z, name + "_")(y, *extra)
        assert z._version == 1 if lib is mg else True
        return z

    zt, zm = run(torch), run(mg)
    _same(zm, zt, 1e-12)
    if name != "floor_divide":
        _grads(lambda lib, x, y: getattr(x * 1, name + "_")(y, *extra) if name != "clamp" else
               (x * 1).clamp_(y * 0.9, y * 1.1), [a, b], second=False)
    # an integer tensor cannot take a float result, as torch
    same_error(lambda: getattr(torch.tensor([4, 5]), name + "_")(torch.tensor([2.0, 3.0]), *extra),
               lambda: getattr(mg.tensor([4, 5]), name + "_")(mg.tensor([2.0, 3.0]), *extra))


def test_remainder_operators_sign_of_divisor():
    a = np.array([5.5, -5.5, 5.5, -5.5, 0.0])
    b = np.array([3.0, 3.0, -3.0, -3.0, -2.0])
    _same(mg.tensor(a) % mg.tensor(b), torch.tensor(a) % torch.tensor(b))
    _same(-5.5 % mg.tensor(b), -5.5 % torch.tensor(b))
    _same(mg.remainder(-5.5, mg.tensor(b)), torch.remainder(-5.5, torch.tensor(b)))
    _same(mg.fmod(mg.tensor(a), mg.tensor(b)), torch.fmod(torch.tensor(a), torch.tensor(b)))
    m, t = mg.tensor(a), torch.tensor(a)
    m %= 2
    t %= 2
    _same(m, t)


# ---- compare ----


def test_nan_to_num_defaults_per_dtype_and_gradient():
    x = np.array([1.0, np.nan, np.inf, -np.inf, -2.0])
    for dt in ("float16", "float32", "float64"):
        _same(mg.nan_to_num(mg.tensor(x, dtype=getattr(mg, dt))),
              torch.nan_to_num(torch.tensor(x, dtype=getattr(torch, dt))))
        _same(mg.tensor(x, dtype=getattr(mg, dt)).nan_to_num(nan=1.0, posinf=9.0),
              torch.tensor(x, dtype=getattr(torch, dt)).nan_to_num(nan=1.0, posinf=9.0))
    _same(mg.nan_to_num(mg.tensor([1, 2])), torch.nan_to_num(torch.tensor([1, 2])))
    _grads(lambda lib, t: lib.nan_to_num(t, neginf=-3.0), [x])


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite", "isposinf", "isneginf",
                                  "isreal"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_classification(name, dtype):
    x = np.array([1.0, np.nan, np.inf, -np.inf, 0.0])
    if dtype in ("int64", "bool"):
        x = np.array([1, 0, 3])
    m = mg.tensor(x.astype(dtype))
    t = torch.tensor(x.astype(dtype))
    _same(getattr(mg, name)(m), getattr(torch, name)(t))
    _same(getattr(m, name)(), getattr(t, name)())


def test_isclose_allclose_equal():
    a = np.array([1.0, 1.0 + 1e-6, np.nan, np.inf, -np.inf, 2.0])
    b = np.array([1.0, 1.0, np.nan, np.inf, np.inf, 2.1])
    for kw in ({}, {"equal_nan": True}, {"rtol": 0.1}, {"atol": 0.2, "rtol": 0}):
        _same(mg.isclose(mg.tensor(a), mg.tensor(b), **kw), torch.isclose(torch.tensor(a),
                                                                         torch.tensor(b), **kw))
        assert mg.allclose(mg.tensor(a), mg.tensor(b), **kw) == torch.allclose(
            torch.tensor(a), torch.tensor(b), **kw)
        assert mg.tensor(a).isclose(mg.tensor(b), **kw).tolist() == \
            torch.tensor(a).isclose(torch.tensor(b), **kw).tolist()
    _same(mg.isclose(mg.tensor([1, 2]), mg.tensor([1, 3])),
          torch.isclose(torch.tensor([1, 2]), torch.tensor([1, 3])))
    same_error(lambda: torch.isclose(torch.ones(1), torch.ones(1, dtype=torch.float64)),
               lambda: mg.isclose(mg.ones(1), mg.ones(1, dtype=mg.float64)))
    same_error(lambda: torch.isclose(torch.ones(1), torch.ones(1), rtol=-1),
               lambda: mg.isclose(mg.ones(1), mg.ones(1), rtol=-1))
    for x, y in (([1.0], [1.0, 1.0]), ([1, 2], [1.0, 2.0]), ([np.nan], [np.nan]), ([1], [2])):
        assert mg.equal(mg.tensor(x), mg.tensor(y)) == torch.equal(torch.tensor(x),
                                                                   torch.tensor(y))
    assert mg.allclose(mg.tensor([1.0]), mg.tensor([1.0, 1.0]))
