"""The summary page ``all`` writes: every figure with its key numbers and checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._io import atomic_open
from . import EXPERIMENTS
from .common import format_table

__all__ = ["write_summary"]


def write_summary(out: Path, records: list[dict[str, Any]]) -> Path:
    """Write ``out/README.md`` from the experiments' JSON records."""
    lines = ["# minigrad: the book's chapter 6 experiments", ""]
    if records:
        r0 = records[0]
        src = r0.get("data_source") or next((r["data_source"] for r in records
                                              if r.get("data_source")), None)
        lines += [f"Seed {r0['seed']}, dataset `{r0['dataset']}`"
                  + (", quick settings" if r0["quick"] else ", the book's settings") + "."]
        if src:  # a bundled file is named, not its install path (which differs per machine)
            where = Path(src["location"]).name if src["kind"] == "bundled" else src["location"]
            lines += [f"Data: {src['kind']} source `{where}` "
                      f"({src['n_train']} train + {src['n_test']} test samples)."]
        total = sum(r["seconds"] for r in records)
        held = sum(c["held"] for r in records for c in r["checks"])
        n = sum(len(r["checks"]) for r in records)
        lines += ["", f"{held} of {n} of the book's reported outcomes held; "
                  f"total time {total:.0f} s.", ""]
    for r in records:
        name = r["experiment"]
        lines += [f"## {name}", "", EXPERIMENTS[name][1] + ".", "", f"![{name}]({r['figure']})", ""]
        if r.get("summary"):
            lines += [r["summary"], ""]
        table = r["table"]
        if table["rows"]:
            lines += ["```", format_table(table["headers"], table["rows"]), "```", ""]
        for c in r["checks"]:
            mark = "held" if c["held"] else "**differs**"
            lines.append(f"- {mark}: {c['claim']}" + (f" ({c['detail']})" if c["detail"] else ""))
        for note in r["notes"]:
            lines.append(f"- note: {note}")
        lines.append("")
    path = out / "README.md"
    with atomic_open(path, "w") as f:
        f.write("\n".join(lines))
    return path
