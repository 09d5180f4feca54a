"""The default generator's seed: fixed, so unseeded runs repeat (a deliberate difference from
PyTorch, which seeds every process differently; see the README)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _fresh(code: str) -> str:
    """What ``code`` prints in a new Python process that imports this checkout."""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=True)
    return done.stdout


def test_unseeded_processes_repeat_bit_for_bit_unlike_torch():
    code = "import minigrad as mg; print(mg.initial_seed(), mg.randn(4).tolist(), mg.rand(2))"
    first, second = _fresh(code), _fresh(code)
    assert first == second and first.startswith("67280421310721 ")
    torch_seed = "import torch; print(torch.initial_seed())"
    assert _fresh(torch_seed) != _fresh(torch_seed)  # the difference the README lists
