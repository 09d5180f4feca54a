"""Adagrad (PyTorch's), and the book's ``AdaGrad`` with its defaults.

The book's ``h += g*g; W -= lr*g/(sqrt(h)+1e-7)`` is PyTorch's formula with ``eps=1e-7`` (eps
outside the square root in both); PyTorch's default eps is 1e-10. ``AdaGrad`` uses the book's
1e-7, so it reproduces the book exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, check_hparam, params_with_grad

__all__ = ["Adagrad", "AdaGrad", "adagrad_update"]


def adagrad_update(
    param: np.ndarray,
    grad: np.ndarray,
    state_sum: np.ndarray,
    step: int,
    *,
    lr: float,
    lr_decay: float = 0.0,
    weight_decay: float = 0.0,
    eps: float = 1e-10,
    maximize: bool = False,
) -> None:
    """One Adagrad step (``step`` counts from 1) on ``param`` and ``state_sum`` in place."""
    d = np.negative(grad) if maximize else grad
    if weight_decay:
        wd = np.multiply(param, weight_decay)
        d = np.add(d, wd, out=wd)
    clr = lr / (1 + (step - 1) * lr_decay)
    t = np.multiply(d, d)
    state_sum += t
    np.sqrt(state_sum, out=t)
    t += eps
    np.divide(d, t, out=t)
    t *= clr
    param -= t


class Adagrad(Optimizer):
    """Adagrad, PyTorch's ``torch.optim.Adagrad`` (state created at a parameter's first step)."""

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        check_hparam(group, "lr_decay")
        check_hparam(group, "weight_decay")
        check_hparam(group, "initial_accumulator_value")
        check_hparam(group, "eps", label="epsilon value")

    def _update_group(self, group: dict[str, Any]) -> None:
        kw = dict(lr=float(group["lr"]), lr_decay=float(group["lr_decay"]),
                  weight_decay=float(group["weight_decay"]), eps=float(group["eps"]),
                  maximize=bool(group["maximize"]))
        init = float(group["initial_accumulator_value"])
        for p, g in params_with_grad(group):
            state = self.state[p]
            if not state:
                state["step"] = 0
                state["sum"] = Tensor._wrap(np.full_like(p._data, init))
            state["step"] += 1
            adagrad_update(p._data, g, state["sum"]._data, state["step"], **kw)


class AdaGrad(Adagrad):
    """The book's ``AdaGrad(lr=0.01)``: Adagrad with the book's ``eps=1e-7``."""

    def __init__(
        self,
        params: Any,
        lr: float = 0.01,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-7,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, lr_decay, weight_decay, initial_accumulator_value, eps,
                         maximize=maximize)
