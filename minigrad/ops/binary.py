"""Elementwise binary ops as PyTorch defines them: atan2, fmod, remainder, floor_divide,
div's rounding modes, lerp, hypot, copysign, logaddexp(2), xlogy, fmax/fmin, clamp with tensor
bounds, and add/sub's ``alpha``.

Operands are promoted by :mod:`minigrad.promotion` (``torch.result_type``); ops that only have a
float kernel in PyTorch compute integers in the default float dtype. Each rule reads only what
its ``saves`` declares and is written with ``xp`` and ops, so it runs on Tensors (second order).
"""

from __future__ import annotations

import math as _m
from typing import Any

import numpy as np

from .. import dtypes as _dt
from .. import promotion as _promotion
from ..autograd import apply
from ..tensor import Tensor, as_pair, as_tensor
from . import OUT, call, data_of, defop
from . import elementwise as _ew
from . import math as _mt

__all__ = ["atan2", "fmod", "remainder", "floor_divide", "div", "lerp", "hypot", "copysign",
           "logaddexp", "logaddexp2", "xlogy", "fmax", "fmin", "clamp", "add", "sub"]  # fmt: skip

_LN2 = _m.log(2.0)


def _zeros(xp: Any, g: Any) -> Any:
    """A zero gradient shaped as ``g`` (not ``g * 0``, which keeps NaN), as PyTorch's."""
    z = np.zeros(data_of(g).shape, data_of(g).dtype)
    return z if xp is np else xp.where(np.zeros(z.shape, bool), g, z)


def _mask(xp: Any, g: Any, keep: Any) -> Any:
    """``g`` where ``keep`` holds, else exactly 0 (NaN in ``g`` elsewhere does not leak)."""
    keep = np.broadcast_to(np.asarray(data_of(keep), bool), data_of(g).shape)
    return xp.where(keep, g, np.zeros((), data_of(g).dtype))


def _int_zero_check(b: np.ndarray, a: np.ndarray) -> None:
    if a.dtype.kind in "iu" and b.dtype.kind in "iub" and (b == 0).any():
        raise RuntimeError("ZeroDivisionError")


def _fmod_fwd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    _int_zero_check(b, a)
    return np.fmod(a, b)


def _remainder_fwd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    _int_zero_check(b, a)
    if a.dtype.kind == "f":  # PyTorch's a - b * floor(a / b), kept where NumPy's differs
        r = np.fmod(a, b)
        return np.where((r != 0) & ((r < 0) != (b < 0)), r + b, r)
    return np.remainder(a, b)


def _div_fwd(a: np.ndarray, b: np.ndarray, mode: str = "trunc") -> np.ndarray:
    if a.dtype.kind == "f":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.trunc(a / b) if mode == "trunc" else np.floor_divide(a, b)
    _int_zero_check(b, a)
    if a.dtype.kind == "b":
        a, b = a.astype(np.int64), b.astype(np.int64)  # never reached by floats: no grad
    if mode == "floor":
        return np.floor_divide(a, b)
    q = np.floor_divide(a, b)
    return q + ((q < 0) & (q * b != a))  # C division truncates toward zero


def _logaddexp2_fwd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.logaddexp2(a, b)


def _xlogy_fwd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        r = a * np.log(b)
    return np.where((a == 0) & ~np.isnan(b), np.zeros((), r.dtype), r)


def _lerp_fwd(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    # PyTorch's two-sided form: exact at both ends (w = 0 gives a, w = 1 gives b)
    return np.where(np.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))


def _copysign_fwd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.copysign(a, b)


def _copysign_rule(xp, g, out, a, b):
    ad = data_of(a)
    ratio = np.where(ad == 0, 0, np.copysign(np.ones((), ad.dtype), data_of(out)) * np.sign(ad))
    return g * ratio.astype(ad.dtype)


