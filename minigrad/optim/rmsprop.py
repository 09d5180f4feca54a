"""RMSprop (PyTorch's): smoothing ``alpha``, optional momentum, centered variant.

The book's ``RMSprop(lr=0.01, decay_rate=0.99)`` is ``h = rho*h + (1-rho)*g*g;
W -= lr*g/(sqrt(h)+1e-7)``: PyTorch's formula with ``alpha=rho`` and the same eps placement (outside
the square root); only eps differs (book 1e-7, PyTorch 1e-8). Pass ``eps=1e-7`` for the book's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, check_hparam, params_with_grad

__all__ = ["RMSprop", "rmsprop_update"]


def rmsprop_update(
    param: np.ndarray,
    grad: np.ndarray,
    square_avg: np.ndarray,
    grad_avg: np.ndarray | None = None,
    buf: np.ndarray | None = None,
    *,
    lr: float,
    alpha: float = 0.99,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
    maximize: bool = False,
) -> None:
    """One RMSprop step in place; centered when ``grad_avg`` is given, with momentum ``buf``."""
    d = np.negative(grad) if maximize else grad
    if weight_decay:
        wd = np.multiply(param, weight_decay)
        d = np.add(d, wd, out=wd)
    square_avg *= alpha
    t = np.multiply(d, d)
    t *= 1.0 - alpha
    square_avg += t
    if grad_avg is not None:
        np.subtract(d, grad_avg, out=t)
        t *= 1.0 - alpha
        grad_avg += t
        np.multiply(grad_avg, grad_avg, out=t)
        np.subtract(square_avg, t, out=t)
        np.sqrt(t, out=t)
    else:
        np.sqrt(square_avg, out=t)
    t += eps
    np.divide(d, t, out=t)
    if momentum > 0:
        buf *= momentum
        buf += t
        np.multiply(buf, lr, out=t)
    else:
        t *= lr
    param -= t


class RMSprop(Optimizer):
    """RMSprop, PyTorch's ``torch.optim.RMSprop``."""

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        check_hparam(group, "eps", label="epsilon value")
        check_hparam(group, "momentum")
        check_hparam(group, "weight_decay")
        check_hparam(group, "alpha")

    def _update_group(self, group: dict[str, Any]) -> None:
        momentum, centered = float(group["momentum"]), bool(group["centered"])
        kw = dict(lr=float(group["lr"]), alpha=float(group["alpha"]), eps=float(group["eps"]),
                  weight_decay=float(group["weight_decay"]), momentum=momentum,
                  maximize=bool(group["maximize"]))
        for p, g in params_with_grad(group):
            state = self.state[p]
            if not state:
                state["step"] = 0
                state["square_avg"] = Tensor._wrap(np.zeros_like(p._data))
            if momentum > 0 and "momentum_buffer" not in state:
                state["momentum_buffer"] = Tensor._wrap(np.zeros_like(p._data))
            if centered and "grad_avg" not in state:
                state["grad_avg"] = Tensor._wrap(np.zeros_like(p._data))
            state["step"] += 1
            grad_avg = state["grad_avg"]._data if centered else None
            buf = state["momentum_buffer"]._data if momentum > 0 else None
            rmsprop_update(p._data, g, state["square_avg"]._data, grad_avg, buf, **kw)
