"""Command line: ``python -m minigrad.experiments NAME|all [--quick] [--out DIR] [--seed N]``."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from . import EXPERIMENTS, get
from .common import Context, format_table, write_outputs
from .report import write_summary


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="minigrad-experiments",
        description="Reproduce the experiments of 'Deep Learning from Scratch', chapter 6.",
    )
    p.add_argument("name", choices=[*EXPERIMENTS, "all"], help="experiment to run, or all")
    p.add_argument("--quick", action="store_true", help="a scaled-down run (for tests)")
    p.add_argument("--out", type=Path, default=Path("results"), help="output folder")
    p.add_argument("--seed", type=int, default=0, help="seed for every random draw")
    p.add_argument("--dataset", choices=["mnist", "fashion-mnist"], default="mnist")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    p.add_argument("--dask", metavar="ADDRESS", help="run the hyperparameter search on a Dask "
                   "scheduler, e.g. tcp://host:8786")
    p.add_argument("--workers", type=int, help="local worker processes for the search")
    p.add_argument("--serial", action="store_true", help="run the search in this process")
    p.add_argument("--resume", action="store_true", help="continue an interrupted search from "
                   "its logs in --out (by default the search starts anew)")
    p.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1: the book's "
                   "small matrices run fastest on one thread; 0 keeps the library default)")
    return p


def _limit_blas(threads: int):
    """Limit BLAS threads for this run (threadpoolctl); a no-op without it or for 0."""
    import contextlib

    if threads <= 0:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=threads, user_api="blas")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    executor = "serial" if args.serial else (args.dask or args.workers)
    ctx = Context(out=args.out, seed=args.seed, quick=args.quick, dataset=args.dataset,
                  progress=not args.no_progress, executor=executor, resume=args.resume)
    names = list(EXPERIMENTS) if args.name == "all" else [args.name]
    with _limit_blas(args.threads):
        records = _run_all(names, ctx)
    if args.name == "all":
        path = write_summary(ctx.out, records)
        print(f"summary: {path}")
    return 0


def _run_all(names: list[str], ctx: Context) -> list[dict]:
    records = []
    for name in names:
        start = time.perf_counter()
        print(f"== {name}: {EXPERIMENTS[name][1]}", flush=True)
        outcome = get(name)(ctx)
        record = write_outputs(name, ctx, outcome, time.perf_counter() - start)
        records.append(record)
        print(format_table(outcome.headers, outcome.rows))
        for check in outcome.checks:
            mark = "ok " if check.held else "DIFFERS"
            print(f"  [{mark}] {check.claim}" + (f" ({check.detail})" if check.detail else ""))
        for note in outcome.notes:
            print(f"  note: {note}")
        print(f"  -> {ctx.out / (name + '.png')}, {ctx.out / (name + '.json')} "
              f"({record['seconds']:.1f} s)\n", flush=True)
    return records


if __name__ == "__main__":
    sys.exit(main())
