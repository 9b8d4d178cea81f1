"""The same sums in the same order on any x86-64 machine: torch's threads and the CPU kernels a model runs with.

A float32 result depends on the order of its additions. On a CPU that order is set by two things a machine
chooses for itself unless told otherwise (measured with ``benchmarks/bench_determinism.py``):

- **the number of threads**: torch splits matrix products and reductions among its intra-op threads, so one
  thread and two give different bits (``torch.get_num_threads()`` defaults to the cores, and ``OMP_NUM_THREADS``
  changes it);
- **the instruction set of the kernels**: ATen's own vectorised kernels (softmax, layer norm, reductions), oneDNN's
  and MKL's matrix products each pick the widest instructions the CPU has (AVX2, AVX-512, AMX), and a wider
  vector sums in another order. The caps are the libraries' own switches: ``ATEN_CPU_CAPABILITY`` (torch),
  ``ONEDNN_MAX_CPU_ISA`` (oneDNN) and ``MKL_CBWR`` (MKL's conditional numerical reproducibility), each read when
  the library first runs a kernel, not when it is imported.

:func:`pin_compute` fixes both from the ``compute`` parameters before a stage's first tensor operation, turns on
torch's deterministic algorithms (warnings only, for the GPU ops that have none) and keeps the tokenizers' Rust
thread pool off (it would compete with torch's threads; their output does not depend on it). With the same threads
and cap, the same training writes the same bytes on every x86-64 CPU with AVX2 (Intel since 2013, AMD since 2015);
ARM CPUs, x86 CPUs without AVX2 and GPUs compute other sums (``docs/reproducibility.md``).
"""

from __future__ import annotations

import logging
import os
import platform

import torch

from pipeline.core.params import ComputeParams

logger = logging.getLogger(__name__)

ISA_SWITCHES = {
    "avx2": {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_CBWR": "AVX2"},
    "avx512": {"ATEN_CPU_CAPABILITY": "avx512", "ONEDNN_MAX_CPU_ISA": "AVX512_CORE", "MKL_CBWR": "AVX512"},
}
"""Environment switches that cap each library at one instruction set, per ``compute.cpu_isa`` (``native``: none).
Sources: torch's ``aten/src/ATen/native/DispatchStub.cpp`` (``ATEN_CPU_CAPABILITY``: default, avx2, avx512),
oneDNN's *CPU dispatcher control* (``ONEDNN_MAX_CPU_ISA``) and oneMKL's *Conditional Numerical Reproducibility*
(``MKL_CBWR``)."""
CAPABILITY_NAMES = {"avx2": "AVX2", "avx512": "AVX512"}
"""What ``torch.backends.cpu.get_cpu_capability()`` reports under each cap."""
X86 = ("x86_64", "amd64", "i386", "i686")


def is_x86() -> bool:
    """Whether this machine's CPU is an x86 one, the only family the instruction-set caps apply to."""
    return platform.machine().lower() in X86


def pin_compute(compute: ComputeParams) -> None:
    """Fix torch's threads and the CPU kernels' instruction set for this process, before any tensor operation.

    - ``compute.threads`` > 0: ``torch.set_num_threads`` and ``torch.set_num_interop_threads`` to it, whatever
      ``OMP_NUM_THREADS`` or the core count say; 0 leaves torch's own choice. Inter-op threads can be set once
      per process only: when they were set before (a second stage run in one process), the current value is
      kept with a warning if it differs (eager models do not use them, so results do not change).
    - ``compute.cpu_isa`` other than ``native``: the switches of :data:`ISA_SWITCHES`, replacing what the
      environment held, on x86 CPUs (elsewhere a log line says there is no cap). A CPU without the capped
      instruction set runs its own widest one, with a warning that the bytes will differ from the reference's.

    Raises :class:`RuntimeError` when torch had already chosen a wider instruction set than the cap (a tensor
    operation ran before this call): the pinning would be silently void.
    """
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # cuBLAS's deterministic mode, on a GPU
    if compute.cpu_isa != "native":
        cap_instruction_set(compute.cpu_isa)
    if compute.threads:
        torch.set_num_threads(compute.threads)
        if torch.get_num_interop_threads() != compute.threads:
            try:
                torch.set_num_interop_threads(compute.threads)
            except RuntimeError:
                logger.warning(
                    "torch's inter-op threads were already set to %d in this process; kept (results "
                    "of eager models do not depend on them)",
                    torch.get_num_interop_threads(),
                )
    torch.use_deterministic_algorithms(True, warn_only=True)
    logger.info(
        "compute: %d torch threads (%d inter-op), CPU kernels %s",
        torch.get_num_threads(),
        torch.get_num_interop_threads(),
        torch.backends.cpu.get_cpu_capability(),
    )


def cap_instruction_set(isa: str) -> None:
    """Set the switches of ``ISA_SWITCHES[isa]`` and check that torch's kernels follow them (see
    :func:`pin_compute`)."""
    if not is_x86():
        logger.info(
            "compute.cpu_isa %s: no instruction-set cap on a %s CPU; results differ from x86 machines'",
            isa,
            platform.machine(),
        )
        return
    for name, value in ISA_SWITCHES[isa].items():
        if os.environ.get(name, value) != value:
            logger.info(
                "compute.cpu_isa %s: %s=%s in the environment replaced by %s", isa, name, os.environ[name], value
            )
        os.environ[name] = value
    chosen, wanted = torch.backends.cpu.get_cpu_capability(), CAPABILITY_NAMES[isa]
    if chosen == wanted:
        return
    supported = torch.cpu._is_avx512_supported() if isa == "avx512" else torch.cpu._is_avx2_supported()
    if supported:
        raise RuntimeError(
            f"torch's CPU kernels already run {chosen}, not {wanted}: pin_compute must run before "
            "the first tensor operation"
        )
    logger.warning(
        "compute.cpu_isa %s: this CPU lacks it and runs %s kernels; results will differ from machines with %s",
        isa,
        chosen,
        wanted,
    )
