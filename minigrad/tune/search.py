"""Random search over a space, run on any ``concurrent.futures`` executor, resumable from its log.

The book's procedure (chapter 6.5): draw ~100 trials of learning rate and weight decay on a log
scale, judge each on validation data, keep the best, narrow the ranges, repeat::

    space = {"lr": loguniform(1e-6, 1e-2), "weight_decay": loguniform(1e-8, 1e-4)}
    results = random_search(objective, space, n_trials=100, seed=0, storage="round1.jsonl")
    results2 = random_search(objective, narrow(results, top_k=20), 100, seed=1)
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import inspect
import numbers
import os
import time
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from minigrad.tune.executors import ProcessExecutor, make_executor
from minigrad.tune.results import SearchResults
from minigrad.tune.space import Dimension, _check_space, sample_trial, space_to_dict
from minigrad.tune.storage import TrialLog
from minigrad.tune.trial import Trial, run_trial, timeout_message

__all__ = ["random_search", "narrow"]

_Plan = dict[int, tuple[dict[str, Any], int]]


class _Progress:
    """A tqdm bar (trials done / total, best so far, time left), or nothing without tqdm."""

    def __init__(self, total: int, done: dict[int, Trial], mode: str, enabled: bool) -> None:
        self.bar = None
        self.best: float | None = None
        self.errors = 0
        self.mode = mode
        for trial in done.values():
            self._note(trial)
        if enabled:
            try:
                from tqdm import tqdm
            except ImportError:  # optional (minigrad[examples]): run without a bar
                return
            self.bar = tqdm(total=total, initial=len(done), desc="tune", unit="trial")
            self._show()

    def _note(self, trial: Trial) -> None:
        if not trial.ok:
            self.errors += 1
        elif self.best is None or (trial.score > self.best) == (self.mode == "max"):
            self.best = trial.score

    def _show(self) -> None:
        postfix = {"best": "-" if self.best is None else f"{self.best:.4g}"}
        if self.errors:
            postfix["errors"] = str(self.errors)
        self.bar.set_postfix(postfix, refresh=False)

    def update(self, trial: Trial) -> None:
        self._note(trial)
        if self.bar is not None:
            self._show()
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _died(index: int, plan: _Plan, why: str) -> dict[str, Any]:
    """The record of a trial whose worker kept dying (a crash or out-of-memory in the trial)."""
    params, seed = plan[index]
    return Trial(index, params, seed, "error", error=f"WorkerDied: {why}").to_record()


def _late(index: int, plan: _Plan, timeout: float) -> dict[str, Any]:
    """The record of a trial its worker did not bring back by the deadline."""
    params, seed = plan[index]
    return Trial(index, params, seed, "error", error=timeout_message(timeout),
                 duration=float(timeout)).to_record()


TIMEOUT_GRACE = 2.0
"""Seconds past ``timeout`` before the parent stops waiting for a trial and replaces its worker
(the worker itself interrupts the trial at ``timeout`` where a signal can reach it)."""


def _restart(executor: cf.Executor, owned: bool) -> tuple[cf.Executor, bool]:
    """An executor to carry on with after a worker death broke ``executor``."""
    if hasattr(executor, "restart"):
        executor.restart()
        return executor, owned
    if isinstance(executor, cf.ProcessPoolExecutor):  # the caller's pool: replace it with ours
        workers = getattr(executor, "_max_workers", None)
        if owned:
            executor.shutdown(wait=False, cancel_futures=True)
        return ProcessExecutor(workers), True
    raise RuntimeError(f"a worker died and {type(executor).__name__} cannot be restarted")


def _replace_late(
    executor: cf.Executor,
    owned: bool,
    late: list[cf.Future],
    in_flight: dict[cf.Future, int],
    todo: collections.deque,
    finish: Callable[[dict[str, Any]], None],
) -> tuple[cf.Executor, bool]:
    """Stop the workers of timed-out trials: a cluster restarts just those workers; a local
    pool (which cannot lose one worker alone) is rebuilt and the trials it held run again."""
    if hasattr(executor, "kill"):
        for future in late:
            executor.kill(future)
        return executor, owned
    if not (hasattr(executor, "restart") or isinstance(executor, cf.ProcessPoolExecutor)):
        for future in late:
            future.cancel()
        warnings.warn(
            f"{type(executor).__name__} cannot stop a running trial: the timed-out trial keeps "
            "its worker busy until it returns", RuntimeWarning, stacklevel=4)
        return executor, owned
    for future, index in sorted(in_flight.items(), key=lambda item: -item[1]):
        if future.done() and not future.cancelled() and future.exception() is None:
            finish(future.result())
        else:
            todo.appendleft(index)
    in_flight.clear()
    return _restart(executor, owned)


def _in_flight_limit(executor: cf.Executor, timeout: float | None = None) -> int | None:
    """How many trials to keep submitted; with a timeout no more than can run at once, so a
    trial's clock (started at submit) does not run while it waits in a queue."""
    if hasattr(executor, "max_in_flight"):
        if executor.max_in_flight is None and timeout is not None:
            return getattr(executor, "slots", None)
        return executor.max_in_flight
    return getattr(executor, "_max_workers", None)  # a plain ProcessPool/ThreadPoolExecutor


