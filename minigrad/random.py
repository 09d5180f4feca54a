"""The seeded generators behind every random function: randn, rand, init, dropout, shuffling.

One process-global default generator, as ``torch.default_generator``: threads share it, so
threads that draw from it at the same time get an order that depends on scheduling. For runs
that repeat bit for bit in threads, give each thread its own generator with
:func:`use_generator` (``minigrad.tune`` does this for every trial).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

from .devices import CPU, check_cpu
from .devices import device as _device

__all__ = ["Generator", "manual_seed", "default_generator", "initial_seed", "get_rng",
           "use_generator", "current_generator"]  # fmt: skip

# A fixed start, deliberately unlike PyTorch (which seeds each process differently; see the
# README's "Deliberate differences"): a script that never seeds still repeats bit for bit.
_DEFAULT_SEED = 67280421310721


class Generator:
    """A seedable source of randomness like ``torch.Generator``; wraps a NumPy Generator.

    ``Generator(seed)`` seeds it at once; ``Generator(device="cpu")`` (or ``Generator("cpu")``)
    reads like PyTorch and starts from the default seed.
    """

    __slots__ = ("_seed", "rng")

    def __init__(self, seed: Any = _DEFAULT_SEED, *, device: Any = None) -> None:
        if isinstance(seed, str | _device):  # PyTorch's first argument is the device
            seed, device = _DEFAULT_SEED, seed
        check_cpu(device)
        self.manual_seed(seed)

    @property
    def device(self) -> _device:
        return CPU

    def manual_seed(self, seed: int) -> Generator:
        """Reseed in place and return self, so ``Generator().manual_seed(0)`` reads like PyTorch."""
        self._seed = int(seed)
        self.rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> dict:
        return self.rng.bit_generator.state

    def set_state(self, state: dict) -> None:
        self.rng.bit_generator.state = state


default_generator = Generator()


class _ThreadGenerator(threading.local):
    """The generator bound to this thread by ``use_generator``; None (the default) means the
    process-global ``default_generator``."""

    generator: Generator | None = None


_bound = _ThreadGenerator()


def current_generator() -> Generator:
    """The generator that functions not given one draw from in this thread."""
    return _bound.generator or default_generator


@contextlib.contextmanager
def use_generator(generator: Generator) -> Iterator[Generator]:
    """Make ``generator`` this thread's default inside the block: draws without a generator,
    and ``manual_seed``, use it, and other threads are not affected (they keep theirs)."""
    if not isinstance(generator, Generator):
        raise TypeError(f"use_generator needs a minigrad.Generator, got {type(generator).__name__}")
    prev, _bound.generator = _bound.generator, generator
    try:
        yield generator
    finally:
        _bound.generator = prev


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (this thread's, inside ``use_generator``) and return it."""
    return current_generator().manual_seed(seed)


def initial_seed() -> int:
    """The seed the current default generator started from."""
    return current_generator().initial_seed()


def get_rng(generator: Generator | None = None) -> np.random.Generator:
    """The NumPy generator to draw from: the given one, else the current default (never
    np.random)."""
    return (generator or _bound.generator or default_generator).rng


def draw(generator: Generator | None, method: str, *args: Any, cast: Any = None,
         **kwargs: Any) -> Any:
    """``get_rng(generator).<method>(*args, **kwargs)``, then ``astype(cast)`` when given: every
    random draw of an op goes here, so a step traced by :func:`minigrad.compile` draws afresh on
    every replay."""
    return _hooks.effect(_draw, generator, method, args, kwargs, cast)


def _draw(generator: Generator | None, method: str, args: tuple, kwargs: dict,
          cast: Any) -> Any:
    a = getattr(get_rng(generator), method)(*args, **kwargs)
    return a if cast is None else a.astype(cast, copy=False)


from . import capture_hooks as _hooks  # noqa: E402
