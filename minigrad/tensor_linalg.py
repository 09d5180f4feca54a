"""The linear-algebra Tensor methods: ``x.mm(y)``, ``x.diagonal()``, ``x.tril_(k)``,
``x.addmm_(a, b, beta=0.5)`` and the rest of :mod:`minigrad.ops.linalg` and ``ops.diag``.

The in-place ``add*_`` methods compute the out-of-place result and copy it in (PyTorch's rule:
the result must have the tensor's shape); ``tril_``/``triu_`` are recorded in-place ops.
"""

from __future__ import annotations

from typing import Any

from .inplace import copy_into, inplace
from .ops import diag as dg
from .ops import linalg as la
from .tensor import Tensor

__all__: list[str] = []


def _scaled_(name: str):
    fn = la.METHODS[name]

    def method(self: Tensor, *args: Any, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return copy_into(self, fn(self, *args, beta=beta, alpha=alpha, _inplace=True))

    method.__name__ = name + "_"
    method.__doc__ = f"In-place ``{name}``."
    return method


def _tri_(name: str, op: Any):
    def method(self: Tensor, diagonal: int = 0) -> Tensor:
        dg.tri_check(self, name)
        return inplace(op, self, diagonal=int(diagonal))

    method.__name__ = name + "_"
    method.__doc__ = f"In-place ``{name}``."
    return method


_METHODS = {
    **la.METHODS, **dg.METHODS,
    **{name + "_": _scaled_(name) for name in la.INPLACE},
    **{name + "_": _tri_(name, op) for name, op in dg.INPLACE.items()},
}  # fmt: skip

for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)
