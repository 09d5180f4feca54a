"""What the three overfitting experiments share (book §6.4): the 7-layer net on 300 samples.

``overfit``, ``weight-decay`` and ``dropout`` train ``MLP(784, [100] * 6, 10)`` (ReLU, He init)
with SGD(lr=0.01) on batches of 100 drawn with replacement from the first 300 training
samples, evaluating train and test accuracy every 3 iterations (one book "epoch").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

import minigrad as mg
from minigrad import nn
from minigrad.optim import SGD
from minigrad.train import Trainer

from .common import Context

__all__ = ["Run", "train_run", "plot_run", "N_TRAIN", "HIDDEN", "LR", "BATCH", "TAIL",
           "overfit_config", "schedule_note", "HEADERS", "SUMMARY"]  # fmt: skip

N_TRAIN, HIDDEN, LR, BATCH = 300, [100] * 6, 0.01, 100
TAIL = 10  # final accuracies are averaged over the last TAIL evaluations (damps batch noise)


@dataclass
class Run:
    """One training run's accuracy curves, one point per evaluation."""

    label: str
    train_acc: list[float]
    test_acc: list[float]

    @property
    def final_train(self) -> float:
        return float(np.mean(self.train_acc[-TAIL:]))

    @property
    def final_test(self) -> float:
        return float(np.mean(self.test_acc[-TAIL:]))

    @property
    def gap(self) -> float:
        """Train minus test accuracy at the end of training: the size of the overfitting."""
        return self.final_train - self.final_test

    def row(self) -> list[Any]:
        return [self.label, self.final_train, self.final_test, self.gap]

    def to_dict(self) -> dict[str, list[float]]:
        return {"train_acc": self.train_acc, "test_acc": self.test_acc}


HEADERS = ["setting", "train acc", "test acc", "gap"]
SUMMARY = f"accuracies at the end of training (mean of the last {TAIL} evaluations)"


def train_run(ctx: Context, label: str, evaluations: int, *, weight_decay: float = 0.0,
              dropout: float = 0.0) -> Run:
    """Train the book's 7-layer net once; same seed, same init and same batches for every setting.

    Weight decay goes on the weight matrices only (the book's ``0.5 * λ * ΣW²`` penalty, whose
    gradient ``λW`` is what SGD's ``weight_decay`` adds), through the model's parameter groups.
    """
    (x, t), (x_test, t_test), _ = ctx.data()
    mg.manual_seed(ctx.seed)  # the init and the dropout masks
    model = nn.MLP(784, HIDDEN, 10, activation="relu", weight_init="relu", dropout=dropout)
    optimizer = SGD(model.param_groups(weight_decay=weight_decay), lr=LR)
    trainer = Trainer(model, optimizer, (x[:N_TRAIN], t[:N_TRAIN]), (x_test, t_test),
                      epochs=evaluations - 1, batch_size=BATCH, sampling="replacement",
                      eval_at_start=True, progress=ctx.progress, desc=label,
                      generator=mg.Generator().manual_seed(ctx.seed))
    h = trainer.fit()
    return Run(label, [float(a) for a in h.train_acc], [float(a) for a in h.val_acc])


def overfit_config(ctx: Context, evaluations: int) -> dict[str, Any]:
    """The settings every overfitting experiment records in its JSON."""
    (_, _), (x_test, _), _ = ctx.data()
    return {"train_samples": N_TRAIN, "test_samples": int(len(x_test)), "hidden": HIDDEN,
            "activation": "relu", "weight_init": "He (relu)", "optimizer": "SGD", "lr": LR,
            "batch_size": BATCH, "sampling": "with replacement",
            "iterations_per_evaluation": N_TRAIN // BATCH, "evaluations": evaluations,
            "final_accuracy": f"mean of the last {TAIL} evaluations"}


def plot_run(ax: Any, run: Run, title: str) -> None:
    """The book's figure: train 'o' and test 's' markers every 10 epochs, ylim (0, 1)."""
    epochs = np.arange(len(run.train_acc))
    ax.plot(epochs, run.train_acc, marker="o", markevery=10, label="train")
    ax.plot(epochs, run.test_acc, marker="s", markevery=10, label="test")
    ax.set_xlabel("epochs")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1.0)
    ax.set_title(title)
    ax.legend(loc="lower right")


def schedule_note(evaluations: int) -> str:
    """How minigrad's evaluation points relate to the book's."""
    return (f"{evaluations} evaluations of train and test accuracy, the first before any update "
            f"and then one every {N_TRAIN // BATCH} updates; the book evaluates after the first "
            "update and then every 3, so its point k has one update more than minigrad's")
