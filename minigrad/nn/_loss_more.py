"""More losses of ``minigrad.nn.functional``: binary_cross_entropy (probabilities), l1_loss,
smooth_l1_loss, huber_loss and kl_div, with PyTorch's signatures, kinks and errors.

``binary_cross_entropy`` is one op with ATen's clamped logs and gradient; the others are short
compositions of core ops whose gradients already match ATen's (the kinks are masks of the data).
The deprecated ``size_average``/``reduce`` arguments map to ``reduction`` as PyTorch maps them.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..autograd import apply
from ..ops import elementwise as _ew
from ..ops import nn_more as _more
from ..promotion import promote_all
from ..tensor import Tensor, as_tensor

__all__ = ["binary_cross_entropy", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div"]


def legacy_reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """PyTorch's mapping of the deprecated ``size_average``/``reduce`` to ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use "
                  f"reduction='{_legacy(size_average, reduce)}' instead.", stacklevel=3)
    return _legacy(size_average, reduce)


def _legacy(size_average: bool | None, reduce: bool | None) -> str:
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        return "mean"
    return "sum" if reduce else "none"


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _pair(input: Any, target: Any, who: str) -> tuple[Tensor, Tensor]:
    """Input and target promoted to one dtype; a shape mismatch warns and broadcasts, as torch."""
    x, y = as_tensor(input), as_tensor(target)
    if x.shape != y.shape:
        warnings.warn(f"Using a target size ({_size(y)}) that is different to the input size "
                      f"({_size(x)}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", stacklevel=3)
    if x.dtype != y.dtype:
        x, y = promote_all(x, y)
    return x, y


def _size(t: Tensor) -> str:
    return f"torch.Size([{', '.join(str(s) for s in t.shape)}])"


def binary_cross_entropy(input: Tensor, target: Any, weight: Any = None,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """``-(y log x + (1 - y) log(1 - x))`` of probabilities ``x``, each log clamped at -100 (so
    the loss is finite at 0 and 1); prefer ``binary_cross_entropy_with_logits`` for logits."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    x, y = as_tensor(input), as_tensor(target)
    if x.shape != y.shape:
        raise ValueError(f"Using a target size ({_size(y)}) that is different to the input size "
                         f"({_size(x)}) is deprecated. Please ensure they have the same size.")
    if x.dtype != y.dtype:
        raise RuntimeError(f"Found dtype {_tname(y)} but expected {_tname(x)}")
    if x.dtype.kind != "f":
        raise NotImplementedError(f"\"binary_cross_entropy\" not implemented for '{_tname(x)}'")
    d = x._data
    if d.size and not ((d >= 0) & (d <= 1)).all():
        raise RuntimeError("all elements of input should be between 0 and 1")
    loss = apply(_more.BCE, x, y)
    if weight is not None:
        w = as_tensor(weight)
        np.broadcast_shapes(w.shape, x.shape)
        loss = loss * w
    return _reduce(loss, reduction)


def _tname(t: Tensor) -> str:
    from ..dtypes import torch_name

    return torch_name(t.dtype).capitalize()


def l1_loss(input: Tensor, target: Any, size_average: bool | None = None,
            reduce: bool | None = None, reduction: str = "mean", weight: Any = None) -> Tensor:
    """Mean absolute error; the gradient at a zero difference is 0 (``sgn``), as PyTorch's."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    x, y = _pair(input, target, "l1_loss")
    loss = _ew.abs(x - y)
    return _reduce(loss if weight is None else loss * as_tensor(weight), reduction)


def smooth_l1_loss(input: Tensor, target: Any, size_average: bool | None = None,
                   reduce: bool | None = None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """``0.5 d^2 / beta`` where ``|d| < beta``, ``|d| - 0.5 beta`` elsewhere; ``beta=0`` is L1."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    x, y = _pair(input, target, "smooth_l1_loss")
    d = x - y
    if beta == 0:
        return _reduce(_ew.abs(d), reduction)
    small = np.abs(d._data) < beta
    return _reduce(_ew.where(small, d * d * (0.5 / beta), _ew.abs(d) - 0.5 * beta), reduction)


def huber_loss(input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0,
               weight: Any = None) -> Tensor:
    """``0.5 d^2`` where ``|d| < delta``, ``delta (|d| - 0.5 delta)`` elsewhere."""
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    x, y = _pair(input, target, "huber_loss")
    if y.dtype != as_tensor(input).dtype:  # torch's huber keeps the input's dtype
        x, y = as_tensor(input), _ew.cast(y, as_tensor(input).dtype)
    d = x - y
    small = np.abs(d._data) < delta  # the quadratic piece's curvature stops at delta itself
    loss = _ew.where(small, d * d * 0.5, (_ew.abs(d) - 0.5 * delta) * delta)
    if weight is not None:
        loss = loss * as_tensor(weight)
    return _reduce(loss, reduction)


def kl_div(input: Tensor, target: Any, size_average: bool | None = None,
           reduce: bool | None = None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """KL divergence with ``input`` as log-probabilities: ``target (log target - input)``
    (``exp(target) (target - input)`` with ``log_target``); ``'batchmean'`` divides the sum by
    the batch size (the mathematical KL), ``'mean'`` by the element count (with torch's warning).
    """
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    x, y = as_tensor(input), as_tensor(target)
    if x.dtype != y.dtype:
        x, y = promote_all(x, y)
    if log_target:
        loss = _ew.exp(y) * (y - x)
    else:  # xlogy(y, y) - y x: 0 where y is 0 (NaN for negative targets, as torch)
        zero = y._data == 0
        safe = _ew.where(zero, Tensor._wrap(np.ones((), y.dtype)), y)
        loss = _ew.where(zero, Tensor._wrap(np.zeros((), y.dtype)), y * _ew.log(safe)) - y * x
    if reduction == "batchmean":
        return loss.sum() / (x.shape[0] if x.ndim else 1)
    return _reduce(loss, reduction)
