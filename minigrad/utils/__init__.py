"""Utilities with PyTorch's layout: ``minigrad.utils.data`` holds datasets and the DataLoader."""

from __future__ import annotations

from . import data

__all__ = ["data"]
