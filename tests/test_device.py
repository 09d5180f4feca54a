"""Devices, CPU only, side by side with PyTorch 2.13's CPU build: ``minigrad.device``, the
``device=`` keyword, ``Tensor.to`` / ``.cpu()`` / ``.cuda()``, ``Module.to``, ``minigrad.cuda``,
``backends`` and ``accelerator``; and a device-agnostic training script that runs unchanged."""

from __future__ import annotations

import pickle
import sys

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.devices import DeviceError

LIBS = pytest.mark.parametrize("lib", [mg, torch], ids=["minigrad", "torch"])
ELSEWHERE = ["cuda", "cuda:0", "mps", "meta"]


def _outcome(fn):
    """What a call gives, comparable across the two libraries: a value, or the error's type."""
    try:
        return fn()
    except (RuntimeError, TypeError) as exc:  # torch's CUDA errors are AssertionErrors: not here
        return type(exc).__name__


# -- minigrad.device ----------------------------------------------------------------------------

DEVICE_ARGS = [("cpu",), ("cpu:0",), ("cpu", 0), ("cuda",), ("cuda:1",), ("cuda", 2), ("mps",),
               ("meta",), ("gpu",), ("CPU",), (" cpu",), ("cpu:x",), ("cuda:-1",), ("cuda:00",),
               ("cuda:+1",), ("cuda:0:1",), ("",), ("cuda:0", 1), ("cpu", -1), (0,), (1.0,),
               (None,), (True,)]  # fmt: skip


@pytest.mark.parametrize("args", DEVICE_ARGS, ids=repr)
def test_device_parses_as_torch(args):
    def describe(lib):
        d = lib.device(*args)
        return repr(d), str(d), d.type, d.index, d == lib.device(d), hash(d) == hash(lib.device(d))

    assert _outcome(lambda: describe(mg)) == _outcome(lambda: describe(torch))


@LIBS
def test_device_equality_hash_and_pickle(lib):
    cpu = lib.device("cpu")
    assert cpu == lib.device(type="cpu") and cpu != lib.device("cpu:0")
    assert cpu != "cpu" and "cpu" != cpu  # as PyTorch: a device equals devices only
    assert cpu.type == "cpu" and str(cpu) == "cpu"  # how scripts compare with strings
    assert len({cpu, lib.device("cpu"), lib.device("cpu", 0)}) == 2
    cuda1 = lib.device("cuda", 1)
    assert pickle.loads(pickle.dumps(cuda1)) == cuda1


# -- device= on creation functions --------------------------------------------------------------

CREATORS = {
    "tensor": lambda lib, **kw: lib.tensor([1.0, 2.0], **kw),
    "as_tensor": lambda lib, **kw: lib.as_tensor([1.0, 2.0], **kw),
    "zeros": lambda lib, **kw: lib.zeros(2, 3, **kw),
    "ones": lambda lib, **kw: lib.ones((2,), **kw),
    "empty": lambda lib, **kw: lib.empty(2, **kw),
    "full": lambda lib, **kw: lib.full((2,), 1.5, **kw),
    "zeros_like": lambda lib, **kw: lib.zeros_like(lib.ones(2), **kw),
    "ones_like": lambda lib, **kw: lib.ones_like(lib.ones(2), **kw),
    "full_like": lambda lib, **kw: lib.full_like(lib.ones(2), 3.0, **kw),
    "arange": lambda lib, **kw: lib.arange(5, **kw),
    "linspace": lambda lib, **kw: lib.linspace(0, 1, 5, **kw),
    "eye": lambda lib, **kw: lib.eye(3, **kw),
    "randn": lambda lib, **kw: lib.randn(2, 2, **kw),
    "rand": lambda lib, **kw: lib.rand(2, **kw),
    "randint": lambda lib, **kw: lib.randint(0, 5, (3,), **kw),
    "randperm": lambda lib, **kw: lib.randperm(4, **kw),
    "normal": lambda lib, **kw: lib.normal(0.0, 1.0, (3,), **kw),
}


