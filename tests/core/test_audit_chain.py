"""The audit trail is hash-chained; direct edits in the database are detected on both engines.

On PostgreSQL a trigger also refuses UPDATE and DELETE outright; the tampering
tests then disable it first, as an attacker with owner rights would.
"""

import contextlib

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from nara.core.actions.content import do_submit_feedback
from nara.core.models import AuditEvent

pytestmark = pytest.mark.django_db
POSTGRES = connection.vendor == "postgresql"


def make_events(count=4):
    for n in range(count):
        do_submit_feedback(path=f"/sv/{n}/", language="sv", helpful=True, comment="")


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@contextlib.contextmanager
def tampering():
    """SQL straight at the table, bypassing the application (and, on PostgreSQL, the trigger)."""
    if POSTGRES:
        raw("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
    try:
        yield
    finally:
        if POSTGRES:
            raw("ALTER TABLE core_auditevent ENABLE TRIGGER USER")


def verify_fails(match):
    with pytest.raises(CommandError, match=match):
        call_command("verify_audit")


def test_intact_chain_verifies(capsys):
    make_events()
    call_command("verify_audit")
    assert "4 entries verified" in capsys.readouterr().out


def test_updated_row_is_detected():
    make_events()
    with tampering():
        raw("UPDATE core_auditevent SET action = 'feedback.other' WHERE id = 2")
    verify_fails("entry 2 was changed")


def test_deleted_row_is_detected():
    make_events()
    with tampering():
        raw("DELETE FROM core_auditevent WHERE id = 3")
    verify_fails("entry 3 is missing")


def test_deleted_last_row_is_detected():
    make_events()
    with tampering():
        raw("DELETE FROM core_auditevent WHERE id = 4")
    verify_fails("removed")


def test_inserted_row_is_detected():
    make_events()
    last = AuditEvent.objects.get(id=4)
    with tampering():
        raw(
            "INSERT INTO core_auditevent (id, created_at, actor_label, action, object_type, "
            "object_id, changes, reason, flags, prev_hash, hash) VALUES "
            "(5, %s, 'intruder', 'person.view', 'Person', '1', '{}', '', '[]', %s, %s)",
            (last.created_at, last.hash, "f" * 64),
        )
    verify_fails("entry 5 was changed")


def test_emptied_table_is_detected():
    make_events()
    raw("DELETE FROM core_auditevent" if not POSTGRES else "TRUNCATE core_auditevent")
    verify_fails("removed")


def test_reordered_rows_are_detected():
    make_events()
    with tampering():
        raw("UPDATE core_auditevent SET id = 100 WHERE id = 2")
        raw("UPDATE core_auditevent SET id = 2 WHERE id = 3")
        raw("UPDATE core_auditevent SET id = 3 WHERE id = 100")
    verify_fails("entry 2 does not follow entry 1")


@pytest.mark.skipif(not POSTGRES, reason="the append-only trigger exists on PostgreSQL only")
@pytest.mark.parametrize(
    "sql",
    ["UPDATE core_auditevent SET reason = 'x'", "DELETE FROM core_auditevent"],
)
def test_postgresql_refuses_changes_to_the_trail(sql):
    make_events()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(sql)
    assert AuditEvent.objects.count() == 4
