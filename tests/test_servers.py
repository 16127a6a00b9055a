"""The throwaway servers that the generated projects' tests are pointed at."""

from __future__ import annotations

import os
import subprocess

import pytest
from conftest import started
from helpers.servers import LOOPBACK, PostgresServer, RedisServer, redis_command


def test_postgres_server_gives_each_caller_a_fresh_database(postgres_server: PostgresServer):
    first = postgres_server.create_database("variant one")
    second = postgres_server.create_database("variant one")

    assert first != second
    assert first.startswith(f"postgresql://postgres@{LOOPBACK}:{postgres_server.port}/")
    database = second.rsplit("/", 1)[1]
    psql = [
        str(postgres_server.bin_dir / "psql"),
        f"postgresql://postgres@{LOOPBACK}:{postgres_server.port}/{database}",
        "--tuples-only",
        "--command=SELECT current_database()",
    ]
    answer = subprocess.run(psql, capture_output=True, text=True, check=True).stdout
    assert answer.strip() == database


def select_one(server: PostgresServer, url: str) -> subprocess.CompletedProcess[str]:
    """`SELECT 1` with psql, giving up on connecting after a second."""
    psql = [str(server.bin_dir / "psql"), url, "--tuples-only", "--command=SELECT 1"]
    env = {**os.environ, "PGCONNECT_TIMEOUT": "1"}
    return subprocess.run(psql, capture_output=True, text=True, env=env, timeout=30, check=False)


def test_postgres_server_freezes_and_thaws():
    """A hang: the server listens but answers nothing until thawed."""
    server = started(PostgresServer.start, "PostgreSQL")
    try:
        url = server.create_database("frozen")
        server.freeze()
        frozen = select_one(server, url)
        server.thaw()
        thawed = select_one(server, url)
    finally:
        server.stop()

    assert frozen.returncode != 0
    assert "timeout expired" in frozen.stderr
    assert thawed.returncode == 0, thawed.stderr
    assert thawed.stdout.strip() == "1"


def test_postgres_server_makes_owners_with_a_connection_limit(postgres_server: PostgresServer):
    """The role owns its database (it can migrate it), and PostgreSQL holds it to its limit."""
    allowed = postgres_server.create_database("limited")
    allowed_url = postgres_server.owner_with_connection_limit(allowed, 1)
    refused = postgres_server.create_database("refused")
    refused_url = postgres_server.owner_with_connection_limit(refused, 0)

    owner_query = "SELECT pg_get_userbyid(datdba) = current_user FROM pg_database"
    psql = [str(postgres_server.bin_dir / "psql"), allowed_url, "--tuples-only", "--no-align"]
    command = f"--command={owner_query} WHERE datname = current_database()"
    owns = subprocess.run([*psql, command], capture_output=True, text=True, check=False)
    refusal = select_one(postgres_server, refused_url)

    assert owns.returncode == 0, owns.stderr
    assert owns.stdout.strip() == "t"
    assert refusal.returncode != 0
    assert "too many connections for role" in refusal.stderr


def test_redis_server_answers_and_keeps_nothing_on_disk(redis_server: RedisServer):
    assert redis_command(redis_server.port, "PING") == b"+PONG\r\n"
    assert redis_command(redis_server.port, "CONFIG", "GET", "save").endswith(b"$0\r\n\r\n")
    assert redis_command(redis_server.port, "CONFIG", "GET", "appendonly").endswith(b"no\r\n")
    assert redis_server.url().startswith(f"redis://{LOOPBACK}:{redis_server.port}/")


def test_redis_server_halts_and_resumes_on_its_port_empty():
    """An outage: nothing listens while halted, and the server comes back without its data."""
    server = started(RedisServer.start, "Redis")
    try:
        assert redis_command(server.port, "SET", "counted", "1") == b"+OK\r\n"
        server.halt()
        with pytest.raises(ConnectionRefusedError):
            redis_command(server.port, "PING")
        server.resume()
        assert redis_command(server.port, "PING") == b"+PONG\r\n"
        assert redis_command(server.port, "EXISTS", "counted") == b":0\r\n"
    finally:
        server.stop()


def test_redis_server_freezes_and_thaws_with_its_data():
    """A hang: the server takes connections but answers nothing until thawed."""
    server = started(RedisServer.start, "Redis")
    try:
        assert redis_command(server.port, "SET", "counted", "1") == b"+OK\r\n"
        server.freeze()
        with pytest.raises(TimeoutError):
            redis_command(server.port, "PING", timeout=0.5)
        server.thaw()
        assert redis_command(server.port, "GET", "counted") == b"$1\r\n1\r\n"
    finally:
        server.stop()
