"""Files written for other tools pass those tools' own validators.

The GitHub workflow of every combination with `ci=github`, and the template's own, pass
GitHub's workflow schema, actionlint and zizmor; the Dockerfile of every combination
passes hadolint; the pre-commit hooks need no git hosting. Combinations that render the
same file are validated once, as a copy in a folder named by the answers it depends on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from helpers.commands import run
from helpers.template import TEMPLATE_DIR, Answers, all_combinations, variant_id
from helpers.validators import WORKFLOW_VALIDATORS, hadolint_command, validator_env

GITHUB_WORKFLOW = Path(".github/workflows/ci.yml")
DOCKERFILE = Path("Dockerfile")
PRE_COMMIT_CONFIG = Path(".pre-commit-config.yaml")
TEMPLATE_WORKFLOWS = sorted((TEMPLATE_DIR / ".github" / "workflows").glob("*.y*ml"))
# `uses: owner/repo@<commit> # v1.2.3`: a release's commit, its tag in the comment.
PINNED_ACTION = re.compile(
    r"uses: (?P<action>[\w.-]+/[\w./-]+)@(?P<pin>[0-9a-f]{40} # v\d+\.\d+\.\d+)$"
)
USES = re.compile(r"^\s*(?:- )?uses:")
# pre-commit hooks that need no clone of a hook repository.
OFFLINE_HOOK_REPOS = {"local", "meta"}

# A workflow each validator must reject, and what its report must say.
UNSAFE_WORKFLOW = """\
on: pull_request_target
permissions:
  contents: read
jobs:
  greet:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v5
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
"""
BROKEN_WORKFLOWS = {
    "schema": (
        UNSAFE_WORKFLOW.replace(
            "runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    timeout-minutes: soon"
        ),
        "'soon' is not of type 'number'",
    ),
    "actionlint": (UNSAFE_WORKFLOW, "potentially untrusted"),
    "zizmor": (UNSAFE_WORKFLOW, "template-injection"),
}
BROKEN_DOCKERFILE = "FROM python:latest\nRUN pip install fastapi\n"


def github_ci_combinations() -> list[Answers]:
    return [answers for answers in all_combinations() if answers["ci"] == "github"]


def distinct_files(
    rendered: Callable[..., Path], combinations: list[Answers], relative: Path
) -> dict[str, list[Answers]]:
    """Each distinct text of a rendered file, with the combinations that render it."""
    renderings: dict[str, list[Answers]] = {}
    for answers in combinations:
        text = (rendered(**answers) / relative).read_text()
        renderings.setdefault(text, []).append(answers)
    return renderings


def deciding_answers(combinations: list[Answers]) -> Answers:
    """The answers all these combinations share: those the file they render depends on."""
    first, *others = combinations
    return {
        name: value
        for name, value in first.items()
        if all(other[name] == value for other in others)
    }


def copies(folder: Path, renderings: dict[str, list[Answers]], relative: Path) -> list[Path]:
    """Write each distinct text to folder/<the answers it depends on>/relative."""
    written = []
    for number, (text, combinations) in enumerate(renderings.items()):
        name = variant_id(deciding_answers(combinations)) or "every-combination"
        if (folder / name).exists():
            name = f"{name}-{number}"
        path = folder / name / relative
        path.parent.mkdir(parents=True)
        path.write_text(text)
        written.append(path)
    return written


@pytest.fixture(scope="session")
def generated_workflows(
    rendered_project: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory
) -> list[Path]:
    renderings = distinct_files(rendered_project, github_ci_combinations(), GITHUB_WORKFLOW)
    return copies(tmp_path_factory.mktemp("workflows"), renderings, GITHUB_WORKFLOW)


@pytest.mark.parametrize("validator", WORKFLOW_VALIDATORS)
def test_generated_workflows_pass(validator: str, generated_workflows: list[Path], tmp_path: Path):
    command = WORKFLOW_VALIDATORS[validator](generated_workflows)

    run(command, cwd=tmp_path, env=validator_env(tmp_path / "home"))


@pytest.mark.parametrize("validator", WORKFLOW_VALIDATORS)
def test_template_workflows_pass(validator: str, tmp_path: Path):
    assert TEMPLATE_WORKFLOWS, "the template has a CI workflow of its own"
    command = WORKFLOW_VALIDATORS[validator](TEMPLATE_WORKFLOWS)

    run(command, cwd=TEMPLATE_DIR, env=validator_env(tmp_path / "home"))


@pytest.mark.parametrize("validator", WORKFLOW_VALIDATORS)
def test_workflow_validators_reject_a_broken_workflow(validator: str, tmp_path: Path):
    text, reported = BROKEN_WORKFLOWS[validator]
    workflow = tmp_path / GITHUB_WORKFLOW
    workflow.parent.mkdir(parents=True)
    workflow.write_text(text)
    command = WORKFLOW_VALIDATORS[validator]([workflow])

    with pytest.raises(pytest.fail.Exception, match=re.escape(reported)):
        run(command, cwd=tmp_path, env=validator_env(tmp_path / "home"))


def test_actions_are_pinned_to_the_same_release_commit_everywhere(
    generated_workflows: list[Path],
):
    pins: dict[str, set[str]] = {}
    unpinned = []
    for workflow in [*generated_workflows, *TEMPLATE_WORKFLOWS]:
        for line in workflow.read_text().splitlines():
            if not USES.match(line):
                continue
            if pinned := PINNED_ACTION.search(line):
                pins.setdefault(pinned["action"], set()).add(pinned["pin"])
            else:
                unpinned.append(f"{workflow}: {line.strip()}")

    assert not unpinned, "actions not pinned as `@<commit> # vX.Y.Z`:\n" + "\n".join(unpinned)
    assert pins, "the workflows use actions"
    differing = {action: sorted(pin) for action, pin in pins.items() if len(pin) > 1}
    assert not differing, f"actions pinned to different releases: {differing}"


def test_generated_dockerfiles_pass_hadolint(rendered_project: Callable[..., Path], tmp_path: Path):
    renderings = distinct_files(rendered_project, all_combinations(), DOCKERFILE)
    dockerfiles = copies(tmp_path / "dockerfiles", renderings, DOCKERFILE)

    run(hadolint_command(dockerfiles), cwd=tmp_path, env=validator_env(tmp_path / "home"))


def test_hadolint_rejects_a_broken_dockerfile(tmp_path: Path):
    dockerfile = tmp_path / DOCKERFILE
    dockerfile.write_text(BROKEN_DOCKERFILE)

    with pytest.raises(pytest.fail.Exception, match="DL3007"):
        run(hadolint_command([dockerfile]), cwd=tmp_path, env=validator_env(tmp_path / "home"))


def test_generated_pre_commit_hooks_need_no_git_hosting(rendered_project: Callable[..., Path]):
    """Hooks from a hook repository are cloned from git hosting on first use; local ones
    run the project's own tools (`uv run`, at the versions of uv.lock)."""
    renderings = distinct_files(rendered_project, all_combinations(), PRE_COMMIT_CONFIG)

    remote = {
        repo["repo"]
        for text in renderings
        for repo in yaml.safe_load(text)["repos"]
        if repo["repo"] not in OFFLINE_HOOK_REPOS
    }
    assert not remote, f"hook repositories that need a clone: {sorted(remote)}"
