"""A variant of the template, rendered and made ready to serve: uv sync, .env, migrations."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from helpers.template import render

# uv sync of a fresh project downloads nothing when uv's cache is warm, but may when cold.
SYNC_TIMEOUT_SECONDS = 900
COMMAND_TIMEOUT_SECONDS = 300
# Variables of the shell running the benchmark that must not reach the generated project:
# the template's own virtual environment would otherwise be used or warned about.
LEAKING_VARIABLES = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH", "PYTHONHOME")


class BenchError(Exception):
    """The benchmark cannot go on; the message says why."""


@dataclass(frozen=True)
class Variant:
    """The template options that change the served application."""

    database: str
    auth: str
    rate_limiting: str
    python_version: str

    @property
    def label(self) -> str:
        return f"database={self.database}, auth={self.auth}, rate_limiting={self.rate_limiting}"

    def answers(self) -> dict[str, str]:
        return {
            "database": self.database,
            "auth": self.auth,
            "rate_limiting": self.rate_limiting,
            "python_version": self.python_version,
            "ci": "none",
        }


@dataclass(frozen=True)
class Project:
    variant: Variant
    path: Path
    package: str

    @property
    def python(self) -> Path:
        return self.path / ".venv" / "bin" / "python"

    def python_version(self) -> str:
        """The exact version of the venv's interpreter, from its pyvenv.cfg."""
        for line in (self.path / ".venv" / "pyvenv.cfg").read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() in {"version_info", "version"}:
                return value.strip()
        return "unknown"


def run_command(
    command: Sequence[str | Path],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    *,
    input_text: str | None = None,
    timeout: float = COMMAND_TIMEOUT_SECONDS,
) -> str:
    """Run a command to completion; raise BenchError with its output when it fails."""
    shown = " ".join(str(part) for part in command)
    try:
        result = subprocess.run(  # noqa: S603 - our own commands, no shell
            [str(part) for part in command],
            cwd=cwd,
            env=env,
            input=input_text,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        raise BenchError(f"`{shown}` did not finish within {timeout:.0f}s") from expired
    if result.returncode != 0:
        raise BenchError(f"`{shown}` exited with {result.returncode}:\n{result.stdout}")
    return result.stdout


def clean_environment() -> dict[str, str]:
    """This process's environment without the template venv's variables."""
    return {name: value for name, value in os.environ.items() if name not in LEAKING_VARIABLES}


def uv_executable() -> str:
    """The real uv: `uv run` exports its own path as UV; else the first on PATH."""
    found = os.environ.get("UV") or shutil.which("uv")
    if not found:
        raise BenchError("uv not found: install it with `python3 -m pip install uv`")
    return found


def find_interpreter(version: str) -> Path:
    """An installed Python `version` (pyenv's newest, else pythonX.Y on PATH): uv may not
    download one."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    pyenv_builds = sorted(pyenv_root.glob(f"versions/{version}.*/bin/python{version}"))
    if pyenv_builds:
        return pyenv_builds[-1]
    on_path = shutil.which(f"python{version}")
    if on_path:
        return Path(on_path)
    raise BenchError(f"Python {version} is not installed (looked in pyenv and on PATH)")


def uv_environment(variant: Variant) -> dict[str, str]:
    env = clean_environment()
    env.update(
        UV_PYTHON=str(find_interpreter(variant.python_version)),
        UV_PYTHON_DOWNLOADS="never",
        UV_NO_PROGRESS="1",
        NO_COLOR="1",
    )
    return env


@contextmanager
def quiet_stdout() -> Iterator[None]:
    """Send file descriptor 1 to /dev/null: the post-generation hook, a subprocess, prints
    its next steps there, and stdout is where the table goes. Errors still reach stderr."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with Path(os.devnull).open("wb") as devnull:
            os.dup2(devnull.fileno(), 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


@contextmanager
def temporary_files_in(folder: Path) -> Iterator[None]:
    """Cookiecutter writes each hook to a temporary file it never deletes: put them in
    our folder, which is removed at the end, instead of the system's."""
    saved = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = saved


def render_project(variant: Variant, output_dir: Path) -> Project:
    """Render the variant without prompts into output_dir, which must not hold it yet."""
    output_dir.mkdir(parents=True, exist_ok=True)
    with quiet_stdout(), temporary_files_in(output_dir):
        path = render(output_dir, **variant.answers())
    packages = [child.name for child in (path / "src").iterdir() if child.is_dir()]
    if len(packages) != 1:
        raise BenchError(f"expected one package in {path / 'src'}, found {packages}")
    return Project(variant=variant, path=path, package=packages[0])


def install(project: Project) -> None:
    """`uv sync`: the project's .venv, exactly as its README's quick start makes it."""
    env = uv_environment(project.variant)
    run_command([uv_executable(), "sync"], project.path, env, timeout=SYNC_TIMEOUT_SECONDS)


def migrate(project: Project) -> None:
    env = uv_environment(project.variant)
    run_command([uv_executable(), "run", "alembic", "upgrade", "head"], project.path, env)


def configure(project: Project, settings: Mapping[str, str]) -> None:
    """Set variables in the project's .env, replacing a line or adding one per variable."""
    env_file = project.path / ".env"
    remaining = dict(settings)
    lines = []
    for line in env_file.read_text().splitlines():
        name, separator, _ = line.partition("=")
        if separator and name.strip() in remaining and not line.lstrip().startswith("#"):
            line = f"{name.strip()}={remaining.pop(name.strip())}"
        lines.append(line)
    lines.extend(f"{name}={value}" for name, value in remaining.items())
    env_file.write_text("\n".join(lines) + "\n")


def env_value(project: Project, name: str) -> str:
    """A variable's value in the project's .env."""
    for line in (project.path / ".env").read_text().splitlines():
        key, separator, value = line.partition("=")
        if separator and key.strip() == name:
            return value.strip()
    raise BenchError(f"{name} is not set in {project.path / '.env'}")


def has_module(project: Project, module: str) -> bool:
    """Whether the project's venv can import the module (e.g. psycopg after the async move)."""
    try:
        run_command([project.python, "-c", f"import {module}"], project.path, timeout=60)
    except BenchError:
        return False
    return True
