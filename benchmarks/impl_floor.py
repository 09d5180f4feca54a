"""The floor: only the matrix products a training step needs, into preallocated buffers.

Forward ``h = h @ W`` per layer, backward ``dW = h_in.T @ d`` and ``d = d @ W.T`` per layer. By
default the first layer's input gradient is skipped (the input needs none, and a framework can
skip it); ``input_grad=True`` adds it. No bias, activation, loss or update: nothing can be faster.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["MLP", "add_case"]


class MLP:
    """GEMMs of one forward and backward pass of the benchmark network, nothing else."""

    name = "floor"

    def __init__(self, weights: list[tuple[np.ndarray, np.ndarray]], dtype: Any,
                 kind: str = "plain", batch: int = 100, input_grad: bool = False, **_: Any) -> None:
        dtype = np.dtype(dtype)
        self.dtype, self.input_grad = dtype, input_grad
        self.W = [np.ascontiguousarray(W, dtype=dtype) for W, _b in weights]
        self._alloc(batch)

    def _alloc(self, batch: int) -> None:
        self.batch = batch
        self.h = [np.empty((batch, W.shape[1]), dtype=self.dtype) for W in self.W]
        self.d = [np.empty((batch, W.shape[0]), dtype=self.dtype) for W in self.W]
        self.dW = [np.empty_like(W) for W in self.W]
        from minigrad.random import Generator

        rng = Generator(0).rng
        self.dout = rng.standard_normal((batch, self.W[-1].shape[1])).astype(self.dtype)

    def native(self, x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.ascontiguousarray(x, dtype=self.dtype), np.asarray(t, dtype=np.int64)

    def take(self, X: np.ndarray, T: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return X[idx], T[idx]

    def step(self, x: np.ndarray, t: np.ndarray) -> None:
        if x.shape[0] != self.batch:
            self._alloc(x.shape[0])
        inputs = [x]
        for W, h in zip(self.W, self.h):
            np.matmul(inputs[-1], W, out=h)
            inputs.append(h)
        d = self.dout
        for i in range(len(self.W) - 1, -1, -1):
            np.matmul(inputs[i].T, d, out=self.dW[i])
            if i > 0 or self.input_grad:
                np.matmul(d, self.W[i].T, out=self.d[i])
                d = self.d[i]


def add_case(dtype: Any, sum_: bool = False) -> Callable[[], object]:
    """The one array op of ``a + b`` (no gradient at all): the floor of per-op cost."""
    a = np.linspace(0.0, 1.0, 10).astype(dtype)
    b = np.linspace(1.0, 2.0, 10).astype(dtype)
    out = np.empty(10, dtype=dtype)

    def run() -> object:
        if sum_:
            return np.add.reduce(np.add(a, b, out=out))
        return np.add(a, b, out=out)

    return run
