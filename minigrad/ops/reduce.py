"""Reductions with PyTorch's ``dim``/``keepdim``: sum, mean, amax, max, var, std, logsumexp."""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from .. import dtypes as _dt
from .. import promotion as _promotion
from ..autograd import apply
from ..tensor import Tensor, as_tensor
from . import OUT, call, data_of, defop

__all__ = ["sum", "mean", "amax", "amin", "var", "std", "logsumexp", "gather", "argmax",
           "argmin"]  # fmt: skip

Axis = int | tuple[int, ...] | None


def _axes(ndim: int, axis: Axis) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out, n = [], builtins.max(ndim, 1)
    for a in axes:
        if not -n <= a < n:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-n}, {n - 1}], but got {a})")
        out.append(a % ndim if ndim else 0)
    return tuple(out)


def _keep(g: Any, shape: tuple[int, ...], axis: Axis, keepdims: bool) -> Any:
    """Reshape a reduced gradient so it broadcasts against the input (re-insert reduced dims)."""
    if keepdims or not shape:
        return g
    axes = _axes(len(shape), axis)
    return g.reshape(tuple(1 if i in axes else n for i, n in enumerate(shape)))


_ADD_REDUCE = np.add.reduce  # np.sum's work without its Python layers (the same result)


def _count(shape: tuple[int, ...], axis: Axis) -> int:
    return math.prod(shape[a] for a in _axes(len(shape), axis)) if shape else 1


def _sum_rule(xp, g, out, x, axis=None, keepdims=False):
    if xp is np:  # a fresh array (the gradient's own): cheaper than broadcast_to, no copy later
        full = np.empty(x.shape, g.dtype)
        full[...] = g if axis is None else _keep(g, x.shape, axis, keepdims)  # None: g is 0-d
        return full
    return xp.broadcast_to(_keep(g, x.shape, axis, keepdims), x.shape)


def _mean_rule(xp, g, out, x, axis=None, keepdims=False):
    n = _count(x.shape, axis)  # 0 only when x is empty: the gradient is empty too
    return xp.broadcast_to(_keep(g, x.shape, axis, keepdims) * (1.0 / n if n else math.nan),
                           x.shape)


def _extreme_rule(xp, g, out, x, axis=None, keepdims=False):
    xd = data_of(x)
    hit = xd == _keep(data_of(out), xd.shape, axis, keepdims)
    w = (hit / hit.sum(axis=axis, keepdims=True)).astype(xd.dtype)
    return _keep(g, x.shape, axis, keepdims) * w


def _var_fwd(x, axis=None, correction=1, keepdims=False):
    return np.var(x, axis=axis, ddof=correction, keepdims=keepdims)


def _std_fwd(x, axis=None, correction=1, keepdims=False):
    return np.std(x, axis=axis, ddof=correction, keepdims=keepdims)


def _var_rule(xp, g, out, x, axis=None, correction=1, keepdims=False):
    n = _count(x.shape, axis) - correction
    centered = x - xp.mean(x, axis=axis, keepdims=True)
    return _keep(g, x.shape, axis, keepdims) * centered * (2.0 / n if n else math.nan)


def _std_rule(xp, g, out, x, axis=None, correction=1, keepdims=False):
    n = _count(x.shape, axis) - correction
    centered = x - xp.mean(x, axis=axis, keepdims=True)
    return _keep(g, x.shape, axis, keepdims) * centered / (_keep(out, x.shape, axis, keepdims) * n)


