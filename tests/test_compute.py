"""``pipeline.model.compute``: threads and instruction-set caps set before any tensor operation, and their checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch

from pipeline.core.exceptions import ParamError
from pipeline.core.params import ComputeParams
from pipeline.model import compute
from tests.conftest import REPO_ROOT

PROBE = """
import json, os, sys
from pipeline.core.params import ComputeParams
import pipeline.stages.train  # every import a stage makes comes before the pinning
from pipeline.model.compute import pin_compute
import torch
pin_compute(ComputeParams(threads=int(sys.argv[1]), cpu_isa=sys.argv[2]))
print(json.dumps({"threads": torch.get_num_threads(), "interop": torch.get_num_interop_threads(),
                  "capability": torch.backends.cpu.get_cpu_capability(),
                  "env": {k: os.environ.get(k) for k in ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "MKL_CBWR",
                                                         "TOKENIZERS_PARALLELISM")}}))
"""


def probe(threads: int, cpu_isa: str, **environment: str) -> dict:
    """What a fresh process reports after importing the train stage and pinning ``compute``, with no
    instruction-set switch in its environment but those of ``environment``."""
    env = {key: value for key, value in os.environ.items() if key not in compute.ISA_SWITCHES["avx2"]}
    env.update(PYTHONPATH=str(REPO_ROOT), HF_HUB_OFFLINE="1", **environment)
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(threads), cpu_isa], env=env, capture_output=True, text=True, cwd=REPO_ROOT
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


needs_avx2 = pytest.mark.skipif(
    not compute.is_x86() or not torch.cpu._is_avx2_supported(), reason="the avx2 cap is checked on an x86 CPU with AVX2"
)


@pytest.mark.slow  # a fresh Python with torch: about 6 s
@needs_avx2
def test_the_pinned_threads_and_kernels_override_the_environment():
    found = probe(
        2,
        "avx2",
        OMP_NUM_THREADS="1",
        ATEN_CPU_CAPABILITY="default",
        ONEDNN_MAX_CPU_ISA="SSE41",
        MKL_CBWR="COMPATIBLE",
        TOKENIZERS_PARALLELISM="true",
    )
    assert (found["threads"], found["interop"], found["capability"]) == (2, 2, "AVX2")
    assert found["env"] == {
        "ATEN_CPU_CAPABILITY": "avx2",
        "ONEDNN_MAX_CPU_ISA": "AVX2",
        "MKL_CBWR": "AVX2",
        "TOKENIZERS_PARALLELISM": "false",
    }


@pytest.mark.slow  # a fresh Python with torch: about 6 s
@needs_avx2
def test_native_and_zero_threads_leave_the_machine_its_own_choice():
    found = probe(0, "native", OMP_NUM_THREADS="1", ATEN_CPU_CAPABILITY="default")
    assert (found["threads"], found["capability"]) == (1, "DEFAULT")  # what the environment asked for
    assert found["env"]["ONEDNN_MAX_CPU_ISA"] is None and found["env"]["MKL_CBWR"] is None


def test_a_cap_set_after_torch_chose_wider_kernels_is_an_error(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(compute, "is_x86", lambda: True)
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX512")
    monkeypatch.setattr(torch.cpu, "_is_avx2_supported", lambda: True)
    for name in compute.ISA_SWITCHES["avx2"]:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="already run AVX512, not AVX2: pin_compute must run before"):
        compute.cap_instruction_set("avx2")


def test_a_cpu_without_the_capped_set_warns_that_bytes_differ(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    monkeypatch.setattr(compute, "is_x86", lambda: True)
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "DEFAULT")
    monkeypatch.setattr(torch.cpu, "_is_avx2_supported", lambda: False)
    for name in compute.ISA_SWITCHES["avx2"]:
        monkeypatch.delenv(name, raising=False)
    compute.cap_instruction_set("avx2")
    assert "this CPU lacks it and runs DEFAULT kernels; results will differ" in caplog.text


def test_no_cap_on_other_cpu_families(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture):
    monkeypatch.setattr(compute, "is_x86", lambda: False)
    monkeypatch.delenv("ATEN_CPU_CAPABILITY", raising=False)
    caplog.set_level("INFO")
    compute.cap_instruction_set("avx2")
    assert "ATEN_CPU_CAPABILITY" not in os.environ and "no instruction-set cap" in caplog.text


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ({"threads": -1, "cpu_isa": "avx2"}, "compute.threads: got -1; allowed: an integer >= 0"),
        ({"threads": 2, "cpu_isa": "sse"}, "compute.cpu_isa: got 'sse'; allowed: avx2, avx512, native"),
        ({"threads": 2}, "compute.cpu_isa: missing from params.yaml"),
    ],
)
def test_compute_parameters_are_checked(block: dict, message: str):
    with pytest.raises(ParamError, match=message):
        ComputeParams.read({"compute": block})
