"""A closed-loop HTTP load generator light enough not to be the bottleneck it measures.

Each viewer holds one keep-alive connection and sends its pre-built requests one after
another, each as soon as the previous answer is in. All viewers run on one asyncio loop in the bench process: a few
tens of microseconds of Python a request, where `requests` on 50 threads spends about a
millisecond each and, waiting for the GIL, adds its own queueing to what it measures."""
from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from urllib.parse import urlparse


@dataclass
class Outcome:
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def post_request(url: str, body: dict, headers: dict[str, str] | None = None) -> bytes:
    """The bytes of one keep-alive `POST url` with a JSON body."""
    parts = urlparse(url)
    payload = json.dumps(body).encode()
    lines = [f"POST {parts.path or '/'}{'?' + parts.query if parts.query else ''} HTTP/1.1", f"Host: {parts.netloc}",
             "Content-Type: application/json", f"Content-Length: {len(payload)}", "Connection: keep-alive",
             *(f"{k}: {v}" for k, v in (headers or {}).items())]  # fmt: skip
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


async def _answer(reader: asyncio.StreamReader) -> int:
    """Read one whole response; return its status."""
    status = int((await reader.readline()).split()[1])
    length = None
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    if length is None:
        raise RuntimeError("response without Content-Length")
    await reader.readexactly(length)
    return status


async def _viewer(host: str, port: int, script: list[bytes], outcome: Outcome) -> None:
    """Every request of the script is sent and counted: a failed one is an error (its time is
    not a latency, so fast failures cannot flatter the figures) and the next goes on a new
    connection."""
    connection = None
    try:
        for request in script:
            started = time.perf_counter()
            try:
                if connection is None:
                    connection = await asyncio.open_connection(host, port)
                reader, writer = connection
                writer.write(request)
                status = await _answer(reader)
            except (OSError, RuntimeError, ValueError, IndexError, asyncio.IncompleteReadError) as exc:
                outcome.errors.append(repr(exc))
                if connection is not None:
                    connection[1].close()
                connection = None
                continue
            if status == 200:
                outcome.latencies_ms.append((time.perf_counter() - started) * 1000)
            else:
                outcome.errors.append(f"HTTP {status}")
    finally:
        if connection is not None:
            connection[1].close()


def closed_loop(url: str, scripts: list[list[bytes]]) -> Outcome:
    """One viewer per script, all at once, each sending its script's requests in order."""
    parts = urlparse(url)
    outcome = Outcome()

    async def main() -> None:
        await asyncio.gather(*(_viewer(parts.hostname, parts.port, script, outcome) for script in scripts))

    asyncio.run(main())
    return outcome
