"""The public directory as Open Referral HSDS 3.0 objects (plain dicts, ready for JSON).

What is published, and nothing else:

- organization: each municipality (name, a fixed description, the public site's address);
- location: each *published* centre (address, coordinates, phone, e-mail, directions,
  accessibility, languages spoken, opening hours and drop-in sessions);
- service: each of the municipality's services, as the public help pages show them (name,
  description, target group, ages, whether one applies; the help topic as an attribute);
  never the committee decision, its conditions or the documentation level's code;
- service_at_location: a service at a published centre; service_area: that centre's catchment
  as one GeoJSON MultiPolygon (extent_type "geojson");
- schedule: the centres' RRULE schedules (opening hours and drop-in sessions);
- taxonomy / taxonomy_term: the help topics.

Staff appear nowhere (not even the first names the centre page shows), and no person, contact,
booking or partner record is read. Partners' services are not published: the staff directory
has no field saying a partner agreed to be listed publicly.

HSDS fields are strings or numbers, never null: a value we do not have is left out.
"""

import json

from django.conf import settings
from django.db.models import Max
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from nara.core.models import (
    Area,
    AuditEvent,
    Center,
    Municipality,
    Schedule,
    Service,
)
from nara.lib.languages import SPOKEN_LANGUAGES
from nara.lib.topics import TOPICS
from nara.public.topic_content import TOPIC_TEXTS

from .ids import hsds_id, text_key

HSDS_VERSION = "3.0"
PROFILE_URL = "https://docs.openreferral.org/en/latest/hsds/"
TAXONOMY_KEY = 1
# Swedish counties by the first two digits of the municipality code (for state_province).
COUNTIES = {
    "01": "Stockholms län",
    "03": "Uppsala län",
    "04": "Södermanlands län",
    "05": "Östergötlands län",
    "06": "Jönköpings län",
    "07": "Kronobergs län",
    "08": "Kalmar län",
    "09": "Gotlands län",
    "10": "Blekinge län",
    "12": "Skåne län",
    "13": "Hallands län",
    "14": "Västra Götalands län",
    "17": "Värmlands län",
    "18": "Örebro län",
    "19": "Västmanlands län",
    "20": "Dalarnas län",
    "21": "Gävleborgs län",
    "22": "Västernorrlands län",
    "23": "Jämtlands län",
    "24": "Västerbottens län",
    "25": "Norrbottens län",
}


def _drop_empty(obj):
    return {k: v for k, v in obj.items() if v not in (None, "", [])}


def _text(value):
    return str(value) if value else ""


# ----- what is public ------------------------------------------------------------------------


def organizations():
    return Municipality.objects.order_by("pk")


def locations():
    return Center.objects.filter(is_published=True).order_by("pk")


def services():
    return Service.objects.order_by("pk")


def service_links():
    """(service, published centre) pairs: the through rows of Service.centers."""
    return (
        Service.centers.through.objects.filter(center__is_published=True)
        .select_related("service", "center")
        .order_by("pk")
    )


def schedules():
    return Schedule.objects.filter(center__is_published=True).order_by("pk")


# ----- when it last changed (from the audit trail) -------------------------------------------


def changed_since(object_type, since, by_centre=False):
    """Keys of objects of `object_type` changed at or after `since`: object ids, or with
    by_centre the centres the changed objects belong to."""
    events = AuditEvent.objects.filter(object_type=object_type, created_at__gte=since)
    if by_centre:
        return set(events.exclude(center_id=None).values_list("center_id", flat=True))
    return {int(i) for i in events.values_list("object_id", flat=True).distinct() if i.isdigit()}


def centres_changed_since(since):
    return (
        changed_since("Center", since)
        | changed_since("Schedule", since, by_centre=True)
        | changed_since("ScheduleException", since, by_centre=True)
    )


def last_changes(object_type, keys):
    """{key: latest change} for these objects, from the audit trail."""
    rows = (
        AuditEvent.objects.filter(object_type=object_type, object_id__in=[str(k) for k in keys])
        .values("object_id")
        .annotate(at=Max("created_at"))
    )
    return {int(r["object_id"]): r["at"] for r in rows}


def _iso(moment):
    return moment.isoformat().replace("+00:00", "Z") if moment else None


# ----- context shared by one response --------------------------------------------------------


class Context:
    """Absolute addresses and the lookups one response needs, built once per response."""

    def __init__(self, base_url):
        self.base_url = base_url.rstrip("/")
        self.language = translation.get_language()

    def absolute(self, path):
        return f"{self.base_url}{path}"


# ----- organization --------------------------------------------------------------------------


