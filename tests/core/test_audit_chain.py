import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from nara.core.actions.content import do_submit_feedback
from nara.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def make_events(count=4):
    for n in range(count):
        do_submit_feedback(path=f"/sv/{n}/", language="sv", helpful=True, comment="")


def test_intact_chain_verifies(capsys):
    make_events()
    call_command("verify_audit")
    assert "4 entries verified" in capsys.readouterr().out


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_changed_row_is_detected():
    make_events()
    # Direct database edits bypass the application, as an attacker with SQL access would.
    AuditEvent.objects.filter(id=2).update(action="feedback.other")
    with pytest.raises(CommandError, match="entry 2 was changed"):
        call_command("verify_audit")


def test_deleted_row_is_detected():
    make_events()
    AuditEvent.objects.filter(id=3).delete()
    with pytest.raises(CommandError, match="entry 3 is missing"):
        call_command("verify_audit")


def test_deleted_last_row_is_detected():
    make_events()
    AuditEvent.objects.filter(id=4).delete()
    with pytest.raises(CommandError, match="removed"):
        call_command("verify_audit")
