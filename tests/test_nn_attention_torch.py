"""``nn.MultiheadAttention`` side by side with torch: the same weights give the same outputs,
attention weights and gradients (inputs and parameters) for batch_first and sequence-first,
unbatched input, bool and float masks, key padding, separate key/value sizes, bias_kv and
zero attention; the same parameter names, default initialisation and repr."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch", reason="PyTorch is the specification these tests compare to")
RNG = np.random.default_rng(5)
pytestmark = pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")


def _pair(**kw):
    m, t = mg.nn.MultiheadAttention(**kw), torch.nn.MultiheadAttention(**kw)
    assert repr(m) == repr(t)
    assert list(m.state_dict()) == list(t.state_dict())
    with torch.no_grad():
        for p in t.parameters():
            p.copy_(torch.tensor(RNG.uniform(-0.5, 0.5, tuple(p.shape))))
    m.load_state_dict({k: mg.tensor(v.numpy()) for k, v in t.state_dict().items()})
    return m, t


def _run(mod, lib, arrays, masks, **kw):
    ins = [lib.tensor(a, requires_grad=True) for a in arrays]
    ms = {k: (None if v is None else lib.tensor(v)) for k, v in masks.items()}
    out, w = mod(*ins, **ms, **kw)
    v = np.random.default_rng(0).standard_normal(tuple(out.shape)).astype(np.float32)
    (out * lib.tensor(v)).sum().backward()
    grads = [x.grad.numpy() for x in ins] + [p.grad.numpy() for p in mod.parameters()]
    return out.detach().numpy(), None if w is None else w.detach().numpy(), grads


CASES = [
    ({"batch_first": True}, {}, {}),
    ({}, {}, {}),
    ({"batch_first": True, "bias": False}, {}, {"average_attn_weights": False}),
    ({"batch_first": True}, {"attn_mask": "bool"}, {}),
    ({"batch_first": True}, {"attn_mask": "float", "key_padding_mask": "bool"}, {}),
    ({"batch_first": True}, {"key_padding_mask": "float"}, {"need_weights": False}),
    ({"batch_first": True, "kdim": 3, "vdim": 5}, {}, {}),
    ({"batch_first": True, "add_bias_kv": True, "add_zero_attn": True},
     {"attn_mask": "bool", "key_padding_mask": "bool"}, {}),
    ({"batch_first": True}, {"attn_mask": "heads"}, {}),
]


@pytest.mark.parametrize("unbatched", [False, True])
@pytest.mark.parametrize("kw,masks,call", CASES)
def test_multihead_attention_matches_torch(kw, masks, call, unbatched):
    n, big_l, s, e, h = 2, 3, 4, 6, 2
    m, t = _pair(embed_dim=e, num_heads=h, **kw)
    kd, vd = kw.get("kdim", e), kw.get("vdim", e)
    shape = (lambda a, b: (n, a, b)) if kw.get("batch_first") else (lambda a, b: (a, n, b))
    arrays = [RNG.standard_normal(shape(big_l, e)), RNG.standard_normal(shape(s, kd)),
              RNG.standard_normal(shape(s, vd))]
    mk = {}
    if masks.get("attn_mask") == "bool":
        am = RNG.uniform(size=(big_l, s)) > 0.6
        am[:, 0] = False
        mk["attn_mask"] = am
    elif masks.get("attn_mask") == "float":
        mk["attn_mask"] = RNG.standard_normal((big_l, s)).astype(np.float32)
    elif masks.get("attn_mask") == "heads":
        mk["attn_mask"] = RNG.standard_normal(((1 if unbatched else n) * h, big_l, s)).astype(
            np.float32)
    kpm = masks.get("key_padding_mask")
    if kpm:
        pad = np.zeros((n, s), bool)
        pad[1, -1] = True
        mk["key_padding_mask"] = pad if kpm == "bool" else np.where(pad, -5.0, 0.0).astype(
            np.float32)
    if unbatched:
        arrays = [a[0] if kw.get("batch_first") else a[:, 0] for a in arrays]
        if "key_padding_mask" in mk:
            mk["key_padding_mask"] = mk["key_padding_mask"][1]
    arrays = [a.astype(np.float32) for a in arrays]
    om, wm, gm = _run(m, mg, arrays, mk, **call)
    ot, wt, gt = _run(t, torch, arrays, mk, **call)
    np.testing.assert_allclose(om, ot, rtol=1e-4, atol=1e-5)
    assert (wm is None) == (wt is None)
    if wt is not None:
        np.testing.assert_allclose(wm, wt, rtol=1e-4, atol=1e-6)
    for a, b in zip(gm, gt):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_default_init_and_errors():
    m = mg.nn.MultiheadAttention(64, 4)
    w = m.in_proj_weight.detach().numpy()
    bound = np.sqrt(6.0 / (64 + 192))  # xavier_uniform_ of (3E, E)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert not m.in_proj_bias.detach().numpy().any()
    assert not m.out_proj.bias.detach().numpy().any()
    with pytest.raises(AssertionError, match="divisible"):
        mg.nn.MultiheadAttention(6, 4)
    x = mg.randn(3, 2, 64)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        m(x, x, x, is_causal=True)


def test_dropout_only_in_training():
    m = mg.nn.MultiheadAttention(4, 2, dropout=0.5, batch_first=True)
    x = mg.randn(2, 3, 4)
    m.eval()
    a, b = m(x, x, x)[0].detach(), m(x, x, x)[0].detach()
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    m.train()
    mg.manual_seed(1)
    c = m(x, x, x)[0].detach()
    mg.manual_seed(1)
    np.testing.assert_array_equal(c.numpy(), m(x, x, x)[0].detach().numpy())
    assert not np.allclose(c.numpy(), a.numpy())
