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

__all__ = ["Op", "OPS", "OUT", "defop", "call", "data_of"]

OPS: dict[str, Op] = {}
OUT = -1
"""In a ``saves`` entry: the rule reads the op's output (``exp``, ``sigmoid``, ``softmax``...)."""

Saves = tuple[tuple[int, ...], ...]


class Op:
    """One differentiable operation: ``forward(*arrays, **params)`` and its VJP rules.

    ``saves`` says, per input, which tensors that input's rule reads (input positions, or
    :data:`OUT`), or is a function of the params giving that; backward checks exactly those for
    in-place changes, as PyTorch checks its saved tensors. ``view`` ops may return an array that
    shares memory with input 0; the result is then a view (same storage and version counter).
    """

    __slots__ = ("name", "forward", "rules", "vjp_fn", "saves", "saves_any", "reads_out", "view",
                 "_cache")

    def __init__(
        self,
        name: str,
        forward: Callable[..., np.ndarray],
        rules: tuple[Callable[..., Any], ...] = (),
        vjp: Callable[..., Any] | None = None,
        saves: Saves | Callable[..., Saves] = (),
        view: bool = False,
    ) -> None:
        self.name = name
        self.forward = forward
        self.rules = rules
        self.vjp_fn = vjp
        self.saves = saves
        self.saves_any = callable(saves) or any(saves)
        self.reads_out = callable(saves) or any(OUT in s for s in saves)
        self.view = view
        self._cache: dict = {}

    def saved_for(self, needs: list[bool], params: dict) -> tuple[tuple[int, ...], bool]:
        """(input positions, whether the output) that the rules of the needed inputs read."""
        spec = self.saves(**params) if callable(self.saves) else self.saves
        key = (tuple(needs), spec)
        hit = self._cache.get(key)
        if hit is None:
            read: set[int] = set()
            for i, need in enumerate(needs):
                if need and i < len(spec):
                    read.update(spec[i])
            hit = (tuple(sorted(k for k in read if 0 <= k < len(needs))), OUT in read)
            self._cache[key] = hit
        return hit

    def __repr__(self) -> str:
        return f"Op({self.name!r})"


def defop(
    name: str,
    forward: Callable[..., np.ndarray],
    *rules: Callable[..., Any],
    vjp: Callable[..., Any] | None = None,
    saves: Saves | Callable[..., Saves] | None = None,
    view: bool = False,
) -> Op:
    """Declare an op and register it in :data:`OPS` (the meta-test checks every entry is tested).

    ``saves`` is required: an op whose rules read nothing says ``saves=()``.
    """
    if name in OPS:
        raise ValueError(f"op {name!r} is already defined")
    if saves is None:
        raise ValueError(f"op {name!r}: declare what its rules read (saves=...)")
    op = Op(name, forward, tuple(rules), vjp, saves, view)
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
    binary,
    compare,
    conv,
    diag,
    einsum,
    elementwise,
    linalg,
    math,
    norms,
    pool,
    reduce,
    sample,
    scan,
    shape,
    sorting,
    tensor_xp,  # noqa: E402,F401
)
