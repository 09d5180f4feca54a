"""Trainer: the book's training loop grown up (history, evaluation, progress bar, callbacks).

One epoch is ``ceil(N / batch_size)`` updates over a reshuffled dataset (PyTorch's habit), or,
with ``sampling="replacement"``, ``max(N / batch_size, 1)`` batches drawn with replacement as the
book's ``Trainer`` does. Evaluation runs after every epoch (and before the first with
``eval_at_start``), in eval mode and without a graph.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from . import autograd
from .optim.lr_scheduler import ReduceLROnPlateau
from .random import Generator, get_rng
from .tensor import Tensor

__all__ = ["Trainer", "History", "Callback", "EarlyStopping", "Checkpoint", "accuracy",
           "progress_bar"]


@dataclass
class History:
    """Per-iteration training loss and per-evaluation metrics, as plain lists."""

    train_loss: list[float] = field(default_factory=list)
    epoch: list[int] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    train_eval_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)

    def to_dict(self) -> dict[str, list]:
        return {k: list(v) for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, d: dict[str, Sequence]) -> History:
        return cls(**{k: list(v) for k, v in d.items()})


class Callback:
    """Hooks the Trainer calls; return True from ``on_epoch_end`` to stop training."""

    def on_epoch_end(self, trainer: Trainer, epoch: int) -> bool | None:
        return None

    def state_dict(self) -> dict[str, Any]:
        """What a resumed run needs to continue exactly (saved in Trainer checkpoints)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        return None


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` evaluations."""

    def __init__(self, monitor: str = "val_loss", patience: int = 5, mode: str | None = None,
                 min_delta: float = 0.0) -> None:
        metrics = [f.name for f in fields(History)]
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(f"EarlyStopping: patience must be an integer >= 1, got {patience!r}")
        if mode not in (None, "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min', 'max' or None, got {mode!r}")
        if monitor not in metrics:
            raise ValueError(f"EarlyStopping: {monitor!r} is not a history metric; use one of "
                             f"{metrics}")
        self.monitor, self.patience, self.min_delta = monitor, patience, min_delta
        self.mode = mode or ("min" if "loss" in monitor else "max")
        self.best: float | None = None
        self.bad = 0

    def on_epoch_end(self, trainer: Trainer, epoch: int) -> bool:
        values = getattr(trainer.history, self.monitor)
        if not values:
            hint = (": the Trainer has no validation data (pass val_data, or monitor "
                    "'train_eval_loss')" if self.monitor.startswith("val_") else "")
            raise ValueError(f"EarlyStopping: no value of {self.monitor!r} was recorded{hint}")
        value = values[-1]
        better = self.best is None or (
            value < self.best - self.min_delta if self.mode == "min"
            else value > self.best + self.min_delta)
        if better:
            self.best, self.bad = value, 0
        else:
            self.bad += 1
        return self.bad >= self.patience

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "bad": self.bad}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.bad = state["best"], int(state["bad"])


class Checkpoint(Callback):
    """Save model, optimizer, scheduler, history and RNG state every ``every`` epochs."""

    def __init__(self, path: str | Path, every: int = 1) -> None:
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"Checkpoint: every must be an integer >= 1, got {every!r}")
        self.path, self.every = Path(path), every

    def on_epoch_end(self, trainer: Trainer, epoch: int) -> None:
        if (epoch + 1) % self.every == 0:
            trainer.save_checkpoint(self.path)


def progress_bar(enabled: bool, **kwargs: Any) -> Any:
    """A tqdm bar (tqdm is optional: None without it, or when disabled); closes on its own line."""
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(leave=False, **kwargs)


def accuracy(logits: Tensor, targets: Any) -> float:
    """Fraction of rows whose arg-max matches the label (labels or one-hot rows)."""
    t = np.asarray(getattr(targets, "_data", targets))
    if t.ndim == 2:
        t = t.argmax(axis=1)
    return float(np.mean(logits._data.argmax(axis=1) == t))


def _arrays(data: Any, what: str = "training data") -> tuple[np.ndarray, np.ndarray]:
    """(inputs, targets) as arrays from a pair or a TensorDataset-like object."""
    if isinstance(data, tuple | list) and len(data) == 2:
        x, t = data
    elif hasattr(data, "tensors"):
        x, t = data.tensors
    else:
        raise TypeError(f"{what} must be an (inputs, targets) pair or a TensorDataset, got "
                        f"{type(data).__name__}")
    x, t = np.asarray(getattr(x, "_data", x)), np.asarray(getattr(t, "_data", t))
    if len(x) != len(t):
        raise ValueError(f"{what}: inputs and targets differ in length: {len(x)} vs {len(t)}")
    if len(x) == 0:
        raise ValueError(f"the {what} is empty")
    return x, t


class Trainer:
    """Train ``model`` with ``optimizer`` on (inputs, targets) arrays; see the module docstring."""

    def __init__(
        self,
        model: Any,
        optimizer: Any,
        train_data: Any,
        val_data: Any = None,
        *,
        loss_fn: Callable[[Tensor, Tensor], Tensor] | None = None,
        epochs: int = 20,
        batch_size: int = 100,
        sampling: str = "shuffle",
        eval_at_start: bool = False,
        eval_samples: int | None = None,
        eval_batch_size: int = 2000,
        scheduler: Any = None,
        callbacks: Sequence[Callback] = (),
        progress: bool = True,
        generator: Generator | None = None,
        desc: str | None = None,
    ) -> None:
        if sampling not in ("shuffle", "replacement"):
            raise ValueError(f"sampling must be 'shuffle' or 'replacement', got {sampling!r}")
        if batch_size < 1 or epochs < 0:
            raise ValueError(f"need batch_size >= 1 and epochs >= 0, got {batch_size}, {epochs}")
        if eval_batch_size < 1 or (eval_samples is not None and eval_samples < 1):
            raise ValueError(f"need eval_batch_size >= 1 and eval_samples >= 1 (or None), got "
                             f"{eval_batch_size}, {eval_samples}")
        if loss_fn is None:
            from .nn import CrossEntropyLoss

            loss_fn = CrossEntropyLoss()
        self.model, self.optimizer, self.loss_fn = model, optimizer, loss_fn
        self.x, self.t = _arrays(train_data)
        self.val = _arrays(val_data, "validation data") if val_data is not None else None
        self.epochs, self.batch_size, self.sampling = int(epochs), int(batch_size), sampling
        self.eval_at_start, self.eval_samples = eval_at_start, eval_samples
        self.eval_batch_size = eval_batch_size
        self.scheduler, self.callbacks = scheduler, list(callbacks)
        self.progress, self.generator, self.desc = progress, generator, desc
        self.history = History()
        self.epochs_done = 0

    # ---- one step and one evaluation ----
    def train_step(self, xb: np.ndarray, tb: np.ndarray) -> float:
        """One update on a batch; returns the batch loss before the update."""
        self.model.train()
        self.optimizer.zero_grad()
        loss = self.loss_fn(self.model(Tensor._wrap(xb)), Tensor._wrap(tb))
        loss.backward()
        self.optimizer.step()
        return float(loss._data)

    def evaluate(self, x: np.ndarray, t: np.ndarray) -> tuple[float, float]:
        """(loss, accuracy) on all of ``x`` (or its first ``eval_samples``), in eval mode."""
        if self.eval_samples is not None:
            x, t = x[: self.eval_samples], t[: self.eval_samples]
        self.model.eval()
        total, correct = 0.0, 0.0
        with autograd.no_grad():
            for i in range(0, len(x), self.eval_batch_size):
                xb, tb = x[i:i + self.eval_batch_size], t[i:i + self.eval_batch_size]
                logits = self.model(Tensor._wrap(xb))
                total += float(self.loss_fn(logits, Tensor._wrap(tb))._data) * len(xb)
                correct += accuracy(logits, tb) * len(xb)
        self.model.train()
        return total / len(x), correct / len(x)

    def _record_eval(self, epoch: int) -> None:
        loss, acc = self.evaluate(self.x, self.t)
        h = self.history
        h.epoch.append(epoch)
        h.train_eval_loss.append(loss)
        h.train_acc.append(acc)
        if self.val is not None:
            vloss, vacc = self.evaluate(*self.val)
            h.val_loss.append(vloss)
            h.val_acc.append(vacc)

    # ---- the loop ----
    def batches(self) -> list[np.ndarray]:
        """Index arrays for one epoch, drawn from the seeded generator."""
        n, rng = len(self.x), get_rng(self.generator)
        if self.sampling == "replacement":
            steps = max(int(round(n / self.batch_size)), 1)
            return [rng.choice(n, self.batch_size) for _ in range(steps)]
        order = rng.permutation(n)
        return [order[i:i + self.batch_size] for i in range(0, n, self.batch_size)]

    def fit(self) -> History:
        """Train for the remaining epochs and return the history."""
        if self.eval_at_start and self.epochs_done == 0 and not self.history.epoch:
            self._record_eval(0)
        bar = self._bar()
        try:
            for epoch in range(self.epochs_done, self.epochs):
                for idx in self.batches():
                    self.history.train_loss.append(self.train_step(self.x[idx], self.t[idx]))
                plateau = isinstance(self.scheduler, ReduceLROnPlateau)
                if self.scheduler is not None and not plateau:
                    self.scheduler.step()
                self.epochs_done = epoch + 1
                self._record_eval(self.epochs_done)
                if plateau:  # it steps on the epoch's evaluation, as torch scripts call it
                    self.scheduler.step(self._plateau_metric())
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(self._postfix())
                stop = False
                for cb in self.callbacks:
                    stop = bool(cb.on_epoch_end(self, epoch)) or stop
                if stop:
                    break
        finally:
            if bar is not None:
                bar.close()
        return self.history

    def _plateau_metric(self) -> float:
        """The validation loss (the training-set evaluation loss without validation data)."""
        h = self.history
        return h.val_loss[-1] if h.val_loss else h.train_eval_loss[-1]

    def _postfix(self) -> dict[str, str]:
        h = self.history
        out = {"loss": f"{h.train_loss[-1]:.3f}" if h.train_loss else "-",
               "train": f"{h.train_acc[-1]:.3f}"}
        if h.val_acc:
            out["val"] = f"{h.val_acc[-1]:.3f}"
        return out

    def _bar(self) -> Any:
        return progress_bar(self.progress, total=self.epochs, initial=self.epochs_done,
                            desc=self.desc or "epochs", unit="epoch")

    # ---- checkpoints ----
    def state_dict(self) -> dict[str, Any]:
        state = {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "history": self.history.to_dict(),
            "epochs_done": self.epochs_done,
            "rng": _rng_state(self.generator),
        }
        if self.generator is not None:  # layers such as Dropout still draw from the default one
            state["default_rng"] = _rng_state(None)
        if self.scheduler is not None:
            state["scheduler"] = self.scheduler.state_dict()
        state["callbacks"] = [{"type": type(cb).__name__, "state": cb.state_dict()}
                              for cb in self.callbacks]
        state["module_rngs"] = {name: _rng_state(m.generator) for name, m in _own_generators(
            self.model)}
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        _check_state(state)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and "scheduler" in state:
            self.scheduler.load_state_dict(state["scheduler"])
        self.history = History.from_dict(state["history"])
        self.epochs_done = int(state["epochs_done"])
        _set_rng_state(self.generator, state["rng"])
        if self.generator is not None and "default_rng" in state:
            _set_rng_state(None, state["default_rng"])
        saved: dict[str, list] = {}  # each callback takes the next saved state of its type
        for entry in state.get("callbacks", []):
            saved.setdefault(entry["type"], []).append(entry["state"])
        for cb in self.callbacks:
            queue = saved.get(type(cb).__name__)
            if queue:
                cb.load_state_dict(queue.pop(0))
        for name, m in _own_generators(self.model):
            if name in state.get("module_rngs", {}):
                _set_rng_state(m.generator, state["module_rngs"][name])

    def save_checkpoint(self, path: str | Path) -> None:
        """Write everything needed to resume, atomically (the previous file survives a crash)."""
        from .serialization import save

        save(self.state_dict(), path)

    def resume(self, path: str | Path) -> Trainer:
        """Load a checkpoint written by :meth:`save_checkpoint`; ``fit()`` then continues.

        The random state comes back too: the Trainer's generator and, when it has its own, the
        default one (which layers such as Dropout draw from), so the run continues bit for bit.
        """
        from .serialization import load

        state = load(path)
        _check_state(state, f"{path}: ")
        self.load_state_dict(state)
        return self


_STATE_KEYS = ("model", "optimizer", "history", "epochs_done", "rng")


def _check_state(state: Any, where: str = "") -> None:
    """Raise a clear ValueError unless ``state`` looks like ``Trainer.state_dict()``."""
    missing = [k for k in _STATE_KEYS if not isinstance(state, dict) or k not in state]
    if missing:
        raise ValueError(f"{where}not a Trainer checkpoint: missing {missing} (write one with "
                         "Trainer.save_checkpoint or the Checkpoint callback)")


def _own_generators(model: Any) -> list[tuple[str, Any]]:
    """(name, module) for every submodule with a generator of its own (``Dropout(generator=)``)."""
    if not hasattr(model, "named_modules"):
        return []
    return [(name, m) for name, m in model.named_modules()
            if isinstance(getattr(m, "generator", None), Generator)]


def _rng_state(generator: Generator | None) -> dict[str, Any]:
    state = get_rng(generator).bit_generator.state
    return {"bit_generator": state["bit_generator"], "state": {k: str(v) for k, v in
            state["state"].items()}, "has_uint32": state["has_uint32"],
            "uinteger": state["uinteger"]}


def _set_rng_state(generator: Generator | None, saved: dict[str, Any]) -> None:
    state = dict(saved)
    state["state"] = {k: int(v) for k, v in saved["state"].items()}
    get_rng(generator).bit_generator.state = state
