"""Check one OpInfo entry's samples on minigrad against torch: values, dtypes, shapes, variants,
first- and second-order gradients. Shared by ``test_opinfo.py`` and ``opinfo_report.py``."""

from __future__ import annotations

import types
from collections.abc import Callable

import numpy as np
import torch
from opinfo_adapter import (
    Entry,
    Mismatch,
    Unsupported,
    _rebind,
    compare,
    convert,
    dtypes_for,
    samples,
    to_mg,
)

import minigrad as mg

Skip = Callable[[str, torch.dtype, object], "str | None"]  # (part, dtype, sample) -> reason


def _mg_twin(fn):
    """A helper of op_db's (output_process_fn_grad, gradcheck_wrapper) for minigrad values."""
    if isinstance(fn, types.FunctionType) and fn.__module__.startswith("torch"):
        return _rebind(fn) or fn
    return fn


def check_sample(entry: Entry, dtype: torch.dtype, s, skip: Skip) -> None:
    """Raise Mismatch (or Unsupported) unless minigrad answers this sample as torch does."""
    op = entry.op
    if skip("sample", dtype, s) is not None:
        return
    values = skip("values", dtype, s) is None
    indices = values and skip("indices", dtype, s) is None
    expected = op.op(s.input, *s.args, **s.kwargs)
    inp, args, kwargs, _ = convert(s)
    _compare_result(entry.function(inp, *args, **kwargs), expected, "function", values, indices,
                    op, s)
    if entry.method is False:
        raise Mismatch(f"method variant Tensor.{op.name} missing")
    if callable(entry.method) and skip("method", dtype, s) is None:
        inp, args, kwargs, _ = convert(s)
        _compare_result(entry.method(inp, *args, **kwargs), expected, "method", values, indices,
                        op, s)
    if entry.inplace is not None and skip("inplace", dtype, s) is None:
        _check_inplace(entry, s, values)
    if dtype == torch.float64 and op.supports_autograd and skip("grad", dtype, s) is None:
        gg = op.supports_gradgrad and skip("gradgrad", dtype, s) is None
        _check_grads(entry, s, gg)


def _compare_result(got, expected, what: str, values: bool, indices: bool, op, s) -> None:
    """``compare``; ``indices=False``: a (values, indices) pair's indices compare in dtype and
    shape only. A float32 mismatch passes where minigrad's error against torch's float64 answer
    is within 4x torch's own largest float32 error (plus the tolerance): the two libraries sum
    in different orders, and a result that cancels keeps only the terms' rounding."""
    if not indices and isinstance(expected, tuple) and len(expected) == 2:
        compare(got[0] if isinstance(got, tuple) else got, expected[0], what, values)
        compare(got[1] if isinstance(got, tuple) else got, expected[1], what + "[1]", False)
        return
    try:
        compare(got, expected, what, values)
    except Mismatch:
        if not (values and isinstance(expected, torch.Tensor) and isinstance(got, mg.Tensor)
                and expected.dtype == torch.float32):
            raise
        compare(got, expected, what, False)  # dtype and shape still as torch's
        ref = op.op(*_doubled((s.input, *s.args)), **_doubled(s.kwargs)).detach().double()
        torch_err = float((expected.detach().double() - ref).abs().max())
        err = np.abs(got.detach().numpy().astype(np.float64) - ref.numpy())
        bound = 1e-5 + 1.3e-6 * np.abs(ref.numpy()) + 4 * torch_err
        if not np.all(err <= bound):
            raise


