from django.db import migrations, models
from django.db.models import Exists, OuterRef


def from_sent_reminders(apps, schema_editor):
    """Visits whose reminder already went out (reminders not yet purged)."""
    Appointment = apps.get_model("core", "Appointment")
    Reminder = apps.get_model("core", "Reminder")
    sent = Reminder.objects.filter(appointment=OuterRef("pk"), kind="reminder", status="sent")
    Appointment.objects.filter(Exists(sent)).update(reminder_sent=True)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0019_referrals_and_partner_directory"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="reminder_sent",
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.RunPython(from_sent_reminders, migrations.RunPython.noop),
    ]
