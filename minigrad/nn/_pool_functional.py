"""``F.max_pool2d``, ``F.avg_pool2d``, ``F.adaptive_avg_pool2d``, ``F.dropout2d``, with
PyTorch's signatures, output sizes (``ceil_mode``), divisors and messages.

Max pooling is one op (:mod:`minigrad.ops.pool`); average pooling is ``unfold``, a sum and a
constant scale; adaptive average pooling is two products with constant averaging matrices. All
differentiate to any order.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..autograd import apply
from ..capture_hooks import effect
from ..ops import conv as _conv
from ..ops import elementwise as _ew
from ..ops import linalg as _la
from ..ops import pool as _pool
from ..ops import reduce as _red
from ..ops import shape as _sh
from ..random import Generator
from ..tensor import Tensor, as_tensor
from ._conv_functional import IntOr2, ntuple
from ._outside import dropout_mask

__all__ = ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "dropout2d"]


def _batched(x: Tensor, who: str) -> tuple[Tensor, bool]:
    if x.ndim == 3 and x.shape[0] * x.shape[1] * x.shape[2] > 0:
        return _sh.reshape(x, (1,) + x.shape), True
    if x.ndim != 4 or x.shape[1] * x.shape[2] * x.shape[3] == 0:
        raise RuntimeError(f"{who}: non-empty 3D or 4D (batch mode) tensor expected for input, "
                           f"got input of size {list(x.shape)}")
    return x, False


def _pool_geometry(x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                   ceil_mode: bool, who: str) -> dict:
    """kernel, stride, dilation, pad (with ceil_mode's extra at the end), blocks, as torch."""
    k = ntuple(kernel_size, 2, "kernel_size", who)
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else \
        ntuple(stride, 2, "stride", who)
    p = ntuple(padding, 2, "padding", who)
    d = ntuple(dilation, 2, "dilation", who)
    if any(v <= 0 for v in k):
        raise RuntimeError(f"{who}: kernel_size must be greater than zero, but got {k}")
    if any(v <= 0 for v in s):
        raise RuntimeError(f"{who}: stride must be greater than zero, but got {s}")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"{who}: dilation must be greater than zero, but got {d}")
    for pi, ki, di in zip(p, k, d):
        if pi < 0 or pi > ((ki - 1) * di + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={pi}, kernel_size={ki} and dilation={di}")
    h, w = x.shape[2:]
    blocks = tuple(_conv.out_size(n, ki, si, 2 * pi, di, ceil_mode, pi)
                   for n, ki, si, pi, di in zip((h, w), k, s, p, d))
    if min(blocks) <= 0:
        raise RuntimeError(f"Given input size: ({x.shape[1]}x{h}x{w}). Calculated output size: "
                           f"({x.shape[1]}x{blocks[0]}x{blocks[1]}). Output size is too small")
    return {"kernel": k, "stride": s, "dilation": d, "pad": (p[0], p[0], p[1], p[1]),
            "blocks": blocks}


def max_pool2d(input: Tensor, kernel_size: IntOr2, stride: IntOr2 | None = None,
               padding: IntOr2 = 0, dilation: IntOr2 = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Any:
    """The maximum of each window (padding counts as -inf); the gradient goes to the first
    maximum of each window. ``return_indices``: also the flat (H * W) index of each maximum."""
    x, unbatched = _batched(as_tensor(input), "max_pool2d")
    geo = _pool_geometry(x, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d")
    cache: dict = {}
    out = apply(_pool.MAX_POOL2D, x, cache=cache, **geo)
    if unbatched:
        out = _sh.reshape(out, out.shape[1:])
    if not return_indices:
        return out
    idx = _pool.flat_indices(cache["arg"], x.shape[3], geo["kernel"], geo["stride"],
                             geo["dilation"], geo["pad"])
    return out, Tensor._wrap(idx[0] if unbatched else idx)


def _avg_divisor(size: tuple[int, int], geo: dict, count_include_pad: bool) -> np.ndarray:
    """(Ho * Wo,) window sizes PyTorch divides by: the window cut to the padded input
    (``count_include_pad``) or to the input itself."""
    per_axis = []
    for n, k, s, p, o in zip(size, geo["kernel"], geo["stride"], geo["pad"][::2],
                             geo["blocks"]):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        if not count_include_pad:
            end = np.minimum(end, n) - np.maximum(start, 0)
        else:
            end = end - start
        per_axis.append(end)
    return np.multiply.outer(per_axis[0], per_axis[1]).reshape(-1)


def avg_pool2d(input: Tensor, kernel_size: IntOr2, stride: IntOr2 | None = None,
               padding: IntOr2 = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """The mean of each window: ``unfold``, a sum over the window, a constant scale (the
    divisor as PyTorch's, or ``divisor_override``)."""
    x, unbatched = _batched(as_tensor(input), "avg_pool2d")
    if x.dtype.kind not in "fiu":
        raise RuntimeError(f"\"avg_pool2d\" not implemented for '{x.dtype}'")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    geo = _pool_geometry(x, kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d")
    n, c = x.shape[:2]
    k = geo["kernel"][0] * geo["kernel"][1]
    ho, wo = geo["blocks"]
    cols = _sh.reshape(apply(_conv.UNFOLD, x, **geo), (n, c, k, ho * wo))
    total = _red.sum(cols, 2)
    if x.dtype.kind != "f":  # integers: the sum divided by the window size, truncated (torch)
        d = (np.full(ho * wo, divisor_override) if divisor_override is not None else
             _avg_divisor(tuple(x.shape[2:]), geo, count_include_pad)).astype(np.int64)
        t = total._data
        q = np.sign(t) * np.sign(d) * (np.abs(t) // np.abs(d))
        out = Tensor._wrap(q.astype(x.dtype).reshape(n, c, ho, wo))
        return _sh.reshape(out, out.shape[1:]) if unbatched else out
    if divisor_override is not None:
        scale = np.full(ho * wo, 1.0 / divisor_override)
    else:
        scale = 1.0 / _avg_divisor(tuple(x.shape[2:]), geo, count_include_pad)
    out = _ew.mul(total, Tensor._wrap(scale.astype(x.dtype)))
    out = _sh.reshape(out, (n, c, ho, wo))
    return _sh.reshape(out, out.shape[1:]) if unbatched else out


def _bins(n: int, o: int, dtype: np.dtype) -> np.ndarray:
    """(o, n) averaging matrix: row i is the mean over [floor(i n / o), ceil((i + 1) n / o))."""
    a = np.zeros((o, n), dtype=dtype)
    for i in range(o):
        lo, hi = (i * n) // o, -(-((i + 1) * n) // o)
        a[i, lo:hi] = 1.0 / (hi - lo)
    return a


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average over PyTorch's adaptive bins; ``output_size`` an int or a pair (None keeps that
    side). Separable, so it is ``A_h @ x @ A_w.T`` with constant bin matrices."""
    x = as_tensor(input)
    if x.ndim not in (3, 4) or any(s == 0 for s in x.shape[-2:]):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got "
                           f"{list(x.shape)}")
    if x.dtype.kind != "f":
        raise RuntimeError(f"\"adaptive_avg_pool2d\" not implemented for '{x.dtype}'")
    sz = (output_size, output_size) if isinstance(output_size, int | None) else \
        tuple(output_size)
    if len(sz) != 2:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be 2, got {len(sz)}")
    h, w = x.shape[-2:]
    oh, ow = (h if sz[0] is None else int(sz[0])), (w if sz[1] is None else int(sz[1]))
    if oh < 0 or ow < 0:
        raise RuntimeError(f"adaptive_avg_pool2d: elements of output_size must be greater than "
                           f"or equal to 0 but received {[oh, ow]}")
    ah = Tensor._wrap(_bins(h, oh, x.dtype))
    awt = Tensor._wrap(np.ascontiguousarray(_bins(w, ow, x.dtype).T))
    return _la.matmul(_la.matmul(ah, x), awt)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
              generator: Generator | None = None) -> Tensor:
    """Zero whole channels (dim 1) with probability ``p`` and scale the rest by 1/(1-p), as
    ``torch.nn.functional.dropout2d``; the mask comes from ``minigrad.random``."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    x = as_tensor(input)
    if x.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
                      "1D dropout behavior is desired - input is interpreted as shape (N, C, L), "
                      "where C is the channel dim. This behavior will change in a future release "
                      "to interpret the input as one without a batch dimension, i.e. shape (C, H, "
                      "W). To maintain the 1D channel-wise dropout behavior, please switch to "
                      "using dropout1d instead.", stacklevel=2)
    elif x.ndim != 4:
        warnings.warn(f"dropout2d: Received a {x.ndim}-D input to dropout2d, which is deprecated "
                      "and will result in an error in a future release. To retain the behavior "
                      "and silence this warning, please use dropout instead. Note that dropout2d "
                      "exists to provide channel-wise dropout on inputs with 2 spatial "
                      "dimensions, a channel dimension, and an optional batch dimension (i.e. 3D "
                      "or 4D inputs).", stacklevel=2)
    if x.ndim < 2:
        raise RuntimeError(f"Feature dropout requires at least 2 dimensions in the input, got "
                           f"{x.ndim}")
    if not training or p == 0.0:
        return x
    if x.dtype.kind != "f":
        raise TypeError(f"dropout2d: expected a floating point input, got {x.dtype}")
    shape = x.shape[:2] + (1,) * (x.ndim - 2)
    if p == 1.0:
        mask = np.zeros(shape, x.dtype)
    else:
        mask = effect(dropout_mask, generator, shape, p, x.dtype)  # fresh when replayed
    return x.mul_(Tensor._wrap(mask)) if inplace else _ew.mul(x, Tensor._wrap(mask))

