"""The generated Dockerfile and compose file, built and run the way teams deploy them.

Two images are built from the rendered, unmodified Dockerfiles: the default variant and
postgresql + jwt + redis. Each is run until its own HEALTHCHECK reports healthy, then
used over HTTP. The full variant is also started with `docker compose up`.
"""

from __future__ import annotations

import shutil
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
    running_container,
    runtime_base_image,
    warnings_in,
    worker_processes,
)
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
