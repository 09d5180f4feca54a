"""Datasets and batching with PyTorch's names: Dataset, TensorDataset, DataLoader, random_split.

All shuffling draws from ``minigrad.random`` (a given ``Generator`` or the default one), so a
seeded run repeats exactly. A DataLoader without a custom ``collate_fn`` fetches a whole batch
with one fancy-index when the dataset offers ``_get_batch(indices)`` (TensorDataset, Subset of
one, MNIST without transforms) instead of calling ``__getitem__`` once per sample.
"""

from __future__ import annotations

import bisect
import copy
import math
import numbers
from collections.abc import (
    Callable,
    Iterator,
    Mapping,
    MutableMapping,
    MutableSequence,
    Sequence,
)
from typing import Any

import numpy as np

from ..creation import from_numpy, tensor
from ..random import Generator, get_rng
from ..tensor import Tensor

__all__ = [
    "Dataset",
    "TensorDataset",
    "Subset",
    "ConcatDataset",
    "DataLoader",
    "default_collate",
    "random_split",
    "shuffle_dataset",
    "train_val_split",
]


class Dataset:
    """A map-style dataset: subclasses define ``__getitem__(index)`` and ``__len__``."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


def _as_tensor(x: Any) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray):
        return from_numpy(x)
    raise TypeError(f"TensorDataset takes Tensors or numpy arrays, got {type(x).__name__}")


class TensorDataset(Dataset):
    """Samples are the rows of the given Tensors (or ndarrays, wrapped without a copy)."""

    def __init__(self, *tensors: Tensor | np.ndarray) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        self.tensors = tuple(_as_tensor(t) for t in tensors)
        shapes = [tuple(t.shape) for t in self.tensors]
        if any(len(s) == 0 for s in shapes):
            raise ValueError(f"TensorDataset: every tensor needs a first dimension, got {shapes}")
        if len({s[0] for s in shapes}) != 1:
            raise ValueError(
                f"TensorDataset: size mismatch between tensors: first dimensions "
                f"{[s[0] for s in shapes]} (shapes {shapes}) must be equal"
            )

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def _get_batch(self, indices: np.ndarray) -> list[Tensor]:
        """All rows in ``indices`` at once (a list, as ``default_collate`` makes of tuples);
        tensors that require grad keep their graph."""
        return [t[indices] if t.requires_grad else from_numpy(t._data[indices])
                for t in self.tensors]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = [int(i) for i in indices]
        self._index = np.asarray(self.indices, dtype=np.int64)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)

    def _get_batch(self, indices: np.ndarray) -> Any:
        inner = getattr(self.dataset, "_get_batch", None)
        return None if inner is None else inner(self._index[indices])


class ConcatDataset(Dataset):
    """Several datasets one after the other."""

    def __init__(self, datasets: Sequence[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one dataset")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"index {index} out of range for ConcatDataset of length {len(self)}")
        k = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[k - 1] if k else 0
        return self.datasets[k][index - start]


_COLLATE_ERROR = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def _stack(batch: Sequence[Any]) -> Tensor:
    """``torch.stack`` of Tensors/ndarrays along a new first dim (the dtype kept)."""
    arrays = [b._data if isinstance(b, Tensor) else np.asarray(b) for b in batch]
    for i, a in enumerate(arrays[1:], 1):
        if a.shape != arrays[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(arrays[0].shape)} "
                f"at entry 0 and {list(a.shape)} at entry {i}"
            )
    return from_numpy(np.stack(arrays))


def _rebuild(elem: Any, values: list[Any], keys: Sequence[Any] | None = None) -> Any:
    """``elem``'s container type holding ``values`` (PyTorch: a copy updated, else a plain one)."""
    try:
        if keys is not None:
            if isinstance(elem, MutableMapping):
                clone = copy.copy(elem)
                clone.update(zip(keys, values))
                return clone
            return type(elem)(dict(zip(keys, values)))
        if isinstance(elem, MutableSequence):
            clone = copy.copy(elem)
            for i, v in enumerate(values):
                clone[i] = v
            return clone
        return type(elem)(values)
    except TypeError:
        return dict(zip(keys, values)) if keys is not None else values


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch exactly as PyTorch's ``default_collate`` does.

    Tensors and ndarrays are stacked along a new first dim (dtype kept); numpy scalars keep
    their dtype; Python floats become float64, ints int64 (bools bool; a float among ints makes
    float32, as ``torch.tensor``); strings and bytes stay as given; mappings and namedtuples
    keep their type; tuples become lists and other sequences keep their type (transposed).
    """
    elem = batch[0]  # an empty batch raises IndexError, as PyTorch's
    if isinstance(elem, Tensor):
        return _stack(batch)
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "SaUO":
            raise TypeError(_COLLATE_ERROR.format(elem.dtype))
        return _stack(batch)
    if isinstance(elem, np.bool_ | np.number | np.object_):
        dtypes = {np.asarray(b).dtype for b in batch}
        if len(dtypes) == 1:
            return from_numpy(np.array(batch, dtype=dtypes.pop()))
        return tensor(list(batch))
    if isinstance(elem, float):
        return from_numpy(np.array(batch, dtype=np.float64))
    if isinstance(elem, int):
        return tensor(list(batch))  # torch.tensor's inference: bools, int64, or float32
    if isinstance(elem, str | bytes):
        return batch
    if isinstance(elem, Mapping):
        keys = list(elem)
        return _rebuild(elem, [default_collate([d[k] for d in batch]) for k in keys], keys)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch, strict=False)))
    if isinstance(elem, Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [default_collate(s) for s in zip(*batch, strict=False)]
        return fields if isinstance(elem, tuple) else _rebuild(elem, fields)
    raise TypeError(_COLLATE_ERROR.format(type(elem)))


def _check_batch_size(batch_size: Any) -> int:
    ok = isinstance(batch_size, numbers.Integral) and not isinstance(batch_size, bool)
    if not ok or batch_size < 1:
        raise ValueError(f"batch_size should be a positive integer, got batch_size={batch_size!r}")
    return int(batch_size)


class DataLoader:
    """Iterate a dataset in batches; with ``shuffle=True`` each epoch draws a new order.

    The order of every epoch comes from ``generator`` (or the default generator), so the same
    seed repeats the whole run. ``num_workers`` and ``pin_memory`` are accepted for PyTorch
    scripts but loading always happens in the calling process.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        generator: Generator | None = None,
        collate_fn: Callable[[list], Any] | None = None,
        num_workers: int = 0,
        pin_memory: bool = False,
    ) -> None:
        if not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
            raise TypeError(
                "DataLoader needs a map-style dataset with __getitem__ and __len__, "
                f"got {type(dataset).__name__}"
            )
        if generator is not None and not isinstance(generator, Generator):
            kind = type(generator).__name__
            raise TypeError(f"generator must be a minigrad.Generator, got {kind}")
        self.dataset = dataset
        self.batch_size = _check_batch_size(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = generator
        self.collate_fn = collate_fn
        self.num_workers = num_workers
        self.pin_memory = pin_memory

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        return get_rng(self.generator).permutation(n) if self.shuffle else np.arange(n)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        bs = self.batch_size
        stop = len(self) * bs
        fast = getattr(self.dataset, "_get_batch", None) if self.collate_fn is None else None
        collate = self.collate_fn or default_collate
        for start in range(0, stop, bs):
            idx = order[start : start + bs]
            batch = fast(idx) if fast is not None else None
            if batch is None:
                batch = collate([self.dataset[int(i)] for i in idx])
            yield batch


def random_split(
    dataset: Any, lengths: Sequence[int | float], generator: Generator | None = None
) -> list[Subset]:
    """Split into non-overlapping random Subsets of the given lengths (ints, or fractions of 1)."""
    n = len(dataset)
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split: lengths is empty")
    try:
        total = float(sum(lengths))
    except TypeError:
        raise TypeError(f"random_split: lengths must be numbers, got {lengths}") from None
    if math.isclose(total, 1.0) and total <= 1.0:  # fractions, as PyTorch decides
        if any(not 0.0 <= x <= 1.0 for x in lengths):
            raise ValueError(f"random_split: fractions must lie in [0, 1], got {lengths}")
        counts = [int(math.floor(n * x)) for x in lengths]
        for i in range(n - sum(counts)):  # PyTorch's round-robin of the remainder
            counts[i % len(counts)] += 1
        lengths = counts
    if any(int(x) != x or x < 0 for x in lengths):
        raise ValueError(f"random_split: lengths must be non-negative integers, got {lengths}")
    lengths = [int(x) for x in lengths]
    if sum(lengths) != n:
        raise ValueError(
            f"random_split: lengths {lengths} sum to {sum(lengths)}, not the dataset's length {n}"
        )
    perm = get_rng(generator).permutation(n)
    offsets = np.cumsum([0, *lengths])
    return [Subset(dataset, perm[a:b]) for a, b in zip(offsets[:-1], offsets[1:], strict=True)]


def _take(a: Any, idx: np.ndarray) -> Any:
    return from_numpy(a._data[idx]) if isinstance(a, Tensor) else a[idx]


def shuffle_dataset(x: Any, t: Any, generator: Generator | None = None) -> tuple[Any, Any]:
    """The book's ``shuffle_dataset``: permute samples and labels together (arrays or Tensors)."""
    if len(x) != len(t):
        raise ValueError(f"shuffle_dataset: x has {len(x)} samples but t has {len(t)}")
    perm = get_rng(generator).permutation(len(x))
    return _take(x, perm), _take(t, perm)


def train_val_split(
    x: Any, t: Any, val_ratio: float = 0.2, generator: Generator | None = None
) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """``(x_train, t_train), (x_val, t_val)`` as the book does: shuffle, the first
    ``int(N * val_ratio)`` samples are validation, the rest training."""
    if not 0.0 <= float(val_ratio) < 1.0:
        raise ValueError(f"train_val_split: val_ratio must be in [0, 1), got {val_ratio}")
    x, t = shuffle_dataset(x, t, generator)
    n_val = int(len(x) * val_ratio)
    return (x[n_val:], t[n_val:]), (x[:n_val], t[:n_val])
