"""A generated project's API server, started for real on a loopback port, and its clients."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from helpers.servers import LOOPBACK, free_port

SERVER_START_TIMEOUT_SECONDS = 60
SERVER_STOP_TIMEOUT_SECONDS = 10


@contextmanager
def running_server(command: str, cwd: Path, env: Mapping[str, str], log: Path) -> Iterator[str]:
    """Start the server command on a free port; yield its base URL once /health answers 200.

    The server runs in a process group of its own, which is always killed at the end.
    """
    port = free_port()
    with log.open("wb") as output:
        server = subprocess.Popen(
            ["bash", "-c", f"exec {command} --port {port}"],
            cwd=cwd,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base_url = f"http://{LOOPBACK}:{port}"
    try:
        wait_until_healthy(base_url, server, log)
        yield base_url
    finally:
        stop_process_group(server)


def wait_until_healthy(
    base_url: str, server: subprocess.Popen[bytes] | None = None, log: Path | None = None
) -> None:
    """Wait until GET /health answers 200; fail at once if the ``server`` process exits.

    Without a process (a container's server), only the answer is waited for.
    """
    shown_log = f":\n{log.read_text()}" if log else ""
    deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            pytest.fail(f"the server exited with {server.returncode}{shown_log}")
        try:
            if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass  # not listening yet
        time.sleep(0.5)
    pytest.fail(f"GET /health did not answer 200 within {SERVER_START_TIMEOUT_SECONDS}s{shown_log}")


def stop_process_group(process: subprocess.Popen[bytes]) -> None:
    for stop_signal in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, stop_signal)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=SERVER_STOP_TIMEOUT_SECONDS)
            return
        except subprocess.TimeoutExpired:
            continue


# The account the tests register on a jwt variant, and its OAuth2 password form.
ACCOUNT = {"email": "new.user@example.com", "password": "correct horse battery staple"}
LOG_IN_FORM = {"username": ACCOUNT["email"], "password": ACCOUNT["password"]}


def register_account(client: httpx.Client) -> None:
    registered = client.post("/api/v1/auth/register", json=ACCOUNT)
    assert registered.status_code == 201, registered.text


def sign_in(client: httpx.Client, auth: str, project: Path) -> dict[str, str]:
    """The headers that authenticate a client, the way the chosen `auth` option wants."""
    if auth == "jwt":
        register_account(client)
        token = client.post("/api/v1/auth/token", data=LOG_IN_FORM)
        assert token.status_code == 200, token.text
        return {"Authorization": f"Bearer {token.json()['access_token']}"}
    if auth == "api_key":
        return {"X-API-Key": local_setting(project, "API_KEYS").split(",")[0]}
    return {}


def local_setting(project: Path, name: str) -> str:
    """A variable's value in the project's generated .env."""
    for line in (project / ".env").read_text().splitlines():
        key, separator, value = line.partition("=")
        if separator and key.strip() == name:
            return value.strip()
    pytest.fail(f"{name} is not set in the generated .env")


def exercise_task_api(client: httpx.Client) -> None:
    """Create, read, update, replace, list and delete one task, as a client would."""
    created = client.post("/api/v1/tasks", json={"title": "Write docs"})
    assert created.status_code == 201, created.text
    task = created.json()
    task_url = f"/api/v1/tasks/{task['id']}"
    assert "location" in created.headers

    fetched = client.get(created.headers["location"])
    assert fetched.status_code == 200, fetched.text
    assert fetched.json() == task

    completed = client.patch(task_url, json={"status": "completed"})
    assert completed.status_code == 200, completed.text
    assert completed.json()["status"] == "completed"

    replaced = client.put(task_url, json={"title": "Rewritten", "priority": 3})
    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["title"], replaced.json()["priority"]) == ("Rewritten", 3)

    listed = client.get("/api/v1/tasks")
    assert listed.status_code == 200, listed.text
    assert listed.json()["total"] == 1
    assert [item["id"] for item in listed.json()["items"]] == [task["id"]]

    deleted = client.delete(task_url)
    assert deleted.status_code == 204, deleted.text

    gone = client.get(task_url)
    assert gone.status_code == 404
    assert gone.json() == {"detail": f"Task {task['id']} not found"}
