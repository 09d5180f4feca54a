"""The "no framework" baseline: the book's layers written by hand in NumPy, lean and float32-clean.

Affine, Relu, SoftmaxWithLoss, BatchNormalization (PyTorch's formula: biased batch variance for
normalising, unbiased for the running estimate, momentum 0.1) and inverted Dropout, each with a
forward and a backward, chained as in the book's ``MultiLayerNetExtend``. Lean means: work in
place where the array is ours alone (the book's Relu and softmax backward do), and skip the first
layer's input gradient, which no one needs (the book computes it; a framework can skip it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["Affine", "Relu", "BatchNormalization", "Dropout", "SoftmaxWithLoss", "MLP",
           "add_case", "must_hold_bytes"]


class Affine:
    """``x @ W + b`` with W stored (in, out) as in the book."""

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        self.W, self.b = W, b
        self.x: np.ndarray | None = None
        self.dW: np.ndarray | None = None
        self.db: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        out = x @ self.W
        out += self.b
        return out

    def backward(self, dout: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T if need_dx else None


class Relu:
    """``max(x, 0)`` in place on the Affine output (nobody else holds it)."""

    def __init__(self) -> None:
        self.out: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.out = np.maximum(x, 0, out=x)
        return self.out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dout *= self.out > 0
        return dout


class BatchNormalization:
    """Batch normalisation over the batch axis, training mode, with PyTorch's statistics."""

    def __init__(self, n: int, dtype: Any, momentum: float = 0.1, eps: float = 1e-5) -> None:
        self.gamma = np.ones(n, dtype=dtype)
        self.beta = np.zeros(n, dtype=dtype)
        self.running_mean = np.zeros(n, dtype=dtype)
        self.running_var = np.ones(n, dtype=dtype)
        self.momentum, self.eps = momentum, eps
        self.xn: np.ndarray | None = None
        self.inv_std: np.ndarray | None = None
        self.dgamma: np.ndarray | None = None
        self.dbeta: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        n = x.shape[0]
        mu = x.mean(axis=0)
        xc = x - mu
        var = np.mean(xc * xc, axis=0)
        self.inv_std = 1.0 / np.sqrt(var + self.eps)
        self.xn = xc * self.inv_std
        m = self.momentum
        self.running_mean *= 1.0 - m
        self.running_mean += m * mu
        self.running_var *= 1.0 - m
        self.running_var += (m * n / (n - 1)) * var
        return self.xn * self.gamma + self.beta

    def backward(self, dout: np.ndarray) -> np.ndarray:
        n = dout.shape[0]
        self.dbeta = dout.sum(axis=0)
        self.dgamma = np.sum(self.xn * dout, axis=0)
        # dx = gamma / std * (dout - mean(dout) - xn * mean(dout * xn)), the book's chain folded
        dx = dout - self.dbeta * (1.0 / n)
        dx -= self.xn * (self.dgamma * (1.0 / n))
        dx *= self.gamma * self.inv_std
        return dx


class Dropout:
    """Inverted dropout: keep with probability 1 - p and scale by 1 / (1 - p) while training."""

    def __init__(self, p: float, rng: np.random.Generator) -> None:
        self.p, self.rng = p, rng
        self.mask: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        # in place on the Relu output: its saved array then reads 0 where dropped, which leaves
        # Relu's mask right because dout is already 0 there
        keep = self.rng.random(x.shape, dtype=x.dtype) >= self.p
        self.mask = keep * x.dtype.type(1.0 / (1.0 - self.p))
        x *= self.mask
        return x

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dout *= self.mask
        return dout


class SoftmaxWithLoss:
    """Softmax and mean cross-entropy against integer labels; backward is ``(y - onehot) / N``."""

    def __init__(self) -> None:
        self.y: np.ndarray | None = None
        self.t: np.ndarray | None = None

    def forward(self, x: np.ndarray, t: np.ndarray) -> float:
        x = x - x.max(axis=1, keepdims=True)
        np.exp(x, out=x)
        x /= x.sum(axis=1, keepdims=True)
        self.y, self.t = x, t
        n = len(t)
        return -float(np.log(x[np.arange(n), t] + 1e-7).sum()) / n

    def backward(self) -> np.ndarray:
        n = len(self.t)
        dx = self.y
        dx[np.arange(n), self.t] -= 1
        dx *= 1.0 / n
        return dx


class MLP:
    """The benchmark network by hand: Affine -> [BatchNorm] -> Relu -> [Dropout], then softmax."""

    name = "numpy"

    def __init__(self, weights: list[tuple[np.ndarray, np.ndarray]], dtype: Any,
                 kind: str = "plain", lr: float = 0.01, p: float = 0.15,
                 rng: np.random.Generator | None = None) -> None:
        dtype = np.dtype(dtype)
        self.dtype, self.lr = dtype, lr
        self.layers: list[Any] = []
        self.affines: list[Affine] = []
        self.norms: list[BatchNormalization] = []
        last = len(weights) - 1
        for i, (W, b) in enumerate(weights):
            aff = Affine(W.astype(dtype), b.astype(dtype))
            self.affines.append(aff)
            self.layers.append(aff)
            if i == last:
                break
            if kind == "bn":
                bn = BatchNormalization(W.shape[1], dtype)
                self.norms.append(bn)
                self.layers.append(bn)
            self.layers.append(Relu())
            if kind == "dropout":
                self.layers.append(Dropout(p, rng if rng is not None else _rng()))
        self.loss = SoftmaxWithLoss()

    def native(self, x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.ascontiguousarray(x, dtype=self.dtype), np.asarray(t, dtype=np.int64)

    def take(self, X: np.ndarray, T: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return X[idx], T[idx]

    def step(self, x: np.ndarray, t: np.ndarray) -> float:
        """Forward, loss, backward, SGD update: one training step."""
        for layer in self.layers:
            x = layer.forward(x)
        loss = self.loss.forward(x, t)
        d = self.loss.backward()
        first = self.layers[0]
        for layer in reversed(self.layers):
            d = layer.backward(d, need_dx=False) if layer is first else layer.backward(d)
        lr = self.lr
        for a in self.affines:
            a.W -= lr * a.dW
            a.b -= lr * a.db
        for bn in self.norms:
            bn.gamma -= lr * bn.dgamma
            bn.beta -= lr * bn.dbeta
        return loss


def must_hold_bytes(sizes: list[int], batch: int, dtype: Any) -> int:
    """Bytes one step must hold at once: parameters, their gradients, one array per layer output.

    The input batch is left out (it exists before the step); a lean step keeps one
    (batch, width) array per layer, which backward needs (the next layer's input, the mask).
    """
    item = np.dtype(dtype).itemsize
    params = sum(i * o + o for i, o in zip(sizes[:-1], sizes[1:])) * item
    acts = sum(batch * o for o in sizes[1:]) * item
    return 2 * params + acts


def _rng() -> np.random.Generator:
    from minigrad.random import Generator

    return Generator(0).rng


def add_case(dtype: Any, sum_: bool = False) -> Callable[[], object]:
    """Forward and backward of ``a + b`` on (10,) arrays by hand: the book's AddLayer."""
    a = np.linspace(0.0, 1.0, 10).astype(dtype)
    b = np.linspace(1.0, 2.0, 10).astype(dtype)
    dout = np.ones(10, dtype=dtype)

    def run() -> object:
        out = a + b
        if sum_:  # the sum's backward broadcasts the scalar gradient
            out = np.add.reduce(out)
            d = np.full(10, dout[0])
            return out, d * 1, d * 1
        da = dout * 1
        db = dout * 1
        return out, da, db

    return run

