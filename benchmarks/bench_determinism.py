"""The same training under other thread and instruction-set settings: its time, and whether the bytes match.

The script prepares one system once (``download`` and ``prepare`` of the embedded sample, in a work folder of its
own, as ``bench_real_text`` does), then runs ``python -m pipeline.stages.train`` once per setting: a ``compute``
block (``threads``, ``cpu_isa``) and the environment a machine or a user may bring (``OMP_NUM_THREADS``, the
libraries' instruction-set switches). It prints, per setting, the stage's wall seconds, its optimizer steps, the
SHA-256 of the model folder (every file's name and bytes) and whether that equals the first pinned run's. Settings
whose digest equals the pinned one reproduce its bytes; the unpinned ones show what pinning prevents.

Usage, from the repository root, on an otherwise idle machine (see ``docs/benchmarks.md`` for the measured table)::

    python -m benchmarks.bench_determinism [--system B] [--train-sentences 120] [--work /tmp/determinism] \
        [--json-out /tmp/determinism.json]

``--train-sentences`` keeps the first N sentences of each train file (all of them: ``0``), so that a setting takes
seconds, not minutes; lengths, model, batch and epochs are the embedded run's.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.bench_real_text import REPO_ROOT, cut_train_split, run_stage, stage_arguments, write_params
from pipeline.core.params import read_params
from pipeline.core.paths import MODELS_DIR, TRAIN_RESULTS_FILE, run_folder

OTHER_KERNELS = {"ATEN_CPU_CAPABILITY": "default", "ONEDNN_MAX_CPU_ISA": "SSE41", "MKL_CBWR": "COMPATIBLE"}
"""An environment that asks every library for its oldest kernels, as a machine without AVX2 would run."""
SETTINGS: list[tuple[str, dict[str, Any], dict[str, str]]] = [
    ("pinned: 2 threads, avx2", {"threads": 2, "cpu_isa": "avx2"}, {}),
    ("pinned, OMP_NUM_THREADS=1", {"threads": 2, "cpu_isa": "avx2"}, {"OMP_NUM_THREADS": "1"}),
    ("pinned, OMP_NUM_THREADS=4", {"threads": 2, "cpu_isa": "avx2"}, {"OMP_NUM_THREADS": "4"}),
    ("pinned, oldest kernels asked", {"threads": 2, "cpu_isa": "avx2"}, OTHER_KERNELS),
    ("unpinned (0, native), cores' threads", {"threads": 0, "cpu_isa": "native"}, {}),
    ("unpinned, OMP_NUM_THREADS=1", {"threads": 0, "cpu_isa": "native"}, {"OMP_NUM_THREADS": "1"}),
    ("unpinned, ATen default kernels", {"threads": 0, "cpu_isa": "native"}, {"ATEN_CPU_CAPABILITY": "default"}),
    ("unpinned, oneDNN capped at AVX", {"threads": 0, "cpu_isa": "native"}, {"ONEDNN_MAX_CPU_ISA": "AVX"}),
    ("unpinned, MKL_CBWR=COMPATIBLE", {"threads": 0, "cpu_isa": "native"}, {"MKL_CBWR": "COMPATIBLE"}),
    ("pinned: 1 thread, avx2", {"threads": 1, "cpu_isa": "avx2"}, {}),
]
"""(name, ``compute`` block, extra environment) of every run, the reference first."""


def folder_digest(folder: Path) -> str:
    """SHA-256 over the relative path and bytes of every file under ``folder``, in path order."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def prepare_work(work: Path, system: str, train_sentences: int) -> dict[str, Any]:
    """Copy the sample (cut to ``train_sentences`` per train file unless 0) and ``params.yaml`` into ``work`` as a
    local source; run ``download`` and ``prepare``; return the parameters."""
    source = REPO_ROOT / "data" / "sample"
    data = cut_train_split(source, work / "source", train_sentences) if train_sentences else source
    params = read_params(REPO_ROOT / "params.yaml")
    params["download"].update(source="local", path=str(data.resolve()))
    write_params(work, params)
    run_stage("download", [], work, work / "stages.log")
    run_stage("prepare", [system], work, work / "stages.log")
    return params


def run_setting(
    work: Path, system: str, params: dict[str, Any], compute: dict[str, Any], environment: dict[str, str]
) -> dict[str, Any]:
    """Train ``system`` in ``work`` under one setting; its seconds, optimizer steps and model folder digest."""
    write_params(work, {**params, "compute": compute})
    seed = params["train"]["seeds"][0]
    seconds = run_stage("train", stage_arguments("train", system, seed), work, work / "stages.log", environment)
    folder = work / MODELS_DIR / run_folder(system, seed)
    steps = json.loads((folder / TRAIN_RESULTS_FILE).read_text(encoding="utf-8"))["global_step"]
    return {"seconds": seconds, "steps": steps, "digest": folder_digest(folder)}


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    """Run every setting of :data:`SETTINGS`, print the table and return its rows."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--system", default="B", help="a system of params.yaml (default: %(default)s)")
    parser.add_argument(
        "--train-sentences",
        type=int,
        default=120,
        metavar="N",
        help="first N sentences of each train file; 0: all (default: %(default)s)",
    )
    parser.add_argument("--work", type=Path, default=None, help="work folder (default: a new temporary one)")
    parser.add_argument("--only", type=int, default=None, metavar="K", help="run the first K settings only")
    parser.add_argument("--json-out", type=Path, default=None)
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="determinism-"))
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    print(f"work folder {work}; stage output in {work / 'stages.log'}", flush=True)
    params = prepare_work(work, args.system, args.train_sentences)
    rows = []
    print(f"{'setting':<38} {'threads':>7} {'cpu_isa':>7} {'seconds':>8} {'steps':>5}  digest        same bytes")
    for name, compute, environment in SETTINGS[: args.only]:
        result = run_setting(work, args.system, params, compute, environment)
        same = result["digest"] == (rows[0]["digest"] if rows else result["digest"])
        rows.append({"setting": name, "compute": compute, "environment": environment, **result, "same": same})
        print(
            f"{name:<38} {compute['threads']:>7} {compute['cpu_isa']:>7} {result['seconds']:>8.1f} "
            f"{result['steps']:>5}  {result['digest'][:12]}  {'yes' if same else 'no'}",
            flush=True,
        )
    if args.json_out:
        args.json_out.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return rows


if __name__ == "__main__":
    main()
