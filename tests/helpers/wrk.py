"""wrk, the HTTP load generator, run in the background against one URL of a running API.

The Python clients of `load` wait for each answer before they send again, as real clients
do, and 200 of them in one process cannot keep a server saturated. wrk can: the moment an
answer leaves, the next request is ready on that connection, so every turn of the server's
event loop finds a request on each of its connections.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

# After its duration, how long wrk may take to print its summary and exit.
EXIT_GRACE_SECONDS = 15
REQUESTS = re.compile(r"(\d+) requests in ([\d.]+)(ms|s|m)\b")
NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")
SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
P99 = re.compile(r"^\s*99%\s+([\d.]+)(us|ms|s)\b", re.MULTILINE)
UNIT_SECONDS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


@dataclass
class WrkRun:
    """A wrk process, and once it has ended, what it printed."""

    process: subprocess.Popen[str]
    output: str = ""

    def running(self) -> bool:
        return self.process.poll() is None

    @property
    def requests(self) -> int:
        found = REQUESTS.search(self.output)
        return int(found[1]) if found else 0

    @property
    def non_2xx(self) -> int:
        """Answers with a status other than 2xx or 3xx: wrk does not tell which."""
        found = NON_2XX.search(self.output)
        return int(found[1]) if found else 0

    @property
    def socket_errors(self) -> int:
        """Connections that failed, broke or timed out instead of answering."""
        found = SOCKET_ERRORS.search(self.output)
        return sum(int(count) for count in found.groups()) if found else 0

    def summary(self) -> str:
        found = REQUESTS.search(self.output)
        took = float(found[2]) * UNIT_SECONDS[found[3]] if found else float("nan")
        p99 = P99.search(self.output)
        shown = f"{float(p99[1]) * UNIT_SECONDS[p99[2]] * 1000:.0f}ms" if p99 else "unknown"
        return (
            f"{self.requests} requests in {took:.1f}s ({self.requests / took:.0f} req/s); "
            f"latency p99 {shown}; {self.non_2xx} not 2xx, {self.socket_errors} socket errors"
        )


def wrk_executable() -> str:
    found = shutil.which("wrk")
    if found is None:
        pytest.fail("wrk not found: `apt-get install wrk` (.ci/run installs it)", pytrace=False)
    return found


@contextmanager
def wrk_load(url: str, *, connections: int, seconds: int, timeout: float) -> Iterator[WrkRun]:
    """Keep `connections` connections busy with GET `url` for `seconds`, in the background.

    On leaving, waits for wrk to finish and keeps its output (parsed by WrkRun).
    """
    command = [
        wrk_executable(),
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        f"--timeout={timeout:g}s",
        "--latency",
        url,
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    run = WrkRun(process)
    try:
        yield run
    finally:
        try:
            run.output, _ = process.communicate(timeout=seconds + EXIT_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            run.output, _ = process.communicate()
