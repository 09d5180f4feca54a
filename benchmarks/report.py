"""Turn benchmark results into tables: plain text for the terminal, Markdown for RESULTS.md.

A result row is a dict with ``workload, title, dtype, threads, impl, unit`` and the statistics
of :class:`timing.Stats` (seconds per call). Ratios are medians divided by medians of the same
workload, dtype and thread count, one column per implementation present.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["RATIO_TO", "TARGETS", "memory_targets", "fmt_time", "groups", "ratio_table",
           "check_targets", "render_text", "render_markdown"]

GROWTH_LIMIT = 64 * 1024  # bytes over the whole run: one leaked object per step would be more

RATIO_TO = ["minigrad", "minigrad compiled", "minigrad core ops", "torch", "torch.compile",
            "jax.jit", "numpy", "floor"]

# (workload, numerator, denominator or None for an absolute time, limit); 1 thread, float32
TARGETS: list[tuple[str, str, str | None, float]] = [
    ("W1", "minigrad", "torch", 0.6),
    ("W1", "minigrad", "numpy", 1.1),
    ("W2-bn", "minigrad", "torch", 0.7),
    ("W2-dropout", "minigrad", "torch", 0.7),
    ("W3", "minigrad", "torch", 1.05),
    ("W3", "minigrad", "floor", 1.1),
    ("W4", "minigrad", None, 4e-6),
    ("W6", "minigrad", "torch", 1.2),
    ("W6", "minigrad", "numpy", 1.0),
    ("W4-sum", "minigrad", "torch", 0.25),
    ("W4-chain", "minigrad", "torch", 0.5),
    ("W1", "minigrad compiled", "numpy", 1.0),
    ("W1", "minigrad compiled", "torch", 0.5),
    ("W1", "minigrad compiled", "jax.jit", 1.0),
    ("W1", "minigrad compiled", "torch.compile", 1.0),
]


def fmt_time(seconds: float, unit: str | None = None) -> str:
    """Seconds in a readable unit (us, ms, s), or in the given one."""
    unit = unit or _unit(seconds)
    scale = {"us": 1e6, "ms": 1e3, "s": 1.0}[unit]
    v = seconds * scale
    return f"{v:.3g} {unit}" if v < 100 else f"{v:.0f} {unit}"


def _unit(seconds: float) -> str:
    return "us" if seconds < 1e-3 else "ms" if seconds < 1.0 else "s"


def groups(rows: Iterable[dict]) -> dict[tuple[str, str, int], list[dict]]:
    """Rows keyed by (workload, dtype, threads), in first-seen order."""
    out: dict[tuple[str, str, int], list[dict]] = {}
    for r in rows:
        out.setdefault((r["workload"], r["dtype"], r["threads"]), []).append(r)
    return out


def ratio_table(rows: list[dict]) -> tuple[list[str], list[list[str]]]:
    """Header and cells for one group: median, IQR, min, max, samples, ratio to each impl."""
    med = {r["impl"]: r["median"] for r in rows}
    refs = [n for n in RATIO_TO if n in med]
    head = ["impl", "median", "IQR", "min", "max", "n x calls"] + [f"/{n}" for n in refs]
    unit = _unit(min(med.values()))
    cells = []
    for r in rows:
        cells.append([r["impl"], fmt_time(r["median"], unit), fmt_time(r["iqr"], unit),
                      fmt_time(r["min"], unit), fmt_time(r["max"], unit),
                      f"{r['n']} x {r['inner']}"]
                     + [f"{r['median'] / med[n]:.2f}" for n in refs])
    return head, cells


def _target_impl(med: dict[str, float], name: str) -> str | None:
    if name in med:
        return name
    if name == "minigrad" and "minigrad core ops" in med:
        return "minigrad core ops"
    return None


def check_targets(rows: list[dict]) -> list[dict]:
    """Each target of the issue, evaluated on the 1-thread float32 rows that exist."""
    g = groups(rows)
    out = []
    for workload, num, den, limit in TARGETS:
        rs = g.get((workload, "float32", 1))
        if not rs:
            continue
        med = {r["impl"]: r["median"] for r in rs}
        a = _target_impl(med, num)
        if a is None or (den is not None and den not in med):
            out.append({"workload": workload, "what": f"{num}/{den}", "value": None,
                        "limit": limit, "ok": None})
            continue
        if den is None:
            value, what = med[a], f"{a} time"
        else:
            value, what = med[a] / med[den], f"{a}/{den}"
        out.append({"workload": workload, "what": what, "value": value, "limit": limit,
                    "ok": value <= limit})
    return out


def _text_table(head: list[str], cells: list[list[str]]) -> list[str]:
    widths = [max(len(x) for x in col) for col in zip(head, *cells)]
    line = "  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in
                     enumerate(zip(head, widths)))
    out = [line, "-" * len(line)]
    for row in cells:
        out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                             enumerate(zip(row, widths))))
    return out


def _md_table(head: list[str], cells: list[list[str]]) -> list[str]:
    out = ["", "| " + " | ".join(head) + " |",
           "|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in cells]
    return out + [""]


def memory_targets(mem: list[dict]) -> list[dict]:
    """The memory targets on the first (minigrad) memory row: no growth, step peak <= 1.5 x."""
    if not mem:
        return []
    m = mem[0]
    growth, ratio = m["growth_bytes"], m["step_peak_bytes"] / m["must_hold_bytes"]
    return [
        {"workload": "memory", "what": f"{m['impl']} growth over {m['steps']} steps",
         "value": growth, "limit": GROWTH_LIMIT, "ok": growth <= GROWTH_LIMIT,
         "shown": f"{growth / 1024:+.1f} KiB", "limit_shown": f"<= {GROWTH_LIMIT // 1024} KiB"},
        {"workload": "memory", "what": f"{m['impl']} step peak / must hold", "value": ratio,
         "limit": 1.5, "ok": ratio <= 1.5},
    ]


def _fmt_target(t: dict) -> list[str]:
    if "shown" in t:
        return [t["workload"], t["what"], t["shown"], t["limit_shown"],
                "PASS" if t["ok"] else "MISS"]
    if t["value"] is None:
        return [t["workload"], t["what"], "n/a", _limit(t), "not measured"]
    v = fmt_time(t["value"]) if t["what"].endswith("time") else f"{t['value']:.2f}"
    return [t["workload"], t["what"], v, _limit(t), "PASS" if t["ok"] else "MISS"]


def _limit(t: dict) -> str:
    return ("<= " + fmt_time(t["limit"])) if t["what"].endswith("time") else f"<= {t['limit']}"


def _sections(res: dict[str, Any], table, prefix: str = "") -> list[str]:
    """Every table of the report; ``prefix`` prefixes section titles (``"### "`` in Markdown)."""
    out: list[str] = []
    for (w, dtype, threads), rs in groups(res["rows"]).items():
        title = rs[0]["title"]
        plural = "s" if threads > 1 else ""
        out += ["", f"{prefix}{w}: {title}  [{dtype}, {threads} thread{plural}, "
                    f"per {rs[0]['unit']}]"]
        out += table(*ratio_table(rs))
        for note in rs[0].get("notes", []):
            out.append(f"  note: {note}")
    if res.get("chain"):
        fresh = not any(c.get("note") for c in res["chain"])
        out += ["", prefix + "chain: y = y * 1.0001 repeated, then backward "
                    + ("(fresh process per row)" if fresh else "(in this process: peak RSS "
                                                                "understated)")]
        head = ["impl", "dtype", "ops", "forward", "backward", "backward/op", "peak RSS",
                "peak traced"]
        cells = [[c["impl"], c["dtype"], str(c["ops"]), fmt_time(c["forward_s"]),
                  fmt_time(c["backward_s"]), fmt_time(c["backward_s"] / c["ops"]),
                  _mb(c["rss_peak_bytes"]), _mb(c["traced_peak_bytes"])] for c in res["chain"]]
        out += table(head, cells)
        out.append("  note: tracemalloc sees NumPy buffers and Python objects, not torch's C++ "
                   "allocations; compare torch by peak RSS")
    if res.get("memory"):
        out += ["", prefix + "memory of W1 training steps (tracemalloc, float32, parameters "
                    "traced, input batches not)"]
        head = ["impl", "steps", "after warm-up", "at end", "growth", "objects +",
                "step peak", "must hold", "peak/must"]
        cells = [[m["impl"], str(m["steps"]), _mb(m["start_bytes"]), _mb(m["end_bytes"]),
                  f"{m['growth_bytes'] / 1024:+.1f} KiB",
                  f"{m['objects_end'] - m['objects_start']:+d}", _mb(m["step_peak_bytes"]),
                  _mb(m["must_hold_bytes"]), f"{m['step_peak_bytes'] / m['must_hold_bytes']:.2f}"]
                 for m in res["memory"]]
        out += table(head, cells)
        out.append("  note: must hold = parameters + their gradients + one (batch, width) array "
                   "per layer output")
    targets = res.get("targets") or []
    if targets:
        out += ["", prefix + "targets (1 thread, float32, ratios of medians in this run)"]
        out += table(["workload", "what", "value", "target", "status"],
                     [_fmt_target(t) for t in targets])
    return out


def _mb(n: int) -> str:
    return f"{n / 2**20:.2f} MiB"


def _machine_lines(m: dict) -> list[str]:
    blas = "; ".join(
        f"{b.get('prefix')} {b.get('version') or ''} in {b.get('loaded_by')} "
        f"({b.get('internal_api')}, "
        f"{b.get('threading_layer', '-')}, arch {b.get('architecture', '-')}, "
        f"{b.get('num_threads')} threads)" for b in m["blas"])
    return [f"date: {m['date']}", f"cpu: {m['cpu']} ({m['usable_cores']} usable of "
            f"{m['logical_cores']} logical cores)",
            f"python {m['python']}, numpy {m['numpy']}, torch {m['torch'] or 'not installed'}"
            + (f" (BLAS {m['torch_blas']})" if m.get("torch_blas") else ""),
            f"default threads: BLAS {m['default_blas_threads']}, torch "
            f"{m['default_torch_threads']}",
            f"BLAS (threadpoolctl): {blas}",
            f"OPENBLAS_CORETYPE={m['OPENBLAS_CORETYPE']}, OPENBLAS_L2_SIZE={m['OPENBLAS_L2_SIZE']}",
            f"data: {m.get('data', '-')}",
            f"load average (1 min): {m.get('load_start')} at start, {m.get('load_end')} at end"
            + _busy(m)]


def _busy(m: dict) -> str:
    cores = m.get("usable_cores") or m.get("logical_cores") or 1
    loads = [x for x in (m.get("load_start"), m.get("load_end")) if x is not None]
    if loads and max(loads) > cores + 0.5:
        return (f"  WARNING: more runnable tasks than the {cores} cores: timings are disturbed, "
                "and multi-threaded BLAS rows can be many times slower (threads wait for cores)")
    return ""


def render_text(res: dict[str, Any]) -> str:
    """The whole report as aligned plain text."""
    return "\n".join(_machine_lines(res["machine"]) + _sections(res, _text_table)) + "\n"


def render_markdown(res: dict[str, Any]) -> str:
    """The whole report as Markdown, machine facts first."""
    lines = ["# minigrad benchmark results", "", *[f"- {x}" for x in
                                                   _machine_lines(res["machine"])]]
    lines.append(f"- command: `{res.get('command', 'python benchmarks/run.py')}`")
    return "\n".join(lines + _sections(res, _md_table, "### ")) + "\n"
