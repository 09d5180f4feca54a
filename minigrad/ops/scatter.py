"""PyTorch's index ops: index_select, scatter, scatter_add, index_add, index_copy, index_fill,
masked_fill, masked_scatter, masked_select, and their in-place ``_`` forms (take, nonzero and
the like are in :mod:`.positions`).

One helper set serves them all: an op's positions become one NumPy index (``_grid`` for the
scatter family, ``(:, ..., idx)`` for the index family, a boolean mask for the masked family),
reads are ``getitem``, additive writes are ``index_add`` (the getitem gradient, NumPy's
``add.at``), and overwrites are ``copy_slices``, the op ``x[i] = v`` records. Gradients of every
order come from those ops; the in-place forms go through :func:`minigrad.inplace.inplace`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import inplace as _ip
from ..autograd import apply, is_grad_enabled
from ..dtypes import torch_name
from ..tensor import Tensor, as_tensor
from . import elementwise as ew
from .assign import COPY_SLICES
from .reduce import _axes, _index_grid
from .shape import GETITEM, INDEX_ADD, broadcast_to, reshape

__all__ = ["index_select", "scatter", "scatter_add", "index_add", "index_copy", "index_fill",
           "masked_fill", "masked_scatter", "masked_select", "gather_index", "lift0d"]  # fmt: skip


def _dim(x: Tensor, dim: int) -> int:
    return _axes(x.ndim, int(dim))[0]


_I32, _I64 = np.dtype(np.int32), np.dtype(np.int64)
_INDEX_DTYPES = {  # op -> (accepted index dtypes, error, PyTorch's words)
    "gather": ((_I32, _I64), RuntimeError, "gather(): Expected dtype int32/int64 for index"),
    "scatter": ((_I32, _I64), RuntimeError, "scatter(): Expected dtype int32/int64 for index"),
    "take": ((_I64,), RuntimeError, "take(): Expected a long tensor for index, but got {}"),
    "take_along_dim": ((_I64,), RuntimeError, "torch.take_along_dim(): dtype of indices should "
                                              "be Long but got {}"),
    "index_select": ((_I32, _I64), RuntimeError,
                     "index_select(): Expected dtype int32 or int64 for index"),
    "index_add_": ((_I32, _I64), RuntimeError,
                   "index_add_(): Expected dtype int32/int64 for index but got: {}"),
    "index_copy_": ((_I64,), RuntimeError,
                    "index_copy_(): Expected a long tensor for index, but got {}"),
    "index_fill_": ((_I64,), IndexError, "index_fill_(): Expected dtype int64 for index."),
}  # fmt: skip


def _long(index: Any, name: str) -> np.ndarray:
    """The index as an int64 array, after the dtype check PyTorch's ``name`` makes."""
    a = index._data if isinstance(index, Tensor) else np.asarray(index)
    ok, error, words = _INDEX_DTYPES[name]
    if a.dtype not in ok and not (a.size == 0 and name in ("gather", "scatter")):
        raise error(words.format(torch_name(a.dtype)))
    return a.astype(np.int64, copy=False)


def _same_dtype(x: Tensor, src: Tensor, name: str) -> None:
    if src.dtype != x.dtype:
        raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype")


def gather_index(x: Tensor, dim: int, index: Any, src: Tensor | None = None,
                 name: str = "gather") -> tuple[int, np.ndarray]:
    """PyTorch's checks on a scatter/gather index (int64, as many dims as ``x``, no larger than
    ``x`` apart from ``dim``, nor than ``src``); the dimension and the index array."""
    idx = _long(index, name)
    d = _dim(x, dim) if x.ndim else 0
    if idx.ndim != max(x.ndim, 1) and not (idx.ndim == 0 and x.ndim == 0) and idx.size:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    if src is not None and idx.ndim != src.ndim and idx.size:
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    if not idx.size:  # an empty index reads and writes nothing (any shape, as PyTorch)
        return d, idx.astype(np.int64)
    for k, n in enumerate(idx.shape):
        if k != d and n > (x.shape[k] if x.ndim else 1) or src is not None and src.ndim > k \
                and n > src.shape[k]:
            if src is None:
                raise RuntimeError(f"Size does not match at dimension {k} expected index "
                                   f"{list(idx.shape)} to be no larger than self "
                                   f"{list(x.shape)} apart from dimension {d}")
            raise RuntimeError(f"Expected index {list(idx.shape)} to be no larger than self "
                               f"{list(x.shape)} apart from dimension {d} and to be no larger "
                               f"size than src {list(src.shape)}")
    n = x.shape[d] if x.ndim else 1
    bad = idx[(idx >= n) | (idx < -n)] if idx.size else idx
    if bad.size:
        raise RuntimeError(f"index {int(bad.flat[0])} is out of bounds for dimension {d} with "
                           f"size {n}")
    return d, idx


