"""Dropout 0.2 narrows the train-test gap of the overfitting net (book §6.4.3).

``overfit``'s setting with 301 evaluations, trained twice from the same init on the same batches:
without dropout and with Dropout(0.2) after every hidden activation.
"""

from __future__ import annotations

from .common import Check, Context, Outcome, new_figure
from .overfitting_common import HEADERS, SUMMARY, overfit_config, plot_run, schedule_note, train_run

__all__ = ["run", "RATIO", "EVALUATIONS"]

RATIO, EVALUATIONS = 0.2, 301
ABOUT_100 = 0.98


def run(ctx: Context) -> Outcome:
    evaluations = 101 if ctx.quick else EVALUATIONS
    base = train_run(ctx, "no dropout", evaluations)
    drop = train_run(ctx, f"dropout {RATIO}", evaluations, dropout=RATIO)
    fig, axes = new_figure(1, 2, size=(12, 4.8))
    plot_run(axes[0][0], base, "without dropout")
    plot_run(axes[0][1], drop, f"dropout ratio {RATIO} (book Fig. 6-23)")
    fig.suptitle(f"7-layer net on 300 samples of {ctx.dataset}")
    checks = [
        Check("dropout makes the train-test gap smaller", drop.gap < base.gap,
              f"gap {drop.gap:.3f} with dropout vs {base.gap:.3f} without"),
        Check(f"with dropout train accuracy does not reach 100% (stays < {ABOUT_100:.0%})",
              drop.final_train < ABOUT_100,
              f"final train {drop.final_train:.3f}, best {max(drop.train_acc):.3f}"),
    ]
    notes = [
        "minigrad's Dropout is inverted (PyTorch): survivors are scaled by 1/(1-p) in training "
        "and eval is the identity; the book's keeps survivors unscaled and multiplies by (1-p) "
        "at test time. The expected activation is the same, but the book's training signal "
        f"shrinks by {1 - RATIO} per layer ({(1 - RATIO) ** 6:.2f} after 6), so its net learns "
        "more slowly at lr 0.01 (the book: train 0.67 / test 0.55 after 301 evaluations; the "
        "book's dropout written as a minigrad Module learns about as slowly)",
        "the masks come from minigrad.random, seeded with the run; both runs start from the same "
        "weights and see the same batches",
        schedule_note(evaluations),
    ]
    if ctx.quick:
        notes.append(f"quick: {evaluations} evaluations (the book: {EVALUATIONS})")
    numbers = {"epochs": list(range(evaluations)), "no_dropout": base.to_dict(),
               "dropout": drop.to_dict()}
    return Outcome(fig, {**overfit_config(ctx, evaluations), "dropout_ratio": RATIO},
                   numbers, HEADERS, [base.row(), drop.row()], checks, notes, summary=SUMMARY)
