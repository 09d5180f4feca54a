"""Every layer, loss and the MLP gradchecked in float64: input and parameter gradients of the real
module against central differences on its own parameter arrays."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.testing import gradcheck

RNG = np.random.default_rng(1234)


def _t(a, requires_grad=False):
    return mg.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def check_module(module, *inputs, eps=1e-6, atol=1e-6, rtol=1e-4, restore_buffers=False,
                 before=None):
    """Backprop vs central differences for every float input that requires grad and every
    parameter of ``module``; ``before`` runs before each evaluation (e.g. to re-seed a mask).

    ``restore_buffers`` puts the buffers back after each evaluation (training-mode BatchNorm
    updates them); without it the buffers must come out of the check unchanged.
    """
    snapshot = {k: v._data.copy() for k, v in module.named_buffers()}

    def evaluate():
        if before is not None:
            before()
        out = module(*inputs)
        if restore_buffers:
            for k, b in module.named_buffers():
                b._data[...] = snapshot[k]
        return out

    out = evaluate()
    v = _t(RNG.standard_normal(out.shape))
    module.zero_grad()
    for x in inputs:
        if isinstance(x, mg.Tensor):
            x.grad = None
    (out * v).sum().backward()
    leaves = [x for x in inputs if isinstance(x, mg.Tensor) and x.requires_grad]
    leaves += list(module.parameters())
    assert leaves, "nothing to check"
    for leaf in leaves:
        assert leaf.grad is not None, "a parameter or input got no gradient"
        analytic = leaf.grad._data
        numeric = np.zeros_like(leaf._data)
        with mg.no_grad():
            for idx in np.ndindex(leaf.shape):
                orig = leaf._data[idx]
                leaf._data[idx] = orig + eps
                plus = float((evaluate() * v).sum().item())
                leaf._data[idx] = orig - eps
                minus = float((evaluate() * v).sum().item())
                leaf._data[idx] = orig
                numeric[idx] = (plus - minus) / (2 * eps)
        np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol)
    for k, b in module.named_buffers():
        np.testing.assert_array_equal(b._data, snapshot[k], err_msg=f"buffer {k} changed")


def _x(*shape, lo=-2.0, hi=2.0, away=None):
    a = RNG.uniform(lo, hi, shape)
    if away is not None:
        a = np.where(np.abs(a - away) < 0.1, away + 0.2, a)
    return _t(a, requires_grad=True)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(4, 3), (2, 2, 3), (3,)])
def test_linear(bias, shape):
    check_module(nn.Linear(3, 2, bias=bias, dtype=mg.float64), _x(*shape))


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2)])
@pytest.mark.parametrize("affine", [True, False])
def test_batchnorm_train(shape, affine):
    bn = nn.BatchNorm1d(3, affine=affine, dtype=mg.float64)
    if affine:
        with mg.no_grad():
            bn.weight.copy_(RNG.uniform(0.5, 2.0, 3))
            bn.bias.copy_(RNG.uniform(-1, 1, 3))
    check_module(bn, _x(*shape), restore_buffers=True)


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2)])
def test_batchnorm_eval_leaves_buffers_unchanged(shape):
    bn = nn.BatchNorm1d(3, dtype=mg.float64)
    with mg.no_grad():
        bn.running_mean.copy_(RNG.uniform(-1, 1, 3))
        bn.running_var.copy_(RNG.uniform(0.5, 2, 3))
        bn.weight.copy_(RNG.uniform(0.5, 2.0, 3))
        bn.bias.copy_(RNG.uniform(-1, 1, 3))
    bn.eval()
    check_module(bn, _x(*shape))  # asserts the running statistics are untouched


def test_batchnorm_train_updates_buffers_outside_the_graph():
    bn = nn.BatchNorm1d(3, momentum=0.25, dtype=mg.float64)
    x = _x(6, 3)
    out = bn(x)
    mean, var = x._data.mean(0), x._data.var(0, ddof=1)
    np.testing.assert_allclose(bn.running_mean._data, 0.25 * mean)
    np.testing.assert_allclose(bn.running_var._data, 0.75 + 0.25 * var)
    assert int(bn.num_batches_tracked.item()) == 1
    assert not bn.running_mean.requires_grad and bn.running_mean.grad_fn is None
    xd = x.detach().numpy()
    np.testing.assert_allclose(out._data, (xd - xd.mean(0)) / np.sqrt(xd.var(0) + 1e-5))


def test_batchnorm_cumulative_average_when_momentum_is_none():
    bn = nn.BatchNorm1d(2, momentum=None, dtype=mg.float64)
    xs = [RNG.standard_normal((4, 2)) for _ in range(3)]
    for x in xs:
        bn(_t(x))
    np.testing.assert_allclose(bn.running_mean._data, np.mean([x.mean(0) for x in xs], axis=0))
    np.testing.assert_allclose(bn.running_var._data,
                               np.mean([x.var(0, ddof=1) for x in xs], axis=0))


def test_batchnorm_batch_of_one_raises_in_training_only():
    bn = nn.BatchNorm1d(4)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(mg.randn(1, 4))
    assert int(bn.num_batches_tracked.item()) == 0  # nothing was counted
    bn.eval()
    assert bn(mg.randn(1, 4)).shape == (1, 4)


def test_dropout_with_a_fixed_mask():
    gen = mg.Generator(7)
    drop = nn.Dropout(0.4, generator=gen)
    check_module(drop, _x(5, 4), before=lambda: gen.manual_seed(7))


def test_dropout_eval_is_identity():
    drop = nn.Dropout(0.5).eval()
    x = mg.randn(3, 3)
    assert drop(x) is x


@pytest.mark.parametrize("make,away", [
    (nn.ReLU, 0.0), (nn.Sigmoid, None), (nn.Tanh, None), (lambda: nn.LeakyReLU(0.2), 0.0),
    (nn.GELU, None), (lambda: nn.GELU("tanh"), None), (lambda: nn.Softmax(dim=1), None),
    (lambda: nn.LogSoftmax(dim=1), None), (lambda: nn.LogSoftmax(dim=0), None),
    (nn.Identity, None), (nn.Flatten, None),
])  # fmt: skip
def test_activations(make, away):
    check_module(make(), _x(3, 2, 2, away=away))


def _ce_cases():
    x = (4, 3)
    idx = np.array([0, 2, 1, 2])
    probs = RNG.uniform(0.05, 1, x)
    w = RNG.uniform(0.5, 2, 3)
    return [
        ({}, x, idx), ({"reduction": "sum"}, x, idx), ({"reduction": "none"}, x, idx),
        ({"label_smoothing": 0.2}, x, idx), ({"weight": w, "label_smoothing": 0.1}, x, idx),
        ({"ignore_index": 2}, x, idx), ({}, x, probs), ({"label_smoothing": 0.3}, x, probs),
        ({}, (2, 3, 2), np.array([[0, 1], [2, 2]])),
    ]


@pytest.mark.parametrize("kwargs,shape,target", _ce_cases())
def test_cross_entropy_loss(kwargs, shape, target):
    kwargs = dict(kwargs)
    if "weight" in kwargs:
        kwargs["weight"] = _t(kwargs["weight"])
    tgt = mg.tensor(target) if target.dtype.kind == "i" else _t(target, requires_grad=True)
    check_module(nn.CrossEntropyLoss(**kwargs), _x(*shape), tgt)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss(reduction):
    logp = nn.LogSoftmax(dim=1)(_x(4, 3)).detach().requires_grad_()
    check_module(nn.NLLLoss(reduction=reduction, weight=_t([1.0, 2.0, 0.5])), logp,
                 mg.tensor([0, 2, 1, 1]))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss(reduction):
    check_module(nn.MSELoss(reduction=reduction), _x(3, 2), _x(3, 2))


@pytest.mark.parametrize("kwargs", [{}, {"reduction": "sum"}, {"weight": [1.0, 0.5]},
                                    {"pos_weight": [2.0, 0.5]}])
def test_bce_with_logits_loss(kwargs):
    kwargs = {k: (_t(v) if isinstance(v, list) else v) for k, v in kwargs.items()}
    y = _t(RNG.uniform(0, 1, (3, 2)), requires_grad=True)
    check_module(nn.BCEWithLogitsLoss(**kwargs), _x(3, 2), y)


def _small_mlp(**kw):
    model = nn.MLP(3, [4, 4], 2, **kw).double()
    with mg.no_grad():  # nonzero biases: an all-dead layer would put the next ReLU exactly at 0
        for m in model.linears():
            m.bias.copy_(RNG.uniform(0.1, 0.5, m.bias.shape))
    return model


@pytest.mark.parametrize("kw", [{}, {"activation": "sigmoid", "weight_init": "xavier"},
                                {"batchnorm": True}])
def test_mlp_end_to_end(kw):
    model = _small_mlp(**kw)
    x = _x(6, 3)
    t = mg.tensor([0, 1, 1, 0, 1, 0])
    loss = nn.CrossEntropyLoss()
    check_module(_Loss(model, loss, t), x, restore_buffers=True)


class _Loss(nn.Module):
    """model + loss as one module, so its parameters are the model's."""

    def __init__(self, model, loss, target):
        super().__init__()
        self.model, self.loss, self.target = model, loss, target

    def forward(self, x):
        return self.loss(self.model(x), self.target)


