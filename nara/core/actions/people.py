"""Identified people. Personnummer and address are validated, encrypted and never logged."""

import secrets

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from nara.core import audit, crypto
from nara.core.models import REPLACEABLE_KINDS, FormerIdentity, IdentityKind, Person
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
    "phone_encrypted",
    "email_encrypted",
}
LOCAL_IDENTITY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class DuplicatePerson(ValueError):
    """The number is registered already. Callers must not tell where (see people_views)."""

    def __init__(self, person):
        self.person = person
        super().__init__("duplicate")


class PossibleDuplicate(ValueError):
    """People of the actor's centres with the same name and date of birth: the worker chooses
    to open one of them, or says why this is a different person."""

    def __init__(self, people):
        self.people = people
        super().__init__("possible duplicate")


class IdentityNotReplaced(ValueError):
    """The new number could not be used; the message is safe to show."""


class NumberTaken(IdentityNotReplaced):
    """The number belongs to another record. Callers must not tell where (see people_views)."""

    def __init__(self, person):
        self.person = person
        super().__init__("taken")


def protected_flags(person):
    """Every access to a protected identity is flagged for the log review."""
    return {"protected_identity"} if person is not None and person.protected_identity else set()


def address_lookup(address):
    return crypto.lookup_hash(fold_address(address)) if address and address.strip() else ""


def address_lookups(address):
    """The address's hash under every listed key (rotate_keys may still be running)."""
    return crypto.lookup_hashes(fold_address(address)) if address and address.strip() else []


def identity_for(pnr, *, local=False):
    """(kind, canonical number) for what was typed: a real number, a reserve number, a new
    local temporary identity (no number at all) or nothing."""
    if pnr:
        return personnummer.classify(pnr)
    if local:
        return IdentityKind.LOCAL, _new_local_identity()
    return IdentityKind.NONE, ""


def _new_local_identity():
    while True:
        code = "T-" + "".join(secrets.choice(LOCAL_IDENTITY_ALPHABET) for _ in range(8))
        if not Person.objects.filter(personnummer_hash=crypto.lookup_hash(code)).exists():
            return code


def similar_people(*, centre_ids, first_name, last_name, birth_date):
    """People of these centres with the same (folded) name and date of birth."""
    if not birth_date:
        return []
    name = fold(f"{first_name} {last_name}")
    people = Person.objects.filter(
        center_id__in=centre_ids, search_name=name, birth_date=birth_date
    )
    return list(people.select_related("center").order_by("pk"))


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
    local_identity=False,
    phone="",
    email="",
    preferred_language="",
    check_similar_at=None,
    different_person_reason="",
):
    """Register a person.

    check_similar_at: centre ids to look for the same name and date of birth in (the actor's
    own centres); a match raises PossibleDuplicate unless different_person_reason says why
    this is someone else, which is then kept, flagged, in the audit entry.
    """
    kind, canonical = identity_for(pnr, local=local_identity)
    lookup = crypto.lookup_hash(canonical) if canonical else ""
    real_number = kind in (IdentityKind.PERSONNUMMER, IdentityKind.SAMORDNINGSNUMMER)
    if real_number:
        birth_date = personnummer.birth_date(canonical)
    with transaction.atomic():
        existing = (
            Person.objects.filter(personnummer_hash__in=crypto.lookup_hashes(canonical)).first()
            if canonical
            else None
        )
        if existing:
            raise DuplicatePerson(existing)
        similar = []
        if check_similar_at is not None:
            similar = similar_people(
                centre_ids=check_similar_at,
                first_name=first_name,
                last_name=last_name,
                birth_date=birth_date,
            )
            if similar and not different_person_reason.strip():
                raise PossibleDuplicate(similar)
        person = Person.objects.create(
            center=center,
            first_name=first_name,
            last_name=last_name,
            search_name=fold(f"{first_name} {last_name}"),
            birth_date=birth_date,
            address_encrypted=crypto.encrypt(address.strip()),
            address_hash=address_lookup(address),
            personnummer_encrypted=crypto.encrypt(canonical),
            personnummer_hash=lookup,
            identity_kind=kind,
            phone_encrypted=crypto.encrypt(phone.strip()),
            email_encrypted=crypto.encrypt(email.strip()),
            preferred_language=preferred_language,
            protected_identity=protected_identity,
        )
        after = {f: getattr(person, f) for f in PERSONAL_FIELDS}
        after |= {"identity_kind": kind, "preferred_language": preferred_language}
        changes = audit.field_changes({}, after, personal=PERSONAL_FIELDS)
        if similar:
            changes["different_from"] = [p.pk for p in similar]
        audit.record(
            actor=actor,
            action="person.create",
            obj=person,
            person_id=person.pk,
            changes=changes,
            reason=different_person_reason.strip() if similar else "",
            flags=({"different_person_stated"} if similar else set()) | protected_flags(person),
        )
    return person


