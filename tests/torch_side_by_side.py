"""Scenarios written once against the API minigrad shares with PyTorch, run on both: minigrad
must raise exactly when torch raises (with torch's words), and give torch's values otherwise."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import minigrad as mg


def registry() -> tuple[dict[str, Callable], Callable[[Callable], Callable]]:
    """A dict of scenarios and the decorator that fills it."""
    scenarios: dict[str, Callable] = {}

    def scenario(fn: Callable) -> Callable:
        scenarios[fn.__name__] = fn
        return fn

    return scenarios, scenario


def leaf(lib, a):
    return lib.tensor(np.array(a), dtype=lib.float64, requires_grad=True)


def arr(t):
    return t.detach().numpy().copy()


def check_like_torch(fn: Callable, torch) -> None:
    """Run ``fn(torch)`` and ``fn(minigrad)``; compare what they raise or return (1e-12)."""
    try:
        expected = fn(torch)
    except RuntimeError as e:
        with pytest.raises(RuntimeError) as got:
            fn(mg)
        words = str(e).split(":")[0].split(".")[0][:60]
        assert words.lower() in str(got.value).lower(), (str(e), str(got.value))
        return
    got = fn(mg)
    assert got.keys() == expected.keys()
    for k in expected:
        np.testing.assert_allclose(got[k], expected[k], rtol=1e-12, atol=1e-12, err_msg=k)


def pair(torch, a, dtype: str, requires_grad: bool = False):
    """The same data as a minigrad and a torch tensor of ``dtype`` (a name both libraries have)."""
    return (mg.tensor(a, dtype=getattr(mg, dtype), requires_grad=requires_grad),
            torch.tensor(a, dtype=getattr(torch, dtype), requires_grad=requires_grad))


def check_close(torch, got, expected, rtol: float) -> None:
    """Same dtype, shape and values (NaN where torch has NaN) as torch's result."""
    if isinstance(expected, torch.Tensor):
        expected = torch.zeros_like(expected) + expected  # a ZeroTensor (sgn's gradient)
    assert str(got.dtype) == str(expected.dtype).replace("torch.", ""), (got.dtype,
                                                                         expected.dtype)
    assert tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_allclose(got.detach().numpy().astype(np.float64),
                               expected.detach().numpy().astype(np.float64), rtol=rtol,
                               atol=rtol * 1e-3, equal_nan=True)
