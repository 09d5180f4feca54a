"""The README's example runs as printed, and its two commands are the ones CI uses."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_readme_example_runs(tmp_path, monkeypatch, capsys):
    code = re.search(r"## In 20 lines\n\n```python\n(.*?)```", README, re.S).group(1)
    assert len(code.strip().splitlines()) <= 25
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    accs = [float(a) for a in re.findall(r"test accuracy ([\d.]+)", capsys.readouterr().out)]
    assert len(accs) == 3 and accs[-1] > 0.85
    assert (tmp_path / "model.npz").exists()


def test_readme_test_command_is_the_one_ci_runs():
    commands = re.findall(r"```bash\n(.*?)\n```", README, re.S)
    test_command = next(c for c in commands if "pytest" in c)
    assert test_command in (ROOT / ".ci" / "run").read_text()
    assert any("minigrad-experiments all" in c for c in commands)
