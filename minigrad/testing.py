"""gradcheck and gradgradcheck: compare backprop with central differences in float64.

These are the tools the project's own tests use; users check their own ops with them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import autograd
from .tensor import Tensor

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """Backprop disagrees with numerical differentiation (or a gradient is malformed)."""


def _as_tuple(x: Any) -> tuple:
    return tuple(x) if isinstance(x, list | tuple) else (x,)


def _promote(inputs: Sequence[Any]) -> list[Any]:
    """float64 copies of floating Tensors (same requires_grad); other inputs pass through."""
    out = []
    for x in inputs:
        if isinstance(x, Tensor) and x.dtype.kind == "f":
            t = Tensor(x._data.astype(np.float64))
            out.append(t.requires_grad_(x.requires_grad))
        else:
            out.append(x)
    return out


def _outputs(fn: Callable, inputs: Sequence[Any]) -> list[Tensor]:
    outs = _as_tuple(fn(*inputs))
    for o in outs:
        if not isinstance(o, Tensor):
            raise GradcheckError(f"the function must return Tensors, got {type(o).__name__}")
    return [o for o in outs if o.dtype.kind == "f"]


def _flat(outs: Sequence[Tensor]) -> np.ndarray:
    return np.concatenate([np.asarray(o._data, np.float64).ravel() for o in outs]) if outs else \
        np.zeros(0)


# Finite-difference stencils for f'(x): (offsets in steps, weights), divided by the step.
# 2: central differences, error O(eps**2) (torch's); 4: the five-point stencil, error O(eps**4),
# which is Richardson extrapolation of two central differences (eps and 2 eps).
STENCILS = {2: ((1, -1), (0.5, -0.5)), 4: ((2, 1, -1, -2), (-1 / 12, 8 / 12, -8 / 12, 1 / 12))}


def _stencil(order: int) -> tuple[tuple[int, ...], tuple[float, ...]]:
    if order not in STENCILS:
        raise ValueError(f"stencil must be one of {sorted(STENCILS)}, got {order!r}")
    return STENCILS[order]


def _numeric_jacobian(fn: Callable, inputs: list[Any], diff: list[int], eps: float,
                      n_out: int, order: int = 2) -> list:
    """One (n_out, n_in) matrix per differentiated input, by finite differences."""
    offsets, weights = _stencil(order)
    jacs = []
    for i in diff:  # grad mode stays on: gradgradcheck's function differentiates inside
        x = inputs[i]._data
        cols = []
        for k in range(x.size):
            idx = np.unravel_index(k, x.shape)
            orig = x[idx].copy()
            col = 0.0
            for step, w in zip(offsets, weights):
                x[idx] = orig + step * eps
                col = col + w * _flat(_outputs(fn, inputs))
            x[idx] = orig
            cols.append(col / eps)
        jacs.append(np.stack(cols, axis=1) if cols else np.zeros((n_out, 0)))
    return jacs


def _vjp(outs: list[Tensor], inputs: list[Tensor], v: np.ndarray) -> list[np.ndarray]:
    """v^T J for each input, with one backward pass (retaining the graph)."""
    live, grads, start = [], [], 0
    for o in outs:
        n = o._data.size
        if o.requires_grad:
            live.append(o)
            grads.append(Tensor(v[start:start + n].reshape(o.shape).astype(o.dtype)))
        start += n
    if not live:
        return [np.zeros(x.shape) for x in inputs]
    gs = autograd.grad(live, inputs, grads, retain_graph=True, allow_unused=True)
    result = []
    for x, g in zip(inputs, gs):
        if g is None:
            result.append(np.zeros(x.shape))
            continue
        if g.shape != x.shape:
            raise GradcheckError(f"gradient has shape {g.shape} but its input has shape {x.shape}")
        if g.dtype != x.dtype:
            raise GradcheckError(f"gradient has dtype {g.dtype} but its input has dtype {x.dtype}")
        result.append(np.asarray(g._data, dtype=np.float64))
    return result


def _report(which: int, analytic: np.ndarray, numeric: np.ndarray, atol: float, rtol: float,
            shape: tuple[int, ...], label: str) -> str:
    bad = np.abs(analytic - numeric) > atol + rtol * np.abs(numeric)
    rows, cols = np.nonzero(bad)
    lines = [f"{label}: Jacobian mismatch for input {which} (shape {shape}), "
             f"{int(bad.sum())} of {bad.size} entries differ (atol={atol}, rtol={rtol})"]
    for r, c in list(zip(rows, cols))[:5]:
        elem = np.unravel_index(c, shape) if shape else ()
        lines.append(f"  output element {r}, input element {tuple(int(e) for e in elem)}: "
                     f"analytic {analytic[r, c]:.8g} vs numeric {numeric[r, c]:.8g}")
    return "\n".join(lines)


def gradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    fast_mode: bool = False,
    seed: int = 0,
    *,
    stencil: int = 2,
) -> bool:
    """Check backprop of ``fn`` at ``inputs`` against finite differences (in float64).

    Inputs that require grad are differentiated; float inputs are promoted to float64 copies.
    Also checked: gradient shapes and dtypes, that a repeated backward gives the same result,
    that a zero upstream gradient gives zero, and that ``fn`` did not mutate its inputs.
    ``fast_mode`` compares random projections ``v^T J u`` instead of the full Jacobian.
    ``stencil`` (minigrad's addition, keyword only): 2 is central differences, as torch; 4 is
    the five-point stencil (Richardson extrapolation), error O(eps**4): with ``eps=1e-3`` the
    numeric Jacobian is good to about 1e-10, so ``rtol=1e-5`` catches a 1e-4 error in a rule.
    """
    try:
        _gradcheck(fn, _as_tuple(inputs), eps, atol, rtol, fast_mode, seed, "gradcheck",
                   stencil)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _gradcheck(fn, inputs, eps, atol, rtol, fast_mode, seed, label, stencil=2) -> None:
    _stencil(stencil)
    inputs = _promote(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff:
        raise GradcheckError(f"{label}: no input requires grad; nothing to check")
    snapshot = [x._data.copy() if isinstance(x, Tensor) else None for x in inputs]
    outs = _outputs(fn, inputs)
    _check_unchanged(inputs, snapshot, label)
    xs = [inputs[i] for i in diff]
    n_out = sum(o._data.size for o in outs)
    rng = np.random.default_rng(seed)

    zero = _vjp(outs, xs, np.zeros(n_out))
    if any(np.any(z != 0) for z in zero):
        raise GradcheckError(f"{label}: a zero upstream gradient gave a nonzero input gradient")
    probe = rng.standard_normal(n_out)
    first, second = _vjp(outs, xs, probe), _vjp(outs, xs, probe)
    for k, (a, b) in enumerate(zip(first, second)):
        if not np.array_equal(a, b):
            raise GradcheckError(f"{label}: backward is not repeatable for input {diff[k]}: "
                                 f"max difference {np.max(np.abs(a - b)):.3g}")

    if fast_mode:
        _fast_compare(fn, inputs, diff, outs, xs, probe, first, eps, atol, rtol, rng, label,
                      stencil)
    else:
        numeric = _numeric_jacobian(fn, inputs, diff, eps, n_out, stencil)
        rows = [_vjp(outs, xs, np.eye(n_out)[r]) for r in range(n_out)]
        for k, i in enumerate(diff):
            analytic = (np.stack([row[k].ravel() for row in rows]) if rows
                        else np.zeros((0, xs[k]._data.size)))
            close = np.abs(analytic - numeric[k]) <= atol + rtol * np.abs(numeric[k])
            if not np.all(close):
                raise GradcheckError(_report(i, analytic, numeric[k], atol, rtol, xs[k].shape,
                                             label))
    _check_unchanged(inputs, snapshot, label)


def _check_unchanged(inputs, snapshot, label) -> None:
    for i, (x, snap) in enumerate(zip(inputs, snapshot)):
        if snap is not None and not np.array_equal(x._data, snap, equal_nan=True):
            raise GradcheckError(f"{label}: the function mutated input {i} in place")


def _fast_compare(fn, inputs, diff, outs, xs, v, vjps, eps, atol, rtol, rng, label,
                  stencil=2) -> None:
    us = [rng.standard_normal(x.shape) for x in xs]
    analytic = sum(float(np.sum(g * u)) for g, u in zip(vjps, us))
    origs = [x._data.copy() for x in xs]
    directional = 0.0
    for step, w in zip(*_stencil(stencil)):
        for x, u, o in zip(xs, us, origs):
            x._data[...] = o + step * eps * u  # perturbs a leaf outside any graph it is saved in
        directional = directional + w * _flat(_outputs(fn, inputs))
    for x, o in zip(xs, origs):
        x._data[...] = o
    numeric = float(np.dot(v, directional / eps))
    if abs(analytic - numeric) > atol + rtol * abs(numeric):
        raise GradcheckError(f"{label} (fast mode): v^T J u is {analytic:.8g} by backprop but "
                             f"{numeric:.8g} numerically, for inputs {diff}")


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    fast_mode: bool = False,
    seed: int = 0,
    *,
    stencil: int = 2,
) -> bool:
    """Check second derivatives: gradcheck of ``(inputs, v) -> v^T J`` built with create_graph
    (``stencil`` as in :func:`gradcheck`)."""
    inputs = _promote(_as_tuple(inputs))
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    outs = _outputs(fn, inputs)
    rng = np.random.default_rng(seed + 1)
    if grad_outputs is None:
        vs = [Tensor(rng.standard_normal(o.shape)) for o in outs]
    else:
        vs = [Tensor(np.asarray(getattr(g, "_data", g), np.float64)) for g in
              _as_tuple(grad_outputs)]
    for v in vs:
        v.requires_grad_(True)
    n = len(inputs)

    def first_order(*args: Any) -> tuple[Tensor, ...]:
        ins, v = args[:n], args[n:]
        o = _outputs(fn, ins)
        live = [(a, b) for a, b in zip(o, v) if a.requires_grad]
        grads = autograd.grad([a for a, _ in live], [ins[i] for i in diff],
                              [b for _, b in live], create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    try:
        _gradcheck(first_order, list(inputs) + vs, eps, atol, rtol, fast_mode, seed,
                   "gradgradcheck", stencil)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True
