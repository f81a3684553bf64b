"""The fictional example municipality: areas, three social centres, four bases, services, staff.

Everything is derived from the seed (and today's date for the holiday calendar), so two runs
with the same seed on the same day give the same municipality.
"""

import base64
import datetime as dt
import hashlib
import math
import random

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from i18nfield.strings import LazyI18nString

from nara.core.actions.areas import AreaMapping, do_import_areas
from nara.core.actions.booking import (
    do_answer_question,
    do_ask_question,
    do_book,
    do_cancel,
    do_handle_callback,
    do_mark,
    do_publish_slots,
    do_request_callback,
)
from nara.core.actions.centers import do_create, do_set_catchment, do_update
from nara.core.actions.postcodes import do_import_postcodes
from nara.core.actions.staff import do_create_staff_user
from nara.core.content_defaults import DEFAULT_MYTHS
from nara.core.demo_casework import build_casework, delete_casework
from nara.core.demo_geo import CENTRE_E, CENTRE_N, district_polygons, point_wgs84, to_wgs84_geojson
from nara.core.demo_partners import build_partners
from nara.core.demo_referrals import build_referrals, delete_referrals, demo_partners
from nara.core.models import (
    Area,
    Availability,
    Center,
    Municipality,
    MythFact,
    Role,
    Schedule,
    ScheduleException,
    Service,
    StaffMember,
)
from nara.core.queries import local_now
from nara.insights import followups, rollups, rollups_rebuild

ACTOR = "demo_data"
# username, password, role, where: indexes into the social centres (0-2) and bases (3-6), or
# for a partner user the name of their organisation.
# Every centre and base has at least one account, so whatever a visitor books can be seen.
BASES = (3, 4, 5, 6)
DEMO_STAFF = [
    ("admin", "demo-admin-pass-2026", Role.ADMINISTRATOR, ()),
    ("maria", "demo-maria-pass-2026", Role.CENTRE_MANAGER, (0,)),
    ("anna", "demo-anna-pass-2026", Role.SOCIAL_WORKER, (0,)),
    ("leila", "demo-leila-pass-2026", Role.CENTRE_MANAGER, (1,)),
    ("omar", "demo-omar-pass-2026", Role.SOCIAL_WORKER, (1,)),
    ("sofia", "demo-sofia-pass-2026", Role.CENTRE_MANAGER, (2,)),
    ("jonas", "demo-jonas-pass-2026", Role.SOCIAL_WORKER, (2,)),
    ("bengt", "demo-bengt-pass-2026", Role.SOCIAL_WORKER, BASES),
    ("ahmed", "demo-ahmed-pass-2026", Role.ANALYST, ()),
    # Partner users: where is the partner organisation's name.
    ("petra", "demo-petra-pass-2026", Role.PARTNER_USER, "Ekbackens skola"),
    ("vera", "demo-vera-pass-2026", Role.PARTNER_USER, "BVC Ekbacken"),
    ("bodil", "demo-bodil-pass-2026", Role.PARTNER_USER, "BUP, regionen"),
]
# Feature property → indicator name.
INDICATORS = {
    "income_ksek": "income",
    "income_support_pct": "income_support",
    "neet_pct": "neet",
    "child_poverty_pct": "child_poverty",
    "police_vulnerable": "police_vulnerable",
}


def delete_demo():
    """Remove the example municipality and its demo accounts (the audit trail stays)."""
    from django.contrib.auth import get_user_model

    from nara.core.models import Appointment, EmergencyAccess, Person, Reminder, Slot

    example = Municipality.objects.filter(is_example=True)
    users = get_user_model().objects.filter(username__in=[s[0] for s in DEMO_STAFF])
    delete_referrals(example)
    delete_casework(example)
    # A fictional municipality deleted outright: its figures go too (not a retention purge).
    rollups.forget_centres(
        Center.objects.filter(municipality__in=example).values_list("pk", flat=True)
    )
    EmergencyAccess.objects.filter(user__in=users).delete()
    Reminder.objects.filter(appointment__center__municipality__in=example).delete()
    Appointment.objects.filter(center__municipality__in=example).delete()
    Slot.objects.filter(center__municipality__in=example).delete()
    Person.objects.filter(center__municipality__in=example).delete()
    users.delete()
    example.delete()