def _drive(
    objective: Callable,
    takes_seed: bool,
    plan: _Plan,
    executor: cf.Executor,
    owned: bool,
    max_retries: int,
    finish: Callable[[dict[str, Any]], None],
    timeout: float | None = None,
) -> tuple[cf.Executor, bool]:
    """Run every planned trial, calling ``finish`` on each record; returns the executor in use.

    A broken pool (a killed worker) is rebuilt and the trials it held are re-run, each at most
    ``max_retries`` times and alone, so a trial that kills its worker cannot take a bystander
    down with it twice; Dask re-runs them itself and reports ``KilledWorker`` when it gives up.
    A trial still out ``TIMEOUT_GRACE`` s after its ``timeout`` is recorded as timed out and
    its worker replaced (the pool's bystanders are re-run; they are not counted as deaths).
    """
    todo = collections.deque(sorted(plan))
    deaths: collections.Counter[int] = collections.Counter()
    in_flight: dict[cf.Future, int] = {}
    due: dict[cf.Future, float] = {}

    def retry(index: int) -> None:
        deaths[index] += 1
        if deaths[index] > max_retries:
            finish(_died(index, plan, f"its worker died {deaths[index]} times"))
        else:
            todo.appendleft(index)

    try:
        while todo or in_flight:
            broken = False
            limit = _in_flight_limit(executor, timeout)
            while todo and (limit is None or len(in_flight) < limit):
                if in_flight and (deaths[todo[0]] or any(deaths[i] for i in in_flight.values())):
                    break  # a trial whose worker died runs alone, so a second death is its own
                index = todo.popleft()
                try:
                    future = executor.submit(
                        run_trial, objective, index, *plan[index], takes_seed, timeout
                    )
                except cf.BrokenExecutor:
                    todo.appendleft(index)
                    broken = True
                    break
                in_flight[future] = index
                if timeout is not None:
                    due[future] = time.monotonic() + timeout + TIMEOUT_GRACE
            if not broken:
                wait = None
                if due and in_flight:
                    wait = max(0.0, min(due[f] for f in in_flight) - time.monotonic())
                done, _ = cf.wait(list(in_flight), timeout=wait, return_when=cf.FIRST_COMPLETED)
                for future in sorted(done, key=in_flight.__getitem__):
                    if future.cancelled():  # not by us: e.g. a cluster that lost the task
                        retry(in_flight.pop(future))
                        continue
                    exc = future.exception()
                    if isinstance(exc, cf.BrokenExecutor):
                        broken = True  # handled below with every trial the pool held
                        continue
                    index = in_flight.pop(future)
                    if exc is None:
                        finish(future.result())
                    elif type(exc).__name__ == "KilledWorker":  # Dask gave up on this trial
                        finish(_died(index, plan, str(exc)))
                    else:
                        raise RuntimeError(
                            f"trial {index} could not run on {type(executor).__name__}: {exc!r}. "
                            "The objective must be a picklable top-level function whose module "
                            "the workers can import."
                        ) from exc
            now = time.monotonic()
            late = [f for f in in_flight if not broken and not f.done() and due.get(f, now) < now]
            if late:
                for future in late:
                    finish(_late(in_flight.pop(future), plan, timeout))
                executor, owned = _replace_late(executor, owned, late, in_flight, todo, finish)
            if broken:
                for future, index in sorted(in_flight.items(), key=lambda item: -item[1]):
                    if future.done() and not future.cancelled() and future.exception() is None:
                        finish(future.result())  # it finished before the worker died
                    else:
                        retry(index)
                in_flight.clear()
                executor, owned = _restart(executor, owned)
    except BaseException as exc:
        for future in in_flight:
            future.cancel()
        if owned or isinstance(exc, KeyboardInterrupt):  # Ctrl-C stops running trials too;
            getattr(executor, "terminate", lambda: None)()  # a ProcessExecutor heals on reuse
        if owned:
            executor.shutdown(wait=False, cancel_futures=True)
        raise
    return executor, owned


