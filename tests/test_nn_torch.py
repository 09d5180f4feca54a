"""Parity with PyTorch: the same modules with the same weights and batches give the same outputs,
losses, input and parameter gradients and running statistics (float32 tolerance), and the same
reprs and state_dict names. Skipped where torch is not installed."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

torch = pytest.importorskip("torch", reason="PyTorch parity tests need torch (CI installs "
                                            "torch==2.13.0)")
tnn = torch.nn

RNG = np.random.default_rng(2024)
TOL = {"rtol": 2e-5, "atol": 2e-6}


def _f32(*shape, lo=-2.0, hi=2.0):
    return RNG.uniform(lo, hi, shape).astype(np.float32)


def _same_weights(m_mod, t_mod, strip=""):
    """Load minigrad's state_dict into the torch module (names must line up)."""
    sd = {k[len(strip):] if k.startswith(strip) else k: torch.from_numpy(v._data.copy())
          for k, v in m_mod.state_dict().items()}
    t_mod.load_state_dict(sd, strict=True)


def _assert_close(a, b, what):
    b = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
    np.testing.assert_allclose(np.asarray(a), b, err_msg=what, **TOL)


def _compare(m_mod, t_mod, x, *args, strip=""):
    """Forward both on ``x`` (and extra args), backprop a random upstream gradient, compare."""
    xm = mg.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    margs, targs = [], []
    for a in args:
        grad = a.dtype.kind == "f"
        margs.append(mg.tensor(a, requires_grad=grad))
        targs.append(torch.tensor(a, requires_grad=grad))
    om, ot = m_mod(xm, *margs), t_mod(xt, *targs)
    _assert_close(om._data, ot, "forward")
    v = RNG.standard_normal(om.shape).astype(np.float32)
    (om * mg.tensor(v)).sum().backward()
    (ot * torch.tensor(v)).sum().backward()
    _assert_close(xm.grad._data, xt.grad, "input gradient")
    for a, b in zip(margs, targs):
        if a.requires_grad:
            _assert_close(a.grad._data, b.grad, "target gradient")
    tparams = dict(t_mod.named_parameters())
    for name, p in m_mod.named_parameters():
        _assert_close(p.grad._data, tparams[name[len(strip):]].grad, f"gradient of {name}")
    return om, ot


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4)])
def test_linear(bias, shape):
    m, t = nn.Linear(4, 3, bias=bias), tnn.Linear(4, 3, bias=bias)
    _same_weights(m, t)
    _compare(m, t, _f32(*shape))


def _bn_pair(c, **kw):
    m, t = nn.BatchNorm1d(c, **kw), tnn.BatchNorm1d(c, **kw)
    if m.weight is not None:
        with mg.no_grad():
            m.weight.copy_(_f32(c, lo=0.5, hi=2.0))
            m.bias.copy_(_f32(c))
    _same_weights(m, t)
    return m, t


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5)])
@pytest.mark.parametrize("kw", [{}, {"momentum": None}, {"affine": False}, {"eps": 1e-3}])
def test_batchnorm_train_then_eval(shape, kw):
    m, t = _bn_pair(3, **kw)
    for _ in range(2):  # two steps: running statistics and num_batches_tracked
        _compare(m, t, _f32(*shape))
        m.zero_grad()
        t.zero_grad()
    _assert_close(m.running_mean._data, t.running_mean, "running_mean")
    _assert_close(m.running_var._data, t.running_var, "running_var")
    assert int(m.num_batches_tracked.item()) == int(t.num_batches_tracked) == 2
    m.eval()
    t.eval()
    _compare(m, t, _f32(*shape))
    _assert_close(m.running_var._data, t.running_var, "running_var after eval")


def test_batchnorm_without_running_stats_uses_batch_stats_in_eval():
    m, t = _bn_pair(3, track_running_stats=False)
    m.eval()
    t.eval()
    _compare(m, t, _f32(5, 3))
    assert list(m.state_dict()) == list(t.state_dict())


class _Masked(tnn.Module):
    """torch's side of dropout with minigrad's mask injected."""

    def __init__(self, mask):
        super().__init__()
        self.mask = mask

    def forward(self, x):
        return x * self.mask


def test_dropout_with_an_injected_identical_mask():
    p = 0.35
    x = _f32(8, 6)
    gen = mg.Generator(1)
    mask = F.dropout(mg.ones(8, 6), p, generator=gen)._data  # the mask minigrad will use
    gen.manual_seed(1)
    m = nn.Dropout(p, generator=gen)
    _compare(m, _Masked(torch.from_numpy(mask)), x)
    # same convention as torch: survivors scaled by 1/(1-p), identity in eval
    tvals = np.unique(torch.nn.functional.dropout(torch.ones(1000), p).numpy())
    np.testing.assert_allclose(np.unique(mask), tvals, rtol=1e-6)
    m.eval()
    np.testing.assert_array_equal(m(mg.tensor(x))._data, x)


@pytest.mark.parametrize("name,kw", [
    ("ReLU", {}), ("Sigmoid", {}), ("Tanh", {}), ("LeakyReLU", {"negative_slope": 0.2}),
    ("GELU", {}), ("GELU", {"approximate": "tanh"}), ("Softmax", {"dim": 1}),
    ("Softmax", {"dim": 0}), ("LogSoftmax", {"dim": 1}), ("Identity", {}), ("Flatten", {}),
])  # fmt: skip
def test_activations(name, kw):
    m, t = getattr(nn, name)(**kw), getattr(tnn, name)(**kw)
    assert repr(m) == repr(t)
    _compare(m, t, _f32(4, 3, 2))


