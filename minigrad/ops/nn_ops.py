"""Fused ops behind ``minigrad.nn``: linear, softmax, log_softmax, activations, batch norm.

Each is ONE node in the graph with a closed-form rule (cheaper than a chain of small ops), and every
rule is written with ``xp`` so ``create_graph=True`` differentiates it again. Losses live in
:mod:`minigrad.ops.loss_ops`. Callers (``minigrad.nn.functional``) validate shapes first.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import special

from . import call, data_of, defop

__all__ = ["LINEAR", "SOFTMAX", "LOG_SOFTMAX", "LEAKY_RELU", "GELU", "GELU_GRAD", "BATCH_NORM",
           "bn_axes"]  # fmt: skip

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


# ---- linear: y = x @ W.T + b, one node for the whole affine map ----


def _linear_fwd(x: np.ndarray, w: np.ndarray, *b: np.ndarray) -> np.ndarray:
    out = np.matmul(x, w.T)
    if b:
        out += b[0]  # out is a fresh array: add in place
    return out


def _linear_vjp(i: int, xp: Any, g: Any, out: Any, args: Any) -> Any:
    x, w = args[0], args[1]
    if i == 0:
        return xp.matmul(g, w)  # (..., out) @ (out, in)
    if i == 1:
        g2 = g.reshape((-1, w.shape[0]))
        return xp.matmul(xp.swapaxes(g2, 0, 1), x.reshape((-1, w.shape[1])))
    return g  # bias: the engine sums the leading dims away


LINEAR = defop("linear", _linear_fwd, vjp=_linear_vjp)


# ---- softmax / log_softmax over one axis, stable (the max is subtracted) ----


def _shifted(x: np.ndarray, axis: int) -> np.ndarray:
    m = np.amax(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    return x - m


def _softmax_fwd(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(_shifted(x, axis))
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


def _log_softmax_fwd(x: np.ndarray, axis: int) -> np.ndarray:
    z = _shifted(x, axis)
    z -= np.log(np.sum(np.exp(z), axis=axis, keepdims=True))
    return z


SOFTMAX = defop(
    "softmax", _softmax_fwd,
    lambda xp, g, out, x, axis: out * (g - xp.sum(g * out, axis=axis, keepdims=True)),
)
LOG_SOFTMAX = defop(
    "log_softmax", _log_softmax_fwd,
    lambda xp, g, out, x, axis: g - xp.exp(out) * xp.sum(g, axis=axis, keepdims=True),
)


# ---- activations with no core op ----


def _leaky_fwd(x: np.ndarray, negative_slope: float) -> np.ndarray:
    return np.where(x > 0, x, x * np.asarray(negative_slope, x.dtype))


def _leaky_rule(xp: Any, g: Any, out: Any, x: Any, negative_slope: float) -> Any:
    xd = data_of(x)
    return g * np.where(xd > 0, 1.0, negative_slope).astype(xd.dtype)


def _gelu_fwd(x: np.ndarray) -> np.ndarray:
    return x * special.ndtr(x)


def _gelu_grad_fwd(x: np.ndarray) -> np.ndarray:
    """d/dx [x Phi(x)] = Phi(x) + x phi(x): an op of its own so GELU differentiates to any order."""
    return special.ndtr(x) + x * (np.exp(-0.5 * x * x) * _INV_SQRT_2PI)


LEAKY_RELU = defop("leaky_relu", _leaky_fwd, _leaky_rule)
GELU = defop("gelu", _gelu_fwd, lambda xp, g, out, x: g * call(xp, GELU_GRAD, x))
GELU_GRAD = defop(  # d/dx [Phi + x phi] = phi (2 - x^2)
    "gelu_grad", _gelu_grad_fwd,
    lambda xp, g, out, x: g * (xp.exp(x * x * -0.5) * _INV_SQRT_2PI) * (2.0 - x * x),
)


# ---- batch norm in training mode: batch statistics, closed-form backward ----


def bn_axes(ndim: int) -> tuple[int, ...]:
    """Axes BatchNorm reduces over: every axis but the channel axis 1."""
    return (0,) + tuple(range(2, ndim))


def _bn_param_shape(ndim: int, c: int) -> tuple[int, ...]:
    return (c,) + (1,) * (ndim - 2)


def _bn_stats(xp: Any, x: Any, axes: tuple[int, ...], eps: float) -> tuple[Any, Any]:
    """(x_hat, 1/std) with the biased batch variance, as PyTorch normalises."""
    xc = x - xp.mean(x, axis=axes, keepdims=True)
    invstd = 1.0 / xp.sqrt(xp.mean(xc * xc, axis=axes, keepdims=True) + eps)
    return xc * invstd, invstd


def _bn_fwd(x: np.ndarray, *wb: np.ndarray, eps: float) -> np.ndarray:
    axes = bn_axes(x.ndim)
    xhat, _ = _bn_stats(np, x, axes, eps)
    if wb:
        shape = _bn_param_shape(x.ndim, x.shape[1])
        xhat *= wb[0].reshape(shape)
        xhat += wb[1].reshape(shape)
    return xhat


def _bn_vjp(i: int, xp: Any, g: Any, out: Any, args: Any, eps: float) -> Any:
    x = args[0]
    axes = bn_axes(x.ndim)
    if i == 2:
        return xp.sum(g, axis=axes)
    xhat, invstd = _bn_stats(xp, x, axes, eps)
    if i == 1:
        return xp.sum(g * xhat, axis=axes)
    dxhat = g * args[1].reshape(_bn_param_shape(x.ndim, x.shape[1])) if len(args) > 1 else g
    return invstd * (dxhat - xp.mean(dxhat, axis=axes, keepdims=True)
                     - xhat * xp.mean(dxhat * xhat, axis=axes, keepdims=True))


BATCH_NORM = defop("batch_norm", _bn_fwd, vjp=_bn_vjp)
