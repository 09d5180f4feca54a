"""The experiments of the book's chapter "techniques for learning", one module each.

Run them with ``python -m minigrad.experiments NAME`` (or ``minigrad-experiments NAME``);
``all`` runs every one and writes a summary README next to the figures.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from .common import Check, Context, Outcome

__all__ = ["EXPERIMENTS", "Context", "Outcome", "Check", "get"]

# name -> (module, one-line description), in the book's order
EXPERIMENTS: dict[str, tuple[str, str]] = {
    "optimizer-paths": ("optimizer_paths", "SGD, Momentum, AdaGrad, Adam on x²/20 + y²"),
    "optimizer-compare": ("optimizer_compare", "the four optimizers on MNIST"),
    "init-activations": ("init_activations", "activation histograms by weight init"),
    "init-compare": ("init_compare", "std 0.01 vs Xavier vs He on MNIST"),
    "batchnorm": ("batchnorm", "with and without Batch Normalization over 16 init scales"),
    "overfit": ("overfit", "a 7-layer net overfits 300 samples"),
    "weight-decay": ("weight_decay", "weight decay 0.1 narrows the train-test gap"),
    "dropout": ("dropout", "Dropout 0.2 narrows the train-test gap"),
    "hyperparameter-search": ("hyperparameter_search", "random search of lr and weight decay"),
    "gradient-check": ("gradient_check", "backprop vs numerical gradients of the MLP"),
}


def get(name: str) -> Callable[[Context], Outcome]:
    """The ``run`` function of an experiment by its command-line name."""
    if name not in EXPERIMENTS:
        raise KeyError(f"unknown experiment {name!r}; choose from {', '.join(EXPERIMENTS)}")
    module = importlib.import_module(f".{EXPERIMENTS[name][0]}", __name__)
    return module.run
