"""Identified people. Personnummer is validated, encrypted and never logged."""

from django.db import transaction

from nara.core import audit, crypto
from nara.core.models import Person
from nara.lib import personnummer

PERSONAL_FIELDS = {
    "personnummer_encrypted",
    "personnummer_hash",
    "first_name",
    "last_name",
    "address",
}


class DuplicatePerson(ValueError):
    def __init__(self, person):
        self.person = person
        super().__init__("duplicate")


def do_create_person(
    *, actor, center, first_name, last_name, pnr="", address="", protected_identity=False
):
    canonical = personnummer.normalise(pnr) if pnr else ""
    lookup = crypto.lookup_hash(canonical) if canonical else ""
    with transaction.atomic():
        existing = find_by_personnummer(canonical) if canonical else None
        if existing:
            raise DuplicatePerson(existing)
        person = Person.objects.create(
            center=center,
            first_name=first_name,
            last_name=last_name,
            address=address,
            personnummer_encrypted=crypto.encrypt(canonical),
            personnummer_hash=lookup,
            protected_identity=protected_identity,
        )
        after = {f: getattr(person, f) for f in PERSONAL_FIELDS}
        audit.record(
            actor=actor,
            action="person.create",
            obj=person,
            person_id=person.pk,
            changes=audit.field_changes({}, after, personal=PERSONAL_FIELDS),
        )
    return person


def find_by_personnummer(pnr):
    canonical = personnummer.normalise(pnr)
    # Every listed key's hash: people stay findable while rotate_keys is still running.
    hashes = crypto.lookup_hashes(canonical)
    return Person.objects.filter(personnummer_hash__in=hashes).first()
