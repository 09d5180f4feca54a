"""minigrad.save / minigrad.load: faithful round trips, atomic writes, no pickle, clear errors on
damaged or crafted files, and a training run resumed from a checkpoint that matches bit for bit."""

from __future__ import annotations

import io
import json
import math
import os
import zipfile

import numpy as np
import pytest

import minigrad
import minigrad.optim as optim
from minigrad.optim import lr_scheduler
from minigrad.random import get_rng
from minigrad.serialization import CheckpointError, load, save


def _sample():
    return {
        "ints": {0: "zero", 1: [1, 2**62, -3], "x": {"nested": ()}},
        "floats": [0.1, -2.5e-300, 1e308, float("nan"), float("inf"), -float("inf"), -0.0],
        "misc": (True, False, None, "ünïcode ✓", ""),
        "t32": minigrad.randn(3, 4),
        "t64": minigrad.tensor(np.linspace(0, 1, 5)),
        "ti": minigrad.arange(6),
        "tb": minigrad.tensor([True, False]),
        "t0": minigrad.tensor(2.5),
        "empty": minigrad.zeros(0, 3),
        "nd": np.arange(12, dtype=np.int32).reshape(3, 4).T,  # not contiguous
        "scalars": [np.float32(1.25), np.int64(7), np.float64(0.1), np.bool_(True)],
        "cplx": np.array([1 + 2j], dtype=np.complex64),
    }