def _check_args(n_trials: Any, seed: Any, mode: str, max_retries: Any) -> None:
    checks = (("n_trials", n_trials, 1), ("seed", seed, 0), ("max_retries", max_retries, 0))
    for name, value, low in checks:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    if mode not in ("max", "min"):
        raise ValueError(f"mode must be 'max' (e.g. accuracy) or 'min' (e.g. loss), got {mode!r}")


def _takes_seed(objective: Callable) -> bool:
    """Whether to call ``objective(params, seed)`` (else ``objective(params)``), checked here in
    the parent so that a wrong signature fails at once instead of in every trial."""
    try:
        signature = inspect.signature(objective)
    except (TypeError, ValueError):  # some builtins and C callables: assume the documented form
        return True
    for args, takes_seed in ((({}, 0), True), (({},), False)):
        try:
            signature.bind(*args)
        except TypeError:
            continue
        return takes_seed
    raise TypeError(
        f"objective must accept (params) or (params, seed), but its signature is "
        f"{_name(objective)}{signature}"
    )


def _name(objective: Callable) -> str:
    """``module.qualname`` of the objective (of its class for a callable instance)."""
    named = objective if hasattr(objective, "__qualname__") else type(objective)
    return f"{getattr(named, '__module__', None)}.{named.__qualname__}"


def _fingerprint(
    objective: Callable, space: dict[str, Any], n_trials: int, seed: int, mode: str, version: Any
) -> dict[str, Any]:
    """The search's header in its log: what must match for a rerun to resume from it."""
    import minigrad

    return {
        "space": space_to_dict(space),
        "n_trials": int(n_trials),
        "seed": int(seed),
        "mode": mode,
        "objective": _name(objective),
        "user_version": version,
        "minigrad": minigrad.__version__,
    }


