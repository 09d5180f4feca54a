"""The one op behind random draws whose parameters are tensors (``normal(mean, std)``,
``bernoulli(p)``): the draw is made outside, and the op hands it on with a zero gradient for each
parameter, as PyTorch defines these (not reparameterised: the sample does not move with them)."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import data_of, defop

__all__ = ["SAMPLE"]


def _zeros_vjp(xp: Any, g: Any, out: Any, args: Any, needs: list[bool]) -> list[Any]:
    if xp is np:
        return [np.zeros_like(g) if need else None for need in needs]
    zero = xp.where(np.zeros(data_of(g).shape, bool), g, 0.0)  # a Tensor of zeros in the graph
    return [zero if need else None for need in needs]


SAMPLE = defop("sample", lambda draw, *params: draw, vjp=_zeros_vjp, saves=())
"""``apply(SAMPLE, draw, *params)``: the values of ``draw``, zero gradients for ``params``."""
