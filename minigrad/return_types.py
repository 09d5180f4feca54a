"""The named tuples that PyTorch's ``torch.return_types`` holds: ``max``, ``sort``, ``topk``...

One helper makes them all, so ``x.max(0)``, ``x.sort()``, ``x.cummax(0)`` behave alike: indexable,
unpackable, ``.values``/``.indices`` fields, and torch's multi-line repr.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

__all__ = ["structseq", "max", "min", "sort", "topk", "kthvalue", "median", "nanmedian",
           "cummax", "cummin", "aminmax", "mode"]  # fmt: skip


def structseq(name: str, fields: tuple[str, ...] = ("values", "indices")) -> type:
    """A tuple type named ``name`` with ``fields``, printed as ``torch.return_types`` prints."""
    base = namedtuple(name, fields)

    def __repr__(self: Any) -> str:
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"{__name__}.{name}(\n{body})"

    cls = type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__module__": __name__})
    cls.__qualname__ = name
    return cls


max = structseq("max")  # noqa: A001
min = structseq("min")  # noqa: A001
sort = structseq("sort")
topk = structseq("topk")
kthvalue = structseq("kthvalue")
median = structseq("median")
nanmedian = structseq("nanmedian")
mode = structseq("mode")
cummax = structseq("cummax")
cummin = structseq("cummin")
aminmax = structseq("aminmax", ("min", "max"))
