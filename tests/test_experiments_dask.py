"""The hyperparameter-search command runs on a real Dask cluster given by --dask ADDRESS."""

from __future__ import annotations

import json
import os

import pytest
from distributed import Client, LocalCluster

from minigrad.experiments.__main__ import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def address():
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([ROOT, *([old] if old else [])])
    try:
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as cluster, Client(cluster) as client:
            yield cluster.scheduler_address, client
    finally:
        if old is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = old


def test_search_command_on_a_dask_cluster_matches_the_serial_run(address, tmp_path):
    scheduler, client = address
    on_cluster, serial = tmp_path / "dask", tmp_path / "serial"
    assert main(["hyperparameter-search", "--quick", "--no-progress", "--dask", scheduler,
                 "--out", str(on_cluster)]) == 0
    assert main(["hyperparameter-search", "--quick", "--no-progress", "--serial",
                 "--out", str(serial)]) == 0
    a = json.loads((on_cluster / "hyperparameter-search.json").read_text())
    b = json.loads((serial / "hyperparameter-search.json").read_text())
    workers = {t["worker"] for t in a["numbers"]["round1"]}
    assert len(workers) >= 1 and all(w for w in workers)
    strip = ("duration", "worker")

    def table(record, key):
        return [{k: v for k, v in t.items() if k not in strip} for t in record["numbers"][key]]

    assert table(a, "round1") == table(b, "round1")  # same trials, same scores, same order
    assert table(a, "round2") == table(b, "round2")
    assert all(c["held"] for c in a["checks"])
