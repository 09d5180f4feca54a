"""``minigrad.compile(step)``: trace one call of a function, then replay its array operations.

The first call with given argument shapes and dtypes runs eagerly and records, through the one
op dispatch (``apply``) and the backward pass, every array operation in order: op forwards,
gradient rules, broadcasting reductions, gradient accumulation and hand-over to leaves, plus the
work done outside the graph (optimizer steps, ``zero_grad``, BatchNorm running averages, random
draws), which is recorded as calls that run afresh on every replay. Later calls replay that list
on the new arguments' arrays: no Tensors, graph nodes, module calls or topological sorts, and
the same NumPy calls in the same order, so results equal eager bit for bit.

As ``torch.jit.trace``: Python control flow that depends on tensor values is baked in (a
:class:`TracerWarning` says when a value was read during the trace), Python side effects inside
the function other than those listed run only while tracing, tensors must come in as arguments
(or be parameters/buffers, read afresh each call), and returned tensors carry values, not graphs.
A new trace is made when argument shapes, dtypes or requires_grad, other arguments, grad mode,
or the train()/eval() mode of a module called in the trace change. What cannot be replayed
(``create_graph``, ``autograd.grad``, in-place ops on traced tensors, anomaly mode, retained
grads) makes that signature run eagerly, with a warning.
"""

from __future__ import annotations

import functools
import keyword
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from . import capture_hooks as _hooks
from .tensor import Tensor

__all__ = ["compile", "Compiled", "TracerWarning"]

_ARRAY = (np.ndarray, np.generic)


class TracerWarning(UserWarning):
    """A trace baked in something that may change between calls, or could not be made."""


class _Tracer:
    """Records one call: slots hold arrays, tensors and constants; ``code`` the operations."""

    def __init__(self) -> None:
        self.ids: dict[int, int] = {}  # id(array or Tensor object) -> slot
        self.keep: list[Any] = []  # everything mapped, alive until the end (ids stay unique)
        self.template: list[Any] = []  # slot values known at trace time (constants)
        self.code: list[tuple] = []
        self.modules: dict[int, Any] = {}
        self.loaded: list[Any] = []  # tensors whose arrays are read afresh at each replay
        self.failed: str | None = None
        self.reads: list[str] = []
        self.made: set[int] = set()  # slots that recorded calls produce
        self.baked = 0  # arrays the recorded calls read that no recorded call made

    # ---- slots ----
    def _slot(self, value: Any, known: Any = None) -> int:
        k = len(self.template)
        self.template.append(known)
        if value is not None:
            self.ids[id(value)] = k
            self.keep.append(value)
        return k

    def const(self, value: Any) -> int:
        return self._slot(value, value)

    def tensor_data(self, t: Any) -> int:
        """The slot of ``t``'s array: made in the trace, or loaded from ``t`` when replayed."""
        a = t._data
        k = self.ids.get(id(a))
        if k is not None:
            return k
        src = self.ids.get(id(t))
        if src is None:
            src = self.const(t)
            self.loaded.append(t)
        k = self._slot(a)
        self.code.append(("load", src, k))
        return k

    def spec(self, v: Any) -> Any:
        """How to find ``v`` at replay: a slot number, or a list/tuple/dict of those."""
        if isinstance(v, _ARRAY):
            k = self.ids.get(id(v))
            if k is None and isinstance(v, np.ndarray) and v.size > 1:
                self.baked += 1  # computed outside the recorded operations
            return self.const(v) if k is None else k
        if isinstance(v, list | tuple) and any(isinstance(x, _ARRAY) for x in v):
            return (type(v), [self.spec(x) for x in v])
        if isinstance(v, Tensor):
            k = self.ids.get(id(v))
            if k is None:
                d = self.ids.get(id(v._data))
                if d is not None and d in self.made:  # made in the call: wrapped afresh
                    return ("wrap", d)
            return self.const(v) if k is None else k
        return self.const(v)

    def _made(self, x: Any) -> int:
        k = self._slot(x)
        self.made.add(k)
        return k

    def _outs(self, r: Any) -> Any:
        if isinstance(r, _ARRAY):
            return self._made(r)
        if isinstance(r, Tensor):  # an effect's result: its array, afresh at each replay
            return [(None, self._made(r._data))]
        if isinstance(r, list | tuple):
            return [(i, self._made(x)) for i, x in enumerate(r) if isinstance(x, _ARRAY)]
        return None

    # ---- recording ----
    def call(self, fn: Callable, args: tuple | list, kw: dict, suspend: bool = False) -> Any:
        """Run ``fn(*args, **kw)`` and record it (with the trace off inside when ``suspend``)."""
        if suspend:
            _hooks.state.tracer = None
            try:
                r = fn(*args, **kw)
            finally:
                _hooks.state.tracer = self if self.failed is None else None
        else:
            r = fn(*args, **kw)
        self._record(fn, args, kw, r)
        return r

    def _record(self, fn: Callable, args: tuple | list, kw: dict, r: Any) -> None:
        if self.failed is None:
            self.code.append(("call", fn, [self.spec(a) for a in args],
                              {n: self.spec(v) for n, v in kw.items()}, self._outs(r)))

    def forward(self, op: Any, inputs: tuple, params: dict) -> np.ndarray:
        """An op's forward on its inputs' arrays (``apply``'s one hook)."""
        for t in inputs:
            self.tensor_data(t)
        arrays = [t._data for t in inputs]
        data, fn = op.forward(*arrays, **params), op.forward
        if type(data) is not np.ndarray:  # a NumPy scalar from a full reduction
            data, fn = np.asarray(data), _forward_of(op)
        self._record(fn, arrays, params, data)
        return data

    def effect(self, fn: Callable, args: tuple) -> Any:
        return self.call(fn, args, {}, suspend=True)

    def module(self, m: Any) -> None:
        self.modules.setdefault(id(m), m)

    def unsupported(self, what: str) -> None:
        if self.failed is None:
            self.failed = what
            _hooks.state.tracer = None  # the call finishes eagerly

    def value_read(self, what: str) -> None:
        self.reads.append(what)