def do_replace_identity(*, actor, person, pnr):
    """A real personnummer (or samordningsnummer) replaces a temporary identity; a reserve
    number may replace the municipality's own temporary identity.

    The former identity is kept encrypted (papers written under it still match) and the
    change is audited with both numbers masked.
    """
    kind, canonical = personnummer.classify(pnr)
    lookup = crypto.lookup_hash(canonical)
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        # A reserve number may replace only a local identity or none (it is still temporary).
        if kind == IdentityKind.RESERVNUMMER and person.identity_kind not in (
            IdentityKind.LOCAL,
            IdentityKind.NONE,
        ):
            raise IdentityNotReplaced(
                _(
                    "A reserve number cannot replace this identity: "
                    "write a personal identity number."
                )
            )
        if person.identity_kind not in REPLACEABLE_KINDS:
            raise IdentityNotReplaced(_("This person already has a personal identity number."))
        if person.identity_kind == kind == IdentityKind.SAMORDNINGSNUMMER:
            raise IdentityNotReplaced(
                _("A coordination number can only be replaced by a personal identity number.")
            )
        taken = Person.objects.filter(personnummer_hash=lookup).exclude(pk=person.pk).first()
        if taken:
            raise NumberTaken(taken)
        former = FormerIdentity.objects.create(
            person=person,
            kind=person.identity_kind,
            number_encrypted=person.personnummer_encrypted,
            replaced_by=actor if getattr(actor, "pk", None) else None,
        )
        before = {
            "personnummer_encrypted": person.personnummer_encrypted,
            "identity_kind": person.identity_kind,
            "birth_date": person.birth_date,
        }
        person.personnummer_encrypted = crypto.encrypt(canonical)
        person.personnummer_hash = lookup
        person.identity_kind = kind
        if kind != IdentityKind.RESERVNUMMER:  # a reserve number holds no date of birth
            person.birth_date = personnummer.birth_date(canonical)
        person.save(
            update_fields=[
                "personnummer_encrypted",
                "personnummer_hash",
                "identity_kind",
                "birth_date",
            ]
        )
        after = {
            "personnummer_encrypted": person.personnummer_encrypted,
            "identity_kind": kind,
            "birth_date": person.birth_date,
        }
        audit.record(
            actor=actor,
            action="person.replace_identity",
            obj=person,
            person_id=person.pk,
            flags=protected_flags(person),
            changes=audit.field_changes(before, after, personal=PERSONAL_FIELDS)
            | {"former_identity": former.pk},
        )
    return person


def do_set_person_legal_hold(*, actor, person, on):
    """A legal hold keeps the person out of every retention purge until it is lifted."""
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        if person.legal_hold != on:
            person.legal_hold = on
            person.save(update_fields=["legal_hold"])
            audit.record(
                actor=actor,
                action="person.legal_hold",
                obj=person,
                person_id=person.pk,
                flags=protected_flags(person),
                changes={"legal_hold": [not on, on]},
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
    """The person with this number (a personnummer, samordningsnummer or reserve number)."""
    _kind, canonical = personnummer.classify(pnr)
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


def do_update_contact_details(*, actor, person, address, phone, email, preferred_language):
    """New address, phone, e-mail or language; the values are masked in the audit entry."""
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        before = {
            "address_encrypted": person.address,
            "phone_encrypted": person.phone,
            "email_encrypted": person.email,
            "preferred_language": person.preferred_language,
        }
        after = {
            "address_encrypted": address.strip(),
            "phone_encrypted": phone.strip(),
            "email_encrypted": email.strip(),
            "preferred_language": preferred_language,
        }
        changes = audit.field_changes(before, after, personal=PERSONAL_FIELDS)
        if not changes:
            return person
        person.address_encrypted = crypto.encrypt(after["address_encrypted"])
        person.address_hash = address_lookup(address)
        person.phone_encrypted = crypto.encrypt(after["phone_encrypted"])
        person.email_encrypted = crypto.encrypt(after["email_encrypted"])
        person.preferred_language = preferred_language
        person.save(
            update_fields=[
                "address_encrypted",
                "address_hash",
                "phone_encrypted",
                "email_encrypted",
                "preferred_language",
            ]
        )
        audit.record(
            actor=actor,
            action="person.update_contact_details",
            obj=person,
            person_id=person.pk,
            changes=changes,
            flags=protected_flags(person),
        )
    return person
