"""Backprop vs numerical gradients of the MLP with and without BatchNorm (book's gradient checks).

A 784-[100, 100]-10 ReLU net (He init) in float64 on a batch of 10 MNIST samples: for each
parameter, the book's central difference ``(L(p + h) - L(p - h)) / 2h`` against ``backward()``,
reported as the mean |difference| (the book's number) and the largest difference relative to the
gradient's size. ``minigrad.testing.gradcheck`` then checks all parameters at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F
from minigrad.tensor import bump
from minigrad.testing import gradcheck

from .common import Check, Context, Outcome, new_figure

__all__ = ["run", "book_names", "numerical_gradient", "compare", "ReluPattern"]

BATCH, HIDDEN, H = 10, [100, 100], 1e-5
REL_TOL = 1e-6  # largest |backprop - numerical| over the largest |gradient|, float64
ZERO = 1e-10  # a gradient whose entries are all below this is zero (biases before BatchNorm)


def book_names(model: nn.MLP) -> list[str]:
    """The book's names of the parameters, in ``model.parameters()`` order: W1, b1, gamma1, ..."""
    names, k = [], {nn.Linear: 0, nn.BatchNorm1d: 0}
    for m in model.layers:
        if type(m) in k:
            k[type(m)] += 1
            i = k[type(m)]
            names += [f"W{i}", f"b{i}"] if type(m) is nn.Linear else [f"gamma{i}", f"beta{i}"]
    return names


class ReluPattern:
    """Which ReLU inputs are positive in the last forward, to see a perturbation cross a kink."""

    def __init__(self, model: nn.Module) -> None:
        self._masks: list[np.ndarray] = []
        self._handles = [m.register_forward_hook(self._hook) for m in model.modules()
                         if isinstance(m, nn.ReLU)]

    def _hook(self, module: nn.Module, args: Any, output: mg.Tensor) -> None:
        self._masks.append(output._data > 0)

    def take(self) -> np.ndarray:
        """The pattern of the forward passes since the last call (and forget them)."""
        out = np.concatenate([m.ravel() for m in self._masks]) if self._masks else np.zeros(0)
        self._masks = []
        return out

    def remove(self) -> None:
        for h in self._handles:
            h.remove()


def numerical_gradient(loss: Callable[[], float], p: mg.Tensor, idx: np.ndarray, h: float = H,
                       pattern: ReluPattern | None = None,
                       retries: int = 3) -> tuple[np.ndarray, int]:
    """The book's central difference at the flat indices ``idx`` of ``p`` (perturbed in place).

    With ``pattern``, an entry whose +-h flips a ReLU (the loss has a kink in between, where a
    central difference is wrong) is redone with h/10, up to ``retries`` times. Returns the
    gradient entries and how many were redone.
    """
    arr = p._data  # written in place at C-order (flat) positions, whatever its memory order
    if pattern is not None:
        pattern.take()
        loss()
        base = pattern.take()
    out, redone = np.empty(len(idx)), 0
    for j, k in enumerate(idx):
        pos = np.unravel_index(k, arr.shape)
        orig, step = arr[pos], h
        for attempt in range(retries + 1):
            arr[pos] = orig + step
            plus = loss()
            arr[pos] = orig - step
            minus = loss()
            arr[pos] = orig
            if pattern is None or np.array_equal(pattern.take(), np.tile(base, 2)):
                break
            if attempt < retries:
                step /= 10
        redone += step != h
        out[j] = (plus - minus) / (2 * step)
    bump(p)  # written in place: a graph that saved p must not backpropagate through it
    return out, redone


