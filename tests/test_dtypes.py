"""Type promotion side by side with PyTorch: every pair of dtypes as dimensioned tensor, 0-d
tensor or Python scalar, through arithmetic, comparisons, unary float ops, bitwise and logical
ops, in-place checks, casts and the legacy typed constructors, with float32 and float64 as the
default dtype. Skipped where torch is not installed."""

from __future__ import annotations

import operator
import sys

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.dtypes import check_inplace_result

torch = pytest.importorskip("torch", reason="dtype parity tests need torch (CI installs "
                                            "torch==2.13.0)")

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
INTS = ["uint8", "int8", "int16", "int32", "int64"]
SCALARS = [True, 2, 2.5]


@pytest.fixture(params=["float32", "float64"])
def default(request):
    """Run the test with each default float dtype in both libraries; always restore float32."""
    torch.set_default_dtype(getattr(torch, request.param))
    mg.set_default_dtype(getattr(mg, request.param))
    try:
        yield request.param
    finally:
        torch.set_default_dtype(torch.float32)
        mg.set_default_dtype(mg.float32)


@pytest.fixture
def float64_default():
    torch.set_default_dtype(torch.float64)
    mg.set_default_dtype(mg.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(torch.float32)
        mg.set_default_dtype(mg.float32)


def _name(dt) -> str:
    """``float32`` for torch.float32 and for minigrad's np.dtype('float32')."""
    return str(dt).removeprefix("torch.")


def _operands(scalars=SCALARS):
    """('dim', dtype) tensors of shape (2,), ('zero', dtype) 0-d tensors, ('scalar', value)."""
    return ([("dim", n) for n in NAMES] + [("zero", n) for n in NAMES]
            + [("scalar", v) for v in scalars])


def _make(lib, operand):
    kind, v = operand
    if kind in ("scalar", "given"):
        return v
    data = [True, True] if v == "bool" else [1, 2]
    return lib.tensor(data if kind == "dim" else data[1], dtype=getattr(lib, v))


def _run(fn, lib, *operands):
    """The result of ``fn`` on operands made by ``lib``, or the type of the exception it raised."""
    try:
        return fn(*[_make(lib, o) for o in operands])
    except Exception as e:  # noqa: BLE001  (the exception type is the outcome)
        return type(e)


def _mismatch(t, m) -> str | None:
    """Why minigrad's outcome ``m`` differs from torch's ``t`` (dtype, values, or exception)."""
    if isinstance(t, type):
        return None if m is t else f"torch raised {t.__name__}, minigrad gave {_show(m)}"
    if isinstance(m, type):
        return f"torch gave {_name(t.dtype)}, minigrad raised {m.__name__}"
    if _name(t.dtype) != _name(m.dtype):
        return f"torch gave {_name(t.dtype)}, minigrad {_name(m.dtype)}"
    want = t.detach().numpy()
    if not np.allclose(np.asarray(m._data, np.float64), want.astype(np.float64), rtol=1e-3,
                       equal_nan=True):
        return f"values {m._data} != {want}"
    return None


def _show(m):
    return m.__name__ if isinstance(m, type) else _name(m.dtype)


def _table(fn, operand_lists):
    """Run ``fn`` over every combination in both libraries; list every difference."""
    bad = []
    for ops in operand_lists:
        why = _mismatch(_run(fn, torch, *ops), _run(fn, mg, *ops))
        if why:
            bad.append(f"{ops}: {why}")
    return bad


def _pairs(scalars=SCALARS, tensors_only=False):
    ops = _operands([] if tensors_only else scalars)
    return [(a, b) for a in ops for b in ops if not (a[0] == b[0] == "scalar")]


BINARY = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
    "pow": operator.pow, "eq": operator.eq, "lt": operator.lt, "ge": operator.ge,
}  # fmt: skip


@pytest.mark.parametrize("op", list(BINARY))
def test_binary_promotion_table_matches_torch(op, default):
    bad = _table(BINARY[op], _pairs())
    assert not bad, f"{len(bad)} differences, e.g.\n" + "\n".join(bad[:25])


