"""The production stack on this machine: what `Procfile` runs, on real engines, for the heavy batteries.

    python -m scripts.stack run -- <command ...>   start the stack, run the command against it, stop it
    python -m scripts.stack up                     start it and keep it until Ctrl-C (to look around)

What starts, in order:
  1. checks: PostgreSQL at PROD_CHECK_ADMIN_URL (default the machine's server, 127.0.0.1:5432, trust
     auth) and Redis at PROD_CHECK_REDIS_URL (default 127.0.0.1:6379, database 7); a clear message and
     exit code 2 when either is not there;
  2. a fresh database `portal_prod_check` (PROD_CHECK_DATABASE), static files collected, the Procfile's
     `release` (every schema migrated) and the demo data;
  3. a local SMTP server keeping every email as a file (scripts/smtp_sink.py), so tests read what was sent;
  4. the Procfile's `web` twice (two gunicorn processes, as two machines behind a load balancer), and
     its `worker` and `beat`, with DEBUG off, as in production.
The command then runs with DATABASE_URL, REDIS_URL and PORTAL_STACK (the path of a JSON file describing
the running stack: ports, process ids, the mail folder, the logs) in its environment. Afterwards every
process started here is stopped, the database dropped and the Redis database emptied.

Web requests must carry `X-Forwarded-Proto: https` (the load balancer's header; the portal redirects
plain http) and a `Host` of the portal (`localhost`, `acme.localhost`, ...): see scripts/portal_client.py.
Ports (PROD_CHECK_PORTS, default "8171 8172 8175"): the two web processes and the SMTP server.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = BASE_DIR / ".venv" / "bin"
START_SECONDS = 90
APPLICATION_NAME = "portal-stack"


class StackError(RuntimeError):
    """Something the stack needs is missing; the message says what and how to fix it."""


# --- configuration ----------------------------------------------------------------------------------


def _ports() -> tuple[int, int, int]:
    values = [int(port) for port in os.environ.get("PROD_CHECK_PORTS", "8171 8172 8175").split()]
    if len(values) != 3:
        raise StackError("PROD_CHECK_PORTS takes three ports: two web processes and the SMTP server")
    return values[0], values[1], values[2]


@dataclass
class Config:
    admin_url: str = field(
        default_factory=lambda: os.environ.get("PROD_CHECK_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    database: str = field(default_factory=lambda: os.environ.get("PROD_CHECK_DATABASE", "portal_prod_check"))
    redis_url: str = field(default_factory=lambda: os.environ.get("PROD_CHECK_REDIS_URL", "redis://127.0.0.1:6379/7"))
    web_ports: tuple[int, int] = field(default_factory=lambda: _ports()[:2])
    smtp_port: int = field(default_factory=lambda: _ports()[2])
    web_concurrency: int = field(default_factory=lambda: int(os.environ.get("WEB_CONCURRENCY", "2")))
    # STACK_WEB_CPUS (e.g. "0"): the web processes run on these CPUs only (taskset), to measure what one
    # web core serves; STACK_OTHER_CPUS: the worker, beat and mail sink on these.
    web_cpus: str = field(default_factory=lambda: os.environ.get("STACK_WEB_CPUS", ""))
    other_cpus: str = field(default_factory=lambda: os.environ.get("STACK_OTHER_CPUS", ""))
    seed_demo: bool = True

    @property
    def database_url(self) -> str:
        parts = urlsplit(self.admin_url)
        return urlunsplit((parts.scheme, parts.netloc, f"/{self.database}", "", ""))


def procfile() -> dict[str, str]:
    """The Procfile's process types, exactly as production runs them."""
    processes = {}
    for line in (BASE_DIR / "Procfile").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, command = line.split(":", 1)
            processes[name.strip()] = command.strip()
    return processes


