"""Bitwise ops (``& | ^ ~``) on integer and bool tensors, and logical ops on any dtype.

As PyTorch: bitwise ops promote their operands, work bit by bit on integers and as logic on
bools, and refuse floats; logical ops read every element as true or false and return bool.
No gradients: integer and bool tensors never require one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor, as_pair, as_tensor
from . import data_of

__all__ = ["bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "logical_and",
           "logical_or", "logical_xor", "logical_not"]  # fmt: skip


def _not_implemented(name: str, dt: np.dtype) -> NotImplementedError:
    return NotImplementedError(f'"{name}_cpu" not implemented for \'{_dt.torch_name(dt)}\'')


def _bitwise(npfn: np.ufunc, name: str):
    def fn(input: Any, other: Any) -> Tensor:
        a, b = as_pair(input, other)
        if a._data.dtype.kind not in "biu":
            raise _not_implemented(name, a.dtype)
        return Tensor._wrap(npfn(a._data, b._data))

    fn.__name__ = name
    fn.__doc__ = f"Elementwise ``{name}`` of integer or bool tensors (``torch.{name}``)."
    return fn


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")


def bitwise_not(input: Any) -> Tensor:
    """Elementwise ``~``: bit flip on integers, logical not on bools (``torch.bitwise_not``)."""
    x = as_tensor(input)
    if x._data.dtype.kind not in "biu":
        raise _not_implemented("bitwise_not", x.dtype)
    return Tensor._wrap(np.invert(x._data))


def invert(x: Tensor) -> Tensor:
    """``~x``: PyTorch raises TypeError (not NotImplementedError) for a float operand."""
    if x._data.dtype.kind not in "biu":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return bitwise_not(x)


def _logical(npfn: np.ufunc, name: str):
    def fn(input: Any, other: Any) -> Tensor:
        return Tensor._wrap(np.asarray(npfn(data_of(input), data_of(other))))

    fn.__name__ = name
    fn.__doc__ = f"Elementwise ``{name}`` of any dtypes (nonzero is true), as bool."
    return fn


logical_and = _logical(np.logical_and, "logical_and")
logical_or = _logical(np.logical_or, "logical_or")
logical_xor = _logical(np.logical_xor, "logical_xor")


def logical_not(input: Any) -> Tensor:
    """Elementwise ``not`` of any dtype (nonzero is true), as bool."""
    return Tensor._wrap(np.asarray(np.logical_not(data_of(input))))


def _shift(left: bool):
    name = "bitwise_left_shift" if left else "bitwise_right_shift"
    kernel = "lshift_cpu" if left else "rshift_cpu"

    def fn(input: Any, other: Any) -> Tensor:
        a, b = as_pair(input, other)
        dt = a._data.dtype
        if dt.kind not in "biu":
            raise _not_implemented(kernel[:-4], dt)
        x, s = a._data, b._data
        bits = dt.itemsize * 8
        out_range = (s < 0) | (s >= bits)  # PyTorch: 0 (or -1 for a negative right shift)
        safe = np.where(out_range, 0, s).astype(dt)
        r = np.left_shift(x, safe) if left else np.right_shift(x, safe)
        fill = 0 if left else np.where(x < 0, -1, 0).astype(dt)
        return Tensor._wrap(np.asarray(np.where(out_range, fill, r).astype(dt)))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"Elementwise ``{'<<' if left else '>>'}`` of integer tensors; shifts past "
                  f"the width give {'0' if left else '0 (-1 for negatives)'}, as PyTorch.")
    return fn


bitwise_left_shift = _shift(True)
bitwise_right_shift = _shift(False)
__all__ += ["bitwise_left_shift", "bitwise_right_shift"]
