"""``python -m pipeline.serve``: answers, batching, limits and errors in this process; a server process under a
concurrent burst and SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2
import pytest
from starlette.testclient import TestClient

from pipeline import predict
from pipeline.core.exceptions import ParamError
from pipeline.core.stage import run_stage
from pipeline.documents.loading import load_tagger
from pipeline.documents.records import document_of_text, join_tokens, sentence_of_text
from pipeline.serve import describe
from pipeline.serving.app import build_app
from pipeline.serving.requests import Limits

REPO_ROOT = Path(__file__).resolve().parents[1]
SENTENCES = [
    "Angela Merkel visited Paris, the French capital.",
    "Leonardo da Vinci's Mona Lisa hangs in the Louvre.",
    "Paris Hilton met Barack Obama in Washington.",
]
DOCUMENT = "Angela Merkel visited Paris. She met Emmanuel Macron at the Élysée.\nThen she flew to Berlin."


@pytest.fixture(scope="module")
def tagged(model_dir):
    """The tagger of the tiny model and where it lies, loaded once for the module."""
    return load_tagger(str(model_dir), "torch", 32, 16)


def client_of(tagged, max_texts: int = 4, max_chars: int = 200, max_batch: int = 8, max_wait: float = 0.05):
    tagger, paths = tagged
    return TestClient(
        build_app(tagger, describe(paths, tagger, "torch"), Limits(max_texts, max_chars), max_batch, max_wait),
        raise_server_exceptions=False,
    )


def test_sentences_and_documents_get_the_records_of_the_predict_path(tagged):
    tagger, _ = tagged
    with client_of(tagged) as client:
        sentences = client.post("/predict", json={"sentences": SENTENCES[:2]})
        documents = client.post("/predict", json={"documents": [DOCUMENT]})
    assert sentences.status_code == 200 and documents.status_code == 200
    assert sentences.json()["results"] == json.loads(
        json.dumps(tagger.records([sentence_of_text(text) for text in SENTENCES[:2]]))
    )
    record = documents.json()["results"][0]
    assert record == json.loads(json.dumps(tagger.records([document_of_text(DOCUMENT)])[0]))
    assert [DOCUMENT[span["char_start"] : span["char_end"]] for span in record["sentences"]][-1] == (
        "Then she flew to Berlin."
    )


def test_a_long_sentence_is_tagged_in_windows_as_predict_tags_it(tagged):
    tagger, _ = tagged
    tokens = [f"w{index}" for index in range(40)] + ["Paris", "."]  # past the tiny model's 30 tokens
    with client_of(tagged) as client:
        answer = client.post("/predict", json={"tokens": [tokens]})
    assert answer.json()["results"] == json.loads(json.dumps(tagger.records([join_tokens(tokens, {})])))


def test_a_stride_within_an_entity_is_refused_before_serving(model_dir):
    with pytest.raises(ParamError, match=r"stride: got 4; allowed: more than the model's entity_max_length \(4"):
        load_tagger(str(model_dir), "torch", 32, 4)


def test_concurrent_requests_are_batched_and_answered_as_alone(tagged):
    tagger, _ = tagged
    alone = [tagger.records([sentence_of_text(text)])[0] for text in SENTENCES]
    with client_of(tagged, max_batch=8, max_wait=0.2) as client:
        with ThreadPoolExecutor(6) as pool:
            answers = list(
                pool.map(lambda i: client.post("/predict", json={"sentences": [SENTENCES[i % 3]]}), range(6))
            )
        batches = client.get("/info").json()["batches"]
    assert batches < 6  # at least two requests shared a batch
    for index, answer in enumerate(answers):
        record, expected = answer.json()["results"][0], alone[index % 3]
        assert [{**entity, "score": pytest.approx(entity["score"], abs=1e-5)} for entity in record["entities"]] == (
            expected["entities"]
        )


def test_health_and_info(tagged, model_dir):
    with client_of(tagged) as client:
        health, info = client.get("/health").json(), client.get("/info").json()
    assert health == {"status": "ok"}
    assert info["system"] is None and info["model"] == model_dir.as_posix()
    assert info["entity_types"] == ["LOC", "PER"] and info["runtime"] == "torch"
    assert len(info["weights_sha256"]) == 64
    assert info["limits"]["max_texts"] == 4 and info["batching"]["max_batch"] == 8


BAD_REQUESTS = {  # body, status, the error line
    "malformed JSON": (b'{"sentences": [', 400, "the body is not valid JSON: Expecting value at line 1 column 16"),
    "invalid UTF-8": (b'{"sentences": ["\xff"]}', 400, "the body is not valid UTF-8 (byte 0xff at offset 16)"),
    "not an object": (b'["Paris"]', 422, "the body must be a JSON object with one of sentences, documents, tokens"),
    "no texts": (b'{"language": "en"}', 422, "give exactly one of sentences, documents, tokens; got 0"),
    "two kinds": (b'{"sentences": ["a"], "documents": ["b"]}', 422, "give exactly one of sentences, documents, "),
    "a model named": (b'{"sentences": ["a"], "model": "x"}', 422, "unknown key 'model'; allowed: sentences, "),
    "a path named": (b'{"path": "/etc/passwd"}', 422, "unknown key 'path'; allowed: sentences, documents, tokens"),
    "empty list": (b'{"sentences": []}', 422, "sentences: empty; give at least one"),
    "blank text": (b'{"documents": ["  "]}', 422, "documents[0]: blank"),
    "wrong type": (b'{"tokens": ["Paris"]}', 422, "tokens[0]: expected a list of strings"),
    "bad language": (b'{"sentences": ["a"], "language": "xx"}', 422, "language: got 'xx'; allowed: de, en, "),
    "too many texts": (json.dumps({"sentences": ["a"] * 5}).encode(), 413, "sentences: 5 texts; at most 4 a request"),
    "too long a text": (json.dumps({"sentences": ["a" * 201]}).encode(), 413, "sentences[0]: 201 characters; at "),
    "too large a body": (b" " * 20_000 + b"{}", 413, "the body has 20002 bytes; at most 13952"),
    "a huge number": (b'{"sentences": ' + b"1" * 5000 + b"}", 400, "the body is not JSON this server reads"),
    "deep nesting": (b"[" * 5000, 400, "the body is not JSON this server reads: RecursionError"),
}


@pytest.mark.parametrize("case", BAD_REQUESTS)
def test_a_bad_request_gets_its_status_and_one_line(tagged, case):
    body, status, message = BAD_REQUESTS[case]
    with client_of(tagged) as client:
        answer = client.post("/predict", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == status
    assert list(answer.json()) == ["error"] and answer.json()["error"].startswith(message)
    assert "\n" not in answer.json()["error"]


def test_wrong_paths_and_methods_answer_json(tagged):
    with client_of(tagged) as client:
        missing, wrong = client.get("/nope"), client.get("/predict")
    assert (missing.status_code, missing.json()) == (404, {"error": "Not Found"})
    assert (wrong.status_code, wrong.json()) == (405, {"error": "Method Not Allowed"})


def test_an_internal_error_is_a_500_without_a_traceback_and_is_logged(tagged, monkeypatch, caplog):
    tagger, paths = tagged

    def broken(items, show_progress_bar=False):
        raise RuntimeError("the secret detail")

    monkeypatch.setattr(type(tagger), "records", lambda self, items, show_progress_bar=False: broken(items))
    with client_of(tagged) as client:
        answer = client.post("/predict", json={"sentences": ["Paris"]})
        healthy = client.get("/health")
    assert answer.status_code == 500
    assert answer.json() == {"error": "internal error; see the server's log"}
    assert "the secret detail" in caplog.text and "Traceback" in caplog.text
    assert healthy.status_code == 200  # the server goes on


# --- a server process ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(model_dir: Path, *options: str) -> tuple[subprocess.Popen, str]:
    """A server of ``model_dir`` on a free loopback port, once it answers ``/health``; its process and URL."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline.serve", "--model", str(model_dir), "--port", str(port), *options],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited: {process.communicate()[0][-3000:]}")
        try:
            if httpx2.get(f"{url}/health", timeout=1).status_code == 200:
                return process, url
        except httpx2.TransportError:
            time.sleep(0.2)
    process.kill()
    pytest.fail("the server did not answer /health within 120 s")


