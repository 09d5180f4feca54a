"""``F.pad`` as PyTorch defines it: modes constant (with ``value``), reflect, replicate and
circular; the pad tuple starts at the last dimension, negative amounts crop.

Every mode is a gather of positions along each padded dimension (``getitem`` with an index
array, whose gradient adds repeated positions) or, for constant, a write of the cropped input
into a filled tensor (``copy_slices``), so gradients of every order come from those ops.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import apply
from ..ops.assign import COPY_SLICES
from ..ops.shape import GETITEM
from ..tensor import Tensor, as_tensor

__all__ = ["pad"]

_MODES = ("constant", "reflect", "replicate", "circular")
_SUPPORTED = ("\nSupported combinations for non-constant padding:\n"
              "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
              "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
              "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def _pairs(x: Tensor, pad: Sequence[int]) -> list[tuple[int, int, int]]:
    """(dim, before, after) per padded dimension, from PyTorch's last-dimension-first tuple."""
    p = [int(v) for v in pad]
    if len(p) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(p) > 2 * x.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(p)} and input of dimension "
                           f"{x.ndim}")
    return [(x.ndim - 1 - k, p[2 * k], p[2 * k + 1]) for k in range(len(p) // 2)]


def _crop(x: Tensor, pairs: list) -> Tensor:
    """The input with negative pads cut off (a view)."""
    if all(b >= 0 and a >= 0 for _, b, a in pairs):
        return x
    index = [slice(None)] * x.ndim
    for d, b, a in pairs:
        n = x.shape[d]
        lo, hi = max(-b, 0), n - max(-a, 0)
        if hi < lo:
            raise RuntimeError("narrow(): length must be non-negative.")
        index[d] = slice(lo, hi)
    return apply(GETITEM, x, index=tuple(index) + (Ellipsis,))


def _constant(x: Tensor, pairs: list, value: Any) -> Tensor:
    x = _crop(x, pairs)
    shape = list(x.shape)
    index = [slice(None)] * x.ndim
    for d, b, a in pairs:
        b, a = max(b, 0), max(a, 0)
        shape[d] += b + a
        index[d] = slice(b, b + x.shape[d])
    if tuple(shape) == x.shape:
        return x.clone()
    filled = Tensor._wrap(np.full(shape, 0 if value is None else value).astype(x.dtype))
    return apply(COPY_SLICES, filled, x, chain=((GETITEM, {"index": tuple(index)}),))


def _positions(mode: str, n: int, b: int, a: int, d: int, shape: tuple) -> np.ndarray:
    p = np.arange(-b, n + a)
    if mode == "reflect":
        if b >= n or a >= n:
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding "
                               f"input dimension, but got: padding ({b}, {a}) at dimension {d} "
                               f"of input {list(shape)}")
        p = np.abs(p)
        return np.where(p > n - 1, 2 * (n - 1) - p, p)
    return np.clip(p, 0, n - 1)


def pad(input: Any, pad: Sequence[int], mode: str = "constant",  # noqa: A002
        value: float | None = None) -> Tensor:
    """Pad (or, with negative amounts, crop) the last ``len(pad) // 2`` dimensions; ``pad`` is
    ``(last_before, last_after, second_last_before, ...)``, as PyTorch's."""
    x = as_tensor(input)
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    pairs = _pairs(x, pad)
    if mode == "constant":
        return _constant(x, pairs, value)
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    k = len(pairs)
    if k == 0 or x.ndim not in (k + 1, k + 2) or k > 3:
        raise NotImplementedError(f"Padding size {2 * k} is not supported for {x.ndim}D input "
                                  f"tensor.{_SUPPORTED}")
    for k, (d, b, a) in enumerate(pairs):
        n = x.shape[d]
        if n + b + a < 1 and mode != "circular":
            w = "WHD"[k]
            raise RuntimeError(f"input ({w}: {n}) is too small. Calculated output {w}: "
                               f"{n + b + a}")
    if mode == "circular":  # crop first, then wrap around what is left, as PyTorch (which
        # reads memory it has not written when a pad is longer than what the crop left)
        x = _crop(x, pairs)
        pairs = [(d, max(b, 0), max(a, 0)) for d, b, a in pairs]
    shape = x.shape
    for d, b, a in pairs:
        n = shape[d]
        if mode == "circular":
            if b > n or a > n:
                raise RuntimeError("Padding value causes wrapping around more than once.")
            idx = np.arange(-b, n + a) % n
        else:
            idx = _positions(mode, n, b, a, d, shape)
        x = apply(GETITEM, x, index=(slice(None),) * d + (idx,))
    return x
