"""``minigrad.backends``, as ``torch.backends`` on a CPU-only build: no MPS, no cuDNN."""

from . import cudnn, mps

__all__ = ["cudnn", "mps"]
