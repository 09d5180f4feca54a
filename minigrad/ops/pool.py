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
from .conv import FOLD, Pad4, Pair, _extent, pad_array, windows

__all__ = ["MAX_POOL2D"]


def _fill(dtype: np.dtype) -> Any:
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _max_pool_fwd(x: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair, pad: Pad4,
                  blocks: Pair, cache: dict) -> np.ndarray:
    xp = pad_array(x, pad, _fill(x.dtype), _extent(kernel, stride, dilation, blocks))
    win = windows(xp, kernel, stride, dilation, blocks)
    # one pass per window offset over strided views (no copy of the windows): a later offset
    # wins only when strictly larger, so ties keep the first maximum, as PyTorch
    # one pass per window offset over contiguous copies of its strided view: a later offset
    # wins only when strictly larger, so ties keep the first maximum, as PyTorch
    n_k = kernel[0] * kernel[1]
    out = win[..., 0, 0].copy()
    arg = np.zeros(out.shape, dtype=np.int8 if n_k < 128 else np.intp)
    more = np.empty(out.shape, dtype=bool)
    more_i, step = more.view(np.int8), np.empty_like(arg)
    for k in range(1, n_k):
        v = np.ascontiguousarray(win[..., k // kernel[1], k % kernel[1]])
        np.greater(v, out, out=more)
        if arg.dtype == np.int8:  # arg = max(arg, k * more): k only grows (bool as int8)
            np.multiply(more_i, np.int8(k), out=step)
            np.maximum(arg, step, out=arg)
        else:
            np.putmask(arg, more, k)
        np.maximum(out, v, out=out)  # NaN propagates into the value
    if out.dtype.kind == "f" and np.isnan(out).any():  # NaN wins, as PyTorch (its last one)
        n = kernel[0] * kernel[1]
        flat = win.reshape(win.shape[:4] + (n,))
        last_nan = n - 1 - np.isnan(flat[..., ::-1]).argmax(axis=-1)
        arg = np.where(np.isnan(out), last_nan, arg).astype(arg.dtype)
    cache["arg"] = arg  # the rule reads the argmax from here, never the input
    return out


def flat_indices(arg: np.ndarray, width: int, kernel: Pair, stride: Pair, dilation: Pair,
                 pad: Pad4) -> np.ndarray:
    """Window argmax -> index into each (H, W) plane of the input (``return_indices``)."""
    ho, wo = arg.shape[2:]
    p, q = np.divmod(arg.astype(np.intp), kernel[1])
    rows = np.arange(ho).reshape(-1, 1) * stride[0] + p * dilation[0] - pad[0]
    cols = np.arange(wo) * stride[1] + q * dilation[1] - pad[2]
    return (rows * width + cols).astype(np.int64)


def _one_hot(arg: np.ndarray, k: int, dtype: np.dtype) -> np.ndarray:
    """(N, C, kh*kw, Ho, Wo) with a 1 at each window's argmax."""
    hot = np.zeros(arg.shape[:2] + (k,) + arg.shape[2:], dtype=dtype)
    np.put_along_axis(hot, arg[:, :, None], 1, axis=2)
    return hot


def _route(g: np.ndarray, arg: np.ndarray, size: Pair, kernel: Pair, stride: Pair,
           dilation: Pair, pad: Pad4) -> np.ndarray:
    """Each window's gradient to its argmax: one masked pass per window offset, added into
    the offset's strided slice of the padded input gradient."""
    n, c, ho, wo = g.shape
    (t, b, l, r), (sh, sw), (dh, dw) = pad, stride, dilation
    eh, ew = _extent(kernel, stride, dilation, (ho, wo))
    hp, wp = max(size[0] + t + b, eh), max(size[1] + l + r, ew)
    hit = np.empty(g.shape, dtype=bool)
    if (dh, dw) == (1, 1) and (sh, sw) == kernel and (hp, wp) == (eh, ew):
        # tiles that cover the padded input exactly: each offset writes its own slots
        dx = np.empty((n, c, hp, wp), dtype=g.dtype)
        tiles = dx.reshape(n, c, ho, kernel[0], wo, kernel[1])
        for k in range(kernel[0] * kernel[1]):
            np.equal(arg, k, out=hit)
            np.multiply(g, hit, out=tiles[:, :, :, k // kernel[1], :, k % kernel[1]])
        return dx[:, :, t:t + size[0], l:l + size[1]]
    dx = np.zeros((n, c, hp, wp), dtype=g.dtype)
    part = np.empty(g.shape, dtype=g.dtype)
    for k in range(kernel[0] * kernel[1]):
        p, q = divmod(k, kernel[1])
        np.equal(arg, k, out=hit)
        np.multiply(g, hit, out=part)
        dx[:, :, p * dh:p * dh + sh * (ho - 1) + 1:sh,
           q * dw:q * dw + sw * (wo - 1) + 1:sw] += part
    return dx[:, :, t:t + size[0], l:l + size[1]]


def _max_pool_rule(xp: Any, g: Any, out: Any, x: Any, kernel: Pair, stride: Pair,
                   dilation: Pair, pad: Pad4, blocks: Pair, cache: dict) -> Any:
    arg = cache["arg"]
    n, c = x.shape[:2]
    k = kernel[0] * kernel[1]
    geo = {"kernel": kernel, "stride": stride, "dilation": dilation, "pad": pad,
           "blocks": blocks}
    if xp is np:
        return _route(g, arg, tuple(x.shape[2:]), kernel, stride, dilation, pad)
    hot = _one_hot(arg, k, g._data.dtype)
    cols = (g.reshape((n, c, 1) + tuple(blocks)) * hot).reshape((n, c * k, -1))
    return call(xp, FOLD, cols, size=tuple(x.shape[2:]), **geo)


MAX_POOL2D = defop("max_pool2d", _max_pool_fwd, _max_pool_rule,
                  saves=((0,),))  # not read (the argmax is cached), but torch saves it too