def _same(a, b):
    """Deep equality that also checks types, dtypes and nan."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, dict):
        assert list(a) == list(b) and all(type(k) is type(j) for k, j in zip(a, b))
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, list | tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    elif isinstance(a, minigrad.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and not b.requires_grad
        np.testing.assert_array_equal(a._data, b._data)
    elif isinstance(a, np.ndarray | np.generic):
        assert a.dtype == b.dtype and np.shape(a) == np.shape(b)
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b and (not isinstance(a, float) or math.copysign(1, a) == math.copysign(1, b))


def test_round_trip_keeps_types_keys_and_values(tmp_path):
    obj = _sample()
    path = tmp_path / "ck.pt"
    save(obj, path)
    assert os.listdir(tmp_path) == ["ck.pt"]  # exactly this name; no temp file left behind
    _same(obj, load(path))
    _same(obj, load(str(path), map_location="cpu", weights_only=True))


def test_requires_grad_dropped_and_shared_tensors_stay_shared(tmp_path):
    w = minigrad.randn(2, requires_grad=True)
    save({"a": w, "b": [w]}, tmp_path / "s")
    out = load(tmp_path / "s")
    assert out["a"] is out["b"][0] and not out["a"].requires_grad
    np.testing.assert_array_equal(out["a"]._data, w._data)


def test_file_is_an_npz_with_a_json_manifest(tmp_path):
    save({"w": minigrad.ones(2)}, tmp_path / "m")
    with np.load(tmp_path / "m", allow_pickle=False) as z:
        assert sorted(z.files) == ["__manifest__", "__manifest_sha256__", "arr_0"]
        manifest = json.loads(z["__manifest__"].tobytes())
    assert manifest["format"] == "minigrad.checkpoint" and manifest["version"] == 1
    assert manifest["arrays"]["arr_0"]["dtype"] == "<f4"
    assert len(manifest["arrays"]["arr_0"]["sha256"]) == 64


def test_unsupported_objects_are_refused_before_writing(tmp_path):
    path = tmp_path / "keep"
    save({"v": 1}, path)
    for bad, match in [
        ({"s": {1, 2}}, r"obj\['s'\] is a set"),
        ({"f": print}, "builtin_function_or_method"),
        ({(1, 2): 3}, "keys must be str or int"),
        ({True: 3}, "keys must be str or int"),
        ({"o": np.array([object()])}, "dtype object"),
    ]:
        with pytest.raises(TypeError, match=match):
            save(bad, path)
    cyclic: list = []
    cyclic.append(cyclic)
    with pytest.raises(ValueError, match="cycle"):
        save(cyclic, path)
    assert load(path) == {"v": 1} and os.listdir(tmp_path) == ["keep"]  # old file intact
    with pytest.raises(TypeError, match="file path"):
        save({}, io.BytesIO())


# ---- damaged and crafted files ---------------------------------------------------------------


def _good(tmp_path):
    path = tmp_path / "good.ckpt"
    save({"w": minigrad.randn(8, 8), "step": 3, "name": "run"}, path)
    return path, path.read_bytes()


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere"):
        load(tmp_path / "nothere")
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(CheckpointError, match="empty.*empty|the file is empty") as e:
        load(tmp_path / "empty")
    assert str(tmp_path / "empty") in str(e.value) and isinstance(e.value, ValueError)


def test_truncated_files(tmp_path):
    path, blob = _good(tmp_path)
    bad = tmp_path / "cut.ckpt"
    for n in [1, 3, 4, 30, 100, len(blob) // 2, len(blob) - 22, len(blob) - 1]:
        bad.write_bytes(blob[:n])
        with pytest.raises(CheckpointError, match="cut.ckpt"):
            load(bad)


def test_bit_flips_never_pass_silently(tmp_path):
    """A flipped bit anywhere gives a CheckpointError naming the file, or (in zip bookkeeping
    that holds no data, e.g. a timestamp) the unchanged content; never garbage or another error."""
    path, blob = _good(tmp_path)
    original = load(path)
    bad = tmp_path / "flip.ckpt"
    raised = 0
    for pos in range(0, len(blob), 7):
        flipped = bytearray(blob)
        flipped[pos] ^= 1 << (pos % 8)
        bad.write_bytes(bytes(flipped))
        try:
            out = load(bad)
        except CheckpointError as e:
            assert "flip.ckpt" in str(e)
            raised += 1
            continue
        _same(original, out)
    assert raised > len(blob) // 7 // 2


def test_flip_in_array_data_is_a_checksum_or_crc_error(tmp_path):
    path, blob = _good(tmp_path)
    data = load(path)["w"]._data.tobytes()
    at = blob.index(data) + 17
    flipped = bytearray(blob)
    flipped[at] ^= 0x10
    path.write_bytes(bytes(flipped))
    with pytest.raises(CheckpointError, match="good.ckpt.*(CRC|checksum)"):
        load(path)


def _rewrite(path, entries):
    """Write a zip of .npy entries with valid CRCs (as a tamperer would)."""
    with zipfile.ZipFile(path, "w") as z:
        for name, arr in entries.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, arr, allow_pickle=True)
            z.writestr(name + ".npy", buf.getvalue())


def _entries(path):
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def test_tampered_array_or_manifest_is_detected(tmp_path):
    path, _ = _good(tmp_path)
    e = _entries(path)
    e["arr_0"] = e["arr_0"] + 1  # valid zip, edited weights
    _rewrite(path, e)
    with pytest.raises(CheckpointError, match="checksum mismatch in array 'arr_0'"):
        load(path)
    path, _ = _good(tmp_path)
    e = _entries(path)
    e["__manifest__"] = np.frombuffer(e["__manifest__"].tobytes().replace(b"run", b"RUN"),
                                      np.uint8)  # fmt: skip
    _rewrite(path, e)
    with pytest.raises(CheckpointError, match="manifest checksum mismatch"):
        load(path)


def _with_manifest(path, manifest, arrays=()):
    blob = json.dumps(manifest).encode()
    import hashlib

    e = dict(arrays)
    e["__manifest__"] = np.frombuffer(blob, np.uint8)
    e["__manifest_sha256__"] = np.frombuffer(hashlib.sha256(blob).hexdigest().encode(), np.uint8)
    _rewrite(path, e)


@pytest.mark.parametrize("manifest,match", [
    ({"format": "other", "version": 1, "root": 1, "arrays": {}}, "format is not"),
    ({"format": "minigrad.checkpoint", "version": 99, "root": 1, "arrays": {}},
     "version 99 is not supported"),
    ({"format": "minigrad.checkpoint", "version": 1, "root": {"$eval": "1"}, "arrays": {}},
     "malformed manifest node"),
    ({"format": "minigrad.checkpoint", "version": 1, "root": {"$tensor": "arr_9"},
      "arrays": {}}, "missing array 'arr_9'"),
    ({"format": "minigrad.checkpoint", "version": 1, "root": {"$dict": [[[1], 2]]},
      "arrays": {}}, "malformed dict entry"),
    ({"format": "minigrad.checkpoint", "version": 1, "arrays": {}}, "lacks 'arrays' or 'root'"),
])  # fmt: skip
def test_malformed_manifests(tmp_path, manifest, match):
    path = tmp_path / "bad.ckpt"
    _with_manifest(path, manifest)
    with pytest.raises(CheckpointError, match=match):
        load(path)


def test_unlisted_entries_and_foreign_files(tmp_path):
    path = tmp_path / "x.ckpt"
    _with_manifest(path, {"format": "minigrad.checkpoint", "version": 1, "root": 1,
                          "arrays": {}}, {"extra": np.zeros(2)})  # fmt: skip
    with pytest.raises(CheckpointError, match="unexpected: \\['extra'\\]"):
        load(path)
    np.savez(tmp_path / "plain.npz", a=np.zeros(2))
    with pytest.raises(CheckpointError, match="no manifest"):
        load(tmp_path / "plain.npz")
    np.save(tmp_path / "one.npy", np.zeros(2))
    with pytest.raises(CheckpointError, match="not a zip"):
        load(tmp_path / "one.npy")


class _Payload:
    """Unpickling this would create a marker file: the proof that code ran."""

    marker = ""

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickled_object_arrays_are_refused_and_never_run(tmp_path):
    marker = tmp_path / "code_ran"
    _Payload.marker = str(marker)
    live = np.array([_Payload()], dtype=object)
    probe = tmp_path / "probe.npy"  # prove the payload is live: unpickling it makes the marker
    np.save(probe, live, allow_pickle=True)
    np.load(probe, allow_pickle=True)
    assert marker.exists()
    marker.unlink()
    crafted = tmp_path / "crafted.ckpt"
    _with_manifest(crafted, {"format": "minigrad.checkpoint", "version": 1,
                             "root": {"$ndarray": "arr_0"},
                             "arrays": {"arr_0": {"dtype": "|O", "shape": [1], "sha256": ""}}},
                   {"arr_0": live})  # fmt: skip
    with pytest.raises(CheckpointError, match="crafted.ckpt.*Object arrays"):
        load(crafted)
    as_manifest = tmp_path / "m.ckpt"
    _rewrite(as_manifest, {"__manifest__": live, "__manifest_sha256__": live})
    with pytest.raises(CheckpointError, match="m.ckpt"):
        load(as_manifest)
    with pytest.raises(CheckpointError, match="probe.npy.*not a zip"):
        load(probe)
    pickled = tmp_path / "torch_style.pt"
    import pickle  # only to craft the hostile file

    pickled.write_bytes(pickle.dumps(_Payload()))
    with pytest.raises(CheckpointError, match="not a zip"):
        load(pickled)
    assert not marker.exists()


# ---- save, load and resume ---------------------------------------------------------------


def _model():
    rng = get_rng()
    shapes = [(16, 10), (16,), (4, 16), (4,)]
    return {f"p{i}": minigrad.tensor((rng.standard_normal(s) * 0.3).astype(np.float32),
                                     requires_grad=True) for i, s in enumerate(shapes)}  # fmt: skip


def _loss(m, x, y):
    logits = minigrad.relu(x @ m["p0"].T + m["p1"]) @ m["p2"].T + m["p3"]
    picked = logits.gather(1, minigrad.tensor(y[:, None])).squeeze(1)
    return (logits.logsumexp(dim=1) - picked).mean()


def _batches(n):
    rng = get_rng(minigrad.Generator().manual_seed(1))
    return [(minigrad.tensor(rng.standard_normal((8, 10)).astype(np.float32)),
             rng.integers(0, 4, 8)) for _ in range(n)]  # fmt: skip


RUNS = [
    (lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True),
     lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=0.5)),
    (lambda ps: optim.SGD([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.05}], lr=0.1,
                          momentum=0.9, nesterov=True),
     lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=5)),
    (lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
     lambda o: lr_scheduler.ReduceLROnPlateau(o, patience=0, factor=0.5)),
    (lambda ps: optim.Adagrad(ps, lr=0.1), lambda o: lr_scheduler.MultiStepLR(o, [2, 7, 9])),
]  # fmt: skip


def _train(model, opt, sched, batches):
    losses = []
    for x, y in batches:
        opt.zero_grad()
        loss = _loss(model, x, y)
        loss.backward()
        opt.step()
        if isinstance(sched, lr_scheduler.ReduceLROnPlateau):
            sched.step(loss.item())
        else:
            sched.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("make_opt,make_sched", RUNS, ids=["adam", "sgd", "rmsprop", "adagrad"])
def test_resumed_run_matches_uninterrupted_bit_for_bit(tmp_path, make_opt, make_sched):
    batches = _batches(12)
    model = _model()
    opt = make_opt(list(model.values()))
    sched = make_sched(opt)
    full = _train(model, opt, sched, batches)

    minigrad.manual_seed(0)
    model2 = _model()
    opt2 = make_opt(list(model2.values()))
    sched2 = make_sched(opt2)
    first = _train(model2, opt2, sched2, batches[:5])
    ck = tmp_path / "run.ckpt"
    save({"model": model2, "optimizer": opt2.state_dict(), "scheduler": sched2.state_dict(),
          "epoch": 5}, ck)  # fmt: skip
    del model2, opt2, sched2

    minigrad.manual_seed(123)  # a fresh process would start from other weights
    model3 = _model()
    opt3 = make_opt(list(model3.values()))
    sched3 = make_sched(opt3)
    state = load(ck)
    with minigrad.no_grad():
        for k, p in model3.items():
            p.copy_(state["model"][k])
    opt3.load_state_dict(state["optimizer"])
    sched3.load_state_dict(state["scheduler"])
    assert state["epoch"] == 5
    rest = _train(model3, opt3, sched3, batches[5:])

    assert first + rest == full
    for k in model:
        np.testing.assert_array_equal(model3[k]._data, model[k]._data)
        assert model3[k].dtype == np.float32
    assert sched3.get_last_lr() == sched.get_last_lr()


@pytest.mark.timeout(20)
def test_load_refuses_fifo_device_and_directory_at_once(tmp_path):
    """Today a FIFO would block ``load`` forever; a device would be read without end."""
    os.mkfifo(tmp_path / "state.ckpt")
    for path, kind in [(tmp_path / "state.ckpt", "FIFO"), ("/dev/zero", "character device"),
                       (tmp_path, "directory")]:
        with pytest.raises(CheckpointError, match=kind) as err:
            load(path)
        assert str(path) in str(err.value)


def test_save_keeps_mode_refuses_read_only_and_writes_through_a_link(tmp_path):
    target, link = tmp_path / "model.ckpt", tmp_path / "latest.ckpt"
    save({"w": minigrad.tensor([1.0])}, target)
    os.chmod(target, 0o600)
    link.symlink_to(target)
    save({"w": minigrad.tensor([2.0])}, link)
    assert link.is_symlink() and os.stat(target).st_mode & 0o777 == 0o600
    np.testing.assert_array_equal(load(target)["w"].numpy(), [2.0])
    os.chmod(target, 0o444)
    with pytest.raises(PermissionError, match="read-only.*model.ckpt"):
        save({"w": minigrad.tensor([3.0])}, link)
    np.testing.assert_array_equal(load(target)["w"].numpy(), [2.0])