@functools.cache
def _forward_of(op: Any) -> Callable:
    fwd = op.forward

    def forward(*arrays: Any, **params: Any) -> np.ndarray:
        data = fwd(*arrays, **params)
        return data if type(data) is np.ndarray else np.asarray(data)

    forward.__name__ = op.name
    return forward


class _Codegen:
    """The recorded calls as the body of one Python function: slots become local variables,
    constants and callables globals, so a replay is a straight run of calls."""

    def __init__(self, tr: _Tracer, arg_slots: list[int]) -> None:
        self.tr = tr
        self.env: dict[str, Any] = {"_wrap": Tensor._wrap}
        self.dynamic = set(tr.made) | {k + d for k in arg_slots for d in (0, 1)}
        self.dynamic.update(i[2] for i in tr.code if i[0] == "load")

    def ref(self, spec: Any) -> str:
        if isinstance(spec, int):
            if spec in self.dynamic:
                return f"s{spec}"
            self.env[f"c{spec}"] = self.tr.template[spec]
            return f"c{spec}"
        kind, parts = spec
        if kind == "wrap":
            return f"_wrap({self.ref(parts)})"
        inner = ", ".join(self.ref(p) for p in parts)
        return f"[{inner}]" if kind is list else f"({inner},)"

    def call(self, i: int, fn: Callable, args: list, kw: dict, outs: Any) -> list[str]:
        self.env[f"f{i}"] = fn
        named = [f"{n}={self.ref(v)}" for n, v in kw.items() if n.isidentifier()
                 and not keyword.iskeyword(n)]
        other = [f"{n!r}: {self.ref(v)}" for n, v in kw.items() if not n.isidentifier()
                 or keyword.iskeyword(n)]
        parts = [self.ref(a) for a in args] + named + (["**{" + ", ".join(other) + "}"]
                                                       if other else [])
        text = f"f{i}({', '.join(parts)})"
        if isinstance(outs, int):
            return [f"s{outs} = {text}"]
        if outs:
            return [f"r = {text}"] + [f"s{k} = r._data" if j is None else f"s{k} = r[{j}]"
                                      for j, k in outs]
        return [text]

    def function(self, arg_slots: list[int], ret_slots: list[int]) -> Callable:
        lines = [f"def replay({', '.join(f's{k}' for k in arg_slots)}):"]
        lines += [f"    s{k + 1} = s{k}._data" for k in arg_slots]
        for i, ins in enumerate(self.tr.code):
            body = ([f"s{ins[2]} = {self.ref(ins[1])}._data"] if ins[0] == "load"
                    else self.call(i, *ins[1:]))
            lines += ["    " + b for b in body]
        lines.append("    return {" + ", ".join(f"{k}: {self.ref(k)}" for k in ret_slots) + "}")
        exec("\n".join(lines), self.env)  # noqa: S102  (code made from the trace only)
        return self.env["replay"]


def _slots_of(spec: Any) -> list[int]:
    kind, v = spec
    if kind in ("tensor", "obj"):
        return [v]
    if kind == "const":
        return []
    return [k for x in v for k in _slots_of(x[1] if kind is dict else x)]


class _Trace:
    """A finished recording: replays on new arguments."""

    __slots__ = ("run", "guards", "ret")

    def __init__(self, tr: _Tracer, arg_slots: list[int], ret: Any) -> None:
        self.run = _Codegen(tr, arg_slots).function(arg_slots, _slots_of(ret))
        self.guards = [(m, m.training) for m in tr.modules.values()]
        self.ret = ret

    def matches(self) -> bool:
        for m, mode in self.guards:
            if m.training is not mode:
                return False
        return True

    def replay(self, tensors: list) -> Any:
        return _rebuild(self.ret, self.run(*tensors))


