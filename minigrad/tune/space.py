"""Search spaces: log-uniform, uniform, choice and integer ranges, and how trial i is drawn.

A space is a plain dict ``{name: dimension or constant}``. Trial ``i`` of a search with seed ``s``
is drawn from ``numpy.random.SeedSequence(s, spawn_key=(i,))`` (the ``i``-th child of
``SeedSequence(s).spawn(n)``), so its params and seed depend only on ``(s, i)``: not on the
number of trials, the worker that runs it, or the order trials finish.
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from minigrad.random import Generator

__all__ = [
    "Dimension",
    "LogUniform",
    "Uniform",
    "Choice",
    "RandInt",
    "loguniform",
    "uniform",
    "choice",
    "randint",
    "sample_trial",
    "space_to_dict",
    "space_from_dict",
]


def _real(name: str, value: Any) -> float:
    """A finite real bound as a Python float, or a clear error naming the bound."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def _json_value(value: Any, what: str) -> Any:
    """``value`` as it reads back from JSON (tuples become lists), so stored and live runs agree."""
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{what} must be JSON-serialisable, got {value!r}: {exc}") from None


class Dimension:
    """One searchable parameter: draws a JSON-able value and proposes a narrower range of itself."""

    kind = "dimension"

    def sample(self, rng: np.random.Generator) -> Any:
        raise NotImplementedError

    def narrowed(self, values: Sequence[Any], margin: float = 0.0) -> Dimension:
        """The same kind of dimension spanning ``values``, widened by ``margin``, inside self."""
        raise NotImplementedError

    def to_dict(self) -> dict:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Dimension) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_dict(), sort_keys=True))

    def __repr__(self) -> str:
        args = ", ".join(repr(v) for k, v in self.to_dict().items() if k != "kind")
        return f"{self.kind}({args})"


class _Range(Dimension):
    """A continuous interval ``[low, high]``; ``low == high`` is allowed (a pinned value)."""

    def __init__(self, low: float, high: float) -> None:
        self.low = _real(f"{self.kind}: low", low)
        self.high = _real(f"{self.kind}: high", high)
        if self.low > self.high:
            raise ValueError(f"{self.kind}: low ({low}) must not exceed high ({high})")

    def _to_axis(self, x: float) -> float:
        return x

    def _from_axis(self, u: float) -> float:
        return u

    def sample(self, rng: np.random.Generator) -> float:
        lo, hi = self._to_axis(self.low), self._to_axis(self.high)
        value = self._from_axis(float(rng.uniform(lo, hi)))
        return min(max(value, self.low), self.high)  # exp(log(x)) may round past an end

    def narrowed(self, values: Sequence[Any], margin: float = 0.0) -> Dimension:
        axis = [self._to_axis(float(v)) for v in values]
        lo, hi = min(axis), max(axis)
        pad = margin * (hi - lo)
        lo = max(self._from_axis(lo - pad), self.low)
        hi = min(self._from_axis(hi + pad), self.high)
        return type(self)(lo, hi)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "low": self.low, "high": self.high}


class Uniform(_Range):
    """Uniform on ``[low, high]``."""

    kind = "uniform"


class LogUniform(_Range):
    """Uniform in ``log`` on ``[low, high]``, ``0 < low``: each decade is equally likely."""

    kind = "loguniform"

    def __init__(self, low: float, high: float) -> None:
        super().__init__(low, high)
        if self.low <= 0:
            raise ValueError(f"loguniform: low must be > 0 (it is a log scale), got {low}")

    def _to_axis(self, x: float) -> float:
        return math.log(x)

    def _from_axis(self, u: float) -> float:
        return math.exp(u)


class RandInt(Dimension):
    """A uniform integer in ``[low, high)``: ``high`` is excluded, as in ``numpy`` and PyTorch."""

    kind = "randint"

    def __init__(self, low: int, high: int) -> None:
        for name, v in (("low", low), ("high", high)):
            if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                raise TypeError(f"randint: {name} must be an integer, got {v!r}")
        self.low, self.high = int(low), int(high)
        if self.low >= self.high:
            raise ValueError(f"randint: need low < high (high is excluded), got [{low}, {high})")

    def sample(self, rng: np.random.Generator) -> int:
        return int(rng.integers(self.low, self.high))

    def narrowed(self, values: Sequence[Any], margin: float = 0.0) -> Dimension:
        lo, hi = min(values), max(values)
        pad = math.ceil(margin * (hi - lo))
        return RandInt(max(lo - pad, self.low), min(hi + pad + 1, self.high))

    def to_dict(self) -> dict:
        return {"kind": self.kind, "low": self.low, "high": self.high}


