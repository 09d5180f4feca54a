"""Ops that write into a tensor: ``copy_`` and writes into a region (``x[i] = v``, a view's change).

They are what an in-place op records in the graph: the old value's gradient is the upstream one
with the overwritten region zeroed, the written value's gradient is that region of it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import call, data_of, defop
from .elementwise import CAST
from .shape import GETITEM

__all__ = ["COPY", "COPY_SLICES", "region"]


def region(arr: np.ndarray, chain: tuple) -> np.ndarray:
    """The part of ``arr`` a view chain selects, as a writable NumPy view (the last index may be
    advanced: then use :func:`write_region`)."""
    for op, params in chain:
        arr = op.forward(arr, **params)
    return arr


def write_region(arr: np.ndarray, chain: tuple, value: Any) -> None:
    """``region(arr, chain)[...] = value``, with an advanced index allowed in the last step."""
    *views, (op, params) = chain
    target = region(arr, tuple(views))
    if op is GETITEM:
        target[params["index"]] = value
    else:
        op.forward(target, **params)[...] = value


def _copy_slices_fwd(base: np.ndarray, src: np.ndarray, chain: tuple) -> np.ndarray:
    out = base.copy()
    write_region(out, chain, src)
    return out


def _outside(xp: Any, g: Any, out: Any, base: Any, src: Any, chain: tuple) -> Any:
    mask = np.ones(g.shape, dtype=data_of(g).dtype)
    write_region(mask, chain, 0)
    return g * mask


def _inside(xp: Any, g: Any, out: Any, base: Any, src: Any, chain: tuple) -> Any:
    for op, params in chain:
        g = call(xp, op, g, **params)
    return g  # the engine sums a broadcast source back to its shape


COPY_SLICES = defop("copy_slices", _copy_slices_fwd, _outside, _inside, saves=())


def _copy_fwd(x: np.ndarray, src: np.ndarray) -> np.ndarray:
    return np.broadcast_to(src, x.shape).astype(x.dtype)


def _copy_src_rule(xp: Any, g: Any, out: Any, x: Any, src: Any) -> Any:
    dtype = data_of(src).dtype
    return g if data_of(g).dtype == dtype else call(xp, CAST, g, dtype=dtype)


COPY = defop("copy", _copy_fwd, lambda xp, g, out, x, src: None, _copy_src_rule, saves=())