def build_demo(*, seed, activity=True):
    """The example municipality; `activity` adds bookings, call-backs, questions and a few
    weeks of casework (demo_casework)."""
    rng = random.Random(seed)
    municipality = Municipality.objects.create(code="9999", name="Exempelstad", is_example=True)
    districts = district_polygons(seed)
    hotspots = rng.sample(range(len(districts)), 3)
    needs = _need_scores(districts, hotspots, rng)
    collection = _feature_collection(districts, needs, rng)
    mapping = AreaMapping(
        code="code",
        name="name",
        kind=Area.Kind.DISTRICT,
        population="pop",
        population_0_17="pop_0_17",
        indicators=INDICATORS,
        indicator_year=2025,
        indicator_source="Fictional example data",
    )
    do_import_areas(actor=ACTOR, municipality=municipality, collection=collection, mapping=mapping)
    areas = {a.code: a for a in municipality.areas.all()}
    do_import_postcodes(
        actor=ACTOR, municipality=municipality, content="\n".join(_postcode_lines(areas))
    )
    centres = _social_centres(municipality, areas, districts, needs, rng)
    bases = _bases(municipality, areas, districts)
    _services(municipality, centres, bases)
    _staff(centres + bases, rng)
    for center in centres + bases:
        _schedules(center)
        _languages_of_staff(center)
    for index, center in enumerate(centres):
        _availability(center, index)
    _myths()
    _staff_accounts(municipality, centres + bases, seed)
    summary = (
        f"Created the example municipality {municipality.name}: {len(areas)} areas, "
        f"{len(centres)} social centres, {len(bases)} bases"
    )
    if not activity:
        return summary + "."
    visits = sum(_activity(center, rng) for center in centres)
    contacts = build_casework(centres, rng)
    referrals = build_referrals(centres[0], _first_worker(centres[0]))
    # The demo writes its rows directly: its centres' rollups are computed from them.
    rollups_rebuild.rebuild(centers=[c.pk for c in centres + bases], respect_purges=False)
    followups.refresh(centers=[c.pk for c in centres + bases], respect_purges=False)
    return summary + (
        f", {visits} visits around today, call-backs and questions, "
        f"{contacts} contacts with offers, a family, a journal note, an escalation, "
        f"partner meetings and {referrals} referrals to and from partners."
    )


def _first_worker(centre):
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(
        memberships__center=centre, memberships__role=Role.SOCIAL_WORKER
    )
    return users.order_by("pk").first()


def _need_scores(districts, hotspots, rng):
    scores = []
    for _name, polygon, _dist in districts:
        nearest = min(polygon.centroid.distance(districts[h][1].centroid) for h in hotspots)
        scores.append(math.exp(-nearest / 1800) + 0.15 * rng.random())
    return scores


def _feature_collection(districts, needs, rng):
    features = []
    for index, ((name, polygon, _dist), need) in enumerate(zip(districts, needs, strict=True)):
        pop = rng.randint(900, 3200)
        props = {
            "code": f"9999X{index + 1:03d}",
            "name": name,
            "pop": pop,
            "pop_0_17": round(pop * (0.17 + 0.12 * need)),
            "income_ksek": round(340 - 160 * need + rng.uniform(-15, 15), 1),
            "income_support_pct": round(1 + 11 * need + rng.uniform(0, 1.5), 1),
            "neet_pct": round(3 + 9 * need + rng.uniform(0, 2), 1),
            "child_poverty_pct": round(4 + 30 * need + rng.uniform(0, 3), 1),
            "police_vulnerable": 2 if need > 0.9 else (1 if need > 0.7 else 0),
        }
        geometry = to_wgs84_geojson(polygon)
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


def _postcode_lines(areas):
    lines = ["postcode,area_code"]
    for index, code in enumerate(sorted(areas)):
        for suffix in range(2):
            lines.append(f"{360 + index // 10}{index % 10}{suffix},{code}")
    return lines


def _i18n(sv, en):
    return LazyI18nString({"sv": sv, "en": en})


