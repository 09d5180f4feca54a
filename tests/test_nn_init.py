"""``minigrad.nn.init``: gains, fans, the distributions' scales, seeding, and the book's specs."""

from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.nn import init


def test_calculate_gain_table():
    assert init.calculate_gain("linear") == 1.0
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")


def test_fans_need_two_dims():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(mg.zeros(5))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_normal_(mg.zeros(3, 3), mode="fan_avg")


def _std_of(fill, shape=(400, 500)):
    t = mg.zeros(*shape)
    fill(t)
    return t._data


def test_distribution_scales():
    fan_out, fan_in = 400, 500
    a = _std_of(lambda t: init.xavier_uniform_(t, gain=2.0))
    bound = 2.0 * math.sqrt(6 / (fan_in + fan_out))
    assert a.max() <= bound and a.min() >= -bound and a.max() > 0.99 * bound
    a = _std_of(init.xavier_normal_)
    assert a.std() == pytest.approx(math.sqrt(2 / (fan_in + fan_out)), rel=0.02)
    a = _std_of(lambda t: init.kaiming_normal_(t, nonlinearity="relu"))
    assert a.std() == pytest.approx(math.sqrt(2 / fan_in), rel=0.02)
    a = _std_of(lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"))
    assert a.std() == pytest.approx(math.sqrt(2 / fan_out), rel=0.02)
    a = _std_of(lambda t: init.kaiming_uniform_(t, nonlinearity="relu"))
    bound = math.sqrt(2) * math.sqrt(3 / fan_in)
    assert a.max() <= bound and a.max() > 0.99 * bound
    a = _std_of(lambda t: init.normal_(t, 1.0, 0.5))
    assert a.mean() == pytest.approx(1.0, abs=0.01) and a.std() == pytest.approx(0.5, rel=0.02)
    a = _std_of(lambda t: init.uniform_(t, -3, -1))
    assert a.min() >= -3 and a.max() <= -1 and a.mean() == pytest.approx(-2, abs=0.01)


def test_fills_work_on_parameters_without_recording_a_graph():
    p = nn.Parameter(mg.zeros(3, 2))
    assert init.constant_(p, 0.5) is p and np.all(p._data == 0.5)
    assert np.all(init.ones_(p)._data == 1) and np.all(init.zeros_(p)._data == 0)
    init.kaiming_uniform_(p)
    assert p.is_leaf and p.requires_grad and p.dtype == np.float32


def test_seeding_controls_every_draw():
    mg.manual_seed(11)
    a = init.normal_(mg.zeros(5, 5))._data.copy()
    mg.manual_seed(11)
    b = init.normal_(mg.zeros(5, 5))._data.copy()
    np.testing.assert_array_equal(a, b)
    g = mg.Generator(4)
    c = init.uniform_(mg.zeros(3), generator=g)._data.copy()
    d = init.uniform_(mg.zeros(3), generator=mg.Generator(4))._data
    np.testing.assert_array_equal(c, d)
    mg.manual_seed(2)
    w1 = nn.Linear(6, 3).weight._data.copy()
    mg.manual_seed(2)
    np.testing.assert_array_equal(nn.Linear(6, 3).weight._data, w1)


def test_linear_default_init_bounds_as_pytorch():
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for t in (lin.weight._data, lin.bias._data):
        assert np.abs(t).max() <= bound and np.abs(t).max() > 0.9 * bound
    assert lin.weight._data.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)


@pytest.mark.parametrize("spec,scale", [("relu", 2.0), ("He", 2.0), ("ReLU", 2.0),
                                        ("sigmoid", 1.0), ("xavier", 1.0)])
def test_book_std_names(spec, scale):
    assert init.book_std(spec, 50) == pytest.approx(math.sqrt(scale / 50))


def test_book_std_number_and_errors():
    assert init.book_std(0.01, 784) == 0.01
    with pytest.raises(ValueError, match="unknown weight init"):
        init.book_std("glorot", 10)
    with pytest.raises(ValueError, match=">= 0"):
        init.book_std(-1.0, 10)
    with pytest.raises(TypeError):
        init.book_std(True, 10)


def test_book_normal_uses_fan_in_of_an_out_in_weight():
    w = mg.zeros(300, 800)
    init.book_normal_(w, "he")
    assert w._data.std() == pytest.approx(math.sqrt(2 / 800), rel=0.02)
    assert abs(w._data.mean()) < 0.002
    init.book_normal_(w, 0.01)
    assert w._data.std() == pytest.approx(0.01, rel=0.02)
