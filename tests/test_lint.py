"""The code stays ruff-clean (the project's style gate runs with the tests)."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_is_clean():
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    result = subprocess.run([ruff, "check", "minigrad", "tests", "benchmarks", "examples"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_core_files_stay_small():
    """No module over ~400 lines: split by concept when it grows (DESIGN.md)."""
    big = [str(p.relative_to(ROOT)) for p in (ROOT / "minigrad").rglob("*.py")
           if len(p.read_text().splitlines()) > 420]
    assert not big, f"modules over 420 lines: {big}"
