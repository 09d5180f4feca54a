"""Where trials run, behind ``concurrent.futures.Executor``: this process, local processes, Dask.

No home-made scheduler: local processes are a ``ProcessPoolExecutor`` (rebuilt if a worker is
killed, since a dead worker breaks the whole pool), and a cluster is Dask's own executor, whose
scheduler re-runs the tasks of dead workers itself.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

__all__ = [
    "SerialExecutor",
    "ProcessExecutor",
    "DaskExecutor",
    "make_executor",
    "add_executor_arguments",
    "executor_from_args",
    "DASK_ADDRESS_ENV",
]

DASK_ADDRESS_ENV = "MINIGRAD_DASK_ADDRESS"

_THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
_environ_lock = threading.Lock()


@contextlib.contextmanager
def _thread_env(n: int) -> Iterator[None]:
    """Set the BLAS/OpenMP thread-count variables (unless the user set them) while workers spawn.

    They must be in a worker's environment before it imports numpy: capping threads later (for
    example with threadpoolctl) leaves OpenBLAS's threads competing and was 5-20x slower here.
    """
    with _environ_lock:
        added = [v for v in _THREAD_VARS if v not in os.environ]
        for var in added:
            os.environ[var] = str(n)
        try:
            yield
        finally:
            for var in added:
                os.environ.pop(var, None)


def _exit_with_parent(parent: int, every: float = 0.5) -> None:
    """Worker initializer: end this worker when the search process that made it is gone.

    A pool's workers otherwise outlive a killed parent (they hold both ends of their queue, so
    they never see it close) and keep running trials nobody will read.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(1)

    threading.Thread(target=watch, name="minigrad-parent-watch", daemon=True).start()


class SerialExecutor(cf.Executor):
    """Runs each call in this process at ``submit`` time: for debugging with pdb and prints."""

    max_in_flight = 1

    def __init__(self) -> None:
        self._closed = False

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> cf.Future:
        if self._closed:
            raise RuntimeError("cannot schedule new futures after shutdown")
        future: cf.Future = cf.Future()
        future.set_running_or_notify_cancel()
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:  # KeyboardInterrupt propagates: Ctrl-C stops the search
            future.set_exception(exc)
        else:
            future.set_result(result)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._closed = True


