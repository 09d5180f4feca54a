"""Random draws as PyTorch names them: ``normal`` (all four overloads), ``randint``,
``randperm``, ``rand_like``/``randn_like``/``randint_like``, ``bernoulli`` (and
``Tensor.bernoulli_``) and ``multinomial``.

All draw from minigrad's seeded generators (``generator=``, else the current default), so
``manual_seed`` repeats them; the numbers differ from PyTorch's stream (a documented difference).
Draws whose parameters are tensors pass through the ``sample`` op: gradients reach ``mean``,
``std`` and ``p`` as zeros, as in PyTorch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import dtypes as _dt
from .autograd import apply
from .capture_hooks import effect
from .creation import _float, _make, _shape, float_only
from .devices import on_cpu
from .layouts import check_layout
from .ops.linalg import expand_check
from .ops.sample import SAMPLE
from .random import Generator, draw, get_rng
from .tensor import Tensor, as_tensor

__all__ = ["normal", "randint", "randperm", "rand_like", "randn_like", "randint_like",
           "bernoulli", "multinomial"]  # fmt: skip


def _broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    for i in range(1, min(len(a), len(b)) + 1):
        if a[-i] != b[-i] and 1 not in (a[-i], b[-i]):
            raise RuntimeError(f"The size of tensor a ({a[-i]}) must match the size of tensor b "
                               f"({b[-i]}) at non-singleton dimension {max(len(a), len(b)) - i}")
    return np.broadcast_shapes(a, b)


def _num(v: Any) -> str:
    return f"{v:g}"


@on_cpu
def normal(mean: Any = 0.0, std: Any = 1.0, size: Sequence[int] | None = None, *,
           generator: Generator | None = None, dtype: Any = None, layout: Any = None,
           pin_memory: bool = False, requires_grad: bool = False) -> Tensor:
    """Normal samples: ``normal(mean_tensor, std_tensor)`` (shapes broadcast),
    ``normal(mean_tensor, std=1.0)``, ``normal(mean, std_tensor)``, or
    ``normal(mean, std, size)`` with float ``mean`` and ``std``."""
    check_layout(layout, "normal")
    t_mean, t_std = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not (t_mean or t_std):
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments - got "
                            "(float, float), but expected a size for float mean and std")
        dt = _float(dtype)
        float_only(dt, "normal_kernel_cpu")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {_num(std)}")
        data = draw(generator, "normal", mean, std, _shape((size,)), cast=dt)
        return _make(data, requires_grad)
    if size is not None:
        raise TypeError("normal() received an invalid combination of arguments - size= is "
                        "only accepted with float mean and std")
    dt = (mean if t_mean else std).dtype
    float_only(dt, "normal_kernel_cpu")
    m = mean if t_mean else None
    s = std if t_std else None
    if s is None and std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_num(std)}")
    if s is not None and (s._data < 0).any():
        raise RuntimeError("normal expects all elements of std >= 0.0")
    shape = _broadcast(m.shape if m is not None else (), s.shape if s is not None else ())
    mv = m._data if m is not None else mean
    sv = s._data if s is not None else std
    sample = draw(generator, "normal", mv, sv, shape, cast=dt)
    params = [t for t in (m, s) if t is not None]
    return apply(SAMPLE, Tensor._wrap(sample), *params)


def _parse_randint(args: tuple, low: Any, high: Any, size: Any) -> tuple[int, int, tuple]:
    if size is None and args and isinstance(args[-1], Sequence):
        *args, size = args
    args = list(args)
    if high is None and args:
        high = args.pop()
    if args:
        low = args.pop()
    if args or high is None or size is None:
        raise TypeError("randint() received an invalid combination of arguments - expected "
                        "(int high, tuple of ints size) or (int low, int high, tuple of ints "
                        "size)")
    return int(low), int(high), _shape((size,))


@on_cpu
def randint(*args: Any, low: int | None = None, high: int | None = None,
            size: Sequence[int] | None = None, generator: Generator | None = None,
            dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Integers drawn uniformly from [low, high): ``randint(high, size)`` or
    ``randint(low, high, size)``; int64 unless ``dtype`` says otherwise."""
    lo, hi, shape = _parse_randint(args, 0 if low is None else low, high, size)
    dt = np.dtype(np.int64) if dtype is None else np.dtype(dtype)
    return _make(_integers(lo, hi, shape, dt, generator), requires_grad)


def _integers(lo: int, hi: int, shape: tuple, dt: np.dtype, generator: Any) -> np.ndarray:
    if lo >= hi:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={lo} >= "
                           f"to={hi}")
    if dt.kind in "iub":
        info = (0, 1) if dt.kind == "b" else (np.iinfo(dt).min, np.iinfo(dt).max)
        for what, v in (("from", lo), ("to - 1", hi - 1)):
            if not info[0] <= v <= info[1]:
                raise RuntimeError(f"{what} is out of bounds for {_C.get(dt.name, dt.name)}")
    return draw(generator, "integers", lo, hi, shape, cast=dt)


_C = {"uint8": "unsigned char", "int8": "signed char", "int16": "short", "int32": "int",
      "bool": "bool"}


@on_cpu
def randperm(n: int, *, generator: Generator | None = None, dtype: Any = np.int64,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 unless ``dtype`` says otherwise)."""
    _shape((n,))
    return _make(draw(generator, "permutation", int(n), cast=np.dtype(dtype)), requires_grad)


def _like_dtype(input: Tensor, dtype: Any) -> np.dtype:  # noqa: A002
    return input.dtype if dtype is None else np.dtype(dtype)


@on_cpu
def rand_like(input: Tensor, *, dtype: Any = None, requires_grad: bool = False,  # noqa: A002
              memory_format: Any = None, generator: Generator | None = None) -> Tensor:
    """Uniform [0, 1) samples with ``input``'s shape and dtype (unless given)."""
    dt = _like_dtype(input, dtype)
    float_only(dt, "check_uniform_bounds")
    return _make(draw(generator, "random", input.shape, cast=dt), requires_grad)


