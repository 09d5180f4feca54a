"""Basic layers: ``Linear``, ``Dropout``, ``Identity``, ``Flatten``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd import apply
from ..devices import check_cpu
from ..dtypes import get_default_dtype
from ..ops import nn_ops as _nn
from ..random import Generator
from ..tensor import Tensor, as_tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["Linear", "Dropout", "Identity", "Flatten"]


def _empty_param(shape: tuple[int, ...], dtype: Any) -> Parameter:
    if any(int(s) < 0 for s in shape):
        raise ValueError(f"sizes must be non-negative, got {shape}")
    dt = get_default_dtype() if dtype is None else np.dtype(dtype)
    return Parameter(np.empty(shape, dtype=dt))


class Linear(Module):
    """``y = x @ weight.T + bias`` with ``weight`` of shape (out_features, in_features).

    Initialised as PyTorch: ``kaiming_uniform_(weight, a=sqrt(5))`` (that is U(-1/sqrt(in),
    1/sqrt(in))) and bias U(-1/sqrt(in), 1/sqrt(in)), drawn from ``minigrad.random``.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        check_cpu(device)
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        # stored transposed in memory (Fortran order): x @ weight.T is then a plain GEMM, the
        # fastest product for BLAS; shape, values and every API are PyTorch's (out, in)
        self.weight = _empty_param((self.in_features, self.out_features), dtype)
        self.weight._data = self.weight._data.T
        if bias:
            self.bias = _empty_param((self.out_features,), dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1.0 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        w, b = self.weight, self.bias
        if type(input) is not Tensor:
            input = as_tensor(input)
        d = input._data
        if d.ndim == 0 or d.shape[-1] != self.in_features or d.dtype != w._data.dtype:
            F.check_linear(input, w, b, repr(self))
        if b is None:
            return apply(_nn.LINEAR, input, w)
        return apply(_nn.LINEAR, input, w, b)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Dropout(Module):
    """Inverted dropout (as PyTorch): in training zero each element with probability ``p`` and
    scale the survivors by 1/(1-p); in eval it is the identity.

    The book's ``Dropout`` is not inverted: it keeps survivors unscaled in training and multiplies
    by (1 - p) at test time. Both give the same expected activation; only the scale at which the
    next layer's weights learn differs. ``generator`` (optional) fixes the source of the masks.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False,
                 generator: Generator | None = None) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace
        self.generator = generator

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Identity(Module):
    """Returns its input; arguments are accepted and ignored, as PyTorch."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Flatten(Module):
    """Flatten dims ``start_dim..end_dim`` into one (default: all but the batch dim)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
