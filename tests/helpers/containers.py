"""A generated project's container image, built and run with podman or docker."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from helpers.commands import run
from helpers.servers import ServerError

# podman first: on the CI machine `docker` is a client of podman's API. CONTAINER_ENGINE
# chooses one (GitHub's runners have both, and a real Docker daemon).
ENGINES = ("podman", "docker")
# Seconds for a container's HEALTHCHECK to report healthy, first start included.
HEALTHY_TIMEOUT_SECONDS = 120
# The tests run the image's own check more often than its 30 s, to wait less.
TEST_HEALTH_INTERVAL = "2s"
MEGABYTE = 1_000_000


@functools.cache
def container_engine() -> str:
    """The podman or docker that answers, or fail saying what to install."""
    for name in [os.environ["CONTAINER_ENGINE"]] if "CONTAINER_ENGINE" in os.environ else ENGINES:
        found = shutil.which(name)
        if found and answers(found):
            return found
    pytest.fail(
        "no container engine: podman or docker is needed, with the base images the "
        "Dockerfile names (python:3.x-slim, ghcr.io/astral-sh/uv). Without registry access, "
        "../shared/containers/build-base-images.sh provides both (.ci/run calls it).",
        pytrace=False,
    )


def answers(engine: str) -> bool:
    try:
        result = subprocess.run(
            [engine, "info"], capture_output=True, timeout=60, check=False, text=True
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def engine(*arguments: str, cwd: Path | None = None) -> str:
    """Run the container engine; on failure, fail the test with its output."""
    return run([container_engine(), *arguments], cwd=cwd or Path.cwd())


def build_image(project: Path, tag: str) -> str:
    """Build the project's Dockerfile as it is; return the build's output.

    Without the layer cache, so that every step runs and shows its warnings (uv's
    download cache, a cache mount of the Dockerfile, still saves the downloads).
    """
    return engine("build", "--no-cache", "--tag", tag, ".", cwd=project)


def warnings_in(build_output: str) -> list[str]:
    return [line for line in build_output.splitlines() if "warn" in line.lower()]


def image_bytes(image: str) -> int:
    return int(engine("image", "inspect", "--format", "{{.Size}}", image).strip())


def added_megabytes(image: str, base: str) -> float:
    """What the image adds to its base image, in MB (10^6 bytes)."""
    return (image_bytes(image) - image_bytes(base)) / MEGABYTE


def dockerfile_cmd(project: Path) -> list[str]:
    """The arguments of the generated Dockerfile's CMD, in its exec (JSON) form."""
    for line in (project / "Dockerfile").read_text().splitlines():
        if line.startswith("CMD ["):
            arguments: list[str] = json.loads(line.removeprefix("CMD "))
            return arguments
    raise ServerError("the generated Dockerfile has no CMD [...] line")


# Where the image's server listens: every interface, port 8000.
IMAGE_ADDRESS = "--host 0.0.0.0 --port 8000"


def listening_on(command: str, address: str) -> str:
    """The image's command (its CMD, or the server part of it) listening on `address`."""
    if IMAGE_ADDRESS not in command:
        raise ServerError(f"the image's server does not listen with `{IMAGE_ADDRESS}`: {command}")
    return command.replace(IMAGE_ADDRESS, address)


def image_server_command(project: Path) -> str:
    """The server the image starts once it has migrated: its CMD's command after `exec`."""
    arguments = dockerfile_cmd(project)
    if arguments[:2] != ["sh", "-c"] or " exec " not in arguments[2]:
        raise ServerError(f"the Dockerfile's CMD is not `sh -c '... exec <server>'`: {arguments}")
    return arguments[2].rpartition(" exec ")[2]


def runtime_base_image(project: Path) -> str:
    """The image the last stage of the Dockerfile starts from."""
    stages = [
        line.split()[1]
        for line in (project / "Dockerfile").read_text().splitlines()
        if line.upper().startswith("FROM ")
    ]
    return stages[-1]


@contextmanager
def running_container(
    image: str,
    name: str,
    *,
    env: Mapping[str, str],
    options: Sequence[str] = (),
) -> Iterator[str]:
    """Run the image detached; yield its name once its HEALTHCHECK says healthy.

    The container is removed at the end, also when the test fails.
    """
    variables = [argument for key, value in env.items() for argument in ("--env", f"{key}={value}")]
    engine(
        "run",
        "--detach",
        "--name",
        name,
        "--health-interval",
        TEST_HEALTH_INTERVAL,
        *variables,
        *options,
        image,
    )
    try:
        wait_for_healthcheck(name)
        yield name
    finally:
        subprocess.run(
            [container_engine(), "rm", "--force", name], capture_output=True, check=False
        )


def health_status(name: str) -> str:
    state = json.loads(engine("inspect", "--format", "{{json .State}}", name))
    health = state.get("Health") or state.get("Healthcheck") or {}
    if not state.get("Running", False):
        return "exited"
    return str(health.get("Status", "none"))


def wait_for_healthcheck(name: str) -> None:
    deadline = time.monotonic() + HEALTHY_TIMEOUT_SECONDS
    status = "unknown"
    while time.monotonic() < deadline:
        status = health_status(name)
        if status == "healthy":
            return
        if status in {"unhealthy", "exited"}:
            break
        time.sleep(1)
    logs = subprocess.run(
        [container_engine(), "logs", name], capture_output=True, text=True, check=False
    )
    pytest.fail(
        f"container {name} is {status}, not healthy, after its start:\n{logs.stdout}{logs.stderr}",
        pytrace=False,
    )


def container_user(name: str) -> tuple[str, str]:
    """The user the image declares, and the uid its main process really runs as."""
    declared = engine("inspect", "--format", "{{.Config.User}}", name).strip()
    uid = engine("exec", name, "id", "-u").strip()
    return declared, uid


def worker_processes(name: str) -> int:
    """How many uvicorn worker processes run in the container (its supervisor aside).

    uvicorn starts its workers with multiprocessing's spawn, which marks their command
    line; the marker is split in the script below, so that its own line does not match.
    """
    count = engine(
        "exec",
        name,
        "python",
        "-c",
        "import pathlib; print(sum(b'--multiprocessing' b'-fork' in path.read_bytes() "
        "for path in pathlib.Path('/proc').glob('[0-9]*/cmdline')))",
    )
    return int(count.strip())