def organization(municipality, ctx):
    return _drop_empty(
        {
            "id": hsds_id("organization", municipality.pk),
            "name": _("%(name)s municipality") % {"name": municipality.name},
            "description": _(
                "The municipality's neighbourhood social services: social centres close to "
                "where people live, and the help they offer without a referral."
            ),
            "website": ctx.absolute("/"),
        }
    )


def organization_detail(municipality, ctx):
    listed = services().filter(municipality=municipality)
    return organization(municipality, ctx) | {
        "services": [
            {"id": hsds_id("service", s.pk), "name": _text(s.name), "status": "active"}
            for s in listed
        ]
    }


# ----- location ------------------------------------------------------------------------------


def _location_description(centre):
    words = {
        Center.Kind.CENTRE: _("A social centre of the municipality's social services."),
        Center.Kind.BASE: _("A base of the municipality's social services."),
        Center.Kind.POPUP: _("A pop-up site of the municipality's social services."),
    }
    text = str(words.get(centre.kind, ""))
    if centre.co_location and centre.co_location_name:
        text += " " + _("In the same building as %(place)s.") % {"place": centre.co_location_name}
    return text


def location(centre, ctx, nested=True):
    loc_id = hsds_id("location", centre.pk)
    with translation.override(ctx.language):
        url = ctx.absolute(reverse("public:center", args=[centre.slug]))
    obj = {
        "id": loc_id,
        "location_type": "physical",
        "url": url,
        "organization_id": hsds_id("organization", centre.municipality_id),
        "name": centre.name,
        "description": _location_description(centre),
        "transportation": _text(centre.directions),
        "latitude": centre.lat,
        "longitude": centre.lon,
    }
    if nested:
        obj |= {
            "addresses": [address(centre)],
            "phones": [phone(centre)] if centre.phone else [],
            "contacts": [contact(centre)] if centre.email else [],
            "languages": languages_of(centre),
            "accessibility": [accessibility(centre)] if centre.accessibility else [],
            "schedules": [schedule(s) for s in centre.schedules.all()],
        }
    return _drop_empty(obj)


def address(centre):
    code = centre.municipality.code if centre.municipality_id else ""
    return {
        "id": hsds_id("address", centre.pk),
        "location_id": hsds_id("location", centre.pk),
        "address_1": centre.street_address,
        "city": centre.city,
        "state_province": COUNTIES.get(code[:2], ""),
        "postal_code": centre.postal_code,
        "country": "SE",
        "address_type": "physical",
    }


def phone(centre):
    return {
        "id": hsds_id("phone", centre.pk),
        "location_id": hsds_id("location", centre.pk),
        "number": centre.phone,
    }


def contact(centre):
    """The centre's e-mail address (HSDS keeps e-mail on contacts); no person's name."""
    return {
        "id": hsds_id("contact", centre.pk),
        "location_id": hsds_id("location", centre.pk),
        "email": centre.email,
    }


def accessibility(centre):
    return {
        "id": hsds_id("accessibility", centre.pk),
        "location_id": hsds_id("location", centre.pk),
        "description": _text(centre.accessibility),
    }


def languages_of(centre):
    # At most 64 languages per centre: the key is the centre's key and the position.
    return [
        _drop_empty(
            {
                "id": hsds_id("language", centre.pk * 64 + position),
                "location_id": hsds_id("location", centre.pk),
                "name": str(SPOKEN_LANGUAGES.get(code, code)),
                "code": code,
            }
        )
        for position, code in enumerate(centre.languages[:64])
        if isinstance(code, str) and code
    ]


# ----- schedule ------------------------------------------------------------------------------


def schedule(rule):
    kind = _("Drop-in") if rule.kind == Schedule.Kind.DROP_IN else _("Opening hours")
    title = _text(rule.title)
    return _drop_empty(
        {
            "id": hsds_id("schedule", rule.pk),
            "location_id": hsds_id("location", rule.center_id),
            "valid_from": rule.valid_from.isoformat(),
            "valid_to": rule.valid_to.isoformat() if rule.valid_to else None,
            "dtstart": rule.valid_from.isoformat(),
            "freq": rule.freq,
            "interval": rule.interval,
            "byday": rule.byday,
            "bymonthday": rule.bymonthday,
            "wkst": "MO",
            "opens_at": rule.opens_at.strftime("%H:%M"),
            "closes_at": rule.closes_at.strftime("%H:%M"),
            "description": f"{kind}: {title}" if title else kind,
            "attending_type": _("Come without booking a time.")
            if rule.kind == Schedule.Kind.DROP_IN
            else None,
            "notes": _text(rule.notes),
        }
    )


# ----- service -------------------------------------------------------------------------------


