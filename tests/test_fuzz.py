"""Fuzzing: random small graphs of ops agree with NumPy (forward) and with central differences
(backward); random or damaged bytes given to ``minigrad.load`` raise only ``CheckpointError``.

Single ops are checked one by one in test_ops_grad.py; here ops are composed, so broadcasting,
views, reductions and shared inputs meet each other. The IDX reader's fuzz is in
test_datasets.py. Example counts come from the Hypothesis profile in conftest.py.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad.serialization import CheckpointError, load, save
from minigrad.testing import gradcheck

# ---- random graphs ---------------------------------------------------------------------------

# name -> (minigrad, numpy); ``o`` is the op's extra input (a leaf) or None
OPS = {
    "add": (lambda v, o, p: v + o, lambda v, o, p: v + o),
    "sub": (lambda v, o, p: o - v, lambda v, o, p: o - v),
    "mul": (lambda v, o, p: v * o, lambda v, o, p: v * o),
    "div": (lambda v, o, p: v / o, lambda v, o, p: v / o),
    "scale": (lambda v, o, p: v * p["c"] - 0.5, lambda v, o, p: v * p["c"] - 0.5),
    "exp": (lambda v, o, p: mg.exp(v), lambda v, o, p: np.exp(v)),
    "tanh": (lambda v, o, p: v.tanh(), lambda v, o, p: np.tanh(v)),
    "sigmoid": (lambda v, o, p: v.sigmoid(), lambda v, o, p: 1.0 / (1.0 + np.exp(-v))),
    "sum": (lambda v, o, p: v.sum(dim=p["dim"], keepdim=p["keep"]),
            lambda v, o, p: v.sum(axis=p["dim"], keepdims=p["keep"])),
    "mean": (lambda v, o, p: v.mean(dim=p["dim"], keepdim=p["keep"]),
             lambda v, o, p: v.mean(axis=p["dim"], keepdims=p["keep"])),
    "reshape": (lambda v, o, p: v.reshape(*p["shape"]), lambda v, o, p: v.reshape(p["shape"])),
    "transpose": (lambda v, o, p: v.transpose(p["a"], p["b"]),
                  lambda v, o, p: np.swapaxes(v, p["a"], p["b"])),
    "matmul": (lambda v, o, p: v @ o, lambda v, o, p: v @ o),
    "index": (lambda v, o, p: v[p["key"]], lambda v, o, p: v[p["key"]]),
}  # fmt: skip


def _floats(draw, shape, lo, hi):
    return draw(hnp.arrays(np.float64, shape, elements=st.floats(lo, hi, width=64)))


def _broadcastable(draw, shape):
    """``shape`` itself, its trailing dims, or with some dims set to 1 (broadcast back)."""
    kind = draw(st.sampled_from(["same", "trailing", "ones"]))
    if kind == "trailing" and shape:
        return shape[draw(st.integers(0, len(shape) - 1)):]
    if kind == "ones":
        return tuple(1 if draw(st.booleans()) else n for n in shape)
    return shape


def _index_key(draw, shape):
    n = shape[0]
    kind = draw(st.sampled_from(["int", "slice", "list", "last"]))
    if kind == "int":
        return draw(st.integers(-n, n - 1))
    if kind == "slice":
        a = draw(st.integers(0, n - 1))
        return slice(a, draw(st.integers(a + 1, n)))
    if kind == "list":  # with a repeat: its gradients must add up
        picks = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3))
        return picks + picks[:1]
    return (Ellipsis, draw(st.integers(0, shape[-1] - 1)))


@st.composite
def graphs(draw):
    """(inputs, steps): a float64 leaf, then 2-5 ops, each maybe bringing a new leaf."""
    shape = tuple(draw(st.lists(st.integers(2, 4), min_size=1, max_size=3)))  # 1s come later
    v = _floats(draw, shape, -2.0, 2.0)
    inputs, steps = [v], []
    for _ in range(draw(st.integers(2, 5))):
        # elementwise ops are checked one by one elsewhere: favour the ones that move shapes
        names = ["add", "sub", "mul", "div", "scale", "tanh", "sigmoid"] + ["reshape"] * 2
        if v.ndim:
            names += ["sum", "mean", "index"] * 3
        if np.abs(v).max(initial=0) <= 3:
            names.append("exp")
        if v.ndim >= 2:
            names += ["transpose"] * 2
        if v.ndim in (1, 2):
            names += ["matmul"] * 2
        name = draw(st.sampled_from(names))
        params, other = {}, None
        if name in ("add", "sub", "mul"):
            other = _floats(draw, _broadcastable(draw, v.shape), -2.0, 2.0)
        elif name == "div":  # a divisor safely away from zero
            other = _floats(draw, _broadcastable(draw, v.shape), 0.5, 2.0)
        elif name == "matmul":
            other = _floats(draw, (v.shape[-1], draw(st.integers(1, 3))), -1.0, 1.0)
        elif name == "scale":
            params["c"] = draw(st.floats(-1.5, 1.5))
        elif name in ("sum", "mean"):
            params.update(dim=draw(st.integers(-v.ndim, v.ndim - 1)), keep=draw(st.booleans()))
        elif name == "reshape":
            params["shape"] = draw(st.sampled_from([(-1,), (v.size, 1), (1, -1), v.shape[::-1]
                                                    if v.ndim > 1 else (1, v.size, 1)]))
        elif name == "transpose":
            params.update(a=draw(st.integers(0, v.ndim - 1)), b=draw(st.integers(0, v.ndim - 1)))
        elif name == "index":
            params["key"] = _index_key(draw, v.shape)
        if other is not None:
            inputs.append(other)
        steps.append((name, params, len(inputs) - 1 if other is not None else None))
        v = np.asarray(OPS[name][1](v, other, params))
    return inputs, steps


def _run(steps, xs, lib):
    v = xs[0]
    for name, params, k in steps:
        v = OPS[name][lib](v, None if k is None else xs[k], params)
    return v


# five times the profile's count: one example is one small graph, and compositions are many
@settings(max_examples=5 * settings.default.max_examples,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(graphs())
def test_random_graphs_match_numpy_and_central_differences(graph):
    inputs, steps = graph
    expected = np.asarray(_run(steps, inputs, 1))
    leaves = [mg.tensor(a, dtype=mg.float64, requires_grad=True) for a in inputs]
    out = _run(steps, leaves, 0)
    assert out.shape == expected.shape and out.dtype == mg.float64
    np.testing.assert_allclose(out._data, expected, rtol=1e-10, atol=1e-12)
    single = [mg.tensor(a, dtype=mg.float32) for a in inputs]  # float32 stays float32
    out32 = _run(steps, single, 0)
    assert out32.dtype == mg.float32
    np.testing.assert_allclose(out32._data, expected, rtol=2e-4, atol=2e-5)
    assert gradcheck(lambda *xs: _run(steps, xs, 0), leaves, atol=1e-6, rtol=1e-4)


# ---- minigrad.load on hostile bytes ----------------------------------------------------------


def _checkpoint_bytes() -> bytes:
    """A real checkpoint (tensor, array, numbers, nesting), the same bytes on every run."""
    w = mg.random.get_rng(mg.Generator().manual_seed(5)).standard_normal((4, 3))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "good.ckpt")
        save({"w": mg.tensor(w, dtype=mg.float32), "b": np.arange(5, dtype=np.int16),
              "lr": 0.1, "step": 7, "tags": ("a", None, [1.5, float("nan")])}, path)
        with open(path, "rb") as f:
            return f.read()


GOOD = _checkpoint_bytes()


def _load_bytes(tmp_path, blob: bytes, name: str = "fuzz.ckpt"):
    """Write ``blob`` and load it: a CheckpointError naming the file, or an object."""
    path = tmp_path / name
    path.write_bytes(blob)
    try:
        return load(path)
    except CheckpointError as e:
        assert name in str(e), e
        return e


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, mg.Tensor | np.ndarray):
        if type(a) is not type(b):
            return False
        a, b = (a._data, b._data) if isinstance(a, mg.Tensor) else (a, b)
        return a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, float) and a != a:
        return isinstance(b, float) and b != b
    return type(a) is type(b) and a == b


REFERENCE = None


def _reference(tmp_path):
    global REFERENCE
    if REFERENCE is None:
        REFERENCE = _load_bytes(tmp_path, GOOD, "reference.ckpt")
    return REFERENCE


_FUZZ = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow])  # fmt: skip


@_FUZZ
@given(st.binary(max_size=600))
def test_random_bytes_raise_only_checkpoint_error(tmp_path, blob):
    for data in (blob, b"PK\x03\x04" + blob, GOOD[:30] + blob):
        assert isinstance(_load_bytes(tmp_path, data), CheckpointError)


@_FUZZ
@given(st.integers(0, len(GOOD) - 1))
def test_every_truncation_is_detected(tmp_path, n):
    assert isinstance(_load_bytes(tmp_path, GOOD[:n]), CheckpointError)


@_FUZZ
@given(st.lists(st.tuples(st.integers(0, len(GOOD) - 1), st.integers(1, 255)), min_size=1,
                max_size=4))
def test_flipped_bytes_are_detected_or_harmless(tmp_path, flips):
    """A damaged file is refused, or (a flip in zip bookkeeping that holds no data, such as a
    timestamp) loads to exactly the original: never garbage, never another exception."""
    blob = bytearray(GOOD)
    for pos, mask in flips:
        blob[pos] ^= mask
    out = _load_bytes(tmp_path, bytes(blob))
    assert isinstance(out, CheckpointError) or _same(out, _reference(tmp_path))


_DTYPES = st.sampled_from(["<f4", "<f8", "<i8", "|u1", "|b1", "<c8", ">f4", "|O", "<U3", "|V4"])


def _npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=True)
    return buf.getvalue()


@st.composite
def zips(draw):
    """A zip of .npy entries: random names (some the manifest's), shapes and dtypes (object
    arrays too), or raw bytes; valid CRCs, as a tamperer or another program would write."""
    names = ["__manifest__", "__manifest_sha256__", "arr_0", "arr_1", "x"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in draw(st.lists(st.sampled_from(names), max_size=4, unique=True)):
            if draw(st.booleans()):
                dtype = np.dtype(draw(_DTYPES))
                shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
                arr = (np.array([None] * int(np.prod(shape)), dtype=object).reshape(shape)
                       if dtype.hasobject else np.zeros(shape, dtype))
                z.writestr(name + ".npy", _npy(arr))
            else:
                z.writestr(name + ".npy", draw(st.binary(max_size=80)))
    return buf.getvalue()


@_FUZZ
@given(zips())
def test_random_archives_raise_only_checkpoint_error(tmp_path, blob):
    assert isinstance(_load_bytes(tmp_path, blob), CheckpointError)


_LEAVES = (st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=False)
           | st.sampled_from(["arr_0", "arr_1", "nan", "inf", "x"]))
_TAGS = st.sampled_from(["$dict", "$tuple", "$float", "$tensor", "$ndarray", "$scalar", "$eval"])
_NODES = st.recursive(_LEAVES, lambda kids: st.lists(kids, max_size=3)
                      | st.dictionaries(_TAGS, kids, max_size=2)
                      | st.dictionaries(_TAGS, st.lists(st.lists(kids, max_size=3), max_size=2),
                                        max_size=1), max_leaves=12)  # fmt: skip


@st.composite
def crafted(draw):
    """An archive whose manifest checksum is right but whose manifest says anything: random
    nodes and tags, and array entries whose recorded dtype/shape/sha256 may be true or not."""
    kinds = st.sampled_from(["<f4", "<f8", "<i8", "|u1", "|b1", "<c8", ">f4"])
    arrays = {f"arr_{i}": np.arange(draw(st.integers(0, 4))).astype(draw(kinds))
              for i in range(draw(st.integers(0, 2)))}
    table, lied = {}, False
    for name, arr in arrays.items():
        true = {"dtype": arr.dtype.str, "shape": list(arr.shape),
                "sha256": hashlib.sha256(arr.tobytes()).hexdigest()}
        lie = draw(st.sampled_from([None, None, None, "dtype", "shape", "sha256", "whole"]))
        meta = draw(_NODES) if lie == "whole" else dict(true)
        if lie in true:
            meta[lie] = draw(_NODES | st.text(max_size=64))
        table[name] = meta
        lied = lied or meta != true
    version = draw(st.sampled_from([1, 1, 1, 2, "1"]))
    tag = st.sampled_from(["$tensor", "$ndarray"])
    honest_root = {"$dict": [[name, {draw(tag): name}] for name in arrays] + [["n", 3]]}
    root = draw(st.sampled_from([honest_root, None])) or draw(_NODES)
    manifest = {"format": "minigrad.checkpoint", "version": version, "root": root,
                "arrays": table}
    blob = json.dumps(manifest).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, arr in arrays.items():
            z.writestr(name + ".npy", _npy(arr))
        z.writestr("__manifest__.npy", _npy(np.frombuffer(blob, np.uint8)))
        sha = hashlib.sha256(blob).hexdigest().encode()
        z.writestr("__manifest_sha256__.npy", _npy(np.frombuffer(sha, np.uint8)))
    return buf.getvalue(), lied or version != 1


@_FUZZ
@given(crafted())
def test_crafted_manifests_decode_or_raise_only_checkpoint_error(tmp_path, case):
    """Past the manifest's checksum nothing is trusted: an array whose recorded dtype, shape
    or SHA-256 is false, or an unknown version, is refused; any other manifest describes a valid
    object (returned) or is refused with a CheckpointError, never another exception."""
    blob, must_fail = case
    out = _load_bytes(tmp_path, blob)
    if must_fail:
        assert isinstance(out, CheckpointError)
