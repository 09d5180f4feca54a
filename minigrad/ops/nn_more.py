"""Fused ops behind more of ``minigrad.nn``: binary cross-entropy on probabilities, the p-norm
along dims (distances, cosine similarity, normalize), embedding lookup and layer norm.

Each is one node with a closed-form rule written with ``xp`` (second order works); the NumPy
path of layer norm reuses the statistics its forward computed, as batch norm does.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import OUT, call, data_of, defop
from .elementwise import CLAMP
from .nn_ops import _bn_stats, _sum

__all__ = ["BCE", "LP_NORM", "EMBEDDING", "EMBEDDING_BACKWARD", "LAYER_NORM"]


# ---- binary cross-entropy of probabilities, elementwise, logs clamped at -100 as ATen ----


def _bce_fwd(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        lx = np.maximum(np.log(x), -100)
        l1x = np.maximum(np.log1p(-x), -100)
    return (y - 1) * l1x - y * lx


_BCE_EPS = float(np.float32(1e-12))  # ATen's EPS is a float constant, also for doubles


def _bce_x(xp: Any, g: Any, out: Any, x: Any, y: Any) -> Any:
    """ATen's: ``(x - y) / max(x (1 - x), 1e-12)``."""
    return g * (x - y) / call(xp, CLAMP, x * (1.0 - x), min=_BCE_EPS)


def _bce_y(xp: Any, g: Any, out: Any, x: Any, y: Any) -> Any:
    """``-logit(x)`` (infinite at 0 and 1, as ATen's)."""
    with np.errstate(divide="ignore"):
        return g * (xp.log(1.0 - x) - xp.log(x))


BCE = defop("binary_cross_entropy", _bce_fwd, _bce_x, _bce_y, saves=((0, 1), (0,)))


# ---- p-norm over ``axis`` (a tuple of dims), as linalg.vector_norm; its gradient is 0 at 0 ----


def _lp_fwd(x: np.ndarray, p: float, axis: tuple[int, ...], keepdim: bool) -> np.ndarray:
    a = np.abs(x)
    if p == 2:
        out = np.sqrt(np.add.reduce(a * a, axis=axis, keepdims=keepdim))
    elif p == 1:
        out = np.add.reduce(a, axis=axis, keepdims=keepdim)
    elif p == math.inf:
        out = np.max(a, axis=axis, keepdims=keepdim, initial=0)
    elif p == -math.inf:
        out = np.min(a, axis=axis, keepdims=keepdim)
    elif p == 0:
        out = np.add.reduce((a != 0).astype(x.dtype), axis=axis, keepdims=keepdim)
    else:
        out = np.add.reduce(a**p, axis=axis, keepdims=keepdim) ** (1.0 / p)
    return np.asarray(out, dtype=x.dtype)


def _lp_rule(xp: Any, g: Any, out: Any, x: Any, p: float, axis: tuple[int, ...],
             keepdim: bool) -> Any:
    xd = data_of(x)
    kshape = tuple(1 if i in axis else s for i, s in enumerate(xd.shape))
    if not keepdim:
        g, out = g.reshape(kshape), out.reshape(kshape)
    sgn = np.sign(xd)
    if p == 0:
        return g * np.zeros_like(xd)
    if p == 1:
        return g * sgn
    od = data_of(out)
    if p in (math.inf, -math.inf):
        hit = (np.abs(xd) == od).astype(xd.dtype)
        return g * (sgn * hit / np.add.reduce(hit, axis=axis, keepdims=True))
    safe = out + (od == 0).astype(xd.dtype)  # a zero norm has a zero gradient, as torch's
    if p == 2:
        return g * x / safe
    zero = xd == 0
    ax = x * sgn + zero.astype(xd.dtype)  # |x|, with 1 in place of 0 (masked out below)
    return g * (x * ax ** (p - 2.0) * (~zero).astype(xd.dtype)) / safe ** (p - 1.0)


LP_NORM = defop("lp_norm", _lp_fwd, _lp_rule, saves=((0, OUT),))


# ---- embedding: rows of a weight picked by integer indices; its gradient is a scatter-add ----
# ``coef`` (per index, or None) scales each picked row's gradient: 0 at padding_idx, 1/count
# with scale_grad_by_freq (a chosen gradient, as torch's, not the derivative). The scatter is
# linear in its input, ``coef`` included; its adjoint is the plain lookup times ``coef``.


