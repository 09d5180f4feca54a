"""Shape and index ops side by side with PyTorch (roll ... take_along_dim, F.pad, F.one_hot):
values, dtypes, shapes, whether the result is a view, errors, gradients of first and second
order, the Tensor methods and the in-place ``_`` forms.

Each case is written once against the API the two libraries share (``lib`` is torch or
minigrad) and drawn with random shapes (size-1 dims included) and random indices.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg

torch = pytest.importorskip("torch", reason="PyTorch is the specification these tests compare to")
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _as(lib, a):
    if isinstance(a, np.ndarray | np.generic):
        return lib.tensor(a)
    return a


def _outs(r):
    return list(r) if isinstance(r, tuple | list) else [r]


def _arr(t):
    return t.detach().numpy()


def _views(lib, outs, x):
    base = x if lib is torch else x
    return [o._base is not None and (o._base is base or o._base is base._base) for o in outs]


def compare(fn, shape, consts=(), seed=0, grad=True, more=()):
    """``fn(lib, x, *consts, *others)`` on both libraries (``others``: float inputs of shapes
    ``more``): same values, dtypes, shapes, views, gradients of every float input (first
    order, and second order through ``(out**2 * v).sum()``)."""
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in (shape, *more)]
    res = {}
    for lib in (torch, mg):
        xs = [lib.tensor(a, dtype=lib.float64, requires_grad=grad) for a in arrays]
        base = xs[0] * 1 if grad else xs[0]  # a non-leaf base, so views of it can be seen
        outs = _outs(fn(lib, base, *[_as(lib, c) for c in consts], *xs[1:]))
        entry = {"vals": [_arr(o) for o in outs], "dtypes": [str(o.dtype).split(".")[-1]
                                                            for o in outs],
                 "views": [o._base is not None and o._base is base for o in outs]}
        if grad and any(o.requires_grad for o in outs):
            r2 = np.random.default_rng(seed + 1)
            loss = sum((o ** 2 * lib.tensor(r2.standard_normal(tuple(o.shape)))).sum()
                       for o in outs if o.requires_grad)
            gs = lib.autograd.grad(loss, xs, create_graph=True, allow_unused=True)
            entry["grad"] = [None if g is None else _arr(g) for g in gs]
            if all(o.numel() for o in outs):  # (an empty result: nothing to differentiate)
                gg = sum((g * lib.tensor(r2.standard_normal(tuple(g.shape)))).sum()
                         for g in gs if g is not None and g.requires_grad)
                if not isinstance(gg, int):
                    gg.backward()
                entry["grad2"] = [None if x.grad is None else _arr(x.grad) for x in xs]
        res[lib] = entry
    t, m = res[torch], res[mg]
    assert m["dtypes"] == t["dtypes"]
    assert len(m["vals"]) == len(t["vals"])
    for vm, vt in zip(m["vals"], t["vals"]):
        assert vm.shape == vt.shape
        np.testing.assert_allclose(vm, vt, rtol=1e-12, atol=1e-12)
    assert m["views"] == t["views"], (m["views"], t["views"])
    for k in ("grad", "grad2"):
        assert (k in m) == (k in t)
        for i, (gm, gt) in enumerate(zip(m.get(k, ()), t.get(k, ()))):
            if gt is None or gm is None:  # unused: zeros are as good as None
                assert gm is None or not np.any(gm), (k, i)
                assert gt is None or not np.any(gt), (k, i)
            else:
                np.testing.assert_allclose(gm, gt, rtol=1e-10, atol=1e-12, err_msg=f"{k} {i}")


def raises_like(fn, *args, words=True):
    """``fn(lib, *args)`` raises the same error type in both (with torch's first words)."""
    try:
        fn(torch, *[_as(torch, a) for a in args])
    except Exception as e:  # noqa: BLE001  (whatever torch raises is the specification)
        with pytest.raises(type(e)) as got:
            fn(mg, *[_as(mg, a) for a in args])
        start = str(e).split("\n")[0][:50]
        assert not words or start in str(got.value), (str(e), str(got.value))
        return
    raise AssertionError("torch did not raise")


shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


def _dim(data, shape):
    return data.draw(st.integers(-len(shape), len(shape) - 1))


# ---- layout ops ----


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_roll(data):
    shape = data.draw(shapes)
    k = data.draw(st.integers(1, len(shape)))
    dims = tuple(data.draw(st.permutations(range(len(shape))))[:k])
    shifts = tuple(data.draw(st.integers(-5, 5)) for _ in dims)
    compare(lambda lib, x: lib.roll(x, shifts, dims), shape)
    compare(lambda lib, x: x.roll(shifts[0]), shape)  # flattened
    compare(lambda lib, x: lib.roll(x, shifts[0], dims[0]), shape)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_rot90(data):
    shape = data.draw(st.lists(st.integers(1, 4), min_size=2, max_size=3).map(tuple))
    d0, d1 = data.draw(st.permutations(range(len(shape))))[:2]
    k = data.draw(st.integers(-5, 5))
    compare(lambda lib, x: lib.rot90(x, k, [d0, d1]), shape)
    compare(lambda lib, x: x.rot90(), shape)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_repeat_and_tile(data):
    shape = data.draw(shapes)
    reps = tuple(data.draw(st.lists(st.integers(0, 3), min_size=len(shape),
                                    max_size=len(shape) + 2)))
    compare(lambda lib, x: x.repeat(*reps), shape)
    compare(lambda lib, x: x.repeat(reps), shape)
    few = reps[:data.draw(st.integers(0, len(reps)))]
    compare(lambda lib, x: lib.tile(x, few), shape)
    compare(lambda lib, x: x.tile(few), shape)
    compare(lambda lib, x: x.repeat(*([1] * len(shape))), shape)  # a copy even so


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_repeat_interleave(data):
    shape = data.draw(shapes)
    d = _dim(data, shape)
    n = shape[d]
    reps = np.array(data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))
    r = data.draw(st.integers(0, 3))
    compare(lambda lib, x, t: lib.repeat_interleave(x, t, dim=d), shape, (reps,))
    compare(lambda lib, x: x.repeat_interleave(r), shape)
    compare(lambda lib, x: lib.repeat_interleave(x, r, d, output_size=r * n), shape)
    compare(lambda lib, x, t: lib.repeat_interleave(x, t[:1]), shape, (reps,))
    for lib in (torch, mg):
        got = lib.repeat_interleave(lib.tensor(reps))
        assert got.tolist() == np.repeat(np.arange(n), reps).tolist()
        assert str(got.dtype).endswith("int64")


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_narrow_split_chunk_tensor_split_unbind(data):
    shape = data.draw(shapes)
    d = _dim(data, shape)
    n = shape[d]
    start = data.draw(st.integers(-n, n))
    length = data.draw(st.integers(0, n - (start % n if start < 0 else start) if start != n else 0))
    compare(lambda lib, x: lib.narrow(x, d, start, length), shape)
    size = data.draw(st.integers(1, 5))
    compare(lambda lib, x: lib.split(x, size, d), shape)
    compare(lambda lib, x: x.split(size, d), shape)
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=3)))
    sizes = [b - a for a, b in zip([0] + cuts, cuts + [n])]
    compare(lambda lib, x: lib.split(x, sizes, d), shape)
    compare(lambda lib, x: lib.chunk(x, size, d), shape)
    compare(lambda lib, x: x.tensor_split(size, d), shape)
    idx = data.draw(st.lists(st.integers(-n - 1, n + 1), max_size=3))
    compare(lambda lib, x: lib.tensor_split(x, idx, dim=d), shape)
    compare(lambda lib, x: lib.unbind(x, d), shape)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_movedim_swapaxes_unflatten(data):
    shape = data.draw(shapes)
    k = data.draw(st.integers(1, len(shape)))
    src = data.draw(st.permutations(range(len(shape))))[:k]
    dst = data.draw(st.permutations(range(-len(shape), 0)))[:k]
    compare(lambda lib, x: lib.movedim(x, src, dst), shape)
    compare(lambda lib, x: lib.moveaxis(x, src[0], dst[0]), shape)
    a, b = _dim(data, shape), _dim(data, shape)
    compare(lambda lib, x: lib.swapaxes(x, a, b), shape)
    compare(lambda lib, x: x.swapdims(a, b), shape)
    n = shape[a]
    split = data.draw(st.sampled_from([(n,), (1, n), (n, -1), (-1, 1)]))
    compare(lambda lib, x: lib.unflatten(x, a, split), shape)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 4), m=st.integers(1, 4), k=st.integers(1, 3),
       indexing=st.sampled_from(["ij", "xy"]))
