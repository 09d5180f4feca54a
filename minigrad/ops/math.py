"""Unary math as PyTorch defines it: trigonometric and hyperbolic functions and their inverses,
exp2/expm1/log1p/log2/log10, reciprocal/rsqrt/square, erf/erfc/erfinv, and rounding.

Each rule reads only what its ``saves`` declares, and is written with ``xp`` and operators (or
calls another op through :func:`~minigrad.ops.call`) so it runs on Tensors too (second order).
Integer and bool inputs compute in the default float dtype, as PyTorch, except ``square`` and the
rounding ops, which keep integer dtypes.
"""

from __future__ import annotations

import math as _m
from typing import Any

import numpy as np
from scipy import special

from ..autograd import apply
from ..tensor import Tensor, as_tensor
from . import OUT, call, data_of, defop

__all__ = [
    "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh",
    "exp2", "expm1", "log1p", "log2", "log10", "reciprocal", "rsqrt", "square", "erf", "erfc",
    "erfinv", "floor", "ceil", "trunc", "frac", "round", "sign", "sgn",
]  # fmt: skip

_LN2, _LN10 = _m.log(2.0), _m.log(10.0)
_TWO_OVER_SQRT_PI, _HALF_SQRT_PI = 2.0 / _m.sqrt(_m.pi), _m.sqrt(_m.pi) / 2.0


def _scipy(fn):
    """A SciPy ufunc that keeps half precision half (SciPy has no float16 loop)."""

    def forward(x: np.ndarray) -> np.ndarray:
        if x.dtype == np.float16:
            return fn(x.astype(np.float32)).astype(np.float16)
        return fn(x)

    return forward


def _erfinv(x: np.ndarray) -> np.ndarray:
    return np.copysign(special.erfinv(x), x)  # odd, as PyTorch's: erfinv(-0.0) is -0.0


def _rsqrt_fwd(x: np.ndarray) -> np.ndarray:
    return np.reciprocal(np.sqrt(x))


def _square_fwd(x: np.ndarray) -> np.ndarray:
    return np.square(x.astype(np.int64) if x.dtype.kind == "b" else x)


SIN = defop("sin", np.sin, lambda xp, g, out, x: g * call(xp, COS, x), saves=((0,),))
COS = defop("cos", np.cos, lambda xp, g, out, x: -g * call(xp, SIN, x), saves=((0,),))
TAN = defop("tan", np.tan, lambda xp, g, out, x: g * (1 + out * out), saves=((OUT,),))
ASIN = defop("asin", np.arcsin, lambda xp, g, out, x: g / xp.sqrt(1 - x * x), saves=((0,),))
ACOS = defop("acos", np.arccos, lambda xp, g, out, x: -g / xp.sqrt(1 - x * x), saves=((0,),))
ATAN = defop("atan", np.arctan, lambda xp, g, out, x: g / (1 + x * x), saves=((0,),))
SINH = defop("sinh", np.sinh, lambda xp, g, out, x: g * call(xp, COSH, x), saves=((0,),))
COSH = defop("cosh", np.cosh, lambda xp, g, out, x: g * call(xp, SINH, x), saves=((0,),))
ASINH = defop("asinh", np.arcsinh, lambda xp, g, out, x: g / xp.sqrt(x * x + 1),
              saves=((0,),))
ACOSH = defop("acosh", np.arccosh, lambda xp, g, out, x: g / xp.sqrt((x - 1) * (x + 1)),
              saves=((0,),))
ATANH = defop("atanh", np.arctanh, lambda xp, g, out, x: g / (1 - x * x), saves=((0,),))
EXP2 = defop("exp2", np.exp2, lambda xp, g, out, x: g * (out * _LN2), saves=((OUT,),))
EXPM1 = defop("expm1", np.expm1, lambda xp, g, out, x: g * (out + 1), saves=((OUT,),))
LOG1P = defop("log1p", np.log1p, lambda xp, g, out, x: g / (x + 1), saves=((0,),))
LOG2 = defop("log2", np.log2, lambda xp, g, out, x: g / (x * _LN2), saves=((0,),))
LOG10 = defop("log10", np.log10, lambda xp, g, out, x: g / (x * _LN10), saves=((0,),))
RECIPROCAL = defop("reciprocal", np.reciprocal, lambda xp, g, out, x: -g * (out * out),
                   saves=((OUT,),))
