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
           "BATCH_NORM_EVAL",
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


def _mean(xp: Any, a: Any, axes: tuple[int, ...]) -> Any:
    """Mean over ``axes`` keeping dims; on arrays a bare ``add.reduce`` (np.mean's overhead is
    several microseconds a call, which adds up over a small layer)."""
    n = math.prod(a.shape[i] for i in axes)
    if xp is np:
        return np.add.reduce(a, axis=axes, keepdims=True) * (1.0 / n)
    return xp.sum(a, axis=axes, keepdims=True) * (1.0 / n)


def _bn_stats(xp: Any, x: Any, axes: tuple[int, ...], eps: float) -> tuple[Any, ...]:
    """(x_hat, 1/std, mean, biased variance) of the batch, as PyTorch normalises."""
    mean = _mean(xp, x, axes)
    xc = x - mean
    var = _mean(xp, xc * xc, axes)
    invstd = 1.0 / xp.sqrt(var + eps)
    return xc * invstd, invstd, mean, var


def _bn_fwd(x: np.ndarray, *wb: np.ndarray, eps: float, stats: dict | None = None
            ) -> np.ndarray:
    """Normalise with batch statistics. ``stats`` (a fresh dict per call, optional) receives
    x_hat, 1/std, mean and biased variance, so the NumPy rules and the running averages reuse
    them instead of recomputing (the rules recompute on Tensors, where they must differentiate).
    """
    axes = bn_axes(x.ndim)
    xhat, invstd, mean, var = _bn_stats(np, x, axes, eps)
    if stats is not None:
        stats.update(xhat=xhat, invstd=invstd, mean=mean, var=var)
    if not wb:
        return xhat.copy() if stats is not None else xhat
    shape = _bn_param_shape(x.ndim, x.shape[1])
    out = xhat * wb[0].reshape(shape)
    out += wb[1].reshape(shape)
    return out


def _bn_vjp(i: int, xp: Any, g: Any, out: Any, args: Any, eps: float,
            stats: dict | None = None) -> Any:
    x = args[0]
    axes = bn_axes(x.ndim)
    if i == 2:
        return xp.sum(g, axis=axes)
    if xp is np and stats:
        xhat, invstd = stats["xhat"], stats["invstd"]
    else:
        xhat, invstd, _, _ = _bn_stats(xp, x, axes, eps)
    if i == 1:
        return xp.sum(g * xhat, axis=axes)
    dxhat = g * args[1].reshape(_bn_param_shape(x.ndim, x.shape[1])) if len(args) > 1 else g
    return invstd * (dxhat - _mean(xp, dxhat, axes) - xhat * _mean(xp, dxhat * xhat, axes))


BATCH_NORM = defop("batch_norm", _bn_fwd, vjp=_bn_vjp)


# ---- batch norm in eval mode: a fixed affine map from the running statistics ----
# ``mean`` and ``invstd`` are constants shaped to broadcast over x (C,) or (C, 1).


def _bn_eval_fwd(x: np.ndarray, *wb: np.ndarray, mean: np.ndarray, invstd: np.ndarray
                 ) -> np.ndarray:
    out = (x - mean) * invstd
    if wb:
        shape = _bn_param_shape(x.ndim, x.shape[1])
        out *= wb[0].reshape(shape)
        out += wb[1].reshape(shape)
    return out


def _bn_eval_vjp(i: int, xp: Any, g: Any, out: Any, args: Any, mean: np.ndarray,
                 invstd: np.ndarray) -> Any:
    x = args[0]
    axes = bn_axes(x.ndim)
    if i == 0:
        if len(args) == 1:
            return g * invstd
        return g * (args[1].reshape(_bn_param_shape(x.ndim, x.shape[1])) * invstd)
    if i == 1:
        return xp.sum(g * ((x - mean) * invstd), axis=axes)
    return xp.sum(g, axis=axes)


BATCH_NORM_EVAL = defop("batch_norm_eval", _bn_eval_fwd, vjp=_bn_eval_vjp)