def test_meshgrid(n, m, k, indexing):
    def grids(lib, x):
        return lib.meshgrid(x[:n], x[n:n + m], x[-k:], indexing=indexing)

    compare(grids, (n + m + k,))
    compare(lambda lib, x: lib.meshgrid([x[:n], x[n:]], indexing=indexing), (n + m,))
    compare(lambda lib, x: lib.meshgrid(x[:n]), (n,))  # the default, with its warning


def test_meshgrid_warns_without_indexing_as_torch():
    with pytest.warns(UserWarning, match="it will be required to pass the indexing argument"):
        mg.meshgrid(mg.arange(2), mg.arange(3))


LAYOUT_ERRORS = [
    (lambda lib, x: lib.roll(x, (1, 2)),), (lambda lib, x: lib.roll(x, (1, 2), 0),),
    (lambda lib, x: lib.roll(x, 1, 5),), (lambda lib, x: lib.rot90(x, 1, [0, 1, 2]),),
    (lambda lib, x: lib.rot90(x, 1, [0, 0]),), (lambda lib, x: lib.rot90(x[0], 1),),
    (lambda lib, x: x.repeat(2),), (lambda lib, x: x.repeat(-1, 1),),
    (lambda lib, x: lib.repeat_interleave(x, -1),),
    (lambda lib, x: lib.repeat_interleave(x, lib.tensor([1, 2]), dim=1),),
    (lambda lib, x: lib.repeat_interleave(x, lib.tensor([1, 2]), dim=0, output_size=4),),
    (lambda lib, x: lib.repeat_interleave(x, lib.tensor([[1, 2]]), dim=0),),
    (lambda lib, x: lib.repeat_interleave(lib.tensor([1.0, 2.0])),),
    (lambda lib, x: lib.narrow(x, 0, 1, 5),), (lambda lib, x: lib.narrow(x, 0, -3, 1),),
    (lambda lib, x: lib.narrow(x, 0, 3, 0),), (lambda lib, x: lib.split(x, [1, 2]),),
    (lambda lib, x: lib.split(x, 0),), (lambda lib, x: lib.split(x, -1),),
    (lambda lib, x: lib.split(x, [1, -1, 2]),), (lambda lib, x: lib.chunk(x, 0),),
    (lambda lib, x: lib.tensor_split(x, 0),), (lambda lib, x: lib.movedim(x, (0, 0), (1, 0)),),
    (lambda lib, x: lib.movedim(x, (0, 1), (1,)),), (lambda lib, x: lib.movedim(x, 0, 5),),
    (lambda lib, x: lib.unflatten(x, 1, (2, 2)),), (lambda lib, x: lib.unflatten(x, 1, ()),),
    (lambda lib, x: lib.meshgrid(lib.arange(2), lib.zeros(2, 2)),),
    (lambda lib, x: lib.meshgrid(lib.arange(2), lib.zeros(2, dtype=lib.float64),
                                 indexing="ij"),),
    (lambda lib, x: lib.meshgrid(lib.arange(2), indexing="ab"),),
    (lambda lib, x: lib.meshgrid(),), (lambda lib, x: lib.unbind(x, 3),),
    (lambda lib, x: lib.swapdims(x, 0, 3),),
]  # fmt: skip


