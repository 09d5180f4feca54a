"""What the Adam family and Adadelta share: the betas check, the decayed gradient, the moment
updates in PyTorch's order of operations, and an Optimizer base that creates state and calls
a pure update.

PyTorch's ``lerp_`` (weight < 0.5) is ``m + w*(g - m)`` and ``addcmul_(g, g, value=v)`` is
``s + (v*g)*g``; keeping its order keeps float64 trajectories equal to its to a few ulps.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, check_hparam, params_with_grad

__all__ = ["AdaptiveOptimizer", "check_betas", "decayed_grad", "ema_", "ema_sq_"]

_BOOLS = ("maximize", "decoupled_weight_decay")


def check_betas(group: dict[str, Any]) -> None:
    """Raise ValueError unless ``group["betas"]`` is a pair of numbers in [0, 1) (if set)."""
    betas = group.get("betas", (0.9, 0.999))
    if not isinstance(betas, tuple | list) or len(betas) != 2:
        raise ValueError(f"Invalid betas: {betas!r} (expected a pair of floats)")
    for i, b in enumerate(betas):
        check_hparam({"b": b}, "b", 0.0, 1.0, label=f"beta parameter at index {i}")


def decayed_grad(param: np.ndarray, grad: np.ndarray, *, lr: float, weight_decay: float,
                 maximize: bool, decoupled_weight_decay: bool = False) -> np.ndarray:
    """The gradient to use (negated for ``maximize``, plus ``weight_decay * param``); with
    ``decoupled_weight_decay`` the parameter is shrunk by ``1 - lr*weight_decay`` instead."""
    d = np.negative(grad) if maximize else grad
    if weight_decay:
        if decoupled_weight_decay:
            param *= 1.0 - lr * weight_decay
        else:
            wd = np.multiply(param, weight_decay)
            d = np.add(d, wd, out=wd)
    return d


def ema_(avg: np.ndarray, d: np.ndarray, beta: float, tmp: np.ndarray) -> None:
    """``avg = beta*avg + (1-beta)*d`` in place, as ``avg.lerp_(d, 1 - beta)``."""
    np.subtract(d, avg, out=tmp)
    tmp *= 1.0 - beta
    avg += tmp


def ema_sq_(avg: np.ndarray, d: np.ndarray, beta: float, tmp: np.ndarray) -> None:
    """``avg = beta*avg + (1-beta)*d*d`` in place, as ``avg.mul_(beta).addcmul_(d, d, 1-beta)``."""
    avg *= beta
    np.multiply(d, 1.0 - beta, out=tmp)
    tmp *= d
    avg += tmp


class AdaptiveOptimizer(Optimizer):
    """Base of optimizers with per-parameter zero-initialised buffers and a pure update.

    Subclasses set ``_buffers`` (state names created as zeros at a parameter's first step),
    ``_hparams`` (group keys passed to ``_update``; ``betas`` arrives as ``beta1, beta2``) and
    define ``_update(param, grad, state, step, **hparams)`` working on arrays in place.
    """

    _buffers: tuple[str, ...] = ("exp_avg", "exp_avg_sq")
    _hparams: tuple[str, ...] = ("lr", "betas", "eps", "weight_decay", "maximize")

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        check_hparam(group, "eps", label="epsilon value")
        check_hparam(group, "weight_decay", label="weight_decay value")
        if "betas" in self._hparams:
            check_betas(group)

    def _init_state(self, state: dict[str, Any], p: Tensor) -> None:
        state["step"] = 0
        for name in self._buffers:
            state[name] = Tensor._wrap(np.zeros_like(p._data))

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], step: int,
                **hparams: Any) -> None:
        raise NotImplementedError

    def _update_group(self, group: dict[str, Any]) -> None:
        kw: dict[str, Any] = {}
        for k in self._hparams:
            if k == "betas":
                kw["beta1"], kw["beta2"] = (float(b) for b in group["betas"])
            else:
                kw[k] = bool(group[k]) if k in _BOOLS else float(group[k])
        for p, g in params_with_grad(group):
            state = self.state[p]
            if not state:
                self._init_state(state, p)
            state["step"] += 1
            self._update(p._data, g, state, state["step"], **kw)
