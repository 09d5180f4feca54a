"""The workloads W1-W6: shared weights and batches, and one step function per implementation.

Weights are drawn once (He init, float64, from ``minigrad.random``) and copied into every
implementation; every implementation sees the same batches of Fashion-MNIST (random data with a
note when the data set is not installed). Each case maps an implementation name to a callable
that does one unit of work (a training step, an ``a + b`` forward/backward, an epoch).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import impl_cnn
import impl_floor
import impl_jax
import impl_minigrad
import impl_numpy
import impl_torch
import numpy as np

from minigrad.random import Generator

__all__ = ["WORKLOADS", "Case", "Data", "load_data", "he_weights", "build_case", "impl_names",
           "mlp_classes", "expand_workloads"]

W1_SIZES = [784] + [100] * 6 + [10]
W3_SIZES = [784, 1024, 1024, 10]
SEED = 20240601
PEERS: set[str] = set()
"""Compiled peers to time beside eager (``run.py --peers``): "jax" (jax.jit), "torch.compile"."""

# name -> (title, kind, sizes, batch)
WORKLOADS: dict[str, tuple[str, str, list[int] | None, int]] = {
    "W1": ("MLP 784-6x100-10, batch 100: one SGD step", "plain", W1_SIZES, 100),
    "W2-bn": ("W1 + BatchNorm1d after each hidden Linear: one step", "bn", W1_SIZES, 100),
    "W2-dropout": ("W1 + Dropout(0.15) after each ReLU: one step", "dropout", W1_SIZES, 100),
    "W3": ("MLP 784-1024-1024-10, batch 256: one SGD step", "plain", W3_SIZES, 256),
    "W4": ("a + b on (10,): forward + backward (per-op overhead)", "add", None, 0),
    "W4-sum": ("(a + b).sum().backward() on (10,): the two-node case", "addsum", None, 0),
    "W4-chain": ("100 x (y * 1.0001) on (10,), forward + backward: 100 nodes", "chain", None, 100),
    "W5": ("one epoch of W1 over the training set, batch 100", "plain", W1_SIZES, 100),
    "W6": ("SimpleConvNet conv30x5x5-pool-100-10, batch 100 of 1x28x28: one SGD step", "cnn",
           None, 100),
}


@dataclass
class Data:
    """Training images (N, 784) float32 in [0, 1] and int64 labels, and where they came from."""

    x: np.ndarray
    t: np.ndarray
    source: str


@dataclass
class Case:
    """One workload at one dtype: a callable per implementation, plus notes for the table."""

    workload: str
    title: str
    dtype: str
    fns: dict[str, Callable[[], object]]
    notes: list[str] = field(default_factory=list)
    unit: str = "step"


def load_data(limit: int | None = None) -> Data:
    """Fashion-MNIST's training set via ``minigrad.datasets``; random data if it is missing."""
    try:
        from minigrad.datasets import load_mnist

        (x, t), _ = load_mnist(dataset="fashion-mnist")
        src = "Fashion-MNIST (minigrad.datasets.load_mnist)"
    except Exception as e:  # noqa: BLE001 (any failure: fall back and say why)
        rng = Generator(SEED).rng
        x = rng.random((60000, 784), dtype=np.float32)
        t = rng.integers(0, 10, 60000)
        src = f"random data (Fashion-MNIST unavailable: {type(e).__name__}: {e})"
    if limit is not None:
        x, t = x[:limit], t[:limit]
    return Data(np.ascontiguousarray(x, dtype=np.float32), np.asarray(t, dtype=np.int64), src)


def he_weights(sizes: list[int], seed: int = SEED) -> list[tuple[np.ndarray, np.ndarray]]:
    """He-initialised (in, out) weights and zero biases, float64, the same for every run."""
    rng = Generator(seed).rng
    return [(rng.standard_normal((i, o)) * np.sqrt(2.0 / i), np.zeros(o))
            for i, o in zip(sizes[:-1], sizes[1:])]


def mlp_classes(kind: str) -> dict[str, Any]:
    """Network implementations available here for ``kind`` ("plain", "bn" or "dropout")."""
    classes: dict[str, Any] = {}
    if impl_minigrad.nn_available():
        classes["minigrad"] = impl_minigrad.MLP
        classes["minigrad compiled"] = impl_minigrad.CompiledMLP
        if kind == "plain":
            classes["minigrad core ops"] = impl_minigrad.CoreMLP
    elif kind == "plain":
        classes["minigrad core ops"] = impl_minigrad.CoreMLP
    if impl_torch.available():
        classes["torch"] = impl_torch.MLP
    if "torch.compile" in PEERS and impl_torch.compile_available():
        classes["torch.compile"] = impl_torch.CompiledMLP
    if "jax" in PEERS and impl_jax.available():
        classes["jax.jit"] = impl_jax.MLP
    classes["numpy"] = impl_numpy.MLP
    classes["floor"] = impl_floor.MLP
    return classes


def impl_names(workload: str) -> list[str]:
    """Implementations a workload has in this environment (what the table must show)."""
    kind = WORKLOADS[workload][1]
    if kind == "cnn":
        return (["minigrad"] if impl_minigrad.nn_available() else []) + \
            (["torch"] if impl_torch.available() else []) + ["numpy"]
    if kind in ("add", "addsum"):
        names = ["minigrad"] + (["torch"] if impl_torch.available() else []) + ["numpy", "floor"]
        return names
    if kind == "chain":
        return ["minigrad"] + (["torch"] if impl_torch.available() else [])
    names = list(mlp_classes(kind))
    if workload in ("W1", "W3"):
        names.append("floor+dx")
    return names


