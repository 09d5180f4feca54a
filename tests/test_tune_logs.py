"""minigrad.tune logs you can trust: a fingerprinted header, records screened against the
search that reads them, and objectives checked before any trial runs."""

from __future__ import annotations

import json
import re
import warnings

import pytest
import tune_objectives as objectives
from tune_objectives import CURVES_SPACE, SPACE, serial, trial_lines

import minigrad
from minigrad.tune import load_results, random_search, read_log, sample_trial
from minigrad.tune.storage import _encode


def _calls(path) -> list[int]:
    return [int(s) for s in path.read_text().split()] if path.exists() else []


def _append(path, record: dict) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(_encode(record))  # a valid checksum: only the screening can catch it


# -- fingerprint ----------------------------------------------------------------------------


def test_header_fingerprints_the_search(tmp_path):
    path = tmp_path / "r.jsonl"
    serial(objectives.quadratic, n=3, storage=path, version="v7")
    header = read_log(path)[0]
    assert header["objective"] == "tune_objectives.quadratic"
    assert header["user_version"] == "v7" and header["minigrad"] == minigrad.__version__
    assert header["n_trials"] == 3 and header["seed"] == 0 and header["mode"] == "max"


@pytest.mark.parametrize(
    "change, key",
    [
        ({"seed": 1}, "seed"),
        ({"space": CURVES_SPACE}, "space"),
        ({"mode": "min"}, "mode"),
        ({"objective": objectives.flaky}, "objective"),
        ({"version": "v2"}, "user_version"),
        ({}, "minigrad"),
    ],
    ids=["seed", "space", "mode", "objective", "version", "minigrad"],
)
def test_log_of_another_search_is_refused_naming_what_differs(tmp_path, monkeypatch, change, key):
    path = tmp_path / "r.jsonl"
    serial(objectives.quadratic, n=5, storage=path)
    before = path.read_text()
    if key == "minigrad":
        monkeypatch.setattr(minigrad, "__version__", "99.0")
    objective = change.pop("objective", objectives.quadratic)
    with pytest.raises(ValueError, match=f"different search .*{key}: file has"):
        serial(objective, **{"n": 5, **change}, storage=path)
    assert path.read_text() == before


def test_reuse_adopts_a_log_of_another_objective_or_version_but_never_space_or_seed(
    tmp_path, monkeypatch
):
    path, calls = tmp_path / "r.jsonl", tmp_path / "calls.txt"
    first = serial(objectives.quadratic, n=5, storage=path)
    monkeypatch.setenv("TUNE_CALL_LOG", str(calls))
    got = serial(objectives.flaky, n=5, storage=path, version="2", reuse=True)
    assert got == first and _calls(calls) == []  # its trials were kept, none re-ran
    header = read_log(path)[0]
    assert header["objective"] == "tune_objectives.flaky" and header["user_version"] == "2"
    assert serial(objectives.flaky, n=5, storage=path, version="2") == first  # adopted
    before = path.read_text()
    for change in ({"seed": 1}, {"space": CURVES_SPACE}):
        with pytest.raises(ValueError, match="even with reuse=True"):
            serial(objectives.flaky, **{"n": 5, **change}, storage=path, version="2", reuse=True)
    assert path.read_text() == before


def test_growing_n_trials_runs_only_the_new_trials(tmp_path, monkeypatch):
    path, calls = tmp_path / "r.jsonl", tmp_path / "calls.txt"
    serial(objectives.quadratic, n=5, storage=path)
    expected, prefix = serial(objectives.quadratic, n=8), serial(objectives.quadratic, n=6)
    monkeypatch.setenv("TUNE_CALL_LOG", str(calls))
    assert serial(objectives.quadratic, n=8, storage=path) == expected
    assert sorted(_calls(calls)) == sorted(t.seed for t in expected if t.index >= 5)
    assert read_log(path)[0]["n_trials"] == 8
    calls.unlink()
    shorter = serial(objectives.quadratic, n=6, storage=path)  # a prefix, from the log
    assert shorter == prefix and len(shorter) == 6
    assert _calls(calls) == [] and read_log(path)[0]["n_trials"] == 8
    assert load_results(path) == expected


