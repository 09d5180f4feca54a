"""Side by side with PyTorch: the same MLP, weights and batches trained 20 steps per optimizer
give the same losses and parameters within float32 tolerance."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad
import minigrad.optim as optim
from minigrad.optim import lr_scheduler
from minigrad.random import get_rng

torch = pytest.importorskip("torch", reason="PyTorch parity tests need torch (CI: torch==2.13.0)")


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tiny matrices: torch's thread pool only adds contention (restored afterwards)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


STEPS = 20
SIZES = (12, 16, 5)  # in, hidden, classes
BATCH = 24


def _setup():
    """Weights (torch Linear layout: W is (out, in)) and 20 batches, all from minigrad.random."""
    rng = get_rng()
    d_in, h, k = SIZES
    weights = [
        (rng.standard_normal((h, d_in)) * np.sqrt(2.0 / d_in)).astype(np.float32),
        (rng.standard_normal(h) * 0.1).astype(np.float32),
        (rng.standard_normal((k, h)) * np.sqrt(2.0 / h)).astype(np.float32),
        (rng.standard_normal(k) * 0.1).astype(np.float32),
    ]
    batches = [
        (rng.standard_normal((BATCH, d_in)).astype(np.float32), rng.integers(0, k, BATCH))
        for _ in range(STEPS)
    ]
    return weights, batches


def _mg_loss(params, x, y):
    """Cross-entropy of a 2-layer ReLU MLP built from core ops (logsumexp - gathered logit)."""
    W1, b1, W2, b2 = params
    logits = minigrad.relu(x @ W1.T + b1) @ W2.T + b2
    picked = logits.gather(1, minigrad.tensor(y[:, None])).squeeze(1)
    return (logits.logsumexp(dim=1) - picked).mean()


def _torch_loss(params, x, y):
    W1, b1, W2, b2 = params
    logits = torch.relu(x @ W1.T + b1) @ W2.T + b2
    return torch.nn.functional.cross_entropy(logits, y)


def _groups(params, group_lrs):
    if group_lrs is None:
        return params
    return [{"params": params[:2], "lr": group_lrs[0]}, {"params": params[2:], "lr": group_lrs[1]}]


def _run_both(mg_factory, torch_factory, group_lrs=None, sched=None, skip_grad=False):
    weights, batches = _setup()
    mp = [minigrad.tensor(w.copy(), requires_grad=True) for w in weights]
    tp = [torch.tensor(w.copy(), requires_grad=True) for w in weights]
    mopt, topt = mg_factory(_groups(mp, group_lrs)), torch_factory(_groups(tp, group_lrs))
    msched = tsched = None
    if sched is not None:
        msched, tsched = sched[0](mopt), sched[1](topt)
    mlosses, tlosses = [], []
    for i, (x, y) in enumerate(batches):
        mopt.zero_grad()
        topt.zero_grad()
        ml = _mg_loss(mp, minigrad.tensor(x), y)
        tl = _torch_loss(tp, torch.from_numpy(x), torch.from_numpy(y))
        ml.backward()
        tl.backward()
        if skip_grad and i % 3 == 0:  # a parameter without a gradient this step is skipped
            mp[3].grad, tp[3].grad = None, None
        mopt.step()
        topt.step()
        if msched is not None:
            msched.step()
            tsched.step()
            assert msched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)
        mlosses.append(ml.item())
        tlosses.append(tl.item())
    return mp, tp, np.array(mlosses), np.array(tlosses)


def _assert_same(mp, tp, ml, tl):
    np.testing.assert_allclose(ml, tl, rtol=2e-5, atol=1e-6)
    for m, t in zip(mp, tp):
        np.testing.assert_allclose(m._data, t.detach().numpy(), rtol=1e-4, atol=2e-5)
    assert ml[-1] < ml[0] or ml[-1] > ml[0]  # a real run: the loss moved


CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.2, "weight_decay": 1e-2}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3}),
    ("SGD", {"lr": 0.01, "momentum": 0.5, "maximize": True, "weight_decay": 1e-2}),
    ("Adagrad", {"lr": 0.05}),
    ("Adagrad", {"lr": 0.05, "lr_decay": 0.01, "weight_decay": 1e-2,
                 "initial_accumulator_value": 0.1, "eps": 1e-7}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.005, "alpha": 0.9, "momentum": 0.8, "centered": True,
                 "weight_decay": 1e-2}),
    ("RMSprop", {"lr": 0.005, "momentum": 0.5, "maximize": True}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 1e-2,
              "amsgrad": True}),
    ("Adam", {"lr": 0.01, "decoupled_weight_decay": True, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True, "maximize": True}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 1e-2}),
    ("Adamax", {"lr": 0.01, "weight_decay": 1e-2}),
    ("NAdam", {"lr": 0.01}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.01}),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
]  # fmt: skip


@pytest.mark.parametrize("kind,hp", CASES, ids=lambda c: str(c))
def test_twenty_steps_match_torch(kind, hp):
    mp, tp, ml, tl = _run_both(
        lambda p: getattr(optim, kind)(p, **hp),
        lambda p: getattr(torch.optim, kind)(p, **hp),
        skip_grad=True,
    )
    _assert_same(mp, tp, ml, tl)


@pytest.mark.parametrize(
    "alias,torch_kind,torch_hp",
    [
        ("Momentum", "SGD", {"lr": 0.01, "momentum": 0.9}),
        ("Nesterov", "SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True}),
        ("AdaGrad", "Adagrad", {"lr": 0.01, "eps": 1e-7}),
    ],
)
def test_book_aliases_match_torch_with_book_defaults(alias, torch_kind, torch_hp):
    mp, tp, ml, tl = _run_both(
        lambda p: getattr(optim, alias)(p),
        lambda p: getattr(torch.optim, torch_kind)(p, **torch_hp),
    )
    _assert_same(mp, tp, ml, tl)


@pytest.mark.parametrize(
    "sched",
    [
        ("StepLR", {"step_size": 4, "gamma": 0.5}),
        ("MultiStepLR", {"milestones": [3, 7, 7, 15], "gamma": 0.5}),
        ("ExponentialLR", {"gamma": 0.9}),
        ("CosineAnnealingLR", {"T_max": 6, "eta_min": 1e-3}),
        ("LambdaLR", {"lr_lambda": lambda e: 1.0 / (1 + e)}),
    ],
    ids=lambda s: s[0],
)
def test_param_groups_and_schedulers_match_torch(sched):
    name, kw = sched
    mp, tp, ml, tl = _run_both(
        lambda p: optim.SGD(p, lr=0.05, momentum=0.9),
        lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
        group_lrs=(0.05, 0.1),
        sched=(
            lambda o: getattr(lr_scheduler, name)(o, **kw),
            lambda o: getattr(torch.optim.lr_scheduler, name)(o, **kw),
        ),
    )
    _assert_same(mp, tp, ml, tl)


def test_nn_linear_model_matches_torch():
    """The same 20-step check through minigrad.nn, once it exports Linear."""
    nn = pytest.importorskip("minigrad.nn", reason="minigrad.nn is not there yet")
    if not hasattr(nn, "Linear") or not hasattr(nn, "Sequential"):
        pytest.skip("minigrad.nn does not export Linear/Sequential yet")
    weights, batches = _setup()
    d_in, h, k = SIZES
    mm = nn.Sequential(nn.Linear(d_in, h), nn.ReLU(), nn.Linear(h, k))
    tm = torch.nn.Sequential(torch.nn.Linear(d_in, h), torch.nn.ReLU(), torch.nn.Linear(h, k))
    with minigrad.no_grad(), torch.no_grad():
        for mparam, tparam, w in zip(mm.parameters(), tm.parameters(), weights):
            mparam.copy_(minigrad.tensor(w))
            tparam.copy_(torch.from_numpy(w))
    mopt = optim.Adam(mm.parameters(), lr=0.01)
    topt = torch.optim.Adam(tm.parameters(), lr=0.01)
    ml, tl = [], []
    for x, y in batches:
        mopt.zero_grad()
        topt.zero_grad()
        logits = mm(minigrad.tensor(x))
        picked = logits.gather(1, minigrad.tensor(y[:, None])).squeeze(1)
        loss = (logits.logsumexp(dim=1) - picked).mean()
        tloss = torch.nn.functional.cross_entropy(tm(torch.from_numpy(x)), torch.from_numpy(y))
        loss.backward()
        tloss.backward()
        mopt.step()
        topt.step()
        ml.append(loss.item())
        tl.append(tloss.item())
    _assert_same(list(mm.parameters()), list(tm.parameters()), np.array(ml), np.array(tl))