def test_numpy_scalars_count_as_python_scalars(default):
    np_scalars = [np.float64(2.5), np.float32(2.5), np.int64(2), np.int8(2), np.bool_(True)]
    for op in (operator.add, operator.mul, operator.truediv, operator.lt):
        bad = _table(op, [(a, b) for a, b in _pairs(np_scalars) if b[0] == "scalar"])
        assert not bad, "\n".join(bad[:25])


@pytest.mark.parametrize("fn", ["maximum", "minimum"])
def test_maximum_minimum_promote_as_torch(fn, default):
    bad = _table(lambda a, b: getattr(_lib(a), fn)(a, b), _pairs(tensors_only=True))
    assert not bad, "\n".join(bad[:25])


def _lib(x):
    return torch if isinstance(x, torch.Tensor) else mg


def test_where_promotes_its_branches_as_torch(default):
    def where(a, b):
        lib = _lib(a) if not isinstance(a, bool | int | float) else _lib(b)
        return lib.where(lib.tensor([True, False]), a, b)

    bad = _table(where, _pairs())
    assert not bad, "\n".join(bad[:25])


UNARY = {
    "exp": lambda lib, x: lib.exp(x), "log": lambda lib, x: lib.log(x),
    "sqrt": lambda lib, x: lib.sqrt(x), "tanh": lambda lib, x: lib.tanh(x),
    "sigmoid": lambda lib, x: lib.sigmoid(x), "mean": lambda lib, x: lib.mean(x),
    "var": lambda lib, x: lib.var(x), "std": lambda lib, x: lib.std(x),
    "logsumexp": lambda lib, x: lib.logsumexp(x, 0), "sum": lambda lib, x: lib.sum(x),
    "abs": lambda lib, x: lib.abs(x), "neg": lambda lib, x: -x,
    "relu": lambda lib, x: lib.relu(x), "sign": lambda lib, x: x.sign(),
    "amax": lambda lib, x: lib.amax(x), "clamp01": lambda lib, x: lib.clamp(x, 0, 1),
    "clamp_half": lambda lib, x: lib.clamp(x, 0.5), "clamp_max": lambda lib, x: x.clamp(max=1.5),
    "softmax": lambda lib, x: _F(lib).softmax(x, 0),
    "log_softmax": lambda lib, x: _F(lib).log_softmax(x, 0),
    "gelu": lambda lib, x: _F(lib).gelu(x), "leaky_relu": lambda lib, x: _F(lib).leaky_relu(x),
    "F.sigmoid": lambda lib, x: _F(lib).sigmoid(x), "F.tanh": lambda lib, x: _F(lib).tanh(x),
}  # fmt: skip


def _F(lib):
    return torch.nn.functional if lib is torch else F


@pytest.mark.parametrize("op", list(UNARY))
def test_unary_ops_on_every_dtype_match_torch(op, default):
    bad = []
    for n in NAMES:
        fn = UNARY[op]
        t = _run(lambda x, f=fn: f(torch, x), torch, ("dim", n))
        m = _run(lambda x, f=fn: f(mg, x), mg, ("dim", n))
        why = _mismatch(t, m)
        if why:
            bad.append(f"{op}({n}): {why}")
    assert not bad, "\n".join(bad)


def test_promote_types_and_can_cast_tables_match_torch():
    for a in NAMES:
        for b in NAMES:
            want = _name(torch.promote_types(getattr(torch, a), getattr(torch, b)))
            assert _name(mg.promote_types(getattr(mg, a), getattr(mg, b))) == want, (a, b)
            want_cast = torch.can_cast(getattr(torch, a), getattr(torch, b))
            assert mg.can_cast(getattr(mg, a), getattr(mg, b)) == want_cast, (a, b)


def test_result_type_matches_torch(default):
    ops = _operands()
    for a in ops:
        for b in ops:
            want = _name(torch.result_type(_make(torch, a), _make(torch, b)))
            assert _name(mg.result_type(_make(mg, a), _make(mg, b))) == want, (a, b)


