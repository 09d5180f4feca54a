"""Numerics: the stable functions stay finite (values and gradients) for huge inputs, a diverging
net is caught by anomaly mode at the op that overflows, and minigrad never silences warnings.

What is true, and tested: the loss and its gradient are finite for any finite logits (a stable
log-softmax inside). What is not true, and tested as such: the book's plain net at weight scale
1.0 does not stay finite in float32. Its *weights* overflow through plain SGD within three
updates, in PyTorch exactly as here; no loss function can prevent that.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import special

import minigrad as mg
from minigrad import nn, optim
from minigrad.anomaly import AnomalyError
from minigrad.autograd import detect_anomaly
from minigrad.datasets import load_mnist
from minigrad.nn import functional as F

_RAISE = dict(over="raise", invalid="raise", divide="raise")  # underflow to 0 is fine


def _bce_ref(x, y):
    return np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))


Y = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]])
STABLE = {  # name: (minigrad function, float64 reference)
    "softmax": (lambda x: F.softmax(x, dim=1), lambda x: special.softmax(x, axis=1)),
    "log_softmax": (lambda x: F.log_softmax(x, dim=1), lambda x: special.log_softmax(x, axis=1)),
    "logsumexp": (lambda x: x.logsumexp(dim=1), lambda x: special.logsumexp(x, axis=1)),
    "sigmoid": (lambda x: x.sigmoid(), special.expit),
    "cross_entropy": (lambda x: F.cross_entropy(x, [2, 0], reduction="none"),
                      lambda x: -special.log_softmax(x, axis=1)[[0, 1], [2, 0]]),
    "bce_with_logits": (
        lambda x: F.binary_cross_entropy_with_logits(x, mg.tensor(Y, dtype=x.dtype),
                                                     reduction="none"),
        lambda x: _bce_ref(x, Y)),
}  # fmt: skip


@pytest.mark.parametrize("dtype", [mg.float32, mg.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("big", [1e4, 1e30])
@pytest.mark.parametrize("name", sorted(STABLE))
def test_stable_functions_are_finite_and_right_for_huge_inputs(name, big, dtype):
    fn, ref = STABLE[name]
    data = np.array([[big, 0.0, -big], [-big, -big, -big]])
    x = mg.tensor(data, dtype=dtype, requires_grad=True)
    v = mg.tensor(np.random.default_rng(0).standard_normal((2, 3)), dtype=dtype)
    with np.errstate(**_RAISE):  # no overflow or NaN anywhere inside, forward or backward
        y = fn(x)
        (y * v[:, : y.shape[-1]] if y.ndim == 2 else y * v[:, 0]).sum().backward()
    assert y.dtype == dtype and np.isfinite(y._data).all() and np.isfinite(x.grad._data).all()
    rtol = 1e-6 if dtype == mg.float32 else 1e-12
    np.testing.assert_allclose(y._data, ref(data), rtol=rtol, atol=1e-30)


@given(st.lists(st.floats(-1e30, 1e30), min_size=2, max_size=6),
       st.integers(0, 5))
def test_cross_entropy_and_its_gradient_are_finite_for_any_finite_logits(row, label):
    logits = mg.tensor(np.array([row], np.float32), requires_grad=True)
    target = min(label, len(row) - 1)
    with np.errstate(**_RAISE):
        loss = F.cross_entropy(logits, [target])
        loss.backward()
    assert math.isfinite(loss.item()) and loss.item() >= 0
    g = logits.grad._data
    assert np.isfinite(g).all() and np.all(np.abs(g) <= 1.0)  # softmax - onehot
    assert abs(float(g.sum())) < 1e-5


# ---- the book's plain net at weight scale 1.0 (BatchNorm experiment, Fig. 6-19) ------------


def _plain_net_w1():
    """784-[100]*5-10 ReLU, weights 1.0 * randn, SGD lr 0.01, batches of 100 from train[:1000]."""
    (x, t), _ = load_mnist()
    x, t = x[:1000], t[:1000].astype(np.int64)
    mg.manual_seed(0)
    model = nn.MLP(784, [100] * 5, 10, weight_init=1.0)
    gen = mg.Generator().manual_seed(0)
    batches = [(x[i], t[i]) for i in (gen.rng.choice(1000, 100) for _ in range(4))]
    return model, optim.SGD(model.parameters(), lr=0.01), batches


def test_plain_net_loss_and_gradients_stay_finite_while_logits_explode():
    model, opt, batches = _plain_net_w1()
    peaks = []
    for xb, tb in batches[:2]:
        opt.zero_grad()
        with np.errstate(**_RAISE):
            logits = model(mg.from_numpy(xb))
            loss = F.cross_entropy(logits, tb)
            loss.backward()
        peaks.append(float(np.abs(logits._data).max()))
        assert math.isfinite(loss.item())
        assert all(np.isfinite(p.grad._data).all() for p in model.parameters())
        opt.step()
    assert peaks[0] > 1e5 and peaks[1] > 1e12  # logits far beyond where a naive exp overflows


def test_anomaly_mode_names_the_op_where_the_diverging_weights_overflow():
    model, opt, batches = _plain_net_w1()
    updates = 0
    with detect_anomaly(), np.errstate(over="ignore", invalid="ignore"):
        with pytest.raises(AnomalyError) as info:
            for xb, tb in batches:
                opt.zero_grad()
                loss = F.cross_entropy(model(mg.from_numpy(xb)), tb)  # the culprit line
                loss.backward()
                opt.step()
                updates += 1
    msg = str(info.value)
    assert updates == 2  # two finite updates, then the forward of the third overflows
    assert "op 'linear'" in msg and "the inputs were finite" in msg
    assert "test_numerics.py" in msg and "the culprit line" in msg
    weights = [p._data for p in model.parameters()]
    assert all(np.isfinite(w).all() for w in weights)  # stopped before NaN reached them
    assert max(float(np.abs(w).max()) for w in weights) > 1e8  # SGD itself blew them up


def test_pytorch_diverges_at_the_same_update_from_the_same_start():
    torch = pytest.importorskip("torch")
    model, opt, batches = _plain_net_w1()
    layers = [m for m in model.layers if isinstance(m, nn.Linear)]
    tnet = torch.nn.Sequential(*[m for lin in layers for m in (
        torch.nn.Linear(lin.in_features, lin.out_features), torch.nn.ReLU())][:-1])
    with torch.no_grad():
        for tl, lin in zip(tnet[::2], layers):
            tl.weight.copy_(torch.from_numpy(lin.weight._data))
            tl.bias.copy_(torch.from_numpy(lin.bias._data))
    topt = torch.optim.SGD(tnet.parameters(), lr=0.01)
    ours, theirs = [], []
    with np.errstate(over="ignore", invalid="ignore"):
        for xb, tb in batches:
            opt.zero_grad()
            F.cross_entropy(model(mg.from_numpy(xb)), tb).backward()
            opt.step()
            ours.append(max(float(np.abs(p._data).max()) for p in model.parameters()))
            topt.zero_grad()
            torch.nn.functional.cross_entropy(tnet(torch.from_numpy(xb)),
                                              torch.from_numpy(tb)).backward()
            topt.step()
            theirs.append(max(float(p.detach().abs().max()) for p in tnet.parameters()))
    finite = [math.isfinite(v) for v in ours]
    assert finite == [math.isfinite(v) for v in theirs] == [True, True, False, False]
    np.testing.assert_allclose(ours[:2], theirs[:2], rtol=1e-3)


# ---- warnings ------------------------------------------------------------------------------

_PROBE = """
import importlib, json, os, pkgutil, sys, warnings
import numpy as np

