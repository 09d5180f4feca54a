"""minigrad: a small, fast, readable reverse-mode autodiff on NumPy with PyTorch's names."""

from __future__ import annotations

import numpy as _np

from . import accelerator, autograd, backends, cuda, datasets, nn, optim, random, testing, utils
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .creation import (
    arange,
    empty,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    normal,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .devices import device
from .ops.elementwise import (
    abs,
    add,
    clamp,
    div,
    exp,
    log,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    relu,
    sigmoid,
    sqrt,
    sub,
    tanh,
    where,
)
from .ops.linalg import matmul
from .ops.reduce import amax, amin, argmax, argmin, gather, logsumexp, max, mean, min, std, sum, var
from .ops.shape import broadcast_to, cat, permute, reshape, stack
from .random import Generator, initial_seed, manual_seed
from .serialization import CheckpointError, load, save
from .tensor import Tensor, as_tensor, float32, float64
from .tensor_methods import eq, flatten, ge, gt, le, lt, ne, squeeze, transpose, unsqueeze

int64 = _np.dtype("int64")
int32 = _np.dtype("int32")
bool = _np.dtype("bool")  # noqa: A001  (PyTorch's name: minigrad.bool)
clip = clamp
concat = concatenate = cat

__version__ = "0.1.0"

__all__ = [
    "Generator",
    "Tensor",
    "__version__",
    "abs",
    "accelerator",
    "add",
    "amax",
    "amin",
    "arange",
    "argmax",
    "argmin",
    "as_tensor",
    "autograd",
    "backends",
    "nn",
    "optim",
    "save",
    "CheckpointError",
    "load",
    "datasets",
    "device",
    "utils",
    "bool",
    "broadcast_to",
    "cat",
    "cuda",
    "clamp",
    "clip",
    "concat",
    "concatenate",
    "div",
    "empty",
    "enable_grad",
    "eq",
    "exp",
    "eye",
    "flatten",
    "float32",
    "float64",
    "from_numpy",
    "full",
    "full_like",
    "gather",
    "ge",
    "gt",
    "initial_seed",
    "int32",
    "int64",
    "is_grad_enabled",
    "le",
    "linspace",
    "log",
    "logsumexp",
    "lt",
    "manual_seed",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mul",
    "ne",
    "neg",
    "no_grad",
    "normal",
    "ones",
    "ones_like",
    "permute",
    "pow",
    "rand",
    "randint",
    "randn",
    "random",
    "randperm",
    "relu",
    "reshape",
    "set_grad_enabled",
    "sigmoid",
    "sqrt",
    "squeeze",
    "stack",
    "std",
    "sub",
    "sum",
    "tanh",
    "tensor",
    "testing",
    "transpose",
    "unsqueeze",
    "var",
    "where",
    "zeros",
    "zeros_like",
]
