"""In-place ops as PyTorch has them: every write bumps the storage's version, and inside a graph
the write is recorded (the tensor gets a new node; a view's base gets one too).

Outside a graph (``no_grad``, or nothing requires grad) a write is a NumPy write plus a version
bump, which is all an optimizer step or an init function costs.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from . import autograd, views
from . import capture_hooks as _hooks
from .autograd import Node
from .dtypes import can_cast, torch_name
from .engine import shell
from .ops import assign
from .ops.shape import GETITEM, _is_basic
from .tensor import Tensor, as_pair, as_tensor, bump

__all__ = ["inplace", "assign_region", "copy_into", "check_cast"]

def check_cast(result: np.dtype, target: np.dtype) -> None:
    """Refuse a write whose result is of a higher category than the tensor (float into int)."""
    if not can_cast(result, target):
        raise RuntimeError(f"result type {torch_name(result)} can't be cast to the desired "
                           f"output type {torch_name(target)}")


def _write(t: Tensor, value: Any) -> None:
    dst = t._data
    wide = _broadcast(np.shape(value), dst.shape)
    if wide != dst.shape:
        raise RuntimeError(f"output with shape {list(dst.shape)} doesn't match the broadcast "
                           f"shape {list(wide)}")
    if not dst.flags.writeable:
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location (an expanded tensor, or a read-only array). Please clone() "
            "the tensor before performing the operation.")
    np.copyto(dst, value, casting="unsafe")


def _root(a: np.ndarray) -> Any:
    return a if a.base is None else a.base


def check_overlap(dst: np.ndarray, *arrays: Any) -> None:
    """Refuse a write whose operand partly overlaps the written memory (``y[1:] += y[:-1]``):
    the result would depend on the order NumPy visits elements. The same memory is fine."""
    for a in arrays:
        if type(a) is not np.ndarray or a is dst or _root(a) is not _root(dst):
            continue
        same = (a.shape == dst.shape and a.strides == dst.strides and
                a.__array_interface__["data"][0] == dst.__array_interface__["data"][0])
        if not same and np.shares_memory(a, dst):
            raise RuntimeError(
                "unsupported operation: some elements of the input tensor and the written-to "
                "tensor refer to a single memory location. Please clone() the tensor before "
                "performing the operation.")


def _no_grad_view_check(t: Tensor) -> None:
    base = t._base
    if base is None or t._view_grad is True or not base.requires_grad:
        return
    if t._view_grad == views.MULTI:
        raise RuntimeError(
            "Output 0 of Unbind is a view and is being modified inplace. This view is the "
            "output of a function that returns multiple views (iterating a tensor). Such "
            "functions do not allow the output views to be modified inplace. You should "
            "replace the inplace operation by an out-of-place one.")
    if not t._view_grad:
        raise RuntimeError(
            "A view was created in no_grad mode and is being modified inplace with grad mode "
            "enabled. Given that this use case is ambiguous and error-prone, it is forbidden. "
            "You can clarify your code by moving both the view and the inplace either both "
            "inside the no_grad block (if you don't want the inplace to be tracked) or both "
            "outside (if you want the inplace to be tracked).")


def _broadcast(shape: tuple, target: tuple) -> tuple:
    """The shape ``shape`` and ``target`` broadcast to (``shape`` itself when they cannot)."""
    try:
        return np.broadcast_shapes(shape, target)
    except ValueError:
        return shape


def _prepare_view(t: Tensor, grad_mode: bool) -> None:
    """Before writing through a view: refuse what PyTorch refuses with grad mode on, then give
    the view its base's current history if the base changed in place since."""
    if t._base is not None:
        if grad_mode:
            _no_grad_view_check(t)
        views.follow(t)


def _leaf_check(t: Tensor) -> None:
    if t._node is None and t.requires_grad and t._base is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    base = t._base
    if base is not None and base._node is None and base.requires_grad:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")


