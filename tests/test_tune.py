"""minigrad.tune: spaces, seeding, results table, resumable JSON Lines log, local executors."""

from __future__ import annotations

import concurrent.futures as cf
import json
import math
import multiprocessing
import os
import signal
import threading
import time

import numpy as np
import pytest
import scipy.stats
import tune_objectives as objectives
from tune_objectives import CURVES_SPACE, SPACE, alive, pid, serial, trial_lines, wait_for_lines

from minigrad import random as mg_random
from minigrad.tune import (
    Choice,
    LogUniform,
    RandInt,
    Uniform,
    choice,
    load_results,
    loguniform,
    make_executor,
    narrow,
    randint,
    random_search,
    read_log,
    sample_trial,
    space_from_dict,
    space_to_dict,
    uniform,
)

# -- spaces and seeding ---------------------------------------------------------------------


def test_loguniform_is_uniform_in_log_space():
    rng = mg_random.Generator(0).rng
    draws = np.array([loguniform(1e-6, 1e-2).sample(rng) for _ in range(3000)])
    assert draws.min() >= 1e-6 and draws.max() <= 1e-2
    assert scipy.stats.kstest(np.log10(draws), scipy.stats.uniform(-6, 4).cdf).pvalue > 0.01
    # plain uniform draws on the same range would almost never go below 1e-4
    assert np.mean(draws < 1e-4) == pytest.approx(0.5, abs=0.05)


def test_uniform_randint_choice_ranges():
    rng = mg_random.Generator(1).rng
    u = [uniform(-1.0, 2.0).sample(rng) for _ in range(500)]
    assert -1.0 <= min(u) and max(u) <= 2.0 and max(u) - min(u) > 2.5
    ints = {randint(2, 5).sample(rng) for _ in range(300)}
    assert ints == {2, 3, 4}  # high excluded
    assert all(isinstance(i, int) for i in ints)
    picks = {choice(["sgd", "adam", None]).sample(rng) for _ in range(300)}
    assert picks == {"sgd", "adam", None}


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: loguniform(0.0, 1.0), "low must be > 0"),
        (lambda: loguniform(1e-2, 1e-6), "must not exceed"),
        (lambda: uniform(float("nan"), 1.0), "finite"),
        (lambda: uniform("0", 1.0), "real number"),
        (lambda: randint(1.5, 3), "integer"),
        (lambda: randint(3, 3), "low < high"),
        (lambda: choice([]), "at least one"),
        (lambda: choice("abc"), "list or tuple"),
        (lambda: choice([object()]), "str, int"),
    ],
)
def test_bad_dimensions_raise(make, match):
    with pytest.raises((TypeError, ValueError), match=match):
        make()


def test_bad_space_and_arguments_raise():
    with pytest.raises(TypeError, match="non-empty dict"):
        random_search(objectives.quadratic, {}, 4, 0, executor="serial")
    with pytest.raises(TypeError, match="JSON"):
        random_search(objectives.quadratic, {**SPACE, "f": object()}, 4, 0, executor="serial")
    with pytest.raises(ValueError, match="n_trials"):
        random_search(objectives.quadratic, SPACE, 0, 0, executor="serial")
    with pytest.raises(ValueError, match="seed"):
        random_search(objectives.quadratic, SPACE, 4, -1, executor="serial")
    with pytest.raises(ValueError, match="mode"):
        random_search(objectives.quadratic, SPACE, 4, 0, executor="serial", mode="best")
    with pytest.raises(ValueError, match="executor must be"):
        random_search(objectives.quadratic, SPACE, 4, 0, executor="threads", progress=False)


