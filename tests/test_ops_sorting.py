"""Sorting, selection, reductions with a dim and the norms side by side with PyTorch: values,
indices (ties and NaN as torch), dtypes, the ``return_types`` named tuples, gradients of first
and second order routed to the selected positions, 0-d and empty tensors, and torch's errors."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from elem_side_by_side import compare_grads, same, same_error

import minigrad as mg

torch = pytest.importorskip("torch", reason="PyTorch is the specification these tests compare to")
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
_same = functools.partial(same, torch)
_grads = functools.partial(compare_grads, torch)

TIES = np.array([[3.0, 1.0, 3.0, 2.0, 1.0, 3.0, np.nan, 2.0],
                 [0.0, -1.0, 5.0, 5.0, -1.0, 0.0, 2.0, 2.0]])
DISTINCT = np.random.default_rng(0).permutation(24).reshape(2, 3, 4) * 0.5 - 3.0


def _both(x, dtype="float64"):
    return mg.tensor(x, dtype=getattr(mg, dtype)), torch.tensor(x, dtype=getattr(torch, dtype))


def _same_pair(got, want):
    """A return_types tuple against torch's: the type name, fields, values and indices."""
    assert type(got).__name__ == type(want).__name__
    assert type(got)._fields == tuple(f for f in ("values", "indices") if hasattr(want, f))
    _same(got.values, want.values)
    _same(got.indices, want.indices)
    v, i = got  # unpackable and indexable, as torch's
    assert v is got[0] and i is got[1] and len(got) == 2


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "uint8", "bool"])
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dim", [-1, 0, 1])
def test_sort_and_argsort_ties_stable_nan(dim, descending, dtype):
    x = TIES if dtype.startswith("float") else np.nan_to_num(TIES, nan=4.0)
    if dtype == "uint8":
        x = np.abs(x)
    if dtype == "bool":
        x = x > 1
    m, t = _both(x, dtype)
    for stable in (False, True):
        _same_pair(mg.sort(m, dim, descending, stable=stable),
                   torch.sort(t, dim=dim, descending=descending, stable=stable))
        _same_pair(m.sort(dim, descending), t.sort(dim, descending))
        _same(mg.argsort(m, dim, descending), torch.argsort(t, dim, descending))
        _same(m.argsort(dim=dim, descending=descending), t.argsort(dim=dim,
                                                                  descending=descending))
    _same(mg.msort(m), torch.msort(t))


@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("dim", [-1, 0, 1, 2])
@pytest.mark.parametrize("k", [1, 2])
def test_topk_values_indices_and_gradients(k, dim, largest):
    m, t = _both(DISTINCT)
    _same_pair(mg.topk(m, k, dim, largest), torch.topk(t, k, dim, largest))
    _same_pair(m.topk(k, dim=dim, largest=largest), t.topk(k, dim=dim, largest=largest))
    _grads(lambda lib, x: lib.topk(x, k, dim, largest).values, [DISTINCT])


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [-1, 0, 1, 2])
def test_kthvalue_median_max_min_with_dim(dim, keepdim):
    m, t = _both(DISTINCT)
    for k in (1, 2):
        _same_pair(mg.kthvalue(m, k, dim, keepdim), torch.kthvalue(t, k, dim, keepdim))
    for name in ("median", "nanmedian", "max", "min"):
        _same_pair(getattr(mg, name)(m, dim, keepdim), getattr(torch, name)(t, dim, keepdim))
        _same_pair(getattr(m, name)(dim, keepdim=keepdim), getattr(t, name)(dim,
                                                                           keepdim=keepdim))
        _grads(lambda lib, x, name=name: getattr(lib, name)(x, dim, keepdim).values, [DISTINCT])
    _grads(lambda lib, x: lib.kthvalue(x, 2, dim, keepdim).values, [DISTINCT])
    _grads(lambda lib, x: lib.sort(x, dim, True).values, [DISTINCT])


@pytest.mark.parametrize("name", ["max", "min", "median", "nanmedian", "sort"])
def test_ties_first_index_and_nan_as_torch(name):
    """max/min(dim): the first extreme (a NaN wins); median: NaN if any, nanmedian skips it;
    the gradient goes to that one index (amax, by contrast, splits among ties)."""
    for row in (TIES, TIES[:, :6], np.array([[1.0, 2.0, 2.0, 1.0]]),
                np.array([[np.nan, 1.0, np.nan]]), np.full((2, 3), np.nan)):
        m, t = _both(row)
        _same_pair(getattr(mg, name)(m, 1), getattr(torch, name)(t, 1))
        if name != "sort":
            _grads(lambda lib, x: getattr(lib, name)(x, 1).values, [row], second=False)


