"""Print, for every OpInfo entry of PyTorch's ``op_db``: missing, pass, or fail (first failing
sample and why), and the number of passing entries.

Run from the repository root: ``python tests/opinfo_report.py [substring ...]``.
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from opinfo_adapter import entry_id, has_samples, op_db, resolve  # noqa: E402
from opinfo_check import check_entry  # noqa: E402
from test_opinfo import skip  # noqa: E402


def main(argv: list[str]) -> int:
    passed = failed = missing = empty = 0
    for op in op_db:
        name = entry_id(op)
        if argv and not any(a in name for a in argv):
            continue
        entry = resolve(op)
        if entry is None:
            missing += 1
            print(f"missing  {name}")
            continue
        if not has_samples(op):
            empty += 1
            print(f"no CPU samples in op_db: {name}")
            continue
        start = time.perf_counter()
        n, why = check_entry(entry, skip(entry))
        took = time.perf_counter() - start
        if why is None:
            passed += 1
            print(f"pass     {name} ({n} samples, {took:.2f} s)")
        else:
            failed += 1
            print(f"FAIL     {name}: {why}")
    print(f"\n{passed} entries pass, {failed} fail, {missing} missing in minigrad, {empty} "
          f"without CPU samples (of {passed + failed + missing + empty})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
