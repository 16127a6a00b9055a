"""Replicas of a generated API behind a real load balancer (HAProxy), all on loopback.

A Replica is one API process started with the generated Dockerfile's start command (migrate,
then uvicorn), on a port of its own that it keeps across restarts. The LoadBalancer is an
HAProxy in the foreground, in a temporary folder of its own, that health-checks the
replicas and is driven through its admin socket (draining a replica before it stops).
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from helpers.api import stop_process_group, wait_until_healthy
from helpers.containers import dockerfile_cmd, listening_on
from helpers.servers import LOOPBACK, START_TIMEOUT_SECONDS, ServerError, free_port

BACKEND = "replicas"
# uvicorn's graceful shutdown: requests in flight at SIGTERM get this long to finish. As
# the generated README advises: below the 10 s docker stop waits before SIGKILL.
GRACEFUL_SHUTDOWN_SECONDS = 8
# What uvicorn logs once the application's lifespan has ended (its pool closed).
SHUTDOWN_COMPLETE = "Application shutdown complete."
# HAProxy reuses its idle connections to a replica. With uvicorn's default keep-alive of 5 s,
# a replica could close one just as HAProxy sent a request on it: HAProxy then closes the
# client's connection without an answer (1 GET in 10,257 of a rolling restart got
# "Server disconnected without sending a response", HAProxy logging nothing). The CMD must
# keep idle connections open longer than balancers keep theirs (AWS's ALB and nginx: 60 s).
MIN_KEEP_ALIVE_SECONDS = 60
# How often HAProxy checks each replica's /health, and how many answers change its mind.
CHECK_INTERVAL_MS = 500
CHECKS_TO_FALL = 2
CHECKS_TO_RISE = 2
# Where Debian's haproxy package puts the program, when it is not on PATH.
DEBIAN_HAPROXY = Path("/usr/sbin/haproxy")

# The load balancer a team would put in front of the replicas:
# - health checks on /health (liveness), not /health/ready, as the generated README
#   advises: readiness answers 503 while the shared database is down, which would take
#   every replica out at once, and clients would get HAProxy's own 503 page instead of the
#   API's JSON 503 with Retry-After (a Redis outage only makes readiness "degraded", still 200);
# - a connection a replica refuses (stopped, not yet listening) is retried on another
#   replica (`retry-on conn-failure`, HAProxy's default, with `option redispatch`): the
#   request was never sent, so retrying it is safe, even for a POST;
# - no retry of a request that was sent (`empty-response` and friends): a POST whose
#   connection broke may have created its task, and replaying it would create it twice.
#   Planned restarts drain the replica first instead (LoadBalancer.drain): with SIGTERM
#   alone, uvicorn closes its idle kept-alive connections, and a request HAProxy sends on
#   one at that moment gets no answer (1 request in 13,747 in a rolling restart);
# - client keep-alive (10 s) outlasts the load client's (2 s), so HAProxy never closes a
#   connection a client is about to reuse.
CONFIG = """\
global
    stats socket {admin_socket} mode 600 level admin
    log stdout format raw local0
    maxconn 2000

defaults
    mode http
    log global
    option httplog
    option forwardfor
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    timeout queue 10s
    timeout http-keep-alive 10s
    retries 3
    option redispatch 1
    retry-on conn-failure

frontend api
    bind {address}:{port}
    default_backend {backend}
    # Which replica answered, for the tests (a real deployment would rather log it).
    http-response set-header X-Replica %s

