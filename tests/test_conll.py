"""External test sets in the CoNLL layout: read exactly, tags mapped onto MultiNERD's, bad files stopped in one line."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml

from pipeline.core.exceptions import DataError
from pipeline.data.labels import MULTINERD_LABELS
from pipeline.sources.conll import conll_files, read_conll
from pipeline.sources.tag_map import map_tags, multinerd_table
from tests.conftest import REPO_ROOT, start_stage

EXTERNAL = REPO_ROOT.parent / "shared" / "data" / "external"
"""WikiNEuRal and WikiANN English test in their publisher's layout (``index<TAB>token<TAB>tag``), when present."""
TYPES = {"PER": "PER", "ORG": "ORG", "LOC": "LOC"}

# CoNLL-2003's layout (token, POS, chunk, NER tag; space-separated), IOB1 as published: "Oslo" opens its entity
# with I-LOC. Windows line ends, a byte-order mark and a document break.
CONLL_2003_STYLE = (
    "\ufeff-DOCSTART- -X- -X- O\r\n\r\n"
    "Anna NNP B-NP B-PER\r\nvisited VBD B-VP O\r\nOslo NNP B-NP I-LOC\r\n. . O O\r\n\r\n"
    "The DT B-NP O\r\nNordic NNP I-NP B-MISC\r\nCouncil NNP I-NP B-ORG\r\nmet VBD B-VP O\r\n"
)
# WikiNEuRal's layout (index, token, tag; tab-separated), two blank lines between sentences, no final newline.
WIKINEURAL_STYLE = "0\tKarl\tB-PER\n1\tOrsted\tI-PER\n2\tsang\tO\n\n\n0\tin\tO\n1\tNew\tB-LOC\n2\tYork\tI-LOC"


def written(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_conll_2003_layout_reads_tokens_tags_sentences_and_lines(tmp_path):
    columns = read_conll(written(tmp_path, "eng.testb", CONLL_2003_STYLE), 0, -1)
    assert columns.tokens.to_pylist() == ["Anna", "visited", "Oslo", ".", "The", "Nordic", "Council", "met"]
    assert columns.tags.to_pylist() == ["B-PER", "O", "I-LOC", "O", "O", "B-MISC", "B-ORG", "O"]
    assert columns.offsets.tolist() == [0, 4, 8]
    assert columns.lines.tolist() == [3, 4, 5, 6, 8, 9, 10, 11]  # the -DOCSTART- line and blank lines are not tokens


def test_wikineural_layout_with_repeated_blank_lines(tmp_path):
    columns = read_conll(written(tmp_path, "test.conllu", WIKINEURAL_STYLE), 1, 2)
    assert columns.tokens.to_pylist() == ["Karl", "Orsted", "sang", "in", "New", "York"]
    assert columns.offsets.tolist() == [0, 3, 6]


def test_tags_map_onto_multinerd_and_unmapped_types_become_o(tmp_path, caplog):
    columns = read_conll(written(tmp_path, "eng.testb", CONLL_2003_STYLE), 0, 3)
    mapped = map_tags(columns.tags, TYPES)
    assert [MULTINERD_LABELS[i] for i in mapped.ids] == ["B-PER", "O", "I-LOC", "O", "O", "O", "B-ORG", "O"]
    assert mapped.unmapped == {"MISC": 1}
    with caplog.at_level("WARNING"):
        table = multinerd_table(columns.tokens, mapped.ids, columns.offsets, "eng.testb")
    # The stray I-LOC (IOB1) is repaired to B-LOC and counted, as download does for MultiNERD.
    assert [[MULTINERD_LABELS[i] for i in row] for row in table["ner_tags"].to_pylist()] == [
        ["B-PER", "O", "B-LOC", "O"],
        ["O", "O", "B-ORG", "O"],
    ]
    assert "eng.testb: repaired 1 I- tag(s) that began an entity to B- in 1 row(s), first row 0" in caplog.text


def test_several_source_types_onto_one_multinerd_type(tmp_path):
    path = written(tmp_path, "onto.txt", "Paris B-GPE\nand O\nthe O\nAlps B-LOC\n")
    mapped = map_tags(read_conll(path, 0, 1).tags, {"GPE": "LOC", "LOC": "LOC"})
    assert [MULTINERD_LABELS[i] for i in mapped.ids] == ["B-LOC", "O", "O", "B-LOC"] and mapped.unmapped == {}


def test_a_folder_reads_its_files_in_name_order_and_skips_readme_and_hidden(tmp_path):
    for name in ("b.conll", "a.conll", "README.md", ".a.conll.swp", "LICENSE"):
        written(tmp_path, name, "x O\n")
    assert [path.name for path in conll_files(tmp_path)] == ["a.conll", "b.conll"]
    (tmp_path / "README.md").unlink()
    for name in ("a.conll", "b.conll", ".a.conll.swp", "LICENSE"):
        (tmp_path / name).unlink()
    with pytest.raises(DataError, match="no CoNLL file in the folder"):
        conll_files(tmp_path)


@pytest.mark.parametrize(
    ("text", "token_column", "tag_column", "problem"),
    [
        (CONLL_2003_STYLE, 0, 1, "line 3: tag 'NNP' in column 1 is not a BIO tag"),  # the POS column
        (CONLL_2003_STYLE, 0, 4, "line 3: 4 column(s), but token_column 0 and tag_column 4 need 5"),
        (WIKINEURAL_STYLE, 1, -4, "line 1: 3 column(s), but token_column 1 and tag_column -4 need 4"),
        ("Anna B_PER\n", 0, 1, "line 1: tag 'B_PER' in column 1 is not a BIO tag"),
        ("Anna PER\n", 0, 1, "line 1: tag 'PER' in column 1 is not a BIO tag"),
        ("\n\n-DOCSTART- O\n", 0, 1, "no token line"),
    ],
)
def test_bad_columns_and_tags_name_the_file_and_line(tmp_path, text, token_column, tag_column, problem):
    path = written(tmp_path, "set.conll", text)
    with pytest.raises(DataError) as error:
        read_conll(path, token_column, tag_column)
    assert str(error.value).startswith(f"{path}: {problem}") and "\n" not in str(error.value)


def test_text_that_is_not_utf8_names_its_line(tmp_path):
    path = tmp_path / "latin1.conll"
    path.write_bytes("Anna B-PER\n\nK\u00f6ln B-LOC\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"latin1.conll: line 3: not UTF-8 text"):
        read_conll(path, 0, 1)


def stage_workdir(tmp_path: Path, entry: dict) -> Path:
    """A run folder whose params.yaml declares one local external set, ``hand``."""
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())
    params["external"] = {"local": {"hand": entry}, "hub": {}}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    return tmp_path


def run_external_local(workdir: Path) -> tuple[int, str]:
    process = start_stage(["pipeline.stages.external_local", "hand"], workdir)
    output, _ = process.communicate(timeout=300)
    return process.returncode, output


def test_the_stage_writes_the_set_in_multinerd_format(tmp_path):
    folder = tmp_path / "set"
    folder.mkdir()
    written(folder, "part1.conll", CONLL_2003_STYLE)
    written(folder, "part2.conll", "Rome NNP B-NP B-LOC\nfell VBD B-VP O\n")
    workdir = stage_workdir(tmp_path, {"path": "set", "token_column": 0, "tag_column": 3, "types": TYPES})
    returncode, output = run_external_local(workdir)
    assert returncode == 0, output
    table = pq.read_table(workdir / "data" / "external" / "hand.parquet")
    assert table.column_names == ["tokens", "ner_tags", "lang"] and set(table["lang"].to_pylist()) == {"und"}
    assert table["tokens"].to_pylist()[2] == ["Rome", "fell"]
    assert table["ner_tags"].to_pylist() == [[1, 0, 5, 0], [0, 0, 3, 0], [5, 0]]
    assert "hand: 3 sentences, 10 tokens; entities PER 1, ORG 1, LOC 2; unmapped types made O: MISC 1" in output
    assert "repaired 1 I- tag(s)" in output


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"path": "set.conll", "token_column": 0, "tag_column": 1}, "line 3: tag 'NNP' in column 1 is not a BIO tag"),
        ({"path": "set.conll", "token_column": 7, "tag_column": -1}, "line 3: 4 column(s), but token_column 7"),
        ({"path": "missing.conll", "token_column": 0, "tag_column": -1}, "file or folder not found"),
    ],
)
def test_a_bad_set_stops_the_stage_with_one_line_and_writes_nothing(tmp_path, entry, problem):
    written(tmp_path, "set.conll", CONLL_2003_STYLE)
    workdir = stage_workdir(tmp_path, {**entry, "types": TYPES})
    returncode, output = run_external_local(workdir)
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert returncode == 1 and len(errors) == 1 and errors[0].startswith(f"error: {entry['path']}: {problem}")
    assert "Traceback" not in output
    assert not (workdir / "data" / "external").exists()


