"""Fused loss ops: cross-entropy from logits and binary cross-entropy with logits.

Both take logits, never probabilities, so they stay finite for logits of 1e4 (the log-softmax and
the softplus are computed stably), and both are one node with a closed-form rule written with
``xp`` (second order works).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import call, defop
from .elementwise import SIGMOID
from .nn_ops import LOG_SOFTMAX, SOFTMAX, _log_softmax_fwd

__all__ = ["CROSS_ENTROPY", "CROSS_ENTROPY_INDEX", "BCE_WITH_LOGITS"]


# ---- cross-entropy: rows of logits (N, C) against a target distribution q (N, C) ----
# loss_i = -sum_c q_ic log_softmax(x)_ic; the result is scale * sum_i loss_i (reduce=True) or
# scale * loss (reduce=False). Class-index targets, ignore_index, class weights and label smoothing
# are all folded into q by the caller (q is then a constant); probability targets make q an input.


def _ce_fwd(x: np.ndarray, q: np.ndarray, scale: float, reduce: bool) -> np.ndarray:
    rows = np.sum(q * _log_softmax_fwd(x, -1), axis=-1)
    rows *= -scale
    return np.sum(rows) if reduce else rows


def _ce_coef(g: Any, reduce: bool, scale: float) -> Any:
    """Upstream gradient per row, shaped (N, 1) (or a scalar) to broadcast over classes."""
    return g * scale if reduce else g.reshape((-1, 1)) * scale


def _ce_vjp(xp: Any, g: Any, out: Any, args: Any, needs: Any, scale: float, reduce: bool
            ) -> list:
    x, q = args
    coef = _ce_coef(g, reduce, scale)
    grads: list = [None, None]
    if needs[0]:  # d/dx [-sum q log softmax(x)] = softmax(x) * sum(q) - q
        p = call(xp, SOFTMAX, x, axis=-1)
        grads[0] = (p * xp.sum(q, axis=-1, keepdims=True) - q) * coef
    if needs[1]:
        grads[1] = call(xp, LOG_SOFTMAX, x, axis=-1) * -coef
    return grads


CROSS_ENTROPY = defop("cross_entropy", _ce_fwd, vjp=_ce_vjp, saves=((0, 1), (0,)))


# ---- cross-entropy against class indices (no weights, no smoothing, nothing ignored) ----
# The common case gets its own op: no (N, C) target distribution is built, the forward picks
# log-probabilities at the targets and the backward is softmax - onehot. ``saved`` (a fresh dict
# per call) hands the forward's log-softmax to the NumPy backward, which then needs one exp.


def _ce_index_fwd(x: np.ndarray, target: np.ndarray, scale: float, reduce: bool,
                  saved: dict | None = None) -> np.ndarray:
    z = _log_softmax_fwd(x, -1)
    if saved is not None:
        saved["logp"] = z
    rows = z[np.arange(len(target)), target]
    rows *= -scale
    return rows.sum() if reduce else rows


def _onehot(target: np.ndarray, c: int, dtype: np.dtype) -> np.ndarray:
    q = np.zeros((len(target), c), dtype)
    q[np.arange(len(target)), target] = 1
    return q


def _ce_index_vjp(xp: Any, g: Any, out: Any, args: Any, needs: Any, target: np.ndarray,
                  scale: float, reduce: bool, saved: dict | None = None) -> list:
    x = args[0]
    if not needs[0]:
        return [None]
    coef = _ce_coef(g, reduce, scale)
    if xp is np and saved:
        p = np.exp(saved["logp"])
        p[np.arange(len(target)), target] -= 1
        p *= coef
        return [p]
    p = call(xp, SOFTMAX, x, axis=-1)
    return [(p - _onehot(target, x.shape[-1], p.dtype)) * coef]


CROSS_ENTROPY_INDEX = defop("cross_entropy_index", _ce_index_fwd, vjp=_ce_index_vjp,
                             saves=((0,),))


# ---- binary cross-entropy with logits, elementwise: max(x, 0) - x y + log(1 + exp(-|x|)) ----


def _bce_fwd(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))


BCE_WITH_LOGITS = defop(
    "bce_with_logits", _bce_fwd,
    lambda xp, g, out, x, y: g * (call(xp, SIGMOID, x) - y),
    lambda xp, g, out, x, y: g * -x,
    saves=((0, 1), (0,)),
)
