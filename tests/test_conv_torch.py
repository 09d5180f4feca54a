"""Convolution and pooling side by side with PyTorch: values, dtypes, shapes, first- and
second-order gradients over many configurations, layer defaults and init, and the errors
torch raises for bad arguments."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(1234)


def _fn(lib, name):
    return getattr(lib.nn.functional, name)


def _side_by_side(call, arrays, second=True, rtol=1e-9):
    """``call(lib, *tensors)`` on both libraries in float64: output, d(out . v)/d(inputs) and
    the gradient of the squared first gradients (second order) must agree."""
    results = []
    v = None
    for lib in (torch, mg):
        xs = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
        out = call(lib, *xs)
        if v is None:
            v = np.random.default_rng(7).standard_normal(tuple(out.shape))
        loss = (out * lib.tensor(v, dtype=lib.float64)).sum()
        grads = lib.autograd.grad(loss, xs, create_graph=second, allow_unused=True)
        res = {"out": out, **{f"g{i}": g for i, g in enumerate(grads) if g is not None}}
        if second:
            s = sum((g * g).sum() for g in grads if g is not None and g.requires_grad)
            if not isinstance(s, int):
                gg = lib.autograd.grad(s, xs, allow_unused=True)
                res.update({f"gg{i}": g for i, g in enumerate(gg) if g is not None})
        results.append(res)
    t, m = results
    for one, other in ((t, m), (m, t)):  # a gradient one side leaves out must be zero there
        for k in set(one) - set(other):
            assert not np.any(one[k].detach().numpy()), k
    for k in set(t) & set(m):
        assert tuple(m[k].shape) == tuple(t[k].shape), k
        assert str(m[k].dtype) == str(t[k].dtype).replace("torch.", ""), k
        np.testing.assert_allclose(m[k].detach().numpy(), t[k].detach().numpy(), rtol=rtol,
                                   atol=rtol, err_msg=k)


def _conv_configs(n):
    rng = np.random.default_rng(5)
    out = []
    for _ in range(n):
        g = int(rng.choice([1, 1, 2, 3]))
        cin, cout = g * int(rng.integers(1, 3)), g * int(rng.integers(1, 3))
        k = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        s = (int(rng.integers(1, 3)), int(rng.integers(1, 4)))
        d = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
        p = (int(rng.integers(0, 3)), int(rng.integers(0, 2)))
        h = max(d[0] * (k[0] - 1) + 1 - 2 * p[0], 1) + int(rng.integers(0, 4))
        w = max(d[1] * (k[1] - 1) + 1 - 2 * p[1], 1) + int(rng.integers(0, 4))
        out.append((int(rng.integers(1, 3)), cin, cout, h, w, k, s, p, d, g,
                    bool(rng.integers(0, 2))))
    return out


@pytest.mark.parametrize("cfg", _conv_configs(40))
def test_conv2d_values_and_gradients(cfg):
    n, cin, cout, h, w, k, s, p, d, g, bias = cfg
    arrays = [RNG.standard_normal((n, cin, h, w)), RNG.standard_normal((cout, cin // g) + k)]
    if bias:
        arrays.append(RNG.standard_normal(cout))
    _side_by_side(lambda lib, *t: _fn(lib, "conv2d")(*t[:2], t[2] if bias else None,
                                                      stride=s, padding=p, dilation=d,
                                                      groups=g), arrays)


@pytest.mark.parametrize("k,d", [((2, 2), (1, 1)), ((4, 3), (1, 2)), ((2, 5), (3, 1)),
                                 ((3, 3), (1, 1))])
@pytest.mark.parametrize("padding", ["same", "valid"])
def test_conv2d_string_padding_even_kernels(k, d, padding):
    arrays = [RNG.standard_normal((2, 2, 9, 10)), RNG.standard_normal((3, 2) + k)]
    _side_by_side(lambda lib, x, w: _fn(lib, "conv2d")(x, w, padding=padding, dilation=d),
                  arrays)


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [1, (2, 1), "same", (0, 3)])
def test_conv2d_padding_modes(mode, padding):
    torch.manual_seed(0)
    kernel = (2, 4) if padding == "same" else 3
    tl = torch.nn.Conv2d(2, 3, kernel, padding=padding, padding_mode=mode, dtype=torch.float64)
    ml = mg.nn.Conv2d(2, 3, kernel, padding=padding, padding_mode=mode, dtype=mg.float64)
    w, b = tl.weight.detach().numpy(), tl.bias.detach().numpy()

    def call(lib, x, wt, bt):
        layer = tl if lib is torch else ml
        for name, t in (("weight", wt), ("bias", bt)):  # plain tensors, so gradients flow to them
            delattr(layer, name)
            setattr(layer, name, t)
        return layer(x)

    _side_by_side(call, [RNG.standard_normal((2, 2, 5, 6)), w, b])
    assert repr(ml) == repr(tl)


@pytest.mark.parametrize("cfg", [(1, 1, 1, 0), (2, 2, 2, 1), (3, 1, 1, 2), (1, 2, 1, 1),
                                 (2, 3, 2, 0)])
def test_conv1d_values_and_gradients(cfg):
    g, s, d, p = cfg
    arrays = [RNG.standard_normal((2, 2 * g, 11)), RNG.standard_normal((3 * g, 2, 3)),
              RNG.standard_normal(3 * g)]
    _side_by_side(lambda lib, x, w, b: _fn(lib, "conv1d")(x, w, b, s, p, d, g), arrays)
    _side_by_side(lambda lib, x, w: _fn(lib, "conv1d")(x, w, padding="same"),
                  [RNG.standard_normal((2, 3, 7)), RNG.standard_normal((2, 3, 4))])


@pytest.mark.parametrize("cfg", [((3, 3), (1, 1), (0, 0), (0, 0), 1, (1, 1)),
                                 ((3, 2), (2, 2), (1, 0), (1, 1), 1, (1, 1)),
                                 ((2, 2), (3, 2), (1, 1), (2, 0), 2, (1, 2)),
                                 ((3, 3), (1, 1), (1, 1), (1, 0), 1, (2, 2)),
                                 ((1, 4), (2, 1), (0, 1), (0, 0), 3, (1, 1))])
def test_conv_transpose2d_values_and_gradients(cfg):
    k, s, p, op, g, d = cfg
    arrays = [RNG.standard_normal((2, 2 * g, 4, 5)), RNG.standard_normal((2 * g, 2) + k),
              RNG.standard_normal(2 * g)]
    _side_by_side(lambda lib, x, w, b: _fn(lib, "conv_transpose2d")(
        x, w, b, stride=s, padding=p, output_padding=op, groups=g, dilation=d), arrays)


def test_conv_transpose2d_layer_output_size():
    torch.manual_seed(1)
    tl = torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, dtype=torch.float64)
    ml = mg.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, dtype=mg.float64)
    ml.load_state_dict({k: mg.tensor(v.numpy()) for k, v in tl.state_dict().items()})
    x = RNG.standard_normal((1, 2, 4, 4))
    for size in (None, (8, 8), (7, 8)):
        np.testing.assert_allclose(ml(mg.tensor(x), output_size=size).detach().numpy(),
                                   tl(torch.tensor(x), output_size=size).detach().numpy(),
                                   rtol=1e-12)
    with pytest.raises(ValueError):
        ml(mg.tensor(x), output_size=(10, 10))
    assert repr(ml) == repr(tl)


def _pool_configs():
    out = []
    for k, s, p, d, ceil in [(2, None, 0, 1, False), (3, 2, 1, 1, False), (3, 2, 1, 1, True),
                             ((2, 3), (1, 2), (1, 1), 1, True), (2, 3, 0, 1, True),
                             (3, 1, 0, 2, False), ((3, 2), 2, (1, 0), (2, 1), True),
                             (1, 1, 0, 1, False), (4, 3, 2, 1, True)]:
        out.append((k, s, p, d, ceil))
    return out


@pytest.mark.parametrize("cfg", _pool_configs())
def test_max_pool2d_values_gradients_and_indices(cfg):
    k, s, p, d, ceil = cfg
    x = RNG.standard_normal((2, 3, 7, 8))
    _side_by_side(lambda lib, t: _fn(lib, "max_pool2d")(t, k, s, p, d, ceil), [x])
    mo, mi = mg.nn.functional.max_pool2d(mg.tensor(x), k, s, p, d, ceil, return_indices=True)
    to, ti = torch.nn.functional.max_pool2d(torch.tensor(x), k, s, p, d, ceil,
                                            return_indices=True)
    np.testing.assert_array_equal(mi.numpy(), ti.numpy())
    assert mi.dtype == mg.int64 and mo.shape == tuple(to.shape)


def test_max_pool2d_ties_route_to_the_first_maximum():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 1:3, 1:3] = 1.0  # ties inside and across windows
    for k, s in ((2, 2), (3, 1), (2, 1)):
        _side_by_side(lambda lib, t, k=k, s=s: _fn(lib, "max_pool2d")(t, k, s), [x], second=False)
        _, mi = mg.nn.functional.max_pool2d(mg.tensor(x), k, s, return_indices=True)
        _, ti = torch.nn.functional.max_pool2d(torch.tensor(x), k, s, return_indices=True)
        np.testing.assert_array_equal(mi.numpy(), ti.numpy())
    nan = np.array([[[[1.0, np.nan, 3, np.nan], [np.nan, 0, 5, 2], [1, 2, 3, 4], [4, 3, 2, 1]]]])
    for k, s in ((2, 2), (3, 1), (2, 1)):  # NaN wins its window, at its last position (torch)
        mo, mi = mg.nn.functional.max_pool2d(mg.tensor(nan), k, s, return_indices=True)
        to, ti = torch.nn.functional.max_pool2d(torch.tensor(nan), k, s, return_indices=True)
        np.testing.assert_array_equal(mi.numpy(), ti.numpy())
        np.testing.assert_array_equal(mo.numpy(), to.numpy())
    layer = mg.nn.MaxPool2d(2, return_indices=True)
    assert isinstance(layer(mg.tensor(x)), tuple)
    assert repr(layer) == repr(torch.nn.MaxPool2d(2, return_indices=True))


@pytest.mark.parametrize("cfg", _pool_configs())
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d(cfg, count_include_pad):
    k, s, p, d, ceil = cfg
    if d != 1:
        return  # avg_pool2d has no dilation
    x = RNG.standard_normal((2, 2, 7, 8))
    _side_by_side(lambda lib, t: _fn(lib, "avg_pool2d")(t, k, s, p, ceil, count_include_pad),
                  [x])
    _side_by_side(lambda lib, t: _fn(lib, "avg_pool2d")(t, k, s, p, ceil, count_include_pad,
                                                         divisor_override=3), [x])


@pytest.mark.parametrize("size", [1, 3, (2, 5), (None, 2), (7, 8), (4, 3)])
def test_adaptive_avg_pool2d(size):
    _side_by_side(lambda lib, t: _fn(lib, "adaptive_avg_pool2d")(t, size),
                  [RNG.standard_normal((2, 3, 7, 8))])
    _side_by_side(lambda lib, t: lib.nn.AdaptiveAvgPool2d(size)(t),
                  [RNG.standard_normal((3, 5, 6))])


@pytest.mark.parametrize("cfg", [(2, 1, 0, 1), ((2, 3), 2, 1, 1), (3, (1, 2), (1, 0), 2)])
def test_unfold_and_fold(cfg):
    k, d, p, s = cfg
    x = RNG.standard_normal((2, 3, 6, 7))
    _side_by_side(lambda lib, t: _fn(lib, "unfold")(t, k, d, p, s), [x])
    cols = torch.nn.functional.unfold(torch.tensor(x), k, d, p, s).numpy()
    _side_by_side(lambda lib, t: _fn(lib, "fold")(t, (6, 7), k, d, p, s), [cols])
    _side_by_side(lambda lib, t: _fn(lib, "fold")(t, (6, 7), k, d, p, s), [cols[0]])
    _side_by_side(lambda lib, t: _fn(lib, "unfold")(t, k, d, p, s), [x[0]])


def test_float32_and_unbatched_inputs_keep_torch_dtypes_and_shapes():
    x = RNG.standard_normal((3, 6, 6)).astype(np.float32)
    w = RNG.standard_normal((2, 3, 3, 3)).astype(np.float32)
    for name, args in (("conv2d", (w,)), ("max_pool2d", (2,)), ("avg_pool2d", (2,)),
                       ("adaptive_avg_pool2d", (2,))):
        m = _fn(mg, name)(mg.tensor(x), *[mg.tensor(a) if isinstance(a, np.ndarray) else a
                                          for a in args])
        t = _fn(torch, name)(torch.tensor(x), *[torch.tensor(a) if isinstance(a, np.ndarray)
                                                else a for a in args])
        assert m.dtype == mg.float32 and m.shape == tuple(t.shape), name
        np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("cls,args,kw", [
    ("Conv2d", (3, 8, 5), {}), ("Conv2d", (4, 6, (3, 2)), {"groups": 2, "bias": False}),
    ("Conv1d", (3, 8, 5), {}), ("ConvTranspose2d", (4, 6, 3), {"groups": 2}),
    ("ConvTranspose2d", (3, 5, (2, 4)), {"stride": 2, "output_padding": 1})])
def test_layer_shapes_attributes_and_default_init(cls, args, kw):
    torch.manual_seed(0)
    tl = getattr(torch.nn, cls)(*args, **kw)
    ml = getattr(mg.nn, cls)(*args, **kw)
    assert repr(ml) == repr(tl)
    for name in ("in_channels", "out_channels", "kernel_size", "stride", "padding",
                 "dilation", "groups", "padding_mode", "output_padding", "transposed"):
        assert getattr(ml, name) == getattr(tl, name), name
    assert [k for k, _ in ml.named_parameters()] == [k for k, _ in tl.named_parameters()]
    for (_k, mp), (_, tp) in zip(ml.named_parameters(), tl.named_parameters()):
        assert mp.shape == tuple(tp.shape) and mp.dtype == mg.float32
    # init statistics: kaiming_uniform(a=sqrt(5)) -> U(-b, b), b = 1/sqrt(fan_in)
    fan_in = ml.weight.shape[1] * math.prod(ml.kernel_size)
    big = getattr(mg.nn, cls)(*(a * 8 if i < 2 else a for i, a in enumerate(args)), **kw)
    fan_big = big.weight.shape[1] * math.prod(big.kernel_size)
    wv = big.weight.detach().numpy()
    bound = 1.0 / math.sqrt(fan_big)
    assert np.abs(wv).max() <= bound + 1e-7
    assert abs(wv.std() - bound / math.sqrt(3)) < 0.1 * bound
    assert np.abs(ml.weight.detach().numpy()).max() <= 1.0 / math.sqrt(fan_in) + 1e-7
    if ml.bias is not None:
        assert np.abs(big.bias.detach().numpy()).max() <= bound + 1e-7


def test_batchnorm2d_matches_torch_training_and_eval():
    x = RNG.standard_normal((4, 3, 5, 6)) * 2 + 1
    tl = torch.nn.BatchNorm2d(3, dtype=torch.float64)
    ml = mg.nn.BatchNorm2d(3, dtype=mg.float64)
    assert repr(ml) == repr(tl)
    for _ in range(2):
        tx, mx = torch.tensor(x, requires_grad=True), mg.tensor(x, requires_grad=True)
        to, mo = tl(tx), ml(mx)
        np.testing.assert_allclose(mo.detach().numpy(), to.detach().numpy(), rtol=1e-10)
        (to * to).sum().backward()
        (mo * mo).sum().backward()
        np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ml.running_var.numpy(), tl.running_var.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ml.running_mean.numpy(), tl.running_mean.numpy(), rtol=1e-12)
    assert int(ml.num_batches_tracked.item()) == 2
    v = ml.running_mean._version
    ml.eval()
    tl.eval()
    np.testing.assert_allclose(ml(mg.tensor(x)).detach().numpy(),
                               tl(torch.tensor(x)).detach().numpy(),
                               rtol=1e-10)
    assert ml.running_mean._version == v
    with pytest.raises(ValueError, match="expected 4D input"):
        ml(mg.tensor(x[0]))
    with pytest.raises(ValueError):
        tl(torch.tensor(x[0]))


def test_dropout2d_zeroes_whole_channels_inverted_and_seeded():
    x = mg.ones(50, 40, 3, 3)
    mg.manual_seed(3)
    y = mg.nn.functional.dropout2d(x, 0.3)
    a = y.numpy()
    per_channel = a.reshape(50, 40, 9)
    assert np.all(per_channel.min(-1) == per_channel.max(-1))  # whole channels
    assert set(np.unique(a)) <= {0.0, np.float32(1 / 0.7)}
    assert abs((a[:, :, 0, 0] == 0).mean() - 0.3) < 0.05
    mg.manual_seed(3)
    np.testing.assert_array_equal(mg.nn.Dropout2d(0.3)(x).numpy(), a)
    layer = mg.nn.Dropout2d(0.3).eval()
    assert layer(x) is x
    assert repr(mg.nn.Dropout2d(0.3)) == repr(torch.nn.Dropout2d(0.3))
    xg = mg.ones(2, 3, 4, 4, requires_grad=True)
    mg.nn.functional.dropout2d(xg, 0.5).sum().backward()
    assert set(np.unique(xg.grad.numpy()[:, :, 0, 0])) <= {0.0, 2.0}
    with pytest.warns(UserWarning, match="3D input"):
        mg.nn.functional.dropout2d(mg.ones(2, 3, 4), 0.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        mg.nn.Dropout2d(1.5)


BAD = {
    "channels": lambda lib: _fn(lib, "conv2d")(lib.ones(2, 2, 8, 8), lib.ones(4, 3, 3, 3)),
    "groups": lambda lib: _fn(lib, "conv2d")(lib.ones(2, 3, 8, 8), lib.ones(4, 3, 3, 3),
                                             groups=2),
    "input_dims": lambda lib: _fn(lib, "conv2d")(lib.ones(8, 8), lib.ones(4, 3, 3, 3)),
    "too_small": lambda lib: _fn(lib, "conv2d")(lib.ones(1, 3, 2, 2), lib.ones(4, 3, 3, 3)),
    "same_strided": lambda lib: _fn(lib, "conv2d")(lib.ones(1, 3, 5, 5), lib.ones(4, 3, 3, 3),
                                                   stride=2, padding="same"),
    "bad_string": lambda lib: _fn(lib, "conv2d")(lib.ones(1, 3, 5, 5), lib.ones(4, 3, 3, 3),
                                                 padding="full"),
    "negative_padding": lambda lib: _fn(lib, "conv2d")(lib.ones(1, 3, 5, 5),
                                                       lib.ones(4, 3, 3, 3), padding=-1),
    "zero_stride": lambda lib: _fn(lib, "conv2d")(lib.ones(1, 3, 5, 5), lib.ones(4, 3, 3, 3),
                                                  stride=0),
    "bias_size": lambda lib: _fn(lib, "conv2d")(lib.ones(1, 3, 5, 5), lib.ones(4, 3, 3, 3),
                                                lib.ones(3)),
    "dtype": lambda lib: _fn(lib, "conv2d")(lib.ones(1, 3, 5, 5, dtype=lib.float64),
                                            lib.ones(4, 3, 3, 3)),
    "layer_channels": lambda lib: lib.nn.Conv2d(3, 4, 3)(lib.ones(2, 2, 8, 8)),
    "pool_padding": lambda lib: _fn(lib, "max_pool2d")(lib.ones(1, 1, 8, 8), 2, padding=2),
    "pool_output": lambda lib: _fn(lib, "max_pool2d")(lib.ones(1, 1, 1, 1), 2),
    "pool_dims": lambda lib: _fn(lib, "max_pool2d")(lib.ones(8, 8), 2),
    "avg_padding": lambda lib: _fn(lib, "avg_pool2d")(lib.ones(1, 1, 8, 8), 2, padding=2),
    "transpose_output_padding": lambda lib: _fn(lib, "conv_transpose2d")(
        lib.ones(1, 3, 4, 4), lib.ones(3, 4, 3, 3), stride=2, output_padding=2),
    "transpose_channels": lambda lib: _fn(lib, "conv_transpose2d")(lib.ones(1, 3, 4, 4),
                                                                   lib.ones(2, 4, 3, 3)),
    "fold_blocks": lambda lib: _fn(lib, "fold")(lib.ones(1, 12, 10), (5, 5), 2),
    "fold_channels": lambda lib: _fn(lib, "fold")(lib.ones(1, 13, 16), (5, 5), 2),
    "adaptive_dims": lambda lib: _fn(lib, "adaptive_avg_pool2d")(lib.ones(3, 8), 2),
    "reflect_too_wide": lambda lib: lib.nn.Conv2d(3, 4, 3, padding=8, padding_mode="reflect")(
        lib.ones(1, 3, 8, 8)),
    "layer_same_strided": lambda lib: lib.nn.Conv2d(3, 4, 3, stride=2, padding="same"),
    "layer_groups": lambda lib: lib.nn.Conv2d(3, 4, 3, groups=2),
    "layer_out_groups": lambda lib: lib.nn.Conv2d(4, 3, 3, groups=2),
    "layer_padding_mode": lambda lib: lib.nn.Conv2d(3, 4, 3, padding_mode="edge"),
    "layer_bad_string": lambda lib: lib.nn.Conv2d(3, 4, 3, padding="full"),
    "transpose_mode": lambda lib: lib.nn.ConvTranspose2d(3, 4, 3, padding_mode="reflect"),
    "bn2d_dims": lambda lib: lib.nn.BatchNorm2d(3)(lib.ones(2, 3, 4)),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_arguments_raise_what_torch_raises(name):
    with pytest.raises(Exception) as te:
        BAD[name](torch)
    with pytest.raises(type(te.value)) as me:
        BAD[name](mg)
    words = re.split(r"[,({]", str(te.value))[0][:40]  # a set's order varies between runs
    assert words.lower() in str(me.value).lower(), (str(te.value), str(me.value))


@pytest.mark.parametrize("name", ["conv2d", "max_pool2d"])
def test_input_changed_in_place_after_forward_is_refused_as_torch(name):
    def scenario(lib):
        x = lib.ones(1, 1, 4, 4, dtype=lib.float64, requires_grad=True) * 1
        w = lib.ones(1, 1, 2, 2, dtype=lib.float64, requires_grad=True)
        y = _fn(lib, "conv2d")(x, w) if name == "conv2d" else _fn(lib, "max_pool2d")(x, 2)
        x.mul_(2)  # the saved input changed: backward must refuse
        y.sum().backward()

    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        scenario(torch)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        scenario(mg)


@pytest.mark.parametrize("training", [True, False])
def test_functional_batch_norm_on_4d_input(training):
    rm, rv = RNG.standard_normal(3), RNG.uniform(0.5, 2, 3)
    rms = {}

    def call(lib, x, w, b):
        m = lib.tensor(rm.copy(), dtype=lib.float64)
        v = lib.tensor(rv.copy(), dtype=lib.float64)
        out = _fn(lib, "batch_norm")(x, m, v, w, b, training=training)
        rms[lib.__name__] = (m.numpy(), v.numpy())
        return out

    _side_by_side(call, [RNG.standard_normal((3, 3, 4, 5)), RNG.standard_normal(3),
                         RNG.standard_normal(3)], rtol=1e-8)
    for a, b in zip(rms["minigrad"], rms["torch"]):
        np.testing.assert_allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [2, "same"])
def test_conv1d_layer_padding_modes_batched_and_unbatched(mode, padding):
    torch.manual_seed(0)
    tl = torch.nn.Conv1d(2, 3, 4, padding=padding, padding_mode=mode, dtype=torch.float64)
    ml = mg.nn.Conv1d(2, 3, 4, padding=padding, padding_mode=mode, dtype=mg.float64)
    ml.load_state_dict({k: mg.tensor(v.numpy()) for k, v in tl.state_dict().items()})
    assert repr(ml) == repr(tl)
    x = RNG.standard_normal((2, 2, 9))
    for a in (x, x[0]):
        np.testing.assert_allclose(ml(mg.tensor(a)).detach().numpy(),
                                   tl(torch.tensor(a)).detach().numpy(), rtol=1e-12,
                                   atol=1e-12)
