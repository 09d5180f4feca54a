"""A 7-layer net overfits 300 MNIST samples (book §6.4.1, overfit_weight_decay.py with λ=0).

784-[100]*6-10 ReLU net, He init, SGD lr 0.01, batches of 100 drawn with replacement from
train[:300], 201 evaluations of train and test accuracy (one every 3 iterations), no weight decay.
"""

from __future__ import annotations

from .common import Check, Context, Outcome, new_figure
from .overfitting_common import HEADERS, SUMMARY, overfit_config, plot_run, schedule_note, train_run

__all__ = ["run", "EVALUATIONS"]

EVALUATIONS = 201
ABOUT_100 = 0.98  # "train accuracy almost 100%"
LARGE_GAP = 0.15


def run(ctx: Context) -> Outcome:
    evaluations = 151 if ctx.quick else EVALUATIONS
    r = train_run(ctx, "no regularization", evaluations)
    fig, axes = new_figure(1, 1, size=(7, 5))
    plot_run(axes[0][0], r, f"Overfitting: 7-layer net on 300 samples of {ctx.dataset}")
    checks = [
        Check(f"train accuracy reaches about 100% (>= {ABOUT_100:.0%})", r.final_train >=
              ABOUT_100, f"final train {r.final_train:.3f}, first >= {ABOUT_100:.0%} at epoch "
              f"{next((i for i, a in enumerate(r.train_acc) if a >= ABOUT_100), None)}"),
        Check(f"a large gap between train and test accuracy (> {LARGE_GAP})", r.gap > LARGE_GAP,
              f"gap {r.gap:.3f} (train {r.final_train:.3f}, test {r.final_test:.3f})"),
    ]
    notes = [schedule_note(evaluations)]
    if ctx.quick:
        notes.append(f"quick: {evaluations} evaluations (the book: {EVALUATIONS})")
    return Outcome(fig, overfit_config(ctx, evaluations),
                   {"epochs": list(range(evaluations)), **r.to_dict()},
                   HEADERS, [r.row()], checks, notes, summary=SUMMARY)