@pytest.mark.parametrize("case", range(len(LAYOUT_ERRORS)))
def test_layout_errors_as_torch(case):
    raises_like(LAYOUT_ERRORS[case][0], np.arange(6.0).reshape(2, 3))


# ---- index ops ----


@st.composite
def scatter_case(draw, unique=True):
    """A shape, a dim, an int64 index no larger than the input apart from ``dim`` (unique along
    ``dim`` for the overwriting ops, whose order with repeats PyTorch leaves open), and a
    source shape no smaller than the index."""
    shape = draw(shapes)
    d = draw(st.integers(-len(shape), len(shape) - 1))
    k = d % len(shape)
    ishape = tuple(draw(st.integers(1, n if unique or i != k else 4)) for i, n in
                   enumerate(shape))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    if unique:
        full = tuple(shape[k] if i == k else n for i, n in enumerate(ishape))
        idx = np.argsort(rng.random(full), axis=k)[tuple(slice(0, n) for n in ishape)]
    else:
        idx = rng.integers(0, shape[k], ishape)
    sshape = tuple(n + draw(st.integers(0, 1)) for n in ishape)
    return shape, d, idx.astype(np.int64), sshape


@settings(max_examples=15, deadline=None)
@given(case=scatter_case(), value=st.floats(-3, 3))
def test_scatter_and_gather(case, value):
    shape, d, idx, sshape = case
    compare(lambda lib, x, i, s: lib.scatter(x, d, i, s), shape, (idx,), more=(idx.shape,))
    compare(lambda lib, x, i, s: x.scatter(d, i, s), shape, (idx,), more=(sshape,),
            grad=False)  # (torch cannot differentiate a source larger than the index)
    compare(lambda lib, x, i: lib.scatter(x, d, i, value), shape, (idx,))
    compare(lambda lib, x, i: x.scatter(d, i, value=value), shape, (idx,))
    compare(lambda lib, x, i, s: x.clone().scatter_(d, i, s), shape, (idx,), more=(idx.shape,))
    compare(lambda lib, x, i: x.clone().scatter_(d, i, value), shape, (idx,))
    compare(lambda lib, x, i: lib.gather(x, d, i), shape, (idx,))
    compare(lambda lib, x, i: x.gather(d, i), shape, (idx,))
    for reduce in ("add", "multiply"):  # deprecated forms, without a derivative
        compare(lambda lib, x, i, s, r=reduce: x.clone().scatter_(d, i, s, reduce=r), shape,
                (idx,), more=(sshape,), grad=False)
        compare(lambda lib, x, i, r=reduce: lib.scatter(x, d, i, value, reduce=r), shape,
                (idx,), grad=False)


