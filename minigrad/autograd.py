"""The graph and the engine: grad mode, graph nodes, applying ops, the iterative backward pass.

A node keeps the op, its input Tensors and its parameters, never its output, so a graph is freed by
reference counting as soon as nobody holds its root. The backward pass sorts the graph iteratively
(no recursion limit) and reduces every broadcast gradient back to its input's shape in one place.
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
    """How a non-leaf Tensor was made: the op, its inputs and parameters (never the output)."""

    __slots__ = ("op", "inputs", "params", "site", "versions")

    def __init__(self, op: Any, inputs: tuple[Tensor, ...], params: dict,
                 site: str | None = None) -> None:
        self.op = op
        self.inputs = inputs
        self.params = params
        self.site = site  # where user code created it (recorded in anomaly mode only)
        self.versions = [t._version for t in inputs]  # in-place changes are caught at backward

    def name(self) -> str:
        return f"{self.op.name.capitalize()}Backward"


def apply(op: Any, *inputs: Tensor, **params: Any) -> Tensor:
    """Run ``op.forward`` on the inputs' arrays and, when a gradient is wanted, record a Node."""
    try:
        data = op.forward(*[t._data for t in inputs], **params)
    except ValueError as e:
        shapes = ", ".join(str(t.shape) for t in inputs)
        raise ValueError(f"{op.name}: cannot apply to inputs of shapes {shapes}: {e}") from None
    if type(data) is not np.ndarray:  # NumPy returns scalars from full reductions
        data = np.asarray(data)
    site = _anomaly.check_forward(op, inputs, data) if _anomaly.enabled else None
    out = _new_tensor(data)
    if _grad.enabled:
        for t in inputs:
            if t.requires_grad:
                out.requires_grad = True
                out._node = Node(op, inputs, params, site)
                break
    return out


