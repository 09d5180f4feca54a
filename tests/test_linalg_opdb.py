"""This branch's ops on the samples PyTorch's own OpInfo database draws for them
(``torch.testing._internal.common_methods_invocations.op_db``): the same values, dtype and
shape as torch, for float64 and int64 samples, wherever torch accepts the sample."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch", reason="PyTorch is the specification these tests compare to")
_flags = torch.backends.disable_global_flags.__globals__
_frozen = _flags.get("__allow_nonbracketed_mutation_flag", True)
cmi = pytest.importorskip("torch.testing._internal.common_methods_invocations")
# importing torch's test suite freezes torch.backends' flags for the whole process (its
# disable_global_flags); give them back, so later scripts that set cudnn flags still run
_flags["__allow_nonbracketed_mutation_flag"] = _frozen

NAMES = ["mm", "bmm", "mv", "dot", "vdot", "outer", "addmm", "addmv", "addbmm", "baddbmm",
         "einsum", "tril", "triu", "diag", "diag_embed", "diagonal", "trace", "kron", "matmul",
         "linspace", "logspace", "histc", "bincount"]
_OPS = {op.name: op for op in cmi.op_db if op.name in NAMES and not op.variant_test_name}


def _mg(v):
    """A torch sample argument as minigrad's."""
    if isinstance(v, torch.Tensor):
        return mg.tensor(v.detach().numpy().copy())
    if isinstance(v, torch.dtype):
        return getattr(mg, str(v)[6:])
    if isinstance(v, list | tuple):
        return type(v)(_mg(x) for x in v)
    if isinstance(v, dict):
        return {k: _mg(x) for k, x in v.items() if k != "device"}
    return v


def _call(lib, name, args, kwargs):
    if name == "einsum":  # the OpInfo's own calling convention: (tensors, equation)
        return lib.einsum(args[1], *args[0])
    return getattr(lib, name)(*args, **kwargs)


@pytest.mark.parametrize("dtype", ["float64", "int64"])
@pytest.mark.parametrize("name", NAMES)
def test_op_db_samples(name, dtype):
    op = _OPS[name]
    seen = 0
    for s in op.sample_inputs("cpu", getattr(torch, dtype), requires_grad=False):
        args = [s.input, *s.args]
        try:
            want = _call(torch, name, args, s.kwargs)
        except Exception:  # noqa: BLE001  (a sample torch itself refuses)
            continue
        got = _call(mg, name, _mg(args), _mg(s.kwargs))
        assert str(got.dtype) == str(want.dtype)[6:], (name, got.dtype, want.dtype)
        assert tuple(got.shape) == tuple(want.shape)
        np.testing.assert_allclose(np.asarray(got.tolist(), np.float64).reshape(got.shape),
                                   want.numpy().astype(np.float64), rtol=1e-10, atol=1e-10,
                                   equal_nan=True, err_msg=name)
        seen += 1
    refused = {"bincount": "float64", "histc": "int64"}  # dtypes torch has no kernel for
    assert seen or dtype == "int64" or refused.get(name) == dtype, "no sample was compared"
