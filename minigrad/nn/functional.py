"""``minigrad.nn.functional`` (``F``): layers and losses as functions, with PyTorch's signatures.

The expensive pieces are single fused ops (see :mod:`minigrad.ops.nn_ops`): ``linear``,
``softmax``/``log_softmax``, training-mode ``batch_norm`` and ``cross_entropy`` from logits, so a
forward/backward pass records few nodes. Inputs are validated here, with messages naming shapes.
Losses are in :mod:`minigrad.nn._loss_functional` and re-exported.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import inplace as _inplace
from ..autograd import apply
from ..capture_hooks import effect
from ..dtypes import torch_name
from ..ops import elementwise as _ew
from ..ops import nn_ops as _nn
from ..random import Generator
from ..tensor import Tensor, as_tensor
from . import _outside as _out
from ._conv_functional import conv1d, conv2d, conv_transpose2d, fold, unfold
from ._loss_functional import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    mse_loss,
    nll_loss,
    one_hot,
)
from ._pad import pad
from ._pool_functional import adaptive_avg_pool2d, avg_pool2d, dropout2d, max_pool2d

__all__ = ["linear", "relu", "sigmoid", "tanh", "leaky_relu", "gelu", "softmax", "log_softmax",
           "dropout", "batch_norm", "cross_entropy", "nll_loss", "mse_loss",
           "binary_cross_entropy_with_logits", "one_hot",
           "conv1d", "conv2d", "conv_transpose2d", "unfold", "fold", "max_pool2d", "avg_pool2d",
           "adaptive_avg_pool2d", "dropout2d", "pad"]  # fmt: skip


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` as one op; ``weight`` is (out_features, in_features)."""
    x = as_tensor(input)
    check_linear(x, weight, bias, "linear")
    return apply(_nn.LINEAR, x, weight) if bias is None else apply(_nn.LINEAR, x, weight, bias)


def check_linear(x: Tensor, weight: Tensor, bias: Tensor | None, who: str) -> None:
    """Raise a clear error unless ``x`` (..., in) fits ``weight`` (out, in) and ``bias`` (out,)."""
    if weight.ndim != 2:
        raise RuntimeError(f"{who}: weight must be 2-D (out_features, in_features), got shape "
                           f"{weight.shape}")
    n_in = weight.shape[1]
    if x.ndim == 0 or x.shape[-1] != n_in:
        raise RuntimeError(f"{who}: input of shape {x.shape} does not fit weight of shape "
                           f"{weight.shape}: the input's last dimension must be {n_in} "
                           f"(in_features), got {x.shape[-1] if x.ndim else 'a 0-d tensor'}")
    if x.dtype != weight.dtype:
        raise TypeError(f"{who}: input dtype {x.dtype} does not match weight dtype "
                        f"{weight.dtype}; convert the input (x.float() / x.double()) or the "
                        "model (model.to(dtype))")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise RuntimeError(f"{who}: bias must have shape ({weight.shape[0]},), got {bias.shape}")


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(x, 0)``; ``inplace=True`` writes into ``input`` (recorded in the graph, as torch)."""
    return input.relu_() if inplace else _ew.relu(input)


def sigmoid(input: Tensor) -> Tensor:
    return _ew.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    return _ew.tanh(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` where positive, ``negative_slope * x`` elsewhere (gradient slope at 0, as PyTorch)."""
    x = _float_only(as_tensor(input), "leaky_relu")
    if inplace:
        return _inplace.inplace(_nn.LEAKY_RELU, x, negative_slope=float(negative_slope))
    return apply(_nn.LEAKY_RELU, x, negative_slope=float(negative_slope))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """``x * Phi(x)`` (exact, with erf), or PyTorch's tanh approximation."""
    x = _float_only(as_tensor(input), "gelu")
    if approximate == "none":
        return apply(_nn.GELU, x)
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * math.sqrt(2.0 / math.pi)
        return x * 0.5 * (_ew.tanh(inner) + 1.0)
    raise ValueError(f"approximate argument must be either none or tanh, got {approximate!r}")


def _softmax_dim(x: Tensor, dim: int | None, name: str) -> int:
    if dim is None:  # PyTorch's legacy implicit choice, with its warning
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the "
                      "call to include dim=X as an argument.", stacklevel=3)
        dim = 0 if x.ndim in (0, 1, 3) else 1
    n = max(x.ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{name}: dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {dim})")
    return dim % n


def _float_only(x: Tensor, name: str) -> Tensor:
    """PyTorch has no integer kernel for these activations, and says so this way."""
    if x.dtype.kind != "f":
        raise NotImplementedError(f"\"{name}\" not implemented for '{torch_name(x.dtype)}': "
                                  "convert the input (x.float())")
    return x


