"""The read replica (docs/operations.md, "Read replica"), against a real PostgreSQL streaming
replica: the test makes its own primary cluster (initdb) and a replica of it (pg_basebackup -R),
each on a free loopback port, and runs tests/insights/replica_scenario.py against the pair. With
the replica's WAL replay paused, the dashboards' figures stay where they were while the primary
has moved on, so they are read on the replica; writes carry on; after resuming they catch up.

It starts servers, so it is one test in one xdist group, and it runs in the PostgreSQL pass only.
"""

import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
SERVER_PROGRAMS = ("initdb", "pg_ctl", "pg_basebackup", "psql")


def server_bin():
    """The newest /usr/lib/postgresql/<version>/bin holding every program needed, or None."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True
    )
    for directory in candidates:
        if all(os.access(Path(directory, p), os.X_OK) for p in SERVER_PROGRAMS):
            return Path(directory)
    return None


BIN = server_bin()
AS_ROOT = os.geteuid() == 0

pytestmark = [
    pytest.mark.xdist_group("postgresql-servers"),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the read-replica test runs in the PostgreSQL CI pass "
        f"(DATABASE_URL=postgres://…); this run is on {connection.vendor}",
    ),
    pytest.mark.skipif(
        BIN is None,
        reason="the PostgreSQL server programs (initdb, pg_ctl, pg_basebackup, psql under "
        "/usr/lib/postgresql/*/bin) are not installed: the read-replica test starts its own "
        "primary and streaming replica",
    ),
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def has_user(name):
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def as_server_user(*command):
    """initdb and postgres refuse to run as root: run them as the postgres OS user then."""
    command = [str(BIN / command[0]), *map(str, command[1:])]
    return ["runuser", "-u", "postgres", "--", *command] if AS_ROOT else command


def run(*command, timeout=60):
    result = subprocess.run(
        as_server_user(*command), capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{command[0]} failed:\n{result.stdout}\n{result.stderr}"


def configure(data, port, *extra):
    # Throwaway clusters: no fsync, small memory, the socket beside (not inside) the data.
    lines = [
        f"port = {port}",
        "listen_addresses = '127.0.0.1'",
        f"unix_socket_directories = '{data.parent}'",
        "shared_buffers = 16MB",
        "max_connections = 20",
        "fsync = off",
        "full_page_writes = off",
        *extra,
    ]
    with open(data / "postgresql.conf", "a") as conf:
        conf.write("\n" + "\n".join(lines) + "\n")


@pytest.fixture
def clusters():
    """(primary URL, replica URL); both servers are stopped and their files removed after."""
    if AS_ROOT and not (shutil.which("runuser") and has_user("postgres")):
        pytest.skip("running as root without runuser or a postgres OS user to start PostgreSQL as")
    base = Path(tempfile.mkdtemp(prefix="nara-replica-"))
    if AS_ROOT:
        shutil.chown(base, "postgres", "postgres")
    primary, replica = base / "primary", base / "replica"
    started = []
    try:
        run("initdb", "-D", primary, "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--locale=C", "--no-sync")  # fmt: skip
        primary_port, replica_port = free_port(), free_port()
        configure(primary, primary_port, "wal_level = replica", "max_wal_senders = 4")
        with open(primary / "pg_hba.conf", "a") as hba:
            hba.write("host all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n")
        run("pg_ctl", "-D", primary, "-l", base / "primary.log", "-w", "-t", "30", "start")
        started.append(primary)
        run("psql", "-h", "127.0.0.1", "-p", primary_port, "-U", "postgres", "-q",
            "-c", "CREATE DATABASE nara")  # fmt: skip
        run("pg_basebackup", "-h", "127.0.0.1", "-p", primary_port, "-U", "postgres",
            "-D", replica, "-R", "-X", "stream", "--checkpoint=fast", "--no-sync")  # fmt: skip
        configure(replica, replica_port, "hot_standby = on")
        run("pg_ctl", "-D", replica, "-l", base / "replica.log", "-w", "-t", "30", "start")
        started.append(replica)
        yield (
            f"postgres://postgres@127.0.0.1:{primary_port}/nara",
            f"postgres://postgres@127.0.0.1:{replica_port}/nara",
        )
    finally:
        for data in reversed(started):
            subprocess.run(
                as_server_user("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"),
                capture_output=True,
                timeout=60,
                check=False,
            )
        shutil.rmtree(base, ignore_errors=True)


def test_dashboards_read_the_replica_and_writes_go_to_the_primary(clusters):
    primary_url, replica_url = clusters
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "PYTEST_", "NARA_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="nara.settings",
        NARA_DEV_MODE="1",
        DATABASE_URL=primary_url,
        DATABASE_REPLICA_URL=replica_url,
    )
    result = subprocess.run(
        [sys.executable, "-m", "tests.insights.replica_scenario"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])

    assert seen["alias_outside_a_transaction"] == "replica"
    assert seen["alias_in_a_transaction"] == "default"
    assert seen["before"] == {"contacts": 1, "aliases": 1}
    # Replay paused: the primary has the second contact, the dashboards' reads do not.
    assert seen["paused_on_default"] == {"contacts": 2, "aliases": 2}
    assert seen["paused"] == {"contacts": 1, "aliases": 1}
    assert seen["paused_replica_contacts"] == 1
    # Inside a transaction on default (as in every write action) reads stay on default.
    assert seen["paused_in_a_transaction"] == {"contacts": 2, "aliases": 2}
    # Writes went on while the replica stood still, audited, the chain intact.
    assert seen["audit_events_written"] >= 1
    checked, broken, why = seen["audit_chain"]
    assert broken is None, why
    # Replay resumed: the replica catches up.
    assert seen["resumed"] == {"contacts": 2, "aliases": 2}
