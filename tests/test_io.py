"""Atomic writes leave the old file or the new one, never half; checksums match hashlib's."""

from __future__ import annotations

import hashlib
import os
import stat

import pytest

from minigrad._io import (
    atomic_open,
    atomic_write_bytes,
    file_digest,
    md5_file,
    open_regular,
    sha256_file,
)

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


# --- what a careful user expects of a save -------------------------------------------------


def test_a_replaced_file_keeps_its_mode(tmp_path):
    target = tmp_path / "secret.ckpt"
    target.write_bytes(b"old")
    os.chmod(target, 0o600)
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    os.chmod(target, 0o640)
    atomic_write_bytes(target, b"newer")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640


def test_a_replaced_file_keeps_its_owner_and_group(tmp_path):
    """As ``open(path, "w")`` would: the new file is the old owner's (where the process may
    give it away: root here; a user can keep one of their own groups)."""
    target = tmp_path / "shared.ckpt"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    if os.geteuid() == 0:
        owner, group = 4242, 4343
    else:  # a user can give a file to any group they are in, not to another owner
        others = [g for g in os.getgroups() if g != os.getegid()]
        if not others:
            pytest.skip("needs root or a second group to change a file's group")
        owner, group = os.geteuid(), others[0]
    os.chown(target, owner, group)
    atomic_write_bytes(target, b"new")
    st = os.stat(target)
    assert (st.st_uid, st.st_gid) == (owner, group) and stat.S_IMODE(st.st_mode) == 0o640


@pytest.mark.parametrize("mode", [0o444, 0o400, 0o555])
def test_a_read_only_file_is_not_replaced(tmp_path, mode):
    target = tmp_path / "frozen.ckpt"
    target.write_bytes(b"keep me")
    os.chmod(target, mode)
    with pytest.raises(PermissionError, match="read-only") as err:
        atomic_write_bytes(target, b"new")
    assert str(target) in str(err.value)
    assert target.read_bytes() == b"keep me"
    assert stat.S_IMODE(os.stat(target).st_mode) == mode
    assert os.listdir(tmp_path) == ["frozen.ckpt"]


def test_a_directory_or_device_is_not_replaced(tmp_path):
    (tmp_path / "d").mkdir()
    with pytest.raises(IsADirectoryError, match="directory"):
        atomic_write_bytes(tmp_path / "d", b"x")
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(OSError, match="not a regular file"):
        atomic_write_bytes(tmp_path / "fifo", b"x")
    assert stat.S_ISFIFO(os.lstat(tmp_path / "fifo").st_mode)


def test_a_symlink_is_written_through(tmp_path):
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "model.ckpt"
    real.write_bytes(b"old")
    os.chmod(real, 0o600)
    link = tmp_path / "latest.ckpt"
    link.symlink_to(real)
    atomic_write_bytes(link, b"new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == b"new"
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o600
    dangling = tmp_path / "next.ckpt"
    dangling.symlink_to(tmp_path / "real" / "new.ckpt")
    atomic_write_bytes(dangling, b"fresh")
    assert dangling.is_symlink() and (tmp_path / "real" / "new.ckpt").read_bytes() == b"fresh"
    assert sorted(os.listdir(tmp_path)) == ["latest.ckpt", "next.ckpt", "real"]


def test_a_250_character_name_works(tmp_path):
    target = tmp_path / ("n" * 245 + ".ckpt")
    atomic_write_bytes(target, b"1")
    atomic_write_bytes(target, b"2")
    assert target.read_bytes() == b"2"
    with atomic_open(target) as f:
        assert len(os.path.basename(f.name)) <= 59
        f.write(b"3")
    assert os.listdir(tmp_path) == [target.name]


def _temp_name_of(target) -> str:
    with pytest.raises(RuntimeError), atomic_open(target) as f:
        name = os.path.basename(f.name)
        raise RuntimeError
    return name


def test_stale_temps_of_the_same_path_are_removed_and_nothing_else(tmp_path):
    target, other = tmp_path / "state.ckpt", tmp_path / "other.ckpt"
    stem = _temp_name_of(target)[:-len("0123456789ab.tmp")]
    other_stem = _temp_name_of(other)[:-len("0123456789ab.tmp")]
    assert stem != other_stem
    stale = [stem + "0123456789ab.tmp", stem + "ffffffffffff.tmp"]
    keep = [other_stem + "0123456789ab.tmp",  # another path's leftover
            stem + "notatempname.tmp", stem[:-1] + ".tmp", "state.ckpt.tmp", ".state.ckpt.tmp",
            stem + "0123456789ab.tmp.bak", "notes.txt"]
    for name in stale + keep:
        (tmp_path / name).write_bytes(b"half a checkpoint")
    atomic_write_bytes(target, b"whole")
    assert sorted(os.listdir(tmp_path)) == sorted(keep + ["state.ckpt"])
    assert target.read_bytes() == b"whole"


def test_a_failed_write_removes_no_stale_temps(tmp_path):
    target = tmp_path / "state.ckpt"
    stale = _temp_name_of(target)[:-len("0123456789ab.tmp")] + "0123456789ab.tmp"
    (tmp_path / stale).write_bytes(b"half")
    with pytest.raises(RuntimeError), atomic_open(target) as f:
        f.write(b"x")
        raise RuntimeError
    assert os.listdir(tmp_path) == [stale]


def test_a_concurrent_writers_temp_file_is_not_removed(tmp_path):
    """The cleanup of one write must not delete the temp file another live write is filling."""
    target = tmp_path / "state.ckpt"
    with atomic_open(target) as slow:
        slow.write(b"slow writer")
        atomic_write_bytes(target, b"fast writer")  # finishes first and cleans up
        assert os.path.exists(slow.name)
    assert target.read_bytes() == b"slow writer"
    assert os.listdir(tmp_path) == ["state.ckpt"]


# --- only regular files are read -----------------------------------------------------------


@pytest.mark.timeout(20)
def test_open_regular_refuses_fifo_device_and_directory(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    for path, kind in [(tmp_path / "fifo", "FIFO"), ("/dev/zero", "character device"),
                       (tmp_path, "directory")]:
        with pytest.raises(OSError, match=kind) as err:
            open_regular(path)
        assert str(path) in str(err.value)
        with pytest.raises(OSError, match=kind):
            file_digest(path, "sha256")
    with pytest.raises(FileNotFoundError):
        open_regular(tmp_path / "missing")
    (tmp_path / "ok").write_bytes(b"ok")
    with open_regular(tmp_path / "ok") as f:
        assert f.read() == b"ok"


@pytest.mark.timeout(20)
def test_open_regular_does_not_open_what_it_refuses(tmp_path, monkeypatch):
    """Refused before opening: opening a device can itself have effects (a tape rewinds)."""
    opened, real_open = [], os.open
    monkeypatch.setattr(os, "open", lambda p, *a, **k: opened.append(p) or real_open(p, *a, **k))
    with pytest.raises(OSError, match="character device"):
        open_regular("/dev/zero")
    assert opened == []


@pytest.mark.timeout(20)
def test_a_fifo_swapped_in_after_the_check_is_refused_without_blocking(tmp_path, monkeypatch):
    fifo, regular = tmp_path / "fifo", tmp_path / "regular"
    os.mkfifo(fifo)
    regular.write_bytes(b"x")
    real_stat = os.stat
    monkeypatch.setattr(os, "stat", lambda p, *a, **k: real_stat(regular if str(p) == str(fifo)
                                                                  else p, *a, **k))
    with pytest.raises(OSError, match="FIFO"):
        open_regular(fifo)  # opened non-blocking (no writer), then refused by fstat