def test_kthvalue_ties_pick_torch_index():
    """Heavy ties (and NaN): the index torch's quickselect leaves at position k, so the
    gradient goes to the same element."""
    rng = np.random.default_rng(7)
    for trial in range(60):
        x = rng.integers(0, 4, (3, int(rng.integers(1, 30)))).astype(float)
        if trial % 3 == 0:
            x[0, rng.integers(0, x.shape[1])] = np.nan
        k = int(rng.integers(1, x.shape[1] + 1))
        m, t = _both(x)
        _same_pair(mg.kthvalue(m, k, 1), torch.kthvalue(t, k, 1))
        _same_pair(mg.kthvalue(m.T, k, 0, True), torch.kthvalue(t.T, k, 0, True))
    _grads(lambda lib, v: lib.kthvalue(v, 3, 1).values, [x])
    for row in (np.array([1.0, 1.0, 2.0, 1.0]), np.array([np.nan, 1.0, np.nan])):
        m, t = _both(row)
        for k in range(1, row.size + 1):
            _same_pair(mg.kthvalue(m, k), torch.kthvalue(t, k))


def test_max_min_all_and_amax_split_ties_evenly():
    x = np.array([1.0, 3.0, 3.0, 2.0])
    for name in ("max", "min", "amax", "amin"):
        _grads(lambda lib, t, name=name: getattr(lib, name)(t), [x])
    _grads(lambda lib, t: t.max(0).values, [x])  # the first 3 only


def test_median_without_dim_lower_median_and_even_split():
    for x in (np.array([1.0, 2.0, 2.0, 1.0]), np.array([4.0, 1.0, 3.0, 2.0]),
              np.array([[3.0, np.nan], [1.0, 2.0]]), np.array([[np.nan, 1.0, np.nan]]),
              np.array(2.5)):
        for name in ("median", "nanmedian"):
            m, t = _both(x)
            _same(getattr(mg, name)(m), getattr(torch, name)(t))
            _grads(lambda lib, v, name=name: getattr(lib, name)(v), [x], second=False)
    _same(mg.median(mg.tensor([1, 2, 3, 4])), torch.median(torch.tensor([1, 2, 3, 4])))
    _same(mg.median(mg.zeros(0)), torch.median(torch.zeros(0)))
    _same(mg.nanmedian(mg.zeros(0)), torch.nanmedian(torch.zeros(0)))


def test_return_types_repr_and_shared_helper():
    got = repr(mg.tensor([1.0, 3.0]).max(0))
    want = repr(torch.tensor([1.0, 3.0]).max(0))
    assert got == want.replace("torch.return_types", "minigrad.return_types")
    for fn in (lambda lib, x: x.cummax(0), lambda lib, x: x.sort(), lambda lib, x: x.topk(1),
               lambda lib, x: x.kthvalue(1), lambda lib, x: x.median(0), lambda lib, x: x.min(0),
               lambda lib, x: lib.aminmax(x), lambda lib, x: x.cummin(0)):
        g, w = fn(mg, mg.tensor([2.0, 1.0])), fn(torch, torch.tensor([2.0, 1.0]))
        assert type(g).__module__ == "minigrad.return_types"
        assert type(g).__name__ == type(w).__name__ and type(g)._fields == tuple(
            f for f in ("values", "indices", "min", "max") if hasattr(w, f))
        assert repr(g).split("(")[0].split(".")[-1] == repr(w).split("(")[0].split(".")[-1]


def test_zero_dim_tensors():
    m, t = _both(np.array(5.0))
    for dim in (0, -1):
        for name in ("max", "min", "median", "nanmedian"):
            _same_pair(getattr(mg, name)(m, dim), getattr(torch, name)(t, dim))
        _same_pair(mg.sort(m, dim), torch.sort(t, dim))
        _same_pair(mg.topk(m, 1, dim), torch.topk(t, 1, dim))
        _same_pair(mg.kthvalue(m, 1, dim), torch.kthvalue(t, 1, dim))
        for name in ("sum", "mean", "amax", "amin", "prod"):
            _same(getattr(m, name)(dim), getattr(t, name)(dim))
    same_error(lambda: t.max(1), lambda: m.max(1))
    _grads(lambda lib, x: x.max(0).values * x.sort().values, [np.array(5.0)])


def test_sum_over_empty_dim_tuple_reduces_everything():
    x = DISTINCT
    m, t = _both(x)
    for name in ("sum", "mean", "amax", "amin"):
        _same(getattr(m, name)(dim=()), getattr(t, name)(dim=()))
        _same(getattr(m, name)(dim=[]), getattr(t, name)(dim=[]))
        _same(getattr(m, name)(dim=(), keepdim=True), getattr(t, name)(dim=(), keepdim=True))


