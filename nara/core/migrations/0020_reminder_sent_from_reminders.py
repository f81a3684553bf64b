from django.db import migrations
from django.db.models import Exists, OuterRef


def from_sent_reminders(apps, schema_editor):
    """Visits whose reminder already went out (reminders not yet purged)."""
    Appointment = apps.get_model("core", "Appointment")
    Reminder = apps.get_model("core", "Reminder")
    sent = Reminder.objects.filter(appointment=OuterRef("pk"), kind="reminder", status="sent")
    Appointment.objects.filter(Exists(sent)).update(reminder_sent=True)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0019_neighbourhood_and_insights"),
    ]

    operations = [
        migrations.RunPython(from_sent_reminders, migrations.RunPython.noop),
    ]
