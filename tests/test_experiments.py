"""Every experiment runs with --quick, shows the book's qualitative outcome, and writes a figure."""

from __future__ import annotations

import json

import matplotlib.image as mpimg
import numpy as np
import pytest

from minigrad.experiments import EXPERIMENTS
from minigrad.experiments.__main__ import main


def check_figure(path):
    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[0] > 200 and img.shape[1] > 200, img.shape
    assert np.unique(img.reshape(-1, img.shape[2]), axis=0).shape[0] > 20  # not a blank canvas


@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_quick_run_shows_the_books_outcome(name, tmp_path):
    assert main([name, "--quick", "--out", str(tmp_path), "--no-progress", "--serial"]) == 0
    record = json.loads((tmp_path / f"{name}.json").read_text())
    check_figure(tmp_path / f"{name}.png")
    assert record["experiment"] == name and record["quick"] is True and record["seed"] == 0
    assert record["checks"], "an experiment must evaluate the book's reported outcomes"
    failed = [c for c in record["checks"] if not c["held"]]
    assert not failed, failed
    assert record["numbers"] and record["table"]["rows"]


@pytest.mark.parametrize("name, seed", [(n, 1 + i % 4) for i, n in enumerate(EXPERIMENTS)])
def test_the_books_outcome_is_not_one_lucky_seed(name, seed, tmp_path):
    """Each experiment's checks hold for another seed too (seeds 1-4, one each, to keep the
    suite short; the whole 10 x 5 grid is a loop over ``--seed`` away)."""
    assert main([name, "--quick", "--seed", str(seed), "--out", str(tmp_path), "--no-progress",
                 "--serial"]) == 0
    record = json.loads((tmp_path / f"{name}.json").read_text())
    assert record["seed"] == seed and record["checks"]
    failed = [c for c in record["checks"] if not c["held"]]
    assert not failed, failed


def test_all_writes_a_summary_and_is_repeatable(tmp_path):
    names = ["optimizer-paths", "init-activations"]
    from minigrad.experiments import common
    from minigrad.experiments.report import write_summary

    records = []
    for name in names:
        ctx = common.Context(out=tmp_path, quick=True, progress=False)
        from minigrad.experiments import get

        records.append(common.write_outputs(name, ctx, get(name)(ctx), 0.0))
    summary = write_summary(tmp_path, records).read_text()
    for name in names:
        assert f"![{name}]({name}.png)" in summary
    again = tmp_path / "again"
    ctx = common.Context(out=again, quick=True, progress=False)
    from minigrad.experiments import get

    common.write_outputs("init-activations", ctx, get("init-activations")(ctx), 0.0)
    first = json.loads((tmp_path / "init-activations.json").read_text())["numbers"]
    second = json.loads((again / "init-activations.json").read_text())["numbers"]
    assert first == second  # one seed, the same numbers bit for bit


def test_the_search_starts_anew_unless_asked_to_resume(tmp_path):
    """Published numbers come from the code that runs: a log left in --out (here: one whose
    first trial says 0.999) is not resumed from by default; --resume continues from it."""
    from minigrad.tune import storage

    args = ["hyperparameter-search", "--quick", "--out", str(tmp_path), "--no-progress",
            "--serial"]
    assert main(args) == 0
    scores = json.loads((tmp_path / "hyperparameter-search.json").read_text())["numbers"]
    fresh = {r["index"]: r["score"] for r in scores["round1"]}
    log = tmp_path / "hyperparameter-search-quick-seed0-round1.jsonl"
    header, first, *_ = log.read_text().splitlines()
    record = json.loads(first)
    record.pop("crc")
    record["score"] = 0.999
    stale = header + "\n" + storage._encode(record) + "\n"
    for extra, expected in (([], fresh[record["index"]]), (["--resume"], 0.999)):
        log.write_text(stale)
        (tmp_path / "hyperparameter-search-quick-seed0-round2.jsonl").unlink()
        assert main(args + extra) == 0
        out = json.loads((tmp_path / "hyperparameter-search.json").read_text())["numbers"]
        got = {r["index"]: r["score"] for r in out["round1"]}
        assert got[record["index"]] == expected, extra