def _softmax_like(op: Any, input: Tensor, dim: int | None, dtype: Any, name: str) -> Tensor:
    x = as_tensor(input)
    if dtype is not None:
        x = _ew.cast(x, dtype)
    _float_only(x, name)
    d = _softmax_dim(x, dim, name)
    if x.ndim == 0:
        return apply(op, x.reshape(1), axis=0).reshape(())
    return apply(op, x, axis=d)


def softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``, stable (the max is subtracted first)."""
    return _softmax_like(_nn.SOFTMAX, input, dim, dtype, "softmax")


def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim`` as one op: finite for logits of 1e4."""
    return _softmax_like(_nn.LOG_SOFTMAX, input, dim, dtype, "log_softmax")


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
            generator: Generator | None = None) -> Tensor:
    """Inverted dropout: zero each element with probability ``p``, scale the rest by 1/(1-p).

    The mask comes from ``minigrad.random`` (or ``generator``: re-seed it to repeat a mask).
    In eval (``training=False``) or with ``p=0`` the input is returned unchanged.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    x = as_tensor(input)
    if not training or p == 0.0:
        return x
    if x.dtype.kind != "f":
        raise TypeError(f"dropout: expected a floating point input, got {x.dtype}")
    if p == 1.0:
        zeros = Tensor._wrap(np.zeros(x.shape, x.dtype))
        return x.mul_(zeros) if inplace else _ew.mul(x, zeros)
    mask = effect(_out.dropout_mask, generator, x.shape, p, x.dtype)  # fresh when replayed
    return x.mul_(Tensor._wrap(mask)) if inplace else _ew.mul(x, Tensor._wrap(mask))


def _bn_check(x: Tensor, t: Tensor | None, name: str) -> None:
    if t is not None and t.shape != (x.shape[1],):
        raise RuntimeError(f"batch_norm: {name} must have shape ({x.shape[1]},) for input of "
                           f"shape {x.shape}, got {t.shape}")


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise over every axis but 1 (channels), as ``torch.nn.functional.batch_norm``.

    Training: batch mean and biased variance normalise; the running statistics, when given, are
    updated in place outside the graph with ``new = (1 - momentum) * old + momentum * batch``
    (unbiased batch variance). Eval: the running statistics normalise.
    """
    return _batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps,
                       relu=False)


def _batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
                weight: Tensor | None, bias: Tensor | None, training: bool, momentum: float,
                eps: float, relu: bool, count: Tensor | None = None) -> Tensor:
    """``batch_norm``, followed by ``relu`` inside the same node when ``relu`` (Sequential's
    BatchNorm -> ReLU)."""
    x = as_tensor(input)
    if x.shape == (0,) and all(t is None or t.shape == (0,) for t in (running_mean, running_var,
                                                                      weight, bias)):
        return _ew.mul(x, 1)  # PyTorch accepts an empty 1-D input (and empty statistics)
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected an input with at least 2 dims (N, C, ...), got "
                         f"shape {x.shape}")
    c = (x.shape[1],)
    for t, name in ((running_mean, "running_mean"), (running_var, "running_var"),
                    (weight, "weight"), (bias, "bias")):
        if t is not None and t.shape != c:
            _bn_check(x, t, name)
    wb: list[Tensor] = []
    if weight is not None or bias is not None:
        c = x.shape[1]
        wb = [weight if weight is not None else Tensor._wrap(np.ones(c, x.dtype)),
              bias if bias is not None else Tensor._wrap(np.zeros(c, x.dtype))]
    if not training:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm: running_mean and running_var are needed when "
                               "training=False")
        shape = (x.shape[1],) + (1,) * (x.ndim - 2)
        mean, invstd = effect(_out.eval_stats, running_mean, running_var, x.dtype, shape, eps)
        return apply(_nn.BATCH_NORM_EVAL, x, *wb, mean=mean, invstd=invstd, relu=relu)
    n = x._data.size // max(x.shape[1], 1)
    if n <= 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                         f"{x.shape}")
    stats: dict = {}
    out = apply(_nn.BATCH_NORM, x, *wb, eps=float(eps), stats=stats, relu=relu)
    if running_mean is not None or running_var is not None:  # outside the graph, in place
        effect(_out.update_running, running_mean, running_var, stats, momentum, n, count)
    return out

from . import _act_functional, _functional_more, _loss_more  # noqa: E402  (more of F)
from ._act_functional import *  # noqa: E402,F403
from ._functional_more import *  # noqa: E402,F403
from ._loss_more import *  # noqa: E402,F403

__all__ += _act_functional.__all__ + _functional_more.__all__ + _loss_more.__all__
