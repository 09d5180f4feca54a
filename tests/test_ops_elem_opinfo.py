"""The elementwise, sorting, reduction and norm ops against PyTorch's own OpInfo samples
(``op_db``'s ``sample_inputs``: the inputs, args and kwargs torch tests itself with), float64
and int64: the same values, shapes and result dtypes, or the same error type."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch", reason="PyTorch is the specification these tests compare to")
pytestmark = pytest.mark.filterwarnings("ignore")

NAMES = ["atan2", "fmod", "remainder", "floor_divide", "div", "true_divide", "lerp", "hypot",
         "copysign", "logaddexp", "logaddexp2", "xlogy", "nan_to_num", "isnan", "isinf",
         "isfinite", "isposinf", "isneginf", "isreal", "isclose", "allclose", "equal", "clamp",
         "add", "sub", "mul", "maximum", "minimum", "fmax", "fmin", "max", "min",
         "bitwise_left_shift", "bitwise_right_shift", "pow", "norm", "linalg.vector_norm",
         "linalg.matrix_norm", "linalg.norm", "dist", "median", "nanmedian", "sort", "argsort",
         "topk", "kthvalue", "msort", "sum", "mean", "amax", "amin"]  # fmt: skip
SVD_ORDS = ("nuc", 2, -2)  # matrix norms from singular values: not in minigrad (README)
TIES_ANY_INDEX = ("topk",)  # torch's std::partial_sort order among equal values (README)


def _ops():
    frozen = torch.backends.flags_frozen()
    try:
        from torch.testing._internal.common_methods_invocations import op_db
    except Exception:  # noqa: BLE001  (an install without torch's test package)
        return []
    finally:  # torch's test utilities freeze the backend flags for the whole process: undo it
        if not frozen:
            torch.backends.flags_frozen.__globals__["__allow_nonbracketed_mutation_flag"] = True
    return [op for op in op_db if op.name in NAMES]


def _conv(x):
    if isinstance(x, torch.Tensor):
        return mg.tensor(x.detach().numpy().copy())
    if isinstance(x, list | tuple):
        return type(x)(_conv(v) for v in x)
    return x


def _fn(name):
    obj = mg
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def _uses_svd(op, sample) -> bool:
    if op.name == "norm":  # torch.norm: numbers are vector norms; only 'nuc' needs an SVD
        return op.variant_test_name == "nuc"
    if op.name not in ("linalg.matrix_norm", "linalg.norm"):
        return False
    ords = [a for a in (*sample.args, *sample.kwargs.values())
            if isinstance(a, str | int) and not isinstance(a, bool)]
    return any(o in SVD_ORDS for o in ords) and (op.name != "linalg.norm" or
                                                 sample.input.ndim >= 2)


def _check(op, sample, got, want):
    gs, ws = (got, want) if isinstance(want, tuple) else ((got,), (want,))
    for i, (g, w) in enumerate(zip(gs, ws)):
        if not isinstance(w, torch.Tensor):
            assert g == w
            continue
        assert tuple(g.shape) == tuple(w.shape), (g.shape, w.shape)
        assert str(g.dtype) == str(w.dtype).replace("torch.", ""), (g.dtype, w.dtype)
        if i == 1 and op.name in TIES_ANY_INDEX and sample.input.ndim:  # an index of the value
            dim = sample.args[1] if len(sample.args) > 1 else sample.kwargs.get("dim", -1)
            picked = np.take_along_axis(sample.input.numpy(), g.numpy(), axis=dim)
            np.testing.assert_array_equal(picked, ws[0].numpy())
            continue
        np.testing.assert_allclose(np.asarray(g.numpy(), float), w.numpy().astype(float),
                                   rtol=1e-7, atol=1e-7, equal_nan=True)


@pytest.mark.parametrize("op", _ops(), ids=lambda op: f"{op.name}.{op.variant_test_name}")
def test_opinfo_samples(op):
    checked = 0
    for dt in (torch.float64, torch.int64):
        if dt not in op.supported_dtypes("cpu"):
            continue
        for sample in op.sample_inputs("cpu", dt):
            args = (_conv(sample.input), *_conv(sample.args))
            kwargs = _conv(sample.kwargs)
            try:
                want = op.op(sample.input, *sample.args, **sample.kwargs)
            except Exception as e:  # noqa: BLE001
                with pytest.raises(type(e)):
                    _fn(op.name)(*args, **kwargs)
                continue
            if _uses_svd(op, sample):
                with pytest.raises(NotImplementedError):
                    _fn(op.name)(*args, **kwargs)
                continue
            _check(op, sample, _fn(op.name)(*args, **kwargs), want)
            checked += 1
    assert checked or op.variant_test_name == "nuc"
