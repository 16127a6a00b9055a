"""Generated projects install and pass their own linters, type checks and tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.commands import PROJECT_CHECKS, generated_project_env, run, uv_executable
from helpers.template import Answers, render, run_variants, variant_id

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
