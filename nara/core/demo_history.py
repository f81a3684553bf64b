"""A year of history at the demo's centres, so the insights show real-looking figures.

`build_history(municipality, months=12, seed=…)` runs after build_demo (manage.py demo_data does
it unless told not to; the tests' demo leaves it out). It sets each centre's opening date and
annual budget, then writes, day by day from the first day of the month `months` months back to
today: contacts (channels, topics, age bands, genders, areas, languages, interpreter, previously
known, first visits) with their offers, answers, starts and endings; bookings with their
outcomes and reminders; escalations with their 14-day tasks; outgoing and incoming referrals
walked through their statuses; residents' feedback counts; outreach shifts and group sessions.
Volumes follow the seasons (quiet summer and Christmas), the weekdays, the centre's holidays
and its growth after opening; the centre that opened eight months ago has nothing before.

Rows are written in bulk (core/generator.py's Writer), then the centres' rollups are rebuilt
from them. The history is synthetic past data, not anyone's actions, so it has no audit trail;
everything else is as the actions leave it: encrypted fields through core/crypto, statuses and
tasks consistent, bookings older than the booking retention period anonymised as the purge
leaves them, nothing dated after now. Few people are identified (invented names, no identity
numbers); most contacts are counts only or under an alias, as in the real service.
"""

import datetime as dt
import hashlib
import json
import math
import random
import uuid

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from nara.core import crypto
from nara.core.actions.centers import do_update
from nara.core.actions.contacts import ALLOWED
from nara.core.actions.followups import next_working_day
from nara.core.generator import MINUTES, NOTES, Writer, _stamp, pick
from nara.core.models import (
    Alias,
    Appointment,
    Area,
    Center,
    Contact,
    Escalation,
    FollowUpTask,
    GroupActivity,
    GroupSession,
    Household,
    HouseholdMember,
    Membership,
    OutreachCount,
    OutreachShift,
    Partner,
    Person,
    Referral,
    ReferralEvent,
    ReferralStatus,
    Reminder,
    Role,
    Service,
    Slot,
    StaffMember,
    SupportOffer,
    VisitFeedbackTally,
)
from nara.insights import followups, rollups, rollups_rebuild
from nara.lib.textfold import fold

ACTOR = "demo_data"
S = ReferralStatus

# Opening dates (months before today; the young centre opened about eight months ago, so its
# figures have a before and an after) and annual budgets in SEK, by the demo's centre slugs.
OPENED_MONTHS_AGO = {"centre": [38, 26, 8], "base": [20, 20, 20, 20]}
BUDGETS = {"centre": [4_600_000, 4_200_000, 3_400_000], "base": [5_600_000, 5_300_000]}
SMALL_BASE_BUDGET = 3_800_000  # a base giving only the needs-assessed services

# Contacts and bookings on an ordinary working day once a centre has found its feet.
CONTACTS_PER_DAY = {"centre": 10.0, "base": 6.0}
BOOKINGS_PER_DAY = {"centre": 1.8, "base": 1.5}
# Month → relative volume: summer holidays and Christmas are quiet, autumn and late winter busy.
SEASON = [1.05, 1.15, 1.15, 1.0, 1.0, 0.8, 0.4, 0.75, 1.2, 1.25, 1.15, 0.7]
OUTREACH_SEASON = [0.6, 0.6, 0.8, 1.0, 1.2, 1.3, 1.2, 1.2, 1.1, 1.0, 0.8, 0.6]
# Monday to Friday (Friday is a half day); the centres are closed at weekends.
WEEKDAY = [1.15, 1.2, 1.15, 1.2, 0.6, 0.0, 0.0]
HOLIDAYS = {(1, 1), (1, 6), (5, 1), (6, 6), (12, 24), (12, 25), (12, 26), (12, 31)}

