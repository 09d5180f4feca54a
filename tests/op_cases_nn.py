"""Property-test cases for the ops defined for ``minigrad.nn.functional`` (first and second order).

Integer targets, masks, running statistics and class weights are constants of the case (params),
never differentiated inputs; probability targets are differentiated.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from op_cases import SIDE, case, leaf, shape_, values

import minigrad.nn.functional as F
from minigrad.autograd import apply
from minigrad.ops import OPS


@case("linear")
def _(draw):
    n_in, n_out = draw(st.integers(1, SIDE)), draw(st.integers(1, SIDE))
    lead = draw(st.sampled_from([(), (2,), (3,), (2, 2)]))
    x = leaf(values(draw, lead + (n_in,)))
    w = values(draw, (n_out, n_in))
    w = leaf(np.asfortranarray(w) if draw(st.booleans()) else w)  # nn.Linear's memory order
    b = leaf(values(draw, (n_out,))) if draw(st.booleans()) else None
    if draw(st.booleans()):  # the ReLU that nn.Sequential fuses in, off its kink
        pre = x._data @ w._data.T + (0 if b is None else b._data)
        assume(np.all(np.abs(pre) > 1e-3))
        if b is None:
            return (lambda x, w: apply(OPS["linear"], x, w, relu=True)), [x, w], {}
        return (lambda x, w, b: apply(OPS["linear"], x, w, b, relu=True)), [x, w, b], {}
    if b is not None:
        return (lambda x, w, b: F.linear(x, w, b)), [x, w, b], {}
    return (lambda x, w: F.linear(x, w)), [x, w], {}


def _softmax_case(name, fn):
    @case(name)
    def _(draw):
        shape = shape_(draw, min_dims=1)
        dim = draw(st.integers(-len(shape), len(shape) - 1))
        return (lambda x: fn(x, dim=dim)), [leaf(values(draw, shape, -3.0, 3.0))], {}


_softmax_case("softmax", F.softmax)
_softmax_case("log_softmax", F.log_softmax)


@case("leaky_relu")
def _(draw):
    slope = draw(st.sampled_from([0.01, 0.2, 1.5]))
    x = leaf(values(draw, shape_(draw), away=0.0))
    return (lambda x: F.leaky_relu(x, slope)), [x], {}


@case("gelu")
def _(draw):
    return (lambda x: F.gelu(x)), [leaf(values(draw, shape_(draw), -3.0, 3.0))], {}


@case("gelu_grad")
def _(draw):
    return (lambda x: apply(OPS["gelu_grad"], x)), [leaf(values(draw, shape_(draw), -3.0, 3.0))], {}


def _bn_shape(draw):
    n, c = draw(st.integers(1, SIDE)), draw(st.integers(1, SIDE))
    shape = draw(st.sampled_from([(n, c), (n, c, draw(st.integers(1, SIDE)))]))
    assume(int(np.prod(shape)) // c >= 2)  # a batch of one cannot be normalised
    return shape, c


@case("batch_norm")
def _(draw):
    shape, c = _bn_shape(draw)
    # a ramp over the reduced positions keeps each channel's variance away from 0
    ramp = np.arange(int(np.prod(shape)) // c, dtype=np.float64).reshape(
        (shape[0],) + shape[2:])
    ramp = np.expand_dims(ramp, 1) - ramp.mean()
    x = leaf(values(draw, shape, -0.4, 0.4) + ramp)
    return _bn_case(draw, x, c, None, None, True)


def _bn_case(draw, x, c, rm, rv, training):
    """F.batch_norm with or without weight and bias, and with or without the ReLU that
    nn.Sequential fuses in (then kept off its kink)."""
    relu = draw(st.booleans())
    wb = [leaf(values(draw, (c,))), leaf(values(draw, (c,)))] if draw(st.booleans()) else []

    def fn(x, *wb):
        return F._batch_norm(x, rm, rv, *(wb or (None, None)), training, 0.1, 1e-5, relu)

    if relu:
        with mg_no_grad():
            plain = F.batch_norm(x, rm, rv, *wb, training=training)
        assume(np.all(np.abs(plain._data) > 1e-3))
    return fn, [x, *wb], {}


@case("batch_norm_eval")
def _(draw):
    shape, c = _bn_shape(draw)
    rm = mg_tensor(values(draw, (c,)))
    rv = mg_tensor(values(draw, (c,), 0.2, 3.0))
    x = leaf(values(draw, shape))
    return _bn_case(draw, x, c, rm, rv, False)


def mg_no_grad():
    import minigrad as mg

    return mg.no_grad()


def mg_tensor(a):
    import minigrad as mg

    return mg.tensor(a, dtype=mg.float64)


def _ce_layout(draw):
    """Classes c, logits' shape ((N, C), (C,) or (N, C, d)), its target shape, a reduction."""
    n, c = draw(st.integers(1, SIDE)), draw(st.integers(1, SIDE))
    layout = draw(st.sampled_from(["nc", "c", "ncd"]))
    shape = {"nc": (n, c), "c": (c,), "ncd": (n, c, 2)}[layout]
    tshape = {"nc": (n,), "c": (), "ncd": (n, 2)}[layout]
    return c, shape, tshape, draw(st.sampled_from(["mean", "sum", "none"]))


@case("cross_entropy")
def _(draw):
    c, shape, tshape, reduction = _ce_layout(draw)
    smoothing = draw(st.sampled_from([0.0, 0.0, 0.1, 0.5]))
    weight = values(draw, (c,), 0.2, 2.0) if draw(st.booleans()) else None
    x = leaf(values(draw, shape, -3.0, 3.0))
    if draw(st.booleans()):  # probability targets: differentiated as well
        q = leaf(values(draw, shape, 0.05, 1.0))
        fn = lambda x, q: F.cross_entropy(x, q, weight, reduction=reduction,  # noqa: E731
                                          label_smoothing=smoothing)
        return fn, [x, q], {}
    t = draw(hnp.arrays(np.int64, tshape, elements=st.integers(0, c - 1)))
    ignore = -100
    if t.size > 1 and draw(st.booleans()):  # ignore one class, keep at least one sample
        ignore = int(t.flat[0])
        assume(np.any(t != ignore))
    if weight is None and not smoothing and ignore == -100:  # else: cross_entropy_index
        weight = values(draw, (c,), 0.2, 2.0)
    fn = lambda x: F.cross_entropy(x, t, weight, ignore_index=ignore,  # noqa: E731
                                   reduction=reduction, label_smoothing=smoothing)
    return fn, [x], {}


@case("cross_entropy_index")
def _(draw):
    """Class-index targets with nothing ignored, unweighted: the op behind the common case."""
    c, shape, tshape, reduction = _ce_layout(draw)
    t = draw(hnp.arrays(np.int64, tshape, elements=st.integers(0, c - 1)))
    x = leaf(values(draw, shape, -3.0, 3.0))
    return (lambda x: F.cross_entropy(x, t, reduction=reduction)), [x], {}


@case("bce_with_logits")
def _(draw):
    shape = shape_(draw)
    reduction = draw(st.sampled_from(["mean", "sum", "none"]))
    x = leaf(values(draw, shape, -4.0, 4.0))
    y = leaf(values(draw, shape, 0.0, 1.0))
    pos_weight = values(draw, shape[-1:], 0.5, 2.0) if draw(st.booleans()) else None
    fn = lambda x, y: F.binary_cross_entropy_with_logits(  # noqa: E731
        x, y, reduction=reduction, pos_weight=None if pos_weight is None else mg_tensor(pos_weight))
    return fn, [x, y], {}
