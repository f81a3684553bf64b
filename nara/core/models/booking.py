"""Booking: published availability, concrete slots, appointments, reminders, callbacks and
anonymous questions. Resident data is minimal, encrypted where it identifies, and purged."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .centers import Center, StaffMember


class Mode(models.TextChoices):
    CENTRE = "centre", _("at the centre")
    PHONE = "phone", _("by phone")
    VIDEO = "video", _("video call")
    HOME = "home", _("home visit")
    PARTNER = "partner", _("at a partner's premises, such as a school")


class Availability(models.Model):
    """A recurring window in which residents can book meetings of a given length."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="availability")
    staff_member = models.ForeignKey(
        StaffMember,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("staff member"),
    )
    byday = models.CharField(_("weekdays"), max_length=40, help_text=_("e.g. MO,WE"))
    opens_at = models.TimeField(_("from"))
    closes_at = models.TimeField(_("to"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    meeting_minutes = models.PositiveSmallIntegerField(_("meeting length (minutes)"), default=45)
    modes = models.JSONField(_("modes"), default=list)
    interpreter_languages = models.JSONField(
        _("interpreter available in"), default=list, blank=True
    )

    class Meta:
        verbose_name = _("bookable times")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="availability_window"
            ),
            models.CheckConstraint(
                condition=Q(meeting_minutes__gte=10, meeting_minutes__lte=240),
                name="availability_meeting_length",
            ),
        ]


class Slot(models.Model):
    """One bookable time. At most one active appointment per slot, enforced by the database."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="slots")
    availability = models.ForeignKey(
        Availability, null=True, blank=True, on_delete=models.SET_NULL, related_name="slots"
    )
    staff_member = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    modes = models.JSONField(default=list)
    interpreter_languages = models.JSONField(default=list)
    is_withdrawn = models.BooleanField(default=False)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["availability", "starts_at"], name="slot_once_per_rule_and_time"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="slot_span"
            ),
        ]


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", _("booked")
        ATTENDED = "attended", _("attended")
        NO_SHOW = "no_show", _("did not come")
        CANCELLED_BY_RESIDENT = "cancelled_resident", _("cancelled by the resident")
        CANCELLED_BY_CENTRE = "cancelled_centre", _("cancelled by the centre")

    ACTIVE = (Status.BOOKED, Status.ATTENDED, Status.NO_SHOW)

    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="appointments")
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="appointments")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.BOOKED)
    mode = models.CharField(_("how"), max_length=10, choices=Mode.choices)
    topic = models.CharField(_("topic"), max_length=30, blank=True)
    alias = models.CharField(_("first name or alias"), max_length=40)
    phone_encrypted = models.TextField(blank=True)
    email_encrypted = models.TextField(blank=True)
    language = models.CharField(max_length=8)
    interpreter_language = models.CharField(max_length=8, blank=True)
    manage_token_hash = models.CharField(max_length=64, unique=True)
    code_hash = models.CharField(max_length=64, unique=True)
    # The code again, encrypted, so reminders can repeat it; purged with the contact details.
    code_encrypted = models.TextField(blank=True)
    booked_by_staff = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    rebook_nudge_sent_at = models.DateTimeField(null=True, blank=True)
    # The resident answered the questions after the visit (once); not what they answered.
    feedback_given = models.BooleanField(default=False)
    # A visit reminder (not a notice) reached the resident: the no-show rate is compared with
    # and without one (insights). Kept when the purge deletes the reminders themselves.
    reminder_sent = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["slot__starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot"],
                condition=Q(status__in=["booked", "attended", "no_show"]),
                name="one_active_appointment_per_slot",
            )
        ]


class Reminder(models.Model):
    class Channel(models.TextChoices):
        SMS = "sms", "SMS"
        EMAIL = "email", _("e-mail")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        SENDING = "sending", _("being sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    appointment = models.ForeignKey(
        Appointment, null=True, on_delete=models.SET_NULL, related_name="reminders"
    )
    kind = models.CharField(max_length=20, default="reminder")
    channel = models.CharField(max_length=5, choices=Channel.choices)
    send_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, unique=True)
    last_error = models.CharField(max_length=200, blank=True)


class CallbackRequest(models.Model):
    """ "Call me back": a phone number and a preferred time, nothing more."""

    class When(models.TextChoices):
        MORNING = "morning", _("morning")
        AFTERNOON = "afternoon", _("afternoon")
        ANY = "any", _("any time")

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="callbacks")
    alias = models.CharField(max_length=40)
    phone_encrypted = models.TextField()
    language = models.CharField(max_length=8)
    when = models.CharField(max_length=10, choices=When.choices, default=When.ANY)
    topic = models.CharField(max_length=30, blank=True)
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    answer_encrypted = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at"]


class AnonymousQuestion(models.Model):
    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="questions")
    topic = models.CharField(max_length=30, blank=True)
    language = models.CharField(max_length=8)
    question_encrypted = models.TextField()
    answer_encrypted = models.TextField(blank=True)
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]


class FollowUpTask(models.Model):
    """Work for staff, e.g. after a no-show: reach out, offer a new time."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="tasks")
    appointment = models.ForeignKey(
        Appointment, null=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    title = models.CharField(max_length=200)
    due = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    # Casework: who should do it and what it is about (tasks by hand, escalation clocks, ...).
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person = models.ForeignKey(
        "core.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    contact = models.ForeignKey(
        "core.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    escalation = models.ForeignKey(
        "core.Escalation", null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    referral = models.ForeignKey(
        "core.Referral", null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )

    class Meta:
        ordering = ["due"]
        indexes = [models.Index(fields=["center", "done_at", "due"])]


class DailyRun(models.Model):
    """One row per day of scheduled maintenance: the unique date lets only one worker claim it."""

    date = models.DateField(unique=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict)


class PurgeProtocol(models.Model):
    """What a purge run removed: counts per record type, never content."""

    ran_at = models.DateTimeField(auto_now_add=True)
    counts = models.JSONField(default=dict)
    cutoff = models.DateTimeField()
