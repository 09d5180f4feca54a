"""Products and scans along a dim as PyTorch defines them: prod, cumsum, cumprod, logcumsumexp,
cummax/cummin, and flip (which the scans' gradients use).

Gradients follow PyTorch, zeros included: where a slice of ``prod`` holds exactly one zero, that
element's gradient is the product of the others (the rest get zero); ``cumprod``'s gradient is
exact with zeros too. Each rule reads only what its ``saves`` declares and is written with ``xp``
and ops, so it runs on Tensors (second order). Integer and bool inputs of prod/cumsum/cumprod
give int64, as PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes as _dt
from .. import return_types as _rt
from ..autograd import apply
from ..tensor import Tensor, as_tensor
from . import OUT, call, data_of, defop
from . import reduce as _red
from .reduce import _axes, _keep, gather

__all__ = ["prod", "cumsum", "cumprod", "logcumsumexp", "cummax", "cummin", "flip", "var_mean",
           "std_mean", "aminmax", "count_nonzero", "all", "any"]  # fmt: skip



def _scan(fn):
    """A forward along ``axis`` that also takes 0-d arrays (a scan of one element)."""

    def forward(x: np.ndarray, axis: int = 0) -> np.ndarray:
        if x.ndim == 0:
            return fn(x.reshape(1), 0).reshape(())
        return fn(x, axis)

    return forward


def _flip_fwd(x: np.ndarray, axis: tuple[int, ...] = ()) -> np.ndarray:
    return np.flip(x, axis).copy() if x.ndim else x.copy()


def _rev_cumsum(xp: Any, g: Any, axis: int) -> Any:
    """``sum_{i >= k} g_i`` along ``axis``: the gradient of a cumulative sum."""
    if not g.ndim:
        return g
    f = call(xp, FLIP, g, axis=(axis,))
    return call(xp, FLIP, call(xp, CUMSUM, f, axis=axis), axis=(axis,))


def _pairs(xp: Any, x: Any, axis: int) -> tuple[Any, np.ndarray]:
    """``x`` with a new axis ``k`` before ``axis``, and a mask of the diagonal ``i == k``."""
    n, a = x.shape[axis], axis
    shape = x.shape[:a] + (n,) + x.shape[a:]
    xe = xp.broadcast_to(x.reshape(x.shape[:a] + (1,) + x.shape[a:]), shape)
    eye = np.eye(n, dtype=bool).reshape((1,) * a + (n, n) + (1,) * (x.ndim - a - 1))
    return xe, eye


def _others(xp: Any, x: Any, axis: int | None) -> Any:
    """The product of all the other elements along ``axis`` (all, for ``None``), per element."""
    if axis is None or not x.ndim:
        return _others(xp, x.reshape(-1), 0).reshape(x.shape)
    xe, eye = _pairs(xp, x, axis)
    return call(xp, PROD, xp.where(eye, np.ones((), data_of(x).dtype), xe), axis=axis + 1)


def _divisible(out: Any, x: Any) -> bool:
    """Whether the O(n) rule ``out / x`` is accurate to all orders: no product zero or
    subnormal (underflowed), and no factor below 1e-4 (its second derivative subtracts terms
    of size ``1 / x``, which would leave a rounding error of ~1e-16 / x); else the exact path."""
    o, xd = data_of(out), data_of(x)
    tiny = np.finfo(o.dtype).tiny if o.dtype.kind == "f" else 1
    return bool(np.all(np.abs(o) >= tiny) and np.all(np.abs(xd) >= 1e-4))


def _prod_rule(xp, g, out, x, axis=None, keepdims=False):
    gk = _keep(g, x.shape, axis, keepdims)
    if _divisible(out, x):
        return gk * (_keep(out, x.shape, axis, keepdims) / x)
    return gk * _others(xp, x, axis)


def _cumsum_rule(xp, g, out, x, axis=0):
    return _rev_cumsum(xp, g, axis)


def _cumprod_rule(xp, g, out, x, axis=0):
    if not x.ndim or x.shape[axis] == 1:  # each output is its own input: the gradient is g
        return g * np.ones((), data_of(x).dtype)
    if _divisible(out, x):
        return _rev_cumsum(xp, g * out, axis) / x
    # grad_k = sum_{i >= k} g_i prod_{j <= i, j != k} x_j, exact with zeros (O(n^2) memory)
    xe, eye = _pairs(xp, x, axis)
    c = call(xp, CUMPROD, xp.where(eye, np.ones((), data_of(x).dtype), xe), axis=axis + 1)
    n = x.shape[axis]
    later = np.triu(np.ones((n, n), data_of(x).dtype)).reshape(eye.shape)  # i >= k
    ge = g.reshape(g.shape[:axis] + (1,) + g.shape[axis:])
    return xp.sum(c * ge * later, axis=axis + 1)


def _logcumsumexp_rule(xp, g, out, x, axis=0):
    if not x.ndim:
        return g * np.ones((), data_of(x).dtype)
    # grad_k = sum_{i >= k} g_i exp(x_k - out_i); out grows along the axis, so x_k - out_i <= 0
    c = np.take(data_of(out), [-1], axis=axis)  # each slice's total: a constant shift
    c = np.where(np.isfinite(c), c, 0)
    if np.all(c - data_of(out) < 600):  # the shifted exponentials cannot overflow: O(n)
        return xp.exp(x - c) * _rev_cumsum(xp, g * xp.exp(c - out), axis)
    xe, eye = _pairs(xp, x, axis)  # xe[k, i] = x_k; a wide range: each term on its own, O(n^2)
    n = x.shape[axis]
    later = np.triu(np.ones((n, n), bool)).reshape(eye.shape)  # i >= k
    oe = out.reshape(out.shape[:axis] + (1,) + out.shape[axis:])
    ge = g.reshape(g.shape[:axis] + (1,) + g.shape[axis:])
    xk = xp.swapaxes(xe, axis, axis + 1)
    e = xp.exp(xp.where(later, xk - oe, np.array(-np.inf, data_of(x).dtype)))
    return xp.sum(e * ge, axis=axis + 1)


def _prod_fwd(x, axis=None, keepdims=False):
    return np.prod(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


PROD = defop("prod", _prod_fwd, _prod_rule, saves=((0, OUT),))
CUMSUM = defop("cumsum", _scan(lambda x, a: np.cumsum(x, a, dtype=x.dtype)), _cumsum_rule,
               saves=())
CUMPROD = defop("cumprod", _scan(lambda x, a: np.cumprod(x, a, dtype=x.dtype)), _cumprod_rule,
                saves=((0, OUT),))
LOGCUMSUMEXP = defop("logcumsumexp", _scan(lambda x, a: np.logaddexp.accumulate(x, a)),
                     _logcumsumexp_rule, saves=((0, OUT),))
FLIP = defop("flip", _flip_fwd, lambda xp, g, out, x, axis=(): call(xp, FLIP, g, axis=axis),
             saves=())


# ---- public functions ----


def _int64(x: Tensor, dtype: Any) -> Tensor:
    """``dtype=`` casts first; else integers and bool compute in int64, as PyTorch."""
    if dtype is not None:
        return x.to(dtype)
    if x._data.dtype.kind in "biu" and x._data.dtype != np.int64:
        return Tensor._wrap(x._data.astype(np.int64))
    return x


def _dim(x: Tensor, dim: Any) -> int:
    if dim is None:
        raise TypeError("a dim is required (an int), as PyTorch's cumulative ops")
    return _axes(x.ndim, int(dim))[0]


def prod(input: Any, dim: int | None = None, keepdim: bool = False, *,  # noqa: A002
         dtype: Any = None) -> Tensor:
    """Product of all elements, or along ``dim``; exact gradients with zeros, as PyTorch."""
    x = _int64(as_tensor(input), dtype)
    if dim is None or not x.ndim:
        if dim is not None:
            _axes(0, dim)
        return apply(PROD, x)
    return apply(PROD, x, axis=_dim(x, dim), keepdims=bool(keepdim))


def cumsum(input: Any, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """Cumulative sum along ``dim`` (integers and bool give int64)."""
    x = _int64(as_tensor(input), dtype)
    return apply(CUMSUM, x, axis=_dim(x, dim))


def cumprod(input: Any, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """Cumulative product along ``dim``; exact gradients with zeros, as PyTorch."""
    x = _int64(as_tensor(input), dtype)
    return apply(CUMPROD, x, axis=_dim(x, dim))


def logcumsumexp(input: Any, dim: int) -> Tensor:  # noqa: A002
    """``log(cumsum(exp(x)))`` along ``dim``, computed stably (pairwise ``logaddexp``)."""
    x = as_tensor(input)
    if x._data.dtype.kind != "f":
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for "
                                  f"'{_dt.torch_name(x._data.dtype)}'")
    return apply(LOGCUMSUMEXP, x, axis=_dim(x, dim))


def flip(input: Any, dims: Any) -> Tensor:  # noqa: A002
    """Reverse the order along ``dims``, as ``torch.flip``."""
    x = as_tensor(input)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    return apply(FLIP, x, axis=_axes(x.ndim, dims) if x.ndim else ())


def _cum_index(a: np.ndarray, axis: int, npfn: Any) -> np.ndarray:
    """PyTorch's indices: the last position holding the running extreme (or the last NaN)."""
    running = npfn.accumulate(a, axis=axis)  # NaN propagates, as PyTorch
    hit = (a == running) | np.isnan(a) if a.dtype.kind == "f" else a == running
    pos = np.arange(a.shape[axis]).reshape([-1 if i == axis else 1 for i in range(a.ndim)])
    return np.maximum.accumulate(np.where(hit, pos, 0), axis=axis).astype(np.int64)


