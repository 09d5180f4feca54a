"""Adadelta, Adamax, NAdam and RAdam side by side with PyTorch: float64 trajectories over many
steps agree to a few ulps, with parameter groups, weight decay (coupled and decoupled),
maximize, state dicts (minigrad's and torch's own), defaults and argument errors."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import minigrad
import minigrad.optim as optim
from minigrad.random import get_rng

torch = pytest.importorskip("torch", reason="PyTorch parity tests need torch (CI: torch==2.13.0)")

STEPS = 150
SHAPES = ((4, 3), (5,), (2, 2))

CASES = {
    "Adadelta": [{}, {"lr": 0.5, "rho": 0.8, "eps": 1e-5}, {"weight_decay": 0.1},
                 {"maximize": True}],
    "Adamax": [{}, {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6}, {"weight_decay": 0.05},
               {"maximize": True}],
    "NAdam": [{}, {"lr": 0.01, "betas": (0.85, 0.98), "momentum_decay": 0.01},
              {"weight_decay": 0.05}, {"weight_decay": 0.05, "decoupled_weight_decay": True},
              {"maximize": True}],
    "RAdam": [{}, {"lr": 0.01, "betas": (0.8, 0.95)}, {"weight_decay": 0.05},
              {"weight_decay": 0.05, "decoupled_weight_decay": True}, {"maximize": True}],
}
PARAMS = [(name, i) for name, hps in CASES.items() for i in range(len(hps))]


def _grad(p, step):
    """A gradient that depends on the current parameter, so differences would compound."""
    return np.sin(3.0 * p) + 0.3 * p + 0.05 * np.cos(step + np.arange(p.size).reshape(p.shape))


def _start():
    rng = get_rng()
    return [rng.standard_normal(s) for s in SHAPES]


def _groups(params, lib):
    if lib == "torch":
        return [{"params": params[:2]}, {"params": params[2:], "lr": 0.003}]
    return [{"params": params[:2]}, {"params": params[2:], "lr": 0.003}]


def _pair(name, hp):
    start = _start()
    mp = [minigrad.tensor(a.copy(), dtype=minigrad.float64, requires_grad=True) for a in start]
    tp = [torch.tensor(a.copy(), requires_grad=True) for a in start]
    return mp, getattr(optim, name)(_groups(mp, "mg"), **hp), tp, \
        getattr(torch.optim, name)(_groups(tp, "torch"), **hp)


def _step_both(mp, mopt, tp, topt, step, skip_last=False):
    for i, (m, t) in enumerate(zip(mp, tp, strict=True)):
        if skip_last and i == len(mp) - 1:
            m.grad, t.grad = None, None
            continue
        m.grad = minigrad.tensor(_grad(m.detach().numpy(), step), dtype=minigrad.float64)
        t.grad = torch.from_numpy(_grad(t.detach().numpy(), step))
    mopt.step()
    topt.step()


def _assert_close(mp, tp):
    for m, t in zip(mp, tp, strict=True):
        np.testing.assert_allclose(m.detach().numpy(), t.detach().numpy(), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name, case", PARAMS)
def test_float64_trajectory_matches_torch(name, case):
    hp = CASES[name][case]
    mp, mopt, tp, topt = _pair(name, hp)
    for step in range(STEPS):
        _step_both(mp, mopt, tp, topt, step, skip_last=step % 7 == 3)
        _assert_close(mp, tp)
    moved = [np.abs(m.detach().numpy() - a).max() for m, a in zip(mp, _start_again(), strict=True)]
    assert min(moved) > 1e-3  # the parameters did move


def _start_again():
    minigrad.manual_seed(0)
    return _start()


@pytest.fixture(autouse=True)
def _seeded():
    minigrad.manual_seed(0)


@pytest.mark.parametrize("name", sorted(CASES))
def test_state_dict_resumes_the_same_trajectory(name):
    hp = CASES[name][-1 if name != "Adadelta" else 2]
    mp, mopt, tp, topt = _pair(name, hp)
    for step in range(40):
        _step_both(mp, mopt, tp, topt, step)
    saved = mopt.state_dict()
    keys = sorted(saved["state"][0])
    assert keys == sorted(topt.state_dict()["state"][0])  # the same state names as torch
    mopt2 = getattr(optim, name)(_groups(mp, "mg"), **hp)
    mopt2.load_state_dict(saved)
    for step in range(40, 80):
        _step_both(mp, mopt2, tp, topt, step)
        _assert_close(mp, tp)


@pytest.mark.parametrize("name", sorted(CASES))
def test_loads_torchs_state_dict(name):
    hp = CASES[name][0]
    mp, mopt, tp, topt = _pair(name, hp)
    for step in range(30):
        _step_both(mp, mopt, tp, topt, step)
    sd = topt.state_dict()
    as_numpy = {k: {n: v.numpy() if isinstance(v, torch.Tensor) else v for n, v in s.items()}
                for k, s in sd["state"].items()}
    mopt2 = getattr(optim, name)(_groups(mp, "mg"), **hp)
    mopt2.load_state_dict({"state": as_numpy, "param_groups": sd["param_groups"]})
    for step in range(30, 60):
        _step_both(mp, mopt2, tp, topt, step)
    _assert_close(mp, tp)


@pytest.mark.parametrize("name", sorted(CASES))
def test_defaults_and_argument_names_match_torch(name):
    mine = inspect.signature(getattr(optim, name)).parameters
    theirs = inspect.signature(getattr(torch.optim, name)).parameters
    skip = {"foreach", "capturable", "differentiable"}  # torch's backend switches
    assert [n for n in mine] == [n for n in theirs if n not in skip]
    for n in mine:
        if n != "params":
            assert mine[n].default == theirs[n].default, n
            assert mine[n].kind == theirs[n].kind, n
    p = [minigrad.zeros(2, requires_grad=True)]
    tp = [torch.zeros(2, requires_grad=True)]
    mg_group = getattr(optim, name)(p).param_groups[0]
    torch_group = getattr(torch.optim, name)(tp).param_groups[0]
    for k, v in mg_group.items():
        if k != "params":
            assert torch_group[k] == v, k


@pytest.mark.parametrize("name, bad", [
    ("Adadelta", {"lr": -1.0}), ("Adadelta", {"rho": 1.5}), ("Adadelta", {"rho": -0.1}),
    ("Adadelta", {"eps": -1.0}), ("Adadelta", {"weight_decay": -1.0}),
    ("Adamax", {"betas": (1.0, 0.9)}), ("Adamax", {"betas": (0.9, -0.1)}),
    ("Adamax", {"eps": -1.0}), ("NAdam", {"momentum_decay": -1.0}), ("NAdam", {"lr": -1.0}),
    ("RAdam", {"betas": (0.9, 1.0)}), ("RAdam", {"weight_decay": -1.0}),
])
def test_bad_hyperparameters_raise_value_error_as_torch(name, bad):
    with pytest.raises(ValueError):
        getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], **bad)
    with pytest.raises(ValueError, match="Invalid"):
        getattr(optim, name)([minigrad.zeros(1, requires_grad=True)], **bad)


def test_rho_one_is_allowed_as_in_torch():
    optim.Adadelta([minigrad.zeros(1, requires_grad=True)], rho=1.0)
    torch.optim.Adadelta([torch.zeros(1, requires_grad=True)], rho=1.0)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_step_bumps_the_version_so_saved_graphs_refuse(name):
    w = minigrad.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    getattr(optim, name)([w]).step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()
