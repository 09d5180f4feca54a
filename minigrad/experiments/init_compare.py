"""Weight init std 0.01 vs Xavier vs He for a 5-layer ReLU net on MNIST (book §6.2.4).

Same net, data and batches for the three inits: 784-[100]*4-10, SGD lr 0.01, batch 128,
2000 iterations.
"""

from __future__ import annotations

import math

import numpy as np

import minigrad as mg
from minigrad import optim

from .common import Check, Context, Outcome, smooth_curve
from .loops import book_mlp, loss_figure, train_by_iterations

INITS = {"std=0.01": 0.01, "Xavier": "sigmoid", "He": "relu"}
MARKERS = {"std=0.01": "o", "Xavier": "s", "He": "D"}


def run(ctx: Context) -> Outcome:
    iterations = 600 if ctx.quick else 2000
    (x, t), _, source = ctx.data()
    gen = mg.Generator().manual_seed(ctx.seed)
    mg.manual_seed(ctx.seed)
    nets = {}
    for name, spec in INITS.items():
        model = book_mlp([100] * 4, spec)
        nets[name] = (model, optim.SGD(model.parameters(), lr=0.01))
    losses = train_by_iterations(nets, x, t, iterations, 128, gen, ctx.progress)

    fig = loss_figure(losses, MARKERS, 2.5, f"Weight init with ReLU on {ctx.dataset}")

    def mean(name: str, lo: int, hi: int) -> float:
        return float(np.mean(losses[name][lo:hi]))

    last = iterations - 100
    half = iterations // 2
    rows = [[n, mean(n, 0, 100), mean(n, half - 50, half + 50), mean(n, last, iterations)]
            for n in INITS]
    ln10 = math.log(10)
    checks = [
        Check("std 0.01 does not learn: its loss stays at ln 10 = 2.3026",
              abs(mean("std=0.01", last, iterations) - ln10) < 0.01,
              f"mean of last 100: {mean('std=0.01', last, iterations):.4f}"),
        Check("Xavier and He both learn (their loss falls well below ln 10)",
              max(mean("Xavier", last, iterations), mean("He", last, iterations)) < 0.6 * ln10,
              f"last 100: Xavier {mean('Xavier', last, iterations):.3f}, "
              f"He {mean('He', last, iterations):.3f}"),
        Check("He learns faster than Xavier",
              mean("He", half - 50, half + 50) < mean("Xavier", half - 50, half + 50),
              f"around iteration {half}: He {mean('He', half - 50, half + 50):.3f}, "
              f"Xavier {mean('Xavier', half - 50, half + 50):.3f}"),
    ]
    notes = []
    if source.n_train != 60000:
        notes.append(f"trained on {source.n_train} samples ({source.kind} source), not the book's"
                     " 60,000")
    numbers = {"loss": losses, "smoothed": {n: smooth_curve(v).tolist()
                                            for n, v in losses.items()}}
    config = {"hidden": [100] * 4, "activation": "relu", "inits": INITS, "batch_size": 128,
              "iterations": iterations, "lr": 0.01}
    return Outcome(fig, config, numbers, ["init", "loss first 100", f"loss near {half}",
                                          "loss last 100"], rows, checks, notes,
                   summary="smoothed training loss per weight init")
