"""Rollups: aggregate tables the insights read instead of the raw casework rows.

Only counts live here: never a person, household, alias, note or any free text. The tables
have no foreign keys (plain ids), so deleting or purging raw rows never cascades into them.

**The cut.** One row per calendar month × centre × the filter dimensions, with the breakdowns
that need no filter as measure columns:

- ContactRollup: month × centre × area × topic × age band × channel × language, measuring
  contacts, first contacts, previously known yes / no, interpreter used, and women/girls,
  men/boys and other gender (not stated = contacts − the three).
- OfferRollup: month the offer was made × centre × service × the contact's area, topic, age
  band and channel, measuring offered / answered / accepted / declined / wants to think /
  started / completed / ended early / referred on. An offer stays in the month it was made
  (a cohort): its later answer, start and end move it between measures, never between months.
- BookingRollup: month of the visit (local time) × centre × whether a visit reminder went
  out, measuring booked (every appointment made) / attended / no-show / cancelled by the
  resident / cancelled by the centre (still booked = booked − the four).
- EscalationRollup: month × centre × kind × reason, measuring escalations.
- ReachRollup: month × centre × kind (people, households, aliases), measuring first
  appearances in the calendar year (unique reach from January adds up; see the class).
- FirstStepsRollup: month of a first contact × centre, measuring the time to the first offer
  and meeting stored on the first contacts (followups.py).

Why months, not days: at city scale a centre has about 20 contacts a day, so a daily cube with
these dimensions would have about as many rows as the contacts themselves and save nothing;
every figure the insights show (dashboards, trends, open statistics, before/after) is monthly.
Periods are therefore whole calendar months.

**Topics.** A contact (and its offers) may have several topics. Each contact adds one row with
topic "" (the topic-free total) and one row per topic it has. Totals and every other breakdown
read only topic = "", so nothing is counted twice; a topic breakdown or filter reads
topic = <slug> (a contact with two topics counts once under each, and those rows do not add up
to the total). Contacts without a topic appear only in the total.

**Area.** area_id 0 = not stated, -1 = lives outside the centre's catchment (a key column may
not be NULL: NULLs never conflict, and the upserts rely on the conflict).

**Slices.** A municipality-wide total over a year reads a few hundred thousand cube rows (the
cube hardly compresses: at city scale it has nearly two rows per contact). So each contact and
offer also adds to a narrow table of one row per month × centre × one dimension:
ContactSlice/OfferSlice with `dimension` "" (the total: one row per month and centre), "area",
"topic", "age_band", "channel" or "language" (contacts only) and its `value` (the area id as
text). The pages' totals, trends and one-way breakdowns, with at most one of the filters area,
topic, age band and channel, read the slices (about 40 rows per centre and month); only
combined filters read the cube (kpis.py decides).

Rows are maintained by the write actions in their own transaction (nara/insights/rollups.py)
and can be recomputed from the raw rows with `manage.py rebuild_rollups`. A row whose measures
all went back to 0 (a booking moved to another month) is kept and means nothing.
"""

from django.db import models

KEY_AREA_NOT_STATED = 0
KEY_AREA_OUTSIDE = -1
ALL_TOPICS = ""

CONTACT_KEY = ("month", "center_id", "area_id", "topic", "age_band", "channel", "language")
OFFER_KEY = ("month", "center_id", "service_id", "area_id", "topic", "age_band", "channel")
BOOKING_KEY = ("month", "center_id", "reminder_sent")
SLICE_KEY = ("dimension", "value", "month", "center_id")
TOTAL = ""  # the slice dimension of the totals (its value is "" too)
CONTACT_SLICES = ("area", "topic", "age_band", "channel", "language")
OFFER_SLICES = ("area", "topic", "age_band", "channel")
ESCALATION_KEY = ("month", "center_id", "kind", "reason")
REACH_KEY = ("month", "center_id", "kind")
FIRST_STEPS_KEY = ("month", "center_id")
QUICK_DAYS = 14  # "within 14 days" of a first contact
REACH_KINDS = {"people": "person_id", "households": "household_id", "aliases": "alias_id"}


def _unique(model_name, fields):
    return [models.UniqueConstraint(fields=fields, name=f"{model_name}_one_row_per_key")]


class ContactCounts(models.Model):
    """The counts of contacts, in the full rollup and in the slices."""

    contacts = models.IntegerField(default=0)
    first_contacts = models.IntegerField(default=0)
    known_yes = models.IntegerField(default=0)
    known_no = models.IntegerField(default=0)
    interpreter = models.IntegerField(default=0)
    female = models.IntegerField(default=0)
    male = models.IntegerField(default=0)
    other_gender = models.IntegerField(default=0)

    MEASURES = (
        "contacts",
        "first_contacts",
        "known_yes",
        "known_no",
        "interpreter",
        "female",
        "male",
        "other_gender",
    )

    class Meta:
        abstract = True


class OfferCounts(models.Model):
    """The counts of support offers, in the full rollup and in the slices."""

    offered = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    declined = models.IntegerField(default=0)
    thinking = models.IntegerField(default=0)
    started = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    ended_early = models.IntegerField(default=0)
    referred_on = models.IntegerField(default=0)

    MEASURES = (
        "offered",
        "answered",
        "accepted",
        "declined",
        "thinking",
        "started",
        "completed",
        "ended_early",
        "referred_on",
    )

    class Meta:
        abstract = True


