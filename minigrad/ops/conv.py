"""Convolution ops over NCHW arrays: ``unfold``/``fold`` (im2col and its adjoint) and ``conv2d``.

The book's method: ``im2col`` lays every receptive field out as a column (a strided view of the
padded input, copied once) and a convolution is then one matrix product per group. ``conv2d`` is
one fused node whose NumPy rules reuse the forward's columns; on Tensors (``create_graph=True``)
its rules are written with ``unfold``, ``fold`` and ``matmul``, which differentiate again
(the input gradient of a convolution is a transposed convolution: a product and a ``fold``).

Geometry travels as params: ``kernel`` (kh, kw), ``stride``, ``dilation``, ``pad`` (top, bottom,
left, right) and ``blocks`` (Ho, Wo), the number of window positions (callers compute it, so
``ceil_mode`` and ``output_padding`` need no special case here).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import call, defop
from . import tensor_xp as _txp

__all__ = ["UNFOLD", "FOLD", "CONV2D", "out_size", "pad_array", "windows", "im2col", "col2im"]

Pair = tuple[int, int]
Pad4 = tuple[int, int, int, int]


def out_size(n: int, k: int, s: int, pad_total: int, d: int, ceil_mode: bool = False,
             pad_front: int = 0) -> int:
    """Window positions along one axis, as PyTorch counts them (``ceil_mode``: a last partial
    window counts when it starts inside the input or the front padding)."""
    span = n + pad_total - d * (k - 1) - 1
    if span < 0:
        return 0
    if not ceil_mode:
        return span // s + 1
    o = -(-span // s) + 1
    if (o - 1) * s >= n + pad_front:
        o -= 1
    return o


def pad_array(x: np.ndarray, pad: Pad4, value: float = 0.0, extent: Pair | None = None
              ) -> np.ndarray:
    """``x`` (N, C, H, W) framed by ``pad`` (top, bottom, left, right) filled with ``value``;
    ``extent`` (rows, cols) makes the frame at least that large. ``x`` itself when no frame."""
    t, b, l, r = pad
    h, w = x.shape[2] + t + b, x.shape[3] + l + r
    if extent is not None:
        h, w = max(h, extent[0]), max(w, extent[1])
    if (h, w) == x.shape[2:] and t == 0 and l == 0:
        return x
    out = np.full(x.shape[:2] + (h, w), value, dtype=x.dtype)
    out[:, :, t:t + x.shape[2], l:l + x.shape[3]] = x
    return out


def _extent(kernel: Pair, stride: Pair, dilation: Pair, blocks: Pair) -> Pair:
    """Rows and columns the window positions cover."""
    return tuple((o - 1) * s + d * (k - 1) + 1 if o > 0 else 0
                 for k, s, d, o in zip(kernel, stride, dilation, blocks))  # type: ignore


def windows(xp: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair, blocks: Pair
            ) -> np.ndarray:
    """A read-only strided view (N, C, Ho, Wo, kh, kw) of the padded input ``xp``."""
    n, c = xp.shape[:2]
    sn, sc, sh, sw = xp.strides
    return as_strided(xp, (n, c, blocks[0], blocks[1], kernel[0], kernel[1]),
                      (sn, sc, sh * stride[0], sw * stride[1], sh * dilation[0],
                       sw * dilation[1]), writeable=False)


def im2col(x: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair, pad: Pad4,
           blocks: Pair) -> np.ndarray:
    """Columns (N, C, kh, kw, Ho, Wo), contiguous: every receptive field of ``x`` (zero padded)."""
    xp = pad_array(x, pad, 0.0, _extent(kernel, stride, dilation, blocks))
    win = windows(xp, kernel, stride, dilation, blocks)
    return np.ascontiguousarray(win.transpose(0, 1, 4, 5, 2, 3))


def col2im(cols: np.ndarray, size: Pair, kernel: Pair, stride: Pair, dilation: Pair, pad: Pad4
           ) -> np.ndarray:
    """The adjoint of :func:`im2col`: add every column (N, C, kh, kw, Ho, Wo) back to its place
    in an (N, C, H, W) array (overlaps sum; padding is cut off)."""
    n, c, kh, kw, ho, wo = cols.shape
    (t, b, l, r), (sh, sw), (dh, dw) = pad, stride, dilation
    eh, ew = _extent(kernel, stride, dilation, (ho, wo))
    hp, wp = max(size[0] + t + b, eh), max(size[1] + l + r, ew)
    out = np.zeros((n, c, hp, wp), dtype=cols.dtype)
    if dh == dw == 1 and sh == kh and sw == kw:  # disjoint tiles: one strided copy
        s0, s1, s2, s3 = out.strides
        view = as_strided(out, (n, c, ho, kh, wo, kw), (s0, s1, s2 * kh, s2, s3 * kw, s3))
        view[...] = cols.transpose(0, 1, 4, 2, 5, 3)
    else:
        for p in range(kh):
            for q in range(kw):
                out[:, :, p * dh:p * dh + sh * (ho - 1) + 1:sh,
                    q * dw:q * dw + sw * (wo - 1) + 1:sw] += cols[:, :, p, q]
    return out[:, :, t:t + size[0], l:l + size[1]]


# ---- unfold / fold: (N, C, H, W) <-> (N, C*kh*kw, L), each the other's gradient ----


def _unfold_fwd(x: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair, pad: Pad4,
                blocks: Pair) -> np.ndarray:
    cols = im2col(x, kernel, stride, dilation, pad, blocks)
    n, c = x.shape[:2]  # explicit sizes: -1 is ambiguous for an empty batch
    return cols.reshape(n, c * kernel[0] * kernel[1], blocks[0] * blocks[1])


def _fold_fwd(cols: np.ndarray, size: Pair, kernel: Pair, stride: Pair, dilation: Pair,
              pad: Pad4, blocks: Pair) -> np.ndarray:
    n, ck = cols.shape[:2]
    k = kernel[0] * kernel[1]
    c6 = cols.reshape(n, ck // k, kernel[0], kernel[1], blocks[0], blocks[1])
    return col2im(c6, size, kernel, stride, dilation, pad)


UNFOLD = defop(
    "unfold", _unfold_fwd,
    lambda xp, g, out, x, **geo: call(xp, FOLD, g, size=tuple(x.shape[2:]), **geo),
    saves=((),),
)
FOLD = defop(
    "fold", _fold_fwd,
    lambda xp, g, out, cols, size, **geo: call(xp, UNFOLD, g, **geo),
    saves=((),),
)


# ---- conv2d: one node; columns cached for the NumPy rules ----


def _conv_fwd(x: np.ndarray, w: np.ndarray, *b: np.ndarray, stride: Pair, dilation: Pair,
              pad: Pad4, blocks: Pair, groups: int, cache: dict | None = None) -> np.ndarray:
    n, c = x.shape[:2]
    cout, kernel = w.shape[0], w.shape[2:]
    cols = im2col(x, kernel, stride, dilation, pad, blocks)  # (N, C, kh, kw, Ho, Wo)
    L = blocks[0] * blocks[1]
    if groups == 1:
        cols = cols.reshape(n, c * kernel[0] * kernel[1], L)  # no -1: the batch may be empty
        out = np.matmul(w.reshape(cout, -1), cols)  # (N, Cout, L), already NCHW
    else:
        cols = cols.reshape(n, groups, c // groups * kernel[0] * kernel[1], L)
        out = np.matmul(w.reshape(groups, cout // groups, -1), cols)  # (N, G, Og, L)
    if cache is not None:
        cache["cols"] = cols
    out = out.reshape(n, cout, blocks[0], blocks[1])
    if b:
        out += b[0].reshape(cout, 1, 1)
    return out


def _conv_vjp(xp: Any, g: Any, out: Any, args: Any, needs: Any, stride: Pair, dilation: Pair,
              pad: Pad4, blocks: Pair, groups: int, cache: dict | None = None) -> list:
    x, w = args[0], args[1]
    n, c, h, wd = x.shape
    cout, cg, kh, kw = w.shape
    geo = {"kernel": (kh, kw), "stride": stride, "dilation": dilation, "pad": pad,
           "blocks": blocks}
    L = blocks[0] * blocks[1]
    og = cout // groups
    grads: list = [None] * len(args)
    gm = g.reshape((n, groups, og, L))
    wm = w.reshape((groups, og, cg * kh * kw))
    if xp is np:
        if needs[1]:
            cols = cache.get("cols") if cache else None
            if cols is None:
                cols = im2col(x, (kh, kw), stride, dilation, pad, blocks)
            cols = cols.reshape(n, groups, cg * kh * kw, L)
            # one small product per sample, summed: 3x faster than tensordot, which copies
            # both operands into (Og, N*L) and (N*L, Cg*K) first
            dw = np.add.reduce(np.matmul(gm, cols.transpose(0, 1, 3, 2)), axis=0)
            grads[1] = dw.reshape(w.shape)
        if needs[0]:
            dcols = np.matmul(wm.transpose(0, 2, 1), gm)  # (N, G, Cg*K, L)
            grads[0] = col2im(dcols.reshape(n, c, kh, kw, blocks[0], blocks[1]), (h, wd),
                              (kh, kw), stride, dilation, pad)
        if len(args) > 2 and needs[2]:
            grads[2] = np.add.reduce(g, axis=(0, 2, 3))
        return grads
    if needs[1]:
        cols = call(xp, UNFOLD, x, **geo).reshape((n, groups, cg * kh * kw, L))
        dw = xp.sum(xp.matmul(gm, xp.swapaxes(cols, 2, 3)), axis=0)  # (G, Og, Cg*K)
        grads[1] = dw.reshape(w.shape)
    if needs[0]:
        dcols = xp.matmul(xp.swapaxes(wm, 1, 2), gm).reshape((n, c * kh * kw, L))
        grads[0] = call(xp, FOLD, dcols, size=(h, wd), **geo)
    if len(args) > 2 and needs[2]:
        grads[2] = _txp.sum(g, axis=(0, 2, 3))
    return grads


CONV2D = defop("conv2d", _conv_fwd, vjp=_conv_vjp, saves=((1,), (0,), ()))