backend {backend}
    balance roundrobin
    option httpchk GET /health
    http-check expect status 200
    default-server check inter {inter}ms fall {fall} rise {rise}
{servers}
"""


def haproxy_executable() -> str:
    found = shutil.which("haproxy") or (str(DEBIAN_HAPROXY) if DEBIAN_HAPROXY.exists() else None)
    if found is None:
        raise ServerError("haproxy not found on PATH nor in /usr/sbin: apt-get install haproxy")
    return found


@dataclass
class LoadBalancer:
    base_dir: Path
    port: int
    process: subprocess.Popen[bytes]
    servers: dict[str, int]

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def admin_socket(self) -> Path:
        return self.base_dir / "admin.sock"

    @property
    def log_file(self) -> Path:
        return self.base_dir / "haproxy.log"

    @classmethod
    def start(cls, servers: Mapping[str, int]) -> LoadBalancer:
        """HAProxy in front of the named loopback ports; returns once every one is UP."""
        base_dir = Path(tempfile.mkdtemp(prefix="template-tests-haproxy-"))
        port = free_port()
        config = base_dir / "haproxy.cfg"
        config.write_text(
            CONFIG.format(
                admin_socket=base_dir / "admin.sock",
                address=LOOPBACK,
                port=port,
                backend=BACKEND,
                inter=CHECK_INTERVAL_MS,
                fall=CHECKS_TO_FALL,
                rise=CHECKS_TO_RISE,
                servers="\n".join(
                    f"    server {name} {LOOPBACK}:{server_port}"
                    for name, server_port in servers.items()
                ),
            )
        )
        try:
            executable = haproxy_executable()
            with (base_dir / "haproxy.log").open("wb") as log:
                # -db: stay in the foreground; -W: master-worker, so SIGTERM stops it all.
                process = subprocess.Popen(
                    [executable, "-W", "-db", "-f", str(config)],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        except (ServerError, OSError):
            shutil.rmtree(base_dir, ignore_errors=True)
            raise
        balancer = cls(base_dir=base_dir, port=port, process=process, servers=dict(servers))
        try:
            for name in servers:
                balancer.wait_for_status(name, "UP")
        except ServerError:
            balancer.stop()
            raise
        return balancer

    def stop(self) -> None:
        stop_process_group(self.process)
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def command(self, line: str) -> str:
        """One command on the admin socket, and its answer."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(5)
            connection.connect(str(self.admin_socket))
            connection.sendall(f"{line}\n".encode())
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def stats(self) -> dict[str, dict[str, str]]:
        """`show stat` of the backend's servers, by name: status, scur, stot, ..."""
        rows = csv.DictReader(self.command("show stat").removeprefix("# ").splitlines())
        return {
            row["svname"]: row
            for row in rows
            if row["pxname"] == BACKEND and row["svname"] in self.servers
        }

    def drain(self, name: str) -> None:
        """No new request goes to the replica; requests it is serving go on."""
        self._set_state(name, "drain")

    def ready(self, name: str) -> None:
        """The replica gets its share of requests again (once its health checks pass)."""
        self._set_state(name, "ready")

    def _set_state(self, name: str, state: str) -> None:
        answer = self.command(f"set server {BACKEND}/{name} state {state}")
        if answer.strip():
            raise ServerError(f"HAProxy refused `state {state}` for {name}: {answer.strip()}")

    def wait_for_status(self, name: str, status: str, timeout: float = START_TIMEOUT_SECONDS):
        """Wait until HAProxy reports the server in this status (UP, DOWN, DRAIN, ...)."""
        deadline = time.monotonic() + timeout
        seen = "nothing"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(
                    f"haproxy exited with {self.process.returncode}:\n{self.log_file.read_text()}"
                )
            try:
                seen = self.stats()[name]["status"]
            except (OSError, KeyError):
                seen = "no answer on the admin socket"
            if seen.split(" ", 1)[0] == status:
                return
            time.sleep(0.05)
        raise ServerError(f"HAProxy did not report {name} {status} within {timeout}s: {seen}")


def start_command(project: Path, port: int) -> str:
    """The generated Dockerfile's CMD (migrate, then uvicorn) on a loopback port.

    uvicorn waits for requests in flight at SIGTERM as long as they take, unless
    --timeout-graceful-shutdown bounds it: the CMD must bound it.
    """
    arguments = dockerfile_cmd(project)
    if arguments[:2] != ["sh", "-c"]:
        raise ServerError(f"the Dockerfile's CMD is not `sh -c '... uvicorn ...'`: {arguments}")
    bound = f"--timeout-graceful-shutdown {GRACEFUL_SHUTDOWN_SECONDS}"
    if bound not in arguments[2]:
        raise ServerError(f"the Dockerfile's CMD does not bound the shutdown with `{bound}`")
    keep_alive = re.search(r"--timeout-keep-alive (\d+)", arguments[2])
    if keep_alive is None or int(keep_alive[1]) < MIN_KEEP_ALIVE_SECONDS:
        raise ServerError(
            "the Dockerfile's CMD must keep idle connections open at least "
            f"{MIN_KEEP_ALIVE_SECONDS} s (--timeout-keep-alive), longer than a load balancer "
            "keeps its own"
        )
    return listening_on(arguments[2], f"--host {LOOPBACK} --port {port}")


@dataclass
class Replica:
    """One API process: the Docker image's start command, run from the project folder
    with the project's virtual environment first on PATH (as the image has it)."""

    name: str
    project: Path
    env: dict[str, str]
    log_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def log_file(self) -> Path:
        """The log of the latest start (every start has its own)."""
        return self.log_dir / f"{self.name}-{self.starts}.log"

    def logs(self) -> str:
        return "".join(
            (self.log_dir / f"{self.name}-{number}.log").read_text()
            for number in range(1, self.starts + 1)
        )

    def spawn(self) -> None:
        """Start the process; wait_until_healthy() waits for it to serve."""
        self.starts += 1
        env = {
            **self.env,
            "PATH": f"{self.project / '.venv' / 'bin'}{os.pathsep}{self.env['PATH']}",
        }
        with self.log_file.open("wb") as log:
            self.process = subprocess.Popen(
                ["sh", "-c", start_command(self.project, self.port)],
                cwd=self.project,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_until_healthy(self) -> None:
        assert self.process is not None
        wait_until_healthy(self.url, self.process, self.log_file)

    def terminate(self) -> int:
        """SIGTERM, as an orchestrator stops a container; wait for the exit and return its
        status. It must exit within the graceful shutdown time-out, with a margin."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=GRACEFUL_SHUTDOWN_SECONDS + 10)

    def stop(self) -> None:
        if self.process is not None:
            stop_process_group(self.process)
