"""Identified people. Personnummer and address are validated, encrypted and never logged."""

from django.db import transaction

from nara.core import audit, crypto
from nara.core.models import Person
from nara.lib import personnummer
from nara.lib.textfold import fold, fold_address

PERSONAL_FIELDS = {
    "personnummer_encrypted",
    "personnummer_hash",
    "first_name",
    "last_name",
    "address_encrypted",
    "address_hash",
    "search_name",
    "birth_date",
}


class DuplicatePerson(ValueError):
    """The number is registered already. Callers must not tell where (see people_views)."""

    def __init__(self, person):
        self.person = person
        super().__init__("duplicate")


def address_lookup(address):
    return crypto.lookup_hash(fold_address(address)) if address and address.strip() else ""


def address_lookups(address):
    """The address's hash under every listed key (rotate_keys may still be running)."""
    return crypto.lookup_hashes(fold_address(address)) if address and address.strip() else []


def do_create_person(
    *,
    actor,
    center,
    first_name,
    last_name,
    pnr="",
    address="",
    protected_identity=False,
    birth_date=None,
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
            search_name=fold(f"{first_name} {last_name}"),
            birth_date=personnummer.birth_date(canonical) if canonical else birth_date,
            address_encrypted=crypto.encrypt(address.strip()),
            address_hash=address_lookup(address),
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


def do_record_duplicate_attempt(*, actor, center, existing):
    """A registration refused because the number exists: kept for the log review, flagged.

    The entry names the existing person (for the reviewers of their centre and of the actor's),
    never the number.
    """
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="person.register_refused",
            obj=existing,
            person_id=existing.pk,
            changes={"registering_centre": center.pk},
            flags={"registration_refused"},
        )


def record_search(*, actor, how, found=(), shown=()):
    """One search for people, audited without what was typed.

    found: people who matched anywhere (a personnummer search); shown: those the actor may see.
    The first match is named in the entry so that its centre's reviewers see the search.
    """
    first = next(iter(found or shown), None)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action=f"person.search_{how}",
            obj=first,
            person_id=getattr(first, "pk", None),
            changes={
                "matches": len(found or shown),
                "shown": len(shown),
                "people_shown": [person.pk for person in shown],
            },
            flags={"outside_own_centres"} if found and not shown else (),
        )


def find_by_personnummer(pnr):
    canonical = personnummer.normalise(pnr)
    # Every listed key's hash: people stay findable while rotate_keys is still running.
    hashes = crypto.lookup_hashes(canonical)
    return Person.objects.filter(personnummer_hash__in=hashes).first()


def find_by_name(*, centre_ids, name="", birth_date=None):
    """People of the given centres whose folded name contains every word typed."""
    people = Person.objects.filter(center_id__in=centre_ids)
    for word in fold(name).split():
        people = people.filter(search_name__contains=word)
    if birth_date:
        people = people.filter(birth_date=birth_date)
    return people.select_related("center").order_by("last_name", "first_name", "pk")[:50]
