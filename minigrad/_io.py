"""Atomic file writes, regular-file-only reads and file checksums, shared by datasets,
checkpoints and tuning storage.

A reader never sees a half-written file: data goes to a temporary file in the same directory,
is flushed and fsynced, then renamed over the target with ``os.replace`` (atomic on POSIX and
Windows). On any exception the temporary file is removed and the target is left untouched.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import stat
from collections.abc import Iterator
from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: an open file cannot be deleted there anyway
    fcntl = None  # type: ignore[assignment]

__all__ = ["atomic_open", "atomic_write_bytes", "open_regular", "sha256_file", "md5_file",
           "file_digest"]

_CHUNK = 1 << 20
_MODES = ("wb", "w")
_PREFIX_CHARS = 32  # of the target's name kept in a temp name: ".<32>.<8>.<12>.tmp" <= 59 chars


def _temp_stem(base: str) -> str:
    """``.<start of base>.<hash of base>.``: every temp name of one target starts with it."""
    digest = hashlib.sha256(os.fsencode(base)).hexdigest()[:8]
    return f".{base[:_PREFIX_CHARS]}.{digest}."


def _lock(f: IO) -> None:
    """Hold an exclusive lock while the temp file is in use; it dies with the process."""
    if fcntl is not None:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)


def _open_temp(path: str, binary: bool, encoding: str | None) -> IO:
    """Create, open and lock a fresh temp file next to ``path`` (exclusive create, umask
    applies). The name is short whatever the length of ``path``'s, and tied to it."""
    directory, base = os.path.split(path)
    stem = _temp_stem(base)
    for _ in range(100):
        tmp = os.path.join(directory, f"{stem}{secrets.token_hex(6)}.tmp")
        try:
            f = open(tmp, "xb") if binary else open(tmp, "x", encoding=encoding or "utf-8")
        except FileExistsError:
            continue
        _lock(f)
        if os.fstat(f.fileno()).st_nlink:
            return f
        f.close()  # a concurrent cleanup took it for a leftover in the instant before the lock
    raise FileExistsError(f"could not create a temporary file next to {path!r}")


