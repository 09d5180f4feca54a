"""minigrad.optim: each optimizer against PyTorch's documented formula, the book's formulas, and
the Optimizer contract (groups, lazy state, zero_grad, closures, state dicts, clear errors)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad
import minigrad.optim as optim
from minigrad.random import get_rng

# ---------------------------------------------------------------------------------------------
# Reference: PyTorch's documented algorithms, written out independently in float64.
# Maximize negates the gradient first, as PyTorch's code does (its docs apply it at the end,
# which only differs with weight decay).
# ---------------------------------------------------------------------------------------------


def ref_step(kind: str, hp: dict, w: np.ndarray, g: np.ndarray, s: dict) -> None:
    """One documented step of ``kind`` on ``w`` (in place), state ``s`` (a dict)."""
    lr = hp["lr"]
    g = -g if hp.get("maximize") else g.copy()
    s["t"] = s.get("t", 0) + 1
    t = s["t"]
    wd = hp.get("weight_decay", 0.0)
    if kind == "AdamW":
        w *= 1 - lr * wd
    elif wd:
        g = g + wd * w
    if kind == "SGD":
        mu, tau = hp.get("momentum", 0.0), hp.get("dampening", 0.0)
        if mu:
            s["b"] = g.copy() if t == 1 else mu * s["b"] + (1 - tau) * g
            g = g + mu * s["b"] if hp.get("nesterov") else s["b"]
        w -= lr * g
    elif kind == "Adagrad":
        clr = lr / (1 + (t - 1) * hp.get("lr_decay", 0.0))
        s.setdefault("sum", np.full_like(w, hp.get("initial_accumulator_value", 0.0)))
        s["sum"] = s["sum"] + g * g
        w -= clr * g / (np.sqrt(s["sum"]) + hp.get("eps", 1e-10))
    elif kind == "RMSprop":
        a, mu, eps = hp.get("alpha", 0.99), hp.get("momentum", 0.0), hp.get("eps", 1e-8)
        s["v"] = a * s.get("v", 0.0) + (1 - a) * g * g
        v = s["v"]
        if hp.get("centered"):
            s["gavg"] = a * s.get("gavg", 0.0) + (1 - a) * g
            v = v - s["gavg"] ** 2
        if mu > 0:
            s["b"] = mu * s.get("b", 0.0) + g / (np.sqrt(v) + eps)
            w -= lr * s["b"]
        else:
            w -= lr * g / (np.sqrt(v) + eps)
    else:  # Adam / AdamW
        b1, b2 = hp.get("betas", (0.9, 0.999))
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        mhat = s["m"] / (1 - b1**t)
        v = s["v"]
        if hp.get("amsgrad"):
            s["vmax"] = np.maximum(s.get("vmax", 0.0), v)
            v = s["vmax"]
        vhat = v / (1 - b2**t)
        w -= lr * mhat / (np.sqrt(vhat) + hp.get("eps", 1e-8))


CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.02}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "maximize": True, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.01,
                 "initial_accumulator_value": 0.2, "eps": 1e-6}),
    ("Adagrad", {"lr": 0.1, "maximize": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.7, "centered": True}),
    ("RMSprop", {"lr": 0.01, "weight_decay": 0.1, "momentum": 0.5, "maximize": True}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "maximize": True}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
]  # fmt: skip


def _grads(rng: np.random.Generator, shapes, steps: int, scale: float = 1.0):
    return [[rng.standard_normal(s) * scale for s in shapes] for _ in range(steps)]


@pytest.mark.parametrize("kind,hp", CONFIGS, ids=lambda c: str(c))
def test_matches_documented_formula_step_by_step(kind, hp):
    rng = get_rng()
    shapes = [(3, 4), (5,)]
    init = [rng.standard_normal(s) for s in shapes]
    params = [minigrad.tensor(a.copy(), requires_grad=True) for a in init]
    ref_w, ref_s = [a.copy() for a in init], [{}, {}]
    opt = getattr(optim, kind)(params, **hp)
    for step, grads in enumerate(_grads(rng, shapes, 8)):
        for i, (p, g) in enumerate(zip(params, grads)):
            skip = i == 1 and step in (2, 3)  # a parameter without a gradient is skipped
            p.grad = None if skip else minigrad.tensor(g)
            if not skip:
                ref_step(kind, hp, ref_w[i], g, ref_s[i])
        opt.step()
        for p, w in zip(params, ref_w):
            np.testing.assert_allclose(p._data, w, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind,hp", CONFIGS, ids=lambda c: str(c))
def test_update_in_place_float32_no_graph_grad_untouched(kind, hp):
    p = minigrad.randn(4, 3, requires_grad=True)
    data = p._data
    opt = getattr(optim, kind)([p], **hp)
    for _ in range(3):
        p.grad = minigrad.randn(4, 3)
        before = p.grad._data.copy()
        opt.step()
        np.testing.assert_array_equal(p.grad._data, before)  # the gradient is read, not written
    assert p._data is data and p.dtype == np.float32 and p.is_leaf and p.grad_fn is None
    for v in opt.state[p].values():
        if isinstance(v, minigrad.Tensor):
            assert v.dtype == np.float32 and v.shape == p.shape


# ---------------------------------------------------------------------------------------------
# The book's formulas (common/optimizer.py), in float64, keyed like the book's params dict.
# ---------------------------------------------------------------------------------------------


class Book:
    """The book's update rules, transcribed."""

    def __init__(self, kind: str, lr: float, momentum: float = 0.9, rho: float = 0.99) -> None:
        self.kind, self.lr, self.m, self.rho = kind, lr, momentum, rho
        self.v = self.h = None
        self.iter, self.b1, self.b2 = 0, 0.9, 0.999

    def update(self, W: np.ndarray, g: np.ndarray) -> None:
        lr, m = self.lr, self.m
        if self.kind == "SGD":
            W -= lr * g
        elif self.kind == "Momentum":
            self.v = np.zeros_like(W) if self.v is None else self.v
            self.v = m * self.v - lr * g
            W += self.v
        elif self.kind == "Nesterov":  # after the 2021 fix: v updated after W
            self.v = np.zeros_like(W) if self.v is None else self.v
            W += m * m * self.v
            W -= (1 + m) * lr * g
            self.v = m * self.v - lr * g
        elif self.kind == "AdaGrad":
            self.h = np.zeros_like(W) if self.h is None else self.h
            self.h += g * g
            W -= lr * g / (np.sqrt(self.h) + 1e-7)
        elif self.kind == "RMSprop":
            self.h = np.zeros_like(W) if self.h is None else self.h
            self.h *= self.rho
            self.h += (1 - self.rho) * g * g
            W -= lr * g / (np.sqrt(self.h) + 1e-7)
        else:  # Adam
            if self.v is None:
                self.mm, self.v = np.zeros_like(W), np.zeros_like(W)
            self.iter += 1
            lr_t = lr * np.sqrt(1.0 - self.b2**self.iter) / (1.0 - self.b1**self.iter)
            self.mm += (1 - self.b1) * (g - self.mm)
            self.v += (1 - self.b2) * (g**2 - self.v)
            W -= lr_t * self.mm / (np.sqrt(self.v) + 1e-7)