def _social_centres(municipality, areas, districts, needs, rng):
    """Three social centres in the neediest districts, as in Halmstad's Andersberg model."""
    ranked = sorted(range(len(districts)), key=lambda i: -needs[i])
    hosts, taken = [], set()
    for i in ranked:
        if all(not districts[i][1].touches(districts[h][1]) for h in hosts):
            hosts.append(i)
        if len(hosts) == 3:
            break
    co_locations = [
        ("citizen_service", "Medborgarservice {name}"),
        ("school", "{name}skolan"),
        ("citizen_service", "Medborgarservice {name}"),
    ]
    centres = []
    for host, (kind, co_name) in zip(hosts, co_locations, strict=True):
        name, polygon, _dist = districts[host]
        lon, lat = point_wgs84(polygon.representative_point())
        centre = do_create(
            actor=ACTOR,
            model=Center,
            fields={
                "municipality": municipality,
                "slug": _slug(name),
                "code": _slug(name),
                "name": f"Socialt center {name}",
                "kind": Center.Kind.CENTRE,
                "is_published": True,
                "neutral_display_name": f"Mötesplats {name}",
                "street_address": f"{name}storget {rng.randint(1, 20)}",
                "postal_code": "360 00",
                "city": "Exempelstad",
                "lon": lon,
                "lat": lat,
                "co_location": kind,
                "co_location_name": co_name.format(name=name),
                "phone": f"0470-{rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                "email": f"{_slug(name)}@exempelstad.example",
                "languages": ["sv"],  # then the languages its staff speak (_languages_of_staff)
                "accessibility": _i18n(
                    "Entré i markplan, hiss och tillgänglig toalett.",
                    "Step-free entrance, lift and accessible toilet.",
                ),
                "directions": _i18n(
                    f"Buss 3 och 7 till hållplats {name}storget.",
                    f"Bus 3 or 7 to the stop {name}storget.",
                ),
            },
        )
        catchment = [a for a in districts if a[1].touches(polygon) or a[1] is polygon]
        codes = [_code(districts, d) for d in catchment if _code(districts, d) not in taken]
        taken.update(codes)
        do_set_catchment(actor=ACTOR, center=centre, areas=[areas[c] for c in codes])
        centres.append(centre)
    return centres


def _bases(municipality, areas, districts):
    """North, south, east and west bases that together cover every area, as in Linköping."""
    quadrants = {"norr": [], "syd": [], "ost": [], "vast": []}
    for district in districts:
        c = district[1].centroid
        angle = math.degrees(math.atan2(c.y - CENTRE_N, c.x - CENTRE_E)) % 360
        key = (
            "ost"
            if angle < 45 or angle >= 315
            else "norr"
            if angle < 135
            else ("vast" if angle < 225 else "syd")
        )
        quadrants[key].append(district)
    labels = {
        "norr": ("Norr", "North"),
        "syd": ("Syd", "South"),
        "ost": ("Öst", "East"),
        "vast": ("Väst", "West"),
    }
    bases = []
    for key, members in quadrants.items():
        sv, _en = labels[key]
        hub = min(members, key=lambda d: d[2])  # the district nearest the town centre
        lon, lat = point_wgs84(hub[1].representative_point())
        base = do_create(
            actor=ACTOR,
            model=Center,
            fields={
                "municipality": municipality,
                "slug": f"bas-{key}",
                "code": f"bas-{key}",
                "name": f"Bas {sv}",
                "kind": Center.Kind.BASE,
                "is_published": True,
                "neutral_display_name": f"Kontor {sv}",
                "street_address": f"{hub[0]}vägen 2",
                "postal_code": "360 10",
                "city": "Exempelstad",
                "lon": lon,
                "lat": lat,
                "co_location": "library",
                "co_location_name": f"Biblioteket {hub[0]}",
                "phone": "0470-41 00 00",
                "email": f"bas-{key}@exempelstad.example",
                "languages": ["sv"],
            },
        )
        do_set_catchment(
            actor=ACTOR, center=base, areas=[areas[_code(districts, d)] for d in members]
        )
        bases.append(base)
    return bases


