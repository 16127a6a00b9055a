"""The generated Dockerfile and compose file, built and run the way teams deploy them.

Two images are built from the rendered, unmodified Dockerfiles: the default variant and
postgresql + jwt + redis. Each is run until its own HEALTHCHECK reports healthy, then
used over HTTP. The full variant is also started with `docker compose up`; the default one
is stopped under load, the way `docker stop` does it, and started again on its volume.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from helpers.api import exercise_task_api, local_setting, sign_in, wait_until_healthy
from helpers.commands import run
from helpers.containers import (
    added_megabytes,
    build_image,
    container_engine,
    container_user,
    engine,
    running_container,
    runtime_base_image,
    warnings_in,
    worker_processes,
)
from helpers.load import (
    LoadPlan,
    LoadRun,
    acknowledged_tasks,
    examples,
    lost_tasks,
    run_load,
    show,
    summary,
    transport_errors,
)
from helpers.replicas import GRACEFUL_SHUTDOWN_SECONDS, SHUTDOWN_COMPLETE
from helpers.servers import LOOPBACK, PostgresServer, RedisServer, free_port
from helpers.template import Answers, default_answers, render, variant_id

pytestmark = pytest.mark.container

FULL_VARIANT: Answers = {
    **default_answers(),
    "database": "postgresql",
    "auth": "jwt",
    "rate_limiting": "redis",
}
IMAGE_VARIANTS = [default_answers(), FULL_VARIANT]
# What the default image may add to its python:3.x-slim base, in MB.
DEFAULT_IMAGE_BUDGET_MB = 70
# The port the image's command serves on.
CONTAINER_PORT = 8000
# The uid:gid the Dockerfile declares, and the uid its server process must really run as.
APP_USER = ("10001:10001", "10001")
# Where the default image keeps its SQLite database: the volume of its compose file.
DATA_DIRECTORY = "/app/data"
# Clients creating, listing and reading tasks until the container has stopped.
STOP_LOAD = LoadPlan(clients=20, seconds=30, request_timeout=10)
SECONDS_BEFORE_STOP = 3
# `docker stop`'s default: SIGTERM, then SIGKILL after this long.
STOP_TIMEOUT_SECONDS = 10
# Time to exit after the Dockerfile's --timeout-graceful-shutdown.
EXIT_SECONDS = 1


@dataclass(frozen=True)
class BuiltImage:
    answers: Answers
    project: Path
    tag: str
    build_output: str

    @property
    def secret_settings(self) -> dict[str, str]:
        """The generated secrets: the image runs in production, which requires them."""
        return {"SECRET_KEY": local_setting(self.project, "SECRET_KEY")}


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, BuiltImage]]:
    """Each variant rendered and built once for this module; the images are removed after."""
    built: dict[str, BuiltImage] = {}
    for answers in IMAGE_VARIANTS:
        name = variant_id(answers)
        project = render(tmp_path_factory.mktemp("image"), **answers)
        tag = f"localhost/template-test-{uuid.uuid4().hex[:12]}:latest"
        built[name] = BuiltImage(answers, project, tag, build_image(project, tag))
    yield built
    for image in built.values():
        run([container_engine(), "image", "rm", "--force", image.tag], cwd=image.project)


def container_name() -> str:
    return f"template-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=IMAGE_VARIANTS, ids=variant_id)
def image(request: pytest.FixtureRequest, images: dict[str, BuiltImage]) -> BuiltImage:
    return images[variant_id(request.param)]


def published_on_loopback() -> tuple[list[str], str]:
    """The run options that publish the container's port on a free loopback port, and its URL."""
    port = free_port()
    return ["--publish", f"{LOOPBACK}:{port}:{CONTAINER_PORT}"], f"http://{LOOPBACK}:{port}"


def compose_command(project: Path) -> list[str]:
    docker = shutil.which("docker")
    if not docker:
        pytest.fail("`docker compose` is needed (the docker CLI with its compose plugin)")
    return [docker, "compose", "--project-name", f"template-test-{project.parent.name}"]


