"""Run PyTorch's own OpInfo sample inputs (``op_db``) on minigrad and compare with torch.

Each OpInfo entry is resolved to minigrad the way torch resolves ``op.op`` (``torch.X`` ->
``minigrad.X``, ``torch.nn.functional.X`` -> ``minigrad.nn.functional.X``, ``Tensor.X`` ->
``minigrad.Tensor.X``; op_db's own lambdas run with ``torch`` bound to minigrad); its samples are
converted and compared: values (``torch.testing.assert_close``'s default tolerances), result
dtypes and shapes, and for float64 first-order and, where op_db declares it, second-order
gradients against ``torch.autograd.grad`` with random upstream gradients.
"""

from __future__ import annotations

import dis
import functools
import itertools
import os
import types
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch

import minigrad as mg


def _load_op_db() -> list:
    """op_db, without the global changes its import makes for torch's own test runs: it
    freezes torch.backends flags, installs warning filters and sets an environment variable."""
    filters, env = list(warnings.filters), dict(os.environ)
    from torch.testing._internal.common_methods_invocations import op_db

    warnings.filters[:] = filters
    warnings._filters_mutated()
    for key in set(os.environ) - set(env):
        del os.environ[key]
    torch.backends.flags_frozen.__globals__["__allow_nonbracketed_mutation_flag"] = True
    return op_db


op_db = _load_op_db()

CAP = 6  # samples per entry and dtype: the first CAP op_db yields (deterministic, seeded)
# assert_close's default (rtol, atol) per dtype; integers and bool compare exactly
TOLERANCES = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5),
              "float64": (1e-7, 1e-7)}
_INTEGRAL = (torch.int64, torch.int32, torch.bool, torch.uint8, torch.int16, torch.int8)
_NAMESPACES = {"nn.functional.": "nn.functional", "linalg.": "linalg", "special.": "special",
               "fft.": "fft"}


class Unsupported(Exception):
    """A sample uses something minigrad does not model at all (complex numbers, sparse)."""


class Mismatch(AssertionError):
    """minigrad's answer differs from torch's."""


def entry_id(op) -> str:
    return op.name + ("." + op.variant_test_name if op.variant_test_name else "")


def _path(root, dotted: str):
    obj = root
    for part in dotted.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _seeded(fn, *args, **kwargs):
    return fn(*args, **kwargs)


def _rebind(fn: types.FunctionType):
    """op_db's lambda with ``torch`` bound to minigrad; None when a name it uses is missing."""
    names = {"torch": mg, "wrapper_set_seed": _seeded}
    for name, target in _attr_uses(fn.__code__):
        if target == "torch" and _path(mg, name) is None:
            return None
        if target == "tensor" and not hasattr(mg.Tensor, name):
            return None
    g = dict(fn.__globals__)
    g.update(names)
    return types.FunctionType(fn.__code__, g, fn.__name__, fn.__defaults__, fn.__closure__)


def _attr_uses(code) -> Iterator[tuple[str, str]]:
    """(dotted name, 'torch' | 'tensor') for each attribute the code reads: chains that start
    at the global ``torch``, and any other attribute (of a tensor, as op_db's lambdas go)."""
    chain, from_torch = [], False
    for ins in list(dis.get_instructions(code)) + [None]:
        op = ins.opname if ins else ""
        if op in ("LOAD_ATTR", "LOAD_METHOD"):
            if from_torch:
                chain.append(ins.argval)
            else:
                yield ins.argval, "tensor"
            continue
        if chain:
            yield ".".join(chain), "torch"
        chain = []
        from_torch = op == "LOAD_GLOBAL" and ins.argval == "torch"
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _attr_uses(const)


