"""``einsum`` as PyTorch defines it: the string form (``...``, implicit output, repeated indices
for diagonals and traces, size-1 broadcasting) and the sublist form.

The equation is first rewritten with explicit letters only (the ellipsis gets letters of its own)
and an explicit output. The gradient of each operand is one more einsum, of the upstream gradient
and the other operands: an index summed over that operand alone comes back as a ``ones`` factor,
a repeated index (a diagonal) as an identity factor. So every order of gradient is einsum too.
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from ..autograd import apply
from ..tensor import Tensor, as_tensor
from . import call, defop
from .linalg import _dt

__all__ = ["einsum"]

_LETTERS = string.ascii_uppercase + string.ascii_lowercase  # PyTorch's implicit order (ASCII)


def _fwd(*arrays: np.ndarray, equation: str) -> np.ndarray:
    return np.einsum(equation, *arrays, optimize=len(arrays) > 2)


def _vjp(xp, g, out, args, needs, equation):
    ins, res = equation.split("->")
    subs = ins.split(",")
    used = set(equation) - {",", "-", ">"}
    fresh = (c for c in _LETTERS if c not in used)
    grads = []
    for i, need in enumerate(needs):
        if not need:
            grads.append(None)
            continue
        target, extra, ops = "", [], [g] + [a for j, a in enumerate(args) if j != i]
        in_subs = [res] + [s for j, s in enumerate(subs) if j != i]
        seen = {}  # the size each index has in the gradient's operands (1 may broadcast)
        for sub, a in zip(in_subs, ops):
            for c, n in zip(sub, a.shape):
                seen[c] = max(seen.get(c, 1), n)
        for k, c in enumerate(subs[i]):
            n = args[i].shape[k]
            if c in target:  # a repeated index: a diagonal, an identity ties it to the first
                f = next(fresh)
                target += f
                extra.append(c + f)
                ops.append(Tensor._wrap(np.eye(n, dtype=args[i].dtype)))
            else:
                target += c
                if seen.get(c, 0) < n:  # summed over this operand alone: broadcast back
                    seen[c] = n
                    extra.append(c)
                    ops.append(Tensor._wrap(np.ones(n, dtype=args[i].dtype)))
        eq = ",".join(in_subs + extra) + "->" + target
        grads.append(call(xp, EINSUM, *ops, equation=eq))
    return grads


EINSUM = defop("einsum", _fwd, vjp=_vjp, saves=lambda equation: tuple(
    tuple(j for j in range(equation.count(",") + 1) if j != i)
    for i in range(equation.count(",") + 1)))


def _sums_alone(eq: str, shapes: list[tuple[int, ...]]) -> list[bool]:
    """Per operand: whether PyTorch sums an index out of it alone first (a sum that makes
    integer operands int64), i.e. an index not in the output that no other operand has with a
    size above 1, or that has size 1 there."""
    ins, out = eq.split("->")
    subs = ins.split(",")
    alone = []
    for i, (s, shape) in enumerate(zip(subs, shapes)):
        def others_big(c: str, i: int = i) -> bool:
            return any(n > 1 for j, (t, sh) in enumerate(zip(subs, shapes)) if j != i
                       for d, n in zip(t, sh) if d == c)

        alone.append(any(c not in out and (n == 1 or not others_big(c))
                         for c, n in zip(s, shape)))
    return alone


def _sublist(args: tuple) -> tuple[str, list]:
    """``einsum(a, [0, 1], b, [1, 2], [0, 2])`` as an equation string and its operands."""
    def letters(sub: list) -> str:
        out = ""
        for s in sub:
            if s is Ellipsis:
                out += "..."
            elif isinstance(s, int) and 0 <= s < 52:
                out += _LETTERS[26:][s] if s < 26 else _LETTERS[s - 26]
            else:
                raise ValueError(f"einsum(): expected subscript to be within the range [0, 52), "
                                 f"but got {s}")
        return out

    out = letters(args[-1]) if len(args) % 2 else None
    pairs = args[:-1] if len(args) % 2 else args
    ops, subs = list(pairs[0::2]), [letters(s) for s in pairs[1::2]]
    if out is not None:
        return ",".join(subs) + "->" + out, ops
    return ",".join(subs), ops


def _parse(equation: str, shapes: list[tuple[int, ...]]) -> str:
    """The equation with the ellipsis spelled out in letters and the output made explicit."""
    eq = equation.replace(" ", "")
    ins, arrow, res = eq.partition("->")
    subs = ins.split(",")
    if len(subs) > len(shapes):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(subs) < len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    for k, c in enumerate(eq):
        if c not in _LETTERS and c not in ".,->":
            raise RuntimeError(f"einsum(): invalid subscript given at index {k} in the equation "
                               "string, subscripts must be in [a-zA-Z]")
    n_ell = 0
    for i, (s, shape) in enumerate(zip(subs, shapes)):
        labels = len(s.replace("...", ""))
        if "..." in s:
            n_ell = max(n_ell, len(shape) - labels)
            if len(shape) < labels:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({labels})"
                                   f" is more than the number of dimensions ({len(shape)}) for "
                                   f"operand {i}")
        elif labels != len(shape):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({labels}) "
                               f"does not match the number of dimensions ({len(shape)}) for "
                               f"operand {i} and no ellipsis was given")
    ell_letters = "".join(c for c in _LETTERS if c not in eq)[:n_ell]
    full = [s.replace("...", ell_letters[n_ell - (len(shape) - len(s) + 3):] if "..." in s
                      else "") for s, shape in zip(subs, shapes)]
    if arrow:
        for c in res.replace("...", ""):
            if res.replace("...", "").count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in "
                                   "the output")
            if c not in ins:
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the "
                                   "equation for any input operand")
        out = res.replace("...", ell_letters)
    else:
        joined = "".join(s.replace("...", "") for s in subs)
        out = ell_letters + "".join(sorted(c for c in set(joined) if joined.count(c) == 1))
    _check_sizes(full, shapes)
    return ",".join(full) + "->" + out


def _check_sizes(full: list[str], shapes: list[tuple[int, ...]]) -> None:
    sizes: dict[str, int] = {}
    for i, (s, shape) in enumerate(zip(full, shapes)):
        mine: dict[str, int] = {}
        for c, n in zip(s, shape):
            if c in mine and mine[c] != n:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {i} but the "
                                   f"sizes don't match, {n} != {mine[c]}")
            mine[c] = n
            seen = sizes.get(c, 1)
            if n != 1 and seen != 1 and n != seen:
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {i} which "
                                   f"does not broadcast with previously seen size {seen}")
            sizes[c] = max(seen, n) if n != 1 else seen


def einsum(*args: Any) -> Tensor:
    """Sum of products over the indices an equation names, as ``torch.einsum``:
    ``einsum("ij,jk->ik", a, b)``, ``einsum("ii", a)`` (trace), ``einsum("...ij->...ji", a)``,
    operands as a list (``einsum(eq, [a, b])``) or in the sublist form."""
    if not args:
        raise TypeError("einsum() missing required argument: 'equation'")
    if isinstance(args[0], str):
        equation, ops = args[0], list(args[1:])
        if len(ops) == 1 and isinstance(ops[0], list | tuple):
            ops = list(ops[0])
    else:
        equation, ops = _sublist(args)
    ts = [as_tensor(t) for t in ops]
    if not ts:
        raise RuntimeError("einsum(): must provide at least one operand")
    for t in ts[1:]:
        if t._data.dtype != ts[0]._data.dtype:
            raise RuntimeError(f"expected scalar type {_dt.torch_name(ts[0].dtype)} but found "
                               f"{_dt.torch_name(t.dtype)}")
    shapes = [t.shape for t in ts]
    eq = _parse(equation, shapes)
    dt = ts[0]._data.dtype
    if dt.kind in "biu" and dt != np.int64:  # PyTorch's sums make int64 of some operands
        alone = _sums_alone(eq, shapes)
        if all(alone):
            ts = [Tensor._wrap(t._data.astype(np.int64)) for t in ts]
        elif any(alone) and len(ts) > 1:
            raise RuntimeError(f"expected scalar type Long but found {_dt.torch_name(dt)}")
    return apply(EINSUM, *ts, equation=eq)