def _ce_cases():
    idx = RNG.integers(0, 4, 5)
    probs = _f32(5, 4, lo=0.0, hi=1.0)
    probs /= probs.sum(1, keepdims=True)
    w = _f32(4, lo=0.5, hi=2.0)
    return [
        ({}, (5, 4), idx), ({"reduction": "sum"}, (5, 4), idx),
        ({"reduction": "none"}, (5, 4), idx), ({"label_smoothing": 0.1}, (5, 4), idx),
        ({"label_smoothing": 0.25, "weight": w}, (5, 4), idx), ({"weight": w}, (5, 4), idx),
        ({"ignore_index": int(idx[0])}, (5, 4), idx),
        ({"ignore_index": int(idx[0]), "label_smoothing": 0.2, "reduction": "none"}, (5, 4), idx),
        ({}, (5, 4), probs), ({"label_smoothing": 0.3, "weight": w}, (5, 4), probs),
        ({"reduction": "none"}, (5, 4), probs),
        ({}, (2, 4, 3), RNG.integers(0, 4, (2, 3))),
    ]


@pytest.mark.parametrize("kw,shape,target", _ce_cases())
def test_cross_entropy_loss(kw, shape, target):
    tkw = {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    mkw = {k: mg.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    _compare(nn.CrossEntropyLoss(**mkw), tnn.CrossEntropyLoss(**tkw), _f32(*shape, lo=-4, hi=4),
             target)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss(reduction):
    logp = np.log(_f32(5, 3, lo=0.05, hi=1.0))
    w = _f32(3, lo=0.5, hi=2.0)
    _compare(nn.NLLLoss(weight=mg.tensor(w), reduction=reduction, ignore_index=1),
             tnn.NLLLoss(weight=torch.from_numpy(w), reduction=reduction, ignore_index=1),
             logp, RNG.integers(0, 3, 5))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss(reduction):
    _compare(nn.MSELoss(reduction=reduction), tnn.MSELoss(reduction=reduction), _f32(4, 3),
             _f32(4, 3))


@pytest.mark.parametrize("kw", [{}, {"reduction": "sum"}, {"reduction": "none"},
                                {"weight": "w"}, {"pos_weight": "pw"}])
def test_bce_with_logits_loss(kw):
    arrays = {"w": _f32(3, lo=0.5, hi=2.0), "pw": _f32(3, lo=0.5, hi=3.0)}
    mkw = {k: mg.tensor(arrays[v]) if v in arrays else v for k, v in kw.items()}
    tkw = {k: torch.from_numpy(arrays[v]) if v in arrays else v for k, v in kw.items()}
    x = _f32(4, 3, lo=-6, hi=6)
    x[0, 0], x[1, 1] = 1e4, -1e4
    _compare(nn.BCEWithLogitsLoss(**mkw), tnn.BCEWithLogitsLoss(**tkw), x,
             _f32(4, 3, lo=0.0, hi=1.0))


def test_repr_and_state_dict_names_match():
    def build(lib):
        return lib.Sequential(
            lib.Linear(4, 8), lib.BatchNorm1d(8), lib.ReLU(), lib.Dropout(0.3),
            lib.Sequential(lib.Linear(8, 8, bias=False), lib.Tanh(), lib.Softmax(dim=1)),
            lib.ModuleList([lib.Sigmoid(), lib.Sigmoid(), lib.GELU()]),
            lib.LeakyReLU(0.1), lib.Flatten(), lib.Identity(), lib.LogSoftmax(dim=-1),
        )  # fmt: skip

    m, t = build(nn), build(tnn)
    assert repr(m) == repr(t)
    assert list(m.state_dict()) == list(t.state_dict())
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    for loss in ("CrossEntropyLoss", "MSELoss", "NLLLoss", "BCEWithLogitsLoss"):
        assert repr(getattr(nn, loss)()) == repr(getattr(tnn, loss)())


def test_calculate_gain_matches():
    for nl, param in [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                      ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)]:
        assert nn.init.calculate_gain(nl, param) == pytest.approx(
            tnn.init.calculate_gain(nl, param))


def test_mlp_with_batchnorm_end_to_end():
    """Three SGD steps of the book's BatchNorm net: losses, gradients, running stats, eval."""
    model = nn.MLP(6, [5, 5], 3, batchnorm=True)
    layers = []
    for m in model.layers:
        layers.append({"Linear": lambda m: tnn.Linear(m.in_features, m.out_features),
                       "BatchNorm1d": lambda m: tnn.BatchNorm1d(m.num_features),
                       "ReLU": lambda m: tnn.ReLU()}[type(m).__name__](m))
    ref = tnn.Sequential(*layers)
    _same_weights(model, ref, strip="layers.")
    loss_m, loss_t = nn.CrossEntropyLoss(), tnn.CrossEntropyLoss()
    tparams = dict(ref.named_parameters())
    for _ in range(3):
        x, y = _f32(8, 6), RNG.integers(0, 3, 8)
        lm = loss_m(model(mg.tensor(x)), mg.tensor(y))
        lt = loss_t(ref(torch.tensor(x)), torch.tensor(y))
        _assert_close(lm.item(), lt.item(), "loss")
        model.zero_grad()
        ref.zero_grad()
        lm.backward()
        lt.backward()
        with mg.no_grad(), torch.no_grad():
            for name, p in model.named_parameters():
                tp = tparams[name[len("layers."):]]
                _assert_close(p.grad._data, tp.grad, f"gradient of {name}")
                p.sub_(0.1 * p.grad)
                tp -= 0.1 * tp.grad
    model.eval()
    ref.eval()
    x = _f32(4, 6)
    _assert_close(model(mg.tensor(x))._data, ref(torch.tensor(x)), "eval output")
    tsd = ref.state_dict()
    for k, v in model.state_dict().items():
        _assert_close(v._data, tsd[k[len("layers."):]], k)
