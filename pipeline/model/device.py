"""Where a model runs and in what precision: the GPU when there is one, with the run's ``train`` precision.

Training gets its device and mixed precision from the Hugging Face ``Trainer``; the stages that only run a
model in PyTorch (evaluate, baseline, languages, external) use :func:`choose_placement`, :func:`place_model` and
:func:`autocast` (``pipeline.predict``, which has no parameter file, only the first two: the GPU in float32)::

    placement = choose_placement(TrainParams.read(params, *PRECISION_KEYS))
    model = place_model(SpanMarkerModel.from_pretrained(path), placement)
    with autocast(placement):
        model.predict(sentences)

:func:`pipeline.evaluation.scoring.score_placed` is that sequence for the stages.

On a GPU, ``bf16`` or ``fp16`` runs the forward pass under ``torch.autocast`` in that dtype, as the
``Trainer`` does in training; the weights stay in float32. Autocast rather than a model cast to that dtype
because SpanMarker's ``predict`` ranks spans by their softmax scores, which autocast computes in float32,
while a bf16 model would round them to 3 significant digits and tie spans that float32 tells apart. On a
CPU nothing changes: float32, no autocast, whatever the flags say (they are GPU settings).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch
from span_marker import SpanMarkerModel

from pipeline.core.params import TrainParams

PRECISION_KEYS = ("bf16", "fp16", "tf32")
"""The keys of the ``train`` block that set the precision a model runs in on a GPU: ``TrainParams.read(params,
*PRECISION_KEYS)`` is all that a stage running a model reads of the block (a system's overrides apply to its training
alone)."""


@dataclass(frozen=True)
class Placement:
    """A device and the autocast dtype of the forward pass there (``None``: full float32)."""

    device: torch.device
    autocast_dtype: torch.dtype | None = None
    tf32: bool = False


def choose_placement(precision: TrainParams | None = None, cuda: bool | None = None) -> Placement:
    """The first CUDA device when ``cuda`` (default: ``torch.cuda.is_available()``), else the CPU.

    ``precision`` holds (at least) the ``train`` flags ``bf16``, ``fp16`` and ``tf32``; ``None``: full float32.
    They apply only on the GPU (``bf16`` wins over ``fp16``, which the parameter checks forbid together).
    """
    if cuda is None:
        cuda = torch.cuda.is_available()
    if not cuda:
        return Placement(torch.device("cpu"))
    if precision is None:
        return Placement(torch.device("cuda", 0))
    dtype = torch.bfloat16 if precision.bf16 else torch.float16 if precision.fp16 else None
    return Placement(torch.device("cuda", 0), dtype, precision.tf32)


def place_model(model: SpanMarkerModel, placement: Placement) -> SpanMarkerModel:
    """Move ``model`` to the placement's device (in place, returned for chaining); with ``tf32``, allow
    TF32 matrix products and convolutions on the GPU for this process, as ``TrainingArguments(tf32=True)``."""
    if placement.tf32:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    return model.to(placement.device)


def autocast(placement: Placement) -> contextlib.AbstractContextManager:
    """``torch.autocast`` in the placement's dtype on its device, or a context that changes nothing."""
    if placement.autocast_dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=placement.device.type, dtype=placement.autocast_dtype)