def _cumext(npfn, kind, name):
    def fn(input: Any, dim: int) -> Any:  # noqa: A002
        x = as_tensor(input)
        d = _dim(x, dim)
        xr = x.reshape(1) if not x.ndim else x
        idx = _cum_index(xr._data, d, npfn)
        values = gather(xr, d, idx)  # the gradient goes to the positions of the extremes
        if not x.ndim:
            values, idx = values.reshape(()), idx.reshape(())
        return kind(values, Tensor._wrap(idx))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"``(values, indices)`` of the running {name[3:]} along ``dim``, as PyTorch "
                  "(ties and NaN: the last position); the gradient goes to those positions.")
    return fn


cummax = _cumext(np.maximum, _rt.cummax, "cummax")
cummin = _cumext(np.minimum, _rt.cummin, "cummin")



def _with_mean(spread, name):
    def fn(input: Any, dim: Any = None, unbiased: bool | None = None,  # noqa: A002
           keepdim: bool = False, *, correction: float | None = None) -> tuple[Tensor, Tensor]:
        if isinstance(dim, bool):
            dim, unbiased = None, dim
        s = spread(input, dim, unbiased, keepdim, correction=correction)
        return s, _red.mean(input, dim, keepdim)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``({name[:3]}, mean)`` over ``dim``, as PyTorch (a plain tuple)."
    return fn


