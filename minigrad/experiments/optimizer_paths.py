"""Optimizer paths on f(x, y) = x²/20 + y² from (-7, 2), 30 steps (book §6.1.7, Fig. 6-8).

minigrad's optimizers follow PyTorch's formulas; the book's own update rules are run beside them
in NumPy, and the largest distance between the two paths is reported.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

import minigrad as mg
from minigrad import optim

from .common import Check, Context, Outcome, new_figure

START, STEPS = (-7.0, 2.0), 30
SETTINGS: dict[str, tuple[Callable, float]] = {
    "SGD": (optim.SGD, 0.95),
    "Momentum": (optim.Momentum, 0.1),
    "AdaGrad": (optim.AdaGrad, 1.5),
    "Adam": (optim.Adam, 0.3),
}


def f(x, y):
    return x ** 2 / 20.0 + y ** 2


def minigrad_path(name: str, steps: int) -> np.ndarray:
    """Positions visited: record, then update (the book's loop), with minigrad's optimizer."""
    cls, lr = SETTINGS[name]
    p = mg.tensor(START, dtype=mg.float64, requires_grad=True)
    opt = cls([p], lr=lr)
    path = []
    for _ in range(steps):
        path.append(p._data.copy())
        opt.zero_grad()
        f(p[0], p[1]).backward()
        opt.step()
    return np.array(path)


def book_path(name: str, steps: int) -> np.ndarray:
    """The same run with the book's common/optimizer.py formulas, in plain NumPy."""
    lr = SETTINGS[name][1]
    w = np.array(START)
    v = np.zeros(2)
    h = np.zeros(2)
    m = np.zeros(2)
    path = []
    for t in range(1, steps + 1):
        path.append(w.copy())
        g = np.array([w[0] / 10.0, 2.0 * w[1]])
        if name == "SGD":
            w = w - lr * g
        elif name == "Momentum":
            v = 0.9 * v - lr * g
            w = w + v
        elif name == "AdaGrad":
            h = h + g * g
            w = w - lr * g / (np.sqrt(h) + 1e-7)
        else:
            lr_t = lr * math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
            m = m + (1 - 0.9) * (g - m)
            h = h + (1 - 0.999) * (g * g - h)
            w = w - lr_t * m / (np.sqrt(h) + 1e-7)
    return np.array(path)


def y_sign_changes(path: np.ndarray) -> int:
    """How often the path crosses y = 0: the zig-zag the book points at."""
    s = np.sign(path[:, 1])
    return int(np.sum(s[1:] * s[:-1] < 0))


def run(ctx: Context) -> Outcome:
    steps = STEPS  # 30 steps take milliseconds: quick mode runs the book's setting too
    paths = {n: minigrad_path(n, steps) for n in SETTINGS}
    book = {n: book_path(n, steps) for n in SETTINGS}
    gap = {n: float(np.max(np.linalg.norm(paths[n] - book[n], axis=1))) for n in SETTINGS}
    zig = {n: y_sign_changes(p) for n, p in paths.items()}
    final = {n: float(f(*p[-1])) for n, p in paths.items()}

    fig, axes = new_figure(2, 2, size=(10, 8))
    X, Y = np.meshgrid(np.arange(-10, 10, 0.01), np.arange(-5, 5, 0.01))
    Z = f(X, Y)
    Z[Z > 7] = 0
    for ax, (name, path) in zip(axes.ravel(), paths.items()):
        ax.contour(X, Y, Z)
        ax.plot(path[:, 0], path[:, 1], "o-", color="red", markersize=3, label="minigrad")
        ax.plot(book[name][:, 0], book[name][:, 1], ":", color="black", linewidth=1,
                label="book's formula")
        ax.plot(0, 0, "+", markersize=12)
        ax.set_xlim(-10, 10)
        ax.set_ylim(-10, 10)
        ax.set_title(f"{name} (lr={SETTINGS[name][1]})")
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.legend(loc="lower right", fontsize=8)
    fig.suptitle("Paths to the minimum of x²/20 + y² from (-7, 2), 30 steps")

    rows = [[n, SETTINGS[n][1], zig[n], final[n], gap[n]] for n in SETTINGS]
    checks = [
        Check("SGD zig-zags across the valley (inefficient on an anisotropic function)",
              zig["SGD"] >= 20, f"{zig['SGD']} crossings of y=0"),
        Check("Momentum zig-zags less than SGD", zig["Momentum"] < zig["SGD"],
              f"{zig['Momentum']} vs {zig['SGD']} crossings"),
        Check("AdaGrad damps the large early y steps and gets closest to the minimum",
              zig["AdaGrad"] <= 1 and final["AdaGrad"] == min(final.values()),
              f"final f = {final['AdaGrad']:.2e}"),
        Check("Adam sways less than Momentum", zig["Adam"] < zig["Momentum"],
              f"{zig['Adam']} vs {zig['Momentum']} crossings"),
    ]
    notes = [
        "minigrad's Momentum is PyTorch's (b = m*b + g; w -= lr*b), the book's is v = m*v - lr*g;"
        f" w += v: the same path for a constant lr (largest gap {gap['Momentum']:.1e})",
        "optim.AdaGrad (the book's name) keeps the book's eps 1e-7; optim.Adagrad has PyTorch's"
        f" 1e-10 (largest gap to the book's path {gap['AdaGrad']:.1e})",
        "Adam: PyTorch adds eps to the bias-corrected sqrt(v); the book folds the correction into"
        f" lr and adds eps to the raw sqrt(v) (largest gap {gap['Adam']:.1e})",
    ]
    numbers = {"paths": {n: p.tolist() for n, p in paths.items()},
               "book_paths": {n: p.tolist() for n, p in book.items()},
               "y_crossings": zig, "final_f": final, "max_gap_to_book": gap}
    config = {"start": START, "steps": steps, "lr": {n: s[1] for n, s in SETTINGS.items()}}
    return Outcome(fig, config, numbers, ["optimizer", "lr", "y crossings", "final f(x,y)",
                                          "max gap to book"], rows, checks, notes)