def _remove_leftovers(path: str) -> None:
    """Delete temp files that earlier, killed writes of ``path`` left behind. Only names of the
    exact pattern of ``path``'s temp files are touched, and only those no live writer holds
    (a writer keeps its temp file locked until the rename; the lock dies with the process)."""
    directory, base = os.path.split(path)
    pattern = re.compile(re.escape(_temp_stem(base)) + r"[0-9a-f]{12}\.tmp")
    with contextlib.suppress(OSError), os.scandir(directory or ".") as entries:
        names = [e.name for e in entries if pattern.fullmatch(e.name)]
    for name in names:
        leftover = os.path.join(directory, name)
        try:
            fd = os.open(leftover, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # OSError: a writer has it
                os.unlink(leftover)
        except OSError:
            pass
        finally:
            os.close(fd)


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


def _existing(path: str) -> os.stat_result | None:
    """The stat of the file about to be replaced (None if there is none); refuses a file
    without the owner-write bit and anything that is not a regular file."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory, refusing to replace it", path)
    if not stat.S_ISREG(st.st_mode):
        raise OSError(errno.EINVAL, "not a regular file, refusing to replace it", path)
    mode = stat.S_IMODE(st.st_mode)
    if not mode & stat.S_IWUSR:
        raise PermissionError(errno.EACCES, f"read-only file (mode {mode:04o}), refusing to "
                              "replace it; `chmod u+w` it to allow overwriting", path)
    return st


def _keep_attributes(fd: int, old: os.stat_result) -> None:
    """Give the new file the replaced one's permission bits, and its owner and group where
    the system lets this process (root, or a group the user belongs to)."""
    os.fchmod(fd, stat.S_IMODE(old.st_mode))
    if hasattr(os, "fchown"):
        new = os.fstat(fd)
        if (new.st_uid, new.st_gid) != (old.st_uid, old.st_gid):
            try:
                os.fchown(fd, old.st_uid, old.st_gid)
            except PermissionError:
                with contextlib.suppress(PermissionError):
                    os.fchown(fd, -1, old.st_gid)  # at least the group, if ours
            os.fchmod(fd, stat.S_IMODE(old.st_mode))  # chown may clear setuid/setgid bits


@contextlib.contextmanager
def atomic_open(
    path: str | os.PathLike, mode: str = "wb", *, encoding: str | None = None
) -> Iterator[IO]:
    """Open a temp file for writing that replaces ``path`` only when the block ends without error.

    ``mode`` is ``"wb"`` (bytes) or ``"w"`` (text, ``encoding`` defaulting to UTF-8). The file's
    ``.name`` is the temporary path, so a caller can validate the content before it is committed.

    As a careful user expects of a plain ``open(path, "w")``:

    - a replaced file keeps its permission bits, and its owner and group where the system
      allows (root; a group the user is in); a new one gets ``0o666 & ~umask``;
    - a symlink is written through: its target is replaced, the link stays a link;
    - a file without its owner-write bit (e.g. mode 0444) raises ``PermissionError`` naming
      it. This is decided by the mode bits, not ``os.access``, so root (who may write anything)
      is stopped too; so is a destination that is not a regular file (a directory, a device);
    - temp names are at most 59 characters, so any legal file name works;
    - temp files left by earlier killed writes of the same path are removed once a write of it
      succeeds (``.<name start>.<hash of name>.<random>.tmp``; no other file is touched).
    """
    if mode not in _MODES:
        raise ValueError(f"atomic_open: mode must be one of {_MODES}, got {mode!r}")
    path = os.path.realpath(os.fspath(path))  # through symlinks, to the file to replace
    directory = os.path.dirname(path)
    if directory and not os.path.isdir(directory):
        raise FileNotFoundError(f"atomic_open: directory {directory!r} does not exist")
    old = _existing(path)
    f = _open_temp(path, "b" in mode, encoding)
    tmp = f.name
    try:
        with f:
            if old is not None:
                _keep_attributes(f.fileno(), old)
            yield f
            f.flush()
            os.fsync(f.fileno())
            if fcntl is not None:  # rename while still locked, so no cleanup takes it
                os.replace(tmp, path)
        if fcntl is None:  # pragma: no cover - Windows cannot rename an open file
            os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)
    _remove_leftovers(path)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: readers see the old file or the new, never half."""
    with atomic_open(path, "wb") as f:
        f.write(data)


def open_regular(path: str | os.PathLike, error: type[Exception] = OSError,
                 what: str = "file") -> IO[bytes]:
    """Open ``path`` for binary reading, refusing at once anything but a regular file.

    A FIFO, a device such as ``/dev/zero`` or a directory raises ``error`` naming the path
    instead of blocking or reading forever; a missing path raises FileNotFoundError. The
    check is made before opening and again on the open descriptor (opened non-blocking, so a
    FIFO swapped in between cannot hang the open).
    """
    path = os.fspath(path)

    def refuse(mode: int) -> Exception:
        kind = ("a directory" if stat.S_ISDIR(mode) else "a FIFO (named pipe)"
                if stat.S_ISFIFO(mode) else "a character device" if stat.S_ISCHR(mode)
                else "a block device" if stat.S_ISBLK(mode) else "a socket"
                if stat.S_ISSOCK(mode) else "not a regular file")
        return error(f"{path}: is {kind}, not a regular {what}; refusing to read it")

    st = os.stat(path)  # FileNotFoundError (with the path) when it is missing
    if not stat.S_ISREG(st.st_mode):
        raise refuse(st.st_mode)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise refuse(st.st_mode)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def file_digest(path: str | os.PathLike, algorithm: str) -> str:
    """Hex digest of a file's bytes, read in 1 MiB chunks so large files use little memory."""
    if algorithm == "md5":
        h = hashlib.md5(usedforsecurity=False)  # integrity check, not security
    else:
        h = hashlib.new(algorithm)
    with open_regular(path) as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def sha256_file(path: str | os.PathLike) -> str:
    """SHA-256 of a file as lowercase hex."""
    return file_digest(path, "sha256")


def md5_file(path: str | os.PathLike) -> str:
    """MD5 of a file as lowercase hex (for published checksums such as MNIST's, not security)."""
    return file_digest(path, "md5")