@settings(max_examples=15, deadline=None)
@given(case=scatter_case(unique=False))
def test_scatter_add_with_repeats(case):
    shape, d, idx, sshape = case
    compare(lambda lib, x, i, s: lib.scatter_add(x, d, i, s), shape, (idx,), more=(idx.shape,))
    compare(lambda lib, x, i, s: x.scatter_add(d, i, s), shape, (idx,), more=(sshape,),
            grad=False)  # (torch cannot differentiate a source larger than the index)
    compare(lambda lib, x, i, s: x.clone().scatter_add_(d, i, s), shape, (idx,),
            more=(idx.shape,))
    compare(lambda lib, x, i: lib.gather(x, d, i), shape, (idx,))  # repeats add gradients
    thin = idx[tuple(slice(None) if k == d % len(shape) else slice(0, 1)
                     for k in range(len(shape)))]  # broadcasts against x apart from dim
    compare(lambda lib, x, i: lib.take_along_dim(x, i, d), shape, (thin,))
    compare(lambda lib, x, i: x.take_along_dim(i, dim=d), shape, (thin,))
    compare(lambda lib, x, i: lib.take_along_dim(x, i), shape, (idx,))


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_index_family(data):
    shape = data.draw(shapes)
    d = _dim(data, shape)
    n = shape[d]
    rep = np.array(data.draw(st.lists(st.integers(0, n - 1), max_size=4)), dtype=np.int64)
    neg = np.array(data.draw(st.lists(st.integers(-n, n - 1), max_size=4)), dtype=np.int64)
    uniq = np.array(data.draw(st.permutations(range(n)))[:data.draw(st.integers(0, n))],
                    dtype=np.int64)
    sshape = tuple(len(rep) if i == d % len(shape) else s for i, s in enumerate(shape))
    ushape = tuple(len(uniq) if i == d % len(shape) else s for i, s in enumerate(shape))
    alpha = data.draw(st.sampled_from([1, 2.5, -1]))
    compare(lambda lib, x, i: lib.index_select(x, d, i), shape, (rep,))
    compare(lambda lib, x, i: x.index_select(d, i), shape, (rep.astype(np.int32),))
    compare(lambda lib, x, i, s: lib.index_add(x, d, i, s, alpha=alpha), shape, (rep,),
            more=(sshape,))
    compare(lambda lib, x, i, s: x.clone().index_add_(d, i, s), shape, (rep,), more=(sshape,))
    compare(lambda lib, x, i, s: lib.index_copy(x, d, i, s), shape, (uniq,), more=(ushape,))
    compare(lambda lib, x, i, s: x.clone().index_copy_(d, i, s), shape, (uniq,),
            more=(ushape,))
    compare(lambda lib, x, i: lib.index_fill(x, d, i, -1.5), shape, (rep,))
    compare(lambda lib, x, i: lib.index_fill(x, d, i, -1.5), shape, (neg,),
            grad=False)  # (torch's gradient fails on negative indices)
    compare(lambda lib, x, i, v: x.clone().index_fill_(d, i, v.sum()), shape, (rep,),
            more=((2,),))


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_masked_family_take_and_nonzero(data):
    shape = data.draw(shapes)
    cut = data.draw(st.integers(0, len(shape)))
    mshape = tuple(data.draw(st.sampled_from([1, n])) for n in shape[cut:])  # broadcasts
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    mask = np.asarray(rng.random(mshape) < 0.5)
    compare(lambda lib, x, m: lib.masked_fill(x, m, 0.5), shape, (mask,))
    compare(lambda lib, x, m: x.masked_fill(m, -2), shape, (mask,))
    compare(lambda lib, x, m, v: x.masked_fill(m, v.sum()), shape, (mask,), more=((2,),))
    compare(lambda lib, x, m, v: x.clone().masked_fill_(m, v[0]), shape, (mask,),
            more=((1,),))
    compare(lambda lib, x, m, s: lib.masked_scatter(x, m, s), shape, (mask,),
            more=((int(np.prod(shape)) + 1,),))
    compare(lambda lib, x, m, s: x.clone().masked_scatter_(m, s), shape, (mask,),
            more=((2, int(np.prod(shape))),))
    compare(lambda lib, x, m: lib.masked_select(x, m), shape, (mask,))
    compare(lambda lib, x, m: x.masked_select(m), shape, (mask,))
    n = int(np.prod(shape))
    idx = rng.integers(-n, n, data.draw(shapes))
    compare(lambda lib, x, i: lib.take(x, i), shape, (idx,))
    compare(lambda lib, x, i: x.take(i), shape, (idx,))
    vals = np.where(rng.random(shape) < 0.5, 0.0, rng.standard_normal(shape))
    for lib in (torch, mg):
        x = lib.tensor(vals)
        got = [lib.nonzero(x), x.nonzero(), lib.argwhere(x), *lib.nonzero(x, as_tuple=True),
               *lib.where(x != 0), *lib.nonzero(x[(0,) * len(shape)], as_tuple=True),
               lib.nonzero(x[(0,) * len(shape)])]
        data.draw(st.just([(str(g.dtype), g.tolist()) for g in got]), label=lib.__name__)
    want = [np.argwhere(vals), np.argwhere(vals), np.argwhere(vals), *np.nonzero(vals),
            *np.nonzero(vals)]
    for lib in (torch, mg):
        x = lib.tensor(vals)
        for g, w in zip([lib.nonzero(x), x.nonzero(), lib.argwhere(x),
                         *lib.nonzero(x, as_tuple=True), *lib.where(x != 0)], want):
            assert str(g.dtype).endswith("int64")
            assert g.tolist() == w.tolist()
    for k in (True, False):
        t, m = torch.tensor(float(k)), mg.tensor(float(k))
        assert [a.tolist() for a in torch.nonzero(t, as_tuple=True)] == \
            [a.tolist() for a in mg.nonzero(m, as_tuple=True)]
        assert tuple(torch.nonzero(t).shape) == mg.nonzero(m).shape


