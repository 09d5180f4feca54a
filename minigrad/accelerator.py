"""``minigrad.accelerator``, as ``torch.accelerator`` with none present: scripts fall back to
``"cpu"`` (``current_accelerator().type if is_available() else "cpu"``)."""

from __future__ import annotations

from .devices import device

__all__ = ["is_available", "current_accelerator", "device_count"]


def is_available() -> bool:
    """False: minigrad has no accelerator."""
    return False


def current_accelerator(check_available: bool = False) -> device | None:
    """None: there is no accelerator (the CPU is not one, as in PyTorch)."""
    return None


def device_count() -> int:
    return 0