def _code(districts, district):
    return f"9999X{districts.index(district) + 1:03d}"


def _slug(name):
    return name.lower().replace("å", "a").replace("ä", "a").replace("ö", "o").replace(" ", "-")


SERVICES = [
    (
        "samtal",
        "parenting",
        "Stödsamtal för föräldrar",
        "Support talks for parents",
        "Samtal om det som känns svårt i föräldraskapet, ensam eller tillsammans.",
        "Talks about what feels hard as a parent, alone or together.",
        False,
        "no_identity",
    ),
    (
        "foraldragrupp",
        "parenting",
        "Föräldragrupp",
        "Parenting group",
        "En kurs i sex träffar för föräldrar till barn 3–12 år.",
        "A six-session course for parents of children aged 3–12.",
        False,
        "counts_only",
    ),
    (
        "skolnarvaro",
        "school-absence",
        "Stöd vid skolfrånvaro",
        "Support with school absence",
        "Vi hjälper barn och föräldrar tillbaka till skolan, tillsammans med skolan.",
        "We help children and parents back to school, together with the school.",
        False,
        "no_identity",
    ),
    (
        "budget",
        "money",
        "Budget- och skuldrådgivning",
        "Budget and debt advice",
        "Hjälp med budget, skulder och räkningar.",
        "Help with budget, debts and bills.",
        False,
        "counts_only",
    ),
    (
        "boende",
        "housing",
        "Råd vid hyresskuld",
        "Advice on rent arrears",
        "Tidiga råd när hyran inte räcker.",
        "Early advice when the rent is hard to pay.",
        False,
        "no_identity",
    ),
    (
        "unga",
        "youth-crime",
        "Stöd till unga och familjer",
        "Support for young people and families",
        "Samtal och aktiviteter för unga som riskerar att dras in i kriminalitet.",
        "Talks and activities for young people at risk of being drawn into crime.",
        True,
        "full",
    ),
    (
        "vald",
        "violence",
        "Stöd vid våld i nära relationer",
        "Support for violence in relationships",
        "Samtal och skydd för dig som utsätts för våld eller hot.",
        "Talks and protection for you if you are subjected to violence or threats.",
        True,
        "full",
    ),
    (
        "missbruk",
        "alcohol-drugs",
        "Samtal om alkohol och droger",
        "Talks about alcohol and drugs",
        "Råd för dig och dina anhöriga.",
        "Advice for you and your relatives.",
        False,
        "no_identity",
    ),
    (
        "motesplats",
        "loneliness",
        "Öppen mötesplats",
        "Open meeting place",
        "Kom och fika, träffa andra och få tips om aktiviteter.",
        "Come for a coffee, meet others and get tips on activities.",
        False,
        "counts_only",
    ),
]


# Who each service is for, in the words of the committee decision.
TARGET_GROUPS = {
    "samtal": ("Föräldrar", "Parents"),
    "foraldragrupp": ("Föräldrar till barn 3–12 år", "Parents of children aged 3–12"),
    "skolnarvaro": (
        "Barn och unga 6–18 år och deras föräldrar",
        "Children and young people aged 6–18 and their parents",
    ),
    "budget": ("Vuxna och familjer", "Adults and families"),
    "boende": ("Hyresgäster", "Tenants"),
    "unga": ("Unga 12–25 år och deras familjer", "Young people aged 12–25 and their families"),
    "vald": (
        "Vuxna som utsätts för våld och barn som upplever det",
        "Adults subjected to violence and children who witness it",
    ),
    "missbruk": ("Vuxna och deras anhöriga", "Adults and their relatives"),
    "motesplats": ("Alla boende i området", "Everyone living in the area"),
}


def _services(municipality, centres, bases):
    for n, (slug, topic, sv, en, dsv, den, assessed, level) in enumerate(SERVICES):
        group_sv, group_en = TARGET_GROUPS[slug]
        do_create(
            actor=ACTOR,
            model=Service,
            fields={
                "municipality": municipality,
                "slug": slug,
                "topic": topic,
                "name": _i18n(sv, en),
                "description": _i18n(dsv, den),
                "target_group": _i18n(group_sv, group_en),
                "needs_assessed": assessed,
                "decision_reference": f"SN 2025/{101 + n} § {40 + n}",
                "decision_date": dt.date(2025, 3, 18),
                "decision_conditions": ""
                if assessed
                else "Ges utan individuell behovsprövning enligt 4 kap. 2 a § SoL.",
                "documentation_level": level,
            },
            m2m={"centers": centres + (bases if assessed else bases[:2])},
        )


