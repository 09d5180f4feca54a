"""minigrad: a small, fast, readable reverse-mode autodiff on NumPy with PyTorch's names."""

from __future__ import annotations

from types import ModuleType as _ModuleType

from . import (
    accelerator,
    autograd,
    backends,
    cuda,
    datasets,
    linalg,
    nn,
    optim,
    random,
    return_types,
    testing,
    utils,
)
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .capture import compile  # noqa: A004  (PyTorch's name: minigrad.compile(step))
from .creation import (
    arange,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    ones,
    ones_like,
    rand,
    randn,
    tensor,
    zeros,
    zeros_like,
)
from .devices import device
from .dtypes import bool_ as bool  # noqa: A004  (PyTorch's names: minigrad.bool, .float...)
from .dtypes import (
    can_cast,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    is_floating_point,
    promote_types,
    result_type,
    set_default_dtype,
    uint8,
)
from .dtypes import float16 as half
from .dtypes import float32 as float  # noqa: A004
from .dtypes import float64 as double
from .dtypes import int16 as short
from .dtypes import int32 as int  # noqa: A004
from .dtypes import int64 as long
from .histograms import bincount, histc, histogram
from .layouts import channels_last, channels_last_3d, contiguous_format, preserve_format, strided
from .ops.binary import (
    add,
    atan2,
    clamp,
    copysign,
    div,
    floor_divide,
    fmax,
    fmin,
    fmod,
    hypot,
    lerp,
    logaddexp,
    logaddexp2,
    remainder,
    sub,
    xlogy,
)
from .ops.bitwise import (
    bitwise_and,
    bitwise_left_shift,
    bitwise_not,
    bitwise_or,
    bitwise_right_shift,
    bitwise_xor,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
)
from .ops.compare import (
    allclose,
    equal,
    isclose,
    isfinite,
    isinf,
    isnan,
    isneginf,
    isposinf,
    isreal,
    nan_to_num,
)
from .ops.diag import diag, diag_embed, diagonal, trace, tril, triu
from .ops.einsum import einsum
from .ops.elementwise import (
    abs,
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
    tanh,
)
from .ops.index_methods import index_put
from .ops.layout import (
    chunk,
    meshgrid,
    moveaxis,
    movedim,
    narrow,
    repeat_interleave,
    roll,
    rot90,
    split,
    swapaxes,
    swapdims,
    tensor_split,
    tile,
    unbind,
    unflatten,
)
from .ops.linalg import (
    addbmm,
    addmm,
    addmv,
    baddbmm,
    bmm,
    dot,
    ger,
    kron,
    matmul,
    mm,
    mv,
    outer,
    vdot,
)
from .ops.math import (
    acos,
    acosh,
    asin,
    asinh,
    atan,
    atanh,
    ceil,
    cos,
    cosh,
    erf,
    erfc,
    erfinv,
    exp2,
    expm1,
    floor,
    frac,
    log1p,
    log2,
    log10,
    reciprocal,
    round,  # noqa: A004
    rsqrt,
    sgn,
    sign,
    sin,
    sinh,
    square,
    tan,
    trunc,
)
from .ops.norms import dist
from .ops.norms import torch_norm as norm
from .ops.positions import argwhere, nonzero, take, take_along_dim, where
from .ops.reduce import amax, amin, argmax, argmin, gather, logsumexp, mean, std, sum, var
from .ops.scan import (
    all,  # noqa: A004
    aminmax,
    any,  # noqa: A004
    count_nonzero,
    cummax,
    cummin,
    cumprod,
    cumsum,
    flip,
    logcumsumexp,
    prod,
    std_mean,
    var_mean,
)
from .ops.scatter import (
    index_add,
    index_copy,
    index_fill,
    index_select,
    masked_fill,
    masked_scatter,
    masked_select,
    scatter,
    scatter_add,
)
from .ops.scatter_reduce import scatter_reduce
from .ops.shape import broadcast_to, cat, permute, reshape, stack
from .ops.sorting import argsort, kthvalue, max, median, min, msort, nanmedian, sort, topk
from .random import Generator, initial_seed, manual_seed
from .sampling import (
    bernoulli,
    multinomial,
    normal,
    rand_like,
    randint,
    randint_like,
    randn_like,
    randperm,
)
from .serialization import CheckpointError, load, save
from .tensor import Tensor, as_tensor
from .tensor_methods import eq, flatten, ge, gt, le, lt, ne, squeeze, transpose, unsqueeze
from .tensor_types import (
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)

clip = clamp
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh
fix = trunc
arctan2, divide, true_divide, subtract, multiply = atan2, div, div, sub, mul
concat = concatenate = cat

__version__ = "0.1.0"

_PUBLIC_MODULES = {"accelerator", "autograd", "backends", "cuda", "datasets", "linalg", "nn",
                   "optim", "random", "return_types", "testing", "utils"}
__all__ = sorted(
    name for name, value in globals().items()
    if not name.startswith("_") and name != "annotations"
    and (not isinstance(value, _ModuleType) or name in _PUBLIC_MODULES)
) + ["__version__"]
"""Every name imported above (functions, classes, dtypes, aliases) and the public subpackages;
implementation modules that importing pulled in (``minigrad.tensor`` ...) are left out."""
