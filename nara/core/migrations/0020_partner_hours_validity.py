from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0019_referrals_and_partner_directory"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="partnerserviceschedule",
            options={
                "ordering": ["opens_at", "pk"],
                "verbose_name": "opening hours",
                "verbose_name_plural": "opening hours",
            },
        ),
        migrations.AddField(
            model_name="partnerserviceschedule",
            name="description",
            field=models.CharField(
                blank=True,
                help_text="e.g. drop-in, no appointment needed",
                max_length=200,
                verbose_name="note",
            ),
        ),
        migrations.AddField(
            model_name="partnerserviceschedule",
            name="valid_from",
            field=models.DateField(blank=True, null=True, verbose_name="valid from"),
        ),
        migrations.AddField(
            model_name="partnerserviceschedule",
            name="valid_to",
            field=models.DateField(blank=True, null=True, verbose_name="valid to"),
        ),
    ]
