"""Elementwise ops: arithmetic, unary math, activations, clamp, maximum/minimum, where, casts."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

from .. import dtypes as _dt
from ..autograd import apply
from ..tensor import Tensor, as_pair, as_tensor
from . import OUT, call, data_of, defop

__all__ = [
    "add", "sub", "mul", "div", "pow", "neg", "exp", "log", "sqrt", "abs", "tanh", "sigmoid",
    "relu", "clamp", "maximum", "minimum", "where", "cast",
]  # fmt: skip


def _pow_fwd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if b.dtype.kind == "i" and (b < 0).any():
        return _powi(a, b)
    return np.power(a, b)


def _powi(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Integer power with negative exponents as PyTorch: 1 for 1, +-1 for -1, else 0."""
    out = np.power(a, np.maximum(b, 0))
    odd = (b % 2) != 0
    inv = np.where(a == 1, 1, np.where(a == -1, np.where(odd, -1, 1), 0))
    return np.where(b < 0, inv, out).astype(out.dtype)


def _clamp_fwd(x: np.ndarray, min: float | None = None, max: float | None = None) -> np.ndarray:
    return np.clip(x, min, max)


def _clamp_mask(x: Any, min: float | None, max: float | None) -> np.ndarray:
    x = data_of(x)
    mask = np.ones(x.shape, dtype=bool)
    if min is not None:
        mask &= x >= min
    if max is not None:
        mask &= x <= max
    return mask


def _relu_fwd(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0)