@settings(max_examples=15, deadline=None)
@given(data=st.data(), accumulate=st.booleans())
def test_index_put(data, accumulate):
    shape = data.draw(st.lists(st.integers(1, 4), min_size=2, max_size=3).map(tuple))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    k = data.draw(st.integers(1, 3))
    if accumulate:
        i0, i1 = rng.integers(0, shape[0], k), rng.integers(0, shape[1], k)
    else:  # distinct positions: the order of repeated writes is PyTorch's to choose
        flat = rng.permutation(shape[0] * shape[1])[:k]
        i0, i1 = flat // shape[1], flat % shape[1]
    vshape = (k,) + shape[2:]
    compare(lambda lib, x, a, b, v: x.index_put((a, b), v, accumulate=accumulate), shape,
            (i0, i1), more=(vshape,))
    compare(lambda lib, x, a, b, v: x.clone().index_put_((a, b), v, accumulate), shape,
            (i0, i1), more=(vshape,))
    compare(lambda lib, x, a, v: lib.index_put(x, (a,), v.sum(), accumulate), shape, (i0,),
            more=((2,),))


X23 = np.arange(6.0).reshape(2, 3)
I22 = np.array([[0, 1], [1, 0]])
INDEX_ERRORS = [
    lambda lib, x, i: lib.gather(x, 1, i.short()), lambda lib, x, i: lib.gather(x, 1, i[0]),
    lambda lib, x, i: x.scatter(1, i.to(lib.uint8), 1.0), lambda lib, x, i: x.take(i.int()),
    lambda lib, x, i: x.take_along_dim(i.int(), 1),
    lambda lib, x, i: x.index_add(1, i[0].short(), lib.ones(2, 2)),
    lambda lib, x, i: x.index_copy(1, i[0].int(), lib.ones(2, 2)),
    lambda lib, x, i: x.index_fill(1, i[0].int(), 1.0),
    lambda lib, x, i: lib.gather(x, 1, lib.tensor([[5]])),
    lambda lib, x, i: lib.gather(x, 0, lib.tensor([[0, 0, 0, 0]])),
    lambda lib, x, i: lib.scatter(x, 1, i, lib.ones(2, 2, dtype=lib.float64)),
    lambda lib, x, i: lib.scatter(x, 1, i, lib.ones(1, 1)),
    lambda lib, x, i: lib.scatter(x, 1, i, lib.tensor(2.0)),
    lambda lib, x, i: lib.scatter(x, 1, i, lib.ones(2, 2), reduce="mean"),
    lambda lib, x, i: lib.scatter_add(x, 1, i, lib.ones(2, 2, dtype=lib.float64)),
    lambda lib, x, i: lib.index_select(x, 1, lib.tensor([[0]])),
    lambda lib, x, i: lib.index_select(x, 1, lib.tensor([0.0])),
    lambda lib, x, i: lib.index_select(x, 1, lib.tensor([5])),
    lambda lib, x, i: lib.index_select(x, 1, lib.tensor([-1])),
    lambda lib, x, i: x.index_add(1, lib.tensor([-1]), lib.ones(2, 1)),
    lambda lib, x, i: x.index_add(1, lib.tensor([3]), lib.ones(2, 1)),
    lambda lib, x, i: x.index_copy(1, lib.tensor([-1]), lib.ones(2, 1)),
    lambda lib, x, i: x.index_fill(1, lib.tensor([3]), 1.0),
    lambda lib, x, i: lib.index_add(x, 1, lib.tensor([0]), lib.ones(2, 2)),
    lambda lib, x, i: lib.index_add(x, 1, lib.tensor([0]), lib.ones(2, 1, dtype=lib.float64)),
    lambda lib, x, i: lib.index_copy(x, 1, lib.tensor([0]), lib.ones(2, 2)),
    lambda lib, x, i: lib.index_fill(x, 1, lib.tensor([0]), lib.ones(2)),
    lambda lib, x, i: lib.masked_fill(x, lib.tensor([1, 0, 1]), 2.0),
    lambda lib, x, i: lib.masked_fill(x, lib.tensor([True, False, True]), lib.ones(1)),
    lambda lib, x, i: lib.zeros(3).masked_fill_(lib.ones(2, 3, dtype=lib.bool), 2.0),
    lambda lib, x, i: lib.masked_scatter(x, lib.ones(2, 3, dtype=lib.bool), lib.ones(2)),
    lambda lib, x, i: lib.masked_scatter(x, lib.ones(2, 3, dtype=lib.bool),
                                         lib.ones(6, dtype=lib.float64)),
    lambda lib, x, i: lib.masked_select(x, lib.tensor([1, 0, 1])),
    lambda lib, x, i: lib.take(x, lib.tensor([10])),
    lambda lib, x, i: x.index_put((lib.tensor([0]),), lib.ones(3, dtype=lib.float64)),
]  # fmt: skip


