# The first offer and first meeting after a first contact, stored (nara/insights/followups.py).

from django.db import migrations, models

from nara.insights import followups


def fill_followups(apps, schema_editor):
    followups.refresh(
        contact_model=apps.get_model("core", "Contact"),
        offer_model=apps.get_model("core", "SupportOffer"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0021_centre_opening_and_budget"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="first_meeting_on",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="contact",
            name="first_offer_on",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill_followups, migrations.RunPython.noop, elidable=True),
    ]
