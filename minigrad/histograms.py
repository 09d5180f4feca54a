"""Counting as PyTorch defines it: ``histc`` (equal bins over [min, max], float inputs),
``histogram`` (bins as a count or as edges, weights, density; torch's named tuple) and
``bincount`` (non-negative integers, weights, minlength). None of them is differentiable."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from . import dtypes as _dt
from .creation import _linspace_points
from .tensor import Tensor, as_tensor

__all__ = ["histc", "histogram", "bincount", "HistogramResult"]


class HistogramResult(NamedTuple):
    """``torch.return_types.histogram``: ``hist`` and ``bin_edges``."""

    hist: Tensor
    bin_edges: Tensor


def _floats(x: Tensor, kernel: str) -> None:
    if x._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_dt.torch_name(x.dtype)}'")


def _finite(lo: float, hi: float, name: str) -> None:
    if lo > hi:
        raise RuntimeError(f"{name}: max must be larger than min")
    if not (np.isfinite(lo) and np.isfinite(hi)):
        lo_s = "-nan" if np.isnan(lo) else f"{lo:g}"
        hi_s = "-nan" if np.isnan(hi) else f"{hi:g}"
        raise RuntimeError(f"{name}: range of [{lo_s}, {hi_s}] is not finite")


def _counts(data: np.ndarray, edges: np.ndarray, weight: np.ndarray | None) -> np.ndarray:
    """Per bin: elements in [edge_i, edge_i+1), the last bin closed; outside ones ignored."""
    flat = data.reshape(-1)
    inside = (flat >= edges[0]) & (flat <= edges[-1])
    idx = np.minimum(np.searchsorted(edges, flat[inside], side="right") - 1, len(edges) - 2)
    w = None if weight is None else weight.reshape(-1)[inside].astype(np.float64)
    return np.bincount(idx, w, minlength=len(edges) - 1)


def histc(input: Any, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """Counts in ``bins`` equal bins over [min, max] (the data's range when min equals max);
    each element's bin found as PyTorch's kernel finds it, in the input's dtype."""
    x = as_tensor(input)
    _floats(x, "histogram_cpu")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    data = x._data.reshape(-1)
    lo, hi = float(min), float(max)
    if lo == hi and data.size:
        lo, hi = float(data.min()), float(data.max())
    _finite(lo, hi, "torch.histc")
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    dt = x._data.dtype.type
    inside = data[(data >= dt(lo)) & (data <= dt(hi))]
    pos = ((inside - dt(lo)) / (dt(hi) - dt(lo)) * dt(bins)).astype(np.int64)
    pos = np.minimum(pos, bins - 1)
    return Tensor._wrap(np.bincount(pos, minlength=bins).astype(x.dtype))


def histogram(input: Any, bins: Any = 100, *, range: tuple[float, float] | None = None,  # noqa: A002
              weight: Any = None, density: bool = False) -> HistogramResult:
    """Counts (or weights) per bin and the bin edges: ``bins`` is a count of equal bins over
    ``range`` (the data's by default) or a 1-D tensor of increasing edges."""
    x = as_tensor(input)
    _floats(x, "histogramdd")
    w = None
    if weight is not None:
        w = as_tensor(weight)
        if w.dtype != x.dtype:
            raise RuntimeError(f"torch.histogramdd: if weight tensor is provided, input tensor "
                               f"and weight tensor should have the same dtype, but got "
                               f"input({_dt.torch_name(x.dtype).lower()}), and "
                               f"weight({_dt.torch_name(w.dtype).lower()})")
        w = w._data
    if isinstance(bins, Tensor):
        edges = bins._data.astype(x.dtype)
    else:
        if bins <= 0:
            raise RuntimeError(f"torch.histogramdd: bins must be > 0, but got {bins} for "
                               "dimension 0")
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
        elif x._data.size:
            lo, hi = float(x._data.min()), float(x._data.max())
        else:
            lo, hi = 0.0, 1.0
        _finite(lo, hi, "torch.histogramdd")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = _linspace_points(lo, hi, bins + 1, x._data.dtype)  # torch's own edges
    hist = _counts(x._data, edges.astype(np.float64), w).astype(np.float64)
    if density:
        hist = hist / (hist.sum() * np.diff(edges.astype(np.float64)))
    return HistogramResult(Tensor._wrap(hist.astype(x.dtype)), Tensor._wrap(edges))


def bincount(input: Any, weights: Any = None, minlength: int = 0) -> Tensor:  # noqa: A002
    """How often each non-negative integer occurs (or the sum of its ``weights``): int64, or
    the weights' float dtype (double for integer weights), as PyTorch."""
    x = as_tensor(input)
    k = x._data.dtype.kind
    if k not in "iu":
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for "
                                  f"'{_dt.torch_name(x.dtype)}'")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if x.ndim != 1 or (x._data < 0).any():
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None:
        return Tensor._wrap(np.bincount(x._data, minlength=minlength).astype(np.int64))
    w = as_tensor(weights)
    if w.ndim != 1 or w.shape != x.shape:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    out_dt = w.dtype if w._data.dtype.kind == "f" else np.dtype(np.float64)
    return Tensor._wrap(np.bincount(x._data, w._data.astype(np.float64),
                                    minlength=minlength).astype(out_dt))


METHODS = {"histc": histc, "histogram": histogram, "bincount": bincount}
"""The Tensor methods of this module (``x.histc(10)``, ``i.bincount(minlength=5)``)."""

for _name, _fn in METHODS.items():
    setattr(Tensor, _name, _fn)
