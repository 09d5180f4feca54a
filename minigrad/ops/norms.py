"""Vector and matrix norms as PyTorch defines them (``torch.linalg.vector_norm``, ``matrix_norm``,
``norm``, ``torch.norm``, ``torch.dist``).

The 1, inf and -inf norms are compositions of abs, sum and amax/amin (whose gradients are
PyTorch's: ties share evenly); the 2-norm and other powers are one op whose rule is PyTorch's
``norm_backward`` (a zero norm gets a zero gradient, not NaN). The 0-"norm" counts nonzeros
and has a zero gradient.
"""

from __future__ import annotations

import math as _m
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..autograd import apply
from ..tensor import Tensor, as_tensor
from . import OUT, call, data_of, defop
from . import elementwise as _ew
from . import math as _mt
from . import reduce as _red
from .reduce import _axes, _keep

__all__ = ["vector_norm", "matrix_norm", "norm", "dist"]


def _pnorm_fwd(x: np.ndarray, p: float = 2.0, axis: Any = None, keepdims: bool = False):
    a = np.abs(x)
    if p == 2:
        return np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims))
    with np.errstate(divide="ignore"):
        return np.power(np.sum(np.power(a, p), axis=axis, keepdims=keepdims), 1.0 / p)


def _pnorm_rule(xp, g, out, x, p=2.0, axis=None, keepdims=False):
    """PyTorch's norm_backward for finite p other than 0 and 1."""
    xd, nd = data_of(x), _keep(data_of(out), data_of(x).shape, axis, keepdims)
    n = _keep(out, x.shape, axis, keepdims)
    gk = _keep(g, x.shape, axis, keepdims)
    zero = np.zeros((), xd.dtype)
    if p == 2:
        return gk * xp.where(np.broadcast_to(nd == 0, xd.shape), zero, x / n)
    ax = call(xp, _ew.ABS, x)
    sign = np.sign(xd)
    if p < 1:
        scaled = sign * xp.where(xd == 0, zero, ax ** (p - 1))
        return scaled * gk * n ** (1 - p)
    scaled = sign * ax ** (p - 1) if p < 2 else x * ax ** (p - 2)
    return scaled * xp.where(nd == 0, zero, gk / n ** (p - 1))


PNORM = defop("vector_norm", _pnorm_fwd, _pnorm_rule, saves=((0, OUT),))


def _float_input(x: Tensor, dtype: Any, name: str) -> Tensor:
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got "
                           f"{_dt.torch_name(x._data.dtype)}")
    return x


def _dims(dim: Any) -> Any:
    if dim is None or isinstance(dim, int):
        return dim
    d = tuple(dim)
    return None if d == () else d


def vector_norm(x: Any, ord: float = 2, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
                dtype: Any = None, out: Any = None) -> Tensor:
    """``(sum |x|**ord)**(1/ord)`` over ``dim`` (all by default); inf/-inf: max/min of ``|x|``;
    0: the count of nonzeros, as ``torch.linalg.vector_norm``."""
    x = _float_input(as_tensor(x), dtype, "linalg.vector_norm")
    d = _dims(dim)
    if d is not None:
        _axes(x.ndim, d)
    keep = bool(keepdim)
    p = float(ord)
    if x._data.size == 0 and (p < 0 or _m.isinf(p)):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on an empty "
                           f"tensor because the operation does not have an identity")
    if _m.isinf(p):
        r = (_red.amax if p > 0 else _red.amin)(_ew.abs(x), d, keep)
    elif p == 0:
        r = _red.sum(_ew.abs(_mt.sign(x)), d, keep)  # the nonzeros; gradient zero, as PyTorch
    elif p == 1:
        r = _red.sum(_ew.abs(x), d, keep)
    else:
        r = apply(PNORM, x, p=p, axis=d, keepdims=keep)
    return r if out is None else out.copy_(r)


def _pair_dims(x: Tensor, dim: Any) -> tuple[int, int]:
    d = tuple(dim)
    if len(d) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got "
                           f"{' '.join(map(str, d))}")
    a, b = _axes(x.ndim, d)
    if a == b:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({d[0]}, {d[1]})")
    return a, b


def matrix_norm(A: Any, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False, *,  # noqa: A002
                dtype: Any = None, out: Any = None) -> Tensor:
    """``'fro'``, 1, -1, inf or -inf matrix norm over the two dims ``dim``, as
    ``torch.linalg.matrix_norm`` (``'nuc'``, 2 and -2 need singular values: not provided)."""
    x = _float_input(as_tensor(A), dtype, "linalg.matrix_norm")
    if x.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    a, b = _pair_dims(x, dim)
    if ord == "fro":
        r = vector_norm(x, 2, (a, b), keepdim)
    elif ord in (1, _m.inf) and x._data.size == 0:  # the max of nothing is 0 here, as torch
        r = _red.sum(_ew.abs(x), (a, b), keepdim)
    elif ord in (1, -1, _m.inf, -_m.inf):
        summed, kept = (a, b) if abs(ord) == 1 else (b, a)  # 1: column sums; inf: row sums
        s = _red.sum(_ew.abs(x), summed)  # then the kept dim's new place, as torch counts it
        r = (_red.amax if ord > 0 else _red.amin)(s, kept - (summed < kept))
        if keepdim:
            r = r.reshape(tuple(1 if i in (a, b) else n for i, n in enumerate(x.shape)))
    elif ord in ("nuc", 2, -2):
        raise NotImplementedError(f"linalg.matrix_norm: ord={ord!r} (singular values) is not "
                                  f"implemented in minigrad")
    else:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    return r if out is None else out.copy_(r)


def norm(A: Any, ord: Any = None, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
         dtype: Any = None, out: Any = None) -> Tensor:
    """``torch.linalg.norm``: a vector norm for one dim (or a flattened input), a matrix norm for
    two dims (or a 2-D input when ``ord`` is given)."""
    x = as_tensor(A)
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        dim = tuple(dim)
        if len(dim) == 2:
            return matrix_norm(x, "fro" if ord is None else ord, dim, keepdim, dtype=dtype, out=out)
        return vector_norm(x, 2 if ord is None else ord, dim, keepdim, dtype=dtype, out=out)
    if ord is None:
        return vector_norm(x, 2, None, keepdim, dtype=dtype, out=out)
    if x.ndim == 2:
        return matrix_norm(x, ord, (-2, -1), keepdim, dtype=dtype, out=out)
    if x.ndim == 1:
        return vector_norm(x, ord, None, keepdim, dtype=dtype, out=out)
    raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D "
                       f"or 2D. Got {x.ndim}D.")


def torch_norm(input: Any, p: Any = "fro", dim: Any = None, keepdim: bool = False,  # noqa: A002
               out: Any = None, dtype: Any = None) -> Tensor:
    """``torch.norm``: ``'fro'`` and numbers are vector norms over ``dim`` (all by default)."""
    x = as_tensor(input)
    if isinstance(p, str):
        if p == "nuc":
            return matrix_norm(x, "nuc", (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
        if p != "fro":
            raise RuntimeError(f"norm(): unsupported p={p!r}")
        p = 2
    d = _dims(dim) if not isinstance(dim, int) else dim
    return vector_norm(x, p, d, keepdim, dtype=dtype, out=out)


def dist(input: Any, other: Any, p: float = 2) -> Tensor:  # noqa: A002
    """The ``p``-norm of ``input - other`` (broadcast), as ``torch.dist``."""
    return vector_norm(_ew.sub(input, other), p)