def test_an_unknown_multinerd_type_in_the_map_is_a_parameter_error(tmp_path):
    written(tmp_path, "set.conll", CONLL_2003_STYLE)
    workdir = stage_workdir(
        tmp_path, {"path": "set.conll", "token_column": 0, "tag_column": -1, "types": {"PER": "PERSON"}}
    )
    returncode, output = run_external_local(workdir)
    assert (
        returncode == 1
        and "error: external.local.hand.types: got {'PER': 'PERSON'}; allowed: a non-empty "
        "mapping of names to: PER, ORG, LOC"
        in output
    )


@pytest.mark.skipif(not EXTERNAL.is_dir(), reason="the shared external test sets are not on this machine")
@pytest.mark.parametrize(
    ("name", "sentences", "entities", "misc", "repaired"),
    [
        ("wikineural", 11597, {"PER": 5207, "ORG": 3449, "LOC": 5955}, 4505, {"PER": 3}),
        ("wikiann", 10000, {"PER": 4556, "ORG": 4745, "LOC": 4657}, 0, {}),
    ],
)
def test_real_test_sets_read_with_the_counts_of_their_files(
    name, sentences, entities, misc, repaired, tmp_path, caplog
):
    # Sentences as the folder's README gives them; B- tags as `cut -f3 test.conllu | grep -c '^B-PER$'` counts them.
    shutil.copy(EXTERNAL / name / "en" / "test.conllu", tmp_path / "test.conllu")  # the shared folder is read-only
    columns = read_conll(tmp_path / "test.conllu", 1, 2)
    mapped = map_tags(columns.tags, TYPES)
    with caplog.at_level("WARNING"):
        table = multinerd_table(columns.tokens, mapped.ids, columns.offsets, name)
    flat = np.concatenate(table["ner_tags"].to_numpy(zero_copy_only=False))
    found = {entity_type: int((flat == MULTINERD_LABELS.index(f"B-{entity_type}")).sum()) for entity_type in TYPES}
    assert table.num_rows == sentences and mapped.unmapped.get("MISC", 0) == misc
    # Each stray I- (one continuing no entity of its type) is repaired to B-, and counted in the warning.
    assert found == {t: entities[t] + repaired.get(t, 0) for t in TYPES}
    assert (f"repaired {sum(repaired.values())} I- tag(s)" in caplog.text) == bool(repaired)
