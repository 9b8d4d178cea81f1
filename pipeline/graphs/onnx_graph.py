"""ONNX graphs of a trained SpanMarker model: export, int8 quantisation, the check against PyTorch, loading.

The export stage writes two graphs of a trained run's :meth:`VectorisedSpanMarkerModel.span_logits` into
``graphs/<system>/seed-<seed>/`` (:data:`GRAPH_FILES`):

- ``model.onnx``: float32, exported with torch's ``torch.export``-based exporter (``torch.onnx.export(...,
  dynamo=True)``), with dynamic batch and length axes. Its inputs are :class:`pipeline.model.collator.PaddedCollator`'s
  (:data:`INPUT_NAMES`), its output ``logits`` (batch × length/2 × labels). Before it is written it is checked on the
  validation split (:func:`check_graph`): the largest logit difference against PyTorch must be at most
  :data:`MAX_LOGIT_DIFFERENCE` and the entities identical.
- ``model_int8.onnx``: the float graph with its matrix-product weights in int8 by ONNX Runtime's dynamic
  quantisation (``onnxruntime.quantization.quantize_dynamic``, signed int8 weights with one scale per output
  channel, activations quantised per batch at run time; embeddings stay float32). It computes other logits, so it is
  scored on its own (the ``int8`` stage), never checked
  for equality.

Each graph records in its metadata (:data:`WEIGHTS_KEY`) the SHA-256 of the weights it was exported from
(:func:`weights_digest`), which :func:`load_session` compares with the model it is asked to stand in for. The
exporter's per-node metadata (source file paths and stack traces of the exporting machine) is dropped, so a
graph's bytes depend on the weights and the library versions only.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path

import onnx
import torch

from pipeline.core.exceptions import GraphError
from pipeline.model.collator import PaddedCollator
from pipeline.model.inference import EncodedSentences, Logits, encode, padded_batches, predict_encoded
from pipeline.model.span_head import VectorisedSpanMarkerModel

logger = logging.getLogger(__name__)

MODEL_GRAPH_FOLDER = "onnx"
"""Where ``predict --model FOLDER`` looks for the graphs of a model folder that is no system of ``params.yaml``:
``FOLDER/onnx/`` (a system's graphs are the export stage's ``graphs/<system>/seed-<seed>/`` of its reference run)."""
GRAPH_FILES = {"onnx": "model.onnx", "onnx-int8": "model_int8.onnx"}
"""The graph file of each ONNX runtime, in a graph folder."""
INPUT_NAMES = ("input_ids", "attention_mask", "position_ids", "start_marker_indices", "num_marker_pairs")
"""The graph's inputs, in order: int32 B × L, bool B × L × L, int32 B × L, int64 B, int64 B."""
WEIGHTS_KEY = "span_marker_weights_sha256"
"""Graph metadata key: :func:`weights_digest` of the model the graph was exported from."""
MAX_LOGIT_DIFFERENCE = 1e-4
"""Largest absolute logit difference a float graph may have against PyTorch on the validation split."""


