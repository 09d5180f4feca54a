"""``minigrad.nn``: Module, Parameter, layers, losses, ``functional``, ``init`` and the book's MLP.

Names, arguments, defaults and shapes follow ``torch.nn``, so a PyTorch script runs after
replacing ``torch`` with ``minigrad``.
"""

from __future__ import annotations

import importlib.util as _ilu

from . import functional, init
from .activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .activation_more import *  # noqa: F403  (SiLU, ELU, PReLU, ...)
from .attention import MultiheadAttention
from .container import ModuleDict, ModuleList, Sequential
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .layers import Dropout, Flatten, Identity, Linear
from .layers_more import *  # noqa: F403  (Embedding, LayerNorm, ...)
from .loss import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .loss_more import *  # noqa: F403  (BCELoss, L1Loss, ...)
from .models import MLP
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d
from .parameter import Parameter
from .pooling import AdaptiveAvgPool2d, AvgPool2d, Dropout2d, MaxPool2d

if _ilu.find_spec(__name__ + ".utils") is not None:  # clip_grad_* etc., written separately
    from . import utils  # noqa: F401

__all__ = [
    "AdaptiveAvgPool2d",
    "AvgPool2d",
    "BatchNorm2d",
    "Conv1d",
    "Conv2d",
    "ConvTranspose2d",
    "Dropout2d",
    "MaxPool2d",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "CrossEntropyLoss",
    "Dropout",
    "Flatten",
    "GELU",
    "Identity",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MLP",
    "MSELoss",
    "Module",
    "ModuleDict",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "functional",
    "init",
]
__all__ += ["MultiheadAttention"]
__all__ += activation_more.__all__ + layers_more.__all__ + loss_more.__all__  # noqa: F405
