"""The example municipality's partners, their services and opening hours, and the legal bases
for sharing without consent, all made through the directory actions (and so audited).

The partner names are fixed: the demo's referrals and partner-user logins look them up by name.
"""

import datetime as dt

from shapely.geometry import Point

from nara.core.actions.directory import (
    do_add_service_hours,
    do_create_legal_basis,
    do_create_partner,
    do_create_partner_service,
)
from nara.core.demo_geo import CENTRE_E, CENTRE_N, point_wgs84
from nara.core.models import Capacity, Partner

SCHOOL = "Ekbackens skola"
CHILD_HEALTH = "BVC Ekbacken"
POLICE = "Polisen, lokalpolisområdet"
NGO = "Röda Korset, mötesplats"
CHILD_PSYCHIATRY = "BUP, regionen"
FAMILY_SUPPORT = "Familjestöd, kommunen"
PARTNER_NAMES = [SCHOOL, CHILD_HEALTH, POLICE, NGO, CHILD_PSYCHIATRY, FAMILY_SUPPORT]


def _hours(byday, opens, closes, note="", **rule):
    return {
        "byday": byday,
        "opens_at": dt.time(*opens),
        "closes_at": dt.time(*closes),
        "description": note,
        **rule,
    }


# name, kind, (east, north) offset in metres from the town centre, street, phone, e-mail,
# services: (fields, [hours]); capacity_age is how many days ago the capacity was confirmed
# (None: never), so that the directory shows a stale confirmation too.
PARTNERS = [
    (
        SCHOOL,
        Partner.Kind.SCHOOL,
        (1800, -900),
        "Ekbacksvägen 12",
        "0470-41 20 00",
        "ekbackens.skola@exempelstad.example",
        "Grundskola F–9 med elevhälsa: skolsköterska, kurator och specialpedagog.",
        [
            (
                {
                    "name": "Elevhälsan: kurator",
                    "description": "Samtal med skolkurator för elever och deras vårdnadshavare.",
                    "topics": ["school-absence", "parenting", "loneliness"],
                    "age_min": 6,
                    "age_max": 16,
                    "target_group": "Elever på Ekbackens skola och deras vårdnadshavare",
                    "languages": ["sv", "ar", "so"],
                    "how_to_apply": "Eleven eller vårdnadshavaren kontaktar kuratorn direkt. "
                    "Centret kan hänvisa med familjens samtycke.",
                    "phone": "0470-41 20 15",
                    "capacity": Capacity.TAKING,
                    "capacity_age": 12,
                },
                [_hours("MO,TU,TH", (8, 0), (16, 0)), _hours("FR", (8, 0), (12, 0))],
            ),
        ],
    ),
    (
        CHILD_HEALTH,
        Partner.Kind.CHILD_HEALTH,
        (1500, -600),
        "Ekbackstorget 3",
        "0470-58 30 00",
        "bvc.ekbacken@region.example",
        "Barnavårdscentral: hälsobesök, vaccinationer och föräldrastöd för barn 0–5 år.",
        [
            (
                {
                    "name": "Öppen mottagning och föräldrastöd",
                    "description": "BVC-sjuksköterska och psykolog; föräldragrupper för "
                    "nyblivna föräldrar.",
                    "topics": ["parenting", "violence"],
                    "age_min": 0,
                    "age_max": 5,
                    "target_group": "Föräldrar till små barn",
                    "languages": ["sv", "ar", "fa", "so", "ti"],
                    "how_to_apply": "Ring telefontiden eller kom på öppen mottagning. "
                    "Tolk bokas av BVC.",
                    "phone": "0470-58 30 10",
                    "capacity": Capacity.TAKING,
                    "capacity_age": 20,
                },
                [
                    _hours("MO,WE", (8, 30), (16, 0)),
                    _hours("TH", (13, 0), (15, 0), "öppen mottagning, ingen tidsbokning"),
                ],
            ),
        ],
    ),
    (
        POLICE,
        Partner.Kind.POLICE,
        (0, 300),
        "Storgatan 40",
        "114 14",
        "",
        "Lokalpolisområdet med kommunpolis och områdespoliser.",
        [
            (
                {
                    "name": "Kommunpolisen: brottsförebyggande samverkan",
                    "description": "Samverkan kring unga i riskzonen (SSPF) och trygghet i "
                    "området.",
                    "topics": ["youth-crime", "violence"],
                    "age_min": 12,
                    "age_max": 20,
                    "target_group": "Unga i riskzonen för kriminalitet och deras föräldrar",
                    "languages": ["sv", "en"],
                    "how_to_apply": "Via SSPF-gruppen eller kommunpolisen. "
                    "Akut: ring 112. Inte akut: 114 14.",
                    "capacity": Capacity.TAKING,
                    "capacity_age": 40,
                    "accepts_referrals": False,
                },
                [_hours("TU", (9, 0), (11, 0), "SSPF-möte med skola och socialtjänst", interval=2)],
            ),
        ],
    ),
    (
        NGO,
        Partner.Kind.NGO,
        (-700, 1100),
        "Folkets hus, Parkgatan 2",
        "0470-12 34 50",
        "motesplats.exempelstad@redcross.example",
        "Röda Korsets mötesplats: läxhjälp, språkcafé och stöd till nyanlända familjer.",
        [
            (
                {
                    "name": "Läxhjälp",
                    "description": "Frivilliga hjälper med läxor; fika finns.",
                    "topics": ["school-absence"],
                    "age_min": 7,
                    "age_max": 18,
                    "target_group": "Skolbarn och unga",
                    "languages": ["sv", "en", "ar", "ti"],
                    "how_to_apply": "Kom förbi, ingen anmälan behövs.",
                    "capacity": Capacity.TAKING,
                    "capacity_age": 5,
                },
                [_hours("MO,WE", (15, 30), (18, 0))],
            ),
            (
                {
                    "name": "Språkcafé och familjestöd",
                    "description": "Träffa andra, öva svenska och få hjälp med myndighetspost.",
                    "topics": ["loneliness", "money"],
                    "age_min": 18,
                    "target_group": "Vuxna, särskilt nyanlända",
                    "languages": ["sv", "ar", "fa", "so", "ti", "uk"],
                    "how_to_apply": "Kom förbi eller hänvisas av centret.",
                    "capacity": Capacity.WAITING_LIST,
                    # Nobody has confirmed this for months: the directory warns.
                    "capacity_age": 130,
                },
                [_hours("TH", (17, 0), (19, 30))],
            ),
        ],
    ),
    (
        CHILD_PSYCHIATRY,
        Partner.Kind.REGION,
        (2500, 2200),
        "Lasarettsvägen 8",
        "0470-58 70 00",
        "bup.exempelstad@region.example",
        "Barn- och ungdomspsykiatrin, öppenvård, regionen.",
        [
            (
                {
                    "name": "BUP öppenvård",
                    "description": "Bedömning och behandling vid psykisk ohälsa hos barn och unga.",
                    "topics": ["parenting", "violence", "alcohol-drugs"],
                    "age_min": 0,
                    "age_max": 17,
                    "target_group": "Barn och unga med psykisk ohälsa, och deras föräldrar",
                    "languages": ["sv", "en"],
                    "how_to_apply": "Egenremiss via 1177 eller remiss från centret med "
                    "vårdnadshavarnas samtycke. Tolk bokas av BUP.",
                    "phone": "0470-58 70 10",
                    "capacity": Capacity.WAITING_LIST,
                    "capacity_age": 30,
                },
                [_hours("MO,TU,WE,TH,FR", (8, 0), (16, 30))],
            ),
        ],
    ),
    (
        FAMILY_SUPPORT,
        Partner.Kind.MUNICIPAL_UNIT,
        (200, -200),
        "Stadshuset, Kungsgatan 5",
        "0470-41 00 00",
        "familjestod@exempelstad.example",
        "Kommunens familjebehandling och föräldraskapsstöd utan biståndsbeslut.",
        [
            (
                {
                    "name": "Föräldraskapsstöd och familjesamtal",
                    "description": "Föräldrakurser (ABC, Komet) och samtal med familjebehandlare.",
                    "topics": ["parenting", "relationships", "youth-crime"],
                    "age_min": 0,
                    "age_max": 20,
                    "target_group": "Familjer med barn och unga",
                    "languages": ["sv", "ar", "so", "bs"],
                    "how_to_apply": "Ring familjestödets rådgivning eller hänvisas av centret.",
                    "phone": "0470-41 05 50",
                    "capacity": Capacity.TAKING,
                    "capacity_age": 8,
                },
                [_hours("MO,TU,WE,TH", (9, 0), (16, 0)), _hours("WE", (17, 0), (19, 0))],
            ),
        ],
    ),
]

