"""Matrix products: ``matmul`` for 1-D, 2-D and batched operands, with NumPy's broadcasting."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import apply
from ..tensor import as_pair
from . import defop

__all__ = ["matmul"]


def _mT(xp: Any, x: Any) -> Any:
    return xp.swapaxes(x, -1, -2)


def _grad_a(xp, g, out, a, b):
    if a.ndim == 1 and b.ndim == 1:
        return g * b
    if a.ndim == 1:  # (n,) @ (..., n, m) -> (..., m)
        return xp.matmul(b, g.reshape(g.shape + (1,))).reshape(b.shape[:-1])
    if b.ndim == 1:  # (..., n, k) @ (k,) -> (..., n)
        return g.reshape(g.shape + (1,)) * b
    return xp.matmul(g, _mT(xp, b))


def _grad_b(xp, g, out, a, b):
    if a.ndim == 1 and b.ndim == 1:
        return g * a
    if a.ndim == 1:
        return a.reshape((-1, 1)) * g.reshape(g.shape[:-1] + (1,) + g.shape[-1:])
    if b.ndim == 1:
        return xp.matmul(_mT(xp, a), g.reshape(g.shape + (1,))).reshape(a.shape[:-2] + b.shape)
    return xp.matmul(_mT(xp, a), g)


MATMUL = defop("matmul", np.matmul, _grad_a, _grad_b, saves=((1,), (0,)))


def matmul(a: Any, b: Any):
    """Matrix product as ``numpy.matmul``: 1-D operands are vectors, leading dims broadcast."""

    a, b = as_pair(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got shapes "
                           f"{a.shape} and {b.shape}")
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        raise RuntimeError(f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied "
                           f"({k_a} != {k_b})")
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise RuntimeError(f"matmul: batch dimensions of {a.shape} and {b.shape} do not "
                           "broadcast") from None
    return apply(MATMUL, a, b)
