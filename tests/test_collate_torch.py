"""``default_collate`` side by side with ``torch.utils.data.default_collate``: the same
structure (container types, nesting), values, dtypes and shapes for every kind of sample."""

from __future__ import annotations

import collections
from collections import OrderedDict

import numpy as np
import pytest

import minigrad
from minigrad.utils.data import DataLoader, TensorDataset, default_collate

torch = pytest.importorskip("torch", reason="collate parity tests need torch (CI: torch==2.13.0)")
from torch.utils.data import default_collate as torch_collate  # noqa: E402

Point = collections.namedtuple("Point", "x y")


def _same(mine, theirs):
    """Recursively: the same container types, and Tensors with equal values/dtypes/shapes."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(mine, minigrad.Tensor), (type(mine), theirs)
        dtype = str(theirs.dtype).replace("torch.", "")
        assert str(mine.dtype) == dtype, (mine.dtype, dtype)
        assert tuple(mine.shape) == tuple(theirs.shape)
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
        return
    assert type(mine) is type(theirs), (type(mine), type(theirs))
    if isinstance(theirs, dict):
        assert list(mine) == list(theirs)
        for k in theirs:
            _same(mine[k], theirs[k])
    elif isinstance(theirs, list | tuple):
        assert len(mine) == len(theirs)
        for a, b in zip(mine, theirs, strict=True):
            _same(a, b)
    else:
        assert mine == theirs


def _to_torch(sample):
    """The same sample with minigrad Tensors replaced by torch tensors."""
    if isinstance(sample, minigrad.Tensor):
        return torch.from_numpy(sample.numpy().copy())
    if isinstance(sample, Point):
        return Point(*(_to_torch(s) for s in sample))
    if isinstance(sample, dict):
        return type(sample)((k, _to_torch(v)) for k, v in sample.items())
    if isinstance(sample, list | tuple):
        return type(sample)(_to_torch(s) for s in sample)
    return sample


CASES = {
    "ints": [0, 1, 2, 3],
    "floats": [0.5, 1.0, -2.25],
    "bools": [True, False],
    "int_then_float": [1, 2.5],
    "float_then_int": [1.0, 2],
    "bool_then_int": [True, 2],
    "strings": ["a", "b"],
    "bytes": [b"ab", b"cd"],
    "np_float32": [np.float32(1), np.float32(2)],
    "np_int32": [np.int32(1), np.int32(2)],
    "np_uint8": [np.uint8(3), np.uint8(4)],
    "np_float64": [np.float64(1.5), np.float64(-1)],
    "np_bool": [np.bool_(True), np.bool_(False)],
    "np_0d": [np.array(1.5), np.array(2.5)],
    "ndarrays": [np.arange(6, dtype=np.int16).reshape(2, 3), np.ones((2, 3), np.int16)],
    "uint8_images": [np.full((28, 28), 7, np.uint8), np.zeros((28, 28), np.uint8)],
    "tensors": [minigrad.tensor([1.0, 2.0]), minigrad.tensor([3.0, 4.0])],
    "tuples": [(minigrad.ones(2), 1), (minigrad.zeros(2), 0)],
    "tuples_with_strings": [(1, "a"), (2, "b")],
    "lists": [[1, 2.5], [3, 4.5]],
    "dicts": [{"a": np.ones(2), "s": "u", "l": [True, 1]},
              {"a": np.zeros(2), "s": "v", "l": [False, 2]}],
    "ordered_dicts": [OrderedDict(b=1, a=2.0), OrderedDict(b=3, a=4.0)],
    "namedtuples": [Point(1, 2.5), Point(3, 4.5)],
    "nested": [{"p": Point(np.ones(1), (1, [2.0]))}, {"p": Point(np.zeros(1), (3, [4.0]))}],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_default_collate_matches_torch(name):
    batch = CASES[name]
    _same(default_collate(batch), torch_collate(_to_torch(batch)))


def test_strings_are_the_given_batch():
    batch = ["a", "b"]
    assert default_collate(batch) is batch and torch_collate(batch) is batch


@pytest.mark.parametrize("bad", [[np.ones(2), np.ones(3)], [(1, 2), (1,)], [object()],
                                 [np.array(["a"])], [np.array([{}], dtype=object)], []])
def test_errors_match_torch(bad):
    with pytest.raises(Exception) as theirs:
        torch_collate(bad)
    with pytest.raises(type(theirs.value)) as mine:
        default_collate(bad)
    assert str(mine.value) == str(theirs.value)


def test_dataloader_batches_of_tensor_dataset_match_torch():
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10, dtype=np.int64)
    mine = list(DataLoader(TensorDataset(x, y), batch_size=4))
    theirs = list(torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=4))
    _same(mine, theirs)