def random_search(
    objective: Callable[..., Any],
    space: Mapping[str, Any],
    n_trials: int,
    seed: int,
    executor: Any = None,
    storage: str | os.PathLike | None = None,
    *,
    mode: str = "max",
    progress: bool = True,
    max_retries: int = 3,
    retry_errors: bool = False,
    version: Any = None,
    reuse: bool = False,
    timeout: float | None = None,
) -> SearchResults:
    """Run ``n_trials`` random trials of ``objective(params, seed)`` (or ``objective(params)``)
    and return them best first.

    ``objective`` returns a score or a dict with ``"score"`` plus JSON-able extras (curves).
    Trial ``i`` draws its params and seed from ``(seed, i)`` alone (see ``sample_trial``), so
    the table is the same on any executor. ``executor`` is anything ``make_executor`` accepts;
    one made here is shut down here. With ``storage`` (a ``.jsonl`` path) each finished trial
    is appended as it lands and a rerun resumes, running only the missing trials (and, with
    ``retry_errors``, the failed ones). A trial that raises is recorded, not fatal; one whose
    worker dies is re-run up to ``max_retries`` times.

    The log's header fingerprints the search (space, seed, mode, the objective's
    ``module.qualname``, ``version`` (yours: bump it when the objective's code changes) and
    minigrad's version); a log of another search is refused. ``reuse=True`` adopts one whose
    objective, version, minigrad or mode differ (never another space or seed). ``n_trials``
    may grow between runs: only the new trials run. Records no trial of this search could
    have written are ignored with a warning (see ``minigrad.tune.storage``).

    ``timeout`` (seconds) bounds each trial: the worker interrupts the objective at that time
    where a signal can (POSIX, a process's main thread: serial and local processes), and a trial
    not back ``TIMEOUT_GRACE`` s later has its worker killed and replaced (a local pool is
    rebuilt, its other trials re-run; a Dask cluster restarts that worker). Either way the
    trial is recorded as a ``TimeoutError`` and the search goes on. The clock starts when the
    trial is handed to a worker, so it includes a fresh worker's start-up.
    """
    if not callable(objective):
        raise TypeError(f"objective must be callable, got {objective!r}")
    takes_seed = _takes_seed(objective)
    _check_args(n_trials, seed, mode, max_retries)
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, numbers.Real)
                                or not 0 < timeout < float("inf")):
        raise ValueError(f"timeout must be a positive number of seconds or None, got {timeout!r}")
    space = _check_space(space)
    config = _fingerprint(objective, space, n_trials, seed, mode, version)
    log = TrialLog(storage, config, reuse=reuse) if storage is not None else None
    try:
        done = {}
        for index, record in (log.records if log else {}).items():
            trial = Trial.from_record(record)
            if index < n_trials and (trial.ok or not retry_errors):
                done[index] = trial
        plan = {i: sample_trial(space, seed, i) for i in range(n_trials) if i not in done}
        bar = _Progress(n_trials, done, mode, progress)

        def finish(record: dict[str, Any]) -> None:
            trial = Trial.from_record(record)
            if trial.index not in plan:
                raise RuntimeError(f"worker returned trial {trial.index}, which was not submitted")
            done[trial.index] = trial
            if log is not None:
                log.append(record)
            bar.update(trial)

        try:
            if plan:
                if isinstance(executor, cf.Executor):
                    ex, owned = executor, False
                else:
                    ex, owned = make_executor(executor), True
                ex, owned = _drive(
                    objective, takes_seed, plan, ex, owned, max_retries, finish, timeout
                )
                if owned:
                    ex.shutdown(wait=True)
        finally:
            bar.close()
    finally:
        if log is not None:
            log.close()
    results = SearchResults(done.values(), space, mode)
    if not results.ok:
        first = results.errors[0]
        msg = f"all {n_trials} trials failed; trial {first.index}: {first.error}"
        warnings.warn(msg, RuntimeWarning, stacklevel=2)
    return results


def narrow(results: SearchResults, top_k: int = 10, *, margin: float = 0.0) -> dict[str, Any]:
    """The next round's space: each range spans the ``top_k`` best trials' values (the book's
    procedure), widened by ``margin`` of its width on each side but never past the old range.

    Log-uniform ranges are measured in log space; choices keep the values the best trials used;
    constants stay.
    """
    if not isinstance(results, SearchResults):
        raise TypeError(f"narrow needs the SearchResults of a search, got {type(results).__name__}")
    if margin < 0:
        raise ValueError(f"margin must be >= 0, got {margin}")
    best = results.top(top_k)
    if not best:
        raise ValueError("cannot narrow: no trial of the search succeeded")
    return {
        name: dim.narrowed([t.params[name] for t in best], margin)
        if isinstance(dim, Dimension)
        else dim
        for name, dim in results.space.items()
    }
