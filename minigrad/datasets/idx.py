"""Read and write IDX files (MNIST's format), raw or gzipped, validating every byte they claim.

IDX layout: two zero bytes, a dtype code, the number of dimensions, one big-endian uint32 per
dimension, then the array in C order, big-endian. ``read_idx`` checks all of it and turns any
problem (bad magic, truncated or oversized payload, bad gzip, unexpected shape) into a
``DatasetError`` that names the file and says how to fix it; it never raises anything else.
Memory is bounded by the file: the declared shape is checked against the file's length (raw)
or at most 64x its size (gzip, or 64 MiB) and the caller's expected shape before any data is
read, and a gzip stream is inflated in bounded reads, never past the declared size + 1 byte.
"""

from __future__ import annotations

import gzip
import io
import os
import struct
import zlib
from collections.abc import Sequence

import numpy as np

from .._io import atomic_open, open_regular

__all__ = ["DatasetError", "read_idx", "write_idx", "IDX_DTYPES"]

IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dt.newbyteorder("=") if dt.itemsize > 1 else dt: code for code, dt in IDX_DTYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 22
_GZ_RATIO = 64  # a .gz may declare 64x its size (MNIST's are ~5x; deflate reaches ~1032x)
_GZ_FLOOR = 64 << 20  # ... or 64 MiB whatever its size (MNIST's largest file is 47 MB)
_FIX = "delete the file and download it again (download=True), or point root= at good copies"


class DatasetError(ValueError):
    """A dataset file or source is missing, corrupt or not what it claims; the message says why."""


def _fail(name: str, problem: str, fix: str = _FIX) -> DatasetError:
    return DatasetError(f"{name}: {problem}. To fix: {fix}.")


def _read_exact(stream: io.IOBase, n: int) -> bytearray:
    """Read exactly ``n`` bytes or fewer at EOF, in chunks, so a lying header cannot allocate n."""
    out = bytearray()
    while len(out) < n:
        chunk = stream.read(min(_CHUNK, n - len(out)))
        if not chunk:
            break
        out += chunk
    return out


