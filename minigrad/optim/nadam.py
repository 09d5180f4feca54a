"""NAdam (Dozat 2016), PyTorch's ``torch.optim.NAdam``: Adam with Nesterov momentum and a
momentum schedule ``mu_t = b1*(1 - 0.5*0.96^(t*momentum_decay))`` whose product is kept."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dtypes import get_default_dtype
from ..tensor import Tensor
from .adaptive import AdaptiveOptimizer, decayed_grad, ema_, ema_sq_
from .optimizer import check_hparam

__all__ = ["NAdam", "nadam_update"]


def nadam_update(
    param: np.ndarray,
    grad: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    mu_product: np.ndarray,
    step: int,
    *,
    lr: float = 2e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum_decay: float = 4e-3,
    decoupled_weight_decay: bool = False,
    maximize: bool = False,
) -> None:
    """One NAdam step (``step`` counts from 1) in place; ``mu_product`` (0-d) is updated too.

    ``mu_product`` keeps its own dtype (PyTorch keeps it in the default float dtype), so the
    product rounds as PyTorch's does.
    """
    d = decayed_grad(param, grad, lr=lr, weight_decay=weight_decay, maximize=maximize,
                     decoupled_weight_decay=decoupled_weight_decay)
    bias_correction2 = 1.0 - beta2**step
    mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
    mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
    mu_product *= mu
    prod = float(mu_product)
    t = np.empty_like(param)
    ema_(exp_avg, d, beta1, t)
    ema_sq_(exp_avg_sq, d, beta2, t)
    denom = np.divide(exp_avg_sq, bias_correction2)
    np.sqrt(denom, out=denom)
    denom += eps
    np.multiply(d, -lr * (1.0 - mu) / (1.0 - prod), out=t)
    t /= denom
    param += t
    np.multiply(exp_avg, (-lr * mu_next) / (1.0 - prod * mu_next), out=t)
    t /= denom
    param += t


class NAdam(AdaptiveOptimizer):
    """NAdam, PyTorch's ``torch.optim.NAdam``; ``decoupled_weight_decay=True`` is its NAdamW."""

    _hparams = ("lr", "betas", "eps", "weight_decay", "momentum_decay",
                "decoupled_weight_decay", "maximize")

    def __init__(
        self,
        params: Any,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        check_hparam(group, "momentum_decay", label="momentum_decay value")

    def _init_state(self, state: dict[str, Any], p: Tensor) -> None:
        super()._init_state(state, p)
        state["mu_product"] = Tensor._wrap(np.ones((), dtype=get_default_dtype()))

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], step: int,
                **hparams: Any) -> None:
        nadam_update(param, grad, state["exp_avg"]._data, state["exp_avg_sq"]._data,
                     state["mu_product"]._data, step, **hparams)
