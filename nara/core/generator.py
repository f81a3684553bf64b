"""A synthetic municipality with years of casework, for benchmarks and the insights issue.

`generate(GeneratorSize(...))` writes areas, centres with catchments and services, staff,
people, households, aliases, contacts, offers with answers and outcomes, appointments with
their slots, tasks and escalations. Rows are written in batches (COPY on PostgreSQL, executemany
on SQLite) with ids allocated here, so memory stays flat whatever the size; everything is
derived from the seed and the end date, so two runs give the same rows (except the ciphertext
bytes: Fernet draws a fresh IV each time).

The audit trail is not written for generated rows: they are synthetic, no one did anything.
Encrypted fields are encrypted as the models expect, with one ciphertext per distinct text
(reads decrypt them like any other).
"""

import datetime as dt
import hashlib
import json
import math
import random
import resource
import time
from bisect import bisect
from dataclasses import dataclass, field
from itertools import accumulate

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from nara.core import crypto
from nara.core.models import (
    Alias,
    Appointment,
    Area,
    CatchmentMembership,
    Center,
    Contact,
    Escalation,
    FollowUpTask,
    Household,
    HouseholdMember,
    Membership,
    Municipality,
    Person,
    Role,
    Service,
    Slot,
    SupportOffer,
)
from nara.insights import followups, rollups_rebuild
from nara.lib.textfold import fold
from nara.lib.topics import TOPICS

BATCH = 20_000
# Full size: 600 000 residents give ~2 million contacts and ~600 000 appointments in 5 years.
CONTACTS_PER_RESIDENT_YEAR = 2_000_000 / (600_000 * 5)
APPOINTMENTS_PER_RESIDENT_YEAR = 600_000 / (600_000 * 5)
RESIDENTS_PER_AREA = 1500
STAFF_PER_CENTRE = 6

