"""The server under load, beside the predict command on the same sentences, for each runtime.

For each runtime (``--runtimes``, default ``torch onnx-int8``), with the same trained system (``--model``, default
System B of the embedded run: run ``dvc repro`` or ``dvc pull`` first) and the same real sentences (WikiNEuRal's
English test sentences from ``--data``, sent as ``tokens``, so that both sides tag the same words):

1. **CLI.** ``python -m pipeline.predict --jsonl`` on ``--requests`` sentences, and on one sentence: the batch
   throughput is the sentences over the difference of the two wall times (the process's start-up and model loading
   taken out), so the server is held to the command's tagging speed, not to its start-up.
2. **Server.** ``python -m pipeline.serve`` on a free port of 127.0.0.1, then for each concurrency level
   (``--concurrency``) a bounded client of this script: that many connections, each sending one-sentence requests
   back to back until ``--requests`` have been sent or ``--max-seconds`` have passed. It counts the requests that
   failed (a status other than 200, or a transport error) and the answers that are not their request's (a record
   whose tokens are not those sent), and gives sentences/s over the level's wall time and p50/p95/p99 of the
   request latency.
3. **Batching off.** The same server with ``--max-batch 1`` at the highest concurrency level.

It prints one table, and the checks of the targets on a 2-core machine (exit status 1 when one fails): at the
highest concurrency the server reaches 80 % of the CLI's batch throughput, batching gives 3x the throughput of
batch size 1, and every request sent gets its own answer. The client shares the machine with the server: its own
CPU time is part of what the server competes with, so run nothing else beside it.

Usage, from the repository root (about 10 minutes on 2 cores with the defaults)::

    python -m benchmarks.bench_serve --data ../shared/data/wikineural [--model B] [--requests 3000] \\
        [--concurrency 1 8 32] [--runtimes torch onnx-int8] [--json-out /tmp/serve.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx2
import numpy as np

from pipeline.core.params import RUNTIMES

REPO_ROOT = Path(__file__).resolve().parents[1]


def read_sentences(data: Path, count: int) -> list[list[str]]:
    """The first ``count`` English test sentences of a MultiNERD-layout folder (``test/test_en.jsonl``), as
    tokens, repeated from the start when the split holds fewer."""
    path = data / "test" / "test_en.jsonl"
    if not path.is_file():
        raise SystemExit(f"error: {path} not found (give --data, a folder in MultiNERD's layout)")
    rows = [json.loads(line)["tokens"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [rows[index % len(rows)] for index in range(count)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO_ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


def cli_seconds(model: str, runtime: str, sentences: list[list[str]], folder: Path) -> float:
    """Wall seconds of one predict process tagging ``sentences`` (as ``--jsonl`` tokens)."""
    path = folder / f"input-{len(sentences)}.jsonl"
    path.write_text("".join(json.dumps({"tokens": tokens}) + "\n" for tokens in sentences), encoding="utf-8")
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.predict", "--model", model, "--runtime", runtime, "--jsonl", str(path)],
        cwd=REPO_ROOT,
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"error: the predict command failed: {done.stderr.strip().splitlines()[-1]}")
    return seconds


class Server:
    """A server process on a free loopback port, up once ``/health`` answers; stopped with SIGTERM."""

    def __init__(self, model: str, runtime: str, *options: str) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "pipeline.serve", "--model", model, "--runtime", runtime]
        self.log = tempfile.NamedTemporaryFile("w+", suffix=".log", prefix="serve-")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [*command, "--port", str(port), *options],
            cwd=REPO_ROOT,
            env=environment(),
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            text=True,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"error: the server exited: {self.errors()}")
            try:
                if httpx2.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx2.TransportError:
                time.sleep(0.2)
        self.process.kill()
        raise SystemExit("error: the server did not answer /health within 180 s")

    def errors(self) -> str:
        """The lines of the server's log that are not INFO (warnings, errors, tracebacks), for a failed run."""
        self.log.seek(0)
        return "".join(line for line in self.log if " INFO " not in line and not line.startswith("INFO:"))[-4000:]

    def stop(self) -> tuple[int, str]:
        """Stop the server with SIGTERM; its exit status and :meth:`errors`."""
        self.process.terminate()
        self.process.wait(timeout=120)
        errors = self.errors()
        self.log.close()
        return self.process.returncode, errors


