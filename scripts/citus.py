"""A Citus cluster on this machine: a coordinator and two workers on loopback, for `make citus-check`.

    python -m scripts.citus check        build or reuse Citus, start the cluster, migrate, seed, run every check
    python -m scripts.citus up           start the cluster (and create the database) and leave it running
    python -m scripts.citus down         stop the cluster
    python -m scripts.citus database create|drop NAME   a database on every node, Citus in it, workers added

Citus: an installed one for Debian's PostgreSQL 15 is used; otherwise it is built from the vendored source
(CITUS_SOURCE, default ../shared/vendor/citus-13.2.2.tar.gz beside the checkout) in `.citus/build` (kept:
a second run reuses it) and installed, which needs root (as root the Debian build dependencies are
installed with apt-get first).

The cluster lives in `.citus/` (data folders, logs, sockets) on ports CITUS_PORTS (default "9701 9702
9703": coordinator, worker 1, worker 2), started with Debian's PostgreSQL 15 (`initdb`, `pg_ctl`) and
`shared_preload_libraries = 'citus'`; as root the servers run as the `postgres` user. The check database is
CITUS_DATABASE (default `portal_citus_check`), created afresh on every node.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
HOME = BASE_DIR / ".citus"
PYTHON = str(BASE_DIR / ".venv" / "bin" / "python")
PG_CONFIG = os.environ.get("PG_CONFIG", "/usr/lib/postgresql/15/bin/pg_config")
BUILD_DEPENDENCIES = ["postgresql-server-dev-15", "libcurl4-openssl-dev", "liblz4-dev", "libzstd-dev", "libkrb5-dev"]
NODES = ("coordinator", "worker1", "worker2")
HOST = "127.0.0.1"


class CitusError(RuntimeError):
    """What is missing and how to get it."""


def log(message: str) -> None:
    print(f"[citus] {message}", flush=True)


def ports() -> dict[str, int]:
    values = [int(port) for port in os.environ.get("CITUS_PORTS", "9701 9702 9703").split()]
    if len(values) != 3:
        raise CitusError("CITUS_PORTS takes three ports: the coordinator and two workers")
    return dict(zip(NODES, values))


def database_name() -> str:
    return os.environ.get("CITUS_DATABASE", "portal_citus_check")


def database_url(name: str | None = None, node: str = "coordinator") -> str:
    return f"postgres://postgres@{HOST}:{ports()[node]}/{name or database_name()}"


def _pg_config(option: str) -> Path:
    return Path(subprocess.run([PG_CONFIG, option], check=True, capture_output=True, text=True).stdout.strip())


def _bin(name: str) -> str:
    return str(_pg_config("--bindir") / name)


def _is_root() -> bool:
    return os.geteuid() == 0


# --- Citus itself -----------------------------------------------------------------------------------


def citus_installed() -> bool:
    return (_pg_config("--pkglibdir") / "citus.so").exists() and (
        _pg_config("--sharedir") / "extension" / "citus.control"
    ).exists()


def _source() -> Path:
    given = os.environ.get("CITUS_SOURCE")
    candidates = (
        [Path(given)]
        if given
        else [base / "shared" / "vendor" / "citus-13.2.2.tar.gz" for base in (BASE_DIR.parent, BASE_DIR.parent.parent)]
    )
    for candidate in candidates:
        if candidate.exists():
            return candidate
    raise CitusError(f"No Citus source at {', '.join(map(str, candidates))}: set CITUS_SOURCE to the tarball.")


def _build_dependencies() -> None:
    missing = [
        package
        for package in BUILD_DEPENDENCIES
        if subprocess.run(["dpkg", "-s", package], capture_output=True).returncode != 0
    ]
    if not missing:
        return
    if not _is_root() or not shutil.which("apt-get"):
        raise CitusError(f"Citus needs these Debian packages to build: {' '.join(missing)} (apt-get install them)")
    log(f"installing the build dependencies: {' '.join(missing)}")
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], check=True, env=environment
    )


def _patch_for_postgresql_15(tree: Path) -> None:
    """PostgreSQL 15.20 exports have_createdb_privilege() itself; Citus's static copy must go."""
    header = tree / "src" / "include" / "pg_version_compat.h"
    text = header.read_text()
    patched = re.sub(r"static inline bool\nhave_createdb_privilege\(void\)\n\{.*?\n\}\n", "", text, count=1, flags=re.S)
    exported = (_pg_config("--includedir-server") / "commands" / "dbcommands.h").read_text()
    if patched != text and "have_createdb_privilege" in exported:
        header.write_text(patched)


