"""minigrad.train.Trainer: history bookkeeping, sampling modes, progress bar, callbacks, and a
run resumed from a checkpoint that ends bit for bit where an uninterrupted run ends."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.datasets import load_mnist
from minigrad.optim import lr_scheduler
from minigrad.serialization import load
from minigrad.train import Callback, Checkpoint, EarlyStopping, Trainer, accuracy

N_TRAIN, N_VAL, BATCH = 120, 60, 32  # ceil(120 / 32) = 4 updates per shuffled epoch


@functools.lru_cache(maxsize=1)
def _mnist() -> tuple[np.ndarray, ...]:
    (x, t), (xv, tv) = load_mnist()  # the bundled real subset when no MNIST is installed
    return x[:N_TRAIN], t[:N_TRAIN].astype(np.int64), xv[:N_VAL], tv[:N_VAL].astype(np.int64)


def _trainer(tmp_path=None, *, seed=0, generator="own", epochs=3, lr=0.1, dropout=0.0,
             batchnorm=False, scheduler=True, val=True, **kw) -> Trainer:
    """A small MLP on real MNIST digits, its optimizer (momentum: state to save) and schedule."""
    mg.manual_seed(seed)
    x, t, xv, tv = _mnist()
    model = nn.MLP(784, [24, 16], 10, dropout=dropout, batchnorm=batchnorm)
    opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    sched = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5) if scheduler else None
    gen = mg.Generator().manual_seed(seed + 1) if generator == "own" else None
    kw.setdefault("progress", False)
    return Trainer(model, opt, (x, t), (xv, tv) if val else None, epochs=epochs,
                   batch_size=BATCH, scheduler=sched, generator=gen, **kw)


# ---- history ------------------------------------------------------------------------------


def test_history_lengths_per_iteration_and_per_evaluation():
    h = _trainer(epochs=3).fit()
    assert len(h.train_loss) == 3 * 4  # one loss per update
    assert h.epoch == [1, 2, 3]  # one evaluation per epoch
    for name in ("train_acc", "val_acc", "train_eval_loss", "val_loss"):
        assert len(getattr(h, name)) == 3, name
    assert all(np.isfinite(h.train_loss)) and all(0.0 <= a <= 1.0 for a in h.val_acc)
    h = _trainer(epochs=2, eval_at_start=True, val=False).fit()
    assert h.epoch == [0, 1, 2] and len(h.train_acc) == 3 and len(h.train_loss) == 8
    assert h.val_acc == [] and h.val_loss == []


def test_evaluation_is_the_real_accuracy_and_mean_loss():
    tr = _trainer(epochs=1, val=True)
    h = tr.fit()
    x, t, xv, tv = _mnist()
    tr.model.eval()
    with mg.no_grad():
        logits = tr.model(mg.from_numpy(xv))
        loss = nn.functional.cross_entropy(logits, tv).item()
    assert h.val_acc[-1] == pytest.approx(float(np.mean(logits._data.argmax(1) == tv)))
    assert h.val_loss[-1] == pytest.approx(loss, rel=1e-5)
    assert accuracy(logits, np.eye(10)[tv]) == accuracy(logits, tv)  # one-hot rows work too


def test_training_learns_on_real_digits():
    h = _trainer(epochs=4, lr=0.05).fit()
    assert h.train_acc[-1] > 0.5  # from chance (0.1) to well above
    assert np.mean(h.train_loss[-4:]) < np.mean(h.train_loss[:4])


# ---- sampling ------------------------------------------------------------------------------


def test_shuffle_visits_every_sample_once_per_epoch_in_a_new_order():
    tr = _trainer()
    first, second = tr.batches(), tr.batches()
    for epoch in (first, second):
        assert [len(b) for b in epoch] == [32, 32, 32, 24]
        np.testing.assert_array_equal(np.sort(np.concatenate(epoch)), np.arange(N_TRAIN))
    assert not np.array_equal(np.concatenate(first), np.concatenate(second))


def test_replacement_draws_full_batches_with_repeats_as_the_book():
    tr = _trainer(sampling="replacement")
    epoch = tr.batches()
    assert len(epoch) == round(N_TRAIN / BATCH) == 4 and all(len(b) == BATCH for b in epoch)
    drawn = np.concatenate(epoch)
    assert len(np.unique(drawn)) < len(drawn)  # 128 draws from 120 samples: some repeat
    assert not np.array_equal(np.concatenate(tr.batches()), drawn)
    h = tr.fit()
    assert len(h.train_loss) == 3 * 4
    with pytest.raises(ValueError, match="sampling must be 'shuffle' or 'replacement'"):
        _trainer(sampling="bootstrap")


def test_same_seed_same_run_other_seed_other_run():
    a, b = _trainer(seed=3).fit(), _trainer(seed=3).fit()
    assert a.to_dict() == b.to_dict()
    assert _trainer(seed=4).fit().train_loss != a.train_loss


# ---- progress bar and callbacks ------------------------------------------------------------


def test_progress_false_prints_nothing_and_true_shows_a_bar(capsys):
    _trainer(epochs=1, progress=False).fit()
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    pytest.importorskip("tqdm")
    _trainer(epochs=1, progress=True, desc="digits").fit()
    assert "digits" in capsys.readouterr().err  # the same run with the bar on does print


def test_early_stopping_stops_when_the_monitor_stops_improving():
    h = _trainer(epochs=10, lr=0.0, callbacks=[EarlyStopping("val_loss", patience=2)]).fit()
    assert h.epoch == [1, 2, 3]  # lr 0: no improvement after the first evaluation
    stopper = EarlyStopping("val_acc", patience=1)
    assert stopper.mode == "max"
    h = _trainer(epochs=10, lr=0.0, callbacks=[stopper]).fit()
    assert h.epoch == [1, 2] and stopper.best == h.val_acc[0] and stopper.bad == 1
    # real improvements smaller than min_delta do not count ...
    h = _trainer(epochs=10, lr=0.05,
                 callbacks=[EarlyStopping("train_eval_loss", patience=3, min_delta=10.0)]).fit()
    assert h.epoch == [1, 2, 3, 4] and h.train_eval_loss[-1] < h.train_eval_loss[0]
    # ... and a monitor that always counts as improving never stops the run
    h = _trainer(epochs=5, callbacks=[EarlyStopping("val_loss", patience=1,
                                                    min_delta=-math.inf)]).fit()
    assert h.epoch == [1, 2, 3, 4, 5]


def test_early_stopping_on_a_metric_that_is_not_recorded_says_so():
    tr = _trainer(epochs=2, val=False, callbacks=[EarlyStopping("val_loss")])
    with pytest.raises(ValueError, match="'val_loss'.*no validation data"):
        tr.fit()
    with pytest.raises(ValueError, match="'val_accuracy' is not a history metric"):
        EarlyStopping("val_accuracy")  # refused when built, not after an epoch of training


class _Seen(Callback):
    """Records, at each epoch end, whether the checkpoint file exists and what it holds."""

    def __init__(self, path):
        self.path, self.seen = path, []

    def on_epoch_end(self, trainer, epoch):
        self.seen.append(load(self.path)["epochs_done"] if self.path.exists() else None)


def test_checkpoint_every_n_epochs_writes_the_file(tmp_path):
    path = tmp_path / "run.ckpt"
    seen = _Seen(path)
    tr = _trainer(epochs=5, callbacks=[Checkpoint(path, every=2), seen])
    tr.fit()
    assert seen.seen == [None, 2, 2, 4, 4]
    state = load(path)
    assert state["epochs_done"] == 4 and len(state["history"]["train_loss"]) == 16
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.ckpt"]  # no temp file left


# ---- resume --------------------------------------------------------------------------------


def _params(tr: Trainer) -> dict[str, np.ndarray]:
    return {k: v._data.copy() for k, v in tr.model.state_dict().items()}


def _assert_same_run(resumed: Trainer, full: Trainer) -> None:
    assert resumed.history.to_dict() == full.history.to_dict()  # every float, bit for bit
    a, b = _params(resumed), _params(full)
    assert list(a) == list(b)
    for k in a:
        assert a[k].dtype == b[k].dtype
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    sa, sb = resumed.optimizer.state_dict(), full.optimizer.state_dict()
    for i in sb["state"]:
        np.testing.assert_array_equal(sa["state"][i]["momentum_buffer"]._data,
                                      sb["state"][i]["momentum_buffer"]._data)
    assert sa["param_groups"][0]["lr"] == sb["param_groups"][0]["lr"] == 0.1 * 0.5**3
    assert resumed.scheduler.state_dict() == full.scheduler.state_dict()


@pytest.mark.parametrize("generator", ["own", "default"])
@pytest.mark.parametrize("sampling", ["shuffle", "replacement"])
def test_resumed_run_equals_uninterrupted_run_bit_for_bit(tmp_path, generator, sampling):
    """6 epochs straight == 3 epochs, checkpoint, fresh objects (other seed), resume, 3 more.

    The model has Dropout (masks from the default generator) and BatchNorm (buffers), so the
    checkpoint must carry both generators' states and the running statistics."""
    kw = dict(generator=generator, sampling=sampling, dropout=0.2, batchnorm=True)
    full = _trainer(epochs=6, **kw)
    full.fit()

    path = tmp_path / "half.ckpt"
    half = _trainer(epochs=3, callbacks=[Checkpoint(path)], **kw)
    half.fit()
    mg.randn(100)  # later draws from the default generator must not leak into the resume

    fresh = _trainer(epochs=6, seed=99, **kw)  # other initial weights and generator states
    fresh.scheduler = lr_scheduler.StepLR(fresh.optimizer, step_size=2, gamma=0.5)
    assert fresh.resume(path) is fresh and fresh.epochs_done == 3
    assert fresh.history.epoch == [1, 2, 3]
    fresh.fit()
    _assert_same_run(fresh, full)


