"""Generated APIs keep their OpenAPI contract under fuzzing: no 500s, no undocumented answers.

Schemathesis reads each running API's own /openapi.json, sends schema-valid and invalid
requests (property-based, then stateful sequences), and checks every response against the
schema: status codes, headers, bodies, and that valid data is accepted.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from helpers.api import running_server, sign_in
from helpers.commands import as_text, generated_project_env, run, uv_executable
from helpers.servers import PostgresServer
from helpers.template import Answers, default_answers, render, resolved_answers, variant_id

FUZZ_TIMEOUT_SECONDS = 600
CONFIG_FILE = Path(__file__).with_name("schemathesis.toml")
# A fixed seed keeps a failure reproducible: rerun the printed command to see it again.
FUZZ_ARGUMENTS = ["--max-examples", "40", "--seed", "20261126", "--workers", "1"]


def contract_variants() -> list[Answers]:
    """Each way of authenticating on the embedded database, and the default one on
    PostgreSQL, which refuses values SQLite stores (text holding U+0000, say). All without
    rate limits: a fuzzer is a flood, and limits would turn most of its requests into 429s.
    """
    unlimited = {**default_answers(), "rate_limiting": "none"}
    return [
        *({**unlimited, "auth": auth} for auth in ("jwt", "api_key", "none")),
        {**unlimited, "database": "postgresql"},
    ]


def served_database(answers: Answers, request: pytest.FixtureRequest) -> dict[str, str]:
    """The server's DATABASE_URL: on PostgreSQL, a fresh database of the session's server;
    on SQLite, none (the project's own .env names a file in the project)."""
    if answers["database"] != "postgresql":
        return {}
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return {"DATABASE_URL": server.create_database("contract")}


def schemathesis_executable() -> str:
    found = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    if not found:
        pytest.fail("schemathesis not found: run the suite with `uv run pytest`", pytrace=False)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("answers", contract_variants(), ids=variant_id)
def test_fuzzed_api_keeps_its_openapi_contract(
    answers: Answers, tmp_path: Path, request: pytest.FixtureRequest
):
    project = render(tmp_path, **answers)
    package = resolved_answers(**answers)["package_name"]
    env = generated_project_env(answers["python_version"], **served_database(answers, request))
    run([uv_executable(), "sync"], cwd=project, env=env)
    run([uv_executable(), "run", "alembic", "upgrade", "head"], cwd=project, env=env)

    log = tmp_path / "server.log"
    server = f"{uv_executable()} run uvicorn {package}.main:app --host 127.0.0.1"
    with running_server(server, project, env, log) as base_url:
        with httpx.Client(base_url=base_url, timeout=10) as client:
            headers = sign_in(client, answers["auth"], project)
        command = [
            schemathesis_executable(),
            "--config-file",
            str(CONFIG_FILE),
            "run",
            f"{base_url}/openapi.json",
            *FUZZ_ARGUMENTS,
        ]
        for name, value in headers.items():
            command += ["--header", f"{name}: {value}"]
        # Run in the test's folder: schemathesis keeps a cache where it runs.
        fuzz = subprocess.run(
            command,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=FUZZ_TIMEOUT_SECONDS,
            check=False,
        )

    report = as_text(fuzz.stdout)
    assert fuzz.returncode == 0, f"schemathesis found contract violations:\n{report}"
    assert "Unhandled error" not in log.read_text(), log.read_text()