def _emb_fwd(w: np.ndarray, indices: np.ndarray, coef: np.ndarray | None) -> np.ndarray:
    return w[indices]


def _emb_rule(xp: Any, g: Any, out: Any, w: Any, indices: np.ndarray,
              coef: np.ndarray | None) -> Any:
    return call(xp, EMBEDDING_BACKWARD, g, indices=indices, num=w.shape[0], coef=coef)


def _emb_bwd_fwd(g: np.ndarray, indices: np.ndarray, num: int,
                 coef: np.ndarray | None) -> np.ndarray:
    out = np.zeros((num,) + g.shape[indices.ndim:], g.dtype)
    rows = g.reshape((indices.size,) + out.shape[1:])
    if coef is not None:
        rows = rows * coef.reshape((-1,) + (1,) * (rows.ndim - 1)).astype(g.dtype)
    np.add.at(out, indices.reshape(-1), rows)
    return out


def _emb_bwd_rule(xp: Any, g: Any, out: Any, grad: Any, indices: np.ndarray, num: int,
                  coef: np.ndarray | None) -> Any:
    picked = call(xp, EMBEDDING, g, indices=indices, coef=None)  # the plain adjoint
    if coef is None:
        return picked
    return picked * coef.reshape(coef.shape + (1,) * (picked.ndim - coef.ndim)).astype(
        data_of(g).dtype)


EMBEDDING = defop("embedding", _emb_fwd, _emb_rule, saves=())
EMBEDDING_BACKWARD = defop("embedding_backward", _emb_bwd_fwd, _emb_bwd_rule, saves=())


# ---- layer norm over the last ``k`` dims, one node; weight and bias have those dims' shape ----


def _ln_axes(ndim: int, k: int) -> tuple[int, ...]:
    return tuple(range(ndim - k, ndim))


def _ln_fwd(x: np.ndarray, *wb: np.ndarray, k: int, eps: float, weight: bool, bias: bool,
            stats: dict | None = None) -> np.ndarray:
    axes = _ln_axes(x.ndim, k)
    xhat, invstd, _, _ = _bn_stats(np, x, axes, eps)
    if stats is not None:
        stats.update(xhat=xhat, invstd=invstd)
    out = xhat * wb[0] if weight else xhat.copy()
    if bias:
        out += wb[-1]
    return out.astype(x.dtype, copy=False)


def _ln_vjp(xp: Any, g: Any, out: Any, args: Any, needs: Any, k: int, eps: float,
            weight: bool, bias: bool, stats: dict | None = None) -> list:
    """dx = invstd (gw - mean(gw) - x_hat mean(gw x_hat)) with gw = g * weight; the weight's and
    bias's gradients sum over the leading dims."""
    x = args[0]
    axes = _ln_axes(x.ndim, k)
    lead = tuple(range(x.ndim - k))
    if xp is np and stats:
        xhat, invstd = stats["xhat"], stats["invstd"]
    else:
        xhat, invstd, _, _ = _bn_stats(xp, x, axes, eps)
    grads: list = [None] * len(args)
    if needs[0]:
        gw = g * args[1] if weight else g
        n = 1.0 / max(math.prod(x.shape[i] for i in axes), 1)
        mg = _sum(xp, gw, axes) if xp is np else xp.sum(gw, axis=axes)
        mgx = _sum(xp, gw * xhat, axes) if xp is np else xp.sum(gw * xhat, axis=axes)
        shape = tuple(1 if i in axes else s for i, s in enumerate(x.shape))
        grads[0] = (gw - mg.reshape(shape) * n - xhat * (mgx.reshape(shape) * n)) * invstd
    if weight and needs[1]:
        grads[1] = _sum(xp, g * xhat, lead) if lead else g * xhat
    if bias and needs[len(args) - 1]:
        grads[-1] = _sum(xp, g, lead) if lead else g
    return grads


def _ln_saves(weight: bool = False, bias: bool = False, **_: Any) -> tuple:
    spec: list[tuple[int, ...]] = [(0, 1) if weight else (0,)]
    if weight:
        spec.append((0,))
    if bias:
        spec.append(())
    return tuple(spec)


LAYER_NORM = defop("layer_norm", _ln_fwd, vjp=_ln_vjp, saves=_ln_saves)
