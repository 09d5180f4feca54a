"""More loss modules, as ``torch.nn``'s: ``BCELoss``, ``L1Loss``, ``SmoothL1Loss``,
``HuberLoss`` and ``KLDivLoss`` (the deprecated ``size_average``/``reduce`` map to
``reduction`` as torch maps them)."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional as F
from ._loss_more import legacy_reduction
from .loss import _Loss, _WeightedLoss

__all__ = ["BCELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "KLDivLoss"]


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities (its logs clamped at -100); ``weight`` rescales each
    element and is a buffer, as torch's."""

    def __init__(self, weight: Any = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(weight, legacy_reduction(size_average, reduce, reduction))

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy(input, target, weight=self.weight,
                                      reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error."""

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(legacy_reduction(size_average, reduce, reduction))

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Quadratic below ``beta``, linear above (``beta=0``: L1)."""

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(legacy_reduction(size_average, reduce, reduction))
        self.beta = beta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Quadratic up to ``delta``, then linear with slope ``delta``."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(_Loss):
    """KL divergence of log-probability inputs; ``reduction='batchmean'`` is the true KL."""

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", log_target: bool = False) -> None:
        reduction = legacy_reduction(size_average, reduce, reduction)
        super().__init__("mean" if reduction == "batchmean" else reduction)
        self.reduction = reduction
        self.log_target = log_target

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)
