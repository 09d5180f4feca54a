"""The backward pass: walk the graph of nodes once, output to inputs, and hand gradients over.

Gradients are keyed by node (a tensor's history), not by Tensor: an in-place op gives a Tensor a
new node, while nodes made before keep differentiating through its old one. Broadcasting is undone
in one place (``sum_to``), and each node checks, before its rule runs, that the tensors the rule
reads (as the op declares them) were not changed in place since the forward pass.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import autograd
from .dtypes import torch_name

if TYPE_CHECKING:
    from .autograd import Node
    from .tensor import Tensor

__all__ = ["run_backward", "sum_to", "shell"]


def sum_to(xp: Any, g: Any, shape: tuple[int, ...]) -> Any:
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


def _edges_of(node: Node) -> list:
    if node.inputs is None:
        raise RuntimeError(
            "Trying to backward through the graph a second time (or directly access saved "
            "tensors after they have already been freed). Specify retain_graph=True if you "
            "need to backward through the graph a second time."
        )
    return node.edges


def _chain(root: Node) -> list[Node] | None:
    """The nodes from ``root`` down, inputs first, if each has at most one input with a history
    (the common case, walked without sets); None as soon as the graph branches."""
    order = [root]
    n = root
    while True:
        if n.inputs is None:
            return None  # freed: the general walk raises the error
        nxt = None
        for e in n.edges:
            if e is not None:
                if nxt is not None and e is not nxt:
                    return None
                nxt = e
        if nxt is None:
            order.reverse()
            return order
        order.append(nxt)
        n = nxt


def _toposort(roots: Sequence[Node]) -> list[Node]:
    """The nodes of the graph, inputs before outputs, without recursion."""
    if len(roots) == 1:  # a chain (one op on leaves, an MLP, (a + b).sum()): no sets
        order = _chain(roots[0])
        if order is not None:
            return order
    order: list[Node] = []  # no per-node containers: a long walk triggers no GC passes
    expanded: set[int] = set()
    emitted: set[int] = set()
    stack = list(reversed(roots))
    while stack:
        n = stack[-1]
        k = id(n)
        if k in expanded:  # its inputs are all emitted: emit it (once)
            stack.pop()
            if k not in emitted:
                emitted.add(k)
                order.append(n)
            continue
        expanded.add(k)
        if n.inputs is None:
            _edges_of(n)  # raises: this graph was freed by an earlier backward
        for e in n.edges:
            if e is not None and id(e) not in expanded:
                stack.append(e)
    return order


def _leading_to(order: list[Node], wanted: dict[int, Any]) -> tuple[list[Node], set[int]]:
    """The nodes of ``order`` (inputs first) that are wanted or lead to something wanted, and
    the ids of those whose rules must run (a wanted node only collects, unless more is below)."""
    run: set[int] = set()
    for n in order:
        if any((e is None and id(t) in wanted) or
               (e is not None and (id(e) in run or id(e) in wanted))
               for t, e in zip(n.inputs, n.edges)):
            run.add(id(n))
    return [n for n in order if id(n) in run or id(n) in wanted], run


def _root_grad(t: Tensor, g: Any, create_graph: bool) -> Any:
    if g is None:
        if t._data.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs; got shape {t.shape}: "
                "pass gradient= (a Tensor of the output's shape)"
            )
        g = np.ones(t._data.shape, t._data.dtype)  # np.ones_like is a slower Python wrapper
    elif isinstance(g, _Tensor):
        g = g if create_graph else g._data
    else:
        g = np.asarray(g, dtype=t.dtype)
    if g.shape != t.shape:
        raise RuntimeError(f"gradient has shape {tuple(g.shape)} but the output has {t.shape}")
    if create_graph and not isinstance(g, _Tensor):
        g = _new_tensor(np.array(g, dtype=t.dtype))
    return g


def shell(data: np.ndarray, node: Node | None, like: Tensor | None = None) -> Tensor:
    """A Tensor standing for a past history (``node``) of ``data``, sharing ``like``'s version
    counter: what create_graph rules read, and an in-place op's record of the old value."""
    t = _new_tensor(data)
    t._node = node
    t.requires_grad = node is not None or (like is not None and like.requires_grad)
    if like is not None:
        t._vc = counter(like)
    return t


