"""Weight decay λ=0.1 narrows the train-test gap of the overfitting net (book §6.4.2).

``overfit``'s setting trained twice from the same init on the same batches: without decay and
with the book's L2 penalty ``0.5 λ ΣW²`` (λ=0.1) on every weight matrix, biases not decayed.
"""

from __future__ import annotations

from .common import Check, Context, Outcome, new_figure
from .overfitting_common import HEADERS, SUMMARY, overfit_config, plot_run, schedule_note, train_run

__all__ = ["run", "LAMBDA", "EVALUATIONS"]

LAMBDA, EVALUATIONS = 0.1, 201
ABOUT_100 = 0.98


def run(ctx: Context) -> Outcome:
    evaluations = 101 if ctx.quick else EVALUATIONS
    base = train_run(ctx, "no weight decay", evaluations)
    decay = train_run(ctx, f"weight decay λ={LAMBDA}", evaluations, weight_decay=LAMBDA)
    fig, axes = new_figure(1, 2, size=(12, 4.8))
    plot_run(axes[0][0], base, "without weight decay (book Fig. 6-20)")
    plot_run(axes[0][1], decay, f"weight decay λ = {LAMBDA} (book Fig. 6-21)")
    fig.suptitle(f"7-layer net on 300 samples of {ctx.dataset}")
    checks = [
        Check("weight decay makes the train-test gap smaller", decay.gap < base.gap,
              f"gap {decay.gap:.3f} with decay vs {base.gap:.3f} without"),
        Check(f"with weight decay train accuracy does not reach 100% (stays < {ABOUT_100:.0%})",
              decay.final_train < ABOUT_100 and max(decay.train_acc) < 1.0,
              f"final train {decay.final_train:.3f}, best {max(decay.train_acc):.3f}"),
    ]
    notes = [
        f"weight decay is SGD's weight_decay={LAMBDA} on the weight matrices only (the MLP's "
        "param_groups): it adds λW to each weight's gradient, the gradient of the book's penalty "
        "0.5 λ ΣW² (output layer included, biases excluded), so the updates are the book's; the "
        "loss minigrad reports leaves the penalty out",
        "both runs start from the same weights and see the same batches (same seed)",
        schedule_note(evaluations),
    ]
    if ctx.quick:
        notes.append(f"quick: {evaluations} evaluations (the book: {EVALUATIONS})")
    numbers = {"epochs": list(range(evaluations)), "no_decay": base.to_dict(),
               "weight_decay": decay.to_dict()}
    return Outcome(fig, {**overfit_config(ctx, evaluations), "weight_decay_lambda": LAMBDA},
                   numbers, HEADERS, [base.row(), decay.row()], checks, notes, summary=SUMMARY)
