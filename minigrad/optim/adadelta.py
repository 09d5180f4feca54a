"""Adadelta (Zeiler 2012), PyTorch's ``torch.optim.Adadelta``: a step from the ratio of two
running RMS values, so the unit of the step is the unit of the parameter (``lr`` just scales)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .adaptive import AdaptiveOptimizer, decayed_grad, ema_sq_
from .optimizer import check_hparam

__all__ = ["Adadelta", "adadelta_update"]


def adadelta_update(
    param: np.ndarray,
    grad: np.ndarray,
    square_avg: np.ndarray,
    acc_delta: np.ndarray,
    *,
    lr: float = 1.0,
    rho: float = 0.9,
    eps: float = 1e-6,
    weight_decay: float = 0.0,
    maximize: bool = False,
) -> None:
    """One Adadelta step in place, in PyTorch's order of operations.

    ``v = rho*v + (1-rho)*g*g; d = sqrt(u+eps)/sqrt(v+eps)*g; u = rho*u + (1-rho)*d*d;
    W -= lr*d``.
    """
    d = decayed_grad(param, grad, lr=lr, weight_decay=weight_decay, maximize=maximize)
    t = np.empty_like(param)
    ema_sq_(square_avg, d, rho, t)
    std = np.add(square_avg, eps)
    np.sqrt(std, out=std)
    delta = np.add(acc_delta, eps)
    np.sqrt(delta, out=delta)
    delta /= std
    delta *= d
    ema_sq_(acc_delta, delta, rho, t)
    delta *= -lr
    param += delta


class Adadelta(AdaptiveOptimizer):
    """Adadelta, PyTorch's ``torch.optim.Adadelta`` (state created at a parameter's first step)."""

    _buffers = ("square_avg", "acc_delta")
    _hparams = ("lr", "rho", "eps", "weight_decay", "maximize")

    def __init__(
        self,
        params: Any,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        check_hparam(group, "rho", label="rho value")
        if float(group.get("rho", 0.0)) > 1.0:  # rho = 1 is allowed, as in PyTorch
            raise ValueError(f"Invalid rho value: {group['rho']!r} (must be in [0, 1])")

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], step: int,
                **hparams: Any) -> None:
        adadelta_update(param, grad, state["square_avg"]._data, state["acc_delta"]._data,
                        **hparams)
