"""PyTorch's shape ops built on the view ops and indexing: roll, rot90, repeat, tile,
repeat_interleave, narrow, split, chunk, tensor_split, unbind, movedim, swapaxes, unflatten,
meshgrid.

Each is a composition of ``reshape``/``permute``/``broadcast_to``/``getitem``, so gradients of
every order come from those ops; PyTorch's views (narrow, split, unbind, movedim...) are views.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import views as _views
from ..autograd import apply
from ..tensor import Tensor, as_tensor
from .reduce import _axes
from .scan import flip
from .shape import BROADCAST_TO as _BROADCAST
from .shape import GETITEM, permute, reshape

__all__ = ["roll", "rot90", "repeat", "tile", "repeat_interleave", "narrow", "split", "chunk",
           "tensor_split", "unbind", "movedim", "moveaxis", "swapaxes", "swapdims", "unflatten",
           "meshgrid"]  # fmt: skip


def _dim(x: Tensor, dim: int) -> int:
    return _axes(x.ndim, int(dim))[0]


def _ints(v: Any) -> tuple[int, ...]:
    if isinstance(v, Tensor):
        return tuple(int(i) for i in v._data.reshape(-1))
    return (int(v),) if isinstance(v, int | np.integer) else tuple(int(i) for i in v)


def _sizes(sizes: tuple) -> tuple[int, ...]:
    """``f(2, 3)`` or ``f((2, 3))``, as PyTorch's variadic size arguments."""
    if len(sizes) == 1 and isinstance(sizes[0], Sequence | Tensor):
        sizes = tuple(sizes[0])
    return tuple(int(s) for s in sizes)


def _take(x: Tensor, d: int, idx: np.ndarray) -> Tensor:
    """Entries ``idx`` along dimension ``d`` (a copy; the gradient adds repeated entries)."""
    return apply(GETITEM, x, index=(slice(None),) * d + (np.asarray(idx, dtype=np.int64),))


def _slice(x: Tensor, d: int, start: int, stop: int) -> Tensor:
    return apply(GETITEM, x, index=(slice(None),) * d + (slice(start, stop), Ellipsis))


def roll(input: Any, shifts: Any, dims: Any = None) -> Tensor:  # noqa: A002
    """Shift entries along ``dims`` cyclically (the flattened tensor when ``dims`` is None)."""
    x = as_tensor(input)
    s = _ints(shifts)
    d = () if dims is None else _ints(dims)
    if dims is None:
        if len(s) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(s)}, dims:0")
        return reshape(roll(reshape(x, -1), s, 0), x.shape)
    if len(s) != len(d):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(s)}, dims:{len(d)}")
    for shift, dim in zip(s, d):
        k = _dim(x, dim)
        n = x.shape[k]
        x = _take(x, k, (np.arange(n) - shift) % n if n else np.arange(0))
    return x


def rot90(input: Any, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:  # noqa: A002
    """Rotate by 90 degrees ``k`` times in the plane of ``dims``, from the first towards the
    second (a copy, as PyTorch's)."""
    x = as_tensor(input)
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if x.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {x.ndim}")
    d0, d1 = _dim(x, dims[0]), _dim(x, dims[1])
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and "
                           f"dim1 = {d1}")
    k %= 4
    if k == 1:
        return swapaxes(flip(x, [d1]), d0, d1)
    if k == 2:
        return flip(x, [d0, d1])
    if k == 3:
        return swapaxes(flip(x, [d0]), d0, d1)
    return x.clone()


def repeat(self: Any, *sizes: Any) -> Tensor:
    """``Tensor.repeat``: tile the tensor ``sizes[i]`` times along each dimension (a copy)."""
    x = as_tensor(self)
    reps = _sizes(sizes)
    if len(reps) < x.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    shape = (1,) * (len(reps) - x.ndim) + x.shape
    out = tuple(r * n for r, n in zip(reps, shape))
    if any(n < 0 for n in out):
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{min(out)}: {list(out)}")
    wide = tuple(v for r, n in zip(reps, shape) for v in (r, n))
    y = reshape(x, tuple(v for n in shape for v in (1, n)))
    y = reshape(apply(_BROADCAST, y, shape=wide), out)
    return y.clone() if y._base is not None else y  # all ones: still a copy, as PyTorch