def _tie_rule(sign: int):
    """Gradient of maximum (sign=1) / minimum (sign=-1) for one input, as PyTorch: ties share it
    evenly, a NaN operand takes it whole (as does the other side)."""

    def rule(xp: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
        ad, bd = data_of(a), data_of(b)
        lose = ad < bd if sign > 0 else ad > bd  # NaN never loses: it takes the gradient
        w = (~lose).astype(data_of(g).dtype)
        tie = ad == bd
        if tie.any():
            w = w * np.where(tie, 0.5, 1.0).astype(w.dtype)
        return g * w

    return rule


def _swap(rule):
    return lambda xp, g, out, a, b: rule(xp, g, out, b, a)


ADD = defop("add", np.add, lambda xp, g, out, a, b: g, lambda xp, g, out, a, b: g, saves=())
SUB = defop("sub", np.subtract, lambda xp, g, out, a, b: g, lambda xp, g, out, a, b: -g,
            saves=())
MUL = defop("mul", np.multiply, lambda xp, g, out, a, b: g * b, lambda xp, g, out, a, b: g * a,
            saves=((1,), (0,)))
DIV = defop(
    "div",
    np.divide,
    lambda xp, g, out, a, b: g / b,
    lambda xp, g, out, a, b: -g * ((a / b) / b),  # PyTorch's form: reads a and b, not the output
    saves=((1,), (0, 1)),
)
def _pow_base_rule(xp, g, out, a, b):
    """PyTorch's: zero where the exponent is 0 (so 0 ** 0 has gradient 0, not NaN)."""
    zero = data_of(b) == 0
    if not zero.any():
        return g * b * a ** (b - 1)
    return xp.where(np.broadcast_to(zero, data_of(g).shape), np.zeros((), data_of(g).dtype),
                    g * b * a ** (b - 1))


def _pow_exponent_rule(xp, g, out, a, b):
    """PyTorch's: zero where the base is 0 and the exponent >= 0 (not ``0 * log 0``)."""
    ad, bd = data_of(a), data_of(b)
    base_zero = ad == 0
    if not base_zero.any():
        return g * (out * xp.log(a))
    zero = np.broadcast_to(base_zero & (bd >= 0), data_of(g).shape)
    return g * xp.where(zero, np.zeros((), data_of(g).dtype), out * xp.log(a))  # torch's order


def _pow_scalar_rule(xp, g, out, x, p):
    if p == 0:  # PyTorch's pow_backward: zeros (x ** -1 * 0 would be NaN at x = 0)
        return xp.where(np.zeros(data_of(g).shape, bool), g, np.zeros((), data_of(g).dtype))
    return g * 2 * x if p == 2 else g * p * x ** (p - 1)


POW = defop("pow", _pow_fwd, _pow_base_rule, _pow_exponent_rule, saves=((0, 1), (0, 1, OUT)))
POW_SCALAR = defop("pow_scalar", lambda x, p: np.power(x, p), _pow_scalar_rule, saves=((0,),))
NEG = defop("neg", np.negative, lambda xp, g, out, x: -g, saves=())
EXP = defop("exp", np.exp, lambda xp, g, out, x: g * out, saves=((OUT,),))
LOG = defop("log", np.log, lambda xp, g, out, x: g / x, saves=((0,),))
SQRT = defop("sqrt", np.sqrt, lambda xp, g, out, x: g / (2 * out), saves=((OUT,),))
ABS = defop("abs", np.abs, lambda xp, g, out, x: g * np.sign(data_of(x)), saves=((0,),))
TANH = defop("tanh", np.tanh, lambda xp, g, out, x: g * (1 - out * out), saves=((OUT,),))


def _sigmoid_fwd(x: np.ndarray) -> np.ndarray:
    if x.dtype == np.float16:  # SciPy has no half loop (it would return float64)
        return special.expit(x.astype(np.float32)).astype(np.float16)
    return special.expit(x)


SIGMOID = defop("sigmoid", _sigmoid_fwd, lambda xp, g, out, x: g * (out * (1 - out)),
                saves=((OUT,),))
RELU = defop("relu", _relu_fwd, lambda xp, g, out, x: g * (data_of(out) > 0), saves=((OUT,),))
CLAMP = defop(
    "clamp", _clamp_fwd, lambda xp, g, out, x, min=None, max=None: g * _clamp_mask(x, min, max),
    saves=((0,),),
)
MAXIMUM = defop("maximum", np.maximum, _tie_rule(1), _swap(_tie_rule(1)), saves=((0, 1), (0, 1)))
MINIMUM = defop("minimum", np.minimum, _tie_rule(-1), _swap(_tie_rule(-1)), saves=((0, 1), (0, 1)))


def _where_fwd(a: np.ndarray, b: np.ndarray, cond: np.ndarray) -> np.ndarray:
    return np.where(cond, a, b)


def _where_rule(take_a: bool):
    def rule(xp: Any, g: Any, out: Any, a: Any, b: Any, cond: np.ndarray) -> Any:
        keep = cond if take_a else ~cond
        return g * keep

    return rule


WHERE = defop("where", _where_fwd, _where_rule(True), _where_rule(False), saves=())


def _cast_rule(xp: Any, g: Any, out: Any, x: Any, dtype: np.dtype) -> Any:
    return call(xp, CAST, g, dtype=data_of(x).dtype)


CAST = defop("cast", lambda x, dtype: x.astype(dtype), _cast_rule, saves=())


# ---- public functions (Tensor methods and minigrad.* call these) ----


# The arithmetic below tests ``isinstance(a, Tensor) and isinstance(b, Tensor) and
# a._data.dtype is b._data.dtype`` inline: two same-dtype tensors (a training step's hundreds of
# ops) then skip as_pair's call; anything else is promoted by as_pair (minigrad.dtypes' rules).
_BOOL, _F32 = np.dtype(bool), np.dtype(np.float32)


def _binary(op, a: Any, b: Any):
    a, b = as_pair(a, b)
    return apply(op, a, b)


def add(a: Any, b: Any):
    """Elementwise ``a + b`` with NumPy broadcasting."""
    if not (isinstance(a, Tensor) and isinstance(b, Tensor) and a._data.dtype is b._data.dtype):
        a, b = as_pair(a, b)
    return apply(ADD, a, b)


def sub(a: Any, b: Any):
    """Elementwise ``a - b``; bool operands are refused, as PyTorch."""
    if not (isinstance(a, Tensor) and isinstance(b, Tensor)
            and a._data.dtype is b._data.dtype is not _BOOL):
        _dt.sub_check(a, b)
        a, b = as_pair(a, b)
    return apply(SUB, a, b)


def mul(a: Any, b: Any):
    """Elementwise ``a * b``."""
    if not (isinstance(a, Tensor) and isinstance(b, Tensor) and a._data.dtype is b._data.dtype):
        a, b = as_pair(a, b)
    return apply(MUL, a, b)


def div(a: Any, b: Any):
    """Elementwise true division ``a / b``; integers divide in the default float dtype."""
    if not (isinstance(a, Tensor) and isinstance(b, Tensor) and a._data.dtype is b._data.dtype):
        a, b = as_pair(a, b)
    dt = a._data.dtype
    if dt is not _F32 and dt.kind != "f":
        a, b = _promotion.to_float(a), _promotion.to_float(b)
    return apply(DIV, a, b)


_NEG_POWER = "Integers to negative integer powers are not allowed."


def pow(a: Any, b: Any):  # noqa: A001  (PyTorch's name)
    """``a ** b`` with PyTorch's dtypes; a Python-number exponent uses the cheaper scalar rule."""
    if isinstance(a, Tensor) and type(b) in (int, float):
        kind = a._data.dtype.kind
        if kind != "f":
            if type(b) is float:
                a = _promotion.to_float(a)
            elif b < 0:
                raise RuntimeError(_NEG_POWER)
            elif kind == "b":
                a = cast(a, np.int64)
        return apply(POW_SCALAR, a, p=b)
    pa, pb = as_pair(a, b)
    kind = pa._data.dtype.kind
    if kind in "biu" and _dt.scalar_dtype(b) is not None and b < 0:
        raise RuntimeError(_NEG_POWER)
    if kind == "b":
        if isinstance(a, Tensor) and isinstance(b, bool):  # x ** True, x ** False
            return Tensor._wrap(a._data.copy() if b else np.ones(a.shape, bool))
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")
    return apply(POW, pa, pb)


def _unary(op, to_float: bool = False, no_bool: type[Exception] | None = None, msg: str = ""):
    """A unary op; ``to_float``: integers compute in the default float dtype (as PyTorch);
    ``no_bool``: the error PyTorch raises for a bool input."""

    def fn(x: Any):
        x = as_tensor(x)
        kind = x._data.dtype.kind
        if kind != "f":
            if to_float:
                x = _promotion.to_float(x)
            elif no_bool is not None and kind == "b":
                raise no_bool(msg)
        return apply(op, x)

    fn.__name__ = op.name
    return fn


neg = _unary(NEG, no_bool=RuntimeError,
             msg="Negation, the `-` operator, on a bool tensor is not supported. If you are "
                 "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
exp = _unary(EXP, to_float=True)
log = _unary(LOG, to_float=True)
sqrt = _unary(SQRT, to_float=True)
abs = _unary(ABS, no_bool=NotImplementedError,  # noqa: A001
             msg="\"abs_cpu\" not implemented for 'Bool'")
tanh = _unary(TANH, to_float=True)
sigmoid = _unary(SIGMOID, to_float=True)
relu = _unary(RELU, no_bool=RuntimeError, msg="Boolean inputs not supported for relu")
neg.__doc__ = "Elementwise ``-x``."
exp.__doc__ = "Elementwise ``e**x``."
log.__doc__ = "Elementwise natural logarithm."
sqrt.__doc__ = "Elementwise square root."
abs.__doc__ = "Elementwise absolute value (gradient 0 at 0, as PyTorch)."
tanh.__doc__ = "Elementwise hyperbolic tangent."
sigmoid.__doc__ = "Logistic sigmoid, stable for large |x| (no overflow warnings)."
relu.__doc__ = "``max(x, 0)``; gradient 0 at 0, as PyTorch."


def clamp(x: Any, min: float | None = None, max: float | None = None):  # noqa: A002
    """Clip to ``[min, max]``; the gradient passes where ``min <= x <= max``. The result dtype
    counts the bounds too (an integer tensor clamped to 0.5 is float), as PyTorch."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    x = as_tensor(x)
    if x._data.dtype.kind != "f" or type(min) not in _PLAIN or type(max) not in _PLAIN:
        bounds = [v for v in (min, max) if v is not None]
        x = _promotion.promote_all(x, *bounds)[0]
    return apply(CLAMP, x, min=min, max=max)


_PLAIN = (int, float, type(None))


def _tensors(name: str, a: Any, b: Any) -> None:
    """PyTorch has only a Tensor overload: a number operand is a TypeError."""
    for pos, (arg, v) in enumerate((("input", a), ("other", b)), 1):
        if not isinstance(v, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not "
                            f"{type(v).__name__}")


def maximum(a: Any, b: Any):
    """Elementwise maximum of two tensors; ties split the gradient evenly, as PyTorch."""
    _tensors("maximum", a, b)
    return _binary(MAXIMUM, a, b)


def minimum(a: Any, b: Any):
    """Elementwise minimum of two tensors; ties split the gradient evenly, as PyTorch."""
    _tensors("minimum", a, b)
    return _binary(MINIMUM, a, b)


def where(condition: Any, a: Any, b: Any):
    """Choose ``a`` where ``condition`` holds, else ``b``; the condition gets no gradient."""
    a, b = as_pair(a, b)
    cond = np.asarray(data_of(condition), dtype=bool)
    return apply(WHERE, a, b, cond=cond)


def cast(x: Any, dtype: Any):
    """Convert to ``dtype``; differentiable between floating dtypes."""
    x = as_tensor(x)
    dtype = np.dtype(dtype)
    if x.dtype == dtype:
        return x
    if x.requires_grad and not np.issubdtype(dtype, np.floating):
        return apply(CAST, x.detach(), dtype=dtype)
    return apply(CAST, x, dtype=dtype)


from .. import promotion as _promotion  # noqa: E402  (it builds on cast, above)
