"""The results log: an append-only JSON Lines file, one fsynced line per finished trial.

Line 1, the header, fingerprints the search: space, seed, mode, the objective's qualified name,
the user's ``version=`` (as ``user_version``) and minigrad's version, which must match to resume
(``reuse=True`` adopts a log whose objective, versions or mode differ, never another space or
seed), plus ``n_trials`` (the largest run so far; growing it runs only the new trials). Each
further line is one trial record.
Every line carries ``"crc"``, the CRC-32 of its other fields as canonical JSON, so a torn or
altered line is recognised even when it still parses. A bad *last* line is what a crash mid-write
leaves: it is dropped (the file is rewritten atomically without it) and that trial runs again. A
bad line anywhere else is not a crash artefact, so it stops the search with an error instead.
One search writes a log at a time; the last valid record of a trial index wins.

A record no trial of the search could have written (an index outside ``0..n_trials-1``, a second
record of an index already recorded successfully, or params and seed other than those
``sample_trial(space, seed, index)`` draws) is left out with a ``RuntimeWarning``; it never
reaches the results (that trial runs again). Logs of minigrad before the fingerprint (version 1)
are refused by a search unless ``reuse=True``; ``load_results`` still reads them.
"""

from __future__ import annotations

import json
import os
import warnings
import zlib
from typing import IO, Any

from minigrad._io import atomic_open

__all__ = ["TrialLog", "read_log", "screen_records", "LOG_VERSION", "FINGERPRINT"]

LOG_VERSION = 2
_READABLE = (1, 2)  # version 1: a header without objective, version and minigrad
FINGERPRINT = ("space", "seed", "mode", "objective", "user_version", "minigrad")
_FIXED = ("space", "seed")  # what makes trial i the same trial: reuse=True cannot change them


