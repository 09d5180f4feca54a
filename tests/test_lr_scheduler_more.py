"""LinearLR, ConstantLR, SequentialLR, PolynomialLR, CosineAnnealingWarmRestarts, CyclicLR and
OneCycleLR side by side with torch.optim.lr_scheduler: the same learning rates (and momentum or
beta1 where cycled) bit for bit at every step, closed forms, fractional epochs, state dicts
through save/load, and the same errors."""

from __future__ import annotations

import pytest

import minigrad
import minigrad.optim as optim
from minigrad.optim import lr_scheduler as S
from minigrad.serialization import load, save

torch = pytest.importorskip("torch", reason="lr sequence parity needs torch (CI: torch==2.13.0)")

LRS = (0.1, 0.25)


def _opts(kind="SGD", **kw):
    """The same two-group optimizer in minigrad and torch."""
    m = getattr(optim, kind)([{"params": [minigrad.zeros(2, requires_grad=True)], "lr": lr}
                              for lr in LRS], lr=LRS[0], **kw)
    t = getattr(torch.optim, kind)([{"params": [torch.zeros(2, requires_grad=True)], "lr": lr}
                                    for lr in LRS], lr=LRS[0], **kw)
    return m, t


def _momenta(opt):
    return [g["betas"][0] if "betas" in g else g.get("momentum") for g in opt.param_groups]


def _run(sched, n):
    """(lrs, momenta) after each of ``n`` (optimizer.step, scheduler.step) rounds."""
    out = [(sched.get_last_lr(), _momenta(sched.optimizer))]
    for _ in range(n):
        sched.optimizer.step()
        sched.step()
        out.append((list(sched.get_last_lr()), _momenta(sched.optimizer)))
    return out


def _seq_torch(lib, opt):
    mod = S if lib is S else torch.optim.lr_scheduler
    return mod.SequentialLR(opt, [mod.LinearLR(opt, start_factor=0.1, total_iters=4),
                                  mod.CosineAnnealingLR(opt, T_max=6),
                                  mod.ExponentialLR(opt, gamma=0.9)], milestones=[4, 10])


def _seq_const(lib, opt):
    mod = S if lib is S else torch.optim.lr_scheduler
    return mod.SequentialLR(opt, [mod.ConstantLR(opt, factor=0.5, total_iters=3),
                                  mod.StepLR(opt, step_size=2, gamma=0.5)], milestones=[5])


CASES = {
    "linear": ("SGD", {}, lambda L, o: L.LinearLR(o), 12),
    "linear_custom": ("SGD", {}, lambda L, o: L.LinearLR(o, 0.25, 0.75, total_iters=7), 12),
    "linear_down": ("SGD", {}, lambda L, o: L.LinearLR(o, 1.0, 0.0, total_iters=6), 9),
    "constant": ("SGD", {}, lambda L, o: L.ConstantLR(o), 10),
    "constant_half": ("SGD", {}, lambda L, o: L.ConstantLR(o, factor=0.5, total_iters=3), 8),
    "poly": ("SGD", {}, lambda L, o: L.PolynomialLR(o), 9),
    "poly_power": ("SGD", {}, lambda L, o: L.PolynomialLR(o, total_iters=8, power=2.5), 12),
    "warm_restarts": ("SGD", {}, lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=4), 20),
    "warm_restarts_mult": ("SGD", {}, lambda L, o: L.CosineAnnealingWarmRestarts(
        o, T_0=3, T_mult=2, eta_min=1e-3), 30),
    "sequential": ("SGD", {}, lambda L, o: _seq_torch(L, o), 20),
    "sequential_const": ("SGD", {}, lambda L, o: _seq_const(L, o), 12),
    "cyclic": ("SGD", {"momentum": 0.9}, lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=4),
               20),
    "cyclic_tri2": ("SGD", {"momentum": 0.9}, lambda L, o: L.CyclicLR(
        o, [0.01, 0.02], [0.1, 0.3], step_size_up=3, step_size_down=5, mode="triangular2"), 40),
    "cyclic_exp": ("SGD", {"momentum": 0.9}, lambda L, o: L.CyclicLR(
        o, 0.01, 0.1, step_size_up=3, mode="exp_range", gamma=0.95), 30),
    "cyclic_adam": ("Adam", {}, lambda L, o: L.CyclicLR(o, 0.001, 0.01, step_size_up=5,
                                                        base_momentum=0.85,
                                                        max_momentum=0.95), 25),
    "cyclic_no_momentum": ("Adagrad", {}, lambda L, o: L.CyclicLR(
        o, 0.01, 0.1, step_size_up=2, cycle_momentum=False), 10),
    "cyclic_custom_fn": ("SGD", {"momentum": 0.5}, lambda L, o: L.CyclicLR(
        o, 0.01, 0.1, step_size_up=2, scale_fn=lambda x: 0.5**x, scale_mode="iterations"), 15),
    "onecycle": ("SGD", {"momentum": 0.9}, lambda L, o: L.OneCycleLR(o, 0.5, total_steps=30),
                 30),
    "onecycle_linear": ("SGD", {"momentum": 0.9}, lambda L, o: L.OneCycleLR(
        o, [0.5, 1.0], epochs=4, steps_per_epoch=5, anneal_strategy="linear",
        pct_start=0.25), 20),
    "onecycle_three_phase": ("SGD", {"momentum": 0.9}, lambda L, o: L.OneCycleLR(
        o, 0.5, total_steps=25, three_phase=True, div_factor=10.0, final_div_factor=100.0),
        25),
    "onecycle_adam": ("Adam", {}, lambda L, o: L.OneCycleLR(o, 0.01, total_steps=20), 20),
    "onecycle_adamw_betas": ("AdamW", {}, lambda L, o: L.OneCycleLR(
        o, 0.01, total_steps=16, base_momentum=[0.8, 0.7], max_momentum=0.9), 16),
    "onecycle_no_momentum": ("Adagrad", {}, lambda L, o: L.OneCycleLR(
        o, 0.1, total_steps=12, cycle_momentum=False), 12),
    "onecycle_nadam": ("NAdam", {}, lambda L, o: L.OneCycleLR(o, 0.01, total_steps=10), 10),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_sequence_matches_torch_bit_for_bit(name):
    kind, kw, make, n = CASES[name]
    mopt, topt = _opts(kind, **kw)
    ours, theirs = _run(make(S, mopt), n), _run(make(torch.optim.lr_scheduler, topt), n)
    assert ours == theirs


