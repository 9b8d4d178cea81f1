"""A full disk (ENOSPC, EDQUOT) ends a stage with one ``error:`` line and status 1, the old output untouched."""

from __future__ import annotations

import contextlib
import errno
import re
import shutil
import stat
from pathlib import Path

import pytest

from pipeline import predict
from pipeline.core import atomic
from pipeline.core.exceptions import DiskFullError
from pipeline.core.stage import run_stage
from pipeline.stages import download
from tests.conftest import REPO_ROOT, start_stage


def no_space() -> OSError:
    return OSError(errno.ENOSPC, "No space left on device")


def run(main, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Exit status and stderr of ``run_stage(main)``, run in this process."""
    try:
        run_stage(main)
        status = 0
    except SystemExit as exit_:
        status = exit_.code
    return status, capsys.readouterr().err


def error_line(stderr: str) -> str:
    """The only ``error:`` line of ``stderr`` (a progress bar may share its line, ended by ``\\r``)."""
    lines = [line for line in stderr.replace("\r", "\n").splitlines() if line.startswith("error:")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr, stderr
    return lines[0]


class FillingPath:
    """A temporary path on a disk that fills up after the first line written to it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextlib.contextmanager
    def open(self, *args, **kwargs):
        with self.path.open(*args, **kwargs) as handle:
            yield FillingHandle(handle)


class FillingHandle:
    def __init__(self, handle) -> None:
        self.handle, self.writes = handle, 0

    def write(self, text: str) -> int:
        self.writes += 1
        if self.writes > 1:
            raise no_space()
        written = self.handle.write(text)
        self.handle.flush()
        return written


def test_predict_on_a_full_disk_keeps_the_old_output(model_dir, tmp_path, monkeypatch, capsys):
    @contextlib.contextmanager
    def atomic_path_on_a_filling_disk(target):
        with atomic.atomic_path(target) as tmp:
            yield FillingPath(tmp)

    monkeypatch.setattr(predict, "atomic_path", atomic_path_on_a_filling_disk)
    output = tmp_path / "out.jsonl"
    output.write_text("old\n")
    args = ["--model", str(model_dir), "--output", str(output), "Angela Merkel visited Paris.", "Hello there."]
    status, err = run(lambda: predict.main(args), capsys)
    assert status == 1
    line = error_line(err)
    assert line.startswith(f"error: cannot write {output}: ") and "no space" in line
    assert "free on the file system holding" in line
    assert output.read_text() == "old\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.jsonl"]


@pytest.mark.slow  # a predict process: about 6 s
@pytest.mark.skipif(
    not Path("/dev/full").exists() or not stat.S_ISCHR(Path("/dev/full").stat().st_mode),
    reason="needs Linux's /dev/full",
)
def test_predict_to_dev_full_is_one_line(model_dir):
    process = start_stage(["pipeline.predict", "--model", str(model_dir), "--output", "/dev/full", "Hi"], REPO_ROOT)
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 1, output
    assert error_line(output) == "error: cannot write /dev/full: the disk is full (no space left on device)"
    assert stat.S_ISCHR(Path("/dev/full").stat().st_mode)


