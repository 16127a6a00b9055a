"""The benchmark: the generated app against a tutorial-style app and an in-memory ceiling.

    uv run python bench/run.py --database postgresql

renders the variant, serves it and the two baselines of bench/baselines from the same
database and rows, loads each endpoint with wrk in interleaved rounds, and prints one
table of medians. bench/README.md explains the options and how to read the table.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

import httpx

# The template's own test helpers render variants and start throwaway PostgreSQL and Redis.
sys.path.append(str(Path(__file__).resolve().parents[1] / "tests"))

from apps import (
    App,
    app_environment,
    baseline_command,
    generated_command,
    running_app,
    sign_in,
    taskset_executable,
)
from helpers.servers import LOOPBACK, PostgresServer, RedisServer, free_port
from helpers.template import choice_options
from loadgen import CONNECTIONS, ENDPOINT_PATHS, Measurement, run_wrk, wrk_executable
from project import (
    BenchError,
    Project,
    Variant,
    configure,
    install,
    migrate,
    render_project,
)
from seed import (
    DEFAULT_TASKS,
    Database,
    PostgresDatabase,
    SqliteDatabase,
    get_ids,
    remove_created,
    seed,
    seeded_task,
)
from table import (
    GENERATED,
    Results,
    format_comparison,
    format_final_rss,
    format_table,
)

ENDPOINTS = tuple(ENDPOINT_PATHS)
# High enough that wrk is never answered 429, so the limiter counts every request, but over
# one second: a moving window remembers each request it holds, and its cost per request
# grows with them. A budget of 1,000,000 a minute held tens of thousands of timestamps for
# wrk's one user by the end of a run (the default limit, 100 a minute, holds 100 at most), and
# cost the jwt + redis list about 6% (18,602 in Redis: 823 against 875 req/s at 5,000 a
# second, four interleaved 5 s runs).
UNLIMITED_RATE = "5000/second"
# wrk's bearer token outlives any run (the default 30 minutes might not).
LOGIN_LIFETIME_MINUTES = "1440"
VARIANT_OPTIONS = ("database", "auth", "rate_limiting", "python_version")
# uvicorn's event loops. asyncio first: the generated image installs no uvloop (its
# production dependencies do not), so that is the loop its users serve on.
LOOPS = ("asyncio", "uvloop")


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Target:
    """An app under load: its name in the table, what wrk sends it, where its rows live
    and how many tasks were seeded there."""

    app: App
    headers: dict[str, str]
    database: Database
    tasks: int
    endpoints: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.app.name


class Services:
    """The databases and Redis of the run, started on first need and stopped with it."""

    def __init__(self, stack: ExitStack, workdir: Path) -> None:
        self.stack = stack
        self.workdir = workdir
        self._postgres: PostgresServer | None = None
        self._redis: RedisServer | None = None

    def database(self, variant: Variant, name: str) -> Database:
        """A fresh, empty database for one variant (its migrations create the tables)."""
        if variant.database == "sqlite":
            return SqliteDatabase(self.workdir / f"{name}.db")
        server = self.postgres()
        url = server.create_database(name)
        return PostgresDatabase(
            psql=server.bin_dir / "psql", host=LOOPBACK, port=server.port, name=url.rsplit("/")[-1]
        )

    def postgres(self) -> PostgresServer:
        if self._postgres is None:
            log("starting PostgreSQL")
            self._postgres = PostgresServer.start()
            self.stack.callback(self._postgres.stop)
        return self._postgres

    def redis_url(self) -> str:
        if self._redis is None:
            log("starting Redis")
            self._redis = RedisServer.start()
            self.stack.callback(self._redis.stop)
        return self._redis.url()


def variant_settings(variant: Variant, database: Database, services: Services) -> dict[str, str]:
    """What the benchmark puts in the generated .env; the rest keeps its defaults."""
    settings = {"ENVIRONMENT": "development", "LOG_LEVEL": "WARNING", "DATABASE_URL": database.url}
    if variant.rate_limiting != "none":
        settings["RATE_LIMIT_DEFAULT"] = UNLIMITED_RATE
    if variant.rate_limiting == "redis":
        settings["REDIS_URL"] = services.redis_url()
    if variant.auth == "jwt":
        settings["ACCESS_TOKEN_EXPIRE_MINUTES"] = LOGIN_LIFETIME_MINUTES
    return settings


def prepare(variant: Variant, name: str, services: Services) -> tuple[Project, Database]:
    """Render, configure, install and migrate one variant, on a database of its own."""
    log(f"rendering {variant.label}")
    project = render_project(variant, services.workdir / name)
    database = services.database(variant, name)
    configure(project, variant_settings(variant, database, services))
    log(f"uv sync in {project.path}")
    install(project)
    migrate(project)
    return project, database


def start_generated(
    stack: ExitStack,
    name: str,
    project: Project,
    database: Database,
    *,
    tasks: int,
    endpoints: tuple[str, ...],
    loop: str,
) -> tuple[Target, int | None]:
    """Serve the generated app, sign in, seed its database; return it and the tasks' owner."""
    port = free_port()
    command = generated_command(project, port, loop=loop)
    log_file = project.path.parent / f"{name}.log"
    env = app_environment({}, project)
    app = stack.enter_context(running_app(name, command, port, project, env, log_file))
    # With jwt the seeded tasks must belong to the user wrk signs in as.
    headers, owner_id = sign_in(app, project)
    seed(database, tasks, owner_id)
    return Target(app, headers, database, tasks, endpoints), owner_id