def test_trial_depends_only_on_search_seed_and_index():
    full = [sample_trial(SPACE, 7, i) for i in range(10)]
    assert [sample_trial(SPACE, 7, i) for i in (9, 3, 0)] == [full[9], full[3], full[0]]
    reordered = {"wd": SPACE["wd"], "lr": SPACE["lr"]}
    assert [sample_trial(reordered, 7, i)[0] for i in range(10)] == [p for p, _ in full]
    assert len({s for _, s in full}) == 10  # every trial has its own seed
    assert sample_trial(SPACE, 8, 0) != full[0]
    # a longer search starts with the same trials as a shorter one
    short, long = serial(objectives.quadratic, n=5), serial(objectives.quadratic, n=10)
    by_index = {t.index: (t.params, t.seed, t.score) for t in long}
    assert all(by_index[t.index] == (t.params, t.seed, t.score) for t in short)


def test_space_round_trips_through_json():
    space = {**SPACE, "momentum": uniform(0.5, 0.99), "layers": randint(1, 6)}
    space["opt"] = choice(["sgd", "adam"])
    space["epochs"] = 20
    back = space_from_dict(json.loads(json.dumps(space_to_dict(space))))
    assert back == space
    assert isinstance(back["layers"], RandInt) and isinstance(back["opt"], Choice)


def test_default_generator_is_seeded_per_trial_and_restored():
    state = mg_random.default_generator.get_state()
    a = serial(objectives.default_rng_user, n=6)
    b = serial(objectives.default_rng_user, n=6)
    assert a == b and len({t.score for t in a}) == 6
    assert mg_random.default_generator.get_state() == state


# -- results table --------------------------------------------------------------------------


def test_results_table_sorted_with_curves():
    res = serial(objectives.curves, CURVES_SPACE, n=10)
    scores = [t.score for t in res]
    assert scores == sorted(scores, reverse=True) and len(res) == 10
    assert res.best is res[0] and res.top(3) == list(res)[:3]
    assert res.best.extras["val_acc"][-1] == res.best.score
    assert len(res.best.extras["train_acc"]) == 5
    records = res.to_records()
    assert [r["index"] for r in records] == [t.index for t in res]
    assert set(records[0]) >= {"params", "seed", "status", "score", "extras", "duration"}
    text = str(res)
    assert text.splitlines()[0].split() == ["rank", "trial", "score", "lr", "wd", "epochs"]
    assert text.splitlines()[1].split()[1] == str(res.best.index)
    low = serial(objectives.curves, CURVES_SPACE, n=10, mode="min")
    assert [t.score for t in low] == sorted(scores) and low != res


def test_raising_trials_are_recorded_and_do_not_stop_the_search():
    res = serial(objectives.sometimes_bad, n=16)
    assert len(res) == 16 and res.errors and res.ok
    assert all(not t.ok for t in list(res)[len(res.ok) :])  # errors last
    bad = res.errors[0]
    assert bad.params["lr"] > 3e-3 and bad.score is None
    assert bad.error.startswith("FloatingPointError: loss diverged")
    assert "sometimes_bad" in bad.traceback
    assert "error: FloatingPointError" in str(res)


@pytest.mark.parametrize(
    "returned, match",
    [
        ({"loss": 1.0}, "without 'score'"),
        (float("nan"), "non-finite"),
        ("0.9", "real number"),
        ({"score": 1.0, "blob": object()}, "not JSON-able"),
    ],
)
def test_bad_objective_return_values_are_errors(returned, match):
    with pytest.warns(RuntimeWarning, match="all 3 trials failed"):
        res = serial(lambda params, seed: returned, n=3)
    assert len(res.errors) == 3 and match in res.errors[0].error
    with pytest.raises(ValueError, match="no successful trial"):
        _ = res.best


# -- local processes ------------------------------------------------------------------------


def test_processes_give_the_same_table_as_serial(tmp_path):
    expected = serial(objectives.curves, CURVES_SPACE, n=8)
    got = random_search(
        objectives.slow_curves, CURVES_SPACE, 8, 0, executor=2, storage=tmp_path / "r.jsonl"
    )
    assert got == expected
    assert len({t.worker for t in got}) == 2  # both workers ran trials
    assert load_results(tmp_path / "r.jsonl") == expected


