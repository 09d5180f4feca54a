"""``BatchNorm1d`` and ``BatchNorm2d``: batch normalisation per channel, as PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..capture_hooks import effect
from ..devices import check_cpu
from ..dtypes import get_default_dtype
from ..tensor import Tensor, as_tensor
from . import _outside as _out
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d"]


class _BatchNorm(Module):
    """Shared by the BatchNorm layers: parameters, buffers and the forward (PyTorch's)."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        check_cpu(device)
        dt = get_default_dtype() if dtype is None else np.dtype(dtype)
        self.num_features = int(num_features)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        c = self.num_features
        if affine:
            self.weight = Parameter(np.empty(c, dt))
            if bias:
                self.bias = Parameter(np.empty(c, dt))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor._wrap(np.zeros(c, dt)))
            self.register_buffer("running_var", Tensor._wrap(np.ones(c, dt)))
            self.register_buffer("num_batches_tracked", Tensor._wrap(np.array(0, np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def _check_input_dim(self, input: Tensor) -> None:
        raise NotImplementedError

    def forward(self, input: Tensor) -> Tensor:
        input = as_tensor(input)
        self._check_input_dim(input)
        training = self.training
        count = None
        if training:
            if input._data.size // max(input.shape[1], 1) <= 1:
                raise ValueError(f"{self._get_name()}: expected more than 1 value per channel "
                                 f"when training, got input size {input.shape} (a batch of "
                                 "one cannot be normalised by its own statistics)")
            if self.track_running_stats and self.num_batches_tracked is not None:
                count = self.num_batches_tracked
                effect(_out.count_batch, count)
        use_batch = training or (self.running_mean is None and self.running_var is None)
        track = not training or self.track_running_stats
        momentum = self.momentum if count is not None else (self.momentum or 0.0)
        return F._batch_norm(input, self.running_mean if track else None,
                             self.running_var if track else None, self.weight, self.bias,
                             use_batch, momentum, self.eps, False, count)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Normalise each feature (channel, dim 1) of (N, C) or (N, C, L) input over the batch.

    As PyTorch: training normalises with the batch mean and *biased* variance and updates the
    buffers ``running_mean``/``running_var`` outside the graph as
    ``new = (1 - momentum) * old + momentum * batch`` with the *unbiased* batch variance
    (``momentum=None``: cumulative average over ``num_batches_tracked`` batches); eval normalises
    with the running statistics. ``weight`` (gamma) starts at 1 and ``bias`` (beta) at 0.

    The book's ``BatchNormalization`` differs: its ``momentum=0.9`` is the weight of the *old*
    value (PyTorch's 0.1 means the same thing), its eps is ``10e-7`` (= 1e-6, not 1e-5), its
    running variance uses the biased batch variance, its running statistics start as zeros
    (created lazily at the first batch), and it flattens 4-D input to (N, -1) (per feature,
    not per channel).
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim not in (2, 3):
            raise ValueError(f"{self._get_name()}: expected 2D or 3D input (N, C) or (N, C, L), "
                             f"got {input.ndim}D input of shape {input.shape}")
        if input.shape[1] != self.num_features:
            raise ValueError(f"{self!r}: expected {self.num_features} features on dim 1, got "
                             f"input of shape {input.shape}")


class BatchNorm2d(_BatchNorm):
    """Normalise each channel (dim 1) of (N, C, H, W) input over the batch and both spatial
    axes; running statistics, momentum and eval as :class:`BatchNorm1d` (PyTorch's)."""

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim != 4:
            raise ValueError(f"expected 4D input (got {input.ndim}D input)")
        if input.shape[1] != self.num_features:
            raise ValueError(f"{self!r}: expected {self.num_features} channels on dim 1, got "
                             f"input of shape {input.shape}")
