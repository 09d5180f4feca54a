"""``F.conv2d``, ``F.conv1d``, ``F.conv_transpose2d``, ``F.unfold``, ``F.fold``: PyTorch's
signatures, argument checks and messages, over the ops of :mod:`minigrad.ops.conv`.

``conv2d`` is one fused node; ``conv_transpose2d`` is a product with the weight and a ``fold``
(the input gradient of a convolution), so it differentiates to any order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import apply
from ..ops import conv as _conv
from ..ops import linalg as _la
from ..ops import shape as _sh
from ..tensor import Tensor, as_tensor

__all__ = ["conv2d", "conv1d", "conv_transpose2d", "unfold", "fold"]

IntOr2 = int | tuple[int, int]


def ntuple(v: Any, n: int, name: str, who: str) -> tuple[int, ...]:
    """``v`` as an n-tuple of ints (an int repeats), else PyTorch's RuntimeError."""
    if isinstance(v, int | np.integer):
        return (int(v),) * n
    t = tuple(int(a) for a in v)
    if len(t) == 1:
        return t * n
    if len(t) != n:
        raise RuntimeError(f"{who}: expected {name} to be a single integer value or a list of "
                           f"{n} values to match the convolution dimensions, but got "
                           f"{name}={list(t)}")
    return t


def check_positive(stride: tuple[int, ...], dilation: tuple[int, ...],
                   padding: tuple[int, ...]) -> None:
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")


def same_padding(kernel: tuple[int, ...], dilation: tuple[int, ...]) -> tuple[int, ...]:
    """padding='same' as (front, back) per spatial axis; the odd extra goes at the back."""
    out: list[int] = []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        out += [total // 2, total - total // 2]
    return tuple(out)


def _batched(x: Tensor, spatial: int, who: str) -> tuple[Tensor, bool]:
    """(N, C, *spatial) input, and whether it came unbatched (C, *spatial)."""
    if x.ndim == spatial + 1:
        return _sh.reshape(x, (1,) + x.shape), True
    if x.ndim != spatial + 2:
        raise RuntimeError(f"Expected {spatial + 1}D (unbatched) or {spatial + 2}D (batched) "
                           f"input to {who}, but got input of size: {list(x.shape)}")
    return x, False


def _check_dtypes(x: Tensor, w: Tensor, b: Tensor | None) -> None:
    for t in (w, b):
        if t is not None and t.dtype != x.dtype:
            raise RuntimeError(f"expected scalar type {_tname(x.dtype)} but found "
                               f"{_tname(t.dtype)}")


def _tname(dt: np.dtype) -> str:
    from ..dtypes import torch_name

    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
            "int32": "Int"}.get(np.dtype(dt).name, torch_name(dt))


