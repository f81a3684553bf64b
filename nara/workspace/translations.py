"""Public texts that lack a translation into the languages residents read."""

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from nara.core import access

SOURCE_LANGUAGE = settings.LANGUAGE_CODE
TARGET_LANGUAGES = [code for code, _name in settings.LANGUAGES if code != SOURCE_LANGUAGE]


@dataclass
class MissingText:
    what: str  # the object, e.g. a service's name or "Opening hours 09:00–12:00"
    field: str  # the field's label
    missing: list  # language codes
    edit_url: str  # "" when the user may not edit it


def missing_languages(value):
    """Languages lacking a translation of a text that has Swedish; [] when nothing to do."""
    data = getattr(value, "data", None)
    if not isinstance(data, dict) or not (data.get(SOURCE_LANGUAGE) or "").strip():
        return []
    return [code for code in TARGET_LANGUAGES if not (data.get(code) or "").strip()]


def _missing(obj, fields, what, edit_url):
    rows = []
    for name in fields:
        missing = missing_languages(getattr(obj, name))
        if missing:
            label = str(obj._meta.get_field(name).verbose_name)
            rows.append(MissingText(what, label[:1].upper() + label[1:], missing, edit_url))
    return rows


def centre_texts(user, centre):
    """Every public text of one centre (the user manages it) lacking a translation."""
    from .words import describe_rule

    rows = _missing(
        centre,
        ["accessibility", "directions"],
        centre.name,
        reverse("workspace:centre-edit", args=[centre.pk]),
    )
    for schedule in centre.schedules.all():
        url = reverse("workspace:schedule", args=[schedule.pk])
        rows += _missing(schedule, ["title", "notes"], describe_rule(schedule), url)
    for exception in centre.exceptions.filter(date__gte=timezone.localdate()):
        url = reverse("workspace:exception", args=[exception.pk])
        rows += _missing(exception, ["reason"], str(exception.date), url)
    for person in centre.staff.all():
        url = reverse("workspace:directory", args=[person.pk])
        rows += _missing(person, ["role_title"], person.first_name, url)
    may_edit_services = access.is_admin(user)
    for service in centre.services.all():
        url = reverse("workspace:service", args=[service.pk]) if may_edit_services else ""
        rows += _missing(service, ["name", "target_group", "description"], str(service.name), url)
    return rows


def missing_by_centre(user):
    """[(centre, rows)] for the centres the user manages."""
    centres = access.manageable_centres(user).order_by("name")
    return [(centre, centre_texts(user, centre)) for centre in centres]
