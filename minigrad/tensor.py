"""The Tensor: a NumPy array, its gradient, and the node that made it; dunders route to the ops."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from typing import Any

import numpy as np

from . import autograd
from . import capture_hooks as _hooks
from . import dtypes as _dt
from .devices import DeviceLike, check_cpu
from .dtypes import float32, float64

__all__ = ["Tensor", "as_tensor", "as_pair", "float32", "float64"]

_QUIET_DTYPES = (np.dtype(np.int64), np.dtype(np.bool_))  # and the default float dtype


def _to_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Python data -> ndarray with PyTorch's dtype rules (floats get the default dtype)."""
    if isinstance(data, Tensor):
        data = data._data
    if dtype is not None:
        return np.array(data, dtype=np.dtype(dtype))
    if isinstance(data, np.ndarray | np.generic):
        return np.array(data)
    arr = np.array(data)
    if arr.dtype == np.float64:
        arr = arr.astype(_dt.get_default_dtype())
    elif arr.dtype.kind == "c":
        raise TypeError("complex tensors are not supported")
    elif arr.dtype == object or arr.dtype.kind in "USV":
        raise TypeError(f"could not make a tensor from data of type {type(data).__name__}")
    return arr


class _Version:
    """The version counter a storage's tensors share (views, ``detach()``); in-place writes bump
    it, and backward compares it with the version a node saw."""

    __slots__ = ("n",)

    def __init__(self) -> None:
        self.n = 0


def counter(t: Tensor) -> _Version:
    """``t``'s version counter, made when first needed: a tensor starts with none (version 0),
    since most are never written in place nor shared (this keeps every op's output cheap)."""
    vc = t._vc
    if vc is None:
        vc = t._vc = _Version()
    return vc


def bump(t: Tensor) -> None:
    """Record an in-place write into ``t``'s storage (every writer in minigrad calls this)."""
    counter(t).n += 1