def test_resume_of_a_finished_run_trains_no_further(tmp_path):
    path = tmp_path / "done.ckpt"
    tr = _trainer(epochs=2, callbacks=[Checkpoint(path)])
    tr.fit()
    again = _trainer(epochs=2, seed=5).resume(path)
    before = _params(again)
    again.fit()
    assert again.history.to_dict() == tr.history.to_dict()
    for k, v in _params(again).items():
        np.testing.assert_array_equal(v, before[k])


def test_resume_into_a_different_model_names_the_mismatched_keys(tmp_path):
    path = tmp_path / "ck.ckpt"
    _trainer(epochs=1, callbacks=[Checkpoint(path)]).fit()
    mg.manual_seed(0)
    x, t, _, _ = _mnist()
    other = nn.MLP(784, [24, 8], 10)
    tr = Trainer(other, optim.SGD(other.parameters(), lr=0.1, momentum=0.9), (x, t),
                 progress=False)
    with pytest.raises(RuntimeError, match=r"size mismatch for layers\.2\.weight.*\(16, 24\)"):
        tr.resume(path)
    with pytest.raises(FileNotFoundError, match="missing.ckpt"):
        tr.resume(tmp_path / "missing.ckpt")


def test_resume_equals_uninterrupted_with_early_stopping_plateau_and_an_own_dropout_rng(tmp_path):
    """EarlyStopping's counters, ReduceLROnPlateau's state and a Dropout's own generator travel
    in the checkpoint: a resumed run stops at the same epoch with the same numbers."""

    def make(epochs, seed=0, path=None):
        mg.manual_seed(seed)
        x, t, xv, tv = _mnist()
        model = nn.Sequential(nn.Linear(784, 16), nn.ReLU(),
                              nn.Dropout(0.3, generator=mg.Generator(seed + 7)), nn.Linear(16, 10))
        opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
        cbs = [EarlyStopping("val_loss", patience=2, min_delta=0.5)]
        if path is not None:
            cbs.append(Checkpoint(path))
        return Trainer(model, opt, (x, t), (xv, tv), epochs=epochs, batch_size=50,
                       scheduler=lr_scheduler.ReduceLROnPlateau(opt, patience=0, factor=0.5),
                       callbacks=cbs, progress=False, generator=mg.Generator(seed))

    full = make(8)
    full.fit()
    assert len(full.history.epoch) < 8  # EarlyStopping ended it early
    path = tmp_path / "ck.ckpt"
    half = make(4, path=path)  # EarlyStopping has counted one bad epoch by then
    half.fit()
    fresh = make(8, seed=3)
    fresh.resume(path)
    fresh.fit()
    assert fresh.history.to_dict() == full.history.to_dict()
    assert fresh.optimizer.param_groups[0]["lr"] == full.optimizer.param_groups[0]["lr"]


def test_bad_callback_arguments_are_refused_when_constructed(tmp_path):
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="every must be an integer >= 1"):
            Checkpoint(tmp_path / "x", every=bad)
    with pytest.raises(ValueError, match="patience must be an integer >= 1"):
        EarlyStopping(patience=0)
    with pytest.raises(ValueError, match="mode must be"):
        EarlyStopping(mode="lowest")
