"""The op table: each op is a forward on arrays plus one gradient rule per input, side by side.

A rule has the signature ``rule(xp, g, out, *inputs, **params)``; a fused op may instead give one
``vjp(xp, g, out, inputs, needs, **params)`` that returns every input's gradient at once (``None``
where ``needs[i]`` is false), so the gradients share their work. On the fast path ``xp`` is NumPy
and the arguments are arrays; with ``create_graph=True`` ``xp`` is :mod:`minigrad.ops.tensor_xp`
and the arguments are Tensors, so the same rule records a differentiable graph (higher order).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd import apply
from ..tensor import as_tensor

__all__ = ["Op", "OPS", "defop", "call", "data_of"]

OPS: dict[str, Op] = {}


class Op:
    """One differentiable operation: ``forward(*arrays, **params)`` and its VJP rules."""

    __slots__ = ("name", "forward", "rules", "vjp_fn")

    def __init__(
        self,
        name: str,
        forward: Callable[..., np.ndarray],
        rules: tuple[Callable[..., Any], ...] = (),
        vjp: Callable[..., Any] | None = None,
    ) -> None:
        self.name = name
        self.forward = forward
        self.rules = rules
        self.vjp_fn = vjp

    def __repr__(self) -> str:
        return f"Op({self.name!r})"


def defop(
    name: str,
    forward: Callable[..., np.ndarray],
    *rules: Callable[..., Any],
    vjp: Callable[..., Any] | None = None,
) -> Op:
    """Declare an op and register it in :data:`OPS` (the meta-test checks every entry is tested)."""
    if name in OPS:
        raise ValueError(f"op {name!r} is already defined")
    op = Op(name, forward, tuple(rules), vjp)
    OPS[name] = op
    return op


def call(xp: Any, op: Op, *args: Any, **params: Any) -> Any:
    """Run ``op`` inside a gradient rule: on arrays directly, on Tensors through the graph."""
    if xp is np:
        return op.forward(*args, **params)

    return apply(op, *[as_tensor(a) for a in args], **params)


def data_of(x: Any) -> Any:
    """The array behind a Tensor (or the value itself): for masks and constants inside rules."""
    return x if isinstance(x, np.ndarray | np.generic) else getattr(x, "_data", x)


from . import (  # noqa: E402,F401  (fill the table)
    elementwise,
    linalg,
    reduce,
    shape,
    tensor_xp,  # noqa: E402,F401
)