class Tensor:
    """An n-dimensional array that records the ops applied to it, for reverse-mode autodiff.

    ``_data`` is the NumPy array (internal; ``numpy()`` is the public way to it). Views share
    their base's memory and version counter (``_vc``); ``_base``/``_view`` say how a view was made.
    """

    __slots__ = ("_data", "grad", "requires_grad", "_node", "_retains_grad", "_vc", "_base",
                 "_view", "_view_at", "_view_grad", "__weakref__")
    __array_priority__ = 1000

    def __init__(self, data: Any, dtype: Any = None, requires_grad: bool = False) -> None:
        self._data = _to_array(data, dtype)
        self.grad: Tensor | None = None
        self.requires_grad = False
        self._node: autograd.Node | None = None
        self._retains_grad = False
        self._vc: _Version | None = None
        self._base: Tensor | None = None
        if requires_grad:
            self.requires_grad_(True)

    # ---- attributes ----
    @property
    def data(self) -> Tensor:
        """A detached alias of the same memory with a version counter of its own: changes made
        through it are not seen by autograd (PyTorch's ``.data``; ``detach()`` is the safe one)."""
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value: Any) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, not {type(value).__name__}")
        self._data = value._data  # rebinds the storage (shape and dtype may change)

    @property
    def _version(self) -> int:
        vc = self._vc
        return 0 if vc is None else vc.n

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user made (not results of ops that record a graph)."""
        return self.grad_fn is None

    @property
    def grad_fn(self) -> autograd.Node | None:
        _views.follow(self)
        return self._node

    @property
    def T(self) -> Tensor:
        return self.permute(tuple(reversed(range(self.ndim))))

    @property
    def mT(self) -> Tensor:
        """The last two dims swapped (a view); a 0-d tensor as it is, a 1-d one refused."""
        if self.ndim == 0:
            return self
        if self.ndim < 2:
            raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. "
                               f"Got {self.ndim}-D tensor.")
        return self.transpose(-2, -1)

    @property
    def mH(self) -> Tensor:
        """The conjugate transpose of the last two dims: ``mT`` for real tensors."""
        if self.ndim == 0:
            return self
        if self.ndim < 2:
            raise RuntimeError(f"tensor.mH is only supported on matrices or batches of matrices. "
                               f"Got {self.ndim}-D tensor.")
        return self.transpose(-2, -1)

    @property
    def H(self) -> Tensor:  # noqa: N802  (PyTorch's name)
        """The conjugate transpose of a matrix (a 0-d tensor as it is): ``T`` for real ones."""
        if self.ndim == 0:
            return self
        if self.ndim != 2:
            extra = " For batches of matrices, consider using tensor.mH" if self.ndim > 2 else ""
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got "
                               f"{self.ndim}-D tensor.{extra}")
        return self.transpose(0, 1)

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """The shape, or the length of dim ``dim`` (negative counts from the end)."""
        if dim is None:
            return self.shape
        nd = self.ndim
        if nd == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        if not -nd <= dim < nd:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, "
                             f"{nd - 1}], but got {dim})")
        return self.shape[dim]

    def dim(self) -> int:
        return self.ndim

    ndimension = dim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        """Bytes per element (4 for float32)."""
        return int(self._data.itemsize)

    def __len__(self) -> int:
        if not self.ndim:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    # ---- conversion ----
    def numpy(self) -> np.ndarray:
        """The underlying array (shared memory); refuses tensors in a graph, as PyTorch does."""
        if _hooks.state.tracer is not None:
            _hooks.value_read("numpy()")
        if self.requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        return self._data

    def item(self) -> Any:
        """The one element as a Python number (PyTorch's RuntimeError for other sizes)."""
        if _hooks.state.tracer is not None:
            _hooks.value_read("item()")
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.item()

    def _scalar(self) -> Any:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self._data.item()

    def tolist(self) -> Any:
        if _hooks.state.tracer is not None:
            _hooks.value_read("tolist()")
        return self._data.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        arr = self.numpy()
        if dtype is not None and np.dtype(dtype) != arr.dtype:
            return arr.astype(dtype)
        return arr.copy() if copy else arr

    def __float__(self) -> float:
        return float(self._scalar())

    def __int__(self) -> int:
        return int(self._scalar())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "biu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self._data.item())

    def __bool__(self) -> bool:
        if _hooks.state.tracer is not None:
            _hooks.value_read("bool()")
        n = self._data.size
        if n != 1:
            what = "no values" if n == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {what} is ambiguous")
        return bool(self._data)

    def __format__(self, format_spec: str) -> str:
        """A 0-d tensor formats as its number (``f"{loss:.4f}"``); others only with ``""``."""
        if self.ndim == 0:
            return self._data.item().__format__(format_spec)
        if format_spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return str(self)

    def __repr__(self) -> str:
        body = np.array2string(
            self._data, separator=", ", prefix="tensor(", threshold=1000, edgeitems=3
        )
        extras = []
        if self.dtype not in _QUIET_DTYPES and self.dtype != _dt.get_default_dtype():
            extras.append(f"dtype=minigrad.{self.dtype.name}")
        if self._node is not None:
            extras.append(f"grad_fn=<{self._node.name()}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    __hash__ = object.__hash__

    # ---- autograd ----
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and not np.issubdtype(self.dtype, np.floating):
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients, got {self.dtype}"
            )
        if not requires_grad and not self.is_leaf:
            raise RuntimeError("you can only change requires_grad flags of leaf variables")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if not self.is_leaf:
            self._retains_grad = True
            self._node.retained = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's memory and version counter, outside any graph."""
        t = Tensor._wrap(self._data)
        t._vc = counter(self)
        return t

    def backward(
        self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False
    ) -> None:
        """Accumulate the gradient of this tensor into the ``.grad`` of every leaf it depends on."""
        autograd.backward(self, gradient, retain_graph, create_graph)

    @staticmethod
    def _wrap(data: np.ndarray) -> Tensor:
        t = Tensor.__new__(Tensor)
        t._data = data
        t.grad = None
        t.requires_grad = False
        t._node = None
        t._retains_grad = False
        t._vc = None
        t._base = None
        return t

    # ---- iteration and indexing ----
    def __getitem__(self, index: Any) -> Tensor:
        return _sh.getitem(self, index)

    def __iter__(self) -> Iterator[Tensor]:
        if not self.ndim:
            raise TypeError("iteration over a 0-d tensor")
        return (_views.one_of_many(self[i]) for i in range(self.shape[0]))

    # ---- NumPy interop: ufuncs on Tensors come back to the Tensor's ops ----
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        fn = _UFUNCS.get(ufunc.__name__)
        if method == "__call__" and fn is not None and not kwargs:
            return fn(*inputs)
        # any other ufunc sees plain arrays, as with PyTorch tensors (which refuse if they
        # require grad: use .detach())
        arrays = [np.asarray(x) if isinstance(x, Tensor) else x for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(np.asarray(o) if isinstance(o, Tensor) else o
                                  for o in kwargs["out"])
        return getattr(ufunc, method)(*arrays, **kwargs)


def as_tensor(x: Any, dtype: Any = None, *, device: DeviceLike = None) -> Tensor:
    """``x`` itself if it is a Tensor (of ``dtype``), else a new Tensor; on the CPU only."""
    check_cpu(device)
    if isinstance(x, Tensor):
        return x if dtype is None or x.dtype == np.dtype(dtype) else x.to(dtype)
    return Tensor(x, dtype)


def as_pair(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Both operands of a binary op as Tensors of their common dtype (PyTorch's promotion)."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        da, db = a._data.dtype, b._data.dtype
        if da is db or da == db:
            return a, b  # the hot path: one dtype, no promotion to work out
    return _promotion.pair(a, b)


def __getattr__(name: str) -> Any:
    if name == "default_dtype":  # read at use, so set_default_dtype reaches old readers
        return _dt.get_default_dtype()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


from . import inplace as _inplace  # noqa: E402,F401  (attach the in-place methods)
from . import promotion as _promotion  # noqa: E402
from . import tensor_linalg as _linalg_methods  # noqa: E402,F401  (mm, diagonal, addmm_...)
from . import tensor_methods as _methods  # noqa: E402,F401  (attach operators and methods)
from . import tensor_protocol as _protocol  # noqa: E402,F401  (view(dtype), new_*, type_as)
from . import views as _views  # noqa: E402
from .ops import shape as _sh  # noqa: E402

_UFUNCS = _methods.UFUNCS