def start_baseline(
    stack: ExitStack,
    module: str,
    project: Project,
    database: Database,
    base: Target,
    owner: int | None,
    *,
    loop: str,
) -> Target:
    """Serve a baseline of bench/baselines on the generated app's database and rows."""
    extra = {"BENCH_DATABASE_URL": database.url, "BENCH_PACKAGE": project.package}
    if owner is not None:
        extra["BENCH_OWNER_ID"] = str(owner)
    port = free_port()
    command = baseline_command(project, module, port, loop=loop)
    log_file = project.path.parent / f"{module}.log"
    env = app_environment(extra, project)
    app = stack.enter_context(running_app(module, command, port, project, env, log_file))
    return Target(app, base.headers, database, base.tasks, base.endpoints)


def check_same_rows(targets: Sequence[Target]) -> None:
    """Every app must serve the seeded rows before anything is measured."""
    for target in targets:
        first_id = get_ids(target.tasks)[0]
        expected_title = seeded_task(first_id)["title"]
        with httpx.Client(
            base_url=target.app.base_url, headers=target.headers, timeout=10
        ) as client:
            page = client.get(ENDPOINT_PATHS["list"])
            task = client.get(f"/api/v1/tasks/{first_id}")
        if page.status_code != 200 or page.json()["total"] != target.tasks:
            raise BenchError(
                f"{target.name}: the list does not show the {target.tasks} rows: {page.text}"
            )
        if task.status_code != 200 or task.json()["title"] != expected_title:
            raise BenchError(f"{target.name}: task {first_id} is not the seeded one: {task.text}")


def rotated(items: Sequence[Target], by: int) -> list[Target]:
    """The items, starting at a different one each round, so no app is always first."""
    shift = by % len(items) if items else 0
    return [*items[shift:], *items[:shift]]


def load(target: Target, endpoint: str, seconds: int, connections: int) -> Measurement:
    """One wrk run against one app. Afterwards the app is let finish the requests wrk gave
    up on, then the rows a create run added are deleted: every run starts from an idle
    app and the seeded table."""
    measurement = run_wrk(
        taskset_executable(),
        target.app.base_url,
        endpoint,
        seconds,
        target.headers,
        task_ids=get_ids(target.tasks),
        connections=connections,
    )
    if target.app.process.poll() is not None:
        raise BenchError(f"{target.name} died under load:\n{target.app.log_tail()}")
    target.app.wait_until_idle()
    if endpoint == "create":
        remove_created(target.database, target.tasks)
    return measurement


def warm_up(
    targets: Sequence[Target], endpoints: Sequence[str], seconds: int, connections: int
) -> None:
    """Unmeasured load first, so lazy imports, caches and connection pools have settled."""
    for target in targets:
        for endpoint in endpoints:
            if endpoint in target.endpoints:
                log(f"warm-up: {endpoint} on {target.name}")
                load(target, endpoint, seconds, connections)


