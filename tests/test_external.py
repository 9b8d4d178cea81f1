"""External test sets: the Hub reader, the external stage's scores and intervals, the report's table, the params."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from datasets import ClassLabel, Dataset, Features, Sequence, Value

from pipeline.core.exceptions import ParamError
from pipeline.core.params import external_sets
from pipeline.data.labels import MULTINERD_LABELS, labels_for_types
from pipeline.overrides import apply_overrides, set_param_arguments
from pipeline.stages import external, external_hub, external_local, report
from tests.conftest import REPO_ROOT
from tests.test_baseline import forced_checkpoint
from tests.test_conll import CONLL_2003_STYLE

B_TYPES = ["PER", "ORG", "LOC", "ANIM", "DIS"]
WIKINEURAL_TAGS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
HUB_ROWS = [
    {"tokens": ["Anna", "met", "Karl", "Orsted"], "ner_tags": [1, 0, 1, 2], "lang": "en"},
    {"tokens": ["The", "Danish", "Navy"], "ner_tags": [0, 7, 3], "lang": "en"},
]


def write_params(workdir: Path, local: dict, hub: dict, **model: str) -> None:
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())
    params["external"] = {"local": local, "hub": hub}
    params["model"].update(model)
    (workdir / "params.yaml").write_text(yaml.safe_dump(params))


def run_main(module, monkeypatch: pytest.MonkeyPatch, *arguments: str) -> None:
    monkeypatch.setattr(sys, "argv", [module.__name__, *arguments])
    module.main()


def hub_copy(root: Path) -> Path:
    """A folder laid out like the Hub dataset Babelscape/wikineural: ``<split>_<lang>.jsonl`` at its root, ids only."""
    root.mkdir()
    (root / "test_en.jsonl").write_text("".join(json.dumps(row) + "\n" for row in HUB_ROWS))
    (root / "test_de.jsonl").write_text(json.dumps({"tokens": ["Anna"], "ner_tags": [1], "lang": "de"}) + "\n")
    return root


def hub_entry(folder: Path, **changes) -> dict:
    return {
        "hub_name": str(folder),
        "hub_revision": None,
        "split": "test",
        "data_files": "test_en.jsonl",
        "tag_names": WIKINEURAL_TAGS,
        "types": {"PER": "PER", "ORG": "ORG", "LOC": "LOC"},
    } | changes


def test_a_hub_split_is_read_with_its_data_files_and_tag_names(tmp_path, monkeypatch):
    folder = hub_copy(tmp_path / "wikineural")
    write_params(tmp_path, {}, {"wiki": hub_entry(folder)})
    monkeypatch.chdir(tmp_path)
    run_main(external_hub, monkeypatch, "wiki")
    table = pq.read_table(tmp_path / "data" / "external" / "wiki.parquet")
    assert table["tokens"].to_pylist() == [row["tokens"] for row in HUB_ROWS]  # English only: data_files
    assert [[MULTINERD_LABELS[i] for i in row] for row in table["ner_tags"].to_pylist()] == [
        ["B-PER", "O", "B-PER", "I-PER"],
        ["O", "O", "B-ORG"],
    ]  # MISC (Danish) became O


def test_hub_tag_names_come_from_the_features_when_they_name_them(tmp_path, monkeypatch):
    folder = tmp_path / "named"
    folder.mkdir()
    features = Features({"tokens": Sequence(Value("string")), "ner_tags": Sequence(ClassLabel(names=WIKINEURAL_TAGS))})
    Dataset.from_list(
        [{key: row[key] for key in ("tokens", "ner_tags")} for row in HUB_ROWS], features=features
    ).to_parquet(str(folder / "test.parquet"))
    write_params(tmp_path, {}, {"wiki": hub_entry(folder, data_files=None, tag_names=[])})
    monkeypatch.chdir(tmp_path)
    run_main(external_hub, monkeypatch, "wiki")
    assert pq.read_table(tmp_path / "data" / "external" / "wiki.parquet")["ner_tags"].to_pylist() == [
        [1, 0, 1, 2],
        [0, 0, 3],
    ]
    write_params(tmp_path, {}, {"wiki": hub_entry(folder, data_files=None, tag_names=WIKINEURAL_TAGS[:7])})
    with pytest.raises(ParamError, match="external.hub.wiki.tag_names: got .* names its ids"):
        run_main(external_hub, monkeypatch, "wiki")


def test_hub_ids_without_names_need_tag_names(tmp_path, monkeypatch):
    folder = hub_copy(tmp_path / "wikineural")
    write_params(tmp_path, {}, {"wiki": hub_entry(folder, tag_names=[])})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ParamError, match="external.hub.wiki.tag_names: .* does not name its ner_tags ids"):
        run_main(external_hub, monkeypatch, "wiki")
    assert not (tmp_path / "data" / "external").exists()


@pytest.fixture()
def scored(tmp_path: Path, tiny_encoder: Path, tmp_path_factory, monkeypatch) -> Path:
    """System B (a checkpoint tagging every word PER) and a starting SpanMarker checkpoint (every word FOOD) scored
    on the hand-written CoNLL file of tests/test_conll.py, and on a set sharing no type with B."""
    (tmp_path / "hand.conll").write_text(CONLL_2003_STYLE, encoding="utf-8")
    forced_checkpoint(tiny_encoder, tmp_path / "models" / "B" / "seed-42", "PER", labels_for_types(B_TYPES))
    start = forced_checkpoint(tiny_encoder, tmp_path_factory.mktemp("start"), "FOOD")
    prepared = tmp_path / "data" / "prepared" / "B"
    prepared.mkdir(parents=True)
    (prepared / "labels.json").write_text(json.dumps({"labels": labels_for_types(B_TYPES), "types": B_TYPES}))
    local = {
        "hand": {
            "path": "hand.conll",
            "token_column": 0,
            "tag_column": -1,
            "published": "conll2003",
            "types": {"PER": "PER", "ORG": "ORG", "LOC": "LOC"},
        },
        "food": {"path": "hand.conll", "token_column": 0, "tag_column": -1, "types": {"MISC": "FOOD"}},
    }
    write_params(tmp_path, local, {}, name=str(start))
    monkeypatch.chdir(tmp_path)
    run_main(external_local, monkeypatch, "hand")
    run_main(external, monkeypatch, "B", "42")
    return tmp_path


def test_the_system_and_the_baseline_are_scored_on_the_shared_types(scored):
    # Gold: Anna (PER), Oslo (LOC, IOB1's I-LOC repaired), Council (ORG); Nordic is MISC, made O. System B tags
    # each of the 8 words PER: 1 true positive of 8 predictions, 3 gold entities. The baseline's FOOD is no shared
    # type: nothing predicted.
    result = json.loads((scored / "reports" / "external" / "B.json").read_text())
    entry = result["sets"]["hand"]
    assert entry["types"] == ["PER", "ORG", "LOC"] and entry["sentences"] == 2 and entry["published"] == "conll2003"
    assert entry["system"]["test_overall_precision"] == pytest.approx(1 / 8)
    assert entry["system"]["test_overall_recall"] == pytest.approx(1 / 3)
    assert entry["system"]["test_PER"] == {
        "precision": pytest.approx(1 / 8),
        "recall": 1.0,
        "f1": pytest.approx(2 / 9),
        "number": 1,
    }
    assert entry["baseline"]["available"] is True and entry["baseline"]["test_overall_f1"] == 0.0
    metrics = {path.name: json.loads(path.read_text()) for path in (scored / "reports/metrics/external_B").iterdir()}
    assert metrics == {
        "hand.json": {"precision": pytest.approx(1 / 8), "recall": pytest.approx(1 / 3), "f1": pytest.approx(2 / 11)},
        "baseline_hand.json": {"precision": 0.0, "recall": 0.0, "f1": 0.0},
    }
    # Two sentences: a resample holds the first twice (F1 1/3), the second twice (0) or both (2/11).
    system = entry["intervals"]["system"]["overall"]["f1"]
    assert system["score"] == pytest.approx(2 / 11) and 0.0 <= system["interval"][0] <= 2 / 11
    assert 2 / 11 <= system["interval"][1] <= 1 / 3 + 1e-12
    difference = entry["intervals"]["difference"]
    assert difference["difference"] == pytest.approx(2 / 11) and difference["interval"][0] >= 0.0
    assert set(entry["intervals"]["system"]["types"]) == {"PER", "ORG", "LOC"}


def test_a_set_without_a_shared_type_is_skipped_with_the_reason(scored):
    result = json.loads((scored / "reports" / "external" / "B.json").read_text())
    assert set(result["sets"]) == {"hand"}
    assert result["skipped"] == {
        "food": "no entity type in common: B keeps PER, ORG, LOC, ANIM, DIS, the set maps onto FOOD"
    }


def test_the_report_table_gives_intervals_baseline_and_the_published_figure(scored):
    scores = {"external_B": json.loads((scored / "reports" / "external" / "B.json").read_text())}
    text = "\n".join(report.external_section(["B"], scores))
    row = next(line for line in text.splitlines() if line.startswith("| `hand`"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[:4] == ["`hand`", "PER, ORG, LOC", "2", "System B"]
    assert cells[4].startswith("18.18% [") and cells[5].startswith("0.00% [0.00, 0.00]")
    assert cells[6].startswith("+18.18 [") and cells[7] == "77.11%"
    assert "not a like-for-like comparison" in text
    assert "- System B was not scored on `food`: no entity type in common" in text


def test_a_set_declared_as_ontonotes_shows_the_papers_ontonotes_figure():
    sets = external_sets(
        {
            "external": {
                "local": {},
                "hub": {
                    "onto": {
                        "hub_name": "x/ontonotes",
                        "hub_revision": None,
                        "split": "test",
                        "types": {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC"},
                        "published": "ontonotes",
                    }
                },
            }
        }
    )
    scored = {"score": 0.5, "interval": [0.4, 0.6]}
    entry = {
        "types": ["PER", "ORG", "LOC"],
        "sentences": 10,
        "published": sets["onto"].published,  # what the external stage records for the report
        "intervals": {"system": {"overall": {"f1": scored}}, "baseline": None, "difference": None},
    }
    lines = report.external_section(["A"], {"external_A": {"sets": {"onto": entry}, "skipped": {}}})
    row = next(line for line in lines if line.startswith("| `onto`"))
    assert [cell.strip() for cell in row.strip("|").split("|")][-1] == "72.45%"
    assert any(line.startswith("*Published*:") and "not a like-for-like comparison" in line for line in lines)


def test_no_external_set_gives_a_line_in_the_report():
    assert report.external_section(["A"], {"external_A": {"sets": {}, "skipped": {}}}) == [
        "## Other test sets",
        "",
        "No external test set is declared (`external` in `params.yaml`).",
        "",
    ]


@pytest.mark.parametrize(
    ("block", "problem"),
    [
        ({"local": {}}, "external: got"),
        ({"local": {"x": {}}, "hub": {"x": {}}}, "declared under both local and hub"),
        ({"local": {"a_b": {}}, "hub": {}}, "the set name 'a_b'"),
        (
            {"local": {"a": {"path": "a", "token_column": 0, "tag_column": -1, "types": {}}}, "hub": {}},
            "external.local.a.types: got {}",
        ),
        (
            {"local": {"a": {"path": "a", "token_column": -1, "tag_column": -1, "types": {"PER": "PER"}}}, "hub": {}},
            "external.local.a.token_column: got -1; allowed: an integer >= 0",
        ),
        (
            {
                "local": {
                    "a": {
                        "path": "a",
                        "token_column": 0,
                        "tag_column": 1,
                        "types": {"PER": "PER"},
                        "published": "conll",
                    }
                },
                "hub": {},
            },
            "external.local.a.published: got 'conll'",
        ),
    ],
)
def test_bad_external_parameters_are_one_line_errors(block, problem):
    with pytest.raises(ParamError) as error:
        external_sets({"external": block})
    assert problem in str(error.value) and "\n" not in str(error.value)


def test_the_full_run_adds_its_hub_set_as_new_keys():
    from pipeline.core.params import read_params

    params, full = read_params(REPO_ROOT / "params.yaml"), read_params(REPO_ROOT / "params.full.yaml")
    arguments = set_param_arguments(full, params)
    assert '+external.hub.wikineural-en.hub_name="Babelscape/wikineural"' in arguments
    assert (
        '+external.hub.wikineural-en.tag_names=["O","B-PER","I-PER","B-ORG","I-ORG","B-LOC","I-LOC",'
        '"B-MISC","I-MISC"]' in arguments
    )
    sets = external_sets(apply_overrides(params, full))
    assert list(sets) == ["ood-sample", "wikineural-en"] and sets["wikineural-en"].hub_revision
    with pytest.raises(ParamError, match="train.no_such_key: not in params.yaml"):
        set_param_arguments({"train": {"no_such_key": 1}}, params)
