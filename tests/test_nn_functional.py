"""``minigrad.nn.functional``: closed forms, numerical stability, fused single-node ops, masks,
and clear errors for bad input."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.testing import gradgradcheck

RNG = np.random.default_rng(99)


def _softmax(a, axis=-1):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _f64(a, requires_grad=False):
    return mg.tensor(np.asarray(a, np.float64), requires_grad=requires_grad)


def test_cross_entropy_value_and_closed_form_gradient():
    logits = RNG.standard_normal((5, 4))
    t = np.array([0, 3, 1, 1, 2])
    x = _f64(logits, requires_grad=True)
    loss = F.cross_entropy(x, t)
    p = _softmax(logits)
    np.testing.assert_allclose(loss.item(), -np.log(p[np.arange(5), t]).mean(), rtol=1e-12)
    loss.backward()
    onehot = np.eye(4)[t]
    np.testing.assert_allclose(x.grad._data, (p - onehot) / 5, rtol=1e-12, atol=1e-15)


def test_label_smoothing_and_weights_follow_pytorch_formula():
    logits = RNG.standard_normal((4, 3))
    t = np.array([0, 2, 1, 2])
    w = np.array([1.0, 2.0, 0.5])
    eps = 0.2
    logp = np.log(_softmax(logits))
    nll = -(w[t] * logp[np.arange(4), t]).sum() / w[t].sum()
    smooth = -(logp * w).sum() / w[t].sum()
    want = (1 - eps) * nll + eps / 3 * smooth
    got = F.cross_entropy(_f64(logits), t, weight=_f64(w), label_smoothing=eps)
    np.testing.assert_allclose(got.item(), want, rtol=1e-12)


def test_probability_targets_and_ignore_index():
    logits = RNG.standard_normal((3, 4))
    q = _softmax(RNG.standard_normal((3, 4)))
    logp = np.log(_softmax(logits))
    np.testing.assert_allclose(F.cross_entropy(_f64(logits), _f64(q)).item(),
                               -(q * logp).sum() / 3, rtol=1e-12)
    t = np.array([1, -100, 3])
    got = F.cross_entropy(_f64(logits), t, reduction="none")
    np.testing.assert_allclose(got._data, [-logp[0, 1], 0.0, -logp[2, 3]], rtol=1e-12)
    mean = F.cross_entropy(_f64(logits), t)
    np.testing.assert_allclose(mean.item(), -(logp[0, 1] + logp[2, 3]) / 2, rtol=1e-12)


def test_cross_entropy_on_k_dim_input_matches_flattened_rows():
    logits = RNG.standard_normal((2, 3, 4))
    t = RNG.integers(0, 3, (2, 4))
    got = F.cross_entropy(_f64(logits), t, reduction="none")
    assert got.shape == (2, 4)
    rows = logits.transpose(0, 2, 1).reshape(-1, 3)
    want = F.cross_entropy(_f64(rows), t.reshape(-1), reduction="none")
    np.testing.assert_allclose(got._data.reshape(-1), want._data, rtol=1e-12)
    unbatched = F.cross_entropy(_f64(logits[0, :, 0]), np.int64(t[0, 0]))
    assert unbatched.shape == () and np.isclose(unbatched.item(), got._data[0, 0])


def test_nll_of_log_softmax_equals_cross_entropy():
    x = _f64(RNG.standard_normal((6, 5)))
    t = RNG.integers(0, 5, 6)
    np.testing.assert_allclose(F.nll_loss(F.log_softmax(x, dim=1), t).item(),
                               F.cross_entropy(x, t).item(), rtol=1e-12)


@pytest.mark.parametrize("big", [1e4, -1e4])
def test_losses_are_finite_for_huge_logits(big):
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no warning inside
        x = mg.tensor([[big, 0.0, -big], [0.0, big, 1.0]], requires_grad=True)
        loss = F.cross_entropy(x, [0, 2])
        loss.backward()
        assert np.isfinite(loss.item()) and np.all(np.isfinite(x.grad._data))
        lsm = F.log_softmax(x, dim=1)
        assert np.all(np.isfinite(lsm._data))
        z = mg.tensor([big, -big, big], requires_grad=True)
        bce = F.binary_cross_entropy_with_logits(z, mg.tensor([0.0, 1.0, 1.0]), reduction="none")
        bce.sum().backward()
        assert np.all(np.isfinite(bce._data)) and np.all(np.isfinite(z.grad._data))
    expected = [max(big, 0.0), max(big, 0.0), max(-big, 0.0)]  # max(x,0) - x*y + log1p(..)
    np.testing.assert_allclose(bce._data, expected, rtol=1e-6)
    assert abs(F.cross_entropy(mg.tensor([[1e4, 0.0]]), [0]).item()) < 1e-6


def test_bce_with_logits_matches_sigmoid_formula():
    x = RNG.standard_normal(6)
    y = RNG.uniform(0, 1, 6)
    s = 1 / (1 + np.exp(-x))
    want = -(y * np.log(s) + (1 - y) * np.log(1 - s)).mean()
    got = F.binary_cross_entropy_with_logits(_f64(x), _f64(y))
    np.testing.assert_allclose(got.item(), want, rtol=1e-12)


def test_softmax_and_log_softmax():
    a = RNG.standard_normal((3, 4))
    np.testing.assert_allclose(F.softmax(_f64(a), dim=0)._data, _softmax(a, 0), rtol=1e-12)
    np.testing.assert_allclose(F.log_softmax(_f64(a), dim=-1)._data, np.log(_softmax(a)),
                               rtol=1e-12)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        np.testing.assert_allclose(F.softmax(_f64(a))._data, _softmax(a, 1))
    with pytest.raises(IndexError, match="out of range"):
        F.softmax(_f64(a), dim=2)


def test_gelu_and_leaky_relu_values():
    from scipy.special import ndtr

    a = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(F.gelu(_f64(a))._data, a * ndtr(a), rtol=1e-12)
    tanh = 0.5 * a * (1 + np.tanh(np.sqrt(2 / np.pi) * (a + 0.044715 * a**3)))
    np.testing.assert_allclose(F.gelu(_f64(a), approximate="tanh")._data, tanh, rtol=1e-12)
    np.testing.assert_allclose(F.leaky_relu(_f64(a), 0.1)._data, np.where(a > 0, a, 0.1 * a))
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(_f64(a), approximate="fast")


def test_dropout_is_inverted_and_seeded():
    x = mg.ones(200, 50)
    out = F.dropout(x, 0.3, training=True)
    vals = np.unique(out._data)
    np.testing.assert_allclose(vals, [0.0, 1 / 0.7], rtol=1e-6)
    assert abs((out._data == 0).mean() - 0.3) < 0.02
    mg.manual_seed(5)
    a = F.dropout(x, 0.5)._data
    mg.manual_seed(5)
    b = F.dropout(x, 0.5)._data
    np.testing.assert_array_equal(a, b)
    g1, g2 = mg.Generator(3), mg.Generator(3)
    np.testing.assert_array_equal(F.dropout(x, 0.5, generator=g1)._data,
                                  F.dropout(x, 0.5, generator=g2)._data)
    assert F.dropout(x, 0.5, training=False) is x
    assert np.all(F.dropout(x, 1.0)._data == 0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(x, 1.5)


def test_expensive_pieces_are_single_nodes():
    x = mg.randn(8, 5)
    lin = nn.Linear(5, 4)
    h = lin(x)
    assert h.grad_fn.op.name == "linear" and h.grad_fn.inputs[0] is x
    bn = nn.BatchNorm1d(4)
    z = bn(h)
    assert z.grad_fn.op.name == "batch_norm" and z.grad_fn.inputs[0] is h
    loss = F.cross_entropy(z, mg.tensor([0, 1, 2, 3, 0, 1, 2, 3]))
    assert loss.grad_fn.op.name == "cross_entropy_index" and loss.grad_fn.inputs[0] is z
    weighted = F.cross_entropy(z, mg.tensor([0, 1, 2, 3, 0, 1, 2, 3]), weight=mg.ones(4))
    assert weighted.grad_fn.op.name == "cross_entropy"
    assert F.log_softmax(z, 1).grad_fn.op.name == "log_softmax"


def test_second_order_through_a_small_network():
    w1, b1 = _f64(RNG.standard_normal((3, 2)), True), _f64(RNG.standard_normal(3), True)
    gamma = _f64(RNG.uniform(0.5, 2, 3), True)
    t = np.array([0, 2, 1, 1])

    def net(x, w1, b1, gamma):
        h = F.batch_norm(F.linear(x, w1, b1), None, None, gamma, None, training=True)
        return F.cross_entropy(F.gelu(h), t, label_smoothing=0.1)

    x = _f64(RNG.standard_normal((4, 2)), True)
    assert gradgradcheck(net, [x, w1, b1, gamma], atol=1e-4)


# ---- errors ----


def test_linear_shape_error_names_the_layer_and_both_shapes():
    lin = nn.Linear(784, 100)
    with pytest.raises(RuntimeError) as err:
        lin(mg.zeros(32, 785))
    msg = str(err.value)
    assert "Linear(in_features=784, out_features=100, bias=True)" in msg
    assert "(32, 785)" in msg and "(100, 784)" in msg
    with pytest.raises(TypeError, match="dtype float64 does not match weight dtype float32"):
        lin(mg.zeros(2, 784, dtype=mg.float64))
    with pytest.raises(RuntimeError, match="bias must have shape"):
        F.linear(mg.zeros(2, 3), mg.zeros(4, 3), mg.zeros(3))


def test_cross_entropy_rejects_float_labels_with_a_hint():
    with pytest.raises(TypeError, match=r"integer.*target\.long\(\)"):
        F.cross_entropy(mg.randn(4, 3), mg.tensor([0.0, 1.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match="one-hot labels must be float"):
        F.cross_entropy(mg.randn(2, 3), mg.tensor([[1, 0, 0], [0, 1, 0]]))
    with pytest.raises(ValueError, match=r"expected target of shape \(4,\)"):
        F.cross_entropy(mg.randn(4, 3), mg.tensor([0, 1]))


def test_cross_entropy_rejects_labels_out_of_range():
    with pytest.raises(IndexError, match="target 3 is out of bounds for 3 classes"):
        nn.CrossEntropyLoss()(mg.randn(2, 3), mg.tensor([0, 3]))
    with pytest.raises(IndexError, match="target -1 is out of bounds"):
        F.nll_loss(mg.randn(2, 3), [-1, 0])
    assert np.isfinite(F.cross_entropy(mg.randn(2, 3), [-100, 1]).item())  # ignore_index is fine


def test_empty_batches_and_bad_arguments():
    with pytest.raises(ValueError, match="empty batch"):
        F.cross_entropy(mg.zeros(0, 10), mg.tensor(np.zeros(0, np.int64)))
    with pytest.raises(ValueError, match="empty batch"):
        F.mse_loss(mg.zeros(0, 2), mg.zeros(0, 2))
    assert F.cross_entropy(mg.zeros(0, 10), np.zeros(0, np.int64), reduction="sum").item() == 0
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(mg.zeros(0, 3))
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        nn.CrossEntropyLoss(reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(mg.randn(2, 3), [0, 1], label_smoothing=1.5)
    with pytest.raises(ValueError, match="must be the same as input shape"):
        F.mse_loss(mg.zeros(3, 1), mg.zeros(3))
    with pytest.raises(TypeError, match="target.float"):
        F.binary_cross_entropy_with_logits(mg.zeros(3), mg.tensor([0, 1, 1]))


def test_batchnorm_input_errors_name_the_layer():
    bn = nn.BatchNorm1d(100)
    with pytest.raises(ValueError, match=r"BatchNorm1d\(100.*expected 100 features.*\(8, 50\)"):
        bn(mg.zeros(8, 50))
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        bn(mg.zeros(2, 100, 1, 1))
    with pytest.raises(RuntimeError, match="running_mean must have shape"):
        F.batch_norm(mg.zeros(4, 3), mg.zeros(2), mg.ones(2))


def test_one_hot():
    out = F.one_hot(mg.tensor([0, 2, 1]), 4)
    np.testing.assert_array_equal(out._data, np.eye(4, dtype=np.int64)[[0, 2, 1]])
    assert F.one_hot(mg.tensor([1, 3])).shape == (2, 4)
    with pytest.raises(RuntimeError, match="smaller than num_classes"):  # as PyTorch
        F.one_hot(mg.tensor([5]), 3)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_class_index_fast_path_equals_the_general_op(reduction):
    """Plain class indices take their own op; with a weight of ones, with the label that is
    ``ignore_index`` absent or with ``ignore_index`` labels present, the general op runs; the
    values and gradients agree."""
    x0 = RNG.standard_normal((6, 4))
    t = np.array([0, 3, 1, 1, 2, 0])

    def run(**kw):
        x = _f64(x0, True)
        loss = F.cross_entropy(x, t if "target" not in kw else kw.pop("target"),
                               reduction=reduction, **kw)
        loss.sum().backward()
        return loss, x.grad.numpy()

    fast, g_fast = run()
    slow, g_slow = run(weight=mg.ones(4, dtype=mg.float64))
    np.testing.assert_allclose(fast._data, slow._data, rtol=1e-12)
    np.testing.assert_allclose(g_fast, g_slow, rtol=1e-12, atol=1e-15)
    # a label equal to ignore_index (negative, or a class) is ignored, not indexed
    t_ign = np.array([0, 3, -100, 1, 2, 0])
    ign, g_ign = run(target=t_ign)
    assert np.all(g_ign[2] == 0) and np.any(g_ign[1] != 0)
    ign1, g_ign1 = run(target=t, ignore_index=1)
    assert np.all(g_ign1[[2, 3]] == 0) and np.any(g_ign1[0] != 0)
