"""The activations and losses of ``minigrad.nn.functional`` (and their modules) side by side with
torch: values at and around their kinks, result dtypes and shapes, gradients of first and second
order, in-place variants, errors for bad input, reductions, module reprs and parameters."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from nn_side_by_side import compare, raises_like

import minigrad as mg

torch = pytest.importorskip("torch", reason="PyTorch is the specification these tests compare to")
pytestmark = pytest.mark.filterwarnings("ignore:(divide by zero|invalid value):RuntimeWarning")
RNG = np.random.default_rng(7)
# the kinks of every activation below, and smooth values around them
KINKS = np.array([-6.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0, 19.9, 20.1, -0.25, 0.25])


def _x(shape=(3, 5), lo=-4.0, hi=4.0):
    x = RNG.uniform(lo, hi, shape)
    x.flat[: min(x.size, KINKS.size)] = KINKS[: x.size]
    return x


ACTIVATIONS = [
    ("silu", {}), ("elu", {}), ("elu", {"alpha": 0.3}), ("selu", {}), ("celu", {}),
    ("celu", {"alpha": 2.0}), ("softplus", {}), ("softplus", {"beta": 2.0, "threshold": 3.0}),
    ("softplus", {"beta": 0.5}), ("hardtanh", {}), ("hardtanh", {"min_val": -0.5, "max_val": 3.0}),
    ("relu6", {}), ("hardsigmoid", {}), ("hardswish", {}), ("mish", {}), ("logsigmoid", {}),
    ("softsign", {}), ("tanhshrink", {}), ("softshrink", {}), ("softshrink", {"lambd": 1.0}),
    ("hardshrink", {}), ("hardshrink", {"lambd": 1.0}), ("threshold", {"threshold": 1.0,
                                                                       "value": -2.0}),
    ("glu", {}), ("glu", {"dim": 0}), ("softmin", {"dim": 1}), ("softmin", {"dim": 0}),
]  # fmt: skip


def _act(name, kw):
    return lambda lib, x: getattr(lib.nn.functional, name)(x, **kw)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", [(4, 6), (2, 3, 4), (6,)])
@pytest.mark.parametrize("name,kw", ACTIVATIONS)
def test_activation_values_and_gradients(name, kw, shape, dtype):
    if name == "glu" and kw.get("dim") == 0 and shape[0] % 2:
        shape = (4,) + shape[1:]
    if kw.get("dim", 0) >= len(shape):
        raises_like(torch, _act(name, kw), _x(shape))
        return
    # torch has no double backward for hardsigmoid; minigrad's is the exact one, 0
    compare(torch, _act(name, kw), _x(shape), dtype=dtype, second=name != "hardsigmoid")


@pytest.mark.parametrize("name,kw", [a for a in ACTIVATIONS if a[0] not in ("glu", "softmin")])
def test_activation_large_inputs_stay_finite(name, kw):
    x = np.array([-1e4, -50.0, -20.0, 20.0, 50.0, 1e4])
    compare(torch, _act(name, kw), x, second=False)


INPLACE = ["silu", "elu", "selu", "celu", "hardtanh", "relu6", "hardsigmoid", "hardswish",
           "mish", "threshold"]


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_variants_write_into_the_input_and_differentiate(name):
    kw = {"threshold": 0.5, "value": 3.0} if name == "threshold" else {}

    def fn(lib, x):
        y = x * 1.0  # a non-leaf, as torch requires for an in-place op in a graph
        out = getattr(lib.nn.functional, name)(y, inplace=True, **kw)
        assert out is y
        return out

    compare(torch, fn, _x((3, 4)), second=name != "hardsigmoid")


@pytest.mark.parametrize("name", ["elu_", "celu_", "selu_", "hardtanh_", "threshold_"])
def test_underscore_functions(name):
    args = (0.5, 3.0) if name == "threshold_" else ()
    m, t = mg.tensor(_x((2, 5))), torch.tensor(_x((2, 5)))
    getattr(mg.nn.functional, name)(m, *args)
    getattr(torch.nn.functional, name)(t, *args)
    np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", [a[0] for a in ACTIVATIONS])
def test_integer_inputs_as_torch(name):
    kw = dict(next(k for n, k in ACTIVATIONS if n == name))
    x = np.array([[-2, 0, 3, 1]])
    fn = _act(name, kw)
    try:
        expected = fn(torch, torch.tensor(x))
    except Exception:  # noqa: BLE001
        raises_like(torch, fn, x)
        return
    got = fn(mg, mg.tensor(x))
    assert str(got.dtype) == str(expected.dtype).replace("torch.", "")
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6)


@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.nn.functional.glu(x, 1), lambda lib, x: lib.nn.functional.glu(x, 2),
    lambda lib, x: lib.nn.functional.softshrink(x, -1.0),
    lambda lib, x: lib.nn.functional.prelu(x, lib.ones(2, dtype=x.dtype)),
    lambda lib, x: lib.nn.functional.prelu(x, lib.ones(3, 1, dtype=x.dtype)),
    lambda lib, x: lib.nn.functional.prelu(x[0], lib.ones(3, dtype=x.dtype)),
    lambda lib, x: lib.nn.functional.prelu(x[0, 0], lib.ones(3, dtype=x.dtype)),
    lambda lib, x: lib.nn.functional.prelu(x, lib.ones(1, dtype=lib.float32)),
])  # fmt: skip
def test_activation_errors(fn):
    raises_like(torch, fn, _x((2, 3)))


@pytest.mark.parametrize("shape,n", [((4, 3), 1), ((4, 3), 3), ((2, 3, 5), 3), ((5,), 1),
                                     ((), 1), ((2, 3, 2, 2), 3)])
def test_prelu(shape, n):
    w = RNG.uniform(-1, 1, n)
    compare(torch, lambda lib, x, w: lib.nn.functional.prelu(x, w), _x(shape), w)


MODULES = [
    ("SiLU", {}), ("Mish", {}), ("ELU", {}), ("ELU", {"alpha": 0.5, "inplace": True}),
    ("SELU", {}), ("SELU", {"inplace": True}), ("CELU", {"alpha": 1.5}), ("Softplus", {}),
    ("Softplus", {"beta": 2, "threshold": 10}), ("Hardtanh", {}),
    ("Hardtanh", {"min_val": -2.0, "max_val": 2.0, "inplace": True}), ("ReLU6", {}),
    ("ReLU6", {"inplace": True}), ("Hardsigmoid", {}), ("Hardswish", {}), ("LogSigmoid", {}),
    ("Softsign", {}), ("Tanhshrink", {}), ("Softshrink", {}), ("Hardshrink", {"lambd": 0.3}),
    ("Threshold", {"threshold": 0.1, "value": 20}), ("GLU", {}), ("GLU", {"dim": 0}),
    ("Softmin", {"dim": 1}), ("PReLU", {}), ("PReLU", {"num_parameters": 4, "init": 0.1}),
]  # fmt: skip


@pytest.mark.parametrize("name,kw", MODULES)
def test_activation_modules(name, kw):
    m, t = getattr(mg.nn, name)(**kw), getattr(torch.nn, name)(**kw)
    assert repr(m) == repr(t)
    assert list(m.state_dict()) == list(t.state_dict())
    for (kn, pm), (_, pt) in zip(m.state_dict().items(), t.state_dict().items()):
        np.testing.assert_array_equal(pm.numpy(), pt.numpy(), err_msg=kn)  # default init
        assert str(pm.dtype) == str(pt.dtype).replace("torch.", "")

    def fn(lib, x):
        mod = m if lib is mg else t
        return mod(x * 1.0)

    compare(torch, fn, _x((4, 4)), dtype="float32", second=name != "Hardsigmoid")


# ---------------------------------------------------------------- losses


def _probs(shape):
    p = RNG.uniform(0.02, 0.98, shape)
    p.flat[:3] = [0.0, 1.0, 0.5][: p.size]
    return p


REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", [(4, 3), (5,), ()])
def test_binary_cross_entropy(reduction, weighted, shape):
    x = RNG.uniform(0.05, 0.95, shape)
    y = RNG.uniform(0, 1, shape)
    w = RNG.uniform(0.5, 2.0, shape[-1:])

    def fn(lib, x, y, w):
        return lib.nn.functional.binary_cross_entropy(x, y, w if weighted else None,
                                                      reduction=reduction)

    # torch's double backward adds 1e-12 to x and 1 - x (its first order clamps instead)
    compare(torch, fn, x, y, w, frozen=(2,), rtol=1e-8)


def test_binary_cross_entropy_clamps_logs_at_minus_100():
    x, y = np.array([0.0, 1.0, 0.0, 1.0, 1e-50]), np.array([0.0, 1.0, 1.0, 0.0, 0.3])
    for reduction in REDUCTIONS:
        compare(torch, lambda lib, x, y, r=reduction: lib.nn.functional.binary_cross_entropy(
            x, y, reduction=r), x, y, second=False)


@pytest.mark.parametrize("fn,args", [
    (lambda lib, x, y: lib.nn.functional.binary_cross_entropy(x, y), ([1.5, 0.5], [1.0, 0.0])),
    (lambda lib, x, y: lib.nn.functional.binary_cross_entropy(x, y), ([0.5, 0.5], [1.0])),
    (lambda lib, x, y: lib.nn.functional.binary_cross_entropy(x, y.long()), ([0.5], [1.0])),
    (lambda lib, x, y: lib.nn.functional.binary_cross_entropy(x, y, reduction="avg"),
     ([0.5], [1.0])),
    (lambda lib, x, y: lib.nn.functional.smooth_l1_loss(x, y, beta=-1.0), ([0.5], [1.0])),
    (lambda lib, x, y: lib.nn.functional.huber_loss(x, y, delta=0.0), ([0.5], [1.0])),
    (lambda lib, x, y: lib.nn.functional.l1_loss(x, y, reduction="avg"), ([0.5], [1.0])),
])  # fmt: skip
def test_loss_errors(fn, args):
    raises_like(torch, fn, *[np.array(a) for a in args])


def test_bce_with_logits_matches_torch_with_pos_weight_and_weight():
    x, y = RNG.uniform(-5, 5, (4, 3)), RNG.uniform(0, 1, (4, 3))
    pw, w = RNG.uniform(0.5, 3, 3), RNG.uniform(0.5, 2, (4, 1))
    for reduction in REDUCTIONS:
        compare(torch, lambda lib, x, y, pw, w, r=reduction: lib.nn.functional.
                binary_cross_entropy_with_logits(x, y, w, reduction=r, pos_weight=pw),
                x, y, pw, w, frozen=(2, 3))


def _diffs(shape):
    x, y = RNG.uniform(-3, 3, shape), RNG.uniform(-3, 3, shape)
    flat = x.reshape(-1)
    if flat.size >= 5:  # exact kinks: d = 0, +-1 (beta, delta), +-0.5
        flat[:5] = y.reshape(-1)[:5] + np.array([0.0, 1.0, -1.0, 0.5, -0.5])
    return x, y


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kw", [
    ("l1_loss", {}), ("smooth_l1_loss", {}), ("smooth_l1_loss", {"beta": 0.5}),
    ("smooth_l1_loss", {"beta": 0.0}), ("huber_loss", {}), ("huber_loss", {"delta": 0.5}),
    ("huber_loss", {"delta": 2.0}), ("mse_loss", {}),
])  # fmt: skip
@pytest.mark.parametrize("shape", [(3, 4), (6,), ()])
def test_regression_losses(name, kw, reduction, shape):
    x, y = _diffs(shape)
    compare(torch, lambda lib, x, y: getattr(lib.nn.functional, name)(
        x, y, reduction=reduction, **kw), x, y)


def test_regression_losses_broadcast_with_torch_warning_and_promote_dtypes():
    x, y = RNG.uniform(-2, 2, (3, 4)), RNG.uniform(-2, 2, (4,))
    for name in ("l1_loss", "smooth_l1_loss", "huber_loss"):
        with pytest.warns(UserWarning, match="different to the input size"):
            compare(torch, lambda lib, x, y, n=name: getattr(lib.nn.functional, n)(x, y), x, y)
        with pytest.warns(UserWarning, match="different to the input size"):
            got = getattr(mg.nn.functional, name)(mg.tensor(x, dtype=mg.float32), mg.tensor(y))
            want = getattr(torch.nn.functional, name)(torch.tensor(x, dtype=torch.float32),
                                                      torch.tensor(y))
        assert str(got.dtype) == str(want.dtype).replace("torch.", "")


def test_legacy_size_average_and_reduce():
    x, y = _diffs((3, 4))
    for sa, red in [(None, False), (False, None), (True, True), (False, True)]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compare(torch, lambda lib, x, y, sa=sa, red=red: lib.nn.functional.l1_loss(
                x, y, size_average=sa, reduce=red), x, y)
            m, t = mg.nn.L1Loss(sa, red), torch.nn.L1Loss(sa, red)
        assert m.reduction == t.reduction


@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none", "mean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    x = np.log(RNG.dirichlet(np.ones(4), 3))
    q = RNG.dirichlet(np.ones(4), 3)
    q[0, 1] = 1e-3
    y = np.log(q) if log_target else q
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compare(torch, lambda lib, x, y: lib.nn.functional.kl_div(
            x, y, reduction=reduction, log_target=log_target), x, y)


def test_kl_div_zero_target_and_mean_warning():
    x, y = np.log(np.array([[0.5, 0.5], [0.2, 0.8]])), np.array([[0.0, 1.0], [0.3, 0.7]])
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        mg.nn.functional.kl_div(mg.tensor(x), mg.tensor(y))
    compare(torch, lambda lib, x, y: lib.nn.functional.kl_div(x, y, reduction="sum"), x, y,
            frozen=(1,))


LOSS_MODULES = [("BCELoss", {}), ("BCELoss", {"reduction": "sum"}), ("L1Loss", {}),
                ("SmoothL1Loss", {"beta": 0.5}), ("HuberLoss", {"delta": 0.7}),
                ("KLDivLoss", {"reduction": "batchmean"}),
                ("KLDivLoss", {"reduction": "none", "log_target": True})]


@pytest.mark.parametrize("name,kw", LOSS_MODULES)
def test_loss_modules(name, kw):
    m, t = getattr(mg.nn, name)(**kw), getattr(torch.nn, name)(**kw)
    assert repr(m) == repr(t)
    x, y = (_probs((3, 4)), _probs((3, 4))) if name == "BCELoss" else _diffs((3, 4))
    x = np.clip(x, 0.05, 0.95) if name == "BCELoss" else x
    compare(torch, lambda lib, x, y: (m if lib is mg else t)(x, y), x, y,
            rtol=1e-8 if name == "BCELoss" else None)


def test_bce_loss_weight_is_a_buffer():
    w = RNG.uniform(0.5, 2, 4)
    m, t = mg.nn.BCELoss(weight=mg.tensor(w)), torch.nn.BCELoss(weight=torch.tensor(w))
    assert list(m.state_dict()) == list(t.state_dict()) == ["weight"]
    x, y = np.clip(_probs((3, 4)), 0.05, 0.95), _probs((3, 4))
    compare(torch, lambda lib, x, y: (m if lib is mg else t)(x, y), x, y, rtol=1e-8)
