"""Generated projects install and pass their own linters, type checks and tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.commands import PROJECT_CHECKS, generated_project_env, run, uv_executable
from helpers.template import Answers, default_answers, render, run_variants, variant_id

# The default project, and one with every server-backed option.
PRE_COMMIT_VARIANTS = [
    default_answers(),
    {**default_answers(), "database": "postgresql", "auth": "jwt", "rate_limiting": "redis"},
]
PRINT_PYTHON_VERSION = ["run", "python", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"]


@pytest.mark.slow
@pytest.mark.parametrize("answers", run_variants(), ids=variant_id)
def test_generated_project_passes_its_own_checks(
    answers: Answers, tmp_path: Path, service_urls: Callable[[Answers], dict[str, str]]
):
    project = render(tmp_path, **answers)
    env = generated_project_env(answers["python_version"], **service_urls(answers))

    for check in PROJECT_CHECKS:
        run([uv_executable(), *check], cwd=project, env=env)

    used_python = run([uv_executable(), *PRINT_PYTHON_VERSION], cwd=project, env=env)
    assert used_python.strip() == answers["python_version"]


@pytest.mark.slow
@pytest.mark.parametrize("answers", PRE_COMMIT_VARIANTS, ids=variant_id)
def test_generated_pre_commit_hooks_pass_offline(answers: Answers, tmp_path: Path):
    """`pre-commit run --all-files` passes in a fresh git repository of the project, with
    git allowed no network protocol (no hook repository can be cloned) and uv offline
    (the hooks run the tools `uv sync` installed)."""
    project = render(tmp_path, **answers)
    env = generated_project_env(answers["python_version"])
    run([uv_executable(), "sync"], cwd=project, env=env)
    run(["git", "init", "--quiet"], cwd=project)
    run(["git", "add", "--all"], cwd=project)

    offline = {
        **env,
        "GIT_ALLOW_PROTOCOL": "file",
        "UV_OFFLINE": "1",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
    }
    run([uv_executable(), "run", "pre-commit", "run", "--all-files"], cwd=project, env=offline)
