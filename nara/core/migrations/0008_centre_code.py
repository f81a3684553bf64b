from django.db import migrations, models

import nara.core.models.centers


def codes_from_slugs(apps, schema_editor):
    # Existing centres keep the names their role claims already use.
    Center = apps.get_model("core", "Center")
    for centre in Center.objects.all():
        centre.code = centre.slug
        centre.save(update_fields=["code"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_staff_enrolment_links_and_role_requests"),
    ]

    operations = [
        migrations.AddField(
            model_name="center",
            name="code",
            field=models.CharField(max_length=60, null=True, verbose_name="code"),
        ),
        migrations.RunPython(codes_from_slugs, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="center",
            name="code",
            field=models.SlugField(
                default=nara.core.models.centers.new_centre_code,
                help_text=(
                    "Used in single sign-on role claims. Set when the centre is created; it never"
                    " changes."
                ),
                max_length=60,
                unique=True,
                verbose_name="code",
            ),
        ),
    ]