def _snapshot(t: Tensor, op: Any, others: tuple, params: dict) -> Tensor:
    """``t``'s current history as a Tensor of its own; its data is copied only when the op's rule
    reads the old value (PyTorch saves the original ``self`` the same way)."""
    needs = [True] + [o.requires_grad for o in others]
    if 0 in op.saved_for(needs, params)[0]:
        return shell(t._data.copy(), t._node)  # a counter of its own: the copy never changes
    return shell(t._data, t._node, t)


def _rebase(t: Tensor, node: Node) -> None:
    views.rebased = True
    prev = t._node
    t._node = node
    t.requires_grad = True
    if prev is not None and prev.retained is not None:  # retain_grad follows the new value
        node.retained, prev.retained = prev.retained, None


def inplace(op: Any, t: Tensor, *others: Tensor, **params: Any) -> Tensor:
    """``t <- op(t, *others)`` in ``t``'s memory; recorded in the graph when a gradient flows."""
    grad_mode = autograd.is_grad_enabled()
    _prepare_view(t, grad_mode)
    graph = grad_mode and (t.requires_grad or any(o.requires_grad for o in others))
    if _hooks.state.tracer is not None:  # minigrad.compile: a write outside a graph is a call
        if graph or t._base is not None:
            _hooks.unsupported(f"in-place {op.name} in a graph or through a view")
        else:
            return _hooks.effect(functools.partial(inplace, op, **params), t, *others)
    arrays = [o._data for o in others]
    if op is not assign.COPY_SLICES:  # it copies first (assign_region checks its region)
        check_overlap(t._data, *arrays)
    if not graph:
        fwd = op.forward
        dt = t._data.dtype
        if type(fwd) is np.ufunc and not params and t._data.flags.writeable and (
                arrays or dt.kind == "f"):  # a unary op on integers may give floats: checked below
            if any(a.dtype != dt for a in arrays):
                check_cast(np.result_type(t._data, *arrays), dt)
            try:  # one pass, into t's memory (an optimizer step's p -= lr * g)
                fwd(t._data, *arrays, out=t._data, casting="unsafe")
            except ValueError:
                _write(t, fwd(t._data, *arrays))  # raises PyTorch's shape error
        else:
            new = fwd(t._data, *arrays, **params)
            check_cast(np.asarray(new).dtype, dt)
            _write(t, new)
        bump(t)
        return t
    _leaf_check(t)
    base = t._base
    if base is None:
        old = _snapshot(t, op, others, params)
        new = op.forward(old._data, *arrays, **params)
        check_cast(np.asarray(new).dtype, t.dtype)
        node = Node(op, (old, *others), params, t)  # the operands' versions before the write
        _write(t, new)
        bump(t)
        if op.reads_out:
            node.out_version = node.out_vc.n  # the output is what was just written
        _rebase(t, node)
        return t
    # a view: compute the new value from the view's current history, then record the write on
    # the base (copy-slices) and make the view a view of the base's new value
    b_old = shell(base._data, base._node, base)
    cur = views.replay(b_old, t._view)
    src = autograd.apply(op, _snapshot(cur, op, others, params), *others, **params)
    check_cast(src.dtype, t.dtype)
    _write(t, src._data)
    bump(t)
    _rebase(base, Node(assign.COPY_SLICES, (b_old, src), {"chain": t._view}, base))
    views.refresh(t)
    return t


def copy_into(t: Tensor, src: Any) -> Tensor:
    """``t.copy_(src)``: broadcast ``src`` into ``t`` (cast to ``t``'s dtype, unlike other ops)."""
    src = as_tensor(src)
    _hooks.unsupported("copy_")
    if _broadcast(src.shape, t.shape) != t.shape:
        raise RuntimeError(f"copy_: the size of tensor a ({list(t.shape)}) must match the size "
                           f"of tensor b ({list(src.shape)}) (src broadcasts to dst only)")
    grad_mode = autograd.is_grad_enabled()
    _prepare_view(t, grad_mode)
    check_overlap(t._data, src._data)
    if not (grad_mode and (t.requires_grad or src.requires_grad)):
        _write(t, src._data)
        bump(t)
        return t
    return inplace(assign.COPY, t, src)  # the op casts to t's dtype: no category check fails