@on_cpu
def randn_like(input: Tensor, *, dtype: Any = None, requires_grad: bool = False,  # noqa: A002
               memory_format: Any = None, generator: Generator | None = None) -> Tensor:
    """Standard normal samples with ``input``'s shape and dtype (unless given)."""
    dt = _like_dtype(input, dtype)
    float_only(dt, "normal_kernel_cpu")
    return _make(draw(generator, "standard_normal", input.shape, cast=dt), requires_grad)


@on_cpu
def randint_like(input: Tensor, *args: int, low: int | None = None,  # noqa: A002
                 high: int | None = None, dtype: Any = None, requires_grad: bool = False,
                 memory_format: Any = None, generator: Generator | None = None) -> Tensor:
    """Integers from [low, high) with ``input``'s shape and dtype: ``randint_like(x, high)``
    or ``randint_like(x, low, high)``."""
    lo, hi, _ = _parse_randint(args, 0 if low is None else low, high, input.shape)
    dt = _like_dtype(input, dtype)
    return _make(_integers(lo, hi, input.shape, dt, generator), requires_grad)


def _check_p(p: float) -> None:
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_num(p)}")


def _check_probs(p: np.ndarray) -> None:
    if not ((p >= 0) & (p <= 1)).all():
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could "
                           "this error message be improved?  If so, please report an "
                           "enhancement request to PyTorch.)")


def bernoulli(input: Any, p: float | None = None, *,  # noqa: A002
              generator: Generator | None = None) -> Tensor:
    """0/1 draws, 1 with probability ``input`` (elementwise), or ``p`` with ``input``'s shape;
    in ``input``'s dtype. The gradient to ``input`` is zero, as PyTorch's."""
    x = as_tensor(input)
    if p is not None:
        if isinstance(p, Tensor):
            raise TypeError("bernoulli() received an invalid combination of arguments - got "
                            "(p=Tensor): p must be a float (use input for probabilities)")
        _check_p(p)
        return Tensor._wrap(effect(_coin_flips, generator, x.shape, p, x.dtype))
    if x._data.dtype.kind != "f":
        raise NotImplementedError(f"\"bernoulli_tensor_cpu_p_\" not implemented for "
                                  f"'{_dt.torch_name(x.dtype)}'")
    _check_probs(x._data)
    flips = effect(_coin_flips, generator, x.shape, x._data, x.dtype)
    return apply(SAMPLE, Tensor._wrap(flips), x)


def bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Generator | None = None) -> Tensor:
    """Fill ``self`` in place with 0/1 draws, 1 with probability ``p`` (a float, or a tensor
    that broadcasts to ``self``); integer and bool tensors too, as PyTorch."""
    from .inplace import copy_into

    if isinstance(p, Tensor):
        expand_check(p.shape, self.shape, p.dtype)
        _check_probs(p._data)
        p = p._data
    else:
        _check_p(p)
    return copy_into(self, Tensor._wrap(effect(_coin_flips, generator, self.shape, p,
                                               self.dtype)))


def multinomial(input: Any, num_samples: int, replacement: bool = False, *,  # noqa: A002
                generator: Generator | None = None) -> Tensor:
    """Indices drawn from the (unnormalised) distributions in ``input``'s last dim (1-D or 2-D),
    with or without replacement; int64."""
    x = as_tensor(input)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_dt.torch_name(x.dtype)}")
    if x.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    n = x.shape[-1]
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > n:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    p = np.atleast_2d(x._data).astype(np.float64)
    if not (np.isfinite(p).all() and (p >= 0).all()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    total = p.sum(-1, keepdims=True)
    if (total <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    return Tensor._wrap(effect(_multinomial, generator, x._data, num_samples, replacement))


def _coin_flips(generator: Generator | None, shape: tuple, p: Any, dtype: np.dtype) -> np.ndarray:
    """1 with probability ``p`` (a number or an array broadcasting to ``shape``), else 0."""
    return (get_rng(generator).random(shape) < p).astype(dtype)


def _multinomial(generator: Generator | None, probs: np.ndarray, num_samples: int,
                 replacement: bool) -> np.ndarray:
    """int64 indices drawn from each row of ``probs`` (1-D or 2-D, checked by the caller); a
    function of its own so that a compiled step draws afresh on every replay."""
    rng = get_rng(generator)
    p = np.atleast_2d(probs).astype(np.float64)
    total = p.sum(-1, keepdims=True)
    n = p.shape[-1]
    if replacement:  # inverse CDF: zero-probability entries are never picked
        cdf = np.cumsum(p, -1)
        u = rng.random((p.shape[0], num_samples)) * total
        out = np.stack([np.searchsorted(c, row, side="right") for c, row in zip(cdf, u)])
        out = np.minimum(out, n - 1)
    else:  # PyTorch's way: the largest p / Exp(1) keys, a draw without replacement
        keys = p / rng.exponential(size=p.shape)
        out = np.argsort(-keys, axis=-1, kind="stable")[:, :num_samples]
    out = out.astype(np.int64)
    return out if probs.ndim == 2 else out[0]


METHODS = {"bernoulli": bernoulli, "bernoulli_": bernoulli_, "multinomial": multinomial}
"""The Tensor methods of this module (``x.bernoulli_(0.3)``, ``p.multinomial(2)``)."""

for _name, _fn in METHODS.items():
    setattr(Tensor, _name, _fn)
