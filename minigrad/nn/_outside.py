"""What layers compute outside the graph on arrays: random masks, running statistics.

Each function here is called through :func:`minigrad.capture_hooks.effect`, so a step traced by
:func:`minigrad.compile` runs it afresh on every replay (a new mask from the seeded generator,
running averages of the current batch) instead of baking its first result in.
"""

from __future__ import annotations

import math

import numpy as np

from ..random import Generator, get_rng
from ..tensor import Tensor, bump

__all__ = ["dropout_mask", "count_batch", "update_running", "eval_stats"]


def dropout_mask(generator: Generator | None, shape: tuple[int, ...], p: float,
                 dtype: np.dtype) -> np.ndarray:
    """Inverted dropout's mask: 0 with probability ``p``, else 1/(1-p), in ``dtype``.

    True with probability 1 - p from uniform 32-bit integers against p * 2**32 (raw generator
    words, about twice as fast as uniform floats; p is resolved to 2**-32)."""
    n = math.prod(shape)
    words = get_rng(generator).bit_generator.random_raw((n + 1) // 2).view(np.uint32)[:n]
    keep = (words >= np.uint32(min(int(p * 2.0**32), 2**32 - 1))).reshape(shape)
    mask = keep.astype(dtype)
    mask *= 1.0 / (1.0 - p)
    return mask


def count_batch(count: Tensor) -> None:
    """BatchNorm's ``num_batches_tracked += 1`` (a buffer: a NumPy write and a version bump)."""
    np.add(count._data, 1, out=count._data)
    bump(count)


def update_running(running_mean: Tensor | None, running_var: Tensor | None, stats: dict,
                   momentum: float | None, n: int, count: Tensor | None) -> None:
    """``new = (1 - m) * old + m * batch`` in place on the buffers (unbiased batch variance);
    ``momentum=None`` is the cumulative average, m = 1 / num_batches_tracked."""
    m = 1.0 / float(count._data) if momentum is None else float(momentum)
    if running_mean is not None:
        rm = running_mean._data
        rm *= 1.0 - m
        rm += m * stats["mean"].reshape(rm.shape)
        bump(running_mean)
    if running_var is not None:
        rv = running_var._data
        rv *= 1.0 - m
        rv += (m * n / (n - 1)) * stats["var"].reshape(rv.shape)
        bump(running_var)


def eval_stats(running_mean: Tensor, running_var: Tensor, dtype: np.dtype,
               shape: tuple[int, ...], eps: float) -> tuple[np.ndarray, np.ndarray]:
    """The running mean and 1/sqrt(var + eps), as eval mode normalises with (copies: the
    buffers move on)."""
    mean = running_mean._data.astype(dtype).reshape(shape)
    invstd = (1.0 / np.sqrt(running_var._data.astype(dtype, copy=False) + eps)).reshape(shape)
    return mean, invstd