def citus_build() -> float:
    """Build Citus from the vendored source into .citus/build (reused when built before) and install it;
    the seconds the build took (0 when reused)."""
    source = _source()
    build = HOME / "build"
    tree = build / source.name.removesuffix(".tar.gz")
    done = build / ".built"
    seconds = 0.0
    if not done.exists():
        _build_dependencies()
        log(f"building Citus from {source} in {tree} (about ten minutes on two cores)")
        started = time.perf_counter()
        shutil.rmtree(tree, ignore_errors=True)
        build.mkdir(parents=True, exist_ok=True)
        with tarfile.open(source) as archive:
            archive.extractall(build, filter="data")
        _patch_for_postgresql_15(tree)
        with (build / "build.log").open("w") as output:
            for command in (["./configure", f"PG_CONFIG={PG_CONFIG}"], ["make", f"-j{os.cpu_count() or 2}"]):
                if subprocess.run(command, cwd=tree, stdout=output, stderr=subprocess.STDOUT).returncode:
                    raise CitusError(f"`{' '.join(command)}` failed; see {build / 'build.log'}")
        seconds = time.perf_counter() - started
        done.write_text(f"{seconds:.0f}\n")
        log(f"built in {seconds:.0f} s")
    if not citus_installed():
        if not _is_root():
            raise CitusError(f"Citus is built but not installed: run `sudo make -C {tree} install`")
        log("installing Citus into PostgreSQL 15's folders")
        with (build / "install.log").open("w") as output:
            subprocess.run(["make", "install"], cwd=tree, stdout=output, stderr=subprocess.STDOUT, check=True)
    return seconds


# --- the cluster ------------------------------------------------------------------------------------