class Choice(Dimension):
    """One of a fixed list of JSON scalars (str, int, float, bool, None), equally likely."""

    kind = "choice"

    def __init__(self, values: Sequence[Any]) -> None:
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise TypeError(f"choice: values must be a list or tuple, got {values!r}")
        if len(values) == 0:
            raise ValueError("choice: needs at least one value")
        for v in values:
            if not (v is None or isinstance(v, (str, int, float, bool))):
                raise TypeError(f"choice: values must be str, int, float, bool or None, got {v!r}")
        self.values = [_json_value(v, "choice value") for v in values]

    def sample(self, rng: np.random.Generator) -> Any:
        return self.values[int(rng.integers(len(self.values)))]

    def narrowed(self, values: Sequence[Any], margin: float = 0.0) -> Dimension:
        seen = [v for i, v in enumerate(self.values) if v in values and v not in self.values[:i]]
        return Choice(seen)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "values": list(self.values)}

    def __repr__(self) -> str:
        return f"choice({self.values!r})"


def loguniform(low: float, high: float) -> LogUniform:
    """Log-uniform on ``[low, high]``: the book's scale for learning rates and weight decay."""
    return LogUniform(low, high)


def uniform(low: float, high: float) -> Uniform:
    """Uniform on ``[low, high]``."""
    return Uniform(low, high)


def randint(low: int, high: int) -> RandInt:
    """A uniform integer in ``[low, high)``."""
    return RandInt(low, high)


def choice(values: Sequence[Any]) -> Choice:
    """One of ``values``, equally likely."""
    return Choice(values)


_KINDS = {cls.kind: cls for cls in (Uniform, LogUniform, RandInt)}


def _check_space(space: Mapping[str, Any]) -> dict[str, Any]:
    """The space as a dict with str keys; other values than Dimensions are JSON-able constants."""
    if not isinstance(space, Mapping) or not space:
        raise TypeError(f"space must be a non-empty dict of name -> dimension, got {space!r}")
    out = {}
    for name, dim in space.items():
        if not isinstance(name, str):
            raise TypeError(f"space keys must be str, got {name!r}")
        out[name] = dim if isinstance(dim, Dimension) else _json_value(dim, f"constant {name!r}")
    return out


def space_to_dict(space: Mapping[str, Any]) -> dict[str, dict]:
    """A JSON-able description of a space, stored with results to recognise the same search."""
    return {
        name: dim.to_dict() if isinstance(dim, Dimension) else {"kind": "const", "value": dim}
        for name, dim in _check_space(space).items()
    }


def space_from_dict(data: Mapping[str, Mapping]) -> dict[str, Any]:
    """Rebuild a space from :func:`space_to_dict`'s output."""
    space: dict[str, Any] = {}
    for name, d in data.items():
        kind = d.get("kind")
        if kind == "const":
            space[name] = d["value"]
        elif kind == "choice":
            space[name] = Choice(d["values"])
        elif kind in _KINDS:
            space[name] = _KINDS[kind](d["low"], d["high"])
        else:
            raise ValueError(f"unknown dimension kind {kind!r} for parameter {name!r}")
    return space


def sample_trial(space: Mapping[str, Any], seed: int, index: int) -> tuple[dict[str, Any], int]:
    """Params and objective seed of trial ``index`` of a search seeded ``seed``.

    Names are drawn in sorted order, so a dict written in another key order draws the same trial.
    """
    space = _check_space(space)
    for what, v in (("seed", seed), ("trial index", index)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 0:
            raise ValueError(f"{what} must be a non-negative integer, got {v!r}")
    params_ss, seed_ss = np.random.SeedSequence(int(seed), spawn_key=(int(index),)).spawn(2)
    rng = Generator(int(params_ss.generate_state(1, np.uint64)[0])).rng
    drawn = {
        name: space[name].sample(rng) if isinstance(space[name], Dimension) else space[name]
        for name in sorted(space)
    }
    params = {name: drawn[name] for name in space}
    return params, int(seed_ss.generate_state(1, np.uint32)[0])
