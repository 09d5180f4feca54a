"""Sorting and selection along a dim as PyTorch defines them: sort, argsort, msort, topk,
kthvalue, median, nanmedian, and ``max``/``min`` with a dim (or a second tensor).

Selections are gathers at indices found on the data, so the gradient goes to the selected
positions (first and second order, through ``gather``), as PyTorch's ``max(dim)``; the whole-tensor
``median()`` splits its gradient evenly among the elements equal to it, as PyTorch. Ascending
order puts NaN last (first when descending); sorting is stable, so ties keep their order.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from .. import return_types as _rt
from ..autograd import apply
from ..tensor import Tensor, as_tensor
from . import OUT, data_of, defop
from . import elementwise as _ew
from . import reduce as _red
from .reduce import _axes, gather

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "max", "min"]


def _order(a: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable sort indices along ``axis``; NaN last ascending, first descending (as PyTorch)."""
    if not descending:
        return np.argsort(a, axis=axis, kind="stable")
    n = a.shape[axis]
    r = np.flip(a, axis)  # a stable ascending sort of the reversal, reversed: ties keep order
    return (n - 1 - np.flip(np.argsort(r, axis=axis, kind="stable"), axis)).astype(np.int64)


def _dim(x: Tensor, dim: Any) -> int:
    return _axes(x.ndim, int(dim))[0]


def _pick(x: Tensor, d: int, idx: np.ndarray, keepdim: bool = True, kind: type | None = None):
    """``(values, indices)`` at ``idx`` (which keeps dim ``d``) with the gradient routed there."""
    if not x.ndim:
        values, idx = gather(x.reshape(1), 0, idx.reshape(-1)[:1]).reshape(()), idx.reshape(())
    else:
        values = gather(x, d, idx)
        if not keepdim:
            values, idx = values.squeeze(d), np.squeeze(idx, axis=d)
    idx = Tensor._wrap(np.array(idx, dtype=np.int64))  # a copy, 0-d kept 0-d
    return (values, idx) if kind is None else kind(values, idx)


def _data(x: Tensor) -> np.ndarray:
    return x._data.reshape(1) if not x.ndim else x._data


def _nonempty(name: str, x: Tensor, d: int) -> None:
    if x.ndim and x.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def sort(input: Any, dim: int = -1, descending: bool = False,  # noqa: A002
         stable: bool = False) -> Any:
    """``(values, indices)`` sorted along ``dim``; ties keep their order (stable, as PyTorch)."""
    x = as_tensor(input)
    d = _dim(x, dim)
    idx = _order(_data(x), d if x.ndim else 0, bool(descending))
    return _pick(x, d, idx, kind=_rt.sort)


