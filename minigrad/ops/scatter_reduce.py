"""``scatter_reduce`` as PyTorch defines it: reduce ``src`` into ``input`` at ``index`` along
``dim`` with sum, prod, mean, amax or amin, with or without the input's own values
(``include_self``), and the gradients PyTorch gives (ties of amax/amin share evenly).

Gradients of sum, mean, amax and amin are linear in the upstream gradient with weights fixed by
the forward values, so they are differentiable again; prod's is ``out / value`` (differentiable
again) unless a contributing value is zero, where the product of the others is computed from
the values (exact to first order).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import inplace as _ip
from ..autograd import apply
from ..tensor import Tensor, as_tensor
from . import OUT, call, data_of, defop
from .reduce import _index_grid
from .scatter import _part, _same_dtype, gather_index, lift0d
from .shape import GETITEM

__all__ = ["scatter_reduce", "SCATTER_REDUCE"]

_UFUNC = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum,
          "amin": np.minimum}


def _identity(reduce: str, dtype: np.dtype) -> Any:
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    big = np.inf if dtype.kind == "f" else np.iinfo(dtype).max
    return -big if reduce == "amax" else big


def _touched(shape: tuple, grid: tuple) -> np.ndarray:
    hit = np.zeros(shape, dtype=bool)
    hit[grid] = True
    return hit


def _count(shape: tuple, grid: tuple, include_self: bool) -> np.ndarray:
    cnt = np.zeros(shape, dtype=np.int64)
    np.add.at(cnt, grid, 1)
    return cnt + include_self


def _forward(x, src, axis, index, reduce, include_self):
    grid = _index_grid(index, axis)
    out = x.copy()
    hit = _touched(x.shape, grid)
    if not include_self:
        out[hit] = _identity(reduce, x.dtype)
    _UFUNC[reduce].at(out, grid, src)
    if reduce == "mean":
        cnt = np.maximum(_count(x.shape, grid, include_self), 1)
        out = np.where(hit, out / cnt if x.dtype.kind == "f" else out // cnt, out)
    return out.astype(x.dtype, copy=False)


def _others(xd, sd, od, grid, hit, include_self):
    """The product of the other contributors at each contributor's position (zeros handled)."""
    own = hit & include_self
    zeros = own & (xd == 0)
    zc = zeros.astype(np.int64)
    np.add.at(zc, grid, sd == 0)
    pnz = np.where(own & (xd != 0), xd, 1).astype(xd.dtype)
    np.multiply.at(pnz, grid, np.where(sd == 0, 1, sd))

    def other(v, z, p):
        safe = np.where(v == 0, 1, v)
        return np.where(v != 0, np.where(z == 0, p / safe, 0), np.where(z == 1, p, 0))

    return np.where(own, other(xd, zc, pnz), 0), other(sd, zc[grid], pnz[grid])


def _vjp(xp, g, out, inputs, needs, axis, index, reduce, include_self):
    x, src = inputs
    xd = data_of(x)
    grid = _index_grid(index, axis)
    hit = _touched(xd.shape, grid)
    keep = (~hit).astype(xd.dtype)  # positions no source reaches keep the upstream gradient
    if reduce in ("sum", "mean"):
        w = 1.0 / np.maximum(_count(xd.shape, grid, include_self), 1) if reduce == "mean" \
            else np.ones(xd.shape)
        wx = np.where(hit, w if include_self else 0, 1).astype(xd.dtype)
        gs = call(xp, GETITEM, g * w.astype(xd.dtype), index=grid) if needs[1] else None
        return [g * wx if needs[0] else None, gs]
    sd, od = data_of(src), data_of(out)
    if reduce in ("amax", "amin"):
        eq_x = hit & (xd == od)  # counted among the ties even without include_self, as PyTorch
        eq_s = sd == od[grid]
        num = eq_x.astype(np.int64)
        np.add.at(num, grid, eq_s)
        num = np.maximum(num, 1)
        gx = g * (keep + (eq_x & include_self) / num).astype(xd.dtype) if needs[0] else None
        gs = call(xp, GETITEM, g / num.astype(xd.dtype), index=grid) * eq_s.astype(xd.dtype) \
            if needs[1] else None
        return [gx, gs]
    own = hit & include_self
    if not ((own & (xd == 0)).any() or (sd == 0).any()):  # out / value, differentiable again
        one = np.ones_like(xd)
        gx = g * xp.where(own, out / xp.where(own, x, one), keep) if needs[0] else None
        gs = call(xp, GETITEM, g * out, index=grid) / src if needs[1] else None
        return [gx, gs]
    ox, os_ = _others(xd, sd, od, grid, hit, include_self)
    gx = g * (keep + ox).astype(xd.dtype) if needs[0] else None
    gs = call(xp, GETITEM, g, index=grid) * os_.astype(xd.dtype) if needs[1] else None
    return [gx, gs]


def _saves(axis, index, reduce, include_self):
    return ((), ()) if reduce in ("sum", "mean") else ((0, 1, OUT), (0, 1, OUT))


SCATTER_REDUCE = defop("scatter_reduce", _forward, vjp=_vjp, saves=_saves)


def _prepare(x: Any, dim: int, index: Any, src: Any, reduce: str) -> tuple:
    x, src = as_tensor(x), as_tensor(src)
    if reduce not in _UFUNC:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    d, idx = gather_index(x, dim, index, src, "scatter")
    _same_dtype(x, src, "scatter")
    return x, _part(src, idx), d, idx


@lift0d
def scatter_reduce(input: Any, dim: int, index: Any, src: Any, reduce: str, *,  # noqa: A002
                   include_self: bool = True) -> Tensor:
    """A copy of ``input`` with ``src`` reduced in at ``index`` along ``dim``."""
    x, s, d, idx = _prepare(input, dim, index, src, reduce)
    return apply(SCATTER_REDUCE, x, s, axis=d, index=idx, reduce=reduce,
                 include_self=bool(include_self))


@lift0d
def scatter_reduce_(self: Tensor, dim: int, index: Any, src: Any, reduce: str, *,
                    include_self: bool = True) -> Tensor:
    """``scatter_reduce`` into this tensor."""
    x, s, d, idx = _prepare(self, dim, index, src, reduce)
    return _ip.inplace(SCATTER_REDUCE, x, s, axis=d, index=idx, reduce=reduce,
                       include_self=bool(include_self))


Tensor.scatter_reduce = scatter_reduce
Tensor.scatter_reduce_ = scatter_reduce_
