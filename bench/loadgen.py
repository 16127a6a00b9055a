"""Load from wrk, pinned to core 1, and its results as numbers.

wrk runs bench/wrk/bench.lua, whose done() prints one JSON line: no text to scrape.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from project import BenchError, run_command

WRK_SCRIPT = Path(__file__).resolve().parent / "wrk" / "bench.lua"
WRK_CORE = "1"
CONNECTIONS = 50
# A response slower than this counts as a timeout error instead of a latency sample.
WRK_TIMEOUT_SECONDS = 10
# wrk stops by itself after the duration; this bounds a wrk that hangs on a dead server.
WRK_GRACE_SECONDS = 30
APT_TIMEOUT_SECONDS = 600
RESULT_PREFIX = "BENCH_RESULT "
ENDPOINT_PATHS = {
    "list": "/api/v1/tasks?limit=20",
    # The first seeded id; bench.lua cycles over all of BENCH_TASK_IDS.
    "get": "/api/v1/tasks/1",
    "create": "/api/v1/tasks",
}
CREATE_BODY = json.dumps(
    {
        "title": "Created by wrk",
        "description": "A task created during the benchmark.",
        "status": "in_progress",
        "priority": 3,
        "due_date": "2030-01-31T17:00:00Z",
    }
)


@dataclass(frozen=True)
class Measurement:
    """One wrk run against one app and endpoint."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    # Responses with a status of 400 or more, and connect/read/write errors and timeouts.
    failures: int


def wrk_executable() -> str:
    """wrk from PATH, installed with apt-get when it is missing and we may."""
    found = shutil.which("wrk")
    if found:
        return found
    apt_get = shutil.which("apt-get")
    if apt_get is None or os.geteuid() != 0:
        raise BenchError("wrk not found: apt-get install wrk")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run_command([apt_get, "install", "-y", "wrk"], Path.cwd(), env, timeout=APT_TIMEOUT_SECONDS)
    found = shutil.which("wrk")
    if not found:
        raise BenchError("apt-get install wrk did not put wrk on PATH")
    return found


def wrk_command(
    taskset: str,
    base_url: str,
    endpoint: str,
    seconds: int,
    headers: Mapping[str, str],
    connections: int,
) -> list[str]:
    header_options = [
        part for name, value in headers.items() for part in ("-H", f"{name}: {value}")
    ]
    return [
        taskset, "-c", WRK_CORE, wrk_executable(),
        "-t1", f"-c{connections}", f"-d{seconds}s", f"--timeout={WRK_TIMEOUT_SECONDS}s",
        "-s", str(WRK_SCRIPT), *header_options, base_url + ENDPOINT_PATHS[endpoint],
    ]  # fmt: skip


def run_wrk(
    taskset: str,
    base_url: str,
    endpoint: str,
    seconds: int,
    headers: Mapping[str, str],
    *,
    task_ids: Sequence[int],
    connections: int = CONNECTIONS,
) -> Measurement:
    """Load one endpoint of one app for `seconds` from one wrk thread (one core is all
    wrk has, and it needs less of it than the app)."""
    env = {
        **os.environ,
        "BENCH_ENDPOINT": endpoint,
        "BENCH_TASK_IDS": ",".join(str(task_id) for task_id in task_ids),
        "BENCH_BODY": CREATE_BODY,
    }
    command = wrk_command(taskset, base_url, endpoint, seconds, headers, connections)
    output = run_command(command, Path.cwd(), env, timeout=seconds + WRK_GRACE_SECONDS)
    return parse_result(output)


def parse_result(output: str) -> Measurement:
    for line in output.splitlines():
        if line.startswith(RESULT_PREFIX):
            result = json.loads(line.removeprefix(RESULT_PREFIX))
            seconds = result["duration_us"] / 1e6
            return Measurement(
                requests_per_second=result["requests"] / seconds if seconds else 0.0,
                p50_ms=result["p50_us"] / 1000,
                p99_ms=result["p99_us"] / 1000,
                failures=result["http_errors"] + result["socket_errors"],
            )
    raise BenchError(f"wrk printed no {RESULT_PREFIX.strip()} line:\n{output}")
