"""One trial: the record a worker returns and the log stores, and the function workers run.

The objective is a picklable top-level function ``objective(params: dict, seed: int)`` (or
``objective(params)``: its randomness is still seeded per trial, see ``run_trial``) returning
a number (the score) or a dict with a ``"score"`` key plus JSON-able extras such as per-epoch
curves. Everything it returns is normalised to plain JSON types in the worker, so a result read
back from the log equals the one computed live.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import numbers
import os
import signal
import socket
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

from minigrad import random as _random

__all__ = ["Trial", "run_trial", "timeout_message", "SCORE_KEY"]

SCORE_KEY = "score"


@dataclasses.dataclass(frozen=True)
class Trial:
    """The outcome of trial ``index``: its params and seed, then a score or an error."""

    index: int
    params: dict[str, Any]
    seed: int
    status: str  # "ok" or "error"
    score: float | None = None
    extras: dict[str, Any] = dataclasses.field(default_factory=dict)
    error: str | None = None
    traceback: str | None = None
    duration: float = 0.0
    worker: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_record(self) -> dict[str, Any]:
        """The JSON-able dict stored as one line of the results log."""
        return dataclasses.asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Trial:
        fields = {f.name for f in dataclasses.fields(cls)}
        missing = {"index", "params", "seed", "status"} - set(record)
        if missing:
            raise ValueError(f"trial record lacks {sorted(missing)}: {record!r}")
        return cls(**{k: v for k, v in record.items() if k in fields})

    def key(self) -> str:
        """What makes two trials the same result (not where or how fast they ran), as JSON."""
        fields = (self.index, self.params, self.seed, self.status, self.score, self.extras)
        return json.dumps([*fields, self.error], sort_keys=True)


def _plain(value: Any, where: str) -> Any:
    """``value`` with numpy scalars/arrays and tuples turned into JSON types, or a clear error."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _plain(v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise TypeError(f"objective returned {where} of type {type(value).__name__}, not JSON-able")


def _score_and_extras(out: Any) -> tuple[float, dict[str, Any]]:
    """Split an objective's return value into a finite score and its extras."""
    extras: dict[str, Any] = {}
    if isinstance(out, dict):
        if SCORE_KEY not in out:
            raise KeyError(f"objective returned a dict without {SCORE_KEY!r}: keys {sorted(out)}")
        extras = {k: v for k, v in out.items() if k != SCORE_KEY}
        out = out[SCORE_KEY]
    if isinstance(out, (bool, np.bool_)) or not isinstance(out, numbers.Real):
        raise TypeError(f"objective score must be a real number, got {type(out).__name__} {out!r}")
    score = float(out)
    if not math.isfinite(score):
        raise ValueError(f"objective returned a non-finite score ({score})")
    extras = _plain(extras, "extras")
    return score, json.loads(json.dumps(extras))  # NaN in a curve is kept, as Python's json does


def timeout_message(timeout: float) -> str:
    """The error of a trial stopped at its deadline (the same from the worker and the parent)."""
    return f"TimeoutError: the trial ran longer than timeout={timeout:g} s"


class _TrialTimeout(BaseException):
    """Raised inside the objective by the alarm; a BaseException so ``except Exception`` in the
    objective cannot swallow it."""


@contextlib.contextmanager
def _alarm(timeout: float | None):
    """Interrupt this call after ``timeout`` seconds where a signal can (POSIX, main thread).

    Elsewhere (a Dask worker's thread) nothing happens here and the parent's deadline alone
    stops the trial; so does it for a trial stuck where no signal reaches Python.
    """
    usable = (timeout is not None and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def fire(signum: int, frame: Any) -> None:
        raise _TrialTimeout

    outer, interval = signal.getitimer(signal.ITIMER_REAL)
    if 0 < outer <= timeout:  # someone's earlier alarm (pytest-timeout...) comes first: keep it
        yield
        return
    start = time.monotonic()
    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer > 0:  # re-arm the later alarm we displaced, for the time it had left
            left = max(outer - (time.monotonic() - start), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, interval)


def run_trial(
    objective: Callable[..., Any],
    index: int,
    params: dict[str, Any],
    seed: int,
    takes_seed: bool = True,
    timeout: float | None = None,
) -> dict[str, Any]:
    """Run one trial where it lands (any worker) and return its record; never raises for the
    objective's errors, which are recorded so one bad trial does not stop the search.

    The trial draws from its own ``Generator(seed)``, bound as this thread's default generator
    for the call (``minigrad.random.use_generator``), so objectives that use minigrad's default
    randomness are reproducible, also when trials run as threads of one process (a Dask worker
    with several threads, a ThreadPoolExecutor); the process-global generator is not touched.
    With ``timeout`` the objective is interrupted after that many seconds where a signal can
    (see ``_alarm``), and the trial records a timeout error with the traceback of where it was.
    """
    start = time.perf_counter()
    fields: dict[str, Any]
    try:
        with _alarm(timeout), _random.use_generator(_random.Generator(seed)):
            args = (dict(params), seed) if takes_seed else (dict(params),)
            score, extras = _score_and_extras(objective(*args))
        fields = {"status": "ok", "score": score, "extras": extras}
    except _TrialTimeout:
        fields = {"status": "error", "error": timeout_message(timeout),
                  "traceback": traceback.format_exc()}
    except Exception as exc:
        fields = {
            "status": "error",
            "error": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(),
        }
    duration = time.perf_counter() - start
    worker = f"{socket.gethostname()}:{os.getpid()}"
    trial = Trial(index=index, params=params, seed=seed, duration=duration, worker=worker, **fields)
    return trial.to_record()
