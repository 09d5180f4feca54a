"""Adamax (Kingma & Ba 2015, section 7), PyTorch's ``torch.optim.Adamax``: Adam with the
infinity norm, ``u = max(beta2*u, |g| + eps)``, in place of the RMS of the gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from .adaptive import AdaptiveOptimizer, decayed_grad, ema_

__all__ = ["Adamax", "adamax_update"]


def adamax_update(
    param: np.ndarray,
    grad: np.ndarray,
    exp_avg: np.ndarray,
    exp_inf: np.ndarray,
    step: int,
    *,
    lr: float = 2e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    maximize: bool = False,
) -> None:
    """One Adamax step (``step`` counts from 1) in place: ``W -= lr/(1-b1^t) * m / u``."""
    d = decayed_grad(param, grad, lr=lr, weight_decay=weight_decay, maximize=maximize)
    t = np.empty_like(param)
    ema_(exp_avg, d, beta1, t)
    exp_inf *= beta2
    np.abs(d, out=t)
    t += eps
    np.maximum(exp_inf, t, out=exp_inf)
    clr = lr / (1.0 - beta1**step)
    np.multiply(exp_avg, -clr, out=t)
    t /= exp_inf
    param += t


class Adamax(AdaptiveOptimizer):
    """Adamax, PyTorch's ``torch.optim.Adamax`` (state created at a parameter's first step)."""

    _buffers = ("exp_avg", "exp_inf")

    def __init__(
        self,
        params: Any,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], step: int,
                **hparams: Any) -> None:
        adamax_update(param, grad, state["exp_avg"]._data, state["exp_inf"]._data, step,
                      **hparams)