def argsort(input: Any, dim: int = -1, descending: bool = False,  # noqa: A002
            stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim`` (``sort(...).indices``)."""
    return sort(input, dim, descending, stable).indices


def msort(input: Any) -> Tensor:  # noqa: A002
    """Sort along the first dim (``sort(input, dim=0).values``)."""
    return sort(input, 0).values


def topk(input: Any, k: int, dim: int = -1, largest: bool = True,  # noqa: A002
         sorted: bool = True) -> Any:  # noqa: A002
    """The ``k`` largest (``largest=False``: smallest) along ``dim``, as ``(values, indices)``."""
    x = as_tensor(input)
    d = _dim(x, dim)
    n = x.shape[d] if x.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    a = d if x.ndim else 0
    idx = np.take(_order(_data(x), a, bool(largest)), np.arange(k), axis=a)
    return _pick(x, d, idx, kind=_rt.topk)


def kthvalue(input: Any, k: int, dim: int = -1, keepdim: bool = False) -> Any:  # noqa: A002
    """The ``k``-th smallest (1-based) along ``dim`` as ``(values, indices)``."""
    x = as_tensor(input)
    d = _dim(x, dim)
    n = x.shape[d] if x.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    a = d if x.ndim else 0
    return _pick(x, d, _kth_index(_data(x), a, k - 1), keepdim, _rt.kthvalue)


def _kth_index(a: np.ndarray, axis: int, k: int) -> np.ndarray:
    """The index PyTorch's kthvalue gives (kept as size 1): the sorted position where the value
    is unique, else the position its quickselect leaves there (ties: which of the equal ones)."""
    idx = np.take(_order(a, axis, False), [k], axis=axis)
    v = np.take_along_axis(a, idx, axis=axis)
    same = (a == v) | (np.isnan(a) & np.isnan(v)) if a.dtype.kind == "f" else a == v
    tied = np.moveaxis(same.sum(axis=axis, keepdims=True) > 1, axis, -1)
    if tied.any():
        moved, out = np.moveaxis(a, axis, -1), np.moveaxis(idx, axis, -1)
        for pos in np.ndindex(moved.shape[:-1]):
            if tied[pos + (0,)]:
                out[pos + (0,)] = _quickselect(moved[pos].tolist(), k)
    return idx


def _gt_or_nan(x: Any, y: Any) -> bool:
    return (x != x and y == y) or x > y


def _quickselect(arr: list, k: int) -> int:
    """PyTorch's CPU kthvalue selection (SortingUtils.h, median-of-three Sedgewick partition),
    step for step, so tied values resolve to the same index; returns the original index."""
    idx = list(range(len(arr)))

    def swap(i: int, j: int) -> None:
        arr[i], arr[j] = arr[j], arr[i]
        idx[i], idx[j] = idx[j], idx[i]

    lo, hi = 0, len(arr) - 1
    while hi > lo:
        if hi == lo + 1:
            if _gt_or_nan(arr[lo], arr[hi]):
                swap(lo, hi)
            break
        swap((lo + hi) >> 1, lo + 1)
        for i, j in ((lo + 1, hi), (lo, hi), (lo + 1, lo)):
            if _gt_or_nan(arr[i], arr[j]):
                swap(i, j)
        i, j, piv = lo + 1, hi, arr[lo]
        while True:
            i += 1
            while _gt_or_nan(piv, arr[i]):
                i += 1
            j -= 1
            while _gt_or_nan(arr[j], piv):
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(lo, j)
        if j <= k:
            lo = i
        if j >= k:
            hi = j - 1
    return idx[k]


def _median_index(a: np.ndarray, axis: int, skip_nan: bool) -> np.ndarray:
    """The index of the lower median along ``axis`` (kept as size 1); NaN wins unless skipped."""
    order = _order(a, axis, False)
    nan = np.isnan(a) if a.dtype.kind == "f" else np.zeros(a.shape, bool)
    valid = a.shape[axis] - nan.sum(axis=axis, keepdims=True)
    if skip_nan:
        pos = np.maximum(valid - 1, 0) // 2
    else:
        pos = np.full(valid.shape, (a.shape[axis] - 1) // 2)
    idx = np.take_along_axis(order, pos, axis=axis)
    if not skip_nan and nan.any():  # a slice with a NaN: its median is its first NaN
        idx = np.where(valid < a.shape[axis], np.argmax(nan, axis=axis, keepdims=True), idx)
    return idx


def _median_all_fwd(x: np.ndarray, skip_nan: bool = False) -> np.ndarray:
    flat = x.reshape(-1)
    if flat.size == 0:
        return np.array(np.nan, x.dtype)
    return flat[_median_index(flat, 0, skip_nan)[0]].copy()


def _median_all_rule(xp, g, out, x, skip_nan=False):
    """PyTorch's evenly distributed gradient: shared by the elements equal to the median."""
    xd, od = data_of(x), data_of(out)
    hit = np.isnan(xd) if np.isnan(od) else xd == od
    return g * (hit / builtins.max(int(hit.sum()), 1)).astype(xd.dtype)


MEDIAN = defop("median", _median_all_fwd, _median_all_rule, saves=((0, OUT),))


def _median(name: str, skip_nan: bool, kind: type):
    def fn(input: Any, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A002
        x = as_tensor(input)
        if dim is None:
            return apply(MEDIAN, x, skip_nan=skip_nan) if skip_nan else apply(MEDIAN, x)
        d = _dim(x, dim)
        _nonempty(name, x, d)
        idx = _median_index(_data(x), d if x.ndim else 0, skip_nan)
        return _pick(x, d, idx, keepdim, kind)

    fn.__name__ = fn.__qualname__ = name
    what = "ignoring NaN" if skip_nan else "NaN if any is NaN"
    fn.__doc__ = (f"The lower median ({what}), or ``(values, indices)`` along ``dim``; without a "
                  f"dim the gradient is shared by the elements equal to it, as PyTorch.")
    return fn


median = _median("median", False, _rt.median)
nanmedian = _median("nanmedian", True, _rt.nanmedian)


def _extreme(name: str, red: Any, npfn: Any, binary: Any, kind: type):
    def fn(input: Any, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A002
        x = as_tensor(input)
        if isinstance(dim, Tensor):  # torch.max(a, b): the elementwise maximum
            return binary(x, dim)
        if dim is None:
            if x._data.size == 0:
                raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                                   f"input.numel() == 0. Specify the reduction dim with the "
                                   f"'dim' argument.")
            return red(x)
        d = _dim(x, dim)
        _nonempty(name, x, d)
        idx = npfn(_data(x), axis=d if x.ndim else 0, keepdims=True)
        return _pick(x, d, idx, keepdim, kind)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"The {name}imum of all elements (ties share the gradient), ``(values, "
                  f"indices)`` along ``dim`` (the first extreme; the gradient goes there), or "
                  f"``torch.{name}imum`` with a tensor as second argument, as PyTorch.")
    return fn


max = _extreme("max", _red.amax, np.argmax, _ew.maximum, _rt.max)  # noqa: A001
min = _extreme("min", _red.amin, np.argmin, _ew.minimum, _rt.min)  # noqa: A001

FUNCTIONS = {name: globals()[name] for name in __all__}
"""The public functions here, also Tensor methods of the same names."""
