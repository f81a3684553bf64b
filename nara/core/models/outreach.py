"""Outreach (fältarbete) and group activities (gruppverksamhet).

An outreach shift holds no personal data at all: who walked (staff), when, where (an area of the
catchment or a point), how many people were met by age band and gender, the topics raised and
the partners present. Its counts are statistics, not records about anyone, so retention does not
touch them.

A group activity (a parenting course, a homework café) has sessions with leaders and attendance.
Who takes part follows the service's documentation level, as contacts do (core/actions/
contacts.py): full → a registered person; no identity → an alias; counts only → numbers only.
Participants and waiting-list entries that name a person or alias are identified data: read
and written with an audit entry, purged by the retention policy (RecordType.PARTICIPANT,
RecordType.WAITING_LIST).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .casework import AgeBand, Alias, Gender
from .centers import Center
from .geo import Area
from .people import Person
from .services import Service
from .staff import Partner

MAX_CELL = 1000  # people in one age band and gender on one shift


class OutreachShift(models.Model):
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="outreach_shifts")
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    # The local date the shift began: months are counted by it.
    date = models.DateField(_("date"))
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(_("end"))
    minutes = models.PositiveIntegerField(_("minutes"))
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    topics = models.JSONField(_("topics"), default=list, blank=True)
    people_met = models.PositiveIntegerField(_("people met"), default=0)
    contacts_made = models.PositiveIntegerField(_("contacts made"), default=0)
    partners = models.ManyToManyField(Partner, related_name="+", blank=True)
    note = models.CharField(_("short note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("outreach shift")
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["center", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="outreach_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(contacts_made__lte=MAX_CELL), name="outreach_contacts_plausible"
            ),
        ]


class OutreachCount(models.Model):
    """People met on a shift in one age band and gender (only cells above zero are stored)."""

    shift = models.ForeignKey(OutreachShift, on_delete=models.CASCADE, related_name="counts")
    age_band = models.CharField(_("age"), max_length=8, choices=AgeBand.choices)
    gender = models.CharField(_("gender"), max_length=12, choices=Gender.choices)
    count = models.PositiveIntegerField(_("people"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "age_band", "gender"], name="outreach_count_cell_once"
            ),
            models.CheckConstraint(
                condition=Q(count__gte=1, count__lte=MAX_CELL), name="outreach_count_plausible"
            ),
        ]


class GroupActivity(models.Model):
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="groups")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="groups")
    title = models.CharField(_("title"), max_length=120)
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    capacity = models.PositiveSmallIntegerField(_("places"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("group activity")
        verbose_name_plural = _("group activities")
        ordering = ["title", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=500), name="group_capacity_plausible"
            )
        ]

    def __str__(self):
        return self.title


class GroupSession(models.Model):
    activity = models.ForeignKey(GroupActivity, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(_("end"))
    leaders = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    partner_leader = models.CharField(_("leader from the partner"), max_length=80, blank=True)
    # How many came (set once the session took place); registered participants are marked in
    # SessionAttendance beside it.
    attended = models.PositiveSmallIntegerField(_("participants"), null=True, blank=True)

    class Meta:
        verbose_name = _("group session")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="group_session_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(attended__isnull=True) | Q(attended__lte=1000),
                name="group_session_attendance_plausible",
            ),
        ]

    @property
    def center_id(self):
        return self.activity.center_id


class GroupParticipant(models.Model):
    """A registered participant: a person (full documentation) or an alias (no identity)."""

    activity = models.ForeignKey(
        GroupActivity, on_delete=models.CASCADE, related_name="participants"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="group_places"
    )
    alias = models.ForeignKey(
        Alias, null=True, blank=True, on_delete=models.CASCADE, related_name="group_places"
    )
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        verbose_name = _("group participant")
        ordering = ["joined_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, alias__isnull=True)
                | Q(person__isnull=True, alias__isnull=False),
                name="group_participant_is_someone",
            )
        ]

    @property
    def center_id(self):
        return self.activity.center_id


class SessionAttendance(models.Model):
    session = models.ForeignKey(GroupSession, on_delete=models.CASCADE, related_name="present")
    participant = models.ForeignKey(
        GroupParticipant, on_delete=models.CASCADE, related_name="attendance"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "participant"], name="session_attendance_once"
            )
        ]


class WaitingListEntry(models.Model):
    """Someone waiting for a place: a person, an alias, or (counts only) just a number."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting")
        PLACED = "placed", _("offered a place")
        WITHDRAWN = "withdrawn", _("no longer waiting")

    activity = models.ForeignKey(GroupActivity, on_delete=models.CASCADE, related_name="waiting")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="group_waiting"
    )
    alias = models.ForeignKey(
        Alias, null=True, blank=True, on_delete=models.CASCADE, related_name="group_waiting"
    )
    count = models.PositiveSmallIntegerField(_("people"), default=1)
    added_on = models.DateField(_("added on"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)

    class Meta:
        verbose_name = _("waiting-list entry")
        verbose_name_plural = _("waiting list")
        ordering = ["added_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(count__gte=1, count__lte=50), name="waiting_count_plausible"
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=True) | Q(alias__isnull=True),
                name="waiting_entry_one_subject",
            ),
        ]

    @property
    def center_id(self):
        return self.activity.center_id