var_mean = _with_mean(_red.var, "var_mean")
std_mean = _with_mean(_red.std, "std_mean")


def aminmax(input: Any, *, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A002
    """``(min, max)`` over all elements or ``dim``; ties share each gradient evenly."""
    x = as_tensor(input)
    if dim is not None:
        dim = _dim(x, dim) if x.ndim else _axes(0, dim)[0]
    return _rt.aminmax(_red.amin(x, dim, keepdim), _red.amax(x, dim, keepdim))


def count_nonzero(input: Any, dim: Any = None) -> Tensor:  # noqa: A002
    """How many elements are not zero (over ``dim``: an int or a tuple), as int64."""
    x = as_tensor(input)
    d = _red._dims(dim, None)
    axes = _axes(x.ndim, d) if x.ndim else None
    return Tensor._wrap(np.asarray(np.count_nonzero(x._data, axis=axes), dtype=np.int64))


def _logical(npfn, name):
    def fn(input: Any, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
        x = as_tensor(input)
        d = _red._dims(dim, None)
        axes = _axes(x.ndim, d) if x.ndim and d is not None else None
        r = npfn(x._data, axis=axes, keepdims=bool(keepdim) and d is not None)
        dt = np.uint8 if x._data.dtype == np.uint8 else np.bool_  # as PyTorch
        return Tensor._wrap(np.asarray(r, dtype=dt))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"Whether {name} elements (over ``dim``) are true; bool (uint8 for uint8 "
                  f"input), no gradient, as PyTorch.")
    return fn


all = _logical(np.all, "all")  # noqa: A001
any = _logical(np.any, "any")  # noqa: A001

FUNCTIONS = {name: globals()[name] for name in __all__ if not name.endswith("_mean")}
"""The public functions here that are also Tensor methods (PyTorch has no ``x.var_mean()``)."""
INPLACE = {"cumsum": CUMSUM, "cumprod": CUMPROD}
"""The ops behind ``x.cumsum_(dim)`` and ``x.cumprod_(dim)``."""