# For review by the municipality's lawyer before real use: which provisions a centre may rely
# on to share without consent, and their chapter numbers after the new Social Services Act
# (SoL 2025:400, in force 1 July 2025), which renumbered the old act (2001:453).
LEGAL_BASES = [
    {
        "name": "Anmälan om oro för barn",
        "provision": "14 kap. 1 § SoL",
        "description": "När det finns kännedom om eller misstanke om att ett barn far illa.",
    },
    {
        "name": "Uppgift till polis om allvarligt brott",
        "provision": "10 kap. 21–23 §§ OSL",
        "description": "Misstanke om brott mot barn, eller om brott med minst ett års fängelse "
        "i straffskalan.",
    },
]


def build_partners(municipality, actor, today):
    """The partners and legal bases; returns {name: Partner}."""
    made = {}
    for name, kind, (east, north), street, phone, email, about, services in PARTNERS:
        lon, lat = point_wgs84(Point(CENTRE_E + east, CENTRE_N + north))
        partner = do_create_partner(
            actor=actor,
            municipality=municipality,
            fields={
                "name": name,
                "kind": kind,
                "description": about,
                "address": street,
                "postcode": "360 00",
                "city": "Exempelstad",
                "latitude": round(lat, 5),
                "longitude": round(lon, 5),
                "phone": phone,
                "email": email,
            },
        )
        for fields, hours in services:
            fields = dict(fields)
            age = fields.pop("capacity_age")
            confirmed = today - dt.timedelta(days=age) if age is not None else None
            service = do_create_partner_service(
                actor=actor,
                partner=partner,
                fields={**fields, "capacity_confirmed_on": confirmed},
            )
            for rule in hours:
                if rule.get("interval", 1) > 1:
                    rule = {**rule, "valid_from": today - dt.timedelta(days=today.weekday())}
                do_add_service_hours(actor=actor, service=service, fields=rule)
        made[name] = partner
    for basis in LEGAL_BASES:
        do_create_legal_basis(actor=actor, municipality=municipality, fields=basis)
    return made