def test_killed_worker_process_is_replaced_and_every_trial_finishes(tmp_path):
    expected = serial(objectives.quadratic, n=16)  # flaky is quadratic, slowly
    path = tmp_path / "r.jsonl"
    pool = cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"))
    killed = []

    def kill_a_worker():
        victim = pid(wait_for_lines(path, 3)[-1])
        os.kill(victim, signal.SIGKILL)  # it is busy with its next trial by now
        killed.append(victim)

    killer = threading.Thread(target=kill_a_worker)
    killer.start()
    got = random_search(objectives.flaky, SPACE, 16, 0, executor=pool, storage=path)
    killer.join()
    pool.shutdown()
    assert got == expected and len(got) == 16 and not got.errors
    workers = {pid(t) for t in got}
    assert killed[0] in workers and len(workers) > 2  # a new pool took over


def test_trial_that_always_kills_its_worker_is_recorded_not_fatal():
    expected = serial(objectives.quadratic, n=8)
    got = random_search(objectives.deadly, SPACE, 8, 0, executor=2, max_retries=1, progress=False)
    fatal = {t.index for t in expected if t.params["lr"] > 5e-3}
    assert fatal and {t.index for t in got.errors} == fatal
    assert all("WorkerDied" in t.error for t in got.errors)
    assert [t.key() for t in got.ok] == [t.key() for t in expected if t.index not in fatal]


def test_objective_workers_cannot_import_is_a_clear_error(tmp_path):
    path = tmp_path / "r.jsonl"
    with pytest.raises(RuntimeError, match="picklable top-level function"):
        random_search(lambda p, s: 1.0, SPACE, 4, 0, executor=1, storage=path, progress=False)
    assert trial_lines(path) == []  # nothing bogus recorded for a resume to trust


# -- storage, interruption and resume -------------------------------------------------------


def test_log_lines_are_checksummed_json(tmp_path):
    path = tmp_path / "sub" / "r.jsonl"
    res = serial(objectives.curves, CURVES_SPACE, n=6, storage=path)
    header, records, tail = read_log(path)
    assert tail == "ok" and header["n_trials"] == 6 and header["seed"] == 0
    assert header["space"] == space_to_dict(CURVES_SPACE) and header["mode"] == "max"
    assert sorted(r["index"] for r in records) == list(range(6))
    assert all(len(r["crc"]) == 8 and r["status"] == "ok" for r in records)
    assert load_results(path) == res


def test_serial_interrupt_then_resume_runs_each_trial_once(tmp_path, monkeypatch):
    expected = serial(objectives.quadratic, n=12)
    path, calls = tmp_path / "r.jsonl", tmp_path / "calls.txt"
    monkeypatch.setenv("TUNE_CALL_LOG", str(calls))
    monkeypatch.setenv("TUNE_INTERRUPT_AT", "5")
    with pytest.raises(KeyboardInterrupt):
        serial(objectives.quadratic, n=12, storage=path)
    before = open(path, encoding="utf-8").read()
    first = trial_lines(path)
    assert [r["index"] for r in first] == [0, 1, 2, 3, 4]
    monkeypatch.delenv("TUNE_INTERRUPT_AT")
    calls.unlink()
    got = serial(objectives.quadratic, n=12, storage=path)
    assert got == expected
    rerun = [int(s) for s in calls.read_text().split()]
    assert sorted(rerun) == sorted(t.seed for t in expected if t.index >= 5)
    assert open(path, encoding="utf-8").read().startswith(before)
    assert sorted(r["index"] for r in trial_lines(path)) == list(range(12))


