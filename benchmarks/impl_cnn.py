"""W6, the book's ``SimpleConvNet`` (chapter 7): conv 30x5x5 -> ReLU -> max pool 2x2 ->
Linear 4320 -> 100 -> ReLU -> Linear 100 -> 10, softmax cross-entropy, SGD, batch 100 of 1x28x28.

Three implementations from the same weights: ``NumpyCNN`` (the book's layers by hand:
``Convolution`` by im2col and one matrix product, ``Pooling`` by im2col and argmax, lean as
``impl_numpy``: in place where the array is ours, no input gradient for the first layer),
``MinigradCNN`` (``minigrad.nn``) and ``TorchCNN`` (``torch.nn``, eager).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from impl_numpy import Affine, Relu, SoftmaxWithLoss
from numpy.lib.stride_tricks import as_strided

__all__ = ["cnn_weights", "im2col", "col2im", "Convolution", "Pooling", "NumpyCNN",
           "MinigradCNN", "TorchCNN", "CNN_SHAPES"]

CNN_SHAPES = {"conv": (30, 1, 5, 5), "fc1": (4320, 100), "fc2": (100, 10)}


def cnn_weights(seed: int) -> dict[str, np.ndarray]:
    """He-initialised float64 weights (conv (30, 1, 5, 5), fc as (in, out)) and zero biases."""
    from minigrad.random import Generator

    rng = Generator(seed).rng
    out = {"conv.W": rng.standard_normal(CNN_SHAPES["conv"]) * np.sqrt(2.0 / 25),
           "conv.b": np.zeros(30)}
    for name, (i, o) in (("fc1", CNN_SHAPES["fc1"]), ("fc2", CNN_SHAPES["fc2"])):
        out[name + ".W"] = rng.standard_normal((i, o)) * np.sqrt(2.0 / i)
        out[name + ".b"] = np.zeros(o)
    return out


def im2col(x: np.ndarray, fh: int, fw: int, stride: int = 1) -> np.ndarray:
    """The book's ``im2col`` (no padding): (N, C, H, W) -> (N*OH*OW, C*FH*FW), one strided copy."""
    n, c, h, w = x.shape
    oh, ow = (h - fh) // stride + 1, (w - fw) // stride + 1
    s0, s1, s2, s3 = x.strides
    win = as_strided(x, (n, oh, ow, c, fh, fw), (s0, s2 * stride, s3 * stride, s1, s2, s3))
    return win.reshape(n * oh * ow, c * fh * fw)


def col2im(col: np.ndarray, shape: tuple[int, ...], fh: int, fw: int, stride: int = 1
           ) -> np.ndarray:
    """The book's ``col2im``: add each column back to its window (a loop over filter offsets)."""
    n, c, h, w = shape
    oh, ow = (h - fh) // stride + 1, (w - fw) // stride + 1
    col = col.reshape(n, oh, ow, c, fh, fw).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros(shape, dtype=col.dtype)
    for y in range(fh):
        for x in range(fw):
            img[:, :, y:y + stride * oh:stride, x:x + stride * ow:stride] += col[:, :, y, x]
    return img


class Convolution:
    """The book's ``Convolution``: im2col, one GEMM with W reshaped (FN, -1), bias."""

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        self.W, self.b = W, b
        self.col: np.ndarray | None = None
        self.dW: np.ndarray | None = None
        self.db: np.ndarray | None = None
        self.shape: tuple[int, ...] = ()

    def forward(self, x: np.ndarray) -> np.ndarray:
        fn, _, fh, fw = self.W.shape
        n, _, h, w = x.shape
        oh, ow = h - fh + 1, w - fw + 1
        self.col, self.shape = im2col(x, fh, fw), x.shape
        out = self.col @ self.W.reshape(fn, -1).T
        out += self.b
        return out.reshape(n, oh, ow, fn).transpose(0, 3, 1, 2)

    def backward(self, dout: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        fn, c, fh, fw = self.W.shape
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, fn)
        self.db = dout.sum(axis=0)
        self.dW = (self.col.T @ dout).T.reshape(fn, c, fh, fw)
        if not need_dx:
            return None
        return col2im(dout @ self.W.reshape(fn, -1), self.shape, fh, fw)


