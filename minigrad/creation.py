"""Functions that make Tensors: from data, filled, ranges, identity, and random draws.

Each takes PyTorch's keyword ``device=`` (None or the CPU; others raise), added by ``on_cpu``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .devices import on_cpu
from .dtypes import get_default_dtype
from .random import Generator, get_rng
from .tensor import Tensor

__all__ = ["tensor", "from_numpy", "zeros", "ones", "full", "empty", "zeros_like", "ones_like",
           "full_like", "arange", "linspace", "eye", "randn", "rand", "randint", "randperm",
           "normal"]  # fmt: skip


def _shape(size: tuple) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], Sequence):
        size = tuple(size[0])
    shape = tuple(int(s) for s in size)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"negative dimension in size {shape}")
    return shape


def _make(data: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(data)
    return t.requires_grad_(True) if requires_grad else t


def _float(dtype: Any) -> np.dtype:
    return get_default_dtype() if dtype is None else np.dtype(dtype)


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
    return _make(np.zeros(_shape(size), _float(dtype)), requires_grad)


@on_cpu
def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.ones(_shape(size), _float(dtype)), requires_grad)


@on_cpu
def empty(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.empty(_shape(size), _float(dtype)), requires_grad)


@on_cpu
def full(size: Sequence[int], fill_value: Any, dtype: Any = None,
         requires_grad: bool = False) -> Tensor:
    if dtype is None:
        dtype = (get_default_dtype() if isinstance(fill_value, float)
                 else np.asarray(fill_value).dtype)
    return _make(np.full(_shape((size,)), fill_value, np.dtype(dtype)), requires_grad)


def _like(fill: Any):
    def fn(x: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        return _make(np.full(x.shape, fill, np.dtype(dtype or x.dtype)), requires_grad)

    return fn


zeros_like = on_cpu(_like(0))
ones_like = on_cpu(_like(1))


@on_cpu
def full_like(x: Tensor, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.full(x.shape, fill_value, np.dtype(dtype or x.dtype)), requires_grad)


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


@on_cpu
def linspace(start: float, end: float, steps: int, dtype: Any = None,
             requires_grad: bool = False) -> Tensor:
    # computed in float and truncated toward zero for integer dtypes, as PyTorch
    return _make(np.linspace(start, end, steps).astype(_float(dtype)), requires_grad)


@on_cpu
def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.eye(n, m, dtype=_float(dtype)), requires_grad)


@on_cpu
def randn(*size: Any, dtype: Any = None, requires_grad: bool = False,
          generator: Generator | None = None) -> Tensor:
    """Standard normal samples from the seeded generator."""
    data = get_rng(generator).standard_normal(_shape(size), dtype=np.float64)
    return _make(data.astype(_float(dtype), copy=False), requires_grad)


@on_cpu
def rand(*size: Any, dtype: Any = None, requires_grad: bool = False,
         generator: Generator | None = None) -> Tensor:
    """Uniform samples in [0, 1) from the seeded generator."""
    data = get_rng(generator).random(_shape(size), dtype=np.float64)
    return _make(data.astype(_float(dtype), copy=False), requires_grad)


@on_cpu
def normal(mean: Any, std: Any = 1.0, size: Sequence[int] | None = None, *,
           generator: Generator | None = None, dtype: Any = None, layout: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Normal samples: ``normal(mean, std, size)`` with numbers, or elementwise ``mean``/``std``
    tensors (their broadcast shape and float dtype; no gradient flows, as PyTorch)."""
    from .layouts import check_layout

    check_layout(layout, "normal")
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m, s = (v._data if isinstance(v, Tensor) else np.asarray(v) for v in (mean, std))
        ref = mean if isinstance(mean, Tensor) else std
        data = get_rng(generator).normal(m, s, np.broadcast_shapes(m.shape, s.shape))
        return _make(np.asarray(data).astype(ref._data.dtype, copy=False), requires_grad)
    if size is None:
        raise TypeError("normal() missing the size argument (needed when mean and std are "
                        "numbers)")
    data = get_rng(generator).normal(mean, std, _shape((size,)))
    return _make(data.astype(_float(dtype), copy=False), requires_grad)


@on_cpu
def randint(low: int, high: int | None = None, size: Sequence[int] = (), dtype: Any = np.int64,
            generator: Generator | None = None) -> Tensor:
    if high is None or isinstance(high, Sequence):  # randint(high, size), as PyTorch
        low, high, size = 0, low, size if high is None else high
    return _make(get_rng(generator).integers(low, high, _shape((size,)), dtype=np.dtype(dtype)),
                 False)


@on_cpu
def randperm(n: int, dtype: Any = np.int64, generator: Generator | None = None) -> Tensor:
    return _make(get_rng(generator).permutation(n).astype(dtype), False)