def measure(
    targets: Sequence[Target],
    endpoints: Sequence[str],
    rounds: int,
    seconds: int,
    connections: int,
) -> Results:
    """Every round loads each endpoint on every app in turn, in an order that rotates per
    round: a slow phase of the machine then hits every app, not always the same one."""
    results = Results()
    for round_index in range(rounds):
        for endpoint in endpoints:
            taking_part = [target for target in targets if endpoint in target.endpoints]
            for target in rotated(taking_part, round_index):
                log(f"round {round_index + 1}/{rounds}: {endpoint} on {target.name}")
                measurement = load(target, endpoint, seconds, connections)
                results.add(endpoint, target.name, measurement, target.app.worker_rss_mb())
    results.final_rss_mb = {target.name: target.app.worker_rss_mb() for target in targets}
    return results


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return platform.processor() or "unknown CPU"


def machine_summary(project: Project) -> str:
    return (
        f"Machine: {len(os.sched_getaffinity(0))} cores ({cpu_model()}), "
        f"apps on Python {project.python_version()}, {platform.system()} {platform.release()}, "
        f"{datetime.now(UTC):%Y-%m-%d}"
    )


def report(
    args: argparse.Namespace, project: Project, results: Results, compared: dict[str, Variant]
) -> str:
    apps = [GENERATED, *compared, "tutorial", "memory"]
    lines = [
        machine_summary(project),
        f"Variant: {project.variant.label}, {args.tasks:,} tasks. {args.rounds} round(s) of "
        f"{args.duration:g} s per app and endpoint, {args.connections} connections, "
        f"{args.loop} event loop, medians over the rounds.",
        "",
        format_table(results, args.endpoints, apps),
        "",
        format_final_rss(results),
    ]
    lines.extend(
        format_comparison(
            results,
            name,
            project.variant.label,
            judged=is_the_targets_comparison(project.variant, variant),
        )
        for name, variant in compared.items()
        if results.runs["list", name]
    )
    return "\n".join(lines)


def report_app_logs(targets: Sequence[Target]) -> None:
    """The apps log warnings and errors only: anything there is worth a look."""
    for target in targets:
        lines = target.app.log.read_text(errors="replace").splitlines()
        if lines:
            tail = target.app.log_tail(15)
            log(f"{target.name} logged {len(lines)} line(s); the last ones:\n{tail}")


def is_the_targets_comparison(base: Variant, compared: Variant) -> bool:
    """Whether the template's target applies: jwt + redis against none/none, on one database."""
    return (base.auth, base.rate_limiting, compared.auth, compared.rate_limiting) == (
        "none",
        "none",
        "jwt",
        "redis",
    ) and base.database == compared.database


def compare_name_for(variant: Variant, compare: Variant) -> str:
    changed = [
        f"{option}={getattr(compare, option)}"
        for option in VARIANT_OPTIONS
        if getattr(compare, option) != getattr(variant, option)
    ]
    return f"generated [{', '.join(changed) or 'same options'}]"


def start_targets(
    stack: ExitStack, args: argparse.Namespace, services: Services
) -> tuple[list[Target], Project, dict[str, Variant]]:
    """Prepare and serve every app: the generated one, the compared variants if asked for,
    and the two baselines on the generated app's database. Returns them, the generated
    project, and the compared variants by their names in the table."""
    variant = Variant(args.database, args.auth, args.rate_limiting, args.python_version)
    compared: dict[str, Variant] = {}
    for overrides in args.compare_variant or []:
        compare = replace(variant, **overrides)
        compare_name = compare_name_for(variant, compare)
        if compare_name in compared:
            raise BenchError(f"--compare-variant given twice for {compare_name}")
        compared[compare_name] = compare
    project, database = prepare(variant, "main", services)
    generated, owner = start_generated(
        stack,
        GENERATED,
        project,
        database,
        tasks=args.tasks,
        endpoints=tuple(args.endpoints),
        loop=args.loop,
    )
    targets = [generated]
    for index, (compare_name, compare) in enumerate(compared.items(), start=1):
        compare_project, compare_database = prepare(compare, f"compare-{index}", services)
        compared_app, _ = start_generated(
            stack,
            compare_name,
            compare_project,
            compare_database,
            tasks=args.tasks,
            endpoints=("list",),
            loop=args.loop,
        )
        targets.append(compared_app)
    for module in ("tutorial", "memory"):
        targets.append(
            start_baseline(stack, module, project, database, generated, owner, loop=args.loop)
        )
    return targets, project, compared


