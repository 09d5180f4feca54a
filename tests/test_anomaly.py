"""Anomaly mode stops at the first op that makes NaN/Inf and says which op and where."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad.anomaly import AnomalyError
from minigrad.autograd import detect_anomaly, is_anomaly_enabled, set_detect_anomaly


def test_forward_nan_names_op_shapes_and_user_line():
    x = mg.tensor([[1.0, -1.0]], requires_grad=True)
    with detect_anomaly(), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        h = x * 2
        with pytest.raises(AnomalyError) as info:
            mg.log(h)  # the culprit line
    msg = str(info.value)
    assert "'log'" in msg and "(1, 2)" in msg
    assert "test_anomaly.py" in msg and "mg.log(h)" in msg
    assert "the inputs were finite" in msg


def test_backward_nan_names_the_op_and_where_it_was_created():
    x = mg.tensor([4.0, 0.0], requires_grad=True)
    with detect_anomaly(), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        y = x.sqrt()  # finite forward, infinite slope at 0
        with pytest.raises(AnomalyError) as info:
            (y * 0).sum().backward()
    msg = str(info.value)
    assert "SqrtBackward" in msg and "y = x.sqrt()" in msg


def test_without_anomaly_mode_nan_passes_silently_as_numpy_does():
    x = mg.tensor([-1.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.isnan(mg.log(x).item())


def test_mode_is_restored_even_on_error():
    assert not is_anomaly_enabled()
    with pytest.raises(KeyError), detect_anomaly():
        assert is_anomaly_enabled()
        raise KeyError
    assert not is_anomaly_enabled()
    set_detect_anomaly(True)
    try:
        assert is_anomaly_enabled()
    finally:
        set_detect_anomaly(False)


# -- ordinary code inside anomaly mode: scalars, 0-d tensors, both float dtypes ------------------

EXPRESSIONS = {
    "0.5 * loss": lambda x, loss: 0.5 * loss,
    "loss / 4": lambda x, loss: loss / 4,
    "loss + reg": lambda x, loss: loss + 1e-3 * (x * x).sum(),
    "x.sqrt()": lambda x, loss: x.sqrt().sum(),
    "np.float32(2) * loss": lambda x, loss: np.float32(2) * loss,
    "loss - np.float64(1)": lambda x, loss: loss - np.float64(1),
    "2 ** loss": lambda x, loss: 2**loss,
    "loss ** 0.5": lambda x, loss: loss**0.5,
    "loss.mean() * 3": lambda x, loss: loss.mean() * 3,
}


def _forward_backward(expr, dtype, shape):
    x = mg.tensor(np.full(shape, 2.0), dtype=dtype, requires_grad=True)
    loss = (x * x).sum()
    out = EXPRESSIONS[expr](x, loss)
    out.backward()
    return out.item(), out.dtype, x.grad.numpy().copy()


@pytest.mark.parametrize("shape", [(), (3,)], ids=["0-d", "vector"])
@pytest.mark.parametrize("dtype", [mg.float32, mg.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_ordinary_expressions_run_in_anomaly_mode(expr, dtype, shape):
    """These crashed with "'memoryview' object has no attribute 'dtype'" (a NumPy scalar's
    ``.data`` read as if it were a Tensor's)."""
    expected = _forward_backward(expr, dtype, shape)
    with detect_anomaly():
        got = _forward_backward(expr, dtype, shape)
    assert got[0] == expected[0] and got[1] == expected[1] == dtype
    assert got[2].dtype == dtype and np.array_equal(got[2], expected[2])


@pytest.mark.parametrize("value", [np.float32(1.5), np.float64(-2.0), 3.0, 4, np.array(2.0),
                                   np.ones((2, 2), np.float32)], ids=repr)
def test_finite_values_of_every_kind_are_not_anomalies(value):
    from minigrad.anomaly import _bad

    assert not _bad(value) and not _bad(mg.tensor(value))
    assert _bad(np.float32("nan")) and _bad(float("inf")) and _bad(mg.tensor([1.0, np.nan]))


@pytest.mark.parametrize("dtype", [mg.float32, mg.float64], ids=["float32", "float64"])
def test_a_real_nan_in_a_0d_tensor_still_names_the_op(dtype):
    x = mg.tensor(0.0, dtype=dtype, requires_grad=True)
    with detect_anomaly(), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(AnomalyError, match=r"op 'div' produced NaN/Inf in its forward"):
            x / x  # 0/0
        y = x.sqrt()
        with pytest.raises(AnomalyError, match=r"SqrtBackward.*y = x.sqrt\(\)"):
            (0.5 * y).backward()