def _as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, the servers run as `postgres`."""
    return ["runuser", "-u", "postgres", "--", *command] if _is_root() else command


def _data(node: str) -> Path:
    return HOME / "data" / node


def _running(node: str) -> bool:
    return (
        subprocess.run(
            _as_server_user([_bin("pg_ctl"), "status", "-D", str(_data(node))]), capture_output=True
        ).returncode
        == 0
    )


def _settings(node: str) -> dict[str, object]:
    sockets = HOME / "run"
    return {
        "port": ports()[node],
        "listen_addresses": f"'{HOST}'",
        "unix_socket_directories": f"'{sockets}'",
        "shared_preload_libraries": "'citus'",
        "max_connections": 300,
        "max_locks_per_transaction": 512,
        "shared_buffers": "'128MB'",
        "max_prepared_transactions": 200,
        "citus.max_cached_conns_per_worker": 2,
        "log_min_messages": "warning",
        # citus_schema_move copies a schema by logical replication while it stays writable
        # (shard_transfer_mode 'auto'); that needs logical WAL and room for its slots and workers.
        "wal_level": "logical",
        "max_replication_slots": 20,
        "max_wal_senders": 20,
        "max_worker_processes": 24,
        "max_logical_replication_workers": 8,
    }


def node_start(node: str) -> None:
    data = _data(node)
    sockets = HOME / "run"
    if not (data / "PG_VERSION").exists():
        data.mkdir(parents=True, exist_ok=True)
        sockets.mkdir(parents=True, exist_ok=True)
        if _is_root():
            shutil.chown(HOME / "data", "postgres", "postgres")
            shutil.chown(data, "postgres", "postgres")
            shutil.chown(sockets, "postgres", "postgres")
        subprocess.run(
            _as_server_user([_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]),
            check=True,
            capture_output=True,
        )
    # The settings live in citus.conf, rewritten on every start: a cluster made earlier gets today's.
    include = "include_if_exists = 'citus.conf'"
    conf = data / "postgresql.conf"
    if include not in conf.read_text():
        with conf.open("a") as output:
            output.write(f"\n# scripts/citus.py\n{include}\n")
    (data / "citus.conf").write_text("".join(f"{key} = {value}\n" for key, value in _settings(node).items()))
    if _running(node):
        return
    subprocess.run(
        # After a crash (stop -m immediate) recovery on a busy disk can take minutes.
        _as_server_user([_bin("pg_ctl"), "start", "-D", str(data), "-l", str(data / "server.log"), "-w", "-t", "600"]),
        check=True,
        capture_output=True,
    )


def node_stop(node: str, mode: str = "fast") -> None:
    if _data(node).exists() and _running(node):
        subprocess.run(
            _as_server_user([_bin("pg_ctl"), "stop", "-D", str(_data(node)), "-m", mode, "-w"]),
            check=True,
            capture_output=True,
        )


def cluster_up() -> None:
    for node in NODES:
        node_start(node)
    log("coordinator and workers on " + ", ".join(f"{node} :{port}" for node, port in ports().items()))


def cluster_down() -> None:
    for node in NODES:
        node_stop(node)


def _execute(node: str, database: str, *statements: str) -> list:
    import psycopg

    rows = []
    with psycopg.connect(database_url(database, node), autocommit=True) as connection:
        for statement in statements:
            cursor = connection.execute(statement)
            rows.append(cursor.fetchall() if cursor.description else None)
    return rows


def database_create(name: str) -> None:
    """A fresh database `name` on every node with the Citus extension, the workers added to it."""
    from psycopg import sql

    database_drop(name)
    quoted = sql.Identifier(name).as_string(None)
    for node in NODES:
        _execute(node, "postgres", f"CREATE DATABASE {quoted}")
        _execute(node, name, "CREATE EXTENSION citus")
    coordinator, *workers = NODES
    _execute(
        coordinator,
        name,
        f"SELECT citus_set_coordinator_host('{HOST}', {ports()[coordinator]})",
        *(f"SELECT citus_add_node('{HOST}', {ports()[worker]})" for worker in workers),
    )


def single_server_database_create(name: str) -> None:
    """A fresh database `name` on the coordinator only, without Citus: one plain PostgreSQL server."""
    from psycopg import sql

    database_drop(name)
    _execute("coordinator", "postgres", f"CREATE DATABASE {sql.Identifier(name).as_string(None)}")


def database_drop(name: str) -> None:
    from psycopg import sql

    quoted = sql.Identifier(name).as_string(None)
    for node in NODES:
        _execute(node, "postgres", f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


# --- the check --------------------------------------------------------------------------------------


def portal_environment(name: str | None = None) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(name),
        "PORTAL_TEST_DB": f"test_{name or database_name()}",
        "DEBUG": "1",
        "SECURE_SSL_REDIRECT": "0",
        "PORTAL_PRODUCTION": "0",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }


def _timed(label: str, command: list[str], environment: dict[str, str]) -> float:
    log(f"{label}: {' '.join(command)}")
    started = time.perf_counter()
    subprocess.run(command, cwd=BASE_DIR, env=environment, check=True)
    seconds = time.perf_counter() - started
    log(f"{label}: {seconds:.1f} s")
    return seconds


def check(*, keep: bool, prod: bool) -> int:
    figures: dict[str, float | str] = {}
    built = citus_build()
    first = (HOME / "build" / ".built").read_text().strip()
    figures["citus build (s)"] = round(built, 1) if built else f"reused (built before in .citus/build, in {first} s)"
    cluster_up()
    name = database_name()
    environment = portal_environment(name)
    failures = []
    try:
        database_create(name)
        database_create(f"test_{name}")
        figures["release on an empty cluster (s)"] = round(
            _timed("release", [PYTHON, "manage.py", "migrate_organisations"], environment), 1
        )
        figures["demo seed (s)"] = round(_timed("seed", [PYTHON, "manage.py", "seed_demo"], environment), 1)
        results, single = HOME / "results.json", HOME / "single.json"
        # The same provisioning on one plain server in the same run (a database without Citus on the
        # coordinator's server), for comparison.
        single_name = f"{name}_single"
        single_server_database_create(single_name)
        single_environment = portal_environment(single_name)
        _timed("release on the single server", [PYTHON, "manage.py", "migrate_organisations"], single_environment)
        steps = [
            (
                "provisioning on the single server",
                [PYTHON, "-m", "scripts.citus_checks", "--single-server", "--results", str(single)],
                single_environment,
            ),
            (
                "cluster checks",
                [PYTHON, "-m", "scripts.citus_checks", "--results", str(results)],
                environment,
            ),
            (
                "tests on the cluster",
                [
                    PYTHON,
                    "-m",
                    "pytest",
                    "-q",
                    "-x",
                    "--reuse-db",
                    "-p",
                    "no:randomly",
                    "tests/test_citus_readiness.py",
                    "tests/programmes/test_booking_concurrency.py",
                    "tests/test_schema_clone.py",
                ],
                environment,
            ),
        ]
        if prod:
            steps.append(
                (
                    "tests/prod on the coordinator",
                    [
                        PYTHON,
                        "-m",
                        "scripts.stack",
                        "run",
                        "--",
                        PYTHON,
                        "-m",
                        "pytest",
                        "-m",
                        "prod",
                        "tests/prod",
                        "-q",
                    ],
                    {
                        # The stack's own settings are production's: none of the development variables.
                        **{
                            key: value
                            for key, value in environment.items()
                            if key
                            not in (
                                "DATABASE_URL",
                                "PORTAL_TEST_DB",
                                "DEBUG",
                                "SECURE_SSL_REDIRECT",
                                "PORTAL_PRODUCTION",
                            )
                        },
                        "PROD_CHECK_ADMIN_URL": database_url("postgres"),
                        "PROD_CHECK_DATABASE_COMMAND": f"{PYTHON} -m scripts.citus database",
                        "PROD_CHECK_DATABASE": f"{name}_prod",
                        "PROD_CHECK_PORTS": os.environ.get("CITUS_PROD_PORTS", "8371 8372 8375"),
                        "PROD_CHECK_REDIS_URL": os.environ.get("CITUS_REDIS_URL", "redis://127.0.0.1:6379/13"),
                    },
                )
            )
        for label, command, step_environment in steps:
            try:
                figures[f"{label} (s)"] = round(_timed(label, command, step_environment), 1)
            except subprocess.CalledProcessError as error:
                failures.append(f"{label} failed (exit {error.returncode})")
                log(failures[-1])
        for found in (single, results):
            if found.exists():
                figures.update(json.loads(found.read_text()))
    finally:
        if not keep:
            cluster_down()
    log("figures:\n" + "\n".join(f"  {key}: {value}" for key, value in figures.items()))
    (HOME / "figures.json").write_text(json.dumps(figures, indent=2))
    benchmarks_section(figures)
    if failures:
        log("FAILED: " + "; ".join(failures))
        return 1
    log("every check passed")
    return 0


BENCHMARKS_TITLE = "Citus cluster (make citus-check)"


def benchmarks_section(figures: dict) -> None:
    """Put this run's figures into BENCHMARKS.md as a section of their own (replaced on each run)."""
    report = BASE_DIR / "BENCHMARKS.md"
    text = report.read_text() if report.exists() else "# Benchmarks\n"
    load = os.getloadavg()[0]
    lines = [
        f"## {BENCHMARKS_TITLE}",
        "",
        "A coordinator and two workers (Citus 13.2, Debian's PostgreSQL 15) on this one machine, by "
        "`make citus-check` (scripts/citus.py, scripts/citus_checks.py); every node shares the same two "
        "cores, so these show what Citus adds, not what separate machines would do.",
        "",
        f"_Run {time.strftime('%Y-%m-%dT%H:%M:%S%z')}; load average at the end {load:.1f} on {os.cpu_count()} CPUs._",
        "",
        "| figure | value |",
        "|---|---|",
        *(f"| {key} | {json.dumps(value) if isinstance(value, dict) else value} |" for key, value in figures.items()),
        "",
    ]
    section = "\n".join(lines)
    pattern = re.compile(rf"^## {re.escape(BENCHMARKS_TITLE)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _match: section + "\n", text)
    elif "\n## Not measured yet" in text:
        text = text.replace("\n## Not measured yet", "\n" + section + "\n## Not measured yet", 1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    report.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.citus", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["check", "up", "down", "database"])
    parser.add_argument("what", nargs="*", help="for `database`: create|drop NAME")
    parser.add_argument("--keep", action="store_true", help="leave the cluster running after `check`")
    parser.add_argument("--no-prod", action="store_true", help="skip tests/prod against the production stack")
    arguments = parser.parse_args(argv)
    try:
        if arguments.action == "check":
            return check(keep=arguments.keep, prod=not arguments.no_prod)
        if arguments.action == "up":
            citus_build()
            cluster_up()
            database_create(database_name())
            print(f"DATABASE_URL={database_url()}")
        elif arguments.action == "down":
            cluster_down()
        else:
            if len(arguments.what) != 2 or arguments.what[0] not in ("create", "drop"):
                parser.error("database takes create|drop NAME")
            cluster_up()
            (database_create if arguments.what[0] == "create" else database_drop)(arguments.what[1])
    except CitusError as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
