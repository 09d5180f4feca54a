"""Views: tensors that share their base's memory and version counter, as PyTorch's views do.

A view remembers its base and the chain of view ops that made it from the base, so that a change
made in place through the view can be recorded on the base, and a view whose base got a new
history in place can follow it (PyTorch regenerates a view's ``grad_fn`` the same way).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from . import autograd
from .tensor import counter

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["mark", "follow", "refresh", "replay", "one_of_many", "rebased", "MULTI"]

rebased = False
"""Set once any tensor with views got a new node in place; until then no view can be stale."""


def mark(out: Tensor, inp: Tensor, op: Any, params: dict) -> None:
    """Make ``out`` a view of ``inp``'s base when the op returned an array over its memory."""
    if not (np.may_share_memory(out._data, inp._data) or _empty_view(out._data, inp._data)):
        return  # a copy: a reshape that could not view, or advanced indexing
    base = inp._base
    if base is None:
        base, chain = inp, ()
    else:
        chain = inp._view
    out._base = base
    out._view = chain + ((op, params),)
    out._view_at = base._node
    out._view_grad = autograd.is_grad_enabled()  # in-place with grad on needs a view made so
    out._vc = counter(inp)


def _empty_view(out: np.ndarray, inp: np.ndarray) -> bool:
    """An empty result shares no memory, but a slice of ``inp`` is still a view (as PyTorch's)."""
    def root(a: np.ndarray) -> np.ndarray:
        while isinstance(a.base, np.ndarray):
            a = a.base
        return a

    return out.size == 0 and out.base is not None and root(out) is root(inp)


def one_of_many(t: Tensor, name: str = "Unbind", i: int = 0) -> Tensor:
    """Mark a view as output ``i`` of several made at once (``unbind``, iterating a tensor,
    ``split``, ``chunk``, as PyTorch's ``name``): such views may not be changed in place while a
    graph is recorded."""
    if t._base is not None and t._view_grad:
        t._view_grad = (MULTI, name, i)
    return t


MULTI = "multi"


def replay(base: Tensor, chain: tuple) -> Tensor:
    """Apply a view chain to ``base`` again (recording the graph if grad mode is on)."""
    t = base
    for op, params in chain:
        t = autograd.apply(op, t, **params)
    return t


def follow(t: Tensor) -> None:
    """Refresh view ``t`` if its base got a new history in place since the view's was made."""
    if t._base is not None and t._view_at is not t._base._node:
        refresh(t)


def refresh(t: Tensor) -> None:
    """Give view ``t`` the history of its base's current value (after an in-place change)."""
    base = t._base
    if not autograd.is_grad_enabled():
        return  # nothing to record now: refreshed when next used with grad mode on
    r = replay(base, t._view)
    prev = t._node
    if prev is not None and prev.retained is not None and r._node is not None:
        r._node.retained, prev.retained = prev.retained, None  # retain_grad follows the view
    t._node = r._node
    t.requires_grad = r.requires_grad
    t._view_at = base._node
