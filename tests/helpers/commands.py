"""Running the generated project's own commands (uv, ruff, mypy, pytest, fastapi)."""

from __future__ import annotations

import functools
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

COMMAND_TIMEOUT_SECONDS = 900
# Variables of this test run that must not leak into the generated project's commands:
# the template's virtual environment, pytest/xdist settings meant for this suite, and the
# hook's SKIP_UV_LOCK (each test decides whether its renders lock).
LEAKING_VARIABLE_PREFIXES = (
    "PYTEST_",
    "VIRTUAL_ENV",
    "UV_PROJECT_ENVIRONMENT",
    "PYTHONPATH",
    "SKIP_UV_LOCK",
)

# What a developer of the generated project runs, in order (uv arguments); each must pass
# with no further arguments.
PROJECT_CHECKS = [
    ["sync"],
    ["run", "ruff", "check"],
    ["run", "ruff", "format", "--check"],
    ["run", "mypy"],
    ["run", "pytest"],
]


def run(command: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None) -> str:
    """Run a command; if it fails, fail the test and show the command's full output."""
    shown = f"`{shlex.join(command)}` in {cwd}"
    try:
        result = subprocess.run(
            command,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=COMMAND_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        pytest.fail(
            f"{shown} timed out after {COMMAND_TIMEOUT_SECONDS}s:\n{as_text(expired.output)}",
            pytrace=False,
        )
    if result.returncode != 0:
        pytest.fail(f"{shown} exited with {result.returncode}:\n{result.stdout}", pytrace=False)
    return result.stdout


def as_text(output: str | bytes | None) -> str:
    if isinstance(output, bytes):
        return output.decode(errors="replace")
    return output or ""


@functools.cache
def uv_executable() -> str:
    """The uv running this suite (`uv run` exports it as UV), else the one on PATH."""
    found = os.environ.get("UV") or shutil.which("uv")
    if not found:
        pytest.fail("uv not found: install it with `python3 -m pip install uv`", pytrace=False)
    return found


def pyenv_interpreters(version: str) -> list[Path]:
    """pyenv's installs of e.g. "3.12" (3.12.0, 3.12.1, ...), newest first."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found = pyenv_root.glob(f"versions/{version}.*/bin/python{version}")

    def patch_level(interpreter: Path) -> tuple[int, ...]:
        patch = interpreter.parents[1].name.removeprefix(f"{version}.")
        return (int(patch),) if patch.isdigit() else (-1,)

    return sorted(found, key=patch_level, reverse=True)


def reports_version(interpreter: Path | str, version: str) -> bool:
    try:
        result = subprocess.run(
            [interpreter, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except OSError:
        return False
    return result.returncode == 0 and result.stdout.strip() == version


@functools.cache
def python_interpreter(version: str) -> Path:
    """An installed Python `version` (e.g. "3.12"): pyenv's, else `python3.12` on PATH.

    uv is never allowed to download one, so the suite fails if none is installed.
    """
    on_path = shutil.which(f"python{version}")
    candidates = [*pyenv_interpreters(version), *([Path(on_path)] if on_path else [])]
    for candidate in candidates:
        if reports_version(candidate, version):
            return candidate
    pytest.fail(
        f"Python {version} is not installed (looked in pyenv and for python{version} on PATH); "
        "uv may not download it",
        pytrace=False,
    )


def generated_project_env(python_version: str, **variables: str) -> dict[str, str]:
    """The environment for a generated project's commands: this machine's, minus this
    suite's own settings, with uv pinned to an installed interpreter and no downloads."""
    template_venv_bin = str(Path(sys.prefix) / "bin")
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(LEAKING_VARIABLE_PREFIXES)
    }
    # The real uv first: a pyenv shim would pick the interpreter named by the project's
    # .python-version, which may have no uv installed.
    uv_bin = str(Path(uv_executable()).parent)
    env["PATH"] = os.pathsep.join(
        [uv_bin]
        + [entry for entry in env.get("PATH", "").split(os.pathsep) if entry != template_venv_bin]
    )
    env.update(
        UV_PYTHON=str(python_interpreter(python_version)),
        UV_PYTHON_DOWNLOADS="never",
        UV_NO_PROGRESS="1",
        NO_COLOR="1",
        **variables,
    )
    return env


@functools.cache
def template_tool(name: str) -> str:
    """A program of the template's own dev environment (the one running this suite), e.g.
    ruff, cruft, zizmor or hadolint, else the one on PATH."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        pytest.fail(f"{name} not found: run the suite with `uv run pytest`", pytrace=False)
    return found


def template_ruff() -> str:
    """The ruff of the template's own dev environment."""
    return template_tool("ruff")
