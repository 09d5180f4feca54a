"""More activation layers, as ``torch.nn``'s: SiLU, Mish, ELU, SELU, CELU, Softplus, Hardtanh,
ReLU6, Hardsigmoid, Hardswish, LogSigmoid, Softsign, Tanhshrink, Softshrink, Hardshrink,
Threshold, GLU, PReLU and Softmin (modules around :mod:`minigrad.nn.functional`, with torch's
reprs)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..devices import check_cpu
from ..dtypes import get_default_dtype
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["SiLU", "Mish", "ELU", "SELU", "CELU", "Softplus", "Hardtanh", "ReLU6", "Hardsigmoid",
           "Hardswish", "LogSigmoid", "Softsign", "Tanhshrink", "Softshrink", "Hardshrink",
           "Threshold", "GLU", "PReLU", "Softmin"]  # fmt: skip


def _inplace_repr(inplace: bool) -> str:
    return "inplace=True" if inplace else ""


def _joined(*parts: str) -> str:
    return ", ".join(p for p in parts if p)


class _Inplace(Module):
    """An activation with only an ``inplace`` flag; ``_fn`` is its functional form."""

    _fn: Any = None

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class _Plain(Module):
    """An activation without arguments."""

    _fn: Any = None

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input)


class SiLU(_Inplace):
    """``x * sigmoid(x)``."""

    _fn = F.silu


class Mish(_Inplace):
    """``x * tanh(softplus(x))``."""

    _fn = F.mish


class SELU(_Inplace):
    """Scaled ELU with the self-normalising constants."""

    _fn = F.selu


class Hardsigmoid(_Inplace):
    """``clamp(x / 6 + 1/2, 0, 1)``."""

    _fn = F.hardsigmoid


class Hardswish(_Inplace):
    """``x * hardsigmoid(x)``."""

    _fn = F.hardswish


class LogSigmoid(_Plain):
    """``log(sigmoid(x))``, stable."""

    _fn = F.logsigmoid


class Softsign(_Plain):
    """``x / (1 + |x|)``."""

    _fn = F.softsign


class Tanhshrink(_Plain):
    """``x - tanh(x)``."""

    _fn = F.tanhshrink


class ELU(Module):
    """``x`` for x > 0, ``alpha * (exp(x) - 1)`` otherwise."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return _joined(f"alpha={self.alpha}", _inplace_repr(self.inplace))


class CELU(ELU):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""

    def forward(self, input: Tensor) -> Tensor:
        return F.celu(input, self.alpha, self.inplace)


class Softplus(Module):
    """``log(1 + exp(beta x)) / beta``, linear above ``threshold``."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """``clamp(x, min_val, max_val)`` with a zero gradient at the bounds."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0,
                 inplace: bool = False) -> None:
        super().__init__()
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace
        if max_val <= min_val:
            raise AssertionError("max_val must be larger than min_val")

    def forward(self, input: Tensor) -> Tensor:
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return _joined(f"min_val={self.min_val}, max_val={self.max_val}",
                       _inplace_repr(self.inplace))


class ReLU6(Hardtanh):
    """``min(max(0, x), 6)``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class Softshrink(Module):
    """Shrink toward 0 by ``lambd``; 0 inside [-lambd, lambd]."""

    _fn: Any = F.softshrink

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Hardshrink(Softshrink):
    """``x`` where ``|x| > lambd``, 0 elsewhere."""

    _fn = F.hardshrink


class Threshold(Module):
    """``x`` where ``x > threshold``, ``value`` elsewhere."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return _joined(f"threshold={self.threshold}, value={self.value}",
                       _inplace_repr(self.inplace))


class GLU(Module):
    """Gated linear unit: first half times the sigmoid of the second half along ``dim``."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmin(Module):
    """``softmax(-x)`` along ``dim``."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmin(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class PReLU(Module):
    """``x`` where positive, ``weight * x`` elsewhere, with a learned slope (one, or one per
    channel of dim 1), initialised to ``init`` (0.25), as torch's."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        check_cpu(device)
        self.num_parameters = int(num_parameters)
        self.init = init
        dt = get_default_dtype() if dtype is None else np.dtype(dtype)
        self.weight = Parameter(np.empty(self.num_parameters, dt))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"
