"""The same training writes the same bytes whatever threads and kernels the environment asks for (slow tier).

Each run is ``python -m pipeline.stages.train B`` in its own process on the embedded sample cut to 10 English
training sentences, with all-MiniLM-L6-v2 (large enough for the threads to split its matrix products), through
``benchmarks/bench_determinism.py``'s own functions.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.bench_determinism import OTHER_KERNELS, prepare_work, run_setting
from pipeline.model.compute import is_x86

pytestmark = pytest.mark.slow
PINNED = {"threads": 2, "cpu_isa": "avx2"}
UNPINNED = {"threads": 0, "cpu_isa": "native"}


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("determinism")
    return folder, prepare_work(folder, "B", 10)


DIGESTS: dict[tuple, str] = {}
"""Model folder digests of the settings already trained in this module, by setting."""


def digest(work: tuple[Path, dict], compute: dict, **environment: str) -> str:
    """The model folder digest of one training under ``compute`` and ``environment`` (trained once per setting)."""
    setting = (tuple(sorted(compute.items())), tuple(sorted(environment.items())))
    if setting not in DIGESTS:
        folder, params = work
        DIGESTS[setting] = run_setting(folder, "B", params, compute, environment)["digest"]
    return DIGESTS[setting]


def test_pinned_training_writes_the_same_model_folder_under_any_thread_setting(work):
    reference = digest(work, PINNED)  # torch.get_num_threads() as the machine gives it
    assert digest(work, PINNED, OMP_NUM_THREADS="1") == reference
    assert digest(work, PINNED, OMP_NUM_THREADS="2") == reference
    # What pinning prevents: torch's own choice of threads gives other bytes with one thread.
    assert digest(work, UNPINNED, OMP_NUM_THREADS="1") != digest(work, UNPINNED, OMP_NUM_THREADS="2")


@pytest.mark.skipif(not is_x86(), reason="the instruction-set caps apply to x86 CPUs")
def test_pinned_training_ignores_the_kernels_the_environment_asks_for(work):
    reference = digest(work, PINNED)
    assert digest(work, PINNED, **OTHER_KERNELS) == reference
    # Unpinned, the same request changes the bytes: the instruction set is part of the result.
    assert digest(work, UNPINNED, **OTHER_KERNELS) != digest(work, UNPINNED)
