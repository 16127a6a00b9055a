"""The post-generation hook locks the dependencies, so the CI's `uv sync --locked` passes
from the first push; when it cannot, it says so and how to lock."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.commands import generated_project_env, run, uv_executable
from helpers.template import SKIP_LOCK_VARIABLE, choice_options, render

LOCK_FILE = Path("uv.lock")
NO_LOCK_NOTE = "uv.lock was not created ({reason})"
HOW_TO_LOCK = "Run `uv lock` and commit uv.lock before the first push"


def without_skip(env: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in env.items() if name != SKIP_LOCK_VARIABLE}


@pytest.mark.slow
@pytest.mark.parametrize("python_version", choice_options()["python_version"])
def test_generated_project_is_locked_and_the_lock_is_current(
    python_version: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
):
    env = generated_project_env(python_version)

    project = render(tmp_path, hook_env=env, python_version=python_version)

    assert (project / LOCK_FILE).is_file()
    assert "uv.lock pins every dependency: commit it" in capfd.readouterr().out
    run([uv_executable(), "lock", "--check"], cwd=project, env=env)


def no_uv(tmp_path: Path) -> tuple[dict[str, str], str]:
    empty = tmp_path / "no-programs"
    empty.mkdir()
    return {**without_skip(dict(os.environ)), "PATH": str(empty)}, "uv is not installed"


def skipped(tmp_path: Path) -> tuple[dict[str, str], str]:
    return {**os.environ, SKIP_LOCK_VARIABLE: "1"}, f"{SKIP_LOCK_VARIABLE} is set"


def offline(tmp_path: Path) -> tuple[dict[str, str], str]:
    """No network and nothing cached: `uv lock` fails, and the note gives uv's reason."""
    env = generated_project_env("3.12")
    env.update(UV_OFFLINE="1", UV_CACHE_DIR=str(tmp_path / "empty-cache"))
    return env, "`uv lock` failed: "


@pytest.mark.parametrize("situation", [no_uv, skipped, offline], ids=lambda case: case.__name__)
def test_without_a_lock_the_hook_says_how_to_make_one(
    situation: Callable[[Path], tuple[dict[str, str], str]],
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
):
    env, reason = situation(tmp_path)

    project = render(tmp_path / "project", hook_env=env)

    output = capfd.readouterr().out
    assert not (project / LOCK_FILE).exists()
    assert NO_LOCK_NOTE.format(reason=reason).removesuffix(")") in output
    assert HOW_TO_LOCK in output
