"""Distances, embeddings, normalisation layers, Unflatten and scaled-dot-product attention of
``minigrad.nn`` side by side with torch: values, dtypes, shapes, gradients of first and second
order, in-place renormalisation, errors, default initialisation, state_dict names and reprs."""

from __future__ import annotations

import numpy as np
import pytest
from nn_side_by_side import compare, raises_like

import minigrad as mg

torch = pytest.importorskip("torch", reason="PyTorch is the specification these tests compare to")
RNG = np.random.default_rng(11)


def _r(*shape):
    return RNG.standard_normal(shape)


@pytest.mark.parametrize("s1,s2,dim", [((4, 3), (4, 3), 1), ((4, 3), (3,), -1),
                                       ((2, 1, 5), (3, 5), 2), ((2, 3, 4), (2, 3, 4), 0),
                                       ((5,), (5,), 0)])
def test_cosine_similarity(s1, s2, dim):
    compare(torch, lambda lib, a, b: lib.nn.functional.cosine_similarity(a, b, dim), _r(*s1),
            _r(*s2))


def test_cosine_similarity_of_tiny_and_zero_vectors_clamps_outside_the_graph():
    a = np.array([[1e-9, 2e-9, 0.0], [0.0, 0.0, 0.0], [1.0, 2.0, 3.0]])
    b = np.array([[1.0, -1.0, 2.0], [1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    # first order only: torch's second order through a zero vector's norm is NaN, minigrad's 0
    compare(torch, lambda lib, a, b: lib.nn.functional.cosine_similarity(a, b), a, b,
            second=False)
    compare(torch, lambda lib, a, b: lib.nn.functional.cosine_similarity(a, b, eps=0.5), a, b,
            second=False)
    compare(torch, lambda lib, a, b: lib.nn.functional.cosine_similarity(a, b, eps=0.5), a[:1],
            b[:1])


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, float("inf")])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("s1,s2", [((4, 3), (4, 3)), ((4, 3), (3,)), ((2, 3, 4), (3, 4)),
                                   ((5,), (5,))])
def test_pairwise_distance(p, keepdim, s1, s2):
    compare(torch, lambda lib, a, b: lib.nn.functional.pairwise_distance(a, b, p, 1e-6, keepdim),
            _r(*s1), _r(*s2))


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("shape,dim", [((4, 3), 1), ((4, 3), 0), ((2, 3, 4), -1), ((5,), 0)])
def test_normalize(p, shape, dim):
    x = _r(*shape)
    compare(torch, lambda lib, x: lib.nn.functional.normalize(x, p, dim), x)
    x[0] = 0.0  # a zero row/column: the clamp to eps (torch's second order there is NaN)
    compare(torch, lambda lib, x: lib.nn.functional.normalize(x, p, dim), x, second=False)


def test_distance_modules():
    for m, t in [(mg.nn.CosineSimilarity(0, 1e-6), torch.nn.CosineSimilarity(0, 1e-6)),
                 (mg.nn.PairwiseDistance(1.0, keepdim=True),
                  torch.nn.PairwiseDistance(1.0, keepdim=True))]:
        assert repr(m) == repr(t)
        compare(torch, lambda lib, a, b, m=m, t=t: (m if lib is mg else t)(a, b), _r(3, 4),
                _r(3, 4))


# ---------------------------------------------------------------- embedding


@pytest.mark.parametrize("kw", [{}, {"padding_idx": 2}, {"padding_idx": -1},
                                {"scale_grad_by_freq": True},
                                {"padding_idx": 0, "scale_grad_by_freq": True}])
@pytest.mark.parametrize("ishape", [(5,), (2, 3), ()])
def test_embedding_values_and_gradients(kw, ishape):
    idx = RNG.integers(0, 6, ishape)
    if idx.size > 1:
        idx.flat[:2] = [2, 5]  # the padding rows, and a repeat
        idx.flat[-1] = 2

    def fn(lib, w):
        return lib.nn.functional.embedding(lib.tensor(idx), w * w, **kw)  # w * w: second order

    compare(torch, fn, _r(6, 4))


def test_embedding_max_norm_renormalises_looked_up_rows_in_place():
    for norm_type in (2.0, 1.0):
        w = _r(6, 3) * 3
        wm, wt = mg.tensor(w), torch.tensor(w)
        idx = np.array([[0, 2], [2, 5]])
        om = mg.nn.functional.embedding(mg.tensor(idx), wm, max_norm=1.5, norm_type=norm_type)
        ot = torch.nn.functional.embedding(torch.tensor(idx), wt, max_norm=1.5,
                                           norm_type=norm_type)
        np.testing.assert_allclose(wm.numpy(), wt.numpy(), rtol=1e-12)
        np.testing.assert_allclose(om.numpy(), ot.numpy(), rtol=1e-12)
        assert wm._version > 0


@pytest.mark.parametrize("fn", [
    lambda lib, w: lib.nn.functional.embedding(lib.tensor([0, 6]), w),
    lambda lib, w: lib.nn.functional.embedding(lib.tensor([-1]), w),
    lambda lib, w: lib.nn.functional.embedding(lib.tensor([0.0]), w),
    lambda lib, w: lib.nn.Embedding(3, 2, padding_idx=3),
    lambda lib, w: lib.nn.Embedding(3, 2, padding_idx=-4),
])  # fmt: skip
def test_embedding_errors(fn):
    raises_like(torch, fn, _r(6, 4))


@pytest.mark.parametrize("kw", [{}, {"padding_idx": 1}, {"max_norm": 1.0, "norm_type": 1.0},
                                {"scale_grad_by_freq": True}])
def test_embedding_module(kw):
    mg.manual_seed(0)
    m, t = mg.nn.Embedding(10, 3, **kw), torch.nn.Embedding(10, 3, **kw)
    assert repr(m) == repr(t)
    assert list(m.state_dict()) == list(t.state_dict())
    w = m.weight.detach().numpy()
    if "padding_idx" in kw:
        assert (w[1] == 0).all()
    big = mg.nn.Embedding(400, 50).weight.detach().numpy()  # N(0, 1), as torch
    assert abs(big.mean()) < 0.02 and abs(big.std() - 1.0) < 0.02
    t.weight.data = torch.tensor(w)
    idx = np.array([[1, 2, 1], [9, 0, 1]])
    om, ot = m(mg.tensor(idx)), t(torch.tensor(idx))
    np.testing.assert_allclose(om.detach().numpy(), ot.detach().numpy(), rtol=1e-6)
    om.sum().backward()
    ot.sum().backward()
    np.testing.assert_allclose(m.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-6)


def test_embedding_from_pretrained():
    w = _r(4, 3).astype(np.float32)
    for freeze in (True, False):
        m = mg.nn.Embedding.from_pretrained(mg.tensor(w), freeze=freeze, padding_idx=1)
        t = torch.nn.Embedding.from_pretrained(torch.tensor(w), freeze=freeze, padding_idx=1)
        assert repr(m) == repr(t)
        assert m.weight.requires_grad == t.weight.requires_grad == (not freeze)
        np.testing.assert_array_equal(m.weight.detach().numpy(), w)  # padding row kept
    raises_like(torch, lambda lib, w: lib.nn.Embedding.from_pretrained(w[0]), w)


# ---------------------------------------------------------------- normalisation


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape,norm", [((4, 5), 5), ((2, 3, 4), (3, 4)), ((2, 3, 4), [4]),
                                        ((6,), (6,)), ((3, 1), 1)])
