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