def stopped_cleanly(process: subprocess.Popen, output: str) -> bool:
    """Whether the server shut down in order on SIGTERM: uvicorn finishes the requests in flight and the application's
    shutdown, then ends the process by the signal it caught (status -15), as a service manager expects."""
    assert process.returncode == -signal.SIGTERM, output[-3000:]
    return "Application shutdown complete." in output and "Traceback" not in output


def predict_records(model_dir: Path, args: list[str], capsys) -> list[dict]:
    run_stage(lambda: predict.main(["--model", str(model_dir), *args]))
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def same_entities(left: dict, right: dict) -> bool:
    return [{**entity, "score": pytest.approx(entity["score"], abs=1e-5)} for entity in left["entities"]] == right[
        "entities"
    ]


@pytest.mark.slow  # a server process: about 10 s
def test_a_server_process_answers_a_burst_as_predict_does(model_dir, tmp_path, capsys):
    documents = tmp_path / "documents.txt"
    documents.write_text(DOCUMENT + "\n\n" + " ".join(SENTENCES) + "\n", encoding="utf-8")
    expected_sentences = predict_records(model_dir, SENTENCES, capsys)
    expected_documents = predict_records(model_dir, ["--documents", str(documents)], capsys)
    process, url = start_server(model_dir, "--max-wait-ms", "20")
    try:
        bodies = [{"sentences": [text]} for text in SENTENCES] + [{"documents": [DOCUMENT, " ".join(SENTENCES)]}]
        with httpx2.Client(timeout=60) as client, ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(lambda i: client.post(f"{url}/predict", json=bodies[i % 4]), range(48)))
    finally:
        process.terminate()
        output = process.communicate(timeout=60)[0]
    assert stopped_cleanly(process, output)
    assert {answer.status_code for answer in answers} == {200}
    for index, answer in enumerate(answers):
        results = answer.json()["results"]
        expected = [expected_sentences[index % 4]] if index % 4 < 3 else expected_documents
        assert [record["text"] for record in results] == [record["text"] for record in expected]
        assert all(same_entities(got, want) for got, want in zip(results, expected, strict=True))
        if index % 4 == 3:
            assert [record["sentences"] for record in results] == [record["sentences"] for record in expected]


@pytest.mark.slow  # a server process: about 10 s
def test_sigterm_during_a_burst_answers_every_request_in_flight(model_dir):
    process, url = start_server(model_dir, "--max-wait-ms", "500", "--max-batch", "64")
    with httpx2.Client(timeout=60) as client, ThreadPoolExecutor(24) as pool:
        pending = [
            pool.submit(client.post, f"{url}/predict", json={"sentences": [SENTENCES[i % 3]]}) for i in range(24)
        ]
        time.sleep(0.3)  # every request sent, waiting for its batch to fill
        process.send_signal(signal.SIGTERM)
        answers = [future.result() for future in pending]
    output = process.communicate(timeout=60)[0]
    assert [answer.status_code for answer in answers] == [200] * 24
    assert all(answer.json()["results"][0]["text"] == SENTENCES[i % 3] for i, answer in enumerate(answers))
    assert stopped_cleanly(process, output)
    with pytest.raises(httpx2.TransportError):
        httpx2.get(f"{url}/health", timeout=1)
