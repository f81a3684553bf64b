"""Contacts (kontakter): one encounter each, recorded as the service's documentation level allows.

counts only  → aggregate fields only: no person, household, alias or note;
no identity  → at most an alias (chosen by the resident, or generated), and a note;
full         → a person or a household, and a note.
Anything else is refused with a message that says why, and nothing is saved.
"""

import datetime as dt
import secrets

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.core import audit, crypto
from nara.core.actions.free_text import identity_number_problem
from nara.core.models import (
    AgeBand,
    Alias,
    Appointment,
    Area,
    Channel,
    Contact,
    DropInHeadcount,
    Gender,
    Service,
    SupportOffer,
    YesNoUnknown,
)
from nara.insights import followups, rollups
from nara.lib.languages import SPOKEN_LANGUAGES
from nara.lib.topics import TOPIC_TITLES

Level = Service.DocumentationLevel
# What a record may carry about whom, per documentation level.
ALLOWED = {
    Level.COUNTS_ONLY: frozenset(),
    Level.NO_IDENTITY: frozenset({"alias", "note"}),
    Level.FULL: frozenset({"person", "household", "note"}),
}
MAX_MINUTES = 480
MAX_DAYS_BACK = 366
MAX_HEADCOUNT = 10000
NOTE_MAX = 2000
ALIAS_WORDS = ["Tall", "Björk", "Ek", "Lönn", "Rönn", "Lind", "Asp", "Hassel", "Sälg", "Al"]


class ContactRefused(ValueError):
    """The input breaks a rule; `field` names the form field it belongs to (or None)."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


def level_refusal(service):
    """Why a service's documentation level refuses what was given."""
    name = str(service.name)
    if service.documentation_level == Level.COUNTS_ONLY:
        text = _(
            "“%(service)s” is recorded as counts only: no person, household, alias or note may "
            "be saved with it. Nothing was saved."
        )
    elif service.documentation_level == Level.NO_IDENTITY:
        text = _(
            "“%(service)s” is recorded without identity: only an alias, never a person or "
            "household. Nothing was saved."
        )
    else:
        text = _(
            "“%(service)s” is recorded with full documentation: a person or household, not an "
            "alias. Nothing was saved."
        )
    return text % {"service": name}


def check_subject(service, given):
    """Refuse unless every kind of subject in `given` (names) is allowed by the service."""
    if set(given) - ALLOWED[service.documentation_level]:
        raise ContactRefused(level_refusal(service))


def check_service_given(center, service, field="service"):
    if not service.centers.filter(pk=center.pk).exists():
        raise ContactRefused(
            _("%(centre)s does not give “%(service)s”. Nothing was saved.")
            % {"centre": center.name, "service": str(service.name)},
            field,
        )


def check_date(day, field, *, not_before=None):
    today = timezone.localdate()
    if day > today:
        raise ContactRefused(_("The date cannot be in the future."), field)
    if day < today - dt.timedelta(days=MAX_DAYS_BACK):
        raise ContactRefused(_("The date cannot be more than a year ago."), field)
    if not_before is not None and day < not_before:
        raise ContactRefused(
            _("The date cannot be before %(date)s.") % {"date": not_before.isoformat()}, field
        )


def _check_choice(value, choices, field):
    if value not in {c for c, _label in choices}:
        raise ContactRefused(_("Choose one of the options."), field)


def _check_fields(*, center, channel, occurred_on, duration_minutes, topics, language, choices):
    _check_choice(channel, Channel.choices, "channel")
    check_date(occurred_on, "occurred_on")
    if duration_minutes is not None and not 1 <= duration_minutes <= MAX_MINUTES:
        raise ContactRefused(
            _("A contact lasts 1 to %(max)d minutes.") % {"max": MAX_MINUTES}, "duration_minutes"
        )
    unknown = [t for t in topics if t not in TOPIC_TITLES]
    if unknown:
        raise ContactRefused(_("There is no such help topic."), "topics")
    if language and language not in SPOKEN_LANGUAGES:
        raise ContactRefused(_("Choose one of the options."), "language")
    for value, options, field in choices:
        _check_choice(value, options, field)


def _check_area(center, area, area_outside):
    if area is not None and area_outside:
        raise ContactRefused(_("Choose an area or “outside”, not both."), "area")
    if area is not None and not Area.objects.filter(pk=area.pk, catchments__center=center).exists():
        raise ContactRefused(_("Choose an area from the centre's catchment, or “outside”."), "area")


