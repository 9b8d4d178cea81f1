"""``python -m pipeline.predict``: word and character offsets, the three input kinds, output, one-line errors."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from pipeline import predict
from pipeline.core.stage import run_stage
from pipeline.documents import records

REPO_ROOT = Path(__file__).resolve().parents[1]
SENTENCES = ["Angela Merkel visited Paris, the French capital.", "Leonardo da Vinci's Mona Lisa hangs in the Louvre."]


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of ``python -m pipeline.predict ARGS``, run in this process."""
    try:
        run_stage(lambda: predict.main(args))
        status = 0
    except SystemExit as exit_:
        status = exit_.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def records_of(jsonl: str) -> list[dict]:
    return [json.loads(line) for line in jsonl.splitlines()]


def check_text_record(record: dict) -> None:
    """Each entity of a plain-text record is the text between its character offsets, and its words."""
    words = records.sentence_of_text(record["text"]).words
    for entity in record["entities"]:
        assert record["text"][entity["char_start"] : entity["char_end"]] == entity["text"]
        assert re.sub(r"\s", "", entity["text"]) == "".join(words[entity["word_start"] : entity["word_end"]])
        assert entity["type"] in {"PER", "LOC"}
        assert 0 <= entity["word_start"] < entity["word_end"] <= entity["word_start"] + 4
        assert 0.0 < entity["score"] <= 1.0


def check_token_record(record: dict) -> None:
    """Each entity of a token record is its tokens joined by spaces, at its character offsets."""
    assert record["text"] == " ".join(record["tokens"])
    for entity in record["entities"]:
        assert record["text"][entity["char_start"] : entity["char_end"]] == entity["text"]
        assert " ".join(record["tokens"][entity["word_start"] : entity["word_end"]]) == entity["text"]
        assert entity["type"] in {"PER", "LOC"}


# --- word splitting and record building, with hand-made SpanMarker entities --------------------------------


def test_sentence_of_text_keeps_character_offsets():
    text = "Obama's two-year plan cost $3.5 billion (1,000 jobs)."
    sentence = records.sentence_of_text(text)
    assert sentence.words == [
        "Obama",
        "'s",
        "two-year",
        "plan",
        "cost",
        "$",
        "3.5",
        "billion",
        "(",
        "1,000",
        "jobs",
        ")",
        ".",
    ]
    assert [text[start:end] for start, end in sentence.offsets] == sentence.words
    assert sentence.fields == {}


DATA_LIKE = [
    ["Sinead", "O'Connor", "sang", "at", "the", "Royal", "Albert", "Hall", "in", "London", "."],
    ["He", "served", "in", "the", "U.S.", "Navy", "from", "1942", "to", "1946", "."],
    ["The", "two-year", "project", "cost", "$", "3.5", "million", "(", "about", "1,000", "jobs", ")", "."],
    ["Obama", "'s", "visit", "to", "Paris", "was", "covered", "by", "Le", "Monde", "."],
    ["Jean-Luc", "Godard", "was", "born", "in", "Paris", ",", "France", "."],
]


@pytest.mark.parametrize("tokens", DATA_LIKE, ids=lambda tokens: tokens[1])
def test_detokenized_text_splits_back_into_the_data_tokens(tokens):
    from sacremoses import MosesDetokenizer

    text = MosesDetokenizer(lang="en").detokenize(tokens)
    assert records.sentence_of_text(text).words == tokens


def test_decomposed_text_is_normalised_and_offsets_index_the_text_as_given():
    nfd = "Zoe\u0308 Schro\u0308der moved from Mu\u0308nchen to Zu\u0308rich."
    nfc = unicodedata.normalize("NFC", nfd)
    sentence = records.sentence_of_text(nfd)
    assert (
        sentence.words
        == records.sentence_of_text(nfc).words
        == ["Zo\u00eb", "Schr\u00f6der", "moved", "from", "M\u00fcnchen", "to", "Z\u00fcrich", "."]
    )
    assert [nfd[start:end] for start, end in sentence.offsets] == [
        unicodedata.normalize("NFD", word) for word in sentence.words
    ]
    record = records.sentence_record(
        sentence, [{"label": "LOC", "score": 0.5, "word_start_index": 4, "word_end_index": 5}]
    )
    assert record["text"] == nfd
    assert record["entities"][0]["text"] == "Mu\u0308nchen"