@pytest.mark.parametrize("name", ["linear_custom", "constant_half", "poly_power", "cyclic_tri2",
                                  "cyclic_adam", "onecycle_three_phase", "warm_restarts_mult",
                                  "sequential"])
def test_state_dict_through_save_load_resumes_the_sequence(name, tmp_path):
    kind, kw, make, n = CASES[name]
    full = _run(make(S, _opts(kind, **kw)[0]), n)
    opt, _ = _opts(kind, **kw)
    sched = make(S, opt)
    _run(sched, n // 2)
    save({"opt": opt.state_dict(), "sched": sched.state_dict()}, tmp_path / "ck")
    ck = load(tmp_path / "ck")
    opt2, _ = _opts(kind, **kw)
    sched2 = make(S, opt2)
    opt2.load_state_dict(ck["opt"])
    sched2.load_state_dict(ck["sched"])
    rest = _run(sched2, n - n // 2)
    assert rest == full[n // 2:]


def test_warm_restarts_fractional_epochs_match_torch():
    """The documented use: ``scheduler.step(epoch + i / iters)`` inside each epoch."""
    for t_mult in (1, 2):
        mopt, topt = _opts()
        ms = S.CosineAnnealingWarmRestarts(mopt, T_0=2, T_mult=t_mult, eta_min=0.001)
        ts = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, T_0=2, T_mult=t_mult,
                                                                  eta_min=0.001)
        iters = 5
        for epoch in range(9):
            for i in range(iters):
                mopt.step()
                topt.step()
                ms.step(epoch + i / iters)
                ts.step(epoch + i / iters)
                assert ms.get_last_lr() == ts.get_last_lr()
                assert ms.T_cur == ts.T_cur and ms.T_i == ts.T_i and ms.last_epoch == ts.last_epoch
        with pytest.raises(ValueError, match="non-negative epoch"):
            ms.step(-1)


@pytest.mark.parametrize("make", [
    lambda L, o: L.LinearLR(o, 0.2, 0.9, total_iters=6),
    lambda L, o: L.ConstantLR(o, 0.4, total_iters=4),
    lambda L, o: L.PolynomialLR(o, total_iters=6, power=1.7),
], ids=["linear", "constant", "poly"])
def test_step_with_epoch_uses_the_closed_form_as_torch(make):
    mopt, topt = _opts()
    ms, ts = make(S, mopt), make(torch.optim.lr_scheduler, topt)
    for epoch in (3, 0, 7, 5, 2, 10):
        mopt.step()
        topt.step()
        with pytest.warns(UserWarning):
            ms.step(epoch)
        with pytest.warns(UserWarning):
            ts.step(epoch)
        assert ms.get_last_lr() == ts.get_last_lr()


def test_onecycle_refuses_steps_past_the_total_as_torch():
    mopt, _ = _opts("SGD", momentum=0.9)
    sched = S.OneCycleLR(mopt, 0.1, total_steps=3)
    for _ in range(3):
        mopt.step()
        sched.step()
    with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total"):
        sched.step()


def test_cycled_momentum_is_used_by_the_optimizer():
    """The beta1 OneCycleLR writes is the one Adam's next step reads."""
    w = minigrad.tensor([1.0, -2.0], requires_grad=True)
    opt = optim.Adam([w], lr=0.01)
    sched = S.OneCycleLR(opt, 0.01, total_steps=5)
    assert opt.param_groups[0]["betas"] == (0.95, 0.999)
    opt.step()
    sched.step()
    assert opt.param_groups[0]["betas"][0] < 0.95 and opt.param_groups[0]["betas"][1] == 0.999


BAD = [
    lambda L, o: L.LinearLR(o, start_factor=0.0),
    lambda L, o: L.LinearLR(o, end_factor=1.5),
    lambda L, o: L.ConstantLR(o, factor=1.5),
    lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=0),
    lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
    lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=2.0),
    lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=2, eta_min="0"),
    lambda L, o: L.CyclicLR(o, 0.01, 0.1, mode="sawtooth"),
    lambda L, o: L.CyclicLR(o, [0.01], 0.1),
    lambda L, o: L.OneCycleLR(o, 0.1),
    lambda L, o: L.OneCycleLR(o, 0.1, total_steps=0),
    lambda L, o: L.OneCycleLR(o, 0.1, epochs=2, steps_per_epoch=0),
    lambda L, o: L.OneCycleLR(o, 0.1, total_steps=10, pct_start=1),
    lambda L, o: L.OneCycleLR(o, 0.1, total_steps=10, anneal_strategy="exp"),
    lambda L, o: L.SequentialLR(o, [], milestones=[]),
    lambda L, o: L.SequentialLR(o, [L.ConstantLR(o), L.ConstantLR(o)], milestones=[]),
    lambda L, o: L.SequentialLR(o, [L.ReduceLROnPlateau(o)], milestones=[]),
]