def _parse(stream: io.IOBase, name: str, available: int | None, compressed: int | None,
           expect: tuple) -> np.ndarray:
    """Parse one IDX stream; ``available`` is its size when known (raw files, bytes),
    ``compressed`` the gzip file's size. Nothing is read past the header (so nothing allocated)
    until the declared shape is checked against those sizes and ``expect`` (dtype, shape)."""
    head = _read_exact(stream, 4)
    if len(head) < 4:
        raise _fail(name, f"file is {len(head)} bytes long, too short for an IDX header")
    if head[0] != 0 or head[1] != 0 or head[2] not in IDX_DTYPES:
        raise _fail(
            name,
            f"not an IDX file (magic bytes {bytes(head).hex(' ')}; expected 00 00 <dtype code "
            f"in {sorted(IDX_DTYPES)}> <ndim>)",
        )
    dtype, ndim = IDX_DTYPES[head[2]], head[3]
    if ndim == 0:
        raise _fail(name, "IDX header declares 0 dimensions")
    raw_dims = _read_exact(stream, 4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise _fail(name, f"truncated header: {ndim} dimensions declared, file ends inside them")
    dims = struct.unpack(f">{ndim}I", bytes(raw_dims))
    count = 1
    for d in dims:
        count *= d
    nbytes = count * dtype.itemsize
    header = 4 + 4 * ndim
    if available is not None and available != header + nbytes:
        kind = "truncated" if available < header + nbytes else "too long"
        raise _fail(
            name,
            f"size mismatch ({kind}): header declares shape {dims} of {dtype.name} "
            f"({header + nbytes} bytes with the header) but the data is {available} bytes",
        )
    if compressed is not None and header + nbytes > max(_GZ_FLOOR, _GZ_RATIO * compressed):
        raise _fail(
            name,
            f"header declares shape {dims} of {dtype.name} ({header + nbytes} bytes) from "
            f"{compressed} bytes of gzip, over the {_GZ_RATIO}:1 limit (a decompression bomb?)",
        )
    _check_expectations(dtype.newbyteorder("="), dims, name, *expect)
    payload = _read_exact(stream, nbytes)
    if len(payload) < nbytes:
        raise _fail(
            name,
            f"truncated: header declares shape {dims} ({nbytes} data bytes) "
            f"but only {len(payload)} are present",
        )
    if stream.read(1):
        raise _fail(name, f"size mismatch: extra bytes after the {nbytes} declared by shape {dims}")
    if nbytes == 0:
        return np.zeros(dims, dtype=dtype.newbyteorder("="))
    arr = np.frombuffer(payload, dtype=dtype).reshape(dims)
    return arr.astype(dtype.newbyteorder("="), copy=False) if dtype.itemsize > 1 else arr


def _check_expectations(
    dtype: np.dtype,
    shape: tuple,
    name: str,
    expect_dtype: np.dtype | None,
    expect_shape: Sequence[int | None] | None,
) -> None:
    if expect_dtype is not None and dtype != np.dtype(expect_dtype):
        want = np.dtype(expect_dtype).name
        raise _fail(name, f"expected dtype {want}, file holds {dtype.name}")
    if expect_shape is not None:
        want = tuple(expect_shape)
        ok = len(want) == len(shape) and all(
            w is None or w == s for w, s in zip(want, shape, strict=True)
        )
        if not ok:
            shown = tuple("N" if w is None else w for w in want)
            raise _fail(name, f"wrong dims: expected shape {shown}, file holds {shape}")


def read_idx(
    source: str | os.PathLike | bytes | bytearray | memoryview,
    *,
    name: str | None = None,
    expect_dtype: np.dtype | type | None = None,
    expect_shape: Sequence[int | None] | None = None,
) -> np.ndarray:
    """Read an IDX array from a path or bytes, gzipped or raw (detected by content, not name).

    ``expect_shape`` may hold ``None`` for "any size", e.g. ``(None, 28, 28)``. Returns a
    writable native-endian array. A missing path raises FileNotFoundError; every problem with
    the bytes themselves raises DatasetError naming ``name`` (default: the path).
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        label = name or f"<{len(data)} bytes>"
        raw: io.IOBase = io.BytesIO(data)
        size: int | None = len(data)
        is_gzip = data[:2] == _GZIP_MAGIC
    else:
        path = os.fspath(source)
        label = name or path
        if not os.path.exists(path):
            raise FileNotFoundError(f"{label}: no such IDX file")
        # a FIFO, a device or a directory: DatasetError at once, never a hang
        raw = open_regular(path, DatasetError, "IDX file")  # closed in the finally below
        size = os.fstat(raw.fileno()).st_size
        is_gzip = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
    try:
        expect = (expect_dtype, expect_shape)
        if is_gzip:  # GzipFile.read(n) inflates at most n bytes: reads are bounded by _parse
            with gzip.GzipFile(fileobj=raw, mode="rb") as gz:
                arr = _parse(gz, label, None, size, expect)
        else:
            arr = _parse(raw, label, size, None, expect)
    except DatasetError:
        raise
    except (OSError, EOFError, zlib.error, struct.error, ValueError, MemoryError) as e:
        what = "corrupt or truncated gzip data" if is_gzip else "unreadable data"
        raise _fail(label, f"{what} ({type(e).__name__}: {e})") from e
    finally:
        raw.close()
    if not arr.flags.writeable:
        arr = arr.copy()
    return arr


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write ``array`` as an IDX file, gzipped when the name ends in ``.gz``; atomic, reproducible.

    The gzip header carries no timestamp, so the same array always gives the same bytes.
    """
    arr = np.asarray(array)
    key = arr.dtype.newbyteorder("=") if arr.dtype.itemsize > 1 else arr.dtype
    if key not in _CODES:
        raise TypeError(f"write_idx: dtype {arr.dtype} has no IDX code; use one of "
                        f"{sorted({dt.name for dt in IDX_DTYPES.values()})}")
    if not 1 <= arr.ndim <= 255 or any(d >= 2**32 for d in arr.shape):
        raise ValueError(f"write_idx: shape {arr.shape} cannot be stored in an IDX header")
    code = _CODES[key]
    body = (
        bytes([0, 0, code, arr.ndim])
        + struct.pack(f">{arr.ndim}I", *arr.shape)
        + np.ascontiguousarray(arr, dtype=IDX_DTYPES[code]).tobytes()
    )
    path = os.fspath(path)
    with atomic_open(path, "wb") as f:
        if path.endswith(".gz"):
            with gzip.GzipFile(filename="", fileobj=f, mode="wb", mtime=0) as gz:
                gz.write(body)
        else:
            f.write(body)