@pytest.mark.parametrize("case", range(len(INDEX_ERRORS)))
def test_index_errors_as_torch(case):
    raises_like(INDEX_ERRORS[case], X23.astype(np.float32), I22)


def test_deprecated_scatter_reduce_has_no_derivative_as_torch():
    x = mg.zeros(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="derivative for aten::scatter is not implemented"):
        mg.scatter(x, 1, mg.tensor(I22), 2.0, reduce="add")


# ---- F.pad and F.one_hot ----


@settings(max_examples=40, deadline=None)
@given(data=st.data(), mode=st.sampled_from(["constant", "reflect", "replicate", "circular"]))
def test_pad(data, mode):
    k = data.draw(st.integers(1, 3))
    lead = data.draw(st.integers(1 if mode != "constant" else 0, 2 if mode != "constant" else 1))
    shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=k + lead, max_size=k + lead)))
    amounts = []
    for n in shape[::-1][:k]:
        lo = 0 if mode == "circular" else -n // 2  # (torch's circular crop: below)
        hi = n - 1 if mode == "reflect" else n if mode == "circular" else 4
        amounts += [data.draw(st.integers(lo, hi)), data.draw(st.integers(lo, hi))]
    kwargs = {"value": data.draw(st.floats(-2, 2))} if mode == "constant" else {}
    try:
        torch.nn.functional.pad(torch.zeros(shape), amounts, mode=mode, **kwargs)
    except RuntimeError:  # a crop that leaves too little (torch raises): the same error
        raises_like(lambda lib, x: lib.nn.functional.pad(x, amounts, mode=mode, **kwargs),
                    np.zeros(shape), words=False)  # (torch's words for a negative size leak)
        return
    # torch's reflect/replicate/circular backward reads uninitialised memory after a crop
    grad = mode == "constant" or min(amounts) >= 0
    compare(lambda lib, x: lib.nn.functional.pad(x, amounts, mode=mode, **kwargs), shape,
            grad=grad)
    compare(lambda lib, x: lib.nn.functional.pad(x, tuple(amounts), mode), shape, grad=grad)


@pytest.mark.parametrize("amounts", [(-1, 2), (2, -1), (-1, -1), (3, 0), (-2, 1)])
def test_circular_pad_crops_then_wraps_as_torch(amounts):
    compare(lambda lib, x: lib.nn.functional.pad(x, amounts, mode="circular"), (2, 3),
            grad=False)  # (torch's circular backward after a crop reads unwritten memory)


def test_pad_keeps_integer_and_bool_dtypes_as_torch():
    for dtype, value in (("int64", 2.5), ("bool", 1), ("float32", None)):
        got = mg.nn.functional.pad(mg.zeros(2, 3, dtype=getattr(mg, dtype)), (1, 1), value=value)
        want = torch.nn.functional.pad(torch.zeros(2, 3, dtype=getattr(torch, dtype)), (1, 1),
                                       value=value)
        assert str(got.dtype) == dtype
        np.testing.assert_array_equal(got.numpy(), want.numpy())