def test_ctrl_c_stops_worker_processes_and_resume_completes(tmp_path, monkeypatch):
    expected = serial(objectives.quadratic, n=30)  # flaky is quadratic, slowly
    path, calls = tmp_path / "r.jsonl", tmp_path / "calls.txt"

    def interrupt():
        wait_for_lines(path, 4)
        os.kill(os.getpid(), signal.SIGINT)

    interrupter = threading.Thread(target=interrupt)
    interrupter.start()
    pool = make_executor(2)  # the caller's, as the experiments command line makes it
    with pytest.raises(KeyboardInterrupt):
        random_search(objectives.flaky, SPACE, 30, 0, executor=pool, storage=path, progress=False)
    interrupter.join()
    first = trial_lines(path)
    assert 4 <= len(first) < 30
    pids = {pid(r) for r in first}
    deadline = time.monotonic() + 10
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(p) for p in pids)  # no trial keeps running after Ctrl-C
    monkeypatch.setenv("TUNE_CALL_LOG", str(calls))
    got = random_search(objectives.flaky, SPACE, 30, 0, executor=pool, storage=path, progress=False)
    pool.shutdown()  # the same pool served the resumed search: it was rebuilt, not left broken
    assert got == expected
    done_before = {r["seed"] for r in first}
    rerun = [int(s) for s in calls.read_text().split()]
    assert len(rerun) == len(set(rerun)) == 30 - len(first) and not done_before & set(rerun)
    assert sorted(r["index"] for r in trial_lines(path)) == list(range(30))


def _truncate_last_line(text: str) -> str:
    lines = text.splitlines(keepends=True)
    return "".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2]


def _alter_last_score(text: str) -> str:
    lines = text.splitlines(keepends=True)
    record = json.loads(lines[-1])
    record["score"] += 1.0  # parses fine; only the checksum can tell
    return "".join(lines[:-1]) + json.dumps(record) + "\n"


@pytest.mark.parametrize(
    "damage",
    [_truncate_last_line, _alter_last_score, lambda t: t + "\0" * 40],
    ids=["torn", "altered", "zeros"],
)
def test_corrupt_last_line_is_dropped_and_that_trial_rerun(tmp_path, monkeypatch, damage):
    path, calls = tmp_path / "r.jsonl", tmp_path / "calls.txt"
    expected = serial(objectives.curves, CURVES_SPACE, n=8, storage=path)
    text = path.read_text()
    lost = json.loads(text.splitlines()[-1])
    path.write_text(damage(text))
    monkeypatch.setenv("TUNE_CALL_LOG", str(calls))
    with pytest.warns(RuntimeWarning, match="corrupt"):
        got = serial(objectives.curves, CURVES_SPACE, n=8, storage=path)
    assert got == expected
    ran = [int(s) for s in calls.read_text().split()] if calls.exists() else []
    if damage is _truncate_last_line or damage is _alter_last_score:
        assert ran == [lost["seed"]]
    else:
        assert ran == []  # the zeros were the torn line; every trial was intact
    header, records, tail = read_log(path)
    assert tail == "ok" and sorted(r["index"] for r in records) == list(range(8))


def test_missing_final_newline_is_repaired_without_rerun(tmp_path, monkeypatch):
    path, calls = tmp_path / "r.jsonl", tmp_path / "calls.txt"
    expected = serial(objectives.quadratic, n=5, storage=path)
    path.write_text(path.read_text().rstrip("\n"))
    monkeypatch.setenv("TUNE_CALL_LOG", str(calls))
    assert serial(objectives.quadratic, n=5, storage=path) == expected
    assert not calls.exists() and read_log(path)[2] == "ok"


def test_corrupt_line_before_the_last_is_an_error(tmp_path):
    path = tmp_path / "r.jsonl"
    serial(objectives.quadratic, n=5, storage=path)
    lines = path.read_text().splitlines(keepends=True)
    lines[2] = lines[2].replace('"status"', '"statu"')
    path.write_text("".join(lines))
    with pytest.raises(ValueError, match="line 3 .not the last. is corrupt"):
        serial(objectives.quadratic, n=5, storage=path)




def test_retry_errors_reruns_only_failed_trials(tmp_path):
    path = tmp_path / "r.jsonl"
    first = serial(objectives.sometimes_bad, n=10, storage=path)
    assert first.errors
    # the fixed objective adopts the log (reuse=True); errors count as done
    again = serial(objectives.quadratic, n=10, storage=path, reuse=True)
    assert again == first
    fixed = serial(objectives.quadratic, n=10, storage=path, retry_errors=True)
    assert fixed == serial(objectives.quadratic, n=10)
    assert len(trial_lines(path)) == 10 + len(first.errors)
    assert load_results(path) == fixed


