"""Fast checks of the benchmark scripts: stand-in generator, prepare comparison, preprocessing and throughput."""

import importlib
import json
import logging
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from pipeline.data.validation import list_offsets, repair_bio
from pipeline.sources.readers import load_local, load_local_split

pytestmark = pytest.mark.slow

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
SCALE = 2e-4


def load_script(name: str):
    """The benchmark module, as ``python -m benchmarks.<name>`` runs it."""
    return importlib.import_module(f"benchmarks.{name}")


@pytest.fixture(scope="module")
def standin():
    return load_script("make_standin")


@pytest.fixture(scope="module")
def tiny(standin, tmp_path_factory):
    out = tmp_path_factory.mktemp("standin")
    standin.generate(out, seed=3, scale=SCALE, chunk_rows=16, quiet=True)  # several chunks per file
    return out


def test_full_scale_row_counts(standin):
    rows = standin.split_rows(1.0)
    assert {split: sum(counts.values()) for split, counts in rows.items()} == {
        "train": 2_678_400,
        "validation": 334_800,
        "test": 335_986,
    }
    assert {split: counts["en"] for split, counts in rows.items()} == {
        "train": 262_560,
        "validation": 32_820,
        "test": 32_908,
    }
    for counts in rows.values():
        others = [n for lang, n in counts.items() if lang != "en"]
        assert max(others) - min(others) <= 1


