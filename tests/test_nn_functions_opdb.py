"""The newer ``minigrad.nn.functional`` functions on every sample input of torch's OpInfo
``op_db`` (float64 and float32): the same output (value, dtype, shape), and the same gradient of
every float input that requires grad, for a random upstream gradient."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch", reason="PyTorch is the specification these tests compare to")

NAMES = ["binary_cross_entropy", "celu", "cosine_similarity", "elu", "embedding", "glu",
         "group_norm", "hardshrink", "hardsigmoid", "hardswish", "hardtanh", "huber_loss",
         "kl_div", "l1_loss", "layer_norm", "logsigmoid", "mish", "normalize",
         "pairwise_distance", "prelu", "relu6", "rms_norm", "scaled_dot_product_attention",
         "selu", "silu", "smooth_l1_loss", "softmin", "softplus", "softshrink", "softsign",
         "tanhshrink", "threshold"]


@functools.cache
def _ops() -> dict:
    """op_db's OpInfos of NAMES, imported at first use (not at collection: importing torch's
    test utilities freezes torch.backends flags, which test_device's script sets; the freeze
    is undone here so tests running later are not affected)."""
    cmi = pytest.importorskip("torch.testing._internal.common_methods_invocations",
                              reason="torch's OpInfo database")
    torch.backends.flags_frozen.__globals__["__allow_nonbracketed_mutation_flag"] = True
    return {o.name.removeprefix("nn.functional."): o for o in cmi.op_db
            if o.name.removeprefix("nn.functional.") in NAMES and o.variant_test_name == ""}

TOL = {torch.float64: 1e-7, torch.float32: 2e-4}
# op_db calls these through a wrapper with its own argument order
WRAPPED = {"embedding": lambda weight, idx, **kw: mg.nn.functional.embedding(idx, weight, **kw)}


def _to_mg(v):
    if isinstance(v, torch.Tensor):
        t = mg.tensor(v.detach().numpy().copy())
        return t.requires_grad_() if v.requires_grad else t
    if isinstance(v, list | tuple):
        return type(v)(_to_mg(x) for x in v)
    if isinstance(v, dict):
        return {k: _to_mg(x) for k, x in v.items()}
    return v


def _leaves(v, out):
    if isinstance(v, torch.Tensor | mg.Tensor) and v.requires_grad:
        out.append(v)
    elif isinstance(v, list | tuple):
        for x in v:
            _leaves(x, out)
    elif isinstance(v, dict):
        for x in v.values():
            _leaves(x, out)
    return out


def _grads(lib, out, leaves, v):
    if not leaves or not out.requires_grad:
        return []
    gs = lib.autograd.grad((out * v).sum(), leaves, allow_unused=True)
    return [None if g is None else g.detach().numpy() for g in gs]


def test_every_function_has_an_opinfo():
    assert sorted(_ops()) == sorted(NAMES)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("name", NAMES)
def test_op_db_samples(name, dtype):
    op = _ops()[name]
    fn = WRAPPED.get(name, getattr(mg.nn.functional, name))
    rng = np.random.default_rng(0)
    n = 0
    for s in op.sample_inputs("cpu", dtype, requires_grad=True):
        args = (s.input, *s.args)
        expected = op.op(*args, **s.kwargs)
        margs, mkw = _to_mg(args), _to_mg(s.kwargs)
        got = fn(*margs, **mkw)
        what = f"{name}: sample {n} {s}"
        assert str(got.dtype) == str(expected.dtype).replace("torch.", ""), what
        assert tuple(got.shape) == tuple(expected.shape), what
        tol = TOL[dtype]
        n += 1
        if s.kwargs.get("dropout_p", 0.0) > 0.0:  # a random mask: torch's cannot be reproduced
            assert np.isfinite(got.detach().numpy()).all(), what
            continue
        np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=tol,
                                   atol=tol, equal_nan=True, err_msg=what)
        v = rng.standard_normal(tuple(expected.shape))
        tg = _grads(torch, expected, _leaves(args, []) + _leaves(s.kwargs, []),
                    torch.tensor(v, dtype=expected.dtype))
        mgr = _grads(mg, got, _leaves(margs, []) + _leaves(mkw, []),
                     mg.tensor(v, dtype=got.dtype))
        assert len(tg) == len(mgr), what
        for a, b in zip(mgr, tg):
            if b is None:
                assert a is None or not np.any(a), what
            else:
                np.testing.assert_allclose(a, b, rtol=tol, atol=tol, equal_nan=True, err_msg=what)
    assert n > 0