def _check_belongs(center, obj, field):
    if obj is not None and obj.center_id != center.pk:
        raise ContactRefused(_("That record belongs to another centre."), field)


def _check_origin(center, service, appointment, callback, question):
    given = [obj for obj in (appointment, callback, question) if obj is not None]
    if given and service.documentation_level == Level.COUNTS_ONLY:
        # A booking, call-back or question carries a name, phone or e-mail: linked to it, a
        # counts-only contact would point at someone.
        raise ContactRefused(
            _(
                "“%(service)s” is recorded as counts only: the contact cannot be linked to the "
                "booking, call-back or question it came from. Nothing was saved."
            )
            % {"service": str(service.name)}
        )
    for obj, field in (
        (appointment, "appointment"),
        (callback, "callback"),
        (question, "question"),
    ):
        _check_belongs(center, obj, field)
    if appointment is not None and appointment.status != Appointment.Status.ATTENDED:
        raise ContactRefused(_("Only a visit marked as attended can become a contact."))


def subject_kinds(
    *, person=None, household=None, alias=None, alias_name="", generate=False, note=""
):
    kinds = set()
    if person is not None:
        kinds.add("person")
    if household is not None:
        kinds.add("household")
    if alias is not None or alias_name.strip() or generate:
        kinds.add("alias")
    if note.strip():
        kinds.add("note")
    return kinds


def _alias_for(center, alias, alias_name, generate):
    """The existing alias, the one the resident chose (reused when it exists), or a new one."""
    name = alias_name.strip()
    if sum(bool(x) for x in (alias, name, generate)) > 1:
        raise ContactRefused(_("Give one alias: chosen or generated, not both."), "alias_name")
    if alias is not None:
        return alias, False
    if name:
        if len(name) > 40:
            raise ContactRefused(_("An alias has at most 40 characters."), "alias_name")
        if _identifies(name):
            raise ContactRefused(
                _(
                    "An alias may not be an identity number, a phone number or an e-mail "
                    "address. Nothing was saved."
                ),
                "alias_name",
            )
        return _existing_or_new_alias(center, name)
    if generate:
        return _existing_or_new_alias(center, _free_alias_name(center))
    return None, False


def _identifies(alias_name):
    """Looks like a personnummer, a phone number or an e-mail address (a generated alias has
    four digits; six or more are a number that points at someone)."""
    return "@" in alias_name or sum(ch.isdigit() for ch in alias_name) >= 6


def _existing_or_new_alias(center, name):
    found = Alias.objects.filter(center=center, name__iexact=name).first()
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            return Alias.objects.create(center=center, name=name), True
    except IntegrityError:  # the same alias was given at the same moment elsewhere
        return Alias.objects.get(center=center, name=name), False


def _free_alias_name(center):
    for _attempt in range(20):
        name = f"{secrets.choice(ALIAS_WORDS)}-{secrets.randbelow(9000) + 1000}"
        if not Alias.objects.filter(center=center, name__iexact=name).exists():
            return name
    return f"{secrets.choice(ALIAS_WORDS)}-{secrets.token_hex(4)}"