def weights_digest(model: torch.nn.Module) -> str:
    """SHA-256 (hex) of ``model``'s state dict: every tensor's name, dtype, shape and bytes, in name order.

    It is the same for a model in memory and for the same model saved and loaded again (safetensors keeps the
    bytes), and differs as soon as one weight does."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        value = tensor.detach().to("cpu").contiguous()
        digest.update(f"{name}|{value.dtype}|{tuple(value.shape)}|".encode())
        digest.update(value.view(torch.uint8).numpy().tobytes() if value.numel() else b"")
    return digest.hexdigest()


class SpanLogitsModule(torch.nn.Module):
    """The exported function: ``model.span_logits`` of the :data:`INPUT_NAMES` inputs."""

    def __init__(self, model: VectorisedSpanMarkerModel) -> None:
        super().__init__()
        self.model = model

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        position_ids: torch.Tensor,
        start_marker_indices: torch.Tensor,
        num_marker_pairs: torch.Tensor,
    ) -> torch.Tensor:
        return self.model.span_logits(input_ids, attention_mask, position_ids, start_marker_indices, num_marker_pairs)


def clean_graph(graph: onnx.ModelProto, digest: str) -> onnx.ModelProto:
    """``graph`` without per-node metadata or doc strings (they record the exporting machine's file paths) and
    with ``digest`` under :data:`WEIGHTS_KEY`."""
    for node in graph.graph.node:
        del node.metadata_props[:]
        node.doc_string = ""
    graph.doc_string = ""
    graph.graph.doc_string = ""
    del graph.metadata_props[:]
    graph.metadata_props.add(key=WEIGHTS_KEY, value=digest)
    return graph


EXPORTER_LOGGERS = ("onnxscript", "onnx_ir", "torch.onnx")
"""Loggers of the exporter's passes, which log every rewrite at INFO (hundreds of lines a model) and a warning for
every torchvision operator it skips; kept to errors while a stage exports."""
QUANTIZER_LOGGERS = ("",)
"""ONNX Runtime's quantiser logs a line per tensor it leaves in float on the root logger; kept to errors while it
runs."""


@contextlib.contextmanager
def quiet_loggers(names: tuple[str, ...]) -> Iterator[None]:
    """Raise the loggers ``names`` (``""``: the root logger) to ERROR for the block, then restore them."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [found.level for found in loggers]
    for found in loggers:
        found.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for found, level in zip(loggers, levels, strict=True):
            found.setLevel(level)


def export_graph(model: VectorisedSpanMarkerModel, example: dict[str, torch.Tensor], path: Path) -> None:
    """Write the float32 graph of ``model`` (on the CPU, in float32, in eval mode) to ``path``.

    ``example`` is a :class:`~pipeline.model.collator.PaddedCollator` batch of at least two samples (the exporter
    traces it; batch and length stay dynamic). Raises :class:`GraphError` naming the exporter's failure.
    """
    model.eval()
    batch = tuple(example[name].cpu() for name in INPUT_NAMES)
    if batch[0].size(0) < 2:
        raise GraphError(
            "export_graph needs an example batch of at least two samples (a batch of one fixes the batch axis)"
        )
    batch_axis, length_axis = torch.export.Dim("batch"), torch.export.Dim("length")
    dynamic = (
        {0: batch_axis, 1: length_axis},
        {0: batch_axis, 1: length_axis, 2: length_axis},
        {0: batch_axis, 1: length_axis},
        {0: batch_axis},
        {0: batch_axis},
    )
    try:
        with torch.no_grad(), quiet_loggers(EXPORTER_LOGGERS), warnings.catch_warnings():
            # the exporter notes that the inputs share one batch and one length axis, which they are meant to
            warnings.filterwarnings("ignore", message="# The axis name")
            warnings.filterwarnings("ignore", message=".*LeafSpec", category=FutureWarning)  # torch's own pytree
            program = torch.onnx.export(
                SpanLogitsModule(model).eval(),
                batch,
                input_names=list(INPUT_NAMES),
                output_names=["logits"],
                dynamic_shapes=dynamic,
                dynamo=True,
                optimize=True,
                verbose=False,
            )
    except Exception as error:  # the exporter raises many types; the stage reports one line
        raise GraphError(f"ONNX export of the model failed: {str(error).strip().splitlines()[0]}") from error
    if program is None:
        raise GraphError("ONNX export of the model failed: the exporter returned no program")
    graph = clean_graph(program.model_proto, weights_digest(model))
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(graph, str(path))


QUANTIZED_OPERATORS = ("MatMul",)
"""Operators whose weights the int8 graph holds in int8, one scale per output channel. Measured on a model trained on
WikiNEuRal (``docs/benchmarks.md``, ``bench_onnx``): ONNX Runtime's default (one scale per tensor, the embedding
tables' ``Gather`` quantised too) lost 10 F1 points against the float graph; per-channel scales on the matrix products
alone lost a fraction of a point and ran faster."""


def quantize_graph(source: Path, target: Path) -> None:
    """Write ``source``'s graph with int8 matrix-product weights to ``target`` (ONNX Runtime's dynamic
    quantisation of :data:`QUANTIZED_OPERATORS`, per-channel weight scales), keeping the weights digest."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with quiet_loggers(QUANTIZER_LOGGERS):
        quantize_dynamic(
            str(source),
            str(target),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=list(QUANTIZED_OPERATORS),
        )
    digest = graph_digest(source)
    if digest is None:
        raise GraphError(f"{source}: records no weights digest ({WEIGHTS_KEY}); export it again")
    onnx.save(clean_graph(onnx.load(str(target)), digest), str(target))


def graph_digest(path: Path) -> str | None:
    """The weights digest a graph records, or None when it records none."""
    metadata = {prop.key: prop.value for prop in onnx.load(str(path), load_external_data=False).metadata_props}
    return metadata.get(WEIGHTS_KEY)


def graph_path(folder: Path, runtime: str) -> Path:
    """The graph file of ``runtime`` (a key of :data:`GRAPH_FILES`) in the graph folder ``folder``."""
    return Path(folder) / GRAPH_FILES[runtime]


class OnnxLogits:
    """Span logits from an ONNX graph: call with a :class:`~pipeline.model.collator.PaddedCollator` batch, get the
    logits as a float32 tensor (batch × length/2 × labels), as ``model(**batch).logits``.

    ``threads`` is ONNX Runtime's intra-op thread count (0: its own choice, the cores); operators run one at a
    time.
    """

    def __init__(self, path: Path, threads: int) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        self.path = path
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def __call__(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        feed = {name: batch[name].cpu().numpy() for name in INPUT_NAMES}
        return torch.from_numpy(self.session.run(["logits"], feed)[0])


def load_session(model: VectorisedSpanMarkerModel, folder: Path, runtime: str, threads: int) -> OnnxLogits:
    """The ``runtime`` graph in the graph folder ``folder``, checked to be an export of ``model``'s weights.

    Raises :class:`GraphError` (one line) when the graph is missing or records other weights.
    """
    path = graph_path(folder, runtime)
    if not path.is_file():
        raise GraphError(
            f"{folder}: no ONNX graph {GRAPH_FILES[runtime]} (the export stage writes it unless "
            "onnx.export is false; export it, or use the torch runtime)"
        )
    recorded = graph_digest(path)
    if recorded != weights_digest(model):
        raise GraphError(
            f"{path} was exported from other weights than the model it stands in for (weights SHA-256 "
            f"{(recorded or 'none')[:12]}… in the graph, {weights_digest(model)[:12]}… in the "
            "model): export it again from this model"
        )
    logger.info("ONNX Runtime session of %s", path)
    return OnnxLogits(path, threads)


def runtime_logits(runtime: str, model: VectorisedSpanMarkerModel, folder: Path, threads: int) -> Logits | None:
    """What computes ``model``'s span logits with ``runtime`` (:data:`pipeline.core.params.RUNTIMES`): ``None`` for
    ``torch`` (the model itself), else the graph of the graph folder ``folder`` (:func:`load_session`), run with
    ``threads`` threads. The one choice of runtime of every stage and command that scores a model."""
    return None if runtime == "torch" else load_session(model, folder, runtime, threads)


def check_graph(
    model: VectorisedSpanMarkerModel, graph: Logits, encoded: EncodedSentences, batch_size: int, where: str
) -> float:
    """Check a float graph against ``model`` in PyTorch on ``encoded`` sentences, in batches of ``batch_size``
    samples; return the largest absolute logit difference.

    Raises :class:`GraphError` naming ``where`` and the difference when it exceeds :data:`MAX_LOGIT_DIFFERENCE`,
    or the first sentence whose entities differ.
    """
    largest = 0.0
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            for _, batch in padded_batches(model, encoded, batch_size):
                difference = (model(**batch).logits.float().cpu() - graph(batch)).abs().max()
                largest = max(largest, float(difference))
    finally:
        model.train(was_training)
    if largest > MAX_LOGIT_DIFFERENCE:
        raise GraphError(
            f"ONNX graph checked on {where}: largest logit difference against PyTorch {largest:.3g} "
            f"> {MAX_LOGIT_DIFFERENCE:g}"
        )
    reference = predict_encoded(model, encoded, batch_size)
    exported = predict_encoded(model, encoded, batch_size, logits=graph)
    for row, (ours, theirs) in enumerate(zip(reference, exported, strict=True)):
        spans = [(entity["word_start_index"], entity["word_end_index"], entity["label"]) for entity in ours]
        graph_spans = [(entity["word_start_index"], entity["word_end_index"], entity["label"]) for entity in theirs]
        if spans != graph_spans:
            raise GraphError(
                f"ONNX graph checked on {where}: sentence {row} gets entities {graph_spans} from the "
                f"graph but {spans} from PyTorch"
            )
    return largest


def write_graphs(
    model: VectorisedSpanMarkerModel,
    sentences: list[list[str]],
    folder: Path,
    batch_size: int,
    threads: int,
    where: str,
) -> float:
    """Export ``model``'s float32 graph into the graph folder ``folder``, check it on ``sentences``
    (:func:`check_graph`,
    ``where`` names them in an error), then write its int8 graph; return the largest logit difference.

    The model is moved to the CPU in float32 first (the check compares like with like). Raises
    :class:`GraphError` when the export fails or the check does; nothing is written to ``folder`` then
    except the float graph, so call it on the temporary folder of an atomic write.
    """
    model = model.float().cpu().eval()
    encoded = encode(model, sentences)
    if not encoded.samples:
        raise GraphError(f"ONNX export: {where} has no sentence to trace and check the graph on")
    collate = PaddedCollator(model.tokenizer, model.config.marker_max_length)
    example = collate((encoded.samples * 2)[:2])
    float_path, int8_path = graph_path(folder, "onnx"), graph_path(folder, "onnx-int8")
    export_graph(model, example, float_path)
    largest = check_graph(model, OnnxLogits(float_path, threads), encoded, batch_size, where)
    quantize_graph(float_path, int8_path)
    logger.info(
        "exported %s (largest logit difference against PyTorch on %d sentences of %s: %.2g) and %s",
        float_path.name,
        len(sentences),
        where,
        largest,
        int8_path.name,
    )
    return largest
