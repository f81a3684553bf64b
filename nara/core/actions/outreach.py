"""Outreach shifts (fältarbete): where and when staff walked, and how many people they met.

No personal data: counts by age band and gender, topics, partners present, and at most a short
note that must not name anyone (an identity number in it is refused). Bad input is refused
with a message and nothing is saved.
"""

import datetime as dt
import math

from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.core import audit
from nara.core.models import (
    CENTRE_ROLES,
    AgeBand,
    Area,
    Gender,
    OutreachCount,
    OutreachShift,
    Partner,
)
from nara.lib.geometry import contains
from nara.lib.personnummer import contains_identity_number
from nara.lib.topics import TOPIC_TITLES

from .contacts import MAX_DAYS_BACK
from .contacts import ContactRefused as OutreachRefused

MAX_CELL = 1000
MAX_HOURS = 16
NOTE_MAX = 200
# An evening entered a little before its planned end is fine; a shift in the future is not.
END_GRACE = dt.timedelta(hours=1)
CELLS = [(age, gender) for age in AgeBand.values for gender in Gender.values]

__all__ = ["OutreachRefused", "do_record_outreach", "do_update_outreach", "outreach_months"]


def cell_name(age_band, gender):
    """The form field of one cell of the counts grid."""
    return f"count_{age_band}_{gender}".replace("-", "_").replace("+", "plus")


def check_number(value, field, maximum=MAX_CELL):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise OutreachRefused(
            _("Write a whole number from 0 to %(max)d. Nothing was saved.") % {"max": maximum},
            field,
        )


def check_note(note, field="note", maximum=NOTE_MAX):
    if len(note) > maximum:
        raise OutreachRefused(
            _("Write at most %(max)d characters. Nothing was saved.") % {"max": maximum}, field
        )
    if contains_identity_number(note):
        raise OutreachRefused(
            _(
                "Do not write a personal identity number here: no one is named in these records. "
                "Nothing was saved."
            ),
            field,
        )


def check_times(starts_at, ends_at, *, allow_future=False):
    """A span that ends after it starts, lasts at most 16 hours, and is not too old or (unless
    allowed) in the future."""
    now = timezone.now()
    if ends_at <= starts_at:
        raise OutreachRefused(_("The end is before the start. Nothing was saved."), "ends")
    if ends_at - starts_at > dt.timedelta(hours=MAX_HOURS):
        raise OutreachRefused(
            _("At most %(hours)d hours from start to end. Nothing was saved.")
            % {"hours": MAX_HOURS},
            "ends",
        )
    if not allow_future and (starts_at > now or ends_at > now + END_GRACE):
        raise OutreachRefused(_("The date cannot be in the future. Nothing was saved."), "date")
    if starts_at < now - dt.timedelta(days=MAX_DAYS_BACK):
        raise OutreachRefused(_("The date cannot be more than a year ago."), "date")


def check_staff(center, staff, field="staff"):
    ids = {u.pk for u in staff}
    found = set(
        center.memberships.filter(user_id__in=ids, role__in=CENTRE_ROLES).values_list(
            "user_id", flat=True
        )
    )
    if ids - found:
        raise OutreachRefused(_("Choose staff who work at this centre. Nothing was saved."), field)


def check_partners(center, partners, field="partners"):
    for partner in partners:
        if partner.municipality_id != center.municipality_id:
            raise OutreachRefused(_("Choose partners of this municipality."), field)


def _place(center, area, lat, lon):
    """The area of the shift: the one chosen, or the catchment area holding the point."""
    catchment = Area.objects.filter(catchments__center=center).distinct()
    if area is not None and (lat is not None or lon is not None):
        raise OutreachRefused(_("Choose an area or give a point, not both."), "area")
    if area is not None:
        if not catchment.filter(pk=area.pk).exists():
            raise OutreachRefused(_("Choose an area from the centre's catchment."), "area")
        return area
    if lat is None and lon is None:
        raise OutreachRefused(
            _("Say where: choose an area, or give a point (latitude and longitude)."), "area"
        )
    if lat is None or lon is None:
        raise OutreachRefused(_("Give both latitude and longitude."), "lat")
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise OutreachRefused(_("That is not a point on the map."), "lat")
    near = catchment.filter(min_lon__lte=lon, max_lon__gte=lon, min_lat__lte=lat, max_lat__gte=lat)
    for candidate in near:
        if contains(candidate.geometry, lon, lat):
            return candidate
    raise OutreachRefused(_("The point lies outside the centre's catchment."), "lat")


def _checked(
    center, *, staff, starts_at, ends_at, area, lat, lon, topics, counts, contacts_made, partners,
    note,
):  # fmt: skip
    check_times(starts_at, ends_at)
    check_staff(center, staff)
    area = _place(center, area, lat, lon)
    topics = list(dict.fromkeys(topics))
    if any(t not in TOPIC_TITLES for t in topics):
        raise OutreachRefused(_("There is no such help topic."), "topics")
    cells = {}
    for (age_band, gender), value in counts.items():
        if (age_band, gender) not in CELLS:
            raise OutreachRefused(_("Choose one of the options."))
        check_number(value, cell_name(age_band, gender))
        if value:
            cells[(age_band, gender)] = value
    check_number(contacts_made, "contacts_made")
    check_partners(center, partners)
    check_note(note.strip())
    return area, topics, cells


