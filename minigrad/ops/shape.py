"""Shape ops: reshape, permute, broadcast, indexing (with scatter-add gradients), cat and stack."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import apply
from ..tensor import Tensor, as_tensor
from . import call, defop
from .indexing import index_steps

__all__ = ["reshape", "permute", "broadcast_to", "getitem", "cat", "stack", "normalize_index"]


def _inverse(perm: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(i) for i in np.argsort(perm))


def _is_basic(index: tuple) -> bool:
    return all(isinstance(i, int | slice) or i is None or i is Ellipsis for i in index)


def _getitem_fwd(x: np.ndarray, index: tuple) -> np.ndarray:
    return x[index]


def _index_add_fwd(g: np.ndarray, index: tuple, shape: tuple[int, ...]) -> np.ndarray:
    z = np.zeros(shape, dtype=g.dtype)
    if _is_basic(index):
        z[index] = g
    else:
        np.add.at(z, index, g)
    return z


RESHAPE = defop("reshape", lambda x, shape: np.reshape(x, shape),
                lambda xp, g, out, x, shape: g.reshape(x.shape), saves=(), view=True)
PERMUTE = defop("permute", lambda x, dims: np.transpose(x, dims),
                lambda xp, g, out, x, dims: xp.transpose(g, _inverse(dims)), saves=(), view=True)
BROADCAST_TO = defop("broadcast_to", lambda x, shape: np.broadcast_to(x, shape),
                     lambda xp, g, out, x, shape: g,  # the engine sums it back to x's shape
                     saves=(), view=True)
GETITEM = defop(
    "getitem", _getitem_fwd,
    lambda xp, g, out, x, index: call(xp, INDEX_ADD, g, index=index, shape=x.shape),
    saves=(), view=True,  # basic indexing gives a view, advanced indexing a copy
)
INDEX_ADD = defop(
    "index_add", _index_add_fwd,
    lambda xp, g, out, x, index, shape: call(xp, GETITEM, g, index=index), saves=(),
)


def _cat_vjp(xp, g, out, args, needs, axis):
    grads, start = [], 0
    for a, need in zip(args, needs):
        stop = start + a.shape[axis]
        sl = (slice(None),) * axis + (slice(start, stop),)
        grads.append(call(xp, GETITEM, g, index=sl) if need else None)
        start = stop
    return grads


def _stack_vjp(xp, g, out, args, needs, axis):
    return [call(xp, GETITEM, g, index=(slice(None),) * axis + (i,)) if need else None
            for i, need in enumerate(needs)]


CAT = defop("cat", lambda *xs, axis: np.concatenate(xs, axis=axis), vjp=_cat_vjp, saves=())
STACK = defop("stack", lambda *xs, axis: np.stack(xs, axis=axis), vjp=_stack_vjp, saves=())


def normalize_index(index: Any) -> tuple:
    """Turn a user's index into a tuple NumPy understands (Tensors and lists become arrays)."""

    if not isinstance(index, tuple):
        index = (index,)
    out = []
    for i in index:
        if isinstance(i, Tensor):
            i = i._data
        elif isinstance(i, list):
            i = np.asarray(i)
        elif isinstance(i, np.integer):
            i = int(i)
        if isinstance(i, np.ndarray):
            if i.dtype != bool and not np.issubdtype(i.dtype, np.integer):
                raise IndexError(f"tensors used as indices must be integer or bool, got {i.dtype}")
            if i.ndim == 0 and i.dtype != bool:
                i = int(i)
        elif not (isinstance(i, int | slice) or i is None or i is Ellipsis):
            raise IndexError(f"unsupported index of type {type(i).__name__}: {i!r}")
        out.append(i)
    return tuple(out)


def reshape(x: Any, *shape: Any):
    """Same data, new shape; one dimension may be -1."""

    x = as_tensor(x)
    if len(shape) == 1 and isinstance(shape[0], Sequence):
        shape = tuple(shape[0])
    try:
        target = _resolve(x.shape, tuple(int(s) for s in shape))
    except ValueError as e:
        raise RuntimeError(f"shape {list(shape)} is invalid for input of size {x.numel()}") from e
    return apply(RESHAPE, x, shape=target)


