"""minigrad.nn.utils gradient clipping: norms, in-place scaling, edge cases, torch parity."""

from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad
from minigrad.nn.utils import clip_grad_norm_, clip_grad_value_, get_total_norm
from minigrad.random import get_rng


def _params_with_grads(scale=1.0, shapes=((3, 4), (5,), (2, 2, 2))):
    rng = get_rng()
    params = []
    for s in shapes:
        p = minigrad.randn(*s, requires_grad=True)
        p.grad = minigrad.tensor((rng.standard_normal(s) * scale).astype(np.float32))
        params.append(p)
    return params


def _flat(params):
    return np.concatenate([p.grad._data.ravel() for p in params]).astype(np.float64)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, 0.5, math.inf])
def test_returns_total_norm_and_scales_to_max_norm(norm_type):
    params = _params_with_grads(scale=5.0)
    g = _flat(params)
    expect = np.abs(g).max() if norm_type == math.inf else (np.abs(g) ** norm_type).sum() ** (
        1 / norm_type)
    arrays = [p.grad._data for p in params]
    total = clip_grad_norm_(params, max_norm=1.5, norm_type=norm_type)
    assert isinstance(total, minigrad.Tensor) and total.dtype == np.float32 and total.ndim == 0
    np.testing.assert_allclose(total.item(), expect, rtol=1e-5)
    after = _flat(params)
    np.testing.assert_allclose(after, g * 1.5 / (expect + 1e-6), rtol=1e-5)
    assert all(p.grad._data is a for p, a in zip(params, arrays))  # scaled in place


def test_small_gradients_are_left_alone():
    params = _params_with_grads(scale=1e-3)
    g = _flat(params)
    clip_grad_norm_(params, max_norm=10.0)
    np.testing.assert_array_equal(_flat(params), g)


def test_single_tensor_generator_and_missing_grads():
    p = minigrad.randn(4, requires_grad=True)
    p.grad = minigrad.full((4,), 3.0)
    q = minigrad.randn(2, requires_grad=True)  # no gradient: ignored
    total = clip_grad_norm_((t for t in [p, q]), 1.0)
    assert total.item() == pytest.approx(6.0)
    assert np.linalg.norm(p.grad._data) == pytest.approx(1.0, rel=1e-5) and q.grad is None
    assert clip_grad_norm_(p, 100.0).item() == pytest.approx(1.0, rel=1e-5)
    assert clip_grad_norm_([q], 1.0).item() == 0.0


def test_nonfinite_norm():
    p = minigrad.randn(3, requires_grad=True)
    p.grad = minigrad.tensor([1.0, float("nan"), 2.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert math.isnan(clip_grad_norm_([p], 1.0).item())  # as PyTorch: scaled by nan anyway
    p.grad = minigrad.tensor([1.0, float("inf"), 2.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([p], 1.0, norm_type="inf", error_if_nonfinite=True)


def test_get_total_norm_of_tensors():
    ts = [minigrad.tensor([3.0, 0.0]), minigrad.tensor([[4.0]])]
    assert get_total_norm(ts).item() == pytest.approx(5.0)
    assert get_total_norm(ts, norm_type=0).item() == 2.0  # PyTorch: norms of the norms


def test_clip_grad_value_clamps_in_place():
    params = _params_with_grads(scale=3.0)
    g = _flat(params)
    arrays = [p.grad._data for p in params]
    assert clip_grad_value_(params, 0.5) is None
    np.testing.assert_array_equal(_flat(params), np.clip(g, -0.5, 0.5).astype(np.float32))
    assert all(p.grad._data is a for p, a in zip(params, arrays))
    assert np.abs(g).max() > 0.5  # something was clipped


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 2.5, math.inf, 0.0])
@pytest.mark.parametrize("max_norm", [0.3, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    torch = pytest.importorskip("torch", reason="torch parity needs torch (CI: 2.13.0)")
    params = _params_with_grads(scale=2.0)
    tparams = []
    for p in params:
        t = torch.zeros(p.shape, requires_grad=True)
        t.grad = torch.from_numpy(p.grad._data.copy())
        tparams.append(t)
    ours = clip_grad_norm_(params, max_norm, norm_type=norm_type)
    theirs = torch.nn.utils.clip_grad_norm_(tparams, max_norm, norm_type=norm_type)
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-6)
    for p, t in zip(params, tparams):
        np.testing.assert_allclose(p.grad._data, t.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_clip_grad_value_matches_torch():
    torch = pytest.importorskip("torch", reason="torch parity needs torch (CI: 2.13.0)")
    params = _params_with_grads(scale=2.0)
    tparams = []
    for p in params:
        t = torch.zeros(p.shape, requires_grad=True)
        t.grad = torch.from_numpy(p.grad._data.copy())
        tparams.append(t)
    clip_grad_value_(params, 0.7)
    torch.nn.utils.clip_grad_value_(tparams, 0.7)
    for p, t in zip(params, tparams):
        np.testing.assert_array_equal(p.grad._data, t.grad.numpy())