def run_backward(
    roots: Sequence[Tensor],
    grad_roots: Sequence[Any],
    retain_graph: bool,
    create_graph: bool,
    wanted: dict[int, Tensor] | None,
) -> dict[int, Any]:
    """Walk the graph once from ``roots``; accumulate into leaves or return the gradients of
    ``wanted`` (keyed by a leaf's id or a non-leaf's node id)."""
    xp = _tensor_xp if create_graph else np
    collect = wanted is not None
    tr = _hooks.state.tracer  # minigrad.compile: record every array operation below
    if tr is not None and (create_graph or collect or _anomaly.enabled):
        tr.unsupported("create_graph, autograd.grad or anomaly mode in backward")
        tr = None
    grads: dict[int, Any] = {}
    found: dict[int, Any] = {}
    root_nodes = []
    for n, (r, g) in enumerate(zip(roots, grad_roots)):
        if _views.rebased:
            _views.follow(r)
        if not r.requires_grad:
            raise RuntimeError(
                f"element {n} of tensors does not require grad and does not have a grad_fn"
            )
        gd = _root_grad(r, g, create_graph)
        if tr is not None:
            tr.tensor_data(g) if isinstance(g, _Tensor) else tr.const(gd)
        node = r._node
        if node is not None:
            k = id(node)
            if k in grads:
                grads[k] = grads[k] + gd if tr is None else tr.call(operator.add, (grads[k], gd),
                                                                    {})
            else:
                grads[k] = gd
            root_nodes.append(node)
        elif not collect:
            if tr is None:
                accumulate(r, gd, create_graph, False)
            else:
                tr.call(accumulate, (r, gd, False, False), {})
        elif id(r) in wanted:
            found[id(r)] = found[id(r)] + gd if id(r) in found else gd
    order = _toposort(root_nodes)
    if collect:  # autograd.grad runs (and frees) only the part that leads to what it wants
        order, run = _leading_to(order, wanted)
    pop, get = grads.pop, grads.get
    check = _anomaly.check_backward if _anomaly.enabled else None
    mode = autograd._grad  # this thread's grad mode: rules record a graph only for create_graph
    prev_mode, mode.enabled = mode.enabled, create_graph
    try:
        for node in reversed(order):
            g = pop(id(node), None)
            if g is None:
                continue
            if collect:
                if id(node) in wanted:
                    found[id(node)] = g
                if id(node) not in run:
                    continue
            elif node.retained is not None:
                if tr is not None:
                    tr.unsupported("retain_grad()")
                    tr = None
                kept = node.retained()
                if kept is not None:
                    accumulate(kept, g, create_graph, False)
            inputs, edges, params, op = node.inputs, node.edges, node.params, node.op
            if op.saves_any:  # did anything change in place since? then: does a rule read it?
                for t, v in zip(inputs, node.versions):
                    if v != (0 if t._vc is None else t._vc.n):
                        check_saved(node, [i.requires_grad for i in inputs])
                        break
                else:
                    if op.reads_out and node.out_vc.n != node.out_version:
                        check_saved(node, [i.requires_grad for i in inputs])
            if create_graph:
                out = shell(node.out, node)
                args = [i if i._node is e else shell(i._data, e, i)
                        for i, e in zip(inputs, edges)]
            else:
                out, args = node.out, [i._data for i in inputs]
            if tr is not None:
                gis = _traced_rules(tr, node, g)
            elif op.rules:
                gis = [op.rules[i](xp, g, out, *args, **params) if inp.requires_grad else None
                       for i, inp in enumerate(inputs)]
            else:  # one call for every input's gradient (fused ops share their work)
                gis = op.vjp_fn(xp, g, out, args, [i.requires_grad for i in inputs], **params)
            for i, gi in enumerate(gis):
                if gi is None:
                    continue
                inp = inputs[i]
                if check is not None:
                    check(node, i, gi, node.site)
                shape = inp._data.shape
                if gi.shape != shape:
                    gi = sum_to(xp, gi, shape) if tr is None else tr.call(sum_to, (np, gi, shape),
                                                                          {})
                e = edges[i]
                if e is None:  # a leaf: hand its gradient over now
                    if inp._node is not None:
                        # a leaf without grad when the op ran that got a node in place since:
                        # it still says requires_grad, but it was no input with grad then
                        continue
                    # may gi be shared (an identity rule, a view, a saved array)? copy if kept
                    if create_graph or gi is g or gi is out:
                        shared = True
                    elif gi.base is not None:
                        shared = _views_any(gi.base, g, out, args)
                    else:
                        shared = False
                        for a in args:  # a plain loop: cheaper than any() over a generator
                            if gi is a:
                                shared = True
                    k = id(inp)
                    if collect:
                        if k in wanted:
                            found[k] = found[k] + gi if k in found else gi
                    elif create_graph:
                        accumulate(inp, gi, True, not shared)
                    elif tr is None:
                        to_leaf(inp, gi, shared)
                    else:
                        tr.call(to_leaf, (inp, gi, shared), {})
                    continue
                k = id(e)  # a non-leaf: its gradient is only ever added out of place, so a
                acc = get(k)  # shared array needs no copy
                if acc is None:
                    grads[k] = gi
                else:
                    grads[k] = acc + gi if tr is None else tr.call(operator.add, (acc, gi), {})
            if not retain_graph:
                node.inputs = None
                node.out = None
    finally:
        mode.enabled = prev_mode
    return found