def test_mlp_with_dropout_and_fixed_mask():
    model = _small_mlp(dropout=0.3)
    gens = []
    for m in model.modules():
        if isinstance(m, nn.Dropout):
            m.generator = mg.Generator(0)
            gens.append(m.generator)
    check_module(model, _x(5, 3), before=lambda: [g.manual_seed(3) for g in gens])


def test_mlp_layout_and_book_init():
    mg.manual_seed(0)
    model = nn.MLP(784, [100] * 4, 10, batchnorm=True, dropout=0.2)
    kinds = [type(m).__name__ for m in model.layers]
    assert kinds == ["Linear", "BatchNorm1d", "ReLU", "Dropout"] * 4 + ["Linear"]
    for lin in model.linears():
        assert np.all(lin.bias._data == 0)
        std = np.sqrt(2.0 / lin.in_features)
        assert abs(lin.weight._data.std() / std - 1) < 0.05
    assert model(mg.randn(8, 1, 28, 28)).shape == (8, 10)  # 4-D input is flattened


def test_mlp_param_groups_decay_weights_only():
    model = nn.MLP(5, [4, 4], 3, batchnorm=True)
    decay, rest = model.param_groups(0.1)
    assert decay["weight_decay"] == 0.1 and rest["weight_decay"] == 0.0
    assert [id(p) for p in decay["params"]] == [id(m.weight) for m in model.linears()]
    assert len(decay["params"]) == 3
    named = dict(model.named_parameters())
    rest_names = sorted(k for k, p in named.items() if any(p is q for q in rest["params"]))
    assert all(k.endswith(".bias") or k.startswith("layers.1.") or k.startswith("layers.4.")
               for k in rest_names)
    assert len(decay["params"]) + len(rest["params"]) == len(named)
    # the book's penalty 0.5*lam*sum(W^2) has gradient lam*W: what SGD's weight_decay adds
    model.zero_grad()
    model.l2_penalty(0.1).backward()
    for m in model.linears():
        np.testing.assert_allclose(m.weight.grad._data, 0.1 * m.weight._data, rtol=1e-6)
        assert m.bias.grad is None


def test_mlp_rejects_bad_specs():
    with pytest.raises(ValueError, match="activation"):
        nn.MLP(3, [2], 2, activation="swish")
    with pytest.raises(ValueError, match="weight init"):
        nn.MLP(3, [2], 2, weight_init="orthogonal")
    with pytest.raises(ValueError, match="dropout"):
        nn.MLP(3, [2], 2, dropout=1.0)


def test_functional_layers_match_gradcheck_for_all_inputs():
    """F.linear with every input differentiated, through the public gradcheck."""
    import minigrad.nn.functional as F

    x, w, b = _x(3, 4), _x(2, 4), _x(2)
    assert gradcheck(lambda x, w, b: F.linear(x, w, b).tanh(), [x, w, b])