class ContactRollup(ContactCounts):
    month = models.DateField()
    center_id = models.IntegerField()
    area_id = models.IntegerField()
    topic = models.CharField(max_length=30)
    age_band = models.CharField(max_length=8)
    channel = models.CharField(max_length=20)
    language = models.CharField(max_length=8)

    KEY = CONTACT_KEY

    class Meta:
        constraints = _unique("contactrollup", list(CONTACT_KEY))
        indexes = [models.Index(fields=["center_id", "month"], name="contactrollup_centre")]


class OfferRollup(OfferCounts):
    month = models.DateField()
    center_id = models.IntegerField()
    service_id = models.IntegerField()
    area_id = models.IntegerField()
    topic = models.CharField(max_length=30)
    age_band = models.CharField(max_length=8)
    channel = models.CharField(max_length=20)

    KEY = OFFER_KEY

    class Meta:
        constraints = _unique("offerrollup", list(OFFER_KEY))
        indexes = [models.Index(fields=["center_id", "month"], name="offerrollup_centre")]


class ContactSlice(ContactCounts):
    dimension = models.CharField(max_length=12)
    value = models.CharField(max_length=30)
    month = models.DateField()
    center_id = models.IntegerField()

    KEY = SLICE_KEY
    DIMENSIONS = CONTACT_SLICES

    class Meta:
        constraints = _unique("contactslice", list(SLICE_KEY))
        # A breakdown reads one dimension over a period's months from this index alone (the
        # unique key, value before month, would visit every month of every value).
        indexes = [
            models.Index(
                fields=["dimension", "month"],
                include=["value", "center_id", "contacts", "first_contacts", "known_no"],
                name="contactslice_by_month",
            )
        ]


class OfferSlice(OfferCounts):
    dimension = models.CharField(max_length=12)
    value = models.CharField(max_length=30)
    month = models.DateField()
    center_id = models.IntegerField()

    KEY = SLICE_KEY
    DIMENSIONS = OFFER_SLICES

    class Meta:
        constraints = _unique("offerslice", list(SLICE_KEY))


class BookingRollup(models.Model):
    month = models.DateField()
    center_id = models.IntegerField()
    reminder_sent = models.BooleanField()

    booked = models.IntegerField(default=0)
    attended = models.IntegerField(default=0)
    no_show = models.IntegerField(default=0)
    cancelled_resident = models.IntegerField(default=0)
    cancelled_centre = models.IntegerField(default=0)

    KEY = BOOKING_KEY
    MEASURES = ("booked", "attended", "no_show", "cancelled_resident", "cancelled_centre")

    class Meta:
        constraints = _unique("bookingrollup", list(BOOKING_KEY))


class EscalationRollup(models.Model):
    month = models.DateField()
    center_id = models.IntegerField()
    kind = models.CharField(max_length=20)
    reason = models.CharField(max_length=20)

    escalations = models.IntegerField(default=0)

    KEY = ESCALATION_KEY
    MEASURES = ("escalations",)

    class Meta:
        constraints = _unique("escalationrollup", list(ESCALATION_KEY))


class ReachRollup(models.Model):
    """Unique reach, by first appearance in the calendar year: for each month × centre × kind
    (people, households, aliases), how many of that kind had their first contact of the
    year at the centre in that month.

    Distinct counts do not add up over months, but first appearances do: the people reached
    from January up to any month of a year are the sum of the year's first appearances in
    those months. So the dashboards' usual periods (a year, or January to a month) read a few
    hundred rows instead of counting distinct subjects over a year of contacts; any other
    period or filter counts the raw rows (kpis.reach). A person, household or alias belongs
    to one centre and so do their contacts, so the centre sums add up to a municipality."""

    month = models.DateField()
    center_id = models.IntegerField()
    kind = models.CharField(max_length=10)

    subjects = models.IntegerField(default=0)

    KEY = REACH_KEY
    MEASURES = ("subjects",)

    class Meta:
        constraints = _unique("reachrollup", list(REACH_KEY))


class FirstStepsRollup(models.Model):
    """Time from a first contact to the first offer and the first meeting (followups.py), per
    month of the first contact × centre: the first contacts that can be followed, how many
    had an offer (a meeting), the days summed, and how many within QUICK_DAYS. Kept from the
    dates stored on each first contact: whoever changes those dates applies the difference."""

    month = models.DateField()
    center_id = models.IntegerField()

    followed = models.IntegerField(default=0)
    offered = models.IntegerField(default=0)
    offer_days = models.IntegerField(default=0)
    offer_quick = models.IntegerField(default=0)
    met = models.IntegerField(default=0)
    meeting_days = models.IntegerField(default=0)
    meeting_quick = models.IntegerField(default=0)

    KEY = FIRST_STEPS_KEY
    MEASURES = (
        "followed",
        "offered",
        "offer_days",
        "offer_quick",
        "met",
        "meeting_days",
        "meeting_quick",
    )

    class Meta:
        constraints = _unique("firststepsrollup", list(FIRST_STEPS_KEY))


class PurgeMark(models.Model):
    """Raw rows of `source` dated before `before` may have been deleted by the retention purge.

    Rollups keep their counts for those months (they are aggregate, not personal data: the
    purge never subtracts), and rebuild_rollups leaves every month that starts before the mark
    untouched, since its raw rows are no longer complete."""

    source = models.CharField(max_length=20, unique=True)  # contacts, offers, escalations
    before = models.DateField()
