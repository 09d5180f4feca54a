"""SGD, Momentum, AdaGrad and Adam training the same 5-layer net on MNIST (book §6.1.8).

784-[100]*4-10, ReLU, He init, batch 128 drawn with replacement, 2000 iterations, the book's
default learning rates; the loss after each update is smoothed as the book's figure is.
"""

from __future__ import annotations

import numpy as np

import minigrad as mg
from minigrad import optim

from .common import Check, Context, Outcome, smooth_curve
from .loops import book_mlp, loss_figure, train_by_iterations

OPTIMIZERS = {
    "SGD": lambda p: optim.SGD(p, lr=0.01),
    "Momentum": lambda p: optim.Momentum(p, lr=0.01, momentum=0.9),
    "AdaGrad": lambda p: optim.AdaGrad(p, lr=0.01),
    "Adam": lambda p: optim.Adam(p, lr=0.001),
}
BOOK_NOTEBOOK = {  # (iteration: SGD, Momentum, AdaGrad, Adam) from the book's notebook
    100: (1.48, 0.42, 0.19, 0.34), 1000: (0.18, 0.044, 0.020, 0.026),
    1900: (0.15, 0.050, 0.016, 0.032),
}
MARKERS = {"SGD": "o", "Momentum": "x", "AdaGrad": "s", "Adam": "D"}


def run(ctx: Context) -> Outcome:
    iterations = 300 if ctx.quick else 2000
    (x, t), _, source = ctx.data()
    gen = mg.Generator().manual_seed(ctx.seed)
    mg.manual_seed(ctx.seed)
    nets = {}
    for name, make in OPTIMIZERS.items():
        model = book_mlp([100] * 4, "relu")
        nets[name] = (model, make(model.parameters()))
    losses = train_by_iterations(nets, x, t, iterations, 128, gen, ctx.progress)

    fig = loss_figure(losses, MARKERS, 1,
                      f"Optimizers on {ctx.dataset} ({source.n_train} training samples)")

    def tail(name: str) -> float:
        return float(np.mean(losses[name][-100:]))

    at = [i for i in (100, iterations // 2, iterations - 100) if i < iterations]
    rows = [[n, *[float(smooth_curve(losses[n])[i]) for i in at], tail(n)] for n in OPTIMIZERS]
    fast = ("Momentum", "AdaGrad", "Adam")
    checks = [
        Check("Momentum, AdaGrad and Adam learn faster than SGD",
              all(tail(n) < 0.6 * tail("SGD") for n in fast),
              ", ".join(f"{n} {tail(n):.3f}" for n in OPTIMIZERS)),
        Check("AdaGrad and Adam are well ahead of SGD",
              max(tail("AdaGrad"), tail("Adam")) < 0.5 * tail("SGD")),
    ]
    notes = []
    if source.is_subset or source.n_train != 60000:
        notes.append(f"trained on {source.n_train} samples ({source.kind} source), not the book's"
                     " 60,000: the losses fall faster and lower than the book's notebook")
    numbers = {"loss": losses, "smoothed": {n: smooth_curve(v).tolist()
                                            for n, v in losses.items()},
               "book_notebook": {str(k): v for k, v in BOOK_NOTEBOOK.items()}}
    config = {"hidden": [100] * 4, "activation": "relu", "init": "he", "batch_size": 128,
              "iterations": iterations, "lr": {"SGD": 0.01, "Momentum": 0.01,
                                               "AdaGrad": 0.01, "Adam": 0.001}}
    return Outcome(fig, config, numbers,
                   ["optimizer", *[f"loss@{i}" for i in at], "mean of last 100"], rows,
                   checks, notes, summary="smoothed training loss per optimizer")
