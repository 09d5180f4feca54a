"""Twenty training steps side by side with PyTorch, per layer type and loss: same weights and
batches give the same losses and parameters within float32 tolerance."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad import optim

torch = pytest.importorskip("torch", reason="side-by-side training needs torch (CI installs "
                                            "torch==2.13.0)")
tnn = torch.nn
STEPS, P = 20, 0.25


class TorchMaskedDropout(tnn.Module):
    """torch twin of minigrad's Dropout: draws the same masks from a twin generator."""

    def __init__(self, generator):
        super().__init__()
        self.generator = generator

    def forward(self, x):
        if not self.training:
            return x
        mask = F.dropout(mg.ones(*x.shape), P, generator=self.generator)._data
        return x * torch.from_numpy(mask)


def build(kind: str, twin_gen):
    """(minigrad model, torch model) with the same architecture."""
    mods = {
        "relu": ([nn.ReLU()], [tnn.ReLU()]),
        "sigmoid": ([nn.Sigmoid()], [tnn.Sigmoid()]),
        "tanh": ([nn.Tanh()], [tnn.Tanh()]),
        "gelu": ([nn.GELU()], [tnn.GELU()]),
        "leaky_relu": ([nn.LeakyReLU(0.1)], [tnn.LeakyReLU(0.1)]),
        "batchnorm": ([nn.BatchNorm1d(16), nn.ReLU()], [tnn.BatchNorm1d(16), tnn.ReLU()]),
        "dropout": ([nn.ReLU(), nn.Dropout(P, generator=mg.Generator(7))],
                    [tnn.ReLU(), TorchMaskedDropout(twin_gen)]),
    }[kind]
    bias = kind != "batchnorm"  # a bias before BN has a zero gradient: Adam would chase noise
    m = nn.Sequential(nn.Linear(12, 16, bias=bias), *mods[0], nn.Linear(16, 4))
    t = tnn.Sequential(tnn.Linear(12, 16, bias=bias), *mods[1], tnn.Linear(16, 4))
    t.load_state_dict({k: torch.from_numpy(v._data.copy()) for k, v in m.state_dict().items()})
    return m, t


LOSSES = {
    "cross_entropy": (lambda: nn.CrossEntropyLoss(), lambda: tnn.CrossEntropyLoss(), "labels"),
    "cross_entropy_smoothed": (lambda: nn.CrossEntropyLoss(label_smoothing=0.1),
                               lambda: tnn.CrossEntropyLoss(label_smoothing=0.1), "labels"),
    "mse": (lambda: nn.MSELoss(), lambda: tnn.MSELoss(), "values"),
    "bce_with_logits": (lambda: nn.BCEWithLogitsLoss(), lambda: tnn.BCEWithLogitsLoss(),
                        "probabilities"),
}
OPTIMIZERS = {
    "sgd_momentum": (lambda p: optim.SGD(p, lr=0.05, momentum=0.9),
                     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
    "adam": (lambda p: optim.Adam(p, lr=0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
}
CASES = [(k, "cross_entropy", "sgd_momentum") for k in
         ("relu", "sigmoid", "tanh", "gelu", "leaky_relu", "batchnorm", "dropout")]
CASES += [("relu", loss, opt) for loss in LOSSES for opt in OPTIMIZERS]
CASES += [("batchnorm", "cross_entropy", "adam"), ("dropout", "mse", "adam")]


@pytest.mark.parametrize("kind,loss,opt", sorted(set(CASES)))
def test_twenty_steps_match_torch(kind, loss, opt):
    torch.manual_seed(0)
    mg.manual_seed(0)
    m, t = build(kind, mg.Generator(7))
    lm, lt, target = LOSSES[loss][0](), LOSSES[loss][1](), LOSSES[loss][2]
    om, ot = OPTIMIZERS[opt][0](m.parameters()), OPTIMIZERS[opt][1](t.parameters())
    rng = np.random.default_rng(1)
    for step in range(STEPS):
        x = rng.standard_normal((10, 12)).astype(np.float32)
        if target == "labels":
            y = rng.integers(0, 4, 10)
        elif target == "values":
            y = rng.standard_normal((10, 4)).astype(np.float32)
        else:
            y = rng.random((10, 4)).astype(np.float32)
        om.zero_grad()
        ot.zero_grad()
        a = lm(m(mg.tensor(x)), mg.tensor(y))
        b = lt(t(torch.from_numpy(x)), torch.from_numpy(y))
        a.backward()
        b.backward()
        om.step()
        ot.step()
        np.testing.assert_allclose(a.item(), b.item(), rtol=1e-4, atol=1e-5,
                                   err_msg=f"loss at step {step}")
    tsd = t.state_dict()
    for name, v in m.state_dict().items():
        np.testing.assert_allclose(v._data, tsd[name].numpy(), rtol=1e-3, atol=1e-4,
                                   err_msg=f"{name} after {STEPS} steps")
    m.eval()
    t.eval()
    x = rng.standard_normal((5, 12)).astype(np.float32)
    with mg.no_grad(), torch.no_grad():
        np.testing.assert_allclose(m(mg.tensor(x))._data, t(torch.from_numpy(x)).numpy(),
                                   rtol=1e-3, atol=1e-4)
