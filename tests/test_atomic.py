"""Outputs never destroy what they replace: files atomically, links written through, streams written to."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from pipeline.atomic import atomic_path, write_json


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
