"""Shape the rendered project to the chosen options and prepare its local settings.

1. Remove every path that belongs only to choices that were not taken. The paths come
   from ``_option_paths`` in cookiecutter.json, the one manifest of what each option adds.
2. Write a git-ignored ``.env`` from ``.env.example`` with fresh random secrets, so the
   tracked files are the same every time the same answers are given.
3. Print the next steps.

Runs in the project directory, needs nothing beyond the standard library, and can be
run again safely: removing an absent path is a no-op and an existing ``.env`` is kept.
"""

from __future__ import annotations

import json
import secrets
import shutil
import sys
from pathlib import Path

CONTEXT: dict[str, object] = json.loads(r"""{{ cookiecutter | tojson }}""")
OPTION_PATHS: dict[str, dict[str, list[str]]] = CONTEXT["_option_paths"]  # type: ignore[assignment]

# Values in .env.example that stand for a secret; each occurrence gets its own random value.
SECRET_PLACEHOLDER = "change-me"  # noqa: S105 - the placeholder to replace, not a secret
SECRET_BYTES = 48


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


def next_steps() -> str:
    slug = CONTEXT["project_slug"]
    return f"""
Your project is ready in ./{slug}

  cd {slug}
  uv sync                        # create .venv and uv.lock (commit uv.lock)
  uv run alembic upgrade head    # create the database schema
  uv run fastapi dev             # serve on http://127.0.0.1:8000/docs

Settings live in .env (git-ignored, with fresh secrets); .env.example documents them.
Run the checks with: uv run ruff check && uv run mypy && uv run pytest
"""


def main() -> int:
    project = Path.cwd()
    for relative in sorted(unused_paths()):
        remove(project / relative)
    write_env(project)
    print(next_steps())
    return 0


if __name__ == "__main__":
    sys.exit(main())