def _by_name(op, fn):
    """minigrad's counterpart of a torch function or Tensor method ``fn`` named by ``op``."""
    for prefix, ns in _NAMESPACES.items():
        if op.name.startswith(prefix):
            return _path(mg, ns + "." + op.name[len(prefix):])
    if "." in op.name:
        return None
    if getattr(torch, op.name, None) is fn:
        return getattr(mg, op.name, None)
    for cls in (torch.Tensor, torch._C.TensorBase):
        if getattr(cls, op.name, None) is fn:
            return getattr(mg.Tensor, op.name, None)
    return None


def _method(fn):
    """Tensor.X (or Tensor.X_) for torch's ``torch.Tensor.X``; False when minigrad lacks it."""
    if fn is None:
        return None
    if isinstance(fn, functools.partial):  # partial(F.hardsigmoid, inplace=True) & co.
        name = getattr(fn.func, "__name__", "")
        mine = getattr(mg.nn.functional, name, None) if fn.func is getattr(
            torch.nn.functional, name, None) else None
        return functools.partial(mine, *fn.args, **fn.keywords) if mine else False
    if isinstance(fn, types.FunctionType) and fn.__module__.startswith("torch.testing"):
        return _rebind(fn) or False
    return getattr(mg.Tensor, getattr(fn, "__name__", ""), None) or False


@dataclass
class Entry:
    op: object
    function: Callable
    method: Callable | None | bool  # None: torch has no such variant; False: minigrad lacks it
    inplace: Callable | None | bool
    random: bool

    @property
    def id(self) -> str:
        return entry_id(self.op)


def resolve(op) -> Entry | None:
    """The minigrad callables of an OpInfo entry, or None when minigrad does not expose it."""
    fn = op.op
    if isinstance(fn, types.FunctionType) and fn.__module__.startswith("torch.testing"):
        mine = _rebind(fn)
    else:
        mine = _by_name(op, fn)
    if mine is None:
        return None
    codes = [f.__code__ for f in (fn, op.method_variant, op.inplace_variant)
             if isinstance(f, types.FunctionType)]
    random = any("wrapper_set_seed" in c.co_names for c in codes)
    return Entry(op, mine, _method(op.method_variant), _method(op.inplace_variant), random)


def exposed() -> list[Entry]:
    """Every op_db entry minigrad exposes, in op_db's order."""
    return [e for e in map(resolve, op_db) if e is not None]


def dtypes_for(op) -> list[torch.dtype]:
    """float64, float32 and the first integer or bool dtype that op_db lists for the CPU."""
    have = op.supported_dtypes("cpu")
    out = [d for d in (torch.float64, torch.float32) if d in have]
    return out + [d for d in _INTEGRAL if d in have][:1]


def has_samples(op) -> bool:
    """Whether op_db yields any CPU sample for the entry (some entries are CUDA-only)."""
    return any(samples(op, d, 1) for d in dtypes_for(op))


def samples(op, dtype: torch.dtype, cap: int = CAP) -> list:
    torch.manual_seed(0)
    grad = dtype == torch.float64 and op.supports_autograd
    return list(itertools.islice(op.sample_inputs("cpu", dtype, requires_grad=grad), cap))


# -- conversion ---------------------------------------------------------------------------------

def mg_dtype(d: torch.dtype):
    name = str(d).replace("torch.", "")
    got = getattr(mg, name, None)
    if got is None or name.startswith(("complex", "bfloat", "qint", "quint", "float8")):
        raise Unsupported(f"dtype {name}")
    return got