@pytest.mark.parametrize("name", CREATORS)
def test_every_creation_function_takes_device(name):
    make = CREATORS[name]
    for where in (None, "cpu", "cpu:0", mg.device("cpu"), mg.device("cpu", 3)):
        t = make(mg, device=where)
        assert t.device == mg.device("cpu") and not t.is_cuda
        assert t.shape == tuple(make(torch, device=str(where or "cpu")).shape)
    for where in [*ELSEWHERE, mg.device("cuda", 1), 0]:
        with pytest.raises(RuntimeError, match="CPU only|accelerator"):
            make(mg, device=where)
    if name != "as_tensor":  # torch.as_tensor's device may also be positional
        with pytest.raises(TypeError):
            make(mg, device="cpu", dev="cpu")


def test_device_keyword_is_in_the_signatures():
    import inspect

    for fn in (mg.zeros, mg.tensor, mg.zeros_like, mg.arange, mg.randn, mg.randint, mg.as_tensor):
        param = inspect.signature(fn).parameters["device"]
        assert param.kind is inspect.Parameter.KEYWORD_ONLY and param.default is None


def test_layers_and_generators_refuse_other_devices():
    assert mg.nn.Linear(2, 3, device="cpu").weight.device == mg.device("cpu")
    mg.nn.BatchNorm1d(3, device=mg.device("cpu"))
    for make in (lambda: mg.nn.Linear(2, 3, device="cuda"),
                 lambda: mg.nn.BatchNorm1d(3, device="cuda"),
                 lambda: mg.Generator(device="cuda"), lambda: mg.Generator("cuda")):
        with pytest.raises(DeviceError, match="CPU only"):
            make()
    for g in (mg.Generator(device="cpu"), mg.Generator("cpu"), mg.Generator(mg.device("cpu"))):
        assert g.device == mg.device("cpu") and g.initial_seed() == mg.Generator().initial_seed()


# -- Tensor.device, .to, .cpu, .cuda ------------------------------------------------------------


@LIBS
def test_tensor_device_attributes(lib):
    x = lib.ones(2)
    assert x.device == lib.device("cpu") and x.device.type == "cpu" and str(x.device) == "cpu"
    assert (x.is_cuda, x.is_cpu, x.get_device()) == (False, True, -1)
    assert x.cpu() is x


TO_CALLS = {
    "()": lambda lib, x: x.to(),
    "(None)": lambda lib, x: x.to(None),
    "('cpu')": lambda lib, x: x.to("cpu"),
    "('cpu:0')": lambda lib, x: x.to("cpu:0"),
    "(device('cpu'))": lambda lib, x: x.to(lib.device("cpu")),
    "(float32)": lambda lib, x: x.to(lib.float32),
    "(float64)": lambda lib, x: x.to(lib.float64),
    "(int64)": lambda lib, x: x.to(lib.int64),
    "(float)": lambda lib, x: x.to(float),
    "(int)": lambda lib, x: x.to(int),
    "('cpu', float64)": lambda lib, x: x.to("cpu", lib.float64),
    "(None, float64)": lambda lib, x: x.to(None, lib.float64),
    "('cpu', None)": lambda lib, x: x.to("cpu", None),
    "('cpu', dtype=float64)": lambda lib, x: x.to("cpu", dtype=lib.float64),
    "(dtype=float64, device='cpu')": lambda lib, x: x.to(dtype=lib.float64, device="cpu"),
    "(device=None)": lambda lib, x: x.to(device=None),
    "(float64, True, True)": lambda lib, x: x.to(lib.float64, True, True),
    "('cpu', float64, True, True)": lambda lib, x: x.to("cpu", lib.float64, True, True),
    "(float64, non_blocking=True)": lambda lib, x: x.to(lib.float64, non_blocking=True),
    "('cpu', non_blocking=True)": lambda lib, x: x.to("cpu", non_blocking=True),
    "(other64)": lambda lib, x: x.to(lib.zeros(1, dtype=lib.float64)),
    "(other32)": lambda lib, x: x.to(lib.zeros(1)),
    "(other64, copy=True)": lambda lib, x: x.to(lib.zeros(1, dtype=lib.float64), copy=True),
    "(copy=True)": lambda lib, x: x.to(copy=True),
    "('cpu', copy=True)": lambda lib, x: x.to("cpu", copy=True),
    "(float32, copy=False)": lambda lib, x: x.to(lib.float32, copy=False),
    # invalid combinations: TypeError in both
    "(float64, 'cpu')": lambda lib, x: x.to(lib.float64, "cpu"),
    "('cpu', 'cpu')": lambda lib, x: x.to("cpu", "cpu"),
    "(float64, float64)": lambda lib, x: x.to(lib.float64, lib.float64),
    "(float64, dtype=float64)": lambda lib, x: x.to(lib.float64, dtype=lib.float64),
    "(float64, device='cpu')": lambda lib, x: x.to(lib.float64, device="cpu"),
    "('cpu', device='cpu')": lambda lib, x: x.to("cpu", device="cpu"),
    "(other, dtype=float64)": lambda lib, x: x.to(lib.zeros(1), dtype=lib.float64),
    "(float64, True, True, True)": lambda lib, x: x.to(lib.float64, True, True, True),
    "('cpu', float64, 1)": lambda lib, x: x.to("cpu", lib.float64, 1),
    "(foo=1)": lambda lib, x: x.to(foo=1),
    "('float64')": lambda lib, x: x.to("float64"),  # a string is a device, as in PyTorch
    "('gpu')": lambda lib, x: x.to("gpu"),
}  # fmt: skip


