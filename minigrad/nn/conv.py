"""Convolution layers: ``Conv1d``, ``Conv2d``, ``ConvTranspose2d``, as PyTorch (NCHW).

Arguments, attributes, defaults, checks and initialisation follow ``torch.nn``:
``kaiming_uniform_(weight, a=sqrt(5))`` and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
``fan_in = in_channels / groups * prod(kernel_size)`` (for the transposed layer,
``out_channels / groups * prod(kernel_size)``: its weight is (in, out / groups, kh, kw)).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..devices import check_cpu
from ..dtypes import get_default_dtype
from ..ops import shape as _sh
from ..tensor import Tensor, as_tensor
from . import _conv_functional as CF
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["Conv1d", "Conv2d", "ConvTranspose2d"]

_MODES = ("zeros", "reflect", "replicate", "circular")


def _index(n: int, front: int, back: int, mode: str) -> np.ndarray:
    """Source index of every position of an axis padded by (front, back) in ``mode``."""
    i = np.arange(-front, n + back)
    if mode == "reflect":
        period = 2 * (n - 1) if n > 1 else 1
        i = np.abs(i) % period
        return np.where(i >= n, period - i, i)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    return i % n  # circular


def mode_pad(x: Tensor, pad: tuple[int, ...], mode: str) -> Tensor:
    """``x`` (N, C, *spatial) padded by (front, back) per spatial axis in ``mode`` ('reflect',
    'replicate' or 'circular'): a gather, so its gradient sums back to the sources."""
    spatial = x.ndim - 2
    for axis in reversed(range(spatial)):  # PyTorch checks the last axis first
        front, back = pad[2 * axis], pad[2 * axis + 1]
        n = x.shape[2 + axis]
        if (mode == "reflect" and max(front, back) >= n) or \
                (mode == "circular" and max(front, back) > n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the "
                               f"corresponding input dimension, but got: padding ({front}, "
                               f"{back}) at dimension {2 + axis} of input {list(x.shape)}")
    index: list[Any] = [slice(None), slice(None)]
    for axis in range(spatial):
        idx = _index(x.shape[2 + axis], pad[2 * axis], pad[2 * axis + 1], mode)
        index.append(idx.reshape((-1,) + (1,) * (spatial - 1 - axis)))
    return _sh.getitem(x, tuple(index))


class _ConvNd(Module):
    """Parameters, checks, init and repr shared by the convolution layers."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any,
                 padding: Any, dilation: Any, transposed: bool, output_padding: Any,
                 groups: int, bias: bool, padding_mode: str, device: Any, dtype: Any,
                 n: int) -> None:
        super().__init__()
        check_cpu(device)
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 "{'same', 'valid'}")
            if padding == "same" and any(s != 1 for s in _tup(stride, n)):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in _MODES:
            raise ValueError(f"padding_mode must be one of {set(_MODES)}, but got "
                             f"padding_mode={padding_mode!r}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = _tup(kernel_size, n)
        self.stride = _tup(stride, n)
        self.padding = padding if isinstance(padding, str) else _tup(padding, n)
        self.dilation = _tup(dilation, n)
        self.transposed = transposed
        self.output_padding = _tup(output_padding, n)
        self.groups = int(groups)
        self.padding_mode = padding_mode
        if isinstance(self.padding, str):
            self._mode_padding = (CF.same_padding(self.kernel_size, self.dilation)
                                  if self.padding == "same" else (0,) * (2 * n))
        else:
            self._mode_padding = tuple(p for p in self.padding for _ in range(2))
        dt = get_default_dtype() if dtype is None else np.dtype(dtype)
        shape = ((in_channels, out_channels // groups) if transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = Parameter(np.empty(shape, dt))
        if bias:
            self.bias = Parameter(np.empty(out_channels, dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            if fan_in != 0:
                bound = 1.0 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def _padded(self, x: Tensor) -> tuple[Tensor, Any]:
        """(input, padding for the convolution): non-zero modes pad first, then convolve
        without padding, as PyTorch."""
        if self.padding_mode == "zeros":
            return x, self.padding
        batched = x.ndim == len(self.kernel_size) + 2
        xb = x if batched else _sh.reshape(x, (1,) + x.shape)
        out = mode_pad(xb, self._mode_padding, self.padding_mode)
        return (out if batched else _sh.reshape(out, out.shape[1:])), 0

    def extra_repr(self) -> str:
        n = len(self.kernel_size)
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


def _tup(v: Any, n: int) -> tuple[int, ...]:
    return (int(v),) * n if isinstance(v, int | np.integer) else tuple(int(a) for a in v)


class Conv2d(_ConvNd):
    """2-D convolution over (N, C_in, H, W) input -> (N, C_out, H_out, W_out)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         False, 0, groups, bias, padding_mode, device, dtype, 2)

    def forward(self, input: Tensor) -> Tensor:
        x, padding = self._padded(as_tensor(input))
        return CF.conv2d(x, self.weight, self.bias, self.stride, padding, self.dilation,
                         self.groups)


class Conv1d(_ConvNd):
    """1-D convolution over (N, C_in, L) input -> (N, C_out, L_out)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         False, 0, groups, bias, padding_mode, device, dtype, 1)

    def forward(self, input: Tensor) -> Tensor:
        x, padding = self._padded(as_tensor(input))
        p = padding if isinstance(padding, str) else _tup(padding, 1)[0]
        return CF.conv1d(x, self.weight, self.bias, self.stride[0], p, self.dilation[0],
                         self.groups)


class ConvTranspose2d(_ConvNd):
    """Transposed 2-D convolution (the gradient of ``Conv2d`` with respect to its input);
    ``forward(input, output_size)`` picks the output_padding that gives ``output_size``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        if padding_mode != "zeros":
            raise ValueError('Only "zeros" padding mode is supported for ConvTranspose2d')
        if isinstance(padding, str):
            raise ValueError(f"Invalid padding string {padding!r} for ConvTranspose2d")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         True, output_padding, groups, bias, padding_mode, device, dtype, 2)

    def _output_padding(self, x: Tensor, output_size: Any) -> tuple[int, ...]:
        if output_size is None:
            return self.output_padding
        size = list(output_size)[-2:]
        if len(size) != 2:
            raise ValueError(f"ConvTranspose2d: output_size must have 2 or 4 elements (got "
                             f"{len(list(output_size))})")
        out = []
        for i, (n, want) in enumerate(zip(x.shape[-2:], size)):
            lo = (n - 1) * self.stride[i] - 2 * self.padding[i] + \
                self.dilation[i] * (self.kernel_size[i] - 1) + 1
            hi = lo + self.stride[i] - 1
            if not lo <= want <= hi:
                raise ValueError(f"requested an output size of {size}, but valid sizes range "
                                 f"from {lo} to {hi} (for an input of {list(x.shape[-2:])})")
            out.append(int(want) - lo)
        return tuple(out)

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:
        x = as_tensor(input)
        op = self._output_padding(x, output_size)
        return CF.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, op,
                                   self.groups, self.dilation)