def assign_region(t: Tensor, index: tuple, value: Any) -> None:
    """``t[index] = value``: a NumPy write outside a graph, a recorded copy-slices inside one."""
    v = value if isinstance(value, Tensor) else None
    _hooks.unsupported("item assignment")
    grad_mode = autograd.is_grad_enabled()
    _prepare_view(t, grad_mode)
    if v is not None and _root(v._data) is _root(t._data) and _is_basic(index):
        check_overlap(t._data[index], v._data)
    if not (grad_mode and (t.requires_grad or (v is not None and v.requires_grad))):
        if not t._data.flags.writeable:
            _write(t, t._data)  # raises the read-only error
        t._data[index] = v._data if v is not None else value
        bump(t)
        return
    src = v if v is not None else Tensor._wrap(np.asarray(value, dtype=t.dtype))
    inplace(assign.COPY_SLICES, t, src, chain=((GETITEM, {"index": index}),))


# ---- the Tensor methods ----


def _operand(t: Tensor, other: Any) -> Tensor:
    """``other`` as a Tensor for an in-place op on ``t`` (a number takes ``t``'s dtype)."""
    dt = t._data.dtype
    if type(other) is float and dt.kind == "f" or type(other) is int and dt in _WIDE:
        return Tensor._wrap(np.asarray(other, dt))
    return as_pair(t, other)[1]


_WIDE = (np.dtype(np.int64), np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))


def _binary_(op: Any, kind: str | None = None):
    def method(self: Tensor, other: Any) -> Tensor:
        _check_dtype(self, other, kind)
        return inplace(op, self, _operand(self, other))

    method.__name__ = op.name + "_"
    method.__doc__ = f"In-place ``{op.name}``."
    return method


def _check_dtype(self: Tensor, other: Any, kind: str | None = None, alpha: Any = 1) -> None:
    """PyTorch's rule for in-place results (never a higher category than ``self``), with the
    common cases decided here without building operands."""
    k = self._data.dtype.kind
    if alpha == 1 and (kind != "div" or k == "f") and (kind != "sub" or k != "b"):
        if isinstance(other, Tensor):
            if other._data.dtype == self._data.dtype:
                return
        elif type(other) is float and k == "f" or type(other) is int and k in "fiu":
            return
    check_inplace_result(self.dtype, other, op=kind, alpha=None if alpha == 1 else alpha)


def _scaled(self: Tensor, other: Any, alpha: Any) -> Tensor:
    other = _operand(self, other)
    if alpha == 1:
        return other
    return ew.mul(other, alpha) if other.requires_grad else \
        Tensor._wrap(np.multiply(other._data, np.asarray(alpha, other.dtype)
                                 if other.dtype.kind == "f" else alpha))


