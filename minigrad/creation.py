"""Functions that make Tensors: from data, filled, ranges, identity, and random draws.

Each takes PyTorch's keyword ``device=`` (None or the CPU; others raise), added by ``on_cpu``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .devices import on_cpu
from .dtypes import get_default_dtype, torch_name
from .random import Generator, draw
from .tensor import Tensor

__all__ = ["tensor", "from_numpy", "zeros", "ones", "full", "empty", "zeros_like", "ones_like",
           "full_like", "empty_like", "arange", "linspace", "logspace", "eye", "randn", "rand",
           "fill_dtype", "float_only"]  # fmt: skip


def _shape(size: tuple) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], Sequence):
        size = tuple(size[0])
    shape = tuple(int(s) for s in size)
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(shape)}")
    return shape


def _make(data: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(data)
    if requires_grad and data.dtype.kind != "f":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                           "gradients")
    return t.requires_grad_(True) if requires_grad else t


def _float(dtype: Any) -> np.dtype:
    return get_default_dtype() if dtype is None else np.dtype(dtype)


def float_only(dt: np.dtype, kernel: str) -> None:
    """PyTorch's refusal to draw floats into an integer or bool dtype."""
    if dt.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{torch_name(dt)}'")


def fill_dtype(value: Any) -> np.dtype:
    """The dtype PyTorch gives a tensor filled with ``value``: bool, int64, or the default."""
    if isinstance(value, Tensor):
        return value.dtype
    if isinstance(value, bool | np.bool_):
        return np.dtype(np.bool_)
    if isinstance(value, int | np.integer):
        return np.dtype(np.int64)
    return get_default_dtype()


def _filled(shape: tuple[int, ...], value: Any, dtype: np.dtype) -> np.ndarray:
    if isinstance(value, Tensor):
        value = value.item()
    if dtype.kind in "iu" and not isinstance(value, bool):
        info = np.iinfo(dtype)
        if not info.min <= value <= info.max:
            raise RuntimeError(f"value cannot be converted to type {_C_NAMES.get(dtype.name)} "
                               "without overflow")
        value = int(value)  # 2.7 -> 2, toward zero, as PyTorch
    return np.full(shape, value, dtype)


_C_NAMES = {"int64": "int64_t", "int32": "int", "int16": "int16_t", "int8": "int8_t",
            "uint8": "uint8_t"}


@on_cpu
def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new Tensor holding a copy of ``data``; Python floats get the default dtype, ints int64."""
    return Tensor(data, dtype=dtype, requires_grad=requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """A Tensor that shares memory with ``array`` and keeps its dtype."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    return Tensor._wrap(array)


@on_cpu
def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    if any(int(n) < 0 for n in (size[0] if len(size) == 1 and isinstance(size[0], Sequence)
                                else size)):
        raise RuntimeError("zeros: Dimension size must be non-negative.")
    return _make(np.zeros(_shape(size), _float(dtype)), requires_grad)


@on_cpu
def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.ones(_shape(size), _float(dtype)), requires_grad)


@on_cpu
def empty(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.empty(_shape(size), _float(dtype)), requires_grad)


@on_cpu
def full(size: Sequence[int], fill_value: Any, *, dtype: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``; its dtype from the value as PyTorch:
    bool for a bool, int64 for an int, the default float dtype for a float."""
    if not isinstance(size, Sequence):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{type(size).__name__}")
    dt = fill_dtype(fill_value) if dtype is None else np.dtype(dtype)
    return _make(_filled(_shape((size,)), fill_value, dt), requires_grad)


def _like(name: str, fill: Any):
    def fn(input: Tensor, *, dtype: Any = None, requires_grad: bool = False,  # noqa: A002
           memory_format: Any = None) -> Tensor:
        dt = input.dtype if dtype is None else np.dtype(dtype)
        return _make(np.full(input.shape, fill, dt), requires_grad)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"A tensor of {fill}s with ``input``'s shape (and dtype, unless given)."
    return fn


zeros_like = on_cpu(_like("zeros_like", 0))
ones_like = on_cpu(_like("ones_like", 1))


@on_cpu
def empty_like(input: Tensor, *, dtype: Any = None, requires_grad: bool = False,  # noqa: A002
               memory_format: Any = None) -> Tensor:
    """An uninitialised tensor with ``input``'s shape (and dtype, unless given)."""
    dt = input.dtype if dtype is None else np.dtype(dtype)
    return _make(np.empty(input.shape, dt), requires_grad)


@on_cpu
def full_like(input: Tensor, fill_value: Any, *, dtype: Any = None,  # noqa: A002
              requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """``input``'s shape filled with ``fill_value``, in ``input``'s dtype unless given."""
    dt = input.dtype if dtype is None else np.dtype(dtype)
    return _make(_filled(input.shape, fill_value, dt), requires_grad)


@on_cpu
def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive); int64 for integer arguments, else the
    default float dtype."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        ints = all(isinstance(v, int | np.integer) for v in (start, end, step))
        dtype = np.int64 if ints else get_default_dtype()
    return _make(np.arange(start, end, step, dtype=np.dtype(dtype)), requires_grad)


def _check_steps(steps: Any, name: str, dt: np.dtype) -> None:
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer):
        raise TypeError(f"{name}() received an invalid combination of arguments - got steps of "
                        f"type {type(steps).__name__}, but expected int steps")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    if dt.kind == "b":
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for 'Bool'")


