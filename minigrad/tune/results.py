"""The results table of a search: trials sorted best first, failed trials last."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from minigrad.tune.space import space_from_dict
from minigrad.tune.storage import read_log, screen_records
from minigrad.tune.trial import Trial

__all__ = ["SearchResults", "load_results"]


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


class SearchResults:
    """Trials of one search, best first (``mode="max"``: highest score), errors last.

    Ties are broken by trial index, so the order never depends on which trial finished first.
    Two tables are equal when they hold the same params, seeds, scores, extras and errors in the
    same order (where and how fast trials ran is ignored).
    """

    def __init__(
        self, trials: Iterable[Trial], space: Mapping[str, Any], mode: str = "max"
    ) -> None:
        if mode not in ("max", "min"):
            raise ValueError(f"mode must be 'max' or 'min', got {mode!r}")
        self.space = dict(space)
        self.mode = mode
        sign = -1.0 if mode == "max" else 1.0
        self.trials: list[Trial] = sorted(
            trials, key=lambda t: (not t.ok, sign * t.score if t.ok else 0.0, t.index)
        )

    @property
    def ok(self) -> list[Trial]:
        """Trials that returned a score, best first."""
        return [t for t in self.trials if t.ok]

    @property
    def errors(self) -> list[Trial]:
        """Trials that raised (or whose worker kept dying), by index."""
        return [t for t in self.trials if not t.ok]

    @property
    def best(self) -> Trial:
        """The best successful trial; ``ValueError`` when every trial failed."""
        ok = self.ok
        if not ok:
            raise ValueError(f"no successful trial among {len(self.trials)}")
        return ok[0]

    def top(self, k: int) -> list[Trial]:
        """The ``k`` best successful trials (fewer if fewer succeeded)."""
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        return self.ok[:k]

    def to_records(self) -> list[dict[str, Any]]:
        """Plain dicts, one per trial in table order (e.g. for ``pandas.DataFrame``)."""
        return [t.to_record() for t in self.trials]

    def __iter__(self) -> Iterator[Trial]:
        return iter(self.trials)

    def __len__(self) -> int:
        return len(self.trials)

    def __getitem__(self, i: int) -> Trial:
        return self.trials[i]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SearchResults):
            return NotImplemented
        mine = [t.key() for t in self.trials]
        return self.mode == other.mode and mine == [t.key() for t in other.trials]

    __hash__ = None  # type: ignore[assignment]  # mutable-ish container, compared by value

    def to_string(self, max_rows: int | None = None) -> str:
        """A text table: rank, trial index, score and each parameter (errors show their message)."""
        names = list(self.space)
        header = ["rank", "trial", "score", *names]
        rows = []
        for rank, t in enumerate(self.trials[:max_rows], start=1):
            score = _fmt(t.score) if t.ok else f"error: {(t.error or '')[:40]}"
            rows.append([str(rank), str(t.index), score, *(_fmt(t.params.get(n)) for n in names)])
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in [header, *rows]]
        if max_rows is not None and len(self.trials) > max_rows:
            lines.append(f"... {len(self.trials) - max_rows} more")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_string()

    def __repr__(self) -> str:
        best = f", best={self.best.score:.4g}" if self.ok else ""
        errors = len(self.errors)
        return f"SearchResults({len(self)} trials, {errors} errors, mode={self.mode!r}{best})"


def load_results(path: str | os.PathLike) -> SearchResults:
    """The table stored in a results log (finished trials only), e.g. to ``narrow`` it later.

    Records no trial of the logged search could have written are left out with a warning.
    """
    header, records, _ = read_log(path)
    latest = screen_records(path, header, records)
    trials = [Trial.from_record(latest[i]) for i in sorted(latest)]
    return SearchResults(trials, space_from_dict(header["space"]), header.get("mode", "max"))