CHANNELS = {
    "centre": [
        ("drop_in", 38),
        ("booked", 16),
        ("phone", 20),
        ("digital", 8),
        ("outreach", 9),
        ("partner_referral", 6),
        ("home_visit", 3),
    ],
    "base": [
        ("drop_in", 14),
        ("booked", 30),
        ("phone", 28),
        ("digital", 12),
        ("outreach", 4),
        ("partner_referral", 8),
        ("home_visit", 4),
    ],
}
# How often each of the demo's services is the one a contact is recorded under.
SERVICE_WEIGHTS = {
    "samtal": 20,
    "motesplats": 18,
    "budget": 16,
    "boende": 11,
    "skolnarvaro": 10,
    "foraldragrupp": 5,
    "missbruk": 5,
    "unga": 8,
    "vald": 5,
}
EXTRA_TOPICS = [
    ("parenting", 22),
    ("money", 20),
    ("housing", 14),
    ("relationships", 12),
    ("loneliness", 10),
    ("school-absence", 9),
    ("alcohol-drugs", 5),
    ("youth-crime", 5),
    ("violence", 3),
]
AGE_BANDS = [
    ("0-5", 2),
    ("6-12", 4),
    ("13-17", 11),
    ("18-25", 13),
    ("26-64", 55),
    ("65+", 8),
    ("unknown", 7),
]
GENDERS = [("female", 56), ("male", 35), ("other", 1), ("not_stated", 8)]
KNOWN = [("no", 44), ("yes", 30), ("unknown", 26)]
# Besides Swedish: mostly the languages the centre's staff speak, some others.
OTHER_LANGUAGES = [("uk", 3), ("en", 2), ("ku", 2), ("pl", 1), ("tr", 1), ("bs", 1)]
ANSWERS = [("accepted", 58), ("declined", 14), ("thinking", 12), ("no_answer", 16)]
OUTCOMES = [("completed", 62), ("ended_early", 24), ("referred_on", 14)]
# A visit reminder makes a no-show rarer: the insights compare the two.
VISIT_WITH_REMINDER = [
    ("attended", 81),
    ("no_show", 6),
    ("cancelled_resident", 9),
    ("cancelled_centre", 4),
]
VISIT_WITHOUT_REMINDER = [
    ("attended", 72),
    ("no_show", 16),
    ("cancelled_resident", 7),
    ("cancelled_centre", 5),
]
MODES = [("centre", 72), ("phone", 16), ("video", 7), ("home", 5)]
AFTERNOON = [dt.time(13, 0), dt.time(13, 45), dt.time(14, 30), dt.time(15, 15)]
VISIT_MINUTES = 45
FEEDBACK = {
    "welcome": [("yes", 82), ("partly", 13), ("no", 5)],
    "listened": [("yes", 76), ("partly", 17), ("no", 7)],
    "again": [("yes", 79), ("partly", 13), ("no", 8)],
}
# Invented names: first names as in the demo, surnames no one carries.
FIRST_NAMES = [
    "Amal", "Bashir", "Cecilia", "Dawit", "Elsa", "Farah", "Goran", "Hiba", "Ismail", "Jenny",
    "Khadra", "Lukas", "Meron", "Nadia", "Olle", "Parisa", "Rami", "Saga", "Tahmina", "Viktor",
]  # fmt: skip
SURNAMES = [
    "Exempelsson", "Påhittberg", "Låtsasdotter", "Demoqvist", "Provlund", "Fiktivsson",
    "Testström", "Modellberg",
]  # fmt: skip
ALIAS_WORDS = ["Tall", "Björk", "Ek", "Lönn", "Rönn", "Lind", "Asp", "Hassel", "Sälg", "Al"]
VISIT_ALIASES = ["Sam", "Noor", "Liv", "Hamid", "Ebba", "Warsame", "Mina", "Kalle", "Rahel"]
# The Swedish regulator's numbers reserved for fiction: 070-174 06 05 to 070-174 06 99.
FICTION_PHONE = "+46701740{:03d}"
UNITS = ["Mottagningen barn och unga", "Mottagningen vuxen", "Ekonomiskt bistånd"]
REASONS = [
    ("neglect", 25),
    ("violence", 20),
    ("own_behaviour", 18),
    ("substances", 12),
    ("economy", 15),
    ("other", 10),
]
# Outgoing referrals: the statuses after "sent" (recipient's steps unless marked by the centre),
# with the days each step takes.
OUTGOING_PATHS = [
    (40, [("received", 0, 2), ("accepted", 1, 7), ("contact_made", 2, 12)]
     + [("help_started", 3, 21), ("completed", 30, 120), ("closed", 1, 10)]),
    (12, [("received", 0, 2), ("accepted", 1, 7), ("contact_made", 2, 12)]
     + [("help_started", 3, 21), ("ended_early", 10, 60), ("closed", 1, 10)]),
    (14, [("received", 0, 2), ("accepted", 1, 7), ("contact_made", 2, 12), ("closed", 5, 30)]),
    (10, [("received", 0, 3), ("declined", 1, 10), ("closed", 1, 7)]),
    (8, [("received", 0, 3), ("accepted", 1, 7), ("no_contact", 5, 20), ("closed", 1, 10)]),
    (6, [("withdrawn", 1, 10)]),
]  # fmt: skip
INCOMING_PATHS = [
    (70, [("received", 0, 1), ("accepted", 0, 3), ("contact_made", 1, 10), ("closed", 14, 90)]),
    (10, [("received", 0, 1), ("accepted", 0, 3), ("no_contact", 5, 15), ("closed", 1, 10)]),
    (10, [("received", 0, 2), ("declined", 1, 5), ("closed", 0, 3)]),
    (10, [("withdrawn", 0, 2)]),
]
CENTRE_STEPS_OUTGOING = {S.CLOSED, S.WITHDRAWN}
PARTNER_STEPS_INCOMING = {S.WITHDRAWN}
OUTREACH_TOPICS = ["youth-crime", "school-absence", "parenting", "loneliness", "alcohol-drugs"]
OUTREACH_CELLS = [
    (("13-17", "male"), 6),
    (("13-17", "female"), 4),
    (("18-25", "male"), 3),
    (("18-25", "female"), 2),
    (("6-12", "male"), 1.5),
    (("6-12", "female"), 1),
    (("26-64", "female"), 1.5),
    (("26-64", "male"), 1),
]
CONSENT_SCOPE = ["contact_details", "identity", "situation"]
COURSE_ATTENDANCE = [12, 11, 11, 10, 9, 10]  # six sessions: a few drop off


def build_history(municipality, *, months=12, seed=2026, scale=1.0):
    """Write the history of every centre of `municipality`; returns counts by kind of row."""
    centres = list(Center.objects.filter(municipality=municipality).order_by("kind", "pk"))
    with transaction.atomic():
        _open_and_budget(centres)
        history = History(centres, months=months, seed=seed, scale=scale)
        counts = history.run()
        rollups_rebuild.rebuild(centers=[c.pk for c in centres], respect_purges=False)
        followups.refresh(centers=[c.pk for c in centres], respect_purges=False)
    return counts