def _doubled(x):
    if isinstance(x, torch.Tensor):
        return x.detach().double() if x.dtype == torch.float32 else x
    if isinstance(x, dict):
        return {k: _doubled(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return type(x)(map(_doubled, x))
    return x


def _check_inplace(entry: Entry, s, values: bool) -> None:
    op = entry.op
    if entry.inplace is False:
        raise Mismatch(f"in-place variant Tensor.{op.name}_ missing")
    with torch.no_grad():
        t_in = s.input.detach().clone()
        t_args = [a.detach() if isinstance(a, torch.Tensor) else a for a in s.args]
        t_kw = {k: v.detach() if isinstance(v, torch.Tensor) else v for k, v in s.kwargs.items()}
        m_in = to_mg(t_in, [])
        m_args, m_kw = to_mg(t_args, []), to_mg(t_kw, [])
        try:
            op.inplace_variant(t_in, *t_args, **t_kw)
        except (RuntimeError, TypeError, ValueError):
            with mg.no_grad():
                try:
                    entry.inplace(m_in, *m_args, **m_kw)
                except Exception:
                    return
            raise Mismatch("in-place: torch refuses the sample, minigrad accepts it") from None
    with mg.no_grad():
        result = entry.inplace(m_in, *m_args, **m_kw)
    if result is not m_in:
        raise Mismatch("in-place: the variant does not return its input")
    _compare_result(m_in, t_in, "in-place", values, True, op, s)


def _grad_outputs(out) -> list:
    if isinstance(out, torch.Tensor | mg.Tensor):
        return [out]
    if isinstance(out, list | tuple):
        return [t for o in out for t in _grad_outputs(o)]
    return []


def _differentiable(outs: list, torch_side: bool) -> list:
    return [o for o in outs if o.requires_grad and (o.is_floating_point() if torch_side
                                                    else o.dtype.kind == "f")]


def _check_grads(entry: Entry, s, gradgrad: bool) -> None:
    """First (and second) order gradients of the sample's outputs against torch's."""
    op = entry.op
    inp, args, kwargs, leaves = convert(s)
    if not leaves:
        return
    t_out = s.output_process_fn_grad(op.gradcheck_wrapper(op.op, s.input, *s.args, **s.kwargs))
    m_out = _mg_twin(s.output_process_fn_grad)(
        _mg_twin(op.gradcheck_wrapper)(entry.function, inp, *args, **kwargs))
    touts = _differentiable(_grad_outputs(t_out), True)
    mouts = _grad_outputs(m_out)
    t_all = _grad_outputs(t_out)
    if len(mouts) != len(t_all):
        raise Mismatch(f"gradient: {len(mouts)} tensor outputs, torch has {len(t_all)}")
    live = {id(t) for t in touts}
    pairs = [(t, m) for t, m in zip(t_all, mouts) if id(t) in live]
    if not pairs:
        return
    for _, m in pairs:
        if not m.requires_grad:
            raise Mismatch("gradient: an output that requires grad in torch does not here")
    rng = np.random.default_rng(0)
    vs = [rng.standard_normal(tuple(t.shape)) for t, _ in pairs]
    tv = [torch.tensor(v, dtype=t.dtype, requires_grad=gradgrad) for v, (t, _) in zip(vs, pairs)]
    mv = [mg.tensor(v, dtype=m.dtype, requires_grad=gradgrad) for v, (_, m) in zip(vs, pairs)]
    t_in, m_in = [t for t, _ in leaves], [m for _, m in leaves]
    tg = torch.autograd.grad([t for t, _ in pairs], t_in, tv, allow_unused=True,
                             create_graph=gradgrad)
    mgr = mg.autograd.grad([m for _, m in pairs], m_in, mv, allow_unused=True,
                           create_graph=gradgrad)
    for k, (a, b, x) in enumerate(zip(mgr, tg, t_in)):
        compare(_or_zeros_mg(a, x), _or_zeros(b, x), f"gradient of input {k}")
    if gradgrad:
        _check_gradgrad(tg, mgr, t_in + tv, m_in + mv, rng)


def _check_gradgrad(tg, mgr, t_wrt, m_wrt, rng) -> None:
    live = [(t, m) for t, m in zip(tg, mgr) if t is not None and t.requires_grad]
    if not live:
        return
    for _, m in live:
        if m is None or not m.requires_grad:
            raise Mismatch("second order: a first-order gradient is not differentiable here")
    ws = [rng.standard_normal(tuple(t.shape)) for t, _ in live]
    t2 = torch.autograd.grad([t for t, _ in live], t_wrt,
                             [torch.tensor(w, dtype=t.dtype) for w, (t, _) in zip(ws, live)],
                             allow_unused=True)
    m2 = mg.autograd.grad([m for _, m in live], m_wrt,
                          [mg.tensor(w, dtype=m.dtype) for w, (_, m) in zip(ws, live)],
                          allow_unused=True)
    for k, (a, b, x) in enumerate(zip(m2, t2, t_wrt)):
        compare(_or_zeros_mg(a, x), _or_zeros(b, x), f"second-order gradient wrt {k}")


def _or_zeros(g, x):
    return torch.zeros_like(x) if g is None else g


def _or_zeros_mg(g, x):
    return mg.zeros(tuple(x.shape), dtype=getattr(mg, str(x.dtype)[6:])) if g is None else g


def check_entry(entry: Entry, skip: Skip) -> tuple[int, str | None]:
    """(samples checked, the first failure as 'dtype sample k: why' or None); torch's global
    generator is left as it was (op_db seeds it; conftest reseeds minigrad's per test)."""
    with torch.random.fork_rng(devices=[]):
        return _check_entry(entry, skip)


def _check_entry(entry: Entry, skip: Skip) -> tuple[int, str | None]:
    n = 0
    for dtype in dtypes_for(entry.op):
        for k, s in enumerate(samples(entry.op, dtype)):
            if skip("sample", dtype, s) is not None:
                continue
            try:
                check_sample(entry, dtype, s, skip)
            except (Mismatch, Unsupported) as e:
                return n, f"{str(dtype)[6:]} sample {k} ({_describe(s)}): {e}"
            except Exception as e:  # minigrad raised where torch answered
                return n, (f"{str(dtype)[6:]} sample {k} ({_describe(s)}): "
                           f"{type(e).__name__}: {str(e)[:300]}")
            n += 1
    return n, None


def _describe(s) -> str:
    def one(x):
        if isinstance(x, torch.Tensor):
            return f"T{tuple(x.shape)}"
        if isinstance(x, list | tuple):
            return "[" + ", ".join(map(one, x)) + "]"
        return repr(x)[:40]

    parts = [one(s.input)] + [one(a) for a in s.args]
    parts += [f"{k}={one(v)}" for k, v in s.kwargs.items()]
    return ", ".join(parts)
