"""Every differentiable op against central differences: first order and second order.

Each case draws random shapes (broadcasting and size-1 dims included), float64 values kept away
from kinks, and a random upstream gradient (ones would hide transposition bugs).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from op_cases import CASES

import minigrad as mg
from minigrad.ops import OPS
from minigrad.testing import gradcheck, gradgradcheck


def test_every_op_has_a_property_test():
    missing = sorted(set(OPS) - set(CASES))
    extra = sorted(set(CASES) - set(OPS))
    assert not missing, f"ops without a gradient property test: {missing}"
    assert not extra, f"cases for unknown ops: {extra}"


# The five-point stencil at eps=1e-3 is accurate to ~1e-10 (truncation O(eps**4), rounding
# ~1e-16/eps), so rtol=1e-5 is safe and catches a 1e-4 relative error in any rule.
EPS = 1e-3
_TIGHT = {"atol": 1e-8, "rtol": 1e-5, "stencil": 4}


# Public functions that do no tensor math (state, files), so the meta-test below does not call
# them; every other public callable of minigrad, minigrad.nn.functional and minigrad.linalg is
# called on small inputs, and each op its graph records must have a property-test case.
NOT_CALLED = {"save": "writes a file", "load": "reads a file", "manual_seed": "global state",
              "seed": "global state", "set_default_dtype": "global state",
              "set_grad_enabled": "grad mode", "use_deterministic_algorithms": "global state"}


def _probes():
    """Argument lists tried in order on each public function; the first that it accepts wins."""
    def f64(a, grad=True):
        return mg.tensor(np.asarray(a, np.float64), dtype=mg.float64, requires_grad=grad)

    x = f64(np.linspace(0.1, 0.9, 6).reshape(2, 3))
    y = f64(np.linspace(0.2, 0.7, 6).reshape(2, 3))
    w = f64(np.linspace(-0.5, 0.5, 12).reshape(4, 3))
    m = f64(np.linspace(0.1, 0.9, 9).reshape(3, 3))
    idx, labels = mg.tensor([[0, 2, 1], [1, 0, 2]]), mg.tensor([0, 2])
    stats = (f64([0.1, 0.2, 0.3], False), f64([1.0, 2.0, 3.0], False))
    img, kernel = f64(np.linspace(-1, 1, 16).reshape(1, 1, 4, 4)), f64(np.ones((1, 1, 2, 2)))
    seq, cols = f64(np.linspace(-1, 1, 4).reshape(1, 1, 4)), f64(np.ones((1, 4, 9)))
    return [(x,), (x, y), (x, w), (m,), (m, m), (x, labels), (x, 1), (x, 1, idx), ([x, y],),
            (x, x, x), (x, (3, 2)), (x, (1, 0)), (x, *stats), (x, (4, 2, 3)), (labels,),
            (np.ones(2),), (0.0, 1.0, 3), (0.0, 1.0, (2,)), (img, kernel), (img, 2),
            (seq, kernel[0, :, :1]), (cols, (4, 4), 2), (2, 3), ()] + _more_probes(f64, x, y, m)


def _more_probes(f64, x, y, m):
    """Linear algebra, index and normalisation signatures."""
    v = f64([0.3, -0.2, 0.5])
    b = f64(np.linspace(-1, 1, 18).reshape(2, 3, 3))
    i3, mask = mg.tensor([0, 2, 1]), mg.tensor([[True, False, True], [False, True, False]])
    idx = mg.tensor([[0, 2, 1], [1, 0, 2]])
    return [(v, v), (m, v), (b, b), (m, m, m), (v, m, v), (b, b, b), (m, b, b), ((2, 3), 1.5),
            (x, 1, i3, y), (x, 1, i3, 0.5), (x, 1, i3), (x, (mg.tensor([0, 1]),), y),
            (x, mask, 0.5), (x, mask, y), (x, mask), (x, 0, 1), (x, 1, 0, 2), (3,),
            (x, 1, idx, y), (x, 1, idx, y, "sum"), (x, 1, (3, 1)), (mg.tensor([0, 2]), m),
            (x, (3,)), (x, [3])]


def _graph_ops(out) -> set[str]:
    outs = out if isinstance(out, list | tuple) else (out,)
    roots = [o.grad_fn for o in outs if isinstance(o, mg.Tensor)]
    return {node.op.name for root in roots for node in _nodes(root)}


def _public_functions():
    import inspect
    import warnings

    for prefix, mod in (("", mg), ("nn.functional.", mg.nn.functional),
                        ("linalg.", getattr(mg, "linalg", None))):
        for name in sorted(getattr(mod, "__all__", ())) if mod is not None else ():
            fn = getattr(mod, name, None)
            if callable(fn) and not inspect.isclass(fn) and name not in NOT_CALLED:
                for args in _probes():
                    try:
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            out = fn(*args)
                    except Exception:
                        continue
                    yield prefix + name, _graph_ops(out)
                    break
                else:
                    yield prefix + name, None


def test_every_public_function_maps_to_ops_with_cases():
    """A composite function (``F.mse_loss``: sub, mul, mean) is covered by its ops' cases; a
    function whose graph holds an op without a case, or that no probe can call, fails here."""
    uncallable, uncovered = [], {}
    for name, ops in _public_functions():
        if ops is None:
            uncallable.append(name)
        elif ops - set(CASES):
            uncovered[name] = sorted(ops - set(CASES))
    assert not uncovered, f"public functions whose graphs use ops without a case: {uncovered}"
    assert not uncallable, (f"no probe calls these public functions (add a probe in _probes, or "
                            f"a reason in NOT_CALLED): {uncallable}")


def _upstream(fn, inputs, seed):
    out = fn(*inputs)
    rng = np.random.default_rng(seed)
    return mg.tensor(rng.standard_normal(out.shape), dtype=mg.float64)


def _used_ops(fn, inputs) -> set[str]:
    seen, stack = set(), [fn(*inputs).grad_fn]
    while stack:
        node = stack.pop()
        if node is not None:
            seen.add(node.op.name)
            stack.extend(node.edges)  # the graph's edges, which in-place ops do not rewrite
    return seen


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_first_order(name, data, seed):
    fn, inputs, opts = data.draw(CASES[name])
    assert name in _used_ops(fn, inputs), f"case for {name} does not exercise the op"
    v = _upstream(fn, inputs, seed)
    gradcheck(lambda *xs: (fn(*xs) * v).sum(), inputs, **_TIGHT, eps=opts.get("eps", EPS))


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_second_order(name, data, seed):
    fn, inputs, opts = data.draw(CASES[name])
    v = _upstream(fn, inputs, seed)
    gradgradcheck(fn, inputs, grad_outputs=[v], **_TIGHT, eps=opts.get("eps", EPS))


def _nodes(root):
    seen, stack, out = set(), [root], []
    while stack:
        node = stack.pop()
        if node is not None and id(node) not in seen:
            seen.add(id(node))
            out.append(node)
            stack.extend(node.edges)
    return out


def _rule_grads(node, g, out, args, needs):
    op, params = node.op, node.params
    if op.rules:
        return [op.rules[i](np, g.copy(), out, *args, **params) if need else None
                for i, need in enumerate(needs)]
    return list(op.vjp_fn(np, g.copy(), out, args, needs, **params))


def _same(a, b):
    if a is None or b is None:
        return a is None and b is None
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_rules_read_only_what_the_op_declares(name, data, seed):
    """Backward checks only the tensors an op declares in ``saves`` for in-place changes, so a
    rule must read nothing else: scrambling any other input (or the output) leaves every
    gradient the same. (Declaring more is only stricter; declaring less is a silent bug.)"""
    fn, inputs, _ = data.draw(CASES[name])
    rng = np.random.default_rng(seed)
    nodes = [n for n in _nodes(fn(*inputs).grad_fn) if n.op.name == name]
    assert nodes
    for node in nodes:
        needs = [e is not None or (i.requires_grad and i._node is None)
                 for i, e in zip(node.inputs, node.edges)]
        idxs, reads_out = node.op.saved_for(needs, node.params)
        args = [i._data for i in node.inputs]
        g = rng.standard_normal(node.out.shape).astype(node.out.dtype)
        expected = _rule_grads(node, g, node.out, args, needs)

        def scramble(a):
            return (rng.standard_normal(a.shape) * 7 + 3).astype(a.dtype)

        for k in range(len(args)):
            if k in idxs:
                continue
            changed = args[:k] + [scramble(args[k])] + args[k + 1:]
            got = _rule_grads(node, g, node.out, changed, needs)
            assert all(map(_same, got, expected)), f"{name}: a rule reads input {k} undeclared"
        if not reads_out:
            got = _rule_grads(node, g, scramble(node.out), args, needs)
            assert all(map(_same, got, expected)), f"{name}: a rule reads the output undeclared"


# Ties and kinks, where finite differences cannot check a rule but torch defines the value:
# example tests of first- and second-order gradients against torch's, on exact inputs.
_TIES = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [-1.0, 0.5, -1.0]])
_KINKS = np.array([-1.0, 0.0, 0.0, 1.0, -0.0, 2.0])
KINK_CASES = {
    "amax ties split evenly": (_TIES, lambda lib, x: x.amax(1)),
    "amax all ties": (_TIES, lambda lib, x: x.amax()),
    "amin ties split evenly": (_TIES, lambda lib, x: x.amin(0, keepdim=True)),
    "max() ties split evenly": (_TIES, lambda lib, x: x.max()),
    "min() ties split evenly": (_TIES, lambda lib, x: x.min()),
    "max(dim) picks one": (_TIES, lambda lib, x: x.max(1).values),
    "min(dim) picks one": (_TIES, lambda lib, x: x.min(0).values),
    "maximum ties split evenly": (_TIES, lambda lib, x: lib.maximum(x, x.flip(1))),
    "minimum ties split evenly": (_TIES, lambda lib, x: lib.minimum(x, x.flip(0))),
    "relu at 0": (_KINKS, lambda lib, x: lib.relu(x) * x),
    "abs at 0": (_KINKS, lambda lib, x: lib.abs(x) * x),
    "sign at 0": (_KINKS, lambda lib, x: lib.sign(x) * x),
    "clamp at its bounds": (_KINKS, lambda lib, x: lib.clamp(x, 0.0, 1.0) * x),
    "leaky_relu at 0": (_KINKS, lambda lib, x: lib.nn.functional.leaky_relu(x, 0.1) * x),
    "pow at base 0, exponent 2": (_KINKS, lambda lib, x: x ** 2),
    "pow at base 0, exponent 1": (_KINKS, lambda lib, x: x ** 1),
    "pow at base 0, exponent 0": (_KINKS, lambda lib, x: x ** 0),
    "pow at base 0, exponent 3": (_KINKS, lambda lib, x: x ** 3),
    "pow at base 0, exponent 0.5": (np.abs(_KINKS), lambda lib, x: x ** 0.5),
    "pow at base 0, tensor exponent": (_KINKS, lambda lib, x: lib.pow(x.abs(), x + 1)),
    "pow at base 0, exponent 0 tensor": (_KINKS, lambda lib, x: lib.pow(x, x * 0)),
    "sqrt at 0": (np.abs(_KINKS), lambda lib, x: lib.sqrt(x)),
}


def _grads_both_orders(lib, a, fn):
    x = lib.tensor(a, dtype=lib.float64, requires_grad=True)
    out = fn(lib, x)
    rng = np.random.default_rng(0)
    v = lib.tensor(rng.standard_normal(tuple(out.shape)), dtype=lib.float64)
    (g,) = lib.autograd.grad(out, x, v, create_graph=True)
    w = lib.tensor(rng.standard_normal(tuple(g.shape)), dtype=lib.float64)
    (gg,) = lib.autograd.grad(g, x, w, allow_unused=True) if g.requires_grad else (None,)
    gg = np.zeros(a.shape) if gg is None else gg.detach().numpy()
    return out.detach().numpy(), g.detach().numpy(), gg


@pytest.mark.parametrize("name", sorted(KINK_CASES))
def test_ties_and_kinks_as_torch(name):
    torch = pytest.importorskip("torch")
    a, fn = KINK_CASES[name]
    got = _grads_both_orders(mg, a, fn)
    expected = _grads_both_orders(torch, a, fn)
    for what, g, e in zip(("value", "gradient", "second-order gradient"), got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=0, equal_nan=True, err_msg=what)
