"""``x[index]`` and ``x[index] = v`` side by side with PyTorch, on random index expressions (ints,
slices, None, Ellipsis, int lists, bool masks, int and bool tensors): values, shapes, whether the
result is a view, errors, gradients of first and second order."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg

torch = pytest.importorskip("torch", reason="PyTorch is the specification these tests compare to")
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _entry(draw, n: int | None, room: int):
    """One index entry for a dimension of size ``n`` (None: no dimension left), as a pair of
    (torch entry, minigrad entry)."""
    kinds = ["none", "ellipsis"] + (["int", "slice", "list", "tensor", "int0d"] if n else [])
    kinds += ["mask"] if n and room else []
    kind = draw(st.sampled_from(kinds))
    if kind == "none":
        return None, None, 0
    if kind == "ellipsis":
        return ..., ..., 0
    if kind == "int":
        i = draw(st.integers(-n, n - 1))
        return i, i, 1
    if kind == "int0d":
        i = draw(st.integers(-n, n - 1))
        return torch.tensor(i), mg.tensor(i), 1
    if kind == "slice":
        lo, hi = draw(st.none() | st.integers(-n - 1, n + 1)), draw(st.none() | st.integers(-n - 1,
                                                                                         n + 1))
        step = draw(st.none() | st.integers(1, 3))
        return slice(lo, hi, step), slice(lo, hi, step), 1
    if kind == "list":
        lst = draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=3))
        return lst, list(lst), 1
    if kind == "tensor":
        shape = draw(st.sampled_from([(2,), (1,), (2, 2), (3,)]))
        a = np.array(draw(st.lists(st.integers(-n, n - 1), min_size=int(np.prod(shape)),
                                   max_size=int(np.prod(shape))))).reshape(shape)
        return torch.tensor(a), mg.tensor(a), 1
    m = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    if draw(st.booleans()):
        return m.tolist(), m.tolist(), 1
    return torch.tensor(m), mg.tensor(m), 1


@st.composite
def cases(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    t_idx, m_idx, d, ell = [], [], 0, False
    for _ in range(draw(st.integers(1, 4))):
        n = shape[d] if d < len(shape) else None
        te, me, used = _entry(draw, n, len(shape) - d)
        if te is ... and ell:
            continue
        ell = ell or te is ...
        t_idx.append(te)
        m_idx.append(me)
        d += used
    single = len(t_idx) == 1 and draw(st.booleans())
    return shape, (t_idx[0] if single else tuple(t_idx)), (m_idx[0] if single else tuple(m_idx))


def _raises_like(fn_t, fn_m):
    try:
        expected = fn_t()
    except (IndexError, ValueError, TypeError, RuntimeError) as e:
        with pytest.raises(type(e)):
            fn_m()
        return None, None
    return expected, fn_m()


def _is_view_t(y, x):
    return y._base is x


def _is_view_m(y, x):
    return y._base is x


@settings(max_examples=300, deadline=None)
@given(case=cases(), seed=st.integers(0, 2**16))
def test_getitem_like_torch(case, seed):
    shape, ti, mi = case
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    xt = torch.tensor(a, requires_grad=True)
    xm = mg.tensor(a, requires_grad=True)
    bt, bm = xt * 1, xm * 1  # a base that is not a leaf, so views can be seen
    yt, ym = _raises_like(lambda: bt[ti], lambda: bm[mi])
    if yt is None:
        return
    assert tuple(ym.shape) == tuple(yt.shape), (ti, ym.shape, yt.shape)
    np.testing.assert_array_equal(ym.detach().numpy(), yt.detach().numpy())
    assert _is_view_m(ym, bm) == _is_view_t(yt, bt), ti
    v = rng.standard_normal(tuple(yt.shape))
    gt, = torch.autograd.grad((yt * yt * torch.tensor(v)).sum(), xt, create_graph=True)
    gm, = mg.autograd.grad((ym * ym * mg.tensor(v)).sum(), xm, create_graph=True)
    np.testing.assert_allclose(gm.detach().numpy(), gt.detach().numpy(), rtol=1e-12)
    w = rng.standard_normal(shape)
    (gt * torch.tensor(w)).sum().backward()
    (gm * mg.tensor(w)).sum().backward()
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


def _unique_targets(shape, ti) -> bool:
    """Whether every element ``x[ti]`` selects is a different one (else the write order decides,
    which PyTorch leaves unspecified)."""
    pos = torch.arange(int(np.prod(shape))).reshape(shape)[ti]
    return pos.numel() == pos.unique().numel()


@settings(max_examples=300, deadline=None)
@given(case=cases(), seed=st.integers(0, 2**16), drop=st.integers(0, 2))
def test_setitem_like_torch(case, seed, drop):
    shape, ti, mi = case
    rng = np.random.default_rng(seed)
    try:
        region = torch.zeros(shape)[ti].shape
    except (IndexError, ValueError, TypeError):
        region = None
    vshape = tuple(region)[min(drop, len(region)):] if region is not None else (1,)
    a, v = rng.standard_normal(shape), rng.standard_normal(vshape)
    xt, xm = torch.tensor(a, requires_grad=True), mg.tensor(a, requires_grad=True)
    vt, vm = torch.tensor(v, requires_grad=True), mg.tensor(v, requires_grad=True)
    bt, bm = xt * 1, xm * 1

    def put_t():
        bt[ti] = vt * 2
        return bt

    def put_m():
        bm[mi] = vm * 2
        return bm

    yt, ym = _raises_like(put_t, put_m)
    if yt is None:
        return
    if not _unique_targets(shape, ti):
        return
    np.testing.assert_array_equal(ym.detach().numpy(), yt.detach().numpy())
    u = rng.standard_normal(shape)
    (yt * yt * torch.tensor(u)).sum().backward()
    (ym * ym * mg.tensor(u)).sum().backward()
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(vm.grad.numpy(), vt.grad.numpy(), rtol=1e-12)


def test_integer_then_array_keeps_the_array_dimension_in_place():
    """``x[0, :, [0, 1]]``: the integer selects first (PyTorch), it is no advanced index."""
    a = np.arange(24.0).reshape(2, 3, 4)
    x = mg.tensor(a, requires_grad=True)
    y = x[0, :, [0, 1]]
    assert y.shape == (3, 2)
    np.testing.assert_array_equal(y.detach().numpy(), a[0][:, [0, 1]])
    y.backward(mg.tensor(np.arange(6.0).reshape(3, 2)))
    expected = np.zeros_like(a)
    expected[0][:, [0, 1]] = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(x.grad.numpy(), expected)


@pytest.mark.parametrize("index, error", [
    (slice(None, None, -1), ValueError), (torch.tensor([0.0]), IndexError), (1.5, IndexError),
    (5, IndexError), ((0, 0, 0, 0), IndexError), ([5], IndexError),
    (torch.tensor([True]), IndexError),
])  # fmt: skip
def test_errors_like_torch(index, error):
    a = np.zeros((2, 3, 4))
    with pytest.raises(error) as et:
        torch.tensor(a)[index]
    mi = mg.tensor(index.numpy()) if isinstance(index, torch.Tensor) else index
    with pytest.raises(error) as em:
        mg.tensor(a)[mi]
    assert str(em.value) == str(et.value)


def test_a_second_ellipsis_stands_for_no_dimension_as_torch():
    a = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(mg.tensor(a)[..., 0, ...].numpy(),
                                  torch.tensor(a)[..., 0, ...].numpy())


def test_nested_list_is_a_tuple_with_a_warning_as_torch():
    a = np.arange(12.0).reshape(3, 4)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        y = mg.tensor(a)[[[0, 1], [1, 0]]]
    assert any("non-tuple sequence" in str(x.message) for x in w)
    np.testing.assert_array_equal(y.numpy(), torch.tensor(a)[[[0, 1], [1, 0]]].numpy())


def test_setitem_with_duplicates_keeps_the_last_write_and_gives_every_source_its_gradient():
    a = np.zeros(4)
    xt, xm = torch.tensor(a), mg.tensor(a)
    vt = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    vm = mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64, requires_grad=True)
    xt[[1, 1, 2]] = vt
    xm[[1, 1, 2]] = vm
    np.testing.assert_array_equal(xm.detach().numpy(), xt.detach().numpy())
    xt.sum().backward()
    xm.sum().backward()
    np.testing.assert_array_equal(vm.grad.numpy(), vt.grad.numpy())


@pytest.mark.parametrize("index", [[1], (slice(1, 2),), [True, False, True, False]])
@pytest.mark.parametrize("src", ["float32", "float64", "int64"])
def test_setitem_dtypes_as_torch(index, src):
    """A basic index casts the source (``copy_``); an advanced one wants the same dtype."""
    a = np.zeros(4)
    n = len(torch.zeros(4)[index])
    vt, vm = (torch.ones(n, dtype=getattr(torch, src)), mg.ones(n, dtype=getattr(mg, src)))
    xt, xm = torch.tensor(a, dtype=torch.float32), mg.tensor(a, dtype=mg.float32)
    try:
        xt[index] = vt
    except RuntimeError as e:
        with pytest.raises(RuntimeError, match="Index put requires"):
            xm[index] = vm
        assert "Index put requires" in str(e)
        return
    xm[index] = vm
    np.testing.assert_array_equal(xm.numpy(), xt.numpy())


def test_setitem_drops_leading_ones_of_the_value_as_torch():
    got = {}
    for lib in (torch, mg):
        x = lib.zeros(2, 2, dtype=lib.float64, requires_grad=True)
        v = lib.ones(1, 1, 2, dtype=lib.float64, requires_grad=True)
        z = x * 1
        z[0] = v * 3
        z[:, [1]] = lib.ones(1, 2, 1, dtype=lib.float64)
        (z * lib.arange(4.0).reshape(2, 2)).sum().backward()
        got[lib] = (z.detach().numpy(), v.grad.numpy(), x.grad.numpy())
    for m, t in zip(got[mg], got[torch]):
        np.testing.assert_array_equal(m, t)


@pytest.mark.parametrize("index", [
    range(2), (0, range(1, 3)), ((0, 1),), ((0, 1), (1, 2)), (0, slice(None), [0, 1]),
    (slice(None), 0, [1, 0]), ([0, 1], None, [0, 1]), ([[0], [1]], slice(None), [0, 2]),
    (..., [1, 2], 0), (None, 0, None, [True, False, True]), (True,), (False, 0),
    ([True, False],), ([[True, False, True], [False, False, True]],), (1, ..., None),
    (slice(None, None, 2), [[1, 1], [0, 0]]), ([], 0),
])  # fmt: skip
def test_fixed_index_expressions_as_torch(index):
    """Ranges, nested tuples, integers around arrays, None between arrays, bool masks."""
    a = np.random.default_rng(0).standard_normal((2, 3, 4))
    xt, xm = torch.tensor(a, requires_grad=True), mg.tensor(a, requires_grad=True)
    yt, ym = xt[index], xm[index]
    assert ym.shape == tuple(yt.shape)
    np.testing.assert_array_equal(ym.detach().numpy(), yt.detach().numpy())
    v = np.random.default_rng(1).standard_normal(tuple(yt.shape))
    (yt * torch.tensor(v)).sum().backward()
    (ym * mg.tensor(v)).sum().backward()
    np.testing.assert_array_equal(xm.grad.numpy(), xt.grad.numpy())