def _run_pair(book: Book, opt_factory, grad_fn, w0: np.ndarray, steps: int, lr_at=None):
    """Positions of the book's rule and of a minigrad optimizer on the same gradient field."""
    w_book = w0.copy()
    p = minigrad.tensor(w0.copy(), requires_grad=True)
    opt = opt_factory([p])
    out_book, out_ours = [], []
    for k in range(steps):
        if lr_at is not None and k in lr_at:
            book.lr = lr_at[k]
            opt.param_groups[0]["lr"] = lr_at[k]
        out_book.append(w_book.copy())
        out_ours.append(p._data.copy())
        book.update(w_book, grad_fn(w_book))
        p.grad = minigrad.tensor(grad_fn(p._data))
        opt.step()
    return np.array(out_book), np.array(out_ours)


def _df(w: np.ndarray) -> np.ndarray:
    """Gradient of the book's f(x, y) = x**2/20 + y**2."""
    return np.array([w[0] / 10.0, 2.0 * w[1]])


START = np.array([-7.0, 2.0])


def test_book_sgd_is_pytorch_sgd_bit_for_bit():
    b, o = _run_pair(Book("SGD", 0.95), lambda p: optim.SGD(p, lr=0.95), _df, START, 30)
    np.testing.assert_array_equal(b, o)