def _save_counts(shift, cells):
    shift.counts.all().delete()
    OutreachCount.objects.bulk_create(
        OutreachCount(shift=shift, age_band=a, gender=g, count=n) for (a, g), n in cells.items()
    )


def _state(shift):
    counts = {f"{c.age_band}/{c.gender}": c.count for c in shift.counts.all()}
    return {
        "staff": sorted(shift.staff.values_list("pk", flat=True)),
        "starts_at": timezone.localtime(shift.starts_at).isoformat(timespec="minutes"),
        "ends_at": timezone.localtime(shift.ends_at).isoformat(timespec="minutes"),
        "area": shift.area_id,
        "point": [shift.lat, shift.lon] if shift.lat is not None else None,
        "topics": shift.topics,
        "counts": counts,
        "contacts_made": shift.contacts_made,
        "partners": sorted(shift.partners.values_list("pk", flat=True)),
        "note": shift.note,
    }


def do_record_outreach(
    *,
    actor,
    center,
    starts_at,
    ends_at,
    staff=(),
    area=None,
    lat=None,
    lon=None,
    topics=(),
    counts=None,
    contacts_made=0,
    partners=(),
    note="",
):
    """Record one outreach shift, all or nothing. `counts` maps (age band, gender) → people met.
    Raises OutreachRefused, with nothing saved, when a value is absurd."""
    counts = counts or {}
    area, topics, cells = _checked(
        center,
        staff=staff,
        starts_at=starts_at,
        ends_at=ends_at,
        area=area,
        lat=lat,
        lon=lon,
        topics=topics,
        counts=counts,
        contacts_made=contacts_made,
        partners=partners,
        note=note,
    )
    with transaction.atomic():
        shift = OutreachShift.objects.create(
            center=center,
            date=timezone.localtime(starts_at).date(),
            starts_at=starts_at,
            ends_at=ends_at,
            minutes=round((ends_at - starts_at).total_seconds() / 60),
            area=area,
            lat=lat,
            lon=lon,
            topics=topics,
            people_met=sum(cells.values()),
            contacts_made=contacts_made,
            note=note.strip(),
            recorded_by=actor if getattr(actor, "pk", None) else None,
        )
        shift.staff.set(staff)
        shift.partners.set(partners)
        _save_counts(shift, cells)
        audit.record(
            actor=actor,
            action="outreach.create",
            obj=shift,
            changes=audit.field_changes({}, _state(shift)),
        )
    return shift


def do_update_outreach(*, actor, shift, **fields):
    """Correct a shift: the same rules as recording it; the audit entry keeps old and new."""
    values = {
        "staff": list(shift.staff.all()),
        "starts_at": shift.starts_at,
        "ends_at": shift.ends_at,
        "area": shift.area if shift.lat is None else None,
        "lat": shift.lat,
        "lon": shift.lon,
        "topics": shift.topics,
        "counts": {(c.age_band, c.gender): c.count for c in shift.counts.all()},
        "contacts_made": shift.contacts_made,
        "partners": list(shift.partners.all()),
        "note": shift.note,
    }
    unknown = set(fields) - set(values)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    values.update(fields)
    area, topics, cells = _checked(shift.center, **values)
    with transaction.atomic():
        shift = OutreachShift.objects.select_for_update().get(pk=shift.pk)
        before = _state(shift)
        shift.date = timezone.localtime(values["starts_at"]).date()
        shift.starts_at, shift.ends_at = values["starts_at"], values["ends_at"]
        shift.minutes = round((shift.ends_at - shift.starts_at).total_seconds() / 60)
        shift.area, shift.lat, shift.lon = area, values["lat"], values["lon"]
        shift.topics = topics
        shift.people_met = sum(cells.values())
        shift.contacts_made = values["contacts_made"]
        shift.note = values["note"].strip()
        shift.save()
        shift.staff.set(values["staff"])
        shift.partners.set(values["partners"])
        _save_counts(shift, cells)
        changes = audit.field_changes(before, _state(shift))
        if changes:
            audit.record(actor=actor, action="outreach.update", obj=shift, changes=changes)
    return shift


def outreach_months(center, months=24):
    """Totals per month, newest first: shifts, hours, people met, contacts made."""
    rows = (
        OutreachShift.objects.filter(center=center)
        .annotate(month=TruncMonth("date"))
        .order_by()
        .values("month")
        .annotate(
            shifts=Count("pk"),
            minutes=Sum("minutes"),
            people=Sum("people_met"),
            contacts=Sum("contacts_made"),
        )
        .order_by("-month")[:months]
    )
    return [{**row, "hours": round((row["minutes"] or 0) / 60, 1)} for row in rows]


def partners_of(center):
    return Partner.objects.filter(municipality_id=center.municipality_id).order_by("name")