def test_log_without_fingerprint_is_refused_unless_reused(tmp_path, monkeypatch):
    """Version 1 logs (minigrad before the fingerprint) are legacy: reuse=True adopts them."""
    path, calls = tmp_path / "r.jsonl", tmp_path / "calls.txt"
    expected = serial(objectives.quadratic, n=4, storage=path)
    header, records, _ = read_log(path)
    old = {k: header[k] for k in ("kind", "space", "n_trials", "seed", "mode")}
    path.write_text("".join(_encode(r) for r in [{**old, "version": 1}, *records]))
    assert load_results(path) == expected
    with pytest.raises(ValueError, match="version 1 log.*reuse=True"):
        serial(objectives.quadratic, n=4, storage=path)
    monkeypatch.setenv("TUNE_CALL_LOG", str(calls))
    assert serial(objectives.quadratic, n=4, storage=path, reuse=True) == expected
    assert _calls(calls) == [] and read_log(path)[0]["version"] == 2


# -- records no trial of this search wrote ----------------------------------------------


def _out_of_range(path, records):
    params, seed = sample_trial(SPACE, 0, 6)  # what trial 6 of a longer search would draw
    _append(path, {**records[0], "index": 6, "params": params, "seed": seed, "score": 1e9})
    return None


def _negative(path, records):
    _append(path, {**records[0], "index": -1, "score": 1e9})
    return None


def _duplicate(path, records):
    _append(path, {**records[0], "score": 1e9})  # trial 0 again, right params, better score
    return None


def _wrong_params(path, records, field="params"):
    lines = path.read_text().splitlines(keepends=True)
    victim = records[3]
    value = {**victim["params"], "lr": 1e-3} if field == "params" else victim["seed"] + 1
    forged = {**victim, field: value, "score": 1e9}
    path.write_text("".join(lines[:4]) + _encode(forged) + "".join(lines[5:]))
    return victim["seed"]  # trial 3 has no valid record now: it runs again


def _wrong_seed(path, records):
    return _wrong_params(path, records, field="seed")


@pytest.mark.parametrize(
    "inject", [_out_of_range, _negative, _duplicate, _wrong_params, _wrong_seed]
)
def test_injected_record_never_becomes_best(tmp_path, monkeypatch, inject):
    path, calls = tmp_path / "r.jsonl", tmp_path / "calls.txt"
    expected = serial(objectives.quadratic, n=6, storage=path)
    records = sorted(trial_lines(path), key=lambda r: r["index"])
    rerun = inject(path, records)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = load_results(path)
        monkeypatch.setenv("TUNE_CALL_LOG", str(calls))
        got = serial(objectives.quadratic, n=6, storage=path)
    assert loaded.best.score < 1e9 and got.best.score < 1e9  # the forged score of 1e9 lost
    assert [t.key() for t in loaded] == [t.key() for t in expected if t.seed != rerun]
    assert got == expected and _calls(calls) == ([] if rerun is None else [rerun])
    assert len(caught) == 2 and all(w.category is RuntimeWarning for w in caught)
    assert all(re.search("ignoring 1 record.*line [0-9]+ [(]", str(w.message)) for w in caught)


# -- objective signatures -------------------------------------------------------------------


def test_objective_of_params_alone_works_and_is_seeded(tmp_path):
    got = serial(objectives.params_only, n=6)
    assert got == serial(objectives.params_only, n=6) and not got.errors
    assert len({t.score for t in got}) == 6
    assert [t.score for t in got] == [t.score for t in serial(objectives.default_rng_user, n=6)]
    procs = random_search(objectives.params_only, SPACE, 6, 0, executor=2, progress=False)
    assert procs == got


def _three(params, seed, extra):
    return 0.0


def _keyword_seed(params, *, seed):
    return 0.0


@pytest.mark.parametrize(
    "objective", [lambda: 1.0, _three, _keyword_seed], ids=["none", "three", "keyword-seed"]
)
def test_objective_with_another_signature_raises_before_any_trial(tmp_path, objective):
    path = tmp_path / "r.jsonl"
    with pytest.raises(TypeError, match=r"accept \(params\) or \(params, seed\)"):
        serial(objective, n=3, storage=path)
    assert not path.exists()


def test_objective_with_optional_seed_gets_the_seed():
    got = serial(lambda params, seed=None: float(seed), n=3)
    assert [t.score for t in sorted(got, key=lambda t: t.index)] == [
        float(sample_trial(SPACE, 0, i)[1]) for i in range(3)
    ]
    assert json.dumps(got.to_records())  # plain JSON