def test_empty_tensors_and_bad_dims_as_torch():
    m, t = _both(np.zeros((0, 3)))
    for name in ("max", "min", "amax", "amin", "median"):
        same_error(lambda name=name: getattr(t, name)(0), lambda name=name: getattr(m, name)(0))
    same_error(lambda: t.max(), lambda: m.max())
    same_error(lambda: t.amax(), lambda: m.amax())
    _same_pair(m.max(1), t.max(1))
    _same(m.mean(), t.mean())
    _same(m.mean(0), t.mean(0))
    _same(m.sum(0), t.sum(0))
    _same_pair(m.sort(0), t.sort(0))
    m, t = _both(DISTINCT)
    for name in ("max", "min", "sum", "mean", "amax", "median", "sort", "argsort", "cumsum"):
        same_error(lambda name=name: getattr(t, name)(3), lambda name=name: getattr(m, name)(3))
    same_error(lambda: t.kthvalue(5, 2), lambda: m.kthvalue(5, 2))
    same_error(lambda: t.topk(5, 2), lambda: m.topk(5, 2))


def test_max_min_with_a_tensor_second_argument():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 1.0])
    _grads(lambda lib, x, y: lib.max(x, y), [a, b])
    _grads(lambda lib, x, y: lib.min(x, y), [a, b])
    _grads(lambda lib, x, y: x.max(y), [a, b])


# ---- norms ----

ORDS = [2, 1, math.inf, -math.inf, 0, 3, 0.5, -1, 1.5]


@pytest.mark.parametrize("ord", ORDS)
@pytest.mark.parametrize("dim", [None, 0, -1, (0, 2)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_vector_norm(ord, dim, keepdim):  # noqa: A002
    x = DISTINCT + 0.25  # no zeros: 0.5 and -1 norms have poles there
    m, t = _both(x)
    _same(mg.linalg.vector_norm(m, ord, dim, keepdim), torch.linalg.vector_norm(t, ord, dim,
                                                                               keepdim), 1e-12)
    _grads(lambda lib, v: lib.linalg.vector_norm(v, ord, dim, keepdim), [x])
    if dim is not None:
        _same(mg.norm(m, ord, dim, keepdim), torch.norm(t, ord, dim, keepdim), 1e-12)
        _same(m.norm(ord, dim), t.norm(ord, dim), 1e-12)
    _same(mg.dist(m, m * 0.5, ord), torch.dist(t, t * 0.5, ord), 1e-12)


def test_vector_norm_zero_vector_gradients_dtypes_and_errors():
    z = np.zeros((2, 3))
    for ord in (2, 1, 3, 1.5, math.inf):
        _grads(lambda lib, v, ord=ord: lib.linalg.vector_norm(v, ord, 1), [z], second=False)
    m, t = _both(DISTINCT, "float32")
    _same(mg.linalg.vector_norm(m, dtype=mg.float64), torch.linalg.vector_norm(
        t, dtype=torch.float64), 1e-12)
    _same(mg.norm(m), torch.norm(t), 1e-6)
    _same(mg.norm(m, "fro", (0, 1)), torch.norm(t, "fro", (0, 1)), 1e-6)
    same_error(lambda: torch.linalg.vector_norm(torch.tensor([1, 2])),
               lambda: mg.linalg.vector_norm(mg.tensor([1, 2])))
    same_error(lambda: torch.linalg.vector_norm(torch.zeros(0), math.inf),
               lambda: mg.linalg.vector_norm(mg.zeros(0), math.inf))
    _same(mg.linalg.vector_norm(mg.zeros(0)), torch.linalg.vector_norm(torch.zeros(0)))


@pytest.mark.parametrize("ord", ["fro", 1, -1, math.inf, -math.inf])
@pytest.mark.parametrize("dim", [(-2, -1), (0, 2), (2, 0)])
def test_matrix_norm_and_linalg_norm(ord, dim):  # noqa: A002
    m, t = _both(DISTINCT)
    _same(mg.linalg.matrix_norm(m, ord, dim), torch.linalg.matrix_norm(t, ord, dim), 1e-12)
    _same(mg.linalg.matrix_norm(m, ord, dim, keepdim=True),
          torch.linalg.matrix_norm(t, ord, dim, keepdim=True), 1e-12)
    _same(mg.linalg.norm(m, ord, dim), torch.linalg.norm(t, ord, dim), 1e-12)
    _grads(lambda lib, v: lib.linalg.matrix_norm(v, ord, dim), [DISTINCT])
    _same(mg.linalg.norm(m[0], ord), torch.linalg.norm(t[0], ord), 1e-12)
    _same(mg.linalg.norm(m), torch.linalg.norm(t), 1e-12)
    _same(mg.linalg.norm(m[0, 0], 3), torch.linalg.norm(t[0, 0], 3), 1e-12)
    same_error(lambda: torch.linalg.norm(t, 1), lambda: mg.linalg.norm(m, 1))
    same_error(lambda: torch.linalg.matrix_norm(t[0, 0]), lambda: mg.linalg.matrix_norm(m[0, 0]))
    for shape in ((0, 3), (3, 0), (2, 0, 3), (0, 0)):  # empty: 0 for 1/inf/fro, amin's error
        me, te = _both(np.zeros(shape))
        got = same_error(lambda te=te: torch.linalg.matrix_norm(te, ord),
                         lambda me=me: mg.linalg.matrix_norm(me, ord))
        if got is not None:
            _same(got, torch.linalg.matrix_norm(te, ord))
