"""One property-test case per differentiable op: how to draw its inputs and how to call it.

``CASES`` maps every name in ``minigrad.ops.OPS`` to a Hypothesis strategy that draws
``(fn, inputs, options)``; the meta-test in ``test_ops_grad.py`` proves none is missing.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad.autograd import apply
from minigrad.ops import OPS

SIDE = 3
CASES: dict[str, st.SearchStrategy] = {}


def case(name: str):
    def register(fn):
        CASES[name] = st.composite(fn)()
        return fn

    return register


def values(draw, shape, lo=-2.0, hi=2.0, away=None, gap=None):
    """A float64 array; ``away`` keeps values off kinks, ``gap`` keeps them apart (no ties)."""
    if gap is not None:  # distinct by construction: a shuffled ladder plus bounded jitter
        n = int(np.prod(shape))
        rungs = np.array(draw(st.permutations(range(n))), dtype=np.float64).reshape(shape)
        jitter = draw(hnp.arrays(np.float64, shape, elements=st.floats(-0.2, 0.2, width=64)))
        return (rungs - n / 2) * max(0.5, 2 * gap) / max(1.0, n / 4) + jitter * min(gap, 0.1)
    arr = draw(hnp.arrays(np.float64, shape, elements=st.floats(lo, hi, width=64)))
    if away is not None:
        for k in np.atleast_1d(away):
            arr = np.where(np.abs(arr - k) < 0.1, k + 0.1 * np.sign(arr - k + 1e-12) + 0.05, arr)
    return arr


def leaf(a) -> mg.Tensor:
    return mg.tensor(a, dtype=mg.float64, requires_grad=True)


def shape_(draw, min_dims=0, max_dims=3):
    return draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=SIDE))


def two_shapes(draw):
    s = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=SIDE))
    return s.input_shapes


def binary(name, fn, lo=-2.0, hi=2.0, lo_b=None, hi_b=None, away_b=None, tie_gap=False):
    @case(name)
    def _(draw):
        sa, sb = two_shapes(draw)
        a = values(draw, sa, lo, hi)
        b = values(draw, sb, lo if lo_b is None else lo_b, hi if hi_b is None else hi_b, away_b)
        if tie_gap:
            assume(np.all(np.abs(np.subtract(a, b)) > 0.05))
        return fn, [leaf(a), leaf(b)], {}


binary("add", lambda a, b: a + b)
binary("sub", lambda a, b: a - b)
binary("mul", lambda a, b: a * b)
binary("div", lambda a, b: a / b, away_b=0.0)
binary("pow", lambda a, b: a ** b, lo=0.5, hi=2.0)
binary("maximum", mg.maximum, tie_gap=True)
binary("minimum", mg.minimum, tie_gap=True)


def unary(name, fn, lo=-2.0, hi=2.0, away=None):
    @case(name)
    def _(draw):
        return fn, [leaf(values(draw, shape_(draw), lo, hi, away))], {}


unary("neg", lambda x: -x)
unary("exp", mg.exp)
unary("log", mg.log, 0.2, 3.0)
unary("sqrt", mg.sqrt, 0.2, 3.0)
unary("abs", mg.abs, away=0.0)
unary("tanh", mg.tanh)
unary("sigmoid", mg.sigmoid, -5, 5)
unary("relu", mg.relu, away=0.0)
unary("clamp", lambda x: mg.clamp(x, -1.0, 1.0), away=(-1.0, 1.0))
unary("sin", mg.sin, -3.0, 3.0)
unary("cos", mg.cos, -3.0, 3.0)
unary("tan", mg.tan, -1.2, 1.2)
unary("asin", mg.asin, -0.9, 0.9)
unary("acos", mg.acos, -0.9, 0.9)
unary("atan", mg.atan, -3.0, 3.0)
unary("sinh", mg.sinh)
unary("cosh", mg.cosh)
unary("asinh", mg.asinh, -3.0, 3.0)
unary("acosh", mg.acosh, 1.1, 4.0)
unary("atanh", mg.atanh, -0.9, 0.9)
unary("exp2", mg.exp2)
unary("expm1", mg.expm1)
unary("log1p", mg.log1p, -0.8, 3.0)
unary("log2", mg.log2, 0.2, 3.0)
unary("log10", mg.log10, 0.2, 3.0)
unary("reciprocal", mg.reciprocal, away=0.0)
unary("rsqrt", mg.rsqrt, 0.2, 3.0)
unary("square", mg.square)
unary("erf", mg.erf)
unary("erfc", mg.erfc)
unary("erfinv", mg.erfinv, -0.9, 0.9)
_INTEGERS, _HALVES = (-2.0, -1.0, 0.0, 1.0, 2.0), (-1.5, -0.5, 0.5, 1.5)
unary("floor", mg.floor, away=_INTEGERS)  # steps: gradient zero (as PyTorch) off the kinks
unary("ceil", mg.ceil, away=_INTEGERS)
unary("trunc", mg.trunc, away=_INTEGERS)
unary("frac", mg.frac, away=_INTEGERS)
unary("round", mg.round, away=_HALVES)
unary("sign", mg.sign, away=0.0)


@case("cast")
def _(draw):  # float32 rounding needs a wide finite-difference step (exact: the map is linear)
    fn = lambda x: x.to(mg.float32).to(mg.float64)  # noqa: E731
    return fn, [leaf(values(draw, shape_(draw)))], {"eps": 0.25}


@case("pow_scalar")
def _(draw):
    p = draw(st.sampled_from([2, 3, 0.5, -1.0, 1.5]))
    return (lambda x: x ** p), [leaf(values(draw, shape_(draw), 0.3, 2.0))], {}


@case("where")
def _(draw):
    sa, sb = two_shapes(draw)
    cshape = np.broadcast_shapes(sa, sb)
    cond = draw(hnp.arrays(np.bool_, cshape))
    return (lambda a, b: mg.where(cond, a, b)), [leaf(values(draw, sa)), leaf(values(draw, sb))], {}


def _dim(draw, shape, allow_none=True):
    options = [None] if allow_none else []
    options += list(range(-len(shape), len(shape))) if shape else []
    if not options:
        return None
    d = draw(st.sampled_from(options))
    if d is not None and len(shape) > 1 and draw(st.booleans()):
        d = tuple(sorted({d % len(shape), draw(st.integers(0, len(shape) - 1))}))
    return d


def reduction(name, method, gap=None, single_dim=False, min_count=1):
    @case(name)
    def _(draw):
        shape = shape_(draw)
        d = _dim(draw, shape, allow_none=not single_dim)
        if single_dim and isinstance(d, tuple):
            d = d[0]
        count = int(np.prod([shape[i] for i in np.atleast_1d(d if d is not None else
                                                              range(len(shape)))])) if shape else 1
        assume(count >= min_count)
        keep = draw(st.booleans())
        x = values(draw, shape, gap=gap)
        return (lambda t: getattr(t, method)(d, keepdim=keep)), [leaf(x)], {}


reduction("sum", "sum")
reduction("mean", "mean")
reduction("amax", "amax", gap=1e-3)
reduction("amin", "amin", gap=1e-3)
reduction("var", "var", min_count=2)
reduction("std", "std", gap=0.05, min_count=2)  # sqrt has a kink at zero spread
reduction("logsumexp", "logsumexp")


@case("prod")
def _(draw):
    shape = shape_(draw)
    d = None if not shape or draw(st.booleans()) else draw(st.integers(-len(shape), len(shape) - 1))
    keep = draw(st.booleans())
    x = values(draw, shape, 0.5, 1.5) * draw(st.sampled_from([1.0, -1.0]))
    zeros = draw(hnp.arrays(np.bool_, shape)) if draw(st.booleans()) else np.zeros(shape, bool)
    x = np.where(zeros, 0.0, x)  # one zero, several, or none: the gradient is exact for each
    return ((lambda t: t.prod()) if d is None else (lambda t: t.prod(d, keepdim=keep)),
            [leaf(x)], {})


def scan(name, method, zeros=False, gap=None):
    @case(name)
    def _(draw):
        shape = shape_(draw)
        d = draw(st.integers(-len(shape), len(shape) - 1)) if shape else 0
        x = values(draw, shape, gap=gap)
        if zeros and draw(st.booleans()):
            x = np.where(draw(hnp.arrays(np.bool_, shape)), 0.0, x)
        return (lambda t: getattr(t, method)(d)), [leaf(x)], {}


scan("cumsum", "cumsum")
scan("cumprod", "cumprod", zeros=True)
scan("logcumsumexp", "logcumsumexp")


@case("flip")
def _(draw):
    shape = shape_(draw, min_dims=1)
    dims = draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=len(shape),
                         unique=True))
    return (lambda t: t.flip(dims)), [leaf(values(draw, shape))], {}


@case("gather")
def _(draw):
    shape = shape_(draw, min_dims=1)
    d = draw(st.integers(0, len(shape) - 1))
    ishape = tuple(draw(st.integers(1, SIDE)) if i == d else n for i, n in enumerate(shape))
    idx = draw(hnp.arrays(np.int64, ishape, elements=st.integers(0, shape[d] - 1)))
    return (lambda x: mg.gather(x, d, idx)), [leaf(values(draw, shape))], {}


@case("scatter_add")
def _(draw):
    shape = shape_(draw, min_dims=1)
    d = draw(st.integers(0, len(shape) - 1))
    idx = draw(hnp.arrays(np.int64, shape, elements=st.integers(0, shape[d] - 1)))
    def fn(g):
        return apply(OPS["scatter_add"], g, axis=d, index=idx, shape=shape)

    return fn, [leaf(values(draw, shape))], {}


@case("reshape")
def _(draw):
    shape = shape_(draw)
    n = int(np.prod(shape))
    new = draw(st.sampled_from([(n,), (1, n), (n, 1), (-1,), (1, -1, 1)]))
    assume(tuple(n if k == -1 else k for k in new) != shape)
    return (lambda x: x.reshape(new)), [leaf(values(draw, shape))], {}


@case("permute")
def _(draw):
    shape = shape_(draw, min_dims=2)
    perm = draw(st.permutations(range(len(shape))))
    assume(list(perm) != list(range(len(shape))))
    return (lambda x: x.permute(*perm)), [leaf(values(draw, shape))], {}


@case("broadcast_to")
def _(draw):
    target = shape_(draw, min_dims=1)
    drop = draw(st.integers(0, len(target)))
    s = tuple(1 if draw(st.booleans()) else n for n in target[drop:])
    assume(s != target)
    return (lambda x: x.expand(*target)), [leaf(values(draw, s))], {}


def _index(draw, shape):
    kind = draw(st.sampled_from(["int", "slice", "array", "mask", "mixed"]))
    if kind == "int":
        return draw(st.integers(-shape[0], shape[0] - 1))
    if kind == "slice":
        start = draw(st.integers(0, shape[0] - 1))
        return slice(start, None, draw(st.sampled_from([1, 2])))
    if kind == "array":  # repeated indices must add up in the gradient
        size = draw(st.integers(1, 5))
        return draw(hnp.arrays(np.int64, size, elements=st.integers(0, shape[0] - 1)))
    if kind == "mask":
        return draw(hnp.arrays(np.bool_, shape))
    if len(shape) < 2:
        return (slice(None), None)
    return (draw(hnp.arrays(np.int64, 2, elements=st.integers(0, shape[0] - 1))),
            draw(st.integers(0, shape[1] - 1)))


@case("getitem")
def _(draw):
    shape = shape_(draw, min_dims=1)
    index = _index(draw, shape)
    return (lambda x: x[index]), [leaf(values(draw, shape))], {}


@case("index_add")
def _(draw):
    shape = shape_(draw, min_dims=1)
    from minigrad.ops.shape import normalize_index

    index = normalize_index(_index(draw, shape))
    gshape = np.zeros(shape)[index].shape
    def fn(g):
        return apply(OPS["index_add"], g, index=index, shape=shape)

    return fn, [leaf(values(draw, gshape))], {}


@case("cat")
def _(draw):
    shape = shape_(draw, min_dims=1)
    d = draw(st.integers(-len(shape), len(shape) - 1))
    shapes = [tuple(draw(st.integers(1, SIDE)) if i == d % len(shape) else n
                    for i, n in enumerate(shape)) for _ in range(draw(st.integers(1, 3)))]
    xs = [leaf(values(draw, s)) for s in shapes]
    return (lambda *ts: mg.cat(list(ts), dim=d)), xs, {}


@case("stack")
def _(draw):
    shape = shape_(draw)
    d = draw(st.integers(-len(shape) - 1, len(shape)))
    xs = [leaf(values(draw, shape)) for _ in range(draw(st.integers(1, 3)))]
    return (lambda *ts: mg.stack(list(ts), dim=d)), xs, {}


@case("matmul")
def _(draw):
    kind = draw(st.sampled_from(["vv", "vm", "mv", "mm", "batched", "broadcast"]))
    n, k, m = (draw(st.integers(1, SIDE)) for _ in range(3))
    b = draw(st.integers(1, SIDE))
    shapes = {"vv": ((k,), (k,)), "vm": ((k,), (b, k, m)), "mv": ((b, n, k), (k,)),
              "mm": ((n, k), (k, m)), "batched": ((b, n, k), (b, k, m)),
              "broadcast": ((b, 1, n, k), (2, k, m))}[kind]
    xs = [leaf(values(draw, s)) for s in shapes]
    return (lambda a, c: a @ c), xs, {}


@case("copy")
def _(draw):  # copy_ inside a graph: the old value gets no gradient, the source a summed one
    sa, sb = two_shapes(draw)
    target = np.broadcast_shapes(sa, sb)

    def fn(x, src):
        y = x * 2
        y.copy_(src)
        return y * x

    return fn, [leaf(values(draw, target)), leaf(values(draw, sb))], {}


def _unique_index(draw, shape):
    index = _index(draw, shape)
    if isinstance(index, np.ndarray) and index.dtype != bool:
        index = np.unique(index)  # a repeated position is written once: no gradient to share
    elif isinstance(index, tuple) and isinstance(index[0], np.ndarray):
        index = (np.unique(index[0]), index[1])
    return index


@case("copy_slices")
def _(draw):  # x[i] = v on a non-leaf, or an in-place op through a view of one
    shape = shape_(draw, min_dims=1)
    if draw(st.booleans()):
        index = _unique_index(draw, shape)
        vshape = np.zeros(shape)[index].shape
        vshape = vshape[draw(st.integers(0, len(vshape))):]  # a value that broadcasts in

        def fn(x, v):
            y = x * 1
            y[index] = v
            return y * x
    else:
        start = draw(st.integers(0, shape[0] - 1))
        vshape = (shape[0] - start,) + shape[1:]

        def fn(x, v):
            y = x * 1
            y[start:].mul_(v)  # written through a view: the base records the change
            return y * x

    return fn, [leaf(values(draw, shape)), leaf(values(draw, vshape))], {}


import op_cases_conv  # noqa: E402,F401  (cases for the convolution and pooling ops)
import op_cases_elem  # noqa: E402,F401  (binary elementwise ops, median, norms)
import op_cases_index  # noqa: E402,F401  (cases for the index ops of minigrad.ops.scatter_reduce)
import op_cases_linalg  # noqa: E402,F401  (cases for einsum, diagonal, tril/triu)
import op_cases_nn  # noqa: E402,F401  (cases for the ops that minigrad.nn.functional defines)
import op_cases_nnfn  # noqa: E402,F401  (cases for the newer nn.functional ops)