def _ret_spec(tr: _Tracer, v: Any) -> Any:
    """How to rebuild the return value from the slots: tensors by their arrays' slots."""
    if isinstance(v, Tensor):
        k = tr.ids.get(id(v))
        if k is not None:  # an argument or a parameter: the object itself
            return ("obj", k)
        k = tr.ids.get(id(v._data))
        return ("tensor", k) if k is not None else ("const", v)
    if isinstance(v, list | tuple):
        return (type(v), [_ret_spec(tr, x) for x in v])
    if isinstance(v, dict):
        return (dict, [(n, _ret_spec(tr, x)) for n, x in v.items()])
    return ("const", v)


def _rebuild(spec: Any, S: dict) -> Any:
    kind, v = spec
    if kind == "tensor":
        return Tensor._wrap(S[v])
    if kind == "obj":
        return S[v]
    if kind == "const":
        return v
    if kind is dict:
        return {n: _rebuild(x, S) for n, x in v}
    return kind(_rebuild(x, S) for x in v)


class Compiled:
    """A function whose calls replay a trace of an earlier call with the same signature."""

    def __init__(self, fn: Callable[..., Any], max_traces: int = 8) -> None:
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.max_traces = max_traces
        self.traces: dict[Any, list[_Trace]] = {}
        self.eager: dict[Any, str] = {}
        self.num_traces = 0  # how many traces were made (a test can see re-tracing)

    def _key(self, args: tuple, kwargs: dict) -> tuple[Any, list]:
        from .autograd import is_grad_enabled

        tensors, sig = [], [is_grad_enabled()]
        for a in (*args, *kwargs.values()):
            if isinstance(a, Tensor):
                tensors.append(a)
                sig.append((a._data.shape, a._data.dtype, a.requires_grad))
            else:
                sig.append((type(a), a))
        sig.extend(kwargs)
        return tuple(sig), tensors

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from . import anomaly

        if _hooks.state.tracer is not None or anomaly.enabled:  # inside another trace: part of it
            return self.fn(*args, **kwargs)
        try:
            key, tensors = self._key(args, kwargs)
            hash(key)
        except TypeError:
            return self.fn(*args, **kwargs)  # unhashable arguments: no cache key
        if key in self.eager:
            return self.fn(*args, **kwargs)
        for t in self.traces.get(key, ()):
            if t.matches():
                return t.replay(tensors)
        return self._trace(key, tensors, args, kwargs)

    def _trace(self, key: Any, tensors: list, args: tuple, kwargs: dict) -> Any:
        tr = _Tracer()
        arg_slots = []
        for t in tensors:
            k = tr._slot(t)
            tr._slot(t._data)
            arg_slots.append(k)
        _hooks.state.tracer = tr
        try:
            result = self.fn(*args, **kwargs)
        finally:
            _hooks.state.tracer = None
        if tr.failed is not None:
            self.eager[key] = tr.failed
            warnings.warn(f"minigrad.compile: {self.__name__} cannot be captured ({tr.failed}); "
                          "calls with these arguments run eagerly", TracerWarning, stacklevel=3)
            return result
        if tr.reads:
            warnings.warn(f"minigrad.compile: {self.__name__} read tensor values while traced "
                          f"({', '.join(sorted(set(tr.reads)))}): control flow that depends on "
                          "them, and Python numbers made from them, are baked into the trace",
                          TracerWarning, stacklevel=3)
        made = tr.baked
        for t in tr.loaded:  # held only by the trace (template, keep, loaded, t, the call)?
            made += t._data.ndim > 0 and sys.getrefcount(t) <= 5  # (0-d: a Python number)
        if made:
            warnings.warn(f"minigrad.compile: {self.__name__} used {made} tensor(s) or array(s) "
                          "made inside the call but not from its arguments or by recorded "
                          "operations (from NumPy data?): their values are baked in; pass them "
                          "as arguments", TracerWarning,
                          stacklevel=3)
        trace = _Trace(tr, arg_slots, _ret_spec(tr, result))
        tr.keep.clear()
        bucket = self.traces.setdefault(key, [])
        bucket.append(trace)
        self.num_traces += 1
        if sum(len(b) for b in self.traces.values()) > self.max_traces:
            oldest = next(iter(self.traces))
            self.traces[oldest].pop(0)
            if not self.traces[oldest]:
                del self.traces[oldest]
        return result


def compile(fn: Callable[..., Any] | None = None, *, max_traces: int = 8) -> Any:  # noqa: A001
    """Return ``fn`` traced on its first call per signature and replayed after (see module doc);
    usable as ``@minigrad.compile``. ``max_traces`` bounds the traces kept (oldest dropped)."""
    if fn is None:
        return lambda f: Compiled(f, max_traces)
    return Compiled(fn, max_traces)
