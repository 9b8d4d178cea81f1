"""Serve a trained system over HTTP: the model loaded once, concurrent requests tagged in shared batches.

Usage, from the repository root:

    python -m pipeline.serve --model B
    python -m pipeline.serve --model B --runtime onnx-int8 --port 8080 --max-batch 64

    curl -s localhost:8000/predict -d '{"sentences": ["Angela Merkel visited Paris."]}'
    curl -s localhost:8000/predict -d '{"documents": ["Merkel flew to Paris. She met Macron."], "language": "en"}'
    curl -s localhost:8000/info

POST /predict takes a JSON object with exactly one of "sentences" (strings), "documents" (strings, each split
into sentences) or "tokens" (lists of strings), and optionally "language" (default en), and answers
{"results": [...]}: one record per text, the same records as python -m pipeline.predict writes for the same
input (pipeline/documents/records.py). GET /health answers {"status": "ok"}; GET /info the system, model folder,
entity types, starting model, runtime, the weights' SHA-256, the limits, the batching settings, the stride and the
batches tagged so far.

--model and --runtime choose the model as the predict command does. Requests that arrive together are tagged
together: up to --max-batch sentences, waiting at most --max-wait-ms for a batch to fill. A request holds at most
--max-texts texts of at most --max-chars characters each; a bad request gets a 4xx answer {"error": "<one line>"}
(pipeline/serving/requests.py). The server listens on 127.0.0.1 unless --host says otherwise; SIGTERM or Ctrl-C
stops it once the requests in flight are answered.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

import uvicorn

from pipeline.core.params import RUNTIMES
from pipeline.core.stage import run_stage
from pipeline.documents.arguments import CommandParser, positive_int
from pipeline.documents.loading import ModelPaths, load_tagger, weights_digest
from pipeline.documents.tagger import Tagger
from pipeline.documents.windows import DEFAULT_STRIDE
from pipeline.serving.app import build_app
from pipeline.serving.requests import Limits

logger = logging.getLogger(__name__)
PROG = "python -m pipeline.serve"


def port_number(value: str) -> int:
    """A TCP port, 0 to 65535 (0: any free port, logged once bound)."""
    if not value.isdigit() or int(value) > 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 0 to 65535, got {value!r}")
    return int(value)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = CommandParser(PROG, __doc__)
    parser.add_argument(
        "--model",
        help="a system of params.yaml, for models/SYSTEM/seed-SEED (the first of train.seeds), or the path of a "
        "SpanMarker model folder (default: the first system of params.yaml)",
    )
    parser.add_argument(
        "--runtime", choices=RUNTIMES, default="torch", help="what computes the span logits (default: %(default)s)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=port_number, default=8000, help="port to listen on (default: %(default)s)")
    parser.add_argument(
        "--max-batch",
        type=positive_int,
        default=32,
        metavar="N",
        help="sentences of concurrent requests tagged together at most (default: %(default)s)",
    )
    parser.add_argument(
        "--max-wait-ms",
        type=float,
        default=5.0,
        metavar="MS",
        help="how long a batch waits for more requests once it has one (default: %(default)s)",
    )
    parser.add_argument(
        "--max-texts", type=positive_int, default=64, metavar="N", help="texts a request (default: %(default)s)"
    )
    parser.add_argument(
        "--max-chars",
        type=positive_int,
        default=20_000,
        metavar="N",
        help="characters a text (default: %(default)s)",
    )
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=32,
        metavar="N",
        help="samples per forward pass, as the predict command's (default: %(default)s)",
    )
    parser.add_argument(
        "--stride",
        type=positive_int,
        default=DEFAULT_STRIDE,
        metavar="N",
        help="words shared by the windows of a sentence longer than the model's input; more than the model's "
        "entity_max_length (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.max_wait_ms <= 1000:
        parser.error(f"--max-wait-ms: must be from 0 to 1000, got {args.max_wait_ms}")
    return args


def describe(paths: ModelPaths, tagger: Tagger, runtime: str) -> dict[str, Any]:
    """What ``GET /info`` says of the model: the system (None for a folder given by path), the model folder,
    entity types, starting model (name and revision, as the train stage recorded it), runtime and weights'
    SHA-256."""
    config = tagger.model.config
    return {
        "system": paths.system,
        "model": paths.folder.as_posix(),
        "entity_types": tagger.entity_types,
        "starting_model": getattr(config, "starting_model", None),
        "runtime": runtime,
        "weights_sha256": weights_digest(paths.folder),
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    tagger, paths = load_tagger(args.model, args.runtime, args.batch_size, args.stride)
    app = build_app(
        tagger,
        describe(paths, tagger, args.runtime),
        Limits(args.max_texts, args.max_chars),
        args.max_batch,
        args.max_wait_ms / 1000,
    )
    # A note per batch on its long sentences would flood the log of a busy server; warnings still show.
    logging.getLogger("pipeline.documents.windows").setLevel(logging.WARNING)
    logger.info("serving %s (%s) on http://%s:%d", paths.folder, args.runtime, args.host, args.port)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False)


if __name__ == "__main__":
    run_stage(main)