def test_text_record_offsets_from_word_indices():
    sentence = records.sentence_of_text("Dr. Angela  Merkel met Jean-Luc in St. Louis.")
    assert sentence.words == ["Dr.", "Angela", "Merkel", "met", "Jean-Luc", "in", "St.", "Louis", "."]
    entities = [
        {"label": "PER", "score": 0.9, "word_start_index": 1, "word_end_index": 3},
        {"label": "LOC", "score": 0.8, "word_start_index": 6, "word_end_index": 8},
    ]
    record = records.sentence_record(sentence, entities)
    assert record == {
        "text": "Dr. Angela  Merkel met Jean-Luc in St. Louis.",
        "entities": [
            {
                "text": "Angela  Merkel",
                "type": "PER",
                "word_start": 1,
                "word_end": 3,
                "char_start": 4,
                "char_end": 18,
                "score": 0.9,
            },
            {
                "text": "St. Louis",
                "type": "LOC",
                "word_start": 6,
                "word_end": 8,
                "char_start": 35,
                "char_end": 44,
                "score": 0.8,
            },
        ],
    }


def test_token_record_offsets_and_passed_through_fields():
    sentence = predict.parse_jsonl_line(
        json.dumps({"id": "s1", "tokens": ["In", "New York", "", "City", "."], "text": "old", "entities": []}),
        "in.jsonl: line 1",
        "en",
    )
    assert isinstance(sentence, records.Sentence)
    record = records.sentence_record(
        sentence, [{"label": "LOC", "score": 0.5, "word_start_index": 1, "word_end_index": 4}]
    )
    assert record == {
        "id": "s1",
        "tokens": ["In", "New York", "", "City", "."],
        "text": "In New York  City .",
        "entities": [
            {
                "text": "New York  City",
                "type": "LOC",
                "word_start": 1,
                "word_end": 4,
                "char_start": 3,
                "char_end": 17,
                "score": 0.5,
            }
        ],
    }


# --- the three input kinds through main, with a random SpanMarker model ------------------------------------


def test_text_arguments(model_dir, capsys):
    status, out, err = run_cli(["--model", str(model_dir), SENTENCES[0], "  ", f" {SENTENCES[1]} "], capsys)
    assert status == 0, err
    records = records_of(out)
    assert [record["text"] for record in records] == SENTENCES
    assert all(set(record) == {"text", "entities"} for record in records)
    assert any(record["entities"] for record in records), "the random model predicts no entity"
    for record in records:
        check_text_record(record)


def test_file_input_written_atomically_to_output(model_dir, tmp_path, capsys):
    source = tmp_path / "sentences.txt"
    source.write_bytes(("\ufeff" + SENTENCES[0] + "\r\n\r\n   \n  " + SENTENCES[1] + "\t").encode("utf-8"))
    output = tmp_path / "out" / "predictions.jsonl"
    status, out, err = run_cli(["--model", str(model_dir), "--file", str(source), "--output", str(output)], capsys)
    assert status == 0, err
    assert out == ""
    records = records_of(output.read_text(encoding="utf-8"))
    assert [record["text"] for record in records] == SENTENCES
    for record in records:
        check_text_record(record)
    assert sorted(path.name for path in output.parent.iterdir()) == ["predictions.jsonl"]


def test_jsonl_input_passes_keys_through(model_dir, tmp_path, capsys):
    rows = [
        {"id": 7, "lang": "en", "tokens": ["Angela", "Merkel", "visited", "Paris", "."]},
        {"id": 8, "tokens": []},
        {"id": 9, "tokens": ["\u200b", "", " "]},
        {"id": 10, "tokens": ["Rome", "\u200b", "is", "", "in", "Italy", "\x00", "."]},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps(row) for row in rows) + "\n\n", encoding="utf-8")
    status, out, err = run_cli(["--model", str(model_dir), "--jsonl", str(source)], capsys)
    assert status == 0, err
    records = records_of(out)
    assert [{key: record[key] for key in row} for record, row in zip(records, rows, strict=True)] == rows
    assert len(records) == len(rows)
    assert records[1]["entities"] == [] and records[2]["entities"] == []
    assert records[0]["entities"] and records[3]["entities"], "the random model predicts no entity"
    for record in records:
        check_token_record(record)
    untokenisable = {1, 3, 6}
    assert (
        not {index for entity in records[3]["entities"] for index in (entity["word_start"], entity["word_end"] - 1)}
        & untokenisable
    )


