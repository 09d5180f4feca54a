"""Property-test cases for the ops of ``minigrad.ops.einsum`` and ``minigrad.ops.diag``
(first and second order): einsum equations with broadcasting, ellipsis, diagonals and sums
over one operand; diagonals with offsets and any pair of dims; triangles of batches."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from op_cases import SIDE, case, leaf, shape_, values

import minigrad as mg

_EQUATIONS = [  # (equation, shapes): each exercises a different part of the gradient rule
    ("ij,jk->ik", [(2, 3), (3, 2)]),
    ("ij,jk", [(2, 1), (3, 2)]),  # j broadcasts from size 1
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (3, 3, 2)]),
    ("ii->i", [(3, 3)]),  # a diagonal
    ("ii", [(2, 2)]),  # a trace
    ("iij,jk->k", [(2, 2, 3), (3, 2)]),
    ("ij->", [(2, 3)]),  # summed over its only operand
    ("bij,bjk,k->bi", [(2, 2, 3), (2, 3, 2), (2,)]),
    ("i,j->ij", [(3,), (2,)]),
    ("ijk->kji", [(1, 2, 3)]),
    ("ij,kj->", [(2, 3), (1, 3)]),
]


@case("einsum")
def _(draw):
    eq, shapes = draw(st.sampled_from(_EQUATIONS))
    xs = [leaf(values(draw, s)) for s in shapes]
    return (lambda *ts: mg.einsum(eq, *ts)), xs, {}


def _two_dims(draw, nd):
    d1 = draw(st.integers(-nd, nd - 1))
    d2 = draw(st.integers(-nd, nd - 1).filter(lambda d: d % nd != d1 % nd))
    return d1, d2


@case("diagonal")
def _(draw):
    shape = shape_(draw, min_dims=2)
    d1, d2 = _two_dims(draw, len(shape))
    off = draw(st.integers(-SIDE, SIDE))
    return (lambda x: mg.diagonal(x, off, d1, d2)), [leaf(values(draw, shape))], {}


@case("diagonal_scatter")
def _(draw):
    shape = shape_(draw, min_dims=1)
    d1, d2 = _two_dims(draw, len(shape) + 1)
    off = draw(st.integers(-2, 2))
    return (lambda x: mg.diag_embed(x, off, d1, d2)), [leaf(values(draw, shape))], {}


def _tri_case(name, fn):
    @case(name)
    def _(draw):
        shape = shape_(draw, min_dims=2)
        k = draw(st.integers(-SIDE, SIDE))
        return (lambda x: fn(x, k)), [leaf(values(draw, shape))], {}


_tri_case("tril", mg.tril)
_tri_case("triu", mg.triu)


@case("sample")
def _(draw):  # normal(mean, std) / bernoulli(p): a fixed draw, zero gradients to the parameters
    from minigrad.autograd import apply
    from minigrad.ops.sample import SAMPLE

    sm, ss = draw(st.sampled_from([((2, 3), (2, 3)), ((2, 1), (3,)), ((), (2,))]))
    noise = mg.tensor(values(draw, np.broadcast_shapes(sm, ss)), dtype=mg.float64)
    return ((lambda m, s: apply(SAMPLE, noise, m, s)),
            [leaf(values(draw, sm)), leaf(values(draw, ss, 0.5, 2.0))], {})