def test_named_rules():
    """The rules in words (the tables above check them against torch)."""
    f32, f64, i64 = mg.float32, mg.float64, mg.int64
    assert (mg.tensor([1, 2]) + mg.tensor(1.5, dtype=f32)).dtype == f32  # 0-d float lifts
    assert (mg.tensor([1, 2]) + 2.5).dtype == f32  # int tensor + float: the default dtype
    assert (mg.ones(2) + mg.tensor(1.0, dtype=f64)).dtype == f32  # dimensioned outranks 0-d
    assert (mg.ones(2) + mg.tensor([1, 2])).dtype == f32  # float32 + int64 tensor
    assert (mg.tensor([1], dtype=mg.uint8) + mg.tensor([1], dtype=mg.int8)).dtype == mg.int16
    assert (mg.tensor([1], dtype=mg.int8) + 1000).dtype == mg.int8  # a scalar never widens
    assert (mg.tensor([True]) + mg.tensor([True])).dtype == mg.bool
    assert (mg.tensor([True]) + 1).dtype == i64
    assert (mg.tensor([4, 6]) / mg.tensor([2, 4])).dtype == f32
    assert (mg.tensor([1, 2]) / 2).tolist() == [0.5, 1.0]
    assert (mg.tensor([1, 2]) < 1.5).tolist() == [True, False]
    # comparisons promote first: 0.1 becomes float32 0.1, 2**24 + 1 becomes float32 2**24
    assert (mg.tensor([0.1]) == 0.1).item() and (torch.tensor([0.1]) == 0.1).item()
    assert (mg.tensor([2**24 + 1]) == mg.tensor([2.0**24])).item()
    assert (mg.tensor([44], dtype=mg.int8) == 300).item()  # 300 wraps to int8 44, as torch


def test_scalars_wrap_into_small_integer_dtypes_as_torch():
    for v in (300, -1, 255, -300):
        for n in ("int8", "uint8", "int16"):
            t = torch.tensor([44], dtype=getattr(torch, n)) + v
            m = mg.tensor([44], dtype=getattr(mg, n)) + v
            assert m.tolist() == t.tolist() and _name(m.dtype) == _name(t.dtype), (n, v)
    with pytest.raises(OverflowError):
        mg.tensor([1]) + 2**64


def test_pow_of_integers_and_bools_as_torch():
    base = [1, -1, 2, 0, 3]
    for exp in (torch.tensor(-1), torch.tensor(-2), torch.tensor([-1, 2, -3, 1, 0])):
        t = torch.tensor(base) ** exp
        m = mg.tensor(base) ** mg.tensor(exp.numpy())
        assert m.tolist() == t.tolist() and _name(m.dtype) == _name(t.dtype)
    assert (2 ** mg.tensor([-1, 2])).tolist() == (2 ** torch.tensor([-1, 2])).tolist()
    for exp in (-1, np.int64(-1)):
        with pytest.raises(RuntimeError, match="negative integer powers"):
            mg.tensor([2]) ** exp
        with pytest.raises(RuntimeError, match="negative integer powers"):
            torch.tensor([2]) ** exp
    b_t, b_m = torch.tensor([True, False]), mg.tensor([True, False])
    for exp in (True, False, 0, 2, 2.0):
        assert _mismatch(b_t ** exp, b_m ** exp) is None, exp
    for fn in (lambda x: x ** x, lambda x: True ** x):
        assert _run(fn, torch, ("dim", "bool")) is NotImplementedError
        assert _run(fn, mg, ("dim", "bool")) is NotImplementedError


def test_bool_subtraction_and_negation_raise_as_torch():
    cases = [lambda a: a - a, lambda a: a - 1, lambda a: 1 - a, lambda a: a - True,
             lambda a: -a, lambda a: mg.tensor([1.0]) - True if isinstance(a, mg.Tensor)
             else torch.tensor([1.0]) - True]
    for fn in cases:
        assert _run(fn, torch, ("dim", "bool")) is RuntimeError
        assert _run(fn, mg, ("dim", "bool")) is RuntimeError


def test_matmul_does_not_promote_as_torch():
    for a, b in (("float32", "float64"), ("int64", "int32"), ("int64", "float32"),
                 ("bool", "bool"), ("int64", "int64"), ("float64", "float64")):
        for shape in ((3,), (2, 3)):
            ta = torch.ones(shape, dtype=getattr(torch, a))
            tb = torch.ones((3, 2) if len(shape) == 2 else (3,), dtype=getattr(torch, b))
            t = _run(operator.matmul, torch, ("given", ta), ("given", tb))
            m = _run(operator.matmul, mg, ("given", mg.tensor(ta.numpy())),
                     ("given", mg.tensor(tb.numpy())))
            assert _mismatch(t, m) is None, (a, b, shape, _show(m))


