"""The one switch the rest of minigrad reads to let :func:`minigrad.compile` record a step.

``state.tracer`` is None except while a compiled function traces a call in this thread; the
op dispatch (``apply``), the backward pass and the out-of-graph paths (optimizer steps,
``zero_grad``, running statistics, random draws) test it. Kept apart from
:mod:`minigrad.capture` so that low-level modules can import it without import cycles.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = ["state", "effect", "unsupported", "value_read"]


class _State(threading.local):
    """Per thread, as grad mode: a trace records only the ops of the thread that traces."""

    tracer: Any = None
    """The active :class:`minigrad.capture._Tracer`, or None (everything runs eagerly)."""


state = _State()


def effect(fn: Callable[..., Any], *args: Any) -> Any:
    """Call ``fn(*args)``: work done outside the graph on arrays or Python state (an optimizer
    step, a running average, a random draw). While a step is traced the call is recorded and
    replayed as a call, so it runs afresh (new random numbers, current learning rate) each time."""
    tracer = state.tracer
    if tracer is None:
        return fn(*args)
    return tracer.effect(fn, args)


def unsupported(what: str) -> None:
    """Tell an active trace that the step does something it cannot replay (it then runs
    eagerly, with a warning)."""
    if state.tracer is not None:
        state.tracer.unsupported(what)


def value_read(what: str) -> None:
    """Tell an active trace that a tensor's value went to Python (``item()``, ``bool()``...):
    control flow that depends on it is baked into the trace."""
    if state.tracer is not None:
        state.tracer.value_read(what)
