"""The loss functions of ``minigrad.nn.functional``: cross-entropy, NLL, MSE, BCE with logits.

``cross_entropy`` is one fused op from logits (a stable log-softmax inside): class-index targets,
``ignore_index``, class ``weight`` and ``label_smoothing`` become a constant target distribution
``q``; probability targets are ``q`` themselves (and get a gradient). Errors name the shapes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import apply
from ..capture_hooks import effect
from ..ops import elementwise as _ew
from ..ops import loss_ops as _loss
from ..tensor import Tensor, as_tensor

__all__ = ["cross_entropy", "nll_loss", "mse_loss", "binary_cross_entropy_with_logits",
           "one_hot"]

_REDUCTIONS = ("none", "mean", "sum")
_UNSIGNED = {n: np.dtype(f"u{n}") for n in (1, 2, 4, 8)}


def _check_reduction(reduction: str, who: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{who}: {reduction!r} is not a valid value for reduction (use 'none', "
                         "'mean' or 'sum')")


def _float_input(input: Any, who: str) -> Tensor:
    x = as_tensor(input)
    if x.dtype.kind != "f":
        raise TypeError(f"{who}: expected a floating point input (logits), got {x.dtype}")
    if x.ndim == 0:
        raise ValueError(f"{who}: expected an input of shape (N, C) or (C,), got a 0-d tensor")
    return x


def _class_rows(x: Tensor) -> tuple[Tensor, tuple[int, ...]]:
    """(M, C) rows with the classes last, and the per-sample shape (() for a (C,) input)."""
    if x.ndim == 1:
        return x.reshape(1, -1), ()
    if x.ndim == 2:
        return x, (x.shape[0],)
    perm = (0,) + tuple(range(2, x.ndim)) + (1,)
    return x.permute(perm).reshape(-1, x.shape[1]), (x.shape[0],) + x.shape[2:]


def _empty(rows: int, reduction: str, x: Tensor, who: str) -> None:
    if rows == 0 and reduction == "mean":
        raise ValueError(f"{who}: empty batch (input shape {x.shape}): the mean over no samples "
                         "is undefined")


def _class_weight(weight: Any, c: int, dtype: np.dtype, who: str) -> np.ndarray | None:
    if weight is None:
        return None
    w = np.asarray(weight._data if isinstance(weight, Tensor) else weight, dtype=dtype)
    if w.shape != (c,):
        raise ValueError(f"{who}: weight must have one entry per class, shape ({c},), got "
                         f"{w.shape}")
    return w


def _index_targets(target: Any, x: Tensor, rest: tuple[int, ...], c: int, ignore_index: int,
                   who: str) -> tuple[np.ndarray, bool]:
    """Validated class indices, flattened (integer dtype, the input's batch shape, in range or
    ``ignore_index``), and whether every one is a class (so none is ignored)."""
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind not in "iu":
        hint = ""
        if t.dtype.kind == "f" and t.shape == rest:
            hint = (" (class-index targets must be an integer tensor: use target.long(); "
                    f"probability targets must have the input's shape {x.shape})")
        raise TypeError(f"{who}: expected integer class labels of shape {rest}, got dtype "
                        f"{t.dtype}{hint}")
    if t.shape != rest:
        hint = (" (one-hot labels must be float probabilities of the input's shape)"
                if t.shape == x.shape else "")
        raise ValueError(f"{who}: expected target of shape {rest} for input of shape "
                         f"{x.shape}, got {t.shape}{hint}")
    if t.ndim != 1:
        t = t.reshape(-1)
    # one reduction checks both bounds: viewed as unsigned, a negative label is huge
    if t.size and np.maximum.reduce(t.view(_UNSIGNED[t.dtype.itemsize])) >= c:
        bad = t[(t != ignore_index) & ((t < 0) | (t >= c))]
        if bad.size:
            raise IndexError(f"{who}: target {int(bad[0])} is out of bounds for {c} classes "
                             f"(labels must be in 0..{c - 1}, or ignore_index={ignore_index})")
        return t, False
    return t, not (0 <= ignore_index < c and bool((t == ignore_index).any()))


def _index_q(t: np.ndarray, c: int, dtype: np.dtype, w: np.ndarray | None, ignore_index: int,
             smoothing: float, reduction: str) -> tuple[np.ndarray, float]:
    """The target distribution for class indices, and the scale that makes 'mean' a mean."""
    m = t.size
    rows = np.arange(m)
    valid = t != ignore_index
    all_valid = bool(valid.all())
    tv = t if all_valid else np.where(valid, t, 0)
    wrow = (np.ones(m, dtype) if all_valid else valid.astype(dtype)) if w is None else \
        w[tv] * valid
    q = np.zeros((m, c), dtype)
    if smoothing:
        q += (smoothing / c) * (1.0 if w is None else w)
        if not all_valid:
            q *= valid[:, None]
        q[rows, tv] += (1.0 - smoothing) * wrow
    else:
        q[rows, tv] = wrow
    if reduction != "mean":
        return q, 1.0
    denom = float(wrow.sum())
    return q, (1.0 / denom if denom else float("nan"))  # all ignored: NaN, as PyTorch


def cross_entropy(input: Tensor, target: Any, weight: Any = None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits (N, C) (or (C,), or (N, C, d...)) against class indices (N,)
    or class probabilities (N, C), as ``torch.nn.functional.cross_entropy``; one fused op,
    finite for logits of 1e4. For integer targets the gradient is ``(softmax - onehot) / N``."""
    who = "cross_entropy"
    x = _float_input(input, who)
    _check_reduction(reduction, who)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{who}: label_smoothing must be between 0.0 and 1.0, got "
                         f"{label_smoothing}")
    rows, rest = _class_rows(x)
    c = rows.shape[1]
    w = _class_weight(weight, c, x.dtype, who)
    tdata = target._data if isinstance(target, Tensor) else np.asarray(target)
    if tdata.dtype.kind == "f" and tdata.shape == x.shape:
        q, _ = _class_rows(_ew.cast(as_tensor(target), x.dtype))
        if label_smoothing:
            q = q * (1.0 - label_smoothing) + label_smoothing / c
        if w is not None:
            q = q * Tensor._wrap(w)
        scale = 1.0 / max(q.shape[0], 1) if reduction == "mean" else 1.0
    else:
        t, none_ignored = _index_targets(target, x, rest, c, ignore_index, who)
        _empty(rows.shape[0], reduction, x, who)
        if w is None and not label_smoothing and none_ignored:
            # the common case: no target distribution, one op with a softmax - onehot backward
            scale = 1.0 / t.size if reduction == "mean" else 1.0
            out = apply(_loss.CROSS_ENTROPY_INDEX, rows, target=t, scale=scale,
                        reduce=reduction != "none", saved={})
            return out.reshape(rest) if reduction == "none" else out
        qa, scale = _index_q(t, c, x.dtype, w, ignore_index, float(label_smoothing), reduction)
        q = Tensor._wrap(qa)
    _empty(rows.shape[0], reduction, x, who)
    out = apply(_loss.CROSS_ENTROPY, rows, q, scale=scale, reduce=reduction != "none")
    return out.reshape(rest) if reduction == "none" else out


