from django.db import migrations, models

KINDS = {"people": "person_id", "households": "household_id", "aliases": "alias_id"}


def reach_from_contacts(apps, schema_editor):
    """Each subject's first contact of each year at each centre, counted by its month. Years
    the purge has thinned out are filled too but never read (kpis.reach checks the mark)."""
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        month, year = (
            "CAST(date_trunc('month', f.first) AS date)",
            "date_part('year', c.occurred_on)",
        )
    else:
        month, year = "date(f.first, 'start of month')", "strftime('%Y', c.occurred_on)"
    with connection.cursor() as cursor:
        for kind, column in KINDS.items():
            cursor.execute(
                "INSERT INTO insights_reachrollup (month, center_id, kind, subjects) "  # noqa: S608
                f"SELECT {month}, f.center_id, '{kind}', COUNT(*) FROM ("
                f"SELECT c.center_id, MIN(c.occurred_on) AS first FROM core_contact c "
                f"WHERE c.{column} IS NOT NULL GROUP BY c.{column}, c.center_id, {year}"
                f") f GROUP BY {month}, f.center_id"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0002_slices"),
        ("core", "0023_contact_insight_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReachRollup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField()),
                ("center_id", models.IntegerField()),
                ("kind", models.CharField(max_length=10)),
                ("subjects", models.IntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("month", "center_id", "kind"), name="reachrollup_one_row_per_key"
                    )
                ],
            },
        ),
        migrations.RunPython(reach_from_contacts, migrations.RunPython.noop),
    ]