def tile(input: Any, dims: Sequence[int]) -> Tensor:  # noqa: A002
    """Repeat along each dimension; ``dims`` shorter than the shape is padded with ones."""
    x = as_tensor(input)
    dims = _sizes((dims,))
    return repeat(x, (1,) * (x.ndim - len(dims)) + dims)


def repeat_interleave(input: Any, repeats: Any = None, dim: int | None = None, *,  # noqa: A002
                      output_size: int | None = None) -> Tensor:
    """Repeat each entry ``repeats`` times along ``dim`` (the flattened tensor when None);
    with one tensor of counts, the indices ``0..n-1`` each repeated that often."""
    if repeats is None:  # repeat_interleave(repeats)
        r = as_tensor(input)
        if r._data.dtype.kind not in "iu":
            raise NotImplementedError(f"\"repeat_interleave_cpu\" not implemented for "
                                      f"'{_torch_name(r)}'")
        return repeat_interleave(Tensor._wrap(np.arange(r.numel())), r, 0,
                                 output_size=output_size)
    x = as_tensor(input)
    if isinstance(repeats, float):
        raise TypeError("repeat_interleave() received an invalid combination of arguments - got "
                        "(Tensor, float)")
    if dim is None:
        x, d = reshape(x, -1), 0
    else:
        d = _dim(x, dim)
    n = x.shape[d]
    if isinstance(repeats, Tensor):
        if repeats.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        reps = repeats._data.reshape(-1).astype(np.int64)
        if reps.size not in (1, n):
            raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {reps.size} and input.size({d}) = {n}")
    else:
        reps = np.asarray([int(repeats)])
    if (reps < 0).any():
        raise RuntimeError("Repeats must be non-negative")
    idx = np.repeat(np.arange(n), np.broadcast_to(reps, (n,)))
    if output_size is not None and output_size != idx.size:
        raise RuntimeError("allocated size does not match required size")
    return _take(x, d, idx)


def _torch_name(x: Tensor) -> str:
    from ..dtypes import torch_name

    return torch_name(x.dtype)


def narrow(input: Any, dim: int, start: Any, length: int) -> Tensor:  # noqa: A002
    """Entries ``start .. start + length`` along ``dim`` (a view)."""
    x = as_tensor(input)
    d = _dim(x, dim)
    n, start, length = x.shape[d], int(start), int(length)
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got "
                         f"{start})")
    start += n if start < 0 else 0
    if start + length > n or length < 0:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return _slice(x, d, start, start + length)


