"""torchvision's data side for MNIST-style scripts: ``datasets`` and ``transforms``.

``from minigrad.vision import datasets, transforms`` stands in for
``from torchvision import datasets, transforms``.
"""

from __future__ import annotations

from . import datasets, transforms

__all__ = ["datasets", "transforms"]
