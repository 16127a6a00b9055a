"""Refuse answers that would produce a broken project, before anything is written.

Cookiecutter renders this file with the answers, runs it inside the (still empty)
project directory and removes that directory when the hook exits non-zero.
Each problem is reported on one line naming the field, the value and what is allowed.
"""

from __future__ import annotations

import json
import keyword
import re
import sys

CONTEXT: dict[str, object] = json.loads(r"""{{ cookiecutter | tojson }}""")
# Every choice question with its allowed values (and the paths each value owns).
OPTION_PATHS: dict[str, dict[str, list[str]]] = CONTEXT["_option_paths"]  # type: ignore[assignment]

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")
PACKAGE_PATTERN = re.compile(r"^[a-z_][a-z0-9_]*$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+$")
# The version scheme of PEP 440 (epoch, release, pre, post, dev, local), case-insensitive.
PEP440_PATTERN = re.compile(
    r"""^v?
    (?:[0-9]+!)?
    [0-9]+(?:\.[0-9]+)*
    (?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]*)?
    (?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?
    (?:[-_.]?dev[-_.]?[0-9]*)?
    (?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?
    $""",
    re.VERBOSE | re.IGNORECASE,
)
MAX_SLUG_LENGTH = 64

# Top-level import names of the generated project's dependencies and tools: a package
# with one of these names would shadow the real module for the project itself.
DEPENDENCY_MODULES = frozenset(
    {
        "alembic",
        "annotated_types",
        "anyio",
        "argon2",
        "asgi_lifespan",
        "asyncpg",
        "coverage",
        "email_validator",
        "fastapi",
        "fastapi_cli",
        "greenlet",
        "h11",
        "hiredis",
        "httptools",
        "httpx",
        "httpx2",
        "jwt",
        "limits",
        "migrations",
        "multipart",
        "mypy",
        "pwdlib",
        "pydantic",
        "pydantic_core",
        "pydantic_settings",
        "pytest",
        "python_multipart",
        "pythonjsonlogger",
        "redis",
        "ruff",
        "sqlalchemy",
        "starlette",
        "test",
        "tests",
        "typing_extensions",
        "uvicorn",
    }
)


def check_slug(slug: str) -> str | None:
    if len(slug) > MAX_SLUG_LENGTH:
        return f"project_slug {slug!r} is longer than {MAX_SLUG_LENGTH} characters"
    if not SLUG_PATTERN.match(slug):
        return (
            f"project_slug {slug!r} is not a valid directory name: use lower-case letters "
            "and digits, starting with a letter, separated by single hyphens or underscores"
        )
    return None


def check_package(name: str) -> str | None:
    if not PACKAGE_PATTERN.match(name):
        return (
            f"package_name {name!r} is not a valid Python import name: use lower-case "
            "letters, digits and underscores, not starting with a digit"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return f"package_name {name!r} is a Python keyword: choose another name"
    if name in sys.stdlib_module_names:
        return (
            f"package_name {name!r} shadows the standard library module {name!r}: "
            "choose another name"
        )
    if name in DEPENDENCY_MODULES:
        return f"package_name {name!r} shadows the dependency or tool {name!r}: choose another name"
    return None


def check_email(email: str) -> str | None:
    if not EMAIL_PATTERN.match(email):
        return (
            f"author_email {email!r} is not an e-mail address: expected the form name@example.com"
        )
    return None


def check_version(version: str) -> str | None:
    if not PEP440_PATTERN.match(version):
        return (
            f"version {version!r} is not a PEP 440 version: "
            "expected something like 0.1.0 or 1.0.0rc1"
        )
    return None


def check_text(field: str, value: str) -> str | None:
    if not value.strip():
        return f"{field} is empty: give a non-blank value"
    if any(character in value for character in '"\\\n\r'):
        return f"{field} {value!r} contains a quote, backslash or line break: use plain text"
    return None


def check_choice(field: str) -> str | None:
    value = CONTEXT[field]
    allowed = list(OPTION_PATHS[field])
    if value not in allowed:
        return f"{field} {value!r} is not one of the supported choices: {', '.join(allowed)}"
    return None


def problems() -> list[str]:
    found = [
        check_text("project_name", str(CONTEXT["project_name"])),
        check_text("description", str(CONTEXT["description"])),
        check_text("author_name", str(CONTEXT["author_name"])),
        check_slug(str(CONTEXT["project_slug"])),
        check_package(str(CONTEXT["package_name"])),
        check_email(str(CONTEXT["author_email"])),
        check_version(str(CONTEXT["version"])),
        *(check_choice(field) for field in OPTION_PATHS),
    ]
    return [problem for problem in found if problem]


def main() -> int:
    found = problems()
    for problem in found:
        print(f"ERROR: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
