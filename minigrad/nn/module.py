"""``Module``: the base of every layer; registers parameters, buffers and submodules by assignment.

As PyTorch, ``__setattr__`` files a Parameter under ``_parameters``, a Module under ``_modules`` and
a registered buffer under ``_buffers``, each an insertion-ordered dict; dotted names come from the
nesting. Unlike PyTorch, the registered object is mirrored in the instance ``__dict__`` too, so
``self.weight`` is a plain attribute read (no ``__getattr__`` call on the hot path). Assign through
attributes or ``register_*`` (writing into ``_parameters`` by hand would leave the mirror stale).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .. import capture_hooks as _hooks
from ..autograd import no_grad
from ..devices import check_cpu, parse_to, unavailable
from ..tensor import Tensor, bump
from .parameter import Parameter
from .state_dict import StateDictMixin

__all__ = ["Module", "RemovableHandle"]


class RemovableHandle:
    """Returned by ``register_forward_hook``; ``remove()`` takes the hook out again."""

    _next_id = 0

    def __init__(self, hooks: dict) -> None:
        self._hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        self._hooks.pop(self.id, None)


def _addindent(s: str, spaces: int) -> str:
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    first = lines.pop(0)
    return first + "\n" + "\n".join((" " * spaces + ln) if ln.strip() else "" for ln in lines)


def _check_name(module: Module, name: Any, kind: str) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
    if not name or "." in name:
        raise KeyError(f"{kind} name can't be empty or contain \".\", got {name!r}")


class Module(StateDictMixin):
    """Base class of all layers and models: subclasses set attributes in ``__init__`` and define
    ``forward``; calling the module calls ``forward``."""

    training: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments "
                            f"{args or ''}{kwargs or ''}")
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = {}
        d["_buffers"] = {}
        d["_non_persistent_buffers_set"] = set()
        d["_modules"] = {}
        d["_forward_pre_hooks"] = {}
        d["_forward_hooks"] = {}

    # ---- calling ----
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required '
                                  '"forward" function')

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _hooks.state.tracer is not None:  # minigrad.compile re-traces when its mode changes
            _hooks.state.tracer.module(self)
        if self._forward_pre_hooks or self._forward_hooks:
            return self._call_with_hooks(args, kwargs)
        return self.forward(*args, **kwargs)

    def _call_with_hooks(self, args: tuple, kwargs: dict) -> Any:
        for hook in list(self._forward_pre_hooks.values()):
            res = hook(self, args)
            if res is not None:
                args = res if isinstance(res, tuple) else (res,)
        out = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            res = hook(self, args, out)
            if res is not None:
                out = res
        return out

    def register_forward_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """``hook(module, args)`` runs before ``forward``; a non-None result replaces the args."""
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    def register_forward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """``hook(module, args, output)`` runs after ``forward``; non-None replaces the output."""
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    # ---- registration ----
    def _require_init(self, what: str) -> dict:
        d = self.__dict__
        if "_parameters" not in d:
            raise AttributeError(f"cannot assign {what} before Module.__init__() call")
        return d

    def _forget(self, name: str, keep: str = "") -> None:
        """Drop ``name`` from every registry but ``keep`` (re-assignment keeps its position)."""
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry != keep:
                d[registry].pop(name, None)
        d["_non_persistent_buffers_set"].discard(name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or a ``None`` placeholder, as ``bias=False`` layers do)."""
        d = self._require_init("parameters")
        _check_name(self, name, "parameter")
        if (name in d or hasattr(type(self), name)) and name not in d["_parameters"]:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter "
                            f"'{name}' (minigrad.nn.Parameter or None required)")
        d["_parameters"][name] = param
        d[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add state that is not learned (running statistics); ``persistent`` puts it in the
        state_dict."""
        d = self._require_init("buffers")
        _check_name(self, name, "buffer")
        if (name in d or hasattr(type(self), name)) and name not in d["_buffers"]:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                            "(minigrad Tensor or None required)")
        d["_buffers"][name] = tensor
        if persistent:
            d["_non_persistent_buffers_set"].discard(name)
        else:
            d["_non_persistent_buffers_set"].add(name)
        d[name] = tensor

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module under ``name`` (Sequential uses "0", "1", ...)."""
        d = self._require_init("child modules")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        _check_name(self, name, "module")
        if (name in d or hasattr(type(self), name)) and name not in d["_modules"]:
            raise KeyError(f"attribute '{name}' already exists")
        d["_modules"][name] = module
        d[name] = module

    register_module = add_module

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            self._require_init("parameters")
            self._forget(name, keep="_parameters")
            params[name] = value
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                "(minigrad.nn.Parameter or None expected)")
            params[name] = None
        elif isinstance(value, Module):
            self._require_init("child modules")
            self._forget(name, keep="_modules")
            d["_modules"][name] = value
        elif params is not None and name in d["_modules"]:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module "
                                f"'{name}' (minigrad.nn.Module or None expected)")
            d["_modules"][name] = None
        elif params is not None and name in d["_buffers"]:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                "(minigrad Tensor or None expected)")
            d["_buffers"][name] = value
        object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        # Only reached when the mirror in __dict__ is missing (e.g. ``_parameters`` edited by hand).
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            reg = d.get(registry)
            if reg is not None and name in reg:
                return reg[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        if "_parameters" in self.__dict__:
            self._forget(name)
        object.__delattr__(self, name)

    # ---- traversal ----
    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module and every descendant; shared ones once."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from child.named_modules(memo, sub, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen: set[int] = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def _named_members(self, registry: str, prefix: str, recurse: bool,
                       remove_duplicate: bool = True) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        for mod_prefix, mod in mods:
            for name, v in getattr(mod, registry).items():
                if v is None or (remove_duplicate and id(v) in seen):
                    continue
                seen.add(id(v))
                yield mod_prefix + ("." if mod_prefix else "") + name, v

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) in registration order; a shared parameter appears once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target: str) -> Module:
        """The descendant at a dotted path such as ``"layers.0"``."""
        mod: Module = self
        for part in target.split(".") if target else []:
            child = mod._modules.get(part)
            if child is None:
                raise AttributeError(f"{mod._get_name()} has no submodule `{part}` (in {target!r})")
            mod = child
        return mod

    def get_parameter(self, target: str) -> Parameter:
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        p = mod._parameters.get(name)
        if p is None:
            raise AttributeError(f"{mod._get_name()} has no parameter `{name}`")
        return p

    # ---- modes and bulk changes ----
    def train(self, mode: bool = True) -> Module:
        """Set training mode here and in every descendant (Dropout, BatchNorm change behaviour)."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for m in self.modules():
            m.__dict__["training"] = mode
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient (to None by default, as PyTorch 2)."""
        if _hooks.state.tracer is not None:  # replayed as a call by minigrad.compile
            return _hooks.effect(self.zero_grad, set_to_none)
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad._data[...] = 0
                bump(p.grad)

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every submodule (children first) and then on self, as PyTorch."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(tensor)``, as PyTorch: cast
        floating parameters and buffers in place; a device other than the CPU raises (when the
        module holds tensors, as PyTorch)."""
        if "copy" in kwargs or len(args) > 3:
            raise RuntimeError(".to() does not accept copy argument")
        where, dtype, _, _ = parse_to(args, kwargs)
        if dtype is not None:
            dtype = np.dtype(dtype)
            if dtype.kind != "f":
                raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got "
                                f"desired dtype={dtype}")
        tensors = list(self.parameters()) + list(self.buffers())
        if tensors:
            check_cpu(where)
        if dtype is None:
            return self
        with no_grad():
            for t in tensors:
                if t.dtype.kind == "f" and t.dtype != dtype:
                    t._data = t._data.astype(dtype)
                    if t.grad is not None:
                        t.grad._data = t.grad._data.astype(dtype)
        return self

    def cpu(self) -> Module:
        """Self: parameters and buffers are on the CPU already."""
        return self

    def cuda(self, device: Any = None) -> Module:
        """Raises when the module holds tensors, as PyTorch without CUDA: minigrad has no GPU."""
        if any(True for _ in self.parameters()) or any(True for _ in self.buffers()):
            raise unavailable("cuda")
        return self

    def double(self) -> Module:
        return self.to(np.float64)

    def float(self) -> Module:
        return self.to(np.float32)

    # ---- repr ----
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr line (override in layers)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({k}): " + _addindent(repr(m), 2) for k, m in self._modules.items()]
        lines = extra_lines + child_lines
        s = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                s += extra_lines[0]
            else:
                s += "\n  " + "\n  ".join(lines) + "\n"
        return s + ")"

    def __dir__(self) -> list[str]:
        return sorted(set(dir(type(self))) | set(self.__dict__))
