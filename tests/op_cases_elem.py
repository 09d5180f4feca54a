"""Property-test cases for the binary elementwise ops, nan_to_num, median and the vector norm
(first and second order against central differences); values are kept off each op's kinks."""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from op_cases import binary, case, leaf, shape_, two_shapes, values

import minigrad as mg


def _off_steps(a, b, margin=1e-3):
    """``a / b`` away from integers, where fmod, remainder and the rounded divisions jump."""
    q = np.asarray(a) / np.asarray(b)
    return bool(np.all(np.abs(q - np.round(q)) > margin))


binary("atan2", mg.atan2, lo=0.3, hi=2.0)
binary("hypot", mg.hypot, lo=0.3, hi=2.0)
binary("logaddexp", mg.logaddexp)
binary("logaddexp2", mg.logaddexp2)
binary("fmax", mg.fmax, tie_gap=True)
binary("fmin", mg.fmin, tie_gap=True)


def _off_zero(name, fn, lo_b=-2.0, hi_b=2.0):
    """``input`` off 0: copysign's |x| kink, and xlogy's gradient there (0, by PyTorch's
    definition, not log(y))."""

    @case(name)
    def _(draw):
        sa, sb = two_shapes(draw)
        b = values(draw, sb, lo_b, hi_b, away=0.0)
        return fn, [leaf(values(draw, sa, away=0.0)), leaf(b)], {}


_off_zero("copysign", mg.copysign)
_off_zero("xlogy", mg.xlogy, 0.3, 3.0)


def _stepped(name, fn, lo_b=0.5, hi_b=2.0):
    @case(name)
    def _(draw):
        sa, sb = two_shapes(draw)
        a = values(draw, sa, -5.0, 5.0)
        b = values(draw, sb, lo_b, hi_b) * draw(st.sampled_from([1.0, -1.0]))
        assume(_off_steps(a, b))
        # a small step: the stencil's +-2 eps must not cross a jump (b's moves q by a/b^2)
        return fn, [leaf(a), leaf(b)], {"eps": 1e-5}


_stepped("fmod", mg.fmod)
_stepped("remainder", lambda a, b: a % b)
_stepped("div_round", lambda a, b: mg.div(a, b, rounding_mode="trunc") * a)


@case("lerp")
def _(draw):
    sa, sb = two_shapes(draw)
    sw = draw(st.sampled_from([(), sa, sb]))
    w = values(draw, sw, -0.5, 1.5)
    return mg.lerp, [leaf(values(draw, sa)), leaf(values(draw, sb)), leaf(w)], {}


@case("clamp_tensor")
def _(draw):
    shape = shape_(draw)
    x, lo, hi = (values(draw, shape) for _ in range(3))
    assume(np.all(np.abs(x - lo) > 0.05) and np.all(np.abs(x - hi) > 0.05))
    assume(np.all(np.abs(lo - hi) > 0.05))
    return (lambda a, b, c: mg.clamp(a, b, c)), [leaf(x), leaf(lo), leaf(hi)], {}


@case("nan_to_num")
def _(draw):
    x = values(draw, shape_(draw))
    return (lambda t: mg.nan_to_num(t * 1.0, nan=0.5)), [leaf(x)], {}


@case("median")
def _(draw):
    shape = shape_(draw)
    x = values(draw, shape, gap=1e-3)
    nan = draw(st.booleans())
    return (lambda t: t.nanmedian() if nan else t.median()), [leaf(x)], {}


@case("vector_norm")
def _(draw):
    shape = shape_(draw, min_dims=1)
    p = draw(st.sampled_from([2, 3, 1.5, 0.5, -1.0]))
    d = draw(st.sampled_from([None, -1, 0]))
    keep = draw(st.booleans())
    x = values(draw, shape, away=0.0)  # |x| (one element) has its kink at 0
    if p == 2:  # a zero vector is a kink of the 2-norm
        assume(np.all(np.sum(x * x, axis=d) > 1e-2))
    return (lambda t: mg.linalg.vector_norm(t, p, d, keep)), [leaf(x)], {}
