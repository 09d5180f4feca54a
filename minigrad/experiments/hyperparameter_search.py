"""Random search of learning rate and weight decay on validation data (book §6.5).

500 training samples are shuffled and split 100 validation / 400 train; each trial trains the
book's 7-layer net (784-[100]*6-10, SGD, weight decay on weight matrices) for 50 epochs with
lr = 10^U(-6, -2) and weight decay = 10^U(-8, -4), scored by final validation accuracy.
A second round searches the ranges that ``minigrad.tune.narrow`` draws around the top 20.
Trials run on local processes by default, or on a Dask cluster (``--dask ADDRESS``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

import minigrad as mg
from minigrad import optim, tune
from minigrad.train import Trainer
from minigrad.utils.data import train_val_split

from .common import Check, Context, Outcome
from .loops import book_mlp

_DATA: dict[tuple, tuple] = {}


def _split(dataset: str, split_seed: int, n: int) -> tuple:
    """The book's data: train[:n], shuffled, the first 20% for validation (cached per process)."""
    key = (dataset, split_seed, n)
    if key not in _DATA:
        from minigrad.datasets import load_mnist

        (x, t), _ = load_mnist(normalize=True, dataset=dataset)
        gen = mg.Generator().manual_seed(split_seed)
        _DATA[key] = train_val_split(x[:n], t[:n].astype(np.int64), val_ratio=0.2,
                                     generator=gen)
    return _DATA[key]


def objective(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """One trial: train from the trial's own seed, return the final validation accuracy."""
    (x_train, t_train), (x_val, t_val) = _split(params["dataset"], params["split_seed"],
                                                params["samples"])
    mg.manual_seed(seed)
    model = book_mlp([100] * 6, "relu")
    opt = optim.SGD(model.param_groups(weight_decay=params["weight_decay"]), lr=params["lr"])
    trainer = Trainer(model, opt, (x_train, t_train), (x_val, t_val), epochs=params["epochs"],
                      batch_size=100, sampling="replacement", progress=False,
                      generator=mg.Generator().manual_seed(seed))
    h = trainer.fit()
    return {"score": h.val_acc[-1], "train_acc": h.train_acc, "val_acc": h.val_acc}


def _search(ctx: Context, space: dict[str, Any], n_trials: int, seed: int, tag: str):
    suffix = "-quick" if ctx.quick else ""
    storage = ctx.out / f"hyperparameter-search{suffix}-seed{ctx.seed}-{tag}.jsonl"
    ctx.out.mkdir(parents=True, exist_ok=True)
    if not ctx.resume and storage.exists():
        storage.unlink()  # published numbers come from this code, never from an old log
    return tune.random_search(objective, space, n_trials=n_trials, seed=seed,
                              executor=ctx.executor, storage=storage, progress=ctx.progress)


def run(ctx: Context) -> Outcome:
    n1, n2, epochs, top_k = (24, 8, 50, 3) if ctx.quick else (100, 50, 50, 20)
    ctx.data()  # record the data source in this experiment's JSON
    constants = {"dataset": ctx.dataset, "split_seed": ctx.seed, "samples": 500,
                 "epochs": epochs}
    space = {"lr": tune.loguniform(1e-6, 1e-2), "weight_decay": tune.loguniform(1e-8, 1e-4),
             **constants}
    first = _search(ctx, space, n1, ctx.seed, "round1")
    narrowed = tune.narrow(first, top_k=top_k)
    second = _search(ctx, narrowed, n2, ctx.seed + 1, "round2")

    best = first.top(top_k)
    fig = _figure(first, second, best)
    rows = [[f"Best-{k + 1}", t.score, t.params["lr"], t.params["weight_decay"]]
            for k, t in enumerate(best)]
    lrs = np.array([t.params["lr"] for t in first.ok])
    scores = np.array([t.score for t in first.ok])
    low = scores[lrs < 1e-4]
    top10 = [t.params["lr"] for t in first.top(max(3, n1 // 10))]
    med1, med2 = float(np.median(scores)), float(np.median([t.score for t in second.ok]))
    checks = [
        Check("good learning rates lie around 1e-3 to 1e-2: the best trials all have lr > 1e-3",
              min(top10) > 1e-3, f"smallest lr among the top {len(top10)}: {min(top10):.2e}"),
        Check("lr < 1e-4 barely learns in the budget (near chance on validation)",
              low.size == 0 or float(low.max()) < 0.35,
              f"best val acc with lr < 1e-4: {float(low.max()) if low.size else 'none'}"),
        Check("the narrowed second round scores better than the first",
              med2 > med1, f"median val acc {med1:.3f} -> {med2:.3f}"),
    ]
    notes = [f"second round ranges from the top {top_k}: lr {narrowed['lr']}, "
             f"weight decay {narrowed['weight_decay']}",
             "each trial is reproducible from its own seed on any worker; the JSON Lines logs "
             "beside this file let an interrupted search resume (--resume); without it the "
             "search starts anew"]
    numbers = {"round1": first.to_records(), "round2": second.to_records(),
               "narrowed": {k: str(v) for k, v in narrowed.items()}}
    config = {"samples": 500, "val_ratio": 0.2, "hidden": [100] * 6, "epochs": epochs,
              "batch_size": 100, "trials": [n1, n2], "top_k": top_k,
              "space": {"lr": "10^U(-6,-2)", "weight_decay": "10^U(-8,-4)"}}
    return Outcome(fig, config, numbers, ["rank", "val acc", "lr", "weight decay"], rows,
                   checks, notes, summary=f"top {top_k} of {n1} trials; a second round of {n2}")


def _figure(first: Any, second: Any, best: list) -> Any:
    from .common import new_figure

    ncols = 5
    nrows = 1 + (len(best) + ncols - 1) // ncols
    fig, axes = new_figure(nrows, ncols, size=(14, 2.6 * nrows))
    for ax in axes[0][1:]:
        ax.remove()
    gs = axes[0][0].get_gridspec()
    axes[0][0].remove()
    scatter = fig.add_subplot(gs[0, :])
    for res, label, marker in ((first, "round 1", "o"), (second, "round 2 (narrowed)", "x")):
        scatter.scatter([t.params["lr"] for t in res.ok], [t.score for t in res.ok],
                        label=label, marker=marker)
    scatter.set_xscale("log")
    scatter.set_xlabel("learning rate")
    scatter.set_ylabel("val acc")
    scatter.set_title("validation accuracy by learning rate")
    scatter.legend()
    for k, ax in enumerate(axes[1:].ravel()):
        if k >= len(best):
            ax.axis("off")
            continue
        t = best[k]
        ax.plot(t.extras["val_acc"], label="val")
        ax.plot(t.extras["train_acc"], "--", label="train")
        ax.set_ylim(0, 1)
        ax.set_title(f"Best-{k + 1} val {t.score:.2f}\nlr {t.params['lr']:.1e}, "
                     f"wd {t.params['weight_decay']:.1e}", fontsize=8)
        ax.tick_params(labelsize=6)
        if k == 0:
            ax.legend(fontsize=7)
    fig.suptitle("Hyperparameter random search (solid: validation, dashed: train)")
    return fig