def use_the_api(base_url: str, image: BuiltImage) -> None:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        client.headers.update(sign_in(client, image.answers["auth"], image.project))
        exercise_task_api(client)


def test_the_build_prints_no_warnings(image: BuiltImage):
    assert warnings_in(image.build_output) == []


def test_the_default_image_adds_at_most_its_budget(images: dict[str, BuiltImage]):
    added = {
        name: round(added_megabytes(image.tag, runtime_base_image(image.project)), 1)
        for name, image in images.items()
    }
    print(f"\nMB added to the base image, per variant: {added}")

    assert added[variant_id(default_answers())] <= DEFAULT_IMAGE_BUDGET_MB, added


def test_the_default_image_serves_the_api_as_an_unprivileged_user(images: dict[str, BuiltImage]):
    image = images[variant_id(default_answers())]
    options, base_url = published_on_loopback()
    with running_container(
        image.tag, container_name(), env=image.secret_settings, options=options
    ) as name:
        assert container_user(name) == APP_USER
        use_the_api(base_url, image)


def test_the_full_image_serves_the_api_with_postgresql_and_redis(
    images: dict[str, BuiltImage], postgres_server: PostgresServer, redis_server: RedisServer
):
    image = images[variant_id(FULL_VARIANT)]
    settings = {
        **image.secret_settings,
        "DATABASE_URL": postgres_server.create_database("container"),
        "REDIS_URL": redis_server.url(),
    }
    # On the host's network, to reach this suite's servers on loopback.
    with running_container(
        image.tag, container_name(), env=settings, options=["--network", "host"]
    ) as name:
        assert container_user(name) == APP_USER
        use_the_api(f"http://{LOOPBACK}:{CONTAINER_PORT}", image)


def test_web_concurrency_sets_the_number_of_workers(images: dict[str, BuiltImage]):
    image = images[variant_id(default_answers())]
    options, base_url = published_on_loopback()
    with running_container(
        image.tag,
        container_name(),
        env={**image.secret_settings, "WEB_CONCURRENCY": "2"},
        options=options,
    ) as name:
        assert worker_processes(name) == 2
        use_the_api(base_url, image)


def test_compose_starts_the_full_stack(images: dict[str, BuiltImage]):
    image = images[variant_id(FULL_VARIANT)]
    compose = compose_command(image.project)
    run([*compose, "up", "--detach", "--build", "--wait", "--wait-timeout", "240"], image.project)
    try:
        base_url = f"http://{LOOPBACK}:{CONTAINER_PORT}"
        wait_until_healthy(base_url)
        use_the_api(base_url, image)
    finally:
        run([*compose, "down", "--volumes", "--remove-orphans"], image.project)


@dataclass(frozen=True)
class Stop:
    """How `docker stop` went: how long it took, the exit code and the server's log."""

    requested_at: float
    seconds: float
    exit_code: int
    logs: str


def stop_container(name: str) -> Stop:
    requested_at = time.monotonic()
    engine("stop", "--time", str(STOP_TIMEOUT_SECONDS), name)
    seconds = time.monotonic() - requested_at
    exit_code = int(engine("inspect", "--format", "{{.State.ExitCode}}", name).strip())
    logs = subprocess.run(
        [container_engine(), "logs", name], capture_output=True, text=True, check=False
    )
    return Stop(requested_at, seconds, exit_code, logs.stdout + logs.stderr)


async def stop_during_load(
    base_url: str, name: str, headers: dict[str, str]
) -> tuple[LoadRun, Stop]:
    stopped = asyncio.Event()
    load = asyncio.create_task(run_load(base_url, STOP_LOAD, headers, stopped))
    await asyncio.sleep(SECONDS_BEFORE_STOP)
    # `stop` blocks until the container has exited: in a thread, so the clients keep going.
    stop = await asyncio.to_thread(stop_container, name)
    # No request starts once it is gone: there is nothing left to answer them.
    stopped.set()
    return await load, stop