def to_mg(x, leaves: list):
    """The minigrad twin of a sample's value; tensors that require grad go to ``leaves``."""
    if isinstance(x, torch.Tensor):
        if x.is_complex() or x.layout != torch.strided:
            raise Unsupported("complex or sparse tensor")
        t = mg.tensor(x.detach().numpy().copy(), dtype=mg_dtype(x.dtype))
        if x.requires_grad:
            t.requires_grad_(True)
            leaves.append((x, t))
        return t
    if isinstance(x, torch.Size):
        return tuple(x)
    if isinstance(x, list | tuple):
        return type(x)(to_mg(v, leaves) for v in x) if not hasattr(x, "_fields") else x
    if isinstance(x, dict):
        return {k: to_mg(v, leaves) for k, v in x.items()}
    if isinstance(x, torch.dtype):
        return mg_dtype(x)
    if isinstance(x, torch.device):
        return mg.device(str(x))
    if isinstance(x, complex):
        raise Unsupported("complex scalar")
    if isinstance(x, torch.memory_format | torch.layout):
        return getattr(mg, str(x).replace("torch.", ""), None) or _unsupported(x)
    if isinstance(x, torch.Generator):
        raise Unsupported(type(x).__name__)
    return x


def _unsupported(x):
    raise Unsupported(str(x))


def convert(sample) -> tuple[object, tuple, dict, list]:
    leaves: list = []
    inp = to_mg(sample.input, leaves)
    args = tuple(to_mg(a, leaves) for a in sample.args)
    kwargs = {k: to_mg(v, leaves) for k, v in sample.kwargs.items()}
    return inp, args, kwargs, leaves


# -- comparison ---------------------------------------------------------------------------------

def _name(dtype) -> str:
    return str(dtype).replace("torch.", "")


def compare(got, expected, what: str, values: bool = True) -> None:
    """Raise Mismatch unless ``got`` (minigrad) matches ``expected`` (torch) in kind, dtype,
    shape and (unless ``values`` is False) value."""
    if isinstance(expected, torch.Tensor):
        if not isinstance(got, mg.Tensor):
            raise Mismatch(f"{what}: got {type(got).__name__}, torch gives a Tensor")
        if _name(got.dtype) != _name(expected.dtype):
            raise Mismatch(f"{what}: dtype {_name(got.dtype)}, torch gives {_name(expected.dtype)}")
        if tuple(got.shape) != tuple(expected.shape):
            raise Mismatch(f"{what}: shape {tuple(got.shape)}, torch gives "
                           f"{tuple(expected.shape)}")
        if values:  # zeros_like + x: a ZeroTensor (sgn's gradient) has no numpy()
            ref = (torch.zeros_like(expected) + expected.detach()).numpy()
            _values(got.detach().numpy(), ref, what)
    elif isinstance(expected, list | tuple):
        if not isinstance(got, list | tuple) or len(got) != len(expected):
            raise Mismatch(f"{what}: got {type(got).__name__}, torch gives {len(expected)} values")
        for k, (a, b) in enumerate(zip(got, expected)):
            compare(a, b, f"{what}[{k}]", values)
    elif isinstance(expected, bool | int | float):
        if type(got) is not type(expected) and not isinstance(got, type(expected)):
            raise Mismatch(f"{what}: got {type(got).__name__} {got!r}, torch gives "
                           f"{type(expected).__name__} {expected!r}")
        if values:
            _values(np.asarray(got), np.asarray(expected), what)
    elif expected is None:
        if got is not None:
            raise Mismatch(f"{what}: got {type(got).__name__}, torch gives None")
    else:
        raise Unsupported(f"{what}: torch returns {type(expected).__name__}")


def _values(a: np.ndarray, b: np.ndarray, what: str) -> None:
    rtol, atol = TOLERANCES.get(str(b.dtype), (0.0, 0.0))
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        close = np.isclose(a.astype(np.float64), b.astype(np.float64), rtol=rtol, atol=atol,
                           equal_nan=True)
    else:
        close = a == b
    if not np.all(close):
        bad = np.argwhere(~np.asarray(close))[:1]
        at = tuple(int(i) for i in bad[0]) if bad.size else ()
        raise Mismatch(f"{what}: {int(np.size(close) - np.sum(close))} of {np.size(close)} "
                       f"values differ, e.g. at {at}: {a[at]!r} vs torch {b[at]!r} "
                       f"(rtol={rtol}, atol={atol})")
