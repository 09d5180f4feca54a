"""SGD with momentum, dampening, Nesterov, weight decay and maximize; the book's Momentum/Nesterov.

PyTorch's update (``b = m*b + (1-d)*g; W -= lr*b``) and the book's (``v = m*v - lr*g; W += v``)
are the same sequence of weights for a constant learning rate (``v = -lr*b``); they part when the
learning rate changes mid-run, because the book's ``v`` carries the old rate. The same holds for
the book's Nesterov (``W += m*m*v; W -= (1+m)*lr*g; v = m*v - lr*g``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, check_hparam, params_with_grad, required

__all__ = ["SGD", "Momentum", "Nesterov", "sgd_update"]


def sgd_update(
    param: np.ndarray,
    grad: np.ndarray,
    buf: np.ndarray | None,
    *,
    lr: float,
    momentum: float = 0.0,
    dampening: float = 0.0,
    nesterov: bool = False,
    weight_decay: float = 0.0,
    maximize: bool = False,
) -> np.ndarray | None:
    """One SGD step on ``param`` in place (PyTorch's formula); returns the momentum buffer.

    The first step copies the gradient into the buffer (no dampening), as PyTorch does.
    """
    d = np.negative(grad) if maximize else grad
    if weight_decay:
        wd = np.multiply(param, weight_decay)
        d = np.add(d, wd, out=wd)
    if momentum:
        if buf is None:
            buf = np.array(d, copy=True)
        else:
            buf *= momentum
            if dampening:
                buf += np.multiply(d, 1.0 - dampening)
            else:
                buf += d
        if nesterov:
            t = np.multiply(buf, momentum)
            d = np.add(d, t, out=t)
        else:
            d = buf
    np.subtract(param, np.multiply(d, lr), out=param)
    return buf


class SGD(Optimizer):
    """Stochastic gradient descent, PyTorch's ``torch.optim.SGD``.

    ``lr`` is required here (PyTorch 2.2+ defaults it to 1e-3, the book's SGD to 0.01: a silent
    choice between the two would surprise one of them).
    """

    def __init__(
        self,
        params: Any,
        lr: float = required,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        check_hparam(group, "momentum")
        check_hparam(group, "dampening")
        check_hparam(group, "weight_decay")
        if group.get("nesterov") and (group.get("momentum", 0) <= 0 or group.get("dampening")):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, momentum = float(group["lr"]), float(group["momentum"])
        if not (momentum or group["weight_decay"] or group["maximize"]):  # plain SGD, inline
            for p, g in params_with_grad(group):
                np.subtract(p._data, np.multiply(g, lr), out=p._data)
            return
        kw = dict(lr=lr, momentum=momentum, dampening=float(group["dampening"]),
                  nesterov=bool(group["nesterov"]), weight_decay=float(group["weight_decay"]),
                  maximize=bool(group["maximize"]))
        for p, g in params_with_grad(group):
            if not momentum:
                sgd_update(p._data, g, None, **kw)
                continue
            state = self.state[p]
            buf = state.get("momentum_buffer")
            new = sgd_update(p._data, g, None if buf is None else buf._data, **kw)
            if buf is None:
                state["momentum_buffer"] = Tensor._wrap(new)


class Momentum(SGD):
    """The book's ``Momentum(lr=0.01, momentum=0.9)``: SGD with momentum and the book's defaults."""

    def __init__(
        self,
        params: Any,
        lr: float = 0.01,
        momentum: float = 0.9,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, momentum, dampening, weight_decay, False, maximize=maximize)


class Nesterov(SGD):
    """The book's ``Nesterov(lr=0.01, momentum=0.9)``: SGD with ``nesterov=True``."""

    def __init__(
        self,
        params: Any,
        lr: float = 0.01,
        momentum: float = 0.9,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, momentum, 0.0, weight_decay, True, maximize=maximize)
