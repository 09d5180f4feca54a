"""The Optimizer base: parameter groups filled from defaults, lazy per-parameter state, state dicts.

Subclasses implement ``_update_group(group)``; the base owns everything else. Updates run on
``p.data`` and ``p.grad.data`` (NumPy arrays) in place, so an optimizer never records a graph.
"""

from __future__ import annotations

import math
import numbers
from collections import defaultdict
from collections.abc import Callable, Iterable, Sized
from itertools import chain
from typing import Any

import numpy as np

from .. import capture_hooks as _hooks
from ..autograd import enable_grad
from ..tensor import Tensor, bump

__all__ = ["Optimizer", "required", "check_hparam", "params_with_grad"]


class _RequiredParameter:
    """Marks a hyperparameter every group must set (SGD's ``lr``)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required: Any = _RequiredParameter()


def check_hparam(
    group: dict, name: str, lo: float = 0.0, hi: float | None = None, *, label: str | None = None
) -> None:
    """Raise ValueError unless ``group[name]`` is a finite real in ``[lo, hi)`` (skips unset)."""
    value = group.get(name, required)
    if value is required:
        return
    label = label or f"{name} value"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"Invalid {label}: {value!r} (expected a real number)")
    v = float(value)
    if not math.isfinite(v) or v < lo or (hi is not None and v >= hi):
        bound = f">= {lo}" if hi is None else f"in [{lo}, {hi})"
        raise ValueError(f"Invalid {label}: {value!r} (must be a finite number {bound})")


def _as_array_copy(value: Any, param: Tensor, key: Any) -> Any:
    """A state value loaded for ``param``: float arrays cast to its dtype, numbers kept."""
    if isinstance(value, Tensor | np.ndarray):
        arr = value._data if isinstance(value, Tensor) else value
        if key == "step" and arr.size == 1:  # PyTorch keeps the step count in a tensor
            step = arr.item()
            return int(step) if float(step).is_integer() else step
        if arr.ndim and arr.shape != param.shape:
            raise ValueError(
                f"load_state_dict: state {key!r} has shape {arr.shape} but its parameter has "
                f"shape {param.shape}"
            )
        dtype = param.dtype if arr.dtype.kind == "f" else arr.dtype
        f = param._data.flags  # the parameter's memory order (a Linear weight's is Fortran)
        order = "F" if arr.ndim > 1 and f.f_contiguous and not f.c_contiguous else "C"
        return Tensor._wrap(np.array(arr, dtype=dtype, copy=True, order=order))
    return value


class Optimizer:
    """Base class of all optimizers, with PyTorch's ``param_groups``/``state`` contract."""

    def __init__(self, params: Any, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._opt_called = False
        self._validate(self.defaults)
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {type(params).__name__}"
            )
        if isinstance(params, set | frozenset):
            raise TypeError(_SET_MESSAGE)
        groups = list(params)
        if not groups:
            hint = ("" if isinstance(params, Sized) else " (the iterator yielded nothing: "
                    "model.parameters() is a generator that can be used only once; was it "
                    "already given to another optimizer? Pass list(model.parameters()))")
            raise ValueError(f"optimizer got an empty parameter list{hint}")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ---- construction ----
    def _validate(self, group: dict[str, Any]) -> None:
        """Check a group's hyperparameters (subclasses extend); values still unset are skipped."""
        check_hparam(group, "lr", label="learning rate")

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters (missing ones from defaults)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        group = dict(param_group)
        if "params" not in group:
            raise ValueError("param_group must have a 'params' entry")
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set | frozenset):
            raise TypeError(_SET_MESSAGE)
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names")
            group["param_names"] = names
            params = [p[1] for p in params]
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is "
                    f"{type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
            if p.dtype.kind != "f":
                raise TypeError(f"optimizer can only optimize float Tensors, got {p.dtype}")
        if len({id(p) for p in params}) != len(params):
            raise ValueError(
                "optimizer got the same parameter twice in one group; pass each Tensor once"
            )
        group["params"] = params
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(
                    f"parameter group didn't specify a value of required optimization "
                    f"parameter {name}"
                )
            group.setdefault(name, default)
        self._validate(group)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        named = ("param_names" in group, *("param_names" in g for g in self.param_groups[:1]))
        if len(set(named)) > 1:
            raise ValueError("all optimizer param groups should be with/without names")
        self.param_groups.append(group)

    # ---- the step ----
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients: drop them (default, as PyTorch) or fill them with zeros."""
        if _hooks.state.tracer is not None:  # replayed as a call by minigrad.compile
            return _hooks.effect(self.zero_grad, set_to_none)
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                elif g._node is not None or not g._data.flags.writeable:
                    p.grad = Tensor._wrap(np.zeros_like(p._data))
                else:
                    g._data.fill(0)
                    bump(g)
                    g.requires_grad = False

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()``'s loss if given."""
        if _hooks.state.tracer is not None:  # replayed as a call: learning rates, steps read afresh
            return _hooks.effect(self.step, closure)
        self._opt_called = True  # lets a scheduler warn when it is stepped first
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for i, group in enumerate(self.param_groups):  # a scheduler or a hand edit may set it
            lr = group["lr"]
            if type(lr) is not float or not 0.0 <= lr < math.inf:  # all checked before updating
                check_hparam(group, "lr", label=f"learning rate in param_groups[{i}]")
        for group in self.param_groups:
            self._update_group(group)
        return loss

    def _update_group(self, group: dict[str, Any]) -> None:
        raise NotImplementedError

    # ---- state dicts ----
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {...}}, "param_groups": [...]}`` with parameters as positions."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: _copy_value(v) for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {
            index[id(p)]: {k: _copy_value(v) for k, v in s.items()}
            for p, s in self.state.items()
            if id(p) in index
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore state and hyperparameters saved by ``state_dict`` (parameters by position)."""
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError("load_state_dict: expected a dict with 'state' and 'param_groups'")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has a different number of parameter groups "
                f"({len(saved_groups)}) than the optimizer ({len(self.param_groups)})"
            )
        for i, (g, s) in enumerate(zip(self.param_groups, saved_groups)):
            if len(g["params"]) != len(s["params"]):
                raise ValueError(
                    f"loaded state dict contains a parameter group (index {i}, "
                    f"{len(s['params'])} parameters) that doesn't match the size of optimizer's "
                    f"group ({len(g['params'])} parameters)"
                )
        id_map = dict(
            zip(
                chain.from_iterable(s["params"] for s in saved_groups),
                chain.from_iterable(g["params"] for g in self.param_groups),
            )
        )
        state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k not in id_map:
                raise ValueError(f"load_state_dict: state for parameter {k!r}, which no group has")
            p = id_map[k]
            state[p] = {key: _as_array_copy(val, p, key) for key, val in v.items()}
        new_groups = []
        for g, s in zip(self.param_groups, saved_groups):
            new = {k: _copy_value(v) for k, v in s.items() if k != "params"}
            new["params"] = g["params"]
            for k, v in self.defaults.items():  # an older checkpoint may lack a newer option
                if v is not required:
                    new.setdefault(k, v)
            self._validate(new)
            new_groups.append(new)
        self.param_groups = new_groups
        self.state = state

    def __repr__(self) -> str:
        lines = [self.__class__.__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k != "params"]
        return "\n".join(lines + [")"])


def _copy_value(v: Any) -> Any:
    """A copy that shares no arrays (state dicts are snapshots, not views of live state)."""
    if isinstance(v, Tensor):
        return Tensor._wrap(v._data.copy())
    if isinstance(v, np.ndarray):
        return v.copy()
    if isinstance(v, list | tuple):
        return type(v)(_copy_value(x) for x in v)
    if isinstance(v, dict):
        return {k: _copy_value(x) for k, x in v.items()}
    return v


def params_with_grad(group: dict[str, Any]) -> Iterable[tuple[Tensor, np.ndarray]]:
    """``(param, grad array)`` for the group's parameters that have a gradient (others skipped).

    The caller updates ``param``'s array in place; each parameter's version is bumped when the
    caller moves on, so a graph that saved it refuses to backpropagate (as after PyTorch's step).
    """
    for p in group["params"]:
        g = p.grad
        if g is None:
            continue
        if g._data.shape != p._data.shape:
            raise RuntimeError(
                f"parameter of shape {p._data.shape} has a gradient of shape {g._data.shape}"
            )
        yield p, g._data
        bump(p)


_SET_MESSAGE = (
    "optimizer parameters need to be organized in ordered collections, but the ordering of "
    "tensors in sets will change between runs. Please use a list instead."
)