def _ends(start: Any, end: Any, dt: np.dtype) -> tuple[Any, Any]:
    """``start`` and ``end`` in ``dt`` as PyTorch's kernels take them (integers truncated)."""
    start, end = (v.item() if isinstance(v, Tensor) else v for v in (start, end))
    if dt.kind in "iu":
        return dt.type(int(start)), dt.type(int(end))
    return dt.type(start), dt.type(end)


def _fma(a: Any, b: np.ndarray, c: Any, dt: np.dtype) -> np.ndarray:
    """``a * b + c`` rounded once to ``dt``, as PyTorch's compiled kernels contract it (the
    exact value is taken in a wider type: float64 for float32, long double for float64)."""
    wide = np.longdouble if dt == np.float64 else np.float64
    return (wide(a) * b.astype(wide) + wide(c)).astype(dt)


def _linspace_points(start: Any, end: Any, steps: int, dt: np.dtype) -> np.ndarray:
    """PyTorch's points: a step in ``dt`` (double for integers); the first half counted from
    ``start``, the rest back from ``end``, each point one fused multiply-add."""
    s, e = _ends(start, end, dt)
    if steps == 1:
        return np.full(1, s, dt)
    work = np.dtype(np.float64) if dt.kind in "iu" else (
        np.dtype(np.float32) if dt == np.float16 else dt)
    sw, ew = work.type(s), work.type(e)
    step = (ew - sw) / work.type(steps - 1)
    idx = np.arange(steps)
    half = steps // 2
    out = np.where(idx < half, _fma(step, idx, sw, work), _fma(-step, steps - idx - 1, ew, work))
    return (np.trunc(out) if dt.kind in "iu" else out).astype(dt)


@on_cpu
def linspace(start: Any, end: Any, steps: int, *, dtype: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced points from ``start`` to ``end``, computed as PyTorch's kernel
    does (integer dtypes: the ends truncated first, each point truncated toward zero)."""
    dt = _float(dtype)
    _check_steps(steps, "linspace", dt)
    return _make(_linspace_points(start, end, steps, dt), requires_grad)


@on_cpu
def logspace(start: Any, end: Any, steps: int, base: float = 10.0, *, dtype: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``base`` to the powers ``linspace(start, end, steps)``, in double as PyTorch's kernel,
    then in ``dtype`` (integers truncated)."""
    dt = _float(dtype)
    _check_steps(steps, "logspace", dt)
    if steps == 1:
        first = start.item() if isinstance(start, Tensor) else start
        return _make(np.full(1, np.power(float(base), float(first))).astype(dt), requires_grad)
    s, e = _ends(start, end, dt)
    step = np.float64(e - s) / (steps - 1)
    idx = np.arange(steps)
    exps = np.where(idx < steps // 2, np.float64(s) + step * idx.astype(dt),
                    np.float64(e) - step * (steps - idx - 1).astype(dt))
    return _make(np.power(np.float64(base), exps).astype(dt), requires_grad)


@on_cpu
def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.eye(n, m, dtype=_float(dtype)), requires_grad)


@on_cpu
def randn(*size: Any, dtype: Any = None, requires_grad: bool = False,
          generator: Generator | None = None) -> Tensor:
    """Standard normal samples from the seeded generator."""
    float_only(_float(dtype), "normal_kernel_cpu")
    data = draw(generator, "standard_normal", _shape(size), dtype=np.float64, cast=_float(dtype))
    return _make(data, requires_grad)


@on_cpu
def rand(*size: Any, dtype: Any = None, requires_grad: bool = False,
         generator: Generator | None = None) -> Tensor:
    """Uniform samples in [0, 1) from the seeded generator."""
    float_only(_float(dtype), "check_uniform_bounds")
    data = draw(generator, "random", _shape(size), dtype=np.float64, cast=_float(dtype))
    return _make(data, requires_grad)