def _logsumexp_fwd(x, axis=None, keepdims=False):
    m = np.amax(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    s = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return s if keepdims else np.squeeze(s, axis=_axes(x.ndim, axis))


def _logsumexp_rule(xp, g, out, x, axis=None, keepdims=False):
    return _keep(g, x.shape, axis, keepdims) * xp.exp(x - _keep(out, x.shape, axis, keepdims))


def _index_grid(index: np.ndarray, axis: int) -> tuple:
    grid = list(np.ix_(*[np.arange(n) for n in index.shape]))
    grid[axis] = index
    return tuple(grid)


def _gather_fwd(x, axis, index):
    return np.take_along_axis(x, index, axis=axis)


def _scatter_add_fwd(g, axis, index, shape):
    z = np.zeros(shape, dtype=g.dtype)
    np.add.at(z, _index_grid(index, axis), g)
    return z


SUM = defop("sum", lambda x, axis=None, keepdims=False: _ADD_REDUCE(x, axis, keepdims=keepdims),
            _sum_rule, saves=())
MEAN = defop("mean",
             lambda x, axis=None, keepdims=False: np.mean(x, axis=axis, keepdims=keepdims),
             _mean_rule, saves=())
AMAX = defop("amax",
             lambda x, axis=None, keepdims=False: np.amax(x, axis=axis, keepdims=keepdims),
             _extreme_rule, saves=((0, OUT),))
AMIN = defop("amin",
             lambda x, axis=None, keepdims=False: np.amin(x, axis=axis, keepdims=keepdims),
             _extreme_rule, saves=((0, OUT),))
VAR = defop("var", _var_fwd, _var_rule, saves=((0,),))
STD = defop("std", _std_fwd, _std_rule, saves=((0, OUT),))
LOGSUMEXP = defop("logsumexp", _logsumexp_fwd, _logsumexp_rule, saves=((0, OUT),))
GATHER = defop(
    "gather", _gather_fwd,
    lambda xp, g, out, x, axis, index: call(xp, SCATTER_ADD, g, axis=axis, index=index,
                                            shape=x.shape),
    saves=(),
)
SCATTER_ADD = defop(
    "scatter_add", _scatter_add_fwd,
    lambda xp, g, out, x, axis, index, shape: call(xp, GATHER, g, axis=axis, index=index),
    saves=(),
)


def _dims(dim: Any, axis: Any) -> Axis:
    d = axis if dim is None else dim
    if isinstance(d, list):
        d = tuple(d)
    return None if d == () else d  # dim=() reduces every dim, as PyTorch 2.13


def _into(out: Any, r: Tensor) -> Any:
    """``out=``: write the result into ``out`` (which NumPy's ``np.sum(t, out=...)`` also
    passes), as PyTorch resizes and fills it."""
    if isinstance(out, tuple):
        out = out[0]
    if isinstance(out, np.ndarray):
        out[...] = r._data
        return out
    if out.shape != r.shape:
        out.data = Tensor._wrap(np.empty(r.shape, out.dtype))
    return out.copy_(r)


def _integral_sum(x: Tensor) -> Tensor:
    """PyTorch sums bool and integer tensors in int64 (NumPy would give uint64 for uint8)."""
    return x if x._data.dtype == np.int64 else Tensor._wrap(x._data.astype(np.int64))


def _float_only(x: Tensor) -> Tensor:
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {_dt.torch_name(x.dtype)}")
    return x


def _to_float(x: Tensor) -> Tensor:
    return _promotion.to_float(x)


def _nonempty(name: str, x: Tensor, axes: tuple[int, ...] | None) -> None:
    """amax/amin over zero elements raise PyTorch's errors (sum and mean give 0 and NaN)."""
    if name not in ("amax", "amin") or x._data.size:
        return
    if axes is None:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() "
                           f"== 0. Specify the reduction dim with the 'dim' argument.")
    for a in axes:
        if x.ndim and x.shape[a] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {a} to have non-zero size.")


_INPUT_RULE = {"sum": _integral_sum, "mean": _float_only, "logsumexp": _to_float}


