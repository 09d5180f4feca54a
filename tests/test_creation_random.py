"""Creation and random functions side by side with PyTorch: linspace/logspace (torch's points,
integer dtypes truncated as torch), full's dtype from the fill value, the ``*_like`` family,
normal in its four overloads (shapes, dtypes, zero gradients to mean and std), randint,
randperm, bernoulli (and ``bernoulli_``), multinomial, histc, histogram and bincount: values
where they are deterministic, distributions, shapes, dtypes and repeatability where random,
errors with torch's type and words."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch", reason="PyTorch is the specification these tests compare to")

_DT = ["float32", "float64", "int64", "int32", "int16", "uint8"]
_SPACES = [(0, 10, 4), (-10, 0, 4), (-7.5, 7.5, 7), (10, 0, 4), (0, 1, 5), (3, 3, 3),
           (0.1, 0.7, 9), (-1, 1, 2), (2, 5, 1), (2, 5, 0), (-3.3, 8.9, 100), (250, 0, 11),
           (1e-3, 1.0, 33)]


def _same(got, want, rtol=0.0):
    assert str(got.dtype) == str(want.dtype).replace("torch.", ""), (got.dtype, want.dtype)
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(np.asarray(got.tolist(), np.float64),
                               np.asarray(want.tolist(), np.float64), rtol=rtol, atol=0)


def _defined(spaces):
    """(space, dtype) pairs torch defines: negative ends wrap in uint8, so those are left out."""
    return [(sp, dt) for sp in spaces for dt in _DT if not (dt == "uint8" and min(sp[:2]) < 0)]


@pytest.mark.parametrize("space, dtype", _defined(_SPACES))
def test_linspace_as_torch(space, dtype):
    """torch's points exactly for integer dtypes (ends truncated, then each point), to float
    rounding for floats."""
    start, end, steps = space
    want = torch.linspace(start, end, steps, dtype=getattr(torch, dtype))
    got = mg.linspace(start, end, steps, dtype=getattr(mg, dtype))
    _same(got, want, rtol=1e-15 if dtype == "float64" else 0)  # one rounding, as torch's FMA


@pytest.mark.parametrize("base", [10.0, 2, 3])
@pytest.mark.parametrize("space, dtype",
                         _defined([(0, 3, 4), (-2, 2.5, 5), (0, 1, 5), (1, -1, 7), (0, 2, 1)]))
def test_logspace_as_torch(space, base, dtype):
    start, end, steps = space
    want = torch.logspace(start, end, steps, base=base, dtype=getattr(torch, dtype))
    got = mg.logspace(start, end, steps, base=base, dtype=getattr(mg, dtype))
    _same(got, want, rtol=5e-16 if dtype == "float64" else 0)  # pow may differ by an ulp


def test_linspace_defaults_and_requires_grad():
    _same(mg.linspace(0, 1, 5), torch.linspace(0, 1, 5))
    assert mg.linspace(0, 1, 3, requires_grad=True).requires_grad
    _same(mg.linspace(mg.tensor(0.0), mg.tensor(2.0), 3),
          torch.linspace(torch.tensor(0.0), torch.tensor(2.0), 3))


def _raises_like(fn):
    """minigrad raises what torch raises (type, and the words for RuntimeError and the
    NotImplementedError of a missing kernel)."""
    with pytest.raises(Exception) as want:
        fn(torch)
    with pytest.raises(type(want.value)) as got:
        fn(mg)
    if not isinstance(want.value, TypeError):
        assert str(got.value) == str(want.value), (str(got.value), str(want.value))


ERRORS = {
    "linspace_negative": lambda L: L.linspace(0, 1, -1),
    "linspace_bool": lambda L: L.linspace(0, 1, 3, dtype=L.bool),
    "linspace_float_steps": lambda L: L.linspace(0, 1, 2.0),
    "logspace_bool": lambda L: L.logspace(0, 1, 3, dtype=L.bool),
    "full_int_size": lambda L: L.full(2, 3),
    "full_overflow": lambda L: L.full((2,), 1e10, dtype=L.int32),
    "full_like_overflow": lambda L: L.full_like(L.ones(2, dtype=L.int8), 300),
    "zeros_like_int_grad": lambda L: L.zeros_like(L.ones(2, dtype=L.int32), requires_grad=True),
    "ones_int_grad": lambda L: L.ones(2, dtype=L.int64, requires_grad=True),
    "rand_like_int": lambda L: L.rand_like(L.ones(2, dtype=L.int32)),
    "randn_like_int": lambda L: L.randn_like(L.ones(2, dtype=L.int64)),
    "rand_int": lambda L: L.rand(2, dtype=L.int64),
    "randn_int": lambda L: L.randn(2, dtype=L.int64),
    "zeros_negative": lambda L: L.zeros(2, -3),
    "randint_order": lambda L: L.randint(5, 3, (3,)),
    "randint_no_size": lambda L: L.randint(5),
    "randint_uint8_range": lambda L: L.randint(0, 300, (3,), dtype=L.uint8),
    "randint_like_order": lambda L: L.randint_like(L.ones(2), 10, 5),
    "randint_bool_range": lambda L: L.randint(0, 3, (2,), dtype=L.bool),
    "randint_like_bool": lambda L: L.randint_like(L.ones(2, dtype=L.bool), 3, 7),
    "empty_negative": lambda L: L.empty(2, -3),
    "full_negative": lambda L: L.full((2, -3), 1.0),
    "randperm_negative": lambda L: L.randperm(-1),
    "normal_floats_no_size": lambda L: L.normal(2.0, 3.0),
    "normal_tensor_with_size": lambda L: L.normal(L.zeros(2), 1.0, size=(2,)),
    "normal_negative_std": lambda L: L.normal(0.0, -1.0, (2,)),
    "normal_negative_std_t": lambda L: L.normal(L.zeros(2), -1.0),
    "normal_negative_std_tt": lambda L: L.normal(L.zeros(2), L.tensor([1.0, -1.0])),
    "normal_int_mean": lambda L: L.normal(L.zeros(2, dtype=L.int64), 1.0),
    "normal_int_dtype": lambda L: L.normal(0, 1, (2,), dtype=L.int64),
    "normal_shapes": lambda L: L.normal(L.zeros(4), L.ones(2, 2)),
    "bernoulli_int": lambda L: L.bernoulli(L.ones(3, dtype=L.int64)),
    "bernoulli_range": lambda L: L.bernoulli(L.tensor([1.5])),
    "bernoulli_p_range": lambda L: L.bernoulli(L.ones(2), p=1.5),
    "bernoulli_p_tensor": lambda L: L.ones(2).bernoulli(p=L.ones(2)),
    "bernoulli__range": lambda L: L.zeros(3).bernoulli_(L.ones(3) * 2),
    "bernoulli__shape": lambda L: L.zeros(3).bernoulli_(L.ones(2)),
    "bernoulli__p": lambda L: L.zeros(3).bernoulli_(-0.5),
    "multinomial_too_many": lambda L: L.multinomial(L.tensor([0.1, 0.9]), 3),
    "multinomial_3d": lambda L: L.multinomial(L.ones(2, 2, 2), 1),
    "multinomial_0d": lambda L: L.multinomial(L.tensor(1.0), 1),
    "multinomial_zero_sum": lambda L: L.multinomial(L.tensor([0.0, 0.0]), 1),
    "multinomial_negative": lambda L: L.multinomial(L.tensor([-1.0, 2.0]), 1),
    "multinomial_nan": lambda L: L.multinomial(L.tensor([float("nan"), 2.0]), 1),
    "multinomial_inf": lambda L: L.multinomial(L.tensor([float("inf"), 2.0]), 1, True),
    "multinomial_int": lambda L: L.multinomial(L.tensor([1, 2]), 1),
    "multinomial_zero": lambda L: L.multinomial(L.tensor([1.0, 2.0]), 0),
    "histc_int": lambda L: L.histc(L.tensor([1, 2, 1]), 3),
    "histc_order": lambda L: L.histc(L.tensor([1.0, 2, 1]), 3, min=2, max=1),
    "histc_bins": lambda L: L.histc(L.tensor([1.0, 2, 1]), -1),
    "histc_nan": lambda L: L.histc(L.tensor([1.0, float("nan")]), 4),
    "histc_inf": lambda L: L.histc(L.tensor([1.0, float("inf")]), 4),
    "histogram_int": lambda L: L.histogram(L.tensor([1, 2, 1]), 3),
    "histogram_weight_dtype": lambda L: L.histogram(L.tensor([1.0, 2, 1], dtype=L.float64), 3,
                                                    weight=L.ones(3)),
    "bincount_negative": lambda L: L.bincount(L.tensor([-1, 3, 1])),
    "bincount_float": lambda L: L.bincount(L.tensor([1.0, 3, 1])),
    "bincount_bool": lambda L: L.bincount(L.tensor([True, False])),
    "bincount_2d": lambda L: L.bincount(L.tensor([[1, 3, 1]])),
    "bincount_minlength": lambda L: L.bincount(L.tensor([1, 3, 1]), minlength=-1),
    "bincount_weights": lambda L: L.bincount(L.tensor([1, 3, 1]), weights=L.tensor([0.5, 1.0])),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_as_torch(name):
    _raises_like(ERRORS[name])


@pytest.mark.parametrize("value", [True, 3, 3.0, -2, np.float32(1.5), np.int32(4), 2.5])
def test_full_dtype_from_fill_value(value):
    _same(mg.full((2, 3), value), torch.full((2, 3), value))
    _same(mg.full([], value), torch.full([], value))


@pytest.mark.parametrize("dtype", [None, "float64", "int32", "bool", "uint8"])
def test_full_empty_and_likes_with_dtype(dtype):
    kw = {} if dtype is None else {"dtype": getattr(mg, dtype)}
    tkw = {} if dtype is None else {"dtype": getattr(torch, dtype)}
    _same(mg.full((2,), 2.7, **kw), torch.full((2,), 2.7, **tkw))
    for src in ("int64", "float32", "float64"):
        x, tx = mg.ones(2, 3, dtype=getattr(mg, src)), torch.ones(2, 3, dtype=getattr(torch, src))
        _same(mg.zeros_like(x, **kw), torch.zeros_like(tx, **tkw))
        _same(mg.ones_like(x, **kw, device="cpu"), torch.ones_like(tx, **tkw, device="cpu"))
        _same(mg.full_like(x, 2.7, **kw), torch.full_like(tx, 2.7, **tkw))
        e, te = mg.empty_like(x, **kw), torch.empty_like(tx, **tkw)
        assert str(e.dtype) == str(te.dtype).replace("torch.", "") and e.shape == tuple(te.shape)
        lo, hi = (0, 2) if dtype == "bool" else (3, 7)
        r, tr = mg.randint_like(x, lo, hi, **kw), torch.randint_like(tx, lo, hi, **tkw)
        assert str(r.dtype) == str(tr.dtype).replace("torch.", "") and r.shape == tuple(tr.shape)
        assert ((r.numpy() >= lo) & (r.numpy() < hi)).all()
    e = mg.empty(2, 3, **kw)
    assert e.shape == (2, 3) and str(e.dtype) == str(torch.empty(1, **tkw).dtype)[6:]
    assert mg.empty((4,), device="cpu").shape == (4,)
    with pytest.raises(RuntimeError):
        mg.empty(2, device="cuda")


def test_likes_require_grad_and_random_likes():
    x = mg.ones(3, 2, dtype=mg.float64)
    for fn in (mg.zeros_like, mg.ones_like, mg.empty_like, mg.rand_like, mg.randn_like):
        t = fn(x, requires_grad=True)
        assert t.requires_grad and t.is_leaf and t.dtype == mg.float64 and t.shape == (3, 2)
    assert mg.full_like(x, 1.0, requires_grad=True).requires_grad
    assert mg.rand_like(x, dtype=mg.float32).dtype == mg.float32
    u = mg.rand_like(mg.zeros(20000))
    assert 0 <= u.numpy().min() and u.numpy().max() < 1 and abs(u.numpy().mean() - 0.5) < 0.02
    n = mg.randn_like(mg.zeros(20000, dtype=mg.float64)).numpy()
    assert abs(n.mean()) < 0.03 and abs(n.std() - 1) < 0.03
    r = mg.randint_like(mg.zeros(20000), high=4).numpy()
    assert set(np.unique(r)) == {0.0, 1.0, 2.0, 3.0}


def _normal_calls(L, m, s):
    return {
        "tt": L.normal(m, s),
        "tf": L.normal(m, 2.0),
        "t_default": L.normal(mean=m),
        "ft": L.normal(1.0, s),
        "ff": L.normal(1.0, 2.0, (2, 3)),
        "ff_dtype": L.normal(0, 1, size=[4], dtype=L.float64),
    }


def test_normal_overloads_shapes_dtypes_and_zero_gradients():
    """Shapes broadcast, the dtype is mean's (else std's), and mean/std get zero gradients."""
    for dm, ds in (("float32", "float64"), ("float64", "float32"), ("float64", "float64")):
        m = mg.zeros(2, 1, dtype=getattr(mg, dm), requires_grad=True)
        s = mg.ones(3, dtype=getattr(mg, ds), requires_grad=True)
        tm = torch.zeros(2, 1, dtype=getattr(torch, dm), requires_grad=True)
        ts = torch.ones(3, dtype=getattr(torch, ds), requires_grad=True)
        got, want = _normal_calls(mg, m, s), _normal_calls(torch, tm, ts)
        for k in want:
            assert got[k].shape == tuple(want[k].shape), k
            assert str(got[k].dtype) == str(want[k].dtype)[6:], k
            assert got[k].requires_grad == want[k].requires_grad, k
        gm, gs = mg.autograd.grad(got["tt"].sum(), [m, s])
        tgm, tgs = torch.autograd.grad(want["tt"].sum(), [tm, ts])
        _same(gm, tgm)
        _same(gs, tgs)
    assert mg.normal(0, 1, (2,), requires_grad=True).requires_grad


def test_normal_distribution_and_repeatability():
    m = mg.tensor([[-3.0], [5.0]], dtype=mg.float64)
    s = mg.tensor([0.5, 2.0, 4.0], dtype=mg.float64)
    draws = np.stack([mg.normal(m, s).numpy() for _ in range(4000)])
    np.testing.assert_allclose(draws.mean(0), np.broadcast_to(m.numpy(), (2, 3)), atol=0.25)
    np.testing.assert_allclose(draws.std(0), np.broadcast_to(s.numpy(), (2, 3)), rtol=0.06)
    mg.manual_seed(3)
    a = [mg.normal(m, 1.0), mg.normal(0.0, s), mg.normal(1.0, 2.0, (5,)), mg.randint(9, (4,)),
         mg.randperm(6), mg.bernoulli(mg.full((8,), 0.5)), mg.multinomial(mg.ones(5), 3)]
    mg.manual_seed(3)
    b = [mg.normal(m, 1.0), mg.normal(0.0, s), mg.normal(1.0, 2.0, (5,)), mg.randint(9, (4,)),
         mg.randperm(6), mg.bernoulli(mg.full((8,), 0.5)), mg.multinomial(mg.ones(5), 3)]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    g1, g2 = mg.Generator(7), mg.Generator(7)
    for fn in (lambda g: mg.normal(m, s, generator=g), lambda g: mg.randperm(5, generator=g),
               lambda g: mg.randint(0, 5, (3,), generator=g),
               lambda g: mg.bernoulli(mg.full((4,), 0.3), generator=g),
               lambda g: mg.multinomial(mg.ones(2, 4), 2, generator=g),
               lambda g: mg.zeros(6).bernoulli_(0.5, generator=g),
               lambda g: mg.rand_like(m, generator=g)):
        np.testing.assert_array_equal(fn(g1).numpy(), fn(g2).numpy())


@pytest.mark.parametrize("call", [
    lambda L: L.randint(5, (3, 2)), lambda L: L.randint(3, 5, (4,)),
    lambda L: L.randint(low=2, high=5, size=(2,)), lambda L: L.randint(high=5, size=(2,)),
    lambda L: L.randint(0, 2, (3,), dtype=L.bool), lambda L: L.randint(5, size=(2,),
                                                                        dtype=L.float32),
    lambda L: L.randint(-3, 3, (2, 2), dtype=L.int8),
])
def test_randint_forms(call):
    got, want = call(mg), call(torch)
    assert got.shape == tuple(want.shape) and str(got.dtype) == str(want.dtype)[6:]


def test_randint_and_randperm_values():
    r = mg.randint(-2, 3, (20000,)).numpy()
    assert set(np.unique(r)) == {-2, -1, 0, 1, 2}
    assert np.abs(np.bincount(r + 2) / r.size - 0.2).max() < 0.02
    for n in (0, 1, 7):
        p = mg.randperm(n)
        assert p.dtype == mg.int64 and sorted(p.tolist()) == list(range(n))
    assert mg.randperm(4, dtype=mg.float32).dtype == mg.float32


def test_bernoulli():
    p = mg.tensor([0.0, 0.2, 0.9, 1.0], dtype=mg.float64, requires_grad=True)
    draws = np.stack([mg.bernoulli(p).detach().numpy() for _ in range(5000)])
    np.testing.assert_allclose(draws.mean(0), [0.0, 0.2, 0.9, 1.0], atol=0.02)
    out = mg.bernoulli(p)
    assert out.dtype == mg.float64 and out.requires_grad
    (g,) = mg.autograd.grad(out.sum(), p)
    assert g.tolist() == [0.0] * 4  # as torch: no gradient through the draw
    q = mg.bernoulli(mg.zeros(10000, dtype=mg.float32), 0.3)
    assert q.dtype == mg.float32 and abs(q.numpy().mean() - 0.3) < 0.02
    assert abs(mg.zeros(10000).bernoulli(p=0.7).numpy().mean() - 0.7) < 0.02
    for dt in ("int64", "bool", "float32"):
        x = mg.zeros(10000, dtype=getattr(mg, dt))
        assert x.bernoulli_(0.25) is x and x._version == 1
        assert x.dtype == getattr(mg, dt) and abs(x.numpy().mean() - 0.25) < 0.02
    y = mg.zeros(2, 3).bernoulli_(mg.tensor([0.0, 1.0, 0.0]))
    assert y.tolist() == [[0.0, 1.0, 0.0]] * 2


def test_multinomial():
    p = mg.tensor([0.1, 0.0, 0.6, 0.3], dtype=mg.float64)
    s = mg.multinomial(p, 20000, replacement=True)
    assert s.dtype == mg.int64 and s.shape == (20000,)
    np.testing.assert_allclose(np.bincount(s.numpy(), minlength=4) / 20000, p.numpy(), atol=0.015)
    firsts = np.array([mg.multinomial(p, 3).tolist() for _ in range(3000)])
    assert all(len(set(r)) == 3 for r in firsts)  # without replacement: distinct
    assert 1 not in firsts[:, :2]  # a zero probability only once all others are taken
    np.testing.assert_allclose(np.bincount(firsts[:, 0], minlength=4) / 3000, p.numpy(),
                               atol=0.03)
    assert mg.multinomial(mg.tensor([1.0, 0.0, 0.0]), 2).tolist() == [0, 1] or \
        mg.multinomial(mg.tensor([1.0, 0.0, 0.0]), 2).tolist()[0] == 0
    b = mg.ones(2, 3).multinomial(2)
    assert b.shape == tuple(torch.ones(2, 3).multinomial(2).shape) and b.dtype == mg.int64
    assert mg.multinomial(mg.tensor([[0.0, 1.0], [1.0, 0.0]]), 4, True).tolist() == \
        [[1] * 4, [0] * 4]


_HIST_DATA = [np.array([1.0, 2, 1]), np.random.default_rng(0).normal(0, 3, 200),
              np.array([1.0, 1.0]), np.array([]), np.array([0.0, 0.5, 1.0, 1.0, 2.0]),
              np.random.default_rng(1).integers(-5, 5, (4, 5)).astype(float)]


@pytest.mark.parametrize("k", range(len(_HIST_DATA)))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_histc_histogram_as_torch(k, dtype):
    a = _HIST_DATA[k]
    x, tx = mg.tensor(a, dtype=getattr(mg, dtype)), torch.tensor(a, dtype=getattr(torch, dtype))
    for bins, lo, hi in ((100, 0, 0), (4, 0, 3), (7, -2, 2), (1, 0, 0), (3, 1, 1)):
        _same(mg.histc(x, bins=bins, min=lo, max=hi), torch.histc(tx, bins=bins, min=lo, max=hi))
        _same(x.histc(bins, lo, hi), tx.histc(bins, lo, hi))
    w = np.cos(np.arange(a.size)).reshape(a.shape)
    for kw in ({}, {"bins": 4, "range": (0.0, 3.0)}, {"bins": 5, "density": True},
               {"bins": 3, "weight": w}, {"bins": 6, "range": (-1.0, 1.0), "weight": w,
                                          "density": True}):
        if a.size == 0 and kw.get("density"):
            continue
        mkw = {k2: mg.tensor(v, dtype=getattr(mg, dtype)) if k2 == "weight" else v
               for k2, v in kw.items()}
        tkw = {k2: torch.tensor(v, dtype=getattr(torch, dtype)) if k2 == "weight" else v
               for k2, v in kw.items()}
        got, want = mg.histogram(x, **mkw), torch.histogram(tx, **tkw)
        _same(got.hist, want.hist, rtol=1e-6)
        _same(got.bin_edges, want.bin_edges, rtol=1e-6)
        h, e = x.histogram(**mkw)
        _same(h, want[0], rtol=1e-6)
    edges = [0.0, 1.0, 2.5, 3.0]
    got = mg.histogram(x, bins=mg.tensor(edges, dtype=getattr(mg, dtype)))
    want = torch.histogram(tx, bins=torch.tensor(edges, dtype=getattr(torch, dtype)))
    _same(got.hist, want.hist)
    _same(got.bin_edges, want.bin_edges)


@pytest.mark.parametrize("wdt", [None, "float32", "float64", "int64", "int32"])
@pytest.mark.parametrize("idt", ["int64", "int32", "uint8"])
def test_bincount_as_torch(idt, wdt):
    a = np.array([1, 3, 1, 0, 7, 3, 3])
    x, tx = mg.tensor(a, dtype=getattr(mg, idt)), torch.tensor(a, dtype=getattr(torch, idt))
    w = None if wdt is None else np.linspace(-1, 2, a.size).round(2) * (wdt[0] == "f") + 1
    for minlength in (0, 3, 12):
        mw = None if w is None else mg.tensor(w, dtype=getattr(mg, wdt))
        tw = None if w is None else torch.tensor(w, dtype=getattr(torch, wdt))
        _same(mg.bincount(x, mw, minlength), torch.bincount(tx, tw, minlength), rtol=1e-6)
        _same(x.bincount(weights=mw, minlength=minlength), tx.bincount(tw, minlength),
              rtol=1e-6)
    _same(mg.bincount(mg.tensor([], dtype=mg.int64)), torch.bincount(torch.tensor([],
                                                                     dtype=torch.int64)))
