"""Atomic file writes and file checksums, shared by datasets, checkpoints and tuning storage.

A reader never sees a half-written file: data goes to a temporary file in the same directory,
is flushed and fsynced, then renamed over the target with ``os.replace`` (atomic on POSIX and
Windows). On any exception the temporary file is removed and the target is left untouched.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from collections.abc import Iterator
from typing import IO

__all__ = ["atomic_open", "atomic_write_bytes", "sha256_file", "md5_file", "file_digest"]

_CHUNK = 1 << 20
_MODES = ("wb", "w")


def _open_temp(path: str, binary: bool, encoding: str | None) -> IO:
    """Create and open a fresh temp file next to ``path`` (exclusive create, umask applies)."""
    directory, base = os.path.split(path)
    for _ in range(100):
        tmp = os.path.join(directory, f".{base}.{secrets.token_hex(6)}.tmp")
        try:
            if binary:
                return open(tmp, "xb")
            return open(tmp, "x", encoding=encoding or "utf-8")
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file next to {path!r}")


def _fsync_dir(directory: str) -> None:
    """Persist the rename itself (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_open(
    path: str | os.PathLike, mode: str = "wb", *, encoding: str | None = None
) -> Iterator[IO]:
    """Open a temp file for writing that replaces ``path`` only when the block ends without error.

    ``mode`` is ``"wb"`` (bytes) or ``"w"`` (text, ``encoding`` defaulting to UTF-8). The file's
    ``.name`` is the temporary path, so a caller can validate the content before it is committed.
    """
    if mode not in _MODES:
        raise ValueError(f"atomic_open: mode must be one of {_MODES}, got {mode!r}")
    path = os.fspath(path)
    directory = os.path.dirname(path)
    if directory and not os.path.isdir(directory):
        raise FileNotFoundError(f"atomic_open: directory {directory!r} does not exist")
    f = _open_temp(path, "b" in mode, encoding)
    tmp = f.name
    try:
        with f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: readers see the old file or the new, never half."""
    with atomic_open(path, "wb") as f:
        f.write(data)


def file_digest(path: str | os.PathLike, algorithm: str) -> str:
    """Hex digest of a file's bytes, read in 1 MiB chunks so large files use little memory."""
    if algorithm == "md5":
        h = hashlib.md5(usedforsecurity=False)  # integrity check, not security
    else:
        h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def sha256_file(path: str | os.PathLike) -> str:
    """SHA-256 of a file as lowercase hex."""
    return file_digest(path, "sha256")


def md5_file(path: str | os.PathLike) -> str:
    """MD5 of a file as lowercase hex (for published checksums such as MNIST's, not security)."""
    return file_digest(path, "md5")
