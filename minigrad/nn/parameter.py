"""``Parameter``: a Tensor that a Module registers as learnable (it requires grad by default)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dtypes import get_default_dtype
from ..tensor import Tensor, counter

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A leaf Tensor that requires grad; assigning one to a Module attribute registers it.

    Like ``torch.nn.Parameter`` it shares memory with the Tensor (or array) it is made from.
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            arr = np.empty(0, dtype=get_default_dtype())
        elif isinstance(data, Tensor):
            arr = data._data
        elif isinstance(data, np.ndarray):
            arr = data
        else:
            arr = Tensor(data)._data
        self._data = arr
        self.grad = None
        self.requires_grad = False
        self._node = None
        self._retains_grad = False
        self._vc = counter(data) if isinstance(data, Tensor) else None  # one storage
        self._base = None
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
