"""Memory: the long-chain backward (time and peak), growth over many steps, peak of one step.

The chain runs in a fresh interpreter per implementation (``python memory.py chain ...`` prints
JSON), so its peak resident set is not hidden by memory an earlier workload left to the allocator.
tracemalloc sees NumPy's buffers and Python objects, so for minigrad it counts everything; for
torch it sees only the Python side, so the resident-set figure is the one to compare.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from typing import Any

import numpy as np

__all__ = ["chain_in_subprocess", "chain_measure", "step_memory"]

HERE = os.path.dirname(os.path.abspath(__file__))


def _maxrss() -> int:
    """Peak resident set of this process image, in bytes.

    Linux's ``VmHWM`` starts afresh at exec; ``ru_maxrss`` would carry the parent's peak over.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _rss() -> int:
    """Resident set of this process now, in bytes."""
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def chain_measure(impl: str, n: int, dtype: str, repeats: int = 3) -> dict[str, Any]:
    """Build an ``n``-op chain and run its backward: median times, peak RSS and traced bytes."""
    if impl == "torch":
        import impl_torch as mod
    elif impl == "minigrad":
        import impl_minigrad as mod
    else:
        raise ValueError(f"chain: unknown implementation {impl!r} (minigrad or torch)")
    build, back = mod.chain(n, dtype)
    gc.collect()
    base = _rss()  # the peak of everything below (a warm-up and the timed runs) minus this
    fwd, bwd = [], []
    for r in range(repeats + 1):
        t0 = time.perf_counter()
        y = build()
        t1 = time.perf_counter()
        back(y)
        t2 = time.perf_counter()
        del y
        if r:  # the first run is a warm-up (the allocator grows then)
            fwd.append(t1 - t0)
            bwd.append(t2 - t1)
    rss_peak = _maxrss() - base
    gc.collect()
    tracemalloc.start()
    y = build()
    back(y)
    del y
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"impl": impl, "ops": n, "dtype": dtype, "forward_s": float(np.median(fwd)),
            "backward_s": float(np.median(bwd)), "forward_min_s": min(fwd),
            "backward_min_s": min(bwd), "rss_peak_bytes": rss_peak, "traced_peak_bytes": traced}


def chain_in_subprocess(impl: str, n: int, dtype: str, repeats: int, threads: int = 1,
                        timeout: float = 600) -> dict[str, Any]:
    """Run :func:`chain_measure` in a fresh interpreter and return its result."""
    cmd = [sys.executable, os.path.join(HERE, "memory.py"), "chain", impl, str(n), dtype,
           str(repeats), str(threads)]
    env = dict(os.environ)
    root = os.path.dirname(HERE)
    env["PYTHONPATH"] = os.pathsep.join([root, HERE] + [env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    if r.returncode != 0:
        raise RuntimeError(f"chain benchmark for {impl} failed:\n{r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def step_memory(model: Any, batches: list[tuple[Any, Any]], steps: int,
                warmup: int = 10) -> dict[str, Any]:
    """Traced bytes around training steps: growth after warm-up, and the peak within one step.

    ``model`` must be built with tracemalloc already running (so its parameters are counted) and
    the batches before (so the data set is not). Returns current bytes after warm-up and at the
    end, the live object counts, and the highest peak of a single step.
    """
    if not tracemalloc.is_tracing():
        raise RuntimeError("step_memory: start tracemalloc before building the model")
    nb = len(batches)
    for i in range(warmup):
        model.step(*batches[i % nb])
    gc.collect()
    start = tracemalloc.get_traced_memory()[0]
    objs_start = len(gc.get_objects())
    step_peak = 0
    for i in range(steps):
        if i < 50:  # the first steps after warm-up are representative; resetting costs little
            tracemalloc.reset_peak()
        model.step(*batches[i % nb])
        if i < 50:
            step_peak = max(step_peak, tracemalloc.get_traced_memory()[1])
    gc.collect()
    end = tracemalloc.get_traced_memory()[0]
    return {"steps": steps, "start_bytes": start, "end_bytes": end, "growth_bytes": end - start,
            "objects_start": objs_start, "objects_end": len(gc.get_objects()),
            "step_peak_bytes": step_peak}


def _main(argv: list[str]) -> int:
    if len(argv) != 6 or argv[0] != "chain":
        print("usage: memory.py chain IMPL N DTYPE REPEATS THREADS", file=sys.stderr)
        return 2
    _, impl, n, dtype, repeats, threads = argv
    sys.path[:0] = [HERE, os.path.dirname(HERE)]
    from timing import thread_limit

    with thread_limit(int(threads)):
        print(json.dumps(chain_measure(impl, int(n), dtype, int(repeats))))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