@pytest.mark.parametrize("i", range(len(BAD)))
def test_bad_arguments_raise_as_torch(i):
    mopt, topt = _opts("SGD", momentum=0.9)
    with pytest.raises(Exception) as theirs:
        BAD[i](torch.optim.lr_scheduler, topt)
    with pytest.raises(type(theirs.value)) as ours:
        BAD[i](S, mopt)
    assert str(ours.value) == str(theirs.value)


def test_cycle_momentum_needs_momentum_or_betas_as_torch():
    mopt, topt = _opts("Adagrad")
    for lib, opt in ((torch.optim.lr_scheduler, topt), (S, mopt)):
        with pytest.raises(ValueError, match="must support momentum or beta1"):
            lib.CyclicLR(opt, 0.01, 0.1)
        with pytest.raises(ValueError, match="must support momentum or beta1"):
            lib.OneCycleLR(opt, 0.1, total_steps=5)


def test_sequential_needs_schedulers_of_its_optimizer():
    mopt, _ = _opts()
    other, _ = _opts()
    with pytest.raises(ValueError, match="belong to the same optimizer"):
        S.SequentialLR(mopt, [S.ConstantLR(mopt), S.ConstantLR(other)], milestones=[2])


class _Scale:
    """A callable scale_fn object: its ``__dict__`` travels in the state dict, as in torch."""

    def __init__(self, k):
        self.k = k

    def __call__(self, x):
        return self.k**x


def test_cyclic_state_dict_keeps_a_callable_objects_dict_as_torch():
    mopt, topt = _opts("SGD", momentum=0.9)
    ms = S.CyclicLR(mopt, 0.01, 0.1, step_size_up=2, scale_fn=_Scale(0.5))
    ts = torch.optim.lr_scheduler.CyclicLR(topt, 0.01, 0.1, step_size_up=2, scale_fn=_Scale(0.5))
    assert ms.state_dict()["_scale_fn_custom"] == ts.state_dict()["_scale_fn_custom"] == {"k": 0.5}
    assert set(ms.state_dict()) == set(ts.state_dict()) - {"_get_lr_called_within_step"}
    other = S.CyclicLR(_opts("SGD", momentum=0.9)[0], 0.01, 0.1, step_size_up=2,
                       scale_fn=_Scale(0.9))
    other.load_state_dict(ms.state_dict())
    assert other._scale_fn_custom.k == 0.5
    lam = S.CyclicLR(mopt, 0.01, 0.1, scale_fn=lambda x: 1.0)
    assert lam.state_dict()["_scale_fn_custom"] is None