def static_root() -> Path:
    """Where the build step collects static files: kept between runs while the sources are the same
    (compressing 30 MB of API documentation assets takes a minute on a small machine)."""
    digest = hashlib.sha256((BASE_DIR / "requirements.txt").read_bytes())
    for path in sorted((BASE_DIR / "static").rglob("*")):
        if path.is_file():
            digest.update(f"{path.relative_to(BASE_DIR)}:{path.stat().st_size}:{path.stat().st_mtime_ns}".encode())
    return Path(tempfile.gettempdir()) / f"portal-stack-static-{digest.hexdigest()[:16]}"


# --- the services we need but do not start ----------------------------------------------------------


def check_postgres(config: Config) -> str:
    import psycopg

    try:
        with psycopg.connect(config.admin_url, connect_timeout=3, autocommit=True) as connection:
            return connection.execute("SHOW server_version").fetchone()[0]
    except psycopg.OperationalError as error:
        where = urlsplit(config.admin_url)
        raise StackError(
            f"PostgreSQL is not reachable at {where.hostname}:{where.port or 5432} ({str(error).strip()}).\n"
            "Start it (Debian: `service postgresql start` or `pg_ctlcluster 15 main start`), or point "
            "PROD_CHECK_ADMIN_URL at a server where this user may create databases."
        ) from None


def check_redis(config: Config) -> str:
    import redis

    try:
        client = redis.Redis.from_url(config.redis_url, socket_connect_timeout=3)
        return client.info("server")["redis_version"]
    except redis.exceptions.ConnectionError as error:
        where = urlsplit(config.redis_url)
        raise StackError(
            f"Redis is not reachable at {where.hostname}:{where.port or 6379} ({error}).\n"
            "Start it (Debian: `service redis-server start`, or `redis-server --daemonize yes`), or point "
            "PROD_CHECK_REDIS_URL at one."
        ) from None


