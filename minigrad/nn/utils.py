"""Gradient clipping, PyTorch's ``torch.nn.utils.clip_grad_norm_`` and ``clip_grad_value_``.

The gradients are scaled in place (their arrays), outside any graph.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from .. import capture_hooks as _hooks
from ..tensor import Tensor, bump

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]

TensorOrTensors = Tensor | Iterable[Tensor]


def _as_list(tensors: TensorOrTensors) -> list[Tensor]:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _vector_norm(a: np.ndarray, p: float) -> np.ndarray:
    """The p-norm of ``a`` flattened, in ``a``'s dtype (p may be inf, -inf or 0)."""
    a = a.ravel(order="K")  # memory order: no copy for a Linear's (Fortran-order) weight
    if p == 2.0:
        return np.sqrt(np.dot(a, a)) if a.size else np.zeros((), a.dtype)
    absa = np.abs(a)
    if p == math.inf:
        return absa.max() if a.size else np.zeros((), a.dtype)
    if p == -math.inf:
        return absa.min() if a.size else np.asarray(math.inf, a.dtype)
    if p == 0.0:
        return np.asarray(np.count_nonzero(a), a.dtype)
    if p == 1.0:
        return absa.sum(dtype=a.dtype)
    return np.power(np.power(absa, p).sum(dtype=a.dtype), 1.0 / p)


def get_total_norm(
    tensors: TensorOrTensors,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """The norm of all ``tensors`` as if concatenated into one vector (a 0-d Tensor)."""
    del foreach  # accepted for PyTorch scripts; there is one implementation
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return Tensor(0.0)
    dtype = tensors[0].dtype
    norms = np.array([_vector_norm(t._data, norm_type) for t in tensors], dtype=dtype)
    total = np.asarray(_vector_norm(norms, norm_type), dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            f"non-finite ({total.item()}), so it cannot be clipped. To disable this error and "
            "scale the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    return Tensor._wrap(total)


def clip_grads_with_norm_(
    parameters: TensorOrTensors,
    max_norm: float,
    total_norm: Tensor,
    foreach: bool | None = None,
) -> None:
    """Scale gradients by ``min(max_norm / (total_norm + 1e-6), 1)`` in place."""
    del foreach
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    total = total_norm._data if isinstance(total_norm, Tensor) else np.asarray(total_norm)
    coef = np.minimum(float(max_norm) / (total + 1e-6), 1.0)
    for g in grads:
        np.multiply(g._data, coef.astype(g.dtype), out=g._data)
        bump(g)


def clip_grad_norm_(
    parameters: TensorOrTensors,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Rescale gradients so their total norm is at most ``max_norm``; returns the norm before."""
    parameters = _as_list(parameters)
    if _hooks.state.tracer is not None:  # on the gradients' arrays: replayed as a call
        return _hooks.effect(clip_grad_norm_, parameters, max_norm, norm_type,
                             error_if_nonfinite)
    grads = [p.grad for p in parameters if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total)
    return total


def clip_grad_value_(
    parameters: TensorOrTensors, clip_value: float, foreach: bool | None = None
) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]`` in place."""
    if _hooks.state.tracer is not None:  # a generator of parameters is read once, here
        return _hooks.effect(clip_grad_value_, _as_list(parameters), clip_value)
    del foreach
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is not None:
            np.clip(p.grad._data, -clip_value, clip_value, out=p.grad._data)
            bump(p.grad)