# Month → relative volume: summer and Christmas are quiet, autumn and late winter busy.
SEASON = [1.1, 1.15, 1.1, 1.0, 0.95, 0.8, 0.45, 0.7, 1.2, 1.25, 1.15, 0.8]
# Weekday → relative volume (centres are mostly closed at weekends; outreach is not).
WEEKDAY = [1.2, 1.25, 1.2, 1.15, 0.9, 0.08, 0.04]
# The weights above average 1 over a year, so the yearly totals are the rates above.
MEAN_DAY = sum(SEASON) / len(SEASON) * sum(WEEKDAY) / len(WEEKDAY)
CHANNELS = [
    ("drop_in", 35),
    ("booked", 20),
    ("phone", 20),
    ("digital", 9),
    ("outreach", 8),
    ("partner_referral", 5),
    ("home_visit", 3),
]
MINUTES = {
    "drop_in": (10, 45),
    "booked": (30, 60),
    "phone": (5, 25),
    "digital": (5, 15),
    "outreach": (10, 40),
    "partner_referral": (30, 60),
    "home_visit": (45, 90),
}
AGE_BANDS = [
    ("0-5", 3),
    ("6-12", 5),
    ("13-17", 12),
    ("18-25", 14),
    ("26-64", 52),
    ("65+", 7),
    ("unknown", 7),
]
GENDERS = [("female", 55), ("male", 35), ("other", 1), ("not_stated", 9)]
LANGUAGES = [("sv", 58), ("ar", 12), ("so", 8), ("fa", 6), ("ti", 5), ("en", 6), ("uk", 5)]
PREVIOUSLY_KNOWN = [("no", 45), ("yes", 30), ("unknown", 25)]
TOPIC_WEIGHTS = {
    "parenting": 22,
    "money": 20,
    "housing": 14,
    "relationships": 10,
    "loneliness": 10,
    "school-absence": 9,
    "alcohol-drugs": 6,
    "youth-crime": 5,
    "violence": 4,
}
# (slug, topic, documentation level, Swedish name, English name)
SERVICES = [
    ("oppen-rad", "parenting", "counts_only", "Öppen rådgivning", "Open advice"),
    ("foraldrastod", "parenting", "no_identity", "Föräldrastöd", "Parenting support"),
    ("budgetradgivning", "money", "full", "Budget- och skuldrådgivning", "Budget and debt advice"),
    ("boendestod", "housing", "full", "Stöd i boendet", "Housing support"),
    ("samtalsstod", "relationships", "no_identity", "Samtalsstöd", "Counselling"),
    ("motesplats", "loneliness", "counts_only", "Mötesplats", "Meeting place"),
    ("skolnarvaro", "school-absence", "full", "Skolnärvaroteam", "School attendance team"),
    ("ungdomsstod", "youth-crime", "full", "Ungdomsstöd", "Youth support"),
]
LEVELS = [("counts_only", 35), ("no_identity", 30), ("full", 35)]
WEIGHTED_TOPICS = list(TOPIC_WEIGHTS.items())
ANSWERS = [("accepted", 55), ("declined", 15), ("thinking", 10), ("no_answer", 20)]
OUTCOMES = [("completed", 60), ("ended_early", 25), ("referred_on", 15)]
APPOINTMENT_STATUS = [
    ("attended", 75),
    ("no_show", 12),
    ("cancelled_resident", 9),
    ("cancelled_centre", 4),
]
MODES = [("centre", 70), ("phone", 15), ("video", 8), ("home", 4), ("partner", 3)]
FIRST_NAMES = [
    "Amina", "Johan", "Sara", "Yusuf", "Lena", "Hodan", "Erik", "Maryam", "Daniel", "Selam",
    "Karin", "Ali", "Fatima", "Per", "Nour", "Elin", "Mohamed", "Ida", "Oksana", "Zainab",
]  # fmt: skip
LAST_NAMES = [
    "Andersson", "Hassan", "Johansson", "Ali", "Karlsson", "Mohammed", "Nilsson", "Abdi",
    "Eriksson", "Tesfaye", "Larsson", "Rahimi", "Olsson", "Warsame", "Persson", "Kovalenko",
]  # fmt: skip
ALIAS_WORDS = ["Sol", "Stjärna", "Björk", "Måne", "Vind", "Lind", "Fjäril", "Älv", "Berg", "Ek"]
NOTES = [
    "Vill komma tillbaka nästa vecka.",
    "Tipsade om budgetrådgivningen.",
    "Behöver hjälp med blankett från Försäkringskassan.",
    "Pratade om sömn och rutiner för barnen.",
    "Följer upp med skolan efter lovet.",
]
UNITS = ["Mottagningen barn och unga", "Mottagningen vuxen", "Ekonomiskt bistånd"]
ESCALATION_REASONS = ["violence", "neglect", "own_behaviour", "substances", "economy", "other"]


@dataclass
class GeneratorSize:
    residents: int = 600_000
    centres: int = 50
    years: float = 5
    seed: int = 1
    end: dt.date = field(default_factory=timezone.localdate)
    municipality_code: str = "8000"

    @classmethod
    def scaled(cls, scale, **fields):
        size = cls(**fields)
        size.residents = max(200, round(size.residents * scale))
        size.centres = max(2, math.ceil(size.centres * scale))
        return size

    @property
    def start(self):
        return self.end - dt.timedelta(days=round(365 * self.years))


_PREPARED = {}


def pick(rng, weighted):
    """A value from [(value, weight), ...]: cumulative weights prepared once per table."""
    prepared = _PREPARED.get(id(weighted))
    if prepared is None or prepared[0] is not weighted:
        values, weights = zip(*weighted, strict=True)
        prepared = _PREPARED[id(weighted)] = (weighted, values, list(accumulate(weights)))
    _table, values, cumulative = prepared
    return values[bisect(cumulative, rng.random() * cumulative[-1])]