@pytest.fixture
def run_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A run folder with the sample and params.yaml, as the current folder."""
    shutil.copytree(REPO_ROOT / "data" / "sample", tmp_path / "data" / "sample")
    shutil.copy(REPO_ROOT / "params.yaml", tmp_path / "params.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("previous", [False, True], ids=["new", "previous kept"])
def test_download_on_a_full_disk_writes_nothing(run_folder, monkeypatch, capsys, previous):
    raw = run_folder / "data" / "raw"
    if previous:
        raw.mkdir()
        (raw / "train.parquet").write_bytes(b"previous")
    write_table = download.pq.write_table
    written = []

    def write_table_until_full(table, where, *args, **kwargs):
        if written:
            raise no_space()
        written.append(where)
        write_table(table, where, *args, **kwargs)

    monkeypatch.setattr(download.pq, "write_table", write_table_until_full)
    monkeypatch.setattr("sys.argv", ["download"])  # as `python -m pipeline.stages.download` runs it
    status, err = run(download.main, capsys)
    assert status == 1
    line = error_line(err)
    assert line.startswith("error: cannot write data/raw: the disk is full (no space left on device); ")
    assert f"free on the file system holding {run_folder / 'data'}" in line
    assert written and not Path(written[0]).exists()
    if previous:
        assert sorted(path.name for path in raw.iterdir()) == ["train.parquet"]
        assert (raw / "train.parquet").read_bytes() == b"previous"
    else:
        assert not raw.exists()
    assert not list((run_folder / "data").glob(".raw.tmp*"))


# --- errors outside atomic_path ------------------------------------------------------------------------------


def test_a_full_disk_deep_in_the_chain_names_its_file(tmp_path, capsys):
    def main():
        try:
            raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "ckpt" / "model.safetensors"))
        except OSError as error:
            raise RuntimeError("saving the checkpoint failed") from error

    status, err = run(main, capsys)
    assert status == 1
    assert error_line(err).startswith(
        f"error: cannot write {tmp_path / 'ckpt' / 'model.safetensors'}: the disk is full (no space left on device); "
    )
    assert f"free on the file system holding {tmp_path}" in err


def test_a_full_disk_with_no_file_named_says_the_disk_is_full(capsys):
    def main():
        try:
            raise OSError(errno.EDQUOT, "Disk quota exceeded")
        except OSError as error:
            raise ValueError("logging the metrics failed") from error

    status, err = run(main, capsys)
    assert status == 1
    assert error_line(err).startswith("error: cannot write: the disk quota is used up (disk quota exceeded); ")
    assert "free on the file system holding the current folder" in err


def test_other_os_errors_keep_their_traceback():
    def main():
        raise OSError(errno.EIO, "Input/output error")

    with pytest.raises(OSError, match="Input/output error"):
        run_stage(main)


def test_a_full_disk_inside_an_output_folder_names_the_folder(tmp_path):
    model = tmp_path / "models" / "A"
    with pytest.raises(DiskFullError) as raised, atomic.atomic_path(model) as tmp:
        tmp.mkdir()
        with atomic.atomic_path(tmp / "train_results.json"):
            raise no_space()
    assert str(raised.value).startswith(f"cannot write {model}: the disk is full (no space left on device); ")
    assert raised.value.errno == errno.ENOSPC
    assert list(model.parent.iterdir()) == []


# --- libraries that report a full disk otherwise --------------------------------------------------------------


def test_a_safetensors_full_disk_inside_an_output_folder_names_the_folder(tmp_path):
    from safetensors import SafetensorError

    model = tmp_path / "models" / "A"
    with pytest.raises(DiskFullError) as raised, atomic.atomic_path(model) as tmp:
        tmp.mkdir()
        raise SafetensorError("Error while serializing: I/O error: No space left on device (os error 28)")
    assert str(raised.value).startswith(f"cannot write {model}: the disk is full (no space left on device)")
    assert list(model.parent.iterdir()) == []


TORCH_SAVE_FAILURE = "[enforce fail at inline_container.cc:672] . unexpected pos 576 vs 534"


def test_a_failed_torch_save_on_a_full_file_system_is_one_line(tmp_path, monkeypatch, capsys):
    from pipeline.core import exceptions

    (tmp_path / "checkpoints").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(exceptions, "free_space", lambda folder: 4096)

    def main():
        raise RuntimeError(TORCH_SAVE_FAILURE)

    status, err = run(main, capsys)
    assert status == 1
    assert error_line(err) == (
        "error: cannot write under checkpoints: the disk is full (4.0 KiB free on that file system)"
    )


def test_a_failed_torch_save_with_space_left_keeps_its_traceback(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def main():
        raise RuntimeError(TORCH_SAVE_FAILURE)

    with pytest.raises(RuntimeError, match="inline_container"):
        run_stage(main)


@pytest.fixture
def tiny_file_system(tmp_path: Path):
    """A 1 MiB tmpfs mounted at a folder, for writes that really fill a disk; skipped where mounting is not
    allowed."""
    import subprocess

    mounted = []

    def mount(folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], capture_output=True, text=True
        )
        if result.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
        mounted.append(folder)
        return folder

    yield mount
    for folder in mounted:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.mark.slow
@pytest.mark.parametrize("full", ["checkpoints", "models"])
def test_training_on_a_full_disk_ends_in_one_line(tmp_path, tiny_encoder, tiny_file_system, full):
    from tests.conftest import prepared_workdir

    workdir = prepared_workdir(tmp_path / "run", tiny_encoder, epochs=1, checkpoint_steps=2, logging_steps=2)
    tiny_file_system(workdir / full)
    if full == "models":  # no checkpoint: the model folder is the first thing written there
        import yaml

        params = yaml.safe_load((workdir / "params.yaml").read_text())
        params["train"]["checkpoint_steps"] = 0
        (workdir / "params.yaml").write_text(yaml.safe_dump(params))
    process = start_stage(["pipeline.stages.train", "B", "42"], workdir)
    output, _ = process.communicate(timeout=600)
    assert process.returncode == 1, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    [line] = re.findall(r"error: .*", output)  # after the progress bar, on its line
    if full == "checkpoints":
        assert line.startswith("error: cannot write under checkpoints: the disk is full ("), line
        assert line.endswith(" free on that file system)") and "GiB" not in line, line
    else:
        assert line.startswith("error: cannot write models/B/seed-42: the disk is full (no space left on device); "), (
            line
        )
        assert list((workdir / "models").rglob("*.*")) == []  # no half-written model, no temporary
