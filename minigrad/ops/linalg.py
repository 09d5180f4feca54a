"""Matrix products as PyTorch defines them: ``matmul`` (1-D, 2-D and batched operands, NumPy's
broadcasting) and the strict ones built on it: mm, bmm, mv, dot/vdot, outer/ger, kron, and the
scaled sums addmm, addmv, addbmm, baddbmm (``beta * input + alpha * product``).

The strict products check shapes and dtypes with PyTorch's messages and then run the one
``matmul`` op, so they share its gradient rules (first and second order).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..autograd import apply
from ..tensor import Tensor, as_tensor
from . import defop
from . import elementwise as _ew
from . import shape as _sh

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "outer", "ger", "kron", "addmm",
           "addmv", "addbmm", "baddbmm"]  # fmt: skip


def _mT(xp: Any, x: Any) -> Any:
    return xp.swapaxes(x, -1, -2)


def _grad_a(xp, g, out, a, b):
    if a.ndim == 1 and b.ndim == 1:
        return g * b
    if a.ndim == 1:  # (n,) @ (..., n, m) -> (..., m)
        return xp.matmul(b, g.reshape(g.shape + (1,))).reshape(b.shape[:-1])
    if b.ndim == 1:  # (..., n, k) @ (k,) -> (..., n)
        return g.reshape(g.shape + (1,)) * b
    return xp.matmul(g, _mT(xp, b))


def _grad_b(xp, g, out, a, b):
    if a.ndim == 1 and b.ndim == 1:
        return g * a
    if a.ndim == 1:
        return a.reshape((-1, 1)) * g.reshape(g.shape[:-1] + (1,) + g.shape[-1:])
    if b.ndim == 1:
        return xp.matmul(_mT(xp, a), g.reshape(g.shape + (1,))).reshape(a.shape[:-2] + b.shape)
    return xp.matmul(_mT(xp, a), g)


MATMUL = defop("matmul", np.matmul, _grad_a, _grad_b, saves=((1,), (0,)))


def _lower(dt: np.dtype) -> str:
    return _dt.torch_name(dt).lower()


def _no_bool(t: Tensor, kernel: str) -> None:
    if t._data.dtype.kind == "b":
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def matmul(input: Any, other: Any) -> Tensor:  # noqa: A002  (PyTorch's names)
    """Matrix product as ``numpy.matmul``: 1-D operands are vectors, leading dims broadcast.

    As PyTorch, no type promotion: both operands must have the same dtype (and not bool); a bad
    pair of shapes is refused with the words of the strict product PyTorch would run.
    """
    a, b = as_tensor(input), as_tensor(other)
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{a.ndim}D and {b.ndim}D")
    _matmul_check(a, b)
    return apply(MATMUL, a, b)


def _fold(t: Tensor) -> Tensor:
    """The left operand as the matrix PyTorch makes of it (its shape only, for the checks)."""
    shape = (int(np.prod(t.shape[:-1])), t.shape[-1])
    return Tensor._wrap(np.broadcast_to(np.empty((), t.dtype), shape))


def _matmul_check(a: Tensor, b: Tensor) -> None:
    if a.ndim == 1 and b.ndim == 1:
        dot_check(a, b)
    elif b.ndim == 1:
        mv_check(a if a.ndim == 2 else _fold(a), b)
    elif b.ndim == 2 and a.ndim != 2:
        _mm_check(_fold(a), b)
    elif a.ndim == 2 and b.ndim == 2:
        _mm_check(a, b)
    else:
        sa, sb = a.shape[:-2], b.shape[:-2]
        for i in range(1, min(len(sa), len(sb)) + 1):
            if sa[-i] != sb[-i] and 1 not in (sa[-i], sb[-i]):
                n = max(len(sa), len(sb))
                raise RuntimeError(f"The size of tensor a ({sa[-i]}) must match the size of "
                                   f"tensor b ({sb[-i]}) at non-singleton dimension {n - i}")
        batch = int(np.prod(np.broadcast_shapes(sa, sb)))
        k_a = a.shape[-1]
        if k_a != b.shape[-2]:
            raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                               f"[{batch}, {k_a}] but got: [{batch}, {b.shape[-2]}].")
        if a._data.dtype != b._data.dtype:
            raise RuntimeError(f"expected scalar type {_dt.torch_name(a.dtype)} but found "
                               f"{_dt.torch_name(b.dtype)}")
        _no_bool(a, "bmm")


def _mm_check(a: Tensor, b: Tensor) -> None:
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x"
                           f"{a.shape[1]} and {b.shape[0]}x{b.shape[1]})")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_lower(a.dtype)} != {_lower(b.dtype)}")
    _no_bool(a, "addmm_impl_cpu_")


def mm(input: Any, mat2: Any) -> Tensor:  # noqa: A002
    """The product of two matrices (no broadcasting, no vectors: use ``matmul`` for those)."""
    a, b = as_tensor(input), as_tensor(mat2)
    _mm_check(a, b)
    return apply(MATMUL, a, b)


def _bmm_check(a: Tensor, b: Tensor, which: str = "batch1") -> None:
    if a.ndim != 3:
        raise RuntimeError(f"{which} must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError(f"{'batch2' if which == 'batch1' else which} must be a 3D tensor")
    if b.shape[:2] != (a.shape[0], a.shape[2]):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected scalar type {_dt.torch_name(a.dtype)} but found "
                           f"{_dt.torch_name(b.dtype)}")
    _no_bool(a, "bmm")


def bmm(input: Any, mat2: Any) -> Tensor:  # noqa: A002
    """Batched matrix product of (b, n, m) and (b, m, p) tensors (no broadcasting)."""
    a, b = as_tensor(input), as_tensor(mat2)
    _bmm_check(a, b)
    return apply(MATMUL, a, b)


def mv_check(m: Tensor, v: Tensor, input_dim: int = 1, n: int | None = None) -> None:
    """PyTorch's checks of ``mv``/``addmv`` (``n``: the length of ``addmv``'s input)."""
    if m.ndim != 2 or v.ndim != 1 or input_dim > 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input_dim}, {m.ndim}, "
                           f"{v.ndim}")
    if m.shape[1] != v.shape[0] or n not in (None, 1, m.shape[0]):
        raise RuntimeError(f"size mismatch, got input ({m.shape[0] if n is None else n}), mat "
                           f"({m.shape[0]}x{m.shape[1]}), vec ({v.shape[0]})")
    if m._data.dtype != v._data.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got "
                           f"{_dt.torch_name(v.dtype)}, {_dt.torch_name(m.dtype)}, and "
                           f"{_dt.torch_name(v.dtype)}")
    _no_bool(m, "addmv_impl_cpu")


def mv(input: Any, vec: Any) -> Tensor:  # noqa: A002
    """Matrix times vector."""
    m, v = as_tensor(input), as_tensor(vec)
    mv_check(m, v)
    return apply(MATMUL, m, v)


def dot(input: Any, tensor: Any) -> Tensor:  # noqa: A002
    """The inner product of two 1-D tensors of one length and dtype (a 0-d result)."""
    a, b = as_tensor(input), as_tensor(tensor)
    dot_check(a, b)
    return apply(MATMUL, a, b)


def dot_check(a: Tensor, b: Tensor) -> None:
    """PyTorch's checks of ``dot``: two 1-D tensors of one length and one dtype, not bool."""
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape != b.shape:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src "
                           f"[{b.shape[0]}] to have the same number of elements, but got "
                           f"{a.shape[0]} and {b.shape[0]} elements respectively")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{_dt.torch_name(a.dtype)} and {_dt.torch_name(b.dtype)}")
    _no_bool(a, "dot")


