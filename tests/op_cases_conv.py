"""Property-test cases for the convolution and pooling ops (``conv2d``, ``unfold``, ``fold``,
``max_pool2d``): random batch, channels, groups, kernels, strides, paddings (incl. 'same' with
even kernels), dilations and ``ceil_mode``; first and second order in ``test_ops_grad.py``."""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from op_cases import case, leaf, values

import minigrad.nn.functional as F


def _geometry(draw, max_k=3):
    k = (draw(st.integers(1, max_k)), draw(st.integers(1, max_k)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    p = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    return k, s, d, p


def _side(draw, k, d, p, extra=3):
    """An input side at least as large as the (dilated) kernel minus the padding."""
    return max(d * (k - 1) + 1 - 2 * p, 1) + draw(st.integers(0, extra))


@case("conv2d")
def _(draw):
    g = draw(st.sampled_from([1, 1, 2, 3]))
    cin, cout = g * draw(st.integers(1, 2)), g * draw(st.integers(1, 2))
    k, s, d, p = _geometry(draw)
    same = draw(st.booleans())
    if same:  # 'same' pads asymmetrically for even kernels; only with stride 1
        s, p = (1, 1), (0, 0)
    n = draw(st.integers(1, 2))
    h, w = _side(draw, k[0], d[0], p[0]), _side(draw, k[1], d[1], p[1])
    x = leaf(values(draw, (n, cin, h, w)))
    wt = leaf(values(draw, (cout, cin // g) + k))
    pad = "same" if same else p
    if draw(st.booleans()):
        b = leaf(values(draw, (cout,)))
        return (lambda x, wt, b: F.conv2d(x, wt, b, s, pad, d, g)), [x, wt, b], {}
    return (lambda x, wt: F.conv2d(x, wt, None, s, pad, d, g)), [x, wt], {}


@case("unfold")
def _(draw):
    k, s, d, p = _geometry(draw)
    h, w = _side(draw, k[0], d[0], p[0]), _side(draw, k[1], d[1], p[1])
    x = leaf(values(draw, (draw(st.integers(1, 2)), draw(st.integers(1, 3)), h, w)))
    return (lambda x: F.unfold(x, k, d, p, s)), [x], {}


@case("fold")
def _(draw):
    k, s, d, p = _geometry(draw)
    h, w = _side(draw, k[0], d[0], p[0]), _side(draw, k[1], d[1], p[1])
    blocks = [(n + 2 * pi - di * (ki - 1) - 1) // si + 1
              for n, ki, si, pi, di in zip((h, w), k, s, p, d)]
    c = draw(st.integers(1, 2))
    cols = leaf(values(draw, (draw(st.integers(1, 2)), c * k[0] * k[1], blocks[0] * blocks[1])))
    return (lambda t: F.fold(t, (h, w), k, d, p, s)), [cols], {}


@case("max_pool2d")
def _(draw):
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    p = tuple(draw(st.integers(0, (d[i] * (k[i] - 1) + 1) // 2)) for i in range(2))
    ceil = draw(st.booleans())
    h, w = _side(draw, k[0], d[0], p[0]), _side(draw, k[1], d[1], p[1])
    # distinct values: the maximum of a window is unique, so differences see one route
    x = leaf(values(draw, (draw(st.integers(1, 2)), draw(st.integers(1, 2)), h, w), gap=0.05))
    # a window of padding alone gives -inf (as torch), where differences are undefined
    assume(np.all(np.isfinite(F.max_pool2d(x.detach(), k, s, p, d, ceil).numpy())))
    return (lambda x: F.max_pool2d(x, k, s, p, d, ceil)), [x], {}
