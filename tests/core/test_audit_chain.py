"""The audit trail is hash-chained; direct edits in the database are detected on both engines.

On PostgreSQL a trigger also refuses UPDATE and DELETE outright; the tampering
tests then disable it first, as an attacker with owner rights would.
"""

import contextlib
import json
import os

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from nara.core.actions.content import do_submit_feedback
from nara.core.audit import ensure_head
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


# Removing the newest entries, or all of them (security test, item 4) --------------------------


def head_row():
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_id, last_hash, mac FROM core_audithead WHERE id = 1")
        return cursor.fetchone()


def test_removing_the_newest_entries_and_moving_the_head_back_is_detected():
    make_events(6)
    fourth = AuditEvent.objects.get(id=4)
    with tampering():
        raw("DELETE FROM core_auditevent WHERE id > 4")
        raw("UPDATE core_audithead SET last_id = 4, last_hash = %s", (fourth.hash,))
    verify_fails("head was changed")


def test_removing_every_entry_and_the_head_is_detected():
    make_events()
    with tampering():
        raw("DELETE FROM core_auditevent")
        raw("DELETE FROM core_audithead")
    verify_fails("head is missing")


def test_no_entry_is_written_on_a_chain_whose_head_was_removed():
    make_events()
    with tampering():
        raw("DELETE FROM core_audithead")
    with pytest.raises(RuntimeError, match="head is missing"):
        make_events(1)
    verify_fails("head is missing")


@pytest.fixture
def anchor_file(tmp_path, settings, django_capture_on_commit_callbacks):
    settings.NARA_AUDIT_ANCHOR_FILE = str(tmp_path / "audit-anchor.log")
    settings.NARA_AUDIT_ANCHOR_EVERY = 2

    def events(count):
        with django_capture_on_commit_callbacks(execute=True):
            make_events(count)

    return tmp_path / "audit-anchor.log", events


def test_anchor_is_written_every_n_entries_and_checked(anchor_file, capsys):
    path, events = anchor_file
    events(5)
    assert [json.loads(line)["id"] for line in path.read_text().splitlines()] == [2, 4]
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    call_command("verify_audit")
    assert "5 entries verified" in capsys.readouterr().out


def test_anchor_detects_a_wiped_trail_started_afresh(anchor_file):
    path, events = anchor_file
    events(4)
    with tampering():
        raw("DELETE FROM core_auditevent")
        raw("DELETE FROM core_audithead")
    ensure_head()  # what the next `manage.py migrate` does on an empty trail
    events(1)
    verify_fails("entry 2 differs from the anchored copy|anchored up to 4")


def test_anchor_detects_an_older_head_put_back(anchor_file):
    """Entries removed and an earlier, correctly signed head restored (e.g. from a backup)."""
    path, events = anchor_file
    events(1)
    old_head = head_row()
    events(3)
    with tampering():
        raw("DELETE FROM core_auditevent WHERE id > 1")
        raw("UPDATE core_audithead SET last_id = %s, last_hash = %s, mac = %s", old_head)
    verify_fails("anchored up to 4")


def test_anchor_lines_not_signed_with_the_audit_key_are_ignored(anchor_file, capsys):
    path, events = anchor_file
    events(2)
    with path.open("a") as anchor:
        anchor.write(json.dumps({"id": 99, "hash": "0" * 64, "mac": "f" * 64}) + "\n")
    call_command("verify_audit")
    assert "2 entries verified" in capsys.readouterr().out


def test_anchor_audit_command_anchors_the_current_head(anchor_file):
    path, events = anchor_file
    events(3)
    call_command("anchor_audit")
    assert json.loads(path.read_text().splitlines()[-1])["id"] == 3


@pytest.mark.skipif(not POSTGRES, reason="TRUNCATE and triggers are PostgreSQL's")
@pytest.mark.parametrize("table", ["core_auditevent", "core_audithead"])
def test_postgresql_refuses_truncate(table):
    make_events()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw("SET LOCAL nara.allow_audit_truncate = 'off'")  # the test suite's own flush allowance
        raw(f"TRUNCATE {table} CASCADE")
    assert AuditEvent.objects.count() == 4


@pytest.mark.skipif(not POSTGRES, reason="roles and table ownership are PostgreSQL's")
def test_application_role_that_does_not_own_the_trail_cannot_rewrite_it():
    """docs/operations.md: the app runs as a role given rights by manage.py grant_app_role."""
    make_events()
    role = f"nara_app_test_{os.getpid()}"
    raw(f"CREATE ROLE {role} NOLOGIN")  # rolled back with the test's transaction
    call_command("grant_app_role", role)
    raw(f"SET ROLE {role}")
    try:
        make_events(1)  # the application still works as that role
        attacks = [
            "ALTER TABLE core_auditevent DISABLE TRIGGER USER",
            "ALTER TABLE core_auditevent DISABLE TRIGGER ALL",
            "TRUNCATE core_auditevent",
            "DELETE FROM core_auditevent WHERE id = 5",
            "UPDATE core_auditevent SET reason = 'x' WHERE id = 5",
            "DELETE FROM core_audithead",
            "TRUNCATE core_audithead",
        ]
        for sql in attacks:
            denied = pytest.raises(DatabaseError, match="must be owner|permission denied")
            with denied, transaction.atomic():
                raw(sql)
    finally:
        raw("RESET ROLE")
    call_command("verify_audit")
    assert AuditEvent.objects.count() == 5
