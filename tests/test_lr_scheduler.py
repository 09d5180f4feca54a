"""minigrad.optim.lr_scheduler: closed forms, PyTorch's stepping contract, state dicts, errors,
and (where torch is installed) the same lr sequences as torch.optim.lr_scheduler."""

from __future__ import annotations

import math
import warnings

import pytest

import minigrad
import minigrad.optim as optim
from minigrad.optim import lr_scheduler as S
from minigrad.serialization import load, save


def _opt(lrs=(0.1,), kind="SGD"):
    groups = [{"params": [minigrad.randn(2, requires_grad=True)], "lr": lr} for lr in lrs]
    return getattr(optim, kind)(groups, lr=lrs[0])


def _sequence(sched, n, metrics=None):
    """``get_last_lr()`` after each of ``n`` (optimizer.step, scheduler.step) rounds."""
    out = [sched.get_last_lr()]
    for i in range(n):
        sched.optimizer.step()
        sched.step() if metrics is None else sched.step(metrics[i])
        out.append(sched.get_last_lr())
    return out


def test_step_lr_closed_form():
    seq = _sequence(S.StepLR(_opt((0.1, 1.0)), step_size=3, gamma=0.5), 10)
    for e, lrs in enumerate(seq):
        assert lrs == pytest.approx([0.1 * 0.5 ** (e // 3), 1.0 * 0.5 ** (e // 3)], rel=1e-12)


def test_multistep_lr_counts_repeated_milestones():
    seq = _sequence(S.MultiStepLR(_opt(), milestones=[5, 2, 5], gamma=0.1), 7)
    expect = [0.1, 0.1, 0.01, 0.01, 0.01, 1e-4, 1e-4, 1e-4]
    assert [s[0] for s in seq] == pytest.approx(expect, rel=1e-12)


def test_exponential_lr_closed_form():
    seq = _sequence(S.ExponentialLR(_opt(), gamma=0.9), 6)
    assert [s[0] for s in seq] == pytest.approx([0.1 * 0.9**e for e in range(7)], rel=1e-12)


def test_cosine_annealing_follows_cosine_and_comes_back():
    T, lo = 5, 0.01
    seq = [s[0] for s in _sequence(S.CosineAnnealingLR(_opt(), T_max=T, eta_min=lo), 3 * T)]
    for e, lr in enumerate(seq):
        assert lr == pytest.approx(lo + (0.1 - lo) * (1 + math.cos(math.pi * e / T)) / 2,
                                   rel=1e-9, abs=1e-15)  # fmt: skip
    assert seq[T] == pytest.approx(lo) and seq[2 * T] == pytest.approx(0.1)


def test_lambda_lr_one_function_per_group():
    opt = _opt((0.1, 1.0))
    seq = _sequence(S.LambdaLR(opt, [lambda e: 0.5**e, lambda e: 1.0 / (1 + e)]), 4)
    for e, lrs in enumerate(seq):
        assert lrs == pytest.approx([0.1 * 0.5**e, 1.0 / (1 + e)])


def test_scheduler_writes_group_lr_and_sets_initial_lr():
    opt = _opt((0.1, 0.2))
    sched = S.StepLR(opt, step_size=1, gamma=0.5)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.2]
    assert sched.base_lrs == [0.1, 0.2]
    opt.step()
    sched.step()
    assert [g["lr"] for g in opt.param_groups] == [0.05, 0.1]
    last = sched.get_last_lr()
    last.append(99)  # a copy: the scheduler's own list is untouched
    assert sched.get_last_lr() == [0.05, 0.1]


def test_resuming_needs_initial_lr():
    with pytest.raises(KeyError, match="initial_lr"):
        S.StepLR(_opt(), step_size=2, last_epoch=4)
    opt = _opt()
    opt.param_groups[0]["initial_lr"] = 0.1
    sched = S.StepLR(opt, step_size=2, last_epoch=4)
    assert sched.last_epoch == 5


def test_warns_when_stepped_before_the_optimizer():
    sched = S.StepLR(_opt(), step_size=2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    opt = _opt()
    sched = S.StepLR(opt, step_size=2)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()


def test_step_with_epoch_uses_the_closed_form():
    opt = _opt()
    sched = S.StepLR(opt, step_size=3, gamma=0.1)
    opt.step()
    with pytest.warns(UserWarning, match="deprecated"):
        sched.step(7)
    assert sched.get_last_lr() == pytest.approx([0.1 * 0.1**2])


def _plateau_lrs(metrics, **kw):
    sched = S.ReduceLROnPlateau(_opt((1.0,)), **kw)
    return [s[0] for s in _sequence(sched, len(metrics), metrics)][1:]


def test_reduce_on_plateau_patience_cooldown_min_lr():
    flat = [1.0] * 12
    assert _plateau_lrs(flat, patience=2) == pytest.approx([1] * 3 + [0.1] * 3 + [0.01] * 3
                                                           + [1e-3] * 3)  # fmt: skip
    assert _plateau_lrs(flat, patience=1, cooldown=2, factor=0.5) == pytest.approx(
        [1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.125, 0.125]
    )
    assert min(_plateau_lrs(flat, patience=0, min_lr=0.05)) == 0.05
    improving = [1.0 / (1 + i) for i in range(12)]
    assert _plateau_lrs(improving, patience=0) == [1.0] * 12


def test_reduce_on_plateau_thresholds_and_max_mode():
    tiny = [1.0 - 1e-6 * i for i in range(6)]  # improves, but by less than the rel threshold
    assert _plateau_lrs(tiny, patience=1)[-1] < 1.0
    assert _plateau_lrs(tiny, patience=1, threshold=0.0)[-1] == 1.0
    slow = [1.0, 0.95, 0.9, 0.85]  # improves by 0.05 an epoch: not enough for abs 0.1
    assert _plateau_lrs(slow, patience=0, threshold_mode="abs",
                        threshold=0.1) == pytest.approx([1.0, 0.1, 0.01, 0.01])  # fmt: skip
    assert _plateau_lrs(slow, patience=0) == [1.0] * 4
    rising = [float(i) for i in range(6)]
    assert _plateau_lrs(rising, mode="max", patience=0) == [1.0] * 6
    assert _plateau_lrs(rising, mode="min", patience=0)[-1] < 1.0


def test_reduce_on_plateau_respects_eps():
    assert _plateau_lrs([1.0] * 4, patience=0, min_lr=0.99999999999, eps=1e-8) == [1.0] * 4


def test_bad_arguments_give_clear_errors():
    with pytest.raises(TypeError, match="is not an Optimizer"):
        S.StepLR(object(), step_size=1)
    with pytest.raises(ValueError, match="step_size"):
        S.StepLR(_opt(), step_size=0)
    with pytest.raises(ValueError, match="T_max"):
        S.CosineAnnealingLR(_opt(), T_max=0)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas"):
        S.LambdaLR(_opt((0.1, 0.2)), [lambda e: 1.0])
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        S.ReduceLROnPlateau(_opt(), factor=1.0)
    with pytest.raises(ValueError, match="mode 'median' is unknown"):
        S.ReduceLROnPlateau(_opt(), mode="median")
    with pytest.raises(ValueError, match="threshold mode"):
        S.ReduceLROnPlateau(_opt(), threshold_mode="pct")
    with pytest.raises(ValueError, match="expected 2 min_lrs"):
        S.ReduceLROnPlateau(_opt((0.1, 0.2)), min_lr=[0.0])


class _Warmup:
    """A callable object: LambdaLR saves its __dict__ (PyTorch does the same)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __call__(self, e: int) -> float:
        return min(1.0, (e + 1) / self.n)


SCHEDULERS = [
    lambda o: S.StepLR(o, step_size=3, gamma=0.5),
    lambda o: S.MultiStepLR(o, milestones=[2, 5], gamma=0.3),
    lambda o: S.ExponentialLR(o, gamma=0.8),
    lambda o: S.CosineAnnealingLR(o, T_max=4, eta_min=1e-3),
    lambda o: S.LambdaLR(o, _Warmup(5)),
    lambda o: S.ReduceLROnPlateau(o, patience=1, cooldown=1, factor=0.5),
]
METRICS = [3.0, 2.0, 2.0, 2.0, 2.5, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5]


@pytest.mark.parametrize("make", SCHEDULERS, ids=["step", "multistep", "exp", "cos", "lambda",
                                                  "plateau"])  # fmt: skip
def test_state_dict_through_save_load_resumes_the_sequence(make, tmp_path):
    plateau = isinstance(make(_opt()), S.ReduceLROnPlateau)
    m = METRICS if plateau else None
    full = _sequence(make(_opt((0.1, 0.3))), 12, m)
    opt = _opt((0.1, 0.3))
    sched = make(opt)
    _sequence(sched, 5, m)
    save({"opt": opt.state_dict(), "sched": sched.state_dict()}, tmp_path / "ck")
    ck = load(tmp_path / "ck")
    opt2 = _opt((7.0, 7.0))
    sched2 = make(opt2)
    if isinstance(sched2, S.LambdaLR):
        sched2.lr_lambdas[0].n = 99  # restored from the state dict below
    opt2.load_state_dict(ck["opt"])
    sched2.load_state_dict(ck["sched"])
    rest = _sequence(sched2, 7, m[5:] if m else None)
    assert rest == full[5:]


# ---- parity with torch.optim.lr_scheduler ----------------------------------------------------


def _torch_pair(lrs):
    torch = pytest.importorskip("torch", reason="lr sequence parity needs torch (CI: 2.13.0)")
    groups = [{"params": [torch.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs]
    return torch, torch.optim.SGD(groups, lr=lrs[0]), _opt(lrs)


PARITY = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [2, 5, 5, 9], "gamma": 0.3}),
    ("ExponentialLR", {"gamma": 0.93}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 1e-4}),
    ("CosineAnnealingLR", {"T_max": 3}),
    ("LambdaLR", {"lr_lambda": lambda e: 0.95**e}),
]


@pytest.mark.parametrize("name,kw", PARITY, ids=lambda c: str(c))
def test_lr_sequence_matches_torch(name, kw):
    torch, topt, mopt = _torch_pair((0.1, 0.25))
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kw)
    msched = getattr(S, name)(mopt, **kw)
    ours, theirs = [msched.get_last_lr()], [tsched.get_last_lr()]
    for _ in range(25):
        topt.step()
        tsched.step()
        mopt.step()
        msched.step()
        ours.append(msched.get_last_lr())
        theirs.append(tsched.get_last_lr())
    assert ours == theirs  # the same float operations in the same order: bit for bit


@pytest.mark.parametrize("kw", [
    {"patience": 2},
    {"patience": 1, "cooldown": 2, "factor": 0.5, "min_lr": [0.01, 0.0]},
    {"mode": "max", "patience": 0, "threshold_mode": "abs", "threshold": 0.2},
], ids=str)  # fmt: skip
def test_plateau_matches_torch(kw):
    torch, topt, mopt = _torch_pair((0.1, 0.25))
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kw)
    msched = S.ReduceLROnPlateau(mopt, **kw)
    metrics = [1.0, 0.9, 0.95, 0.95, 0.8, 0.8, 0.8, 0.8, 1.1, 0.7, 0.7, 0.7, 0.7, 0.7, 0.6]
    for x in metrics:
        topt.step()
        mopt.step()
        tsched.step(x)
        msched.step(x)
        assert msched.get_last_lr() == tsched.get_last_lr()
        assert msched.num_bad_epochs == tsched.num_bad_epochs
