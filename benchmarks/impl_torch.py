"""PyTorch CPU eager: the same network with ``torch.nn`` and ``torch.optim.SGD`` (optional)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["available", "compile_available", "MLP", "CompiledMLP", "add_case", "chain"]

try:
    import torch
except ImportError:  # the optional extra is absent: the suite skips torch with a note
    torch = None


def available() -> bool:
    return torch is not None


def _dtype(dtype: Any) -> Any:
    return {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}[
        np.dtype(dtype)]


class MLP:
    """nn.Sequential of Linear -> [BatchNorm1d] -> ReLU -> [Dropout], CrossEntropyLoss, SGD."""

    name = "torch"

    def __init__(self, weights: list[tuple[np.ndarray, np.ndarray]], dtype: Any,
                 kind: str = "plain", lr: float = 0.01, p: float = 0.15, **_: Any) -> None:
        nn = torch.nn
        self.dtype = _dtype(dtype)
        layers: list[Any] = []
        last = len(weights) - 1
        for i, (W, b) in enumerate(weights):
            lin = nn.Linear(W.shape[0], W.shape[1], dtype=self.dtype)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.T)))
                lin.bias.copy_(torch.from_numpy(b))
            layers.append(lin)
            if i == last:
                break
            if kind == "bn":
                layers.append(nn.BatchNorm1d(W.shape[1], dtype=self.dtype))
            layers.append(nn.ReLU())
            if kind == "dropout":
                layers.append(nn.Dropout(p))
        self.model = nn.Sequential(*layers).train()
        self.loss_fn = nn.CrossEntropyLoss()
        self.opt = torch.optim.SGD(self.model.parameters(), lr=lr)

    def native(self, x: np.ndarray, t: np.ndarray) -> tuple[Any, Any]:
        xt = torch.from_numpy(np.ascontiguousarray(x)).to(self.dtype)
        return xt, torch.from_numpy(np.asarray(t, dtype=np.int64))

    def take(self, X: Any, T: Any, idx: np.ndarray) -> tuple[Any, Any]:
        i = torch.from_numpy(idx)
        return X[i], T[i]

    def step(self, x: Any, t: Any) -> Any:
        """zero_grad, forward, loss, backward, SGD update."""
        self.opt.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.model(x), t)
        loss.backward()
        self.opt.step()
        return loss


class CompiledMLP(MLP):
    """``MLP`` with its whole step under ``torch.compile`` (graph breaks where torch needs them)."""

    name = "torch.compile"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.step = torch.compile(self._eager_step)

    def _eager_step(self, x: Any, t: Any) -> Any:
        return MLP.step(self, x, t)


def compile_available() -> bool:
    """Whether torch.compile can build a kernel here (it needs a C++ compiler)."""
    if torch is None:
        return False
    try:
        torch.compile(lambda x: x + 1)(torch.ones(2))
    except Exception:  # noqa: BLE001 (any failure: the column is skipped with a note)
        return False
    return True


def add_case(dtype: Any, sum_: bool = False) -> Callable[[], object]:
    """Forward and backward of ``a + b`` (``(a + b).sum()`` with ``sum_``) on (10,) tensors."""
    dt = _dtype(dtype)
    a = torch.linspace(0.0, 1.0, 10, dtype=dt, requires_grad=True)
    b = torch.linspace(1.0, 2.0, 10, dtype=dt, requires_grad=True)
    g = torch.ones(10, dtype=dt)

    def run() -> object:
        a.grad = None
        b.grad = None
        if sum_:
            (a + b).sum().backward()
        else:
            (a + b).backward(g)
        return a.grad

    return run


def chain(n: int, dtype: Any, size: int = 10) -> tuple[Callable[[], Any], Callable[[Any], None]]:
    """``y = x * c`` repeated ``n`` times: (build the graph, run its backward)."""
    dt = _dtype(dtype)
    x = torch.ones(size, dtype=dt, requires_grad=True)
    g = torch.ones(size, dtype=dt)

    def build() -> Any:
        y = x
        for _ in range(n):
            y = y * 1.0001
        return y

    def back(y: Any) -> None:
        x.grad = None
        y.backward(g)

    return build, back
