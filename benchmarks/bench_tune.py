"""Time the same random search on 1 and 2 (or more) local worker processes and print the speed-up.

    python benchmarks/bench_tune.py                       # numpy MLP objective, 1 vs 2 workers
    python benchmarks/bench_tune.py --workers 1 2 4 --trials 32
    python benchmarks/bench_tune.py --objective mypkg.objectives:train_mlp

The default objective trains a small NumPy MLP with SGD + weight decay for a few epochs
(~0.3 s per trial); ``--objective module:function`` plugs in any ``objective(params, seed)``.
Each worker runs single-threaded BLAS (``--blas-threads``) so the workers, not BLAS threads,
are what is measured. "startup s" is spawning the workers (each imports numpy and minigrad);
the speed-up compares the search itself on warm workers, and the total includes the startup.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from collections.abc import Callable

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # this tree's minigrad, installed or not
    sys.path.insert(0, ROOT)

from minigrad.random import Generator  # noqa: E402
from minigrad.tune import ProcessExecutor, SearchResults, loguniform, random_search  # noqa: E402

__all__ = ["mlp_objective", "main"]


def _data(rng: np.random.Generator, n: int, d: int, classes: int) -> tuple:
    """A fixed synthetic classification task: Gaussian blobs around random class centres."""
    centres = rng.normal(scale=0.25, size=(classes, d))
    labels = rng.integers(0, classes, size=n)
    return (centres[labels] + rng.normal(size=(n, d))).astype(np.float32), labels


def mlp_objective(params: dict, seed: int) -> dict:
    """Train a 64-256-10 ReLU MLP with SGD on 3,000 samples; score = validation accuracy."""
    x, y = _data(Generator(0).rng, 3600, 64, 10)  # same task for every trial
    x_train, y_train, x_val, y_val = x[:3000], y[:3000], x[3000:], y[3000:]
    rng = Generator(seed).rng
    w1 = (rng.normal(size=(64, 256)) * np.sqrt(2 / 64)).astype(np.float32)
    w2 = (rng.normal(size=(256, 10)) * np.sqrt(2 / 256)).astype(np.float32)
    b1, b2 = np.zeros(256, np.float32), np.zeros(10, np.float32)
    lr, wd = params["lr"], params["weight_decay"]

    def accuracy(xs: np.ndarray, ys: np.ndarray) -> float:
        predicted = (np.maximum(xs @ w1 + b1, 0) @ w2 + b2).argmax(1)
        return float(np.mean(predicted == ys))

    train_acc, val_acc = [], []
    for _ in range(params.get("epochs", 12)):
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), 50):
            idx = order[start : start + 50]
            xb, yb = x_train[idx], y_train[idx]
            h = np.maximum(xb @ w1 + b1, 0)
            logits = h @ w2 + b2
            p = np.exp(logits - logits.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            p[np.arange(len(yb)), yb] -= 1
            g2 = p / len(yb)
            gh = (g2 @ w2.T) * (h > 0)
            w2 -= lr * (h.T @ g2 + wd * w2)
            b2 -= lr * g2.sum(0)
            w1 -= lr * (xb.T @ gh + wd * w1)
            b1 -= lr * gh.sum(0)
        train_acc.append(accuracy(x_train, y_train))
        val_acc.append(accuracy(x_val, y_val))
    return {"score": val_acc[-1], "train_acc": train_acc, "val_acc": val_acc}


def _warm(_: int) -> int:
    """Keep a worker busy a moment so that every worker of the pool gets started."""
    time.sleep(0.2)
    return os.getpid()


def _load(spec: str) -> Callable:
    module, _, name = spec.partition(":")
    if not name:
        raise SystemExit(f"--objective must look like module:function, got {spec!r}")
    return getattr(importlib.import_module(module), name)


def _time_search(
    objective: Callable, space: dict, args: argparse.Namespace, workers: int
) -> tuple[tuple[float, float, float, int], SearchResults]:
    """``((startup s, search s, mean s per trial, workers started), results)`` of one search."""
    executor = ProcessExecutor(workers, blas_threads=args.blas_threads)
    start = time.perf_counter()
    pids = set(executor.map(_warm, range(workers)))
    startup = time.perf_counter() - start - 0.2
    start = time.perf_counter()
    results = random_search(
        objective, space, args.trials, args.seed, executor=executor, progress=False
    )
    wall = time.perf_counter() - start
    executor.shutdown()
    per_trial = sum(t.duration for t in results) / len(results)
    return (startup, wall, per_trial, len(pids)), results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--trials", type=int, default=24)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--objective", default=None, help="module:function (default: numpy MLP)")
    parser.add_argument("--blas-threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="runs per worker count (best kept)")
    args = parser.parse_args(argv)
    objective = _load(args.objective) if args.objective else mlp_objective
    space = {"lr": loguniform(1e-3, 3e-1), "weight_decay": loguniform(1e-8, 1e-4)}
    print(f"random search: {args.trials} trials of {objective.__module__}.{objective.__name__}")
    print(f"cores: {os.cpu_count()}, BLAS threads per worker: {args.blas_threads}")
    best: dict[int, tuple[float, float, float, int]] = {}
    tables = []
    for _ in range(args.repeat):  # interleaved, best of N: the least disturbed run of each
        for workers in args.workers:
            row, results = _time_search(objective, space, args, workers)
            tables.append(results)
            if workers not in best or row[1] < best[workers][1]:
                best[workers] = row
    base = best[args.workers[0]][1]
    print(f"best of {args.repeat} runs each")
    print("workers  started  startup s  search s  trials/s  s/trial  speed-up  total s")
    for workers in dict.fromkeys(args.workers):
        startup, wall, per_trial, started = best[workers]
        print(
            f"{workers:>7}  {started:>7}  {startup:>9.2f}  {wall:>8.2f}  "
            f"{args.trials / wall:>8.2f}  {per_trial:>7.3f}  {base / wall:>7.2f}x  "
            f"{startup + wall:>7.2f}"
        )
    same = all(t == tables[0] for t in tables)
    print(f"same results on every worker count: {'yes' if same else 'NO'}")
    print(f"best: val acc {tables[0].best.score:.3f} at {tables[0].best.params}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
