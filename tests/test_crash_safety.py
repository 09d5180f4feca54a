"""No lost work: a process SIGKILLed while it writes a checkpoint or a dataset file leaves the
previous file intact and loadable, and a Trainer resumed from it ends as an uninterrupted run.

The writer is a real child process (tests/helpers_crash.py) killed at a random moment inside a
write (after its temporary file appeared). A control run with a plain ``open`` shows the same
harness does catch a non-atomic writer, so these tests can fail.
"""

from __future__ import annotations

import glob
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import helpers_crash as H  # tests/ is on sys.path under pytest
import numpy as np
import pytest

import minigrad as mg
from minigrad.datasets.idx import read_idx
from minigrad.serialization import CheckpointError

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")

HELPER = Path(H.__file__).resolve()
ROOT = HELPER.parents[1]
_KILL_RNG = mg.random.get_rng(mg.Generator().manual_seed(2024))  # where in a write to kill


class Child:
    """The helper script in a subprocess, its stdout lines collected by a thread."""

    def __init__(self, *args: str) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1",
                   OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")  # fmt: skip
        self.proc = subprocess.Popen([sys.executable, str(HELPER), *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.strip())

    def wait_for(self, condition, what: str, limit: float = 120.0) -> None:
        """Poll ``condition`` every millisecond (a safety limit, not a timing assertion)."""
        deadline = time.monotonic() + limit
        while not condition():
            if self.proc.poll() is not None:
                raise AssertionError(f"child exited ({self.proc.returncode}) before {what}: "
                                     f"{self.proc.stderr.read()}")
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"child never reached {what}")
            time.sleep(0.001)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self._reader.join(5)
        self.proc.stdout.close()
        self.proc.stderr.close()

    def last(self, prefix: str) -> int:
        return max(int(s.split()[1]) for s in self.lines if s.startswith(prefix))


def _temps(directory: Path) -> set[str]:
    return {n for n in os.listdir(directory) if n.endswith(".tmp")}


def _kill_mid_write(child: Child, directory: Path, after: str, target: str,
                    longest: float = 0.04) -> bool:
    """Once ``after`` was printed, wait for the next write to begin (a new temp file appears,
    or the target is rewritten in place), then kill at a random moment within ``longest``
    seconds. Returns whether a temp file was left behind (the kill was mid-write)."""
    child.wait_for(lambda: any(s.startswith(after) for s in child.lines), repr(after))
    old, before = _temps(directory), os.stat(directory / target)

    def started() -> bool:
        if _temps(directory) - old:
            return True
        now = os.stat(directory / target)
        return now.st_ino == before.st_ino and now.st_size != before.st_size

    child.wait_for(started, "the start of a write")
    time.sleep(float(_KILL_RNG.uniform(0.0, longest)))
    child.kill()
    return bool(_temps(directory) - old)


def _assert_nothing_named_like(directory: Path, target: str) -> None:
    """Leftover temp files are hidden ``.<target>.<hash>.<random>.tmp``: a glob for the
    target's suffix does not pick them up, and none can be mistaken for a checkpoint."""
    for name in os.listdir(directory):
        if name != target:
            assert name.startswith(".") and name.endswith(".tmp"), name
    suffix = Path(target).suffix
    if suffix:
        found = glob.glob(str(directory / f"*{suffix}"))
        assert [os.path.basename(p) for p in found] == [target]


def test_killed_while_saving_checkpoints_the_last_complete_one_survives(tmp_path):
    path, start, mid_write = tmp_path / H.CHECKPOINT, 0, 0
    for _ in range(4):
        child = Child("checkpoint", str(tmp_path), str(start))
        mid_write += _kill_mid_write(child, tmp_path, "saved", H.CHECKPOINT)
        done = child.last("saved")
        state = mg.load(path)  # never a CheckpointError: the previous file is whole
        k = state["k"]
        assert done <= k <= done + 1  # the last completed write, or one that had just finished
        expected = H.checkpoint_state(k)
        assert state["note"] == expected["note"]
        for name in ("w", "v"):
            np.testing.assert_array_equal(state[name], expected[name])
        _assert_nothing_named_like(tmp_path, H.CHECKPOINT)
        start = k + 1  # the next run goes on from the checkpoint it finds
    assert mid_write >= 2, "kills did not land inside writes: the test proved little"


def test_killed_while_writing_a_dataset_file_the_previous_one_survives(tmp_path):
    path, start, mid_write = tmp_path / H.IDX, 0, 0
    for _ in range(2):
        child = Child("idx", str(tmp_path), str(start))
        mid_write += _kill_mid_write(child, tmp_path, "saved", H.IDX)
        done = child.last("saved")
        arr = read_idx(path)
        k = int(arr.flat[0])
        assert k in {done % 251, (done + 1) % 251}
        np.testing.assert_array_equal(arr, H.idx_array(k))
        _assert_nothing_named_like(tmp_path, H.IDX)
        start = done + 2
    assert mid_write >= 1


def test_the_kill_harness_catches_a_plain_write(tmp_path):
    """Control: the same kill against a writer that truncates the target in place corrupts it,
    and minigrad.load says so (naming the file). This is what the tests above would see if
    ``save`` were not atomic."""
    path = tmp_path / H.CHECKPOINT
    child = Child("checkpoint", str(tmp_path), "0", "--plain")
    _kill_mid_write(child, tmp_path, "saved", H.CHECKPOINT, longest=0.005)
    with pytest.raises(CheckpointError, match=H.CHECKPOINT):
        mg.load(path)


def _params(trainer) -> dict[str, np.ndarray]:
    return {k: v._data for k, v in trainer.model.state_dict().items()}


def test_trainer_killed_twice_resumes_from_the_last_good_checkpoint_and_matches(tmp_path):
    epochs = 8
    reference = H.make_trainer(epochs)
    reference.fit()

    path = tmp_path / H.TRAIN
    first = Child("train", str(tmp_path), str(epochs))
    _kill_mid_write(first, tmp_path, "epoch 2", H.TRAIN)  # killed while writing a later checkpoint
    after_first = mg.load(path)["epochs_done"]
    assert 2 <= after_first < epochs
    second = Child("train", str(tmp_path), str(epochs))  # a new process resumes from it ...
    _kill_mid_write(second, tmp_path, "epoch", H.TRAIN)  # ... and is killed again, mid-write
    assert after_first < second.last("epoch") and "done" not in second.lines
    _assert_nothing_named_like(tmp_path, H.TRAIN)

    resumed = H.make_trainer(epochs).resume(path)
    assert after_first < resumed.epochs_done < epochs
    resumed.fit()
    assert resumed.history.to_dict() == reference.history.to_dict()
    ref = _params(reference)
    for k, v in _params(resumed).items():
        np.testing.assert_array_equal(v, ref[k], err_msg=k)
