"""MNIST and Fashion-MNIST: the book's ``load_mnist`` and PyTorch-style dataset objects.

Both find their files through the search order in ``minigrad.datasets.sources`` (see
``describe_sources``) and record where the data came from (``last_source()``, ``.source``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from ..creation import from_numpy
from ..tensor import Tensor
from ..utils.data import Dataset
from .loader import DataSource, _load_shared
from .sources import DatasetSpec, get_spec

__all__ = ["load_mnist", "MNIST", "FashionMNIST"]


def _with_mirrors(dataset: str | DatasetSpec, mirrors: Any) -> DatasetSpec:
    spec = get_spec(dataset)
    if mirrors is None:
        return spec
    if isinstance(mirrors, str):
        mirrors = (mirrors,)
    return spec.replace(mirrors=tuple(mirrors))


def _convert(x: np.ndarray, t: np.ndarray, normalize: bool, flatten: bool, one_hot: bool,
             n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    x = x.reshape(len(x), 784) if flatten else x.reshape(len(x), 1, 28, 28)
    x = x.astype(np.float32) / np.float32(255.0) if normalize else x.copy()
    if one_hot:
        onehot = np.zeros((len(t), n_classes), dtype=np.float32)
        onehot[np.arange(len(t)), t] = 1.0
        return x, onehot
    return x, t.copy()


def load_mnist(
    normalize: bool = True,
    flatten: bool = True,
    one_hot_label: bool = False,
    *,
    dataset: str | DatasetSpec = "mnist",
    root: str | os.PathLike | None = None,
    download: bool = False,
    mirrors: str | tuple[str, ...] | None = None,
    return_source: bool = False,
) -> Any:
    """``(x_train, t_train), (x_test, t_test)`` as in the book's ``dataset/mnist.py``.

    Images are float32 in [0, 1] when ``normalize`` (uint8 0-255 otherwise), shaped (N, 784)
    when ``flatten`` else (N, 1, 28, 28). Labels are uint8 class numbers, or float32 one-hot
    rows of length 10 when ``one_hot_label`` (the book's one-hot is float64; float32 keeps
    losses in the default dtype). ``dataset="fashion-mnist"`` loads Fashion-MNIST. With
    ``return_source=True`` a third item, the ``DataSource``, is returned; ``last_source()``
    gives it too. ``mirrors`` replaces the download base URLs.
    """
    spec = _with_mirrors(dataset, mirrors)
    ((xtr, ttr), (xte, tte)), source = _load_shared(spec, root, download)
    n = len(spec.classes)
    train = _convert(xtr, ttr, normalize, flatten, one_hot_label, n)
    test = _convert(xte, tte, normalize, flatten, one_hot_label, n)
    return (train, test, source) if return_source else (train, test)


class MNIST(Dataset):
    """MNIST digits as a Dataset, like ``torchvision.datasets.MNIST``.

    ``dataset[i]`` is ``(image, label)``: by default ``image`` is a float32 Tensor of shape
    (1, 28, 28) scaled to [0, 1] and ``label`` an int. Given a ``transform``, it receives the raw
    uint8 (28, 28) ndarray instead (not a PIL image) and its result is returned as is;
    ``target_transform`` receives the int label. ``.data`` is a uint8 Tensor (N, 28, 28),
    ``.targets`` an int64 Tensor (N,), ``.source`` the ``DataSource`` used. Without transforms
    a DataLoader fetches whole batches at once. ``root=`` means: only this folder (see
    ``describe_sources``); ``mirrors`` replaces the download base URLs.
    """

    spec: DatasetSpec = get_spec("mnist")

    def __init__(
        self,
        root: str | os.PathLike | None = None,
        train: bool = True,
        download: bool = False,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        *,
        mirrors: str | tuple[str, ...] | None = None,
    ) -> None:
        spec = _with_mirrors(self.spec, mirrors)
        (train_set, test_set), source = _load_shared(spec, root, download)
        images, labels = train_set if train else test_set
        self._images = images  # read-only, shared with the in-process cache
        self._labels = labels.astype(np.int64)
        self.data: Tensor = from_numpy(images)
        self.targets: Tensor = from_numpy(self._labels)
        self.classes: list[str] = list(spec.classes)
        self.train = train
        self.root = None if root is None else os.fspath(root)
        self.transform = transform
        self.target_transform = target_transform
        self.source: DataSource = source

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    def __len__(self) -> int:
        return len(self._images)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img = self._images[index]
        image = self.transform(img) if self.transform is not None else self._untransformed(img)
        target: Any = int(self._labels[index])
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def _untransformed(self, img: np.ndarray) -> Any:
        """A sample's image without a transform: float32 (1, 28, 28) in [0, 1]."""
        return from_numpy(img.astype(np.float32)[None] / np.float32(255.0))

    def _get_batch(self, indices: np.ndarray) -> list[Tensor] | None:
        """A whole batch at once (the DataLoader's fast path); None when transforms are set."""
        if self.transform is not None or self.target_transform is not None:
            return None
        x = self._images[indices].astype(np.float32)[:, None] / np.float32(255.0)
        return [from_numpy(x), from_numpy(self._labels[indices])]

    def __repr__(self) -> str:
        split = "Train" if self.train else "Test"
        return (f"{type(self).__name__}(split={split}, n={len(self)}, "
                f"source={self.source.kind}:{self.source.location})")


class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando's clothing images in MNIST's format), like torchvision's."""

    spec = get_spec("fashion-mnist")
