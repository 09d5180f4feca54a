"""Tensor's operators and methods, attached here so ``tensor.py`` stays about the data structure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import devices as _dev
from . import dtypes as dt
from . import tensor_types as tt
from .ops import binary as bn
from .ops import bitwise as bw
from .ops import compare as cp
from .ops import elementwise as ew
from .ops import linalg as la
from .ops import math as mt
from .ops import norms as nm
from .ops import reduce as red
from .ops import scan as sc
from .ops import shape as sh
from .ops import sorting as so
from .tensor import Tensor, as_pair

__all__ = ["UFUNCS", "eq", "ne", "lt", "le", "gt", "ge", "squeeze", "unsqueeze", "flatten",
           "transpose", "expand"]


def _compare(npfn):
    def fn(a: Any, b: Any) -> Tensor:
        if not (isinstance(a, Tensor) and isinstance(b, Tensor)
                and a._data.dtype is b._data.dtype):  # else promote first, as PyTorch
            a, b = as_pair(a, b)
        return Tensor._wrap(npfn(a._data, b._data))

    return fn


eq, ne = _compare(np.equal), _compare(np.not_equal)
lt, le = _compare(np.less), _compare(np.less_equal)
gt, ge = _compare(np.greater), _compare(np.greater_equal)


def squeeze(x: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    if dim is None:
        return sh.reshape(x, tuple(n for n in x.shape if n != 1))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    nd = max(x.ndim, 1)
    dims = tuple(d % nd for d in dims)
    return sh.reshape(x, tuple(n for i, n in enumerate(x.shape) if not (i in dims and n == 1)))


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    nd = x.ndim + 1
    if not -nd <= dim < nd:
        raise IndexError(f"unsqueeze: dim {dim} out of range for a {x.ndim}-d tensor")
    d = dim % nd
    return sh.reshape(x, x.shape[:d] + (1,) + x.shape[d:])


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    if x.ndim == 0:
        return sh.reshape(x, (1,))
    s, e = start_dim % x.ndim, end_dim % x.ndim
    if s > e:
        raise ValueError("flatten: start_dim must not come after end_dim")
    return sh.reshape(x, x.shape[:s] + (-1,) + x.shape[e + 1:])


def transpose(x: Tensor, dim0: int = 0, dim1: int = 1) -> Tensor:
    if x.ndim == 0:  # dims 0 and -1 of a 0-d tensor name the tensor itself, as PyTorch
        for d in (dim0, dim1):
            if d not in (0, -1):
                raise IndexError(f"Dimension out of range (expected to be in range of [-1, 0], "
                                 f"but got {d})")
        return sh.reshape(x, ())
    dims = list(range(x.ndim))
    dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    return sh.permute(x, dims)


def t(x: Tensor) -> Tensor:
    """Transpose a 2-D tensor (0-D and 1-D come back as they are), as ``torch.t``."""
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    return transpose(x, 0, 1) if x.ndim == 2 else x


def expand(x: Tensor, *sizes: Any) -> Tensor:
    if len(sizes) == 1 and isinstance(sizes[0], Sequence):
        sizes = tuple(sizes[0])
    return sh.broadcast_to(x, sizes)


def _to(x: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """``to(dtype)``, ``to(device, dtype)``, ``to(other)``, as PyTorch: self when nothing changes
    (unless ``copy=True``); any device but the CPU raises (minigrad runs on the CPU only)."""
    if len(args) == 1 and not kwargs:  # the common calls, without parsing: to(dtype), to("cpu")
        a = args[0]
        if isinstance(a, np.dtype):
            return ew.cast(x, a)
        if a is _dev.CPU or (type(a) is str and a == "cpu"):
            return x
    where, dtype, _, copy = _dev.parse_to(args, kwargs)
    _dev.check_cpu(where)
    if where is not None and _dev.device(where) != _dev.CPU:  # "cpu:0" is another device: copy
        copy = True
    out = x if dtype is None else ew.cast(x, dtype)
    return x.clone() if copy and out is x else out


def _cuda(x: Tensor, device: Any = None, non_blocking: bool = False, **_: Any) -> Tensor:
    """Always raises: there is no CUDA device (``minigrad.cuda.is_available()`` is False)."""
    raise _dev.unavailable("cuda")


def _reflect(fn):
    return lambda self, other: fn(other, self)


_METHODS: dict[str, Any] = {
    "__add__": ew.add, "__radd__": _reflect(ew.add),
    "__sub__": ew.sub, "__rsub__": _reflect(ew.sub),
    "__mul__": ew.mul, "__rmul__": _reflect(ew.mul),
    "__truediv__": ew.div, "__rtruediv__": _reflect(ew.div),
    "__pow__": ew.pow, "__rpow__": _reflect(ew.pow),
    "__matmul__": la.matmul, "__rmatmul__": _reflect(la.matmul),
    "__neg__": ew.neg, "__pos__": lambda x: x, "__abs__": ew.abs,
    "__eq__": eq, "__ne__": ne, "__lt__": lt, "__le__": le, "__gt__": gt, "__ge__": ge,
    "__and__": bw.bitwise_and, "__rand__": _reflect(bw.bitwise_and),
    "__or__": bw.bitwise_or, "__ror__": _reflect(bw.bitwise_or),
    "__xor__": bw.bitwise_xor, "__rxor__": _reflect(bw.bitwise_xor), "__invert__": bw.invert,
    "bitwise_and": bw.bitwise_and, "bitwise_or": bw.bitwise_or, "bitwise_xor": bw.bitwise_xor,
    "bitwise_not": bw.bitwise_not, "logical_and": bw.logical_and, "logical_or": bw.logical_or,
    "logical_xor": bw.logical_xor, "logical_not": bw.logical_not,
    "add": ew.add, "sub": ew.sub, "mul": ew.mul, "div": ew.div, "pow": ew.pow,
    "matmul": la.matmul, "neg": ew.neg, "exp": ew.exp, "log": ew.log, "sqrt": ew.sqrt,
    "abs": ew.abs, "tanh": ew.tanh, "sigmoid": ew.sigmoid, "relu": ew.relu,
    "clamp": ew.clamp, "clip": ew.clamp, "maximum": ew.maximum, "minimum": ew.minimum,
    "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge,
    "sum": red.sum, "mean": red.mean, "amax": red.amax, "amin": red.amin, "max": so.max,
    "min": so.min, "var": red.var, "std": red.std, "logsumexp": red.logsumexp,
    "argmax": red.argmax, "argmin": red.argmin, "gather": red.gather,
    "reshape": sh.reshape, "view": sh.reshape, "permute": sh.permute, "flatten": flatten,
    "transpose": transpose, "swapaxes": transpose, "t": t, "squeeze": squeeze,
    "unsqueeze": unsqueeze, "expand": expand, "broadcast_to": sh.broadcast_to,
    "expand_as": lambda x, other: sh.broadcast_to(x, other.shape),
    "view_as": lambda x, other: sh.reshape(x, other.shape),
    "to": _to, "cpu": lambda x, memory_format=None: x, "cuda": _cuda,
    "get_device": lambda x: -1, "type": tt.type_, "is_floating_point": dt.is_floating_point,
    **{tt.caster(d).__name__: tt.caster(d) for d in dt.DTYPES},  # float(), long(), byte()...
    **sc.FUNCTIONS,  # prod, cumsum, cumprod, logcumsumexp, cummax, cummin, flip
    **mt.FUNCTIONS, **mt.ALIASES,  # sin, cos, ..., erf, floor, round, sign; arcsin, fix
    **bn.FUNCTIONS, **bn.ALIASES, **cp.FUNCTIONS, **so.FUNCTIONS,  # atan2...; isnan...; sort...
    "norm": nm.torch_norm, "dist": nm.dist, "bitwise_left_shift": bw.bitwise_left_shift,
    "bitwise_right_shift": bw.bitwise_right_shift,
    "__lshift__": bw.bitwise_left_shift, "__rlshift__": _reflect(bw.bitwise_left_shift),
    "__rshift__": bw.bitwise_right_shift, "__rrshift__": _reflect(bw.bitwise_right_shift),
    "__mod__": bn.remainder, "__rmod__": _reflect(bn.remainder),
    "__floordiv__": bn.floor_divide, "__rfloordiv__": _reflect(bn.floor_divide),
    "clone": lambda x, memory_format=None: (ew.mul(x, 1) if x.requires_grad
                                            else Tensor._wrap(x._data.copy())),
}  # fmt: skip

for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)

from . import inplace_elem as _inplace_elem  # noqa: E402,F401  (x.atan2_(y), x % = y, ...)

Tensor.device = property(lambda x: _dev.CPU, doc="Where the data lives: always the CPU.")
Tensor.is_cuda = property(lambda x: False, doc="False: minigrad runs on the CPU only.")
Tensor.is_cpu = property(lambda x: True, doc="True: minigrad runs on the CPU only.")

UFUNCS: dict[str, Any] = {
    "add": ew.add, "subtract": ew.sub, "multiply": ew.mul, "divide": ew.div,
    "true_divide": ew.div, "power": ew.pow, "matmul": la.matmul, "negative": ew.neg,
    "exp": ew.exp, "log": ew.log, "sqrt": ew.sqrt, "absolute": ew.abs, "tanh": ew.tanh,
    "maximum": ew.maximum, "minimum": ew.minimum, "equal": eq, "not_equal": ne,
    "less": lt, "less_equal": le, "greater": gt, "greater_equal": ge,
    "bitwise_and": bw.bitwise_and, "bitwise_or": bw.bitwise_or, "bitwise_xor": bw.bitwise_xor,
    "invert": bw.bitwise_not, "logical_and": bw.logical_and, "logical_or": bw.logical_or,
    "logical_xor": bw.logical_xor, "logical_not": bw.logical_not,
    **{n: mt.FUNCTIONS.get(n) or mt.ALIASES[n] for n in (
        "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh", "arccosh",
        "arctanh", "exp2", "expm1", "log1p", "log2", "log10", "reciprocal", "square", "floor",
        "ceil", "trunc", "sign")},
}  # fmt: skip
from . import inplace_logic as _inplace_logic  # noqa: E402,F401  (x.eq_, x.logical_and_, x.where)
