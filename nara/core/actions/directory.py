"""The directory of partners and their services (Open Referral HSDS 3.0 shaped): partners,
their services and opening hours, the services' capacity, and the administrator's list of
legal bases for sharing without consent.

Every write is audited through the generic create/update actions (`partner.create`,
`partnerservice.update`, ...); confirming a service's capacity has its own audit code
(`partnerservice.capacity`) so that the log says who vouched for it and when. Input that breaks
a rule raises DirectoryRefused before anything is written.

How the fields map onto Open Referral HSDS 3.0 (for the API): Partner → organization (name,
description, email, website, phones) with one physical location (address, postcode, city,
latitude, longitude); PartnerService → service (name, description, email, url, phones,
status from `active`, eligibility_description from `target_group`, minimum_age/maximum_age from
age_min/age_max, application_process from `how_to_apply`, languages[].code from `languages`,
assured_date from `capacity_confirmed_on`; topics and capacity as attributes);
PartnerServiceSchedule → schedule (freq, interval, byday, bymonthday, opens_at, closes_at,
valid_from — also its dtstart —, valid_to, description).
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.core import audit
from nara.core.models import (
    Capacity,
    LegalBasis,
    Partner,
    PartnerService,
    PartnerServiceSchedule,
)
from nara.lib import calendar
from nara.lib.languages import SPOKEN_LANGUAGES
from nara.lib.topics import TOPIC_TITLES

from .centers import do_create, do_delete, do_update

# A capacity nobody confirmed for this long is shown with a warning in the directory.
CAPACITY_STALE_DAYS = 90
MAX_AGE = 120
FIRST_DATE = dt.date(2000, 1, 1)

PARTNER_FIELDS = (
    "name",
    "kind",
    "description",
    "address",
    "postcode",
    "city",
    "latitude",
    "longitude",
    "phone",
    "email",
    "website",
    "active",
)
SERVICE_FIELDS = (
    "name",
    "description",
    "topics",
    "target_group",
    "age_min",
    "age_max",
    "languages",
    "how_to_apply",
    "phone",
    "email",
    "url",
    "capacity",
    "capacity_confirmed_on",
    "accepts_referrals",
    "active",
)
HOURS_FIELDS = (
    "freq",
    "interval",
    "byday",
    "bymonthday",
    "opens_at",
    "closes_at",
    "valid_from",
    "valid_to",
    "description",
)
LEGAL_BASIS_FIELDS = (
    "name",
    "provision",
    "description",
    "active",
)


class DirectoryRefused(ValueError):
    """The input breaks a rule; `field` names the form field it belongs to (or None)."""

    def __init__(self, message, field=None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def _only(fields, allowed):
    unknown = set(fields) - set(allowed)
    if unknown:
        raise DirectoryRefused(
            _("These fields cannot be set here: %s") % ", ".join(sorted(unknown))
        )
    return dict(fields)


def _saved(save):
    """Run a generic create/update; the model's own checks become a DirectoryRefused."""
    try:
        return save()
    except ValidationError as error:
        field, messages = next(iter(getattr(error, "message_dict", {}).items()), (None, None))
        message = messages[0] if messages else " ".join(error.messages)
        raise DirectoryRefused(message, None if field == "__all__" else field) from error


# ----- partners ------------------------------------------------------------------------------


def _check_partner(fields):
    if "kind" in fields and fields["kind"] not in Partner.Kind.values:
        raise DirectoryRefused(_("Choose a kind of partner from the list."), "kind")
    if "name" in fields and not str(fields["name"] or "").strip():
        raise DirectoryRefused(_("Give the partner's name."), "name")
    lat, lon = fields.get("latitude"), fields.get("longitude")
    if (lat is None) != (lon is None) and ("latitude" in fields or "longitude" in fields):
        raise DirectoryRefused(_("Give both latitude and longitude, or neither."), "latitude")
    if lat is not None and not 54 <= lat <= 70:
        raise DirectoryRefused(_("Latitude in Sweden is between 54 and 70."), "latitude")
    if lon is not None and not 9 <= lon <= 26:
        raise DirectoryRefused(_("Longitude in Sweden is between 9 and 26."), "longitude")