def _conv_pad(padding: Any, kernel: tuple[int, int], stride: tuple[int, int],
              dilation: tuple[int, int]) -> tuple[int, int, int, int]:
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            return same_padding(kernel, dilation)  # type: ignore[return-value]
        raise RuntimeError(f"Invalid padding string: {padding!r}")
    ph, pw = ntuple(padding, 2, "padding", "conv2d")
    return (ph, ph, pw, pw)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOr2 = 1,
           padding: IntOr2 | str = 0, dilation: IntOr2 = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation, as PyTorch) of (N, C, H, W) or (C, H, W) input with
    ``weight`` (out_channels, in_channels / groups, kh, kw); ``padding`` an int, a pair,
    ``'valid'`` or ``'same'`` (zeros; an even kernel gets its extra row/column at the end)."""
    x, unbatched = _batched(as_tensor(input), 2, "conv2d")
    w = as_tensor(weight)
    if w.ndim != 4:
        raise RuntimeError(f"conv2d: expected a 4-D weight (out_channels, in_channels/groups, "
                           f"kH, kW), got weight of size {list(w.shape)}")
    stride_ = ntuple(stride, 2, "stride", "conv2d")
    dilation_ = ntuple(dilation, 2, "dilation", "conv2d")
    kernel = w.shape[2:]
    pad = _conv_pad(padding, kernel, stride_, dilation_)
    check_positive(stride_, dilation_, pad)
    groups = int(groups)
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    cout, cg = w.shape[:2]
    if x.shape[1] != cg * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(w.shape)}, expected "
                           f"input{list(x.shape)} to have {cg * groups} channels, but got "
                           f"{x.shape[1]} channels instead")
    if cout % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size {list(w.shape)} instead")
    if bias is not None and tuple(bias.shape) != (cout,):
        raise RuntimeError(f"Given weight of size {list(w.shape)}, expected bias to be "
                           f"1-dimensional with {cout} elements, but got bias of size "
                           f"{list(bias.shape)} instead")
    _check_dtypes(x, w, bias)
    hp, wp = x.shape[2] + pad[0] + pad[1], x.shape[3] + pad[2] + pad[3]
    keff = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation_))
    if hp < keff[0] or wp < keff[1]:
        raise RuntimeError(f"Calculated padded input size per channel: ({hp} x {wp}). Kernel "
                           f"size: ({keff[0]} x {keff[1]}). Kernel size can't be greater than "
                           "actual input size")
    blocks = ((hp - keff[0]) // stride_[0] + 1, (wp - keff[1]) // stride_[1] + 1)
    params = {"stride": stride_, "dilation": dilation_, "pad": pad, "blocks": blocks,
              "groups": groups, "cache": {}}
    args = (x, w) if bias is None else (x, w, as_tensor(bias))
    out = apply(_conv.CONV2D, *args, **params)
    return _sh.reshape(out, out.shape[1:]) if unbatched else out


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int = 1,
           padding: int | str = 0, dilation: int = 1, groups: int = 1) -> Tensor:
    """1-D convolution of (N, C, L) or (C, L) input: ``conv2d`` over a height of 1."""
    x, unbatched = _batched(as_tensor(input), 1, "conv1d")
    w = as_tensor(weight)
    if w.ndim != 3:
        raise RuntimeError(f"conv1d: expected a 3-D weight (out_channels, in_channels/groups, "
                           f"kW), got weight of size {list(w.shape)}")
    s, d = ntuple(stride, 1, "stride", "conv1d"), ntuple(dilation, 1, "dilation", "conv1d")
    p = padding if isinstance(padding, str) else (0, ntuple(padding, 1, "padding", "conv1d")[0])
    x4 = _sh.reshape(x, (x.shape[0], x.shape[1], 1, x.shape[2]))
    w4 = _sh.reshape(w, (w.shape[0], w.shape[1], 1, w.shape[2]))
    out = conv2d(x4, w4, bias, (1, s[0]), p, (1, d[0]), groups)
    out = _sh.reshape(out, (out.shape[0], out.shape[1], out.shape[3]))
    return _sh.reshape(out, out.shape[1:]) if unbatched else out


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: IntOr2 = 1, padding: IntOr2 = 0, output_padding: IntOr2 = 0,
                     groups: int = 1, dilation: IntOr2 = 1) -> Tensor:
    """The transposed convolution (the input gradient of ``conv2d``): ``weight`` is
    (in_channels, out_channels / groups, kh, kw); each output side is
    ``(H - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``."""
    x, unbatched = _batched(as_tensor(input), 2, "conv_transpose2d")
    w = as_tensor(weight)
    if w.ndim != 4:
        raise RuntimeError(f"conv_transpose2d: expected a 4-D weight (in_channels, "
                           f"out_channels/groups, kH, kW), got weight of size {list(w.shape)}")
    s = ntuple(stride, 2, "stride", "conv_transpose2d")
    d = ntuple(dilation, 2, "dilation", "conv_transpose2d")
    p = ntuple(padding, 2, "padding", "conv_transpose2d")
    op = ntuple(output_padding, 2, "output_padding", "conv_transpose2d")
    check_positive(s, d, p)
    if any(o < 0 for o in op):
        raise RuntimeError("negative output_padding is not supported")
    if any(o >= max(si, di) for o, si, di in zip(op, s, d)):
        raise RuntimeError(f"output padding must be smaller than either stride or dilation, "
                           f"but got output_padding_height: {op[0]} output_padding_width: "
                           f"{op[1]} stride_height: {s[0]} stride_width: {s[1]} "
                           f"dilation_height: {d[0]} dilation_width: {d[1]}")
    groups = int(groups)
    cin, og, kh, kw = w.shape
    if groups <= 0 or cin % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size {list(w.shape)} instead")
    if x.shape[1] != cin:
        raise RuntimeError(f"Given transposed=1, weight of size {list(w.shape)}, expected "
                           f"input{list(x.shape)} to have {cin} channels, but got "
                           f"{x.shape[1]} channels instead")
    cout = og * groups
    if bias is not None and tuple(bias.shape) != (cout,):
        raise RuntimeError(f"Given transposed=1, weight of size {list(w.shape)}, expected bias "
                           f"to be 1-dimensional with {cout} elements, but got bias of size "
                           f"{list(bias.shape)} instead")
    _check_dtypes(x, w, bias)
    n, _, h, wd = x.shape
    size = tuple((i - 1) * si - 2 * pi + di * (k - 1) + oi + 1
                 for i, si, pi, di, k, oi in zip((h, wd), s, p, d, (kh, kw), op))
    if any(v <= 0 for v in size):
        raise RuntimeError(f"Given input size per channel: ({h} x {wd}). Calculated output size "
                           f"per channel: ({size[0]} x {size[1]}). Output size is too small")
    cg = cin // groups
    wm = _sh.permute(_sh.reshape(w, (groups, cg, og * kh * kw)), (0, 2, 1))  # (G, Og*K, Cg)
    xm = _sh.reshape(x, (n, groups, cg, h * wd))
    cols = _sh.reshape(_la.matmul(wm, xm), (n, cout * kh * kw, h * wd))
    out = apply(_conv.FOLD, cols, size=size, kernel=(kh, kw), stride=s, dilation=d,
                pad=(p[0], p[0], p[1], p[1]), blocks=(h, wd))
    if bias is not None:
        out = out + _sh.reshape(as_tensor(bias), (cout, 1, 1))
    return _sh.reshape(out, out.shape[1:]) if unbatched else out


def _geometry(kernel_size: Any, dilation: Any, padding: Any, stride: Any, who: str
              ) -> tuple[tuple[int, int], ...]:
    k = ntuple(kernel_size, 2, "kernel_size", who)
    d, p, s = (ntuple(v, 2, name, who) for v, name in
               ((dilation, "dilation"), (padding, "padding"), (stride, "stride")))
    if any(v <= 0 for v in k):
        raise RuntimeError(f"{who}: kernel size should be greater than zero, but got "
                           f"kernel_size={k}")
    check_positive(s, d, p)
    return k, d, p, s  # type: ignore[return-value]


def unfold(input: Tensor, kernel_size: IntOr2, dilation: IntOr2 = 1, padding: IntOr2 = 0,
           stride: IntOr2 = 1) -> Tensor:
    """im2col: (N, C, H, W) -> (N, C * kh * kw, L), one column per sliding block, as
    ``torch.nn.functional.unfold``; (C, H, W) gives (C * kh * kw, L)."""
    x = as_tensor(input)
    if x.ndim not in (3, 4):
        raise RuntimeError(f"Input Error: Only 3D or 4D input Tensors are supported (got "
                           f"{x.ndim}D)")
    x, unbatched = _batched(x, 2, "unfold")
    k, d, p, s = _geometry(kernel_size, dilation, padding, stride, "unfold")
    blocks = tuple(_conv.out_size(n, ki, si, 2 * pi, di) for n, ki, si, pi, di in
                   zip(x.shape[2:], k, s, p, d))
    if min(blocks) <= 0:
        raise RuntimeError(f"Given input with spatial size {tuple(x.shape[2:])}, kernel_size="
                           f"{k}, dilation={d}, padding={p}, calculated shape of the array of "
                           f"sliding blocks as {blocks}, but its components must be at least "
                           "one.")
    out = apply(_conv.UNFOLD, x, kernel=k, stride=s, dilation=d,
                pad=(p[0], p[0], p[1], p[1]), blocks=blocks)
    return _sh.reshape(out, out.shape[1:]) if unbatched else out


def fold(input: Tensor, output_size: IntOr2, kernel_size: IntOr2, dilation: IntOr2 = 1,
         padding: IntOr2 = 0, stride: IntOr2 = 1) -> Tensor:
    """col2im, the adjoint of ``unfold``: (N, C * kh * kw, L) -> (N, C, H, W), overlapping
    entries summed; (C * kh * kw, L) gives (C, H, W)."""
    x = as_tensor(input)
    if x.ndim not in (2, 3):
        raise RuntimeError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are "
                           f"supported (got {x.ndim}D)")
    unbatched = x.ndim == 2
    if unbatched:
        x = _sh.reshape(x, (1,) + x.shape)
    size = ntuple(output_size, 2, "output_size", "fold")
    k, d, p, s = _geometry(kernel_size, dilation, padding, stride, "fold")
    kk = k[0] * k[1]
    if x.shape[1] % kk:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product "
                           f"of kernel_size, but got input.size(1)={x.shape[1]} and "
                           f"kernel_size={k}.")
    blocks = tuple(_conv.out_size(n, ki, si, 2 * pi, di) for n, ki, si, pi, di in
                   zip(size, k, s, p, d))
    if x.shape[2] != blocks[0] * blocks[1] or min(blocks) <= 0:
        raise RuntimeError(f"Given output_size={size}, kernel_size={k}, dilation={d}, padding="
                           f"{p}, stride={s}, expected size of input's dimension 2 to match the "
                           f"calculated number of sliding blocks {blocks[0]} * {blocks[1]} = "
                           f"{blocks[0] * blocks[1]}, but got input.size(2)={x.shape[2]}.")
    out = apply(_conv.FOLD, x, size=size, kernel=k, stride=s, dilation=d,
                pad=(p[0], p[0], p[1], p[1]), blocks=blocks)
    return _sh.reshape(out, out.shape[1:]) if unbatched else out
