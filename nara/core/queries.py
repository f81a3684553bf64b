"""Read-side helpers shared by the public site, the workspace and the API."""

import datetime as dt

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Value, When
from django.utils import timezone

from nara.lib import calendar
from nara.lib.geometry import contains, distance_m
from nara.lib.textfold import fold

from .models import (
    Area,
    CatchmentMembership,
    Center,
    PostcodeArea,
    ScheduleException,
)

PLAN_DAYS = 35  # how far ahead "next opening" looks

LAYER_ORDER = Case(
    When(layer=CatchmentMembership.Layer.CENTRES, then=Value(0)),
    When(layer=CatchmentMembership.Layer.BASES, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def area_kind_in_use(municipality):
    """The one kind of area a municipality plans, counts residents and serves residents with:
    the kind its catchments use, else the finest kind imported (the one with most areas).
    DeSOs and the RegSOs dissolved from them cover the same people: never add them up."""
    areas = Area.objects.filter(municipality=municipality)
    used = areas.filter(catchments__isnull=False).values_list("kind", flat=True).first()
    if used:
        return used
    counts = areas.values("kind").annotate(n=Count("id")).order_by("-n", "kind")
    return counts[0]["kind"] if counts else None


def resident_areas():
    """Areas residents choose from: an area split into finer ones (a RegSO whose DeSOs are
    imported, which names it as their parent) is left out; residents choose the finer one."""
    finer = Area.objects.filter(municipality=OuterRef("municipality"), parent_code=OuterRef("code"))
    return Area.objects.exclude(Exists(finer))


def area_at_point(lon, lat):
    """The area containing the point, found by bounding box in the database, then exactly."""
    candidates = (
        resident_areas()
        .filter(min_lon__lte=lon, max_lon__gte=lon, min_lat__lte=lat, max_lat__gte=lat)
        .only("id", "name", "code", "geometry", "municipality_id")
    )
    for area in candidates:
        if contains(area.geometry, lon, lat):
            return area
    return None


def areas_for_postcode(postcode):
    """The areas a postcode lies in, the largest share first (one for most postcodes)."""
    rows = PostcodeArea.objects.select_related("area").filter(postcode=postcode)
    return [row.area for row in rows.order_by("-share", "area__name")]


def areas_matching(text, limit=20):
    """Areas by name or code; case and diacritics do not matter ("solgarden" finds Solgården)."""
    folded = fold(text)
    if not folded:
        return []
    areas = resident_areas()
    exact = list(areas.filter(search_name=folded)[:limit]) or list(
        areas.filter(code__iexact=" ".join(text.split()))[:limit]
    )
    return exact or list(areas.filter(search_name__contains=folded)[:limit])


def centers_serving(area, today=None):
    """Published centres whose catchment includes the area: social centres first, then bases."""
    today = today or local_now().date()
    memberships = (
        CatchmentMembership.objects.filter(area=area, center__is_published=True)
        .select_related("center")
        .prefetch_related(*plan_prefetches(today, "center__"))
        .order_by(LAYER_ORDER, "center__name")
    )
    return [m.center for m in memberships]


def plan_prefetches(start, prefix="", days=PLAN_DAYS):
    """Prefetches that let center_plan() run without queries for centres fetched with them."""
    upcoming = ScheduleException.objects.filter(
        date__gte=start, date__lt=start + dt.timedelta(days=days)
    )
    return [
        prefix + "schedules",
        Prefetch(prefix + "exceptions", queryset=upcoming, to_attr="upcoming_exceptions"),
    ]


def nearest_center(lon, lat, exclude=()):
    centers = Center.objects.filter(is_published=True).exclude(pk__in=[c.pk for c in exclude])
    ranked = sorted(centers, key=lambda c: distance_m(lon, lat, c.lon, c.lat))
    if not ranked:
        return None, None
    return ranked[0], distance_m(lon, lat, ranked[0].lon, ranked[0].lat)


def local_now():
    return timezone.localtime().replace(tzinfo=None)


def center_plan(center, start=None, days=PLAN_DAYS):
    """Day-by-day opening hours and drop-in from `start`, exceptions applied."""
    start = start or local_now().date()
    end = start + dt.timedelta(days=days)
    exceptions = getattr(center, "upcoming_exceptions", None)
    if exceptions is None:
        exceptions = center.exceptions.filter(date__gte=start, date__lt=end)
    exceptions = [e for e in exceptions if start <= e.date < end]
    return calendar.expand(center.schedules.all(), exceptions, start, days)


def center_week(center, start=None, days=7):
    return center_plan(center, start, days)


def center_status(center, now=None):
    """(is_open, closes_at, next_opening) looking up to five weeks ahead."""
    now = now or local_now()
    return calendar.status_at(center_plan(center, now.date()), now)


def free_slots(center, days=21):
    """Bookable future slots of a centre with no active appointment, soonest first."""
    from django.db.models import Exists, OuterRef

    from .models import Appointment, Slot

    now = timezone.now()
    taken = Appointment.objects.filter(slot=OuterRef("pk"), status__in=Appointment.ACTIVE)
    return list(
        Slot.objects.filter(
            center=center,
            is_withdrawn=False,
            starts_at__gt=now,
            starts_at__lt=now + dt.timedelta(days=days),
        )
        .exclude(Exists(taken))
        .select_related("staff_member")
    )


def interpreter_languages(center, days=21):
    """Interpreter languages offered by at least one free slot of the centre."""
    return {code for slot in free_slots(center, days) for code in slot.interpreter_languages}
