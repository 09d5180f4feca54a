"""Linear algebra side by side with PyTorch: mm, bmm, mv, dot, vdot, outer/ger, kron, matmul,
addmm/addmv/addbmm/baddbmm (beta, alpha, beta=0 ignoring NaN, in-place forms), einsum (string
and sublist forms, ellipsis, implicit output, diagonals, broadcasting), tril/triu, diagonal (a
view: shared storage, versions, writes through it), diag_embed, diag, trace, kron: values,
result dtypes and shapes, first and second order gradients at 1e-10, errors with torch's words."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch", reason="PyTorch is the specification these tests compare to")

_R = np.random.default_rng(0)


def _data(*shapes):
    return [_R.uniform(-2, 2, s) for s in shapes]


# name -> (fn(lib, *xs), shapes of the differentiated inputs)
CALLS = {
    "mm": (lambda L, a, b: L.mm(a, b), [(2, 3), (3, 4)]),
    "mm_method": (lambda L, a, b: a.mm(b), [(1, 3), (3, 1)]),
    "bmm": (lambda L, a, b: L.bmm(a, b), [(2, 3, 4), (2, 4, 2)]),
    "mv": (lambda L, a, b: L.mv(a, b), [(3, 4), (4,)]),
    "dot": (lambda L, a, b: L.dot(a, b), [(4,), (4,)]),
    "vdot": (lambda L, a, b: a.vdot(b), [(3,), (3,)]),
    "outer": (lambda L, a, b: L.outer(a, b), [(3,), (2,)]),
    "ger": (lambda L, a, b: a.ger(b), [(2,), (4,)]),
    "kron": (lambda L, a, b: L.kron(a, b), [(2, 3), (2, 2)]),
    "kron_ranks": (lambda L, a, b: a.kron(b), [(2,), (3, 2)]),
    "matmul_batched": (lambda L, a, b: L.matmul(a, b), [(2, 1, 3, 4), (3, 4, 2)]),
    "matmul_vec": (lambda L, a, b: a @ b, [(4,), (2, 4, 3)]),
    "addmm": (lambda L, x, a, b: L.addmm(x, a, b), [(2, 4), (2, 3), (3, 4)]),
    "addmm_scaled": (lambda L, x, a, b: L.addmm(x, a, b, beta=0.5, alpha=-2), [(4,), (2, 3),
                                                                               (3, 4)]),
    "addmm_beta0": (lambda L, x, a, b: x.addmm(a, b, beta=0, alpha=3), [(1, 4), (2, 3), (3, 4)]),
    "addmv": (lambda L, x, a, b: L.addmv(x, a, b, beta=2, alpha=0.5), [(3,), (3, 4), (4,)]),
    "addmv_beta0": (lambda L, x, a, b: x.addmv(a, b, beta=0), [(1,), (3, 4), (4,)]),
    "baddbmm": (lambda L, x, a, b: L.baddbmm(x, a, b, beta=0.7, alpha=1.5),
                [(3, 1), (2, 3, 4), (2, 4, 2)]),
    "baddbmm_beta0": (lambda L, x, a, b: x.baddbmm(a, b, beta=0), [(2, 3, 2), (2, 3, 4),
                                                                   (2, 4, 2)]),
    "addbmm": (lambda L, x, a, b: L.addbmm(x, a, b, alpha=2), [(3, 2), (2, 3, 4), (2, 4, 2)]),
    "einsum_mm": (lambda L, a, b: L.einsum("ij,jk->ik", a, b), [(2, 3), (3, 4)]),
    "einsum_implicit": (lambda L, a, b: L.einsum("bA,Ac", a, b), [(2, 3), (3, 2)]),
    "einsum_trace": (lambda L, a: L.einsum("ii", a), [(3, 3)]),
    "einsum_diag": (lambda L, a: L.einsum("ii->i", a), [(3, 3)]),
    "einsum_ellipsis": (lambda L, a, b: L.einsum("...ij,...jk->...ki", a, b),
                        [(2, 1, 2, 3), (3, 3, 2)]),
    "einsum_ellipsis_mid": (lambda L, a, b: L.einsum("a...b,b...->a", a, b), [(2, 3, 4), (4, 3)]),
    "einsum_broadcast": (lambda L, a, b: L.einsum("ij,jk", a, b), [(2, 1), (3, 2)]),
    "einsum_three": (lambda L, a, b, c: L.einsum("ii,ij,jk->ik", a, b, c), [(3, 3), (3, 4),
                                                                            (4, 2)]),
    "einsum_repeat_sum": (lambda L, a: L.einsum("iij->", a), [(2, 2, 3)]),
    "einsum_spaces_list": (lambda L, a, b: L.einsum("i j , j -> i", [a, b]), [(2, 3), (3,)]),
    "einsum_sublist": (lambda L, a, b: L.einsum(a, [0, 1], b, [1, 2], [0, 2]), [(2, 3), (3, 4)]),
    "einsum_sublist_ellipsis": (lambda L, a: L.einsum(a, [Ellipsis, 1], [1]), [(2, 3)]),
    "tril": (lambda L, a: L.tril(a), [(3, 4)]),
    "tril_batched": (lambda L, a: a.tril(diagonal=-1), [(2, 3, 3)]),
    "triu": (lambda L, a: L.triu(a, 1), [(4, 3)]),
    "triu_batched": (lambda L, a: a.triu(-2), [(2, 2, 3, 3)]),
    "diagonal": (lambda L, a: L.diagonal(a), [(3, 4)]),
    "diagonal_offset_dims": (lambda L, a: a.diagonal(1, 2, 0), [(3, 2, 4)]),
    "diagonal_negative": (lambda L, a: L.diagonal(a, offset=-1, dim1=-1, dim2=-2), [(2, 3, 3)]),
    "diagonal_empty": (lambda L, a: L.diagonal(a, 5), [(3, 3)]),
    "diag_embed": (lambda L, a: L.diag_embed(a), [(2, 3)]),
    "diag_embed_dims": (lambda L, a: a.diag_embed(1, 0, 2), [(2, 3)]),
    "diag_vector": (lambda L, a: L.diag(a, -1), [(3,)]),
    "diag_matrix": (lambda L, a: a.diag(1), [(3, 4)]),
    "trace": (lambda L, a: L.trace(a), [(3, 4)]),
}


def _run(lib, fn, xs, v):
    ts = [lib.tensor(x, dtype=lib.float64, requires_grad=True) for x in xs]
    out = fn(lib, *ts)
    gs = lib.autograd.grad(out, ts, lib.tensor(v, dtype=lib.float64), create_graph=True)
    total = sum((g * g * g).sum() for g in gs)
    ggs = (lib.autograd.grad(total, ts, allow_unused=True) if total.requires_grad
           else [None] * len(ts))
    return (out, [np.array(g.tolist()) for g in gs],
            [np.zeros(x.shape) if gg is None else np.array(gg.tolist()) for x, gg in zip(xs, ggs)])


@pytest.mark.parametrize("name", sorted(CALLS))
def test_values_and_first_and_second_order_gradients(name):
    """Values, dtype and shape, and gradients of both orders against torch at 1e-10."""
    fn, shapes = CALLS[name]
    xs = _data(*shapes)
    want = fn(torch, *[torch.tensor(x) for x in xs])
    v = _R.standard_normal(tuple(want.shape))
    got, g1, g2 = _run(mg, fn, xs, v)
    exp, e1, e2 = _run(torch, fn, xs, v)
    assert tuple(got.shape) == tuple(exp.shape) and str(got.dtype) == "float64"
    np.testing.assert_allclose(np.array(got.tolist()), np.array(exp.tolist()), rtol=1e-10,
                               atol=1e-12)
    for a, b in zip(g1 + g2, e1 + e2):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("dtype", ["float32", "int64", "int32"])
def test_other_dtypes(name, dtype):
    """float32 and integer inputs: the same values and result dtype as torch."""
    fn, shapes = CALLS[name]
    xs = [np.round(x * 2) for x in _data(*shapes)]
    try:
        want = fn(torch, *[torch.tensor(x, dtype=getattr(torch, dtype)) for x in xs])
    except RuntimeError as e:  # e.g. an integer einsum in torch does not exist: neither here
        with pytest.raises(RuntimeError):
            fn(mg, *[mg.tensor(x, dtype=getattr(mg, dtype)) for x in xs])
        del e
        return
    got = fn(mg, *[mg.tensor(x, dtype=getattr(mg, dtype)) for x in xs])
    assert str(got.dtype) == str(want.dtype).replace("torch.", "")
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(np.array(got.tolist()), np.array(want.tolist()), rtol=1e-6)


_R2 = lambda lib, *s, dt="float32": lib.ones(*s, dtype=getattr(lib, dt))  # noqa: E731

ERRORS = {
    "mm_vector": lambda L: L.mm(_R2(L, 3), _R2(L, 3, 3)),
    "mm_vector2": lambda L: L.mm(_R2(L, 3, 3), _R2(L, 3)),
    "mm_shapes": lambda L: L.mm(_R2(L, 3, 3), _R2(L, 4, 2)),
    "mm_dtype": lambda L: L.mm(_R2(L, 3, 3), _R2(L, 3, 3, dt="float64")),
    "mm_bool": lambda L: L.mm(_R2(L, 2, 2, dt="bool"), _R2(L, 2, 2, dt="bool")),
    "bmm_2d": lambda L: L.bmm(_R2(L, 3, 3), _R2(L, 3, 3)),
    "bmm_2d_second": lambda L: L.bmm(_R2(L, 2, 3, 3), _R2(L, 3, 3)),
    "bmm_shapes": lambda L: L.bmm(_R2(L, 2, 3, 3), _R2(L, 2, 4, 3)),
    "bmm_batch": lambda L: L.bmm(_R2(L, 2, 3, 3), _R2(L, 3, 3, 3)),
    "bmm_dtype": lambda L: L.bmm(_R2(L, 2, 3, 3), _R2(L, 2, 3, 3, dt="float64")),
    "bmm_bool": lambda L: L.bmm(_R2(L, 2, 3, 3, dt="bool"), _R2(L, 2, 3, 3, dt="bool")),
    "mv_matrix": lambda L: L.mv(_R2(L, 3, 3), _R2(L, 3, 3)),
    "mv_vector": lambda L: L.mv(_R2(L, 3), _R2(L, 3)),
    "mv_size": lambda L: L.mv(_R2(L, 3, 3), _R2(L, 4)),
    "mv_dtype": lambda L: L.mv(_R2(L, 3, 3), _R2(L, 3, dt="float64")),
    "mv_dtype2": lambda L: L.mv(_R2(L, 3, 3, dt="int64"), _R2(L, 3)),
    "mv_bool": lambda L: L.mv(_R2(L, 3, 3, dt="bool"), _R2(L, 3, dt="bool")),
    "dot_matrix": lambda L: L.dot(_R2(L, 3, 3), _R2(L, 3)),
    "dot_size": lambda L: L.dot(_R2(L, 3), _R2(L, 4)),
    "dot_dtype": lambda L: L.dot(_R2(L, 3), _R2(L, 3, dt="float64")),
    "dot_bool": lambda L: L.dot(_R2(L, 3, dt="bool"), _R2(L, 3, dt="bool")),
    "vdot_matrix": lambda L: L.vdot(_R2(L, 3, 3), _R2(L, 3)),
    "outer_matrix": lambda L: L.outer(_R2(L, 3, 3), _R2(L, 3)),
    "outer_matrix2": lambda L: L.outer(_R2(L, 3), _R2(L, 3, 1)),
    "matmul_0d": lambda L: L.matmul(L.tensor(1.0), _R2(L, 3, 3)),
    "matmul_vec_mat": lambda L: L.matmul(_R2(L, 4), _R2(L, 3, 3)),
    "matmul_mat_vec": lambda L: L.matmul(_R2(L, 3, 4), _R2(L, 3)),
    "matmul_3d_vec": lambda L: L.matmul(_R2(L, 2, 3, 4), _R2(L, 3)),
    "matmul_3d_2d": lambda L: L.matmul(_R2(L, 2, 3, 4), _R2(L, 3, 3)),
    "matmul_batched_k": lambda L: L.matmul(_R2(L, 2, 3, 4), _R2(L, 2, 3, 3)),
    "matmul_batch": lambda L: L.matmul(_R2(L, 2, 3, 4), _R2(L, 3, 4, 3)),
    "matmul_vecs": lambda L: L.matmul(_R2(L, 4), _R2(L, 3)),
    "matmul_dtype": lambda L: L.matmul(_R2(L, 3, 4), _R2(L, 4, dt="float64")),
    "matmul_dtype_vm": lambda L: L.matmul(_R2(L, 4), _R2(L, 4, 3, dt="float64")),
    "matmul_dtype_b": lambda L: L.matmul(_R2(L, 2, 3, 4), _R2(L, 2, 4, 3, dt="float64")),
    "matmul_bool": lambda L: L.matmul(_R2(L, 2, 3, 4, dt="bool"), _R2(L, 2, 4, 3, dt="bool")),
    "addmm_dtype": lambda L: L.addmm(_R2(L, 3, 3, dt="float64"), _R2(L, 3, 3), _R2(L, 3, 3)),
    "addmm_expand": lambda L: L.addmm(_R2(L, 4), _R2(L, 3, 3), _R2(L, 3, 3)),
    "addmm_expand_3d": lambda L: L.addmm(_R2(L, 2, 3, 3), _R2(L, 3, 3), _R2(L, 3, 3)),
    "addmm_inplace_shape": lambda L: _R2(L, 3, 3).addmm_(_R2(L, 3, 1), _R2(L, 1, 1)),
    "addmv_2d": lambda L: L.addmv(_R2(L, 3, 3), _R2(L, 3, 3), _R2(L, 3)),
    "addmv_size": lambda L: L.addmv(_R2(L, 2), _R2(L, 3, 3), _R2(L, 3)),
    "addmv_dtype": lambda L: L.addmv(_R2(L, 3, dt="float64"), _R2(L, 3, 3), _R2(L, 3)),
    "baddbmm_dtype": lambda L: L.baddbmm(_R2(L, 2, 3, 3, dt="float64"), _R2(L, 2, 3, 3),
                                         _R2(L, 2, 3, 3)),
    "baddbmm_expand": lambda L: L.baddbmm(_R2(L, 3, 3, 3), _R2(L, 2, 3, 3), _R2(L, 2, 3, 3)),
    "addbmm_dtype": lambda L: L.addbmm(_R2(L, 3, 3, dt="float64"), _R2(L, 2, 3, 3),
                                       _R2(L, 2, 3, 3)),
    "addbmm_expand": lambda L: L.addbmm(_R2(L, 4, 3), _R2(L, 2, 3, 3), _R2(L, 2, 3, 3)),
    "einsum_dtype": lambda L: L.einsum("ij,jk", _R2(L, 2, 2), _R2(L, 2, 2, dt="float64")),
    "einsum_broadcast": lambda L: L.einsum("ij,jk", _R2(L, 2, 2), _R2(L, 3, 2)),
    "einsum_repeat_size": lambda L: L.einsum("ii", _R2(L, 2, 3)),
    "einsum_ndim": lambda L: L.einsum("ij", _R2(L, 2, 3, 4)),
    "einsum_out_unknown": lambda L: L.einsum("ij->ik", _R2(L, 2, 3)),
    "einsum_out_twice": lambda L: L.einsum("ij->ii", _R2(L, 2, 3)),
    "einsum_few": lambda L: L.einsum("ij,jk->ik", _R2(L, 2, 3)),
    "einsum_subscript": lambda L: L.einsum("i1->", _R2(L, 2, 3)),
    "tril_1d": lambda L: L.tril(_R2(L, 3)),
    "triu_1d": lambda L: _R2(L, 3).triu(),
    "triu_inplace_1d": lambda L: _R2(L, 3).triu_(),
    "diagonal_same": lambda L: L.diagonal(_R2(L, 3, 3), 0, 0, 0),
    "diagonal_range": lambda L: L.diagonal(_R2(L, 3, 3), 0, 0, 2),
    "diagonal_0d": lambda L: L.tensor(3.0).diagonal(),
    "diag_embed_same": lambda L: L.diag_embed(_R2(L, 3, 3), 0, 0, 0),
    "diag_embed_0d": lambda L: L.diag_embed(L.tensor(2.0)),
    "diag_3d": lambda L: L.diag(_R2(L, 2, 3, 3)),
    "diag_0d": lambda L: L.diag(L.tensor(3.0)),
    "trace_3d": lambda L: L.trace(_R2(L, 2, 3, 3)),
    "trace_bool": lambda L: L.trace(_R2(L, 2, 2, dt="bool")),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_as_torch(name):
    """The same exception type and message as torch (up to torch's trailing details)."""
    with pytest.raises(Exception) as want:
        ERRORS[name](torch)
    with pytest.raises(type(want.value)) as got:
        ERRORS[name](mg)
    assert str(got.value) == str(want.value), (str(got.value), str(want.value))


@pytest.mark.parametrize("lib", ["torch", "minigrad"])
def test_beta_zero_ignores_nan_and_inf(lib):
    """With beta=0 input's NaN/inf are not propagated; its gradient is zero, as torch's."""
    L = torch if lib == "torch" else mg
    x = L.tensor([[float("nan"), float("inf")]], dtype=L.float64, requires_grad=True)
    a = L.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=L.float64, requires_grad=True)
    out = L.addmm(x, a, a, beta=0)
    assert np.isfinite(np.array(out.tolist())).all()
    out.sum().backward()
    np.testing.assert_array_equal(np.array(x.grad.tolist()), np.zeros((1, 2)))
    nan_b = L.tensor([float("nan")] * 2, dtype=L.float64)
    assert np.isfinite(np.array(L.addmv(nan_b, a.detach(), a.detach()[0], beta=0).tolist())).all()
    nan_3 = L.full((2, 2, 2), float("nan"), dtype=L.float64)
    b = L.ones(2, 2, 2, dtype=L.float64)
    assert np.isfinite(np.array(L.baddbmm(nan_3, b, b, beta=0).tolist())).all()
    assert np.isfinite(np.array(L.addbmm(nan_3[0], b, b, beta=0).tolist())).all()


