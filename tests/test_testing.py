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


def _tanh_rule_off_by(rel: float, order: int):
    """tanh as a custom op whose first-order rule (order=1), or only the derivative of that rule
    (order=2, same values), is off by ``rel`` relative."""
    from minigrad.autograd import apply
    from minigrad.ops import Op

    def rule(xp, g, out, x):
        r = g * (1 - out * out) * (1 + rel if order == 1 else 1)
        if order == 2 and isinstance(x, mg.Tensor):
            r = r + rel * (-2 * out * (1 - out * out) * g).detach() * (x - x.detach())
        return r

    op = Op("tanh_off", np.tanh, (rule,))
    return lambda x: apply(op, x)


def test_the_five_point_stencil_catches_a_1e4_relative_error_in_a_rule():
    x = mg.tensor([-1.3, -0.4, 0.2, 0.9], dtype=mg.float64, requires_grad=True)
    tight = {"eps": 1e-3, "atol": 1e-8, "rtol": 1e-5, "stencil": 4}
    assert gradcheck(_tanh_rule_off_by(0.0, 1), [x], **tight)
    assert gradgradcheck(_tanh_rule_off_by(0.0, 1), [x], **tight)
    assert not gradcheck(_tanh_rule_off_by(1e-4, 1), [x], raise_exception=False, **tight)
    assert not gradgradcheck(_tanh_rule_off_by(1e-4, 2), [x], raise_exception=False, **tight)
    assert gradcheck(_tanh_rule_off_by(1e-4, 1), [x])  # torch's defaults let it through
    with pytest.raises(ValueError, match="stencil"):
        gradcheck(_tanh_rule_off_by(0.0, 1), [x], stencil=3)
