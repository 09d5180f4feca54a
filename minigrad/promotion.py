"""Applying the dtype rules of :mod:`minigrad.dtypes` to operands: pair them, lift them to float.

A Tensor that must change dtype goes through the differentiable cast, so its gradient comes back
in its own dtype; a scalar becomes a 0-d array of the result dtype (wrapping as PyTorch does).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes as _dt
from .ops import elementwise as _ew
from .tensor import Tensor

__all__ = ["pair", "to_float", "scalar_array", "promote_all"]

_NUMBER = (int, float)  # exactly these types (not bool): the common ``x * 2.0``


def scalar_array(v: Any, dtype: np.dtype) -> np.ndarray:
    """A Python or NumPy scalar as a 0-d array of ``dtype``; integers wrap, as PyTorch."""
    if dtype.kind in "iu" and not isinstance(v, bool):
        return np.array(v).astype(dtype)  # 300 -> int8 wraps to 44; past uint64: OverflowError
    return np.asarray(v, dtype)


def _as(x: Any, dtype: np.dtype) -> Tensor:
    if isinstance(x, Tensor):
        return x if x._data.dtype == dtype else _ew.cast(x, dtype)
    if _dt.scalar_dtype(x) is not None:
        return Tensor._wrap(scalar_array(x, dtype))
    return Tensor(x, dtype)  # an array: a copy in the result dtype


def _tensor_or_scalar(x: Any) -> Any:
    """Tensors, arrays and scalars as they are; other data (lists) as a Tensor."""
    if isinstance(x, Tensor | np.ndarray) or _dt.scalar_dtype(x) is not None:
        return x
    return Tensor(x)


def promote_all(*operands: Any) -> list[Tensor]:
    """Every operand as a Tensor of ``torch.result_type`` of them all."""
    ops = [_tensor_or_scalar(x) for x in operands]
    rt = _dt.operands_result(*ops)
    return [_as(x, rt) for x in ops]


def pair(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """``a`` and ``b`` as Tensors of ``torch.result_type(a, b)``."""
    if isinstance(a, Tensor) and type(b) in _NUMBER:
        return _with_number(a, b)
    if isinstance(b, Tensor) and type(a) in _NUMBER:
        b, a = _with_number(b, a)
        return a, b
    a, b = promote_all(a, b)
    return a, b


def _with_number(t: Tensor, v: int | float) -> tuple[Tensor, Tensor]:
    """The common ``x * 2.0`` / ``i + 1`` without the general rule (the same answer, sooner)."""
    dt = t._data.dtype
    if dt.kind != "f":
        if type(v) is float:  # an integer or bool tensor meets a float: the default dtype
            t = to_float(t)
            dt = t._data.dtype
        elif dt.kind == "b":  # a bool tensor meets an int: int64
            t = Tensor._wrap(t._data.astype(np.int64))
            dt = t._data.dtype
        else:
            return t, Tensor._wrap(scalar_array(v, dt))
    return t, Tensor._wrap(np.asarray(v, dt))


def to_float(x: Tensor) -> Tensor:
    """An integer or bool tensor as the default float dtype (float ops on integers, as PyTorch)."""
    if x._data.dtype.kind == "f":
        return x
    return Tensor._wrap(x._data.astype(_dt.get_default_dtype()))
