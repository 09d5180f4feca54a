"""minigrad: the network through ``minigrad.nn`` + ``minigrad.optim`` and through core ops only.

``MLP`` is what a user writes (nn.Sequential, CrossEntropyLoss, optim.SGD); ``CoreMLP`` builds
the same network from Tensor ops (``x @ W.T + b``, ``relu``, a cross-entropy from ``logsumexp``
and ``gather``, SGD as ``p -= lr * p.grad`` under ``no_grad``), which shows what the nn layer costs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import minigrad as mg

__all__ = ["nn_available", "MLP", "CompiledMLP", "CoreMLP", "add_case", "chain"]


def nn_available() -> bool:
    """Whether ``minigrad.nn`` and ``minigrad.optim`` have the pieces the benchmark uses."""
    try:
        import minigrad.nn as nn
        import minigrad.optim as optim
    except ImportError:
        return False
    names = ("Sequential", "Linear", "ReLU", "BatchNorm1d", "Dropout", "CrossEntropyLoss")
    return all(hasattr(nn, n) for n in names) and hasattr(optim, "SGD")


class _Data:
    """Batch handling shared by both versions: arrays in, Tensors out, no copies beyond NumPy's."""

    dtype: np.dtype

    def native(self, x: np.ndarray, t: np.ndarray) -> tuple[Any, Any]:
        xt = mg.from_numpy(np.ascontiguousarray(x, dtype=self.dtype))
        return xt, mg.from_numpy(np.asarray(t, dtype=np.int64))

    def take(self, X: Any, T: Any, idx: np.ndarray) -> tuple[Any, Any]:
        return X[idx], T[idx]


class MLP(_Data):
    """nn.Sequential of Linear -> [BatchNorm1d] -> ReLU -> [Dropout], CrossEntropyLoss, SGD."""

    name = "minigrad"

    def __init__(self, weights: list[tuple[np.ndarray, np.ndarray]], dtype: Any,
                 kind: str = "plain", lr: float = 0.01, p: float = 0.15, **_: Any) -> None:
        import minigrad.nn as nn
        import minigrad.optim as optim

        self.dtype = np.dtype(dtype)
        layers: list[Any] = []
        last = len(weights) - 1
        for i, (W, b) in enumerate(weights):
            lin = nn.Linear(W.shape[0], W.shape[1], dtype=self.dtype)
            with mg.no_grad():
                lin.weight.copy_(np.ascontiguousarray(W.T))
                lin.bias.copy_(b)
            layers.append(lin)
            if i == last:
                break
            if kind == "bn":
                layers.append(nn.BatchNorm1d(W.shape[1], dtype=self.dtype))
            layers.append(nn.ReLU())
            if kind == "dropout":
                layers.append(nn.Dropout(p))
        self.model = nn.Sequential(*layers)
        self.model.train()
        self.loss_fn = nn.CrossEntropyLoss()
        self.opt = optim.SGD(self.model.parameters(), lr=lr)

    def step(self, x: Any, t: Any) -> Any:
        """zero_grad, forward, loss, backward, SGD update."""
        self.opt.zero_grad()
        loss = self.loss_fn(self.model(x), t)
        loss.backward()
        self.opt.step()
        return loss


class CompiledMLP(MLP):
    """``MLP`` with its step under ``minigrad.compile``: traced once, then replayed."""

    name = "minigrad compiled"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.step = mg.compile(self._eager_step)

    def _eager_step(self, x: Any, t: Any) -> Any:
        return MLP.step(self, x, t)


class CoreMLP(_Data):
    """The same network from core Tensor ops, with a hand-written SGD (``p -= lr * p.grad``)."""

    name = "minigrad core ops"

    def __init__(self, weights: list[tuple[np.ndarray, np.ndarray]], dtype: Any,
                 kind: str = "plain", lr: float = 0.01, p: float = 0.15, **_: Any) -> None:
        if kind != "plain":
            raise ValueError(f"CoreMLP builds the plain network only, not {kind!r}")
        self.dtype, self.lr = np.dtype(dtype), lr
        self.params: list[tuple[Any, Any]] = []
        for W, b in weights:
            w = mg.tensor(np.ascontiguousarray(W.T), dtype=self.dtype, requires_grad=True)
            self.params.append((w, mg.tensor(b, dtype=self.dtype, requires_grad=True)))

    def forward(self, x: Any) -> Any:
        last = len(self.params) - 1
        for i, (w, b) in enumerate(self.params):
            x = x @ w.T + b
            if i != last:
                x = x.relu()
        return x

    def step(self, x: Any, t: Any) -> Any:
        for w, b in self.params:
            w.grad = None
            b.grad = None
        logits = self.forward(x)
        picked = logits.gather(1, t.reshape(-1, 1)).reshape(-1)
        loss = (logits.logsumexp(dim=1) - picked).mean()
        loss.backward()
        lr = self.lr
        with mg.no_grad():
            for w, b in self.params:
                w -= lr * w.grad  # PyTorch's idiom: an in-place update under no_grad
                b -= lr * b.grad
        return loss


def add_case(dtype: Any, sum_: bool = False) -> Callable[[], object]:
    """Forward and backward of ``a + b`` (``(a + b).sum()`` with ``sum_``) on (10,) tensors."""
    a = mg.tensor(np.linspace(0.0, 1.0, 10), dtype=dtype, requires_grad=True)
    b = mg.tensor(np.linspace(1.0, 2.0, 10), dtype=dtype, requires_grad=True)
    g = mg.ones(10, dtype=dtype)

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
    x = mg.ones(size, dtype=dtype, requires_grad=True)
    g = mg.ones(size, dtype=dtype)

    def build() -> Any:
        y = x
        for _ in range(n):
            y = y * 1.0001
        return y

    def back(y: Any) -> None:
        x.grad = None
        y.backward(g)

    return build, back