@pytest.mark.parametrize("call", TO_CALLS)
def test_tensor_to_reads_its_arguments_as_torch(call):
    def describe(lib):
        x = lib.ones(3, requires_grad=True)
        y = TO_CALLS[call](lib, x)
        return (y is x, str(y.dtype).rsplit(".", 1)[-1], str(y.device), y.requires_grad,
                y.is_leaf, np.shares_memory(np.asarray(y.detach()), np.asarray(x.detach())))

    assert _outcome(lambda: describe(mg)) == _outcome(lambda: describe(torch))


def test_to_keeps_gradients_flowing():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x.to(mg.float64) * x.to("cpu", copy=True)).sum().backward()
    assert x.grad.dtype == np.float32 and np.array_equal(x.grad.numpy(), [2.0, 4.0])
    y = x.to("cpu", copy=True)
    with mg.no_grad():
        y.zero_()
    assert np.array_equal(x.detach().numpy(), [1.0, 2.0])  # a copy, not a view


@pytest.mark.parametrize("where", [*ELSEWHERE, "cuda:1", 0, mg.device("cuda", 0)], ids=repr)
def test_moving_a_tensor_off_the_cpu_raises(where):
    x = mg.ones(2)
    with pytest.raises(RuntimeError, match="CPU only|accelerator"):
        x.to(where)
    with pytest.raises(RuntimeError, match="CPU only|accelerator"):
        x.to(where, mg.float64)
    with pytest.raises(RuntimeError, match="CPU only|accelerator"):
        x.to(device=where, dtype=mg.float64)


def test_cuda_raises_a_short_error():
    x = mg.ones(2)
    for call in (x.cuda, lambda: x.cuda(0), lambda: x.cuda("cpu"), lambda: x.cuda("cuda:1")):
        with pytest.raises(RuntimeError, match=r"^minigrad runs on the CPU only: device 'cuda'"):
            call()


# -- Module ---------------------------------------------------------------------------------------


@LIBS
def test_module_to_cpu_and_dtype(lib):
    torch.manual_seed(0)
    m = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.BatchNorm1d(3))
    assert m.to("cpu") is m and m.to(lib.device("cpu")) is m and m.cpu() is m
    assert m.to("cpu", lib.float64) is m and m[0].weight.dtype == lib.float64
    assert m[1].running_mean.dtype == lib.float64
    m.to(lib.zeros(1, dtype=lib.float32))
    assert m[0].weight.dtype == lib.float32
    m.to(device="cpu", dtype=lib.float64, non_blocking=True)
    m.to(lib.float32, True)
    assert m[0].bias.dtype == lib.float32 and m[0].weight.device == lib.device("cpu")
    with pytest.raises(TypeError, match="floating point"):
        m.to(lib.int64)
    with pytest.raises(TypeError, match="floating point"):
        m.to(device="cuda", dtype=lib.int64)
    with pytest.raises(RuntimeError, match="copy"):
        m.to("cpu", copy=True)
    with pytest.raises(TypeError):
        m.to(lib.float64, lib.float64)


