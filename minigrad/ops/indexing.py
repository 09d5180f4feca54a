"""PyTorch's indexing rules for ``x[index]`` and ``x[index] = v``, where they differ from NumPy's.

PyTorch applies integers, slices, None and Ellipsis first (a view, integers select) and the
integer arrays and boolean masks after that, so ``x[0, :, [0, 1]]`` keeps the array's dimension
in place where NumPy would move it to the front. An index becomes one or two NumPy steps.
"""

from __future__ import annotations

import operator
import warnings
from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = ["index_steps", "expand_index"]

_VALID = ("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
          "valid indices (got {})")
_SEQ_WARNING = ("Using a non-tuple sequence for multidimensional indexing is deprecated and will "
                "be changed in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 "
                "this will be interpreted as tensor index, x[torch.tensor(seq)], which will "
                "result either in an error or a different result")


def _seq_as_tuple(index: list) -> bool:
    """PyTorch's ``treatSequenceAsTuple``: a short list holding sequences, slices, None,
    Ellipsis or tensors indexes several dimensions (deprecated, with a warning)."""
    if len(index) >= 32:
        return False
    return any(isinstance(i, Tensor | list | tuple | range | slice | np.ndarray) or i is None
               or i is Ellipsis for i in index)


def _array(i: Any) -> np.ndarray:
    """An index given as a Tensor, list, tuple or range, as an integer or bool array."""
    if isinstance(i, Tensor):
        a = i._data
        if a.dtype == np.uint8:
            warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a dtype "
                          "torch.bool instead.", UserWarning, stacklevel=4)
            return a.astype(bool)
        if a.dtype != bool and a.dtype.kind not in "iu":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return a
    if isinstance(i, range):
        i = list(i)
    a = np.asarray(_plain(i))
    if a.size == 0:
        return a.astype(np.int64)
    if a.dtype != bool and a.dtype.kind not in "iu":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return a


def _plain(i: Any) -> Any:
    """Nested lists with Tensors inside as plain Python values (``x[[t0, t1]]``)."""
    if isinstance(i, list | tuple):
        return [_plain(j) for j in i]
    return i.item() if isinstance(i, Tensor) else i


def _bound(v: Any) -> Any:
    return None if v is None else operator.index(v)


def _item(i: Any) -> Any:
    """One entry of an index as int, slice, None, Ellipsis or an integer/bool array."""
    if i is None or i is Ellipsis:
        return i
    if isinstance(i, bool | np.bool_):
        return np.asarray(bool(i))
    if isinstance(i, int | np.integer):
        return int(i)
    if isinstance(i, slice):
        s = slice(_bound(i.start), _bound(i.stop), _bound(i.step))
        if s.step is not None and s.step <= 0:
            raise ValueError("step must be greater than zero")
        return s
    if isinstance(i, Tensor | list | tuple | range | np.ndarray):
        a = i if isinstance(i, np.ndarray) else _array(i)
        if a.ndim == 0 and a.dtype != bool:
            return int(a)  # a 0-d integer tensor selects, as an int does (a view)
        return a
    raise IndexError(_VALID.format(type(i).__name__))


def _consumed(i: Any) -> int:
    if i is None or i is Ellipsis:
        return 0
    if isinstance(i, np.ndarray):
        return i.ndim if i.dtype == bool else 1
    return 1


def expand_index(index: Any, ndim: int) -> list:
    """The index as a list of entries (Ellipsis expanded, missing dims left out)."""
    if isinstance(index, list) and _seq_as_tuple(index):
        warnings.warn(_SEQ_WARNING, UserWarning, stacklevel=3)
        index = tuple(index)
    items = [_item(i) for i in (index if isinstance(index, tuple) else (index,))]
    used = sum(_consumed(i) for i in items)
    if used > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    out: list = []
    for i in items:  # a second Ellipsis stands for no dimension, as in PyTorch
        out.extend([slice(None)] * (ndim - used) if i is Ellipsis else [i])
        used = ndim if i is Ellipsis else used
    return out


def index_steps(index: Any, shape: tuple[int, ...]) -> tuple[tuple, ...]:
    """One basic NumPy index (a view), or a basic one followed by an advanced one."""
    items = expand_index(index, len(shape))
    _check_bounds(items, shape)
    if not any(isinstance(i, np.ndarray) for i in items):
        return (tuple(items) + (Ellipsis,),)  # with ``...`` NumPy gives a 0-d view, no scalar
    first: list = []
    second: list = []
    for i in items:
        if isinstance(i, np.ndarray):
            if i.ndim:
                first.extend([slice(None)] * _consumed(i))
            second.append(i)
        elif isinstance(i, int):
            first.append(i)
        else:
            first.append(i)
            second.append(slice(None))
    if all(isinstance(i, slice) and i == slice(None) for i in first):
        return (tuple(items),)
    return tuple(first) + (Ellipsis,), tuple(second)


def _check_bounds(items: list, shape: tuple[int, ...]) -> None:
    """PyTorch's IndexError words for an integer or mask that does not fit its dimension."""
    d = 0
    for i in items:
        if i is None:
            continue
        if isinstance(i, int | np.ndarray) and not (isinstance(i, np.ndarray) and i.dtype == bool):
            n = shape[d]
            bad = i if isinstance(i, int) else (i[(i >= n) | (i < -n)] if i.size else ())
            for b in np.atleast_1d(bad)[:1]:
                if not -n <= b < n:
                    raise IndexError(f"index {int(b)} is out of bounds for dimension {d} with "
                                     f"size {n}")
        elif isinstance(i, np.ndarray) and i.ndim:
            for k, m in enumerate(i.shape):
                if shape[d + k] != m:
                    raise IndexError(f"The shape of the mask {list(i.shape)} at index {k} does "
                                     f"not match the shape of the indexed tensor "
                                     f"{list(shape)} at index {d + k}")
        d += _consumed(i)
