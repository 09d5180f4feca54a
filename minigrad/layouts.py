"""PyTorch's memory formats and the strided layout, as names that scripts can pass.

minigrad stores every tensor as one NumPy array, so there is one layout (strided) and every
memory format describes the same data: ``x.float(memory_format=minigrad.contiguous_format)``
and ``normal(..., layout=minigrad.strided)`` run as in PyTorch and change nothing else.
"""

from __future__ import annotations

__all__ = ["memory_format", "layout", "contiguous_format", "preserve_format", "channels_last",
           "channels_last_3d", "strided"]  # fmt: skip


class memory_format:  # noqa: N801  (PyTorch's name)
    """A memory format name (``torch.memory_format``)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"minigrad.{self.name}"


class layout:  # noqa: N801  (PyTorch's name)
    """A tensor layout name (``torch.layout``); minigrad has only ``strided``."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"minigrad.{self.name}"


contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
strided = layout("strided")


def check_layout(value: layout | None, who: str) -> None:
    """Refuse a layout other than strided (sparse layouts do not exist here)."""
    if value is not None and value is not strided:
        raise RuntimeError(f"{who}: minigrad supports only the strided layout, got {value!r}")
