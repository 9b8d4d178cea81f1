"""ONNX graphs of a tiny system: export, the check against PyTorch, int8, loading, and predict --runtime."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import onnx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch
import yaml

from pipeline.core.exceptions import GraphError
from pipeline.graphs import onnx_graph
from pipeline.graphs.onnx_graph import (
    MAX_LOGIT_DIFFERENCE,
    MODEL_GRAPH_FOLDER,
    WEIGHTS_KEY,
    OnnxLogits,
    check_graph,
    graph_digest,
    graph_path,
    load_session,
    weights_digest,
    write_graphs,
)
from pipeline.model.collator import PaddedCollator
from pipeline.model.inference import encode, predict_entities
from pipeline.model.model_folder import load_model
from pipeline.tagging.metrics import headline
from tests.test_batching import LABELS, sample_sentences, tiny_model

REPO_ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # ONNX export, quantisation and ONNX Runtime sessions: about 10 s in all


def spans(entities: list[list[dict]]) -> list[list[tuple]]:
    return [[(e["word_start_index"], e["word_end_index"], e["label"]) for e in found] for found in entities]


@pytest.fixture(scope="module")
def exported(tiny_encoder, tmp_path_factory) -> tuple[Path, list[list[str]]]:
    """A saved tiny model that predicts many entities, with its graphs (checked on 20 sample sentences) in its
    ``onnx/`` sub-folder, where predict looks for the graphs of a model folder."""
    folder = tmp_path_factory.mktemp("onnx_system") / "model"
    model = tiny_model(tiny_encoder, model_max_length=32, marker_max_length=8, head_std=0.5)
    model.save_pretrained(folder)
    tokens, _ = sample_sentences(40)
    largest = write_graphs(
        model, tokens[:20], folder / MODEL_GRAPH_FOLDER, batch_size=4, threads=1, where="the test sentences"
    )
    assert 0 <= largest <= MAX_LOGIT_DIFFERENCE
    return folder, tokens


def test_the_float_graph_gives_pytorchs_entities_on_other_sentences_and_batch_shapes(exported):
    folder, tokens = exported
    model = load_model(folder)
    graph = load_session(model, folder / MODEL_GRAPH_FOLDER, "onnx", threads=1)
    sentences = tokens[20:]  # not the sentences the graph was traced and checked on
    for batch_size in (1, 3, 16):
        reference = predict_entities(model, sentences, batch_size)
        assert sum(map(len, reference)) > 20  # the model tags plenty: the comparison has something to compare
        ours = predict_entities(model, sentences, batch_size, logits=graph)
        assert spans(ours) == spans(reference)
        scores = [e["score"] for found in ours for e in found]
        assert (
            max(abs(a - b) for a, b in zip(scores, [e["score"] for found in reference for e in found], strict=True))
            < 1e-5
        )
    batch = PaddedCollator(model.tokenizer, 8)(encode(model, sentences[:5]).samples)
    with torch.no_grad():
        assert (graph(batch) - model(**batch).logits).abs().max() <= MAX_LOGIT_DIFFERENCE


def test_the_int8_graph_runs_and_stays_close_to_float(exported):
    folder, tokens = exported
    model = load_model(folder)
    int8 = load_session(model, folder / MODEL_GRAPH_FOLDER, "onnx-int8", threads=1)
    batch = PaddedCollator(model.tokenizer, 8)(encode(model, tokens[20:30]).samples)
    with torch.no_grad():
        reference = model(**batch).logits
    logits = int8(batch)
    assert logits.shape == reference.shape and logits.dtype == torch.float32
    difference = (logits - reference).abs().max()
    assert 0 < difference < 0.5 * reference.abs().max()  # quantised (not the float graph), yet the same model
    graph = onnx.load(str(graph_path(folder / MODEL_GRAPH_FOLDER, "onnx-int8"))).graph
    assert {node.op_type for node in graph.node} & {"MatMulInteger", "DynamicQuantizeLinear", "DynamicQuantizeMatMul"}
    # the embedding tables stay float32 (quantised, they cost F1): every Gather reads a float initializer
    floats = {tensor.name for tensor in graph.initializer if tensor.data_type == onnx.TensorProto.FLOAT}
    gathers = [node for node in graph.node if node.op_type == "Gather" and node.input[0] in floats]
    assert len(gathers) >= 3  # word, position and token-type embeddings
    assert not [
        tensor.name
        for tensor in graph.initializer
        if tensor.data_type == onnx.TensorProto.INT8 and "embedding" in tensor.name
    ]


def test_graphs_record_the_weights_and_no_machine_paths(exported):
    folder, _ = exported
    digest = weights_digest(load_model(folder))
    for runtime in ("onnx", "onnx-int8"):
        path = graph_path(folder / MODEL_GRAPH_FOLDER, runtime)
        assert graph_digest(path) == digest
        data = path.read_bytes()
        for text in (str(Path.cwd()), str(folder.parent), "site-packages", "stack_trace", str(Path.home())):
            assert text.encode() not in data, (runtime, text)
    assert json.loads(
        json.dumps(
            {p.key: p.value for p in onnx.load(str(graph_path(folder / MODEL_GRAPH_FOLDER, "onnx"))).metadata_props}
        )
    ) == {WEIGHTS_KEY: digest}


def test_a_missing_or_stale_graph_is_one_clear_error(exported, tiny_encoder, tmp_path):
    folder, _ = exported
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    other = tiny_model(tiny_encoder, model_max_length=32, marker_max_length=8, head_std=0.7)
    with pytest.raises(GraphError, match="exported from other weights") as stale:
        load_session(other, copy / MODEL_GRAPH_FOLDER, "onnx", threads=1)
    shutil.rmtree(copy / MODEL_GRAPH_FOLDER)
    with pytest.raises(GraphError, match="no ONNX graph model_int8.onnx") as missing:
        load_session(load_model(copy), copy / MODEL_GRAPH_FOLDER, "onnx-int8", threads=1)
    assert "\n" not in str(stale.value) + str(missing.value)


def test_a_graph_that_computes_other_logits_fails_the_check(exported, monkeypatch):
    folder, tokens = exported
    model = load_model(folder)
    graph = OnnxLogits(graph_path(folder / MODEL_GRAPH_FOLDER, "onnx"), threads=1)

    def shifted(batch):
        return graph(batch) + 1e-3

    with pytest.raises(GraphError, match=r"the check sentences: largest logit difference .* > 0.0001"):
        check_graph(model, shifted, encode(model, tokens[:5]), 4, "the check sentences")

    def no_entities(batch):  # every span O: other entities however small the tolerance allowed
        logits = graph(batch).clone()
        logits[..., model.config.outside_id] += 20
        return logits

    monkeypatch.setattr(onnx_graph, "MAX_LOGIT_DIFFERENCE", 100.0)
    with pytest.raises(GraphError, match=r"x: sentence \d+ gets entities \[\] from the graph but \[\(") as error:
        check_graph(model, no_entities, encode(model, tokens[:5]), 4, "x")
    assert "\n" not in str(error.value)


def test_predict_runs_the_graph_from_a_folder_copied_anywhere(exported, tmp_path, capsys, monkeypatch):
    from pipeline import predict

    folder, tokens = exported
    copy = tmp_path / "elsewhere" / "model"
    shutil.copytree(folder, copy)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.jsonl").write_text("".join(json.dumps({"tokens": words}) + "\n" for words in tokens[20:30]))
    outputs = {}
    for runtime in ("torch", "onnx", "onnx-int8"):
        predict.main(["--model", str(copy), "--jsonl", "in.jsonl", "--runtime", runtime])
        outputs[runtime] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(outputs["onnx"]) == 10
    assert [[(e["word_start"], e["word_end"], e["type"]) for e in r["entities"]] for r in outputs["onnx"]] == [
        [(e["word_start"], e["word_end"], e["type"]) for e in r["entities"]] for r in outputs["torch"]
    ]
    assert sum(len(r["entities"]) for r in outputs["onnx-int8"]) > 0
    shutil.rmtree(copy / MODEL_GRAPH_FOLDER)
    with pytest.raises(GraphError, match="no ONNX graph"):
        predict.main(["--model", str(copy), "--jsonl", "in.jsonl", "--runtime", "onnx"])


def test_the_export_stage_writes_the_graphs_of_the_trained_model_and_none_when_off(exported, tmp_path, monkeypatch):
    from pipeline.stages import export

    folder, tokens = exported
    shutil.copytree(folder, tmp_path / "models" / "B" / "seed-42", ignore=shutil.ignore_patterns(MODEL_GRAPH_FOLDER))
    prepared = tmp_path / "data" / "prepared" / "B"
    prepared.mkdir(parents=True)
    pq.write_table(
        pa.table({"tokens": tokens[:12], "ner_tags": [[0] * len(words) for words in tokens[:12]]}),
        prepared / "validation.parquet",
    )
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["export", "B", "42"])
    for exporting in (True, False):
        params["onnx"]["export"] = exporting
        Path("params.yaml").write_text(yaml.safe_dump(params))
        export.main()
        written = sorted(path.name for path in Path("graphs/B/seed-42").iterdir())
        assert written == (["model.onnx", "model_int8.onnx"] if exporting else []), written
        for runtime in ("onnx", "onnx-int8") if exporting else ():  # the bytes of an export from the model in memory
            assert (
                graph_path(Path("graphs/B/seed-42"), runtime).read_bytes()
                == graph_path(folder / MODEL_GRAPH_FOLDER, runtime).read_bytes()
            ), runtime


def test_the_evaluate_stage_scores_the_float_graph_as_pytorch_and_the_int8_stage_its_own_graph(
    exported, tmp_path, monkeypatch
):
    from pipeline.stages import evaluate, int8

    folder, _ = exported
    tokens, tags = sample_sentences(40)
    run = Path("B") / "seed-42"
    shutil.copytree(folder, tmp_path / "models" / run, ignore=shutil.ignore_patterns(MODEL_GRAPH_FOLDER))
    shutil.copytree(folder / MODEL_GRAPH_FOLDER, tmp_path / "graphs" / run)
    (tmp_path / "models" / run / "train_results.json").write_text(json.dumps({"epoch": 1.0}))
    prepared = tmp_path / "data" / "prepared" / "B"
    prepared.mkdir(parents=True)
    (prepared / "labels.json").write_text(json.dumps({"labels": LABELS, "types": ["PER", "LOC"]}))
    pq.write_table(pa.table({"tokens": tokens, "ner_tags": tags}), prepared / "test.parquet")
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())
    monkeypatch.chdir(tmp_path)

    def run(stage, **blocks) -> tuple[pa.Table, dict, dict]:
        for block, values in blocks.items():
            params[block].update(values)
        Path("params.yaml").write_text(yaml.safe_dump(params))
        monkeypatch.setattr(sys, "argv", [stage.__name__, "B", "42"])
        stage.main()
        name = "B/seed-42" if stage is evaluate else "int8_B"
        scores = json.loads(Path(f"reports/scores/{name}.json").read_text())
        return (
            pq.read_table(f"data/predictions/{name}.parquet"),
            scores,
            headline(scores, "test_")
            if stage is evaluate
            else json.loads(Path(f"reports/metrics/{name}.json").read_text()),
        )

    torch_run = run(evaluate, evaluate={"runtime": "torch"})
    onnx_run = run(evaluate, evaluate={"runtime": "onnx"})
    assert onnx_run[0].equals(torch_run[0]) and onnx_run[2] == torch_run[2]
    assert torch_run[1].pop("runtime") == "torch" and onnx_run[1].pop("runtime") == "onnx"
    assert onnx_run[1] == torch_run[1] and torch_run[2]["f1"] > 0  # the tiny model finds some gold entities
    predictions, scores, metrics = run(int8, evaluate={"runtime": "torch"})
    assert predictions.num_rows == 40 and scores["runtime"] == "onnx-int8"
    assert metrics["f1"] == scores["test_overall_f1"]
    shutil.rmtree("graphs/B/seed-42")  # what the export stage leaves with onnx.export false: no graph
    Path("graphs/B/seed-42").mkdir()
    predictions, scores, metrics = run(int8)
    assert predictions.num_rows == 0 and metrics == {} and scores["available"] is False