def do_create_partner(*, actor, municipality, fields):
    """A partner organisation (HSDS organization with its location): school, police, BVC,
    NGO, a regional or municipal unit."""
    fields = _only(fields, PARTNER_FIELDS)
    _check_partner(fields)
    return _saved(
        lambda: do_create(
            actor=actor, model=Partner, fields={**fields, "municipality": municipality}
        )
    )


def do_update_partner(*, actor, partner, fields):
    fields = _only(fields, PARTNER_FIELDS)
    _check_partner({"latitude": partner.latitude, "longitude": partner.longitude} | fields)
    try:
        return _saved(lambda: do_update(actor=actor, obj=partner, fields=fields))
    except DirectoryRefused:
        partner.refresh_from_db()
        raise


# ----- services ------------------------------------------------------------------------------


def _check_service(fields, *, today=None):
    today = today or timezone.localdate()
    if "name" in fields and not str(fields["name"] or "").strip():
        raise DirectoryRefused(_("Give the service's name."), "name")
    topics = fields.get("topics", [])
    if not isinstance(topics, list | tuple) or set(topics) - set(TOPIC_TITLES):
        raise DirectoryRefused(_("Choose help topics from the list."), "topics")
    languages = fields.get("languages", [])
    if not isinstance(languages, list | tuple) or set(languages) - set(SPOKEN_LANGUAGES):
        raise DirectoryRefused(_("Choose languages from the list."), "languages")
    low, high = fields.get("age_min"), fields.get("age_max")
    for name, age in (("age_min", low), ("age_max", high)):
        if age is not None and not 0 <= age <= MAX_AGE:
            raise DirectoryRefused(_("An age is between 0 and 120."), name)
    if low is not None and high is not None and high < low:
        raise DirectoryRefused(_("The upper age must not be below the lower age."), "age_max")
    if "capacity" in fields and fields["capacity"] not in Capacity.values:
        raise DirectoryRefused(_("Choose whether the service takes referrals."), "capacity")
    _check_confirmed_on(fields.get("capacity_confirmed_on"), today, "capacity_confirmed_on")


def _check_confirmed_on(day, today, field):
    if day is None:
        return
    if day > today:
        raise DirectoryRefused(_("A capacity cannot be confirmed in the future."), field)
    if day < FIRST_DATE:
        raise DirectoryRefused(_("Use a date between 2000 and 2199."), field)


def _clean_lists(fields):
    for name in ("topics", "languages"):
        if name in fields and isinstance(fields[name], list | tuple):
            fields[name] = sorted(set(fields[name]), key=list(fields[name]).index)
    return fields


def do_create_partner_service(*, actor, partner, fields):
    """A service a partner offers (HSDS service): eligibility, languages, how to apply,
    capacity."""
    fields = _clean_lists(_only(fields, SERVICE_FIELDS))
    _check_service(fields)
    return _saved(
        lambda: do_create(actor=actor, model=PartnerService, fields={**fields, "partner": partner})
    )


def do_update_partner_service(*, actor, service, fields):
    fields = _clean_lists(_only(fields, SERVICE_FIELDS))
    current = {"age_min": service.age_min, "age_max": service.age_max}
    _check_service(current | fields)
    try:
        return _saved(lambda: do_update(actor=actor, obj=service, fields=fields))
    except DirectoryRefused:
        service.refresh_from_db()
        raise


def do_confirm_capacity(*, actor, service, capacity, confirmed_on=None, client_address=None):
    """Say whether a service takes referrals now (taking / waiting list / not taking), as of
    `confirmed_on` (today by default). The caller decides who may: staff who edit the
    directory, and a partner user for their own organisation's services."""
    today = timezone.localdate()
    confirmed_on = confirmed_on or today
    if capacity not in Capacity.values:
        raise DirectoryRefused(_("Choose whether the service takes referrals."), "capacity")
    _check_confirmed_on(confirmed_on, today, "confirmed_on")
    with transaction.atomic():
        service = PartnerService.objects.select_for_update().get(pk=service.pk)
        before = (service.capacity, service.capacity_confirmed_on)
        service.capacity = capacity
        service.capacity_confirmed_on = confirmed_on
        service.save(update_fields=["capacity", "capacity_confirmed_on", "updated_at"])
        audit.record(
            actor=actor,
            action="partnerservice.capacity",
            obj=service,
            changes={
                "capacity": [before[0], capacity],
                "capacity_confirmed_on": [
                    before[1].isoformat() if before[1] else None,
                    confirmed_on.isoformat(),
                ],
            },
            client_address=client_address,
        )
    return service