def test_module_cuda_raises_when_it_holds_tensors_as_torch():
    for lib in (mg, torch):
        empty = lib.nn.ReLU()
        assert empty.to("cuda") is empty and empty.cuda() is empty  # nothing to move
    m = mg.nn.Linear(2, 2)
    for call in (m.cuda, lambda: m.to("cuda"), lambda: m.to("mps"), lambda: m.to(0)):
        with pytest.raises(RuntimeError, match="CPU only|accelerator"):
            call()
    assert m.weight.device == mg.device("cpu")


# -- minigrad.cuda, backends, accelerator ---------------------------------------------------------


@LIBS
def test_no_accelerator_is_reported(lib):
    assert (lib.cuda.is_available(), lib.cuda.device_count(), lib.cuda.is_initialized()) == (
        False, 0, False)  # fmt: skip
    assert lib.cuda.manual_seed_all(0) is None and lib.cuda.manual_seed(0) is None
    assert lib.cuda.empty_cache() is None
    assert (lib.backends.mps.is_available(), lib.backends.mps.is_built()) == (False, False)
    assert not lib.backends.cudnn.is_available()
    assert (lib.accelerator.is_available(), lib.accelerator.current_accelerator()) == (False, None)
    assert lib.accelerator.device_count() == 0


def test_cuda_calls_that_need_a_gpu_raise():
    for call in (mg.cuda.synchronize, mg.cuda.current_device):
        with pytest.raises(RuntimeError, match="CPU only"):
            call()


def test_cuda_seeding_leaves_the_cpu_generator_alone():
    mg.manual_seed(5)
    expected = mg.randn(3).numpy()
    mg.manual_seed(5)
    mg.cuda.manual_seed_all(123)
    mg.cuda.manual_seed(123)
    assert np.array_equal(mg.randn(3).numpy(), expected)


# -- a device-agnostic script, unchanged -----------------------------------------------------------

SCRIPT = '''
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
torch.cuda.manual_seed_all(0)
torch.backends.cudnn.deterministic = True
torch.backends.cudnn.benchmark = False
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
if torch.backends.mps.is_available():
    device = torch.device("mps")
accel = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
assert str(device) == accel == "cpu"


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 32)
        self.fc2 = nn.Linear(32, 2)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


x = torch.randn(256, 2)
y = (x[:, 0] * x[:, 1] > 0).long()
loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
model = Net().to(device)
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
losses = []
for epoch in range(30):
    model.train()
    for xb, yb in loader:
        xb, yb = xb.to(device, non_blocking=True), yb.to(device)
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
model.eval()
with torch.no_grad():
    xt = torch.randn(512, 2, device=device)
    yt = (xt[:, 0] * xt[:, 1] > 0).long().to(device)
    accuracy = (model(xt).argmax(1) == yt).float().mean().item()
    probs = F.softmax(model(xt), dim=1).cpu().numpy()
'''


def _as_torch(monkeypatch):
    """Make ``import torch`` (and its submodules the script uses) give minigrad."""
    for name, module in {"torch": mg, "torch.nn": mg.nn, "torch.nn.functional": mg.nn.functional,
                         "torch.optim": mg.optim, "torch.utils": mg.utils,
                         "torch.utils.data": mg.utils.data}.items():
        monkeypatch.setitem(sys.modules, name, module)


@pytest.mark.parametrize("backend", ["minigrad", "torch"])
def test_device_agnostic_training_script_runs_unchanged(backend, monkeypatch):
    if backend == "minigrad":
        _as_torch(monkeypatch)
    env: dict = {}
    exec(compile(SCRIPT, f"<device-agnostic script on {backend}>", "exec"), env)
    assert env["accuracy"] > 0.9 and np.mean(env["losses"][-8:]) < 0.3 * env["losses"][0]
    assert isinstance(env["probs"], np.ndarray) and env["probs"].shape == (512, 2)
