"""Download a file from the first mirror that serves it whole and with a known checksum.

The bytes stream into a temporary file next to the destination while being hashed; the file is
renamed into place only after its length, checksum and (optionally) content were checked, so a
failed, truncated or corrupt download never leaves a file behind.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Sequence

from .._io import atomic_open, open_regular
from .idx import DatasetError

__all__ = ["download_file", "verify_checksum", "file_digests"]

log = logging.getLogger("minigrad.datasets")
_CHUNK = 1 << 20
_USER_AGENT = "minigrad-datasets/0.1 (+https://pypi.org/project/minigrad/)"


def _hasher(algorithm: str):
    if algorithm == "md5":
        return hashlib.md5(usedforsecurity=False)  # matches published MD5s; not for security
    return hashlib.new(algorithm)


def file_digests(path: str, algorithms: Sequence[str]) -> dict[str, str]:
    """Hex digests of one file for several algorithms, reading it once."""
    hashers = {a: _hasher(a) for a in dict.fromkeys(algorithms)}
    with open_regular(path, DatasetError, "dataset file") as f:
        while chunk := f.read(_CHUNK):
            for h in hashers.values():
                h.update(chunk)
    return {a: h.hexdigest() for a, h in hashers.items()}


def _mismatch(digests: dict[str, str], accepted: Sequence[tuple[str, str]]) -> str | None:
    """None when any accepted digest matches, else a description of what was expected and got."""
    if any(digests.get(alg) == hexd.lower() for alg, hexd in accepted):
        return None
    want = " or ".join(f"{alg} {hexd}" for alg, hexd in accepted)
    got = ", ".join(f"{alg} {d}" for alg, d in digests.items())
    return f"checksum mismatch: got {got}, expected {want}"


def verify_checksum(path: str, accepted: Sequence[tuple[str, str]], fix: str) -> None:
    """Raise DatasetError naming ``path`` and ``fix`` unless one accepted digest matches."""
    if not accepted:
        return
    problem = _mismatch(file_digests(path, [a for a, _ in accepted]), accepted)
    if problem:
        raise DatasetError(f"{path}: {problem}; the file is corrupt or truncated. To fix: {fix}.")


class _Pace:
    """A download's time limits: a total ``deadline`` and, after ``grace`` seconds, a minimum
    average rate (a server trickling one byte a second never ends a per-read timeout)."""

    def __init__(self, deadline: float, min_rate: float, grace: float) -> None:
        self.start = time.monotonic()
        self.deadline, self.min_rate, self.grace = deadline, min_rate, grace

    def check(self, received: int) -> None:
        elapsed = time.monotonic() - self.start
        if elapsed > self.deadline:
            raise DatasetError(f"download deadline of {self.deadline:g} s passed after "
                               f"{received} bytes")
        if elapsed > self.grace and received < self.min_rate * elapsed:
            raise DatasetError(f"download too slow: {received} bytes in {elapsed:.1f} s, below "
                               f"the minimum of {self.min_rate:g} bytes/s")


def _fetch(
    url: str,
    dest: str,
    accepted: Sequence[tuple[str, str]],
    timeout: float,
    validate: Callable[[str], None] | None,
    pace: _Pace,
) -> None:
    """One attempt: stream ``url`` into a temp file, check it, rename it to ``dest``."""
    import urllib.request  # lazy: keeps `import minigrad` light

    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    hashers = {a: _hasher(a) for a in dict.fromkeys(a for a, _ in accepted)}
    with urllib.request.urlopen(request, timeout=timeout) as resp, atomic_open(dest, "wb") as f:
        length = resp.headers.get("Content-Length")
        received = 0
        read = getattr(resp, "read1", resp.read)  # what one receive brings: limits apply often
        while chunk := read(_CHUNK):
            pace.check(received + len(chunk))
            f.write(chunk)
            received += len(chunk)
            for h in hashers.values():
                h.update(chunk)
        if length is not None and length.isdigit() and received != int(length):
            raise DatasetError(f"truncated download: received {received} of {length} bytes")
        if accepted:
            problem = _mismatch({a: h.hexdigest() for a, h in hashers.items()}, accepted)
            if problem:
                raise DatasetError(f"{problem} ({received} bytes received)")
        if validate is not None:
            f.flush()
            validate(f.name)  # raises DatasetError: the temp file is then removed


def download_file(
    urls: Sequence[str],
    dest: str | os.PathLike,
    checksums: Sequence[tuple[str, str]] = (),
    *,
    timeout: float = 60.0,
    validate: Callable[[str], None] | None = None,
    deadline: float = 1800.0,
    min_rate: float = 1024.0,
    grace: float = 30.0,
) -> str:
    """Fetch ``dest`` from the first of ``urls`` that works; return that URL.

    ``checksums`` lists accepted ``(algorithm, hexdigest)`` pairs; ``validate(temp_path)`` may
    check the content further. Each failure (network, truncation, checksum, content) moves on to
    the next URL; if all fail, DatasetError lists every attempt. No partial file is ever left.
    ``timeout`` bounds each network wait, ``deadline`` each mirror's whole download, and after
    ``grace`` seconds the average rate must stay at least ``min_rate`` bytes/s.
    """
    import http.client  # lazy, like urllib: its ssl import is slow

    dest = os.fspath(dest)
    if not urls:
        raise DatasetError(f"{dest}: no download URL configured. To fix: pass mirrors=.")
    os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
    failures = []
    for url in urls:
        log.debug("downloading %s -> %s", url, dest)
        try:
            _fetch(url, dest, checksums, timeout, validate, _Pace(deadline, min_rate, grace))
        except DatasetError as e:
            failures.append(f"{url}: {e}")
        except (OSError, http.client.HTTPException, ValueError) as e:
            failures.append(f"{url}: {type(e).__name__}: {e}")
        else:
            return url
    raise DatasetError(
        f"could not download {os.path.basename(dest)} ({'; '.join(failures)}). No file was "
        f"written to {dest}. To fix: check the network or mirrors=, or put a good copy there."
    )