STAFF_NAMES = [
    "Amina",
    "Johan",
    "Sara",
    "Yusuf",
    "Lena",
    "Hodan",
    "Erik",
    "Maryam",
    "Daniel",
    "Selam",
    "Karin",
    "Ali",
    "Fatima",
    "Per",
    "Nour",
    "Elin",
    "Mohamed",
    "Ida",
]
ROLES = [
    ("Socialsekreterare", "Social worker"),
    ("Familjebehandlare", "Family therapist"),
    ("Fältassistent", "Outreach worker"),
]
STAFF_LANGUAGES = [["sv", "en"], ["sv", "ar"], ["sv", "so"], ["sv", "fa"], ["sv", "ti"]]


def _staff(centers, rng):
    names = iter(rng.sample(STAFF_NAMES, len(STAFF_NAMES)))
    for index, center in enumerate(centers):
        for slot in range(3 if center.kind == Center.Kind.CENTRE else 2):
            sv, en = ROLES[slot % len(ROLES)]
            do_create(
                actor=ACTOR,
                model=StaffMember,
                fields={
                    "first_name": next(names, f"Kim {index}{slot}"),
                    "role_title": _i18n(sv, en),
                    "languages": STAFF_LANGUAGES[(index + slot) % len(STAFF_LANGUAGES)],
                    "order": slot,
                },
                m2m={"centers": [center]},
            )


def _languages_of_staff(center):
    """A centre offers exactly the languages its staff speak, in the site's language order."""
    spoken = {code for member in center.staff.all() for code in member.languages}
    order = [code for code, _name in settings.LANGUAGES]
    do_update(
        actor=ACTOR,
        obj=center,
        fields={"languages": [code for code in order if code in spoken]},
    )


def _schedules(center):
    today = local_now().date()
    start = today - dt.timedelta(days=today.weekday() + 7)
    rules = [
        ("opening", "MO,TU,WE,TH", "09:00", "16:00", None),
        ("opening", "FR", "09:00", "12:00", None),
    ]
    if center.kind == Center.Kind.CENTRE:
        rules += [
            ("dropin", "TU", "13:00", "15:30", _i18n("Öppet hus", "Open house")),
            ("dropin", "TH", "17:00", "19:00", _i18n("Ungdomskväll", "Youth evening")),
        ]
    else:
        rules.append(("dropin", "WE", "13:00", "15:00", _i18n("Drop-in", "Drop-in")))
    for kind, byday, opens, closes, title in rules:
        do_create(
            actor=ACTOR,
            model=Schedule,
            fields={
                "center": center,
                "kind": kind,
                "byday": byday,
                "title": title,
                "opens_at": dt.time.fromisoformat(opens),
                "closes_at": dt.time.fromisoformat(closes),
                "valid_from": start,
            },
        )
    do_create(
        actor=ACTOR,
        model=Schedule,
        fields={
            "center": center,
            "kind": "dropin",
            "freq": "MONTHLY",
            "byday": "1WE",
            "title": _i18n("Språkcafé", "Language café"),
            "valid_from": start,
            "opens_at": dt.time(16, 0),
            "closes_at": dt.time(18, 0),
        },
    )
    for date, sv, en in _closures(today):
        do_create(
            actor=ACTOR,
            model=ScheduleException,
            fields={
                "center": center,
                "date": date,
                "closed": True,
                "reason": _i18n(sv, en),
            },
        )


