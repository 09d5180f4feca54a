"""Timing machinery: thread limits, round-robin repeats, robust statistics and machine facts.

Implementations of one workload are timed in alternation inside each repeat block (the start
rotates from block to block), so slow drift of the machine (frequency, other load) touches all of
them alike; the median over blocks is the figure, the IQR and min/max its spread.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import math
import os
import platform
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Stats",
    "load_average",
    "blas_info",
    "default_threads",
    "machine_info",
    "summarize",
    "thread_limit",
    "time_round_robin",
]


@dataclass(frozen=True)
class Stats:
    """Summary of per-call times in seconds: median, quartiles, extremes, number of samples."""

    median: float
    q1: float
    q3: float
    min: float
    max: float
    n: int
    inner: int

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1

    def as_dict(self) -> dict:
        return {"median": self.median, "q1": self.q1, "q3": self.q3, "min": self.min,
                "max": self.max, "iqr": self.iqr, "n": self.n, "inner": self.inner}


def summarize(samples: list[float], inner: int = 1) -> Stats:
    """Median, quartiles and extremes of per-call times."""
    if not samples:
        raise ValueError("summarize: no samples")
    a = np.asarray(samples, dtype=np.float64)
    q1, med, q3 = np.percentile(a, [25, 50, 75])
    return Stats(float(med), float(q1), float(q3), float(a.min()), float(a.max()), len(a), inner)


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def default_threads() -> int:
    """The BLAS thread count this process starts with (what 'default' means in the tables)."""
    from threadpoolctl import threadpool_info

    counts = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    return max(counts) if counts else (os.cpu_count() or 1)


_DEFAULT_TORCH_THREADS: int | None = None


@contextlib.contextmanager
def thread_limit(n: int | None) -> Iterator[int]:
    """Limit BLAS (threadpoolctl) and torch to ``n`` threads inside the block; None = default."""
    from threadpoolctl import threadpool_limits

    global _DEFAULT_TORCH_THREADS
    torch = _torch()
    if torch is not None and _DEFAULT_TORCH_THREADS is None:
        _DEFAULT_TORCH_THREADS = torch.get_num_threads()
    used = default_threads() if n is None else int(n)
    prev = torch.get_num_threads() if torch is not None else None
    limiter = threadpool_limits(limits=n, user_api="blas") if n is not None else None
    with limiter or contextlib.nullcontext():
        if torch is not None:
            torch.set_num_threads(used if n is not None else _DEFAULT_TORCH_THREADS)
        try:
            yield used
        finally:
            if torch is not None:
                torch.set_num_threads(prev)


def _calibrate(fn: Callable[[], object], target: float) -> int:
    """How many calls make one sample last about ``target`` seconds (at least one)."""
    t0 = time.perf_counter()
    fn()
    one = time.perf_counter() - t0
    if one * 4 < target:  # small: measure a few more calls for a better estimate
        k = max(1, min(1000, int(target / max(one, 1e-7) / 4)))
        t0 = time.perf_counter()
        for _ in range(k):
            fn()
        one = (time.perf_counter() - t0) / k
    return max(1, int(math.ceil(target / max(one, 1e-9))))


def time_round_robin(
    fns: dict[str, Callable[[], object]],
    repeats: int,
    warmup: int = 3,
    target: float = 0.02,
    inner: int | None = None,
    budget: float | None = None,
    min_repeats: int = 3,
) -> dict[str, Stats]:
    """Per-call time of each function: ``repeats`` blocks, each timing every function in turn.

    With ``budget`` (seconds), blocks stop once that much time has passed and ``min_repeats``
    blocks are done: an overloaded machine (or oversubscribed BLAS threads) then costs fewer
    samples, not a run without end; the sample count is reported with the result.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    start = time.perf_counter()
    names = list(fns)
    for name in names:
        for _ in range(warmup):
            fns[name]()
    counts = {n: inner or _calibrate(fns[n], target) for n in names}
    samples: dict[str, list[float]] = {n: [] for n in names}
    for r in range(repeats):
        if budget is not None and r >= min_repeats and time.perf_counter() - start > budget:
            break
        gc.collect()
        order = names[r % len(names):] + names[: r % len(names)]
        for name in order:
            fn, k = fns[name], counts[name]
            t0 = time.perf_counter()
            for _ in range(k):
                fn()
            samples[name].append((time.perf_counter() - t0) / k)
    return {n: summarize(samples[n], counts[n]) for n in names}


def blas_info() -> list[dict]:
    """BLAS/OpenMP libraries loaded in this process, as threadpoolctl reports them."""
    from threadpoolctl import threadpool_info

    keep = ("user_api", "internal_api", "version", "num_threads", "threading_layer",
            "architecture", "prefix")
    out = []
    for p in threadpool_info():
        d = {k: p.get(k) for k in keep if p.get(k) is not None}
        path = p.get("filepath") or ""
        d["loaded_by"] = os.path.basename(os.path.dirname(path))  # numpy.libs, scipy.libs, ...
        out.append(d)
    return out


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average() -> float | None:
    """The 1-minute load average (runnable tasks), to flag a machine too busy to time on."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def machine_info() -> dict:
    """Facts a result needs to be read: CPU, cores, versions, BLAS, thread counts, date."""
    torch = _torch()
    info = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": _cpu_model(),
        "logical_cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": np.__version__,
        "torch": torch.__version__ if torch is not None else None,
        "default_blas_threads": default_threads(),
        "default_torch_threads": _DEFAULT_TORCH_THREADS or (torch.get_num_threads()
                                                             if torch is not None else None),
        "blas": blas_info(),
        "load_start": load_average(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
    }
    if torch is not None:
        cfg = torch.__config__.show()
        info["torch_blas"] = "MKL" if "BLAS_INFO=mkl" in cfg else "see torch.__config__.show()"
    return info