def compare(model: nn.MLP, x: mg.Tensor, t: mg.Tensor, max_entries: int,
            gen: mg.Generator) -> list[dict[str, Any]]:
    """Per parameter: mean and max |backprop - numerical|, the gradient's size, relative error.

    Parameters with more than ``max_entries`` entries are checked on a random sample of them.
    """
    model.train()
    model.zero_grad()
    F.cross_entropy(model(x), t).backward()

    def loss() -> float:
        with mg.no_grad():
            return float(F.cross_entropy(model(x), t)._data)

    rows, relu = [], ReluPattern(model)
    for name, p in zip(book_names(model), model.parameters()):
        n = p._data.size
        idx = (np.sort(gen.rng.choice(n, max_entries, replace=False)) if n > max_entries
               else np.arange(n))
        analytic = p.grad._data.reshape(-1)[idx].astype(np.float64)
        numeric, redone = numerical_gradient(loss, p, idx, pattern=relu)
        diff = np.abs(analytic - numeric)
        scale = float(max(np.abs(analytic).max(), np.abs(numeric).max()))
        rows.append({"name": name, "shape": list(p.shape), "checked": int(len(idx)), "size": n,
                     "mean_abs_diff": float(diff.mean()), "max_abs_diff": float(diff.max()),
                     "grad_scale": scale, "smaller_h": redone,
                     "rel_error": float(diff.max() / scale) if scale > ZERO else None})
    relu.remove()
    return rows


def _functional(model: nn.MLP) -> Callable[..., mg.Tensor]:
    """The model's training-mode loss as a function of (x, t, *parameters), for gradcheck."""
    layers = list(model.layers)

    def fn(x: mg.Tensor, t: mg.Tensor, *params: mg.Tensor) -> mg.Tensor:
        it, h = iter(params), x
        for m in layers:
            if isinstance(m, nn.Linear):
                h = F.linear(h, next(it), next(it))
            elif isinstance(m, nn.BatchNorm1d):
                h = F.batch_norm(h, None, None, next(it), next(it), training=True, eps=m.eps)
            elif isinstance(m, nn.ReLU):
                h = F.relu(h)
            else:
                raise TypeError(f"unexpected layer {m!r}")
        return F.cross_entropy(h, t)

    return fn


def _gradcheck(model: nn.MLP, x: mg.Tensor, t: mg.Tensor) -> tuple[bool, float]:
    """minigrad.testing.gradcheck (random projections) over every parameter at once."""
    fn = _functional(model)
    params = [mg.tensor(p._data, requires_grad=True) for p in model.parameters()]
    with mg.no_grad():
        same = abs(float(fn(x, t, *params)._data) - float(F.cross_entropy(model(x), t)._data))
    # all parameters move at once along a random direction, so a step as small as 1e-8 keeps
    # the ReLUs on their side (1e-6 crossed a kink with Fashion-MNIST); round-off stays ~1e-8
    ok = gradcheck(fn, (x, t, *params), eps=1e-8, raise_exception=False, fast_mode=True)
    return ok and same < 1e-12, same


