"""The social worker's own records: contacts, aliases, households, offers, consent, journal,
escalations and retention.

What may be stored about whom follows the service's documentation level (Service): counts only
→ a contact carries only aggregate fields; no identity → at most an alias; full → a person or
household. The actions in core/actions/casework*.py enforce this; the models only hold it.
Free text written about people (notes, journal) is encrypted at rest like the personnummer.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import crypto
from .centers import Center
from .geo import Area
from .people import Person
from .services import Service
from .staff import Partner


class Channel(models.TextChoices):
    DROP_IN = "drop_in", _("drop-in")
    BOOKED = "booked", _("booked visit")
    PHONE = "phone", _("phone")
    DIGITAL = "digital", _("digital message")
    OUTREACH = "outreach", _("outreach")
    PARTNER_REFERRAL = "partner_referral", _("partner referral")
    HOME_VISIT = "home_visit", _("home visit")


class AgeBand(models.TextChoices):
    CHILD_0_5 = "0-5", _("0–5 years")
    CHILD_6_12 = "6-12", _("6–12 years")
    YOUTH_13_17 = "13-17", _("13–17 years")
    YOUNG_ADULT_18_25 = "18-25", _("18–25 years")
    ADULT_26_64 = "26-64", _("26–64 years")
    SENIOR_65 = "65+", _("65 years or older")
    UNKNOWN = "unknown", _("not known")


class Gender(models.TextChoices):
    NOT_STATED = "not_stated", _("not stated")
    FEMALE = "female", _("woman or girl")
    MALE = "male", _("man or boy")
    OTHER = "other", _("other")


class YesNoUnknown(models.TextChoices):
    UNKNOWN = "unknown", _("don't know")
    YES = "yes", _("yes")
    NO = "no", _("no")


class Household(models.Model):
    """A family or household worked with as a whole (full documentation only)."""

    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="households")
    name = models.CharField(_("name"), max_length=80)
    created_at = models.DateTimeField(default=timezone.now)
    legal_hold = models.BooleanField(_("legal hold"), default=False)

    class Meta:
        verbose_name = _("household")

    def __str__(self):
        return self.name


class HouseholdMember(models.Model):
    class Relationship(models.TextChoices):
        PARENT = "parent", _("parent")
        CHILD = "child", _("child")
        PARTNER = "partner", _("partner")
        OTHER = "other", _("other")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="households")
    relationship = models.CharField(_("relationship"), max_length=10, choices=Relationship.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["household", "person"], name="household_member_once")
        ]


class Alias(models.Model):
    """A pseudonym a resident chose (or was given): recurring contacts without identity."""

    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="aliases")
    name = models.CharField(_("alias"), max_length=40)
    created_at = models.DateTimeField(default=timezone.now)
    # Set when the resident later agreed to be identified; the consent is on record.
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="aliases"
    )
    linked_at = models.DateTimeField(null=True, blank=True)
    link_consent = models.ForeignKey(
        "Consent", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("alias")
        constraints = [
            models.UniqueConstraint(fields=["center", "name"], name="alias_unique_per_centre")
        ]

    def __str__(self):
        return self.name


class Contact(models.Model):
    """One encounter. Aggregate fields always; person fields only as the service allows."""

    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="contacts")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="contacts")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    occurred_on = models.DateField(_("date"))
    duration_minutes = models.PositiveSmallIntegerField(_("minutes"), null=True, blank=True)
    topics = models.JSONField(_("topics"), default=list, blank=True)
    age_band = models.CharField(
        _("age"), max_length=8, choices=AgeBand.choices, default=AgeBand.UNKNOWN
    )
    gender = models.CharField(
        _("gender"), max_length=12, choices=Gender.choices, default=Gender.NOT_STATED
    )
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # No area and this unset: not stated. Set: lives outside the centre's catchment.
    area_outside = models.BooleanField(_("lives outside the catchment"), default=False)
    language = models.CharField(_("language"), max_length=8, blank=True)
    interpreter_used = models.BooleanField(_("interpreter used"), default=False)
    previously_known = models.CharField(
        _("previously known to social services"),
        max_length=8,
        choices=YesNoUnknown.choices,
        default=YesNoUnknown.UNKNOWN,
    )
    first_contact = models.BooleanField(_("first contact with this centre"), default=False)
    note_encrypted = models.TextField(blank=True)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    alias = models.ForeignKey(
        Alias, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    # Where the contact came from, when it came from a booking, call-back or question.
    appointment = models.ForeignKey(
        "core.Appointment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    callback = models.ForeignKey(
        "core.CallbackRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    question = models.ForeignKey(
        "core.AnonymousQuestion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # A first contact's first offer and first meeting, kept by the actions (insights/followups.py).
    first_offer_on = models.DateField(null=True, blank=True, editable=False)
    first_meeting_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("contact")
        indexes = [
            models.Index(fields=["center", "occurred_on"]),
            # The insights' unique reach and time to first steps read these alone (an
            # index-only scan on PostgreSQL), whatever centres are chosen.
            *(
                models.Index(
                    fields=["occurred_on", "center", subject],
                    condition=Q(**{f"{subject}__isnull": False}),
                    name=f"contact_reach_{subject}",
                )
                for subject in ("person", "household", "alias")
            ),
            models.Index(
                fields=["occurred_on", "center"],
                include=["first_offer_on", "first_meeting_on"],
                condition=Q(first_contact=True)
                & (Q(person__isnull=False) | Q(alias__isnull=False)),
                name="contact_first_steps",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True) | Q(duration_minutes__lte=24 * 60),
                name="contact_duration_at_most_a_day",
            )
        ]

    @property
    def note(self):
        return crypto.decrypt(self.note_encrypted)


class DropInHeadcount(models.Model):
    """How many came to a drop-in session, beside any individual contacts recorded."""

    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="headcounts")
    date = models.DateField(_("date"))
    count = models.PositiveIntegerField(_("visitors"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["center", "date"], name="one_headcount_per_day"),
            models.CheckConstraint(condition=Q(count__lte=10000), name="headcount_plausible"),
        ]


class Consent(models.Model):
    """Samtycke: what the person agreed may be shared, with whom, for what, until when."""

    class Scope(models.TextChoices):
        IDENTITY = "identity", _("name and identity")
        CONTACT_DETAILS = "contact_details", _("contact details")
        SITUATION = "situation", _("the reason for contact")
        HOUSEHOLD = "household", _("household members")

    class GivenHow(models.TextChoices):
        VERBAL = "verbal", _("verbally")
        WRITTEN = "written", _("in writing")
        DIGITAL = "digital", _("digitally")

    class GivenBy(models.TextChoices):
        PERSON = "person", _("the person")
        GUARDIAN = "guardian", _("a guardian")

    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="consents")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="consents"
    )
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.CASCADE, related_name="consents"
    )
    scope = models.JSONField(_("what may be shared"), default=list)
    recipient_partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="consents"
    )
    recipient_unit = models.CharField(_("recipient unit"), max_length=120, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200)
    given_how = models.CharField(_("given how"), max_length=10, choices=GivenHow.choices)
    given_by = models.CharField(_("given by"), max_length=10, choices=GivenBy.choices)
    given_on = models.DateField(_("given on"))
    valid_until = models.DateField(_("valid until"))
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("consent")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("given_on")), name="consent_period_valid"
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(household__isnull=False),
                name="consent_has_subject",
            ),
        ]

    def is_valid(self, on=None):
        on = on or timezone.localdate()
        return self.withdrawn_at is None and self.given_on <= on <= self.valid_until


class SupportOffer(models.Model):
    """Help offered in a contact, and the answer: the funnel offered → accepted → started →
    completed is counted from these rows."""

    class Answer(models.TextChoices):
        NO_ANSWER = "no_answer", _("no answer yet")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        THINKING = "thinking", _("wants to think")

    class Outcome(models.TextChoices):
        NONE = "", _("not ended")
        COMPLETED = "completed", _("completed")
        ENDED_EARLY = "ended_early", _("ended early")
        REFERRED_ON = "referred_on", _("referred on")

    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="offers")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="offers")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="offers")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="offers"
    )
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="offers"
    )
    alias = models.ForeignKey(
        Alias, null=True, blank=True, on_delete=models.SET_NULL, related_name="offers"
    )
    offered_on = models.DateField(_("offered on"))
    answer = models.CharField(
        _("answer"), max_length=10, choices=Answer.choices, default=Answer.NO_ANSWER
    )
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)

    class Meta:
        verbose_name = _("support offer")
        indexes = [models.Index(fields=["center", "offered_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(ended_on__gte=models.F("started_on")),
                name="offer_ends_after_start",
            )
        ]


class JournalNote(models.Model):
    """A note about a person or household. Append-only: a correction is a new note that points
    at the one it corrects; nothing is updated in place or deleted outside the retention purge.
    """

    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="journal")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="journal"
    )
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.CASCADE, related_name="journal"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    text_encrypted = models.TextField()
    # HMAC over author, time, subject and text: the note is as it was signed.
    signature = models.CharField(max_length=64)
    corrects = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="correction"
    )
    correction_reason = models.CharField(_("reason for correction"), max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(household__isnull=False),
                name="journal_note_has_subject",
            )
        ]

    @property
    def text(self):
        return crypto.decrypt(self.text_encrypted)


class Escalation(models.Model):
    """Orosanmälan or aktualisering: that it happened, never its content."""

    class Kind(models.TextChoices):
        CHILD_CONCERN = "child_concern", _("report of concern about a child")
        FORMAL_CASE = "formal_case", _("needs the formal system (application or investigation)")

    class Reason(models.TextChoices):
        VIOLENCE = "violence", _("violence or threats")
        NEGLECT = "neglect", _("neglect or lack of care")
        OWN_BEHAVIOUR = "own_behaviour", _("the young person's own behaviour")
        SUBSTANCES = "substances", _("alcohol or drugs")
        ECONOMY = "economy", _("economy or housing")
        OTHER = "other", _("other")

    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="escalations")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="escalations"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="escalations"
    )
    identity_unknown_reason = models.CharField(
        _("why the child's identity is unknown"), max_length=200, blank=True
    )
    made_on = models.DateField(_("date"))
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    to_unit = models.CharField(_("to which unit"), max_length=120)
    case_reference = models.CharField(_("reference in the case system"), max_length=40, blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("escalation")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="child_concern")
                | Q(person__isnull=False)
                | ~Q(identity_unknown_reason=""),
                name="child_concern_names_child_or_why_not",
            )
        ]


class RecordType(models.TextChoices):
    CONTACT = "contact", _("contacts")
    NOTE = "note", _("journal notes")
    OFFER = "offer", _("support offers")
    CONSENT = "consent", _("consents")
    ESCALATION = "escalation", _("escalation records")
    PERSON = "person", _("people")
    HOUSEHOLD = "household", _("households")
    ALIAS = "alias", _("aliases")
    REFERRAL = "referral", _("referrals")
    MEETING = "meeting", _("collaboration meetings")
    PARTICIPANT = "participant", _("group participants")
    WAITING_LIST = "waiting_list", _("group waiting lists")


class RetentionPolicy(models.Model):
    """How long each kind of record is kept after it was last relevant (gallring)."""

    record_type = models.CharField(max_length=12, choices=RecordType.choices, unique=True)
    days = models.PositiveIntegerField(_("days kept"))

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(days__gte=1, days__lte=36500), name="retention_days_plausible"
            )
        ]