@pytest.mark.parametrize("affine", ["wb", "w", "b", ""])
def test_layer_norm(shape, norm, affine, dtype):
    ns = (norm,) if isinstance(norm, int) else tuple(norm)
    w, b = RNG.uniform(0.5, 2, ns), _r(*ns)

    def fn(lib, x, w, b):
        return lib.nn.functional.layer_norm(x, norm, w if "w" in affine else None,
                                            b if "b" in affine else None, eps=1e-5)

    if isinstance(norm, int):  # F.layer_norm takes a tuple or list only (the module an int too)
        raises_like(torch, fn, _r(*shape), w, b)
        return
    # torch's double backward fails with a bias and no weight: first order there
    compare(torch, fn, _r(*shape) * 3 + 1, w, b, dtype=dtype, second=affine != "b")


@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.nn.functional.layer_norm(x, (4,)),
    lambda lib, x: lib.nn.functional.layer_norm(x, (3,), lib.ones(4, dtype=x.dtype)),
    lambda lib, x: lib.nn.functional.group_norm(x, 2),
    lambda lib, x: lib.nn.functional.rms_norm(x, (2,)),
])  # fmt: skip
def test_norm_errors(fn):
    raises_like(torch, fn, _r(2, 3))


@pytest.mark.parametrize("kw", [{}, {"elementwise_affine": False}, {"bias": False},
                                {"eps": 1e-3}])
def test_layer_norm_module(kw):
    m, t = mg.nn.LayerNorm((3, 4), **kw), torch.nn.LayerNorm((3, 4), **kw)
    assert repr(m) == repr(t)
    _same_params_and_forward(m, t, _r(2, 3, 4))


def _same_params_and_forward(m, t, x):
    assert list(m.state_dict()) == list(t.state_dict())
    for k, v in t.state_dict().items():
        np.testing.assert_array_equal(m.state_dict()[k].numpy(), v.numpy(), err_msg=k)
        assert str(m.state_dict()[k].dtype) == str(v.dtype).replace("torch.", "")
    with torch.no_grad():
        for p in t.parameters():
            p.copy_(torch.tensor(RNG.uniform(0.5, 2.0, tuple(p.shape))))
    m.load_state_dict({k: mg.tensor(v.numpy()) for k, v in t.state_dict().items()})
    compare(torch, lambda lib, x: (m if lib is mg else t)(x), x, dtype="float32", second=False)


