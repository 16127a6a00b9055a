"""The Redis server of a test run: ``TEST_REDIS_URL``, or a private ``redis-server``.

A server this module starts listens on a free loopback port, keeps nothing on disk, and
is stopped at the end of the run. When none can be had, the tests fail and say why.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from functools import cache

import pytest
import redis


def free_port() -> int:
    """A loopback TCP port that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def start_redis_server(port: int) -> subprocess.Popen[bytes]:
    """A redis-server on ``port`` that keeps nothing on disk; fails the test if it won't start."""
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.fail("redis-server is not on PATH: install Redis, or point TEST_REDIS_URL at one")
    arguments = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen([executable, *arguments], stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        deadline = time.monotonic() + 10
        with redis.Redis(port=port, socket_connect_timeout=1) as client:
            while True:
                try:
                    client.ping()
                    return server
                except redis.ConnectionError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        stop_process(server)
                        log.seek(0)
                        output = log.read().decode(errors="replace")
                        pytest.fail(f"redis-server did not start on port {port}:\n{output}")
                    time.sleep(0.05)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# The redis-server this run started, if TEST_REDIS_URL did not name one.
_started_redis_servers: list[subprocess.Popen[bytes]] = []


@cache
def redis_url_for_tests() -> str:
    """The Redis of this run: ``TEST_REDIS_URL``, or a redis-server started on first use."""
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        try:
            with redis.Redis.from_url(url, socket_connect_timeout=2) as client:
                client.ping()
        except redis.RedisError as error:
            pytest.fail(f"TEST_REDIS_URL={url} does not answer: {error}")
        return url
    port = free_port()
    _started_redis_servers.append(start_redis_server(port))
    return f"redis://127.0.0.1:{port}/0"


def stop_started_redis_servers() -> None:
    while _started_redis_servers:
        stop_process(_started_redis_servers.pop())
