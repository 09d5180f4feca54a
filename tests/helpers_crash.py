"""Child process for tests/test_crash_safety.py: writes files in a loop until it is SIGKILLed.

    python tests/helpers_crash.py checkpoint DIR START [--plain]   minigrad.save of state START..
    python tests/helpers_crash.py idx DIR START [--plain]          write_idx of array START..
    python tests/helpers_crash.py train DIR EPOCHS                 a Trainer, checkpoint per epoch

Each line printed (flushed) means "this write returned": ``saved K`` or ``epoch K``. ``--plain``
swaps the atomic writer for a plain ``open`` (the control experiment: a kill then corrupts).
"""

from __future__ import annotations

import contextlib
import os
import sys

import numpy as np

__all__ = ["CHECKPOINT", "IDX", "TRAIN", "checkpoint_state", "idx_array", "make_trainer"]

CHECKPOINT, IDX, TRAIN = "state.ckpt", "images-idx3-ubyte", "train.ckpt"
_BIG = 6_000_000  # float32 elements: with the float64 part, a 40 MB checkpoint


def checkpoint_state(k: int) -> dict:
    """State number ``k``: every array depends on ``k``, so a mix of two states is detected."""
    return {"k": k, "w": np.full(_BIG, k, np.float32),
            "v": np.arange(_BIG // 3, dtype=np.float64) * (k + 1), "note": f"state {k}"}


def idx_array(k: int) -> np.ndarray:
    """Array number ``k`` for the IDX writer (uint8 images, 32 MB)."""
    return np.full((40_000, 28, 28), k % 251, np.uint8)


def make_trainer(epochs: int):
    """A wide net on real digits: cheap updates, a 26 MB checkpoint (weights + momentum)."""
    import minigrad as mg
    from minigrad import nn, optim
    from minigrad.datasets import load_mnist
    from minigrad.optim import lr_scheduler
    from minigrad.train import Trainer

    (x, t), _ = load_mnist()
    mg.manual_seed(7)
    model = nn.MLP(784, [4096], 10, dropout=0.1)
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    sched = lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    return Trainer(model, opt, (x[:64], t[:64].astype(np.int64)), epochs=epochs, batch_size=32,
                   scheduler=sched, progress=False, generator=mg.Generator().manual_seed(8))


@contextlib.contextmanager
def _plain_open(path, mode="wb", **_):
    """What a naive writer does: truncate the target and write into it."""
    with open(path, mode) as f:
        yield f


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> None:
    mode, directory, number = argv[0], argv[1], int(argv[2])
    if "--plain" in argv:
        import minigrad.datasets.idx
        import minigrad.serialization

        minigrad.serialization.atomic_open = _plain_open
        minigrad.datasets.idx.atomic_open = _plain_open
    if mode == "checkpoint":
        import minigrad

        for k in range(number, number + 10_000):
            minigrad.save(checkpoint_state(k), os.path.join(directory, CHECKPOINT))
            _say(f"saved {k}")
    elif mode == "idx":
        from minigrad.datasets.idx import write_idx

        for k in range(number, number + 10_000):
            write_idx(os.path.join(directory, IDX), idx_array(k))
            _say(f"saved {k}")
    elif mode == "train":
        from minigrad.train import Callback, Checkpoint

        class Report(Callback):
            def on_epoch_end(self, trainer, epoch):
                _say(f"epoch {epoch + 1}")

        path = os.path.join(directory, TRAIN)
        trainer = make_trainer(number)
        if os.path.exists(path):
            trainer.resume(path)
        trainer.callbacks += [Checkpoint(path), Report()]
        trainer.fit()
        _say("done")
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