class ProcessExecutor(cf.Executor):
    """Local worker processes (default one per core) that can be rebuilt after one is killed.

    Workers start with ``spawn`` by default, the same on Linux, macOS and Windows, and safe
    when the parent has threads; the objective must therefore be importable (a top-level
    function of a module, or of a script guarded by ``if __name__ == "__main__"``). Workers get
    ``blas_threads`` BLAS/OpenMP threads each (default ``cpu_count // max_workers``, so N
    workers do not oversubscribe the cores) unless ``OMP_NUM_THREADS`` & co. are set already.
    """

    def __init__(
        self,
        max_workers: int | None = None,
        *,
        start_method: str = "spawn",
        blas_threads: int | None = None,
    ) -> None:
        cores = os.cpu_count() or 1
        if max_workers is None:
            max_workers = cores
        if isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1:
            raise ValueError(f"max_workers must be a positive integer, got {max_workers!r}")
        self.max_workers = max_workers
        self.blas_threads = blas_threads or max(1, cores // max_workers)
        self._context = multiprocessing.get_context(start_method)
        self._pool = self._new_pool()

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(
            self.max_workers, mp_context=self._context,
            initializer=_exit_with_parent, initargs=(os.getpid(),),
        )

    @property
    def max_in_flight(self) -> int:
        """Trials to keep submitted: one per worker, so a broken pool names the trials it ran."""
        return self.max_workers

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> cf.Future:
        with _thread_env(self.blas_threads):  # the pool starts its workers inside submit
            return self._pool.submit(fn, *args, **kwargs)

    def restart(self) -> None:
        """Replace a pool broken by a dead worker with a fresh one (its futures are all failed)."""
        self.terminate()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool()

    def terminate(self) -> None:
        """Kill the workers now (an interrupted search should not leave trials running)."""
        terminate = getattr(self._pool, "terminate_workers", None)  # Python >= 3.14
        if terminate is not None:
            terminate()
            return
        for process in list((getattr(self._pool, "_processes", None) or {}).values()):
            if process.is_alive():
                process.kill()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise ImportError(
            "running trials on a Dask cluster needs dask and distributed: "
            "pip install 'minigrad[dask]'"
        ) from exc
    return distributed


class DaskExecutor(cf.Executor):
    """Trials on a Dask cluster, given a scheduler address (``tcp://host:8786``) or a ``Client``.

    Workers must be able to import minigrad and the objective's module. A client made here from
    an address is closed by ``shutdown``; a client passed in is left open for its owner.
    """

    max_in_flight = None  # submit every trial: Dask's scheduler balances and re-runs them

    def __init__(self, cluster: Any) -> None:
        distributed = _import_distributed()
        self._owns_client = isinstance(cluster, str)
        if self._owns_client:
            try:
                cluster = distributed.Client(cluster, set_as_default=False)
            except OSError as exc:
                msg = f"could not connect to the Dask scheduler at {cluster!r}: {exc}"
                raise OSError(msg) from exc
        self.client = cluster
        self._tasks: dict[cf.Future, Any] = {}  # ours -> Dask's, to find a task's worker
        self._closed = False

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> cf.Future:
        if self._closed:
            raise RuntimeError("cannot schedule new futures after shutdown")
        task = self.client.submit(fn, *args, pure=False, **kwargs)
        future: cf.Future = cf.Future()
        self._tasks[future] = task

        @_ignore_invalid_state
        def done(task: Any) -> None:  # Dask's outcome -> ours (as Dask's own ClientExecutor)
            self._tasks.pop(future, None)
            if future.done():
                return
            if task.status == "finished":
                future.set_result(task.result())
            elif task.status == "cancelled":
                future.cancel()
                future.set_running_or_notify_cancel()  # wakes cf.wait
            else:
                future.set_exception(task.exception())

        def cancelled(future: cf.Future) -> None:  # ours cancelled by the caller -> Dask's
            if future.cancelled():
                self.client.cancel(task)

        future.add_done_callback(cancelled)
        task.add_done_callback(done)
        return future

    @property
    def slots(self) -> int:
        """Trials the cluster can run at once now (its workers' threads), at least one."""
        return max(1, sum(self.client.nthreads().values()))

    def kill(self, future: cf.Future) -> None:
        """Stop the task behind ``future``: cancel it and restart the worker running it (a
        thread cannot be stopped otherwise; restarting needs workers started by nannies)."""
        task = self._tasks.pop(future, None)
        if task is None:
            return
        running = [w for w, keys in self.client.processing().items() if task.key in keys]
        self.client.cancel(task)
        if running:
            with contextlib.suppress(Exception):  # no nanny: the thread finishes on its own
                self.client.restart_workers(running, timeout=30)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._closed = True
        if cancel_futures:
            self.client.cancel(list(self._tasks.values()))
        elif wait:
            for future in list(self._tasks):
                with contextlib.suppress(Exception):
                    future.exception()
        if self._owns_client:
            self.client.close()


def _ignore_invalid_state(fn: Callable) -> Callable:
    """A callback that may lose a race with the caller cancelling the same future."""

    def call(*args: Any) -> None:
        with contextlib.suppress(cf.InvalidStateError):
            fn(*args)

    return call


def _is_dask_client(obj: Any) -> bool:
    return hasattr(obj, "get_executor") and hasattr(obj, "scheduler_info")


def make_executor(spec: Any = None) -> cf.Executor:
    """An executor from one argument, as the command line's ``--dask ADDRESS`` / ``--workers N``.

    ``None``: a Dask cluster at ``$MINIGRAD_DASK_ADDRESS`` if set, else one process per core.
    ``"serial"``: this process. ``"processes"``: one process per core. An ``int`` (or digit
    string) N: N processes. ``"tcp://host:8786"`` (any ``scheme://``; ``dask://`` means tcp):
    that Dask scheduler. A ``dask.distributed.Client``: its cluster. An ``Executor``: itself.
    """
    if isinstance(spec, cf.Executor):
        return spec
    if _is_dask_client(spec):
        return DaskExecutor(spec)
    if spec is None:
        address = os.environ.get(DASK_ADDRESS_ENV, "").strip()
        return make_executor(address) if address else ProcessExecutor()
    if isinstance(spec, int) and not isinstance(spec, bool):
        return ProcessExecutor(spec)
    if isinstance(spec, str):
        text = spec.strip()
        if text == "serial":
            return SerialExecutor()
        if text == "processes":
            return ProcessExecutor()
        if text.isdigit():
            return ProcessExecutor(int(text))
        if text.startswith("dask://"):
            return DaskExecutor("tcp://" + text[len("dask://") :])
        if "://" in text:
            return DaskExecutor(text)
    raise ValueError(
        f"executor must be None, 'serial', 'processes', a worker count, a Dask address such as "
        f"'tcp://host:8786', a dask.distributed.Client or a concurrent.futures.Executor; "
        f"got {spec!r}"
    )


def add_executor_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--dask ADDRESS``, ``--workers N`` and ``--serial`` to a command line."""
    group = parser.add_argument_group(
        "where trials run (default: $MINIGRAD_DASK_ADDRESS, else one local process per core)"
    )
    where = group.add_mutually_exclusive_group()
    where.add_argument("--dask", metavar="ADDRESS", help="Dask scheduler, e.g. tcp://host:8786")
    where.add_argument("--workers", metavar="N", type=int, help="N local worker processes")
    where.add_argument("--serial", action="store_true", help="run trials in this process")


def executor_from_args(args: argparse.Namespace) -> cf.Executor:
    """The executor the flags of :func:`add_executor_arguments` ask for."""
    if getattr(args, "serial", False):
        return SerialExecutor()
    return make_executor(getattr(args, "dask", None) or getattr(args, "workers", None))
