"""Devices, CPU only: ``minigrad.device`` as ``torch.device``, and the checks that refuse others.

minigrad computes with NumPy on the CPU. A script written the device-agnostic way (``"cuda" if
minigrad.cuda.is_available() else "cpu"``) runs unchanged; asking for any other device raises
:class:`DeviceError` at once instead of silently computing somewhere else.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, Union

import numpy as np

__all__ = ["device", "DeviceError", "DeviceLike", "CPU", "check_cpu", "unavailable", "on_cpu",
           "parse_to"]

# The device types torch.device knows (so "cuda" and "mps" can be named, as in PyTorch).
DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
                "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                "privateuseone")  # fmt: skip


class DeviceError(RuntimeError):
    """A tensor or module was asked to live on a device other than the CPU."""


class device:  # noqa: N801  (PyTorch's name: minigrad.device)
    """Where a tensor lives, as ``torch.device``: ``device("cpu")``, ``device("cuda", 0)``,
    ``device("cpu:0")``. Any PyTorch device type can be named; only the CPU can hold tensors."""

    __slots__ = ("_type", "_index")

    def __init__(self, type: str | device, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device) and index is None:
            self._type, self._index = type._type, type._index
            return
        if isinstance(type, int) and not isinstance(type, bool):
            raise RuntimeError("Cannot access accelerator device when none is available.")
        if not isinstance(type, str):
            raise TypeError(f"device() expects a string such as 'cpu', got {type!r}")
        if not type:
            raise RuntimeError("Device string must not be empty")
        name, sep, idx = type.partition(":")
        if sep and not (idx.isdigit() and idx.isascii() and (idx == "0" or idx[0] != "0")):
            raise RuntimeError(f"Invalid device string: {type!r}")
        if name not in DEVICE_TYPES:
            raise RuntimeError(f"Expected one of {', '.join(DEVICE_TYPES)} device type at start "
                               f"of device string: {type}")
        if sep and index is not None:
            raise RuntimeError("type (string) must not include an index because index was "
                               f"passed explicitly: {type}")
        if index is not None and (isinstance(index, bool) or not isinstance(index, int)):
            raise TypeError(f"device index must be an int, got {index!r}")
        if index is not None and index < 0:
            raise RuntimeError("Device index must not be negative")
        self._type, self._index = name, int(idx) if sep else index

    @property
    def type(self) -> str:
        return self._type

    @property
    def index(self) -> int | None:
        return self._index

    def __eq__(self, other: object) -> bool:
        # As PyTorch: a device equals devices only (device("cpu") == "cpu" is False there too).
        if not isinstance(other, device):
            return NotImplemented
        return (self._type, self._index) == (other._type, other._index)

    def __hash__(self) -> int:
        return hash((self._type, self._index))

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __repr__(self) -> str:
        index = "" if self._index is None else f", index={self._index}"
        return f"device(type={self._type!r}{index})"

    def __reduce__(self) -> tuple:
        return device, (self._type, self._index)


DeviceLike = Union[str, device, int, None]  # noqa: UP007  (an alias usable at runtime)
CPU = device("cpu")


def check_cpu(where: DeviceLike) -> None:
    """Return if ``where`` is None or a CPU device; raise :class:`DeviceError` for any other."""
    if where is None or where is CPU or (type(where) is str and where == "cpu"):
        return
    d = device(where)
    if d._type != "cpu":
        raise unavailable(d)


def unavailable(where: DeviceLike = "cuda") -> DeviceError:
    """The error for a request to use ``where`` (CUDA by default): minigrad has the CPU only."""
    d = where if isinstance(where, device) else device(where)
    hint = "; minigrad.cuda.is_available() is False" if d._type == "cuda" else ""
    return DeviceError(f"minigrad runs on the CPU only: device '{d}' is not available{hint}")


def on_cpu(fn: Callable) -> Callable:
    """Give a creation function PyTorch's keyword ``device=`` (None or the CPU; others raise)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, device: DeviceLike = None, **kwargs: Any) -> Any:
        if device is not None:
            check_cpu(device)
        return fn(*args, **kwargs)

    sig = inspect.signature(fn)
    params = list(sig.parameters.values())
    at = len(params) - (bool(params) and params[-1].kind is inspect.Parameter.VAR_KEYWORD)
    params.insert(at, inspect.Parameter("device", inspect.Parameter.KEYWORD_ONLY, default=None,
                                        annotation="DeviceLike"))
    wrapper.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    return wrapper


def _is_device(a: Any) -> bool:
    return isinstance(a, str | device) or (isinstance(a, int) and not isinstance(a, bool))


def _is_dtype(a: Any) -> bool:
    if a is None or _is_device(a) or isinstance(a, bool):
        return False
    try:
        np.dtype(a)
    except TypeError:
        return False
    return True


_TO_KEYWORDS = frozenset({"device", "dtype", "non_blocking", "copy", "memory_format"})


@functools.cache
def _tensor_type() -> type:
    from .tensor import Tensor  # here: minigrad.tensor imports this module

    return Tensor


def _bad_to(args: tuple, kwargs: dict) -> TypeError:
    got = [type(a).__name__ for a in args] + [f"{k}={type(v).__name__}" for k, v in kwargs.items()]
    return TypeError(f"to() received an invalid combination of arguments: ({', '.join(got)}); "
                     "expected to(device=None, dtype=None, non_blocking=False, copy=False), "
                     "to(dtype, non_blocking=False, copy=False) or to(tensor, ...)")


def parse_to(args: tuple, kwargs: dict) -> tuple[Any, Any, bool, bool]:
    """``(device, dtype, non_blocking, copy)`` from the arguments of ``to``, as PyTorch reads
    them: ``to(device=None, dtype=None, non_blocking=False, copy=False)``, ``to(dtype, ...)``
    or ``to(tensor, ...)`` (its dtype and device); other combinations raise TypeError."""
    if kwargs and not _TO_KEYWORDS.issuperset(kwargs):
        raise _bad_to(args, kwargs)
    taken: dict[str, Any] = {}
    n = 0
    if args:
        first = args[0]
        if isinstance(first, _tensor_type()):
            taken = {"device": first.device, "dtype": first.dtype}
            n = 1
        elif first is None or _is_device(first):
            taken["device"] = first
            n = 1
            if len(args) > 1 and (args[1] is None or _is_dtype(args[1])):
                taken["dtype"] = args[1]
                n = 2
        elif _is_dtype(first):
            if "device" in kwargs:
                raise _bad_to(args, kwargs)
            taken["dtype"] = first
            n = 1
    flags = args[n:]
    if len(flags) > 2 or not all(isinstance(f, bool | np.bool_) for f in flags):
        raise _bad_to(args, kwargs)
    taken.update(zip(("non_blocking", "copy"), flags))
    if kwargs:
        if not taken.keys().isdisjoint(kwargs):
            raise _bad_to(args, kwargs)
        taken.update(kwargs)
        if taken.get("dtype") is not None and not _is_dtype(taken["dtype"]):
            raise _bad_to(args, kwargs)
    return (taken.get("device"), taken.get("dtype"), bool(taken.get("non_blocking", False)),
            bool(taken.get("copy", False)))