def stored_tasks(client: httpx.Client) -> dict[int, str]:
    """Every task the API lists, page by page."""
    tasks: dict[int, str] = {}
    while True:
        page = client.get("/api/v1/tasks", params={"skip": len(tasks), "limit": 100})
        assert page.status_code == 200, page.text
        items = page.json()["items"]
        tasks.update((item["id"], item["title"]) for item in items)
        if not items:
            return tasks


def test_the_default_image_stops_gracefully_under_load_and_keeps_its_data(
    images: dict[str, BuiltImage], capsys: pytest.CaptureFixture[str]
):
    """`docker stop` sends SIGTERM to the image's server (the shell of its CMD has made way
    for it): the server ends its lifespan and exits before SIGKILL. No request fails
    before the stop and none gets a 5xx; a request sent on a connection the server is
    closing may get no answer (behind a balancer, one that never reached the server is
    retried). Every task acknowledged with 201 is there when the image starts again on the
    same volume."""
    image = images[variant_id(default_answers())]
    volume = f"template-test-{uuid.uuid4().hex[:12]}"
    engine("volume", "create", volume)
    settings = {
        **image.secret_settings,
        # The load's clients all come from one address: keep them under the rate limit.
        "RATE_LIMIT_DEFAULT": "1000000/minute",
    }
    options = ["--volume", f"{volume}:{DATA_DIRECTORY}"]
    try:
        publish, base_url = published_on_loopback()
        with running_container(
            image.tag, container_name(), env=settings, options=[*options, *publish]
        ) as name:
            with httpx.Client(base_url=base_url, timeout=10) as client:
                headers = sign_in(client, image.answers["auth"], image.project)
            load, stop = asyncio.run(stop_during_load(base_url, name, headers))

        publish, base_url = published_on_loopback()
        with (
            running_container(
                image.tag, container_name(), env=settings, options=[*options, *publish]
            ),
            httpx.Client(base_url=base_url, timeout=10, headers=headers) as client,
        ):
            stored = stored_tasks(client)
    finally:
        subprocess.run(
            [container_engine(), "volume", "rm", "--force", volume],
            capture_output=True,
            check=False,
        )

    acknowledged = acknowledged_tasks(load.outcomes)
    before_stop = [o for o in load.outcomes if o.finished < stop.requested_at]
    figures = (
        f"{summary('docker stop under load', load)}; stopped in {stop.seconds:.1f} s, "
        f"exit code {stop.exit_code}; {len(acknowledged)} tasks acknowledged, "
        f"{len(stored)} stored after the restart"
    )
    show(capsys, figures)
    checks = {
        "requests failed before the stop": transport_errors(before_stop),
        "requests were answered with a status of 500 or more": [
            o for o in load.outcomes if o.status is not None and o.status >= 500
        ],
    }
    problems = [f"{what}: {examples(found)}" for what, found in checks.items() if found]
    if stop.seconds > GRACEFUL_SHUTDOWN_SECONDS + EXIT_SECONDS:
        problems.append(f"the container took {stop.seconds:.1f} s to stop: SIGTERM not obeyed")
    # uvicorn ends by the SIGTERM it caught; as PID 1 that exit is 0, elsewhere 143.
    if stop.exit_code not in (0, 128 + 15):
        problems.append(f"the container exited with {stop.exit_code}, not 0 or 143 (137: SIGKILL)")
    if SHUTDOWN_COMPLETE not in stop.logs:
        problems.append(f"the server did not log {SHUTDOWN_COMPLETE!r}")
    if not acknowledged:
        problems.append("no task was acknowledged with 201")
    lost = lost_tasks(acknowledged, stored)
    if lost:
        problems.append(f"{len(lost)} acknowledged tasks are gone, e.g. {sorted(lost.items())[:5]}")
    assert not problems, f"{figures}\n" + "\n".join(problems) + f"\n{stop.logs[-3000:]}"