def add_(self: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """``self += alpha * other`` in place."""
    _check_dtype(self, other, alpha=alpha)
    return inplace(ew.ADD, self, _scaled(self, other, alpha))


def sub_(self: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """``self -= alpha * other`` in place."""
    _check_dtype(self, other, "sub", alpha)
    return inplace(ew.SUB, self, _scaled(self, other, alpha))


def pow_(self: Tensor, exponent: Any) -> Tensor:
    if isinstance(exponent, int | float) and not isinstance(exponent, bool):
        return inplace(ew.POW_SCALAR, self, p=exponent)
    return inplace(ew.POW, self, _operand(self, exponent))


def clamp_(self: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    if min is None and max is None:
        raise RuntimeError("clamp_: at least one of 'min' or 'max' must not be None")
    return inplace(ew.CLAMP, self, min=min, max=max)


def fill_(self: Tensor, value: Any) -> Tensor:
    """Set every element to ``value`` (a number or a 0-d tensor)."""
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{value.ndim} dimensions.")
    return copy_into(self, value if isinstance(value, Tensor) else
                     Tensor._wrap(np.asarray(value, dtype=self.dtype)))


def zero_(self: Tensor) -> Tensor:
    return fill_(self, 0)


def copy_(self: Tensor, src: Any, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast, cast to this dtype) into this tensor."""
    return copy_into(self, src)


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
    from .random import get_rng

    return copy_into(self, Tensor._wrap(get_rng(generator).normal(mean, std, self.shape)))


def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
    from .random import get_rng

    return copy_into(self, Tensor._wrap(get_rng(generator).uniform(a, b, self.shape)))


def setitem(self: Tensor, index: Any, value: Any) -> None:
    from .ops.shape import normalize_index

    if isinstance(value, list | tuple):
        value = np.asarray(value)
    assign_region(self, normalize_index(index), value)


from .dtypes import check_inplace_result  # noqa: E402
from .ops import elementwise as ew  # noqa: E402
from .ops import math as mt  # noqa: E402
from .ops import scan as sc  # noqa: E402


def _unary_(name: str, op: Any, fn: Any):
    """``x.exp_()``, ``x.sin_()`` and the like: an integer tensor is refused where the result
    would be float (or where PyTorch has no kernel), as PyTorch; the result dtype is the
    out-of-place function's ``fn`` on an empty tensor, so the promotion rules decide it."""

    def method(self: Tensor, **params: Any) -> Tensor:  # round_(decimals=...)
        params = {k: v for k, v in params.items() if v}
        dt = self._data.dtype
        if dt.kind != "f":
            check_cast(fn(Tensor._wrap(np.empty(0, dt)), **params).dtype, dt)
        return inplace(op, self, **params)

    method.__name__ = name + "_"
    method.__doc__ = f"In-place ``{name}``."
    return method


_C = {"float64": "double", "float32": "float", "float16": "c10::Half", "int64": "long int",
      "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
      "bool": "bool"}


def _scan_(name: str, op: Any):
    """``x.cumsum_(dim)``: the scan in ``x``'s memory and dtype, as PyTorch."""

    def method(self: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
        dt = self._data.dtype
        if dtype is not None and np.dtype(dtype) != dt:
            raise RuntimeError(f"Bad in-place call: input tensor dtype {_C.get(dt.name, dt.name)} "
                               f"and output tensor dtype {_C.get(np.dtype(dtype).name)} should "
                               f"match")
        if dt.kind == "b":
            raise NotImplementedError(f"\"{name}_out_cpu\" not implemented for 'Bool'")
        return inplace(op, self, axis=sc._dim(self, dim))

    method.__name__ = name + "_"
    method.__doc__ = f"In-place ``{name}`` along ``dim``."
    return method


_EW_UNARY = {"neg": ew.NEG, "exp": ew.EXP, "log": ew.LOG, "sqrt": ew.SQRT, "abs": ew.ABS,
             "tanh": ew.TANH, "sigmoid": ew.SIGMOID, "relu": ew.RELU}

_METHODS = {
    "add_": add_, "sub_": sub_, "mul_": _binary_(ew.MUL), "div_": _binary_(ew.DIV, "div"),
    "pow_": pow_, "clamp_": clamp_, "clip_": clamp_, "fill_": fill_, "zero_": zero_,
    "copy_": copy_, "normal_": normal_, "uniform_": uniform_,
    **{name + "_": _unary_(name, op, getattr(ew, name)) for name, op in _EW_UNARY.items()},
    **{name + "_": _unary_(name, op, {**mt.FUNCTIONS, **mt.ALIASES}[name])
       for name, op in mt.INPLACE.items()},
    **{name + "_": _scan_(name, op) for name, op in sc.INPLACE.items()},
    "__iadd__": lambda self, other: add_(self, other),
    "__isub__": lambda self, other: sub_(self, other),
    "__imul__": _binary_(ew.MUL), "__itruediv__": _binary_(ew.DIV, "div"),
    "__ipow__": pow_, "__setitem__": setitem,
}  # fmt: skip

for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)
