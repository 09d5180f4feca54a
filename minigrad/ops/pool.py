"""Max pooling over NCHW arrays: one node whose gradient routes to each window's first maximum.

The forward takes the argmax over every window (a strided view of the input framed by -inf, as
PyTorch pads) and keeps it in ``cache``; the NumPy rule puts the upstream gradient at those
positions and adds the windows back (:func:`minigrad.ops.conv.col2im`). On Tensors the same
routing is a product with a constant one-hot mask and a ``fold``, which differentiates again.
Average pooling needs no op of its own: it is ``unfold``, a sum and a scale.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import call, defop
from .conv import FOLD, Pad4, Pair, _extent, col2im, pad_array, windows

__all__ = ["MAX_POOL2D"]


def _fill(dtype: np.dtype) -> Any:
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _max_pool_fwd(x: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair, pad: Pad4,
                  blocks: Pair, cache: dict) -> np.ndarray:
    xp = pad_array(x, pad, _fill(x.dtype), _extent(kernel, stride, dilation, blocks))
    win = windows(xp, kernel, stride, dilation, blocks)
    n, c = x.shape[:2]
    k = kernel[0] * kernel[1]
    if k == 1:
        arg = np.zeros((n, c) + tuple(blocks), dtype=np.intp)
        out = win[..., 0, 0].copy()
    else:
        flat = win.reshape(n, c, blocks[0], blocks[1], k)  # a copy: windows overlap or skip
        arg = flat.argmax(axis=-1)  # the first maximum, as PyTorch
        out = np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]
    cache["arg"] = arg  # the rule reads the argmax from here, never the input
    return out


def flat_indices(arg: np.ndarray, width: int, kernel: Pair, stride: Pair, dilation: Pair,
                 pad: Pad4) -> np.ndarray:
    """Window argmax -> index into each (H, W) plane of the input (``return_indices``)."""
    ho, wo = arg.shape[2:]
    p, q = np.divmod(arg, kernel[1])
    rows = np.arange(ho).reshape(-1, 1) * stride[0] + p * dilation[0] - pad[0]
    cols = np.arange(wo) * stride[1] + q * dilation[1] - pad[2]
    return (rows * width + cols).astype(np.int64)


def _one_hot(arg: np.ndarray, k: int, dtype: np.dtype) -> np.ndarray:
    """(N, C, kh*kw, Ho, Wo) with a 1 at each window's argmax."""
    hot = np.zeros(arg.shape[:2] + (k,) + arg.shape[2:], dtype=dtype)
    np.put_along_axis(hot, arg[:, :, None], 1, axis=2)
    return hot


def _max_pool_rule(xp: Any, g: Any, out: Any, x: Any, kernel: Pair, stride: Pair,
                   dilation: Pair, pad: Pad4, blocks: Pair, cache: dict) -> Any:
    arg = cache["arg"]
    n, c = x.shape[:2]
    k = kernel[0] * kernel[1]
    geo = {"kernel": kernel, "stride": stride, "dilation": dilation, "pad": pad,
           "blocks": blocks}
    hot = _one_hot(arg, k, np.dtype(g.dtype) if xp is np else g._data.dtype)
    if xp is np:
        hot *= g[:, :, None]
        return col2im(hot.reshape(n, c, kernel[0], kernel[1], *blocks), tuple(x.shape[2:]),
                      kernel, stride, dilation, pad)
    cols = (g.reshape((n, c, 1) + tuple(blocks)) * hot).reshape((n, c * k, -1))
    return call(xp, FOLD, cols, size=tuple(x.shape[2:]), **geo)


MAX_POOL2D = defop("max_pool2d", _max_pool_fwd, _max_pool_rule, saves=((),))
