"""Saving and loading a Module's state: ``state_dict`` and ``load_state_dict`` with dotted names.

A mixin of :class:`minigrad.nn.Module`, kept apart so ``module.py`` stays about registration.
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from typing import Any

import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor, bump

__all__ = ["StateDictMixin"]


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict(strict=False)`` could not match, as PyTorch returns it."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class StateDictMixin:
    """``state_dict`` / ``load_state_dict`` over ``_parameters``, ``_buffers`` and ``_modules``."""

    _parameters: dict
    _buffers: dict
    _modules: dict
    _non_persistent_buffers_set: set

    def _get_name(self) -> str:
        return type(self).__name__

    def state_dict(self, destination: dict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        """Dotted name -> Tensor for parameters and persistent buffers (detached, sharing data)."""
        out: OrderedDict[str, Tensor] = OrderedDict() if destination is None else destination
        for name, p in self._parameters.items():
            if p is not None:
                out[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                out[prefix + name] = b if keep_vars else b.detach()
        for name, child in self._modules.items():
            if child is not None:
                child.state_dict(out, prefix + name + ".", keep_vars)
        return out

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True
                        ) -> _IncompatibleKeys:
        """Copy values into the parameters and buffers in place (under no_grad).

        Every problem is collected first (missing and unexpected keys when ``strict``, shape
        mismatches always) and reported together in one RuntimeError, before anything is copied.
        Returns ``(missing_keys, unexpected_keys)`` as PyTorch does.
        """
        if not isinstance(state_dict, dict):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}")
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors, todo = [], []
        for key, dst in own.items():
            if key not in state_dict:
                continue
            src = state_dict[key]
            arr = src._data if isinstance(src, Tensor) else np.asarray(src)
            if arr.dtype.kind not in "biuf":
                errors.append(f'While copying the parameter named "{key}", expected a numeric '
                              f"array, got dtype {arr.dtype}.")
            elif arr.shape != dst.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape "
                              f"{tuple(arr.shape)} from checkpoint, the shape in current model "
                              f"is {tuple(dst.shape)}.")
            else:
                todo.append((dst, arr))
        if strict and unexpected:
            errors.insert(0, "Unexpected key(s) in state_dict: "
                          + ", ".join(f'"{k}"' for k in unexpected) + ". ")
        if strict and missing:
            errors.insert(0, "Missing key(s) in state_dict: "
                          + ", ".join(f'"{k}"' for k in missing) + ". ")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {self._get_name()}:\n\t"
                               + "\n\t".join(errors))
        with no_grad():
            for dst, arr in todo:
                dst._data[...] = arr
                bump(dst)  # a graph that saved the old value now refuses to backward
        return _IncompatibleKeys(missing, unexpected)
