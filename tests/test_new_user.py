"""A new user follows the generated README's quick start and uses the API over HTTP."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from helpers.api import exercise_task_api, running_server, sign_in
from helpers.commands import generated_project_env, run
from helpers.template import default_answers, render

QUICK_START_SECTION = re.compile(r"^## Quick start\n(.*?)(?=^## |\Z)", re.DOTALL | re.MULTILINE)
BASH_BLOCK = re.compile(r"^```bash\n(.*?)^```", re.DOTALL | re.MULTILINE)


def quick_start_commands(readme: str) -> list[str]:
    """The commands of the first bash block under `## Quick start`, one per line,
    without comments and without `cd` (the test already runs in the project)."""
    section = QUICK_START_SECTION.search(readme)
    assert section, "the README has no `## Quick start` section"
    block = BASH_BLOCK.search(section.group(1))
    assert block, "the `## Quick start` section has no ```bash block"
    commands = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines()]
    return [command for command in commands if command and command.split()[0] != "cd"]


@pytest.mark.slow
def test_quick_start_serves_the_task_api(tmp_path: Path):
    answers = default_answers()
    env = generated_project_env(answers["python_version"])
    # As a user's would, the hook locks the dependencies, and the quick start installs those.
    project = render(tmp_path / "new-user", hook_env=env, **answers)
    lock = (project / "uv.lock").read_bytes()
    *setup_commands, server_command = quick_start_commands((project / "README.md").read_text())

    for command in setup_commands:
        run(["bash", "-c", command], cwd=project, env=env)
    assert (project / "uv.lock").read_bytes() == lock, "the quick start keeps the lock"

    with (
        running_server(server_command, project, env, tmp_path / "server.log") as base_url,
        httpx.Client(base_url=base_url, timeout=10) as client,
    ):
        client.headers.update(sign_in(client, answers["auth"], project))
        exercise_task_api(client)
