"""Property-test cases for the index ops of ``minigrad.ops.scatter_reduce`` (first and second
order); the shape and index ops built from view and index ops need none of their own."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from op_cases import SIDE, case, leaf, shape_, values

import minigrad as mg


@case("scatter_reduce")
def _(draw):
    shape = shape_(draw, min_dims=1)
    d = draw(st.integers(0, len(shape) - 1))
    ishape = tuple(draw(st.integers(1, SIDE + 1 if i == d else n)) for i, n in enumerate(shape))
    idx = draw(st.lists(st.integers(0, shape[d] - 1), min_size=int(np.prod(ishape)),
                        max_size=int(np.prod(ishape))))
    idx = np.array(idx, dtype=np.int64).reshape(ishape)
    reduce = draw(st.sampled_from(["sum", "prod", "mean", "amax", "amin"]))
    include_self = draw(st.booleans())
    # amax/amin: all values distinct (no ties, where the gradient jumps); prod: away from 0
    gap = 0.3 if reduce in ("amax", "amin") else None
    n = int(np.prod(shape))
    both = values(draw, (n + int(np.prod(ishape)),), 0.5, 1.5, gap=gap)
    x, s = both[:n].reshape(shape), both[n:].reshape(ishape)
    if reduce == "prod":
        x, s = np.abs(x) + 0.5, np.abs(s) + 0.5

    def fn(a, b):
        return mg.scatter_reduce(a, d, mg.tensor(idx), b, reduce, include_self=include_self)

    return fn, [leaf(x), leaf(s)], {}