def _reducer(op, doc: str):
    rule = _INPUT_RULE.get(op.name)

    def fn(x: Any, dim: Axis = None, keepdim: bool = False, *, dtype: Any = None,
           out: Tensor | None = None, axis: Axis = None, keepdims: bool | None = None):
        if (dim is None and axis is None and dtype is None and out is None and not keepdim
                and keepdims is None and type(x) is Tensor and x._data.dtype.kind == "f"
                and x._data.size):
            return apply(op, x, axis=None, keepdims=False)  # x.sum(): the common call, direct
        x = as_tensor(x)
        if dtype is not None:  # the input is cast first, as PyTorch's sum(dtype=)
            x = x.to(dtype)
        if rule is not None and x._data.dtype.kind != "f":
            x = rule(x)
        d = _dims(dim, axis)
        _nonempty(op.name, x, _axes(x.ndim, d) if d is not None else None)
        if not x.ndim:  # a 0-d tensor over dim 0 or -1: itself, as PyTorch
            d = None
        r = apply(op, x, axis=d, keepdims=bool(keepdim if keepdims is None else keepdims))
        return r if out is None else _into(out, r)

    fn.__name__ = op.name
    fn.__doc__ = doc
    return fn


sum = _reducer(SUM, "Sum over ``dim`` (all by default).")  # noqa: A001
mean = _reducer(MEAN, "Mean over ``dim`` (all by default).")
amax = _reducer(AMAX, "Maximum over ``dim``; ties share the gradient evenly.")
amin = _reducer(AMIN, "Minimum over ``dim``; ties share the gradient evenly.")
logsumexp = _reducer(LOGSUMEXP, "``log(sum(exp(x)))`` over ``dim``, stable for large inputs.")


def _spread(op, name: str):
    def fn(x: Any, dim: Axis = None, unbiased: bool | None = None, keepdim: bool = False, *,
           correction: float | None = None, axis: Axis = None, keepdims: bool | None = None):
        x = as_tensor(x)
        if x._data.dtype.kind != "f":
            raise RuntimeError("std and var only support floating point and complex dtypes")
        if isinstance(dim, bool):  # var(x, True): PyTorch's var(input, unbiased)
            dim, unbiased = None, dim
        d = _dims(dim, axis)
        _axes(x.ndim, d)
        c = 1 if correction is None else correction
        if unbiased is not None:
            c = int(bool(unbiased))
        return apply(op, x, axis=d, correction=c,
                     keepdims=bool(keepdim if keepdims is None else keepdims))

    fn.__name__ = name
    fn.__doc__ = (f"{name} over ``dim`` with Bessel's ``correction`` (1 by default, a float "
                  f"allowed), or ``unbiased`` (positionally too), as PyTorch.")
    return fn


var = _spread(VAR, "var")
std = _spread(STD, "std")


def gather(x: Any, dim: int, index: Any):
    """Pick values along ``dim`` at ``index`` (``torch.gather``: the index may be smaller than
    ``x`` in the other dims, which reads that corner of ``x``); repeated indices add gradients."""
    from .scatter import gather_index

    x = as_tensor(x)
    d, idx = gather_index(x, dim, index)
    if x.ndim == 0:  # a 0-d input reads as a 1-element vector; the result has index's shape
        return gather(x.reshape(1), d, idx.reshape(-1)).reshape(idx.shape)
    if not idx.size and idx.ndim != x.ndim:  # picks nothing, still part of the graph
        return x.reshape(-1)[:0].reshape(idx.shape)
    corner = tuple(slice(None) if k == d else slice(0, n) for k, n in enumerate(idx.shape))
    if any(n != m for k, (n, m) in enumerate(zip(idx.shape, x.shape)) if k != d):
        x = x[corner]
    return apply(GATHER, x, axis=d, index=idx)


def _arg(npfn):
    def fn(x: Any, dim: int | None = None, keepdim: bool = False):

        x = as_tensor(x)
        return Tensor(npfn(x._data, axis=dim, keepdims=keepdim if dim is not None else False))

    return fn


argmax = _arg(np.argmax)
argmin = _arg(np.argmin)