def summary(counts, months):
    return (
        f"Generated {months} months of history at the centres: {counts['contact']:,} contacts, "
        f"{counts['offer']:,} offers, {counts['appointment']:,} bookings, "
        f"{counts['escalation']:,} escalations, {counts['referral']:,} referrals, "
        f"{counts['feedback_answers']:,} feedback answers, {counts['outreach']:,} outreach "
        f"shifts and {counts['session']:,} group sessions."
    )


def _months_back(today, months):
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return dt.date(year, month + 1, 1)


def _open_and_budget(centres):
    today = timezone.localdate()
    seen = {"centre": 0, "base": 0}
    for centre in centres:
        n = seen[centre.kind]
        seen[centre.kind] += 1
        months_ago = OPENED_MONTHS_AGO[centre.kind]
        opened = _months_back(today, months_ago[min(n, len(months_ago) - 1)])
        # Centres open on a Monday that is not a holiday (New Year's Day, Epiphany).
        while opened.weekday() != 0 or (opened.month, opened.day) in HOLIDAYS:
            opened += dt.timedelta(days=1)
        budgets = BUDGETS[centre.kind]
        budget = budgets[n] if n < len(budgets) else SMALL_BASE_BUDGET
        do_update(
            actor=ACTOR, obj=centre, fields={"opened_on": opened, "annual_budget_sek": budget}
        )


class Place:
    """One centre as the history needs it: services, staff, areas, pools of regulars."""

    def __init__(self, centre, rng):
        self.centre, self.pk, self.kind = centre, centre.pk, centre.kind
        services = list(Service.objects.filter(centers=centre).order_by("pk"))
        self.services = {s.slug: s for s in services}
        self.service_weights = [(s, SERVICE_WEIGHTS.get(s.slug, 5)) for s in services]
        users = Membership.objects.filter(
            center=centre, role__in=[Role.SOCIAL_WORKER, Role.CENTRE_MANAGER]
        )
        self.users = sorted(set(users.values_list("user_id", flat=True)))
        self.staff_members = list(
            StaffMember.objects.filter(centers=centre).order_by("pk").values_list("pk", flat=True)
        )
        areas = Area.objects.filter(catchments__center=centre).order_by("pk")
        self.areas = [(a.pk, max(1, a.population or 1)) for a in areas]
        spoken = [code for code in centre.languages if code != "sv"]
        self.languages = [("sv", 60)] + [(code, 9) for code in spoken] + OTHER_LANGUAGES
        self.spoken = set(centre.languages)
        self.population = sum(pop for _pk, pop in self.areas)
        self.size = rng.uniform(0.9, 1.1) * (1 if len(services) > 3 else 0.55)
        self.people, self.households, self.aliases = [], [], []
        names = Alias.objects.filter(center=centre).values_list("name", flat=True)
        self.alias_names = {name.lower() for name in names}
        self.visits_by_month = {}

    def maturity(self, day):
        """0.35 on the opening day, growing towards 1 over the first half year."""
        days = (day - self.centre.opened_on).days
        return 0.35 + 0.65 * (1 - math.exp(-days / 75))


