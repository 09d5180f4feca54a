"""Reading by positions and finding them: take, take_along_dim, nonzero, argwhere, and the
one-argument ``where(condition)``, as PyTorch defines them."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import apply
from ..tensor import Tensor, as_tensor
from . import elementwise as ew
from .reduce import gather
from .scatter import _dim, _long
from .shape import GETITEM, broadcast_to, reshape

__all__ = ["take", "take_along_dim", "nonzero", "argwhere", "where"]


def take(input: Any, index: Any) -> Tensor:  # noqa: A002
    """Elements of the flattened ``input`` at ``index`` (any shape; the result has its shape)."""
    x = as_tensor(input)
    idx = _long(index, "take")
    n = x.numel()
    bad = idx[(idx >= n) | (idx < -n)]
    if bad.size:
        raise IndexError(f"out of range: tried to access index {int(bad.flat[0])} on a tensor of "
                         f"{n} elements.")
    return apply(GETITEM, reshape(x, -1), index=(idx,))


def take_along_dim(input: Any, indices: Any, dim: int | None = None) -> Tensor:  # noqa: A002
    """``gather`` with ``input`` and ``indices`` broadcast to each other apart from ``dim``
    (the flattened tensor when ``dim`` is None)."""
    x = as_tensor(input)
    idx = _long(indices, "take_along_dim")
    if dim is None:
        return take(x, idx.reshape(-1))
    d = _dim(x, dim)
    if idx.ndim != x.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {x.ndim} dimensions for input, and "
                           f"{idx.ndim} dimensions for indices")
    xs, ids = list(x.shape), list(idx.shape)
    xs[d] = ids[d] = 1
    common = list(np.broadcast_shapes(tuple(xs), tuple(ids)))
    xshape = tuple(common[:d] + [x.shape[d]] + common[d + 1:])
    idx = np.broadcast_to(idx, tuple(common[:d] + [idx.shape[d]] + common[d + 1:]))
    return gather(broadcast_to(x, xshape) if x.shape != xshape else x, d, idx)


def nonzero(input: Any, *, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]:  # noqa: A002
    """Indices of the nonzero elements: an ``(n, ndim)`` int64 tensor, or one vector per dim."""
    a = as_tensor(input)._data
    pos = np.argwhere(a).astype(np.int64)
    if as_tuple:
        if a.ndim == 0:
            return (Tensor._wrap(np.zeros(int(bool(a)), np.int64)),)
        return tuple(Tensor._wrap(np.ascontiguousarray(pos[:, k])) for k in range(a.ndim))
    return Tensor._wrap(pos)


def argwhere(input: Any) -> Tensor:  # noqa: A002
    """Indices of the nonzero elements, ``(n, ndim)`` int64, as ``nonzero``."""
    return nonzero(input)


def where(condition: Any, input: Any = None, other: Any = None) -> Any:  # noqa: A002
    """``input`` where ``condition`` holds, else ``other``; with the condition alone, the
    indices of its nonzero elements (``nonzero(condition, as_tuple=True)``)."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    return ew.where(condition, input, other)