def _make_model(name: str, cls: Any, weights: Any, dtype: str, kind: str, batch: int) -> Any:
    if name == "floor+dx":
        return impl_floor.MLP(weights, dtype, kind, batch=batch, input_grad=True)
    if name == "floor":
        return impl_floor.MLP(weights, dtype, kind, batch=batch)
    if name == "numpy":
        return cls(weights, dtype, kind, rng=Generator(SEED + 1).rng)
    return cls(weights, dtype, kind)


def _notes(workload: str, names: list[str]) -> list[str]:
    notes = []
    if "jax" in PEERS and not impl_jax.available() and workload[:2] in ("W1", "W2", "W3"):
        notes.append("jax not installed: jax.jit rows skipped (pip install 'minigrad[bench]')")
    if ("torch.compile" in PEERS and impl_torch.available() and "torch.compile" not in names
            and workload[:2] in ("W1", "W2", "W3")):
        notes.append("torch.compile cannot build kernels here (no C++ compiler?): rows skipped")
    if not impl_torch.available():
        notes.append("torch not installed: PyTorch rows skipped (pip install 'minigrad[torch]')")
    if "minigrad" not in names:
        notes.append("minigrad.nn/optim not importable yet: minigrad rows use core ops only")
    return notes


def build_case(workload: str, dtype: str, data: Data, epoch_samples: int | None = None) -> Case:
    """The callables of one workload at one dtype, ready for ``time_round_robin``."""
    title, kind, sizes, batch = WORKLOADS[workload]
    names = impl_names(workload)
    mods = {"minigrad": impl_minigrad, "torch": impl_torch, "numpy": impl_numpy,
            "floor": impl_floor}
    if kind in ("add", "addsum"):
        fns = {n: mods[n].add_case(dtype, kind == "addsum") for n in names}
        return Case(workload, title, dtype, fns, _notes(workload, names), unit="call")
    if kind == "chain":
        fns = {n: _chain_fn(*mods[n].chain(batch, dtype)) for n in names}
        return Case(workload, title, dtype, fns, _notes(workload, names), unit="call")
    if kind == "cnn":
        return _cnn_case(workload, title, dtype, data, names, batch)
    weights = he_weights(sizes)
    classes = mlp_classes(kind)
    models = {n: _make_model(n, classes.get(n), weights, dtype, kind, batch) for n in names}
    rng = Generator(SEED + 2).rng
    if workload == "W5":
        n = len(data.x) if epoch_samples is None else min(epoch_samples, len(data.x))
        order = rng.permutation(len(data.x))[: n - n % batch]
        fns = {name: _epoch_fn(m, data, order, batch) for name, m in models.items()}
        notes = _notes(workload, names) + [f"epoch = {len(order)} samples from {data.source}"]
        return Case(workload, title, dtype, fns, notes, unit="epoch")
    idx = [rng.choice(len(data.x), batch, replace=False) for _ in range(8)]
    fns = {name: _step_fn(m, [(data.x[i], data.t[i]) for i in idx]) for name, m in models.items()}
    return Case(workload, title, dtype, fns, _notes(workload, names))


def _cnn_case(workload: str, title: str, dtype: str, data: Data, names: list[str],
              batch: int) -> Case:
    """W6: the book's SimpleConvNet in every implementation, from the same weights."""
    classes = {"minigrad": impl_cnn.MinigradCNN, "torch": impl_cnn.TorchCNN,
               "numpy": impl_cnn.NumpyCNN}
    weights = impl_cnn.cnn_weights(SEED)
    rng = Generator(SEED + 2).rng
    idx = [rng.choice(len(data.x), batch, replace=False) for _ in range(8)]
    fns = {n: _step_fn(classes[n](weights, dtype), [(data.x[i], data.t[i]) for i in idx])
           for n in names}
    return Case(workload, title, dtype, fns, _notes(workload, names))
def _chain_fn(build: Callable[[], Any], back: Callable[[Any], None]) -> Callable[[], object]:
    def run() -> object:
        back(build())
        return None

    return run


def _step_fn(model: Any, batches: list[tuple[np.ndarray, np.ndarray]]) -> Callable[[], object]:
    native = itertools.cycle([model.native(x, t) for x, t in batches])
    step = model.step

    def run() -> object:
        return step(*next(native))

    return run


def _epoch_fn(model: Any, data: Data, order: np.ndarray, batch: int) -> Callable[[], object]:
    X, T = model.native(data.x, data.t)
    slices = [order[i : i + batch] for i in range(0, len(order), batch)]
    take, step = model.take, model.step

    def run() -> object:
        for idx in slices:
            step(*take(X, T, idx))
        return None

    return run


def expand_workloads(spec: str) -> list[str]:
    """``"W1,W2"`` -> ``["W1", "W2-bn", "W2-dropout"]``; ``"all"`` -> every workload + memory."""
    extra = ["chain", "memory"]
    if spec.strip().lower() == "all":
        return list(WORKLOADS) + extra
    out: list[str] = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        hits = [w for w in list(WORKLOADS) + extra if w == part or w.startswith(part + "-")]
        if not hits:
            known = ", ".join(list(WORKLOADS) + extra)
            raise ValueError(f"unknown workload {part!r}; known: {known} (or W2, all)")
        out += [h for h in hits if h not in out]
    return out