def capacity_is_stale(service, today=None):
    """True when nobody confirmed the service's capacity in the last CAPACITY_STALE_DAYS."""
    today = today or timezone.localdate()
    confirmed = service.capacity_confirmed_on
    return confirmed is None or (today - confirmed).days > CAPACITY_STALE_DAYS


# ----- opening hours -------------------------------------------------------------------------


def _check_hours(fields):
    freq, interval = fields.get("freq"), fields.get("interval")
    try:
        calendar.validate_rule(
            freq, interval, fields.get("byday", ""), fields.get("bymonthday", "")
        )
    except calendar.ScheduleRuleError:
        raise DirectoryRefused(
            _(
                "Use weekdays like MO,WE,FR or 1TU, days of the month 1–31, and repeat every "
                "1–52 weeks or 1–12 months."
            ),
            "byday",
        ) from None
    if freq == "WEEKLY" and not fields.get("byday"):
        raise DirectoryRefused(_("Choose at least one weekday."), "byday")
    opens, closes = fields.get("opens_at"), fields.get("closes_at")
    if opens is None or closes is None:
        raise DirectoryRefused(_("Give the opening and closing times."), "opens_at")
    if closes <= opens:
        raise DirectoryRefused(_("Closing time must be after opening time."), "closes_at")
    start, end = fields.get("valid_from"), fields.get("valid_to")
    if start and end and end < start:
        raise DirectoryRefused(_("The end date must be after the start date."), "valid_to")
    if interval and interval > 1 and not start:
        raise DirectoryRefused(
            _("A rule that skips weeks or months needs the date it starts from."), "valid_from"
        )


def do_add_service_hours(*, actor, service, fields):
    """Opening hours of a partner's service (HSDS schedule): an RRULE and its times."""
    fields = _only(fields, HOURS_FIELDS)
    fields.setdefault("freq", "WEEKLY")
    fields.setdefault("interval", 1)
    _check_hours(fields)
    return _saved(
        lambda: do_create(
            actor=actor, model=PartnerServiceSchedule, fields={**fields, "service": service}
        )
    )


def do_update_service_hours(*, actor, hours, fields):
    fields = _only(fields, HOURS_FIELDS)
    current = {name: getattr(hours, name) for name in HOURS_FIELDS}
    _check_hours(current | fields)
    try:
        return _saved(lambda: do_update(actor=actor, obj=hours, fields=fields))
    except DirectoryRefused:
        hours.refresh_from_db()
        raise


def do_remove_service_hours(*, actor, hours):
    do_delete(actor=actor, obj=hours)


# ----- legal bases for sharing without consent -------------------------------------------------


def _check_legal_basis(fields):
    for name, message in (
        ("name", _("Give the legal basis a name.")),
        ("provision", _("Give the provision, e.g. OSL 10 kap. 21 §.")),
    ):
        if name in fields and not str(fields[name] or "").strip():
            raise DirectoryRefused(message, name)


def do_create_legal_basis(*, actor, municipality, fields):
    """A statutory basis for sharing without consent, on the administrator's list."""
    fields = _only(fields, LEGAL_BASIS_FIELDS)
    _check_legal_basis(fields)
    return _saved(
        lambda: do_create(
            actor=actor, model=LegalBasis, fields={**fields, "municipality": municipality}
        )
    )


def do_update_legal_basis(*, actor, basis, fields):
    """Change or deactivate (active=False) a legal basis; referrals that used it keep it."""
    fields = _only(fields, LEGAL_BASIS_FIELDS)
    _check_legal_basis(fields)
    try:
        return _saved(lambda: do_update(actor=actor, obj=basis, fields=fields))
    except DirectoryRefused:
        basis.refresh_from_db()
        raise
