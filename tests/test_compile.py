"""minigrad.compile: a replayed step equals the eager step bit for bit (every layer, optimizer
and loss, BatchNorm and Dropout in train and eval), re-traces when what it assumed changes,
warns when it cannot capture, and keeps memory flat. Speed is measured in benchmarks/, never
here."""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.optim as optim
from minigrad.capture import TracerWarning

RNG = np.random.default_rng(11)
X = RNG.standard_normal((16, 6)).astype(np.float32)
T = RNG.integers(0, 3, 16)

LAYERS = {
    "relu": lambda: nn.ReLU(),
    "tanh": lambda: nn.Tanh(),
    "sigmoid": lambda: nn.Sigmoid(),
    "gelu": lambda: nn.GELU(),
    "leaky_relu": lambda: nn.LeakyReLU(0.1),
    "batchnorm": lambda: nn.BatchNorm1d(8),
    "batchnorm_cma": lambda: nn.BatchNorm1d(8, momentum=None),
    "dropout": lambda: nn.Dropout(0.3),
    "identity": lambda: nn.Identity(),
    "softmax": lambda: nn.Softmax(dim=1),
    "log_softmax": lambda: nn.LogSoftmax(dim=1),
}
OPTIMIZERS = {
    "sgd": lambda p: optim.SGD(p, lr=0.05),
    "momentum": lambda p: optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-3),
    "nesterov": lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    "adam": lambda p: optim.Adam(p, lr=1e-2),
    "adamw": lambda p: optim.AdamW(p, lr=1e-2),
    "rmsprop": lambda p: optim.RMSprop(p, lr=1e-2),
    "adagrad": lambda p: optim.Adagrad(p, lr=1e-2),
}
LOSSES = {
    "cross_entropy": (lambda: nn.CrossEntropyLoss(), lambda y: mg.tensor(T)),
    "nll": (lambda: nn.NLLLoss(), lambda y: mg.tensor(T)),
    "mse": (lambda: nn.MSELoss(), lambda y: mg.tensor(RNG.standard_normal(y).astype(np.float32))),
    "bce_logits": (lambda: nn.BCEWithLogitsLoss(),
                   lambda y: mg.tensor((RNG.random(y) > 0.5).astype(np.float32))),
}


def _setup(layer: str, opt: str, loss: str, seed: int = 0):
    mg.manual_seed(seed)
    head = [nn.LogSoftmax(dim=1)] if loss == "nll" else []
    model = nn.Sequential(nn.Linear(6, 8), LAYERS[layer](), nn.Linear(8, 3), *head)
    o = OPTIMIZERS[opt](model.parameters())
    lf = LOSSES[loss][0]()

    def step(x, t):
        o.zero_grad()
        out = lf(model(x), t)
        out.backward()
        o.step()
        return out

    return model, o, step


def _run_both(layer, opt, loss, steps=24, switch=(8, 16)):
    """The same step eagerly and compiled, re-seeded alike before every call, with an
    eval() phase in the middle; every loss, parameter, gradient and buffer must agree."""
    target = LOSSES[loss][1]((16, 3))
    x = mg.tensor(X)
    m1, _, s1 = _setup(layer, opt, loss)
    m2, _, s2 = _setup(layer, opt, loss)
    c2 = mg.compile(s2)
    for i in range(steps):
        if i == switch[0]:
            m1.eval(), m2.eval()
        if i == switch[1]:
            m1.train(), m2.train()
        mg.manual_seed(100 + i)
        l1 = s1(x, target)
        mg.manual_seed(100 + i)
        l2 = c2(x, target)
        assert l1.item() == l2.item(), (i, l1.item(), l2.item())
    for p1, p2 in zip(m1.parameters(), m2.parameters()):
        np.testing.assert_array_equal(p1.detach().numpy(), p2.detach().numpy())
        np.testing.assert_array_equal(p1.grad.numpy(), p2.grad.numpy())
    for b1, b2 in zip(m1.buffers(), m2.buffers()):
        np.testing.assert_array_equal(b1.numpy(), b2.numpy())
    return c2


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_every_layer_replays_bit_for_bit_in_train_and_eval(layer):
    c = _run_both(layer, "momentum", "cross_entropy")
    assert c.num_traces == 2  # one for train(), one for eval(); train() again replays


