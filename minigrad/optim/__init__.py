"""Optimizers with PyTorch's names and semantics, plus the book's aliases (Momentum, Nesterov,
AdaGrad) with the book's default settings; schedulers live in ``minigrad.optim.lr_scheduler``."""

from __future__ import annotations

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import AdaGrad, Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .nadam import NAdam
from .optimizer import Optimizer, required
from .radam import RAdam
from .rmsprop import RMSprop
from .sgd import SGD, Momentum, Nesterov

__all__ = [
    "SGD",
    "Adadelta",
    "Adamax",
    "NAdam",
    "RAdam",
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