def _availability(center, index):
    today = local_now().date()
    worker = center.staff.order_by("order").first()
    rule = do_create(
        actor=ACTOR,
        model=Availability,
        fields={
            "center": center,
            "staff_member": worker,
            "byday": "MO,TU,WE,TH",
            "opens_at": dt.time(9, 0),
            "closes_at": dt.time(12, 0),
            "meeting_minutes": 45,
            "valid_from": today,
            "modes": ["centre", "phone", "video"],
            "interpreter_languages": [["ar", "so"], ["ar", "fa"], ["ti"]][index % 3],
        },
    )
    do_publish_slots(actor=ACTOR, availability=rule, days=28)


def _closures(today):
    holidays = [
        ((12, 24), "Julafton", "Christmas Eve"),
        ((12, 25), "Juldagen", "Christmas Day"),
        ((12, 26), "Annandag jul", "Boxing Day"),
        ((12, 31), "Nyårsafton", "New Year's Eve"),
        ((1, 1), "Nyårsdagen", "New Year's Day"),
        ((1, 6), "Trettondedag jul", "Epiphany"),
        ((5, 1), "Första maj", "May Day"),
        ((6, 6), "Nationaldagen", "National Day"),
    ]
    days = []
    for year in (today.year, today.year + 1):
        days += [(dt.date(year, m, d), sv, en) for (m, d), sv, en in holidays]
    staff_day = today + dt.timedelta(days=2)
    days.append((staff_day, "Personaldag", "Staff training day"))
    unique = {}
    for date, sv, en in days:
        unique.setdefault(date, (sv, en))
    return [(d, sv, en) for d, (sv, en) in sorted(unique.items()) if d >= today]


def _myths():
    for order, (myth, fact) in enumerate(DEFAULT_MYTHS):
        do_create(
            actor=ACTOR,
            model=MythFact,
            fields={
                "myth": LazyI18nString.from_gettext(myth),
                "fact": LazyI18nString.from_gettext(fact),
                "order": order,
            },
        )


def totp_key(seed, username):
    """A deterministic TOTP key per demo account, so the printed secret stays valid."""
    return hashlib.sha256(f"nara-demo:{seed}:{username}".encode()).hexdigest()[:40]


def demo_logins(seed=2026):
    logins = []
    for username, password, role, _where in DEMO_STAFF:
        secret = base64.b32encode(bytes.fromhex(totp_key(seed, username))).decode()
        logins.append((username, password, Role(role).label, secret))
    return logins


def demo_workplaces():
    """Username → where the demo account works ("the whole municipality" or the centres)."""
    from nara.core.models import Membership

    places = {username: [] for username, *_rest in DEMO_STAFF}
    memberships = Membership.objects.filter(user__username__in=places)
    for m in memberships.select_related("user", "center", "partner").order_by("center__pk"):
        if m.center or m.partner:
            places[m.user.username].append(str(m.center or m.partner))
    return {user: ", ".join(names) or "the whole municipality" for user, names in places.items()}


def _staff_accounts(municipality, places, seed):
    build_partners(municipality, ACTOR, timezone.localdate())
    partners = demo_partners(municipality)  # by name: the directory's, and the portal's logins
    for username, password, role, where in DEMO_STAFF:
        if role == Role.PARTNER_USER:
            roles = [(role, None, partners[where])]
        else:
            roles = [(role, places[i], None) for i in where] or [(role, None, None)]
        user = do_create_staff_user(
            actor=ACTOR,
            username=username,
            password=password,
            first_name=username.title(),
            last_name="Exempel",
            roles=roles,
        )
        TOTPDevice.objects.create(
            user=user, name="demo", confirmed=True, key=totp_key(seed, username)
        )


# Activity around today: the calendar of a demo that starts today is not empty ---------------

ALIASES = ["Sam", "Noor", "Liv", "Hamid", "Ebba", "Warsame", "Mina", "Kalle", "Rahel", "Leo"]
TOPICS = ["parenting", "school-absence", "money", "housing", "loneliness", "relationships"]
# Outcomes of past visits, in turn: mostly attended, some missed, one called off by the centre.
OUTCOMES = ["attended", "attended", "no_show", "attended", "attended", "cancelled_centre"]
CALLBACKS = [
    ("Ebba", "morning", "money", "Ringde upp, bokade tid för budgetrådgivning."),
    ("Hamid", "afternoon", "parenting", ""),
]
QUESTIONS = [
    (
        "Måste jag säga vad jag heter om jag kommer på öppet hus?",
        "Nej. Du behöver inte säga ditt namn för ett första samtal.",
    ),
    ("Kan ni hjälpa mig med en hyresskuld innan jag får en vräkningsvarning?", ""),
]
# Fictional numbers: Swedish telecom regulator's series reserved for drama (070-1740605 on).
DEMO_PHONE = "+4670174{:04d}"


