"""MNIST and Fashion-MNIST with torchvision's signature, folder layout and sample types.

``MNIST(root)`` reads ``root/MNIST/raw/train-images-idx3-ubyte[.gz]`` and the three other files
(``root/FashionMNIST/raw/...`` for Fashion-MNIST), as ``torchvision.datasets.MNIST`` does; with
``download=True`` missing files are fetched there (checked, see ``minigrad.datasets``). When the
folder lacks them and cannot get them, the data comes from minigrad's offline search order
instead (``describe_sources``: environment, cache, system folders such as Debian's
``/usr/share/datasets/fashion-mnist``, the bundled 5,000-digit MNIST subset), and one WARNING
line on logger ``minigrad.vision`` names that source and what was missing in ``root``.
Without a transform a sample's image is the uint8 (28, 28) array (where torchvision gives a
PIL image: ``transforms.ToTensor()`` turns either into the same Tensor).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

import numpy as np

from ..creation import from_numpy
from ..datasets import mnist as _mnist
from ..datasets.idx import DatasetError
from ..datasets.sources import ROLES, get_spec
from ..tensor import Tensor

__all__ = ["MNIST", "FashionMNIST"]

log = logging.getLogger("minigrad.vision")


def _missing(folder: str, files: dict[str, str]) -> list[str]:
    """The names (``.gz`` or not) of the four files that ``folder`` lacks."""
    out = []
    for role in ROLES:
        gz = os.path.join(folder, files[role])
        plain = gz[:-3] if gz.endswith(".gz") else gz
        if not (os.path.isfile(gz) or os.path.isfile(plain)):
            out.append(os.path.basename(plain) + "[.gz]")
    return out


class MNIST(_mnist.MNIST):
    """``torchvision.datasets.MNIST(root, train, transform, target_transform, download)``.

    ``dataset[i]`` is ``(image, label)``: the uint8 (28, 28) array through ``transform`` and the
    int label through ``target_transform``. ``.data`` (uint8 (N, 28, 28)) and ``.targets``
    (int64 (N,)) are Tensors, ``.classes`` the class names, ``.source`` where the data came from.
    """

    def __init__(
        self,
        root: str | os.PathLike,
        train: bool = True,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        download: bool = False,
    ) -> None:
        if isinstance(root, str | os.PathLike):
            root = os.path.expanduser(os.fspath(root))
        else:
            raise TypeError(f"root should be a str or os.PathLike, got {type(root).__name__}")
        folder = os.path.join(root, type(self).__name__, "raw")
        missing = _missing(folder, dict(self.spec.files))
        why = ""
        if not missing or download:
            try:  # files there are checked; missing ones are downloaded there and checked
                super().__init__(folder, train, download, transform, target_transform)
            except (DatasetError, OSError) as e:
                if not missing:
                    raise  # files in root that are unreadable: the user's to fix, not hide
                why = f" and could not be downloaded ({e})"
            else:
                missing = []
        if missing:
            super().__init__(None, train, False, transform, target_transform)
            subset = ", a subset, not the official split" if self.source.is_subset else ""
            log.warning("%s: %s lacks %s%s; using the %s source %s instead (%d train + %d test "
                        "samples%s)", type(self).__name__, folder, ", ".join(missing), why,
                        self.source.kind, self.source.location, self.source.n_train,
                        self.source.n_test, subset)
        self.root = root

    @property
    def raw_folder(self) -> str:
        """``root/<ClassName>/raw``, where torchvision keeps the IDX files."""
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def train_labels(self) -> Tensor:
        return self.targets

    @property
    def train_data(self) -> Tensor:
        return self.data

    def _untransformed(self, img: np.ndarray) -> np.ndarray:
        """Without a transform, the uint8 (28, 28) array (a copy: the caller's to change)."""
        return img.copy()

    def _get_batch(self, indices: np.ndarray) -> list[Tensor] | None:
        """Without transforms, the batch ``default_collate`` would make: uint8 images, labels."""
        if self.transform is not None or self.target_transform is not None:
            return None
        return [from_numpy(self._images[indices]), from_numpy(self._labels[indices])]

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"

    def __repr__(self) -> str:
        lines = [f"Dataset {type(self).__name__}", f"    Number of datapoints: {len(self)}",
                 f"    Root location: {self.root}", f"    {self.extra_repr()}"]
        if self.transform is not None:
            lines.append(f"    StandardTransform\nTransform: {self.transform!r}")
        return "\n".join(lines)


class FashionMNIST(MNIST):
    """``torchvision.datasets.FashionMNIST``: Zalando's clothing images, files under
    ``root/FashionMNIST/raw``."""

    spec = get_spec("fashion-mnist")
