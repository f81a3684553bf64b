"""Encrypt people's addresses (with a keyed hash for the same-address flag), add the folded
name and date of birth used by the name search, and the emergency access's kind.

Numbers saved with other scripts' digits (Arabic-Indic, full-width) before only ASCII digits were
accepted are rewritten with ASCII digits, unless that number is registered already: such a
duplicate keeps its old look-up hash and must be merged by hand.
"""

import unicodedata

from django.db import migrations, models


def forwards(apps, schema_editor):
    from nara.core import crypto
    from nara.lib import personnummer
    from nara.lib.textfold import fold, fold_address

    Person = apps.get_model("core", "Person")
    for person in Person.objects.all().iterator():
        person.address_encrypted = crypto.encrypt(person.address)
        person.address_hash = (
            crypto.lookup_hash(fold_address(person.address)) if person.address else ""
        )
        person.search_name = fold(f"{person.first_name} {person.last_name}")
        number = crypto.decrypt(person.personnummer_encrypted)
        ascii_number = "".join(str(unicodedata.digit(char, char)) for char in number)
        if ascii_number != number and len(ascii_number) == 12:
            lookup = crypto.lookup_hash(ascii_number)
            if not Person.objects.filter(personnummer_hash=lookup).exists():
                person.personnummer_encrypted = crypto.encrypt(ascii_number)
                person.personnummer_hash = lookup
                number = ascii_number
        if number.isascii() and number.isdigit() and len(number) == 12:
            person.birth_date = personnummer.birth_date(number)
        person.save()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_content_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="emergencyaccess",
            name="category",
            field=models.CharField(
                blank=True,
                choices=[
                    ("at_the_door", "The person is here and needs help now"),
                    ("centre_unreachable", "Their own centre cannot be reached"),
                    ("risk_to_a_child", "A child may be at risk"),
                    ("risk_to_life", "Risk to someone's life or health"),
                ],
                max_length=30,
                verbose_name="kind of emergency",
            ),
        ),
        migrations.AddField(
            model_name="person",
            name="address_encrypted",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="person",
            name="address_hash",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="person",
            name="birth_date",
            field=models.DateField(
                blank=True, db_index=True, null=True, verbose_name="date of birth"
            ),
        ),
        migrations.AddField(
            model_name="person",
            name="search_name",
            field=models.CharField(blank=True, db_index=True, max_length=130),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="person",
            name="address",
        ),
    ]
