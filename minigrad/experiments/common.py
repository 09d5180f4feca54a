"""What every experiment shares: its context (seed, data, output), its outcome, and its files.

An experiment is a function ``run(ctx) -> Outcome``. The runner saves ``NAME.png`` and
``NAME.json`` (config, seed, data source and the numbers the figure shows), prints the table,
and reports each of the book's qualitative claims as a check that held or did not.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._io import atomic_open

__all__ = ["Context", "Outcome", "Check", "smooth_curve", "write_outputs", "format_table",
           "new_figure"]  # fmt: skip


@dataclass
class Context:
    """Settings shared by every experiment of one run."""

    out: Path
    seed: int = 0
    quick: bool = False
    dataset: str = "mnist"
    progress: bool = True
    executor: Any = None  # for the hyperparameter search: None (local processes), "serial", ...
    resume: bool = False  # continue the search from its JSON Lines logs in ``out`` (else anew)
    _data: dict = field(default_factory=dict, repr=False)

    def data(self) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray], Any]:
        """The book's ``load_mnist(normalize=True)`` arrays and their source, loaded once."""
        if "mnist" not in self._data:
            from ..datasets import load_mnist

            self._data["mnist"] = load_mnist(normalize=True, dataset=self.dataset,
                                             return_source=True)
        return self._data["mnist"]

    def source(self) -> dict[str, Any]:
        return self.data()[2].to_dict()


@dataclass
class Check:
    """One of the book's reported outcomes, evaluated on this run."""

    claim: str
    held: bool
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"claim": self.claim, "held": bool(self.held), "detail": self.detail}


@dataclass
class Outcome:
    """What an experiment produced: a figure, its numbers, a table, checks and notes."""

    figure: Any
    config: dict[str, Any]
    numbers: dict[str, Any]
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    summary: str = ""


def new_figure(nrows: int = 1, ncols: int = 1, size: tuple[float, float] = (6.4, 4.8), **kw: Any):
    """A figure on the non-interactive Agg canvas (works without a display)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt.subplots(nrows, ncols, figsize=size, squeeze=False, **kw)


def smooth_curve(x: Sequence[float]) -> np.ndarray:
    """The book's smoothing: a normalised Kaiser window of 11 with mirror padding, same length."""
    x = np.asarray(x, dtype=np.float64)
    if len(x) < 11:
        return x.copy()
    window = np.kaiser(11, 2)
    s = np.r_[x[10:0:-1], x, x[-1:-11:-1]]
    y = np.convolve(window / window.sum(), s, mode="valid")
    return y[5:len(y) - 5]


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return _jsonable(v.tolist())
    if isinstance(v, np.generic):
        return _jsonable(v.item())
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return v


def _cell(v: Any) -> str:
    if isinstance(v, float | np.floating):
        return f"{v:.4g}"
    return str(v)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table with aligned columns."""
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_outputs(name: str, ctx: Context, outcome: Outcome, seconds: float) -> dict[str, Any]:
    """Write NAME.png and NAME.json atomically; return the JSON record."""
    ctx.out.mkdir(parents=True, exist_ok=True)
    png = ctx.out / f"{name}.png"
    top = 0.96 if outcome.figure._suptitle is not None else 1.0
    outcome.figure.tight_layout(rect=(0, 0, 1, top))
    with atomic_open(png, "wb") as f:
        outcome.figure.savefig(f, format="png", dpi=100)
    import matplotlib.pyplot as plt

    plt.close(outcome.figure)
    record = {
        "experiment": name,
        "seed": ctx.seed,
        "quick": ctx.quick,
        "dataset": ctx.dataset,
        "data_source": ctx.source() if ctx._data else None,
        "config": outcome.config,
        "numbers": outcome.numbers,
        "table": {"headers": list(outcome.headers), "rows": outcome.rows},
        "checks": [c.to_dict() for c in outcome.checks],
        "notes": outcome.notes,
        "summary": outcome.summary,
        "seconds": round(seconds, 2),
        "figure": png.name,
    }
    with atomic_open(ctx.out / f"{name}.json", "w") as f:
        json.dump(_jsonable(record), f, indent=1)
    return record