@pytest.mark.parametrize("name", ["Momentum", "Nesterov"])
def test_book_momentum_nesterov_equal_pytorch_form_for_constant_lr(name):
    """Book ``v = m*v - lr*g; W += v`` is PyTorch's ``b = m*b + g; W -= lr*b`` with v = -lr*b:
    the same weights up to rounding (here 1e-12) for a constant learning rate. With a schedule
    they part (by > 1e-2 here): the book's v carries the old lr into the following steps."""
    factory = getattr(optim, name)
    b, o = _run_pair(Book(name, 0.1), lambda p: factory(p, lr=0.1), _df, START, 30)
    np.testing.assert_allclose(o, b, rtol=0, atol=1e-12)
    assert np.abs(b[-1] - b[0]).max() > 1.0  # the path really moved
    b, o = _run_pair(Book(name, 0.1), lambda p: factory(p, lr=0.1), _df, START, 30,
                     lr_at={10: 0.02})  # fmt: skip
    assert np.allclose(o[:11], b[:11], atol=1e-12) and np.abs(o[11:] - b[11:]).max() > 1e-2


@pytest.mark.parametrize("name,lr,cls,default_gap", [
    ("AdaGrad", 1.5, "Adagrad", 1e-6),  # book 1e-7 vs PyTorch 1e-10: the path moves 3.7e-7
    ("RMSprop", 0.1, "RMSprop", 1e-5),  # book 1e-7 vs PyTorch 1e-8: the path moves 2.9e-6
])  # fmt: skip
def test_book_adagrad_rmsprop_differ_only_in_eps(name, lr, cls, default_gap):
    """Same formula and eps placement (outside the sqrt) as PyTorch; only eps's value differs.
    With the book's eps=1e-7 (the AdaGrad alias's default) the path is the book's to 1e-12;
    PyTorch's default eps moves the paths-experiment path by less than ``default_gap``."""
    factory = getattr(optim, cls)
    b, o = _run_pair(Book(name, lr), lambda p: factory(p, lr=lr, eps=1e-7), _df, START, 30)
    np.testing.assert_allclose(o, b, rtol=0, atol=1e-12)
    _, o = _run_pair(Book(name, lr), lambda p: getattr(optim, name)(p, lr=lr), _df, START, 30)
    if name == "AdaGrad":  # the alias: the book's defaults
        np.testing.assert_allclose(o, b, rtol=0, atol=1e-12)
    _, d = _run_pair(Book(name, lr), lambda p: factory(p, lr=lr), _df, START, 30)
    assert 0 < np.abs(d - b).max() < default_gap


def test_book_adam_is_pytorch_adam_with_step_dependent_eps():
    """The book's folded bias correction equals PyTorch's update with eps_t = 1e-7/sqrt(1-b2^t):
    proven by running adam_update with that eps; the default 1e-8 moves the paths experiment's
    path (lr=0.3, 30 steps) by 9.5e-6 at most, invisible in its plot."""
    from minigrad.optim.adam import adam_update

    book = Book("Adam", 0.3)
    w_book, w = START.copy(), START.copy()
    m, v = np.zeros(2), np.zeros(2)
    for t in range(1, 31):
        book.update(w_book, _df(w_book))
        adam_update(w, _df(w), m, v, None, t, lr=0.3, eps=1e-7 / math.sqrt(1 - 0.999**t))
        np.testing.assert_allclose(w, w_book, rtol=0, atol=1e-12)
    b, o = _run_pair(Book("Adam", 0.3), lambda p: optim.Adam(p, lr=0.3), _df, START, 30)
    assert 0 < np.abs(o - b).max() < 2e-5