def _resolve(shape: tuple[int, ...], new: tuple[int, ...]) -> tuple[int, ...]:
    size = int(np.prod(shape))
    if new.count(-1) > 1:
        raise ValueError("only one dimension can be inferred")
    known = int(np.prod([n for n in new if n != -1]))
    if -1 in new:
        if known == 0 or size % known:
            raise ValueError("cannot infer")
        new = tuple(size // known if n == -1 else n for n in new)
    if int(np.prod(new)) != size or any(n < 0 for n in new):
        raise ValueError("size mismatch")
    return new


def permute(x: Any, *dims: Any):
    """Reorder dimensions."""

    x = as_tensor(x)
    if len(dims) == 1 and isinstance(dims[0], Sequence):
        dims = tuple(dims[0])
    nd = x.ndim
    if len(dims) != nd or sorted(d % nd for d in dims) != list(range(nd)):
        raise RuntimeError(f"permute(): dims {list(dims)} are not a permutation of {nd} dims")
    dims = tuple(d % nd for d in dims)
    return apply(PERMUTE, x, dims=dims)


def broadcast_to(x: Any, shape: Sequence[int]):
    """Broadcast to ``shape`` as NumPy does; the gradient is summed back."""

    x = as_tensor(x)
    shape = tuple(int(s) for s in shape)
    lead = len(shape) - x.ndim
    if lead < 0:
        raise RuntimeError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape}")
    shape = tuple(x.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(shape))
    try:
        np.broadcast_shapes(x.shape, shape)
        if np.broadcast_shapes(x.shape, shape) != shape:
            raise ValueError
    except ValueError:
        raise RuntimeError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape}") from None
    return apply(BROADCAST_TO, x, shape=shape)


def getitem(x: Any, index: Any):
    """Index with ints, slices, None, Ellipsis, integer arrays or boolean masks, by PyTorch's
    rules (:mod:`minigrad.ops.indexing`): basic indexing gives a view, advanced a copy."""

    x = as_tensor(x)
    for step in index_steps(index, x.shape):
        try:
            x._data[step]
        except IndexError as e:
            raise IndexError(str(e).replace("axis", "dimension")) from None
        x = apply(GETITEM, x, index=step)
    return x


def _check_same(tensors: Sequence[Any], name: str):

    ts = [as_tensor(t) for t in tensors]
    if not ts:
        raise ValueError(f"{name}(): expected a non-empty sequence of tensors")
    return ts


def cat(tensors: Sequence[Any], dim: int = 0):
    """Join tensors along an existing dimension."""
    ts = _check_same(tensors, "cat")
    kept = [t for t in ts if t.shape != (0,)]  # PyTorch's legacy rule: 1-D empties are skipped
    if kept and len(kept) < len(ts):
        ts = kept
    nd = ts[0].ndim
    if not -nd <= dim < nd:
        raise IndexError(f"cat(): dim {dim} out of range for {nd}-d tensors")
    d = dim % nd
    for t in ts:
        if t.ndim != nd or t.shape[:d] + t.shape[d + 1:] != ts[0].shape[:d] + ts[0].shape[d + 1:]:
            raise RuntimeError(f"cat(): sizes of tensors must match except in dimension {dim}; "
                               f"got {[t.shape for t in ts]}")
    return apply(CAT, *ts, axis=d)


def stack(tensors: Sequence[Any], dim: int = 0):
    """Join tensors along a new dimension."""
    ts = _check_same(tensors, "stack")
    if any(t.shape != ts[0].shape for t in ts):
        raise RuntimeError(f"stack expects tensors of equal size, got {[t.shape for t in ts]}")
    nd = ts[0].ndim + 1
    if not -nd <= dim < nd:
        raise IndexError(f"stack(): dim {dim} out of range for {nd - 1}-d tensors")
    return apply(STACK, *ts, axis=dim % nd)

