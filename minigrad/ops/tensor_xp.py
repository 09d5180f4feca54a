"""NumPy-named functions over Tensors, so one gradient rule serves arrays and Tensors alike."""

from __future__ import annotations

from typing import Any

from . import elementwise as _ew
from . import linalg as _la
from . import reduce as _red
from . import shape as _sh

__all__ = ["exp", "log", "sqrt", "tanh", "sum", "mean", "matmul", "swapaxes", "transpose",
           "broadcast_to", "where"]  # fmt: skip

exp = _ew.exp
log = _ew.log
sqrt = _ew.sqrt
tanh = _ew.tanh
matmul = _la.matmul
where = _ew.where


def sum(x: Any, axis: Any = None, keepdims: bool = False):  # noqa: A001
    return _red.sum(x, axis, keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False):
    return _red.mean(x, axis, keepdims)


def swapaxes(x: Any, a: int, b: int):
    dims = list(range(x.ndim))
    dims[a], dims[b] = dims[b], dims[a]
    return _sh.permute(x, dims)


def transpose(x: Any, axes: Any):
    return _sh.permute(x, axes)


def broadcast_to(x: Any, shape: Any):
    return _sh.broadcast_to(x, shape)
