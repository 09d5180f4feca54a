"""minigrad.utils.data: PyTorch's Dataset / DataLoader semantics, seeded and repeatable."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import minigrad
from minigrad.utils.data import (
    ConcatDataset,
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
    shuffle_dataset,
    train_val_split,
)


def _xy(n=10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    return x, np.arange(n, dtype=np.int64)


class Squares(Dataset):
    """A plain per-sample dataset (no batch fast path)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.full(2, i, np.float32), i, float(i) ** 2


def _epoch(loader):
    return np.concatenate([b[1].numpy() for b in loader])


# ---------------------------------------------------------------- datasets


def test_tensor_dataset_accepts_arrays_and_tensors():
    x, y = _xy()
    ds = TensorDataset(x, minigrad.tensor(y))
    assert len(ds) == 10 and all(isinstance(t, minigrad.Tensor) for t in ds.tensors)
    xi, yi = ds[4]
    np.testing.assert_array_equal(xi.numpy(), x[4])
    assert yi.item() == 4
    assert np.shares_memory(ds.tensors[0]._data, x)  # ndarrays are wrapped, not copied


def test_tensor_dataset_errors():
    x, y = _xy()
    with pytest.raises(ValueError, match=r"size mismatch.*\[10, 9\]"):
        TensorDataset(x, y[:9])
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(ValueError, match="first dimension"):
        TensorDataset(np.ones(()))
    with pytest.raises(TypeError, match="Tensors or numpy arrays"):
        TensorDataset([1, 2, 3])


def test_subset_and_concat():
    x, y = _xy()
    ds = TensorDataset(x, y)
    sub = Subset(ds, [7, 2, 5])
    assert len(sub) == 3 and sub[1][1].item() == 2
    (bx, by), = list(DataLoader(sub, batch_size=3))
    assert by.numpy().tolist() == [7, 2, 5] and bx.shape == (3, 3)
    cat = ConcatDataset([Squares(3), Squares(2)])
    assert len(cat) == 5 and cat[3][1] == 0 and cat[-1][1] == 1
    assert len(Squares(3) + Squares(4)) == 7
    with pytest.raises(IndexError):
        cat[5]


# ---------------------------------------------------------------- DataLoader


def test_shuffle_differs_per_epoch_and_repeats_with_the_seed():
    ds = TensorDataset(*_xy(50))
    run = []
    for _ in range(2):
        loader = DataLoader(ds, batch_size=8, shuffle=True, generator=minigrad.Generator(123))
        run.append([_epoch(loader) for _ in range(3)])
    first, second = run
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)  # the whole run repeats
    assert sorted(first[0].tolist()) == list(range(50))  # each epoch is a permutation
    assert not np.array_equal(first[0], first[1]) and not np.array_equal(first[1], first[2])
    minigrad.manual_seed(7)
    a = _epoch(DataLoader(ds, batch_size=8, shuffle=True))
    minigrad.manual_seed(7)
    b = _epoch(DataLoader(ds, batch_size=8, shuffle=True))
    np.testing.assert_array_equal(a, b)  # the default generator is seeded the same way


def test_no_shuffle_keeps_order_and_drop_last():
    ds = TensorDataset(*_xy(10))
    loader = DataLoader(ds, batch_size=4)
    assert len(loader) == 3 and [len(b[1]) for b in loader] == [4, 4, 2]
    assert _epoch(loader).tolist() == list(range(10))
    dropped = DataLoader(ds, batch_size=4, drop_last=True, shuffle=True)
    assert len(dropped) == 2 and [len(b[1]) for b in dropped] == [4, 4]
    assert len(DataLoader(ds, batch_size=20)) == 1
    assert len(DataLoader(ds, batch_size=20, drop_last=True)) == 0
    assert list(DataLoader(ds, batch_size=20, drop_last=True)) == []


def test_batch_shapes_and_dtypes():
    x, y = _xy(10)
    bx, by = next(iter(DataLoader(TensorDataset(x, y), batch_size=4)))
    assert isinstance(bx, minigrad.Tensor) and bx.shape == (4, 3) and bx.dtype == np.float32
    assert by.shape == (4,) and by.dtype == np.int64
    arr, ints, floats = next(iter(DataLoader(Squares(5), batch_size=5)))
    assert arr.shape == (5, 2) and arr.dtype == np.float32
    assert ints.dtype == np.int64 and ints.numpy().tolist() == [0, 1, 2, 3, 4]
    assert floats.dtype == np.float64 and floats.numpy().tolist() == [0, 1, 4, 9, 16]


def test_fast_path_equals_per_sample_path():
    ds = TensorDataset(*_xy(37))
    fast = DataLoader(ds, batch_size=5, shuffle=True, generator=minigrad.Generator(1))
    slow = DataLoader(ds, batch_size=5, shuffle=True, generator=minigrad.Generator(1),
                      collate_fn=default_collate)
    for (fx, fy), (sx, sy) in zip(fast, slow, strict=True):
        assert fx.dtype == sx.dtype and fy.dtype == sy.dtype
        np.testing.assert_array_equal(fx.numpy(), sx.numpy())
        np.testing.assert_array_equal(fy.numpy(), sy.numpy())


