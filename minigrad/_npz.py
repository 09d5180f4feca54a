"""Read the ``.npy`` members of an untrusted ``.npz`` with memory bounded by the file.

Nothing is allocated for a member's data until its ``.npy`` header (read on its own, at most
``_MAX_HEADER`` bytes) has been checked against the zip directory: the declared shape x dtype
must be exactly the member's uncompressed size, a stored member must fit inside the archive,
a deflated member may declare at most ``_MAX_RATIO`` times its compressed size (or
``_RATIO_FLOOR``), and all members together at most ``max_bytes``. The data is then read
through ``BoundedReader``, which never returns more than the declared size, so a member whose
deflate stream inflates beyond what its directory entry says is cut off there (zipfile's CRC
and the manifest's SHA-256 then refuse it). ``error(member, problem)`` builds the exception.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from typing import IO

import numpy as np

__all__ = ["BoundedReader", "read_npz", "DEFAULT_MAX_BYTES"]

DEFAULT_MAX_BYTES = 8 << 30  # 8 GiB: far above any model minigrad trains, below a bomb's reach
_MAX_RATIO = 128  # deflate can reach ~1032:1 on zeros; real weights compress ~1.1:1
_RATIO_FLOOR = 1 << 20  # a deflated member may always declare up to 1 MiB
_MAX_HEADER = 10_000  # numpy's own limit on a .npy header
_CHUNK = 1 << 20
_KINDS = "biufc"


class BoundedReader:
    """A read-only view of ``raw`` that ends after ``limit`` bytes, however much ``raw`` holds."""

    def __init__(self, raw: IO[bytes], limit: int) -> None:
        self.raw, self.left, self.pos = raw, limit, 0

    def read(self, n: int = -1) -> bytes:
        n = self.left if n is None or n < 0 else min(n, self.left)
        data = self.raw.read(n) if n else b""
        data = data[: self.left]  # a misbehaving ``raw`` may return more than asked
        self.left -= len(data)
        self.pos += len(data)
        return data

    def readinto(self, view: memoryview) -> int:
        """Fill ``view`` in chunks; the number of bytes actually read (short at EOF)."""
        done = 0
        while done < len(view):
            chunk = self.read(min(_CHUNK, len(view) - done))
            if not chunk:
                break
            view[done:done + len(chunk)] = chunk
            done += len(chunk)
        return done


def _header(fp: BoundedReader, err: Callable[[str], Exception]) -> tuple:
    version = np.lib.format.read_magic(fp)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp, _MAX_HEADER)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp, _MAX_HEADER)
    else:
        raise err(f"unsupported .npy format version {version}")
    if dtype.hasobject or dtype.kind not in _KINDS:
        raise err(f"declares dtype {dtype}; Object arrays and other non-numeric dtypes are "
                  "never loaded (that would need pickle)")
    return tuple(shape), fortran, dtype


def _plan(zf: zipfile.ZipFile, archive_size: int, error: Callable) -> list:
    """(info, shape, fortran, dtype, data offset) per member, after every size check."""
    infos = zf.infolist()
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise error(None, "the archive holds duplicate member names")
    plan = []
    for info in infos:
        def err(problem: str, name: str = info.filename) -> Exception:
            return error(name, problem)

        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise err(f"unsupported compression method {info.compress_type}")
        if info.compress_size > archive_size:
            raise err(f"compressed size {info.compress_size} bytes exceeds the whole file "
                      f"({archive_size} bytes)")
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            raise err(f"stored member: directory says {info.file_size} bytes uncompressed but "
                      f"{info.compress_size} bytes in the file")
        with zf.open(info) as raw:
            fp = BoundedReader(raw, min(info.file_size, _MAX_HEADER + 16))
            shape, fortran, dtype = _header(fp, err)
        count = 1
        for d in shape:
            count *= d
        declared = count * dtype.itemsize
        if fp.pos + declared != info.file_size:
            raise err(f"header declares shape {shape} of {dtype} ({declared} data bytes + "
                      f"{fp.pos} header bytes) but the zip directory says the member is "
                      f"{info.file_size} bytes")
        limit = max(_RATIO_FLOOR, _MAX_RATIO * info.compress_size)
        if info.compress_type == zipfile.ZIP_DEFLATED and info.file_size > limit:
            raise err(f"deflated member declares shape {shape} of {dtype} ({declared} data "
                      f"bytes, {info.file_size} in all) from {info.compress_size} compressed "
                      f"bytes, over the {_MAX_RATIO}:1 ratio limit (a decompression bomb?)")
        plan.append((info, shape, fortran, dtype, fp.pos))
    return plan


def read_npz(fh: IO[bytes], archive_size: int, max_bytes: int, error: Callable) -> dict:
    """``{member name without .npy: array}``; ``error(member, problem)`` makes the exception."""
    with zipfile.ZipFile(fh) as zf:
        plan = _plan(zf, archive_size, error)
        total = sum(info.file_size - offset for info, *_, offset in plan)
        if total > max_bytes:
            raise error(None, f"the arrays declare {total} bytes in all, over max_bytes="
                              f"{max_bytes} (pass a larger max_bytes to load it)")
        out = {}
        for info, shape, fortran, dtype, offset in plan:
            nbytes = info.file_size - offset
            flat = np.empty(nbytes // max(dtype.itemsize, 1), dtype=dtype)  # checked above
            with zf.open(info) as raw:
                fp = BoundedReader(raw, info.file_size)
                fp.read(offset)
                got = fp.readinto(memoryview(flat.view(np.uint8)))
            if got != nbytes:
                raise error(info.filename, f"truncated: {got} of {nbytes} data bytes present")
            arr = flat.reshape(shape, order="F" if fortran else "C")
            name = info.filename
            out[name[:-4] if name.endswith(".npy") else name] = arr
        return out
