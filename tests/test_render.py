"""Every combination of the options renders into a clean, consistent, lint-free project."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from cookiecutter.hooks import run_hook_from_repo_dir
from helpers.commands import run, template_ruff
from helpers.containers import image_server_command
from helpers.template import (
    LOCAL_SETTINGS,
    TEMPLATE_DIR,
    Answers,
    all_combinations,
    choice_options,
    default_answers,
    expected_paths,
    hook_environment,
    load_hook,
    manifest,
    project_files,
    render,
    resolved_answers,
    template_path,
    tracked_files,
    variant_id,
)

# Jinja syntax that rendering should have consumed. A `$` before it is not Jinja:
# `${{ ... }}` is GitHub Actions' expression syntax and `${#var}` a shell string length.
LEFTOVER_TEMPLATE_SYNTAX = re.compile(r"(?<!\$)\{[{#]|\{%")

# The distribution name at the start of a requirement such as `redis[hiredis]>=5.2`.
DISTRIBUTION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# Distributions whose top-level module is not their normalised name.
IMPORT_NAMES = {"pyjwt": "jwt", "python_json_logger": "pythonjsonlogger"}


def import_name(requirement: str) -> str:
    """The top-level module a requirement installs, e.g. `jwt` for `pyjwt>=2.10`."""
    match = DISTRIBUTION_NAME.match(requirement)
    assert match, f"not a requirement: {requirement!r}"
    name = re.sub(r"[-_.]+", "_", match.group()).lower()
    return IMPORT_NAMES.get(name, name)


def triples(lines: list[str]) -> zip[tuple[str, str, str]]:
    """Each line with the ones before and after it."""
    return zip(lines, lines[1:], lines[2:], strict=False)


def assert_none(problems: list[str], what: str) -> None:
    """Fail with every problem on a line of its own (a list comparison would be cut short)."""
    assert not problems, f"{what}:\n" + "\n".join(sorted(problems))


def read_text(path: Path) -> str:
    """The text of a file; a binary file reads as empty."""
    try:
        return path.read_text()
    except UnicodeDecodeError:
        return ""


def parse_failures(project: Path, suffixes: set[str], parse: Callable[[str], object]) -> list[str]:
    """`path: error` for each file with one of these suffixes that does not parse."""
    failures = []
    for path in project_files(project):
        if path.suffix in suffixes:
            try:
                parse((project / path).read_text())
            except Exception as error:  # each parser raises its own error class
                failures.append(f"{path}: {error}")
    return failures


def git_ignores(repository: Path, path: Path) -> bool:
    check = ["git", "check-ignore", "--quiet", str(path)]
    return subprocess.run(check, cwd=repository, check=False).returncode == 0


# The secret each auth mode needs, which the post-generation hook must fill in.
SECRET_VARIABLES = {"jwt": "SECRET_KEY", "api_key": "API_KEYS"}


def local_variables(project: Path) -> dict[str, str]:
    lines = (project / LOCAL_SETTINGS).read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def test_manifest_lists_every_choice_option_with_its_values():
    listed = {option: list(values) for option, values in manifest().items()}

    assert listed == choice_options()


def test_every_manifest_path_exists_in_the_template():
    missing = [
        f"{option}={value}: {path}"
        for option, values in manifest().items()
        for value, paths in values.items()
        for path in paths
        if not template_path(path).exists()
    ]

    assert_none(missing, "manifest paths missing from the template")


@pytest.mark.parametrize("answers", all_combinations(), ids=variant_id)
class TestEveryCombination:
    @pytest.fixture
    def project(self, answers: Answers, rendered_project: Callable[..., Path]) -> Path:
        return rendered_project(**answers)

    def test_no_template_syntax_is_left(self, project: Path):
        leftovers = [
            str(path)
            for path in project_files(project)
            if LEFTOVER_TEMPLATE_SYNTAX.search(str(path))
            or LEFTOVER_TEMPLATE_SYNTAX.search(read_text(project / path))
        ]

        assert_none(leftovers, "files with Jinja syntax left in their name or text")

    def test_chosen_options_files_are_there_and_no_others(self, project: Path, answers: Answers):
        required, forbidden = expected_paths(answers)

        missing = [path for path in required if not (project / path).exists()]
        left_over = [path for path in forbidden if (project / path).exists()]

        assert_none(missing, "files of the chosen options that are missing")
        assert_none(left_over, "files of options not chosen that are still there")

    def test_python_files_parse_for_the_chosen_python(self, project: Path, answers: Answers):
        major, minor = (int(part) for part in answers["python_version"].split("."))

        def parse(text: str) -> object:
            return ast.parse(text, feature_version=(major, minor))

        assert_none(parse_failures(project, {".py"}, parse), "Python files that do not parse")

    def test_toml_files_parse(self, project: Path):
        assert_none(parse_failures(project, {".toml"}, tomllib.loads), "invalid TOML files")

    def test_toml_lists_have_no_blank_lines(self, project: Path):
        # A blank line inside a list is what an option's skipped `{% if %}` leaves behind.
        gaps = [
            f"{path}:{number}"
            for path in project_files(project)
            if path.suffix == ".toml"
            for number, (before, line, after) in enumerate(
                triples(read_text(project / path).splitlines()), start=2
            )
            if not line and before.rstrip().endswith((",", "[")) and after.startswith(" ")
        ]

        assert_none(gaps, "blank lines inside TOML lists")

    def test_yaml_files_parse(self, project: Path):
        assert_none(parse_failures(project, {".yaml", ".yml"}, yaml.safe_load), "invalid YAML")

    def test_json_files_parse(self, project: Path):
        assert_none(parse_failures(project, {".json"}, json.loads), "invalid JSON files")

    def test_pre_gen_hook_knows_every_runtime_dependency(self, project: Path, answers: Answers):
        # The hook refuses a package name that would shadow one of these modules.
        known = load_hook("pre_gen_project", **answers).DEPENDENCY_MODULES
        requirements = tomllib.loads(read_text(project / "pyproject.toml"))["project"][
            "dependencies"
        ]
        unknown = [
            f"{req} ({import_name(req)})" for req in requirements if import_name(req) not in known
        ]

        assert_none(unknown, "runtime dependencies missing from DEPENDENCY_MODULES")

    def test_readme_quotes_the_images_server_command(self, project: Path):
        # The README's Deployment section explains the image's uvicorn flags (keep-alive,
        # graceful shutdown): what it quotes must be what the image runs.
        quoted = [
            line
            for line in read_text(project / "README.md").splitlines()
            if line.startswith("uvicorn ")
        ]
        server = image_server_command(project)

        assert quoted == [server]

    def test_ruff_check_passes(self, project: Path):
        run([template_ruff(), "check", "--no-cache"], cwd=project)

    def test_ruff_format_leaves_it_unchanged(self, project: Path):
        run([template_ruff(), "format", "--check", "--no-cache"], cwd=project)


@pytest.mark.parametrize("auth", sorted(SECRET_VARIABLES))
def test_local_settings_get_a_strong_random_secret(tmp_path: Path, auth: str):
    secret_name = SECRET_VARIABLES[auth]
    first = local_variables(render(tmp_path / "first", auth=auth))[secret_name]
    second = local_variables(render(tmp_path / "second", auth=auth))[secret_name]

    assert len(first) >= 32
    assert first != second, "each generated project gets its own secret"


def test_local_settings_are_created_for_development_and_git_ignored(tmp_path: Path):
    project = render(tmp_path)
    settings_file = project / LOCAL_SETTINGS
    settings = settings_file.read_text()

    assert "ENVIRONMENT=development" in settings.splitlines()
    assert "change-me" not in settings, "every secret placeholder gets a random value"
    assert settings_file.stat().st_mode & 0o077 == 0, "only its owner may read the secrets"
    run(["git", "init", "--quiet"], cwd=project)
    assert git_ignores(project, LOCAL_SETTINGS)
    assert not git_ignores(project, Path(".env.example"))


def test_same_answers_render_the_same_tracked_files(tmp_path: Path):
    first = render(tmp_path / "first")
    second = render(tmp_path / "second")

    assert tracked_files(first) == tracked_files(second)


def test_post_gen_hook_can_run_again_without_changing_anything(tmp_path: Path):
    project = render(tmp_path)
    before = {path: (project / path).read_bytes() for path in project_files(project)}

    context = {"cookiecutter": resolved_answers()}
    with hook_environment():
        run_hook_from_repo_dir(
            TEMPLATE_DIR, "post_gen_project", project, context, delete_project_on_failure=False
        )

    after = {path: (project / path).read_bytes() for path in project_files(project)}
    assert after == before


def test_default_answers_are_the_first_choices():
    assert resolved_answers() == resolved_answers(**default_answers())
