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
    if isinstance(a, np.ndarray):
        return lib.tensor(a)
    return a


def _outs(r):
    return list(r) if isinstance(r, tuple | list) else [r]


def _arr(t):
    return t.detach().numpy()


def _views(lib, outs, x):
    base = x if lib is torch else x
    return [o._base is not None and (o._base is base or o._base is base._base) for o in outs]


def compare(fn, shape, consts=(), seed=0, grad=True):
    """``fn(lib, x, *consts)`` on both libraries: same values, dtypes, shapes, views, gradients
    (first order, and second order through ``(out**2 * v).sum()``)."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    res = {}
    for lib in (torch, mg):
        x = lib.tensor(a, dtype=lib.float64, requires_grad=grad)
        base = x * 1 if grad else x  # a non-leaf base, so views of it can be seen
        outs = _outs(fn(lib, base, *[_as(lib, c) for c in consts]))
        entry = {"vals": [_arr(o) for o in outs], "dtypes": [str(o.dtype).split(".")[-1]
                                                            for o in outs],
                 "views": [o._base is not None and o._base is base for o in outs]}
        if grad and any(o.requires_grad for o in outs):
            r2 = np.random.default_rng(seed + 1)
            loss = sum((o ** 2 * lib.tensor(r2.standard_normal(tuple(o.shape)))).sum()
                       for o in outs if o.requires_grad)
            g, = lib.autograd.grad(loss, x, create_graph=True)
            entry["grad"] = _arr(g)
            if all(o.numel() for o in outs):  # (an empty result: nothing to differentiate)
                (g * lib.tensor(r2.standard_normal(shape))).sum().backward()
                entry["grad2"] = _arr(x.grad)
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
        if k in t:
            np.testing.assert_allclose(m[k], t[k], rtol=1e-10, atol=1e-12, err_msg=k)


def raises_like(fn, *args):
    """``fn(lib, *args)`` raises the same error type in both, with torch's first words."""
    try:
        fn(torch, *[_as(torch, a) for a in args])
    except Exception as e:  # noqa: BLE001  (whatever torch raises is the specification)
        with pytest.raises(type(e)) as got:
            fn(mg, *[_as(mg, a) for a in args])
        words = str(e).split("\n")[0][:50]
        assert words in str(got.value), (str(e), str(got.value))
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