async def load(url: str, sentences: list[list[str]], concurrency: int, max_seconds: float) -> dict[str, Any]:
    """``concurrency`` connections sending one-sentence requests back to back (each sentence at most once) until
    all are sent or ``max_seconds`` have passed: counts, sentences/s and latency percentiles (ms)."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    transport_errors = wrong = sent = 0
    kinds: dict[str, int] = {}
    deadline = time.perf_counter() + max_seconds
    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def worker(client: httpx2.AsyncClient) -> None:
        nonlocal sent, transport_errors, wrong
        while sent < len(sentences) and time.perf_counter() < deadline:
            tokens = sentences[sent]
            sent += 1
            start = time.perf_counter()
            try:
                answer = await client.post(f"{url}/predict", json={"tokens": [tokens]})
            except httpx2.TransportError as error:
                transport_errors += 1
                kinds[type(error).__name__] = kinds.get(type(error).__name__, 0) + 1
                continue
            latencies.append(time.perf_counter() - start)
            statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
            if answer.status_code == 200 and answer.json()["results"][0]["tokens"] != tokens:
                wrong += 1

    start = time.perf_counter()
    async with httpx2.AsyncClient(limits=limits, timeout=120) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    seconds = time.perf_counter() - start
    answered = statuses.get(200, 0)
    milliseconds = np.array(latencies) * 1000 if latencies else np.zeros(1)
    return {
        "concurrency": concurrency,
        "sent": sent,
        "answered": answered,
        "failed": sum(count for status, count in statuses.items() if status != 200) + transport_errors,
        "wrong": wrong,
        "errors": {**{str(status): count for status, count in statuses.items() if status != 200}, **kinds},
        "seconds": seconds,
        "sentences_per_s": answered / seconds,
        "p50_ms": float(np.percentile(milliseconds, 50)),
        "p95_ms": float(np.percentile(milliseconds, 95)),
        "p99_ms": float(np.percentile(milliseconds, 99)),
    }


def server_rows(args: argparse.Namespace, runtime: str, sentences: list[list[str]], *options: str) -> list[dict]:
    """One row per concurrency level against a fresh server (after a warm-up of 64 requests)."""
    server = Server(args.model, runtime, *options)
    try:
        asyncio.run(load(server.url, sentences[:64], 8, 60))
        levels = args.concurrency if not options else [max(args.concurrency)]
        return [asyncio.run(load(server.url, sentences, level, args.max_seconds)) for level in levels]
    finally:
        status, errors = server.stop()
        if status not in (0, -15) or errors:
            print(f"server ({runtime} {' '.join(options)}) exited with status {status}; its log:\n{errors}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO_ROOT.parent / "shared" / "data" / "wikineural")
    parser.add_argument("--model", default="B", help="a system of params.yaml or a model folder (default: B)")
    parser.add_argument("--runtimes", nargs="+", choices=RUNTIMES, default=["torch", "onnx-int8"])
    parser.add_argument("--requests", type=int, default=3000, help="requests (one sentence each) per level")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--max-seconds", type=float, default=120.0, help="bound on each level's wall time")
    parser.add_argument("--json-out", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args(argv)
    sentences = read_sentences(args.data, args.requests)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        for runtime in args.runtimes:
            whole = cli_seconds(args.model, runtime, sentences, Path(folder))
            one = cli_seconds(args.model, runtime, sentences[:1], Path(folder))
            cli = {"runtime": runtime, "kind": "cli", "seconds": whole, "startup_seconds": one}
            cli["sentences_per_s"] = (len(sentences) - 1) / max(whole - one, 1e-9)
            rows.append(cli)
            rows += [{"runtime": runtime, "kind": "server", **row} for row in server_rows(args, runtime, sentences)]
            off = server_rows(args, runtime, sentences, "--max-batch", "1")
            rows += [{"runtime": runtime, "kind": "server, max-batch 1", **row} for row in off]
    print(f"{len(sentences)} WikiNEuRal English test sentences; model {args.model}; CPU threads {os.cpu_count()}")
    print(
        f"{'runtime':<10} {'kind':<20} {'conc':>4} {'sent/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'answered':>8} {'failed':>6} {'wrong':>5}"
    )
    for row in rows:
        if row["kind"] == "cli":
            print(
                f"{row['runtime']:<10} {'cli (batch)':<20} {'':>4} {row['sentences_per_s']:>7.1f}   "
                f"(wall {row['seconds']:.1f} s, start-up {row['startup_seconds']:.1f} s)"
            )
            continue
        print(
            f"{row['runtime']:<10} {row['kind']:<20} {row['concurrency']:>4} {row['sentences_per_s']:>7.1f} "
            f"{row['p50_ms']:>7.1f} {row['p95_ms']:>7.1f} {row['p99_ms']:>7.1f} {row['answered']:>8} "
            f"{row['failed']:>6} {row['wrong']:>5}"
        )
        if row["errors"]:
            print(f"{'':<10} failures by kind: {row['errors']}")
    failures = []
    for runtime in args.runtimes:
        cli = next(row for row in rows if row["runtime"] == runtime and row["kind"] == "cli")
        served = [row for row in rows if row["runtime"] == runtime and row["kind"] == "server"]
        top = max(served, key=lambda row: row["concurrency"])
        off = next(row for row in rows if row["runtime"] == runtime and row["kind"] == "server, max-batch 1")
        share, gain = top["sentences_per_s"] / cli["sentences_per_s"], top["sentences_per_s"] / off["sentences_per_s"]
        bad = sum(row["failed"] + row["wrong"] + row["sent"] - row["answered"] for row in [*served, off])
        print(
            f"{runtime}: server at concurrency {top['concurrency']} = {share:.0%} of the CLI's batch throughput "
            f"(target 80 %); batching {gain:.1f}x batch size 1 (target 3x); failed, wrong or unanswered {bad} "
            "(target 0)"
        )
        failures += [runtime for ok in (share >= 0.8, gain >= 3, bad == 0) if not ok]
    if args.json_out:
        args.json_out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
