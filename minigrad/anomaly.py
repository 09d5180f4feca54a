"""Anomaly mode: stop at the first op whose forward or backward produces NaN or Inf.

The error names the op, its input shapes and the line of user code that created it, so a
diverging run points at its cause instead of printing ``nan`` many steps later.
"""

from __future__ import annotations

import contextlib
import os
import traceback
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "AnomalyError"]

_PACKAGE = os.path.dirname(os.path.abspath(__file__))
enabled = False


class AnomalyError(FloatingPointError):
    """An op produced NaN or Inf while anomaly mode was on."""


def is_anomaly_enabled() -> bool:
    return enabled


def set_detect_anomaly(mode: bool) -> None:
    """Turn anomaly checks on or off for every op from now on."""
    global enabled
    enabled = bool(mode)


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Check every forward and backward result for NaN/Inf inside the block; restores on exit."""
    global enabled
    prev, enabled = enabled, True
    try:
        yield
    finally:
        enabled = prev


def creation_site() -> str:
    """``file:line in function: code`` of the innermost frame outside minigrad."""
    for frame in reversed(traceback.extract_stack()[:-1]):
        if not os.path.abspath(frame.filename).startswith(_PACKAGE):
            return f"{frame.filename}:{frame.lineno} in {frame.name}: {frame.line}"
    return "<inside minigrad>"


def _bad(a: Any) -> bool:
    """Whether an array, NumPy scalar, Python number or Tensor holds NaN/Inf (rules and full
    reductions hand back NumPy scalars, whose ``.data`` is a memoryview, not the value)."""
    if not isinstance(a, np.ndarray | np.generic):
        a = np.asarray(getattr(a, "_data", a))
    return a.dtype.kind in "fc" and not np.isfinite(a).all()


def check_forward(op: Any, inputs: tuple, out: np.ndarray) -> str:
    """Raise if ``out`` has NaN/Inf; return the creation site to store on the node."""
    site = creation_site()
    if _bad(out):
        shapes = ", ".join(str(t.shape) for t in inputs)
        already = [i for i, t in enumerate(inputs) if _bad(t._data)]
        cause = (f"input {already} already held NaN/Inf" if already
                 else "the inputs were finite")
        raise AnomalyError(f"op '{op.name}' produced NaN/Inf in its forward pass ({cause}); "
                           f"input shapes {shapes}; created at {site}")
    return site


def check_backward(node: Any, index: int, grad: Any, site: str | None) -> None:
    """Raise if the gradient a rule returned for input ``index`` has NaN/Inf."""
    if _bad(grad):
        shapes = ", ".join(str(t.shape) for t in node.inputs)
        raise AnomalyError(f"Function '{node.name()}' returned NaN/Inf in its gradient for input "
                           f"{index} (input shapes {shapes}); the op was created at "
                           f"{site or '<unknown: anomaly mode was off during the forward pass>'}")
