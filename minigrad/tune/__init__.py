"""Hyperparameter random search that runs serially, on local processes, or on a Dask cluster.

    from minigrad.tune import loguniform, random_search, narrow, make_executor
    space = {"lr": loguniform(1e-6, 1e-2), "weight_decay": loguniform(1e-8, 1e-4)}
    results = random_search(objective, space, n_trials=100, seed=0,
                            executor=make_executor("tcp://host:8786"), storage="round1.jsonl")
    space2 = narrow(results, top_k=20)

``objective(params, seed)`` (or ``objective(params)``) is a picklable top-level function
returning a score or a dict with ``"score"`` and JSON-able extras (e.g. per-epoch ``train_acc``
/ ``val_acc`` curves). The log's header fingerprints the search; a log of another search is
refused (``reuse=True`` adopts one whose objective or ``version=`` changed).
"""

from minigrad.tune.executors import (
    DASK_ADDRESS_ENV,
    DaskExecutor,
    ProcessExecutor,
    SerialExecutor,
    add_executor_arguments,
    executor_from_args,
    make_executor,
)
from minigrad.tune.results import SearchResults, load_results
from minigrad.tune.search import narrow, random_search
from minigrad.tune.space import (
    Choice,
    Dimension,
    LogUniform,
    RandInt,
    Uniform,
    choice,
    loguniform,
    randint,
    sample_trial,
    space_from_dict,
    space_to_dict,
    uniform,
)
from minigrad.tune.storage import TrialLog, read_log
from minigrad.tune.trial import SCORE_KEY, Trial, run_trial

__all__ = [
    "random_search",
    "narrow",
    "SearchResults",
    "Trial",
    "load_results",
    "loguniform",
    "uniform",
    "choice",
    "randint",
    "Dimension",
    "LogUniform",
    "Uniform",
    "Choice",
    "RandInt",
    "sample_trial",
    "space_to_dict",
    "space_from_dict",
    "make_executor",
    "add_executor_arguments",
    "executor_from_args",
    "SerialExecutor",
    "ProcessExecutor",
    "DaskExecutor",
    "DASK_ADDRESS_ENV",
    "TrialLog",
    "read_log",
    "run_trial",
    "SCORE_KEY",
]
