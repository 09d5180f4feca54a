"""Adam (with AMSGrad) and AdamW, PyTorch's formulas.

PyTorch: ``W -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)``. The book folds the bias
correction into the rate, ``lr_t = lr*sqrt(1-b2^t)/(1-b1^t)``, and adds eps to the uncorrected
``sqrt(v)``: ``W -= lr_t * m / (sqrt(v) + eps)``. That is PyTorch's update with a step-dependent
``eps_t = eps/sqrt(1-b2^t)`` (about 31.6*eps at t=1, tending to eps), and with the book's 1e-7
against PyTorch's 1e-8. The two differ only where ``|g|`` is near eps; tests measure it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .adaptive import check_betas, decayed_grad, ema_
from .optimizer import Optimizer, check_hparam, params_with_grad

__all__ = ["Adam", "AdamW", "adam_update"]


def adam_update(
    param: np.ndarray,
    grad: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    max_exp_avg_sq: np.ndarray | None,
    step: int,
    *,
    lr: float,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    maximize: bool = False,
    decoupled_weight_decay: bool = False,
) -> None:
    """One Adam step (``step`` counts from 1) in place; AMSGrad when ``max_exp_avg_sq`` is given."""
    d = decayed_grad(param, grad, lr=lr, weight_decay=weight_decay, maximize=maximize,
                     decoupled_weight_decay=decoupled_weight_decay)
    t = np.empty_like(d)
    ema_(exp_avg, d, beta1, t)
    exp_avg_sq *= beta2  # (d*d)*(1-beta2): torch's addcmul order for Adam, not ema_sq_'s
    np.multiply(d, d, out=t)
    t *= 1.0 - beta2
    exp_avg_sq += t
    step_size = lr / (1.0 - beta1**step)
    bias_correction2_sqrt = (1.0 - beta2**step) ** 0.5
    second = exp_avg_sq
    if max_exp_avg_sq is not None:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        second = max_exp_avg_sq
    np.sqrt(second, out=t)
    t /= bias_correction2_sqrt
    t += eps
    np.divide(exp_avg, t, out=t)
    t *= step_size
    param -= t


class Adam(Optimizer):
    """Adam, PyTorch's ``torch.optim.Adam`` (L2 weight decay added to the gradient)."""

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        check_hparam(group, "eps", label="epsilon value")
        check_hparam(group, "weight_decay")
        check_betas(group)

    def _update_group(self, group: dict[str, Any]) -> None:
        beta1, beta2 = (float(b) for b in group["betas"])
        amsgrad = bool(group["amsgrad"])
        kw = dict(lr=float(group["lr"]), beta1=beta1, beta2=beta2, eps=float(group["eps"]),
                  weight_decay=float(group["weight_decay"]), maximize=bool(group["maximize"]),
                  decoupled_weight_decay=bool(group["decoupled_weight_decay"]))
        for p, g in params_with_grad(group):
            state = self.state[p]
            if not state:
                state["step"] = 0
                state["exp_avg"] = Tensor._wrap(np.zeros_like(p._data))
                state["exp_avg_sq"] = Tensor._wrap(np.zeros_like(p._data))
            if amsgrad and "max_exp_avg_sq" not in state:
                state["max_exp_avg_sq"] = Tensor._wrap(np.zeros_like(p._data))
            state["step"] += 1
            mx = state["max_exp_avg_sq"]._data if amsgrad else None
            adam_update(p._data, g, state["exp_avg"]._data, state["exp_avg_sq"]._data, mx,
                        state["step"], **kw)


class AdamW(Adam):
    """AdamW, PyTorch's ``torch.optim.AdamW``: Adam with decoupled weight decay (default 1e-2)."""

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """As Adam's, but decay stays decoupled whatever the saved groups say (as PyTorch)."""
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