# ---- bitwise and logical ----

BITWISE = {"and": operator.and_, "or": operator.or_, "xor": operator.xor}


@pytest.mark.parametrize("op", list(BITWISE))
def test_bitwise_operators_match_torch_with_reflected_forms(op):
    scalars = [True, False, 3, 2.5]
    bad = _table(BITWISE[op], _pairs(scalars))
    assert not bad, "\n".join(bad[:25])


def test_invert_and_bitwise_functions_match_torch():
    for n in NAMES:
        for fn in (lambda lib, x: ~x, lambda lib, x: lib.bitwise_not(x),
                   lambda lib, x: lib.logical_not(x), lambda lib, x: x.logical_not()):
            t = _run(lambda x, f=fn: f(torch, x), torch, ("dim", n))
            m = _run(lambda x, f=fn: f(mg, x), mg, ("dim", n))
            assert _mismatch(t, m) is None, (n, _show(m))
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor", "logical_and", "logical_or",
                 "logical_xor"):
        bad = _table(lambda a, b, f=name: getattr(_lib(a), f)(a, b), _pairs(tensors_only=True))
        assert not bad, (name, bad[:10])


def test_bitwise_on_values():
    x = mg.tensor([0b1100, 0b1010])
    assert (x & 0b0110).tolist() == [0b0100, 0b0010]
    assert (0b0110 | x).tolist() == [0b1110, 0b1110]
    assert (x ^ x).tolist() == [0, 0]
    m = mg.tensor([True, False])
    assert (m & True).tolist() == [True, False] and (False | m).tolist() == [True, False]
    assert (~m).tolist() == [False, True] and (True ^ m).tolist() == [False, True]
    assert mg.logical_and(mg.tensor([0.0, 2.0]), mg.tensor([3, 0])).tolist() == [False, False]
    assert mg.logical_or(mg.tensor([0.0, 2.0]), mg.tensor([0, 0])).tolist() == [False, True]


# ---- in-place: the dtype of self never changes ----

INPLACE = {"add": "add_", "sub": "sub_", "mul": "mul_", "div": "div_"}


@pytest.mark.parametrize("op", list(INPLACE))
def test_check_inplace_result_raises_where_torch_does(op, default):
    bad = []
    for n in NAMES:
        for other in _operands():
            def fn(x, y, m=INPLACE[op]):
                return getattr(x, m)(y)

            t = _run(fn, torch, ("dim", n), other)
            try:
                check_inplace_result(getattr(mg, n), _make(mg, other), op=op)
                m = None
            except RuntimeError as e:
                m = e
            if isinstance(t, type) != (m is not None):
                bad.append(f"{n}.{INPLACE[op]}({other}): torch {_show(t)}, check {m!r}")
    assert not bad, "\n".join(bad[:25])


def test_check_inplace_result_gives_torch_message_and_checks_alpha():
    with pytest.raises(RuntimeError) as err:
        torch.ones(2, dtype=torch.int64).add_(1.5)
    with pytest.raises(RuntimeError) as ours:
        check_inplace_result(mg.int64, 1.5)
    assert str(ours.value) == str(err.value) == (
        "result type Float can't be cast to the desired output type Long")
    with pytest.raises(RuntimeError, match="alpha must not be a floating point"):
        check_inplace_result(mg.int64, 1, alpha=1.5)
    check_inplace_result(mg.float32, mg.tensor([1.0], dtype=mg.float64))  # computes, then casts
    check_inplace_result(mg.float32, 1, alpha=0.5)


def test_inplace_ops_keep_the_dtype_of_self():
    for other in (mg.ones(2, dtype=mg.float64), mg.tensor(1.0, dtype=mg.float64), np.float64(1),
                  1, mg.tensor([1, 1])):
        x = mg.ones(2)
        x += other
        x *= other
        assert x.dtype == mg.float32 and x.tolist() == [2.0, 2.0], other
    n = mg.tensor([1, 2])
    n += mg.tensor([1, 1], dtype=mg.int8)
    assert n.dtype == mg.int64


