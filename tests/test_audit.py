"""The data audit and deduplication on small tables with known repeats, conflicting tags and overlaps."""

import pyarrow as pa

from pipeline.data.audit import audit_splits, deduplicate, totals


def split(rows: list[tuple[list[str], list[int]]]) -> pa.Table:
    return pa.table(
        {"tokens": [tokens for tokens, _ in rows], "ner_tags": [tags for _, tags in rows], "lang": ["en"] * len(rows)}
    )


ANNA = (["Anna", "lives", "here"], [1, 0, 0])
ANNA_OTHER_TAGS = (["Anna", "lives", "here"], [0, 0, 0])
OSLO = (["Oslo", "is", "cold"], [5, 0, 0])
OSLO_SPLIT_OTHERWISE = (["Oslo is", "cold"], [5, 0])  # other tokens, the same characters: another sentence
BERG = (["Berg"], [1])
TABLES = {
    "train": split([ANNA, OSLO, ANNA, ANNA_OTHER_TAGS, BERG]),
    "validation": split([OSLO, OSLO_SPLIT_OTHERWISE, OSLO]),
    "test": split([BERG, (["new"], [0])]),
}


def test_audit_counts_repeats_conflicts_and_overlaps():
    found = audit_splits(TABLES)
    # train: Anna three times (twice with the same tags, once other tags), Oslo, Berg
    assert found["train"] == {"rows": 5, "distinct": 3, "repeated": 2, "conflicting": 1}
    # validation: Oslo twice, both in train; the other tokenisation of Oslo is a sentence of its own
    assert found["validation"] == {"rows": 3, "distinct": 2, "repeated": 1, "conflicting": 0, "in_train": 2}
    assert found["test"] == {"rows": 2, "distinct": 2, "repeated": 0, "conflicting": 0, "in_train": 1}
    assert totals({"en": found, "de": found})["train"] == {"rows": 10, "distinct": 6, "repeated": 4, "conflicting": 2}


def test_deduplicate_keeps_first_rows_and_drops_held_out_sentences_seen_in_train():
    kept = deduplicate(TABLES)
    assert kept["train"]["tokens"].to_pylist() == [ANNA[0], OSLO[0], BERG[0]]
    assert kept["train"]["ner_tags"].to_pylist() == [ANNA[1], OSLO[1], BERG[1]]  # the first tags of Anna
    assert kept["validation"]["tokens"].to_pylist() == [OSLO_SPLIT_OTHERWISE[0]]
    assert kept["test"]["tokens"].to_pylist() == [["new"]]
    after = audit_splits(kept)
    assert all(entry["repeated"] == 0 and entry.get("in_train", 0) == 0 for entry in after.values())


def test_prepare_deduplicates_when_asked_and_the_audit_stage_reports_the_raw_data(tmp_path, monkeypatch):
    import json
    import sys

    import pyarrow.parquet as pq
    import yaml

    from pipeline.stages import audit, prepare
    from tests.conftest import REPO_ROOT

    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    for name, table in TABLES.items():
        pq.write_table(table, raw / f"{name}.parquet")
    (raw / "source.json").write_text('{"source": "sample"}')
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())
    params["prepare"]["deduplicate"] = True
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["prepare", "A"])
    prepare.main()
    info = json.loads((tmp_path / "data" / "prepared" / "A" / "labels.json").read_text())
    assert info["deduplicate"] is True and info["dropped"] == {"train": 2, "validation": 2, "test": 1}
    assert pq.read_table(tmp_path / "data" / "prepared" / "A" / "train.parquet").num_rows == 3
    assert pq.read_table(tmp_path / "data" / "languages" / "A" / "en.parquet").num_rows == 2  # not deduplicated
    monkeypatch.setattr(sys, "argv", ["audit"])
    audit.main()
    written = json.loads((tmp_path / "reports" / "scores" / "audit.json").read_text())
    assert written["totals"]["train"] == {"rows": 5, "distinct": 3, "repeated": 2, "conflicting": 1}
    assert written["totals"]["test"]["in_train"] == 1
    by_language = written["languages"]
    assert list(by_language) == ["en"] and by_language["en"]["validation"]["in_train"] == 2
