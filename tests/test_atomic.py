"""Outputs never destroy what they replace: files atomically, links written through, streams written to;
leftovers of killed runs are removed."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import threading
from pathlib import Path

import pytest

from pipeline.core.atomic import atomic_path, write_json


def write_text(target: Path, text: str) -> None:
    with atomic_path(target) as path:
        path.write_text(text, encoding="utf-8")


def read_fifo_in_background(fifo: Path) -> tuple[threading.Thread, list[str]]:
    received: list[str] = []
    thread = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")), daemon=True)
    thread.start()
    return thread, received


def test_new_path_and_regular_file_are_replaced_atomically(tmp_path):
    target = tmp_path / "sub" / "out.txt"
    write_text(target, "one")
    write_text(target, "two")
    assert target.read_text() == "two"
    assert sorted(path.name for path in target.parent.iterdir()) == ["out.txt"]


def test_a_failing_write_leaves_the_file_untouched(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as path:
        path.write_text("half")
        raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.txt"]


def test_a_symlink_is_written_through_and_kept(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    write_text(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new"


def test_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "missing.txt")
    write_text(link, "new")
    assert link.is_symlink() and (tmp_path / "missing.txt").read_text() == "new"


def test_a_fifo_is_streamed_to_and_kept(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    thread, received = read_fifo_in_background(fifo)
    write_json(fifo, {"a": 1})
    thread.join(timeout=10)
    assert received == ['{\n  "a": 1\n}\n']
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_link_to_a_fifo_is_streamed_to_and_kept(tmp_path):
    # What --output /dev/stdout is when standard output is a pipe.
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "stdout"
    link.symlink_to(fifo)
    thread, received = read_fifo_in_background(fifo)
    write_text(link, "line\n")
    thread.join(timeout=10)
    assert received == ["line\n"]
    assert link.is_symlink() and stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_character_device_is_written_to_and_kept(tmp_path):
    # A node like /dev/null (major 1, minor 3), made here so that a failure cannot delete the real one.
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device node needs root")
    write_json(device, {"a": 1})
    assert stat.S_ISCHR(device.lstat().st_mode)


# --- leftovers of killed runs -------------------------------------------------------------------------------


def dead_pid() -> int:
    """The id of a process that has ended and been reaped."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_leftovers_of_gone_processes_are_removed_and_logged(tmp_path, caplog):
    target = tmp_path / "data" / "raw"
    leftover_dir = tmp_path / "data" / f".raw.tmp-{dead_pid()}"
    (leftover_dir / "sub").mkdir(parents=True)
    (leftover_dir / "sub" / "train.parquet").write_bytes(b"half")
    leftover_file = tmp_path / "data" / f".raw.tmp-{dead_pid()}"
    leftover_file.write_text("half")
    other = tmp_path / "data" / f".prepared.tmp-{dead_pid()}"
    other.write_text("another target's")
    with caplog.at_level(logging.INFO, logger="pipeline.core.atomic"), atomic_path(target) as path:
        path.mkdir()
    assert not leftover_dir.exists() and not leftover_file.exists()
    assert other.exists()
    assert target.is_dir()
    removed = [record.getMessage() for record in caplog.records if "removed" in record.getMessage()]
    assert len(removed) == 2
    assert any(str(leftover_dir) in message for message in removed)
    assert any(str(leftover_file) in message for message in removed)


def test_the_temporary_of_a_running_process_is_kept(tmp_path):
    target = tmp_path / "out.txt"
    with subprocess.Popen(["sleep", "60"]) as sleeper:
        try:
            live = tmp_path / f".out.txt.tmp-{sleeper.pid}"
            live.write_text("being written")
            write_text(target, "new")
            assert live.read_text() == "being written"
        finally:
            sleeper.kill()
    assert target.read_text() == "new"


def test_names_like_a_temporary_but_not_one_are_kept(tmp_path):
    target = tmp_path / "out.txt"
    kept = [tmp_path / ".out.txt.tmp-", tmp_path / ".out.txt.tmp-12x", tmp_path / "out.txt.tmp-1"]
    for path in kept:
        path.write_text("keep")
    write_text(target, "new")
    assert all(path.read_text() == "keep" for path in kept)
