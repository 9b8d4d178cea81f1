"""The HTTP application (Starlette, on uvicorn): ``POST /predict``, ``GET /health``, ``GET /info``.

Every error answers a JSON object ``{"error": "<one line>"}`` and nothing else: 400, 413 and 422 for a bad
request (:mod:`pipeline.serving.requests`), 404 and 405 for a wrong path or method, 500 for a failure of the
server, whose traceback goes to the server's log and never into the answer.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from pipeline.documents.tagger import Tagger
from pipeline.serving.batcher import Batcher
from pipeline.serving.requests import Limits, RequestError, parse_request

logger = logging.getLogger(__name__)


def error(status: int, message: str) -> JSONResponse:
    """The answer to a failed request: ``{"error": message}`` with ``status``."""
    return JSONResponse({"error": message}, status_code=status)


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, read no further than ``limit`` bytes; raises :class:`RequestError` (413) past it."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise RequestError(413, f"the body has {declared} bytes; at most {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestError(413, f"the body has more than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def build_app(tagger: Tagger, info: dict[str, Any], limits: Limits, max_batch: int, max_wait: float) -> Starlette:
    """The application serving ``tagger``: ``info`` is what ``GET /info`` answers (the limits and batching settings
    are added), ``limits`` bound each request, ``max_batch`` sentences and ``max_wait`` seconds bound each batch
    (:class:`pipeline.serving.batcher.Batcher`)."""
    batcher = Batcher(tagger.records, max_batch, max_wait)
    described = {
        **info,
        "limits": {"max_texts": limits.max_texts, "max_chars": limits.max_chars, "max_bytes": limits.max_bytes},
        "batching": {"max_batch": max_batch, "max_wait_ms": max_wait * 1000, "batch_size": tagger.batch_size},
        "stride": tagger.stride,
    }

    async def predict(request: Request) -> JSONResponse:
        try:
            body = await read_body(request, limits.max_bytes)
            items = await run_in_threadpool(parse_request, body, limits)  # splitting text is work: off the loop
        except RequestError as refused:
            return error(refused.status, str(refused))
        return JSONResponse({"results": await batcher.tag(items)})

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def describe(_: Request) -> JSONResponse:
        return JSONResponse({**described, "batches": batcher.batches})

    async def http_error(_: Request, failure: Exception) -> JSONResponse:
        status = failure.status_code if isinstance(failure, HTTPException) else 500
        detail = failure.detail if isinstance(failure, HTTPException) else "internal error"
        return error(status, str(detail))

    async def internal_error(request: Request, failure: Exception) -> JSONResponse:
        logger.error("%s %s failed", request.method, request.url.path, exc_info=failure)
        return error(500, "internal error; see the server's log")

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        batcher.start()
        yield
        await batcher.stop()

    return Starlette(
        routes=[
            Route("/predict", predict, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
            Route("/info", describe, methods=["GET"]),
        ],
        exception_handlers={HTTPException: http_error, Exception: internal_error},
        lifespan=lifespan,
    )
