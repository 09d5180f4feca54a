"""``minigrad.cuda``, as ``torch.cuda`` on a machine without CUDA: nothing is available.

So ``device = "cuda" if minigrad.cuda.is_available() else "cpu"`` picks the CPU, seeding is a
no-op, and calls that need a GPU raise :class:`minigrad.devices.DeviceError`.
"""

from __future__ import annotations

from typing import NoReturn

from .devices import DeviceLike, unavailable

__all__ = ["is_available", "device_count", "is_initialized", "manual_seed", "manual_seed_all",
           "empty_cache", "synchronize", "current_device"]  # fmt: skip


def is_available() -> bool:
    """False: minigrad runs on the CPU only."""
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def manual_seed(seed: int) -> None:
    """A no-op, as PyTorch's without CUDA (seed the CPU with ``minigrad.manual_seed``)."""


def manual_seed_all(seed: int) -> None:
    """A no-op, as PyTorch's without CUDA."""


def empty_cache() -> None:
    """A no-op: there is no CUDA memory to release."""


def synchronize(device: DeviceLike = None) -> NoReturn:
    raise unavailable("cuda")


def current_device() -> NoReturn:
    raise unavailable("cuda")