def test_book_adam_differs_visibly_for_tiny_gradients():
    """Where |g| is near eps the forms part: for |g| = 1e-6 the book's first step is only about
    24% of PyTorch's (its eps_1 = 1e-7/sqrt(1e-3) = 3.2e-6 against 1e-8)."""
    grad = lambda w: np.full_like(w, 1e-6)  # noqa: E731
    b, o = _run_pair(Book("Adam", 1e-3), lambda p: optim.Adam(p, lr=1e-3), grad, START, 2)
    ratio = (b[1] - b[0]) / (o[1] - o[0])
    np.testing.assert_allclose(ratio, (1e-6 + 1e-8) / (1e-6 + 1e-7 / math.sqrt(1e-3)), rtol=1e-6)
    assert np.all(ratio < 0.25)


def test_book_paths_experiment_settings_run():
    """SGD 0.95, Momentum 0.1, AdaGrad 1.5, Adam 0.3 on x^2/20 + y^2 from (-7, 2), 30 points:
    minigrad's path stays within 1e-5 of the book's formula for each."""
    runs = {
        "SGD": (Book("SGD", 0.95), lambda p: optim.SGD(p, lr=0.95)),
        "Momentum": (Book("Momentum", 0.1), lambda p: optim.Momentum(p, lr=0.1)),
        "AdaGrad": (Book("AdaGrad", 1.5), lambda p: optim.AdaGrad(p, lr=1.5)),
        "Adam": (Book("Adam", 0.3), lambda p: optim.Adam(p, lr=0.3)),
    }
    for name, (book, factory) in runs.items():
        b, o = _run_pair(book, factory, _df, START, 30)
        assert b.shape == (30, 2)
        np.testing.assert_allclose(o, b, atol=1e-5, err_msg=name)
        assert np.linalg.norm(o[-1]) < np.linalg.norm(START), name  # each approaches the min


# ---------------------------------------------------------------------------------------------
# The Optimizer contract
# ---------------------------------------------------------------------------------------------


def _p(*shape):
    return minigrad.randn(*shape, requires_grad=True)


def test_aliases_build_the_right_optimizer_with_book_defaults():
    p = [_p(2)]
    m, n, a = optim.Momentum(p), optim.Nesterov(p), optim.AdaGrad(p)
    assert isinstance(m, optim.SGD) and isinstance(n, optim.SGD)
    assert isinstance(a, optim.Adagrad)
    g = m.param_groups[0]
    assert (g["lr"], g["momentum"], g["nesterov"], g["dampening"]) == (0.01, 0.9, False, 0.0)
    g = n.param_groups[0]
    assert (g["lr"], g["momentum"], g["nesterov"]) == (0.01, 0.9, True)
    assert (a.param_groups[0]["lr"], a.param_groups[0]["eps"]) == (0.01, 1e-7)
    assert optim.Adagrad(p).param_groups[0]["eps"] == 1e-10
    assert optim.Adam(p).param_groups[0]["lr"] == 1e-3


def test_sgd_requires_lr():
    with pytest.raises(ValueError, match="required optimization parameter lr"):
        optim.SGD([_p(2)])
    opt = optim.SGD([{"params": [_p(2)], "lr": 0.5}])  # a group may give it instead
    assert opt.param_groups[0]["lr"] == 0.5


def test_param_groups_filled_from_defaults_and_used():
    a, b = _p(3), _p(3)
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 1.0}], lr=0.1, momentum=0.5)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 1.0]
    assert all(g["momentum"] == 0.5 for g in opt.param_groups)
    a0, b0 = a._data.copy(), b._data.copy()
    a.grad, b.grad = minigrad.ones(3), minigrad.ones(3)
    opt.step()
    np.testing.assert_allclose(a._data, a0 - 0.1)
    np.testing.assert_allclose(b._data, b0 - 1.0)


def test_add_param_group_later_and_overlap_refused():
    a, b = _p(2), _p(2)
    opt = optim.Adam([a], lr=0.1)
    opt.add_param_group({"params": [b], "lr": 0.01})
    assert opt.param_groups[1]["betas"] == (0.9, 0.999) and opt.param_groups[1]["lr"] == 0.01
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [a, b]}, {"params": [b]}], lr=0.1)


_A = minigrad.randn(2, requires_grad=True)