PAD_ERRORS = [
    ((1,), "constant", {}), ((1, 1, 1, 1, 1, 1), "constant", {}), ((3, 1), "reflect", {}),
    ((1, 1, 1, 1), "reflect", {}), ((4, 0), "circular", {}), ((1, 1), "foo", {}),
    ((1, 1), "reflect", {"value": 1.0}), ((-2, -2), "constant", {}),
]  # fmt: skip


@pytest.mark.parametrize("case", range(len(PAD_ERRORS)))
def test_pad_errors_as_torch(case):
    amounts, mode, kw = PAD_ERRORS[case]
    raises_like(lambda lib, x: lib.nn.functional.pad(x, amounts, mode, **kw),
                np.arange(6.0).reshape(2, 3))
    raises_like(lambda lib, x: lib.nn.functional.pad(x[0], (1, 1), mode="reflect"),
                np.arange(6.0).reshape(2, 3))


@settings(max_examples=20, deadline=None)
@given(shape=st.lists(st.integers(0, 3), max_size=3).map(tuple), n=st.integers(-1, 5),
       seed=st.integers(0, 2**16))
def test_one_hot(shape, n, seed):
    labels = np.random.default_rng(seed).integers(0, 5, shape)
    try:
        want = torch.nn.functional.one_hot(torch.tensor(labels), n)
    except RuntimeError as e:
        with pytest.raises(RuntimeError, match=str(e)):
            mg.nn.functional.one_hot(mg.tensor(labels), n)
        return
    got = mg.nn.functional.one_hot(mg.tensor(labels), num_classes=n)
    assert str(got.dtype) == "int64" and got.shape == tuple(want.shape)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("labels", [[0.0], [0, -1]])
def test_one_hot_errors_as_torch(labels):
    raises_like(lambda lib, t: lib.nn.functional.one_hot(t, 4), np.array(labels))


# ---- scatter_reduce ----


@settings(max_examples=25, deadline=None)
@given(case=scatter_case(unique=False), reduce=st.sampled_from(["sum", "prod", "mean", "amax",
                                                                 "amin"]),
       include_self=st.booleans())
def test_scatter_reduce(case, reduce, include_self):
    shape, d, idx, sshape = case
    kw = {"include_self": include_self}
    compare(lambda lib, x, i, s: lib.scatter_reduce(x, d, i, s, reduce, **kw), shape, (idx,),
            more=(idx.shape,))
    compare(lambda lib, x, i, s: x.scatter_reduce(d, i, s, reduce=reduce, **kw), shape,
            (idx,), more=(sshape,), grad=False)  # (torch cannot differentiate a larger src)
    compare(lambda lib, x, i, s: x.clone().scatter_reduce_(d, i, s, reduce, **kw), shape,
            (idx,), more=(idx.shape,))


