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


_TO_KEYWORDS = {"device", "dtype", "non_blocking", "copy", "memory_format"}


def parse_to(args: tuple, kwargs: dict) -> tuple[Any, Any, bool, bool]:
    """``(device, dtype, non_blocking, copy)`` from the arguments of ``to``, as PyTorch reads
    them: ``to(device=None, dtype=None, non_blocking=False, copy=False)``, ``to(dtype, ...)``
    or ``to(tensor, ...)`` (its dtype and device); other combinations raise TypeError."""
    from .tensor import Tensor

    def bad() -> TypeError:
        got = [type(a).__name__ for a in args]
        got += [f"{k}={type(v).__name__}" for k, v in kwargs.items()]
        return TypeError(f"to() received an invalid combination of arguments: ({', '.join(got)}); "
                         "expected to(device=None, dtype=None, non_blocking=False, copy=False), "
                         "to(dtype, non_blocking=False, copy=False) or to(tensor, ...)")

    if set(kwargs) - _TO_KEYWORDS:
        raise bad()
    rest = list(args)
    named = dict(kwargs)
    if rest and isinstance(rest[0], Tensor):
        other = rest.pop(0)
        taken = {"device": other.device, "dtype": other.dtype}
    elif rest and _is_dtype(rest[0]):
        taken = {"dtype": rest.pop(0)}
        if "device" in named:
            raise bad()
    else:
        taken = {}
        if rest and (rest[0] is None or _is_device(rest[0])):
            taken["device"] = rest.pop(0)
            if rest and (rest[0] is None or _is_dtype(rest[0])):
                taken["dtype"] = rest.pop(0)
    for name in ("non_blocking", "copy"):
        if rest:
            if not isinstance(rest[0], bool | np.bool_):
                raise bad()
            taken[name] = bool(rest.pop(0))
    if rest or set(taken) & set(named):
        raise bad()
    taken.update(named)
    if taken.get("dtype") is not None and not _is_dtype(taken["dtype"]):
        raise bad()
    return (taken.get("device"), taken.get("dtype"), bool(taken.get("non_blocking", False)),
            bool(taken.get("copy", False)))