def test_tiny_standin_loads_with_the_right_proportions(standin, tiny, caplog):
    with caplog.at_level(logging.WARNING):
        splits = load_local(tiny)
    assert not [r for r in caplog.records if "repaired" in r.getMessage()]  # valid BIO: nothing to repair
    expected = standin.split_rows(SCALE)
    for split, table in splits.items():
        counts = {row["values"]: row["counts"] for row in pc.value_counts(table["lang"]).to_pylist()}
        assert counts == expected[split]
        for lang, n in counts.items():  # each language's share of the split, up to rounding
            full = standin.split_rows(1.0)[split]
            assert n == pytest.approx(full[lang] * SCALE, abs=0.5)
        tags = table["ner_tags"].combine_chunks()
        flat = tags.flatten().to_numpy().astype(np.int64)
        assert not repair_bio(flat, list_offsets(tags))[1].any()
        lengths = pc.list_value_length(table["tokens"]).to_numpy()
        assert lengths.min() >= standin.LENGTH_MIN and 15 < lengths.mean() < 30
    first = json.loads((tiny / "val" / "val_ru.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert list(first) == ["tokens", "ner_tags", "lang"] and first["lang"] == "ru"


def test_standin_is_deterministic_for_a_seed(standin, tiny, tmp_path):
    standin.generate(tmp_path / "same", seed=3, scale=SCALE, chunk_rows=16, quiet=True)
    standin.generate(tmp_path / "other", seed=4, scale=SCALE, chunk_rows=16, quiet=True)
    files = sorted(p.relative_to(tiny) for p in tiny.rglob("*.jsonl"))
    assert len(files) == 30
    assert all((tmp_path / "same" / f).read_bytes() == (tiny / f).read_bytes() for f in files)
    assert any((tmp_path / "other" / f).read_bytes() != (tiny / f).read_bytes() for f in files)


def test_bench_prepare_outputs_match_and_a_difference_is_caught(tiny):
    bench = load_script("bench_prepare")
    bench.main(["--data", str(tiny), "--only", "original", "--repeats", "1"])  # exits 1 if outputs differ
    import pyarrow as pa

    from pipeline.data.labels import MULTINERD_LABELS, labels_for_types
    from pipeline.stages.prepare import prepare_split

    types = bench.system_types("B")
    project = prepare_split(load_local(tiny)["train"], ["en"], types, "train")
    tags = project["ner_tags"].combine_chunks()
    to_multinerd = np.array([MULTINERD_LABELS.index(label) for label in labels_for_types(types)])
    flat = to_multinerd[tags.flatten().to_numpy()]

    def original_with(values):  # the original's output: MultiNERD ids
        return project.set_column(1, "ner_tags", pa.ListArray.from_arrays(tags.offsets, pa.array(values)))

    assert bench.compare(original_with(flat), project, types)["identical"]
    flat[len(flat) // 2] = 13 if flat[len(flat) // 2] != 13 else 0
    assert bench.compare(original_with(flat), project, types)["reason"].startswith("tags differ")
    assert bench.compare(project.slice(1), project.slice(0, project.num_rows - 1), types)["identical"] is False


def test_bench_preprocess_times_the_english_train_split(tiny, tiny_encoder, tmp_path):
    """On the tiny stand-in: every English train sentence preprocessed, and the projection follows the rate."""
    import yaml

    bench = load_script("bench_preprocess")
    params = yaml.safe_load((BENCHMARKS.parent / "params.yaml").read_text())
    params["model"]["name"] = str(tiny_encoder)
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    english_train = load_local_split(tiny, "train").filter(pc.equal(pc.field("lang"), "en")).num_rows
    result = bench.main(["--data", str(tiny), "--sentences", "1000000", "--params", str(tmp_path / "params.yaml")])
    assert result["sentences"] == result["split_sentences"] == english_train > 0
    assert result["samples"] >= result["sentences"]
    assert (result["model_max_length"], result["marker_max_length"], result["entity_max_length"]) == (256, 128, 8)
    assert result["projected_split_seconds"] == pytest.approx(result["seconds"])
    with pytest.raises(SystemExit):
        bench.main(["--data", str(tiny), "--sentences", "0"])
    with pytest.raises(SystemExit, match=r"^error: .*missing: folder not found"):
        bench.main(["--data", str(tmp_path / "missing")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit, match=r"^error: .*no folder for the train split"):
        bench.main(["--data", str(tmp_path / "empty")])


def test_bench_words_counts_the_sentences_each_splitter_reproduces(tmp_path, capsys):
    from tests.test_predict import DATA_LIKE

    for folder in ("train", "val", "test"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / f"{folder}_en.jsonl").write_text(
            "".join(
                json.dumps({"tokens": tokens, "ner_tags": [0] * len(tokens), "lang": "en"}) + "\n"
                for tokens in DATA_LIKE
            ),
            encoding="utf-8",
        )
    results = load_script("bench_words").main(["--data", str(tmp_path)])
    assert results["project"]["reproduced"] == results["project"]["sentences"] == 3 * len(DATA_LIKE)
    assert results["pattern"]["reproduced"] == 3 * (len(DATA_LIKE) - 2)  # O'Connor and U.S. are split
    assert "project" in capsys.readouterr().out


def test_bench_sentence_splitter_scores_boundaries_and_names_missing_splitters(tmp_path, capsys, monkeypatch):
    bench = load_script("bench_sentence_splitter")
    sentences = [
        ["Angela", "Merkel", "visited", "Paris", "."],
        ["She", "met", "Dr.", "Smith", "there", "."],
        ["He", "served", "in", "the", "U.S.", "Navy", "."],
        ["Did", "they", "talk", "?"],
        ["It", "was", "popular", "in", "the", "1990", "s", "."],
        ["a", "fragment", "that", "starts", "in", "lowercase", "."],
        ["Yes", "!"],
    ]
    (tmp_path / "test").mkdir()
    (tmp_path / "test" / "test_en.jsonl").write_text(
        "".join(
            json.dumps({"tokens": tokens, "ner_tags": [0] * len(tokens), "lang": "en"}) + "\n" for tokens in sentences
        ),
        encoding="utf-8",
    )

    def missing(language):
        raise ModuleNotFoundError("No module named 'nosuch'")

    monkeypatch.setitem(bench.CANDIDATES, "nosuch", bench.Candidate(missing, "nosuch"))
    results = bench.main(["--data", str(tmp_path), "--splitters", "project,nosuch", "--per-paragraph", "3"])
    row = results["project"]["languages"]["en"]
    assert (row["paragraphs"], row["sentences"]) == (3, 7)
    # Boundaries 2 + 2 + 0: the one after "1990 s." is missed ("s." is read as an abbreviation); Dr. and U.S.
    # are not split.
    assert (row["true_positives"], row["false_positives"], row["false_negatives"]) == (3, 0, 1)
    assert row["missed_before_lowercase"] == 1 and row["exact"] == 2
    out = capsys.readouterr().out
    assert "missing (not installed, left out): nosuch (No module named 'nosuch')" in out
    assert "| project | en | 3 | 4 | 1.000 | 0.750 | 0.857 | 66.7% | 1 / 0 |" in out
    with pytest.raises(SystemExit):
        bench.main(["--data", str(tmp_path), "--splitters", "project,nope"])
    assert "unknown nope" in capsys.readouterr().err


def test_bench_sentence_splitter_aligns_sentences_that_change_whitespace():
    bench = load_script("bench_sentence_splitter")
    text = "One.  Two\nthree.\tFour."
    assert bench.starts_of_pieces(["One.", "Two three.", "Four."], text) == [0, 6, 17]
    with pytest.raises(ValueError, match="not the text"):
        bench.starts_of_pieces(["One.", "Two three!", "Four."], text)


@pytest.mark.slow
def test_bench_gpu_runs_the_equal_work_table_at_tiny_sizes(tmp_path, capsys):
    """The GPU benchmark's own command with --tiny (on the CPU here): the real lengths and accumulation, the same
    sentences and optimizer steps for both settings, and checks that read the numbers."""
    report = load_script("bench_gpu").main(["--tiny", "--json-out", str(tmp_path / "gpu.json")])
    project, stock = report["training"]["project"], report["training"]["stock"]
    assert report["lengths"] == "256 / 128 / 8" and report["batch"] == "4 x 2"
    assert project["samples"] == stock["samples"] > project["sentences"] == 40
    assert project["optimizer_steps"] == stock["optimizer_steps"] == -(-project["samples"] // 8)
    accumulation = report["checks"]["accumulation"]
    assert accumulation["project"]["loss_ratio"] == pytest.approx(1.0, abs=1e-4)
    assert accumulation["stock"]["loss_ratio"] == pytest.approx(2.0, abs=1e-4)
    padding = report["checks"]["padding"]
    assert padding["positions_chunked"] <= padding["positions_project"] <= padding["positions_stock"] == 16 * 512
    assert padding["max_logit_difference"] < 1e-4 and padding["chunked_loss_difference"] < 1e-5
    prediction = report["prediction"]
    assert prediction["sentences"] == 12 and prediction["entities_identical"] and prediction["entities"] > 0
    assert json.loads((tmp_path / "gpu.json").read_text())["prediction"]["batch_size"] == 64
    table = capsys.readouterr().out
    assert "| training samples/s" in table and "checks: all hold" in table
    equal_work = load_script("bench_equal_work")
    accumulation["project"]["loss_ratio"] = 2.0
    prediction["max_score_difference"] = 1e-3
    assert len(equal_work.failed_checks(report)) == 2


def test_bench_real_text_params_and_train_cut(tmp_path):
    """The work folder's parameters (local source, one epoch, --set overrides) and the cut of the train files."""
    import argparse

    import yaml

    bench = load_script("bench_real_text")
    sample = BENCHMARKS.parent / "data" / "sample"
    cut = bench.cut_train_split(sample, tmp_path / "cut", 3)
    for path in sorted(sample.rglob("*.jsonl")):
        copied = (cut / path.relative_to(sample)).read_text(encoding="utf-8")
        original = path.read_text(encoding="utf-8")
        expected = "".join(original.splitlines(keepends=True)[:3]) if path.parent.name == "train" else original
        assert copied == expected, path
    base = yaml.safe_load((BENCHMARKS.parent / "params.yaml").read_text())
    params = bench.run_params(
        base,
        cut,
        [bench.parse_override("train.learning_rate=1.0e-4"), bench.parse_override("model.model_max_length=64")],
    )
    assert params["download"]["source"] == "local" and params["download"]["path"] == str(cut.resolve())
    assert (params["train"]["epochs"], params["train"]["learning_rate"], params["model"]["model_max_length"]) == (
        1,
        1.0e-4,
        64,
    )
    assert base["download"]["source"] == "sample"  # the parameters read from the repository are left as they are
    assert bench.parse_override("train.learning_rate=5e-05") == (["train", "learning_rate"], 5e-05)  # as DVC writes it
    assert params["external"] == {"local": {}, "hub": {}}  # the file's own sets are not in the work folder
    conll = tmp_path / "set.conll"
    with_set = bench.run_params(base, cut, [], [("wiki", conll)], (1, 2))
    assert with_set["external"]["local"] == {
        "wiki": {
            "path": str(conll.resolve()),
            "token_column": 1,
            "tag_column": 2,
            "types": {"PER": "PER", "ORG": "ORG", "LOC": "LOC"},
        }
    }
    assert bench.parse_external("wiki=/x/test.conllu") == ("wiki", Path("/x/test.conllu"))
    assert bench.parse_columns("0,-1") == (0, -1)
    with pytest.raises(argparse.ArgumentTypeError):
        bench.parse_columns("token,tag")
    with pytest.raises(argparse.ArgumentTypeError):
        bench.parse_override("train.epochs")


@pytest.mark.slow
def test_bench_real_text_runs_the_stages_in_its_work_folder(tmp_path, tiny_encoder, capsys):
    bench = load_script("bench_real_text")
    work = tmp_path / "work"
    result = bench.main(
        [
            "--data",
            str(BENCHMARKS.parent / "data" / "sample"),
            "--train-sentences",
            "24",
            "--work",
            str(work),
            "--threads",
            "1",
            "--set",
            f"model.name={tiny_encoder}",
            "--set",
            "train.checkpoint_steps=0",
            "--external",
            f"ood={BENCHMARKS.parent / 'data' / 'sample' / 'ood' / 'test_en.conll'}",
        ]
    )
    stages = ["download", "prepare", "train", "evaluate", "seeds", "external_local ood", "external"]
    assert list(result["seconds"]) == stages
    ood = result["external"]["sets"]["ood"]
    assert ood["sentences"] == 60 and ood["types"] == ["PER", "ORG", "LOC"]
    assert json.loads((work / "reports" / "metrics" / "external_B" / "ood.json").read_text())["f1"] == pytest.approx(
        ood["intervals"]["system"]["overall"]["f1"]["score"]
    )
    assert json.loads((work / "reports" / "metrics" / "B.json").read_text()) == result["metrics"]
    assert json.loads((work / "reports" / "scores" / "B.json").read_text()) == result["scores"]
    assert (work / "models" / "B" / "seed-42" / "config.json").is_file()
    out = capsys.readouterr().out
    assert "overall" in out and "precision" in out and f"{result['metrics']['f1']:.4f}" in out
    assert "System B on other test sets" in out and "ood" in out


@pytest.mark.slow
def test_bench_onnx_compares_the_four_columns_on_a_trained_work_folder(tmp_path, tiny_encoder, capsys):
    bench = load_script("bench_onnx")
    work = tmp_path / "work"
    report = bench.main(
        [
            "--data",
            str(BENCHMARKS.parent / "data" / "sample"),
            "--train-sentences",
            "24",
            "--work",
            str(work),
            "--threads",
            "1",
            "--set",
            f"model.name={tiny_encoder}",
            "--set",
            "train.checkpoint_steps=0",
            "--json-out",
            str(tmp_path / "onnx.json"),
        ]
    )
    assert list(report["columns"]) == ["stock", "torch", "onnx", "onnx-int8"]
    test = pq.read_table(work / "data" / "prepared" / "B" / "test.parquet")
    assert report["sentences"] == test.num_rows and report["threads"] == 1
    evaluated = json.loads((work / "reports" / "metrics" / "B.json").read_text())
    assert report["columns"]["torch"]["f1"] == pytest.approx(evaluated["f1"], abs=1e-12)
    assert report["columns"]["stock"]["f1"] == report["columns"]["onnx"]["f1"] == report["columns"]["torch"]["f1"]
    assert all(check["passed"] for check in report["checks"].values())
    for column in report["columns"].values():  # stock pads every sample to 256 + 2 x 128 positions, the others less
        assert column["sentences_per_s"] > 0 and column["flop_per_s"] > 0
    assert report["columns"]["stock"]["flops_per_sentence"] > report["columns"]["torch"]["flops_per_sentence"] > 0
    assert report["matmul_flop_per_s"] > 1e8
    assert json.loads((tmp_path / "onnx.json").read_text())["columns"]["onnx"]["speedup"] == pytest.approx(
        report["columns"]["onnx"]["speedup"]
    )
    assert "check onnx = stock: entities identical" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        bench.main(["--work", str(tmp_path / "empty")])  # no model there and no --data to build one


def test_bootstrap_benchmark_at_a_tiny_size():
    figures = load_script("bench_bootstrap").measure(sentences=300, resamples=120)
    assert (figures["sentences"], figures["resamples"]) == (300, 120)
    assert all(figures[f"{step}_seconds"] > 0 for step in ("counts", "resample", "intervals", "analysis"))
    # the first prediction keeps more of the gold tags than the second: it scores higher, clearly
    assert figures["difference"] > 0 and figures["difference_low"] > 0


def test_audit_benchmark_on_the_tiny_standin(tiny):
    figures = load_script("bench_audit").measure(tiny)
    assert figures["rows"] > figures["english_rows"] > 0
    assert figures["english_rows_dropped"] >= figures["english_repeated_train"] >= 0
    assert all(figures[f"{step}_seconds"] > 0 for step in ("audit_english", "audit_all", "deduplicate_english"))