def test_custom_collate_fn_gets_the_samples():
    seen = []
    loader = DataLoader(Squares(4), batch_size=3, collate_fn=lambda b: seen.append(b) or len(b))
    assert list(loader) == [3, 1] and seen[1][0][1] == 3


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, None, "8"])
def test_bad_batch_size(bad):
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(Squares(3), batch_size=bad)


def test_bad_dataset_and_generator():
    with pytest.raises(TypeError, match="__getitem__ and __len__"):
        DataLoader(iter(range(3)))
    with pytest.raises(TypeError, match="minigrad.Generator"):
        DataLoader(Squares(3), generator=np.random.default_rng(0))


# ---------------------------------------------------------------- collate


def test_default_collate_structures():
    Point = collections.namedtuple("Point", "x y")
    batch = [{"a": np.ones(2), "p": Point(1, 2.5), "s": "u", "l": [True, 1]},
             {"a": np.zeros(2), "p": Point(3, 4.5), "s": "v", "l": [False, 2]}]
    out = default_collate(batch)
    assert out["a"].shape == (2, 2) and out["a"].dtype == np.float64
    assert isinstance(out["p"], Point) and out["p"].x.numpy().tolist() == [1, 3]
    assert out["s"] == ["u", "v"] and isinstance(out["l"], list)
    assert out["l"][0].dtype == np.bool_ and out["l"][1].dtype == np.int64
    assert default_collate([np.uint8(3), np.uint8(4)]).dtype == np.uint8
    stacked = default_collate([minigrad.tensor([1.0, 2.0]), minigrad.tensor([3.0, 4.0])])
    assert stacked.shape == (2, 2) and stacked.dtype == np.float32


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match="equal size, but got \\[2\\] at entry 0"):
        default_collate([np.ones(2), np.ones(3)])
    with pytest.raises(RuntimeError, match="should be of equal size"):
        default_collate([(1, 2), (1,)])
    with pytest.raises(TypeError, match="found <class 'object'>"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="found <U1"):
        default_collate([np.array(["a"])])
    with pytest.raises(IndexError):  # as PyTorch's: it reads batch[0]
        default_collate([])


# ---------------------------------------------------------------- splits


def test_random_split_ints_and_fractions():
    ds = Squares(10)
    parts = random_split(ds, [3, 7], generator=minigrad.Generator(0))
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    again = random_split(ds, [3, 7], generator=minigrad.Generator(0))
    assert again[0].indices == parts[0].indices
    fr = random_split(ds, [0.33, 0.33, 0.34], generator=minigrad.Generator(0))
    assert [len(p) for p in fr] == [4, 3, 3]  # floor, then the remainder round-robin
    assert [len(p) for p in random_split(ds, [0.5, 0.5])] == [5, 5]


@pytest.mark.parametrize("lengths, match", [([3, 6], "sum to 9"), ([5, -1, 6], "non-negative"),
                                            ([2.5, 7.5], "integers"), ([1.2, -0.2], "[0, 1]")])
def test_random_split_errors(lengths, match):
    with pytest.raises(ValueError, match=match):
        random_split(Squares(10), lengths)


def test_shuffle_dataset_keeps_pairs_together():
    x, t = _xy(20)
    xs, ts = shuffle_dataset(x, t, generator=minigrad.Generator(3))
    np.testing.assert_array_equal(xs[:, 0] / 3, ts)  # row i of x goes with label i
    assert not np.array_equal(ts, t) and sorted(ts.tolist()) == list(range(20))
    xs2, _ = shuffle_dataset(x, t, generator=minigrad.Generator(3))
    np.testing.assert_array_equal(xs, xs2)
    xt, tt = shuffle_dataset(minigrad.tensor(x), minigrad.tensor(t), minigrad.Generator(3))
    np.testing.assert_array_equal(xt.numpy(), xs)
    with pytest.raises(ValueError, match="20 samples but t has 19"):
        shuffle_dataset(x, t[:19])


def test_train_val_split_is_the_books():
    x, t = _xy(103)
    (xtr, ttr), (xv, tv) = train_val_split(x, t, 0.2, generator=minigrad.Generator(9))
    assert len(xv) == int(103 * 0.2) == 20 and len(xtr) == 83
    perm = minigrad.Generator(9).rng.permutation(103)  # the book: shuffle, first 20 are val
    np.testing.assert_array_equal(tv, t[perm][:20])
    np.testing.assert_array_equal(ttr, t[perm][20:])
    np.testing.assert_array_equal(xv, x[perm][:20])
    with pytest.raises(ValueError, match="val_ratio"):
        train_val_split(x, t, 1.0)