@pytest.mark.parametrize("make,err,match", [
    (lambda: optim.SGD({_A}, lr=0.1), TypeError, "ordered collections"),
    (lambda: optim.SGD([{"params": {_A}}], lr=0.1), TypeError, "ordered collections"),
    (lambda: optim.Adam([_A, _A]), ValueError, "same parameter twice"),
    (lambda: optim.Adam(_A), TypeError, "iterable of Tensors"),
    (lambda: optim.Adam([]), ValueError, "empty parameter list"),
    (lambda: optim.Adam([np.zeros(2)]), TypeError, "only optimize Tensors"),
    (lambda: optim.Adam([_A * 2]), ValueError, "non-leaf"),
    (lambda: optim.Adam([minigrad.tensor([1, 2])]), TypeError, "float Tensors"),
    (lambda: optim.Adam([_A], betas=(0.9, 1.0)), ValueError, "beta parameter at index 1"),
    (lambda: optim.Adam([_A], betas=(math.nan, 0.9)), ValueError, "beta parameter at index 0"),
    (lambda: optim.Adam([_A], eps=-1e-8), ValueError, "epsilon"),
    (lambda: optim.SGD([_A], lr=0.1, momentum=-0.5), ValueError, "momentum"),
    (lambda: optim.RMSprop([_A], weight_decay=-1), ValueError, "weight_decay"),
    (lambda: optim.SGD([_A], lr=0.1, nesterov=True), ValueError, "Nesterov momentum requires"),
    (lambda: optim.SGD([_A], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), ValueError,
     "Nesterov momentum requires"),
    (lambda: optim.Adagrad([_A], lr_decay=-1), ValueError, "lr_decay"),
])  # fmt: skip
def test_bad_params_and_hyperparameters_give_clear_errors(make, err, match):
    with pytest.raises(err, match=match):
        make()


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "Momentum",
                                  "Nesterov", "AdaGrad"])  # fmt: skip
@pytest.mark.parametrize("lr", [-0.1, float("nan"), float("inf"), "0.1", True])
def test_bad_learning_rate_refused(name, lr):
    with pytest.raises(ValueError, match="Invalid learning rate"):
        getattr(optim, name)([_p(2)], lr=lr)
    opt = getattr(optim, name)([_p(2)], lr=0.1)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        opt.add_param_group({"params": [_p(2)], "lr": lr})


def test_zero_grad_to_none_or_zeros():
    a, b = _p(3), _p(3)
    opt = optim.SGD([a, b], lr=0.1)
    (a * b).sum().backward()
    grad_array = a.grad._data
    opt.zero_grad(set_to_none=False)
    assert a.grad._data is grad_array and not a.grad._data.any() and not b.grad._data.any()
    opt.zero_grad()
    assert a.grad is None and b.grad is None
    opt.zero_grad()  # no gradients: nothing to do


def test_params_without_grad_are_skipped_and_get_no_state():
    a, b = _p(3), _p(3)
    opt = optim.Adam([a, b], lr=0.1)
    b0 = b._data.copy()
    a.grad = minigrad.ones(3)
    opt.step()
    np.testing.assert_array_equal(b._data, b0)
    assert b not in opt.state and opt.state[a]["step"] == 1


def test_step_with_closure_returns_loss_and_enables_grad():
    w = _p(3)
    opt = optim.SGD([w], lr=0.1)
    calls = []

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        calls.append(minigrad.is_grad_enabled())
        return loss

    w0 = w._data.copy()
    with minigrad.no_grad():
        loss = opt.step(closure)
    assert calls == [True]
    np.testing.assert_allclose(loss.item(), (w0 * w0).sum(), rtol=1e-6)
    np.testing.assert_allclose(w._data, w0 * 0.8, rtol=1e-6)


def test_state_is_keyed_by_the_parameter_and_created_lazily():
    a = _p(2, 2)
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    assert len(opt.state) == 0
    a.grad = minigrad.ones(2, 2)
    opt.step()
    assert list(opt.state) == [a]
    np.testing.assert_array_equal(opt.state[a]["momentum_buffer"]._data, np.ones((2, 2)))