@pytest.mark.parametrize("reduce", ["prod", "amax", "amin", "mean"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_ties_and_zeros_as_torch(reduce, include_self):
    """Ties of amax/amin share the gradient evenly; prod's gradient with zeros (first order)."""
    x = np.array([[1.0, 0.0, 2.0], [2.0, 2.0, -1.0]])
    s = np.array([[2.0, 0.0, 1.0, 0.0], [2.0, 2.0, -1.0, 3.0]])
    i = np.array([[0, 0, 1, 1], [0, 0, 2, 2]])
    got = {}
    for lib in (torch, mg):
        a = lib.tensor(x, requires_grad=True)
        b = lib.tensor(s, requires_grad=True)
        o = lib.scatter_reduce(a, 1, lib.tensor(i), b, reduce, include_self=include_self)
        (o * lib.tensor(np.arange(6.0).reshape(2, 3))).sum().backward()
        got[lib] = [_arr(o), _arr(a.grad), _arr(b.grad)]
    for m, t in zip(got[mg], got[torch]):
        np.testing.assert_allclose(m, t, rtol=1e-12)


@pytest.mark.parametrize("bad", [
    lambda lib, x, i: lib.scatter_reduce(x, 1, i, lib.ones(2, 2), "foo"),
    lambda lib, x, i: lib.scatter_reduce(x, 1, i, lib.ones(2, 2, dtype=lib.float64), "sum"),
    lambda lib, x, i: lib.scatter_reduce(x, 1, i.short(), lib.ones(2, 2), "amax"),
])  # fmt: skip
def test_scatter_reduce_errors_as_torch(bad):
    raises_like(bad, X23.astype(np.float32), I22)


MULTI_VIEW_WRITES = [
    lambda lib, x: lib.unbind(x)[1].mul_(2), lambda lib, x: x.split(1)[1].mul_(2),
    lambda lib, x: x.chunk(2)[0].add_(1), lambda lib, x: list(x)[1].mul_(2),
    lambda lib, x: lib.split(x, [1, 1])[0].zero_(),
]  # fmt: skip


@pytest.mark.parametrize("case", range(len(MULTI_VIEW_WRITES)))
def test_writing_into_one_of_several_views_is_refused_as_torch(case):
    """unbind/split/chunk outputs (and rows of an iterated tensor) refuse in-place changes
    while a graph is recorded, with PyTorch's words; other views (narrow...) allow them."""
    def fn(lib, a):
        return MULTI_VIEW_WRITES[case](lib, lib.tensor(a.numpy(), requires_grad=True) * 1)

    raises_like(fn, np.ones((2, 2)))


def test_writing_into_single_views_is_recorded_as_torch():
    def fn(lib, x):
        y = x * 1
        x.narrow(0, 0, 1)
        y.narrow(1, 1, 1).mul_(3)
        y.tensor_split(2)[0].add_(1)
        lib.movedim(y, 0, 1)[0].mul_(2)
        return y

    compare(fn, (2, 3))


INPLACE_AFTER_SAVE = [
    lambda lib, y, m, i: y.masked_fill_(m, 0.0), lambda lib, y, m, i: y.index_fill_(0, i, 1.0),
    lambda lib, y, m, i: y.scatter_(0, i[:, None].expand(2, 3), 1.0),
    lambda lib, y, m, i: y.index_add_(0, i, lib.ones(2, 3, dtype=lib.float64)),
    lambda lib, y, m, i: y.scatter_reduce_(0, i[:, None].expand(2, 3),
                                           lib.ones(2, 3, dtype=lib.float64), "amax"),
]  # fmt: skip


@pytest.mark.parametrize("case", range(len(INPLACE_AFTER_SAVE)))
def test_inplace_index_ops_bump_the_version_as_torch(case):
    """An in-place index op on a tensor a backward still needs (exp saves its output) is
    caught at backward, as PyTorch catches it."""
    def fn(lib, a, m, i):
        y = (a.detach().clone().requires_grad_()).exp()
        INPLACE_AFTER_SAVE[case](lib, y, m, i)
        y.sum().backward()

    raises_like(fn, np.ones((3, 3)), np.eye(3, dtype=bool), np.array([0, 2]))


# ---- torch's own OpInfo samples for these ops ----

OPDB_NAMES = ["roll", "rot90", "repeat_interleave", "narrow", "split", "chunk", "tensor_split",
              "unbind", "movedim", "unflatten", "index_select", "scatter", "scatter_add",
              "scatter_reduce", "index_add", "index_copy", "index_fill", "masked_fill",
              "masked_scatter", "masked_select", "take", "take_along_dim", "nonzero", "argwhere",
              "gather", "tile", "repeat", "meshgrid", "nn.functional.pad",
              "nn.functional.one_hot"]  # fmt: skip


def _to_mg(v):
    if isinstance(v, torch.Tensor):
        return mg.tensor(v.detach().numpy().copy())
    if isinstance(v, list | tuple):
        return type(v)(_to_mg(i) for i in v)
    if isinstance(v, dict):
        return {k: _to_mg(i) for k, i in v.items()}
    return v


def _mg_fn(name):
    if name.startswith("nn.functional."):
        return getattr(mg.nn.functional, name.split(".")[-1])
    return getattr(mg, name, None) or (lambda x, *a, **k: getattr(x, name)(*a, **k))


@pytest.mark.parametrize("name", OPDB_NAMES)
def test_opinfo_samples_as_torch(name):
    """Every sample input torch's ``op_db`` has for the op: same values, dtype and shape."""
    db = pytest.importorskip("torch.testing._internal.common_methods_invocations").op_db
    infos = [o for o in db if o.name == name]
    assert infos
    for info in infos:
        for dtype in (torch.float64, torch.int64):
            if dtype not in info.supported_dtypes("cpu"):
                continue
            for s in info.sample_inputs("cpu", dtype, requires_grad=False):
                want = info.op(s.input, *s.args, **s.kwargs)
                got = _mg_fn(name)(_to_mg(s.input), *_to_mg(s.args), **_to_mg(s.kwargs))
                wants = list(want) if isinstance(want, tuple | list) else [want]
                gots = list(got) if isinstance(got, tuple | list) else [got]
                assert len(gots) == len(wants), (info.variant_test_name, s)
                for g, w in zip(gots, wants):
                    assert str(g.dtype) == str(w.dtype).split(".")[-1], s
                    assert tuple(g.shape) == tuple(w.shape), s
                    np.testing.assert_array_equal(g.numpy(), w.numpy(), err_msg=str(s))
