"""Projects made with cruft are up to date, and `cruft update` brings a template change in.

cruft renders the template again, hooks included, on `update` and `diff`; these tests
check that those re-renders change nothing a project owns (.env, uv.lock, local edits).
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import FIGURES
from helpers.commands import PROJECT_CHECKS, generated_project_env, run, uv_executable
from helpers.cruft import (
    CRUFT_FILE,
    commit_all,
    cruft,
    cruft_create,
    cruft_env,
    cruft_exit_code,
    cruft_state,
    git,
    snapshot_template,
)
from helpers.template import (
    LOCAL_SETTINGS,
    PACKAGE_FOLDER_NAME,
    PROJECT_FOLDER,
    Answers,
    default_answers,
    every_value_once,
    expected_paths,
    render,
    resolved_answers,
    tracked_files,
    variant_id,
)

LOCK_FILE = Path("uv.lock")
# What the template's second commit changes, in the template's own paths.
TEMPLATE_MARK = "# Changed by the template update."
NEW_SETTING = "TEMPLATE_UPDATE_SETTING=on"
NEW_README_SECTION = "## Changed by the template update"
NEW_MODULE = "src/{package}/template_update.py"
# A module both variants keep, one both remove (auth=jwt), and one only redis keeps.
CHANGED_KEPT_MODULE = "src/{package}/main.py"
CHANGED_REMOVED_MODULE = "src/{package}/api/api_key.py"
CHANGED_REDIS_MODULE = "tests/redis_server.py"
DELETED_FILE = ".editorconfig"
# A dependency commit 2 adds: uv.lock is the project's, so the update leaves it stale,
# and `uv lock` after the update brings it in (the CI's `uv sync --locked` insists).
FIRST_DEPENDENCY = '    "alembic>=1.16",\n'
NEW_DEPENDENCY = '    "anyio>=4.0",\n'
# A new file of an option neither variant takes, listed in the manifest by commit 2: only
# the new template's post-generation hook knows to leave it out.
NEW_UNCHOSEN_FILE = ("auth", "api_key", "src/{package}/api/api_key_rotation.py")
# What the project's team changes in files that the template's second commit leaves alone
# (schemas.py), or changes elsewhere (the README).
LOCAL_MARK = "# A change of this project's own."
LOCALLY_CHANGED_MODULE = "src/{package}/schemas.py"
LOCAL_README_NOTE = "Our team's note on this project."

UPDATE_VARIANTS = [
    default_answers(),
    {**default_answers(), "database": "postgresql", "auth": "jwt", "rate_limiting": "redis"},
]


@pytest.fixture(scope="session")
def template_repository(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This template committed into a git repository of its own, as cruft needs: (path, sha)."""
    repository = tmp_path_factory.mktemp("template-repository")
    return repository, snapshot_template(repository)


def prepend(path: Path, line: str) -> None:
    path.write_text(f"{line}\n{path.read_text()}")


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


def in_template(repository: Path, project_path: str) -> Path:
    """A project path (with `{package}`) in a template repository's project folder."""
    return repository / PROJECT_FOLDER.name / project_path.format(package=PACKAGE_FOLDER_NAME)


def change_template(repository: Path) -> str:
    """The template's second commit: a changed module, a new setting in .env.example, a new
    README section, a new dependency, a new file, a deleted one, changes to files some
    variants remove, and a new file of an option not taken. Return its sha."""
    for module in (CHANGED_KEPT_MODULE, CHANGED_REMOVED_MODULE, CHANGED_REDIS_MODULE):
        prepend(in_template(repository, module), TEMPLATE_MARK)
    append(in_template(repository, ".env.example"), f"\n{TEMPLATE_MARK}\n{NEW_SETTING}\n")
    append(in_template(repository, "README.md"), f"\n{NEW_README_SECTION}\n\nNew text.\n")
    in_template(repository, NEW_MODULE).write_text('"""Added by the template update."""\n')
    option, value, path = NEW_UNCHOSEN_FILE
    in_template(repository, path).write_text('"""Added for another option."""\n')
    questions_file = repository / "cookiecutter.json"
    questions = json.loads(questions_file.read_text())
    questions["_option_paths"][option][value].append(path)
    questions_file.write_text(json.dumps(questions, indent=2) + "\n")
    in_template(repository, DELETED_FILE).unlink()
    pyproject = in_template(repository, "pyproject.toml")
    text = pyproject.read_text()
    assert FIRST_DEPENDENCY in text
    pyproject.write_text(text.replace(FIRST_DEPENDENCY, FIRST_DEPENDENCY + NEW_DEPENDENCY))
    return commit_all(repository, "Template update")


def change_project(project: Path, package: str) -> None:
    prepend(project / LOCALLY_CHANGED_MODULE.format(package=package), LOCAL_MARK)
    readme = project / "README.md"
    title, rest = readme.read_text().split("\n", 1)
    readme.write_text(f"{title}\n\n{LOCAL_README_NOTE}\n{rest}")


def files_left_by_a_failed_patch(project: Path) -> list[str]:
    """Rejected hunks (*.rej, git-ignored ones included) and unmerged files."""
    rejected = [
        str(path.relative_to(project))
        for path in project.rglob("*.rej")
        if ".venv" not in path.relative_to(project).parts
    ]
    unmerged = git(project, "ls-files", "--unmerged").splitlines()
    return rejected + unmerged


def files_in_diff(diff: str) -> set[str]:
    """The project paths that a `cruft diff` names."""
    prefix = "+++ upstream-template-new/"
    return {line.removeprefix(prefix) for line in diff.splitlines() if line.startswith(prefix)}