def to_leaf(t: Tensor, gi: np.ndarray, shared: bool) -> None:
    """Hand a leaf its gradient: the first one is stored (copied if ``shared`` with an array
    someone else holds), later ones are added in place."""
    if t.grad is None and gi.dtype == t._data.dtype and (shared or gi.base is None):
        t.grad = _new_tensor(gi.copy() if shared else gi)
    else:
        accumulate(t, gi, False, not shared)


def _traced_rules(tr: Any, node: Node, g: Any) -> Any:
    """A node's gradient rules, recorded for minigrad.compile (the fast path's calls)."""
    inputs, out, params, op = node.inputs, node.out, node.params, node.op
    if id(out) not in tr.ids:
        tr.unsupported("backward through a graph made outside the compiled call")
    args = [inp._data for inp in inputs]
    for inp in inputs:
        tr.tensor_data(inp)
    if op.rules:
        return [tr.call(op.rules[i], (np, g, out, *args), params) if inp.requires_grad else None
                for i, inp in enumerate(inputs)]
    return tr.call(op.vjp_fn, (np, g, out, args, [i.requires_grad for i in inputs]), params)


def _views_any(base: np.ndarray, g: Any, out: Any, args: Sequence[Any]) -> bool:
    """Whether a view's ``base`` is (the memory of) the upstream gradient, the output or an input;
    a view of a temporary the rule made (a transposed product, a reshaped sum) is private."""
    for a in (g, out, *args):  # arrays here: the create_graph path never asks
        if base is a or base is a.base:
            return True
    return False


def _described(a: np.ndarray) -> str:
    """``[minigrad.FloatTensor [3]]``: how PyTorch names a tensor in this error."""
    return f"[minigrad.{torch_name(a.dtype)}Tensor {list(a.shape)}]"


_HINT = ("Hint: the tensor was changed in place (an in-place op, an optimizer step, "
         "load_state_dict, a write through a view) after it was used; compute it again after "
         "the change, or change a copy (tensor.clone()).")


def check_saved(node: Node, needs: list[bool]) -> None:
    """Raise PyTorch's error if a tensor the node's rules read was changed in place since."""
    idxs, reads_out = node.op.saved_for(needs, node.params)
    for k in idxs:
        t, v = node.inputs[k], node.versions[k]
        if t._version != v:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: {_described(t._data)}, which is input {k} of "
                f"{node.name()}, is at version {t._version}; expected version {v} instead. "
                f"{_HINT}")
    if reads_out and node.out_vc.n != node.out_version:  # (node.out is freed only after use)
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: {_described(node.out)}, which is output 0 of {node.name()}, "
            f"is at version {node.out_vc.n}; expected version "
            f"{node.out_version} instead. {_HINT}")


def accumulate(t: Tensor, g: Any, create_graph: bool, owned: bool = False) -> None:
    """Add ``g`` into ``t.grad``; the first gradient stored is private (``owned``) or a copy."""
    if create_graph:  # a differentiable copy: grads never share memory (PyTorch clones too)
        gt = g if isinstance(g, _Tensor) else _new_tensor(np.array(g))
        t.grad = _ew.mul(gt, 1) if t.grad is None else t.grad + gt
        return
    if type(g) is not np.ndarray:
        g = g._data if isinstance(g, _Tensor) else np.asarray(g)
    data = t._data
    tg = t.grad
    if tg is None:
        t.grad = _new_tensor(g if owned and g.dtype == data.dtype and g.flags.writeable
                             else g.astype(data.dtype, copy=True))
    elif tg._data.shape == g.shape and tg._data.flags.writeable:
        np.add(tg._data, g, out=tg._data, casting="unsafe")
        bump(tg)
    else:
        tg._data = (tg._data + g).astype(data.dtype, copy=False)
        bump(tg)


from . import anomaly as _anomaly  # noqa: E402
from . import capture_hooks as _hooks  # noqa: E402
from .tensor import Tensor as _Tensor  # noqa: E402  (before the ops: it fills the op table)
from .tensor import bump, counter  # noqa: E402

_new_tensor = _Tensor._wrap

from . import views as _views  # noqa: E402
from .ops import elementwise as _ew  # noqa: E402
from .ops import tensor_xp as _tensor_xp  # noqa: E402