def test_inplace_ops_refuse_a_higher_category_as_torch():
    for fn in (lambda x: x.add_(1.5), lambda x: x.mul_(mg.ones(2)), lambda x: x.div_(2)):
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type Long"):
            fn(mg.tensor([1, 2]))


# ---- casts, .type(), legacy constructors ----

CASTS = ["float", "double", "half", "long", "int", "short", "bool", "byte", "char"]


def test_cast_methods_match_torch_including_requires_grad():
    for src in ("float32", "int64", "bool"):
        for name in CASTS:
            grad = src == "float32"
            t = torch.ones(2, dtype=getattr(torch, src), requires_grad=grad)
            m = mg.ones(2, dtype=getattr(mg, src), requires_grad=grad)
            tr, mr = getattr(t, name)(), getattr(m, name)()
            assert _name(mr.dtype) == _name(tr.dtype), (src, name)
            assert mr.requires_grad == tr.requires_grad, (src, name)
    x = mg.tensor([1.5, -2.5], requires_grad=True)
    x.double().sum().backward()
    assert x.grad.dtype == mg.float32


def test_type_method_matches_torch():
    for n in NAMES:
        t, m = torch.ones(2, dtype=getattr(torch, n)), mg.ones(2, dtype=getattr(mg, n))
        assert m.type() == t.type(), n
        legacy = t.type()  # 'torch.FloatTensor'...
        assert m.type(legacy).dtype == m.dtype
        assert m.type(getattr(mg, legacy.split(".")[1])).dtype == m.dtype
        assert m.type(mg.float64).dtype == mg.float64 and m.to(mg.int32).dtype == mg.int32
    assert mg.ones(2).type("minigrad.LongTensor").dtype == mg.int64
    x = mg.ones(2, requires_grad=True)
    assert x.type(mg.float64).requires_grad and not x.type(mg.int64).requires_grad


LEGACY = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor",
          "CharTensor", "ByteTensor", "BoolTensor"]


@pytest.mark.parametrize("name", LEGACY)
def test_legacy_constructors_match_torch(name):
    T, M = getattr(torch, name), getattr(mg, name)
    negative = [] if name == "ByteTensor" else [([1.7, -1.7, 0.0],)]  # torch: overflow error
    for args in [([1, 2],), ([1.7, 2.2],), ((2, 3),), ([[1, 2], [3, 4]],),
                 (np.array([2.5, 0.0]),), ([True, False],)] + negative:
        t, m = T(*args), M(*args)
        assert _mismatch(t, m) is None, (name, args)
    for size in ((), (0,), (3,), (2, 3)):
        t, m = T(*size), M(*size)
        assert m.shape == tuple(t.shape) and _name(m.dtype) == _name(t.dtype), size
    for bad in ((2.5,), (2, 3.0)):
        with pytest.raises(TypeError):
            T(*bad)
        with pytest.raises(TypeError):
            M(*bad)
    for n in NAMES:
        t, m = torch.ones(2, dtype=getattr(torch, n)), mg.ones(2, dtype=getattr(mg, n))
        assert isinstance(m, M) == isinstance(t, T), (name, n)
    assert issubclass(M, mg.Tensor) == issubclass(T, torch.Tensor)
    assert type(M([1])) is mg.Tensor


def test_legacy_constructor_of_a_tensor_shares_or_refuses():
    x = mg.ones(2)
    y = mg.FloatTensor(x)
    assert y is not x and np.shares_memory(y._data, x._data)
    with pytest.raises(TypeError):
        mg.FloatTensor(mg.ones(2, dtype=mg.float64))
    with pytest.raises(TypeError):
        torch.FloatTensor(torch.ones(2, dtype=torch.float64))
    assert repr(mg.FloatTensor) == "<class 'minigrad.FloatTensor'>"


def test_dtype_names_and_is_floating_point():
    for alias, n in (("float", "float32"), ("double", "float64"), ("half", "float16"),
                     ("long", "int64"), ("int", "int32"), ("short", "int16"), ("bool", "bool")):
        assert getattr(mg, alias) == getattr(mg, n) and _name(getattr(torch, alias)) == n
    for n in NAMES:
        t, m = torch.ones(2, dtype=getattr(torch, n)), mg.ones(2, dtype=getattr(mg, n))
        assert mg.is_floating_point(m) == torch.is_floating_point(t) == m.is_floating_point()
    with pytest.raises(TypeError):
        mg.is_floating_point(2.0)


