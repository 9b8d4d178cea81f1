"""Requests that arrive together, tagged together: dynamic batching on the server's event loop.

Each request's items wait in a queue. One worker takes the first waiting request, then keeps taking requests
until the batch holds ``max_batch`` sentences or ``max_wait`` seconds have passed since it took the first (a
request that would overflow the batch waits for the next one; a request larger than ``max_batch`` alone is a batch
of its own), and tags the batch in one thread beside the event loop, so that the server keeps reading requests
meanwhile. A record does not depend on the requests beside it (:meth:`pipeline.documents.tagger.Tagger.records`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pipeline.documents.records import Sentence
from pipeline.documents.tagger import Item

logger = logging.getLogger(__name__)


def sentence_count(items: list[Item]) -> int:
    """The sentences of ``items``: one per sentence, a document's own count (at least one, for batching)."""
    return sum(1 if isinstance(item, Sentence) else max(len(item.sentences), 1) for item in items)


@dataclass
class _Job:
    items: list[Item]
    future: asyncio.Future[list[dict[str, Any]]]
    size: int = field(init=False)

    def __post_init__(self) -> None:
        self.size = sentence_count(self.items)


class Batcher:
    """Tags the items of concurrent requests in shared batches with ``tag`` (items → records, in order), at most
    ``max_batch`` sentences a batch, waiting at most ``max_wait`` seconds (float) for a batch to fill."""

    def __init__(self, tag: Callable[[list[Item]], list[dict[str, Any]]], max_batch: int, max_wait: float) -> None:
        self._tag = tag
        self.max_batch = max_batch
        self.max_wait = max_wait
        self._queue: asyncio.Queue[_Job] = asyncio.Queue()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tagger")
        self._worker: asyncio.Task[None] | None = None
        self.batches = 0
        """Batches tagged so far."""

    def start(self) -> None:
        """Start the worker on the running event loop."""
        self._worker = asyncio.get_running_loop().create_task(self._work())

    async def stop(self) -> None:
        """Tag what is queued, then stop the worker and its thread."""
        await self._queue.join()
        if self._worker is not None:
            self._worker.cancel()
        self._executor.shutdown(wait=True)

    async def tag(self, items: list[Item]) -> list[dict[str, Any]]:
        """The records of ``items``, tagged in a batch with whatever else is waiting. Raises what ``tag`` raised
        for the batch."""
        future: asyncio.Future[list[dict[str, Any]]] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Job(items, future))
        return await future

    async def _next_batch(self, carried: _Job | None) -> tuple[list[_Job], _Job | None]:
        """The jobs of the next batch, and a job taken that did not fit (the first of the batch after)."""
        loop = asyncio.get_running_loop()
        jobs = [carried if carried is not None else await self._queue.get()]
        size = jobs[0].size
        deadline = loop.time() + self.max_wait
        while size < self.max_batch:
            try:
                job = self._queue.get_nowait()
            except asyncio.QueueEmpty:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    job = await asyncio.wait_for(self._queue.get(), remaining)
                except TimeoutError:
                    break
            if size + job.size > self.max_batch:
                return jobs, job
            jobs.append(job)
            size += job.size
        return jobs, None

    async def _work(self) -> None:
        loop = asyncio.get_running_loop()
        carried: _Job | None = None
        while True:
            jobs, carried = await self._next_batch(carried)
            items = [item for job in jobs for item in job.items]
            try:
                records = await loop.run_in_executor(self._executor, self._tag, items)
            except Exception as error:  # every request of the batch answers 500; the server goes on
                logger.exception("tagging a batch of %d request(s) failed", len(jobs))
                for job in jobs:
                    if not job.future.done():
                        job.future.set_exception(error)
            else:
                self.batches += 1
                start = 0
                for job in jobs:
                    if not job.future.done():  # a client that went away leaves a cancelled future
                        job.future.set_result(records[start : start + len(job.items)])
                    start += len(job.items)
            finally:
                for _ in jobs:
                    self._queue.task_done()
