"""Activation histograms of a 5-layer net by weight scale (book §6.2.2-6.2.3).

1000 random inputs of 100 features pass through 5 bias-free layers of 100 units; each layer's
weights are ``randn(100, 100) * scale`` with scale std 1, 0.01, Xavier sqrt(1/n) or He sqrt(2/n),
for sigmoid, tanh and ReLU. Per layer: mean, std and the fraction of saturated units.
"""

from __future__ import annotations

import math

import numpy as np

import minigrad as mg

from .common import Check, Context, Outcome, new_figure

ACTIVATIONS = {"sigmoid": mg.sigmoid, "tanh": mg.tanh, "relu": mg.relu}
INITS = {"std=1": lambda n: 1.0, "std=0.01": lambda n: 0.01,
         "Xavier": lambda n: math.sqrt(1.0 / n), "He": lambda n: math.sqrt(2.0 / n)}


def saturated(act: str, z: np.ndarray) -> float:
    """The book's saturation: sigmoid near 0 or 1, tanh near ±1, ReLU exactly 0."""
    if act == "sigmoid":
        return float(np.mean((z < 0.01) | (z > 0.99)))
    if act == "tanh":
        return float(np.mean(np.abs(z) > 0.99))
    return float(np.mean(z == 0))


def forward_stats(act: str, init: str, x: np.ndarray, layers: int, nodes: int,
                  gen: mg.Generator) -> list[dict]:
    """Run the bias-free net once; return per-layer activations' stats and values."""
    z = mg.tensor(x)
    out = []
    with mg.no_grad():
        for _ in range(layers):
            w = mg.randn(nodes, nodes, generator=gen) * INITS[init](nodes)
            z = ACTIVATIONS[act](z @ w)
            out.append({"mean": float(z._data.mean()), "std": float(z._data.std()),
                        "saturated": saturated(act, z._data), "values": z._data})
    return out


def run(ctx: Context) -> Outcome:
    samples, layers, nodes = (300 if ctx.quick else 1000), 5, 100
    gen = mg.Generator().manual_seed(ctx.seed)
    x = mg.randn(samples, nodes, generator=gen)._data
    stats = {(a, i): forward_stats(a, i, x, layers, nodes, gen)
             for a in ACTIVATIONS for i in INITS}

    fig, axes = new_figure(len(stats), layers, size=(2.6 * layers, 1.7 * len(stats)))
    for r, ((act, init), per_layer) in enumerate(stats.items()):
        for c, s in enumerate(per_layer):
            ax = axes[r][c]
            v = s["values"].ravel()
            title = f"{act}, {init}: layer {c + 1}"
            if act == "relu":  # the zero spike would hide the rest (the book's xlim(0.1, 1))
                v = v[v > 0]
                title += f" ({s['saturated']:.0%} zeros)"
            ax.hist(v, 30, range=(-1, 1) if act == "tanh" else (0, 1), color="tab:blue")
            ax.set_title(title, fontsize=7)
            ax.tick_params(labelsize=6)
            if c == 0:
                ax.set_ylabel("count", fontsize=7)
            if r == len(stats) - 1:
                ax.set_xlabel("activation", fontsize=7)
    fig.suptitle("Activation distributions per layer by weight init (book Fig. 6-10 to 6-14)")

    def col(act, init, key):
        return [s[key] for s in stats[(act, init)]]

    rows = [[act, init, *[f"{m:.3g}/{s:.3g}/{q:.2f}" for m, s, q in
                          zip(col(act, init, "mean"), col(act, init, "std"),
                              col(act, init, "saturated"))]]
            for act, init in stats]
    numbers = {f"{act} {init}": {k: col(act, init, k) for k in ("mean", "std", "saturated")}
               for act, init in stats}
    relu_he, relu_x = col("relu", "He", "std"), col("relu", "Xavier", "mean")
    checks = [
        Check("sigmoid with std 1: activations pile up at 0 and 1 (vanishing gradients)",
              min(col("sigmoid", "std=1", "saturated")) > 0.3,
              f"saturated fraction per layer {np.round(col('sigmoid', 'std=1', 'saturated'), 2)}"),
        Check("sigmoid with std 0.01: activations concentrate around 0.5",
              max(col("sigmoid", "std=0.01", "std")[1:]) < 0.05
              and abs(np.mean(col("sigmoid", "std=0.01", "mean")) - 0.5) < 0.02,
              f"std per layer {np.round(col('sigmoid', 'std=0.01', 'std'), 4)}"),
        Check("sigmoid with Xavier: a broader spread than std 0.01, without saturation",
              min(col("sigmoid", "Xavier", "std")) > 3 * max(col("sigmoid", "std=0.01", "std")[1:])
              and max(col("sigmoid", "Xavier", "saturated")) < 0.05),
        Check("ReLU with std 0.01: activations shrink towards 0 layer after layer",
              col("relu", "std=0.01", "mean")[-1] < 1e-3 * col("relu", "std=0.01", "mean")[0]),
        Check("ReLU with Xavier: the bias towards 0 grows with depth",
              relu_x[-1] < 0.6 * relu_x[0], f"mean per layer {np.round(relu_x, 3)}"),
        Check("ReLU with He: the same breadth in every layer",
              0.5 < relu_he[-1] / relu_he[0] < 2.0, f"std per layer {np.round(relu_he, 3)}"),
        Check("tanh with Xavier: centred at 0 (a bell shape)",
              max(abs(m) for m in col("tanh", "Xavier", "mean")) < 0.05),
    ]
    notes = ["ReLU histograms leave out exact zeros (given in the title) and, as the book's, "
             "values above 1; tanh uses the range (-1, 1) where the book's (0, 1) drops the "
             "negative half"]
    return Outcome(fig, {"samples": samples, "layers": layers, "nodes": nodes,
                         "inits": list(INITS), "activations": list(ACTIVATIONS)},
                   numbers, ["activation", "init", *[f"L{i + 1} mean/std/sat" for i in
                                                     range(layers)]], rows, checks, notes,
                   summary="mean/std/saturated fraction of each layer's activations")
