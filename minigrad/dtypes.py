"""PyTorch's dtype rules in one place: the dtypes, the default float dtype, type promotion.

Dtypes are ``numpy.dtype`` objects (``Tensor.dtype`` is one). Promotion follows
``torch.result_type``: categories bool < integer < floating; inside a category a dimensioned
tensor outranks a 0-d tensor, which outranks a Python (or NumPy) scalar, but an operand of a
higher category always lifts the result to its category. Python floats count as the default
float dtype, Python ints as int64, Python bools as bool.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = [
    "bool_", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64",
    "get_default_dtype", "set_default_dtype", "promote_types", "result_type", "can_cast",
    "is_floating_point", "torch_name", "check_inplace_result",
]  # fmt: skip

bool_ = np.dtype(np.bool_)
uint8 = np.dtype(np.uint8)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)

DTYPES = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
_NAMES = ("Bool", "Byte", "Char", "Short", "Int", "Long", "Half", "Float", "Double")
TORCH_NAMES: dict[np.dtype, str] = dict(zip(DTYPES, _NAMES))
"""PyTorch's scalar-type names (``Float``), used in its messages and legacy ``FloatTensor``."""

_default = float32


def get_default_dtype() -> np.dtype:
    """The dtype of Python floats in new tensors and of int/int division (float32 at start)."""
    return _default


def set_default_dtype(d: Any) -> None:
    """Set the default float dtype; only floating dtypes are accepted, as PyTorch."""
    global _default
    dt = np.dtype(d)
    if dt.kind != "f":
        raise TypeError("invalid dtype object: only floating-point types are supported as the "
                        "default type")
    _default = dt


def torch_name(dt: np.dtype) -> str:
    """``Float`` for float32, as PyTorch names scalar types in its errors."""
    return TORCH_NAMES.get(dt, str(dt))


def _promote_rule(a: np.dtype, b: np.dtype) -> np.dtype:
    if a == b:
        return a
    for d in (a, b):
        if d.kind not in "biuf":
            raise TypeError(f"dtype {d} is not supported")
        if d.kind == "u" and d != uint8:
            raise RuntimeError(f"Promotion for uint16, uint32, uint64 types is not supported, "
                               f"attempted to promote {torch_name(a)} and {torch_name(b)}")
    if a.kind == "b":
        return b
    if b.kind == "b":
        return a
    if a.kind == "f" and b.kind == "f":
        return a if a.itemsize >= b.itemsize else b
    if a.kind == "f" or b.kind == "f":  # a float beats any integer, even float16 vs int64
        return a if a.kind == "f" else b
    return np.promote_types(a, b)  # integers: NumPy's lattice is PyTorch's (uint8+int8 = int16)


_TABLE = {(a, b): _promote_rule(a, b) for a in DTYPES for b in DTYPES}


def _promote(a: np.dtype | None, b: np.dtype | None) -> np.dtype | None:
    if a is None or a is b:
        return b
    if b is None:
        return a
    r = _TABLE.get((a, b))
    return _promote_rule(a, b) if r is None else r


def promote_types(type1: Any, type2: Any) -> np.dtype:
    """The smallest dtype both convert to within the higher category (``torch.promote_types``)."""
    return _promote(np.dtype(type1), np.dtype(type2))


def _combine(higher: np.dtype | None, lower: np.dtype | None) -> np.dtype | None:
    """A lower-priority slot only matters when it is of a higher category (PyTorch's rule)."""
    if higher is None:
        return lower
    if lower is None or higher.kind == "f":
        return higher
    if higher.kind == "b" or lower.kind == "f":
        return _promote(higher, lower)
    return higher


def scalar_dtype(v: Any) -> np.dtype | None:
    """The dtype a Python or NumPy scalar counts as, or None when ``v`` is no scalar.

    As PyTorch 2.13: ``np.bool_`` reaches it as a float (``int_tensor + np.True_`` is float).
    """
    if isinstance(v, bool):
        return bool_
    if isinstance(v, numbers.Integral):  # int and NumPy integers
        return int64
    if isinstance(v, float | np.floating | np.bool_):
        return _default
    if isinstance(v, complex | np.complexfloating):
        raise TypeError("complex tensors are not supported")
    return None


def operands_result(*operands: Any) -> np.dtype:
    """``torch.result_type`` over any number of operands (Tensors, arrays, scalars, lists)."""
    dim = zero = wrapped = None  # the promoted dtypes of each priority
    for x in operands:
        s = scalar_dtype(x)
        if s is not None:
            wrapped = _promote(wrapped, s)
            continue
        arr = getattr(x, "_data", x)  # a Tensor's array
        if not isinstance(arr, np.ndarray):  # a list: as tensor() would make it
            from .tensor import _to_array

            arr = _to_array(x)
        if arr.ndim:
            dim = _promote(dim, arr.dtype)
        else:
            zero = _promote(zero, arr.dtype)
    if dim is None and zero is None and wrapped is None:
        raise TypeError("result_type needs at least one operand")
    return _combine(dim, _combine(zero, wrapped))


def result_type(tensor1: Any, tensor2: Any) -> np.dtype:
    """The dtype of ``tensor1 + tensor2`` by PyTorch's rules (``torch.result_type``)."""
    return operands_result(tensor1, tensor2)


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def can_cast(from_: Any, to: Any) -> bool:
    """Whether a result of ``from_`` may be stored into ``to``: never down a category."""
    return _CATEGORY[np.dtype(from_).kind] <= _CATEGORY[np.dtype(to).kind]


def is_floating_point(input: Any) -> bool:
    """True for float16/32/64 tensors (``torch.is_floating_point``)."""
    dt = getattr(input, "dtype", None)
    if not isinstance(dt, np.dtype) or not hasattr(input, "_data"):
        raise TypeError(f"is_floating_point(): argument 'input' (position 1) must be Tensor, "
                        f"not {type(input).__name__}")
    return dt.kind == "f"


def sub_check(a: Any, b: Any) -> None:
    """PyTorch refuses ``-`` with a bool operand (tensor or Python bool)."""
    ab, bb = _is_bool(a), _is_bool(b)
    if ab and bb:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if ab or bb:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")


def _is_bool(x: Any) -> bool:
    dt = getattr(x, "dtype", None)
    return isinstance(x, bool) or (isinstance(dt, np.dtype) and dt.kind == "b")


def check_inplace_result(self_dtype: Any, other: Any, *, op: str | None = None,
                         alpha: Any = None) -> None:
    """Raise PyTorch's RuntimeError when ``self.<op>_(other)`` would change ``self``'s dtype.

    ``op`` is ``"div"`` for true division (integers give the default float) and ``"sub"`` for
    subtraction (bool operands are refused); ``alpha`` is add_/sub_'s multiplier.
    """
    self_dtype = np.dtype(self_dtype)
    proxy = np.empty((1,), self_dtype)  # self counts as a dimensioned tensor
    if op == "sub":
        sub_check(proxy, other)
    rt = operands_result(proxy, other)
    if op == "div" and rt.kind != "f":
        rt = _default
    if alpha is not None:
        if isinstance(alpha, bool) and rt.kind != "b":
            raise RuntimeError("Boolean alpha only supported for Boolean results.")
        if rt.kind != "f" and not isinstance(alpha, numbers.Integral):
            raise RuntimeError("For integral input tensors, argument alpha must not be a "
                               "floating point number.")
    if not can_cast(rt, self_dtype):
        raise RuntimeError(f"result type {torch_name(rt)} can't be cast to the desired output "
                           f"type {torch_name(self_dtype)}")