def _grid(idx: np.ndarray, d: int) -> tuple:
    return _index_grid(idx.reshape(idx.shape or (1,)), d) if idx.ndim else (idx.reshape(1),)


def _part(src: Tensor, idx: np.ndarray) -> Tensor:
    """The corner of ``src`` the index covers (PyTorch reads only that much of it)."""
    if src.shape == idx.shape:
        return src
    return apply(GETITEM, src, index=tuple(slice(0, n) for n in idx.shape) + (Ellipsis,))


def _value(x: Tensor, value: Any, name: str) -> Tensor:
    """A fill value as a 0-d tensor of ``x``'s dtype (a 0-d tensor keeps its gradient)."""
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"{name} only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value.ndim} dimension(s).")
        return value if value.dtype == x.dtype else ew.cast(value, x.dtype)
    return Tensor._wrap(np.asarray(value).astype(x.dtype))


def _write(x: Tensor, steps: tuple, src: Tensor, inplace: bool) -> Tensor:
    """``x[steps] = src``: into ``x`` (recorded as copy-slices) or into a new tensor."""
    if inplace:
        _ip.assign_region(x, (), src, steps=steps)
        return x
    return apply(COPY_SLICES, x, src, chain=tuple((GETITEM, {"index": s}) for s in steps))


def _add(x: Tensor, index: tuple, src: Tensor, inplace: bool) -> Tensor:
    """``x[index] += src`` with repeated positions adding up (NumPy's ``add.at``)."""
    spread = apply(INDEX_ADD, src, index=index, shape=x.shape)
    return _ip.inplace(ew.ADD, x, spread) if inplace else ew.add(x, spread)


def lift0d(fn: Any, lift_src: bool = True) -> Any:
    """Run ``fn(x, dim, index, src, ...)`` on a 0-d ``x`` as on a 1-element vector (a view, so
    in-place forms write into ``x``), as PyTorch treats a 0-d tensor along dim 0."""
    def run(x: Any, dim: int, index: Any, src: Any = None, *args: Any, **kw: Any) -> Tensor:
        x = as_tensor(x)
        if x.ndim:
            return fn(x, dim, index, src, *args, **kw)
        _axes(1, int(dim))
        one = reshape(x, (1,))
        idx = index._data if isinstance(index, Tensor) else np.asarray(index)
        idx = Tensor._wrap(idx.reshape(-1) if idx.ndim == 0 else idx)
        if lift_src and isinstance(src, Tensor) and src.ndim == 0:
            src = reshape(src, (1,))
        out = fn(one, 0, idx, src, *args, **kw)
        return x if out is one else reshape(out, ())

    run.__name__, run.__doc__ = fn.__name__, fn.__doc__
    return run


# ---- the scatter family ----


@lift0d
def _scatter(x: Any, dim: int, index: Any, src: Any = None, value: Any = None, *,
             reduce: str | None = None, inplace: bool = False) -> Tensor:
    x = as_tensor(x)
    if src is not None and not isinstance(src, Tensor):
        src, value = None, src
    d, idx = gather_index(x, dim, index, src, "scatter")
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError("reduce argument must be either add or multiply.")
        return _scatter_reduce_deprecated(x, d, idx, src, value, reduce, inplace)
    if src is not None:
        _same_dtype(x, src, "scatter")
        return _write(x, (_grid(idx, d),), _part(src, idx), inplace)
    return _write(x, (_grid(idx, d),), _value(x, value, "scatter"), inplace)