class History:
    def __init__(self, centres, *, months, seed, scale):
        self.rng = random.Random(seed)
        self.seed, self.scale = seed, scale
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.start = _months_back(self.today, months)
        self.zone = timezone.get_current_timezone()
        self.postgresql = connection.vendor == "postgresql"
        self.places = [Place(c, self.rng) for c in centres]
        for kind in ("centre", "base"):  # a larger catchment brings more people
            same = [p for p in self.places if p.kind == kind]
            mean = sum(p.population for p in same) / max(1, len(same))
            for place in same:
                place.size *= min(1.3, max(0.7, math.sqrt(place.population / mean)))
        self.notes = [crypto.encrypt(text) for text in NOTES]
        self.partners = _referral_partners(centres[0].municipality) if centres else []
        self.municipality = centres[0].municipality if centres else None
        self.feedback = {}
        self.counts = {"feedback_answers": 0}
        with translation.override(settings.LANGUAGE_CODE):  # tasks are in the staff's language
            self.titles = {
                "escalation": translation.gettext(
                    gettext_noop("Follow up the escalation: what came of it?")
                ),
                "missed": translation.gettext("Follow up missed visit on %(date)s"),
                "incoming": translation.gettext("Contact the family a partner referred"),
                "no_answer": translation.gettext("No answer yet on a referral to %(partner)s"),
            }
        self._writers()

    def _stamp(self, moment):
        return _stamp(min(moment, self.now), self.postgresql)

    def _at(self, day, time):
        return dt.datetime.combine(day, time, tzinfo=self.zone)

    def _draw(self, mean):
        return max(0, int(mean * self.rng.uniform(0.6, 1.4) + self.rng.random()))

    def _writers(self):
        def writer(model, columns):
            return Writer(model, columns.split())

        self.w = {
            "person": writer(
                Person, "center_id first_name last_name search_name birth_date created_at"
            ),
            "household": writer(Household, "center_id name created_at"),
            "member": writer(HouseholdMember, "household_id person_id relationship"),
            "alias": writer(Alias, "center_id name created_at"),
            "contact": writer(
                Contact,
                "center_id service_id staff_id channel occurred_on duration_minutes topics "
                "age_band gender area_id area_outside language interpreter_used "
                "previously_known first_contact note_encrypted person_id household_id alias_id "
                "created_at",
            ),
            "offer": writer(
                SupportOffer,
                "center_id contact_id service_id person_id household_id alias_id offered_on "
                "answer answered_on started_on ended_on outcome",
            ),
            "escalation": writer(
                Escalation,
                "center_id kind contact_id person_id identity_unknown_reason made_on "
                "made_by_id to_unit case_reference reason created_at",
            ),
            "slot": writer(
                Slot, "center_id staff_member_id starts_at ends_at modes interpreter_languages"
            ),
            "appointment": writer(
                Appointment,
                "slot_id center_id status mode topic alias phone_encrypted email_encrypted "
                "language manage_token_hash code_hash booked_by_staff created_at "
                "status_changed_at feedback_given reminder_sent",
            ),
            "reminder": writer(
                Reminder,
                "appointment_id kind channel send_at status attempts sent_at idempotency_key",
            ),
            "task": writer(
                FollowUpTask,
                "center_id appointment_id title due done_at assigned_to_id created_by_id "
                "person_id contact_id escalation_id referral_id",
            ),
            "referral": writer(
                Referral,
                "direction center_id partner_id service_id topic alias_id contact_id shared "
                "family_name_encrypted family_contact_encrypted partner_consent_given_by "
                "partner_consent_given_how partner_consent_scope status status_changed_at "
                "decline_reason created_by_id created_at",
            ),
            "event": writer(
                ReferralEvent, "referral_id status at by_id by_partner recorded_by_centre reason"
            ),
            "outreach": writer(
                OutreachShift,
                "center_id date starts_at ends_at minutes area_id topics people_met "
                "contacts_made recorded_by_id created_at",
            ),
            "outreach_staff": writer(OutreachShift.staff.through, "outreachshift_id user_id"),
            "outreach_partner": writer(
                OutreachShift.partners.through, "outreachshift_id partner_id"
            ),
            "outreach_count": writer(OutreachCount, "shift_id age_band gender count"),
            "group": writer(
                GroupActivity, "center_id service_id title capacity created_by_id created_at"
            ),
            "session": writer(
                GroupSession, "activity_id starts_at ends_at partner_leader attended"
            ),
            "session_leader": writer(GroupSession.leaders.through, "groupsession_id user_id"),
        }

    # The run ------------------------------------------------------------------------------

    def run(self):
        for place in self.places:
            self._centre(place)
        self._flush()
        self._write_feedback()
        with connection.cursor() as cursor:
            models = [w.model for w in self.w.values()]
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
        counts = {name: w.written for name, w in self.w.items()}
        return counts | self.counts

    def _flush(self):
        for writer in self.w.values():
            writer.flush()

    def _centre(self, place):
        opened = place.centre.opened_on
        day = max(self.start, opened)
        while day <= self.today:
            factor = self._factor(place, day)
            if factor:
                for _n in range(self._draw(CONTACTS_PER_DAY[place.kind] * factor)):
                    self._contact(place, day)
                self._bookings(place, day, self._draw(BOOKINGS_PER_DAY[place.kind] * factor))
                if place.kind == "centre" and self.rng.random() < 0.08 * factor:
                    self._incoming_referral(place, day)
            if day.weekday() == 3:
                self._outreach(place, day)
            if day.day == 1 or day == max(self.start, opened):
                self._qr_feedback(place, day)
            day += dt.timedelta(days=1)
        if place.kind == "centre":
            self._groups(place)

    def _factor(self, place, day):
        if (day.month, day.day) in HOLIDAYS or _midsummer_eve(day):
            return 0
        weekday = WEEKDAY[day.weekday()]
        if not weekday:
            return 0
        # The centres grow a little over the year, besides a new centre's first months.
        trend = 1 + 0.12 * (day - self.start).days / 365
        return (
            SEASON[day.month - 1]
            * weekday
            * place.maturity(day)
            * trend
            * place.size
            * (self.scale)
        )

    # Contacts, offers, escalations, outgoing referrals -----------------------------------

    def _contact(self, place, day):
        rng = self.rng
        service = pick(rng, place.service_weights)
        level = service.documentation_level
        subject = {"person_id": None, "household_id": None, "alias_id": None}
        regular = None
        if level == "no_identity" and rng.random() < 0.45:
            regular = self._alias(place, day)
            subject["alias_id"] = regular["pk"]
        elif level == "full" and rng.random() < 0.35:
            regular = self._identified(place, day)
            subject[regular["key"]] = regular["pk"]
        profile = regular or self._profile(place, day)
        first = regular["new"] if regular else rng.random() < self._first_share(place, day)
        if regular:
            regular["new"] = False
        area_id, outside = profile["area"]
        channel = pick(rng, CHANNELS[place.kind])
        staff = rng.choice(place.users) if place.users else None
        note = ""
        if level != "counts_only" and rng.random() < 0.06:
            note = rng.choice(self.notes)
        contact = self.w["contact"].add(
            place.pk, service.pk, staff, channel, day.isoformat(),
            rng.randint(*MINUTES[channel]), json.dumps(self._topics(service.topic)),
            profile["age"], profile["gender"], area_id, outside, profile["language"],
            profile["interpreter"], profile["known"], first, note,
            subject["person_id"], subject["household_id"], subject["alias_id"],
            self._stamp(self._at(day, dt.time(rng.randint(9, 16), rng.randint(0, 59)))),
        )  # fmt: skip
        if rng.random() < (0.07 if level == "counts_only" else 0.2):
            self._offer(place, contact, day, service, subject)
        if level != "counts_only" and rng.random() < 0.012:
            self._escalation(place, contact, day, subject, staff, regular)
        if subject["alias_id"] and rng.random() < 0.1:
            self._outgoing_referral(place, contact, day, subject["alias_id"], staff)

    def _first_share(self, place, day):
        """A new centre meets more people for the first time."""
        return 0.22 + 0.3 * (1.35 - place.maturity(day))

    def _topics(self, main):
        topics = [main]
        while self.rng.random() < 0.3 and len(topics) < 3:
            extra = pick(self.rng, EXTRA_TOPICS)
            if extra not in topics:
                topics.append(extra)
        return topics

    def _profile(self, place, day, *, age=None):
        rng = self.rng
        language = pick(rng, place.languages)
        interpreter = language != "sv" and rng.random() < (
            0.08 if language in place.spoken else 0.55
        )
        roll = rng.random()
        if roll < 0.82 and place.areas:
            area = (pick(rng, place.areas), False)
        else:
            area = (None, roll < 0.88)  # outside the catchment, or not stated
        # A new centre reaches more people social services did not know before.
        known = pick(rng, KNOWN)
        if known == "yes" and rng.random() < 0.5 * (1 - place.maturity(day)):
            known = "no"
        return {
            "age": age or pick(rng, AGE_BANDS),
            "gender": pick(rng, GENDERS),
            "language": language,
            "interpreter": interpreter,
            "area": area,
            "known": known,
        }

    def _returning(self, pool, cap, share):
        if pool and (len(pool) >= cap or self.rng.random() < share):
            return pool[int(len(pool) * self.rng.random() ** 0.6)]
        return None

    def _alias(self, place, day):
        found = self._returning(place.aliases, 120 * self.scale + 5, 0.55)
        if found:
            return found
        name = f"{self.rng.choice(ALIAS_WORDS)}-{self.rng.randint(1000, 9999)}"
        while name.lower() in place.alias_names:
            name = f"{self.rng.choice(ALIAS_WORDS)}-{self.rng.randint(1000, 9999)}"
        place.alias_names.add(name.lower())
        pk = self.w["alias"].add(place.pk, name, self._stamp(self._at(day, dt.time(9))))
        regular = self._profile(place, day) | {"pk": pk, "key": "alias_id", "new": True}
        place.aliases.append(regular)
        return regular

    def _identified(self, place, day):
        """A person or a family of the centre: few, returning often."""
        cap = 14 if place.kind == "centre" else 6
        found = self._returning(place.people + place.households, cap * self.scale + 2, 0.6)
        if found:
            return found
        if self.rng.random() < 0.3:
            return self._household(place, day)
        age = self.rng.choice(["18-25", "26-64", "26-64", "65+"])
        pk = self._person(place, day, age)
        regular = self._profile(place, day, age=age) | {
            "pk": pk,
            "key": "person_id",
            "new": True,
        }
        place.people.append(regular)
        return regular

    def _person(self, place, day, age):
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        low, high = {"18-25": (18, 25), "26-64": (26, 64), "65+": (65, 85), "child": (2, 16)}[age]
        born = day - dt.timedelta(days=365 * rng.randint(low, high) + rng.randint(0, 364))
        return self.w["person"].add(
            place.pk, first, last, fold(f"{first} {last}"), born.isoformat(),
            self._stamp(self._at(day, dt.time(9))),
        )  # fmt: skip

    def _household(self, place, day):
        surname = self.rng.choice(SURNAMES)
        pk = self.w["household"].add(
            place.pk, f"Familjen {surname}", self._stamp(self._at(day, dt.time(9)))
        )
        parent = self._person(place, day, "26-64")
        self.w["member"].add(pk, parent, "parent")
        children = [self._person(place, day, "child") for _n in range(self.rng.randint(1, 3))]
        for child in children:
            self.w["member"].add(pk, child, "child")
        regular = self._profile(place, day, age="26-64") | {
            "pk": pk,
            "key": "household_id",
            "new": True,
            "children": children,
        }
        place.households.append(regular)
        return regular

    def _offer(self, place, contact, day, service, subject):
        rng = self.rng
        if rng.random() > 0.7:
            service = pick(rng, place.service_weights)
        allowed = ALLOWED[service.documentation_level]
        carried = {k: v if k.removesuffix("_id") in allowed else None for k, v in subject.items()}
        answer = pick(rng, ANSWERS)
        answered = started = ended = None
        outcome = ""
        if answer != "no_answer":
            answered = day + dt.timedelta(days=rng.choice([0, 0, 0, 0, 2, 5, 9, 14]))
        age = (self.today - day).days
        if answer in ("thinking", "no_answer") and age > 21 and rng.random() < 0.75:
            # Decided later: most who thought about it said yes.
            answer = "accepted" if rng.random() < 0.7 else "declined"
            answered = day + dt.timedelta(days=rng.randint(3, 21))
        if answered and answered > self.today:
            answer, answered = "no_answer", None
        if answer == "accepted" and rng.random() < 0.88:
            started = answered + dt.timedelta(days=rng.randint(0, 21))
            length = rng.randint(7, 45) if service.documentation_level == "counts_only" else None
            ended = started + dt.timedelta(days=length or rng.randint(21, 180))
            if started > self.today:
                started = ended = None
            elif ended > self.today:
                ended = None
            else:
                outcome = pick(rng, OUTCOMES)
        iso = lambda d: d.isoformat() if d else None  # noqa: E731
        self.w["offer"].add(
            place.pk, contact, service.pk, carried["person_id"], carried["household_id"],
            carried["alias_id"], day.isoformat(), answer, iso(answered), iso(started),
            iso(ended), outcome,
        )  # fmt: skip

    def _escalation(self, place, contact, day, subject, staff, regular):
        """A report of concern or a formal case; its 14-day task is done (only escalations a
        fortnight old are written, so no clock runs past today)."""
        rng = self.rng
        due = next_working_day(day + dt.timedelta(days=14))
        if staff is None or due >= self.today:
            return
        kind = "child_concern" if rng.random() < 0.6 else "formal_case"
        person, unknown = subject["person_id"], ""
        if kind == "child_concern":
            children = (regular or {}).get("children")
            person = rng.choice(children) if children else None
            unknown = "" if person else "Barnets namn är inte känt"
        pk = self.w["escalation"].add(
            place.pk, kind, contact, person, unknown, day.isoformat(), staff,
            rng.choice(UNITS), f"BoU-{day:%Y}-{rng.randint(1000, 9999)}", pick(rng, REASONS),
            self._stamp(self._at(day, dt.time(15, 30))),
        )  # fmt: skip
        done = self._at(due, dt.time(rng.randint(9, 15)))
        self.w["task"].add(
            place.pk, None, self.titles["escalation"], due.isoformat(), self._stamp(done),
            staff, staff, person, contact, pk, None,
        )  # fmt: skip

    # Referrals -----------------------------------------------------------------------------

    def _outgoing_referral(self, place, contact, day, alias, staff):
        """To a partner's service, about an alias (only the reason is shared: no consent
        needed), walked through the partner's answers."""
        if not self.partners or staff is None or day > self.today - dt.timedelta(days=7):
            return
        rng = self.rng
        partner, service, topic, user = rng.choice(self.partners)
        sent = self._at(day, dt.time(rng.randint(10, 15), rng.randint(0, 59)))
        steps = self._walk(OUTGOING_PATHS, sent)
        status, changed = steps[-1][0:2] if steps else (S.SENT, sent)
        pk = self.w["referral"].add(
            "outgoing", place.pk, partner.pk, service.pk, topic, alias, contact,
            json.dumps(["situation"]), "", "", "", "", "[]", status, self._stamp(changed),
            "no_capacity" if any(s == S.DECLINED for s, _at in steps) else "", staff,
            self._stamp(sent),
        )  # fmt: skip
        self.w["event"].add(pk, S.SENT, self._stamp(sent), staff, False, False, "")
        for step, at in steps:
            if step in CENTRE_STEPS_OUTGOING:
                by, by_partner, for_partner = staff, False, False
            elif service.accepts_referrals and user is not None:
                by, by_partner, for_partner = user, True, False
            else:  # a partner who answers by phone: the centre writes it down
                by, by_partner, for_partner = staff, True, True
            reason = "no_capacity" if step == S.DECLINED else ""
            self.w["event"].add(pk, step, self._stamp(at), by, by_partner, for_partner, reason)
        due = next_working_day(day + dt.timedelta(days=self.municipality.referral_reminder_days))
        answered = steps[0][1] if steps else None
        self.w["task"].add(
            place.pk, None, self.titles["no_answer"] % {"partner": partner}, due.isoformat(),
            self._stamp(answered) if answered else None, staff, staff, None, None, None, pk,
        )  # fmt: skip

    def _walk(self, paths, start):
        """[(status, when)] along one of the weighted paths, as far as it got by now."""
        path = pick(self.rng, [(p, w) for w, p in paths])
        steps, at = [], start
        for status, low, high in path:
            at = at + dt.timedelta(days=self.rng.randint(low, high), hours=self.rng.randint(1, 5))
            if at.weekday() >= 5:
                at += dt.timedelta(days=7 - at.weekday())
            if at > self.now:
                break
            steps.append((status, at))
        return steps

    def _incoming_referral(self, place, day):
        """A family sent by the school, the child health centre or child psychiatry, with the
        family's consent on the partner's form."""
        users = [(p, u) for p, _s, _t, u in self.partners if u is not None]
        if not users or not place.users:
            return
        rng = self.rng
        partner, sender = rng.choice(users)
        worker = rng.choice(place.users)
        sent = self._at(day, dt.time(rng.randint(8, 15), rng.randint(0, 59)))
        steps = self._walk(INCOMING_PATHS, sent)
        status, changed = steps[-1] if steps else (S.SENT, sent)
        family = f"Familjen {rng.choice(SURNAMES)}"
        reach = FICTION_PHONE.format(rng.randint(605, 699))
        topic = "school-absence" if partner.kind == "school" else "parenting"
        pk = self.w["referral"].add(
            "incoming", place.pk, partner.pk, None, topic, None, None,
            json.dumps(CONSENT_SCOPE), crypto.encrypt(family), crypto.encrypt(reach),
            rng.choice(["person", "guardian"]), rng.choice(["verbal", "written"]),
            json.dumps(CONSENT_SCOPE), status, self._stamp(changed),
            "not_eligible" if any(s == S.DECLINED for s, _at in steps) else "", sender,
            self._stamp(sent),
        )  # fmt: skip
        self.w["event"].add(pk, S.SENT, self._stamp(sent), sender, True, False, "")
        settled = None
        for step, at in steps:
            by_partner = step in PARTNER_STEPS_INCOMING
            reason = "not_eligible" if step == S.DECLINED else ""
            by = sender if by_partner else worker
            self.w["event"].add(pk, step, self._stamp(at), by, by_partner, False, reason)
            if settled is None and step in (S.CONTACT_MADE, S.CLOSED, S.WITHDRAWN, S.DECLINED):
                settled = at
        self.w["task"].add(
            place.pk, None, self.titles["incoming"], day.isoformat(),
            self._stamp(settled) if settled else None, None, None, None, None, None, pk,
        )  # fmt: skip

    # Bookings and feedback ---------------------------------------------------------------

    def _bookings(self, place, day, n):
        rng = self.rng
        for time in sorted(rng.sample(AFTERNOON, min(n, len(AFTERNOON)))):
            starts = self._at(day, time)
            if starts + dt.timedelta(minutes=VISIT_MINUTES) > self.now:
                continue
            self._visit(place, starts)

    def _visit(self, place, starts):
        rng = self.rng
        # Booked one to three weeks ahead, never before the centre opened.
        ahead = min(21, (starts.date() - place.centre.opened_on).days)
        booked = starts - dt.timedelta(days=rng.randint(0, ahead), hours=rng.randint(1, 4))
        details = rng.random() < 0.6  # a phone number or e-mail left for reminders
        status = pick(rng, VISIT_WITH_REMINDER if details else VISIT_WITHOUT_REMINDER)
        ends = starts + dt.timedelta(minutes=VISIT_MINUTES)
        if status.startswith("cancelled"):
            changed = booked + (starts - booked) * rng.uniform(0.2, 0.98)
        else:
            changed = ends + dt.timedelta(minutes=rng.randint(5, 90))
        reminders = []
        if details:
            channel = "sms" if rng.random() < 0.75 else "email"
            for hours in settings.NARA_REMINDER_HOURS_BEFORE:
                send_at = starts - dt.timedelta(hours=hours)
                if send_at > booked:
                    sent = not status.startswith("cancelled") or send_at < changed
                    reminders.append((channel, send_at, sent))
        reminded = any(sent for _c, _at, sent in reminders)
        kept = ends >= self.now - dt.timedelta(days=settings.NARA_BOOKING_RETENTION_DAYS)
        n = self.w["slot"].next_id
        alias = rng.choice(VISIT_ALIASES)
        phone = email = ""
        if kept and details:
            if reminders and reminders[0][0] == "sms":
                phone = crypto.encrypt(FICTION_PHONE.format(rng.randint(605, 699)))
            else:
                email = crypto.encrypt(f"{alias.lower()}@example.org")
        mode = pick(rng, MODES)
        slot = self.w["slot"].add(
            place.pk, rng.choice(place.staff_members) if place.staff_members else None,
            self._stamp(starts), self._stamp(ends), json.dumps([mode]), "[]",
        )  # fmt: skip
        key = f"demo-history:{self.seed}:{place.pk}:{n}"
        feedback = status == "attended" and rng.random() < 0.2
        appointment = self.w["appointment"].add(
            slot, place.pk, status, mode, pick(rng, EXTRA_TOPICS) if kept else "",
            alias if kept else "–", phone, email, pick(rng, place.languages),
            hashlib.sha256(f"{key}:manage".encode()).hexdigest(),
            hashlib.sha256(f"{key}:code".encode()).hexdigest(), rng.random() < 0.25,
            self._stamp(booked), self._stamp(changed), feedback, reminded,
        )  # fmt: skip
        if kept:  # older reminders went with the purge
            for channel, send_at, sent in reminders:
                self.w["reminder"].add(
                    appointment, "reminder", channel, self._stamp(send_at),
                    "sent" if sent else "cancelled", 1 if sent else 0,
                    self._stamp(send_at) if sent else None, uuid.UUID(int=rng.getrandbits(128)).hex,
                )  # fmt: skip
        if status == "no_show":
            self._missed(place, appointment, starts)
        if feedback:
            self._answers(place, timezone.localtime(changed, self.zone).date(), "booking")

    def _missed(self, place, appointment, starts):
        visit = timezone.localtime(starts, self.zone).date()
        due = next_working_day(visit)
        done = None
        if due < self.today - dt.timedelta(days=2):
            done = self._stamp(self._at(due, dt.time(16)) + dt.timedelta(days=1))
        self.w["task"].add(
            place.pk, appointment, self.titles["missed"] % {"date": visit.isoformat()},
            due.isoformat(), done, None, None, None, None, None, None,
        )  # fmt: skip

    def _qr_feedback(self, place, day):
        """Answers from the QR code at the centre over the month that starts at `day`."""
        factor = SEASON[day.month - 1] * place.maturity(day) * place.size * self.scale
        for _n in range(self._draw(2.5 * factor)):
            last = min(self.today, rollups.next_month(day) - dt.timedelta(days=1))
            self._answers(place, day + (last - day) * self.rng.random(), "qr")

    def _answers(self, place, day, via):
        month = day.replace(day=1)
        for question, weights in FEEDBACK.items():
            key = (place.pk, month, via, question, pick(self.rng, weights))
            self.feedback[key] = self.feedback.get(key, 0) + 1
        self.counts["feedback_answers"] += 1

    def _write_feedback(self):
        for (centre, month, via, question, answer), count in sorted(self.feedback.items()):
            cell = VisitFeedbackTally.objects.filter(
                center_id=centre, month=month, via=via, question=question, answer=answer
            )
            if not cell.update(count=F("count") + count):
                VisitFeedbackTally.objects.create(
                    center_id=centre,
                    month=month,
                    via=via,
                    question=question,
                    answer=answer,
                    count=count,
                )

    # Outreach and groups -------------------------------------------------------------------

    def _outreach(self, place, day):
        """Thursday evening walks in the catchment (every other week at a base)."""
        rng = self.rng
        if place.kind == "base" and day.isocalendar().week % 2:
            return
        if not self._factor(place, day) or rng.random() > 0.85 or not place.users:
            return
        summer = day.month in (6, 7, 8)
        starts = self._at(day, dt.time(19 if summer else 18))
        ends = starts + dt.timedelta(hours=3)
        if ends > self.now:
            return
        cells = {}
        busy = OUTREACH_SEASON[day.month - 1] * place.maturity(day)
        for cell, mean in OUTREACH_CELLS:
            n = self._draw(mean * busy)
            if n:
                cells[cell] = n
        staff = rng.sample(place.users, min(len(place.users), rng.choice([1, 2, 2])))
        topics = rng.sample(OUTREACH_TOPICS, rng.choice([1, 1, 2]))
        area = pick(rng, place.areas) if place.areas else None
        pk = self.w["outreach"].add(
            place.pk, day.isoformat(), self._stamp(starts), self._stamp(ends), 180, area,
            json.dumps(topics), sum(cells.values()), rng.randint(0, 4), staff[0],
            self._stamp(ends + dt.timedelta(minutes=20)),
        )  # fmt: skip
        for user in staff:
            self.w["outreach_staff"].add(pk, user)
        police = [p for p, *_rest in self.partners if p.kind == Partner.Kind.POLICE]
        if police and rng.random() < 0.3:
            self.w["outreach_partner"].add(pk, police[0].pk)
        for (age, gender), n in cells.items():
            self.w["outreach_count"].add(pk, age, gender, n)

    def _groups(self, place):
        """A parenting course each spring and autumn, and the monthly language café (both
        counts only: attendance is a number, no one is registered)."""
        course = place.services.get("foraldragrupp")
        cafe = place.services.get("motesplats")
        opened = place.centre.opened_on
        first_year = max(self.start, opened).year
        for year in range(first_year, self.today.year + 1):
            for month, term in ((2, "våren"), (9, "hösten")):
                first = _nth_weekday(year, month, 2, 2)  # the second Wednesday
                if course and first >= max(self.start, opened):
                    title = f"Föräldragrupp {term} {year}"
                    days = [first + dt.timedelta(weeks=n) for n in range(6)]
                    self._group(
                        place, course, title, 14, days, dt.time(17), [12, 11, 11, 10, 9, 10]
                    )
        if cafe:
            days, month = [], max(self.start, opened).replace(day=1)
            while month <= self.today:
                day = _nth_weekday(month.year, month.month, 2, 1)
                if day >= opened and month.month != 7:
                    days.append(day)
                month = rollups.next_month(month)
            self._group(place, cafe, "Språkcafé", 30, days, dt.time(16), None)

    def _group(self, place, service, title, capacity, days, time, attendance):
        rng = self.rng
        days = [d for d in days if self._at(d, time) + dt.timedelta(hours=2) <= self.now]
        if not days:
            return
        leader = place.users[0]
        created = self._at(days[0] - dt.timedelta(days=21), dt.time(10))
        group = self.w["group"].add(
            place.pk, service.pk, title, capacity, leader, self._stamp(created)
        )
        for n, day in enumerate(days):
            starts = self._at(day, time)
            if attendance:
                came = max(3, attendance[n] + rng.randint(-2, 1))
            else:
                came = self._draw(14 * SEASON[day.month - 1] * place.maturity(day))
            session = self.w["session"].add(
                group, self._stamp(starts), self._stamp(starts + dt.timedelta(hours=2)), "", came
            )
            self.w["session_leader"].add(session, rng.choice(place.users))


def _referral_partners(municipality):
    """(partner, service, topic, partner user or None) for the partners the centres refer to:
    those who answer in Nära and the police, who answer by phone."""
    from django.contrib.auth import get_user_model

    found = []
    for partner in Partner.objects.filter(municipality=municipality, active=True).order_by("pk"):
        user = (
            get_user_model()
            .objects.filter(memberships__partner=partner, memberships__role=Role.PARTNER_USER)
            .order_by("pk")
            .first()
        )
        service = partner.services.filter(active=True).exclude(capacity="not_taking").first()
        if service is None or (user is None and service.accepts_referrals):
            continue
        topic = (service.topics or ["parenting"])[0]
        found.append((partner, service, topic, user.pk if user else None))
    return found


def _nth_weekday(year, month, weekday, n):
    day = dt.date(year, month, 1)
    day += dt.timedelta(days=(weekday - day.weekday()) % 7)
    return day + dt.timedelta(weeks=n - 1)


def _midsummer_eve(day):
    return day.month == 6 and 19 <= day.day <= 25 and day.weekday() == 4
