"""Helpers for the elementwise, sorting and norm tests: run one function on torch and minigrad
and compare values, dtypes, shapes, and gradients of first and second order."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


def grads(lib, fn, arrays, v, create=True):
    """``(out, first-order grads, second-order grads)`` of ``fn(lib, *leaves)`` as arrays."""
    ts = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
    out = fn(lib, *ts)
    if isinstance(out, tuple):
        out = out[0]
    vt = lib.tensor(np.broadcast_to(v, tuple(out.shape)).copy(), dtype=lib.float64)
    gs = lib.autograd.grad(out, ts, vt, create_graph=create, allow_unused=True)
    gs = [lib.zeros_like(t) if g is None else g for t, g in zip(ts, gs)]
    total = None
    for i, g in enumerate(gs):
        if g.requires_grad:
            w = lib.tensor(np.cos(np.arange(g.numel()) + i).reshape(tuple(g.shape)))
            term = (g * w).sum()
            total = term if total is None else total + term
    if total is None:
        ggs = [np.zeros(np.shape(a)) for a in arrays]
    else:
        ggs = lib.autograd.grad(total, ts, allow_unused=True)
        ggs = [np.zeros(np.shape(a)) if g is None else _np(g) for a, g in zip(arrays, ggs)]
    return _np(out), [_np(g) for g in gs], ggs


def _np(t):
    if hasattr(t, "detach"):
        t = t.detach()
    if type(t).__module__.startswith("torch"):
        t = t.new_zeros(t.shape) + t  # a ZeroTensor (a zero gradient) refuses numpy()
    return np.asarray(t.numpy() if hasattr(t, "numpy") else t, dtype=np.float64)


def compare_grads(torch, fn, arrays, seed=0, rtol=1e-9, second=True):
    """Values and gradients (first, and second unless ``second=False``) of ``fn`` on both."""
    rng = np.random.default_rng(seed)
    out = fn(torch, *[torch.tensor(a) for a in arrays])
    out = out[0] if isinstance(out, tuple) else out
    v = rng.standard_normal(tuple(out.shape))
    want = grads(torch, fn, arrays, v)
    got = grads(mg, fn, arrays, v)
    kw = dict(rtol=rtol, atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(got[0], want[0], err_msg="values", **kw)
    for i, (g, w) in enumerate(zip(got[1], want[1])):
        np.testing.assert_allclose(g, w, err_msg=f"first-order grad of input {i}", **kw)
    if second:
        for i, (g, w) in enumerate(zip(got[2], want[2])):
            np.testing.assert_allclose(g, w, err_msg=f"second-order grad of input {i}", **kw)


def same(torch, got, expected, rtol=1e-7):
    """Same dtype, shape and values (NaN where torch has NaN)."""
    assert str(got.dtype) == str(expected.dtype).replace("torch.", ""), (got.dtype,
                                                                         expected.dtype)
    assert tuple(got.shape) == tuple(expected.shape), (got.shape, expected.shape)
    np.testing.assert_allclose(_np(got), _np(expected), rtol=rtol, atol=rtol * 0.1,
                               equal_nan=True)


def same_error(fn_torch, fn_mg):
    """Both raise the same exception type with the same message (or neither raises)."""
    try:
        fn_torch()
    except Exception as e:  # noqa: BLE001
        with pytest.raises(type(e)) as got:
            fn_mg()
        assert str(got.value) == str(e), (str(got.value), str(e))
        return None
    return fn_mg()
