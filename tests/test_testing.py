"""The public gradcheck tools catch wrong gradients and say where they are wrong."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import apply
from minigrad.ops import Op
from minigrad.testing import GradcheckError, gradcheck, gradgradcheck

# Ops defined here on purpose, not registered in the op table (defop would register them).
CUBE_WRONG = Op("cube_wrong", lambda x: x ** 3, (lambda xp, g, out, x: g * 2 * x * x,))
CUBE = Op("cube", lambda x: x ** 3, (lambda xp, g, out, x: g * 3 * x * x,))
CUBE_BAD_SECOND = Op("cube_bad_second", lambda x: x ** 3,
                     (lambda xp, g, out, x: g * 3 * mg.ops.data_of(x) ** 2,))
TRANSPOSE_BUG = Op("mm_bug", lambda a, b: a @ b,
                   (lambda xp, g, out, a, b: g @ b, lambda xp, g, out, a, b: a.T @ g))


def x64(shape, seed=0):
    return mg.tensor(np.random.default_rng(seed).standard_normal(shape), dtype=mg.float64,
                     requires_grad=True)


def test_gradcheck_passes_a_correct_op():
    assert gradcheck(lambda x: apply(CUBE, x), [x64((2, 3))])
    assert gradgradcheck(lambda x: apply(CUBE, x), [x64((2, 3))])


def test_gradcheck_reports_input_element_and_values():
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: apply(CUBE_WRONG, x), [x64((2,))])
    msg = str(info.value)
    assert "input 0" in msg and "input element (0,)" in msg
    assert "analytic" in msg and "numeric" in msg


def test_gradcheck_catches_a_transposition_bug():
    a, b = x64((3, 3), 1), x64((3, 3), 2)
    with pytest.raises(GradcheckError, match="input 0"):
        gradcheck(lambda a, b: apply(TRANSPOSE_BUG, a, b), [a, b])


def test_gradgradcheck_catches_a_rule_that_is_not_differentiable():
    assert gradcheck(lambda x: apply(CUBE_BAD_SECOND, x), [x64((3,))])
    with pytest.raises(GradcheckError, match="gradgradcheck"):
        gradgradcheck(lambda x: apply(CUBE_BAD_SECOND, x), [x64((3,))])


def test_gradcheck_detects_mutated_inputs():
    def mutating(x):
        x._data[0] += 1.0
        return x * 2

    with pytest.raises(GradcheckError, match="mutated"):
        gradcheck(mutating, [x64((2,))])


def test_gradcheck_promotes_float32_and_can_return_false():
    x = mg.tensor([0.5, 1.5], requires_grad=True)
    assert gradcheck(lambda t: t.tanh(), [x])
    assert gradcheck(lambda x: apply(CUBE_WRONG, x), [x], raise_exception=False) is False


def test_fast_mode_catches_errors_too():
    assert gradcheck(lambda x: apply(CUBE, x), [x64((20,))], fast_mode=True)
    with pytest.raises(GradcheckError, match="fast mode"):
        gradcheck(lambda x: apply(CUBE_WRONG, x), [x64((20,))], fast_mode=True)


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(GradcheckError, match="no input requires grad"):
        gradcheck(lambda x: x * 2, [mg.ones(2)])
