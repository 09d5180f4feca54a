"""Every mistake a user can make on the way from data to a trained model gets an error that names
the problem (both shapes and the layer, the dtype and the fix, the bad label, the bad keys).

Single layers and losses are covered in test_nn_functional / test_nn_module / test_optim; here the
mistakes arrive the way a user makes them: through a model, an optimizer, a Trainer, a file.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.nn import functional as F
from minigrad.optim import lr_scheduler
from minigrad.serialization import CheckpointError
from minigrad.train import EarlyStopping, Trainer


def _data(n=12, features=6, classes=3):
    rng = mg.random.get_rng()
    return (rng.standard_normal((n, features)).astype(np.float32),
            rng.integers(0, classes, n).astype(np.int64))  # fmt: skip


def _fit(model, x, t, **kw):
    opt = optim.SGD(model.parameters(), lr=0.1)
    return Trainer(model, opt, (x, t), epochs=1, batch_size=4, progress=False, **kw).fit()


# ---- shapes ----------------------------------------------------------------------------------


def test_shape_mismatch_deep_in_a_model_names_that_layer_and_both_shapes():
    model = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(4, 3))  # 5 != 4
    x, t = _data()
    with pytest.raises(RuntimeError) as err:
        _fit(model, x, t)
    msg = str(err.value)
    assert "Linear(in_features=4, out_features=3, bias=True)" in msg
    assert "(4, 5)" in msg and "(3, 4)" in msg  # the batch reaching it, and its weight


def test_wrong_number_of_input_features_for_the_books_mlp():
    model = nn.MLP(784, [10], 10)
    with pytest.raises(RuntimeError, match=r"in_features=784.*input of shape \(2, 785\)"):
        model(mg.zeros(2, 785))
    assert model(mg.zeros(2, 1, 28, 28)).shape == (2, 10)  # images are flattened, as the book's


def test_targets_shaped_for_another_model():
    x, t = _data(classes=3)
    with pytest.raises(ValueError, match=r"expected target of shape \(4,\).*got \(4, 2\)"):
        _fit(nn.Linear(6, 3), x, np.zeros((12, 2), np.int64))
    with pytest.raises(ValueError, match="differ in length: 12 vs 11"):
        _fit(nn.Linear(6, 3), x, t[:11])


# ---- dtypes and labels -----------------------------------------------------------------------


def test_float_class_labels_for_cross_entropy_get_the_fix():
    x, t = _data()
    with pytest.raises(TypeError, match=r"integer class labels.*float32.*target\.long\(\)"):
        _fit(nn.Linear(6, 3), x, t.astype(np.float32))


def test_integer_labels_where_float_ones_are_needed_get_the_fix():
    with pytest.raises(TypeError, match=r"floating point.*got int64; use target\.float\(\)"):
        nn.BCEWithLogitsLoss()(mg.zeros(4), mg.tensor([0, 1, 1, 0]))


def test_inputs_of_another_dtype_than_the_model():
    x, t = _data()
    with pytest.raises(TypeError, match=r"Linear\(in_features=6.*float64 does not match.*float32"):
        _fit(nn.Linear(6, 3), x.astype(np.float64), t)
    with pytest.raises(TypeError, match="int64 does not match"):
        nn.Linear(6, 3)(mg.zeros(2, 6, dtype=mg.int64))


def test_labels_out_of_range_name_the_label_and_the_classes():
    x, t = _data(classes=3)
    t[5] = 3
    with pytest.raises(IndexError, match=r"target 3 is out of bounds for 3 classes.*0\.\.2"):
        _fit(nn.Linear(6, 3), x, t)
    t[5] = -2
    with pytest.raises(IndexError, match="target -2 is out of bounds"):
        _fit(nn.Linear(6, 3), x, t)


def test_one_hot_labels_work_and_mislabelled_one_hot_is_explained():
    x, t = _data()
    h = _fit(nn.Linear(6, 3), x, np.eye(3, dtype=np.float32)[t])  # probability targets
    assert len(h.train_loss) == 3 and all(map(math.isfinite, h.train_loss))
    with pytest.raises(ValueError, match="one-hot labels must be float"):
        F.cross_entropy(mg.zeros(4, 3), np.eye(3, dtype=np.int64)[[0, 1, 2, 0]])


# ---- empty input -----------------------------------------------------------------------------


def test_empty_training_or_validation_data_is_refused_by_name():
    x, t = _data()
    model = nn.Linear(6, 3)
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="the training data is empty"):
        Trainer(model, opt, (x[:0], t[:0]))
    with pytest.raises(ValueError, match="the validation data is empty"):
        Trainer(model, opt, (x, t), (x[:0], t[:0]))
    with pytest.raises(TypeError, match="validation data must be an .inputs, targets. pair"):
        Trainer(model, opt, (x, t), x)
    with pytest.raises(ValueError, match="eval_samples >= 1"):
        Trainer(model, opt, (x, t), eval_samples=0)
    with pytest.raises(ValueError, match="batch_size >= 1"):
        Trainer(model, opt, (x, t), batch_size=0)


def test_an_empty_batch_has_no_mean_loss():
    logits = nn.Linear(6, 3)(mg.zeros(0, 6))
    assert logits.shape == (0, 3)  # a layer passes it on, as PyTorch
    with pytest.raises(ValueError, match=r"empty batch \(input shape \(0, 3\)\)"):
        nn.CrossEntropyLoss()(logits, np.zeros(0, np.int64))


# ---- state dicts -----------------------------------------------------------------------------


def test_loading_weights_of_another_architecture_lists_every_bad_key(tmp_path):
    mg.save(nn.MLP(6, [5], 3, batchnorm=True).state_dict(), tmp_path / "w.ckpt")
    model = nn.MLP(6, [4], 3)
    with pytest.raises(RuntimeError) as err:
        model.load_state_dict(mg.load(tmp_path / "w.ckpt"))
    msg = str(err.value)
    assert 'Unexpected key(s) in state_dict: "layers.1.weight", "layers.1.bias"' in msg
    assert "layers.1.running_mean" in msg and "layers.1.num_batches_tracked" in msg
    assert 'Missing key(s) in state_dict: "layers.2.weight", "layers.2.bias"' in msg
    assert "size mismatch for layers.0.weight" in msg and "(5, 6)" in msg and "(4, 6)" in msg


def test_resume_from_a_file_that_is_not_a_trainer_checkpoint(tmp_path):
    x, t = _data()
    model = nn.Linear(6, 3)
    tr = Trainer(model, optim.SGD(model.parameters(), lr=0.1), (x, t), progress=False)
    mg.save(model.state_dict(), tmp_path / "weights.ckpt")
    with pytest.raises(ValueError, match=r"weights.ckpt: not a Trainer checkpoint: missing "
                                         r"\['model', 'optimizer'"):
        tr.resume(tmp_path / "weights.ckpt")
    (tmp_path / "junk.ckpt").write_bytes(b"PK\x03\x04" + b"\0" * 40)
    with pytest.raises(CheckpointError, match="junk.ckpt"):
        tr.resume(tmp_path / "junk.ckpt")


# ---- optimizers ------------------------------------------------------------------------------


def test_a_parameter_generator_given_twice_is_explained():
    model = nn.Linear(3, 2)
    params = model.parameters()  # a generator, as in PyTorch
    optim.SGD(params, lr=0.1)
    with pytest.raises(ValueError, match=r"empty parameter list.*generator that can be used only "
                                         r"once.*list\(model\.parameters\(\)\)"):
        optim.Adam(params)
    with pytest.raises(ValueError, match=r"^optimizer got an empty parameter list$"):
        optim.Adam([])  # a genuinely empty list gets no misleading hint
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD(set(model.parameters()), lr=0.1)


@pytest.mark.parametrize("lr", [-0.01, math.nan, math.inf, np.float32("nan")])
def test_bad_learning_rates_are_refused_when_built_and_when_stepping(lr):
    model = nn.Linear(3, 2)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        optim.SGD(model.parameters(), lr=lr)
    opt = optim.Adam([{"params": [model.weight]}, {"params": [model.bias]}], lr=0.01)
    model(mg.ones(1, 3)).sum().backward()
    opt.param_groups[1]["lr"] = lr  # set by hand after construction
    before = model.weight._data.copy()
    with pytest.raises(ValueError, match=r"Invalid learning rate in param_groups\[1\]"):
        opt.step()
    np.testing.assert_array_equal(model.weight._data, before)  # group 0 not updated either


def test_a_schedule_that_produces_nan_stops_at_the_first_step():
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    sched = lr_scheduler.LambdaLR(opt, lambda epoch: 1.0 if epoch < 1 else math.nan)
    model(mg.ones(1, 3)).sum().backward()
    opt.step()
    sched.step()
    with pytest.raises(ValueError, match="Invalid learning rate.*nan"):
        opt.step()
    assert np.isfinite(model.weight._data).all()


def test_early_stopping_monitor_names_are_checked():
    with pytest.raises(ValueError, match="'accuracy' is not a history metric.*'val_acc'"):
        EarlyStopping("accuracy")
    x, t = _data()
    with pytest.raises(ValueError, match="no validation data"):
        _fit(nn.Linear(6, 3), x, t, callbacks=[EarlyStopping("val_acc")])


def test_mixing_numpy_and_tensors_gives_short_errors_or_works():
    """A wrong mix of NumPy and minigrad says what is wrong in a line, never prints the array."""
    big = mg.randn(100, 100, requires_grad=True)
    wrong = [lambda: np.ones((50, 50)) + big, lambda: np.ones((50, 50)) @ big,
             lambda: np.isfinite(big), lambda: np.dot(np.ones((100, 100)), big),
             lambda: np.ones((5, 5)) < big, lambda: mg.tensor([big, big]),
             lambda: np.concatenate([big, np.ones((2, 100))]), lambda: float(big)]
    for f in wrong:
        with pytest.raises((RuntimeError, ValueError, TypeError)) as e:
            f()
        assert len(str(e.value)) < 300, str(e.value)[:400]
    free = big.detach()
    assert np.isfinite(free).all()  # other ufuncs see the array, as with torch tensors
    assert float(np.mean(free)) == pytest.approx(float(free.numpy().mean()), rel=1e-5)
    assert np.sum(free, axis=0).shape == (100,)


def test_empty_and_degenerate_cases_behave_as_torch():
    """A zero-width Linear, and mean/var gradients over zero elements or one, as PyTorch."""
    torch = pytest.importorskip("torch")
    import warnings

    with pytest.warns(UserWarning, match="zero-element tensors is a no-op"):
        lin = mg.nn.Linear(0, 3)
    out = lin(mg.zeros(2, 0))
    assert out.shape == (2, 3)
    np.testing.assert_array_equal(out.detach().numpy(), np.tile(lin.bias.detach().numpy(), (2, 1)))
    cases = [((0,), lambda x: x.mean()), ((3, 0), lambda x: x.mean(1).sum()),
             ((1,), lambda x: x.var()), ((0, 2), lambda x: x.var(0).sum())]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for shape, fn in cases:
            x, tx = mg.ones(*shape, requires_grad=True), torch.ones(*shape, requires_grad=True)
            y, ty = fn(x), fn(tx)
            (g,), (tg,) = mg.autograd.grad(y, x), torch.autograd.grad(ty, tx)
            assert g.shape == tuple(tg.shape), shape
            np.testing.assert_array_equal(g.numpy(), tg.numpy())
            np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
