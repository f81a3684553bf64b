"""Scenarios are computed on the job queue: state, failure, attempts and times.

Scenarios saved before this migration were computed in the web request: they are done."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0002_catchment_snapshot"),
    ]

    operations = [
        migrations.AddField(
            model_name="scenario",
            name="state",
            field=models.CharField(
                choices=[
                    ("queued", "waiting to be computed"),
                    ("computing", "computing"),
                    ("done", "done"),
                    ("failed", "failed"),
                ],
                default="done",
                max_length=10,
                verbose_name="state",
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="scenario",
            name="state",
            field=models.CharField(
                choices=[
                    ("queued", "waiting to be computed"),
                    ("computing", "computing"),
                    ("done", "done"),
                    ("failed", "failed"),
                ],
                default="queued",
                max_length=10,
                verbose_name="state",
            ),
        ),
        migrations.AddField(
            model_name="scenario",
            name="failure",
            field=models.TextField(blank=True, verbose_name="why it failed"),
        ),
        migrations.AddField(
            model_name="scenario",
            name="attempts",
            field=models.PositiveIntegerField(default=0, verbose_name="attempts"),
        ),
        migrations.AddField(
            model_name="scenario",
            name="queued_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="queued"),
        ),
        migrations.AddField(
            model_name="scenario",
            name="started_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="started"),
        ),
        migrations.AddField(
            model_name="scenario",
            name="finished_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="finished"),
        ),
        migrations.AddField(
            model_name="scenario",
            name="travel_matrix",
            field=models.TextField(blank=True, verbose_name="travel-time matrix"),
        ),
        migrations.AddField(
            model_name="scenario",
            name="language",
            field=models.CharField(blank=True, max_length=8, verbose_name="language"),
        ),
    ]
