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
