"""Float classification and closeness as PyTorch defines them: isnan, isinf, isfinite, isposinf,
isneginf, isreal, isclose, allclose, equal, and nan_to_num (whose gradient passes where the
input is finite, as PyTorch's). All but nan_to_num return bool tensors (or a Python bool).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..autograd import apply
from ..tensor import Tensor, as_tensor
from . import data_of, defop

__all__ = ["isnan", "isinf", "isfinite", "isposinf", "isneginf", "isreal", "isclose", "allclose",
           "equal", "nan_to_num"]  # fmt: skip


def _classify(npfn, name: str, doc: str):
    def fn(input: Any) -> Tensor:  # noqa: A002
        x = as_tensor(input)._data
        if x.dtype.kind != "f":  # integers and bools are finite, never NaN
            return Tensor._wrap(np.full(x.shape, name in ("isfinite", "isreal")))
        return Tensor._wrap(np.asarray(npfn(x)))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


isnan = _classify(np.isnan, "isnan", "Elementwise: is NaN (bool).")
isinf = _classify(np.isinf, "isinf", "Elementwise: is +inf or -inf (bool).")
isfinite = _classify(np.isfinite, "isfinite", "Elementwise: neither NaN nor infinite (bool).")
isposinf = _classify(np.isposinf, "isposinf", "Elementwise: is +inf (bool).")
isneginf = _classify(np.isneginf, "isneginf", "Elementwise: is -inf (bool).")
isreal = _classify(lambda x: np.ones(x.shape, bool), "isreal",
                   "Elementwise: has no imaginary part (always true: minigrad has real dtypes).")


def isclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
            equal_nan: bool = False) -> Tensor:
    """``|input - other| <= atol + rtol * |other|`` elementwise; both tensors of one dtype."""
    for name, v in (("input", input), ("other", other)):
        if not isinstance(v, Tensor):
            pos = 1 if name == "input" else 2
            raise TypeError(f"isclose(): argument '{name}' (position {pos}) must be Tensor, not "
                            f"{type(v).__name__}")
    a, b = input._data, other._data
    if a.dtype != b.dtype:
        raise RuntimeError(f"{_dt.torch_name(a.dtype)} did not match {_dt.torch_name(b.dtype)}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    if a.dtype.kind == "b":
        return Tensor._wrap(np.asarray(a == b))
    if a.dtype.kind != "f":  # PyTorch compares integers in the default float dtype
        ft = _dt.get_default_dtype()
        a, b = a.astype(ft), b.astype(ft)
    with np.errstate(invalid="ignore", over="ignore"):
        close = (a == b) | (np.isfinite(a) & np.isfinite(b) & (np.abs(a - b) <= atol + rtol *
                                                                   np.abs(b)))
    if equal_nan:
        close = close | (np.isnan(a) & np.isnan(b))
    return Tensor._wrap(np.asarray(close))


def allclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
             equal_nan: bool = False) -> bool:
    """Whether every element is ``isclose`` (the operands broadcast), as a Python bool."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input: Any, other: Any) -> bool:  # noqa: A002
    """True when both have the same shape and the same values (after promotion), as PyTorch."""
    a, b = data_of(input), data_of(other)
    return a.shape == b.shape and bool(np.all(a == b))


def _nan_to_num_fwd(x: np.ndarray, nan: float = 0.0, posinf: float | None = None,
                    neginf: float | None = None) -> np.ndarray:
    return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


def _nan_to_num_rule(xp, g, out, x, **params):
    keep = np.isfinite(data_of(x))
    return xp.where(keep, g, np.zeros((), data_of(g).dtype))


NAN_TO_NUM = defop("nan_to_num", _nan_to_num_fwd, _nan_to_num_rule, saves=((0,),))


def nan_to_num(input: Any, nan: float = 0.0, posinf: float | None = None,  # noqa: A002
               neginf: float | None = None, *, out: Any = None) -> Tensor:
    """NaN to ``nan``, +-inf to ``posinf``/``neginf`` (the dtype's largest/lowest by default)."""
    x = as_tensor(input)
    if x._data.dtype.kind != "f":
        r = Tensor._wrap(x._data.copy())
    else:
        r = apply(NAN_TO_NUM, x, nan=nan, posinf=posinf, neginf=neginf)
    return r if out is None else out.copy_(r)


FUNCTIONS = {name: globals()[name] for name in __all__}
"""The public functions here, also Tensor methods of the same names."""