def benchmark(args: argparse.Namespace) -> str:
    """Everything between start and report; every server started here is stopped here,
    whatever happens (the ExitStack unwinds on errors, Ctrl-C and SIGTERM too)."""
    wrk_executable()  # installed now if missing, before the slow preparations
    with ExitStack() as stack:
        workdir = Path(tempfile.mkdtemp(prefix="bench-"))
        if args.keep:
            stack.callback(log, f"kept {workdir}")
        else:
            stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        targets, project, compared = start_targets(stack, args, Services(stack, workdir))
        check_same_rows(targets)
        if args.warmup > 0:
            warm_up(targets, args.endpoints, args.warmup, args.connections)
        results = measure(targets, args.endpoints, args.rounds, args.duration, args.connections)
        report_app_logs(targets)
        return report(args, project, results, compared)


def at_least(minimum: int) -> Callable[[str], int]:
    """A parser of whole numbers from minimum up (wrk takes whole seconds only)."""

    def parse(text: str) -> int:
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {text}")
        return value

    return parse


def endpoint_list(text: str) -> list[str]:
    chosen = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in ENDPOINTS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"choose among {', '.join(ENDPOINTS)}, got {text!r}")
    return [name for name in ENDPOINTS if name in chosen]


def variant_overrides(text: str) -> dict[str, str]:
    """`auth=jwt,rate_limiting=redis`: the options in which the compared variant differs."""
    options = choice_options()
    overrides = {}
    for part in text.split(","):
        option, separator, value = part.strip().partition("=")
        option = option.strip().replace("-", "_")
        if not separator or option not in VARIANT_OPTIONS:
            raise argparse.ArgumentTypeError(
                f"expected OPTION=VALUE, OPTION among {', '.join(VARIANT_OPTIONS)}: {part!r}"
            )
        if value.strip() not in options[option]:
            raise argparse.ArgumentTypeError(
                f"{option} is one of {', '.join(options[option])}, got {value!r}"
            )
        overrides[option] = value.strip()
    return overrides


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    options = choice_options()
    parser = argparse.ArgumentParser(
        prog="bench/run.py",
        description="Benchmark a variant of the generated app against a tutorial-style app "
        "and an in-memory ceiling (see bench/README.md).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--database", choices=options["database"], default=options["database"][0])
    parser.add_argument("--auth", choices=options["auth"], default="none")
    parser.add_argument("--rate-limiting", choices=options["rate_limiting"], default="none")
    parser.add_argument(
        "--python-version", choices=options["python_version"], default=options["python_version"][0]
    )
    parser.add_argument("--rounds", type=at_least(1), default=3, help="measured rounds")
    parser.add_argument("--duration", type=at_least(1), default=10, help="seconds per run")
    parser.add_argument(
        "--warmup", type=at_least(0), default=2, help="seconds per app and endpoint before round 1"
    )
    parser.add_argument("--connections", type=at_least(1), default=CONNECTIONS)
    parser.add_argument(
        "--loop",
        choices=LOOPS,
        default=LOOPS[0],
        help="uvicorn's event loop for every app (asyncio: what the generated image runs)",
    )
    parser.add_argument(
        "--tasks", type=at_least(10), default=DEFAULT_TASKS, help="tasks seeded before the runs"
    )
    parser.add_argument(
        "--endpoints", type=endpoint_list, default=list(ENDPOINTS), help="comma-separated"
    )
    parser.add_argument(
        "--compare-variant",
        type=variant_overrides,
        action="append",
        metavar="OPTION=VALUE,...",
        help="also serve this variant of the generated app and compare its list throughput "
        "(repeatable: one variant each)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary folder (projects, logs, data)"
    )
    return parser.parse_args(argv)


def stop_on_signals() -> None:
    """SIGTERM and SIGHUP end the run as Ctrl-C does, so every server is stopped on the way."""

    def interrupt(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupt)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    try:
        print(benchmark(args))
    except BenchError as error:
        log(f"failed: {error}")
        return 1
    except KeyboardInterrupt:
        log("interrupted; the servers were stopped")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