class Pooling:
    """The book's ``Pooling`` (max, window = stride, no padding): im2col, argmax, and back."""

    def __init__(self, ph: int, pw: int) -> None:
        self.ph, self.pw = ph, pw
        self.arg: np.ndarray | None = None
        self.shape: tuple[int, ...] = ()

    def forward(self, x: np.ndarray) -> np.ndarray:
        n, c, h, w = x.shape
        oh, ow = h // self.ph, w // self.pw
        col = im2col(x, self.ph, self.pw, self.ph).reshape(-1, self.ph * self.pw)
        self.arg, self.shape = col.argmax(axis=1), x.shape
        out = col[np.arange(len(col)), self.arg]
        return out.reshape(n, oh, ow, c).transpose(0, 3, 1, 2)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dout = dout.transpose(0, 2, 3, 1)
        k = self.ph * self.pw
        dmax = np.zeros((dout.size, k), dtype=dout.dtype)
        dmax[np.arange(self.arg.size), self.arg] = dout.ravel()
        return col2im(dmax.reshape(dout.size // dout.shape[-1], -1), self.shape, self.ph,
                      self.pw, self.ph)


class NumpyCNN:
    """The book's SimpleConvNet by hand (ReLU in place on the conv output, as impl_numpy)."""

    name = "numpy"

    def __init__(self, weights: dict[str, np.ndarray], dtype: Any, lr: float = 0.01) -> None:
        dt = np.dtype(dtype)
        self.dtype, self.lr = dt, lr
        self.conv = Convolution(weights["conv.W"].astype(dt), weights["conv.b"].astype(dt))
        self.relu1, self.pool = Relu(), Pooling(2, 2)
        self.fc1 = Affine(weights["fc1.W"].astype(dt), weights["fc1.b"].astype(dt))
        self.relu2 = Relu()
        self.fc2 = Affine(weights["fc2.W"].astype(dt), weights["fc2.b"].astype(dt))
        self.loss = SoftmaxWithLoss()

    def native(self, x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.ascontiguousarray(x, dtype=self.dtype).reshape(-1, 1, 28, 28)
        return x, np.asarray(t, dtype=np.int64)

    def step(self, x: np.ndarray, t: np.ndarray) -> float:
        h = self.pool.forward(self.relu1.forward(self.conv.forward(x)))
        shape = h.shape
        h = self.relu2.forward(self.fc1.forward(h.reshape(len(h), -1)))
        loss = self.loss.forward(self.fc2.forward(h), t)
        d = self.relu2.backward(self.fc2.backward(self.loss.backward()))
        d = self.fc1.backward(d).reshape(shape)
        self.conv.backward(self.relu1.backward(self.pool.backward(d)), need_dx=False)
        for layer in (self.conv, self.fc1, self.fc2):
            layer.W -= self.lr * layer.dW
            layer.b -= self.lr * layer.db
        return loss


class MinigradCNN:
    """nn.Sequential(Conv2d, ReLU, MaxPool2d, Flatten, Linear, ReLU, Linear), CrossEntropyLoss,
    optim.SGD: what a user writes."""

    name = "minigrad"

    def __init__(self, weights: dict[str, np.ndarray], dtype: Any, lr: float = 0.01) -> None:
        import minigrad as mg
        import minigrad.nn as nn
        import minigrad.optim as optim

        self.mg, self.dtype = mg, np.dtype(dtype)
        self.model = nn.Sequential(nn.Conv2d(1, 30, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
                                   nn.Flatten(), nn.Linear(4320, 100), nn.ReLU(),
                                   nn.Linear(100, 10)).to(self.dtype)
        _load(self.model, weights, lambda a: a, mg.no_grad)
        self.loss_fn = nn.CrossEntropyLoss()
        self.opt = optim.SGD(self.model.parameters(), lr=lr)

    def native(self, x: np.ndarray, t: np.ndarray) -> tuple[Any, Any]:
        x = np.ascontiguousarray(x, dtype=self.dtype).reshape(-1, 1, 28, 28)
        return self.mg.from_numpy(x), self.mg.from_numpy(np.asarray(t, dtype=np.int64))

    def step(self, x: Any, t: Any) -> Any:
        self.opt.zero_grad()
        loss = self.loss_fn(self.model(x), t)
        loss.backward()
        self.opt.step()
        return loss


class TorchCNN:
    """The same network in ``torch.nn``, eager, ``torch.optim.SGD``."""

    name = "torch"

    def __init__(self, weights: dict[str, np.ndarray], dtype: Any, lr: float = 0.01) -> None:
        import torch

        self.torch = torch
        self.dtype = {np.dtype(np.float32): torch.float32,
                      np.dtype(np.float64): torch.float64}[np.dtype(dtype)]
        nn = torch.nn
        self.model = nn.Sequential(nn.Conv2d(1, 30, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
                                   nn.Flatten(), nn.Linear(4320, 100), nn.ReLU(),
                                   nn.Linear(100, 10)).to(self.dtype)
        _load(self.model, weights, torch.from_numpy, torch.no_grad)
        self.loss_fn = nn.CrossEntropyLoss()
        self.opt = torch.optim.SGD(self.model.parameters(), lr=lr)

    def native(self, x: np.ndarray, t: np.ndarray) -> tuple[Any, Any]:
        x = np.ascontiguousarray(x).reshape(-1, 1, 28, 28)
        return (self.torch.from_numpy(x).to(self.dtype),
                self.torch.from_numpy(np.asarray(t, dtype=np.int64)))

    def step(self, x: Any, t: Any) -> Any:
        self.opt.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.model(x), t)
        loss.backward()
        self.opt.step()
        return loss


def _load(model: Any, weights: dict[str, np.ndarray], wrap: Any, no_grad: Any) -> None:
    """Copy the shared weights into a Sequential (Linear weights transposed to (out, in))."""
    conv, fc1, fc2 = model[0], model[4], model[6]
    with no_grad():
        for layer, key, tr in ((conv, "conv", False), (fc1, "fc1", True), (fc2, "fc2", True)):
            w = weights[key + ".W"]
            w = np.ascontiguousarray(w.T if tr else w)
            layer.weight.copy_(wrap(w.astype(_np_dtype(layer.weight))))
            layer.bias.copy_(wrap(weights[key + ".b"].astype(_np_dtype(layer.weight))))


def _np_dtype(p: Any) -> np.dtype:
    return np.dtype(str(p.dtype).replace("torch.", "").replace("minigrad.", ""))
