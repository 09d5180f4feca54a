"""Cheap deterministic objectives for the tune tests (importable by worker processes and Dask),
and the helpers the test files share.

Environment variables (set by a test before its workers start) turn on side effects:
``TUNE_CALL_LOG``: append ``<seed>`` to that file as each call starts (who ran what);
``TUNE_CRASH_MARKER``: the first call to create that file SIGKILLs its own worker process;
``TUNE_INTERRUPT_AT``: a call with that many log lines already present raises KeyboardInterrupt.
"""

from __future__ import annotations

import json
import os
import signal
import time

import numpy as np
import psutil

from minigrad.random import Generator
from minigrad.tune import SearchResults, loguniform, random_search

__all__ = [
    "quadratic",
    "curves",
    "flaky",
    "slow_curves",
    "sometimes_bad",
    "deadly",
    "default_rng_user",
    "params_only",
    "tiny_training",
    "hangs",
    "hangs_hard",
    "SPACE",
    "CURVES_SPACE",
    "serial",
    "trial_lines",
    "wait_for_lines",
    "pid",
    "alive",
]

SPACE = {"lr": loguniform(1e-6, 1e-2), "wd": loguniform(1e-8, 1e-4)}
CURVES_SPACE = {**SPACE, "epochs": 5}


def _log_call(seed: int) -> int:
    """Record that a trial started; return how many calls the log held before this one."""
    path = os.environ.get("TUNE_CALL_LOG")
    if not path:
        return 0
    with open(path, "a+", encoding="utf-8") as f:
        f.seek(0)
        before = len(f.read().split())
        f.write(f"{seed}\n")
        f.flush()
    return before


def _side_effects(seed: int) -> None:
    before = _log_call(seed)
    interrupt_at = os.environ.get("TUNE_INTERRUPT_AT")
    if interrupt_at and before == int(interrupt_at):
        raise KeyboardInterrupt
    marker = os.environ.get("TUNE_CRASH_MARKER")
    if marker:
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
        os.kill(os.getpid(), signal.SIGKILL)  # the worker dies mid-trial, like an OOM kill


def quadratic(params: dict, seed: int) -> float:
    """Peak at lr=1e-3, wd=1e-6 in log space, plus seeded noise: higher is better."""
    _side_effects(seed)
    noise = Generator(seed).rng.normal(scale=0.01)
    d = (np.log10(params["lr"]) + 3.0) ** 2 + 0.1 * (np.log10(params["wd"]) + 6.0) ** 2
    return float(-d + noise)


def curves(params: dict, seed: int) -> dict:
    """A fake training run: per-epoch accuracy curves from the params and a seeded generator."""
    _side_effects(seed)
    rng = Generator(seed).rng
    rate = min(1.0, params["lr"] * 300)
    epochs = np.arange(1, params.get("epochs", 5) + 1)
    train = 1.0 - np.exp(-rate * epochs) + rng.normal(scale=0.005, size=epochs.size)
    val = train - 0.02 - rng.uniform(0, 0.01, size=epochs.size)
    return {"score": val[-1], "train_acc": train, "val_acc": val}


def slow_curves(params: dict, seed: int) -> dict:
    """``curves`` taking ~0.25 s, so a worker killed from outside is killed mid-trial."""
    time.sleep(0.25)
    return curves(params, seed)


def sometimes_bad(params: dict, seed: int) -> float:
    """Raises for large learning rates (a diverging run), so the search must record errors."""
    _side_effects(seed)
    if params["lr"] > 3e-3:
        raise FloatingPointError(f"loss diverged at lr={params['lr']:.3g}")
    return quadratic(params, seed)


def flaky(params: dict, seed: int) -> float:
    """``quadratic`` but every trial takes ~0.1 s (enough overlap for kills and interrupts)."""
    time.sleep(0.1)
    return quadratic(params, seed)


def deadly(params: dict, seed: int) -> float:
    """SIGKILLs its own worker for learning rates above 5e-3 (a trial that always crashes)."""
    if params["lr"] > 5e-3:
        os.kill(os.getpid(), signal.SIGKILL)
    return quadratic(params, seed)


def hangs(params: dict, seed: int) -> float:
    """``quadratic``, but sleeps for an hour when ``lr > 3e-3`` (a hung trial a signal can stop)."""
    _log_call(seed)
    if params["lr"] > 3e-3:
        _note_pid()
        time.sleep(3600)
    return quadratic(params, seed)


def hangs_hard(params: dict, seed: int) -> float:
    """``hangs`` with the alarm signal blocked, as in C code no signal reaches: only killing its
    worker stops it."""
    if params["lr"] > 3e-3:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    return hangs(params, seed)


def _note_pid() -> None:
    """Append this process's id to ``$TUNE_PID_LOG`` (which workers ran hung trials)."""
    path = os.environ.get("TUNE_PID_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"{os.getpid()}\n")


def default_rng_user(params: dict, seed: int) -> float:
    """Draws from minigrad's *default* generator, which the search seeds per trial."""
    from minigrad.random import get_rng

    return float(get_rng().normal() + params["lr"])


def params_only(params: dict) -> float:
    """``default_rng_user`` without the seed argument: ``objective(params)`` is seeded too."""
    from minigrad.random import get_rng

    return float(get_rng().normal() + params["lr"])


def tiny_training(params: dict, seed: int) -> dict:
    """A real minigrad training run on the default generator (init, data, dropout masks), with an
    evaluation under ``no_grad`` after every step: concurrent trials in threads would trip over a
    shared grad mode or a shared generator."""
    import minigrad as mg
    from minigrad import nn, optim
    from minigrad.nn import functional as F

    x = mg.randn(64, 8)
    y = (x.sum(1) > 0).long()
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 2))
    opt = optim.SGD(model.parameters(), lr=params["lr"] * 100, weight_decay=params["wd"])
    val_loss = []
    for _ in range(params.get("steps", 40)):
        model.train()
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        model.eval()
        with mg.no_grad():
            val_loss.append(F.cross_entropy(model(x), y).item())
    return {"score": -val_loss[-1], "val_loss": val_loss}


# -- helpers for the test files -------------------------------------------------------------


def serial(objective, space=SPACE, n=12, seed=0, **kwargs) -> SearchResults:
    """The reference table: the search run in this process."""
    return random_search(objective, space, n, seed, executor="serial", progress=False, **kwargs)


def trial_lines(path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f][1:]


def wait_for_lines(path, count: int, timeout: float = 60.0) -> list[dict]:
    """Poll a results log (from another thread) until it holds ``count`` trial records."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                lines = [json.loads(x) for x in f.read().splitlines()[1:] if x.endswith("}")]
            if len(lines) >= count:
                return lines
        time.sleep(0.02)
    raise TimeoutError(f"{path} did not reach {count} trials")


def pid(trial) -> int:
    """The process id of the worker that ran a trial (a ``Trial`` or a log record)."""
    worker = trial["worker"] if isinstance(trial, dict) else trial.worker
    return int(worker.rsplit(":", 1)[1])


def alive(process_id: int) -> bool:
    """Whether a process is running (a killed child not yet reaped is a zombie: not alive)."""
    try:
        return psutil.Process(process_id).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
