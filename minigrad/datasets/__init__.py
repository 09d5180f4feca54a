"""MNIST-format datasets: an IDX reader, a visible search order, checked downloads, a subset.

``load_mnist`` is the book's loader; ``MNIST`` / ``FashionMNIST`` are PyTorch-style datasets.
``describe_sources("mnist")`` shows where data is looked for and what is found; see
``minigrad.datasets.sources`` for the order and how to override it.
"""

from __future__ import annotations

from .bundled import BUNDLED_SEED, bundled_path, load_bundled
from .download import download_file
from .idx import DatasetError, read_idx, write_idx
from .loader import DataSource, last_source, load_arrays
from .mnist import MNIST, FashionMNIST, load_mnist
from .sources import (
    FASHION_MNIST_SPEC,
    MNIST_SPEC,
    DatasetSpec,
    SourceStatus,
    cache_dir,
    describe_sources,
    get_spec,
    search_sources,
)

__all__ = [
    "BUNDLED_SEED",
    "DataSource",
    "DatasetError",
    "DatasetSpec",
    "FASHION_MNIST_SPEC",
    "FashionMNIST",
    "MNIST",
    "MNIST_SPEC",
    "SourceStatus",
    "bundled_path",
    "cache_dir",
    "describe_sources",
    "download_file",
    "get_spec",
    "last_source",
    "load_arrays",
    "load_bundled",
    "load_mnist",
    "read_idx",
    "search_sources",
    "write_idx",
]