class Writer:
    """Rows of one model, ids allocated here, written in batches by the fastest route."""

    def __init__(self, model, columns):
        self.model = model
        self.table = model._meta.db_table
        # Columns the generator does not fill get the model's defaults (fields added later).
        self.defaults = [
            (f.column, f.get_db_prep_save(f.get_default(), connection))
            for f in model._meta.concrete_fields
            if f.column not in columns and f.column != "id" and not f.null
            if f.get_default() is not None
        ]
        self.columns = ["id", *columns, *(column for column, _value in self.defaults)]
        self._tail = tuple(value for _column, value in self.defaults)
        self.rows = []
        self.next_id = (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        self.written = 0

    def add(self, *values):
        pk = self.next_id
        self.next_id += 1
        self.rows.append((pk, *values, *self._tail))
        return pk

    def flush(self):
        if not self.rows:
            return
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.copy(f"COPY {quote(self.table)} ({columns}) FROM STDIN") as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("%s" for _c in self.columns)
                # Table and columns come from the model's meta, never from input.
                sql = f"INSERT INTO {quote(self.table)} ({columns}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(sql, self.rows)
        self.written += len(self.rows)
        self.rows = []


def _stamp(moment, postgresql):
    """A datetime as the database takes it in a raw insert (UTC)."""
    moment = moment.astimezone(dt.UTC)
    if postgresql:
        return moment.isoformat()
    return moment.replace(tzinfo=None).isoformat(sep=" ")


class Generator:
    def __init__(self, size, out=None):
        self.size = size
        self.rng = random.Random(size.seed)
        self.out = out or (lambda message: None)
        self.notes = [crypto.encrypt(text) for text in NOTES]
        self.started = time.monotonic()
        self.postgresql = connection.vendor == "postgresql"
        self.zone = timezone.get_current_timezone()

    def _stamp(self, moment):
        return _stamp(moment, self.postgresql)

    def _at(self, day, hour, minute=0):
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.zone)

    # The fixed part: municipality, areas, centres, services, staff ----------------------

    def setup(self):
        size, rng = self.size, self.rng
        self.municipality = Municipality.objects.create(
            code=size.municipality_code, name=f"Genererad kommun {size.municipality_code}"
        )
        n_areas = max(size.centres * 3, size.residents // RESIDENTS_PER_AREA)
        side = math.ceil(math.sqrt(n_areas))
        areas = []
        for i in range(n_areas):
            lon, lat = 15.0 + 0.01 * (i % side), 58.0 + 0.006 * (i // side)
            square = [[lon, lat], [lon + 0.01, lat], [lon + 0.01, lat + 0.006], [lon, lat + 0.006]]
            pop = max(1, round(size.residents / n_areas * rng.uniform(0.7, 1.3)))
            areas.append(
                Area(
                    municipality=self.municipality,
                    code=f"G{size.municipality_code}A{i:05d}",
                    name=f"Område {i + 1}",
                    kind=Area.Kind.DESO,
                    geometry={"type": "Polygon", "coordinates": [[*square, square[0]]]},
                    min_lon=lon,
                    min_lat=lat,
                    max_lon=lon + 0.01,
                    max_lat=lat + 0.006,
                    centroid_lon=lon + 0.005,
                    centroid_lat=lat + 0.003,
                    population=pop,
                    population_0_17=round(pop * rng.uniform(0.15, 0.3)),
                )
            )
        areas = Area.objects.bulk_create(areas)
        self.centres = Center.objects.bulk_create(
            Center(
                municipality=self.municipality,
                slug=f"gen{size.municipality_code}-c{i + 1}",
                code=f"gen{size.municipality_code}-c{i + 1}",
                name=f"Socialt center {i + 1}",
                neutral_display_name=f"Mötesplats {i + 1}",
                street_address=f"Storgatan {i + 1}",
                postal_code="800 00",
                city="Genererad",
                lon=areas[i * n_areas // size.centres].centroid_lon,
                lat=areas[i * n_areas // size.centres].centroid_lat,
                languages=["sv", "ar", "so", "en"],
            )
            for i in range(size.centres)
        )
        self.catchment = {c.pk: [] for c in self.centres}
        memberships = []
        for i, area in enumerate(areas):
            centre = self.centres[i * size.centres // n_areas]
            self.catchment[centre.pk].append(area.pk)
            memberships.append(
                CatchmentMembership(
                    center=centre, area=area, layer=CatchmentMembership.Layer.CENTRES
                )
            )
        CatchmentMembership.objects.bulk_create(memberships)
        self.services = []
        for slug, topic, level, sv, en in SERVICES:
            service = Service.objects.create(
                municipality=self.municipality,
                slug=f"gen{size.municipality_code}-{slug}",
                topic=topic,
                name={"sv": sv, "en": en},
                description={"sv": sv, "en": en},
                needs_assessed=level == "full",
                decision_reference="SN 2025/1 § 1",
                decision_date=dt.date(2025, 1, 1),
                documentation_level=level,
            )
            service.centers.set(self.centres)
            self.services.append(service)
        self._staff()

    def _staff(self):
        from django.contrib.auth import get_user_model

        User = get_user_model()
        code = self.size.municipality_code
        users = User.objects.bulk_create(
            User(
                username=f"gen{code}-c{i + 1}-{j + 1}",
                # Unusable: no one signs in as a generated account.
                password=UNUSABLE_PASSWORD_PREFIX + "generated",
                first_name=self.rng.choice(FIRST_NAMES),
                last_name="Genererad",
                is_staff=True,
            )
            for i in range(len(self.centres))
            for j in range(STAFF_PER_CENTRE)
        )
        self.staff = {}
        memberships = []
        for n, account in enumerate(users):
            centre = self.centres[n // STAFF_PER_CENTRE]
            role = Role.CENTRE_MANAGER if n % STAFF_PER_CENTRE == 0 else Role.SOCIAL_WORKER
            memberships.append(Membership(user=account, role=role, center=centre))
            self.staff.setdefault(centre.pk, []).append(account.pk)
        Membership.objects.bulk_create(memberships)

    # The stream: day by day, centre by centre ---------------------------------------------

    def run(self):
        self.writers = {
            "person": Writer(
                Person,
                [
                    "center_id",
                    "first_name",
                    "last_name",
                    "personnummer_encrypted",
                    "personnummer_hash",
                    "address_encrypted",
                    "address_hash",
                    "search_name",
                    "birth_date",
                    "protected_identity",
                    "legal_hold",
                    "created_at",
                ],
            ),  # fmt: skip
            "household": Writer(Household, ["center_id", "name", "created_at", "legal_hold"]),
            "member": Writer(HouseholdMember, ["household_id", "person_id", "relationship"]),
            "alias": Writer(Alias, ["center_id", "name", "created_at"]),
            "contact": Writer(
                Contact,
                [
                    "center_id",
                    "service_id",
                    "staff_id",
                    "channel",
                    "occurred_on",
                    "duration_minutes",
                    "topics",
                    "age_band",
                    "gender",
                    "area_id",
                    "language",
                    "interpreter_used",
                    "previously_known",
                    "first_contact",
                    "note_encrypted",
                    "person_id",
                    "household_id",
                    "alias_id",
                    "created_at",
                ],
            ),  # fmt: skip
            "offer": Writer(
                SupportOffer,
                [
                    "center_id",
                    "contact_id",
                    "service_id",
                    "person_id",
                    "household_id",
                    "alias_id",
                    "offered_on",
                    "answer",
                    "answered_on",
                    "started_on",
                    "ended_on",
                    "outcome",
                ],
            ),  # fmt: skip
            "escalation": Writer(
                Escalation,
                [
                    "center_id",
                    "kind",
                    "contact_id",
                    "person_id",
                    "identity_unknown_reason",
                    "made_on",
                    "made_by_id",
                    "to_unit",
                    "case_reference",
                    "reason",
                    "created_at",
                ],
            ),  # fmt: skip
            "slot": Writer(
                Slot,
                [
                    "center_id",
                    "starts_at",
                    "ends_at",
                    "modes",
                    "interpreter_languages",
                    "is_withdrawn",
                ],
            ),  # fmt: skip
            "appointment": Writer(
                Appointment,
                [
                    "slot_id",
                    "center_id",
                    "status",
                    "mode",
                    "topic",
                    "alias",
                    "phone_encrypted",
                    "email_encrypted",
                    "language",
                    "interpreter_language",
                    "manage_token_hash",
                    "code_hash",
                    "code_encrypted",
                    "booked_by_staff",
                    "created_at",
                    "status_changed_at",
                ],
            ),  # fmt: skip
            "task": Writer(
                FollowUpTask,
                [
                    "center_id",
                    "appointment_id",
                    "title",
                    "due",
                    "done_at",
                    "assigned_to_id",
                    "created_by_id",
                    "person_id",
                    "contact_id",
                    "escalation_id",
                ],
            ),  # fmt: skip
        }
        self.people = {c.pk: [] for c in self.centres}
        self.households = {c.pk: [] for c in self.centres}
        self.aliases = {c.pk: [] for c in self.centres}
        self.alias_count = 0
        services_of = {}
        for service in self.services:
            services_of.setdefault(service.documentation_level, []).append(service)
        self.by_level = services_of
        size = self.size
        contact_rate = size.residents * CONTACTS_PER_RESIDENT_YEAR / 365 / len(self.centres)
        booking_rate = size.residents * APPOINTMENTS_PER_RESIDENT_YEAR / 365 / len(self.centres)
        day = size.start
        while day <= size.end + dt.timedelta(days=14):
            factor = SEASON[day.month - 1] * WEEKDAY[day.weekday()] / MEAN_DAY
            for centre in self.centres:
                if day <= size.end:
                    for _n in range(self._draw(contact_rate * factor)):
                        self._contact(centre.pk, day)
                if day.weekday() < 5:
                    for _n in range(self._draw(booking_rate * factor)):
                        self._appointment(centre.pk, day)
            if len(self.writers["contact"].rows) + len(self.writers["slot"].rows) >= BATCH:
                self._flush()
            if day.day == 1 and day.month == 1:
                self._progress(day)
            day += dt.timedelta(days=1)
        self._flush()
        with connection.cursor() as cursor:
            models = [w.model for w in self.writers.values()]
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
        # Rows went in by COPY, past the actions: the new centres' rollups are computed once
        # from them (every month; nothing of these centres was ever purged).
        rollups_rebuild.rebuild(centers=[c.pk for c in self.centres], respect_purges=False)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Without statistics on the fresh rows the planner scans the whole table for
                # each first contact's lookups (seconds per thousand contacts).
                cursor.execute("ANALYZE core_contact, core_supportoffer")
        followups.refresh(centers=[c.pk for c in self.centres], respect_purges=False)
        return self.report()

    def _draw(self, mean):
        """A count with the given mean, spread like real days (not every day is the same)."""
        return max(0, int(mean * self.rng.uniform(0.5, 1.5) + self.rng.random()))

    def _flush(self):
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Synthetic rows: a crash loses at most the last batch, never consistency.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit = off")
            for writer in self.writers.values():
                writer.flush()

    def rows(self):
        return sum(w.written + len(w.rows) for w in self.writers.values())

    def _progress(self, day):
        seconds = time.monotonic() - self.started
        rate = self.rows() / max(seconds, 1e-9)
        self.out(f"  {day:%Y}: {self.rows():,} rows, {rate:,.0f} rows/s")

    def report(self):
        seconds = time.monotonic() - self.started
        counts = {name: w.written for name, w in self.writers.items()}
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return {
            "counts": counts,
            "rows": sum(counts.values()),
            "seconds": round(seconds, 1),
            "rows_per_second": round(sum(counts.values()) / max(seconds, 1e-9)),
            "peak_memory_mib": round(peak_mib),
        }

    # One contact and what follows from it --------------------------------------------------

    def _contact(self, centre_id, day):
        rng, w = self.rng, self.writers
        level = pick(rng, LEVELS)
        service = rng.choice(self.by_level[level])
        channel = pick(rng, CHANNELS)
        staff = rng.choice(self.staff[centre_id])
        person = household = alias = None
        first = rng.random() < 0.3
        if level == "no_identity" and rng.random() < 0.5:
            alias, first = self._alias(centre_id, day)
        elif level == "full":
            if rng.random() < 0.2:
                household, first = self._household(centre_id, day)
            else:
                person, first = self._person(centre_id, day)
        language = pick(rng, LANGUAGES)
        catchment = self.catchment[centre_id]
        moment = self._at(day, rng.randint(9, 19), rng.randint(0, 59))
        contact_id = w["contact"].add(
            centre_id,
            service.pk,
            staff,
            channel,
            day.isoformat(),
            rng.randint(*MINUTES[channel]),
            json.dumps(self._topics(service.topic)),
            pick(rng, AGE_BANDS),
            pick(rng, GENDERS),
            rng.choice(catchment) if rng.random() < 0.85 else None,
            language,
            language != "sv" and rng.random() < 0.4,
            pick(rng, PREVIOUSLY_KNOWN),
            first,
            rng.choice(self.notes) if level != "counts_only" and rng.random() < 0.1 else "",
            person,
            household,
            alias,
            self._stamp(moment),
        )
        if rng.random() < (0.06 if level == "counts_only" else 0.2):
            self._offer(centre_id, contact_id, day, person, household, alias)
        if level != "counts_only" and rng.random() < 0.006:
            self._escalation(centre_id, contact_id, day, person, staff)

    def _topics(self, main):
        topics = {main}
        while self.rng.random() < 0.35 and len(topics) < 3:
            topics.add(pick(self.rng, WEIGHTED_TOPICS))
        return sorted(topics, key=[slug for slug, *_rest in TOPICS].index)

    def _returning(self, pool, share):
        """An earlier one from `pool` (a returning visitor) or None for a new one."""
        if pool and self.rng.random() < share:
            return pool[min(len(pool) - 1, int(len(pool) * self.rng.random() ** 0.3))]
        return None

    def _person(self, centre_id, day):
        pool = self.people[centre_id]
        known = self._returning(pool, 0.7)
        if known is not None:
            return known, False
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        born = dt.date(rng.randint(1945, 2020), rng.randint(1, 12), rng.randint(1, 28))
        pk = self.writers["person"].add(
            centre_id, first, last, "", "", "", "", fold(f"{first} {last}"), born.isoformat(),
            rng.random() < 0.01, False, self._stamp(self._at(day, 9)),
        )  # fmt: skip
        pool.append(pk)
        return pk, True

    def _household(self, centre_id, day):
        pool = self.households[centre_id]
        known = self._returning(pool, 0.6)
        if known is not None:
            return known, False
        rng, w = self.rng, self.writers
        last = rng.choice(LAST_NAMES)
        pk = w["household"].add(centre_id, f"Familjen {last}", self._stamp(self._at(day, 9)), False)
        members = set()
        for n in range(rng.randint(2, 4)):
            member, _new = self._person(centre_id, day)
            if member not in members:
                members.add(member)
                w["member"].add(pk, member, "parent" if n == 0 else "child")
        pool.append(pk)
        return pk, True

    def _alias(self, centre_id, day):
        pool = self.aliases[centre_id]
        known = self._returning(pool, 0.6)
        if known is not None:
            return known, False
        self.alias_count += 1
        name = f"{self.rng.choice(ALIAS_WORDS)}-{self.alias_count}"
        pk = self.writers["alias"].add(centre_id, name, self._stamp(self._at(day, 9)))
        pool.append(pk)
        return pk, True

    def _offer(self, centre_id, contact_id, day, person, household, alias):
        rng, end = self.rng, self.size.end
        service = rng.choice(self.services)
        answer = pick(rng, ANSWERS)
        answered = started = ended = None
        outcome = ""
        if answer != "no_answer":
            answered = min(end, day + dt.timedelta(days=rng.choice([0, 0, 0, 3, 7, 14])))
        if answer == "accepted" and rng.random() < 0.85:
            started = answered + dt.timedelta(days=rng.randint(0, 21))
            ended = started + dt.timedelta(days=rng.randint(14, 180))
            if started > end:
                started = ended = None
            elif ended > end:
                ended = None
            else:
                outcome = pick(rng, OUTCOMES)
        iso = lambda d: d.isoformat() if d else None  # noqa: E731
        self.writers["offer"].add(
            centre_id, contact_id, service.pk, person, household, alias, day.isoformat(), answer,
            iso(answered), iso(started), iso(ended), outcome,
        )  # fmt: skip

    def _escalation(self, centre_id, contact_id, day, person, staff):
        rng = self.rng
        kind = "child_concern" if rng.random() < 0.6 else "formal_case"
        unknown = "" if person or kind != "child_concern" else "Barnets namn är inte känt"
        pk = self.writers["escalation"].add(
            centre_id, kind, contact_id, person, unknown, day.isoformat(), staff,
            rng.choice(UNITS), f"SN-{day:%Y}-{rng.randint(1000, 99999)}",
            rng.choice(ESCALATION_REASONS), self._stamp(self._at(day, 16)),
        )  # fmt: skip
        due = day + dt.timedelta(days=14)
        while due.weekday() >= 5:
            due += dt.timedelta(days=1)
        done = (
            self._stamp(self._at(due, 10)) if due < self.size.end and rng.random() < 0.9 else None
        )
        self.writers["task"].add(
            centre_id, None, "Följ upp anmälan: vad blev det av den?", due.isoformat(), done,
            staff, staff, person, contact_id, pk,
        )  # fmt: skip

    def _appointment(self, centre_id, day):
        rng, w, size = self.rng, self.writers, self.size
        starts = self._at(day, rng.randint(9, 15), rng.choice([0, 15, 30, 45]))
        minutes = rng.choice([30, 45, 45, 60])
        mode = pick(rng, MODES)
        slot = w["slot"].add(
            centre_id,
            self._stamp(starts),
            self._stamp(starts + dt.timedelta(minutes=minutes)),
            json.dumps([mode]),
            "[]",
            False,
        )
        status = pick(rng, APPOINTMENT_STATUS) if day < size.end else "booked"
        # Older than the booking retention period: purged as `manage.py purge` leaves it.
        purged = day < size.end - dt.timedelta(days=30)
        language = pick(rng, LANGUAGES)
        key = f"{size.municipality_code}:{size.seed}:{slot}"
        staff = rng.choice(self.staff[centre_id])
        booked_at = starts - dt.timedelta(days=rng.randint(1, 20))
        appointment = w["appointment"].add(
            slot, centre_id, status, mode,
            "" if purged else pick(rng, WEIGHTED_TOPICS),
            "–" if purged else rng.choice(FIRST_NAMES), "", "", language,
            language if language != "sv" and rng.random() < 0.3 else "",
            hashlib.sha256(f"{key}:manage".encode()).hexdigest(),
            hashlib.sha256(f"{key}:code".encode()).hexdigest(),
            "", rng.random() < 0.3, self._stamp(booked_at),
            self._stamp(starts) if status != "booked" else None,
        )  # fmt: skip
        if status == "no_show":
            due = day + dt.timedelta(days=1)
            while due.weekday() >= 5:
                due += dt.timedelta(days=1)
            done = (
                self._stamp(self._at(due, 11)) if due < size.end and rng.random() < 0.85 else None
            )
            w["task"].add(
                centre_id, appointment, "Hör av dig efter uteblivet besök", due.isoformat(),
                done, staff, None, None, None, None,
            )  # fmt: skip


def generate(size, out=None):
    """Fill the database with a generated municipality; returns counts, rate and memory."""
    if Municipality.objects.filter(code=size.municipality_code).exists():
        raise ValueError(f"Municipality {size.municipality_code} exists already.")
    generator = Generator(size, out=out)
    with transaction.atomic():
        generator.setup()
    return generator.run()
