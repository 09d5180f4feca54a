"""The in-place ``_`` variants of the binary ops in :mod:`minigrad.ops.binary` and the shifts
(``x.atan2_(y)``, ``x %= y``, ``x <<= 1``, ``x.clamp_(lo_tensor, hi_tensor)``...), as PyTorch.

Each computes the out-of-place result's dtype first and refuses a result of a higher category
than ``self`` (PyTorch's rule), then writes through :func:`minigrad.inplace.inplace`, so versions
and the graph are recorded as for every other in-place op.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .inplace import check_cast, inplace, sub_
from .ops import binary as bn
from .ops import bitwise as bw
from .ops import compare as cmp
from .ops import elementwise as ew
from .promotion import promote_all
from .tensor import Tensor

__all__ = ["METHODS"]


def _probe(x: Any) -> Any:
    """An empty stand-in of ``x``'s dtype (a scalar stays a scalar) to compute a result dtype."""
    return Tensor._wrap(np.empty((0,) * max(x.ndim, 1), x._data.dtype)) \
        if isinstance(x, Tensor) else x


def _written(self: Tensor, fn: Any, *others: Any, **kw: Any) -> list[Tensor]:
    """The operands in ``self``'s dtype, after checking ``fn``'s result may be written there."""
    dt = self._data.dtype
    check_cast(fn(_probe(self), *[_probe(o) for o in others], **kw).dtype, dt)
    ops = promote_all(self, *others)[1:]
    return [o if o._data.dtype == dt else ew.cast(o, dt) for o in ops]


def _binary_(fn: Any, op: Any):
    def method(self: Tensor, other: Any) -> Tensor:
        (o,) = _written(self, fn, other)
        return inplace(op, self, o)

    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place ``{fn.__name__}``."
    return method


def _shift_(fn: Any):
    def method(self: Tensor, other: Any) -> Tensor:
        r = fn(self, other)
        check_cast(r.dtype, self._data.dtype)
        np.copyto(self._data, r._data, casting="unsafe")
        from .tensor import bump

        bump(self)
        return self

    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place ``{fn.__name__}`` (integers: no gradient to record)."
    return method


_true_div_ = Tensor.div_  # minigrad.inplace's (the optimizers' hot path)


def div_(self: Tensor, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """In-place ``div``, with ``rounding_mode`` as the out-of-place one."""
    if rounding_mode is None:
        return _true_div_(self, other)
    (o,) = _written(self, bn.div, other, rounding_mode=rounding_mode)
    return inplace(bn.DIV_ROUND, self, o, mode=rounding_mode)


def floor_divide_(self: Tensor, other: Any) -> Tensor:
    (o,) = _written(self, bn.floor_divide, other)
    return inplace(bn.DIV_ROUND, self, o, mode="floor")


def lerp_(self: Tensor, end: Any, weight: Any) -> Tensor:
    bn.lerp(_probe(self), _probe(end), _probe(weight))  # PyTorch's dtype errors
    w = weight if isinstance(weight, Tensor) else Tensor._wrap(np.asarray(weight,
                                                                          self._data.dtype))
    return inplace(bn.LERP, self, end, w)


def clamp_(self: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """In-place ``clamp`` with number or tensor bounds."""
    if not isinstance(min, Tensor) and not isinstance(max, Tensor):
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        from .inplace import clamp_ as number_clamp_

        return number_clamp_(self, min, max)
    dt = self._data.dtype
    check_cast(bn.clamp(_probe(self), _probe(min), _probe(max)).dtype, dt)
    big, small = (np.inf, -np.inf) if dt.kind == "f" else (np.iinfo(dt).max, np.iinfo(dt).min)
    lo = min if min is not None else Tensor._wrap(np.asarray(small, dt))
    hi = max if max is not None else Tensor._wrap(np.asarray(big, dt))
    lo, hi = (b if b._data.dtype == dt else ew.cast(b, dt) for b in (lo, hi))
    return inplace(bn.CLAMP_T, self, lo, hi)


_PAIRS = {"atan2": bn.ATAN2, "arctan2": bn.ATAN2, "fmod": bn.FMOD, "remainder": bn.REMAINDER,
          "hypot": bn.HYPOT, "copysign": bn.COPYSIGN, "xlogy": bn.XLOGY}

def nan_to_num_(self: Tensor, nan: float = 0.0, posinf: float | None = None,
                neginf: float | None = None) -> Tensor:
    """In-place ``nan_to_num`` (integer and bool tensors have nothing to replace)."""
    if self._data.dtype.kind != "f":
        return self
    return inplace(cmp.NAN_TO_NUM, self, nan=nan, posinf=posinf, neginf=neginf)


METHODS: dict[str, Any] = {
    **{n + "_": _binary_(bn.ALIASES.get(n) or bn.FUNCTIONS[n], op) for n, op in _PAIRS.items()},
    "div_": div_, "divide_": div_, "true_divide_": _true_div_, "floor_divide_": floor_divide_,
    "multiply_": Tensor.mul_, "subtract_": sub_, "lerp_": lerp_, "clamp_": clamp_, "clip_": clamp_,
    "bitwise_left_shift_": _shift_(bw.bitwise_left_shift),
    "bitwise_right_shift_": _shift_(bw.bitwise_right_shift),
    "__ilshift__": _shift_(bw.bitwise_left_shift), "__irshift__": _shift_(bw.bitwise_right_shift),
    "__imod__": _binary_(bn.remainder, bn.REMAINDER), "__ifloordiv__": floor_divide_,
    "nan_to_num_": nan_to_num_,
}  # fmt: skip
"""Attached to Tensor on import."""

for _name, _fn in METHODS.items():
    setattr(Tensor, _name, _fn)