def vdot(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``dot`` with the first operand conjugated: the same for real tensors."""
    a = as_tensor(input)
    if a._data.dtype.kind == "b":
        _no_bool(a, "vdot")
    return dot(a, other)


def outer(input: Any, vec2: Any) -> Tensor:  # noqa: A002
    """The outer product of two 1-D tensors (their dtypes promoted, as PyTorch)."""
    a, b = as_tensor(input), as_tensor(vec2)
    for name, t in (("self", a), ("vec2", b)):
        if t.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t.ndim}-D")
    return _ew.mul(_sh.reshape(a, (-1, 1)), b)


ger = outer


def kron(input: Any, other: Any) -> Tensor:  # noqa: A002
    """The Kronecker product: blocks ``input[i] * other``, the shorter shape padded with 1s."""
    a, b = as_tensor(input), as_tensor(other)
    nd = max(a.ndim, b.ndim)
    sa, sb = (1,) * (nd - a.ndim) + a.shape, (1,) * (nd - b.ndim) + b.shape
    inter_a = tuple(x for n in sa for x in (n, 1))
    inter_b = tuple(x for n in sb for x in (1, n))
    prod = _ew.mul(_sh.reshape(a, inter_a), _sh.reshape(b, inter_b))
    return _sh.reshape(prod, tuple(x * y for x, y in zip(sa, sb)))


# ---- beta * input + alpha * product ----


def expand_check(shape: tuple[int, ...], target: tuple[int, ...], dtype: np.dtype) -> None:
    """Raise PyTorch's error unless ``shape`` broadcasts to exactly ``target``."""
    if len(shape) > len(target):
        from ..tensor_types import tensor_type

        raise RuntimeError(f"expand({tensor_type(dtype)}{{{list(shape)}}}, size={list(target)}): "
                           f"the number of sizes provided ({len(target)}) must be "
                           f"greater or equal to the number of dimensions in the tensor "
                           f"({len(shape)})")
    lead = len(target) - len(shape)
    for i, n in enumerate(shape):
        if n != 1 and n != target[lead + i]:
            raise RuntimeError(f"The expanded size of the tensor ({target[lead + i]}) must match "
                               f"the existing size ({n}) at non-singleton dimension {lead + i}.  "
                               f"Target sizes: {list(target)}.  Tensor sizes: {list(shape)}")


def _scaled_sum(input: Tensor, prod: Tensor, beta: Any, alpha: Any,  # noqa: A002
                inplace: bool = False) -> Tensor:
    """``beta * input + alpha * prod``; ``inplace``: the result must have input's shape."""
    if inplace and input.shape != prod.shape:
        raise RuntimeError(f"Bad in-place call: input tensor size {list(input.shape)} and "
                           f"output tensor size {list(prod.shape)} should match")
    expand_check(input.shape, prod.shape, input.dtype)
    if prod._data.dtype.kind != "f":  # PyTorch takes the scalars in the tensors' dtype
        beta, alpha = int(beta), int(alpha)
    if alpha != 1:
        prod = _ew.mul(prod, alpha)
    if beta == 0:  # input is ignored (NaN and inf in it too), its gradient is zero
        if not input.requires_grad:
            return prod
        gone = _ew.where(Tensor._wrap(np.zeros((), bool)), input, 0)
        return _ew.add(gone, prod)
    return _ew.add(input if beta == 1 else _ew.mul(input, beta), prod)


def _same_dtype(input: Tensor, *others: Tensor, msg: str) -> None:  # noqa: A002
    dts = [t._data.dtype for t in (input, *others)]
    if any(d != dts[0] for d in dts):
        names = [_dt.torch_name(d) for d in dts]
        raise RuntimeError(msg.format(*names))


def addmm(input: Any, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1,  # noqa: A002
          _inplace: bool = False) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``; with ``beta=0`` input is ignored (NaN too)."""
    x, a, b = as_tensor(input), as_tensor(mat1), as_tensor(mat2)
    _mm_check(a, b)
    _same_dtype(x, b, msg="self and mat2 must have the same dtype, but got {} and {}")
    return _scaled_sum(x, apply(MATMUL, a, b), beta, alpha, _inplace)


def addmv(input: Any, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1,  # noqa: A002
          _inplace: bool = False) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``."""
    x, m, v = as_tensor(input), as_tensor(mat), as_tensor(vec)
    mv_check(m, v, max(x.ndim, 1), x.shape[0] if x.ndim == 1 else None)
    _same_dtype(x, m, v, msg="addmv input tensors must have the same dtype, but got {}, {}, "
                              "and {}")
    return _scaled_sum(x, apply(MATMUL, m, v), beta, alpha, _inplace)


def baddbmm(input: Any, batch1: Any, batch2: Any, *, beta: Any = 1,  # noqa: A002
            alpha: Any = 1, _inplace: bool = False) -> Tensor:
    """``beta * input + alpha * (batch1 @ batch2)`` per batch; ``beta=0`` ignores input."""
    x, a, b = as_tensor(input), as_tensor(batch1), as_tensor(batch2)
    _bmm_check(a, b)
    if x._data.dtype != a._data.dtype:
        raise RuntimeError(f"Input dtypes must be the same, got: input {_lower(x.dtype)}, "
                           f"batch1: {_lower(a.dtype)}, batch2: {_lower(b.dtype)}")
    return _scaled_sum(x, apply(MATMUL, a, b), beta, alpha, _inplace)


def addbmm(input: Any, batch1: Any, batch2: Any, *, beta: Any = 1,  # noqa: A002
           alpha: Any = 1, _inplace: bool = False) -> Tensor:
    """``beta * input + alpha * sum_b(batch1[b] @ batch2[b])``."""
    x, a, b = as_tensor(input), as_tensor(batch1), as_tensor(batch2)
    _bmm_check(a, b)
    _same_dtype(x, b, msg="self and mat2 must have the same dtype, but got {} and {}")
    from .einsum import EINSUM  # one op, no int64 sum: integer dtypes kept, as PyTorch

    return _scaled_sum(x, apply(EINSUM, a, b, equation="bij,bjk->ik"), beta, alpha, _inplace)


METHODS = {name: globals()[name] for name in __all__}
"""Every function here is also a Tensor method (``x.mm(y)``, ``x.addmm(a, b, beta=0.5)``)."""
INPLACE = ("addmm", "addmv", "addbmm", "baddbmm")
"""The ones with an in-place ``x.addmm_(a, b)`` (the result must keep ``x``'s shape)."""
