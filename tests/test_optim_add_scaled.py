"""``add_scaled_``, the in-place ``param += alpha * update`` behind SGD: one BLAS axpy whatever
the arrays' memory order, so an update's rounding never depends on layout."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.optim as optim
from minigrad.optim.optimizer import add_scaled_

RNG = np.random.default_rng(5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_same_bits_in_every_memory_order(dtype):
    p0 = RNG.standard_normal((7, 5)).astype(dtype)
    u0 = RNG.standard_normal((7, 5)).astype(dtype)
    results = []
    for p_order in "CF":
        for u_order in "CF":
            p = np.array(p0, order=p_order)
            add_scaled_(p, np.array(u0, order=u_order), -0.3)
            results.append(p)
    strided = np.zeros((7, 10), dtype)[:, ::2]  # a non-contiguous parameter view
    strided[...] = p0
    add_scaled_(strided, u0, -0.3)
    results.append(strided)
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])
    np.testing.assert_allclose(results[0], p0 - 0.3 * u0.astype(np.float64),
                               rtol=2e-6 if dtype == np.float32 else 1e-14)


def test_in_place_and_other_dtypes():
    p = np.ones(4, np.float32)
    keep = p
    add_scaled_(p, np.full(4, 2.0, np.float64), 0.5)  # a float64 update is cast
    assert keep is p and p.dtype == np.float32 and np.all(p == 2.0)
    h = np.ones(3, np.float16)
    add_scaled_(h, np.ones(3, np.float16), -0.25)  # no BLAS for float16: NumPy does it
    assert np.all(h == np.float16(0.75))
    empty = np.zeros((0, 3), np.float32)
    add_scaled_(empty, empty, 1.0)


def test_momentum_state_keeps_the_weights_memory_order_through_a_state_dict():
    lin = nn.Linear(4, 3)
    assert lin.weight.data.flags.f_contiguous and not lin.weight.data.flags.c_contiguous
    opt = optim.SGD(lin.parameters(), lr=0.1, momentum=0.9)
    lin(mg.ones(2, 4)).sum().backward()
    opt.step()
    other = optim.SGD(lin.parameters(), lr=0.1, momentum=0.9)
    other.load_state_dict(opt.state_dict())
    buf = other.state[lin.weight]["momentum_buffer"].data
    np.testing.assert_array_equal(buf, opt.state[lin.weight]["momentum_buffer"].data)
    assert buf.flags.f_contiguous and not buf.flags.c_contiguous
