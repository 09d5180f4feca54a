"""Every differentiable op against central differences: first order and second order.

Each case draws random shapes (broadcasting and size-1 dims included), float64 values kept away
from kinks, and a random upstream gradient (ones would hide transposition bugs).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from op_cases import CASES

import minigrad as mg
from minigrad.ops import OPS
from minigrad.testing import gradcheck, gradgradcheck


def test_every_op_has_a_property_test():
    missing = sorted(set(OPS) - set(CASES))
    extra = sorted(set(CASES) - set(OPS))
    assert not missing, f"ops without a gradient property test: {missing}"
    assert not extra, f"cases for unknown ops: {extra}"


def _upstream(fn, inputs, seed):
    out = fn(*inputs)
    rng = np.random.default_rng(seed)
    return mg.tensor(rng.standard_normal(out.shape), dtype=mg.float64)


def _used_ops(fn, inputs) -> set[str]:
    seen, stack = set(), [fn(*inputs).grad_fn]
    while stack:
        node = stack.pop()
        if node is not None:
            seen.add(node.op.name)
            stack.extend(node.edges)  # the graph's edges, which in-place ops do not rewrite
    return seen


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_first_order(name, data, seed):
    fn, inputs, opts = data.draw(CASES[name])
    assert name in _used_ops(fn, inputs), f"case for {name} does not exercise the op"
    v = _upstream(fn, inputs, seed)
    gradcheck(lambda *xs: (fn(*xs) * v).sum(), inputs, eps=opts.get("eps", 1e-6),
              atol=1e-5, rtol=1e-3)


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_second_order(name, data, seed):
    fn, inputs, opts = data.draw(CASES[name])
    v = _upstream(fn, inputs, seed)
    gradgradcheck(fn, inputs, grad_outputs=[v], eps=opts.get("eps", 1e-6), atol=1e-4, rtol=1e-3)
