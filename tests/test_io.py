"""Atomic writes leave the old file or the new one, never half; checksums match hashlib's."""

from __future__ import annotations

import hashlib
import os

import pytest

from minigrad._io import atomic_open, atomic_write_bytes, file_digest, md5_file, sha256_file

FASHION_LABELS = "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz"


def _leftovers(directory) -> list[str]:
    return [n for n in os.listdir(directory) if n.endswith(".tmp")]


def test_atomic_write_bytes_creates_and_replaces(tmp_path):
    target = tmp_path / "out.bin"
    atomic_write_bytes(target, b"first")
    assert target.read_bytes() == b"first"
    atomic_write_bytes(target, b"second, longer")
    assert target.read_bytes() == b"second, longer"
    assert _leftovers(tmp_path) == []


def test_atomic_open_writes_a_temp_file_in_the_same_directory(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with atomic_open(target) as f:
        f.write(b"new")
        assert os.path.dirname(f.name) == str(tmp_path)
        assert f.name != str(target)
        assert target.read_bytes() == b"old"  # nothing visible until the block ends
    assert target.read_bytes() == b"new"
    assert _leftovers(tmp_path) == []


def test_exception_keeps_the_old_file_and_removes_the_temp(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="boom"), atomic_open(target) as f:
        f.write(b"half a new fi")
        raise RuntimeError("boom")
    assert target.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_exception_on_a_new_file_leaves_nothing(tmp_path):
    with pytest.raises(KeyboardInterrupt), atomic_open(tmp_path / "new.bin") as f:
        f.write(b"x")
        raise KeyboardInterrupt
    assert os.listdir(tmp_path) == []


def test_text_mode(tmp_path):
    target = tmp_path / "out.json"
    with atomic_open(target, "w") as f:
        f.write('{"accuracy": 0.97, "note": "\u00e9"}')
    assert target.read_text(encoding="utf-8") == '{"accuracy": 0.97, "note": "\u00e9"}'


def test_permissions_follow_the_umask_like_open(tmp_path):
    old = os.umask(0o027)
    try:
        atomic_write_bytes(tmp_path / "a", b"1")
        with open(tmp_path / "b", "wb") as f:
            f.write(b"1")
    finally:
        os.umask(old)
    assert os.stat(tmp_path / "a").st_mode & 0o777 == os.stat(tmp_path / "b").st_mode & 0o777


def test_bad_mode_and_missing_directory(tmp_path):
    with pytest.raises(ValueError, match="mode"), atomic_open(tmp_path / "x", "ab"):
        pass
    with pytest.raises(FileNotFoundError, match="does not exist"):
        atomic_write_bytes(tmp_path / "no" / "such" / "dir.bin", b"")


def test_digests_match_hashlib(tmp_path):
    data = os.urandom(3 * (1 << 20) + 17)  # spans several read chunks
    path = tmp_path / "blob"
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()
    assert md5_file(path) == hashlib.md5(data).hexdigest()
    assert file_digest(path, "sha1") == hashlib.sha1(data).hexdigest()


def test_digest_of_a_real_file_matches_the_published_value():
    if not os.path.isfile(FASHION_LABELS):
        pytest.skip("Debian package dataset-fashion-mnist not installed")
    assert sha256_file(FASHION_LABELS) == (
        "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"
    )