def _activity(center, rng):
    """Three weeks of past visits and two weeks of bookings, call-backs and questions."""
    from nara.core.models import Appointment

    availability = center.availability.first()
    visits = _past_visits(center, availability, rng)
    # Three bookings in each of the coming two weeks, so both calendar weeks show some.
    picked = []
    for week in (0, 1):
        free = center.slots.filter(
            starts_at__gte=timezone.now() + dt.timedelta(days=7 * week),
            starts_at__lt=timezone.now() + dt.timedelta(days=7 * week + 7),
            appointments__isnull=True,
        )
        free = list(free)
        picked += rng.sample(free, min(3, len(free)))
    for n, slot in enumerate(picked):
        alias = ALIASES[(n + center.pk) % len(ALIASES)]
        appointment, _token, _code = do_book(
            slot_id=slot.pk,
            mode=slot.modes[n % len(slot.modes)],
            alias=alias,
            language=center.languages[n % len(center.languages)],
            phone=DEMO_PHONE.format(605 + n) if n % 3 == 0 else "",
            email=f"{alias.lower()}@example.org" if n % 3 == 1 else "",
            topic=TOPICS[n % len(TOPICS)],
        )
        if n == 5:
            do_cancel(appointment=appointment)
        visits += appointment.status == Appointment.Status.BOOKED
    for n, (alias, when, topic, note) in enumerate(CALLBACKS):
        callback, _code = do_request_callback(
            center=center,
            alias=alias,
            phone=DEMO_PHONE.format(640 + n),
            language="sv",
            when=when,
            topic=topic,
        )
        if note:
            do_handle_callback(actor=ACTOR, callback=callback, note=note)
    for question, answer in QUESTIONS:
        asked, _code = do_ask_question(center=center, question=question, language="sv")
        if answer:
            do_answer_question(actor=ACTOR, question=asked, answer=answer)
    return visits


def _past_visits(center, availability, rng):
    """Visits of the last three weeks (and earlier today), marked as staff would have."""
    from nara.core import audit
    from nara.core.actions.booking import PERSONAL, code_hash, new_code, token_hash
    from nara.core.models import Appointment, Slot

    zone = timezone.get_current_timezone()
    now = timezone.localtime()
    count = 0
    for days_ago in range(21, -1, -1):
        day = now.date() - dt.timedelta(days=days_ago)
        if day.weekday() > 3:
            continue
        for minutes in (0, 45, 90, 135):
            starts = dt.datetime.combine(day, dt.time(9), tzinfo=zone)
            starts += dt.timedelta(minutes=minutes)
            if starts + dt.timedelta(minutes=45) > now or rng.random() > 0.3:
                continue
            with transaction.atomic():
                slot = Slot.objects.create(
                    center=center,
                    staff_member=availability.staff_member,
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(minutes=45),
                    modes=availability.modes,
                    interpreter_languages=availability.interpreter_languages,
                )
                appointment = Appointment.objects.create(
                    slot=slot,
                    center=center,
                    mode=availability.modes[count % len(availability.modes)],
                    topic=TOPICS[count % len(TOPICS)],
                    alias=ALIASES[count % len(ALIASES)],
                    language=center.languages[count % len(center.languages)],
                    manage_token_hash=token_hash(new_code() + new_code()),
                    code_hash=code_hash(new_code()),
                )
                audit.record(
                    actor=ACTOR,
                    action="appointment.book",
                    obj=appointment,
                    changes=audit.field_changes(
                        {}, {"slot": slot.pk, "alias": appointment.alias}, personal=PERSONAL
                    ),
                )
            do_mark(actor=ACTOR, appointment=appointment, status=OUTCOMES[count % len(OUTCOMES)])
            count += 1
    return count