@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
def test_every_optimizer_replays_bit_for_bit(opt):
    _run_both("batchnorm", opt, "cross_entropy")


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_every_loss_replays_bit_for_bit(loss):
    _run_both("dropout", "adam", loss)


def test_dropout_masks_are_fresh_on_every_replay():
    d = nn.Dropout(0.5)
    f = mg.compile(lambda x: d(x))
    x = mg.ones(1000)
    masks = [f(x).numpy().copy() for _ in range(4)]
    assert f.num_traces == 1
    assert all(not np.array_equal(masks[0], m) for m in masks[1:])
    mg.manual_seed(5)
    a = f(x).numpy().copy()
    mg.manual_seed(5)
    np.testing.assert_array_equal(a, d(x).numpy())  # the seeded generator, as eagerly


def test_random_creation_inside_a_step_is_drawn_afresh():
    f = mg.compile(lambda x: x + mg.randn(3))
    x = mg.zeros(3)
    a, b = f(x).numpy().copy(), f(x).numpy().copy()
    assert not np.array_equal(a, b)


SAMPLERS = {
    "randn_like": lambda x: x + mg.randn_like(x),
    "rand_like": lambda x: x + mg.rand_like(x),
    "randint": lambda x: x + mg.randint(0, 100, x.shape),
    "randperm": lambda x: x + mg.randperm(x.shape[0]),
    "normal": lambda x: mg.normal(x, 1.0),
    "bernoulli": lambda x: mg.bernoulli(x.sigmoid()),
    "bernoulli_p": lambda x: x + mg.bernoulli(x, p=0.5),
    "multinomial": lambda x: x + mg.multinomial(x.sigmoid(), x.shape[0], replacement=True),
}


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_every_sampler_draws_afresh_on_replay_as_eagerly(name):
    """Every random function goes through the one recorded draw: replays equal eager runs
    from the same seed, step after step (none is a constant baked into the trace)."""
    fn = SAMPLERS[name]
    f = mg.compile(fn)
    x = mg.tensor(RNG.standard_normal(64))
    mg.manual_seed(3)
    eager = [fn(x).numpy().copy() for _ in range(4)]
    mg.manual_seed(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing baked in from NumPy data
        replayed = [f(x).numpy().copy() for _ in range(4)]
    assert f.num_traces == 1
    for a, b in zip(eager, replayed):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(replayed[1], replayed[2])


def test_retraces_on_shape_dtype_mode_and_grad_mode():
    lin = nn.Linear(4, 2)
    f = mg.compile(lambda x: lin(x).sum())
    x = mg.tensor(RNG.standard_normal((3, 4)), dtype=mg.float32)
    f(x), f(x)
    assert f.num_traces == 1
    f(mg.tensor(RNG.standard_normal((5, 4)), dtype=mg.float32))
    assert f.num_traces == 2
    lin64 = nn.Linear(4, 2, dtype=mg.float64)
    g = mg.compile(lambda x: lin64(x).sum())
    g(x.double()), g(x.double())
    assert g.num_traces == 1
    with mg.no_grad():
        f(x)
    assert f.num_traces == 3
    lin.eval()
    f(x)
    assert f.num_traces == 4
    lin.train()
    f(x)
    assert f.num_traces == 4  # the train() trace is kept


def test_replay_reads_current_parameters_and_learning_rate():
    model, o, step = _setup("relu", "sgd", "cross_entropy")
    m2, o2, s2 = _setup("relu", "sgd", "cross_entropy")
    c = mg.compile(s2)
    sched1 = optim.lr_scheduler.StepLR(o, step_size=2, gamma=0.5)
    sched2 = optim.lr_scheduler.StepLR(o2, step_size=2, gamma=0.5)
    x, t = mg.tensor(X), mg.tensor(T)
    for _ in range(6):
        assert step(x, t).item() == c(x, t).item()
        sched1.step(), sched2.step()
    with mg.no_grad():
        model[0].weight.mul_(0.5), m2[0].weight.mul_(0.5)
    assert step(x, t).item() == c(x, t).item()


def test_gradients_accumulate_when_the_step_does_not_zero_them():
    lin1, lin2 = nn.Linear(4, 2), nn.Linear(4, 2)
    lin2.load_state_dict(lin1.state_dict())
    x = mg.tensor(RNG.standard_normal((3, 4)), dtype=mg.float32)
    c = mg.compile(lambda x: lin2(x).pow(2).sum().backward())
    for _ in range(4):
        lin1(x).pow(2).sum().backward()
        c(x)
    np.testing.assert_array_equal(lin1.weight.grad.numpy(), lin2.weight.grad.numpy())
    assert c.num_traces == 1  # the hand-over to leaves decides store or add at each replay


def test_returns_tuples_of_values_and_clip_grad():
    lin = nn.Linear(4, 2)

    def step(x):
        y = lin(x)
        loss = (y * y).mean()
        loss.backward()
        norm = nn.utils.clip_grad_norm_(lin.parameters(), 0.1)
        return loss, y, norm

    c = mg.compile(step)
    x = mg.tensor(RNG.standard_normal((3, 4)), dtype=mg.float32)
    lin.zero_grad()
    c(x)
    lin.zero_grad()
    loss, y, norm = c(x)
    lin.zero_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss2, y2, norm2 = step(x)
    assert loss.item() == loss2.item() and norm.item() == norm2.item()
    np.testing.assert_array_equal(y.numpy(), y2.detach().numpy())


def test_warns_and_runs_eagerly_when_it_cannot_capture():
    w = mg.tensor([1.0, 2.0], requires_grad=True)

    def step(x):
        (g,) = mg.autograd.grad((w * x).sum() ** 2, w, create_graph=True)
        return g.sum()

    c = mg.compile(step)
    x = mg.tensor([3.0, 4.0])
    with pytest.warns(TracerWarning, match="cannot be captured"):
        a = c(x)
    b = c(x)
    assert a.item() == b.item() == step(x).item() and c.num_traces == 0

    def inplace_in_graph(x):
        y = x * w
        y.add_(1)
        return y.sum()

    c2 = mg.compile(inplace_in_graph)
    with pytest.warns(TracerWarning, match="in-place"):
        c2(x)


def test_warns_that_value_dependent_control_flow_is_baked_in():
    def step(x):
        s = x.sum()
        return x * 2 if s.item() > 0 else x * 3

    c = mg.compile(step)
    with pytest.warns(TracerWarning, match="read tensor values") as record:
        c(mg.tensor([1.0]))
    assert len(record) == 1  # the number 2 is a constant, not a tensor made from data
    assert c(mg.tensor([-1.0])).item() == -2.0  # baked branch, as the warning said


def test_warns_about_tensors_made_inside_the_call_from_numpy():
    data = np.ones(3, np.float32)
    c = mg.compile(lambda x: x + mg.tensor(data))
    with pytest.warns(TracerWarning, match="made inside the call"):
        c(mg.zeros(3))


def test_memory_stays_flat_over_10000_captured_steps():
    model, _, step = _setup("dropout", "momentum", "cross_entropy")
    c = mg.compile(step)
    x, t = mg.tensor(X), mg.tensor(T)
    for _ in range(50):
        c(x, t)
    tracemalloc.start()
    try:
        for _ in range(100):
            c(x, t)
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(10_000):
            c(x, t)
        grown = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert c.num_traces == 1
    assert grown < 64 * 1024, grown


def test_a_trace_records_only_its_own_thread():
    import threading

    def other():
        mg.randn(4)  # eager, in another thread: not part of the trace

    def step(x):
        th = threading.Thread(target=other)
        th.start()
        th.join()
        return x + 1

    c = mg.compile(step)
    c(mg.zeros(2))
    before = mg.random.default_generator.get_state()
    np.testing.assert_array_equal(c(mg.zeros(2)).numpy(), [1.0, 1.0])
    assert mg.random.default_generator.get_state() == before  # no draw replayed


def test_traces_are_bounded_and_unhashable_arguments_run_eagerly():
    c = mg.compile(lambda x: x * 2, max_traces=2)
    for n in (1, 2, 3, 1):
        c(mg.ones(n))
    assert sum(len(b) for b in c.traces.values()) == 2 and c.num_traces == 4
    d = mg.compile(lambda x, opts: x * opts["k"])
    assert d(mg.ones(2), {"k": 3.0}).tolist() == [3.0, 3.0] and d.num_traces == 0