def test_named_parameters_are_accepted():
    a, b = _p(2), _p(2)
    opt = optim.SGD([("w", a), ("b", b)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["w", "b"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w", "b"]
    with pytest.raises(ValueError, match="with/without names"):
        opt.add_param_group({"params": [_p(2)]})


def _train(opt, params, grads):
    for g in grads:
        for p, gi in zip(params, g):
            p.grad = minigrad.tensor(gi.astype(np.float32))
        opt.step()


@pytest.mark.parametrize("kind,hp", CONFIGS, ids=lambda c: str(c))
def test_state_dict_round_trip_continues_identically(kind, hp):
    rng = get_rng()
    shapes = [(3, 2), (4,)]
    init = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grads = _grads(rng, shapes, 6)
    a = [minigrad.tensor(x.copy(), requires_grad=True) for x in init]
    opt_a = getattr(optim, kind)(a, **hp)
    _train(opt_a, a, grads[:3])
    sd = opt_a.state_dict()
    assert sorted(sd) == ["param_groups", "state"] and sd["param_groups"][0]["params"] == [0, 1]
    b = [minigrad.tensor(p._data.copy(), requires_grad=True) for p in a]
    opt_b = getattr(optim, kind)(b, lr=123.0)  # hyperparameters come from the state dict
    opt_b.load_state_dict(sd)
    assert opt_b.param_groups[0]["lr"] == hp["lr"] and opt_b.param_groups[0]["params"][0] is b[0]
    _train(opt_a, a, grads[3:])
    _train(opt_b, b, grads[3:])
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x._data, y._data)


def test_state_dict_is_a_snapshot():
    a = _p(3)
    opt = optim.Adam([a], lr=0.1)
    a.grad = minigrad.ones(3)
    opt.step()
    sd = opt.state_dict()
    saved = sd["state"][0]["exp_avg"]._data.copy()
    opt.step()
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"]._data, saved)
    assert sd["state"][0]["step"] == 1


def test_load_state_dict_checks_sizes_and_casts():
    a, b, c = _p(3), _p(3), _p(3)
    opt = optim.Adam([a, b], lr=0.1)
    for p in (a, b):
        p.grad = minigrad.ones(3)
    opt.step()
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.Adam([{"params": [a]}, {"params": [b]}]).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match"):
        optim.Adam([a, b, c]).load_state_dict(sd)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        optim.Adam([a, b]).load_state_dict({"state": {}})
    bad = opt.state_dict()
    bad["state"][0]["exp_avg"] = minigrad.zeros(4)
    with pytest.raises(ValueError, match="shape"):
        optim.Adam([a, b]).load_state_dict(bad)
    bad = opt.state_dict()
    bad["state"][7] = {}
    with pytest.raises(ValueError, match="no group"):
        optim.Adam([a, b]).load_state_dict(bad)
    bad = opt.state_dict()
    bad["param_groups"][0]["lr"] = float("nan")
    with pytest.raises(ValueError, match="Invalid learning rate"):
        optim.Adam([a, b]).load_state_dict(bad)
    f64 = opt.state_dict()
    f64["state"][0]["exp_avg"] = np.ones(3)  # float64 ndarray and a PyTorch-style 0-d step
    f64["state"][0]["step"] = minigrad.tensor(1.0)
    new = optim.Adam([a, b])
    new.load_state_dict(f64)
    assert new.state[a]["exp_avg"].dtype == np.float32 and new.state[a]["step"] == 1


def test_adamw_stays_decoupled_after_load():
    a = _p(2)
    sd = optim.Adam([a], weight_decay=0.1).state_dict()
    w = optim.AdamW([a])
    w.load_state_dict(sd)
    assert w.param_groups[0]["decoupled_weight_decay"] is True


def test_repr_lists_groups():
    text = repr(optim.SGD([_p(2)], lr=0.1, momentum=0.9))
    assert text.startswith("SGD (") and "lr: 0.1" in text and "momentum: 0.9" in text


def test_grad_of_wrong_shape_is_refused():
    a = _p(3)
    opt = optim.SGD([a], lr=0.1)
    a.grad = minigrad.ones(1)
    with pytest.raises(RuntimeError, match="gradient of shape"):
        opt.step()