def _sum_to(xp: Any, g: Any, shape: tuple[int, ...]) -> Any:
    """Reduce a broadcast gradient back to ``shape`` (the one place broadcasting is undone)."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    ones = tuple(lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
    if not ones:  # only leading dims (a bias): the array method, no keepdims, no reshape
        g = g.sum(axis=0 if lead == 1 else tuple(range(lead)))
    else:
        g = xp.sum(g, axis=tuple(range(lead)) + ones, keepdims=True)
        if lead:
            g = g.reshape(shape)
    if g.shape != shape:
        raise RuntimeError(f"gradient of shape {g.shape} cannot be reduced to input shape {shape}")
    return g


def _toposort(roots: Sequence[Tensor]) -> list[Tensor]:
    """Non-leaf tensors of the graph, inputs before outputs, without recursion.

    Leaves are left out: the backward loop hands their gradients over as soon as they appear.
    """
    if len(roots) == 1:  # one op on leaves (W4's a + b): nothing to walk
        root = roots[0]
        if root._node is not None and all(i._node is None for i in _inputs_of(root)):
            return [root]
    order: list[Tensor] = []  # no per-node containers: a long walk triggers no GC passes
    expanded: set[int] = set()
    emitted: set[int] = set()
    stack = [r for r in reversed(roots) if r._node is not None]
    while stack:
        t = stack[-1]
        k = id(t)
        if k in expanded:  # its inputs are all emitted: emit it (once)
            stack.pop()
            if k not in emitted:
                emitted.add(k)
                order.append(t)
            continue
        expanded.add(k)
        for inp in _inputs_of(t):
            if inp._node is not None and inp.requires_grad and id(inp) not in expanded:
                stack.append(inp)
    return order


def _inputs_of(t: Tensor) -> tuple[Tensor, ...]:
    inputs = t._node.inputs
    if inputs is None:
        raise RuntimeError(
            "Trying to backward through the graph a second time (or directly access saved "
            "tensors after they have already been freed). Specify retain_graph=True if you "
            "need to backward through the graph a second time."
        )
    return inputs


def _as_grad_data(t: Tensor, g: Any, create_graph: bool) -> Any:

    if g is None:
        if t._data.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs; got shape {t.shape}: "
                "pass gradient= (a Tensor of the output's shape)"
            )
        g = np.ones(t._data.shape, t._data.dtype)  # np.ones_like is a slower Python wrapper
    elif isinstance(g, _tensor.Tensor):
        g = g if create_graph else g._data
    else:
        g = np.asarray(g, dtype=t.dtype)
    if g.shape != t.shape:
        raise RuntimeError(f"gradient has shape {tuple(g.shape)} but the output has {t.shape}")
    if create_graph and not isinstance(g, _tensor.Tensor):
        g = _new_tensor(np.array(g, dtype=t.dtype))
    return g


def _run_backward(
    roots: Sequence[Tensor],
    grad_roots: Sequence[Any],
    retain_graph: bool,
    create_graph: bool,
    wanted: dict[int, Tensor] | None,
) -> dict[int, Any]:
    """Walk the graph once from ``roots``; accumulate into leaves or return grads of ``wanted``."""
    for r in roots:
        if not r.requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn"
            )
    xp = _tensor_xp if create_graph else np
    collect = wanted is not None
    grads: dict[int, Any] = {}
    found: dict[int, Any] = {}
    for r, g in zip(roots, grad_roots):
        gd = _as_grad_data(r, g, create_graph)
        if r._node is not None:
            grads[id(r)] = grads[id(r)] + gd if id(r) in grads else gd
        elif not collect:
            _accumulate(r, gd, create_graph, False)
        elif id(r) in wanted:
            found[id(r)] = found[id(r)] + gd if id(r) in found else gd
    order = _toposort(roots)
    pop, get = grads.pop, grads.get
    check = _anomaly.check_backward if _anomaly.enabled else None
    prev_mode, _grad.enabled = _grad.enabled, create_graph
    try:
        for t in reversed(order):
            g = pop(id(t), None)
            if g is None:
                continue
            if collect:
                if id(t) in wanted:
                    found[id(t)] = g
            elif t._retains_grad:
                _accumulate(t, g, create_graph, False)
            node = t._node
            inputs, params, rules = node.inputs, node.params, node.op.rules
            if node.versions != [i._version for i in inputs]:
                _modified_inplace(node)
            if create_graph:
                out, args = t, inputs
            else:
                out, args = t._data, [i._data for i in inputs]
            if rules:
                gis = [rules[i](xp, g, out, *args, **params) if inp.requires_grad else None
                       for i, inp in enumerate(inputs)]
            else:  # one call for every input's gradient (fused ops share their work)
                gis = node.op.vjp_fn(xp, g, out, args, [i.requires_grad for i in inputs],
                                     **params)
            for i, gi in enumerate(gis):
                if gi is None:
                    continue
                inp = inputs[i]
                if not inp.requires_grad:
                    continue
                if check is not None:
                    check(node, i, gi, node.site)
                shape = inp._data.shape
                if gi.shape != shape:
                    gi = _sum_to(xp, gi, shape)
                # may gi be shared (an identity rule, a view, a saved array)? then copy if kept
                if create_graph or gi is g or gi is out:
                    shared = True
                elif gi.base is not None:
                    shared = _views_any(gi.base, g, out, args)
                else:
                    shared = False
                    for a in args:
                        if gi is a:
                            shared = True
                k = id(inp)
                if inp._node is None:  # a leaf: hand its gradient over now
                    if collect:
                        if k in wanted:
                            found[k] = found[k] + gi if k in found else gi
                    elif not create_graph and inp.grad is None and gi.dtype == inp._data.dtype \
                            and (shared or gi.base is None):  # the first: private, or a copy
                        inp.grad = _new_tensor(gi.copy() if shared else gi)
                    else:
                        _accumulate(inp, gi, create_graph, not shared)
                    continue
                acc = get(k)
                grads[k] = gi if acc is None else acc + gi
            if not retain_graph:
                node.inputs = None
    finally:
        _grad.enabled = prev_mode
    return found


def _views_any(base: np.ndarray, g: Any, out: Any, args: Sequence[Any]) -> bool:
    """Whether a view's ``base`` is (the memory of) the upstream gradient, the output or an input;
    a view of a temporary the rule made (a transposed product, a reshaped sum) is private."""
    for a in (g, out, *args):  # arrays here: the create_graph path never asks
        if base is a or base is a.base:
            return True
    return False


def _modified_inplace(node: Node) -> None:
    for k, (t, v) in enumerate(zip(node.inputs, node.versions)):
        if t._version != v:
            raise RuntimeError(
                f"one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: input {k} of {node.name()} (shape {t.shape}) is at version "
                f"{t._version}; expected version {v}. Compute it again after the change, or "
                "change a copy (tensor.clone())."
            )


def _accumulate(t: Tensor, g: Any, create_graph: bool, owned: bool = False) -> None:
    """Add ``g`` into ``t.grad``; the first gradient stored is private (``owned``) or a copy."""

    if create_graph:
        gt = g if isinstance(g, _tensor.Tensor) else _new_tensor(np.array(g))
        t.grad = gt if t.grad is None else t.grad + gt
        return
    if type(g) is not np.ndarray:
        g = g._data if isinstance(g, _tensor.Tensor) else np.asarray(g)
    data = t._data
    tg = t.grad
    if tg is None:
        t.grad = _new_tensor(g if owned and g.dtype == data.dtype and g.flags.writeable
                             else g.astype(data.dtype, copy=True))
    elif tg._data.shape == g.shape and tg._data.flags.writeable:
        np.add(tg._data, g, out=tg._data, casting="unsafe")
    else:
        tg._data = (tg._data + g).astype(data.dtype, copy=False)


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
        _run_backward((tensors,), (grad_tensors,), retain_graph, create_graph, None)
        return
    roots, grads = _pair(tensors, grad_tensors)
    _run_backward(roots, grads, retain_graph, create_graph, None)


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
    found = _run_backward(roots, grads, retain_graph, create_graph, {id(x): x for x in ins})
    result: list[Tensor | None] = []
    for n, x in enumerate(ins):
        g = found.get(id(x))
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"One of the differentiated Tensors (input {n}) appears to not have been used "
                    "in the graph. Set allow_unused=True if this is the desired behavior."
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
from . import tensor as _tensor  # noqa: E402
from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly  # noqa: E402
from .ops import tensor_xp as _tensor_xp  # noqa: E402

_new_tensor = _tensor.Tensor._wrap  # a Tensor around an array, outside any graph