RSQRT = defop("rsqrt", _rsqrt_fwd, lambda xp, g, out, x: -0.5 * g * (out * out * out),
              saves=((OUT,),))
SQUARE = defop("square", _square_fwd, lambda xp, g, out, x: g * (2 * x), saves=((0,),))
ERF = defop("erf", _scipy(special.erf),
            lambda xp, g, out, x: g * (_TWO_OVER_SQRT_PI * xp.exp(-(x * x))), saves=((0,),))
ERFC = defop("erfc", _scipy(special.erfc),
             lambda xp, g, out, x: -g * (_TWO_OVER_SQRT_PI * xp.exp(-(x * x))), saves=((0,),))
ERFINV = defop("erfinv", _scipy(_erfinv),
               lambda xp, g, out, x: g * (_HALF_SQRT_PI * xp.exp(out * out)), saves=((OUT,),))


def _zero_rule(xp: Any, g: Any, out: Any, x: Any, **params: Any) -> Any:
    """PyTorch's gradient of a step function: zeros (not ``g * 0``, which keeps NaNs)."""
    if xp is np:
        return np.zeros_like(g)
    return xp.where(np.zeros(data_of(g).shape, bool), g, 0.0)


def _frac_fwd(x: np.ndarray) -> np.ndarray:
    return x - np.trunc(x)


def _round_fwd(x: np.ndarray, decimals: int = 0) -> np.ndarray:
    if x.dtype.kind != "f":
        return x.copy()
    return np.round(x, decimals) if decimals else np.rint(x)  # half to even, as PyTorch


def _sign_fwd(x: np.ndarray) -> np.ndarray:
    if x.dtype.kind != "f":
        return x.copy() if x.dtype.kind == "b" else np.sign(x)
    return (x > 0).astype(x.dtype) - (x < 0)  # NaN and -0.0 give +0.0, as PyTorch


def _keep_int(fn):
    return lambda x: fn(x) if x.dtype.kind == "f" else x.copy()


FLOOR = defop("floor", _keep_int(np.floor), _zero_rule, saves=())
CEIL = defop("ceil", _keep_int(np.ceil), _zero_rule, saves=())
TRUNC = defop("trunc", _keep_int(np.trunc), _zero_rule, saves=())
ROUND = defop("round", _round_fwd, _zero_rule, saves=())
SIGN = defop("sign", _sign_fwd, _zero_rule, saves=())
FRAC = defop("frac", _frac_fwd, lambda xp, g, out, x: g, saves=())


# ---- public functions ----


def _unary(op, promote: bool = True, doc: str = ""):
    """``fn(input)`` as PyTorch names it; ``promote``: integers compute in the default float."""

    def fn(input: Any) -> Tensor:  # noqa: A002  (PyTorch's name)
        x = as_tensor(input)
        if promote and x._data.dtype.kind != "f":
            x = _promotion.to_float(x)
        return apply(op, x)

    fn.__name__ = fn.__qualname__ = op.name
    fn.__doc__ = doc
    return fn


def _no_bool(op, doc: str, kinds: str = "b"):
    """A rounding op: integers come back as they are; ``kinds`` PyTorch refuses."""
    name = "frac_cpu" if op is FRAC else f"{op.name}_vml_cpu"

    def fn(input: Any) -> Tensor:  # noqa: A002
        x = as_tensor(input)
        k = x._data.dtype.kind
        if k in kinds:
            raise RuntimeError(f"\"{name}\" not implemented for '{_TORCH[x._data.dtype.name]}'")
        return apply(op, x)

    fn.__name__ = fn.__qualname__ = op.name
    fn.__doc__ = doc
    return fn


_TORCH = {"bool": "Bool", "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
          "uint8": "Byte"}