@pytest.mark.parametrize("shape,groups", [((2, 4), 2), ((3, 6, 5), 3), ((2, 4, 2, 3), 1),
                                          ((2, 4, 3), 4)])
@pytest.mark.parametrize("affine", [True, False])
def test_group_norm(shape, groups, affine):
    c = shape[1]
    w, b = RNG.uniform(0.5, 2, c), _r(c)

    def fn(lib, x, w, b):
        return lib.nn.functional.group_norm(x, groups, w if affine else None,
                                            b if affine else None)

    compare(torch, fn, _r(*shape) * 2 - 1, w, b)
    m, t = mg.nn.GroupNorm(groups, c, affine=affine), torch.nn.GroupNorm(groups, c, affine=affine)
    assert repr(m) == repr(t)
    _same_params_and_forward(m, t, _r(*shape))


@pytest.mark.parametrize("eps", [None, 1e-3])
@pytest.mark.parametrize("shape,norm", [((4, 5), 5), ((2, 3, 4), (3, 4))])
def test_rms_norm(shape, norm, eps):
    ns = (norm,) if isinstance(norm, int) else norm
    w = RNG.uniform(0.5, 2, ns)
    for dtype in ("float64", "float32"):
        compare(torch, lambda lib, x, w: lib.nn.functional.rms_norm(x, ns, w, eps), _r(*shape),
                w, dtype=dtype)
    m, t = mg.nn.RMSNorm(norm, eps), torch.nn.RMSNorm(norm, eps)
    assert repr(m) == repr(t)
    _same_params_and_forward(m, t, _r(*shape))


@pytest.mark.parametrize("dim,sizes,shape", [(1, (2, 3), (4, 6)), (-1, (2, -1), (3, 4, 8)),
                                             (0, [2, 2], (4, 3))])
def test_unflatten_and_flatten(dim, sizes, shape):
    m, t = mg.nn.Unflatten(dim, sizes), torch.nn.Unflatten(dim, sizes)
    assert repr(m) == repr(t)
    compare(torch, lambda lib, x: (m if lib is mg else t)(x), _r(*shape), second=False)
    raises_like(torch, lambda lib, x: (m if lib is mg else t)(x), _r(5, 5, 5))
    f, tf = mg.nn.Flatten(0, 1), torch.nn.Flatten(0, 1)
    assert repr(f) == repr(tf)
    compare(torch, lambda lib, x: (f if lib is mg else tf)(x), _r(*shape), second=False)


# ---------------------------------------------------------------- attention


@pytest.mark.parametrize("mask", [None, "bool", "float", "causal", "bool_row"])
@pytest.mark.parametrize("lead,l_,s_,e,ev", [((2, 3), 4, 5, 8, 6), ((), 3, 3, 4, 4),
                                             ((2,), 5, 3, 2, 3)])
@pytest.mark.parametrize("scale", [None, 0.3])
def test_scaled_dot_product_attention(mask, lead, l_, s_, e, ev, scale):
    q, k, v = _r(*lead, l_, e), _r(*lead, s_, e), _r(*lead, s_, ev)
    m = None
    if mask in ("bool", "bool_row"):
        m = RNG.uniform(size=(l_, s_)) > 0.4
        m[:, 0] = True  # no row fully masked (torch's answer there is backend-defined)
        if mask == "bool_row":
            m = m[:1]  # broadcast over the queries
    elif mask == "float":
        m = _r(*lead, l_, s_)

    def fn(lib, q, k, v, *mm):
        am = lib.tensor(m) if mask in ("bool", "bool_row") else (mm[0] if mm else None)
        return lib.nn.functional.scaled_dot_product_attention(
            q, k, v, attn_mask=am, is_causal=mask == "causal", scale=scale)

    extra = (m,) if mask == "float" else ()
    compare(torch, fn, q, k, v, *extra)
    compare(torch, fn, q, k, v, *extra, dtype="float32", second=False)


def test_sdpa_grouped_query_heads_and_errors():
    q, k, v = _r(2, 6, 4, 3), _r(2, 2, 5, 3), _r(2, 2, 5, 3)
    compare(torch, lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(
        q, k, v, enable_gqa=True), q, k, v, second=False)  # torch: no double backward here
    raises_like(torch, lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(
        q, k, v, attn_mask=lib.ones(4, 5, dtype=lib.bool), is_causal=True), q, k[:, :1], v[:, :1])


def test_sdpa_dropout_comes_from_the_seeded_generator():
    q, k, v = (mg.tensor(_r(2, 4, 3)) for _ in range(3))
    sdpa = mg.nn.functional.scaled_dot_product_attention
    mg.manual_seed(3)
    a = sdpa(q, k, v, dropout_p=0.5)
    mg.manual_seed(3)
    b = sdpa(q, k, v, dropout_p=0.5)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.allclose(a.numpy(), sdpa(q, k, v).numpy())
    np.testing.assert_array_equal(sdpa(q, k, v, dropout_p=1.0).numpy(), 0.0)
