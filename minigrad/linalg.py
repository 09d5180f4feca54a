"""``torch.linalg`` as minigrad has it: the norms (``vector_norm``, ``matrix_norm``, ``norm``).

A namespace module: each function lives with its op in :mod:`minigrad.ops`, so others can add
theirs here with one import line.
"""

from __future__ import annotations

from .ops.norms import matrix_norm, norm, vector_norm

__all__ = ["vector_norm", "matrix_norm", "norm"]
