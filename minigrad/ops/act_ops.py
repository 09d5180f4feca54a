"""Elementwise activation ops of ``torch.nn.functional`` beyond ReLU/GELU: SiLU, ELU (and SELU,
CELU through its parameters), softplus, hardtanh, hardsigmoid, hardswish, mish, logsigmoid,
softshrink, hardshrink and threshold.

Each forward and gradient follows ATen's CPU kernel, including the value of the gradient at a kink
(hardtanh's is 0 at its bounds, ELU's at 0 takes the negative branch). Rules are written with
``xp`` and constant masks, so ``create_graph=True`` differentiates them again.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

from . import call, data_of, defop
from .elementwise import SIGMOID

__all__ = ["SILU", "ELU", "SOFTPLUS", "HARDTANH", "HARDSIGMOID", "HARDSWISH", "MISH",
           "LOG_SIGMOID", "SOFTSHRINK", "HARDSHRINK", "THRESHOLD"]  # fmt: skip

# ATen's hardsigmoid backward multiplies by a float (single precision) 1/6, also for doubles
_ONE_SIXTH_F32 = float(np.float32(1.0) / np.float32(6.0))


def _m(x: Any, cond: np.ndarray) -> np.ndarray:
    """A 0/1 mask in ``x``'s dtype (a constant of the rule: it gets no gradient)."""
    return cond.astype(data_of(x).dtype)


def _expit(x: np.ndarray) -> np.ndarray:
    return special.expit(x.astype(np.float32)).astype(np.float16) if x.dtype == np.float16 \
        else special.expit(x)


# ---- SiLU: x sigmoid(x) ----


def _silu_rule(xp: Any, g: Any, out: Any, x: Any) -> Any:
    s = call(xp, SIGMOID, x)
    return g * (s * (x * (1.0 - s) + 1.0))


SILU = defop("silu", lambda x: x * _expit(x), _silu_rule, saves=((0,),))


# ---- ELU family: scale * (x if x > 0 else alpha * (exp(x * input_scale) - 1)) ----


def _elu_fwd(x: np.ndarray, alpha: float, scale: float, input_scale: float) -> np.ndarray:
    neg = np.expm1(np.minimum(x, 0) * input_scale) * (alpha * scale)
    return np.where(x > 0, x * scale, neg).astype(x.dtype, copy=False)


def _elu_rule(xp: Any, g: Any, out: Any, x: Any, alpha: float, scale: float,
              input_scale: float) -> Any:
    neg = data_of(x) <= 0  # ATen takes the negative branch at 0 (its second order does not)
    nm = _m(x, neg)
    return g * (xp.exp(x * _m(x, data_of(x) < 0) * input_scale) * nm *
                (alpha * scale * input_scale) + _m(x, ~neg) * scale)


ELU = defop("elu", _elu_fwd, _elu_rule, saves=((0,),))


# ---- softplus: log(1 + exp(beta x)) / beta, linear once beta x exceeds threshold ----


def _softplus_fwd(x: np.ndarray, beta: float, threshold: float) -> np.ndarray:
    bx = x * beta
    return np.where(bx > threshold, x, np.logaddexp(0, bx) / beta).astype(x.dtype, copy=False)


def _softplus_rule(xp: Any, g: Any, out: Any, x: Any, beta: float, threshold: float) -> Any:
    over = data_of(x) * beta > threshold
    return g * (call(xp, SIGMOID, x * beta) * _m(x, ~over) + _m(x, over))


SOFTPLUS = defop("softplus", _softplus_fwd, _softplus_rule, saves=((0,),))


# ---- piecewise-linear ones: clipped, shrunk, thresholded ----


def _inside(x: Any, lo: float, hi: float) -> np.ndarray:
    xd = data_of(x)
    return (xd > lo) & (xd < hi)


HARDTANH = defop(
    "hardtanh", lambda x, min_val, max_val: np.clip(x, min_val, max_val).astype(x.dtype),
    lambda xp, g, out, x, min_val, max_val: g * _m(x, _inside(x, min_val, max_val)),
    saves=((0,),),
)
HARDSIGMOID = defop(
    "hardsigmoid", lambda x: np.clip(x + 3.0, 0.0, 6.0).astype(x.dtype) / x.dtype.type(6),
    lambda xp, g, out, x: g * (_m(x, _inside(x, -3.0, 3.0)) * _ONE_SIXTH_F32),
    saves=((0,),),
)


def _hardswish_rule(xp: Any, g: Any, out: Any, x: Any) -> Any:
    return g * (_m(x, _inside(x, -3.0, 3.0)) * (x * (1.0 / 3.0) + 0.5) + _m(x, data_of(x) >= 3))


HARDSWISH = defop(
    "hardswish", lambda x: x * (np.clip(x + 3.0, 0.0, 6.0).astype(x.dtype) / x.dtype.type(6)),
    _hardswish_rule, saves=((0,),),
)


def _shrink_rule(xp: Any, g: Any, out: Any, x: Any, lambd: float) -> Any:
    return g * _m(x, ~((data_of(x) >= -lambd) & (data_of(x) <= lambd)))


def _softshrink_fwd(x: np.ndarray, lambd: float) -> np.ndarray:
    return np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, 0)).astype(x.dtype)


def _hardshrink_fwd(x: np.ndarray, lambd: float) -> np.ndarray:
    return np.where((x >= -lambd) & (x <= lambd), 0, x).astype(x.dtype)


SOFTSHRINK = defop("softshrink", _softshrink_fwd, _shrink_rule, saves=((0,),))
HARDSHRINK = defop("hardshrink", _hardshrink_fwd, _shrink_rule, saves=((0,),))
THRESHOLD = defop(
    "threshold", lambda x, threshold, value: np.where(x > threshold, x, value).astype(x.dtype),
    lambda xp, g, out, x, threshold, value: g * _m(g, data_of(x) > threshold),
    saves=((0,),),
)


# ---- smooth ones built on softplus ----


def _softplus1(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0, x).astype(x.dtype, copy=False)


def _mish_rule(xp: Any, g: Any, out: Any, x: Any) -> Any:
    t = xp.tanh(call(xp, SOFTPLUS, x, beta=1.0, threshold=float("inf")))
    return g * (t + x * call(xp, SIGMOID, x) * (1.0 - t * t))


def _log_sigmoid_fwd(x: np.ndarray) -> np.ndarray:
    return (np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))).astype(x.dtype, copy=False)


MISH = defop("mish", lambda x: x * np.tanh(_softplus1(x)), _mish_rule, saves=((0,),))
LOG_SIGMOID = defop("log_sigmoid", _log_sigmoid_fwd,
                    lambda xp, g, out, x: g * call(xp, SIGMOID, -x), saves=((0,),))


# ---- PReLU: x where positive, w x elsewhere (w broadcast by the caller) ----
# ATen's first order takes the negative branch at 0 (dx = w g there) but its second order
# counts 0 as positive; the constant term below gives that value without that slope.


def _prelu_x(xp: Any, g: Any, out: Any, x: Any, w: Any) -> Any:
    xd = data_of(x)
    lt, zero = _m(x, xd < 0), xd == 0
    dx = g * (_m(x, xd >= 0) + w * lt)
    if zero.any():
        dx = dx + data_of(g) * (data_of(w) - 1.0) * zero
    return dx


PRELU = defop("prelu", lambda x, w: np.where(x > 0, x, w * x).astype(np.result_type(x, w)),
              _prelu_x, lambda xp, g, out, x, w: g * (x * _m(x, data_of(x) < 0)),
              saves=((0, 1), (0,)))
