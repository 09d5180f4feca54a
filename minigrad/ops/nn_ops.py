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

from . import OUT, call, data_of, defop

__all__ = ["LINEAR", "SOFTMAX", "LOG_SOFTMAX", "LEAKY_RELU", "GELU", "GELU_GRAD", "BATCH_NORM",
           "BATCH_NORM_EVAL",
           "bn_axes"]  # fmt: skip

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


# ---- linear: y = x @ W.T + b, one node for the whole affine map ----
# ``relu=True`` (nn.Sequential's Linear -> ReLU) applies max(y, 0) in place on the fresh product
# and masks the upstream gradient first: one node instead of two, one array instead of two.


def _relu_inplace(out: np.ndarray, relu: bool) -> np.ndarray:
    return np.maximum(out, 0, out=out) if relu else out


def _relu_mask(g: Any, out: Any, relu: bool) -> Any:
    """The upstream gradient through a fused ReLU (0 where the output is 0, as ReLU's rule)."""
    return g * (data_of(out) > 0) if relu else g


def _linear_fwd(x: np.ndarray, w: np.ndarray, *b: np.ndarray, relu: bool = False) -> np.ndarray:
    out = np.matmul(x, w.T)
    if b:
        out += b[0]  # out is a fresh array: add in place
    return _relu_inplace(out, relu)


def _linear_vjp(xp: Any, g: Any, out: Any, args: Any, needs: Any, relu: bool = False) -> list:
    x, w = args[0], args[1]
    g = _relu_mask(g, out, relu)
    g2 = g if g.ndim == 2 else g.reshape((-1, w.shape[0]))
    grads = [xp.matmul(g, w) if needs[0] else None, None]  # (..., out) @ (out, in)
    if needs[1]:
        x2 = x if x.ndim == 2 else x.reshape((-1, w.shape[1]))
        if xp is np:  # dW in the weight's own memory order (nn.Linear's is Fortran order)
            grads[1] = g2.T @ x2 if w.flags.c_contiguous else (x2.T @ g2).T
        elif data_of(w).flags.c_contiguous:
            grads[1] = xp.matmul(xp.swapaxes(g2, 0, 1), x2)
        else:
            grads[1] = xp.swapaxes(xp.matmul(xp.swapaxes(x2, 0, 1), g2), 0, 1)
    if len(args) > 2:  # the bias: summed over every sample here, not by the engine
        grads.append((np.add.reduce(g2, axis=0) if xp is np else xp.sum(g2, axis=0))
                     if needs[2] else None)
    return grads


def _with_relu(spec: tuple, relu: bool) -> tuple:
    """A fused ReLU masks every input's gradient with the output."""
    return tuple(s + (OUT,) for s in spec) if relu else spec


LINEAR = defop("linear", _linear_fwd, vjp=_linear_vjp,
               saves=lambda relu=False, **_: _with_relu(((1,), (0,), ()), relu))


# ---- softmax / log_softmax over one axis, stable (the max is subtracted) ----


def _shifted(x: np.ndarray, axis: int) -> np.ndarray:
    m = x.max(axis=axis, keepdims=True, initial=-np.inf)  # array methods: np.amax adds a layer
    m = np.where(np.isfinite(m), m, 0)
    return x - m


