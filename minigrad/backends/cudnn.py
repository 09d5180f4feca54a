"""``minigrad.backends.cudnn``: no cuDNN; the flags scripts set (``deterministic``,
``benchmark``) are accepted and change nothing, as in PyTorch without CUDA."""

from __future__ import annotations

__all__ = ["is_available", "enabled", "deterministic", "benchmark"]

enabled = True
deterministic = False
benchmark = False


def is_available() -> bool:
    return False
