"""In-place comparisons and logical/bitwise ops (``x.eq_(y)``, ``x.logical_and_(y)``,
``x.bitwise_or_(y)``, ...) and ``Tensor.where``, as PyTorch's Tensor methods.

The result is computed out of place and written into ``x`` in ``x``'s dtype (``copy_``'s rules:
versioned, recorded in a graph); a result of a higher category than ``x`` is refused, as PyTorch.
"""

from __future__ import annotations

from typing import Any

from .inplace import check_cast, copy_into
from .ops import bitwise as _bw
from .ops import elementwise as _ew
from .tensor import Tensor

__all__: list[str] = []


def _inplace(name: str, fn):
    def method(self: Tensor, *args: Any) -> Tensor:
        result = fn(self, *args)
        check_cast(result._data.dtype, self._data.dtype)
        return copy_into(self, result)

    method.__name__ = name + "_"
    method.__doc__ = f"In-place ``{name}``: the result in this tensor's dtype."
    return method


def _where(self: Tensor, condition: Any, other: Any) -> Tensor:
    """``torch.where(condition, self, other)``."""
    return _ew.where(condition, self, other)


def _attach() -> None:
    from . import tensor_methods as tm

    fns = {"eq": tm.eq, "ne": tm.ne, "lt": tm.lt, "le": tm.le, "gt": tm.gt, "ge": tm.ge,
           **{n: getattr(_bw, n) for n in ("logical_and", "logical_or", "logical_xor",
                                           "logical_not", "bitwise_and", "bitwise_or",
                                           "bitwise_xor", "bitwise_not")}}
    for name, fn in fns.items():
        setattr(Tensor, name + "_", _inplace(name, fn))
    Tensor.where = _where


_attach()