sin = _unary(SIN, doc="Elementwise sine.")
cos = _unary(COS, doc="Elementwise cosine.")
tan = _unary(TAN, doc="Elementwise tangent.")
asin = _unary(ASIN, doc="Elementwise arcsine.")
acos = _unary(ACOS, doc="Elementwise arccosine.")
atan = _unary(ATAN, doc="Elementwise arctangent.")
sinh = _unary(SINH, doc="Elementwise hyperbolic sine.")
cosh = _unary(COSH, doc="Elementwise hyperbolic cosine.")
asinh = _unary(ASINH, doc="Elementwise inverse hyperbolic sine.")
acosh = _unary(ACOSH, doc="Elementwise inverse hyperbolic cosine.")
atanh = _unary(ATANH, doc="Elementwise inverse hyperbolic tangent.")
exp2 = _unary(EXP2, doc="Elementwise ``2**x``.")
expm1 = _unary(EXPM1, doc="Elementwise ``e**x - 1``, accurate near 0.")
log1p = _unary(LOG1P, doc="Elementwise ``log(1 + x)``, accurate near 0.")
log2 = _unary(LOG2, doc="Elementwise base-2 logarithm.")
log10 = _unary(LOG10, doc="Elementwise base-10 logarithm.")
reciprocal = _unary(RECIPROCAL, doc="Elementwise ``1 / x``.")
rsqrt = _unary(RSQRT, doc="Elementwise ``1 / sqrt(x)``.")
square = _unary(SQUARE, promote=False, doc="Elementwise ``x * x`` (integers stay integers, "
                                            "bool becomes int64, as PyTorch).")
erf = _unary(ERF, doc="The error function.")
erfc = _unary(ERFC, doc="The complementary error function ``1 - erf(x)``.")
erfinv = _unary(ERFINV, doc="The inverse error function.")
floor = _no_bool(FLOOR, "Round down; integers come back unchanged; gradient zero, as PyTorch.")
ceil = _no_bool(CEIL, "Round up; integers come back unchanged; gradient zero, as PyTorch.")
trunc = _no_bool(TRUNC, "Round toward zero; gradient zero, as PyTorch.")
frac = _no_bool(FRAC, "``x - trunc(x)``; gradient one, as PyTorch.", kinds="biu")
sign = _unary(SIGN, promote=False, doc="-1, 0 or 1 by sign (bool stays bool); gradient zero.")
sgn = _unary(SIGN, promote=False, doc="``sign`` (the same for real tensors).")
sgn.__name__ = sgn.__qualname__ = "sgn"


def round(input: Any, *, decimals: int = 0) -> Tensor:  # noqa: A001,A002
    """Round half to even (to ``decimals`` places); integers come back unchanged; gradient zero."""
    x = as_tensor(input)
    if x._data.dtype.kind == "b":
        raise RuntimeError("\"round_vml_cpu\" not implemented for 'Bool'")
    return apply(ROUND, x, decimals=decimals) if decimals else apply(ROUND, x)


FUNCTIONS = {name: globals()[name] for name in __all__}
"""Every public function here, also a Tensor method of the same name."""
ALIASES = {"arcsin": asin, "arccos": acos, "arctan": atan, "arcsinh": asinh, "arccosh": acosh,
           "arctanh": atanh, "fix": trunc}
"""PyTorch's other names for them (``torch.arcsin`` ...), functions and methods alike."""
INPLACE = {"sin": SIN, "cos": COS, "tan": TAN, "asin": ASIN, "acos": ACOS, "atan": ATAN,
           "sinh": SINH, "cosh": COSH, "asinh": ASINH, "acosh": ACOSH, "atanh": ATANH,
           "exp2": EXP2, "expm1": EXPM1, "log1p": LOG1P, "log2": LOG2, "log10": LOG10,
           "reciprocal": RECIPROCAL, "rsqrt": RSQRT, "square": SQUARE, "erf": ERF, "erfc": ERFC,
           "erfinv": ERFINV, "floor": FLOOR, "ceil": CEIL, "trunc": TRUNC, "frac": FRAC,
           "round": ROUND, "sign": SIGN, "sgn": SIGN, "arcsin": ASIN, "arccos": ACOS,
           "arctan": ATAN, "arcsinh": ASINH, "arccosh": ACOSH, "arctanh": ATANH, "fix": TRUNC}
"""The ops behind the in-place ``x.sin_()`` methods (:mod:`minigrad.inplace` makes them)."""

from .. import promotion as _promotion  # noqa: E402