def _admin(config: Config, *statements: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(config.admin_url, autocommit=True) as connection:
        for statement in statements:
            connection.execute(sql.SQL(statement).format(name=sql.Identifier(config.database)))


def _database_command(action: str, config: Config) -> bool:
    """PROD_CHECK_DATABASE_COMMAND, when set, creates and drops the database instead (`<command> create|drop
    <name>`): a Citus cluster needs it on every node (scripts/citus.py)."""
    command = os.environ.get("PROD_CHECK_DATABASE_COMMAND")
    if command:
        subprocess.run([*shlex.split(command), action, config.database], check=True, cwd=BASE_DIR)
    return bool(command)


def database_create(config: Config) -> None:
    # A database left by an interrupted run goes first.
    if not _database_command("create", config):
        _admin(config, "DROP DATABASE IF EXISTS {name} WITH (FORCE)", "CREATE DATABASE {name}")


def database_drop(config: Config) -> None:
    if not _database_command("drop", config):
        _admin(config, "DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def redis_flush(config: Config) -> None:
    import redis

    redis.Redis.from_url(config.redis_url, socket_connect_timeout=3).flushdb()


# --- processes --------------------------------------------------------------------------------------


@dataclass
class Process:
    name: str
    pid: int
    log: str


class Stack:
    """Start with `start()`, stop with `stop()`; `state` describes it for the tests (see `load_state`)."""

    def __init__(self, config: Config | None = None):
        self.config = config or Config()
        self.workdir = Path(tempfile.mkdtemp(prefix="portal-stack-"))
        self.mail = self.workdir / "mail"
        self.logs = self.workdir / "logs"
        self.processes: dict[str, subprocess.Popen] = {}
        self.secret_key = secrets.token_urlsafe(50)
        self.static_root = static_root()  # fixed for the whole run, whatever changes meanwhile

    # environment

    def environment(self) -> dict[str, str]:
        environment = {
            key: value
            for key, value in os.environ.items()
            if key not in {"PORTAL_TESTING", "PORTAL_TEST_DB", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        }
        environment.update(
            {
                "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
                "PYTHONPATH": str(BASE_DIR),
                "PYTHONUNBUFFERED": "1",
                "DJANGO_SETTINGS_MODULE": "portal.settings",
                "DATABASE_URL": self.config.database_url,
                "REDIS_URL": self.config.redis_url,
                "EMAIL_URL": f"smtp://127.0.0.1:{self.config.smtp_port}",
                "SECRET_KEY": self.secret_key,
                "PORTAL_DOMAIN": "localhost",
                "STATIC_ROOT": str(self.static_root),
                "MEDIA_ROOT": str(self.workdir / "media"),
                "WEB_CONCURRENCY": str(self.config.web_concurrency),
                "DEBUG": "0",
            }
        )
        return environment

    def _spawn(self, name: str, command: str, *, cpus: str = "", **extra_env: str) -> subprocess.Popen:
        log = self.logs / f"{name}.log"
        if cpus:
            command = f"taskset -c {cpus} {command}"
        # Each process's database connections carry its name (pg_stat_activity.application_name).
        named = {"DATABASE_URL": f"{self.config.database_url}?application_name=portal-{name}"}
        process = subprocess.Popen(
            ["bash", "-c", f"exec {command}"],
            cwd=self.workdir,
            env={**self.environment(), **named, **extra_env},
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # its own process group: stopped as a whole, by its id
        self.processes[name] = process
        return process

    def collect_static(self, python: Path) -> None:
        """The build step, into a folder of its own that then takes the shared name in one rename, so two
        stacks starting at once never see each other's half-collected files."""
        staging = Path(tempfile.mkdtemp(prefix=f"{self.static_root.name}-", dir=self.static_root.parent))
        try:
            self._run(
                "collectstatic", f"{python} manage.py collectstatic --noinput --verbosity 0", STATIC_ROOT=str(staging)
            )
            if self.static_root.exists() and not (self.static_root / "staticfiles.json").exists():
                shutil.rmtree(self.static_root, ignore_errors=True)  # left half-done by an interrupted run
            staging.rename(self.static_root)
        except OSError:
            pass  # another stack collected the same files first
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _run(self, name: str, command: str, *, cwd: Path = BASE_DIR, **extra_env: str) -> None:
        log = self.logs / f"{name}.log"
        started = time.monotonic()
        with log.open("ab") as output:
            result = subprocess.run(
                ["bash", "-c", command],
                cwd=cwd,
                env={**self.environment(), **extra_env},
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        if result.returncode != 0:
            raise StackError(f"`{command}` failed (exit {result.returncode}):\n{tail(log)}")
        say(f"{name}: {time.monotonic() - started:.1f} s")

    # start and stop

    def start(self) -> None:
        self.logs.mkdir(parents=True)
        self.mail.mkdir()
        say(f"PostgreSQL {check_postgres(self.config)}, Redis {check_redis(self.config)}")
        database_create(self.config)
        redis_flush(self.config)
        processes = procfile()
        python = BIN / "python"
        say(f"database {self.config.database}: static files, release (the Procfile's), demo data")
        if not (self.static_root / "staticfiles.json").exists():
            self.collect_static(python)
        self._run("release", processes["release"].replace("python ", f"{python} ", 1))
        if self.config.seed_demo:
            self._run("seed", f"{python} manage.py seed_demo --force")
        other = self.config.other_cpus
        self._spawn(
            "smtp",
            f"{python} {BASE_DIR / 'scripts' / 'smtp_sink.py'} --port {self.config.smtp_port} --folder {self.mail}",
            cpus=other,
        )
        for index, port in enumerate(self.config.web_ports, start=1):
            self._spawn(f"web{index}", processes["web"], cpus=self.config.web_cpus, PORT=str(port))
        self._spawn("worker", processes["worker"], cpus=other)
        self._spawn("beat", processes["beat"], cpus=other)
        self.wait_until_ready()
        (self.workdir / "stack.json").write_text(json.dumps(self.state, indent=2))
        say(
            f"ready: web on {', '.join(map(str, self.config.web_ports))}, worker and beat running, "
            f"mail in {self.mail}, logs in {self.logs}"
        )

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        waiting = {"web1", "web2", "worker", "beat", "smtp"}
        while waiting and time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise StackError(
                        f"{name} stopped while starting (exit {process.returncode}):\n{tail(self.logs / f'{name}.log')}"
                    )
            waiting = {name for name in waiting if not self._ready(name)}
            time.sleep(0.25)
        if waiting:
            raise StackError(
                "not ready within {} s: {}\n{}".format(
                    START_SECONDS,
                    ", ".join(sorted(waiting)),
                    "\n".join(tail(self.logs / f"{name}.log") for name in sorted(waiting)),
                )
            )

    def _ready(self, name: str) -> bool:
        log = (self.logs / f"{name}.log").read_text(errors="replace")
        if name.startswith("web"):
            port = self.config.web_ports[int(name[3:]) - 1]
            return http_ok(port, "/healthz")
        return {"worker": " ready.", "beat": "beat: Starting", "smtp": "SMTP sink listening"}[name] in log

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            stop_group(process)
        self.processes.clear()
        try:
            database_drop(self.config)
            redis_flush(self.config)
        except Exception as error:  # noqa: BLE001 (the stop must go on; say what is left behind)
            say(f"could not clean up everything: {error}")

    # what tests see

    @property
    def state(self) -> dict:
        return {
            "web": [
                {"port": port, "pid": self.processes[f"web{index}"].pid}
                for index, port in enumerate(self.config.web_ports, start=1)
            ],
            "processes": {
                name: asdict(Process(name, process.pid, str(self.logs / f"{name}.log")))
                for name, process in self.processes.items()
            },
            "mail": str(self.mail),
            "logs": str(self.logs),
            "workdir": str(self.workdir),
            "database": self.config.database,
            "database_url": self.config.database_url,
            "admin_url": self.config.admin_url,
            "redis_url": self.config.redis_url,
            "secret_key": self.secret_key,
            "procfile": procfile(),
        }

    def command_environment(self) -> dict[str, str]:
        """For the command run against the stack: the same database, Redis and secret, and where it is."""
        return {
            **self.environment(),
            "PORTAL_STACK": str(self.workdir / "stack.json"),
            "PORTAL_PROD_CHECK": "1",
            "DATABASE_URL": f"{self.config.database_url}?application_name=portal-check",
        }


def stop_group(process: subprocess.Popen, seconds: float = 15) -> None:
    """Stop a process we started and everything it started (its own process group)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=seconds)
    except ProcessLookupError:
        pass


def http_ok(port: int, path: str) -> bool:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", path, headers={"Host": "localhost"})
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return f"({path} is empty)"
    return f"--- {path.name} ---\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def say(message: str) -> None:
    print(f"[stack] {message}", flush=True)


def load_state() -> dict:
    """The running stack, for tests started by `python -m scripts.stack run`."""
    return json.loads(Path(os.environ["PORTAL_STACK"]).read_text())


# --- command line -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.stack", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["run", "up"])
    parser.add_argument("--no-seed", action="store_true", help="skip the demo data")
    parser.add_argument("--keep-logs", action="store_true", help="keep the logs folder afterwards")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- command to run against the stack")
    options = parser.parse_args(argv)
    command = options.command[1:] if options.command[:1] == ["--"] else options.command
    if options.action == "run" and not command:
        parser.error("run needs a command after --")
    stack = Stack(Config(seed_demo=not options.no_seed))
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop cleanly when terminated too
    code = 1
    try:
        stack.start()
        if options.action == "up":
            say("press Ctrl-C to stop; PORTAL_STACK=" + str(stack.workdir / "stack.json"))
            code = 0
            while True:
                signal.pause()
        else:
            say("running: " + shlex.join(command))
            code = subprocess.run(command, cwd=BASE_DIR, env=stack.command_environment()).returncode
    except StackError as error:
        print(f"\n{error}\n", file=sys.stderr, flush=True)
        code = 2
    except KeyboardInterrupt:
        code = 0 if options.action == "up" else 130
    finally:
        stack.stop()
        if code == 0 and not options.keep_logs:
            shutil.rmtree(stack.workdir, ignore_errors=True)
        else:
            say(f"logs kept in {stack.logs}")
    return code


if __name__ == "__main__":
    sys.exit(main())
