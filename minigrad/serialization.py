"""``save``/``load`` for state dicts: one ``.npz`` with a JSON manifest inside, never pickle.

Layout of the zip: ``arr_<k>`` entries hold the arrays; ``__manifest__`` (uint8 JSON) holds the
structure with each array's dtype, shape and SHA-256; ``__manifest_sha256__`` holds the manifest's
own SHA-256. Loading uses ``np.load(allow_pickle=False)`` and only ``json``, so opening a file can
never run code; any damage (truncation, flipped bits, edited entries) raises ``CheckpointError``.

Manifest nodes: JSON null/bool/int/str and finite floats stand for themselves; lists for lists;
objects are tags: ``{"$dict": [[key, node], ...]}`` (keys str or int, kept as such),
``{"$tuple": [...]}``, ``{"$float": "nan"|"inf"|"-inf"}``, ``{"$tensor": name}``,
``{"$ndarray": name}``, ``{"$scalar": name}`` (a NumPy scalar).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from typing import Any

import numpy as np

from ._io import atomic_open, open_regular
from ._npz import DEFAULT_MAX_BYTES, read_npz
from .tensor import Tensor

__all__ = ["save", "load", "CheckpointError", "FORMAT", "VERSION"]

FORMAT = "minigrad.checkpoint"
VERSION = 1
_MANIFEST = "__manifest__"
_MANIFEST_SHA = "__manifest_sha256__"
_ARRAY_KINDS = "biufc"
_TAGS = ("$dict", "$tuple", "$float", "$tensor", "$ndarray", "$scalar")


class CheckpointError(ValueError):
    """A checkpoint file is not a valid minigrad checkpoint (corrupt, truncated or tampered)."""


def _c_order(arr: np.ndarray) -> np.ndarray:
    """``arr`` itself if C-contiguous, else a C-ordered copy (0-d stays 0-d)."""
    return arr if arr.flags.c_contiguous else arr.copy(order="C")


def _sha256(arr: np.ndarray) -> str:
    """SHA-256 of the array's bytes in C order."""
    return hashlib.sha256(_c_order(arr).reshape(-1).view(np.uint8)).hexdigest()


