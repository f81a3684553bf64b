import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from nara.core.actions.booking import do_book, do_mark
from nara.core.models import Appointment, AuditEvent, Center, PurgeProtocol, Reminder, Slot

pytestmark = pytest.mark.django_db


def test_purge_keeps_counts_and_removes_what_identifies(demo, capsys):
    centre = Center.objects.filter(kind="centre").first()
    slot = Slot.objects.filter(center=centre).first()
    appointment, _token, _code = do_book(
        slot_id=slot.pk, mode="centre", alias="Lina", language="so", phone="+46701234567"
    )
    long_ago = timezone.now() - dt.timedelta(days=31)
    Slot.objects.filter(pk=slot.pk).update(
        starts_at=long_ago - dt.timedelta(hours=1), ends_at=long_ago
    )
    appointment.refresh_from_db()
    do_mark(actor="test", appointment=appointment, status="no_show")
    call_command("purge")
    appointment.refresh_from_db()
    assert (appointment.alias, appointment.phone_encrypted, appointment.status) == (
        "–",
        "",
        "no_show",
    )
    assert not Reminder.objects.filter(appointment=appointment).exists()
    protocol = PurgeProtocol.objects.get()
    assert protocol.counts["appointments_anonymised"] == 1
    assert "Lina" not in str(protocol.counts) and "Lina" not in capsys.readouterr().out
    assert AuditEvent.objects.filter(action="purge.run").exists()
    assert Appointment.objects.filter(status="no_show").count() == 1  # figures survive
