"""The book's iteration loop: every net sees the same batch, drawn with replacement."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import minigrad as mg
from minigrad.nn import functional as F
from minigrad.train import progress_bar

__all__ = ["train_by_iterations", "book_mlp", "loss_figure"]


def book_mlp(hidden: list[int], init: Any, activation: str = "relu", **kw: Any):
    """The book's MultiLayerNet(784, hidden, 10) as ``minigrad.nn.MLP``."""
    return mg.nn.MLP(784, hidden, 10, activation=activation, weight_init=init, **kw)


def train_by_iterations(
    nets: dict[str, tuple[Any, Any]],
    x: np.ndarray,
    t: np.ndarray,
    iterations: int,
    batch_size: int,
    generator: mg.Generator,
    progress: bool = True,
    on_iteration: Callable[[int, dict[str, float]], None] | None = None,
) -> dict[str, list[float]]:
    """Per net, the loss on each batch right after its update (what the book records)."""
    losses: dict[str, list[float]] = {name: [] for name in nets}
    bar = progress_bar(progress, total=iterations, unit="it")
    rng = generator.rng
    for i in range(iterations):
        idx = rng.choice(len(x), batch_size)
        xb, tb = mg.from_numpy(x[idx]), mg.from_numpy(t[idx].astype(np.int64))
        for name, (model, opt) in nets.items():
            opt.zero_grad()
            F.cross_entropy(model(xb), tb).backward()
            opt.step()
            with mg.no_grad():
                losses[name].append(float(F.cross_entropy(model(xb), tb)._data))
        if on_iteration is not None:
            on_iteration(i, {n: v[-1] for n, v in losses.items()})
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return losses


def loss_figure(losses: dict[str, list[float]], markers: dict[str, str], ylim: float,
                title: str):
    """The book's loss plot: one smoothed curve per net, a marker every 100 iterations."""
    from .common import new_figure, smooth_curve

    fig, axes = new_figure(1, 1, size=(8, 5))
    ax = axes[0][0]
    for name, curve in losses.items():
        ax.plot(smooth_curve(curve), marker=markers[name], markevery=100, label=name)
    ax.set_xlabel("iterations")
    ax.set_ylabel("loss (smoothed)")
    ax.set_ylim(0, ylim)
    ax.set_title(title)
    ax.legend()
    return fig