def do_register_contact(
    *,
    actor,
    center,
    service,
    channel,
    occurred_on,
    duration_minutes=None,
    topics=(),
    age_band=AgeBand.UNKNOWN,
    gender=Gender.NOT_STATED,
    area=None,
    area_outside=False,
    language="",
    interpreter_used=False,
    previously_known=YesNoUnknown.UNKNOWN,
    first_contact=False,
    note="",
    person=None,
    household=None,
    alias=None,
    alias_name="",
    generate_alias=False,
    appointment=None,
    callback=None,
    question=None,
    offer_service=None,
    offer_answer=SupportOffer.Answer.NO_ANSWER,
):
    """Record one contact (and optionally one support offer made in it), audited, all or
    nothing. Raises ContactRefused, with nothing changed, when a rule is broken."""
    from .offers import contact_subject_for, do_offer_support

    topics = list(dict.fromkeys(topics))
    check_service_given(center, service)
    check_subject(
        service,
        subject_kinds(
            person=person,
            household=household,
            alias=alias,
            alias_name=alias_name,
            generate=generate_alias,
            note=note,
        ),
    )
    _check_fields(
        center=center,
        channel=channel,
        occurred_on=occurred_on,
        duration_minutes=duration_minutes,
        topics=topics,
        language=language,
        choices=[
            (age_band, AgeBand.choices, "age_band"),
            (gender, Gender.choices, "gender"),
            (previously_known, YesNoUnknown.choices, "previously_known"),
        ],
    )
    _check_area(center, area, area_outside)
    for obj, field in ((person, "person"), (household, "household"), (alias, "alias_name")):
        _check_belongs(center, obj, field)
    _check_origin(center, service, appointment, callback, question)
    if len(note) > NOTE_MAX:
        raise ContactRefused(_("The note is too long."), "note")
    if identity_number_problem(note):
        raise ContactRefused(identity_number_problem(note), "note")
    if offer_service is not None:
        check_service_given(center, offer_service, "offer_service")
        _check_choice(offer_answer, SupportOffer.Answer.choices, "offer_answer")

    with transaction.atomic():
        alias, alias_created = _alias_for(center, alias, alias_name, generate_alias)
        contact = Contact.objects.create(
            center=center,
            service=service,
            staff=actor,
            channel=channel,
            occurred_on=occurred_on,
            duration_minutes=duration_minutes,
            topics=topics,
            age_band=age_band,
            gender=gender,
            area=area,
            area_outside=area_outside,
            language=language,
            interpreter_used=interpreter_used,
            previously_known=previously_known,
            first_contact=first_contact,
            note_encrypted=crypto.encrypt(note.strip()),
            person=person,
            household=household,
            alias=alias,
            appointment=appointment,
            callback=callback,
            question=question,
        )
        audit.record(
            actor=actor,
            action="contact.create",
            obj=contact,
            person_id=getattr(person, "pk", None),
            changes=_audited_fields(contact, alias_created),
        )
        rollups.contact_created(contact)
        if offer_service is not None:
            do_offer_support(
                actor=actor,
                contact=contact,
                service=offer_service,
                answer=offer_answer,
                # The offer carries the contact's subject only as far as its own service allows.
                **contact_subject_for(offer_service, contact),
            )
        else:
            followups.contact_written(contact)
    return contact


def _audited_fields(contact, alias_created):
    after = {
        "service": contact.service.slug,
        "channel": contact.channel,
        "occurred_on": contact.occurred_on.isoformat(),
        "duration_minutes": contact.duration_minutes,
        "topics": contact.topics,
        "age_band": contact.age_band,
        "gender": contact.gender,
        "area": contact.area_id,
        "area_outside": contact.area_outside,
        "language": contact.language,
        "interpreter_used": contact.interpreter_used,
        "previously_known": contact.previously_known,
        "first_contact": contact.first_contact,
        "note": bool(contact.note_encrypted),
        "person": contact.person_id,
        "household": contact.household_id,
        "alias": contact.alias_id,
        "alias_created": alias_created or None,
        "appointment": contact.appointment_id,
        "callback": contact.callback_id,
        "question": contact.question_id,
    }
    return audit.field_changes({}, after, personal=("note",))


def visits_without_contact(center, days=7, limit=20):
    """Booked visits at the centre marked as attended in the last `days` days that no contact
    was recorded from yet, newest first (a contact about a person or household can come from
    one of them)."""
    since = timezone.now() - dt.timedelta(days=days)
    recorded = Contact.objects.filter(appointment=OuterRef("pk"))
    return (
        Appointment.objects.filter(
            center=center, status=Appointment.Status.ATTENDED, slot__starts_at__gte=since
        )
        .exclude(Exists(recorded))
        .select_related("slot")
        .order_by("-slot__starts_at", "-pk")[:limit]
    )


def contacts_on(center, day):
    """How many contacts the centre has recorded for a day (the evening's running count)."""
    return Contact.objects.filter(center=center, occurred_on=day).count()


def do_record_headcount(*, actor, center, date, count):
    """How many came to a drop-in: one number per centre and day; recording again corrects it."""
    check_date(date, "date")
    if not isinstance(count, int) or not 0 <= count <= MAX_HEADCOUNT:
        raise ContactRefused(
            _("Write a number from 0 to %(max)d.") % {"max": MAX_HEADCOUNT}, "count"
        )
    with transaction.atomic():
        row = DropInHeadcount.objects.select_for_update().filter(center=center, date=date).first()
        before = row.count if row else None
        if row is None:
            row = DropInHeadcount.objects.create(
                center=center, date=date, count=count, recorded_by=actor
            )
        else:
            row.count, row.recorded_by = count, actor
            row.save(update_fields=["count", "recorded_by"])
        audit.record(
            actor=actor,
            action="headcount.record",
            obj=row,
            changes={"date": [None, date.isoformat()], "count": [before, count]},
        )
    return row
