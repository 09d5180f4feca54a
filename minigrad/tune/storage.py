"""The results log: an append-only JSON Lines file, one fsynced line per finished trial.

Line 1 describes the search (space, n_trials, seed, mode); each further line is one trial record.
Every line carries ``"crc"``, the CRC-32 of its other fields as canonical JSON, so a torn or
altered line is recognised even when it still parses. A bad *last* line is what a crash mid-write
leaves: it is dropped (the file is rewritten atomically without it) and that trial runs again. A
bad line anywhere else is not a crash artefact, so it stops the search with an error instead.
One search writes a log at a time; the last record of a trial index wins.
"""

from __future__ import annotations

import json
import os
import warnings
import zlib
from typing import IO, Any

from minigrad._io import atomic_open

__all__ = ["TrialLog", "read_log", "LOG_VERSION"]

LOG_VERSION = 1


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
    if header.get("version") != LOG_VERSION:
        raise ValueError(f"{path}: log version {header.get('version')!r}, expected {LOG_VERSION}")
    trials = records[1:]
    for number, record in enumerate(trials, start=2):
        if record.get("kind") != "trial" or not isinstance(record.get("index"), int):
            raise ValueError(f"{path}: line {number} is not a trial record: {record!r}")
    return header, trials, tail


def _describe(config: dict[str, Any], header: dict[str, Any]) -> list[str]:
    """The settings in which a stored search differs from this one."""
    return [
        f"{key}: file has {header.get(key)!r}, this search has {config[key]!r}"
        for key in config
        if _canonical({"v": header.get(key)}) != _canonical({"v": config[key]})
    ]


class TrialLog:
    """An open results log for one search: loads what is there, then appends finished trials."""

    def __init__(self, path: str | os.PathLike, config: dict[str, Any]) -> None:
        """Open ``path`` for the search described by ``config``, creating or repairing it.

        Raises ``ValueError`` when the file belongs to a different search.
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
            diff = _describe(self.config, stored)
            if diff:
                raise ValueError(
                    f"{self.path} holds results of a different search ({'; '.join(diff)}); "
                    "use another storage path or the original settings"
                )
            if tail == "torn":
                warnings.warn(
                    f"{self.path}: the last line is incomplete or corrupt (a crash mid-write?); "
                    "dropping it and re-running that trial",
                    RuntimeWarning,
                    stacklevel=3,
                )
            if tail != "ok":
                self._rewrite([stored, *trials])
            for record in trials:
                self.records[record["index"]] = record
        self._file: IO[str] | None = open(self.path, "a", encoding="utf-8", newline="\n")

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
