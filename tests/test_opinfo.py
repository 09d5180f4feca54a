"""minigrad against PyTorch's own OpInfo sample inputs (``op_db``), for every entry it exposes.

Values, result dtypes and shapes for float64, float32 and an integer/bool dtype; first-order
gradients for float64 and second order where op_db declares ``supports_gradgrad``. Entries
minigrad does not expose are not collected (``python tests/opinfo_report.py`` lists them).
"""

from __future__ import annotations

import pytest

pytest.importorskip("torch", reason="the OpInfo conformance suite compares with PyTorch")
pytest.importorskip("expecttest", reason="torch's op_db (common_methods_invocations) needs it")

from opinfo_adapter import Entry, exposed, has_samples  # noqa: E402
from opinfo_check import check_entry  # noqa: E402

# Deliberate differences, each excluding exactly one kind of check on the samples it names:
# entry id -> [(part, which samples, reason)]; part is "sample" (the whole sample), "values",
# "method", "inplace", "grad" or "gradgrad".
ALL = None
_UNINITIALISED = "uninitialised memory: torch's values are whatever the memory held"
_NO_RESHAPE_IN_PLACE = ("no in-place view ops: a tensor's shape never changes in place in "
                        "minigrad (README, deliberate differences)")
_TIED_INDICES = ("which of tied values topk's index names differs (torch: std::partial_sort's "
                 "order; README, deliberate differences); the values compare")
_NO_SVD = "matrix norms from singular values ('nuc', 2, -2) need an SVD minigrad lacks (README)"


def _nuclear(dtype, sample) -> bool:
    """A sample asking for a norm from singular values."""
    ord_ = sample.args[0] if sample.args else sample.kwargs.get("ord", sample.kwargs.get("p"))
    return isinstance(ord_, str | int) and not isinstance(ord_, bool) and ord_ in ("nuc", 2, -2)


EXCLUDED: dict[str, list[tuple[str, object, str]]] = {
    **{name: [("inplace", ALL, _NO_RESHAPE_IN_PLACE)] for name in (
        "squeeze", "squeeze.multiple", "unsqueeze", "transpose", "t", "swapaxes", "swapdims",
        "resize_", "resize_as_")},
    **{name: [("values", ALL, _UNINITIALISED)] for name in (
        "empty", "empty_like", "new_empty", "empty_strided", "new_empty_strided")},
    "topk": [("indices", ALL, _TIED_INDICES)],
    **{name: [("sample", _nuclear, _NO_SVD)] for name in ("norm.nuc", "linalg.matrix_norm")},
}
RANDOM_REASON = "random: minigrad's generator is not torch's, so only dtype and shape compare"


def skip(entry: Entry):
    """The (part, dtype, sample) -> reason function for one entry."""
    rules = list(EXCLUDED.get(entry.id, []))
    if entry.random:
        rules += [("values", ALL, RANDOM_REASON), ("grad", ALL, RANDOM_REASON)]

    def reason(part, dtype, sample):
        for p, when, why in rules:
            if p == part and (when is ALL or when(dtype, sample)):
                return why
        return None

    return reason


ENTRIES = [e for e in exposed() if has_samples(e.op)]


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_opinfo(entry):
    n, why = check_entry(entry, skip(entry))
    assert why is None, f"{entry.id}: {why}"
