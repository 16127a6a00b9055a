"""Shape the rendered project to the chosen options and prepare its local settings.

1. Remove every path that belongs only to choices that were not taken. The paths come
   from ``_option_paths`` in cookiecutter.json, the one manifest of what each option adds.
2. Write a git-ignored ``.env`` from ``.env.example`` with fresh random secrets, so the
   tracked files are the same every time the same answers are given.
3. Resolve the dependencies into ``uv.lock`` with ``uv lock``, so that the project's CI
   (``uv sync --locked``) passes from the first push; the one tracked file that depends
   on the day (the newest releases). Without uv, with ``SKIP_UV_LOCK`` set, or when
   ``uv lock`` fails (offline, no matching Python), it says so and goes on.
4. Print the next steps.

Runs in the project directory, needs nothing beyond the standard library, and can be
run again safely: removing an absent path is a no-op, and an existing ``.env`` or
``uv.lock`` is kept.

cruft runs this hook again on every ``cruft update`` and ``cruft diff``, in throwaway
renders of the old and the new template that it compares. Steps 1 and 4 give the same
result each time; steps 2 and 3 do not (new secrets; a lock resolved today), so the
generated pyproject.toml lists ``.env`` and ``uv.lock`` under ``[tool.cruft] skip``,
which cruft removes from both renders before it compares them.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

CONTEXT: dict[str, object] = json.loads(r"""{{ cookiecutter | tojson }}""")
OPTION_PATHS: dict[str, dict[str, list[str]]] = CONTEXT["_option_paths"]  # type: ignore[assignment]

# Values in .env.example that stand for a secret; each occurrence gets its own random value.
SECRET_PLACEHOLDER = "change-me"  # noqa: S105 - the placeholder to replace, not a secret
SECRET_BYTES = 48

LOCK_FILE = "uv.lock"
# Set (to anything but empty) to leave the lock to the user, e.g. when offline.
SKIP_LOCK_VARIABLE = "SKIP_UV_LOCK"
LOCK_TIMEOUT_SECONDS = 180


def unused_paths() -> set[str]:
    """Paths owned by unselected choices and by no selected one."""
    package = str(CONTEXT["package_name"])
    kept: set[str] = set()
    dropped: set[str] = set()
    for option, choices in OPTION_PATHS.items():
        for choice, paths in choices.items():
            owned = {path.format(package=package) for path in paths}
            (kept if CONTEXT[option] == choice else dropped).update(owned)
    return dropped - kept


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def render_env(example: str) -> str:
    lines = []
    for line in example.splitlines():
        name, separator, value = line.partition("=")
        if separator and not line.lstrip().startswith("#"):
            if name == "ENVIRONMENT":
                value = "development"
            elif SECRET_PLACEHOLDER in value:
                value = ",".join(
                    secrets.token_urlsafe(SECRET_BYTES) if part == SECRET_PLACEHOLDER else part
                    for part in value.split(",")
                )
            line = f"{name}={value}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def write_env(project: Path) -> None:
    env_file = project / ".env"
    if env_file.exists():
        return
    env_file.write_text(render_env((project / ".env.example").read_text()))
    env_file.chmod(0o600)


def lock_dependencies(project: Path) -> str | None:
    """Create uv.lock unless it exists; return why it was not created, or None."""
    if (project / LOCK_FILE).exists():
        return None
    if os.environ.get(SKIP_LOCK_VARIABLE):
        return f"{SKIP_LOCK_VARIABLE} is set"
    uv = shutil.which("uv")
    if uv is None:
        return "uv is not installed"
    try:
        result = subprocess.run(  # noqa: S603 - uv from PATH, fixed arguments
            [uv, "lock"],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=LOCK_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"`uv lock` did not finish within {LOCK_TIMEOUT_SECONDS} s"
    except OSError as error:
        return f"uv could not be run: {error}"
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        said = [line for line in lines if line.startswith(("error:", "hint:"))] or lines[-1:]
        return f"`uv lock` failed: {' '.join(said) or f'exit code {result.returncode}'}"
    return None


def lock_note(reason: str | None) -> str:
    if reason is None:
        return "uv.lock pins every dependency: commit it (the CI installs with uv sync --locked)."
    return (
        f"uv.lock was not created ({reason}).\n"
        "Run `uv lock` and commit uv.lock before the first push: the CI installs with\n"
        "uv sync --locked, which fails without it."
    )


def next_steps(lock_reason: str | None) -> str:
    slug = CONTEXT["project_slug"]
    sync = "create .venv from uv.lock" if lock_reason is None else "create .venv and uv.lock"
    return f"""
Your project is ready in ./{slug}

  cd {slug}
  uv sync                        # {sync}
  uv run alembic upgrade head    # create the database schema
  uv run fastapi dev             # serve on http://127.0.0.1:8000/docs

Settings live in .env (git-ignored, with fresh secrets); .env.example documents them.
Run the checks with: uv run ruff check && uv run mypy && uv run pytest
{lock_note(lock_reason)}
"""


def main() -> int:
    project = Path.cwd()
    for relative in sorted(unused_paths()):
        remove(project / relative)
    write_env(project)
    print(next_steps(lock_dependencies(project)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
