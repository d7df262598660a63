"""The runner's CPU a request in its HTTP stack alone: ``.venv/bin/python bench/lanes_cpu.py``.

A loopback server in a process of its own answers every request at once; the client, in another,
sends the same FHIR-sized POST many times over 16 lanes and reports its CPU a request
(``time.process_time``), for the systems' client over the lanes (what the adapters use) and for
httpx's own client and pool (what they would use without them). Each is run in a fresh process,
alternately, a few times: this machine's speed changes from second to second, so compare the
medians of one run of this script, not figures of different runs.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANSWER = b"HTTP/1.1 201 Created\r\nContent-Type: application/fhir+json\r\nContent-Length: 300\r\n\r\n" + b"x" * 300


def serve(port: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                await reader.readexactly(length)
                writer.write(ANSWER)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port.put(server.sockets[0].getsockname()[1])
        await asyncio.Event().wait()

    asyncio.run(main())


def client(port: int, stack: str, requests: int) -> float:
    """The client's CPU microseconds a request (after 50 to warm up)."""
    import httpx

    from marac_core.plugins.lanes import LaneTransport
    from marac_core.plugins.systems import Client

    body = {"resourceType": "Flag", "status": "active", "code": {"text": "MARAC " * 120}}

    async def main() -> float:
        made = (Client(transport=LaneTransport(16)) if stack == "lanes"
                else httpx.AsyncClient(limits=httpx.Limits(max_connections=16)))
        async with made as http:
            lanes = asyncio.Semaphore(16)

            async def one() -> None:
                async with lanes:
                    answer = await http.post(f"http://127.0.0.1:{port}/fhir/Flag", json=body)
                    assert answer.status_code == 201

            await asyncio.gather(*(one() for _ in range(50)))
            started = time.process_time()
            await asyncio.gather(*(one() for _ in range(requests)))
            return (time.process_time() - started) / requests * 1e6

    return asyncio.run(main())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--client", nargs=3, metavar=("PORT", "STACK", "REQUESTS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        print(f"{client(int(args.client[0]), args.client[1], int(args.client[2])):.0f}")
        return 0
    ports: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    server = multiprocessing.Process(target=serve, args=(ports,), daemon=True)
    server.start()
    port = ports.get()
    figures: dict[str, list[float]] = {"lanes": [], "httpx": []}
    for _ in range(args.rounds):
        for stack, runs in figures.items():
            done = subprocess.run([sys.executable, __file__, "--client", str(port), stack, str(args.requests)],
                                  capture_output=True, text=True, cwd=ROOT, check=True)
            runs.append(float(done.stdout))
    for stack, runs in figures.items():
        name = "the systems' client over the lanes" if stack == "lanes" else "httpx's own client and pool"
        print(f"{name}: median {statistics.median(runs):.0f} µs of CPU a request"
              f" ({', '.join(f'{r:.0f}' for r in runs)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
