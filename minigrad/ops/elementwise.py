"""Elementwise ops: arithmetic, unary math, activations, clamp, maximum/minimum, where, casts."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

from ..autograd import apply
from ..tensor import Tensor, as_pair, as_tensor
from . import OUT, call, data_of, defop

__all__ = [
    "add", "sub", "mul", "div", "pow", "neg", "exp", "log", "sqrt", "abs", "tanh", "sigmoid",
    "relu", "clamp", "maximum", "minimum", "where", "cast",
]  # fmt: skip


def _pow_fwd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.power(a, b)


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
    """Gradient of maximum (sign=1) / minimum (sign=-1) for one input: ties share it evenly."""

    def rule(xp: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
        ad, bd = data_of(a), data_of(b)
        win = ad > bd if sign > 0 else ad < bd
        w = win + 0.5 * (ad == bd)
        return g * w.astype(data_of(g).dtype)

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
POW = defop(
    "pow",
    _pow_fwd,
    lambda xp, g, out, a, b: g * b * a ** (b - 1),
    lambda xp, g, out, a, b: g * out * xp.log(a),
    saves=((0, 1), (0, OUT)),
)
POW_SCALAR = defop(
    "pow_scalar",
    lambda x, p: np.power(x, p),
    lambda xp, g, out, x, p: g * p * x ** (p - 1) if p != 2 else g * 2 * x,
    saves=((0,),),
)
NEG = defop("neg", np.negative, lambda xp, g, out, x: -g, saves=())
EXP = defop("exp", np.exp, lambda xp, g, out, x: g * out, saves=((OUT,),))
LOG = defop("log", np.log, lambda xp, g, out, x: g / x, saves=((0,),))
SQRT = defop("sqrt", np.sqrt, lambda xp, g, out, x: g / (2 * out), saves=((OUT,),))
ABS = defop("abs", np.abs, lambda xp, g, out, x: g * np.sign(data_of(x)), saves=((0,),))
TANH = defop("tanh", np.tanh, lambda xp, g, out, x: g * (1 - out * out), saves=((OUT,),))
SIGMOID = defop("sigmoid", special.expit, lambda xp, g, out, x: g * (out * (1 - out)),
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


def _binary(op, a: Any, b: Any):

    a, b = as_pair(a, b)
    return apply(op, a, b)


def add(a: Any, b: Any):
    """Elementwise ``a + b`` with NumPy broadcasting."""
    return _binary(ADD, a, b)


def sub(a: Any, b: Any):
    """Elementwise ``a - b``."""
    return _binary(SUB, a, b)


def mul(a: Any, b: Any):
    """Elementwise ``a * b``."""
    return _binary(MUL, a, b)


def div(a: Any, b: Any):
    """Elementwise true division ``a / b``."""
    return _binary(DIV, a, b)


def pow(a: Any, b: Any):  # noqa: A001  (PyTorch's name)
    """``a ** b``; a Python-number exponent uses the cheaper scalar rule."""

    if isinstance(b, int | float) and not isinstance(b, bool) and isinstance(a, Tensor):
        return apply(POW_SCALAR, a, p=b)
    return _binary(POW, a, b)


def _unary(op):

    def fn(x: Any):
        return apply(op, as_tensor(x))

    fn.__name__ = op.name
    return fn


neg = _unary(NEG)
exp = _unary(EXP)
log = _unary(LOG)
sqrt = _unary(SQRT)
abs = _unary(ABS)  # noqa: A001
tanh = _unary(TANH)
sigmoid = _unary(SIGMOID)
relu = _unary(RELU)
neg.__doc__ = "Elementwise ``-x``."
exp.__doc__ = "Elementwise ``e**x``."
log.__doc__ = "Elementwise natural logarithm."
sqrt.__doc__ = "Elementwise square root."
abs.__doc__ = "Elementwise absolute value (gradient 0 at 0, as PyTorch)."
tanh.__doc__ = "Elementwise hyperbolic tangent."
sigmoid.__doc__ = "Logistic sigmoid, stable for large |x| (no overflow warnings)."
relu.__doc__ = "``max(x, 0)``; gradient 0 at 0, as PyTorch."


def clamp(x: Any, min: float | None = None, max: float | None = None):  # noqa: A002
    """Clip to ``[min, max]``; the gradient passes where ``min <= x <= max``."""

    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    return apply(CLAMP, as_tensor(x), min=min, max=max)


def maximum(a: Any, b: Any):
    """Elementwise maximum; ties split the gradient evenly, as PyTorch."""
    return _binary(MAXIMUM, a, b)


def minimum(a: Any, b: Any):
    """Elementwise minimum; ties split the gradient evenly, as PyTorch."""
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