class _Encoder:
    """Walks an object into manifest nodes, collecting arrays (each object stored once)."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self._names: dict[int, str] = {}
        self._keep: list[Any] = []  # holds encoded objects so their ids stay unique
        self._active: set[int] = set()

    def _array(self, obj: Any, arr: np.ndarray, where: str) -> str:
        name = self._names.get(id(obj))
        if name is None:
            if arr.dtype.kind not in _ARRAY_KINDS or arr.dtype.hasobject:
                raise TypeError(
                    f"save: {where} has dtype {arr.dtype}; only bool, integer, float and complex "
                    "arrays can be stored"
                )
            name = f"arr_{len(self.arrays)}"
            self.arrays[name] = _c_order(arr)
            self._names[id(obj)] = name
            self._keep.append(obj)
        return name

    def encode(self, obj: Any, where: str = "obj") -> Any:
        if isinstance(obj, Tensor):
            return {"$tensor": self._array(obj, obj._data, where)}
        if isinstance(obj, np.ndarray):
            return {"$ndarray": self._array(obj, obj, where)}
        if isinstance(obj, np.generic):  # before float: np.float64 is a float subclass
            return {"$scalar": self._array(obj, np.asarray(obj), where)}
        if obj is None or isinstance(obj, bool):
            return obj
        if isinstance(obj, str):
            return str(obj)
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            return float(obj) if math.isfinite(obj) else {"$float": repr(float(obj))}
        if not isinstance(obj, dict | list | tuple):
            raise TypeError(
                f"save: {where} is a {type(obj).__name__}; only dicts, lists, tuples, numbers, "
                "strings, None, Tensors and ndarrays can be stored"
            )
        if id(obj) in self._active:
            raise ValueError(f"save: {where} contains itself (a reference cycle)")
        self._active.add(id(obj))
        try:
            if isinstance(obj, dict):
                items = []
                for k, v in obj.items():
                    if isinstance(k, bool) or not isinstance(k, str | int):
                        raise TypeError(
                            f"save: {where} has a key {k!r} of type {type(k).__name__}; keys "
                            "must be str or int"
                        )
                    items.append([k if isinstance(k, str) else int(k),
                                  self.encode(v, f"{where}[{k!r}]")])
                return {"$dict": items}
            nodes = [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]
            return nodes if isinstance(obj, list) else {"$tuple": nodes}
        finally:
            self._active.discard(id(obj))


def save(obj: Any, f: str | os.PathLike) -> None:
    """Write ``obj`` (a state dict or any nest of containers, numbers, strings and Tensors).

    The file is exactly ``f`` (no ``.npz`` appended), written to a temporary file and renamed,
    so a crash never leaves a half-written checkpoint behind.
    """
    if not isinstance(f, str | os.PathLike):
        raise TypeError(f"save: expected a file path, got {type(f).__name__}")
    enc = _Encoder()
    root = enc.encode(obj)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "root": root,
        "arrays": {
            name: {"dtype": a.dtype.str, "shape": list(a.shape), "sha256": _sha256(a)}
            for name, a in enc.arrays.items()
        },
    }
    blob = json.dumps(manifest, allow_nan=False, separators=(",", ":")).encode("utf-8")
    entries = dict(enc.arrays)
    entries[_MANIFEST] = np.frombuffer(blob, dtype=np.uint8)
    entries[_MANIFEST_SHA] = np.frombuffer(hashlib.sha256(blob).hexdigest().encode(), np.uint8)
    with atomic_open(f, "wb") as fh:
        np.savez(fh, **entries)


class _Decoder:
    """Turns manifest nodes back into objects; every malformed node is a CheckpointError."""

    def __init__(self, path: str, arrays: dict[str, np.ndarray]) -> None:
        self.path, self.arrays = path, arrays
        self._tensors: dict[str, Tensor] = {}

    def fail(self, what: str) -> CheckpointError:
        return CheckpointError(f"{self.path}: {what}")

    def _get(self, name: Any) -> np.ndarray:
        if not isinstance(name, str) or name not in self.arrays:
            raise self.fail(f"manifest refers to a missing array {name!r}")
        return self.arrays[name]

    def decode(self, node: Any) -> Any:
        if node is None or isinstance(node, bool | int | float | str):
            return node
        if isinstance(node, list):
            return [self.decode(n) for n in node]
        if not isinstance(node, dict) or len(node) != 1 or next(iter(node)) not in _TAGS:
            raise self.fail(f"malformed manifest node {str(node)[:80]!r}")
        tag, value = next(iter(node.items()))
        if tag == "$dict":
            if not isinstance(value, list):
                raise self.fail("malformed dict node in the manifest")
            out = {}
            for item in value:
                if (not isinstance(item, list) or len(item) != 2 or isinstance(item[0], bool)
                        or not isinstance(item[0], str | int)):
                    raise self.fail(f"malformed dict entry {str(item)[:80]!r} in the manifest")
                out[item[0]] = self.decode(item[1])
            return out
        if tag == "$tuple":
            if not isinstance(value, list):
                raise self.fail("malformed tuple node in the manifest")
            return tuple(self.decode(n) for n in value)
        if tag == "$float":
            if value not in ("nan", "inf", "-inf"):
                raise self.fail(f"malformed float {value!r} in the manifest")
            return float(value)
        arr = self._get(value)
        if tag == "$ndarray":
            return arr
        if tag == "$scalar":
            if arr.ndim:
                raise self.fail(f"scalar entry {value!r} is not 0-d")
            return arr[()]
        if value not in self._tensors:  # the same Tensor saved twice comes back as one
            self._tensors[value] = Tensor._wrap(arr)
        return self._tensors[value]


def _read_manifest(path: str, npz: dict[str, np.ndarray]) -> dict:
    names = set(npz)
    if _MANIFEST not in names or _MANIFEST_SHA not in names:
        raise CheckpointError(f"{path}: not a minigrad checkpoint (no manifest inside the .npz)")
    blob_arr, sha_arr = npz[_MANIFEST], npz[_MANIFEST_SHA]
    if blob_arr.dtype != np.uint8 or blob_arr.ndim != 1 or sha_arr.dtype != np.uint8:
        raise CheckpointError(f"{path}: the manifest entry has the wrong dtype or shape")
    blob = blob_arr.tobytes()
    if hashlib.sha256(blob).hexdigest().encode() != sha_arr.tobytes():
        raise CheckpointError(f"{path}: manifest checksum mismatch (the file was modified)")
    manifest = json.loads(blob.decode("utf-8"))
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a minigrad checkpoint (format is not {FORMAT!r})")
    version = manifest.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version > VERSION:
        raise CheckpointError(
            f"{path}: checkpoint format version {version!r} is not supported (this minigrad "
            f"reads up to version {VERSION})"
        )
    if not isinstance(manifest.get("arrays"), dict) or "root" not in manifest:
        raise CheckpointError(f"{path}: the manifest lacks 'arrays' or 'root'")
    expected = set(manifest["arrays"]) | {_MANIFEST, _MANIFEST_SHA}
    if names != expected:
        extra, missing = sorted(names - expected), sorted(expected - names)
        raise CheckpointError(
            f"{path}: the archive's entries do not match its manifest (unexpected: {extra}, "
            f"missing: {missing})"
        )
    return manifest


def _read_arrays(path: str, npz: dict, table: dict) -> dict[str, np.ndarray]:
    arrays = {}
    for name, meta in table.items():
        arr = npz[name]
        if not isinstance(meta, dict) or arr.dtype.str != meta.get("dtype"):
            raise CheckpointError(f"{path}: array {name!r} has dtype {arr.dtype.str}, the "
                                  f"manifest says {meta!r}")
        if list(arr.shape) != meta.get("shape"):
            raise CheckpointError(f"{path}: array {name!r} has shape {arr.shape}, the manifest "
                                  f"says {meta.get('shape')!r}")
        if _sha256(arr) != meta.get("sha256"):
            raise CheckpointError(f"{path}: checksum mismatch in array {name!r} (corrupt file)")
        arrays[name] = arr
    return arrays


def load(
    f: str | os.PathLike, map_location: Any = None, weights_only: bool | None = None, *,
    max_bytes: int = DEFAULT_MAX_BYTES, **_: Any
) -> Any:
    """Read a checkpoint written by ``save``; Tensors come back as Tensors not requiring grad.

    ``map_location`` and ``weights_only`` are accepted for PyTorch scripts and ignored: there is
    one device, and loading never unpickles anything.

    Memory is bounded by the file: before any array is allocated, each member's declared shape
    x dtype must match its size in the zip directory (stored members: the bytes really in the
    file; deflated ones: at most 128x their compressed size, or 1 MiB), and all arrays together
    must fit in ``max_bytes`` (default 8 GiB); data is never inflated past the declared size.
    Otherwise ``CheckpointError`` names the file, the member and the numbers.
    """
    if not isinstance(f, str | os.PathLike):
        raise TypeError(f"load: expected a file path, got {type(f).__name__}")
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 0:
        raise TypeError(f"load: max_bytes must be a non-negative int, got {max_bytes!r}")
    path = os.fspath(f)

    def error(member: str | None, problem: str) -> CheckpointError:
        where = f"{path}: member {member!r}" if member is not None else path
        return CheckpointError(f"{where}: {problem}")

    # FileNotFoundError (with the path) when missing; CheckpointError at once for a FIFO, a
    # device or a directory (read from the one descriptor checked, never reopened by name)
    with open_regular(path, CheckpointError, "checkpoint file") as fh:
        head = fh.read(4)
        if not head:
            raise CheckpointError(f"{path}: the file is empty")
        if head != b"PK\x03\x04":
            raise CheckpointError(f"{path}: not a minigrad checkpoint (not a zip/.npz archive)")
        fh.seek(0)
        try:
            npz = read_npz(fh, os.fstat(fh.fileno()).st_size, max_bytes, error)
            manifest = _read_manifest(path, npz)
            arrays = _read_arrays(path, npz, manifest["arrays"])
            return _Decoder(path, arrays).decode(manifest["root"])
        except CheckpointError:
            raise
        except Exception as e:  # zipfile/zlib/struct/numpy/json errors on untrusted bytes
            raise CheckpointError(f"{path}: corrupt or truncated checkpoint "
                                  f"({type(e).__name__}: {e})") from e
