"""The template under test: its questions, its choice options, their manifest, rendering."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import tempfile
import types
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from unittest import mock

import yaml
from cookiecutter.environment import StrictEnvironment
from cookiecutter.generate import generate_context
from cookiecutter.main import cookiecutter
from cookiecutter.prompt import prompt_for_config

TEMPLATE_DIR = Path(__file__).resolve().parents[2]
COOKIECUTTER_JSON = TEMPLATE_DIR / "cookiecutter.json"
HOOKS_DIR = TEMPLATE_DIR / "hooks"
# The templated project folder, and the package folder inside it, as named in the template.
PROJECT_FOLDER = TEMPLATE_DIR / "{{cookiecutter.project_slug}}"
PACKAGE_FOLDER_NAME = "{{cookiecutter.package_name}}"
# How a manifest path in `_option_paths` names the package folder.
PACKAGE_PLACEHOLDER = "{package}"

# The post-generation hook runs `uv lock` unless this variable is set. The suite's renders
# set it (locking needs the package index and a Python of the project's version), but for
# the tests of the lock itself, which give the hooks an environment to lock with.
SKIP_LOCK_VARIABLE = "SKIP_UV_LOCK"
# The local settings file: git-ignored, with random secrets, so different on every render.
LOCAL_SETTINGS = Path(".env")

Answers = dict[str, str]
# option -> value -> paths (relative to the project) that the value adds.
Manifest = dict[str, dict[str, list[str]]]


def questions() -> dict[str, Any]:
    return json.loads(COOKIECUTTER_JSON.read_text())


def choice_options() -> dict[str, list[str]]:
    """Every multiple-choice question with its values; the first value is the default."""
    return {
        name: values
        for name, values in questions().items()
        if isinstance(values, list) and not name.startswith("_")
    }


def manifest() -> Manifest:
    return questions()["_option_paths"]


def all_combinations() -> list[Answers]:
    """Every combination of the choice options, so that a new option is picked up by itself."""
    options = choice_options()
    return [
        dict(zip(options, values, strict=True)) for values in itertools.product(*options.values())
    ]


# Options whose every combination is run: they change the generated project's code and the
# services its tests need. The other options rotate through their values across these runs.
COMBINED_OPTIONS = ("database", "auth", "rate_limiting")


def run_variants() -> list[Answers]:
    """Every combination of the combined options; the others take each of their values in turn.

    A rotating option takes the value whose index is the sum of the combined options' value
    indices, so each of its values meets each value of every combined option.
    """
    options = choice_options()
    combined = [name for name in options if name in COMBINED_OPTIONS]
    variants = []
    for indices in itertools.product(*(range(len(options[name])) for name in combined)):
        chosen = dict(zip(combined, indices, strict=True))
        rotation = sum(indices)
        variants.append(
            {
                name: values[chosen.get(name, rotation) % len(values)]
                for name, values in options.items()
            }
        )
    return variants


def every_value_once() -> list[Answers]:
    """As few combinations as give every value of every choice option at least once, the
    defaults first: the i-th takes each option's i-th value (its last, once past the end)."""
    options = choice_options()
    longest = max(len(values) for values in options.values())
    return [
        {name: values[min(index, len(values) - 1)] for name, values in options.items()}
        for index in range(longest)
    ]


def default_answers() -> Answers:
    return {name: values[0] for name, values in choice_options().items()}


def variant_id(answers: Answers) -> str:
    """A test id naming the variant, e.g. `python_version:3.13-database:postgresql-ci:none`.

    `:` rather than `=`, which `pytest -k` cannot parse: `-k "database:postgresql and
    auth:jwt"` selects those variants.
    """
    return "-".join(f"{name}:{value}" for name, value in answers.items())


def resolved_answers(**answers: str) -> dict[str, Any]:
    """All the answers cookiecutter would use, the derived ones (slug, package name) included."""
    context = generate_context(context_file=str(COOKIECUTTER_JSON), extra_context=answers)
    return dict(prompt_for_config(context, no_input=True))


def load_hook(name: str, **answers: str) -> types.ModuleType:
    """A hook (`pre_gen_project` or `post_gen_project`) as a module, rendered for `answers`
    the way cookiecutter renders it before running it; its `main()` is not called."""
    path = HOOKS_DIR / f"{name}.py"
    context = {"cookiecutter": resolved_answers(**answers)}
    source = StrictEnvironment(context=context).from_string(path.read_text()).render(**context)
    module = types.ModuleType(name)
    exec(compile(source, str(path), "exec"), vars(module))  # noqa: S102 - the template's own hook
    return module


def expected_paths(answers: Answers) -> tuple[set[str], set[str]]:
    """The manifest paths that must exist, and those that must not, in a rendered project:
    the post-generation hook's own `unused_paths` decides which are removed."""
    package = resolved_answers(**answers)["package_name"]
    every = {
        path.replace(PACKAGE_PLACEHOLDER, package)
        for values in manifest().values()
        for paths in values.values()
        for path in paths
    }
    unused: set[str] = load_hook("post_gen_project", **answers).unused_paths()
    return every - unused, unused


def template_path(manifest_path: str) -> Path:
    """Where a manifest path lives in the template itself."""
    return PROJECT_FOLDER / manifest_path.replace(PACKAGE_PLACEHOLDER, PACKAGE_FOLDER_NAME)


@contextlib.contextmanager
def hook_environment(env: Mapping[str, str] | None = None) -> Iterator[None]:
    """Run the hooks (child processes of cookiecutter) with `env`; by default with this
    process's environment and the lock skipped."""
    hook_env = dict(env) if env is not None else {**os.environ, SKIP_LOCK_VARIABLE: "1"}
    with mock.patch.dict(os.environ, hook_env, clear=True):
        yield


def render(output_dir: Path, hook_env: Mapping[str, str] | None = None, **answers: str) -> Path:
    """Generate a project without prompting, as `cookiecutter --no-input` would; return its path.

    The hooks run in `hook_env` (see `hook_environment`: without it, nothing is locked).
    Cookiecutter's replay file goes to a throwaway folder, not to the user's home.
    """
    with (
        tempfile.TemporaryDirectory(prefix="cookiecutter-home-") as home,
        hook_environment(hook_env),
    ):
        config_file = Path(home) / "config.yaml"
        config_file.write_text(
            yaml.safe_dump(
                {"replay_dir": f"{home}/replay", "cookiecutters_dir": f"{home}/cookiecutters"}
            )
        )
        project = cookiecutter(
            str(TEMPLATE_DIR),
            no_input=True,
            output_dir=str(output_dir),
            extra_context=answers,
            config_file=str(config_file),
        )
    return Path(project)


def project_files(project: Path) -> list[Path]:
    """Every file of a rendered project, relative to it, in a stable order."""
    return sorted(path.relative_to(project) for path in project.rglob("*") if path.is_file())


def tracked_files(project: Path) -> dict[Path, bytes]:
    """The content of every file that belongs in version control (all but the local .env)."""
    return {
        path: (project / path).read_bytes()
        for path in project_files(project)
        if path != LOCAL_SETTINGS
    }