def split(tensor: Any, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Views of pieces of ``split_size`` along ``dim`` (the last may be smaller), or pieces of
    the sizes in a list."""
    x = as_tensor(tensor)
    d = _dim(x, dim)
    n = x.shape[d]
    if isinstance(split_size_or_sections, int | np.integer):
        size = int(split_size_or_sections)
        if size < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got "
                               f"split_size={size}")
        if size == 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if size else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative "
                               f"entries, but got split_sizes={sizes}")
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {d}), but got "
                               f"split_sizes={sizes}")
    starts = np.cumsum([0] + sizes)
    name = "Split" if isinstance(split_size_or_sections, int | np.integer) else "SplitWithSizes"
    return tuple(_views.one_of_many(_slice(x, d, int(a), int(b)), name, k)
                 for k, (a, b) in enumerate(zip(starts[:-1], starts[1:])))


def chunk(input: Any, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """At most ``chunks`` views of equal size along ``dim`` (the last may be smaller)."""
    x = as_tensor(input)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = x.shape[_dim(x, dim)]
    return split(x, max(math.ceil(n / chunks), 1) if n else 0, dim)


def tensor_split(input: Any, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """Views split into ``sections`` nearly equal parts, or at the given indices."""
    x = as_tensor(input)
    d = _dim(x, dim)
    n = x.shape[d]
    ios = indices_or_sections
    if isinstance(ios, float):
        raise TypeError("tensor_split() received an invalid combination of arguments - got "
                        "(Tensor, float)")
    if isinstance(ios, Tensor) and ios.ndim == 0 or isinstance(ios, int | np.integer):
        s = int(ios)
        if s <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {s}")
        sizes = [n // s + 1] * (n % s) + [n // s] * (s - n % s)
        bounds = np.cumsum([0] + sizes)
    else:  # pieces x[:i], x[i:j], ..., x[k:] with Python's slice rules (negative counts back)
        bounds = [0, *_ints(ios), n]
    return tuple(_slice(x, d, int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]))


def unbind(input: Any, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """The slices along ``dim`` as views (which, as PyTorch's, refuse in-place changes with a
    graph recorded)."""
    x = as_tensor(input)
    d = _dim(x, dim)
    return tuple(_views.one_of_many(apply(GETITEM, x, index=(slice(None),) * d + (i, Ellipsis)),
                                    "Unbind", i) for i in range(x.shape[d]))


def movedim(input: Any, source: Any, destination: Any) -> Tensor:  # noqa: A002
    """Move dimensions ``source`` to positions ``destination`` (a view)."""
    x = as_tensor(input)
    src, dst = _ints(source), _ints(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims)")
    src = tuple(_dim(x, s) for s in src) if x.ndim else src
    dst = tuple(_dim(x, s) for s in dst) if x.ndim else dst
    for name, ds, given in (("source", src, source), ("destination", dst, destination)):
        if len(set(ds)) != len(ds):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(_ints(given))})")
    if not x.ndim:
        return permute(x, ())
    rest = iter(i for i in range(x.ndim) if i not in src)
    where = dict(zip(dst, src))
    return permute(x, [where[i] if i in where else next(rest) for i in range(x.ndim)])


moveaxis = movedim


def swapaxes(input: Any, axis0: int, axis1: int) -> Tensor:  # noqa: A002
    """Exchange two dimensions (a view), as ``transpose``."""
    x = as_tensor(input)
    dims = list(range(x.ndim))
    a, b = (_dim(x, axis0), _dim(x, axis1)) if x.ndim else (0, 0)
    if x.ndim:
        dims[a], dims[b] = dims[b], dims[a]
    return permute(x, dims)


def swapdims(input: Any, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """Exchange two dimensions (a view), as ``transpose``."""
    return swapaxes(input, dim0, dim1)


def unflatten(input: Any, dim: int, sizes: Sequence[int]) -> Tensor:  # noqa: A002
    """Split dimension ``dim`` into ``sizes`` (one may be -1), a view."""
    x = as_tensor(input)
    d = _dim(x, dim)
    sizes = _sizes((sizes,))
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if sizes.count(-1) > 1:
        raise RuntimeError("unflatten got an unexpected error:\nonly one dimension can be "
                           "inferred")
    known = math.prod(s for s in sizes if s != -1)
    n = x.shape[d]
    if -1 in sizes and known and n % known == 0:
        sizes = tuple(n // known if s == -1 else s for s in sizes)
    if math.prod(sizes) != n:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {d} ({n}) in the input tensor")
    return reshape(x, x.shape[:d] + sizes + x.shape[d + 1:])


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D tensors (views, expanded), ``'ij'`` by default with PyTorch's
    warning that the default is going away; ``'xy'`` swaps the first two dimensions."""
    if len(tensors) == 1 and isinstance(tensors[0], list | tuple):
        tensors = tuple(tensors[0])
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                           f"received: {indexing}")
    ts = [as_tensor(t) for t in tensors]
    if any(t.dtype != ts[0].dtype for t in ts):
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    for t in ts:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {t}")
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t.numel() for t in ts)
    out = []
    for i, t in enumerate(ts):
        view = (1,) * i + (shape[i],) + (1,) * (len(ts) - i - 1)
        out.append(apply(_BROADCAST, reshape(t, view), shape=shape))
    if swap:
        out[0], out[1] = out[1], out[0]
    return tuple(out)