def test_stdin_and_batches_give_the_same_records(model_dir, monkeypatch, capsys):
    lines = SENTENCES * 2 + ["Berlin"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("\n".join(lines).encode("utf-8"))))
    status, out, err = run_cli(["--model", str(model_dir), "--file", "-", "--batch-size", "2"], capsys)
    assert status == 0, err
    assert "3/3" in err  # the progress bar over three batches
    status, out_one_batch, err_one_batch = run_cli(["--model", str(model_dir), *lines], capsys)
    assert status == 0 and "Predicting" not in err_one_batch
    batched, single = records_of(out), records_of(out_one_batch)
    assert [record["text"] for record in batched] == lines
    for left, right in zip(batched, single, strict=True):
        assert [{**entity, "score": pytest.approx(entity["score"], abs=1e-5)} for entity in left["entities"]] == right[
            "entities"
        ]


def test_a_sentence_longer_than_the_model_input_is_tagged_in_windows(model_dir, capsys, caplog):
    caplog.set_level("INFO")
    words = [f"word{index}" for index in range(40)]
    status, out, _ = run_cli(["--model", str(model_dir), " ".join(words)], capsys)
    assert status == 0
    assert "1 of 1 sentences are longer than the model's input of 30 sub-word tokens: tagged in" in caplog.text
    assert "are not tagged" not in caplog.text  # no word is cut
    check_text_record(records_of(out)[0])


def test_documents_give_sentences_and_entities_with_document_offsets(model_dir, tmp_path, capsys):
    first = "Angela Merkel visited Paris. She met Emmanuel Macron.\nThen she flew home."
    second = "Leonardo painted the Mona Lisa."
    path = tmp_path / "documents.txt"
    path.write_text(f"\n{first}\n\n\n{second}\n", encoding="utf-8")
    status, out, _ = run_cli(["--model", str(model_dir), "--documents", str(path)], capsys)
    assert status == 0
    documents = records_of(out)
    assert [record["text"] for record in documents] == [first, second]
    sentences = [first[span["char_start"] : span["char_end"]] for span in documents[0]["sentences"]]
    assert sentences == ["Angela Merkel visited Paris.", "She met Emmanuel Macron.", "Then she flew home."]
    alone = records_of(run_cli(["--model", str(model_dir), *sentences], capsys)[1])
    for index, record in enumerate(alone):  # a document's sentence gets the entities it gets alone
        start = documents[0]["sentences"][index]["char_start"]
        in_document = [entity for entity in documents[0]["entities"] if entity["sentence"] == index]
        assert [
            {**entity, "char_start": entity["char_start"] - start, "char_end": entity["char_end"] - start}
            for entity in in_document
        ] == [{"sentence": index, **entity} for entity in record["entities"]]
        for entity in in_document:
            assert first[entity["char_start"] : entity["char_end"]] == entity["text"]


