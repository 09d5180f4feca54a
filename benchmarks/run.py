"""Benchmark minigrad against PyTorch, a hand-written NumPy network and the GEMM floor.

    python benchmarks/run.py                       # everything: 1 and default threads, f32 + f64
    python benchmarks/run.py --quick               # < 30 s smoke run (what CI runs)
    python benchmarks/run.py --workloads W1,W4 --threads 1 --dtypes float32 --repeats 50
    python benchmarks/run.py --markdown results.md --json results.json

Workloads: W1 (MLP step), W2 (W2-bn, W2-dropout), W3 (wide MLP step), W4 (``a + b``), W5 (an
epoch), W6 (the book's SimpleConvNet step), chain (100,000-op backward), memory (growth and
step peak); ``all`` is the default.
Implementations of a workload alternate inside every repeat block; the table gives medians,
spread and the ratio of each median to every other implementation's, then the issue's targets.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
for _p in (ROOT, HERE):  # this tree's minigrad, and the sibling benchmark modules
    if _p not in sys.path:
        sys.path.insert(0, _p)

import memory  # noqa: E402
import report  # noqa: E402
import timing  # noqa: E402
import workloads  # noqa: E402

__all__ = ["main", "parse_args", "run"]

QUICK = {"threads": "1", "dtypes": "float32", "repeats": 3, "target": 0.004, "warmup": 2,
         "epoch_samples": 2000, "chain_ops": 10_000, "chain_repeats": 1, "mem_steps": 50,
         "fresh_process": False, "budget": 3.0, "peers": ""}
FULL = {"threads": "1,default", "dtypes": "float32,float64", "repeats": 25, "target": 0.02,
        "warmup": 3, "epoch_samples": None, "chain_ops": 100_000, "chain_repeats": 3,
        "mem_steps": 10_000, "fresh_process": True, "budget": 20.0,
        "peers": "jax,torch.compile"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line; ``--quick`` changes the defaults, explicit options still win."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small smoke run (< 30 s on 2 cores)")
    p.add_argument("--threads", help="comma list of thread counts; 'default' = this process's")
    p.add_argument("--dtypes", help="comma list: float32,float64")
    p.add_argument("--workloads", default="all", help="comma list: W1,...,W6,chain,memory")
    p.add_argument("--repeats", type=int, help="repeat blocks per workload (medians over these)")
    p.add_argument("--budget", type=float,
                   help="seconds per workload after which repeat blocks stop (at least 3 run; "
                        "W5 gets twice as long and at least 2)")
    p.add_argument("--chain-ops", type=int, help="length of the chain (100000 by default)")
    p.add_argument("--mem-steps", type=int, help="training steps of the memory-growth run")
    p.add_argument("--fresh-process", action=argparse.BooleanOptionalAction,
                   help="run the chain in a fresh interpreter per row (default unless --quick)")
    p.add_argument("--peers", help="compiled peers beside eager: comma list of jax, "
                                    "torch.compile ('' for none; none with --quick)")
    p.add_argument("--markdown", help="also write the report as Markdown to this path")
    p.add_argument("--json", help="also write the raw results as JSON to this path")
    args = p.parse_args(argv)
    args.command = " ".join(["python benchmarks/run.py", *(sys.argv[1:] if argv is None
                                                           else argv)])
    base = QUICK if args.quick else FULL
    for key, value in base.items():
        if getattr(args, key, None) is None:
            setattr(args, key, value)
    if args.repeats < 1:
        p.error(f"--repeats must be at least 1, got {args.repeats}")
    peers = {x.strip() for x in args.peers.split(",") if x.strip()}
    if peers - {"jax", "torch.compile"}:
        p.error(f"--peers: expected jax and/or torch.compile, got {args.peers!r}")
    workloads.PEERS.clear()
    workloads.PEERS.update(peers)
    try:
        args.workload_list = workloads.expand_workloads(args.workloads)
        args.thread_list = _threads(args.threads)
        args.dtype_list = _dtypes(args.dtypes)
    except ValueError as e:
        p.error(str(e))
    return args


def _threads(spec: str) -> list[int]:
    out: list[int] = []
    for part in (s.strip() for s in spec.split(",") if s.strip()):
        if part == "default":
            n = timing.default_threads()
        elif part.isdigit() and int(part) > 0:
            n = int(part)
        else:
            raise ValueError(f"--threads: {part!r} is neither a positive integer nor 'default'")
        if n not in out:
            out.append(n)
    if not out:
        raise ValueError("--threads: no thread count given")
    return out


def _dtypes(spec: str) -> list[str]:
    out = [s.strip() for s in spec.split(",") if s.strip()]
    bad = [d for d in out if d not in ("float32", "float64")]
    if bad or not out:
        raise ValueError(f"--dtypes: expected float32 and/or float64, got {spec!r}")
    return out


_T0 = time.perf_counter()


def _log(msg: str) -> None:
    print(f"[{time.perf_counter() - _T0:6.1f} s] {msg}", file=sys.stderr, flush=True)


def _time_case(case: workloads.Case, threads: int, args: argparse.Namespace) -> list[dict]:
    if case.workload == "W5":
        # no separate warm-up: an epoch is 600 steps of models W1 already warmed up
        stats = timing.time_round_robin(case.fns, repeats=max(3, args.repeats // 8), warmup=0,
                                        inner=1, budget=args.budget * 2, min_repeats=2)
    else:
        stats = timing.time_round_robin(case.fns, repeats=args.repeats, warmup=args.warmup,
                                        target=args.target, budget=args.budget)
    return [{"workload": case.workload, "title": case.title, "dtype": case.dtype,
             "threads": threads, "impl": name, "unit": case.unit, "notes": case.notes,
             **s.as_dict()} for name, s in stats.items()]


def _memory_rows(args: argparse.Namespace, data: workloads.Data) -> list[dict]:
    """Growth over many W1 steps and the peak of one step, minigrad and the NumPy baseline.

    The first minigrad row runs ``--mem-steps`` steps; the others at most 2,000 (for reference).
    """
    import tracemalloc

    import impl_numpy

    names = workloads.impl_names("W1")
    rows = []
    for name in [n for n in ("minigrad", "minigrad core ops", "numpy") if n in names]:
        cls = workloads.mlp_classes("plain")[name]
        weights = workloads.he_weights(workloads.W1_SIZES)
        conv = cls(weights, "float32")
        batches = [conv.native(data.x[i * 100:(i + 1) * 100], data.t[i * 100:(i + 1) * 100])
                   for i in range(8)]
        del conv
        steps = args.mem_steps if name == names[0] else min(args.mem_steps, 2000)
        tracemalloc.start()
        try:
            model = cls(weights, "float32")
            r = memory.step_memory(model, batches, steps)
        finally:
            tracemalloc.stop()
        r["impl"] = name
        r["must_hold_bytes"] = impl_numpy.must_hold_bytes(workloads.W1_SIZES, 100, "float32")
        rows.append(r)
    return rows


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every requested workload at every thread count and dtype; returns the raw results."""
    import numpy as np

    t_start = time.perf_counter()
    limit = None if args.epoch_samples is None else max(args.epoch_samples, 1000)
    data = workloads.load_data(limit=limit)
    machine = timing.machine_info()
    machine["data"] = data.source
    rows: list[dict] = []
    timed = [w for w in args.workload_list if w in workloads.WORKLOADS]
    for threads in args.thread_list:
        with timing.thread_limit(threads):
            for dtype in args.dtype_list:
                for w in timed:
                    _log(f"  {w} {dtype} {threads} thread(s) ...")
                    case = workloads.build_case(w, dtype, data, args.epoch_samples)
                    rows += _time_case(case, threads, args)
    chain: list[dict] = []
    if "chain" in args.workload_list:
        impls = ["minigrad"] + (["torch"] if workloads.impl_torch.available() else [])
        for dtype in args.dtype_list:
            for impl in impls:
                _log(f"  chain {impl} {dtype} ({args.chain_ops} ops) ...")
                if args.fresh_process:
                    chain.append(memory.chain_in_subprocess(impl, args.chain_ops, dtype,
                                                            args.chain_repeats))
                else:
                    with timing.thread_limit(1):
                        c = memory.chain_measure(impl, args.chain_ops, dtype, args.chain_repeats)
                    chain.append(c | {"note": "same process: peak RSS understated"})
    mem: list[dict] = []
    if "memory" in args.workload_list:
        _log(f"  memory ({args.mem_steps} steps) ...")
        with timing.thread_limit(1):
            mem = _memory_rows(args, data)
    machine["load_end"] = timing.load_average()
    bad = [r for r in rows if not (math.isfinite(r["median"]) and r["median"] > 0)]
    if bad:
        raise RuntimeError(f"non-positive or non-finite times: {bad}")
    return {"machine": machine, "rows": rows, "chain": chain, "memory": mem,
            "targets": report.check_targets(rows) + report.memory_targets(mem),
            "command": args.command,
            "seconds": time.perf_counter() - t_start, "numpy_version": np.__version__}


def _write(path: str, text: str) -> None:
    from minigrad._io import atomic_write_bytes

    atomic_write_bytes(path, text.encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    res = run(args)
    print(report.render_text(res), end="")
    print(f"\n(total {res['seconds']:.1f} s)")
    if args.markdown:
        _write(args.markdown, report.render_markdown(res))
    if args.json:
        _write(args.json, json.dumps(res, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
