"""Weight initialisation as ``torch.nn.init``, plus the book's ``weight_init_std`` convention.

Every function fills a Tensor in place under ``no_grad`` and returns it; random draws come from
``minigrad.random`` (the default generator, so ``minigrad.manual_seed`` makes them repeatable).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from ..autograd import no_grad
from ..random import Generator
from ..tensor import Tensor

__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_",
           "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
           "book_std", "book_normal_"]  # fmt: skip

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "sigmoid")  # fmt: skip


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (PyTorch's table: relu sqrt(2), tanh 5/3, ...)."""
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, int | float) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _fans(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight (out, in, *kernel), as PyTorch computes them."""
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 "
                         f"dimensions (got shape {tensor.shape})")
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _fans(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0,
             generator: Generator | None = None) -> Tensor:
    """Fill with draws from U(a, b)."""
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0,
            generator: Generator | None = None) -> Tensor:
    """Fill with draws from N(mean, std^2)."""
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor: Tensor, val: float) -> Tensor:
    with no_grad():
        return tensor.fill_(val)


def zeros_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0,
                    generator: Generator | None = None) -> Tensor:
    """Glorot: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0,
                   generator: Generator | None = None) -> Tensor:
    """Glorot: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _zero_element(tensor: Tensor) -> bool:
    """PyTorch warns and leaves a tensor with a zero dimension as it is (``Linear(0, n)``)."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return True
    return False


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu",
                     generator: Generator | None = None) -> Tensor:
    """He: U(-bound, bound) with bound = gain * sqrt(3 / fan) (gain from ``nonlinearity``, a)."""
    if _zero_element(tensor):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu",
                    generator: Generator | None = None) -> Tensor:
    """He: N(0, std^2) with std = gain / sqrt(fan)."""
    if _zero_element(tensor):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def book_std(spec: Any, fan_in: int) -> float:
    """The book's ``weight_init_std``: 'relu'/'he' -> sqrt(2/n), 'sigmoid'/'xavier' -> sqrt(1/n),
    a number -> that std (n is the layer's input size)."""
    if isinstance(spec, bool):
        raise TypeError("weight init spec must be 'relu', 'he', 'sigmoid', 'xavier' or a number")
    if isinstance(spec, int | float):
        if not spec >= 0 or math.isinf(spec):
            raise ValueError(f"weight init std must be a finite number >= 0, got {spec}")
        return float(spec)
    name = str(spec).lower()
    if fan_in <= 0:
        raise ValueError(f"fan_in must be positive for init {spec!r}, got {fan_in}")
    if name in ("relu", "he"):
        return math.sqrt(2.0 / fan_in)
    if name in ("sigmoid", "xavier"):
        return math.sqrt(1.0 / fan_in)
    raise ValueError(f"unknown weight init {spec!r}: use 'relu'/'he', 'sigmoid'/'xavier' or a "
                     "float std")


def book_normal_(tensor: Tensor, spec: Any, generator: Generator | None = None) -> Tensor:
    """``W = std * randn`` with the book's std for ``spec``; fan_in is ``shape[1]`` of an
    (out, in) weight (the book stores W as (in, out): the distribution is the same)."""
    fan_in, _ = _fans(tensor)
    return normal_(tensor, 0.0, book_std(spec, fan_in), generator)
