"""The graph: grad mode (per thread), graph nodes, applying ops, and the backward/grad API.

A node keeps the op, its input Tensors, their histories, its parameters and the output's array,
never the output Tensor, so a graph is freed by reference counting as soon as nobody holds its
root. The walk itself (iterative, no recursion limit) is in :mod:`minigrad.engine`.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = [
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "Node",
    "apply",
    "backward",
    "grad",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
]


class _GradState(threading.local):
    """Grad mode, one per thread as in PyTorch; the class default makes a new thread start
    enabled and keeps a read to one attribute lookup."""

    enabled = True


_grad = _GradState()


def is_grad_enabled() -> bool:
    """Whether ops record a graph now (in this thread)."""
    return _grad.enabled


class set_grad_enabled(contextlib.ContextDecorator):
    """Turn graph recording on or off for this thread: at once when called, restored when used
    as a context."""

    def __init__(self, mode: bool) -> None:
        self.prev = _grad.enabled
        self.mode = bool(mode)
        _grad.enabled = self.mode

    def __enter__(self) -> None:
        _grad.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _grad.enabled = self.prev


class _GradMode(contextlib.ContextDecorator):
    """Base of no_grad / enable_grad: a context manager and a decorator that restores the mode."""

    mode = True

    def __enter__(self) -> None:
        self.prev = _grad.enabled
        _grad.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _grad.enabled = self.prev

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Ops inside record no graph (evaluation, parameter updates)."""

    mode = False


class enable_grad(_GradMode):
    """Record a graph even inside ``no_grad``."""

    mode = True


class Node:
    """How a non-leaf Tensor was made: the op, its inputs and parameters, each input's history and
    version at the time, and the output's array and version (never the output Tensor itself).

    ``edges`` are the inputs' nodes when the op ran, so an in-place op that later gives an input a
    new node does not change what this node differentiates through (PyTorch's graph edges).
    """

    __slots__ = ("op", "inputs", "edges", "params", "site", "versions", "out", "out_vc",
                 "out_version", "retained")

    def __init__(self, op: Any, inputs: tuple[Tensor, ...], params: dict, out: Tensor,
                 site: str | None = None) -> None:
        self.op = op
        self.inputs = inputs
        self.params = params
        self.site = site  # where user code created it (recorded in anomaly mode only)
        self.edges = [t._node for t in inputs]
        if op.saves_any:  # the versions of what the rules read are checked at backward
            self.versions = [0 if t._vc is None else t._vc.n for t in inputs]
            if op.reads_out:
                self.out_vc = _tensor.counter(out)
                self.out_version = self.out_vc.n
        self.out = out._data
        self.retained = None  # a weak reference to the output Tensor after retain_grad()

    def name(self) -> str:
        return f"{self.op.name.capitalize()}Backward"


def apply(op: Any, *inputs: Tensor, **params: Any) -> Tensor:
    """Run ``op.forward`` on the inputs' arrays and, when a gradient is wanted, record a Node."""
    if _views.rebased:  # some base got a new history in place: its views follow it
        for t in inputs:
            _views.follow(t)
    try:
        if _hooks.state.tracer is None:
            data = op.forward(*[t._data for t in inputs], **params)
        else:  # minigrad.compile records the call (its one hook in the op dispatch)
            data = _hooks.state.tracer.forward(op, inputs, params)
    except ValueError as e:
        shapes = ", ".join(str(t.shape) for t in inputs)
        raise ValueError(f"{op.name}: cannot apply to inputs of shapes {shapes}: {e}") from None
    if type(data) is not np.ndarray:  # NumPy returns scalars from full reductions
        data = np.asarray(data)
    site = _anomaly.check_forward(op, inputs, data) if _anomaly.enabled else None
    out = _new_tensor(data)
    if op.view:
        _views.mark(out, inputs[0], op, params)
    if _grad.enabled:
        for t in inputs:
            if t.requires_grad:
                out.requires_grad = True
                out._node = Node(op, inputs, params, out, site)
                break
    return out


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """Accumulate d(tensors)/d(leaf) into every leaf's ``.grad``, as ``torch.autograd.backward``."""
    if retain_graph is None:
        retain_graph = create_graph
    if isinstance(tensors, _tensor.Tensor):  # the common case, without _pair's list building
        _engine.run_backward((tensors,), (grad_tensors,), retain_graph, create_graph, None)
        return
    roots, grads = _pair(tensors, grad_tensors)
    _engine.run_backward(roots, grads, retain_graph, create_graph, None)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Return d(outputs)/d(inputs) without touching any ``.grad``, as ``torch.autograd.grad``."""

    roots, grads = _pair(outputs, grad_outputs)
    single = isinstance(inputs, _tensor.Tensor)
    ins = [inputs] if single else list(inputs)
    for x in ins:
        if not x.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    keys = [id(x) if x._node is None else id(x._node) for x in ins]  # a leaf, or its history
    found = _engine.run_backward(roots, grads, retain_graph, create_graph, dict.fromkeys(keys))
    result: list[Tensor | None] = []
    for n, (x, k) in enumerate(zip(ins, keys)):
        g = found.get(k)
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {n} appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior."
                )
            result.append(None)
        elif isinstance(g, _tensor.Tensor):
            result.append(g)
        else:
            result.append(_new_tensor(np.array(g, dtype=x.dtype, copy=True)))
    return tuple(result)


def _pair(tensors: Any, grads: Any) -> tuple[list[Tensor], list[Any]]:

    roots = [tensors] if isinstance(tensors, _tensor.Tensor) else list(tensors)
    if grads is None:
        gl: list[Any] = [None] * len(roots)
    elif isinstance(grads, _tensor.Tensor | np.ndarray) or not isinstance(grads, Iterable):
        gl = [grads]
    else:
        gl = list(grads)
    if len(gl) != len(roots):
        raise RuntimeError(f"got {len(roots)} outputs but {len(gl)} gradients")
    return roots, gl


# Bound last: minigrad.tensor and the op table import this module first, then are resolved here.
from . import anomaly as _anomaly  # noqa: E402
from . import capture_hooks as _hooks  # noqa: E402
from . import engine as _engine  # noqa: E402
from . import tensor as _tensor  # noqa: E402
from . import views as _views  # noqa: E402
from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly  # noqa: E402

_new_tensor = _tensor.Tensor._wrap  # a Tensor around an array, outside any graph