# ---- the default dtype ----


def test_set_default_dtype_accepts_floats_only():
    for bad in (mg.int64, mg.bool, np.int32):
        with pytest.raises(TypeError):
            mg.set_default_dtype(bad)
    with pytest.raises(TypeError):
        torch.set_default_dtype(torch.int64)
    assert mg.get_default_dtype() == mg.float32


def test_float64_default_reaches_creation_division_and_layers(float64_default):
    made = {
        "tensor": lambda lib: lib.tensor([1.0, 2.0]), "scalar": lambda lib: lib.tensor(2.5),
        "zeros": lambda lib: lib.zeros(3), "ones": lambda lib: lib.ones(2, 2),
        "empty": lambda lib: lib.empty(2), "full": lambda lib: lib.full((2,), 1.5),
        "arange": lambda lib: lib.arange(0.5, 3), "arange_int": lambda lib: lib.arange(3),
        "linspace": lambda lib: lib.linspace(0, 1, 5), "eye": lambda lib: lib.eye(2),
        "randn": lambda lib: lib.randn(3), "rand": lambda lib: lib.rand(3),
        "int_div": lambda lib: lib.tensor([1, 2]) / lib.tensor([2, 2]),
        "int_exp": lambda lib: lib.exp(lib.tensor([1, 2])),
        "int_plus_float": lambda lib: lib.tensor([1, 2]) + 0.5,
        "linear": lambda lib: (nn if lib is mg else torch.nn).Linear(2, 3).weight,
        "batchnorm": lambda lib: (nn if lib is mg else torch.nn).BatchNorm1d(2).weight,
    }  # fmt: skip
    for what, make in made.items():
        assert _name(make(mg).dtype) == _name(make(torch).dtype), what
    assert mg.get_default_dtype() == mg.float64
    for dt in ("float32", "float64", "int64"):  # the repr names the dtype unless it's a default
        t, m = torch.tensor([1], dtype=getattr(torch, dt)), mg.tensor([1], dtype=getattr(mg, dt))
        assert ("dtype=" in repr(m)) == ("dtype=" in repr(t)), dt
    assert sys.modules["minigrad.tensor"].default_dtype == mg.float64
    from minigrad.tensor import default_dtype

    assert default_dtype == mg.float64


# ---- gradients keep their dtypes ----


def test_gradients_keep_the_parameter_dtype_in_mixed_ops():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    c = mg.tensor(3.0, dtype=mg.float64, requires_grad=True)
    for other in (c, np.float64(3.0), 3.0, mg.tensor(3.0, dtype=mg.float64)):
        w.grad = None
        y = w * other
        assert y.dtype == mg.float32
        y.sum().backward()
        assert w.grad.dtype == mg.float32 and w.grad.tolist() == [3.0, 3.0]
    assert c.grad.dtype == mg.float64 and c.grad.item() == 3.0
    w.grad = None
    big = mg.tensor([1.0, 1.0], dtype=mg.float64, requires_grad=True)
    y = w + big  # dimensioned float64: the result is float64, w's gradient still float32
    assert y.dtype == mg.float64
    (y * y).sum().backward()
    assert w.grad.dtype == mg.float32 and big.grad.dtype == mg.float64
    w.grad = None
    (w * mg.tensor([2, 3])).sum().backward()  # an int tensor becomes float32, no new dtype
    assert w.grad.dtype == mg.float32 and w.grad.tolist() == [2.0, 3.0]


def test_gradients_match_torch_across_dtypes():
    tw = torch.tensor([1.0, 2.0], requires_grad=True)
    tc = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    mw = mg.tensor([1.0, 2.0], requires_grad=True)
    mc = mg.tensor(0.5, dtype=mg.float64, requires_grad=True)
    ((tw * tc + torch.tensor([1, 2])) ** 2 / 3).sum().backward()
    ((mw * mc + mg.tensor([1, 2])) ** 2 / 3).sum().backward()
    for t, m in ((tw, mw), (tc, mc)):
        assert _name(m.grad.dtype) == _name(t.grad.dtype)
        np.testing.assert_allclose(m.grad._data, t.grad.numpy(), rtol=1e-6)