def run(ctx: Context) -> Outcome:
    (x_all, t_all), _, _ = ctx.data()
    max_entries = 200 if ctx.quick else 2000
    x = mg.from_numpy(x_all[:BATCH].astype(np.float64))
    t = mg.from_numpy(t_all[:BATCH].astype(np.int64))
    gen = mg.Generator().manual_seed(ctx.seed)
    mg.manual_seed(ctx.seed)
    results, gradchecks = {}, {}
    for label, bn in (("plain", False), ("BatchNorm", True)):
        model = nn.MLP(784, HIDDEN, 10, weight_init="relu", batchnorm=bn).double()
        results[label] = compare(model, x, t, max_entries, gen)
        gradchecks[label] = _gradcheck(model, x, t)

    names = [r["name"] for r in results["BatchNorm"]]  # a superset of the plain net's
    fig, axes = new_figure(1, 2, size=(13, 4.8))
    floor = 1e-20
    for ax, key, title in ((axes[0][0], "mean_abs_diff", "mean |backprop - numerical|"),
                           (axes[0][1], "rel_error", "max |difference| / max |gradient|")):
        for j, (label, rows) in enumerate(results.items()):
            pos = [names.index(r["name"]) + 0.4 * j - 0.2 for r in rows]
            vals = [max(r[key], floor) if r[key] is not None else np.nan for r in rows]
            ax.bar(pos, vals, width=0.4, label=label)
        ax.set_xticks(np.arange(len(names)))
        ax.set_xticklabels(names, rotation=45, fontsize=8)
        ax.set_yscale("log")
        ax.set_ylabel(title)
        ax.set_xlabel("parameter")
        ax.legend()
    axes[0][1].axhline(REL_TOL, color="k", linestyle=":", linewidth=1)
    axes[0][0].set_title("the book's number (0 drawn at 1e-20)")
    axes[0][1].set_title(f"relative error (dotted: {REL_TOL:g}; no bar: zero gradient)")
    fig.suptitle(f"Backprop vs central differences (h = {H:g}, float64, batch of {BATCH})")

    by_name = {label: {r["name"]: r for r in rows} for label, rows in results.items()}

    def cells(label: str, name: str) -> list[Any]:
        r = by_name[label].get(name)
        if r is None:
            return ["-", "-"]
        return [r["mean_abs_diff"], r["rel_error"] if r["rel_error"] is not None else "zero grad"]

    table = [[name, *cells("plain", name), *cells("BatchNorm", name)] for name in names]
    nonzero = [(label, r) for label, rows in results.items() for r in rows
               if r["rel_error"] is not None]
    zero_bias = [(label, r) for label, rows in results.items() for r in rows
                 if r["rel_error"] is None]
    worst = max(nonzero, key=lambda lr: lr[1]["rel_error"])
    bn_biases = [r for r in results["BatchNorm"] if r["name"] in ("b1", "b2")]
    checks = [
        Check(f"backprop matches the numerical gradient for every parameter of both nets "
              f"(relative error < {REL_TOL:g} in float64)",
              all(r["rel_error"] < REL_TOL for _, r in nonzero),
              f"worst {worst[1]['rel_error']:.2g} ({worst[0]} {worst[1]['name']})"),
        Check("the biases feeding a BatchNorm get zero gradient both ways (BN subtracts the "
              "batch mean, so a shift cancels)",
              all(r["grad_scale"] <= ZERO for r in bn_biases)
              and {lr[1]["name"] for lr in zero_bias} <= {"b1", "b2"},
              ", ".join(f"{r['name']} max |grad| {r['grad_scale']:.1g}" for r in bn_biases)),
        Check("minigrad.testing.gradcheck (random projections) passes for all parameters at "
              "once, on the same loss written with nn.functional",
              all(ok for ok, _ in gradchecks.values()),
              ", ".join(f"{k}: {'pass' if ok else 'FAIL'}" for k, (ok, _) in gradchecks.items())),
    ]
    notes = [
        f"a batch of {BATCH}, not the book's x_train[:1]: with one sample BatchNorm's output is "
        "just beta (x - mean = 0), so every gradient upstream of it is exactly 0, and beta = 0 "
        "puts the ReLU input on its kink, where a central difference gives half the slope "
        "(the book's beta2: 0.0563); minigrad's BatchNorm1d refuses a batch of 1 in training "
        "mode, as PyTorch. With 2 samples each normalised feature is +-1 whatever the input, so "
        "upstream gradients nearly vanish too",
        "float64 (the book's arrays are float64 too); relative error = largest |backprop - "
        "numerical| over the largest |gradient| of that parameter, so a tiny entry's round-off "
        "does not dominate",
        f"parameters with more than {max_entries} entries ("
        + ", ".join(r["name"] for r in results["BatchNorm"] if r["checked"] < r["size"])
        + f") are checked on {max_entries} entries drawn at random (the book differentiates "
        "all 90,000, minutes of work); the others entirely",
        f"h = {H:g}; an entry whose +-h flips a ReLU (a kink in between, where central "
        "differences are wrong) is redone with h/10: "
        + ", ".join(f"{label} {sum(r['smaller_h'] for r in rows)}" for label, rows in
                    results.items()) + " entries needed it",
    ]
    numbers = {label: {r["name"]: {k: r[k] for k in ("mean_abs_diff", "max_abs_diff",
                                                     "grad_scale", "rel_error", "checked",
                                                     "smaller_h")}
                        for r in rows} for label, rows in results.items()}
    numbers["gradcheck"] = {k: {"passed": ok, "loss_mismatch": same}
                            for k, (ok, same) in gradchecks.items()}
    return Outcome(fig, {"hidden": HIDDEN, "batch": BATCH, "h": H, "dtype": "float64",
                         "max_entries_per_parameter": max_entries, "weight_init": "He (relu)"},
                   numbers, ["param", "plain mean |diff|", "plain rel err", "BN mean |diff|",
                             "BN rel err"], table,
                   checks, notes, summary="backprop vs numerical gradient per parameter")
