"""cruft against a git copy of this template: create, check, diff and update projects."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import yaml

from helpers.commands import run, template_tool
from helpers.template import SKIP_LOCK_VARIABLE, TEMPLATE_DIR, Answers, resolved_answers

CRUFT_FILE = Path(".cruft.json")
# Git settings of the suite's commits and of cruft's own git commands: a fixed identity,
# and none of this machine's configuration (signing, hooks, default branch, ...).
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Template Test",
    "GIT_AUTHOR_EMAIL": "template-test@example.com",
    "GIT_COMMITTER_NAME": "Template Test",
    "GIT_COMMITTER_EMAIL": "template-test@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repository: Path, *arguments: str) -> str:
    return run(["git", *arguments], cwd=repository, env={**os.environ, **GIT_ENV}).strip()


def commit_all(repository: Path, message: str) -> str:
    """Commit every change of the work tree; return the commit's sha."""
    git(repository, "add", "--all")
    git(repository, "commit", "--quiet", "--message", message)
    return git(repository, "rev-parse", "HEAD")


def snapshot_template(destination: Path) -> str:
    """This template as it is on disk (uncommitted changes included, ignored files left out)
    copied into a fresh git repository at `destination` and committed; return the sha."""
    listed = git(TEMPLATE_DIR, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for relative in filter(None, listed.split("\0")):
        source = TEMPLATE_DIR / relative
        if source.is_file():  # a file deleted but not yet committed is still listed
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git(destination, "init", "--quiet", "--initial-branch=main")
    return commit_all(destination, "Template snapshot")


def cruft_env(home: Path, base: Mapping[str, str] | None = None, *, lock: bool = False) -> dict:
    """The environment of a cruft command: `base` (else this process's), a cookiecutter
    configuration of its own in `home`, the suite's git settings and, unless `lock`, the
    hook's `uv lock` skipped."""
    config = home / "cookiecutter-config.yaml"
    if not config.exists():
        home.mkdir(parents=True, exist_ok=True)
        settings = {"cookiecutters_dir": str(home / "cookiecutters"), "replay_dir": str(home)}
        config.write_text(yaml.safe_dump(settings))
    env = {**(base if base is not None else os.environ), **GIT_ENV}
    env["COOKIECUTTER_CONFIG"] = str(config)
    if lock:
        env.pop(SKIP_LOCK_VARIABLE, None)
    else:
        env[SKIP_LOCK_VARIABLE] = "1"
    return env


def cruft_create(
    template: Path, commit: str, output_dir: Path, answers: Answers, env: Mapping[str, str]
) -> Path:
    """`cruft create` at `commit` without prompting; return the project's path."""
    output_dir.mkdir(parents=True, exist_ok=True)
    run(
        [
            template_tool("cruft"), "create", str(template), "--no-input",
            "--checkout", commit, "--output-dir", str(output_dir),
            "--extra-context", json.dumps(answers),
        ],
        cwd=output_dir,
        env=env,
    )  # fmt: skip
    return output_dir / resolved_answers(**answers)["project_slug"]


def cruft(project: Path, env: Mapping[str, str], *arguments: str) -> str:
    """A cruft command in the project; fail the test if it exits non-zero."""
    return run([template_tool("cruft"), *arguments], cwd=project, env=env)


def cruft_exit_code(project: Path, env: Mapping[str, str], *arguments: str) -> int:
    command = [template_tool("cruft"), *arguments]
    result = subprocess.run(command, cwd=project, env=env, capture_output=True, check=False)
    return result.returncode


def cruft_state(project: Path) -> dict:
    return json.loads((project / CRUFT_FILE).read_text())