def _application_process(service):
    if service.needs_assessed:
        return _("You apply; we assess your needs.")
    return _("No application needed.")


def service(service, ctx, last_modified=None):
    """The one-to-one fields of a service, with its organization (HSDS service_list)."""
    return _drop_empty(
        {
            "id": hsds_id("service", service.pk),
            "organization_id": hsds_id("organization", service.municipality_id),
            "name": _text(service.name),
            "description": _text(service.description),
            "status": "active",
            "eligibility_description": _text(service.target_group),
            "minimum_age": service.min_age,
            "maximum_age": service.max_age,
            "application_process": _application_process(service),
            "last_modified": _iso(last_modified),
            "organization": organization(service.municipality, ctx),
        }
    )


def service_detail(svc, ctx, last_modified=None):
    """A fully nested service (HSDS service)."""
    links = [link for link in service_links().filter(service=svc)]
    catchments = catchment_extents([link.center_id for link in links])
    obj = service(svc, ctx, last_modified) | {
        "service_at_locations": [service_at_location(link, ctx, nested=True) for link in links],
        "service_areas": [
            service_area(link, catchments[link.center_id])
            for link in links
            if link.center_id in catchments
        ],
        "attributes": [topic_attribute(svc)],
    }
    return _drop_empty(obj)


def topic_attribute(svc):
    return {
        "id": hsds_id("attribute", svc.pk),
        "link_id": hsds_id("service", svc.pk),
        "link_type": "help_topic",
        "link_entity": "service",
        "taxonomy_term_id": hsds_id("taxonomy_term", text_key(svc.topic)),
        "taxonomy_term": taxonomy_term(svc.topic),
        "value": svc.topic,
    }


# ----- service at location, service area ------------------------------------------------------


def service_at_location(link, ctx, nested=False):
    obj = {
        "id": hsds_id("service_at_location", link.pk),
        "service_id": hsds_id("service", link.service_id),
        "location_id": hsds_id("location", link.center_id),
        "description": _("%(service)s at %(place)s")
        % {"service": _text(link.service.name), "place": link.center.name},
    }
    if nested:
        obj["location"] = location(link.center, ctx, nested=False)
    return obj


def service_at_location_full(link, ctx, last_modified=None):
    return service_at_location(link, ctx, nested=True) | {
        "service": service(link.service, ctx, last_modified)
    }


def catchment_extents(centre_ids):
    """{centre id: (area names, GeoJSON MultiPolygon)} for centres with a catchment."""
    areas = (
        Area.objects.filter(catchments__center_id__in=centre_ids)
        .values_list("catchments__center_id", "name", "geometry")
        .order_by("catchments__center_id", "name", "pk")
    )
    result = {}
    for centre_id, name, geometry in areas:
        names, polygons = result.setdefault(centre_id, ([], []))
        names.append(name)
        if geometry.get("type") == "Polygon":
            polygons.append(geometry["coordinates"])
        elif geometry.get("type") == "MultiPolygon":
            polygons.extend(geometry["coordinates"])
    return result


def service_area(link, extent):
    names, polygons = extent
    return {
        "id": hsds_id("service_area", link.pk),
        "service_id": hsds_id("service", link.service_id),
        "name": _("The areas %(place)s serves") % {"place": link.center.name},
        "description": ", ".join(names),
        "extent": json.dumps(
            {"type": "MultiPolygon", "coordinates": polygons}, separators=(",", ":")
        ),
        "extent_type": "geojson",
    }


# ----- taxonomy ------------------------------------------------------------------------------


def taxonomy():
    return {
        "id": hsds_id("taxonomy", TAXONOMY_KEY),
        "name": _("Help topics"),
        "description": _(
            "The topics residents can read about and ask for help with on the public site."
        ),
        "version": "1",
    }


def taxonomy_term(slug):
    title = dict((s, t) for s, t, _sensitive in TOPICS)[slug]
    text = TOPIC_TEXTS.get(slug, {}).get("intro", title)
    return {
        "id": hsds_id("taxonomy_term", text_key(slug)),
        "code": slug,
        "name": str(title),
        "description": str(text),
        "taxonomy": str(_("Help topics")),
        "taxonomy_id": hsds_id("taxonomy", TAXONOMY_KEY),
        "language": translation.get_language(),
    }


def topic_slugs():
    return [slug for slug, _title, _sensitive in TOPICS]


def api_meta(ctx):
    return {
        "version": HSDS_VERSION,
        "profile": PROFILE_URL,
        "openapi_url": ctx.absolute(reverse("api:openapi")),
    }


def base_url(request):
    return settings.NARA_PUBLIC_URL or request.build_absolute_uri("/")
