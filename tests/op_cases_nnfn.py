"""Property-test cases for the ops behind the newer ``minigrad.nn.functional`` functions:
activations (kept off their kinks), binary cross-entropy, the p-norm, embedding lookup and its
adjoint, layer norm. Integer indices are constants of the case, never differentiated inputs."""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from op_cases import SIDE, case, leaf, shape_, values

import minigrad.nn.functional as F
from minigrad.autograd import apply
from minigrad.ops import OPS


def _unary(name, fn, lo=-3.0, hi=3.0, away=None):
    @case(name)
    def _(draw):
        return fn, [leaf(values(draw, shape_(draw), lo, hi, away))], {}


_unary("silu", F.silu)
_unary("mish", F.mish)
_unary("log_sigmoid", F.logsigmoid, -5.0, 5.0)
_unary("hardsigmoid", F.hardsigmoid, -4.0, 4.0, away=(-3.0, 3.0))
_unary("hardswish", F.hardswish, -4.0, 4.0, away=(-3.0, 3.0))


@case("elu")
def _(draw):
    kind = draw(st.sampled_from(["elu", "selu", "celu"]))
    alpha = draw(st.sampled_from([0.5, 1.0, 2.0]))
    fn = {"elu": lambda x: F.elu(x, alpha), "selu": F.selu,
          "celu": lambda x: F.celu(x, alpha)}[kind]
    return fn, [leaf(values(draw, shape_(draw), away=0.0))], {}


@case("softplus")
def _(draw):
    beta = draw(st.sampled_from([1.0, 0.5, 2.0]))
    threshold = draw(st.sampled_from([20.0, 1.0]))
    x = values(draw, shape_(draw), -3.0, 3.0, away=threshold / beta)
    return (lambda x: F.softplus(x, beta, threshold)), [leaf(x)], {}


@case("hardtanh")
def _(draw):
    lo, hi = draw(st.sampled_from([(-1.0, 1.0), (0.0, 6.0), (-0.5, 2.0)]))
    x = values(draw, shape_(draw), -3.0, 7.0, away=(lo, hi))
    return (lambda x: F.hardtanh(x, lo, hi)), [leaf(x)], {}


@case("softshrink")
def _(draw):
    lambd = draw(st.sampled_from([0.5, 1.0]))
    x = values(draw, shape_(draw), away=(-lambd, lambd))
    return (lambda x: F.softshrink(x, lambd)), [leaf(x)], {}


@case("hardshrink")
def _(draw):
    lambd = draw(st.sampled_from([0.5, 1.0]))
    x = values(draw, shape_(draw), away=(-lambd, lambd))
    return (lambda x: F.hardshrink(x, lambd)), [leaf(x)], {}


@case("threshold")
def _(draw):
    th = draw(st.sampled_from([0.0, 0.5, -1.0]))
    x = values(draw, shape_(draw), away=th)
    return (lambda x: F.threshold(x, th, 3.0)), [leaf(x)], {}


@case("prelu")
def _(draw):
    shape = draw(st.sampled_from([(2, 3), (3,), (2, 3, 2), ()]))
    n = shape[1] if len(shape) >= 2 and draw(st.booleans()) else 1
    x = leaf(values(draw, shape, away=0.0))
    w = leaf(values(draw, (n,), -1.0, 1.0))
    return (lambda x, w: F.prelu(x, w)), [x, w], {}


@case("binary_cross_entropy")
def _(draw):
    shape = shape_(draw)
    reduction = draw(st.sampled_from(["mean", "sum", "none"]))
    x = leaf(values(draw, shape, 0.1, 0.9))
    y = leaf(values(draw, shape, 0.0, 1.0))
    # eps 1e-4: the stencil's truncation error grows like 1/x^5 near x = 0.1 (1e-8 at eps 1e-3)
    return (lambda x, y: F.binary_cross_entropy(x, y, reduction=reduction)), [x, y], \
        {"eps": 1e-4}


@case("lp_norm")
def _(draw):
    shape = shape_(draw, min_dims=1)
    p = draw(st.sampled_from([2.0, 1.0, 3.0, 0.5, float("inf")]))
    keepdim = draw(st.booleans())
    axis = tuple(sorted({draw(st.integers(0, len(shape) - 1)) for _ in range(2)}))
    x = values(draw, shape, 0.2, 2.0) * np.where(
        draw(hnp.arrays(np.bool_, shape)), 1.0, -1.0)  # off the kink of |x| at 0
    if p == float("inf"):  # one clear maximum per reduced slice
        flat = np.abs(x)
        assume(np.all(np.sort(flat, axis=None)[-1:] > 0))
        x = values(draw, shape, gap=0.3)
        assume(np.all(np.abs(x) > 0.1))
    return (lambda x: apply(OPS["lp_norm"], x, p=p, axis=axis, keepdim=keepdim)), [leaf(x)], {}


def _indices(draw, num):
    ishape = draw(st.sampled_from([(3,), (2, 2), ()]))
    return draw(hnp.arrays(np.int64, ishape, elements=st.integers(0, num - 1)))


@case("embedding")
def _(draw):
    num, dim = draw(st.integers(1, SIDE + 1)), draw(st.integers(1, SIDE))
    idx = _indices(draw, num)
    w = leaf(values(draw, (num, dim)))
    # padding_idx and scale_grad_by_freq choose a gradient other than the derivative (as torch),
    # so they are checked against torch, not here; w * w makes the second order non-trivial
    return (lambda w: F.embedding(idx, w * w)), [w], {}


@case("embedding_backward")
def _(draw):
    num, dim = draw(st.integers(1, SIDE + 1)), draw(st.integers(1, SIDE))
    idx = _indices(draw, num)
    coef = values(draw, idx.shape, 0.0, 1.0) if draw(st.booleans()) else None
    g = leaf(values(draw, idx.shape + (dim,)))
    fn = lambda g: apply(OPS["embedding_backward"], g * g, indices=idx, num=num,  # noqa: E731
                         coef=coef)
    return fn, [g], {}


@case("layer_norm")
def _(draw):
    lead = draw(st.sampled_from([(), (2,), (2, 2)]))
    norm = draw(st.sampled_from([(3,), (2, 3), (4,)]))
    shape = lead + norm
    ramp = np.arange(int(np.prod(norm)), dtype=np.float64).reshape(norm)  # variance away from 0
    x = leaf(values(draw, shape, -0.4, 0.4) + ramp - ramp.mean())
    affine = draw(st.sampled_from(["wb", "w", "b", ""]))
    w = leaf(values(draw, norm, 0.5, 2.0)) if "w" in affine else None
    b = leaf(values(draw, norm)) if "b" in affine else None
    ins = [t for t in (x, w, b) if t is not None]

    def fn(*ts):
        it = iter(ts[1:])
        ww = next(it) if w is not None else None
        bb = next(it) if b is not None else None
        return F.layer_norm(ts[0], list(norm), ww, bb)

    return fn, ins, {}
