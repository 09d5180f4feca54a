"""Tensor methods of PyTorch's protocol that make or reinterpret tensors: ``view(dtype)`` (the
same bytes read as another dtype), ``type_as``, ``new_zeros``/``new_ones``/``new_full``/
``new_empty``/``new_tensor``, and the ``softmax``/``log_softmax`` methods.

``view`` with a shape stays the reshape it was; only a dtype argument takes the new path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import creation as _cr
from . import dtypes as _dt
from .devices import on_cpu
from .ops import shape as _sh
from .tensor import Tensor, counter

__all__: list[str] = []


def _is_dtype(a: Any) -> bool:
    return isinstance(a, np.dtype) or (isinstance(a, type) and issubclass(a, np.generic))


def _offset(a: np.ndarray) -> int:
    """The element offset of ``a`` in the memory it views (PyTorch's ``storage_offset()``)."""
    root = a
    while isinstance(root.base, np.ndarray):
        root = root.base
    start = root.__array_interface__["data"][0]
    return (a.__array_interface__["data"][0] - start) // a.itemsize


def view_dtype(self: Tensor, dtype: Any) -> Tensor:
    """The same memory read as ``dtype`` (PyTorch's rules when the element size changes: the
    last dim must be contiguous and its size and offset divisible). Shares the version counter;
    not differentiable, as in PyTorch."""
    old, new = self._data.dtype, np.dtype(dtype)
    a = self._data
    if old.itemsize != new.itemsize:
        _check_resize(a, old, new)
    t = Tensor._wrap(_reinterpret(a, new))
    t._vc = counter(self)  # writes through either are seen by the other's users
    return t


def _check_resize(a: np.ndarray, old: np.dtype, new: np.dtype) -> None:
    """PyTorch's conditions for reading elements of one size as elements of another."""
    what = f"to view {_dt.torch_name(old)} as {_dt.torch_name(new)} (different element sizes)"
    if a.ndim == 0:
        raise RuntimeError(f"self.dim() cannot be 0 {what}")
    stride = a.strides[-1] // old.itemsize if a.shape[-1] > 1 else 1
    if new.itemsize > old.itemsize:
        ratio = new.itemsize // old.itemsize
        if a.shape[-1] % ratio:
            raise RuntimeError(f"self.size(-1) must be divisible by {ratio} {what}, but got "
                               f"{a.shape[-1]}")
        if _offset(a) % ratio:
            raise RuntimeError(f"self.storage_offset() must be divisible by {ratio} {what}, but "
                               f"got {_offset(a)}")
    if stride != 1:
        raise RuntimeError(f"self.stride(-1) must be 1 {what}, but got {stride}")


def _reinterpret(a: np.ndarray, new: np.dtype) -> np.ndarray:
    """``a``'s memory read as ``new`` (a view), whatever its strides (NumPy's ``view`` wants a
    contiguous last axis even when the element size stays)."""
    if a.ndim and (a.shape[-1] == 1 or a.strides[-1] != a.itemsize):
        if a.itemsize == new.itemsize or a.shape[-1] == 1:
            one = as_strided(a, (1,), (a.itemsize,), writeable=a.flags.writeable)
            n = a.shape[-1] * a.itemsize // new.itemsize if a.itemsize != new.itemsize else None
            shape = a.shape if n is None else a.shape[:-1] + (n,)
            last = () if not a.ndim else (new.itemsize,) if n is not None else a.strides[-1:]
            return as_strided(one.view(new), shape, a.strides[:-1] + last,
                              writeable=a.flags.writeable)
    return a.view(new)


def view(self: Tensor, *shape: Any) -> Tensor:
    """``view(*shape)``: the same data in a new shape; ``view(dtype)``: the bytes reinterpreted."""
    if len(shape) == 1 and _is_dtype(shape[0]):
        return view_dtype(self, shape[0])
    return _sh.reshape(self, *shape)


def type_as(self: Tensor, other: Tensor) -> Tensor:
    """This tensor in ``other``'s dtype (itself when they already match)."""
    return self.to(other.dtype)


def _size(size: tuple, name: str) -> tuple:
    if len(size) == 1 and isinstance(size[0], Sequence):
        return tuple(size[0])
    return size


def _new(fill: Any, name: str):
    def method(self: Tensor, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        dt = self.dtype if dtype is None else np.dtype(dtype)
        return _cr._make(np.full(_cr._shape(_size(size, name)), fill, dt), requires_grad)

    method.__name__ = name
    method.__doc__ = (f"A tensor of {fill}s of ``size`` with this tensor's dtype (unless "
                      "given).")
    return on_cpu(method)


def _new_empty(self: Tensor, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of ``size`` with this tensor's dtype (unless given)."""
    dt = self.dtype if dtype is None else np.dtype(dtype)
    return _cr._make(np.empty(_cr._shape(_size(size, "new_empty")), dt), requires_grad)


def _new_full(self: Tensor, size: Sequence[int], fill_value: Any, *, dtype: Any = None,
              requires_grad: bool = False) -> Tensor:
    """``size`` filled with ``fill_value`` in this tensor's dtype (unless given)."""
    if not isinstance(size, Sequence):
        raise TypeError(f"new_full(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{type(size).__name__}")
    dt = self.dtype if dtype is None else np.dtype(dtype)
    return _cr._make(_cr._filled(_cr._shape((size,)), fill_value, dt), requires_grad)


def _new_tensor(self: Tensor, data: Any, *, dtype: Any = None,
                requires_grad: bool = False) -> Tensor:
    """A copy of ``data`` in this tensor's dtype (unless given), outside any graph."""
    if isinstance(data, Tensor):
        data = data._data
    dt = self.dtype if dtype is None else np.dtype(dtype)
    return _cr._make(np.array(data, dtype=dt), requires_grad)


def _softmax(self: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """``nn.functional.softmax(self, dim, dtype)``."""
    from .nn import functional as F

    return F.softmax(self, dim, dtype=dtype)


def _log_softmax(self: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """``nn.functional.log_softmax(self, dim, dtype)``."""
    from .nn import functional as F

    return F.log_softmax(self, dim, dtype=dtype)


_METHODS = {
    "view": view, "type_as": type_as, "new_zeros": _new(0, "new_zeros"),
    "new_ones": _new(1, "new_ones"), "new_empty": on_cpu(_new_empty),
    "new_full": on_cpu(_new_full), "new_tensor": on_cpu(_new_tensor),
    "softmax": _softmax, "log_softmax": _log_softmax,
}  # fmt: skip

for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)
