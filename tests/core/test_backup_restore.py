"""The backup and restore procedure of docs/operations.md, run for real on PostgreSQL.

A database with people, bookings and audit entries is dumped with pg_dump, restored with
pg_restore into a fresh database, and checked by a separate process that only has the keys:
nothing lost, every personnummer decrypts, verify_audit passes (anchor included).
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from nara.core.actions.booking import do_book
from nara.core.actions.people import do_create_person
from nara.core.demo import build_demo
from nara.core.models import Appointment, AuditEvent, Center, Person, Slot

ROOT = Path(__file__).resolve().parents[2]
TABLES = ["core_person", "core_appointment", "core_auditevent", "core_center", "auth_user"]

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="backup and restore with pg_dump/pg_restore: run with DATABASE_URL=postgres://…",
    ),
    pytest.mark.skipif(
        not (shutil.which("pg_dump") and shutil.which("pg_restore") and shutil.which("psql")),
        reason="pg_dump, pg_restore and psql (postgresql-client) are not installed",
    ),
]

CHECK = """
import json, django
django.setup()
from django.db import connection
from nara.core.audit import verify_chain
from nara.core.models import Person
with connection.cursor() as cursor:
    counts = {}
    for table in %r:
        cursor.execute(f"SELECT count(*) FROM {table}")
        counts[table] = cursor.fetchone()[0]
print(json.dumps({
    "counts": counts,
    "personnummer": sorted(p.personnummer for p in Person.objects.exclude(personnummer_hash="")),
    "verify": verify_chain(),
}))
"""


def pg_env():
    db = connection.settings_dict
    return dict(
        os.environ,
        PGHOST=db["HOST"] or "127.0.0.1",
        PGPORT=str(db["PORT"] or 5432),
        PGUSER=db["USER"] or "postgres",
        PGPASSWORD=db["PASSWORD"] or "",
    )


def run(*args, env=None):
    return subprocess.run(args, env=env or pg_env(), check=True, capture_output=True, text=True)


@pytest.fixture
def fresh_database():
    name = f"{connection.settings_dict['NAME']}_restored"
    run("psql", "-d", "postgres", "-qc", f"DROP DATABASE IF EXISTS {name}")
    run("psql", "-d", "postgres", "-qc", f"CREATE DATABASE {name}")
    yield name
    run("psql", "-d", "postgres", "-qc", f"DROP DATABASE IF EXISTS {name}")


@pytest.mark.django_db(transaction=True)
def test_dump_and_restore_keeps_people_bookings_and_an_intact_audit_trail(
    fresh_database, tmp_path, settings
):
    settings.NARA_AUDIT_ANCHOR_FILE = str(tmp_path / "audit-anchor.log")
    build_demo(seed=2026)
    centre = Center.objects.filter(kind="centre").order_by("pk").first()
    for n, pnr in enumerate(["191212121212", "199001011239", "198112189876"]):
        do_create_person(
            actor="test", center=centre, first_name=f"Namn{n}", last_name="Test", pnr=pnr
        )
    free = Slot.objects.filter(
        center=centre, appointments__isnull=True, is_withdrawn=False, starts_at__gt=timezone.now()
    )
    for slot in free.order_by("pk")[:3]:
        do_book(slot_id=slot.pk, mode="centre", alias="Lina", language="so", phone="+4670123")
    call_command("anchor_audit")
    assert Person.objects.count() >= 3 and Appointment.objects.count() >= 3
    assert AuditEvent.objects.count() > 6

    source = connection.settings_dict["NAME"]
    dump = tmp_path / "nara.dump"
    run("pg_dump", "--format=custom", "--no-owner", f"--file={dump}", source)
    run("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={fresh_database}", str(dump))

    before, after = check(source, settings), check(fresh_database, settings)
    assert after["counts"] == before["counts"]
    assert after["personnummer"] == ["191212121212", "198112189876", "199001011239"]
    assert after["verify"] == [AuditEvent.objects.count(), None, ""]


def check(database, settings):
    """What a fresh process with the keys (and the anchor) finds in `database`."""
    db = connection.settings_dict
    url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="nara.settings",
        DATABASE_URL=f"{url}/{database}",
        NARA_AUDIT_ANCHOR_FILE=settings.NARA_AUDIT_ANCHOR_FILE,
    )
    result = run(sys.executable, "-c", CHECK % (TABLES,), env=env)
    return json.loads(result.stdout.strip().splitlines()[-1])
