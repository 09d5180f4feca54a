"""PyTorch's legacy typed constructors (``FloatTensor``...) and the dtype methods of Tensor.

``minigrad.FloatTensor([1, 2])`` makes a float32 Tensor, ``FloatTensor(2, 3)`` an uninitialised
one of that shape, and ``isinstance(t, minigrad.FloatTensor)`` checks the dtype: as in PyTorch the
names are type objects whose calls return plain Tensors (no Tensor is an instance of a subclass).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes as _dt
from .ops import elementwise as _ew
from .tensor import Tensor

__all__ = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor",
           "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor", "tensor_type", "type_",
           "caster", "LEGACY"]  # fmt: skip


class _TensorType(type):
    """Metaclass of the legacy type names: calling one makes a Tensor of its dtype."""

    dtype: np.dtype

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj._data.dtype == cls.dtype

    def __call__(cls, *args: Any, device: Any = None) -> Tensor:
        return _legacy_new(cls.dtype, cls.__name__, args)

    def __repr__(cls) -> str:
        return f"<class 'minigrad.{cls.__name__}'>"


def _legacy_new(dtype: np.dtype, name: str, args: tuple) -> Tensor:
    """``torch.FloatTensor(*args)``: sizes give an uninitialised tensor, one sequence gives data."""
    if not args:
        return Tensor._wrap(np.empty((0,), dtype))
    if all(isinstance(a, int | np.integer) and not isinstance(a, bool) for a in args):
        return Tensor._wrap(np.empty(tuple(int(a) for a in args), dtype))
    if len(args) != 1:
        raise TypeError(f"{name}(): expected sizes (ints) or one sequence of data, got {args!r}")
    data = args[0]
    if isinstance(data, Tensor):
        if data.dtype != dtype:
            raise TypeError(f"{name}(): expected a {dtype} tensor (got {data.dtype})")
        return Tensor._wrap(data._data)  # a new Tensor on the same data, as PyTorch
    if _dt.scalar_dtype(data) is not None:
        raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
    return Tensor(data, dtype)


def _legacy(dtype: np.dtype) -> type:
    name = _dt.torch_name(dtype) + "Tensor"
    cls = _TensorType(name, (), {"dtype": dtype, "__module__": "minigrad",
                                 "__doc__": f"Legacy constructor of {dtype} Tensors."})
    return cls


FloatTensor = _legacy(_dt.float32)
DoubleTensor = _legacy(_dt.float64)
HalfTensor = _legacy(_dt.float16)
LongTensor = _legacy(_dt.int64)
IntTensor = _legacy(_dt.int32)
ShortTensor = _legacy(_dt.int16)
CharTensor = _legacy(_dt.int8)
ByteTensor = _legacy(_dt.uint8)
BoolTensor = _legacy(_dt.bool_)
LEGACY = {c.__name__: c for c in (FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor,
                                  ShortTensor, CharTensor, ByteTensor, BoolTensor)}


def tensor_type(dtype: np.dtype) -> str:
    """``'torch.FloatTensor'`` for float32: the string PyTorch's ``Tensor.type()`` returns."""
    return f"torch.{_dt.torch_name(dtype)}Tensor"


def _dtype_of(spec: Any) -> np.dtype:
    if isinstance(spec, _TensorType):
        return spec.dtype
    if isinstance(spec, str):
        for prefix in ("torch.", "minigrad."):
            if spec.startswith(prefix) and spec[len(prefix):] in LEGACY:
                return LEGACY[spec[len(prefix):]].dtype
    return np.dtype(spec)


def type_(x: Tensor, dtype: Any = None, non_blocking: bool = False, **kwargs: Any) -> Any:
    """``x.type()``: the type string; ``x.type(dtype)``: ``x`` cast to ``dtype`` (a dtype, a
    legacy type such as ``minigrad.DoubleTensor``, or its name ``'torch.DoubleTensor'``)."""
    if dtype is None:
        return tensor_type(x.dtype)
    return _ew.cast(x, _dtype_of(dtype))


def caster(dtype: np.dtype):
    """The method ``x.float()`` (etc.): a cast; to a non-float dtype it leaves the graph."""

    def method(x: Tensor, memory_format: Any = None) -> Tensor:  # one layout: format ignored
        return _ew.cast(x, dtype)

    method.__name__ = _dt.torch_name(dtype).lower()
    method.__doc__ = f"``self`` as {dtype} (itself when it already is)."
    return method