def _canonical(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"))


def _encode(record: dict[str, Any]) -> str:
    """One log line (with its newline) for ``record``, checksummed."""
    body = {k: v for k, v in record.items() if k != "crc"}
    crc = format(zlib.crc32(_canonical(body).encode()), "08x")
    return _canonical({**body, "crc": crc}) + "\n"


def _decode(line: str) -> dict[str, Any] | None:
    """The record on ``line``, or None when it does not parse or its checksum does not match."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if not isinstance(record, dict) or "crc" not in record:
        return None
    return record if _encode(record) == _canonical(record) + "\n" else None


def read_log(path: str | os.PathLike) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    """``(header, trial records, tail)`` of a log; ``tail`` is ``"ok"``, ``"torn"`` (a bad last
    line, left out of the records) or ``"unterminated"`` (a good last line lacking its newline).

    Raises ``ValueError`` naming the line when the header or a line before the last is corrupt.
    """
    path = os.fspath(path)
    with open(path, encoding="utf-8", newline="\n") as f:
        text = f.read()
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last complete line
    tail = "ok" if text.endswith("\n") else "unterminated"
    records = []
    for number, line in enumerate(lines, start=1):
        record = _decode(line)
        if record is None and number == len(lines) and number > 1:
            tail = "torn"  # a crash mid-write: drop it, the trial is simply missing
            break
        if record is None:
            what = "header" if number == 1 else f"line {number} (not the last)"
            raise ValueError(
                f"{path}: {what} is corrupt, which an interrupted write cannot cause; "
                "was it edited or written by two searches at once? Repair or delete the file."
            )
        records.append(record)
    if not records or records[0].get("kind") != "search":
        raise ValueError(f"{path}: not a minigrad.tune results log (no search header on line 1)")
    header = records[0]
    if header.get("version") not in _READABLE:
        raise ValueError(f"{path}: log version {header.get('version')!r}, expected {LOG_VERSION}")
    trials = records[1:]
    for number, record in enumerate(trials, start=2):
        if record.get("kind") != "trial" or not isinstance(record.get("index"), int):
            raise ValueError(f"{path}: line {number} is not a trial record: {record!r}")
    return header, trials, tail


def _describe(config: dict[str, Any], header: dict[str, Any]) -> dict[str, str]:
    """The fingerprint keys in which a stored search differs from this one, described."""
    return {
        key: f"{key}: file has {header.get(key)!r}, this search has {config.get(key)!r}"
        for key in FINGERPRINT
        if _canonical({"v": header.get(key)}) != _canonical({"v": config.get(key)})
    }


def _why_not(record: dict[str, Any], n_trials: int, drawn: tuple[dict, int]) -> str | None:
    index = record["index"]
    if isinstance(index, bool) or not 0 <= index < n_trials:
        return f"trial index {index!r} is outside 0..{n_trials - 1}"
    params, seed = drawn
    if _canonical({"p": record.get("params"), "s": record.get("seed")}) != _canonical(
        {"p": params, "s": seed}
    ):
        return f"its params/seed are not those trial {index} draws"
    return None


def screen_records(
    path: str | os.PathLike, header: dict[str, Any], records: list[dict[str, Any]]
) -> dict[int, dict[str, Any]]:
    """The last valid record of each trial index, by index; records no trial of the search in
    ``header`` could have written are left out with one ``RuntimeWarning`` naming their lines."""
    from minigrad.tune.space import sample_trial, space_from_dict

    space, seed, n_trials = space_from_dict(header["space"]), header["seed"], header["n_trials"]
    kept: dict[int, dict[str, Any]] = {}
    rejected = []
    for number, record in enumerate(records, start=2):
        index = record["index"]
        in_range = not isinstance(index, bool) and 0 <= index < n_trials
        why = _why_not(record, n_trials, sample_trial(space, seed, index) if in_range else ({}, 0))
        if why is None and kept.get(index, {}).get("status") == "ok":
            why = f"trial {index} already has a successful record"  # only errors are re-run
        if why is None:
            kept[index] = record
        else:
            rejected.append(f"line {number} ({why})")
    if rejected:
        warnings.warn(
            f"{os.fspath(path)}: ignoring {len(rejected)} record(s) that no trial of this search "
            f"could have written: {'; '.join(rejected)}",
            RuntimeWarning,
            stacklevel=3,
        )
    return kept


class TrialLog:
    """An open results log for one search: loads what is there, then appends finished trials."""

    def __init__(
        self, path: str | os.PathLike, config: dict[str, Any], *, reuse: bool = False
    ) -> None:
        """Open ``path`` for the search described by ``config``, creating or repairing it.

        Raises ``ValueError`` when the file belongs to a different search (another fingerprint;
        with ``reuse``, only another space or seed) or is a version 1 log (unless ``reuse``).
        """
        self.path = os.fspath(path)
        self.config = json.loads(json.dumps(config))
        self.records: dict[int, dict[str, Any]] = {}
        header = {"kind": "search", "version": LOG_VERSION, **self.config}
        if not os.path.exists(self.path) or os.path.getsize(self.path) == 0:
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            self._rewrite([header])
        else:
            stored, trials, tail = read_log(self.path)
            self._check_fingerprint(stored, reuse)
            if tail == "torn":
                warnings.warn(
                    f"{self.path}: the last line is incomplete or corrupt (a crash mid-write?); "
                    "dropping it and re-running that trial",
                    RuntimeWarning,
                    stacklevel=3,
                )
            self.records = screen_records(self.path, stored, trials)
            n_trials = max(int(stored["n_trials"]), int(self.config["n_trials"]))
            header["n_trials"] = n_trials  # a shorter rerun keeps the longer search's trials
            if tail != "ok" or _canonical(header) != _canonical(stored):
                self._rewrite([header, *trials])
        self._file: IO[str] | None = open(self.path, "a", encoding="utf-8", newline="\n")

    def _check_fingerprint(self, stored: dict[str, Any], reuse: bool) -> None:
        diff = _describe(self.config, stored)
        fixed = [diff[k] for k in _FIXED if k in diff]
        if fixed:
            raise ValueError(
                f"{self.path} holds results of a different search ({'; '.join(fixed)}): its "
                "trials are other trials, even with reuse=True; use another storage path"
            )
        if diff and not reuse:
            legacy = stored.get("version") == 1
            hint = " (a version 1 log, from before minigrad recorded these)" if legacy else ""
            raise ValueError(
                f"{self.path} holds results of a different search{hint} "
                f"({'; '.join(diff.values())}); use another storage path or the original "
                "settings, or pass reuse=True to keep its trials and adopt the log"
            )

    def _rewrite(self, records: list[dict[str, Any]]) -> None:
        with atomic_open(self.path, "w", encoding="utf-8") as f:
            f.writelines(_encode(r) for r in records)

    def append(self, record: dict[str, Any]) -> None:
        """Write one trial record and make it durable (flush + fsync) before returning."""
        if self._file is None:
            raise ValueError(f"{self.path}: log is closed")
        record = {"kind": "trial", **record}
        self._file.write(_encode(record))
        self._file.flush()
        os.fsync(self._file.fileno())
        self.records[record["index"]] = record

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> TrialLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
