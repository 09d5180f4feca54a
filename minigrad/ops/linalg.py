"""Matrix products: ``matmul`` for 1-D, 2-D and batched operands, with NumPy's broadcasting."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..autograd import apply
from ..tensor import as_tensor
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
    """Matrix product as ``numpy.matmul``: 1-D operands are vectors, leading dims broadcast.

    As PyTorch, no type promotion: both operands must have the same dtype (and not bool).
    """
    a, b = as_tensor(a), as_tensor(b)
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_dt.torch_name(a.dtype).lower()} != "
                           f"{_dt.torch_name(b.dtype).lower()}")
    if a._data.dtype.kind == "b":
        raise NotImplementedError("\"matmul\" not implemented for 'Bool'")
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