def _softmax_fwd(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(_shifted(x, axis))
    e /= e.sum(axis=axis, keepdims=True)
    return e


def _log_softmax_fwd(x: np.ndarray, axis: int) -> np.ndarray:
    z = _shifted(x, axis)
    s = np.exp(z).sum(axis=axis, keepdims=True)
    z -= np.log(s, out=s)
    return z


SOFTMAX = defop(
    "softmax", _softmax_fwd,
    lambda xp, g, out, x, axis: out * (g - xp.sum(g * out, axis=axis, keepdims=True)),
    saves=((OUT,),),
)
LOG_SOFTMAX = defop(
    "log_softmax", _log_softmax_fwd,
    lambda xp, g, out, x, axis: g - xp.exp(out) * xp.sum(g, axis=axis, keepdims=True),
    saves=((OUT,),),
)


# ---- activations with no core op ----


def _leaky_fwd(x: np.ndarray, negative_slope: float) -> np.ndarray:
    return np.where(x > 0, x, x * np.asarray(negative_slope, x.dtype))


def _leaky_rule(xp: Any, g: Any, out: Any, x: Any, negative_slope: float) -> Any:
    xd = data_of(x)
    return g * np.where(xd > 0, 1.0, negative_slope).astype(xd.dtype)


def _gelu_fwd(x: np.ndarray) -> np.ndarray:
    return (x * special.ndtr(x)).astype(x.dtype, copy=False)  # SciPy has no half loop


def _gelu_grad_fwd(x: np.ndarray) -> np.ndarray:
    """d/dx [x Phi(x)] = Phi(x) + x phi(x): an op of its own so GELU differentiates to any order."""
    return (special.ndtr(x) + x * (np.exp(-0.5 * x * x) * _INV_SQRT_2PI)).astype(x.dtype,
                                                                                  copy=False)


LEAKY_RELU = defop("leaky_relu", _leaky_fwd, _leaky_rule, saves=((0,),))
GELU = defop("gelu", _gelu_fwd, lambda xp, g, out, x: g * call(xp, GELU_GRAD, x), saves=((0,),))
GELU_GRAD = defop(  # d/dx [Phi + x phi] = phi (2 - x^2)
    "gelu_grad", _gelu_grad_fwd,
    lambda xp, g, out, x: g * (xp.exp(x * x * -0.5) * _INV_SQRT_2PI) * (2.0 - x * x),
    saves=((0,),),
)


# ---- batch norm in training mode: batch statistics, closed-form backward ----


def bn_axes(ndim: int) -> tuple[int, ...]:
    """Axes BatchNorm reduces over: every axis but the channel axis 1."""
    return (0,) + tuple(range(2, ndim))


def _bn_param_shape(ndim: int, c: int) -> tuple[int, ...]:
    return (c,) + (1,) * (ndim - 2)


def _sum(xp: Any, a: Any, axes: tuple[int, ...]) -> Any:
    """Sum over ``axes``; on arrays a bare ``add.reduce`` (``np.sum`` costs microseconds more)."""
    return np.add.reduce(a, axis=axes) if xp is np else xp.sum(a, axis=axes)


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


def _bn_stats_np(x: np.ndarray, eps: float) -> tuple[np.ndarray, ...]:
    """``_bn_stats`` on arrays with the fewest passes: (N, C) input reduces over axis 0 with no
    reshapes (the statistics broadcast as they are) and x_hat is made in place."""
    keep = x.ndim != 2
    axes = bn_axes(x.ndim) if keep else 0
    inv_n = 1.0 / (x.size // max(x.shape[1], 1))
    mean = np.add.reduce(x, axis=axes, keepdims=keep)
    mean *= inv_n
    xc = x - mean
    var = np.add.reduce(xc * xc, axis=axes, keepdims=keep)
    var *= inv_n
    invstd = np.sqrt(var + eps)
    np.divide(1.0, invstd, out=invstd)
    xc *= invstd
    return xc, invstd, mean, var


def _bn_fwd(x: np.ndarray, *wb: np.ndarray, eps: float, stats: dict | None = None,
            relu: bool = False) -> np.ndarray:
    """Normalise with batch statistics. ``stats`` (a fresh dict per call, optional) receives
    x_hat, 1/std, mean and biased variance, so the NumPy rules and the running averages reuse
    them instead of recomputing (the rules recompute on Tensors, where they must differentiate).
    """
    xhat, invstd, mean, var = _bn_stats_np(x, eps)
    if stats is not None:
        stats.update(xhat=xhat, invstd=invstd, mean=mean, var=var)
    if not wb:
        return _relu_inplace(xhat.copy() if stats is not None or relu else xhat, relu)
    shape = _bn_param_shape(x.ndim, x.shape[1])
    out = xhat * wb[0].reshape(shape)
    out += wb[1].reshape(shape)
    return _relu_inplace(out, relu)


def _bn_vjp(xp: Any, g: Any, out: Any, args: Any, needs: Any, eps: float,
            stats: dict | None = None, relu: bool = False) -> list:
    """All gradients from two sums: dbeta = sum(g), dgamma = sum(g x_hat) and
    dx = gamma / std * (g - dbeta / n - x_hat * dgamma / n) (the closed form of the book)."""
    x = args[0]
    g = _relu_mask(g, out, relu)
    axes = bn_axes(x.ndim)
    inv_n = 1.0 / (data_of(x).size // max(x.shape[1], 1))
    if xp is np and stats:
        xhat, invstd = stats["xhat"], stats["invstd"]
    else:
        xhat, invstd, _, _ = _bn_stats(xp, x, axes, eps)
    shape = _bn_param_shape(x.ndim, x.shape[1])
    dbeta = _sum(xp, g, axes)
    dgamma = _sum(xp, g * xhat, axes)
    grads: list = [None] * len(args)
    if needs[0]:
        scale = invstd if len(args) == 1 else invstd * args[1].reshape(shape)
        if xp is np:  # the same formula, in place on one temporary (the masked g is ours)
            mean_g = dbeta.reshape(shape) * inv_n
            dx = np.subtract(g, mean_g, out=g) if relu else g - mean_g
            dx -= xhat * (dgamma.reshape(shape) * inv_n)
            dx *= scale
        else:
            dx = (g - dbeta.reshape(shape) * inv_n - xhat * (dgamma.reshape(shape) * inv_n)) * scale
        grads[0] = dx
    if len(args) > 1:
        grads[1] = dgamma if needs[1] else None
        grads[2] = dbeta if needs[2] else None
    return grads


BATCH_NORM = defop("batch_norm", _bn_fwd, vjp=_bn_vjp,  # input and weight, as PyTorch
                   saves=lambda relu=False, **_: _with_relu(((0, 1), (0,), ()), relu))


# ---- batch norm in eval mode: a fixed affine map from the running statistics ----
# ``mean`` and ``invstd`` are constants shaped to broadcast over x (C,) or (C, 1).


def _bn_eval_fwd(x: np.ndarray, *wb: np.ndarray, mean: np.ndarray, invstd: np.ndarray,
                 relu: bool = False) -> np.ndarray:
    out = (x - mean) * invstd
    if wb:
        shape = _bn_param_shape(x.ndim, x.shape[1])
        out *= wb[0].reshape(shape)
        out += wb[1].reshape(shape)
    return _relu_inplace(out, relu)


def _bn_eval_vjp(xp: Any, g: Any, out: Any, args: Any, needs: Any, mean: np.ndarray,
                 invstd: np.ndarray, relu: bool = False) -> list:
    x = args[0]
    g = _relu_mask(g, out, relu)
    axes = bn_axes(x.ndim)
    grads: list = [None] * len(args)
    if needs[0]:
        grads[0] = g * invstd if len(args) == 1 else \
            g * (args[1].reshape(_bn_param_shape(x.ndim, x.shape[1])) * invstd)
    if len(args) > 1:
        if needs[1]:
            grads[1] = _sum(xp, g * ((x - mean) * invstd), axes)
        if needs[2]:
            grads[2] = _sum(xp, g, axes)
    return grads


BATCH_NORM_EVAL = defop("batch_norm_eval", _bn_eval_fwd, vjp=_bn_eval_vjp,
                        saves=lambda relu=False, **_: _with_relu(((1,), (0,), ()), relu))