def _scatter_reduce_deprecated(x, d, idx, src, value, reduce, inplace):
    """``scatter(..., reduce='add'|'multiply')``: PyTorch's deprecated forms, which have no
    derivative (PyTorch raises when one is asked for; minigrad when the graph would need it)."""
    v = _part(src, idx) if src is not None else _value(x, value, "scatter")
    if is_grad_enabled() and (x.requires_grad or v.requires_grad):
        raise RuntimeError(f"derivative for aten::scatter{'_' if inplace else ''} is not "
                           f"implemented")
    out = x._data.copy()
    ufunc = np.add if reduce == "add" else np.multiply
    ufunc.at(out, _grid(idx, d), np.broadcast_to(v._data, idx.shape))
    return x.copy_(Tensor._wrap(out)) if inplace else Tensor._wrap(out)


def scatter(input: Any, dim: int, index: Any, src: Any = None, *, value: Any = None,  # noqa: A002
            reduce: str | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` (or ``value``) written at ``index`` along ``dim``."""
    return _scatter(input, dim, index, src, value, reduce=reduce)


def scatter_add(input: Any, dim: int, index: Any, src: Any) -> Tensor:  # noqa: A002
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim`` (repeats add up)."""
    return _scatter_add(input, dim, index, src, False)


@lift0d
def _scatter_add(x: Any, dim: int, index: Any, src: Any, inplace: bool) -> Tensor:
    x, src = as_tensor(x), as_tensor(src)
    d, idx = gather_index(x, dim, index, src, "scatter")
    _same_dtype(x, src, "scatter")
    return _add(x, _grid(idx, d), _part(src, idx), inplace)


# ---- the index family ----


def _vector(index: Any, name: str) -> np.ndarray:
    a = _long(index, name)
    if a.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector")
    return a.reshape(-1)


def _along(x: Tensor, d: int, idx: np.ndarray, name: str, error: type = RuntimeError,
           wrap: bool = False) -> tuple:
    """The NumPy index of entries ``idx`` along ``d``, with the bounds check PyTorch's ``name``
    makes (``wrap``: negative entries count from the end)."""
    n = x.shape[d] if x.ndim else 1
    bad = idx[(idx >= n) | (idx < (-n if wrap else 0))]
    if bad.size:
        prefix = f"{name}(): " if name == "index_copy_" else ""
        raise error(f"{prefix}index {int(bad[0])} is out of bounds for dimension {d} with "
                    f"size {n}")
    return (slice(None),) * d + (idx, Ellipsis)


def index_select(input: Any, dim: int, index: Any) -> Tensor:  # noqa: A002
    """The entries ``index`` (a vector) along ``dim``, a copy."""
    x = as_tensor(input)
    d = _dim(x, dim) if x.ndim else 0
    idx = _vector(index, "index_select")
    n = x.shape[d] if x.ndim else 1
    bad = idx[(idx >= n) | (idx < 0)]
    if bad.size:
        raise RuntimeError(f"INDICES element is out of DATA bounds, id={int(bad[0])} "
                           f"axis_dim={n}")
    if not x.ndim:  # a 0-d input gives a 0-d result, as PyTorch
        return reshape(apply(GETITEM, reshape(x, (1,)), index=(idx,)), ())
    return apply(GETITEM, x, index=(slice(None),) * d + (idx,))


def _source(x: Tensor, d: int, idx: np.ndarray, source: Any, name: str) -> Tensor:
    src = as_tensor(source)
    m = src.shape[d] if src.ndim else 1
    if m != idx.size:
        msg = (f"{name}(): Number of indices ({idx.size}) should be equal to source.size(dim): "
               f"({m}), for dim: {d}" if name == "index_add_" else
               f"{name}(): Number of indices ({idx.size}) should be equal to source.size(dim) "
               f"({m})")
        raise (RuntimeError if name == "index_add_" else IndexError)(msg)
    if src.dtype != x.dtype:
        raise RuntimeError(f"{name}(): self ({torch_name(x.dtype)}) and source "
                           f"({torch_name(src.dtype)}) must have the same scalar type")
    return src


@lift0d
def _index_add(x: Any, dim: int, index: Any, source: Any, alpha: Any, inplace: bool) -> Tensor:
    x = as_tensor(x)
    d = _dim(x, dim) if x.ndim else 0
    idx = _vector(index, "index_add_")
    src = _source(x, d, idx, source, "index_add_")
    if alpha != 1:
        src = ew.mul(src, alpha)
    return _add(x, _along(x, d, idx, "index_add_"), src, inplace)


def index_add(input: Any, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:  # noqa: A002
    """A copy of ``input`` with ``alpha * source`` added at ``index`` along ``dim``."""
    return _index_add(input, dim, index, source, alpha, False)


@lift0d
def _index_copy(x: Any, dim: int, index: Any, source: Any, inplace: bool) -> Tensor:
    x = as_tensor(x)
    d = _dim(x, dim) if x.ndim else 0
    idx = _vector(index, "index_copy_")
    src = _source(x, d, idx, source, "index_copy_")
    return _write(x, (_along(x, d, idx, "index_copy_", IndexError),), src, inplace)


def index_copy(input: Any, dim: int, index: Any, source: Any) -> Tensor:  # noqa: A002
    """A copy of ``input`` with the slices of ``source`` written at ``index`` along ``dim``."""
    return _index_copy(input, dim, index, source, False)


def _index_fill(x: Any, dim: int, index: Any, value: Any, inplace: bool) -> Tensor:
    x = as_tensor(x)
    d = _dim(x, dim) if x.ndim else 0
    idx = _vector(index, "index_fill_")
    v = _value(x, value, "index_fill_")
    idx = np.unique(idx % max(x.shape[d] if x.ndim else 1, 1) if idx.size and
                    (idx < (x.shape[d] if x.ndim else 1)).all() else idx)  # each place once
    return _write(x, (_along(x, d, idx, "index_fill_", IndexError, wrap=True),), v, inplace)


_index_fill = lift0d(_index_fill, lift_src=False)  # the value stays 0-d


def index_fill(input: Any, dim: int, index: Any, value: Any) -> Tensor:  # noqa: A002
    """A copy of ``input`` with ``value`` written at ``index`` along ``dim``."""
    return _index_fill(input, dim, index, value, False)


# ---- the masked family ----


def _mask(mask: Any, name: str, words: str | None = None) -> np.ndarray:
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != bool:
        raise RuntimeError(words or f"{name} only supports boolean masks, but got mask with "
                           f"dtype {_C_NAMES.get(m.dtype.name, m.dtype.name)}")
    return m


_C_NAMES = {"float64": "double", "float32": "float", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char"}


def _spread(x: Tensor, m: np.ndarray, inplace: bool) -> tuple[Tensor, np.ndarray]:
    """``x`` and the mask broadcast together (in place: the mask to ``x``'s shape only)."""
    shape = np.broadcast_shapes(x.shape, m.shape)
    if inplace and shape != x.shape:
        raise RuntimeError(f"output with shape {list(x.shape)} doesn't match the broadcast "
                           f"shape {list(shape)}")
    return (x if x.shape == shape else broadcast_to(x, shape)), np.broadcast_to(m, shape)


def _masked_fill(x: Any, mask: Any, value: Any, inplace: bool) -> Tensor:
    x = as_tensor(x)
    m = _mask(mask, "masked_fill_")
    v = _value(x, value, "masked_fill_")
    if inplace:
        _spread(x, m, True)
        return _write(x, ((np.broadcast_to(m, x.shape),),), v, True)
    return ew.where(m, v, x)


def masked_fill(input: Any, mask: Any, value: Any) -> Tensor:  # noqa: A002
    """A copy of ``input`` with ``value`` where the (broadcast) ``mask`` is True."""
    return _masked_fill(input, mask, value, False)


def _masked_scatter(x: Any, mask: Any, source: Any, inplace: bool) -> Tensor:
    x, src = as_tensor(x), as_tensor(source)
    m = _mask(mask, "masked_scatter_")
    x, m = _spread(x, m, inplace)
    k = int(m.sum())
    if src.numel() < k:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    if src.dtype != x.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but "
                           f"got{torch_name(x.dtype)} and {torch_name(src.dtype)}")
    part = apply(GETITEM, reshape(src, -1), index=(slice(0, k),))
    return _write(x, ((m,),), part, inplace)


def masked_scatter(input: Any, mask: Any, source: Any) -> Tensor:  # noqa: A002
    """A copy of ``input`` with the elements of ``source``, in order, where ``mask`` is True."""
    return _masked_scatter(input, mask, source, False)


def masked_select(input: Any, mask: Any) -> Tensor:  # noqa: A002
    """The elements where the (broadcast) ``mask`` is True, as a 1-D copy."""
    x = as_tensor(input)
    x, m = _spread(x, _mask(mask, "", "masked_select: expected BoolTensor for mask"), False)
    return apply(GETITEM, x, index=(m,))
