"""The one seeded generator behind every random function: randn, rand, init, dropout, shuffling."""

from __future__ import annotations

from typing import Any

import numpy as np

from .devices import CPU, check_cpu
from .devices import device as _device

__all__ = ["Generator", "manual_seed", "default_generator", "initial_seed", "get_rng"]

_DEFAULT_SEED = 67280421310721  # PyTorch's documented initial seed: runs are repeatable by default


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


def manual_seed(seed: int) -> Generator:
    """Seed the default generator; every random function that is not given a generator uses it."""
    return default_generator.manual_seed(seed)


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng(generator: Generator | None = None) -> np.random.Generator:
    """The NumPy generator to draw from: the given one, else the default (never np.random)."""
    return (generator or default_generator).rng