def _f_rule(take_a: bool, sign: int):
    """fmax (sign=1) / fmin (-1): ``a`` takes the gradient where it wins, ties or ``b`` NaN."""

    def rule(xp, g, out, a, b):
        ad, bd = data_of(a), data_of(b)
        a_wins = ((ad >= bd) if sign > 0 else (ad <= bd)) | np.isnan(bd)
        return _mask(xp, g, a_wins if take_a else ~a_wins)

    return rule


def _clamp_t_fwd(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return np.minimum(np.maximum(x, lo), hi)


def _clamp_t_rule(k: int):
    """PyTorch's clamp_backward_min_max: x where lo <= x <= hi, lo where x < lo < hi, hi where
    x > hi or hi < lo."""

    def rule(xp, g, out, x, lo, hi):
        xd, ld, hd = data_of(x), data_of(lo), data_of(hi)
        keep = [(xd >= ld) & (xd <= hd), (xd < ld) & (ld < hd), (xd > hd) | (hd < ld)][k]
        return _mask(xp, g, keep)

    return rule


ATAN2 = defop("atan2", np.arctan2, lambda xp, g, out, a, b: g * (b / (a * a + b * b)),
              lambda xp, g, out, a, b: g * (-a / (a * a + b * b)), saves=((0, 1), (0, 1)))
FMOD = defop("fmod", _fmod_fwd, lambda xp, g, out, a, b: g,
             lambda xp, g, out, a, b: -g * call(xp, DIV_ROUND, a, b, mode="trunc"),
             saves=((), (0, 1)))
REMAINDER = defop("remainder", _remainder_fwd, lambda xp, g, out, a, b: g,
                  lambda xp, g, out, a, b: -g * call(xp, DIV_ROUND, a, b, mode="floor"),
                  saves=((), (0, 1)))
DIV_ROUND = defop("div_round", _div_fwd, lambda xp, g, out, a, b, mode="trunc": _zeros(xp, g),
                  lambda xp, g, out, a, b, mode="trunc": _zeros(xp, g), saves=())
HYPOT = defop("hypot", np.hypot, lambda xp, g, out, a, b: g * (a / out),
              lambda xp, g, out, a, b: g * (b / out), saves=((0, OUT), (1, OUT)))
COPYSIGN = defop("copysign", _copysign_fwd, _copysign_rule,
                 lambda xp, g, out, a, b: _zeros(xp, g), saves=((0, OUT), ()))
LOGADDEXP = defop("logaddexp", np.logaddexp, lambda xp, g, out, a, b: g * xp.exp(a - out),
                  lambda xp, g, out, a, b: g * xp.exp(b - out), saves=((0, OUT), (1, OUT)))
LOGADDEXP2 = defop("logaddexp2", _logaddexp2_fwd,
                   lambda xp, g, out, a, b: g * call(xp, _mt.EXP2, a - out),
                   lambda xp, g, out, a, b: g * call(xp, _mt.EXP2, b - out),
                   saves=((0, OUT), (1, OUT)))
XLOGY = defop("xlogy", _xlogy_fwd,
              lambda xp, g, out, a, b: g * call(xp, XLOGY, (data_of(a) != 0).astype(
                  data_of(b).dtype), b),
              lambda xp, g, out, a, b: g * a / b, saves=((1,), (0, 1)))
LERP = defop("lerp", _lerp_fwd, lambda xp, g, out, a, b, w: g * (1 - w),
             lambda xp, g, out, a, b, w: g * w, lambda xp, g, out, a, b, w: g * (b - a),
             saves=((2,), (2,), (0, 1)))
FMAX = defop("fmax", np.fmax, _f_rule(True, 1), _f_rule(False, 1), saves=((0, 1), (0, 1)))
FMIN = defop("fmin", np.fmin, _f_rule(True, -1), _f_rule(False, -1), saves=((0, 1), (0, 1)))
CLAMP_T = defop("clamp_tensor", _clamp_t_fwd, _clamp_t_rule(0), _clamp_t_rule(1),
                _clamp_t_rule(2), saves=((0, 1, 2), (0, 1, 2), (0, 1, 2)))


# ---- public functions ----


def _floats(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    if a._data.dtype.kind != "f":
        return _promotion.to_float(a), _promotion.to_float(b)
    return a, b


def _binary(op, name: str, float_only: bool = False, no_int: str = "", doc: str = "",
            tensors: bool = False):
    """``fn(input, other)``: operands promoted; ``float_only``: integers compute in the default
    float; ``no_int``: the kernel name PyTorch refuses integers with (``hypot_cpu``);
    ``tensors``: both operands must be tensors (PyTorch has no number overload)."""

    def fn(input: Any, other: Any, *, out: Any = None) -> Tensor:  # noqa: A002
        if tensors:
            _ew._tensors(name, input, other)
        a, b = as_pair(input, other)
        k = a._data.dtype.kind
        if no_int and k != "f":
            raise NotImplementedError(f"\"{no_int}\" not implemented for "
                                      f"'{_dt.torch_name(a._data.dtype)}'")
        if float_only:
            a, b = _floats(a, b)
        if k == "b" and op in (FMOD, REMAINDER):
            raise NotImplementedError(f"\"{op.name}_cpu\" not implemented for 'Bool'")
        return _out(apply(op, a, b), out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


def _out(r: Tensor, out: Any) -> Tensor:
    return r if out is None else out.copy_(r)


atan2 = _binary(ATAN2, "atan2", True, tensors=True,
                doc="Elementwise ``atan(input / other)`` in the right quadrant; integers give "
                    "the default float dtype.")
fmod = _binary(FMOD, "fmod", doc="C's remainder (the sign of the dividend); integer division "
               "by zero raises, as PyTorch.")
remainder = _binary(REMAINDER, "remainder", doc="Python's remainder (the sign of the divisor), "
                    "as ``%``.")
hypot = _binary(HYPOT, "hypot", tensors=True, no_int="hypot_cpu",
                doc="``sqrt(input**2 + other**2)`` without overflow.")
copysign = _binary(COPYSIGN, "copysign", True, doc="``|input|`` with the sign of ``other``; "
                   "``other`` gets a zero gradient.")
logaddexp = _binary(LOGADDEXP, "logaddexp", tensors=True, no_int="logaddexp_cpu",
                    doc="``log(exp(input) + exp(other))`` computed stably.")
logaddexp2 = _binary(LOGADDEXP2, "logaddexp2", tensors=True, no_int="logaddexp2_cpu",
                     doc="``log2(2**input + 2**other)`` computed stably.")
xlogy = _binary(XLOGY, "xlogy", True, doc="``input * log(other)``, 0 where ``input`` is 0 "
                "(unless ``other`` is NaN), as PyTorch.")
fmax = _binary(FMAX, "fmax", tensors=True,
               doc="Elementwise maximum ignoring NaN; ties give the gradient to ``input``, as "
                   "PyTorch.")
fmin = _binary(FMIN, "fmin", tensors=True,
               doc="Elementwise minimum ignoring NaN; ties give the gradient to ``input``, as "
                   "PyTorch.")


def floor_divide(input: Any, other: Any, *, out: Any = None) -> Tensor:  # noqa: A002
    """``input // other`` rounded toward minus infinity (as PyTorch, which has no gradient)."""
    a, b = as_pair(input, other)
    if a._data.dtype.kind == "b":
        raise NotImplementedError("\"div_floor_cpu\" not implemented for 'Bool'")
    if a.requires_grad or b.requires_grad:
        with _no_grad():
            r = apply(DIV_ROUND, a, b, mode="floor")
        return _out(r, out)
    return _out(apply(DIV_ROUND, a, b, mode="floor"), out)


def div(input: Any, other: Any, *, rounding_mode: str | None = None,  # noqa: A002
        out: Any = None) -> Tensor:
    """True division, or rounded ``'trunc'``/``'floor'`` (integers stay integers; gradient 0)."""
    if rounding_mode is None:
        return _out(_ew.div(input, other), out)
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{rounding_mode}'")
    a, b = as_pair(input, other)
    return _out(apply(DIV_ROUND, a, b, mode=rounding_mode), out)


_C = {"float64": "double", "float32": "float", "float16": "c10::Half", "int64": "long int",
      "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
      "bool": "bool"}


def _c_name(t: Tensor) -> str:
    """The C++ type name PyTorch's lerp messages use (``long int`` for int64)."""
    return _C.get(t._data.dtype.name, t._data.dtype.name)


def lerp(input: Any, end: Any, weight: Any, *, out: Any = None) -> Tensor:  # noqa: A002
    """``input + weight * (end - input)``; ``weight`` a number or a tensor, as PyTorch."""
    a, b = as_tensor(input), as_tensor(end)
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected dtype {_c_name(a)} for `end` but got dtype {_c_name(b)}")
    if a._data.dtype.kind != "f":
        raise NotImplementedError(f"\"lerp_kernel_scalar\" not implemented for "
                                  f"'{_dt.torch_name(a._data.dtype)}'")
    if isinstance(weight, Tensor):
        if weight._data.dtype != a._data.dtype:
            raise RuntimeError(f"expected dtype {_c_name(a)} for `weight` but got dtype "
                               f"{_c_name(weight)}")
        w = weight
    else:
        w = Tensor._wrap(np.asarray(weight, a._data.dtype))
    return _out(apply(LERP, a, b, w), out)


def clamp(input: Any, min: Any = None, max: Any = None, *, out: Any = None) -> Tensor:  # noqa: A002
    """Clip to ``[min, max]`` (numbers or tensors; ``min > max`` gives ``max``), as PyTorch;
    tensor bounds get the gradient where they are the result."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if not isinstance(min, Tensor) and not isinstance(max, Tensor):
        return _out(_ew.clamp(input, min, max), out)
    given = [v for v in (min, max) if v is not None]
    x, *bounds = _promotion.promote_all(input, *given)
    dt = x._data.dtype
    big = np.asarray(np.inf if dt.kind == "f" else np.iinfo(dt).max if dt.kind != "b" else 1, dt)
    small = np.asarray(-np.inf if dt.kind == "f" else np.iinfo(dt).min if dt.kind != "b" else 0,
                       dt)
    lo = bounds.pop(0) if min is not None else Tensor._wrap(small)
    hi = bounds.pop(0) if max is not None else Tensor._wrap(big)
    return _out(apply(CLAMP_T, x, lo, hi), out)


def _alpha_check(a: Tensor, alpha: Any) -> None:
    kind = a._data.dtype.kind
    if isinstance(alpha, bool) and kind != "b":
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if kind != "f" and not isinstance(alpha, int | np.integer):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")


def add(input: Any, other: Any, *, alpha: Any = 1, out: Any = None) -> Tensor:  # noqa: A002
    """``input + alpha * other``, as ``torch.add``."""
    if type(alpha) is int and alpha == 1:
        return _out(_ew.add(input, other), out)
    a, b = as_pair(input, other)
    _alpha_check(a, alpha)
    return _out(_ew.add(a, _ew.mul(b, alpha)), out)


def sub(input: Any, other: Any, *, alpha: Any = 1, out: Any = None) -> Tensor:  # noqa: A002
    """``input - alpha * other``, as ``torch.sub``; bool operands are refused."""
    if type(alpha) is int and alpha == 1:
        return _out(_ew.sub(input, other), out)
    _dt.sub_check(input, other)
    a, b = as_pair(input, other)
    _alpha_check(a, alpha)
    return _out(_ew.sub(a, _ew.mul(b, alpha)), out)


def _no_grad():
    from ..autograd import no_grad

    return no_grad()


FUNCTIONS = {name: globals()[name] for name in __all__}
"""The public functions here, also Tensor methods of the same names."""
ALIASES = {"arctan2": atan2, "divide": div, "true_divide": _ew.div, "subtract": sub,
           "multiply": _ew.mul, "clip": clamp}
"""PyTorch's other names for them, functions and methods alike."""
