"""More activations of ``minigrad.nn.functional``, with PyTorch's signatures: silu, elu, selu,
celu, softplus, hardtanh, relu6, hardsigmoid, hardswish, mish, logsigmoid, softsign, tanhshrink,
softshrink, hardshrink, threshold, glu, prelu and softmin.

The elementwise ones are single ops (:mod:`minigrad.ops.act_ops`); ``inplace=True`` writes into
the input and is recorded in the graph, as PyTorch's in-place variants.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import inplace as _inplace
from ..autograd import apply
from ..dtypes import torch_name
from ..ops import act_ops as _act
from ..ops import elementwise as _ew
from ..tensor import Tensor, as_tensor

__all__ = ["silu", "elu", "selu", "celu", "softplus", "hardtanh", "relu6", "hardsigmoid",
           "hardswish", "mish", "logsigmoid", "softsign", "tanhshrink", "softshrink",
           "hardshrink", "threshold", "glu", "prelu", "softmin", "elu_", "celu_", "selu_",
           "hardtanh_", "threshold_"]  # fmt: skip

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _float(input: Any, kernel: str) -> Tensor:
    """PyTorch has no integer kernel for these; its error names the kernel."""
    x = as_tensor(input)
    if x.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{torch_name(x.dtype)}'")
    return x


def _run(op: Any, x: Tensor, inplace: bool, **params: Any) -> Tensor:
    return _inplace.inplace(op, x, **params) if inplace else apply(op, x, **params)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (the swish)."""
    return _run(_act.SILU, _float(input, "silu_cpu"), inplace)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` for x > 0, ``alpha * (exp(x) - 1)`` otherwise."""
    return _run(_act.ELU, _float(input, "elu_cpu"), inplace, alpha=float(alpha), scale=1.0,
                input_scale=1.0)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalising constants of Klambauer et al."""
    return _run(_act.ELU, _float(input, "elu_cpu"), inplace, alpha=_SELU_ALPHA,
                scale=_SELU_SCALE, input_scale=1.0)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _run(_act.ELU, _float(input, "elu_cpu"), inplace, alpha=float(alpha), scale=1.0,
                input_scale=1.0 / float(alpha))


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, inplace=True)


def selu_(input: Tensor) -> Tensor:
    return selu(input, inplace=True)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return celu(input, alpha, inplace=True)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta x)) / beta``, and ``x`` itself where ``beta x > threshold``."""
    return apply(_act.SOFTPLUS, _float(input, "softplus_cpu"), beta=float(beta),
                 threshold=float(threshold))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """``clamp(x, min_val, max_val)``; the gradient is 0 at the bounds, as PyTorch's."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    x = as_tensor(input)
    if x.dtype.kind == "b":
        raise NotImplementedError("\"hardtanh_cpu\" not implemented for 'Bool'")
    return _run(_act.HARDTANH, x, inplace, min_val=min_val, max_val=max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(0, x), 6)`` (``hardtanh(x, 0, 6)``)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``clamp(x / 6 + 1/2, 0, 1)``."""
    return _run(_act.HARDSIGMOID, _float(input, "hardsigmoid_cpu"), inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * hardsigmoid(x)`` (MobileNetV3)."""
    return _run(_act.HARDSWISH, _float(input, "hardswish_cpu"), inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``."""
    return _run(_act.MISH, _float(input, "mish_cpu"), inplace)


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x))``, computed stably (finite for x = -1e4)."""
    return apply(_act.LOG_SIGMOID, _float(input, "log_sigmoid_cpu"))


def _promoted(input: Any) -> Tensor:
    """Integer input computes in the default float dtype, as PyTorch's composite functions."""
    x = as_tensor(input)
    if x.dtype.kind != "f":
        from ..dtypes import get_default_dtype

        x = _ew.cast(x, get_default_dtype())
    return x


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``."""
    x = _promoted(input)
    return x / (_ew.abs(x) + 1.0)


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``."""
    x = _promoted(input)
    return x - _ew.tanh(x)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, 0 between."""
    x = _float(input, "softshrink_check")
    if lambd < 0:
        raise RuntimeError(f"lambda must be in range [0, {np.finfo(x.dtype).max:g}] for input "
                           f"dtype {_cap(x)}, but found {lambd:g}")
    return apply(_act.SOFTSHRINK, x, lambd=float(lambd))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, 0 elsewhere."""
    return apply(_act.HARDSHRINK, _float(input, "hardshrink_cpu"), lambd=float(lambd))


def _threshold(input: Tensor, th: float, value: float, inplace: bool) -> Tensor:
    return _run(_act.THRESHOLD, as_tensor(input), inplace, threshold=th, value=value)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, ``value`` elsewhere."""
    return _threshold(input, threshold, value, inplace)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return _threshold(input, threshold, value, True)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """``a * sigmoid(b)`` where ``a`` and ``b`` are the two halves of ``input`` along ``dim``."""
    x = as_tensor(input)
    if x.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    n = x.ndim
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    d = dim % n
    size = x.shape[d]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {size}")
    _float(x, "glu_cpu")
    lead = (slice(None),) * d
    a, b = x[lead + (slice(0, size // 2),)], x[lead + (slice(size // 2, size),)]
    return a * _ew.sigmoid(b)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``x`` where positive, ``weight * x`` elsewhere; ``weight`` has 1 or C (dim 1) entries."""
    x = as_tensor(input)
    w = as_tensor(weight)
    if x.dtype != w.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {_cap(x)} and {_cap(w)}")
    if w.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {w.ndim}")
    n = w._data.size
    if n != 1:
        if x.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        c = x.shape[1] if x.ndim >= 2 else 1
        if n != c:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                               f"parameter numbers = {n} and channel size = {c}.")
        w = w.reshape((n,) + (1,) * (x.ndim - 2))
    elif w.ndim == 1 and x.ndim == 0:
        w = w.reshape(())
    return apply(_act.PRELU, x, w)


def _cap(t: Tensor) -> str:
    return torch_name(t.dtype).capitalize()


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    """``softmax(-x)`` along ``dim``."""
    from .functional import _softmax_dim, softmax

    x = as_tensor(input)
    if dtype is not None:
        x = _ew.cast(x, dtype)
    d = _softmax_dim(x, dim, "softmin")
    if x.dtype.kind != "f":
        last = "lastdim_" if d == max(x.ndim, 1) - 1 else ""
        _float(x, f"softmax_{last}kernel_impl")
    return softmax(-x, d if x.ndim else 0)
