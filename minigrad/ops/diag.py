"""Triangles and diagonals as PyTorch defines them: tril, triu (batched, ``diagonal=``),
diagonal (a view, as PyTorch's: writes through it reach the base), diag_embed, diag, trace.

``diagonal`` and ``diag_embed`` are each other's gradient: one reads a diagonal out, the other
writes one into zeros, so both orders of gradient are these two ops again.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd import apply
from ..tensor import Tensor, as_tensor
from . import call, defop
from . import reduce as _red

__all__ = ["tril", "triu", "diagonal", "diag_embed", "diag", "trace"]


def _diag_view(x: np.ndarray, offset: int, dim1: int, dim2: int) -> np.ndarray:
    """The diagonal of ``x`` as a view that is writable when ``x`` is (NumPy's is read-only)."""
    index = [slice(None)] * x.ndim
    index[dim2 if offset >= 0 else dim1] = slice(abs(offset), None)
    sub = x[tuple(index)]
    n = max(0, min(sub.shape[dim1], sub.shape[dim2]))
    keep = [k for k in range(x.ndim) if k not in (dim1, dim2)]
    shape = tuple(sub.shape[k] for k in keep) + (n,)
    strides = tuple(sub.strides[k] for k in keep) + (sub.strides[dim1] + sub.strides[dim2],)
    return as_strided(sub, shape, strides, writeable=x.flags.writeable)


def _scatter_fwd(g: np.ndarray, shape: tuple, offset: int, dim1: int, dim2: int) -> np.ndarray:
    z = np.zeros(shape, g.dtype)
    _diag_view(z, offset, dim1, dim2)[...] = g
    return z


DIAGONAL = defop(
    "diagonal", _diag_view,
    lambda xp, g, out, x, offset, dim1, dim2: call(
        xp, DIAG_SCATTER, g, shape=x.shape, offset=offset, dim1=dim1, dim2=dim2),
    saves=(), view=True)
DIAG_SCATTER = defop(
    "diagonal_scatter", _scatter_fwd,
    lambda xp, g, out, x, shape, offset, dim1, dim2: call(
        xp, DIAGONAL, g, offset=offset, dim1=dim1, dim2=dim2),
    saves=())
TRIL = defop("tril", lambda x, diagonal: np.tril(x, diagonal),
             lambda xp, g, out, x, diagonal: call(xp, TRIL, g, diagonal=diagonal), saves=())
TRIU = defop("triu", lambda x, diagonal: np.triu(x, diagonal),
             lambda xp, g, out, x, diagonal: call(xp, TRIU, g, diagonal=diagonal), saves=())


def _dim(d: int, nd: int) -> int:
    nd = max(nd, 1)  # a 0-d tensor counts as 1-d, as PyTorch wraps dims
    if not -nd <= d < nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], "
                         f"but got {d})")
    return d % nd


def tri_check(x: Tensor, name: str) -> None:
    """PyTorch's check of ``tril``/``triu``: a matrix or a batch of them."""
    if x.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")


def _tri(op, name: str, input: Any, diagonal: int) -> Tensor:  # noqa: A002
    x = as_tensor(input)
    tri_check(x, name)
    return apply(op, x, diagonal=int(diagonal))


def tril(input: Any, diagonal: int = 0) -> Tensor:  # noqa: A002
    """The lower triangle of the last two dims (``diagonal`` > 0 keeps more, < 0 fewer)."""
    return _tri(TRIL, "tril", input, diagonal)


def triu(input: Any, diagonal: int = 0) -> Tensor:  # noqa: A002
    """The upper triangle of the last two dims (``diagonal`` > 0 keeps fewer, < 0 more)."""
    return _tri(TRIU, "triu", input, diagonal)


def _diag_dims(nd: int, dim1: int, dim2: int) -> tuple[int, int]:
    d1, d2 = _dim(dim1, nd), _dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


def diagonal(input: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    """The diagonal over ``dim1`` and ``dim2`` as the last dim: a view of ``input``."""
    x = as_tensor(input)
    d1, d2 = _diag_dims(x.ndim, dim1, dim2)
    return apply(DIAGONAL, x, offset=int(offset), dim1=d1, dim2=d2)


def diag_embed(input: Any, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: A002
    """A tensor whose diagonal over ``dim1``/``dim2`` is ``input``'s last dim, zeros elsewhere."""
    x = as_tensor(input)
    nd = x.ndim + 1
    d1, d2 = _diag_dims(nd, dim1, dim2)
    n = x.shape[-1] + abs(int(offset))
    rest = iter(x.shape[:-1])
    shape = tuple(n if k in (d1, d2) else next(rest) for k in range(nd))
    return apply(DIAG_SCATTER, x, shape=shape, offset=int(offset), dim1=d1, dim2=d2)


def diag(input: Any, diagonal: int = 0) -> Tensor:  # noqa: A002
    """1-D: the square matrix with ``input`` on a diagonal; 2-D: a diagonal as a new vector."""
    x = as_tensor(input)
    if x.ndim == 1:
        return diag_embed(x, diagonal, 0, 1)
    if x.ndim == 2:
        d = apply(DIAGONAL, x, offset=int(diagonal), dim1=0, dim2=1)
        return d.clone()
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D")


def trace(input: Any) -> Tensor:  # noqa: A002
    """The sum of a matrix's main diagonal (integers sum in int64, as PyTorch)."""
    x = as_tensor(input)
    if x.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {x.ndim}")
    if x._data.dtype.kind == "b":
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return _red.sum(apply(DIAGONAL, x, offset=0, dim1=0, dim2=1))


METHODS = {name: globals()[name] for name in __all__}
"""Every function here is also a Tensor method."""
INPLACE = {"tril": TRIL, "triu": TRIU}
"""``x.tril_(k)`` and ``x.triu_(k)``."""