class Timings:
    """Wall-clock seconds of each named step, for one line of figures."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = time.perf_counter() - started

    def line(self, title: str) -> str:
        steps = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in self.seconds.items())
        return f"{title}: {steps}; total {sum(self.seconds.values()):.1f}s"


@pytest.mark.parametrize("answers", every_value_once(), ids=variant_id)
def test_cruft_create_renders_the_project_and_reports_it_up_to_date(
    answers: Answers, tmp_path: Path, template_repository: tuple[Path, str]
):
    template, commit = template_repository
    env = cruft_env(tmp_path / "home")

    project = cruft_create(template, commit, tmp_path / "cruft", answers, env)

    created = tracked_files(project)
    state = cruft_state(project)
    assert created.pop(CRUFT_FILE)
    assert created == tracked_files(render(tmp_path / "cookiecutter", **answers))
    assert (project / LOCAL_SETTINGS).is_file()
    assert (state["template"], state["commit"]) == (str(template), commit)
    context = state["context"]["cookiecutter"]
    assert {name: context[name] for name in answers} == answers
    assert "up to date" in cruft(project, env, "check")
    # cruft renders the template again, hooks and their new random secrets included:
    # nothing may differ from the project as created (else --exit-code fails the command).
    assert files_in_diff(cruft(project, env, "diff", "--exit-code")) == set()


@pytest.mark.slow
@pytest.mark.parametrize("answers", UPDATE_VARIANTS, ids=variant_id)
def test_cruft_update_brings_the_template_change_and_keeps_the_projects_own(
    answers: Answers,
    tmp_path: Path,
    service_urls: Callable[[Answers], dict[str, str]],
    record_property: Callable[[str, object], None],
):
    timings = Timings()
    package = resolved_answers(**answers)["package_name"]
    project_env = generated_project_env(answers["python_version"], **service_urls(answers))
    # cruft's hooks lock like a user's would: with uv and the project's Python.
    env = cruft_env(tmp_path / "home", project_env, lock=True)
    template = tmp_path / "template"

    with timings.step("template commit 1"):
        first = snapshot_template(template)
    with timings.step("commit 2"):
        second = change_template(template)
    with timings.step("cruft create"):
        project = cruft_create(template, first, tmp_path / "projects", answers, env)
    assert (project / LOCK_FILE).is_file(), "the hook locks the dependencies"
    assert cruft_exit_code(project, env, "check") != 0, "commit 2 is news to the project"
    with timings.step("git init, local edits"):
        git(project, "init", "--quiet", "--initial-branch=main")
        commit_all(project, "Generated with cruft")
        change_project(project, package)
        commit_all(project, "Our own changes")
    settings, lock = (project / LOCAL_SETTINGS).read_bytes(), (project / LOCK_FILE).read_bytes()

    with timings.step("cruft update"):
        cruft(project, env, "update", "--checkout", second, "--skip-apply-ask")

    def project_path(path: str) -> Path:
        return project / path.format(package=package)

    assert files_left_by_a_failed_patch(project) == []
    assert cruft_state(project)["commit"] == second
    # The template's changes are in.
    assert project_path(CHANGED_KEPT_MODULE).read_text().startswith(TEMPLATE_MARK)
    assert NEW_SETTING in (project / ".env.example").read_text().splitlines()
    assert NEW_README_SECTION in (project / "README.md").read_text().splitlines()
    assert project_path(NEW_MODULE).is_file()
    assert not (project / DELETED_FILE).exists()
    if answers["rate_limiting"] == "redis":
        assert project_path(CHANGED_REDIS_MODULE).read_text().startswith(TEMPLATE_MARK)
    # Files of options not chosen stay away, even those the template changed.
    _, not_chosen = expected_paths(answers)
    assert CHANGED_REMOVED_MODULE.format(package=package) in not_chosen
    assert not project_path(NEW_UNCHOSEN_FILE[2]).exists()
    assert sorted(path for path in not_chosen if (project / path).exists()) == []
    # The project's own changes are kept, its secrets and its lock untouched.
    assert project_path(LOCALLY_CHANGED_MODULE).read_text().startswith(LOCAL_MARK)
    assert LOCAL_README_NOTE in (project / "README.md").read_text().splitlines()
    assert (project / LOCAL_SETTINGS).read_bytes() == settings
    assert (project / LOCK_FILE).read_bytes() == lock
    with timings.step("cruft diff"):
        diff = cruft(project, env, "diff")
    assert files_in_diff(diff) == {"README.md", LOCALLY_CHANGED_MODULE.format(package=package)}

    assert NEW_DEPENDENCY in (project / "pyproject.toml").read_text()
    stale = subprocess.run(
        [uv_executable(), "lock", "--check"],
        cwd=project,
        env=project_env,
        capture_output=True,
        check=False,
    )
    assert stale.returncode != 0, "the lock predates the new dependency"
    with timings.step("uv lock"):
        run([uv_executable(), "lock"], cwd=project, env=project_env)
    with timings.step("uv sync --locked"):
        run([uv_executable(), "sync", "--locked"], cwd=project, env=project_env)
    for check in (check for check in PROJECT_CHECKS if check != ["sync"]):
        with timings.step(" ".join(check[1:])):
            run([uv_executable(), *check], cwd=project, env=project_env)
    with timings.step("cruft check"):
        assert "up to date" in cruft(project, env, "check")

    record_property(FIGURES, timings.line("cruft update"))