def _inplace_scenario(L):
    w = L.tensor(np.cos(np.arange(9.0)).reshape(3, 3).tolist(), dtype=L.float64,
                 requires_grad=True)
    a = L.tensor([[0.5, -1.0, 2.0]] * 3, dtype=L.float64, requires_grad=True)
    y = w * 2
    y.addmm_(a, w, beta=0.5, alpha=2)
    y.tril_(-1)
    z = y * 1
    z.triu_(diagonal=-1)
    v = L.ones(3, dtype=L.float64) * 1
    v.addmv_(w, a[0], alpha=-1)
    b = L.ones(2, 3, 3, dtype=L.float64) * 1
    b.baddbmm_(L.stack([w, a]), L.stack([a, w]), beta=2)
    c = w * 1
    c.addbmm_(L.stack([w, a]), L.stack([a, w]), beta=0)
    loss = (z * z).sum() + (v * v).sum() + (b ** 3).sum() + (c * w).sum()
    gw, ga = L.autograd.grad(loss, [w, a], create_graph=True)
    (gg,) = L.autograd.grad((gw * gw).sum() + (ga * ga).sum(), [w])
    return [np.array(t.tolist()) for t in (z, v, b, c, gw, ga, gg)]


def test_inplace_methods_and_their_gradients():
    """addmm_, addmv_, baddbmm_, addbmm_, tril_, triu_ on non-leaves: values and gradients of
    both orders as torch's."""
    for got, want in zip(_inplace_scenario(mg), _inplace_scenario(torch)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_inplace_refuses_leaf_and_bumps_version():
    w = mg.ones(2, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w.tril_()
    x = mg.ones(2, 2)
    x.addmm_(x.clone(), x.clone())
    assert x._version == 1 and x.tolist() == [[3.0, 3.0], [3.0, 3.0]]
    x.triu_(1)
    assert x._version == 2 and x.tolist() == [[0.0, 3.0], [0.0, 0.0]]


def _view_scenario(L):
    base = L.tensor(np.arange(12.0).reshape(3, 4).tolist(), dtype=L.float64, requires_grad=True)
    y = base * 1
    d = y.diagonal(1)
    v0 = y._version
    d.mul_(3)  # through the view: the base changes and records it
    d2 = L.diagonal(y, -1, 1, 0)
    d2[0] = 7.0
    out = (y ** 2).sum() + (d * d2).sum()
    (g,) = L.autograd.grad(out, base, create_graph=True)
    (gg,) = L.autograd.grad((g * g).sum(), base)
    return (np.array(y.tolist()), y._version - v0, d._version == y._version, np.array(g.tolist()),
            np.array(gg.tolist()))


def test_diagonal_is_a_view():
    """Shared storage and version counter; writes through it reach the base and its gradient."""
    x = mg.zeros(3, 3)
    d = x.diagonal()
    assert d._base is x and np.shares_memory(d.numpy(), x.numpy())
    d.fill_(1.0)
    assert x.tolist() == np.eye(3).tolist() and x._version == d._version == 1
    assert mg.diag(x)._base is None  # diag of a matrix is a copy, as torch's
    for got, want in zip(_view_scenario(mg), _view_scenario(torch)):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_saved_operand_changed_in_place_is_caught():
    a = mg.ones(2, 2, requires_grad=True)
    b = mg.ones(2, 2) * 1
    out = mg.einsum("ij,jk->ik", a, b)
    b.diagonal().mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_einsum_sublist_errors_and_names():
    with pytest.raises(ValueError):
        mg.einsum(mg.ones(2), [60])
    assert mg.ger is mg.outer and mg.Tensor.ger is mg.Tensor.outer