def nll_loss(input: Tensor, target: Any, weight: Any = None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities (N, C) at class indices (N,)."""
    who = "nll_loss"
    x = _float_input(input, who)
    _check_reduction(reduction, who)
    rows, rest = _class_rows(x)
    c = rows.shape[1]
    t, _ = _index_targets(target, x, rest, c, ignore_index, who)
    _empty(rows.shape[0], reduction, x, who)
    # the target's one-hot weights: outside the graph, so made afresh by a replayed step
    q = effect(_nll_weights, target._data if isinstance(target, Tensor) else t, c, x.dtype,
               _class_weight(weight, c, x.dtype, who), ignore_index, reduction)
    if reduction == "none":
        return (rows * Tensor._wrap(q)).sum(1).reshape(rest)
    return (rows * Tensor._wrap(q)).sum()


def _nll_weights(t: np.ndarray, c: int, dtype: np.dtype, w: np.ndarray | None,
                 ignore_index: int, reduction: str) -> np.ndarray:
    """``-q``, scaled so that 'mean' is a mean: what nll_loss multiplies log-probabilities by."""
    q, scale = _index_q(t.reshape(-1), c, dtype, w, ignore_index, 0.0, reduction)
    return -q if reduction == "none" else q * -scale


def _same_shape(x: Tensor, y: Tensor, who: str) -> None:
    if x.shape != y.shape:
        raise ValueError(f"{who}: target shape {y.shape} must be the same as input shape "
                         f"{x.shape} (broadcasting would silently change the loss)")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error ``mean((input - target)^2)``; shapes must match exactly."""
    who = "mse_loss"
    x = as_tensor(input)
    y = as_tensor(target)
    _check_reduction(reduction, who)
    _same_shape(x, y, who)
    if y.dtype != x.dtype:
        y = _ew.cast(y, x.dtype)
    _empty(x._data.size, reduction, x, who)
    d = x - y
    return _reduce(d * d, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Any, weight: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None) -> Tensor:
    """``-[y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))]`` computed from logits, stably
    (``max(x, 0) - x y + log(1 + exp(-|x|))``), so it is finite for logits of 1e4."""
    who = "binary_cross_entropy_with_logits"
    x = as_tensor(input)
    y = as_tensor(target)
    _check_reduction(reduction, who)
    if x.dtype.kind != "f":
        raise TypeError(f"{who}: expected floating point logits, got {x.dtype}")
    if y.dtype.kind != "f":
        raise TypeError(f"{who}: target must be a floating point tensor of 0/1 (or soft) "
                        f"labels, got {y.dtype}; use target.float()")
    _same_shape(x, y, who)
    if y.dtype != x.dtype:
        y = _ew.cast(y, x.dtype)
    _empty(x._data.size, reduction, x, who)
    if pos_weight is None:
        loss = apply(_loss.BCE_WITH_LOGITS, x, y)
    else:  # (1 - y) x + (1 + (pw - 1) y) softplus(-x), and softplus(-x) = bce(x, y=1)
        pw = as_tensor(pos_weight, x.dtype)
        ones = Tensor._wrap(np.ones(x.shape, x.dtype))
        loss = (1.0 - y) * x + ((pw - 1.0) * y + 1.0) * apply(_loss.BCE_WITH_LOGITS, x, ones)
    if weight is not None:
        loss = loss * as_tensor(weight, x.dtype)
    return _reduce(loss, reduction)


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """(..., num_classes) int64 one-hot rows for integer class indices."""
    t = tensor._data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if t.dtype.kind not in "iu":
        raise TypeError(f"one_hot is only applicable to index tensors, got dtype {t.dtype}")
    if t.size and t.min() < 0:
        raise ValueError("one_hot: class values must be non-negative")
    n = int(t.max()) + 1 if num_classes == -1 else int(num_classes)
    if t.size and t.max() >= n:
        raise ValueError(f"one_hot: class value {int(t.max())} is out of range for "
                         f"num_classes={n}")
    out = np.zeros(t.shape + (n,), dtype=np.int64)
    np.put_along_axis(out, t[..., None].astype(np.int64), 1, axis=-1)
    return Tensor._wrap(out)
