"""Tensor methods (and in-place ``_`` forms) for the shape ops of :mod:`.layout` and the index
ops of :mod:`.scatter`, attached as PyTorch names them."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import layout as lo
from . import positions as po
from . import scatter as sc
from .indexing import index_steps

__all__ = ["index_put", "index_put_"]


def index_put_(self: Tensor, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
    """``self[indices] = values`` (``accumulate``: repeated positions add up), in place."""
    return _index_put(self, indices, values, accumulate, True)


def index_put(self: Tensor, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
    """A copy of ``self`` with ``values`` put at ``indices`` (a tuple of index tensors)."""
    return _index_put(self, indices, values, accumulate, False)


def _index_put(x: Tensor, indices: Any, values: Any, accumulate: bool, inplace: bool) -> Tensor:
    steps = index_steps(tuple(indices), x.shape)
    v = sc._value(x, values, "index_put_") if not isinstance(values, Tensor) else values
    if v.dtype != x.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{sc.torch_name(x.dtype)} for the destination and "
                           f"{sc.torch_name(v.dtype)} for the source.")
    if accumulate and len(steps) == 1:
        return sc._add(x, steps[0], v, inplace)
    if accumulate:  # a basic step then an advanced one: add into the view of the first
        target = x if inplace else x.clone()
        sc._add(target[steps[0]], steps[1], v, True)
        return target
    return sc._write(x, steps, v, inplace)


def _scatter_(self: Tensor, dim: int, index: Any, src: Any = None, *, value: Any = None,
              reduce: str | None = None) -> Tensor:
    return sc._scatter(self, dim, index, src, value, reduce=reduce, inplace=True)


_METHODS = {
    "roll": lo.roll, "rot90": lo.rot90, "repeat": lo.repeat, "tile": lo.tile,
    "repeat_interleave": lo.repeat_interleave, "narrow": lo.narrow,
    "split": lambda self, split_size, dim=0: lo.split(self, split_size, dim),
    "chunk": lo.chunk, "tensor_split": lo.tensor_split, "unbind": lo.unbind,
    "movedim": lo.movedim, "moveaxis": lo.moveaxis, "swapdims": lo.swapdims,
    "swapaxes": lo.swapaxes, "unflatten": lo.unflatten,
    "index_select": sc.index_select, "scatter": sc.scatter, "scatter_add": sc.scatter_add,
    "index_add": sc.index_add, "index_copy": sc.index_copy, "index_fill": sc.index_fill,
    "masked_fill": sc.masked_fill, "masked_scatter": sc.masked_scatter,
    "masked_select": sc.masked_select, "take": po.take, "take_along_dim": po.take_along_dim,
    "nonzero": po.nonzero, "argwhere": po.argwhere, "index_put": index_put,
    "index_put_": index_put_, "scatter_": _scatter_,
    "scatter_add_": lambda self, dim, index, src: sc._scatter_add(self, dim, index, src, True),
    "index_add_": lambda self, dim, index, source, *, alpha=1:
        sc._index_add(self, dim, index, source, alpha, True),
    "index_copy_": lambda self, dim, index, source: sc._index_copy(self, dim, index, source,
                                                                   True),
    "index_fill_": lambda self, dim, index, value: sc._index_fill(self, dim, index, value, True),
    "masked_fill_": lambda self, mask, value: sc._masked_fill(self, mask, value, True),
    "masked_scatter_": lambda self, mask, source: sc._masked_scatter(self, mask, source, True),
}  # fmt: skip

for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)
