"""The migration that adds identity kinds names the kind of every number already registered."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from nara.core import crypto
from nara.lib.personnummer import luhn_ok

BEFORE = [("core", "0014_contact_area_outside"), ("planning", "0001_initial")]
AFTER = [("core", "0015_person_identity_contact_details")]


def coordination_number():
    """A valid samordningsnummer: 1912-12-12 with 60 added to the day, and its check digit."""
    stem = "1912127212" + "1"
    check = next(d for d in "0123456789" if luhn_ok(stem[2:] + d))
    return stem + check


@pytest.fixture
def migrated_back():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_numbers_get_their_kind(migrated_back):
    apps = migrated_back.loader.project_state(BEFORE).apps
    municipality = apps.get_model("core", "Municipality").objects.create(code="0001", name="X")
    centre = apps.get_model("core", "Center").objects.create(
        municipality=municipality, name="C", slug="c", lat=58.0, lon=16.0
    )
    for first, number in [("Bo", "191212121212"), ("Cia", coordination_number()), ("Di", "")]:
        apps.get_model("core", "Person").objects.create(
            center=centre,
            first_name=first,
            last_name="Öberg",
            personnummer_encrypted=crypto.encrypt(number),
            personnummer_hash=crypto.lookup_hash(number) if number else "",
        )
    after = MigrationExecutor(connection)
    after.migrate(AFTER)
    person = after.loader.project_state(AFTER).apps.get_model("core", "Person")
    kinds = dict(person.objects.values_list("first_name", "identity_kind"))
    assert kinds == {"Bo": "personnummer", "Cia": "samordningsnummer", "Di": "none"}
