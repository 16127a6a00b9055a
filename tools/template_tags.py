"""Report the Jinja block tags (`{%`) in the template's files, against their budgets.

    uv run python tools/template_tags.py [--all]

The budgets keep the files every option touches readable: an option should bring whole
files of its own (listed in cookiecutter.json's `_option_paths`), leaving the shared files
only the conditionals they cannot avoid. The report informs a review; it fails nothing.
Without --all it lists the files that have tags at all.
"""

from __future__ import annotations

import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent / "{{cookiecutter.project_slug}}"
TAG = "{%"
PYTHON_MODULE_BUDGET = 6
# Configuration files every variant shares; the README takes what it needs.
CONFIGURATION_BUDGETS = {
    "pyproject.toml": 12,
    "compose.yaml": 12,
    ".github/workflows/ci.yml": 12,
    ".env.example": 12,
}


def budget(relative: str) -> int | None:
    if relative.endswith(".py"):
        return PYTHON_MODULE_BUDGET
    return CONFIGURATION_BUDGETS.get(relative)


def main(argv: list[str]) -> int:
    rows = []
    for path in sorted(PROJECT.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        relative = path.relative_to(PROJECT).as_posix()
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        tags = text.count(TAG)
        if tags or "--all" in argv:
            rows.append((relative, tags, len(text.splitlines()), budget(relative)))
    width = max(len(row[0]) for row in rows)
    print(f"{'file':<{width}}  tags  lines  budget")
    for relative, tags, lines, limit in sorted(rows, key=lambda row: (-row[1], row[0])):
        over = "  over" if limit is not None and tags > limit else ""
        shown = "-" if limit is None else str(limit)
        print(f"{relative:<{width}}  {tags:>4}  {lines:>5}  {shown:>6}{over}")
    over_budget = sum(1 for row in rows if row[3] is not None and row[1] > row[3])
    print(f"\n{over_budget} file(s) over budget")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
