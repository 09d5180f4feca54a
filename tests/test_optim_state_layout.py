"""Optimizer state loaded from a state dict takes its parameter's memory order (an
``nn.Linear`` weight is Fortran-ordered), so updates stay on same-layout arrays."""

from __future__ import annotations

import numpy as np

import minigrad as mg
import minigrad.nn as nn
import minigrad.optim as optim


def test_momentum_state_keeps_the_weights_memory_order_through_a_state_dict():
    lin = nn.Linear(4, 3)
    assert lin.weight._data.flags.f_contiguous and not lin.weight._data.flags.c_contiguous
    opt = optim.SGD(lin.parameters(), lr=0.1, momentum=0.9)
    lin(mg.ones(2, 4)).sum().backward()
    opt.step()
    other = optim.SGD(lin.parameters(), lr=0.1, momentum=0.9)
    other.load_state_dict(opt.state_dict())
    buf = other.state[lin.weight]["momentum_buffer"]._data
    np.testing.assert_array_equal(buf, opt.state[lin.weight]["momentum_buffer"]._data)
    assert buf.flags.f_contiguous and not buf.flags.c_contiguous
    bias_buf = other.state[lin.bias]["momentum_buffer"]._data
    assert bias_buf.flags.c_contiguous
