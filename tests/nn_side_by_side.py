"""One comparison for a function written once against the API minigrad shares with torch:
values, result dtype and shape, and the gradients of every float input, first and second order
(random upstream gradients, so transposition bugs show)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from torch_side_by_side import check_close as _check_close

import minigrad as mg


def check_close(torch, got, expected, rtol):
    """torch_side_by_side's check; for float32, leave the absolute bound to ``compare``."""
    if str(expected.dtype) == "torch.float32":
        assert str(got.dtype) == "float32" and tuple(got.shape) == tuple(expected.shape)
        return
    _check_close(torch, got, expected, rtol)


def _tensors(lib, arrays, dtype, frozen):
    out = []
    for i, a in enumerate(arrays):
        a = np.asarray(a)
        if a.dtype.kind == "f":
            diff = i not in frozen
            out.append(lib.tensor(a, dtype=getattr(lib, dtype), requires_grad=diff))
        else:
            out.append(lib.tensor(a))
    return out


def _zeros_for_none(lib, grads, inputs):
    return [lib.zeros_like(x) if g is None else g for g, x in zip(grads, inputs)]


def _run(lib, fn, arrays, dtype, frozen, seed, second):
    ins = _tensors(lib, arrays, dtype, frozen)
    out = fn(lib, *ins)
    res = {"out": out}
    diff = [t for t in ins if t.requires_grad]
    if not diff or not out.requires_grad:
        return res
    rng = np.random.default_rng(seed)
    v = lib.tensor(rng.standard_normal(tuple(out.shape)), dtype=out.dtype)
    gs = lib.autograd.grad(out, diff, v, create_graph=second, allow_unused=True)
    gs = _zeros_for_none(lib, gs, diff)
    for i, g in enumerate(gs):
        res[f"grad{i}"] = g
    live = [g for g in gs if g.requires_grad]
    if second and not live:  # a gradient that is constant in the inputs: zero second order
        for i, x in enumerate(diff):
            res[f"gradgrad{i}"] = lib.zeros_like(x)
    elif second:
        s = sum((g * lib.tensor(rng.standard_normal(tuple(g.shape)), dtype=g.dtype)).sum()
                for g in gs)
        ggs = _zeros_for_none(lib, lib.autograd.grad(s, diff, allow_unused=True), diff)
        for i, g in enumerate(ggs):
            res[f"gradgrad{i}"] = g
    return res


def compare(torch, fn: Callable, *arrays, dtype: str = "float64", rtol: float | None = None,
            frozen: tuple[int, ...] = (), second: bool = True, seed: int = 0) -> dict:
    """``fn(lib, *tensors)`` on torch and minigrad: the same output and gradients (the float
    arrays are inputs that require grad, except positions in ``frozen``)."""
    rtol = rtol if rtol is not None else {"float64": 1e-10, "float32": 2e-5}[dtype]
    expected = _run(torch, fn, arrays, dtype, frozen, seed, second)
    got = _run(mg, fn, arrays, dtype, frozen, seed, second)
    assert got.keys() == expected.keys(), (got.keys(), expected.keys())
    for k in expected:
        check_close(torch, got[k], expected[k], rtol)  # dtype, shape, values to rtol
    if dtype == "float32":  # and against cancellation: an absolute bound at float32 scale
        for k in expected:
            e = expected[k].detach().double().numpy()
            scale = float(np.nanmax(np.abs(e), initial=1.0)) if e.size else 1.0
            np.testing.assert_allclose(got[k].detach().numpy().astype(np.float64), e,
                                       rtol=rtol, atol=1e-6 * scale, equal_nan=True, err_msg=k)
    return got


def raises_like(torch, fn: Callable, *arrays, dtype: str = "float64") -> None:
    """``fn`` raises on both, the same exception type, with torch's words."""
    import pytest

    try:
        fn(torch, *_tensors(torch, arrays, dtype, ()))
    except Exception as e:  # noqa: BLE001
        with pytest.raises(type(e)) as got:
            fn(mg, *_tensors(mg, arrays, dtype, ()))
        want = str(e).split("\n")[0][:60].lower()
        assert want in str(got.value).lower(), (str(e), str(got.value))
        return
    raise AssertionError("torch did not raise")
