"""RAdam (Liu et al. 2019), PyTorch's ``torch.optim.RAdam``: Adam whose adaptive step is
switched on, and rectified, only once the variance of the adaptive rate is tractable
(``rho_t > 5``); before that it is SGD with bias-corrected momentum."""

from __future__ import annotations

from typing import Any

import numpy as np

from .adaptive import AdaptiveOptimizer, decayed_grad, ema_, ema_sq_

__all__ = ["RAdam", "radam_update"]


def radam_update(
    param: np.ndarray,
    grad: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    step: int,
    *,
    lr: float = 1e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    decoupled_weight_decay: bool = False,
    maximize: bool = False,
) -> None:
    """One RAdam step (``step`` counts from 1) in place, in PyTorch's order of operations."""
    d = decayed_grad(param, grad, lr=lr, weight_decay=weight_decay, maximize=maximize,
                     decoupled_weight_decay=decoupled_weight_decay)
    t = np.empty_like(param)
    ema_(exp_avg, d, beta1, t)
    ema_sq_(exp_avg_sq, d, beta2, t)
    bias_correction1 = 1.0 - beta1**step
    bias_correction2 = 1.0 - beta2**step
    update = np.divide(exp_avg, bias_correction1)
    update *= lr
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
    if rho_t > 5.0:
        num = (rho_t - 4) * (rho_t - 2) * rho_inf
        rect = (num / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        np.sqrt(exp_avg_sq, out=t)
        t += eps
        np.reciprocal(t, out=t)  # the adaptive rate, as torch's scalar / tensor computes it
        t *= bias_correction2**0.5
        update *= t
        update *= rect
    param -= update


class RAdam(AdaptiveOptimizer):
    """RAdam, PyTorch's ``torch.optim.RAdam``; ``decoupled_weight_decay=True`` is its RAdamW."""

    _hparams = ("lr", "betas", "eps", "weight_decay", "decoupled_weight_decay", "maximize")

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], step: int,
                **hparams: Any) -> None:
        radam_update(param, grad, state["exp_avg"]._data, state["exp_avg_sq"]._data, step,
                     **hparams)