# -- narrowing ------------------------------------------------------------------------------


def test_narrow_spans_the_top_k_in_the_same_kinds():
    space = {**SPACE, "opt": choice(["sgd", "momentum", "adam"]), "layers": randint(1, 9)}
    space["width"] = uniform(10.0, 200.0)
    space["epochs"] = 3
    res = serial(objectives.quadratic, space, n=40)
    top = res.top(5)
    new = narrow(res, top_k=5)
    for name in ("lr", "wd", "width"):
        values = [t.params[name] for t in top]
        assert (new[name].low, new[name].high) == (min(values), max(values))
    assert isinstance(new["lr"], LogUniform) and isinstance(new["width"], Uniform)
    layers = [t.params["layers"] for t in top]
    assert new["layers"] == randint(min(layers), max(layers) + 1)
    used = {t.params["opt"] for t in top}
    assert set(new["opt"].values) == used
    assert new["opt"].values == [v for v in space["opt"].values if v in used]
    assert new["epochs"] == 3
    round2 = serial(objectives.quadratic, new, n=10, seed=1)
    for t in round2:
        assert new["lr"].low <= t.params["lr"] <= new["lr"].high
        assert t.params["opt"] in used
    # the book's conclusion: a good round 2 is better on average than round 1
    assert np.mean([t.score for t in round2]) > np.mean([t.score for t in res])


def test_narrow_margin_is_in_log_space_and_clipped():
    res = serial(objectives.quadratic, n=30)
    lrs = [t.params["lr"] for t in res.top(4)]
    lo, hi = math.log(min(lrs)), math.log(max(lrs))
    new = narrow(res, top_k=4, margin=0.5)
    assert new["lr"].low == pytest.approx(max(math.exp(lo - 0.5 * (hi - lo)), 1e-6))
    assert new["lr"].high == pytest.approx(min(math.exp(hi + 0.5 * (hi - lo)), 1e-2))
    wide = narrow(res, top_k=30, margin=10.0)
    assert wide["wd"] == SPACE["wd"]  # never past the original range


def test_narrow_needs_successful_trials():
    with pytest.warns(RuntimeWarning):
        res = serial(objectives.sometimes_bad, {"lr": loguniform(1e-2, 1e-1), "wd": 1e-6}, n=3)
    with pytest.raises(ValueError, match="no trial"):
        narrow(res, top_k=3)
    with pytest.raises(TypeError, match="SearchResults"):
        narrow([1, 2], top_k=1)


# -- other executors and progress ----------------------------------------------------------


def test_any_executor_instance_works_and_is_left_open():
    with cf.ThreadPoolExecutor(2) as pool:
        got = random_search(objectives.quadratic, SPACE, 8, 0, executor=pool, progress=False)
        assert pool.submit(int, "3").result() == 3  # not shut down by the search
    assert got == serial(objectives.quadratic, n=8)


@pytest.mark.timeout(120)
def test_trials_as_threads_score_exactly_like_serial():
    """Real training in two threads at once: grad mode is per thread and each trial draws from
    its own generator, so interleaving changes nothing (a shared one failed or moved scores)."""
    expected = serial(objectives.tiny_training, n=8)
    state = mg_random.default_generator.get_state()
    for _ in range(2):
        with cf.ThreadPoolExecutor(2) as pool:
            got = random_search(objectives.tiny_training, SPACE, 8, 0, executor=pool,
                                progress=False)
        assert got == expected and not got.errors and len(got) == 8
    assert len({t.score for t in got}) == 8
    assert mg_random.default_generator.get_state() == state


def test_progress_bar_shows_done_and_best(capsys):
    res = random_search(objectives.quadratic, SPACE, 6, 0, executor="serial")
    err = capsys.readouterr().err
    assert "6/6" in err and f"best={res.best.score:.4g}" in err
    random_search(objectives.quadratic, SPACE, 6, 0, executor="serial", progress=False)
    assert capsys.readouterr().err == ""