calls = []


def spy(name, real):
    def wrapper(*args, **kwargs):
        calls.append((name, sys._getframe(1).f_code.co_filename))
        return real(*args, **kwargs)
    return wrapper


warnings.filterwarnings = spy("filterwarnings", warnings.filterwarnings)
warnings.simplefilter = spy("simplefilter", warnings.simplefilter)
np.seterr = spy("seterr", np.seterr)
errstate = np.geterr()
import minigrad

names = [m.name for m in pkgutil.walk_packages(minigrad.__path__, "minigrad.")
         if not m.name.endswith("__main__")]
for name in names:
    importlib.import_module(name)
m = minigrad.nn.MLP(4, [3], 2, batchnorm=True, dropout=0.5)
with minigrad.autograd.detect_anomaly():
    minigrad.nn.functional.cross_entropy(m(minigrad.ones(2, 4)), [0, 1]).backward()
with warnings.catch_warnings():
    warnings.simplefilter("default")  # the spy sees this one: it works
package = os.path.dirname(minigrad.__file__)
print(json.dumps({"ours": [c for c in calls if c[1].startswith(package)], "modules": len(names),
                  "probe_seen": ["simplefilter", "<string>"] in [list(c) for c in calls],
                  "errstate_same": np.geterr() == errstate}))
"""


def test_minigrad_installs_no_warning_filter_nor_errstate():
    """Import every module and train a step with a spy on filterwarnings/simplefilter/seterr:
    no call comes from minigrad's files (numpy and scipy add their own on import)."""
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                         check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["modules"] > 40 and result["probe_seen"], result
    assert result["ours"] == [] and result["errstate_same"], result


def test_numpy_warnings_reach_the_user():
    with pytest.warns(RuntimeWarning, match="overflow"):
        y = mg.exp(mg.tensor([100.0]))  # float32: e^100 overflows
    assert y.item() == math.inf
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mg.log(mg.tensor([-1.0], dtype=mg.float64))
    assert any("invalid value" in str(w.message) for w in caught)
