"""Resolve a dataset to one source, read and validate its arrays, and say where they came from.

Checks by source: files in the user cache and in system folders must match a known checksum
(they are meant to be the published files); files you point to with ``root=`` or an
environment variable are checked for structure only (IDX header, sizes, shapes, label range),
since another mirror may have re-compressed the same data. Downloads are checked before they
are renamed into place. Arrays read once are kept in memory (keyed by path, size and mtime)
so repeated loads in one process are fast; callers get copies.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass, field

import numpy as np

from .bundled import load_bundled
from .download import download_file, verify_checksum
from .idx import DatasetError, read_idx
from .sources import (
    ROLES,
    DatasetSpec,
    SourceStatus,
    _scan_folder,
    get_spec,
    no_source_error,
    search_sources,
    unusable_env_error,
)

__all__ = ["DataSource", "load_arrays", "last_source"]

log = logging.getLogger("minigrad.datasets")
_MEMO: OrderedDict[tuple, tuple] = OrderedDict()
_MEMO_SIZE = 4
_lock = threading.Lock()
_last: DataSource | None = None

Arrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class DataSource:
    """Which source a dataset came from: record ``to_dict()`` with an experiment's results."""

    dataset: str
    kind: str  # "root", "env", "cache", "system", "download" or "bundled"
    location: str
    n_train: int
    n_test: int
    files: dict[str, str] = field(default_factory=dict)

    @property
    def is_subset(self) -> bool:
        """True for the bundled 5,000-digit subset, which is not the official split."""
        return self.kind == "bundled"

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        return (f"{self.dataset} from {self.kind} source {self.location} "
                f"({self.n_train} train + {self.n_test} test samples)")


def last_source() -> DataSource | None:
    """The source of the most recent load in this process (None before the first)."""
    return _last


def _fix_for(kind: str, path: str, spec: DatasetSpec) -> str:
    if kind == "system" and spec.name == "fashion-mnist":
        return "reinstall it: `apt-get install --reinstall dataset-fashion-mnist`"
    if kind == "system":
        return f"remove or replace {path}"
    return f"delete {path} and load again with download=True (it will be fetched again)"


def _accepted(spec: DatasetSpec, path: str, kind: str) -> tuple:
    """The digests a cache or system file must match; an uncompressed file of a dataset whose
    archives have digests but it has none cannot be verified, so it is refused, not trusted."""
    name = os.path.basename(path)
    accepted = tuple(spec.checksums.get(name, ()))
    if accepted or name.endswith(".gz") or not spec.checksums.get(name + ".gz"):
        return accepted
    folder = os.path.dirname(path)
    raise DatasetError(
        f"{path}: an uncompressed {spec.name} file in the {kind} folder cannot be verified (only "
        f"the published {name}.gz has a known checksum). To fix: put {name}.gz in {folder} "
        f"instead, or pass root={folder!r} to use the files as they are (structure checks only)."
    )


def _read_pair(spec: DatasetSpec, images: str, labels: str, n: int | None, fix: str) -> tuple:
    """Images (N, 28, 28) and labels (N,), both uint8, consistent with each other and the spec."""
    x = read_idx(images, expect_dtype=np.uint8, expect_shape=(n, 28, 28))
    t = read_idx(labels, expect_dtype=np.uint8, expect_shape=(x.shape[0],))
    if t.size and int(t.max()) >= len(spec.classes):
        raise DatasetError(
            f"{labels}: label {int(t.max())} out of range for {len(spec.classes)} classes. "
            f"To fix: {fix}."
        )
    return x, t


def _read_folder(spec: DatasetSpec, step: SourceStatus, checked: set[str]) -> Arrays:
    """Read the four files of a folder source, checksumming those in ``checked``."""
    files = step.files
    for role in ROLES:
        path = files[role]
        if path in checked:
            accepted = _accepted(spec, path, step.kind)
            verify_checksum(path, accepted, _fix_for(step.kind, path, spec))
    fix = f"replace the files in {step.location}"
    train = _read_pair(spec, files["train_images"], files["train_labels"], spec.n_train, fix)
    test = _read_pair(spec, files["test_images"], files["test_labels"], spec.n_test, fix)
    return train, test


