"""The example scripts run as a user would run them, and print what they promise."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run(script: str, *args: str, cwd: Path | None = None) -> str:
    result = subprocess.run([sys.executable, str(EXAMPLES / script), *args], capture_output=True,
                            text=True, timeout=300, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_quickstart_fits_the_line():
    out = run("quickstart.py")
    w, b = map(float, re.search(r"fitted w = ([\d.]+), b = ([\d.]+)", out).groups())
    assert abs(w - 3) < 0.1 and abs(b - 0.5) < 0.1


def test_custom_op_passes_gradcheck():
    out = run("custom_op.py")
    assert "gradcheck: True" in out and "gradgradcheck: True" in out


def test_newton_finds_the_minimum_with_second_derivatives():
    out = run("newton.py")
    assert "f''(2) = 44.0" in out
    assert "x = 1.000000000000" in out.splitlines()[-1]


def test_train_mnist_learns_and_resumes_from_its_checkpoint(tmp_path):
    ckpt = tmp_path / "run.ckpt"
    first = run("train_mnist.py", "--epochs", "1", "--checkpoint", str(ckpt))
    assert ckpt.exists() and "epoch 1:" in first
    second = run("train_mnist.py", "--epochs", "2", "--checkpoint", str(ckpt))
    assert "epoch 1:" not in second and "epoch 2:" in second  # resumed after epoch 1
    acc = float(re.search(r"epoch 2: .*test accuracy ([\d.]+)", second).group(1))
    assert acc > 0.85


def test_train_cnn_quick_learns_and_saves_the_filter_figure(tmp_path):
    import matplotlib.image as mpimg
    import numpy as np

    fig = tmp_path / "filters.png"
    out = run("train_cnn.py", "--quick", "--figure", str(fig), cwd=tmp_path)
    acc = float(re.search(r"^test accuracy ([\d.]+)$", out, re.M).group(1))
    assert acc > 0.3  # ten classes: chance is 0.1; one quick pass gets about 0.7
    change = float(re.search(r"mean \|change\| ([\d.]+)", out).group(1))
    assert change > 0  # the filters moved
    img = mpimg.imread(fig)
    assert img.shape[0] > 300 and img.shape[1] > 500  # two panels of 3 x 10 filters
    gray = img[..., :3].mean(-1)
    top, bottom = gray[: len(gray) // 2], gray[len(gray) // 2:]
    assert gray.std() > 0.1  # not blank: dark and light filter cells
    assert not np.array_equal(top, bottom[: len(top)])  # before and after differ
