"""Optimizers with PyTorch's names and semantics, plus the book's aliases (Momentum, Nesterov,
AdaGrad) with the book's default settings; schedulers live in ``minigrad.optim.lr_scheduler``."""

from __future__ import annotations

from . import lr_scheduler
from .adagrad import AdaGrad, Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer, required
from .rmsprop import RMSprop
from .sgd import SGD, Momentum, Nesterov

__all__ = [
    "SGD",
    "AdaGrad",
    "Adagrad",
    "Adam",
    "AdamW",
    "Momentum",
    "Nesterov",
    "Optimizer",
    "RMSprop",
    "lr_scheduler",
    "required",
]