def _download_into(spec: DatasetSpec, folder: str) -> SourceStatus:
    """Fetch the files missing from ``folder``; each is checked before it appears."""
    for role in ROLES:
        name = spec.files[role]
        dest = os.path.join(folder, name)
        plain = dest[:-3] if dest.endswith(".gz") else dest
        if os.path.isfile(dest) or os.path.isfile(plain):
            continue
        urls = [m if m.endswith("/") else m + "/" for m in spec.mirrors]
        download_file([m + name for m in urls], dest, spec.checksums.get(name, ()),
                      validate=lambda p, name=name: read_idx(p, name=name))
    step = _scan_folder(spec, "download", folder)
    if not step.found:  # pragma: no cover - download_file raises before this
        raise DatasetError(f"{folder}: download finished but files are missing ({step.detail})")
    return step


def _memo_key(spec: DatasetSpec, step: SourceStatus, checked: set[str]) -> tuple:
    paths = list(step.files.values()) if step.files else [step.location]
    stats = []
    for p in paths:
        st = os.stat(p)  # links to the same file share one entry
        stats.append((os.path.realpath(p), st.st_size, st.st_mtime_ns, p in checked))
    checks = repr(sorted((k, tuple(v)) for k, v in spec.checksums.items()))
    shape = (spec.name, len(spec.classes), spec.n_train, spec.n_test)
    return (shape, checks, step.kind, tuple(stats))


def load_arrays(
    dataset: str | DatasetSpec = "mnist",
    root: str | os.PathLike | None = None,
    download: bool = False,
) -> tuple[Arrays, DataSource]:
    """``((x_train, t_train), (x_test, t_test)), source``: uint8 arrays from the first source.

    Logs one INFO line on logger ``minigrad.datasets`` naming the source and its sample counts.
    """
    (train, test), source = _load_shared(dataset, root, download)
    return ((train[0].copy(), train[1].copy()), (test[0].copy(), test[1].copy())), source


def _load_shared(
    dataset: str | DatasetSpec, root: str | os.PathLike | None, download: bool
) -> tuple[Arrays, DataSource]:
    """Like ``load_arrays`` but the arrays are the read-only memoized ones (no copy)."""
    global _last
    spec = get_spec(dataset)
    steps = search_sources(spec, root, download)
    env = next((s for s in steps if s.kind == "env" and s.location is not None), None)
    if env is not None and not env.found:
        raise unusable_env_error(spec, env)
    chosen = next((s for s in steps if s.found or s.status == "available"), None)
    if chosen is None:
        raise no_source_error(spec, steps, root)
    checked: set[str] = set()
    if chosen.kind == "download":
        chosen = _download_into(spec, chosen.location)
        if root is None:  # the cache: verify files that were there before too
            checked = set(chosen.files.values())
    elif chosen.kind in ("cache", "system"):
        checked = set(chosen.files.values())
    key = _memo_key(spec, chosen, checked)
    with _lock:
        hit = _MEMO.get(key)
        if hit is not None:
            _MEMO.move_to_end(key)
    if hit is None:
        if chosen.kind == "bundled":
            train, test, _ = load_bundled()
        else:
            train, test = _read_folder(spec, chosen, checked)
        for a in (*train, *test):
            a.flags.writeable = False
        hit = (train, test)
        with _lock:
            _MEMO[key] = hit
            while len(_MEMO) > _MEMO_SIZE:
                _MEMO.popitem(last=False)
    n_train, n_test = len(hit[0][0]), len(hit[1][0])
    source = DataSource(
        spec.name, chosen.kind, chosen.location or "", n_train, n_test, dict(chosen.files)
    )
    _last = source
    log.info("%s: using %s source %s (%d train + %d test samples)", spec.name, source.kind,
             source.location, source.n_train, source.n_test)
    return hit, source