def test_jsonl_text_is_a_document_and_tokens_a_sentence(model_dir, tmp_path, capsys):
    path = tmp_path / "mixed.jsonl"
    lines = [{"id": 1, "text": "Paris is big. Rome is old."}, {"id": 2, "tokens": ["Rome", "is", "old", "."]}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    status, out, _ = run_cli(["--model", str(model_dir), "--jsonl", str(path)], capsys)
    document, sentence = records_of(out)
    assert status == 0
    assert document["id"] == 1 and len(document["sentences"]) == 2 and "tokens" not in document
    assert sentence["id"] == 2 and "sentences" not in sentence and sentence["tokens"] == lines[1]["tokens"]


# --- expected errors: status 1 and one line on stderr -------------------------------------------------------


M = ["--model", "{model}"]
ERROR_CASES = {  # arguments, files to create in {tmp}, parts of the error line; all formatted with the paths
    "missing model": (
        ["--model", "{tmp}/nope", "Hi"],
        {},
        ["model folder {tmp}/nope not found", "dvc repro", "dvc pull"],
    ),
    "plain encoder is no SpanMarker model": (
        ["--model", "{encoder}", "Hi"],
        {},
        ["{encoder} is not a SpanMarker model folder"],
    ),
    "empty folder is no SpanMarker model": (["--model", "{tmp}", "Hi"], {}, ["{tmp} is not a SpanMarker model"]),
    "missing input file": ([*M, "--file", "{tmp}/none.txt"], {}, ["{tmp}/none.txt: input file not found"]),
    "input file is a folder": ([*M, "--jsonl", "{tmp}"], {}, ["{tmp}: cannot read the input"]),
    "empty file": ([*M, "--file", "{tmp}/e.txt"], {"e.txt": b" \n\n\t\n"}, ["e.txt: nothing to tag"]),
    "empty jsonl": ([*M, "--jsonl", "{tmp}/e.jsonl"], {"e.jsonl": b""}, ["e.jsonl: nothing to tag"]),
    "blank text arguments": ([*M, " ", ""], {}, ["TEXT arguments: nothing to tag"]),
    "not UTF-8": (
        [*M, "--file", "{tmp}/l.txt"],
        {"l.txt": b"Hi\nCaf\xe9 Paris\n"},
        ["l.txt: line 2: not valid UTF-8", "0xe9"],
    ),
    "not UTF-8 jsonl": (
        [*M, "--jsonl", "{tmp}/l.jsonl"],
        {"l.jsonl": b'{"tokens": ["\xff"]}\n'},
        ["l.jsonl: line 1: not valid UTF-8"],
    ),
    "malformed jsonl": (
        [*M, "--jsonl", "{tmp}/m.jsonl"],
        {"m.jsonl": b'{"tokens": ["a"]}\n\n{"tokens": [\n'},
        ["m.jsonl: line 3: not valid JSON"],
    ),
    "jsonl line not an object": (
        [*M, "--jsonl", "{tmp}/o.jsonl"],
        {"o.jsonl": b'["Paris"]\n'},
        ["o.jsonl: line 1: expected a JSON object", '["Paris"]'],
    ),
    "jsonl line without tokens or text": (
        [*M, "--jsonl", "{tmp}/t.jsonl"],
        {"t.jsonl": b'{"words": ["a"]}\n'},
        ['t.jsonl: line 1: the object has neither a "tokens" list of strings nor a "text" string', "words"],
    ),
    "jsonl text not a string": (
        [*M, "--jsonl", "{tmp}/x.jsonl"],
        {"x.jsonl": b'{"text": ["a"]}\n'},
        ['x.jsonl: line 1: "text" must be a string', '["a"]'],
    ),
    "documents not UTF-8": (
        [*M, "--documents", "{tmp}/d.txt"],
        {"d.txt": b"One.\n\nTwo \xff.\n"},
        ["d.txt: line 3: not valid UTF-8 (byte 0xff"],
    ),
    "blank documents": ([*M, "--documents", "{tmp}/b.txt"], {"b.txt": b"\n  \n"}, ["b.txt: nothing to tag"]),
    "stride within an entity": ([*M, "--stride", "4", "Hi"], {}, ["stride: got 4; allowed: more than"]),
    "tokens not strings": (
        [*M, "--jsonl", "{tmp}/s.jsonl"],
        {"s.jsonl": b'{"tokens": ["a"]}\n{"tokens": [1]}\n'},
        ['s.jsonl: line 2: "tokens" must be a list of strings', "[1]"],
    ),
    "tokens a string": (
        [*M, "--jsonl", "{tmp}/s.jsonl"],
        {"s.jsonl": b'{"tokens": "a b"}\n'},
        ['s.jsonl: line 1: "tokens" must be a list of strings', '"a b"'],
    ),
    "no input": (M, {}, ["no input"]),
    "two input kinds": (
        [*M, "--file", "a.txt", "--jsonl", "b.jsonl"],
        {},
        ["only one kind of input", "--file and --jsonl"],
    ),
    "text and file": ([*M, "Hi", "--file", "a.txt"], {}, ["TEXT and --file"]),
    "file and documents": ([*M, "--file", "a.txt", "--documents", "b.txt"], {}, ["--file and --documents"]),
    "unknown language": ([*M, "--language", "xx", "Hi"], {}, ["--language", "'xx'"]),
    "batch size 0": ([*M, "--batch-size", "0", "Hi"], {}, ["--batch-size", "'0'"]),
    "output is a folder": ([*M, "--output", "{tmp}", "Hi"], {}, ["--output {tmp} is a folder"]),
}


@pytest.mark.parametrize("case", ERROR_CASES)
def test_expected_errors_are_one_line(case, model_dir, tiny_encoder, tmp_path, capsys):
    args, files, expected = ERROR_CASES[case]
    tmp = tmp_path / "case"
    tmp.mkdir()
    for name, data in files.items():
        (tmp / name).write_bytes(data)
    paths = {"tmp": tmp, "model": model_dir, "encoder": tiny_encoder}
    status, out, err = run_cli([arg.format(**paths) for arg in args], capsys)
    assert status == 1
    assert out == ""
    assert err.startswith("error: ") and err.endswith("\n") and err.count("\n") == 1, err
    for part in expected:
        assert part.format(**paths) in err
    assert tmp.is_dir() and sorted(path.name for path in tmp.iterdir()) == sorted(files)  # nothing written


def test_a_system_of_the_parameters_means_its_reference_runs_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    status, _, err = run_cli(["--model", "B", "Hi"], capsys)
    assert status == 1 and "model folder B not found" in err  # no params.yaml here: B is a path
    status, _, err = run_cli(["Hi"], capsys)
    assert status == 1 and "--model: no params.yaml here to name a system" in err
    (tmp_path / "params.yaml").write_text(
        "systems:\n  PL-only: {types: [PER, LOC]}\n  all: {types: [PER]}\ntrain: {seeds: [7, 42]}\n"
    )
    runs = ((["--model", "all"], "models/all/seed-7"), ([], "models/PL-only/seed-7"), (["--model", "B"], "B"))
    for args, folder in runs:
        status, _, err = run_cli([*args, "Hi"], capsys)
        assert status == 1 and f"model folder {folder} not found" in err, (args, err)


# --- the real command ---------------------------------------------------------------------------------------


def run_module(args: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "pipeline.predict", *args],
        cwd=REPO_ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow  # several predict processes, each loading torch: about 13 s
def test_command_line(model_dir, tiny_encoder, tmp_path):
    output = tmp_path / "predictions.jsonl"
    rows = [{"id": index, "tokens": sentence.split()} for index, sentence in enumerate(SENTENCES)]
    done = run_module(
        ["--model", str(model_dir), "--jsonl", "-", "--output", str(output)], "\n".join(json.dumps(row) for row in rows)
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    records = records_of(output.read_text(encoding="utf-8"))
    assert [(record["id"], record["tokens"]) for record in records] == [(row["id"], row["tokens"]) for row in rows]
    for record in records:
        check_token_record(record)

    failed = run_module(["--model", str(tiny_encoder), "Hi"])
    assert failed.returncode == 1
    assert (
        failed.stderr == f"error: {tiny_encoder} is not a SpanMarker model folder "
        "(no config.json of a SpanMarker model)\n"
    )


@pytest.mark.slow  # a predict process: about 6 s
def test_only_a_word_longer_than_a_window_gives_the_truncation_warning(model_dir):
    done = run_module(["--model", str(model_dir), " ".join(["Paris"] * 600)])
    assert done.returncode == 0, done.stderr
    assert "tagged in" in done.stderr and "are not tagged" not in done.stderr
    assert "indexing errors" not in done.stderr
    long_word = "".join(f"q{index % 10}z" for index in range(30))  # 90 sub-word tokens; WordPiece reads 100 characters
    done = run_module(["--model", str(model_dir), f"Paris {long_word} Paris"])
    assert done.returncode == 0, done.stderr
    assert "1 of 3 sentences are longer than the model's input of 30 sub-word tokens" in done.stderr


@pytest.mark.slow  # a predict process: about 6 s
def test_output_to_a_link_to_stdout_reaches_the_pipe(model_dir, tmp_path):
    # A link made like /dev/stdout, so that a failure replaces this one and not the system's.
    stdout = tmp_path / "stdout"
    stdout.symlink_to("/proc/self/fd/1")
    done = run_module(["--model", str(model_dir), "--output", str(stdout), SENTENCES[0]])
    assert done.returncode == 0, done.stderr
    assert [record["text"] for record in records_of(done.stdout)] == [SENTENCES[0]]
    assert stdout.is_symlink()
